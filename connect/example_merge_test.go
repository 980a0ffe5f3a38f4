package connect_test

import (
	"context"
	"log"

	"github.com/sparkwire/sparkwire/connect"
)

// Upsert a batch of account changes into a table of a catalog that supports row-level
// operations (here an Apache Iceberg catalog named lake): closed accounts are deleted,
// known ones updated, new ones inserted, and accounts missing from the batch marked
// dormant. The target's columns are named by the table's name, the source's by its alias.
func ExampleDataFrame_MergeInto() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	changes := s.Table("account_changes").Alias("c")
	err = changes.MergeInto("lake.bank.accounts", connect.Col("accounts.id").Eq(connect.Col("c.id"))).
		WhenMatched(connect.Col("c.status").Eq("closed")).Delete().
		WhenMatched().UpdateAll().
		WhenNotMatched().InsertAll().
		WhenNotMatchedBySource().Update(map[string]connect.Column{"status": connect.Lit("dormant")}).
		WithSchemaEvolution(). // columns new in account_changes are added to the table
		Merge(ctx)
	if err != nil {
		log.Fatal(err)
	}
}
