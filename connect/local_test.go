package connect

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/types"
)

func dec(unscaled int64, scale int32) types.Decimal {
	return types.Decimal{Unscaled: big.NewInt(unscaled), Scale: scale}
}

// normalize makes values comparable with reflect.DeepEqual: decimals become their text.
func normalize(v any) any {
	switch x := v.(type) {
	case types.Decimal:
		return "decimal " + x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[normalize(k)] = normalize(e)
		}
		return out
	case Row:
		vals := x.Values()
		for i, e := range vals {
			vals[i] = normalize(e)
		}
		return rowOf(x.Names(), vals)
	}
	return v
}

func TestBuildRecordRoundTrip(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	inner := types.Struct(
		types.Field("x", types.Integer),
		types.StructField{Name: "y", Type: types.ArrayType{Element: types.String, ContainsNull: true}, Nullable: true},
	)
	schema := types.Struct(
		types.StructField{Name: "b", Type: types.Byte, Nullable: false},
		types.Field("s16", types.Short),
		types.Field("i", types.Integer),
		types.Field("l", types.Long),
		types.Field("f", types.Float),
		types.Field("d", types.Double),
		types.Field("bool", types.Boolean),
		types.Field("str", types.String),
		types.Field("bin", types.Binary),
		types.Field("dec", types.DecimalType{Precision: 10, Scale: 2}),
		types.Field("date", types.Date),
		types.Field("ts", types.Timestamp),
		types.Field("ntz", types.TimestampNTZ),
		types.Field("dti", types.DefaultDayTimeInterval),
		types.Field("ymi", types.DefaultYearMonthInterval),
		types.Field("cal", types.CalendarIntervalType),
		types.Field("tm", types.TimeType{Precision: 6}),
		types.Field("arr", types.ArrayType{Element: types.Long, ContainsNull: true}),
		types.Field("m", types.MapType{Key: types.String, Value: types.DecimalType{Precision: 5, Scale: 1}, ValueContainsNull: true}),
		types.Field("st", inner),
		types.Field("nothing", types.Null),
	)
	ts := time.Date(2024, 1, 31, 12, 34, 56, 789_123_000, time.UTC)
	est := time.FixedZone("EST", -5*3600)
	rows := [][]any{
		{int8(1), int16(2), int32(3), int64(4), float32(1.5), 2.5, true, "héllo", []byte{0, 1},
			dec(12345, 2), ts.Truncate(24 * time.Hour), ts, ts,
			90*time.Minute + time.Microsecond, types.YearMonthInterval(14),
			types.CalendarInterval{Months: 1, Days: 2, Microseconds: 3},
			types.Time{Hour: 12, Minute: 34, Second: 56, Nanosecond: 789_000_000},
			[]any{int64(1), nil, int64(3)}, map[any]any{"a": dec(15, 1), "b": nil},
			rowOf([]string{"x", "y"}, []any{int32(7), []any{"p", nil}}), nil},
		// The other accepted Go types, converted to the same values as above.
		{7, 8, 9, 10, float64(0.25), float32(0.5), false, "", []byte{},
			dec(5, 0), Date{2024, 2, 29}, ts.In(est), TimestampNTZ(ts.In(est)),
			-time.Hour, 25, types.CalendarInterval{}, types.Time{},
			[]int64{5}, map[string]types.Decimal{"z": dec(1200, 3)},
			[]any{int32(1), []string{"q"}}, nil},
		{int8(0), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			[]int64(nil), map[string]int{}, map[string]any{"x": 5}, nil},
	}
	rec, err := buildRecord(mem, schema, rows)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	got := RowsOf(rec)
	want := [][]any{
		{int8(1), int16(2), int32(3), int64(4), float32(1.5), 2.5, true, "héllo", []byte{0, 1},
			"decimal 123.45", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), ts, ts,
			90*time.Minute + time.Microsecond, types.YearMonthInterval(14),
			types.CalendarInterval{Months: 1, Days: 2, Microseconds: 3},
			types.Time{Hour: 12, Minute: 34, Second: 56, Nanosecond: 789_000_000},
			[]any{int64(1), nil, int64(3)}, map[any]any{"a": "decimal 1.5", "b": nil},
			rowOf([]string{"x", "y"}, []any{int32(7), []any{"p", nil}}), nil},
		{int8(7), int16(8), int32(9), int64(10), float32(0.25), 0.5, false, "", []byte{},
			"decimal 5.00", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), ts,
			time.Date(2024, 1, 31, 7, 34, 56, 789_123_000, time.UTC),
			-time.Hour, types.YearMonthInterval(25), types.CalendarInterval{}, types.Time{},
			[]any{int64(5)}, map[any]any{"z": "decimal 1.2"},
			rowOf([]string{"x", "y"}, []any{int32(1), []any{"q"}}), nil},
		{int8(0), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			[]any{}, map[any]any{}, rowOf([]string{"x", "y"}, []any{int32(5), nil}), nil},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for r := range want {
		for c := range want[r] {
			g := normalize(got[r].Value(c))
			if !reflect.DeepEqual(g, want[r][c]) {
				t.Errorf("row %d, %s: %#v (%T), want %#v (%T)", r, schema.Fields[c].Name, g, g, want[r][c], want[r][c])
			}
		}
	}
}

