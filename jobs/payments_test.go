package jobs

import (
	"testing"

	"github.com/sparkwire/sparkwire/events"
)

// The reference table is the payments domain's list of categories, in its order, with
// each category's code and risk: a category the generator draws is never missing from
// the join.
func TestMerchantCategoriesFromEvents(t *testing.T) {
	cats := events.MerchantCategories()
	if len(MerchantCategories()) != len(cats) {
		t.Fatalf("%d rows, %d categories", len(MerchantCategories()), len(cats))
	}
	for i, c := range cats {
		if want := (MerchantCategory{Category: c.Name, MCC: c.MCC, Risk: c.Risk}); MerchantCategories()[i] != want {
			t.Errorf("row %d: %+v, want %+v", i, MerchantCategories()[i], want)
		}
	}
	if MerchantCategories()[0] != (MerchantCategory{"grocery", 5411, "low"}) {
		t.Errorf("first row %+v", MerchantCategories()[0])
	}
}
