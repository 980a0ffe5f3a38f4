package connect

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The values of rows read from a record batch are kept by column, converted once per
// batch into Go memory: numbers in typed slices, a string column as one string with the
// end of each value, timestamps as their integers. A Row is then a pointer to its batch's
// store and an index, and a value is boxed (made an interface) only when it is read; a
// struct column is a set of columns of its own, whose rows are the struct values. Types
// without a column kind of their own here (decimals, arrays, maps, variants, intervals...)
// are kept as the boxed values of [ValueAt].

// rowSet holds the values of a set of rows: the columns of a batch, or the values of a
// single row built from Go values (row 0).
type rowSet struct {
	names []string
	// cols holds one column per field, for rows 0 to rows-1, when the set comes from a
	// batch; nil otherwise.
	cols []rowColumn
	// values holds the values of the single row, when cols is nil.
	values []any
	rows   int
}

// width returns the number of fields of each row.
func (s *rowSet) width() int {
	if s.cols != nil {
		return len(s.cols)
	}
	return len(s.values)
}

// value returns the value of field c of row i, boxed.
func (s *rowSet) value(c, i int) any {
	if s.cols != nil {
		return s.cols[c].value(i)
	}
	return s.values[c]
}

// rowColumn is one column of a rowSet.
type rowColumn interface {
	// value returns the value of row i, boxed, as [Row] documents; nil for NULL.
	value(i int) any
}

// rowSetOf converts a record batch into a rowSet; nil for a nil batch.
func rowSetOf(rec arrow.RecordBatch) *rowSet {
	if rec == nil {
		return nil
	}
	fields := rec.Schema().Fields()
	s := &rowSet{
		names: make([]string, len(fields)),
		cols:  make([]rowColumn, rec.NumCols()),
		rows:  int(rec.NumRows()),
	}
	for i, f := range fields {
		s.names[i] = f.Name
	}
	for c, col := range rec.Columns() {
		s.cols[c] = columnOf(col, c < len(fields) && isVariantField(fields[c]))
	}
	return s
}

// columnOf converts an Arrow array into a rowColumn; variant says that a struct array holds
// Spark variants.
func columnOf(arr arrow.Array, variant bool) rowColumn {
	switch a := arr.(type) {
	case *array.Boolean:
		vals := make([]bool, a.Len())
		for i := range vals {
			vals[i] = a.Value(i)
		}
		return &fixedColumn[bool]{vals: vals, nulls: nullsOf(a)}
	case *array.Int8:
		return fixedColumnOf(a, a.Int8Values())
	case *array.Int16:
		return fixedColumnOf(a, a.Int16Values())
	case *array.Int32:
		return fixedColumnOf(a, a.Int32Values())
	case *array.Int64:
		return fixedColumnOf(a, a.Int64Values())
	case *array.Uint8:
		return fixedColumnOf(a, a.Uint8Values())
	case *array.Uint16:
		return fixedColumnOf(a, a.Uint16Values())
	case *array.Uint32:
		return fixedColumnOf(a, a.Uint32Values())
	case *array.Uint64:
		return fixedColumnOf(a, a.Uint64Values())
	case *array.Float32:
		return fixedColumnOf(a, a.Float32Values())
	case *array.Float64:
		return fixedColumnOf(a, a.Float64Values())
	case *array.String:
		if c := stringsOf(a); c != nil {
			return c
		}
	case *array.LargeString:
		if c := stringsOf(a); c != nil {
			return c
		}
	case *array.StringView:
		if c := stringsOf(a); c != nil {
			return c
		}
	case *array.Binary:
		if c := bytesOf(a); c != nil {
			return c
		}
	case *array.LargeBinary:
		if c := bytesOf(a); c != nil {
			return c
		}
	case *array.BinaryView:
		if c := bytesOf(a); c != nil {
			return c
		}
	case *array.Timestamp:
		vals := make([]int64, a.Len())
		for i, v := range a.TimestampValues() {
			vals[i] = int64(v)
		}
		return &timestampColumn{vals: vals, unit: a.DataType().(*arrow.TimestampType).Unit, nulls: nullsOf(a)}
	case *array.Struct:
		if c := structsOf(a, variant); c != nil {
			return c
		}
	case *array.Date32:
		vals := make([]int32, a.Len())
		for i, v := range a.Date32Values() {
			vals[i] = int32(v)
		}
		return &dateColumn{days: vals, nulls: nullsOf(a)}
	}
	vals := make([]any, arr.Len())
	for i := range vals {
		vals[i] = valueAt(arr, i, variant)
	}
	return &anyColumn{vals: vals}
}

// nullMask has bit i set when row i is NULL; nil when no row is.
type nullMask []byte

