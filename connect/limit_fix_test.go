package connect

import (
	"math"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Spark's limit is an int32: a larger n is an error, not a wrapped-around negative limit.
func TestLimitOutOfRange(t *testing.T) {
	srv, s := dialGolden(t)
	n := math.MaxInt32
	checkPlan(t, srv, s.Range(0, 10, 1).Limit(n), limitRel(rangeRel(10), math.MaxInt32))
	n++
	if err := s.Range(0, 10, 1).Limit(n).Err(); err == nil {
		t.Errorf("Limit(%d) has no error", n)
	}
	// Show clamps, as Spark does: the limit stays in range.
	answerWith(t, srv, stringBatch("show_string", "table"))
	for _, n := range []int{math.MaxInt32 - 1, math.MaxInt32, n} {
		if _, err := s.Range(0, 10, 1).Show(goldenCtx(t), n); err != nil {
			t.Fatalf("Show(%d): %v", n, err)
		}
		plans := srv.Plans()
		checkProto(t, "Show", noIDs(plans[len(plans)-1].GetRoot()), &sparkpb.Relation{RelType: &sparkpb.Relation_ShowString{ShowString: &sparkpb.ShowString{
			Input: limitRel(rangeRel(10), math.MaxInt32), NumRows: math.MaxInt32 - 1, Truncate: 20,
		}}})
	}
}
