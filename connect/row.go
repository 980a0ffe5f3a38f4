package connect

import (
	"fmt"
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
//	string                           string
//	binary                           []byte
//	boolean                          bool
//	date                             time.Time, midnight UTC
//	timestamp                        time.Time in UTC (the instant)
//	timestamp_ntz                    time.Time in UTC (the wall-clock time as written)
//	array                            []any
//	map                              map[any]any (keys that Go cannot compare, such as
//	                                 binary or struct keys, become their string form)
//	struct                           Row
//	NULL                             nil
//
// Other types (intervals, variant) come back in their string form.
type Row struct {
	names  []string
	values []any
}

// Len returns the number of fields.
func (r Row) Len() int { return len(r.values) }

// Value returns the i-th value.
func (r Row) Value(i int) any { return r.values[i] }

// Values returns the values in column order. The slice belongs to the row.
func (r Row) Values() []any { return r.values }

// Names returns the field names in column order.
func (r Row) Names() []string { return r.names }

// Get returns the value of the field with the given name.
func (r Row) Get(name string) (any, bool) {
	for i, n := range r.names {
		if n == name {
			return r.values[i], true
		}
	}
	return nil, false
}

// String renders the row as Spark's Row does: Row(a=1, b='x').
func (r Row) String() string {
	var b strings.Builder
	b.WriteString("Row(")
	for i, v := range r.values {
		if i > 0 {
			b.WriteString(", ")
		}
		if i < len(r.names) {
			b.WriteString(r.names[i])
			b.WriteByte('=')
		}
		if s, ok := v.(string); ok {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprint(&b, v)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// RowsOf converts an Arrow record batch to rows of Go values.
func RowsOf(rec arrow.RecordBatch) []Row {
	n := int(rec.NumRows())
	names := make([]string, rec.NumCols())
	for i, f := range rec.Schema().Fields() {
		names[i] = f.Name
	}
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{names: names, values: make([]any, len(names))}
	}
	for c, col := range rec.Columns() {
		for i := 0; i < n; i++ {
			rows[i].values[c] = ValueAt(col, i)
		}
	}
	return rows
}

// ValueAt returns element i of an Arrow array as a Go value, with the mapping of [Row].
func ValueAt(arr arrow.Array, i int) any {
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
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.LargeBinary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return types.Decimal{Unscaled: a.Value(i).BigInt(), Scale: dt.Scale}
	case *array.Date32:
		return time.Unix(int64(a.Value(i))*86400, 0).UTC()
	case *array.Date64:
		return time.UnixMilli(int64(a.Value(i))).UTC()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		v := int64(a.Value(i))
		switch unit {
		case arrow.Second:
			return time.Unix(v, 0).UTC()
		case arrow.Millisecond:
			return time.UnixMilli(v).UTC()
		case arrow.Microsecond:
			return time.UnixMicro(v).UTC()
		default:
			return time.Unix(0, v).UTC()
		}
	case *array.Map:
		return mapValue(a, i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		return listValue(a.ListValues(), int(start), int(end))
	case *array.LargeList:
		start, end := a.ValueOffsets(i)
		return listValue(a.ListValues(), int(start), int(end))
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		r := Row{names: make([]string, a.NumField()), values: make([]any, a.NumField())}
		for f := 0; f < a.NumField(); f++ {
			r.names[f] = st.Field(f).Name
			r.values[f] = ValueAt(a.Field(f), i)
		}
		return r
	}
	return arr.ValueStr(i)
}

func listValue(values arrow.Array, start, end int) []any {
	out := make([]any, end-start)
	for j := start; j < end; j++ {
		out[j-start] = ValueAt(values, j)
	}
	return out
}

func mapValue(a *array.Map, i int) map[any]any {
	start, end := a.ValueOffsets(i)
	keys, items := a.Keys(), a.Items()
	out := make(map[any]any, end-start)
	for j := int(start); j < int(end); j++ {
		k := ValueAt(keys, j)
		if k != nil && !reflect.TypeOf(k).Comparable() {
			k = fmt.Sprint(k)
		}
		out[k] = ValueAt(items, j)
	}
	return out
}