func nullsOf(arr arrow.Array) nullMask {
	if arr.NullN() == 0 {
		return nil
	}
	m := make(nullMask, (arr.Len()+7)/8)
	for i := range arr.Len() {
		if arr.IsNull(i) {
			m[i>>3] |= 1 << (i & 7)
		}
	}
	return m
}

func (m nullMask) null(i int) bool { return m != nil && m[i>>3]&(1<<(i&7)) != 0 }

// fixedColumn is a column of numbers or booleans.
type fixedColumn[T bool | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64] struct {
	vals  []T
	nulls nullMask
}

func fixedColumnOf[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64](arr arrow.Array, vals []T) rowColumn {
	return &fixedColumn[T]{vals: slices.Clone(vals), nulls: nullsOf(arr)}
}

func (c *fixedColumn[T]) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	return c.vals[i]
}

// stringColumn is a column of strings, all held in one: value i is data[ends[i-1]:ends[i]]
// (from 0 for the first). A string read from it shares the column's memory, which the
// Arrow buffers do not.
type stringColumn struct {
	data  string
	ends  []uint32
	nulls nullMask
}

// stringsOf copies a string array into a stringColumn, or returns nil when its values do
// not fit one (4 GiB or more).
func stringsOf(a interface {
	arrow.Array
	Value(int) string
}) rowColumn {
	n := a.Len()
	total := 0
	for i := range n {
		if a.IsValid(i) {
			total += len(a.Value(i))
		}
	}
	if total > math.MaxUint32 {
		return nil
	}
	var b strings.Builder
	b.Grow(total)
	ends := make([]uint32, n)
	for i := range n {
		if a.IsValid(i) {
			b.WriteString(a.Value(i))
		}
		ends[i] = uint32(b.Len())
	}
	return &stringColumn{data: b.String(), ends: ends, nulls: nullsOf(a)}
}

func (c *stringColumn) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]]
}

// bytesColumn is a column of binary values, all held in one slice: value i is
// data[ends[i-1]:ends[i]] (from 0 for the first), capped at its end so that appending to
// it does not write into the next value.
type bytesColumn struct {
	data  []byte
	ends  []uint32
	nulls nullMask
}

// bytesOf copies a binary array into a bytesColumn, or returns nil when its values do not
// fit one (4 GiB or more).
func bytesOf(a interface {
	arrow.Array
	Value(int) []byte
}) rowColumn {
	n := a.Len()
	total := 0
	for i := range n {
		if a.IsValid(i) {
			total += len(a.Value(i))
		}
	}
	if total > math.MaxUint32 {
		return nil
	}
	data := make([]byte, 0, total)
	ends := make([]uint32, n)
	for i := range n {
		if a.IsValid(i) {
			data = append(data, a.Value(i)...)
		}
		ends[i] = uint32(len(data))
	}
	return &bytesColumn{data: data, ends: ends, nulls: nullsOf(a)}
}

func (c *bytesColumn) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]:c.ends[i]]
}

// timestampColumn is a column of timestamps (and timestamp_ntz) as their integers.
type timestampColumn struct {
	vals  []int64
	unit  arrow.TimeUnit
	nulls nullMask
}

func (c *timestampColumn) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	return timestampTime(c.vals[i], c.unit)
}

// timestampTime returns the instant v units after the epoch, in UTC.
func timestampTime(v int64, unit arrow.TimeUnit) time.Time {
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
}

// dateColumn is a column of dates as days since the epoch.
type dateColumn struct {
	days  []int32
	nulls nullMask
}

func (c *dateColumn) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	return time.Unix(int64(c.days[i])*86400, 0).UTC()
}

// structColumn is a column of structs, kept as a rowSet of its fields: a value is a Row of
// that set, so the structs of a column cost no allocation of their own.
type structColumn struct {
	set   *rowSet
	nulls nullMask
}

// structsOf converts a struct array (not a variant) into a structColumn, or returns nil
// for a variant or when a field's array does not have a value for each struct.
func structsOf(a *array.Struct, variant bool) rowColumn {
	if variant {
		return nil
	}
	st := a.DataType().(*arrow.StructType)
	set := &rowSet{names: make([]string, a.NumField()), cols: make([]rowColumn, a.NumField()), rows: a.Len()}
	for f := range a.NumField() {
		if a.Field(f).Len() != a.Len() {
			return nil
		}
		set.names[f] = st.Field(f).Name
		set.cols[f] = columnOf(a.Field(f), isVariantField(st.Field(f)))
	}
	return &structColumn{set: set, nulls: nullsOf(a)}
}

func (c *structColumn) value(i int) any {
	if c.nulls.null(i) {
		return nil
	}
	return Row{set: c.set, i: i}
}

// anyColumn is a column of values boxed as ValueAt returns them.
type anyColumn struct {
	vals []any
}

func (c *anyColumn) value(i int) any { return c.vals[i] }
