package connecttest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
	"github.com/sparkwire/sparkwire/connect/types"
)

// The catalog of a session: the in-memory server keeps a small catalog of its own
// (spark_catalog.default, the tables made with CreateTable, the temporary views), so code
// that looks tables up can be tested without Spark.
func Example_catalog() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	cat := s.Catalog()

	db, err := cat.CurrentDatabase(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current database:", db)

	// A managed table with a schema, and a temporary view.
	schema := types.Struct(
		types.StructField{Name: "id", Type: types.Long},
		types.Field("page", types.String),
	)
	if _, err := cat.CreateTable(ctx, "clicks", connect.TableDefinition{Source: "parquet", Schema: schema, Description: "raw clicks"}); err != nil {
		log.Fatal(err)
	}
	if err := s.Range(0, 10, 1).CreateTempView(ctx, "numbers"); err != nil {
		log.Fatal(err)
	}

	tables, err := cat.ListTables(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tables {
		fmt.Printf("table %s in %q (%s, temporary %v)\n", t.Name, t.Database(), t.TableType, t.IsTemporary)
	}
	cols, err := cat.ListColumns(ctx, "clicks", connect.InDatabase("default"))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cols {
		fmt.Printf("column %s %s nullable %v\n", c.Name, c.DataType, c.Nullable)
	}

	// Missing tables are errors that match connect.ErrNotFound.
	_, err = cat.GetTable(ctx, "nope")
	fmt.Println("nope found:", !errors.Is(err, connect.ErrNotFound))

	// Caching a table.
	if err := cat.CacheTable(ctx, "numbers", connect.MemoryOnly); err != nil {
		log.Fatal(err)
	}
	cached, err := cat.IsCached(ctx, "numbers")
	if err != nil {
		log.Fatal(err)
	}
	dropped, err := cat.DropTempView(ctx, "numbers")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("cached:", cached, "dropped:", dropped)
	// Output:
	// current database: default
	// table clicks in "default" (MANAGED, temporary false)
	// table numbers in "" (TEMPORARY, temporary true)
	// column id bigint nullable false
	// column page string nullable true
	// nope found: false
	// cached: true dropped: true
}
