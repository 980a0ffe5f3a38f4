package connect_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// Read rows as Go values one batch at a time: the loop holds the batch being read, not the
// result. (This example runs against connecttest's in-memory server, which answers every
// query with the batch it is given.)
func ExampleDataFrame_All() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "page", Type: arrow.BinaryTypes.String}, {Name: "views", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"/home", "/cart"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{42, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release()

	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	for row, err := range s.Table("page_views").All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		views, _ := row.Get("views")
		fmt.Println(row.Value(0), views)
	}
	// Output:
	// /home 42
	// /cart <nil>
}
