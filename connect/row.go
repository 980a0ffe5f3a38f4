package connect

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sparkwire/sparkwire/connect/types"
)

// Row is one row of a result as Go values. Spark types map to Go types as follows:
//
//	tinyint, smallint, int, bigint   int8, int16, int32, int64
//	float, double                    float32, float64
//	decimal                          types.Decimal
//	string, char, varchar            string
//	binary                           []byte
//	boolean                          bool
//	date                             time.Time, midnight UTC
//	timestamp                        time.Time in UTC (the instant)
//	timestamp_ntz                    time.Time in UTC (the wall-clock time as written)
//	time                             types.Time (a time of day)
//	interval day to second           time.Duration (also the narrower day-time interval
//	                                 types such as interval hour to minute); a value
//	                                 beyond time.Duration's ±292 years is clamped to
//	                                 math.MinInt64 or math.MaxInt64 nanoseconds
//	interval year to month           types.YearMonthInterval (a number of months; also
//	                                 interval year and interval month)
//	interval                         types.CalendarInterval
//	variant                          Variant (decode it with its JSON or Value method)
//	array                            []any
//	map                              map[any]any (keys that Go cannot compare, such as
//	                                 binary or struct keys, become their string form)
//	struct                           Row
//	NULL                             nil
//
// Every value owns its memory: nothing in a Row points into the Arrow buffers it was read
// from, so rows stay valid after the record batch is released.
//
// The rows of one batch share their values: a batch's columns are converted once into Go
// memory (a number column into a slice of numbers, a string column into one string) and a
// Row is a reference to them and an index, so a Row takes 16 bytes and its values what
// their column needs, without a Go interface each. Value makes the interface when it is
// called. Keeping one row keeps its batch's values in memory (Spark sends batches of 10,000
// rows); keep copies of its values (Values) to let the batch go. A string or []byte
// value shares its batch's memory the same way (strings.Clone or bytes.Clone it to keep it
// apart). Compare rows by their values, not with reflect.DeepEqual, which compares how
// they are held.
//
// Arrow types that Spark does not send come back as the nearest Go type (unsigned integers
// as uintN, other types in their string form).
type Row struct {
	_   [0]func() // not comparable: compare values, not references
	set *rowSet
	i   int
}

// rowOf returns a row of the given values (names may be nil).
func rowOf(names []string, values []any) Row {
	return Row{set: &rowSet{names: names, values: values, rows: 1}}
}

// Len returns the number of fields.
func (r Row) Len() int {
	if r.set == nil {
		return 0
	}
	return r.set.width()
}

// Value returns the i-th value. It panics if i is out of range, as indexing a slice does.
func (r Row) Value(i int) any {
	if n := r.Len(); i < 0 || i >= n {
		panic(fmt.Sprintf("connect: Row.Value(%d) of a row of %d values", i, n))
	}
	return r.set.value(i, r.i)
}

// Values returns the values in column order, in a new slice: changing the slice changes
// nothing in the row.
func (r Row) Values() []any {
	if r.set == nil {
		return nil
	}
	out := make([]any, r.Len())
	for c := range out {
		out[c] = r.set.value(c, r.i)
	}
	return out
}

// Names returns the field names in column order. The rows of a result share the slice:
// do not change it.
func (r Row) Names() []string {
	if r.set == nil {
		return nil
	}
	return r.set.names
}

// Get returns the value of the field with the given name.
func (r Row) Get(name string) (any, bool) {
	for i, n := range r.Names() {
		if n == name && i < r.Len() {
			return r.set.value(i, r.i), true
		}
	}
	return nil, false
}

