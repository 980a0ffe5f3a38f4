package connect

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// sameGo reports whether two values as Row gives them are equal: reflect.DeepEqual, except
// that NaN equals NaN and rows compare by names and values.
func sameGo(a, b any) bool {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok && math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
	case float32:
		if y, ok := b.(float32); ok && x != x && y != y {
			return true
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameGo(x[i], y[i]) {
				return false
			}
		}
		return true
	case Row:
		y, ok := b.(Row)
		return ok && reflect.DeepEqual(x.Names(), y.Names()) && sameGo(x.Values(), y.Values())
	}
	return reflect.DeepEqual(a, b)
}

// rowsMatchValueAt checks that the rows of rec give, for every row and column, what
// valueAt gives for the column's array (the one value at a time conversion), through
// Value, Values, Get and String.
func rowsMatchValueAt(rec arrow.RecordBatch) error {
	rows := RowsOf(rec)
	if len(rows) != int(rec.NumRows()) {
		return fmt.Errorf("%d rows of a batch of %d", len(rows), rec.NumRows())
	}
	fields := rec.Schema().Fields()
	for i, r := range rows {
		want := make([]any, rec.NumCols())
		for c, col := range rec.Columns() {
			want[c] = valueAt(col, i, isVariantField(fields[c]))
		}
		if r.Len() != len(want) {
			return fmt.Errorf("row %d: Len %d, want %d", i, r.Len(), len(want))
		}
		for c := range want {
			if got := r.Value(c); !sameGo(got, want[c]) {
				return fmt.Errorf("row %d column %s: Value %#v (%T), want %#v (%T)", i, fields[c].Name, got, got, want[c], want[c])
			}
		}
		if got := r.Values(); !sameGo(got, want) {
			return fmt.Errorf("row %d: Values %#v, want %#v", i, got, want)
		}
		for _, f := range fields {
			if got, ok := r.Get(f.Name); !ok || !sameGo(got, want[indexOfName(fields, f.Name)]) {
				return fmt.Errorf("row %d: Get(%s) %#v, %t", i, f.Name, got, ok)
			}
		}
		names := make([]string, len(fields))
		for c, f := range fields {
			names[c] = f.Name
		}
		if got, want := r.String(), rowOf(names, want).String(); got != want {
			return fmt.Errorf("row %d: String %s, want %s", i, got, want)
		}
	}
	return nil
}

