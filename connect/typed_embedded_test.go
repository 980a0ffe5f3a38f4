package connect

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/types"
)

// TyEmbedded is embedded by pointer in tyOuter; its fields are promoted.
type TyEmbedded struct {
	B int64  `spark:"b"`
	C string `spark:"c"`
}

type tyOuter struct {
	A int64 `spark:"a"`
	*TyEmbedded
}

type tyHidden struct {
	B int64  `spark:"b"`
	C string `spark:"c"`
}

type tyOuterHidden struct {
	A int64 `spark:"a"`
	*tyHidden
}

// readBothWays reads df with CollectAs and with RowsAs, checks that both give want, and
// returns what RowsAs gave.
func readBothWays(t *testing.T, df *DataFrame, want []tyOuter) []tyOuter {
	t.Helper()
	got, err := CollectAs[tyOuter](fakeCtx(t), df)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("CollectAs: %+v, %v", got, err)
	}
	var seq []tyOuter
	for v, err := range RowsAs[tyOuter](fakeCtx(t), df) {
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, v)
	}
	if !reflect.DeepEqual(seq, want) {
		t.Fatalf("RowsAs: %+v", seq)
	}
	return seq
}

// Fields promoted through an embedded struct pointer: decoding allocates the pointer, a
// value decoded into again (RowsAs) gets a pointer of its own per row, and a nil pointer
// reads as NULLs (CreateDataFrameOf, Lit). An unexported embedded pointer cannot be set:
// an error, never a panic.
func TestEmbeddedStructPointer(t *testing.T) {
	srv, s := fakeSession(t, WithAllocator(memory.NewCheckedAllocator(memory.NewGoAllocator())))
	schema := types.Struct(types.Field("a", types.Long), types.Field("b", types.Long), types.Field("c", types.String))
	serve(srv, recordOf(t, schema, []any{int64(1), int64(10), "x"}, []any{int64(2), int64(20), "y"}))
	want := []tyOuter{{A: 1, TyEmbedded: &TyEmbedded{B: 10, C: "x"}}, {A: 2, TyEmbedded: &TyEmbedded{B: 20, C: "y"}}}

	seq := readBothWays(t, s.Range(0, 1, 1), want)
	if seq[0].TyEmbedded == seq[1].TyEmbedded {
		t.Fatalf("RowsAs: %+v (the rows must not share their embedded pointer)", seq)
	}

	// An unexported embedded pointer cannot be allocated.
	_, err := CollectAs[tyOuterHidden](fakeCtx(t), s.Range(0, 1, 1))
	if err == nil || !strings.Contains(err.Error(), "unexported struct") {
		t.Fatalf("CollectAs into an unexported embedded pointer: %v", err)
	}

	// A nil embedded pointer: its fields are NULL, nullable in the schema.
	schemaOf, err := SchemaOf[tyOuter]()
	if err != nil || len(schemaOf.Fields) != 3 || schemaOf.Fields[0].Nullable || !schemaOf.Fields[1].Nullable {
		t.Fatalf("SchemaOf: %v, %v", schemaOf, err)
	}
	echoLocal(srv)
	rows, err := CreateDataFrameOf(s, []tyOuter{{A: 3}}).Rows(fakeCtx(t))
	if err != nil || len(rows) != 1 || rows[0].Value(0) != int64(3) || rows[0].Value(1) != nil || rows[0].Value(2) != nil {
		t.Fatalf("CreateDataFrameOf with a nil embedded pointer: %v, %v", rows, err)
	}
	// Read back, the NULLs leave the pointer nil: the value round-trips.
	if back, err := CollectAs[tyOuter](fakeCtx(t), CreateDataFrameOf(s, []tyOuter{{A: 3}, {A: 4, TyEmbedded: &TyEmbedded{B: 1}}})); err != nil ||
		!reflect.DeepEqual(back, []tyOuter{{A: 3}, {A: 4, TyEmbedded: &TyEmbedded{B: 1}}}) {
		t.Fatalf("CreateDataFrameOf with a nil embedded pointer read back: %+v, %v", back, err)
	}
	if c := TypedLit(tyOuter{A: 3}); c.err != nil || len(c.expr.GetLiteral().GetStruct().GetElements()) != 3 ||
		c.expr.GetLiteral().GetStruct().GetElements()[1].GetNull() == nil {
		t.Fatalf("TypedLit of a struct with a nil embedded pointer: %v, %v", c.expr, c.err)
	}
}

// A NULL for a field behind an embedded pointer leaves the pointer nil while every field
// behind it is NULL; once another of its fields has a value, a NULL into a field that cannot
// hold one is an error naming it, whichever column comes first. The same holds in nested
// structs.
func TestEmbeddedPointerNulls(t *testing.T) {
	srv, s := fakeSession(t)
	schema := types.Struct(types.Field("a", types.Long), types.Field("b", types.Long), types.Field("c", types.String))
	serve(srv, recordOf(t, schema, []any{int64(1), nil, nil}, []any{int64(2), int64(10), "x"}, []any{int64(3), int64(0), ""}))
	want := []tyOuter{{A: 1}, {A: 2, TyEmbedded: &TyEmbedded{B: 10, C: "x"}}, {A: 3, TyEmbedded: &TyEmbedded{}}}
	readBothWays(t, s.Range(0, 1, 1), want)

	for _, row := range [][]any{{int64(4), nil, "y"}, {int64(4), int64(5), nil}} {
		serve(srv, recordOf(t, schema, row))
		if got, err := CollectAs[tyOuter](fakeCtx(t), s.Range(0, 1, 1)); err == nil || !strings.Contains(err.Error(), "NULL") {
			t.Errorf("CollectAs of %v: %+v, %v; want an error about the NULL", row, got, err)
		}
	}

	type nested struct {
		O tyOuter `spark:"o"`
	}
	serve(srv, recordOf(t, types.Struct(types.Field("o", schema)), []any{[]any{int64(1), nil, nil}}, []any{[]any{int64(2), int64(7), "z"}}))
	gotNested, err := CollectAs[nested](fakeCtx(t), s.Range(0, 1, 1))
	if wantNested := []nested{{tyOuter{A: 1}}, {tyOuter{A: 2, TyEmbedded: &TyEmbedded{B: 7, C: "z"}}}}; err != nil || !reflect.DeepEqual(gotNested, wantNested) {
		t.Fatalf("CollectAs of nested structs: %+v, %v", gotNested, err)
	}
	serve(srv, recordOf(t, types.Struct(types.Field("o", schema)), []any{[]any{int64(1), nil, "q"}}))
	if got, err := CollectAs[nested](fakeCtx(t), s.Range(0, 1, 1)); err == nil || !strings.Contains(err.Error(), "NULL") {
		t.Errorf("CollectAs of a nested NULL beside a value: %+v, %v", got, err)
	}
}