func TestBuildRecordArrowSchema(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	schema := types.Struct(
		types.StructField{Name: "a", Type: types.ArrayType{Element: types.Integer}, Nullable: false},
		types.Field("m", types.MapType{Key: types.String, Value: types.Long}),
		types.Field("d", types.DecimalType{Precision: 38, Scale: 10}),
		types.Field("i", types.DayTimeIntervalType{Start: types.IntervalHour, End: types.IntervalMinute}),
		types.Field("t", types.TimeType{Precision: 3}),
	)
	rec, err := buildRecord(mem, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	want := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.ListOfField(arrow.Field{Name: "element", Type: arrow.PrimitiveTypes.Int32})},
		{Name: "m", Nullable: true, Type: arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "value", Type: arrow.PrimitiveTypes.Int64})},
		{Name: "d", Nullable: true, Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}},
		{Name: "i", Nullable: true, Type: arrow.FixedWidthTypes.Duration_us},
		{Name: "t", Nullable: true, Type: arrow.FixedWidthTypes.Time64ns,
			Metadata: arrow.NewMetadata([]string{"SPARK::time::precision"}, []string{"3"})},
	}, nil)
	if !rec.Schema().Equal(want) {
		t.Errorf("schema\n%s\nwant\n%s", rec.Schema(), want)
	}
	mt := rec.Schema().Field(1).Type.(*arrow.MapType)
	if mt.ElemField().Name != "entries" || mt.ElemField().Nullable || mt.KeyField().Nullable || mt.ItemField().Nullable {
		t.Errorf("map entries %+v, key %+v, item %+v", mt.ElemField(), mt.KeyField(), mt.ItemField())
	}
	if ef := rec.Schema().Field(0).Type.(*arrow.ListType).ElemField(); ef.Name != "element" || ef.Nullable {
		t.Errorf("list element %+v", ef)
	}
}