// indexOfName returns the first field of the name (Get returns the first of equal names).
func indexOfName(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// nullsRecord builds a batch of the column kinds that rows keep by type, with NULLs,
// empty values and values longer than a view inlines, in the types Spark does not send too
// (unsigned integers, large binaries, every timestamp unit, and views unless spark is set:
// the reader refuses them).
func nullsRecord(t *testing.T, mem memory.Allocator, rows int, spark bool) arrow.RecordBatch {
	t.Helper()
	fields := []arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "sv", Type: arrow.BinaryTypes.StringView, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "lbin", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
		{Name: "bv", Type: arrow.BinaryTypes.BinaryView, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts_s", Type: arrow.FixedWidthTypes.Timestamp_s, Nullable: true},
		{Name: "ts_ms", Type: arrow.FixedWidthTypes.Timestamp_ms, Nullable: true},
		{Name: "ts_us", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Etc/UTC"}, Nullable: true},
		{Name: "ts_ns", Type: arrow.FixedWidthTypes.Timestamp_ns, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "st", Type: arrow.StructOf(
			arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "in", Type: arrow.StructOf(arrow.Field{Name: "z", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}), Nullable: true},
		), Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}, // a second column of the same name
	}
	if spark {
		fields = slices.DeleteFunc(fields, func(f arrow.Field) bool {
			return f.Type.ID() == arrow.STRING_VIEW || f.Type.ID() == arrow.BINARY_VIEW
		})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	long := strings.Repeat("long value ", 3)
	for i := range rows {
		null := i%3 == 1
		str := strings.Repeat("é", i%4) // "" every fourth row
		if i%5 == 4 {
			str = long
		}
		for c, fb := range b.Fields() {
			if null && c != len(fields)-1 {
				fb.AppendNull()
				continue
			}
			switch x := fb.(type) {
			case *array.BooleanBuilder:
				x.Append(i%2 == 0)
			case *array.Int8Builder:
				x.Append(int8(-i))
			case *array.Int16Builder:
				x.Append(int16(i * 300))
			case *array.Int32Builder:
				x.Append(int32(-i * 70000))
			case *array.Int64Builder:
				x.Append(int64(i) << 40)
			case *array.Uint8Builder:
				x.Append(uint8(i))
			case *array.Uint16Builder:
				x.Append(uint16(i * 300))
			case *array.Uint32Builder:
				x.Append(uint32(i) * 70000)
			case *array.Uint64Builder:
				x.Append(math.MaxUint64 - uint64(i))
			case *array.Float32Builder:
				x.Append(float32(i) / 3)
			case *array.Float64Builder:
				if i == 2 {
					x.Append(math.NaN())
				} else {
					x.Append(float64(i) / 7)
				}
			case *array.StringBuilder:
				x.Append(str)
			case *array.LargeStringBuilder:
				x.Append(str + "!")
			case *array.StringViewBuilder:
				x.Append(str)
			case *array.BinaryBuilder:
				if x.Type().ID() == arrow.LARGE_BINARY {
					x.Append(bytes.Repeat([]byte{byte(i)}, i%3))
				} else {
					x.Append([]byte(str))
				}
			case *array.BinaryViewBuilder:
				x.Append([]byte(str))
			case *array.Date32Builder:
				x.Append(arrow.Date32(-i * 400))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(int64(i) * 1_234_567_891))
			case *array.ListBuilder:
				x.Append(true)
				x.ValueBuilder().(*array.StringBuilder).Append(str)
			case *array.StructBuilder:
				x.Append(true)
				if i%5 == 2 {
					x.FieldBuilder(0).AppendNull()
				} else {
					x.FieldBuilder(0).(*array.Int64Builder).Append(int64(i))
				}
				x.FieldBuilder(1).(*array.StringBuilder).Append(str)
				in := x.FieldBuilder(2).(*array.StructBuilder)
				if i%4 == 3 {
					in.AppendNull()
				} else {
					in.Append(true)
					in.FieldBuilder(0).(*array.BooleanBuilder).Append(i%2 == 0)
				}
			default:
				t.Fatalf("no value for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

// Rows kept by column give, value by value, what ValueAt gives: every Arrow type Spark
// sends (the fuzz seeds), NULLs and empty values in every column kind, and batches that are
// slices of larger ones (arrays with an offset).
func TestRowsOfMatchesValueAt(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var recs []arrow.RecordBatch
	for _, seed := range arrowSeeds(t) {
		_, rs, err := wire.DecodeBatch(seed, mem)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rs...)
	}
	recs = append(recs, nullsRecord(t, mem, 23, false))
	for k, n := 0, len(recs); k < n; k++ {
		if rows := recs[k].NumRows(); rows > 2 {
			recs = append(recs, recs[k].NewSlice(1, rows-1), recs[k].NewSlice(rows-1, rows), recs[k].NewSlice(2, 2))
		}
	}
	for k, rec := range recs {
		if err := rowsMatchValueAt(rec); err != nil {
			t.Errorf("batch %d (%d rows): %v", k, rec.NumRows(), err)
		}
	}
	// The rows stay valid after their batches are released (and their memory reused).
	kept := RowsOf(recs[len(recs)-4])
	want := make([][]any, len(kept))
	for i, r := range kept {
		want[i] = r.Values()
	}
	for _, rec := range recs {
		rec.Release()
	}
	reuse := nullsRecord(t, mem, 64, false)
	defer reuse.Release()
	for i, r := range kept {
		if got := r.Values(); !sameGo(got, want[i]) {
			t.Errorf("row %d after release: %v, want %v", i, got, want[i])
		}
	}
}

// Values returns a copy; a []byte value is capped at its end, so neither changing the
// slice nor appending to a value reaches another row.
func TestRowValuesAreTheirOwn(t *testing.T) {
	rec := nullsRecord(t, memory.DefaultAllocator, 6, false)
	defer rec.Release()
	rows := RowsOf(rec)
	if rows[0].Names()[11] != "s" || rows[3].Names()[14] != "bin" {
		t.Fatalf("names %v", rows[0].Names())
	}
	vals := rows[0].Values()
	vals[4] = "changed"
	if rows[0].Value(4) != int64(0) {
		t.Errorf("changing Values changed the row: %v", rows[0].Value(4))
	}
	// Rows 2 and 3 hold "éé" and "ééé" in bin, next to each other in the column.
	two := rows[2].Value(14).([]byte)
	_ = append(two, 'X', 'X', 'X')
	if got := rows[3].Value(14).([]byte); string(got) != "ééé" {
		t.Errorf("appending to row 2's value changed row 3's: %q", got)
	}
	two[0] = 'Z'
	if got := rows[3].Value(14).([]byte); string(got) != "ééé" {
		t.Errorf("changing row 2's value changed row 3's: %q", got)
	}
}

func TestRowZeroAndRange(t *testing.T) {
	var zero Row
	if size, want := unsafe.Sizeof(zero), 2*unsafe.Sizeof(uintptr(0)); size != want {
		t.Errorf("a Row takes %d bytes, want %d (a pointer and an index)", size, want)
	}
	if zero.Len() != 0 || zero.Names() != nil || zero.Values() != nil || zero.String() != "Row()" {
		t.Errorf("zero row: %d %v %v %s", zero.Len(), zero.Names(), zero.Values(), zero.String())
	}
	if _, ok := zero.Get(""); ok {
		t.Error("zero row Get found a value")
	}
	for _, c := range []struct {
		r Row
		i int
	}{{zero, 0}, {rowOf(nil, []any{1}), 1}, {rowOf(nil, []any{1}), -1}} {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "Row.Value") {
					t.Errorf("Value(%d) of %v: panic %v", c.i, c.r, p)
				}
			}()
			c.r.Value(c.i)
		}()
	}
	if RowsOf(nil) != nil {
		t.Error("RowsOf(nil) is not nil")
	}
	// A batch of rows without columns.
	empty := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 3)
	defer empty.Release()
	if rows := RowsOf(empty); len(rows) != 3 || rows[2].Len() != 0 || rows[2].String() != "Row()" {
		t.Errorf("rows without columns: %v", rows)
	}
}

// Rows and CollectAs return slices of exactly their length, and DataFrame.All yields the
// same rows as Rows, batch by batch.
func TestRowsAllCollectAsAgree(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	srv, s := fakeSession(t, WithAllocator(mem))
	var recs []arrow.RecordBatch
	for k := range 7 {
		rec := nullsRecord(t, memory.DefaultAllocator, 5+k, true)
		t.Cleanup(rec.Release)
		recs = append(recs, rec)
	}
	empty := recs[0].NewSlice(0, 0)
	t.Cleanup(empty.Release)
	serve(srv, append([]arrow.RecordBatch{empty}, recs...)...)
	ctx := fakeCtx(t)
	df := s.Range(0, 1, 1)
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 5*7 + 21; len(rows) != want || cap(rows) != len(rows) {
		t.Fatalf("Rows: len %d cap %d, want %d", len(rows), cap(rows), want)
	}
	var want []Row
	for _, rec := range recs {
		want = append(want, RowsOf(rec)...)
	}
	n := 0
	for r, err := range df.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if !sameGo(r, want[n]) || !sameGo(rows[n], want[n]) {
			t.Fatalf("row %d: All %v, Rows %v, want %v", n, r, rows[n], want[n])
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("All yielded %d rows, want %d", n, len(want))
	}
	mem.AssertSize(t, 0)

	type target struct {
		I64 *int64     `spark:"i64"`
		F64 *float64   `spark:"f64"`
		S   *string    `spark:"s"`
		TS  *time.Time `spark:"ts_us"`
	}
	serve(srv, selectColumns(t, recs, "i64", "f64", "s", "ts_us")...)
	got, err := CollectAs[target](ctx, df)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || cap(got) != len(got) {
		t.Fatalf("CollectAs: len %d cap %d, want %d", len(got), cap(got), len(want))
	}
	for i, w := range want {
		g := []any{nil, nil, nil, nil}
		if got[i].I64 != nil {
			g[0] = *got[i].I64
		}
		if got[i].F64 != nil {
			g[1] = *got[i].F64
		}
		if got[i].S != nil {
			g[2] = *got[i].S
		}
		if got[i].TS != nil {
			g[3] = *got[i].TS
		}
		for c, name := range []string{"i64", "f64", "s", "ts_us"} {
			v, _ := w.Get(name)
			if !sameGo(g[c], v) {
				t.Errorf("CollectAs row %d %s: %v, want %v", i, name, g[c], v)
			}
		}
	}
	mem.AssertSize(t, 0)
}

// selectColumns returns batches of the named columns of recs, released at the end of the
// test.
func selectColumns(t *testing.T, recs []arrow.RecordBatch, names ...string) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for _, rec := range recs {
		var fields []arrow.Field
		var cols []arrow.Array
		for _, name := range names {
			i := rec.Schema().FieldIndices(name)[0]
			fields = append(fields, rec.Schema().Field(i))
			cols = append(cols, rec.Column(i))
		}
		sel := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
		t.Cleanup(sel.Release)
		out = append(out, sel)
	}
	return out
}

