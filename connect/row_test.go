package connect

import (
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/types"
)

// checkedMem returns a checked allocator that fails the test if anything is left allocated.
func checkedMem(t *testing.T, base memory.Allocator) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(base)
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// build makes a one-column array with the builder for dt, filled by fill.
func build(t *testing.T, mem memory.Allocator, dt arrow.DataType, fill func(b array.Builder)) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	fill(b)
	return b.NewArray()
}

func TestValueAtTypes(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	cases := []struct {
		name string
		dt   arrow.DataType
		fill func(b array.Builder)
		want []any
	}{
		{"duration us", arrow.FixedWidthTypes.Duration_us, func(b array.Builder) {
			d := b.(*array.DurationBuilder)
			d.Append(arrow.Duration(90061000001))
			d.Append(arrow.Duration(-1))
			d.AppendNull()
			d.Append(arrow.Duration(math.MaxInt64))
			d.Append(arrow.Duration(math.MinInt64))
		}, []any{25*time.Hour + time.Minute + time.Second + time.Microsecond, -time.Microsecond, nil,
			time.Duration(math.MaxInt64), time.Duration(math.MinInt64)}},
		{"duration s", arrow.FixedWidthTypes.Duration_s, func(b array.Builder) {
			b.(*array.DurationBuilder).Append(3)
		}, []any{3 * time.Second}},
		{"duration ns", arrow.FixedWidthTypes.Duration_ns, func(b array.Builder) {
			b.(*array.DurationBuilder).Append(math.MaxInt64)
		}, []any{time.Duration(math.MaxInt64)}},
		{"year-month", arrow.FixedWidthTypes.MonthInterval, func(b array.Builder) {
			b.(*array.MonthIntervalBuilder).Append(14)
			b.(*array.MonthIntervalBuilder).Append(-3)
		}, []any{types.YearMonthInterval(14), types.YearMonthInterval(-3)}},
		{"calendar", arrow.FixedWidthTypes.MonthDayNanoInterval, func(b array.Builder) {
			b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: 1, Days: -2, Nanoseconds: 3000})
		}, []any{types.CalendarInterval{Months: 1, Days: -2, Microseconds: 3}}},
		{"day-time arrow", arrow.FixedWidthTypes.DayTimeInterval, func(b array.Builder) {
			b.(*array.DayTimeIntervalBuilder).Append(arrow.DayTimeInterval{Days: 1, Milliseconds: 5})
		}, []any{types.CalendarInterval{Days: 1, Microseconds: 5000}}},
		{"time64 ns", arrow.FixedWidthTypes.Time64ns, func(b array.Builder) {
			b.(*array.Time64Builder).Append(arrow.Time64((12*3600+34*60+56)*1e9 + 789e6))
		}, []any{types.Time{Hour: 12, Minute: 34, Second: 56, Nanosecond: 789e6}}},
		{"time64 us", arrow.FixedWidthTypes.Time64us, func(b array.Builder) {
			b.(*array.Time64Builder).Append(arrow.Time64(1))
		}, []any{types.Time{Nanosecond: 1000}}},
		{"time32 ms", arrow.FixedWidthTypes.Time32ms, func(b array.Builder) {
			b.(*array.Time32Builder).Append(arrow.Time32(3_600_001))
		}, []any{types.Time{Hour: 1, Nanosecond: 1e6}}},
		{"time32 s", arrow.FixedWidthTypes.Time32s, func(b array.Builder) {
			b.(*array.Time32Builder).Append(arrow.Time32(61))
		}, []any{types.Time{Minute: 1, Second: 1}}},
		{"uint", arrow.PrimitiveTypes.Uint32, func(b array.Builder) {
			b.(*array.Uint32Builder).Append(7)
		}, []any{uint32(7)}},
		{"uint8", arrow.PrimitiveTypes.Uint8, func(b array.Builder) { b.(*array.Uint8Builder).Append(8) }, []any{uint8(8)}},
		{"uint16", arrow.PrimitiveTypes.Uint16, func(b array.Builder) { b.(*array.Uint16Builder).Append(9) }, []any{uint16(9)}},
		{"uint64", arrow.PrimitiveTypes.Uint64, func(b array.Builder) { b.(*array.Uint64Builder).Append(10) }, []any{uint64(10)}},
		{"fixed binary", &arrow.FixedSizeBinaryType{ByteWidth: 2}, func(b array.Builder) {
			b.(*array.FixedSizeBinaryBuilder).Append([]byte{1, 2})
		}, []any{[]byte{1, 2}}},
		{"large binary", arrow.BinaryTypes.LargeBinary, func(b array.Builder) {
			b.(*array.BinaryBuilder).Append([]byte("lb"))
		}, []any{[]byte("lb")}},
		{"binary view", arrow.BinaryTypes.BinaryView, func(b array.Builder) {
			b.(*array.BinaryViewBuilder).Append([]byte("a binary view longer than twelve"))
		}, []any{[]byte("a binary view longer than twelve")}},
		{"date64", arrow.FixedWidthTypes.Date64, func(b array.Builder) {
			b.(*array.Date64Builder).Append(86_400_000)
		}, []any{time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)}},
		{"timestamp s", arrow.FixedWidthTypes.Timestamp_s, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(1)
		}, []any{time.Unix(1, 0).UTC()}},
		{"timestamp ms", arrow.FixedWidthTypes.Timestamp_ms, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(1)
		}, []any{time.UnixMilli(1).UTC()}},
		{"timestamp ns", arrow.FixedWidthTypes.Timestamp_ns, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(1)
		}, []any{time.Unix(0, 1).UTC()}},
		{"decimal256", &arrow.Decimal256Type{Precision: 40, Scale: 2}, func(b array.Builder) {
			b.(*array.Decimal256Builder).Append(decimal256.FromI64(-12345))
		}, []any{"-123.45"}},
		{"fixed list", arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int8), func(b array.Builder) {
			l := b.(*array.FixedSizeListBuilder)
			l.Append(true)
			l.ValueBuilder().(*array.Int8Builder).AppendValues([]int8{1, 2}, nil)
		}, []any{[]any{int8(1), int8(2)}}},
		{"large list", arrow.LargeListOf(arrow.BinaryTypes.LargeString), func(b array.Builder) {
			l := b.(*array.LargeListBuilder)
			l.Append(true)
			l.ValueBuilder().(*array.LargeStringBuilder).Append("x")
			l.AppendNull()
		}, []any{[]any{"x"}, nil}},
		{"float16 falls back to text", arrow.FixedWidthTypes.Float16, func(b array.Builder) {
			b.(*array.Float16Builder).Append(float16.New(1.5))
		}, []any{"1.5"}},
		{"null", arrow.Null, func(b array.Builder) { b.AppendNull() }, []any{nil}},
	}
	for _, c := range cases {
		arr := build(t, mem, c.dt, c.fill)
		for i, want := range c.want {
			got := ValueAt(arr, i)
			if d, ok := got.(types.Decimal); ok {
				got = d.String()
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s[%d]: %#v (%T), want %#v (%T)", c.name, i, got, got, want, want)
			}
		}
		arr.Release()
	}
	if ValueAt(nil, 0) != nil {
		t.Error("ValueAt(nil) is not nil")
	}
	if RowsOf(nil) != nil {
		t.Error("RowsOf(nil) is not nil")
	}
}