// String renders the row as Spark's Row does: Row(a=1, b='x').
func (r Row) String() string {
	var b strings.Builder
	b.WriteString("Row(")
	names := r.Names()
	for i := range r.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		if i < len(names) {
			b.WriteString(names[i])
			b.WriteByte('=')
		}
		v := r.set.value(i, r.i)
		if s, ok := v.(string); ok {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprint(&b, v)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// RowsOf converts an Arrow record batch to rows of Go values. The rows share one copy of
// the batch's values (see [Row]); the batch may be released as soon as RowsOf returns.
func RowsOf(rec arrow.RecordBatch) []Row {
	set := rowSetOf(rec)
	if set == nil {
		return nil
	}
	rows := make([]Row, set.rows)
	for i := range rows {
		rows[i] = Row{set: set, i: i}
	}
	return rows
}

// ValueAt returns element i of an Arrow array as a Go value, with the mapping of [Row].
//
// Spark sends a variant as a struct of two binaries, value and metadata, and marks it in
// the field's metadata, which an array does not carry. ValueAt therefore takes any struct
// of exactly those two non-nullable binary fields for a variant; RowsOf, which has the
// schema, goes by Spark's mark instead.
func ValueAt(arr arrow.Array, i int) any {
	if arr == nil {
		return nil
	}
	return valueAt(arr, i, looksLikeVariant(arr.DataType()))
}

// isVariantField reports whether Spark marked the field as a variant.
func isVariantField(f arrow.Field) bool {
	if v, ok := f.Metadata.GetValue("variant"); !ok || v != "true" {
		return false
	}
	st, ok := f.Type.(*arrow.StructType)
	if !ok {
		return false
	}
	_, hasValue := st.FieldIdx("value")
	_, hasMeta := st.FieldIdx("metadata")
	return hasValue && hasMeta
}

// looksLikeVariant reports whether t has the shape of Spark's variant: a struct of exactly
// two non-nullable binaries named value and metadata.
func looksLikeVariant(t arrow.DataType) bool {
	st, ok := t.(*arrow.StructType)
	if !ok || st.NumFields() != 2 {
		return false
	}
	for _, name := range []string{"value", "metadata"} {
		i, ok := st.FieldIdx(name)
		if !ok || st.Field(i).Nullable {
			return false
		}
		switch st.Field(i).Type.ID() {
		case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		default:
			return false
		}
	}
	return true
}

// binaryAt returns a copy of element i of a binary array, or nil when arr is not one.
func binaryAt(arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.Binary:
		return bytes.Clone(a.Value(i))
	case *array.LargeBinary:
		return bytes.Clone(a.Value(i))
	case *array.BinaryView:
		return bytes.Clone(a.Value(i))
	}
	return nil
}

// saturatingDuration returns v units as a time.Duration, clamped to its range.
func saturatingDuration(v int64, unit time.Duration) time.Duration {
	if unit > 1 && (v > math.MaxInt64/int64(unit) || v < math.MinInt64/int64(unit)) {
		if v < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return time.Duration(v) * unit
}

func valueAt(arr arrow.Array, i int, variant bool) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Null:
		return nil
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Uint16:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		// Value points into the array's buffer, which an allocator may reuse once the
		// batch is released: the row gets its own copy.
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return strings.Clone(a.Value(i))
	case *array.Binary, *array.LargeBinary, *array.BinaryView:
		return binaryAt(a, i)
	case *array.FixedSizeBinary:
		return bytes.Clone(a.Value(i))
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return types.Decimal{Unscaled: a.Value(i).BigInt(), Scale: dt.Scale}
	case *array.Decimal256:
		dt := a.DataType().(*arrow.Decimal256Type)
		return types.Decimal{Unscaled: a.Value(i).BigInt(), Scale: dt.Scale}
	case *array.Date32:
		return time.Unix(int64(a.Value(i))*86400, 0).UTC()
	case *array.Date64:
		return time.UnixMilli(int64(a.Value(i))).UTC()
	case *array.Timestamp:
		return timestampTime(int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return types.TimeOfDay(int64(a.Value(i)) * int64(unit.Multiplier()))
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return types.TimeOfDay(int64(a.Value(i)) * int64(unit.Multiplier()))
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return saturatingDuration(int64(a.Value(i)), unit.Multiplier())
	case *array.MonthInterval:
		return types.YearMonthInterval(a.Value(i))
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return types.CalendarInterval{Months: v.Months, Days: v.Days, Microseconds: v.Nanoseconds / 1000}
	case *array.DayTimeInterval:
		v := a.Value(i)
		return types.CalendarInterval{Days: v.Days, Microseconds: int64(v.Milliseconds) * 1000}
	case *array.Dictionary:
		return valueAt(a.Dictionary(), a.GetValueIndex(i), variant)
	case *array.RunEndEncoded:
		return valueAt(a.Values(), a.GetPhysicalIndex(i), variant)
	case array.ExtensionArray:
		return valueAt(a.Storage(), i, variant)
	case *array.Map:
		return mapValue(a, i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		return listValue(a.ListValues(), int(start), int(end), elemVariant(a.DataType()))
	case *array.LargeList:
		start, end := a.ValueOffsets(i)
		return listValue(a.ListValues(), int(start), int(end), elemVariant(a.DataType()))
	case *array.FixedSizeList:
		start, end := a.ValueOffsets(i)
		return listValue(a.ListValues(), int(start), int(end), elemVariant(a.DataType()))
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		if variant {
			vi, _ := st.FieldIdx("value")
			mi, _ := st.FieldIdx("metadata")
			return Variant{value: binaryAt(a.Field(vi), i), metadata: binaryAt(a.Field(mi), i)}
		}
		names, values := make([]string, a.NumField()), make([]any, a.NumField())
		for f := 0; f < a.NumField(); f++ {
			names[f] = st.Field(f).Name
			values[f] = valueAt(a.Field(f), i, isVariantField(st.Field(f)))
		}
		return rowOf(names, values)
	}
	return arr.ValueStr(i)
}

// elemVariant reports whether the elements of a list type are Spark variants.
func elemVariant(t arrow.DataType) bool {
	if l, ok := t.(arrow.ListLikeType); ok {
		return isVariantField(l.ElemField())
	}
	return false
}

func listValue(values arrow.Array, start, end int, variant bool) []any {
	out := make([]any, end-start)
	for j := start; j < end; j++ {
		out[j-start] = valueAt(values, j, variant)
	}
	return out
}

func mapValue(a *array.Map, i int) map[any]any {
	start, end := a.ValueOffsets(i)
	keys, items := a.Keys(), a.Items()
	itemVariant := isVariantField(a.DataType().(*arrow.MapType).ItemField())
	out := make(map[any]any, end-start)
	for j := int(start); j < int(end); j++ {
		k := valueAt(keys, j, false)
		if k != nil && !reflect.TypeOf(k).Comparable() {
			k = fmt.Sprint(k)
		}
		out[k] = valueAt(items, j, itemVariant)
	}
	return out
}