// Breaking out of All releases the result; an error ends it, yielded once.
func TestAllBreakAndErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	srv, s := fakeSession(t, WithAllocator(mem))
	var recs []arrow.RecordBatch
	for range 4 {
		rec := nullsRecord(t, memory.DefaultAllocator, 3, true)
		t.Cleanup(rec.Release)
		recs = append(recs, rec)
	}
	serve(srv, recs...)
	ctx := fakeCtx(t)
	n := 0
	var kept Row
	for r, err := range s.Range(0, 1, 1).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 4 {
			kept = r
			break
		}
	}
	mem.AssertSize(t, 0)
	if kept.Value(4) != int64(0) || kept.Value(11) != "" || kept.Len() != 23 {
		t.Errorf("kept row after break: %v", kept)
	}
	errs := 0
	for r, err := range (*DataFrame)(nil).All(ctx) {
		if !errors.Is(err, ErrNilDataFrame) || r.Len() != 0 {
			t.Errorf("nil DataFrame: %v, %v", r, err)
		}
		errs++
	}
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		return nil, errors.New("boom")
	})
	for r, err := range s.Range(0, 1, 1).All(ctx) {
		if err == nil || !strings.Contains(err.Error(), "boom") || r.Len() != 0 {
			t.Errorf("failed query: %v, %v", r, err)
		}
		errs++
	}
	if errs != 2 {
		t.Errorf("%d errors yielded, want 2", errs)
	}
}
