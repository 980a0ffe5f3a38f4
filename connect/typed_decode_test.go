package connect

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// decodeReference decodes rec into values of T the way RowsAs did before it read Arrow
// arrays directly: each value boxed by valueAt, then stored by assign. It returns the
// values decoded before the first error, and the error.
func decodeReference[T any](t *testing.T, rec arrow.RecordBatch) ([]T, error) {
	t.Helper()
	target, err := structTarget(reflect.TypeFor[T]())
	if err != nil {
		t.Fatal(err)
	}
	fields := structFields(target)
	names := make([]string, rec.NumCols())
	for c, f := range rec.Schema().Fields() {
		names[c] = f.Name
	}
	m, err := matchFields(target, names, "")
	if err != nil {
		return nil, fmt.Errorf("typed rows: %w", err)
	}
	var out []T
	for i := range int(rec.NumRows()) {
		var v T
		dst := reflect.ValueOf(&v).Elem()
		if dst.Kind() == reflect.Pointer {
			dst.Set(reflect.New(target))
			dst = dst.Elem()
		}
		for c, col := range rec.Columns() {
			f := fields[m[c]]
			if err := assign(dst.FieldByIndex(f.index), valueAt(col, i, isVariantField(rec.Schema().Field(c))), names[c]); err != nil {
				return out, fmt.Errorf("typed rows: row %d, column %s into field %s: %w", i, names[c], target.FieldByIndex(f.index).Name, err)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// decodeDirect decodes rec with the structDecoder RowsAs and CollectAs use.
func decodeDirect[T any](t *testing.T, rec arrow.RecordBatch) ([]T, error) {
	t.Helper()
	dec, err := newStructDecoder(reflect.TypeFor[T]())
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.batch(rec, nil, 0); err != nil {
		return nil, err
	}
	var out []T
	for i := range int(rec.NumRows()) {
		var v T
		if err := dec.decode(reflect.ValueOf(&v).Elem(), i, i); err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// sameDecoding checks that the direct decoder gives what the reference gives: the same
// values, or the same values up to the same error; wantErr says whether there is one.
func sameDecoding[T any](t *testing.T, name string, rec arrow.RecordBatch, wantErr bool) {
	t.Helper()
	want, refErr := decodeReference[T](t, rec)
	got, err := decodeDirect[T](t, rec)
	if fmt.Sprint(err) != fmt.Sprint(refErr) {
		t.Errorf("%s: error %v\n                want %v", name, err, refErr)
	}
	if (err != nil) != wantErr {
		t.Errorf("%s: error %v, want one: %t", name, err, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !sameStrict(reflect.ValueOf(got[i]), reflect.ValueOf(want[i])) {
			t.Errorf("%s: row %d\n got %+v\nwant %+v", name, i, got[i], want[i])
		}
	}
}

// sameStrict compares decoded values: pointers by what they point to, floats with NaN
// equal to NaN, times by instant and location, the rest as reflect.DeepEqual does.
func sameStrict(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		x, y := a.Interface().(time.Time), b.Interface().(time.Time)
		return x.Equal(y) && x.Location() == y.Location()
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameStrict(a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameStrict(a.Elem(), b.Elem())
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float() || math.IsNaN(a.Float()) && math.IsNaN(b.Float())
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !sameStrict(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// typedRecord builds a batch of one column per Arrow type with a direct path into a field,
// of the given values (nil for NULL), every column of the same rows.
func typedRecord(t *testing.T, cols map[string][]any) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	for _, name := range []string{"i8", "i16", "i32", "i64", "f32", "f64", "s", "ls", "b", "ts"} {
		if _, ok := cols[name]; !ok {
			continue
		}
		var dt arrow.DataType
		switch name {
		case "i8":
			dt = arrow.PrimitiveTypes.Int8
		case "i16":
			dt = arrow.PrimitiveTypes.Int16
		case "i32":
			dt = arrow.PrimitiveTypes.Int32
		case "i64":
			dt = arrow.PrimitiveTypes.Int64
		case "f32":
			dt = arrow.PrimitiveTypes.Float32
		case "f64":
			dt = arrow.PrimitiveTypes.Float64
		case "s":
			dt = arrow.BinaryTypes.String
		case "ls":
			dt = arrow.BinaryTypes.LargeString
		case "b":
			dt = arrow.FixedWidthTypes.Boolean
		case "ts":
			dt = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		}
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for c, f := range fields {
		for _, v := range cols[f.Name] {
			if v == nil {
				b.Field(c).AppendNull()
				continue
			}
			switch x := b.Field(c).(type) {
			case *array.Int8Builder:
				x.Append(v.(int8))
			case *array.Int16Builder:
				x.Append(v.(int16))
			case *array.Int32Builder:
				x.Append(v.(int32))
			case *array.Int64Builder:
				x.Append(v.(int64))
			case *array.Float32Builder:
				x.Append(v.(float32))
			case *array.Float64Builder:
				x.Append(v.(float64))
			case *array.StringBuilder:
				x.Append(v.(string))
			case *array.LargeStringBuilder:
				x.Append(v.(string))
			case *array.BooleanBuilder:
				x.Append(v.(bool))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
			}
		}
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

// The direct paths from Arrow arrays into struct fields store what the general path
// (valueAt, then assign) stores, and fail where it fails with the same error: widening and
// narrowing integers, overflow, float32 exactness and NaN, named types, NULLs into pointers
// and into plain fields, types that do not fit.
func TestStructDecoderMatchesAssign(t *testing.T) {
	type lvl string
	type small int16
	when := time.Date(2026, 3, 4, 5, 6, 7, 891000, time.UTC)
	ok := map[string][]any{
		"i8":  {int8(-128), int8(127), int8(0)},
		"i16": {int16(-300), int16(300), int16(1)},
		"i32": {int32(math.MinInt32), int32(70000), int32(2)},
		"i64": {int64(math.MinInt64), int64(1) << 40, int64(3)},
		"f32": {float32(0.25), float32(math.Inf(1)), float32(math.NaN())},
		"f64": {0.5, math.NaN(), -2.0},
		"s":   {"", "é", "a longer string"},
		"ls":  {"x", "", "yy"},
		"b":   {true, false, true},
		"ts":  {when, time.Unix(0, 0), when.Add(-time.Hour * 24 * 365 * 80)},
	}
	rec := typedRecord(t, ok)

	type exact struct {
		I8  int8      `spark:"i8"`
		I16 int16     `spark:"i16"`
		I32 int32     `spark:"i32"`
		I64 int64     `spark:"i64"`
		F32 float32   `spark:"f32"`
		F64 float64   `spark:"f64"`
		S   string    `spark:"s"`
		LS  lvl       `spark:"ls"`
		B   bool      `spark:"b"`
		TS  time.Time `spark:"ts"`
	}
	sameDecoding[exact](t, "exact", rec, false)
	sameDecoding[*exact](t, "exact pointers", rec, false)
	type wide struct {
		I8  int        `spark:"i8"`
		I16 int64      `spark:"i16"`
		I32 int64      `spark:"i32"`
		I64 int        `spark:"i64"`
		F32 float64    `spark:"f32"`
		F64 *float64   `spark:"f64"`
		S   *string    `spark:"s"`
		LS  any        `spark:"ls"`
		B   *bool      `spark:"b"`
		TS  *time.Time `spark:"ts"`
	}
	sameDecoding[wide](t, "wider", rec, false)
	type narrow struct {
		I8  small   `spark:"i8"`
		I16 int8    `spark:"i16"` // 300 overflows
		I32 int64   `spark:"i32"`
		I64 int64   `spark:"i64"`
		F32 float32 `spark:"f32"`
		F64 float64 `spark:"f64"`
		S   string  `spark:"s"`
		LS  string  `spark:"ls"`
		B   bool    `spark:"b"`
		TS  Date    `spark:"ts"`
	}
	sameDecoding[narrow](t, "overflow", rec, true)
	for _, c := range []struct {
		name string
		cols map[string][]any
	}{
		{"double into float32, exact and NaN", map[string][]any{"f64": {0.5, math.NaN(), 1e30}}},
		{"bigint into int32", map[string][]any{"i64": {int64(5), int64(1) << 40}}},
		{"NULL into a plain field", map[string][]any{"i64": {int64(1), nil}}},
		{"NULL string", map[string][]any{"s": {"a", nil}}},
	} {
		rec := typedRecord(t, c.cols)
		type f32 struct {
			F64 float32 `spark:"f64"`
		}
		type i32 struct {
			I64 int32 `spark:"i64"`
		}
		type str struct {
			S string `spark:"s"`
		}
		switch {
		case c.cols["f64"] != nil:
			sameDecoding[f32](t, c.name, rec, true)
		case c.cols["i64"] != nil:
			sameDecoding[i32](t, c.name, rec, true)
		default:
			sameDecoding[str](t, c.name, rec, true)
		}
	}
	// Pairs without a direct path take the general one, errors included.
	type mismatched struct {
		I8  uint8         `spark:"i8"`
		I16 time.Duration `spark:"i16"`
	}
	sameDecoding[mismatched](t, "uint8 from tinyint, duration from smallint", typedRecord(t, map[string][]any{
		"i8": {int8(3), int8(-1)}, "i16": {int16(1), int16(2)},
	}), true)
	type wrongKinds struct {
		F32 int64   `spark:"f32"`
		S   []byte  `spark:"s"`
		B   string  `spark:"b"`
		TS  float64 `spark:"ts"`
	}
	sameDecoding[wrongKinds](t, "wrong kinds", typedRecord(t, map[string][]any{
		"f32": {float32(1)}, "s": {"x"}, "b": {true}, "ts": {when},
	}), true)
	// A decoded string does not share the batch's memory.
	got, err := decodeDirect[exact](t, rec)
	if err != nil || len(got) != 3 {
		t.Fatal(err)
	}
	if s := rec.Column(6).(*array.String).Value(2); unsafe.StringData(s) == unsafe.StringData(got[2].S) {
		t.Error("decoded string shares the batch's memory")
	}
}