func TestValueAtEncodings(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8,
		ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"b", "a", "b"} {
		if err := db.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendNull()
	dict := db.NewArray()
	db.Release()
	defer dict.Release()
	for i, want := range []any{"b", "a", "b", nil} {
		if got := ValueAt(dict, i); got != want {
			t.Errorf("dictionary[%d] = %#v, want %#v", i, got, want)
		}
	}

	rb := array.NewRunEndEncodedBuilder(mem, arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String)
	rb.Append(2)
	rb.ValueBuilder().(*array.StringBuilder).Append("run")
	rb.Append(1)
	rb.ValueBuilder().(*array.StringBuilder).Append("end")
	ree := rb.NewArray()
	rb.Release()
	defer ree.Release()
	for i, want := range []any{"run", "run", "end"} {
		if got := ValueAt(ree, i); got != want {
			t.Errorf("run-end[%d] = %#v, want %#v", i, got, want)
		}
	}
}

// variantField is a Spark variant column's Arrow field: a struct marked in its metadata.
func variantField(name string, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Nullable: nullable, Type: arrow.StructOf(
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary},
		arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary},
	), Metadata: arrow.NewMetadata([]string{"variant"}, []string{"true"})}
}

func appendVariant(b *array.StructBuilder, value, meta []byte) {
	b.Append(true)
	b.FieldBuilder(0).(*array.BinaryBuilder).Append(value)
	b.FieldBuilder(1).(*array.BinaryBuilder).Append(meta)
}

