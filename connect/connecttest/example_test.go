package connecttest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// A job's test runs it against the in-memory server: the server returns canned data for
// every query and records the plans, which the test then checks (here by hand; a test
// would use CheckGolden with a golden file in testdata).
func Example() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()

	// What every query returns.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "user", Type: arrow.BinaryTypes.String},
		{Name: "clicks", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"ada", "bob"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{7, 3}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release() // the server keeps its own reference

	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	// The job under test.
	rows, err := s.Table("clicks").Where("clicks > 1").Rows(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r.Value(0), r.Value(1))
	}

	// The plan it sent.
	plans := srv.Plans()
	diff, err := plans[0].Diff([]byte(`{
	  "root": {
	    "common": {"planId": "1"},
	    "filter": {
	      "input": {"common": {"planId": "0"}, "read": {"namedTable": {"unparsedIdentifier": "clicks"}}},
	      "condition": {"expressionString": {"expression": "clicks > 1"}}
	    }
	  }
	}`))
	fmt.Printf("%d plan, diff %q, err %v\n", len(plans), diff, err)

	// A failure, as Spark reports it.
	srv.FailNext("TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `nope` cannot be found.")
	_, err = s.Table("nope").Rows(ctx)
	var se *connect.SparkError
	if errors.As(err, &se) {
		fmt.Println(se.ErrorClass, se.SQLState)
	}
	// Output:
	// ada 7
	// bob 3
	// 1 plan, diff "", err <nil>
	// TABLE_OR_VIEW_NOT_FOUND 42P01
}