// Non-nil pointers stand for their values, also nested; nil pointers are NULL.
func TestBuildRecordPointers(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	n, str := int64(42), "go"
	pn := &n
	schema := types.Struct(types.Field("n", types.Long), types.Field("s", types.String), types.Field("pp", types.Long))
	rec, err := buildRecord(mem, schema, [][]any{{&n, &str, &pn}, {(*int64)(nil), (*string)(nil), (**int64)(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if got := fmt.Sprint(rec.Column(0), rec.Column(1), rec.Column(2)); got != `[42 (null)] ["go" (null)] [42 (null)]` {
		t.Errorf("columns %s", got)
	}
}

func TestBuildRecordErrors(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	one := func(dt types.DataType, v any) error {
		s := types.Struct(types.StructField{Name: "c", Type: dt, Nullable: false})
		rec, err := buildRecord(mem, s, [][]any{{v}})
		if rec != nil {
			rec.Release()
		}
		return err
	}
	cases := []struct {
		name string
		dt   types.DataType
		v    any
		want string
	}{
		{"byte overflow", types.Byte, 300, "row 0, field c: value 300 (int) overflows tinyint"},
		{"short overflow", types.Short, int64(-40000), "overflows smallint"},
		{"int overflow", types.Integer, uint32(math.MaxUint32), "overflows int"},
		{"long overflow", types.Long, uint64(math.MaxUint64), "overflows bigint"},
		{"int from string", types.Integer, "1", `value 1 (string) does not fit the type int`},
		{"null not nullable", types.String, nil, "NULL in a field that is not nullable"},
		{"nil pointer", types.String, (*int)(nil), "NULL in a field that is not nullable"},
		{"bool", types.Boolean, 1, "does not fit the type boolean"},
		{"float inexact", types.Float, 0.1, "is not exactly a float"},
		{"float from int", types.Float, 1, "does not fit the type float"},
		{"double from int", types.Double, 1, "does not fit the type double"},
		{"string from bytes", types.String, []byte("x"), "does not fit the type string"},
		{"binary from string", types.Binary, "x", "does not fit the type binary"},
		{"decimal rounding", types.DecimalType{Precision: 10, Scale: 1}, dec(1234, 3),
			"decimal 1.234 has more than the 1 digits after the point of decimal(10,1) (it would need rounding)"},
		{"decimal precision", types.DecimalType{Precision: 4, Scale: 2}, dec(12345, 2),
			"decimal 123.45 has more digits than decimal(4,2) holds"},
		{"decimal precision after rescale", types.DecimalType{Precision: 4, Scale: 2}, 123,
			"decimal 123 has more digits than decimal(4,2) holds"},
		{"decimal from float", types.DecimalType{Precision: 4, Scale: 2}, 1.5, "does not fit the type decimal(4,2)"},
		{"decimal type", types.DecimalType{Precision: 40, Scale: 2}, dec(1, 0), "field c: type decimal(40,2) is not a valid decimal type"},
		{"date", types.Date, "2024-01-01", "does not fit the type date"},
		{"timestamp from ntz", types.Timestamp, TimestampNTZ(time.Now()), "does not fit the type timestamp"},
		{"timestamp", types.TimestampNTZ, 5, "does not fit the type timestamp_ntz"},
		{"time", types.TimeType{Precision: 6}, time.Now(), "does not fit the type time(6)"},
		{"time type", types.TimeType{Precision: 12}, types.Time{}, "type time(12) is not a valid time type"},
		{"bad time", types.TimeType{Precision: 6}, types.Time{Hour: 25}, "is not a time of day"},
		{"duration", types.DefaultDayTimeInterval, 5, "does not fit the type interval day to second"},
		{"months", types.DefaultYearMonthInterval, int64(1) << 40, "overflows interval year to month"},
		{"calendar", types.CalendarIntervalType, time.Hour, "does not fit the type interval"},
		{"calendar range", types.CalendarIntervalType, types.CalendarInterval{Microseconds: math.MaxInt64},
			"out of range"},
		{"array", types.ArrayType{Element: types.Long}, 5, "does not fit the type array<bigint>"},
		{"array element", types.ArrayType{Element: types.Long}, []any{int64(1), "x"}, "field c: element 1: value x (string)"},
		{"array null element", types.ArrayType{Element: types.Long}, []any{nil}, "element 0: NULL in a field that is not nullable"},
		{"map", types.MapType{Key: types.String, Value: types.Long}, []any{}, "does not fit the type map<string,bigint>"},
		{"map null key", types.MapType{Key: types.String, Value: types.Long, ValueContainsNull: true},
			map[any]any{nil: int64(1)}, "key <nil>: NULL in a field that is not nullable"},
		{"map null value", types.MapType{Key: types.String, Value: types.Long}, map[string]any{"k": nil},
			"value of key k: NULL in a field that is not nullable"},
		{"map key type", types.MapType{Key: types.String, Value: types.Long}, map[int]int64{1: 1},
			"key 1: value 1 (int) does not fit the type string"},
		{"struct", types.Struct(types.Field("x", types.Long)), 5, "does not fit the type struct<x:bigint>"},
		{"struct length", types.Struct(types.Field("x", types.Long)), []any{1, 2}, "2 values for the 1 fields of struct<x:bigint>"},
		{"struct unknown key", types.Struct(types.Field("x", types.Long)), map[string]any{"y": 1}, "struct<x:bigint> has no field y"},
		{"struct row missing", types.Struct(types.Field("x", types.Long)), rowOf([]string{"y"}, []any{1}),
			"field x: row has no field x"},
		{"struct row length", types.Struct(types.Field("x", types.Long)), rowOf(nil, []any{1, 2}),
			"field x: row of 2 values for 1 fields"},
		{"struct field", types.Struct(types.Field("x", types.Long)), []any{"s"}, "field c: field x: value s (string)"},
		{"variant", types.Variant, NewVariant(nil, nil), "field c: type variant is not supported here"},
		{"char", types.CharType{Length: 2}, "ab", "type char(2) is not supported here"},
		{"unsupported nested", types.ArrayType{Element: types.Variant}, []any{}, "type variant is not supported here"},
		{"map key unsupported", types.MapType{Key: types.Variant, Value: types.Long}, nil, "type variant is not supported here"},
		{"map value unsupported", types.MapType{Key: types.Long, Value: types.Variant}, nil, "type variant is not supported here"},
		{"struct unsupported", types.Struct(types.Field("v", types.Variant)), nil, "field v: type variant is not supported here"},
		{"array without element", types.ArrayType{}, nil, "array type without an element type"},
		{"map without key", types.MapType{Value: types.Long}, nil, "map type without a key or value type"},
		{"nil struct", (*types.StructType)(nil), nil, "nil struct type"},
		{"struct field without type", types.Struct(types.StructField{Name: "z"}), nil, "field z has no type"},
		{"no type", nil, 1, "field c has no type"},
		{"void", types.Null, 1, "does not fit the type void"},
	}
	for _, c := range cases {
		err := one(c.dt, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := buildRecord(mem, types.Struct(types.Field("a", types.Long)), [][]any{{int64(1), int64(2)}}); err == nil ||
		err.Error() != "row 0 has 2 values for 1 fields" {
		t.Errorf("row length: %v", err)
	}
	if _, err := buildRecord(mem, nil, nil); err == nil {
		t.Error("nil schema: no error")
	}
	// A value one row in names that row.
	_, err := buildRecord(mem, types.Struct(types.Field("a", types.Byte)), [][]any{{1}, {1000}})
	if err == nil || !strings.HasPrefix(err.Error(), "row 1, field a: ") {
		t.Errorf("error %v does not name row 1", err)
	}
}

func TestDecimalRescale(t *testing.T) {
	dt := types.DecimalType{Precision: 6, Scale: 3}
	cases := []struct {
		in   any
		want string
	}{
		{dec(15, 1), "1500"},
		{dec(-1500, 3), "-1500"},
		{dec(150000, 5), "1500"},
		{types.Decimal{}, "0"},
		{dec(0, 9), "0"},
		{int8(-9), "-9000"},
		{uint16(999), "999000"},
	}
	for _, c := range cases {
		n, err := decimalValue(c.in, dt)
		if err != nil || n.BigInt().String() != c.want {
			t.Errorf("decimalValue(%v) = %s, %v; want unscaled %s", c.in, n.BigInt(), err, c.want)
		}
	}
}

func TestKeyLessOrder(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	s := types.Struct(
		types.Field("i", types.MapType{Key: types.Integer, Value: types.String, ValueContainsNull: true}),
		types.Field("u", types.MapType{Key: types.Long, Value: types.String, ValueContainsNull: true}),
		types.Field("f", types.MapType{Key: types.Double, Value: types.String, ValueContainsNull: true}),
		types.Field("a", types.MapType{Key: types.Long, Value: types.String, ValueContainsNull: true}),
	)
	rec, err := buildRecord(mem, s, [][]any{{
		map[int]string{10: "ten", 9: "nine", -1: "minus"},
		map[uint]string{10: "ten", 9: "nine"},
		map[float64]string{2.5: "b", -1: "a"},
		map[any]any{int64(2): "int", uint8(1): "uint"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	// Keys in the order the map entries were written.
	keys := func(c int) []any {
		m := rec.Column(c).(interface {
			ValueOffsets(int) (int64, int64)
		})
		start, end := m.ValueOffsets(0)
		var out []any
		for j := start; j < end; j++ {
			out = append(out, ValueAt(rec.Column(c).(*array.Map).Keys(), int(j)))
		}
		return out
	}
	if got := keys(0); !reflect.DeepEqual(got, []any{int32(-1), int32(9), int32(10)}) {
		t.Errorf("int keys in order %v", got)
	}
	if got := keys(1); !reflect.DeepEqual(got, []any{int64(9), int64(10)}) {
		t.Errorf("uint keys in order %v", got)
	}
	if got := keys(2); !reflect.DeepEqual(got, []any{-1.0, 2.5}) {
		t.Errorf("float keys in order %v", got)
	}
	if got := keys(3); !reflect.DeepEqual(got, []any{int64(1), int64(2)}) {
		t.Errorf("mixed keys in order %v", got)
	}
}