func TestRowsOfVariant(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	vf := variantField("v", true)
	elem := variantField("element", true)
	plain := arrow.Field{Name: "plain", Nullable: true, Type: vf.Type} // same shape, no mark
	nested := arrow.Field{Name: "s", Nullable: true, Type: arrow.StructOf(variantField("inner", true))}
	list := arrow.Field{Name: "l", Nullable: true, Type: arrow.ListOfField(elem)}
	mt := arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
		variantField("value", true))
	m := arrow.Field{Name: "m", Nullable: true, Type: mt}
	schema := arrow.NewSchema([]arrow.Field{vf, plain, nested, list, m}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()

	meta := vmeta(1, "a")
	obj := vobj(false, 1, 1, []int{0}, vprim(3, 1)) // {"a":1}
	appendVariant(b.Field(0).(*array.StructBuilder), obj, meta)
	b.Field(0).AppendNull()
	appendVariant(b.Field(1).(*array.StructBuilder), vshort("p"), meta)
	b.Field(1).AppendNull()
	sb := b.Field(2).(*array.StructBuilder)
	sb.Append(true)
	appendVariant(sb.FieldBuilder(0).(*array.StructBuilder), vprim(1), meta)
	sb.AppendNull()
	lb := b.Field(3).(*array.ListBuilder)
	lb.Append(true)
	appendVariant(lb.ValueBuilder().(*array.StructBuilder), vshort("x"), meta)
	lb.ValueBuilder().AppendNull()
	lb.AppendNull()
	mb := b.Field(4).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).Append("k")
	appendVariant(mb.ItemBuilder().(*array.StructBuilder), vprim(0), meta)
	mb.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()

	rows := RowsOf(rec)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	json := func(v any) string {
		t.Helper()
		x, ok := v.(Variant)
		if !ok {
			t.Errorf("%#v (%T) is not a Variant", v, v)
			return ""
		}
		s, err := x.JSON()
		if err != nil {
			t.Error(err)
		}
		return s
	}
	if got := json(r.Value(0)); got != `{"a":1}` {
		t.Errorf("v = %s", got)
	}
	if p, ok := r.Value(1).(Row); !ok || !reflect.DeepEqual(p.Values(), []any{[]byte{1<<2 | 1, 'p'}, meta}) {
		t.Errorf("unmarked struct = %#v, want a Row of the two binaries", r.Value(1))
	}
	if s, ok := r.Value(2).(Row); !ok || json(s.Value(0)) != "true" {
		t.Errorf("nested variant = %#v", r.Value(2))
	}
	if l, ok := r.Value(3).([]any); !ok || len(l) != 2 || json(l[0]) != `"x"` || l[1] != nil {
		t.Errorf("list of variants = %#v", r.Value(3))
	}
	if mm, ok := r.Value(4).(map[any]any); !ok || json(mm["k"]) != "null" {
		t.Errorf("map of variants = %#v", r.Value(4))
	}
	if !reflect.DeepEqual(rows[1].Values(), []any{nil, nil, nil, nil, nil}) {
		t.Errorf("row 1 = %v", rows[1])
	}
	if got := r.String(); !strings.HasPrefix(got, `Row(v={"a":1}, plain=Row(`) {
		t.Errorf("String() = %s", got)
	}
	// Without the schema, ValueAt goes by shape: the unmarked struct is a variant too.
	if got := json(ValueAt(rec.Column(1), 0)); got != `"p"` {
		t.Errorf("ValueAt(plain) = %s", got)
	}
	if _, ok := ValueAt(rec.Column(2), 0).(Row); !ok {
		t.Errorf("ValueAt(struct of variant) = %#v", ValueAt(rec.Column(2), 0))
	}
}

