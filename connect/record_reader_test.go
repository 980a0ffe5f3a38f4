package connect

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// consume reads any arrow-go RecordReader to the end, as a consumer of the interface would,
// and returns the string values of its first column.
func consume(t *testing.T, rdr array.RecordReader) []string {
	t.Helper()
	var got []string
	for rec, err := range array.IterFromReader(rdr) {
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Schema().Equal(rdr.Schema()) {
			t.Fatalf("batch schema %v, reader schema %v", rec.Schema(), rdr.Schema())
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			got = append(got, rec.Column(0).(*array.String).Value(i))
		}
	}
	return got
}

// A RecordReader is an arrow-go array.RecordReader: its schema is there before the first
// batch, and it is reference counted.
func TestRecordReaderIsAnArrowRecordReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	srv, s := fakeSession(t, WithAllocator(mem))
	fakeStrings(srv, memory.DefaultAllocator, "a", "b", "c")
	rr, err := s.Range(0, 3, 1).Collect(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var rdr array.RecordReader = rr
	schema := rdr.Schema() // before any Next
	if schema == nil || schema.NumFields() != 1 || schema.Field(0).Name != "s" || !arrow.TypeEqual(schema.Field(0).Type, arrow.BinaryTypes.String) {
		t.Fatalf("schema before the first batch: %v", schema)
	}
	rdr.Retain() // the consumer's reference
	if got := consume(t, rdr); len(got) != 3 || got[0] != "a" || got[2] != "c" {
		t.Fatalf("values %v", got)
	}
	if rr.Rows() != 3 || rr.Err() != nil || rr.Record() != nil {
		t.Fatalf("rows %d, err %v", rr.Rows(), rr.Err())
	}
	if rr.SparkSchema() == nil || rr.SparkSchema().Fields[0].Name != "s" {
		t.Fatalf("spark schema %v", rr.SparkSchema())
	}
	rdr.Release()
	rr.Release()
	rr.Release() // one release too many does nothing more
	mem.AssertSize(t, 0)
}

// An empty result still has its schema.
func TestRecordReaderEmptyResult(t *testing.T) {
	srv, s := fakeSession(t)
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		return []arrow.RecordBatch{b.NewRecordBatch()}, nil
	})
	rr, err := s.Range(0, 0, 1).Collect(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if sc := rr.Schema(); sc.NumFields() != 1 || sc.Field(0).Name != "x" {
		t.Fatalf("schema %v", sc)
	}
	if rr.Next() || rr.Err() != nil {
		t.Fatalf("a batch from an empty result, or %v", rr.Err())
	}
}

// When the query fails before any batch, Schema gives an empty schema (never nil) and Err
// tells why.
func TestRecordReaderSchemaOfFailedQuery(t *testing.T) {
	srv, s := fakeSession(t)
	srv.OnExecute(func(_ context.Context, req *sparkpb.ExecutePlanRequest, _ *fakeserver.Operation) error {
		if req.GetPlan().GetRoot() == nil {
			return fakeserver.ErrUseDefault
		}
		return fakeserver.SparkError(codes.InvalidArgument, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "[TABLE_OR_VIEW_NOT_FOUND] nope", "")
	})
	rr, err := s.Table("missing").Collect(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if sc := rr.Schema(); sc == nil || sc.NumFields() != 0 {
		t.Fatalf("schema %v", sc)
	}
	var se *SparkError
	if !errors.As(rr.Err(), &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Fatalf("err = %v", rr.Err())
	}
	if rr.Next() {
		t.Fatal("a batch after the error")
	}
}

// A reader released before it has been read does not read further.
func TestRecordReaderReleasedEarly(t *testing.T) {
	srv, s := fakeSession(t)
	fakeStrings(srv, memory.DefaultAllocator, "a", "b")
	rr, err := s.Range(0, 2, 1).Collect(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	rr.Release()
	if rr.Next() {
		t.Fatal("Next after Release")
	}
	if sc := rr.Schema(); sc == nil {
		t.Fatal("nil schema after Release")
	}
}

// Spark 4.1 sends a variant column as a plain struct of two binaries and says it is a
// variant only in its schema response: rows still decode it as a Variant.
func TestVariantFromSparkSchema(t *testing.T) {
	srv, s := fakeSession(t)
	srv.OnExecute(func(_ context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if req.GetPlan().GetRoot() == nil {
			return fakeserver.ErrUseDefault
		}
		variant := &sparkpb.DataType{Kind: &sparkpb.DataType_Variant_{Variant: &sparkpb.DataType_Variant{}}}
		if err := op.Send(&sparkpb.ExecutePlanResponse{Schema: &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{
			Fields: []*sparkpb.DataType_StructField{{Name: "v", DataType: variant}}}}}}); err != nil {
			return err
		}
		plain := arrow.Field{Name: "v", Type: arrow.StructOf(
			arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true},
			arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary, Nullable: true}), Nullable: true}
		b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{plain}, nil))
		defer b.Release()
		appendVariant(b.Field(0).(*array.StructBuilder), vshort("hi"), vmeta(1))
		rec := b.NewRecordBatch()
		defer rec.Release()
		resp, err := fakeserver.ArrowBatch(rec)
		if err != nil {
			return err
		}
		return op.Send(resp)
	})
	ctx := fakeCtx(t)
	rr, err := s.SQL(ctx, "SELECT parse_json('\"hi\"') AS v")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := rr.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := rows[0].Value(0).(Variant)
	if !ok {
		t.Fatalf("value %#v", rows[0].Value(0))
	}
	if js, err := v.JSON(); err != nil || js != `"hi"` {
		t.Fatalf("JSON %q, %v", js, err)
	}
}