func TestLooksLikeVariant(t *testing.T) {
	bin := arrow.BinaryTypes.Binary
	cases := []struct {
		t    arrow.DataType
		want bool
	}{
		{arrow.StructOf(arrow.Field{Name: "value", Type: bin}, arrow.Field{Name: "metadata", Type: bin}), true},
		{arrow.StructOf(arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.LargeBinary},
			arrow.Field{Name: "value", Type: arrow.BinaryTypes.BinaryView}), true},
		{arrow.StructOf(arrow.Field{Name: "value", Type: bin, Nullable: true}, arrow.Field{Name: "metadata", Type: bin}), false},
		{arrow.StructOf(arrow.Field{Name: "value", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "metadata", Type: bin}), false},
		{arrow.StructOf(arrow.Field{Name: "value", Type: bin}), false},
		{arrow.StructOf(arrow.Field{Name: "value", Type: bin}, arrow.Field{Name: "meta", Type: bin}), false},
		{bin, false},
	}
	for _, c := range cases {
		if got := looksLikeVariant(c.t); got != c.want {
			t.Errorf("looksLikeVariant(%s) = %t", c.t, got)
		}
	}
	marked := variantField("v", true)
	marked.Type = bin
	if isVariantField(marked) {
		t.Error("a binary marked as variant is a variant")
	}
	marked.Type = arrow.StructOf(arrow.Field{Name: "value", Type: bin})
	if isVariantField(marked) {
		t.Error("a struct without metadata marked as variant is a variant")
	}
}

// scribbleAllocator overwrites memory when it is freed, as an allocator that hands the
// memory out again would.
type scribbleAllocator struct{ memory.GoAllocator }

func (a *scribbleAllocator) Free(b []byte) {
	for i := range b {
		b[i] = 'Z'
	}
	a.GoAllocator.Free(b)
}

// TestRowsOwnMemory checks that no value in a row aliases the record's buffers: after the
// record is released (and its memory scribbled over), the rows still hold the values.
func TestRowsOwnMemory(t *testing.T) {
	mem := checkedMem(t, &scribbleAllocator{})
	mdt := arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.String, Nullable: true})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "sv", Type: arrow.BinaryTypes.StringView, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "m", Type: mdt, Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		variantField("v", true),
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 20, Scale: 2}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	long := "a string that is long enough not to be inlined in a view"
	b.Field(0).(*array.StringBuilder).Append("hello")
	b.Field(1).(*array.LargeStringBuilder).Append("large")
	b.Field(2).(*array.StringViewBuilder).Append(long)
	b.Field(3).(*array.BinaryBuilder).Append([]byte("bin"))
	lb := b.Field(4).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).Append("elem")
	mb := b.Field(5).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).Append("key")
	mb.ItemBuilder().(*array.StringBuilder).Append("val")
	sb := b.Field(6).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.StringBuilder).Append("field")
	appendVariant(b.Field(7).(*array.StructBuilder), vshort("var"), vmeta(1))
	b.Field(8).(*array.Decimal128Builder).Append(decimal128.FromI64(12345))
	rec := b.NewRecordBatch()
	rows := RowsOf(rec)
	single := ValueAt(rec.Column(0), 0)
	rec.Release()

	// Allocate and fill again, as a reader decoding its next batch would.
	b2 := array.NewStringBuilder(mem)
	for range 100 {
		b2.Append(strings.Repeat("Y", 64))
	}
	again := b2.NewArray()
	b2.Release()
	defer again.Release()

	r := rows[0]
	want := []any{"hello", "large", long, []byte("bin"), []any{"elem"}, map[any]any{"key": "val"}}
	if !reflect.DeepEqual(r.Values()[:6], want) {
		t.Errorf("values after release = %#v, want %#v", r.Values()[:6], want)
	}
	if st, ok := r.Value(6).(Row); !ok || st.Value(0) != "field" {
		t.Errorf("struct after release = %#v", r.Value(6))
	}
	if js, err := r.Value(7).(Variant).JSON(); err != nil || js != `"var"` {
		t.Errorf("variant after release = %q, %v", js, err)
	}
	if d := r.Value(8).(types.Decimal); d.Unscaled.Cmp(big.NewInt(12345)) != 0 {
		t.Errorf("decimal after release = %v", d)
	}
	if single != "hello" {
		t.Errorf("ValueAt after release = %q", single)
	}
}

func TestRowAccessors(t *testing.T) {
	r := rowOf([]string{"a", "b"}, []any{int64(1), "x"})
	if r.Len() != 2 || !reflect.DeepEqual(r.Names(), []string{"a", "b"}) || r.Value(1) != "x" {
		t.Errorf("row %v: Len %d, Names %v", r, r.Len(), r.Names())
	}
	if v, ok := r.Get("b"); !ok || v != "x" {
		t.Errorf("Get(b) = %v, %t", v, ok)
	}
	if _, ok := r.Get("c"); ok {
		t.Error("Get(c) found a value")
	}
	if got := r.String(); got != `Row(a=1, b="x")` {
		t.Errorf("String() = %s", got)
	}
	var zero Row
	if zero.Len() != 0 || zero.Names() != nil || zero.String() != "Row()" {
		t.Errorf("zero row: %d %v %s", zero.Len(), zero.Names(), zero.String())
	}
	if _, ok := zero.Get("a"); ok {
		t.Error("zero row has a value")
	}
	// A row of values without names (as built by hand) prints the values alone.
	if got := (rowOf(nil, []any{1})).String(); got != "Row(1)" {
		t.Errorf("String() = %s", got)
	}
	if binaryAt(array.NewNull(1), 0) != nil {
		t.Error("binaryAt of a non-binary array is not nil")
	}
	if elemVariant(arrow.BinaryTypes.String) {
		t.Error("a string type has variant elements")
	}
	if valueOrNil(reflect.Value{}) != nil {
		t.Error("valueOrNil(invalid) is not nil")
	}
}

// textType is an extension type over strings, for the test of extension arrays.
type textType struct{ arrow.ExtensionBase }

type textArray struct{ array.ExtensionArrayBase }

func (textType) ArrayType() reflect.Type { return reflect.TypeOf(textArray{}) }
func (textType) ExtensionName() string   { return "sparkwire.test.text" }
func (textType) Serialize() string       { return "" }
func (t textType) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == t.ExtensionName()
}
func (t textType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	return &textType{ExtensionBase: arrow.ExtensionBase{Storage: storage}}, nil
}

// An extension array reads as its storage, copied like any other.
func TestValueAtExtension(t *testing.T) {
	mem := checkedMem(t, &scribbleAllocator{})
	jt := &textType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
	sb := array.NewStringBuilder(mem)
	sb.Append(`{"a":1}`)
	storage := sb.NewArray()
	sb.Release()
	ext := array.NewExtensionArrayWithStorage(jt, storage)
	storage.Release()
	got := ValueAt(ext, 0)
	ext.Release()
	if got != `{"a":1}` {
		t.Errorf("extension value = %#v", got)
	}
}
