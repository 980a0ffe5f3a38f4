package connect

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// CreateDataFrame makes a DataFrame of data held in Go. The batches must share one schema;
// they are serialized at once and the caller keeps ownership of them. Small data travels
// inline with the plan; from spark.sql.session.localRelationCacheThreshold bytes on (1 MiB
// on Spark 4.1), the first action uploads it in chunks that the server caches for the
// session, and the plan names them (see [Session.AddArtifacts] for how uploads travel).
func (s *Session) CreateDataFrame(batches ...arrow.RecordBatch) *DataFrame {
	if err := s.usable(); err != nil {
		return &DataFrame{err: err}
	}
	if len(batches) == 0 {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: no record batches")}
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(batches[0].Schema()), ipc.WithAllocator(s.mem))
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			w.Close()
			return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
		}
	}
	if err := w.Close(); err != nil {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
	}
	return s.newDataFrame(localRelation(buf.Bytes(), ""))
}

// CreateDataFrameFromRows makes a DataFrame of Go values with a schema built in Go, for
// small tables. Row i holds one value per field, or nil for NULL (an error in a field that
// is not nullable). Each value has the Go type that [Row] documents for the field's Spark
// type, or one of these:
//
//	tinyint, smallint, int, bigint   any Go integer type, when the value fits
//	float                            float32, or a float64 that float32 holds exactly
//	double                           float64 or float32
//	decimal(p,s)                     types.Decimal (or a Go integer), rescaled exactly to s;
//	                                 a value that needs rounding or more than p digits is
//	                                 an error
//	date                             Date, or time.Time (its date in its location)
//	timestamp                        time.Time (the instant, truncated to microseconds)
//	timestamp_ntz                    TimestampNTZ, or time.Time (its wall-clock time)
//	time(p)                          types.Time
//	day-time intervals               time.Duration, truncated to microseconds
//	year-month intervals             types.YearMonthInterval or a Go integer (months)
//	interval                         types.CalendarInterval
//	array                            []any or any slice (a nil slice is an empty array)
//	map                              any Go map (nil keys are an error; a nil map is
//	                                 an empty map)
//	struct                           Row (fields by name), []any (fields in order) or
//	                                 map[string]any (fields by name; absent means NULL)
//
// The DataFrame's columns get the Spark types that Spark reads from Arrow, which are the
// schema's types except that every day-time interval column is "interval day to second",
// every year-month interval column "interval year to month", and (in Spark 4.1) every time
// column time(6).
// Errors name the row and the field.
func (s *Session) CreateDataFrameFromRows(schema *types.StructType, rows [][]any) *DataFrame {
	if err := s.usable(); err != nil {
		return &DataFrame{err: err}
	}
	rec, err := buildRecord(s.mem, schema, rows)
	if err != nil {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
	}
	defer rec.Release()
	return s.CreateDataFrame(rec)
}

func localRelation(data []byte, schema string) *sparkpb.Relation {
	lr := &sparkpb.LocalRelation{Data: data}
	if schema != "" {
		lr.Schema = &schema
	}
	return &sparkpb.Relation{RelType: &sparkpb.Relation_LocalRelation{LocalRelation: lr}}
}

// arrowField returns the Arrow field that Spark reads as a field of type t, named and
// nested as Spark's own ArrowUtils.toArrowField does (list elements are "element"; map
// entries are a non-nullable struct "entries" of a non-nullable "key" and a "value").
//
// A time field carries its precision in the field metadata key that later Spark versions
// read (SPARK::time::precision); Spark 4.1 reads every Arrow time as time(6).
func arrowField(name string, t types.DataType, nullable bool) (arrow.Field, error) {
	at, err := arrowType(t)
	if err != nil {
		return arrow.Field{}, err
	}
	f := arrow.Field{Name: name, Type: at, Nullable: nullable}
	if tt, ok := t.(types.TimeType); ok {
		f.Metadata = arrow.NewMetadata([]string{"SPARK::time::precision"}, []string{strconv.Itoa(int(tt.Precision))})
	}
	return f, nil
}

func arrowType(t types.DataType) (arrow.DataType, error) {
	switch t := t.(type) {
	case types.Primitive:
		switch t {
		case types.Null:
			return arrow.Null, nil
		case types.Boolean:
			return arrow.FixedWidthTypes.Boolean, nil
		case types.Byte:
			return arrow.PrimitiveTypes.Int8, nil
		case types.Short:
			return arrow.PrimitiveTypes.Int16, nil
		case types.Integer:
			return arrow.PrimitiveTypes.Int32, nil
		case types.Long:
			return arrow.PrimitiveTypes.Int64, nil
		case types.Float:
			return arrow.PrimitiveTypes.Float32, nil
		case types.Double:
			return arrow.PrimitiveTypes.Float64, nil
		case types.String:
			return arrow.BinaryTypes.String, nil
		case types.Binary:
			return arrow.BinaryTypes.Binary, nil
		case types.Date:
			return arrow.FixedWidthTypes.Date32, nil
		case types.Timestamp:
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
		case types.TimestampNTZ:
			return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
		case types.CalendarIntervalType:
			return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
		}
	case types.DecimalType:
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("type %s is not a valid decimal type (precision 1 to 38, scale 0 to precision)", t.DDL())
		}
		return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}, nil
	case types.DayTimeIntervalType:
		return arrow.FixedWidthTypes.Duration_us, nil
	case types.YearMonthIntervalType:
		return arrow.FixedWidthTypes.MonthInterval, nil
	case types.TimeType:
		if t.Precision < 0 || t.Precision > 9 {
			return nil, fmt.Errorf("type %s is not a valid time type (precision 0 to 9)", t.DDL())
		}
		return arrow.FixedWidthTypes.Time64ns, nil
	case types.ArrayType:
		if t.Element == nil {
			return nil, fmt.Errorf("array type without an element type")
		}
		elem, err := arrowField("element", t.Element, t.ContainsNull)
		if err != nil {
			return nil, err
		}
		return arrow.ListOfField(elem), nil
	case types.MapType:
		if t.Key == nil || t.Value == nil {
			return nil, fmt.Errorf("map type without a key or value type")
		}
		key, err := arrowField("key", t.Key, false)
		if err != nil {
			return nil, err
		}
		item, err := arrowField("value", t.Value, t.ValueContainsNull)
		if err != nil {
			return nil, err
		}
		return arrow.MapOfFields(key, item), nil
	case *types.StructType:
		if t == nil {
			return nil, fmt.Errorf("nil struct type")
		}
		fields := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			if f.Type == nil {
				return nil, fmt.Errorf("field %s has no type", f.Name)
			}
			af, err := arrowField(f.Name, f.Type, f.Nullable)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			fields[i] = af
		}
		return arrow.StructOf(fields...), nil
	case nil:
		return nil, fmt.Errorf("no type")
	}
	return nil, fmt.Errorf("type %s is not supported here", t.DDL())
}

func buildRecord(mem memory.Allocator, schema *types.StructType, rows [][]any) (arrow.RecordBatch, error) {
	if schema == nil {
		return nil, fmt.Errorf("no schema")
	}
	fields := make([]arrow.Field, len(schema.Fields))
	for i, f := range schema.Fields {
		if f.Type == nil {
			return nil, fmt.Errorf("field %s has no type", f.Name)
		}
		af, err := arrowField(f.Name, f.Type, f.Nullable)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		fields[i] = af
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r, row := range rows {
		if len(row) != len(fields) {
			return nil, fmt.Errorf("row %d has %d values for %d fields", r, len(row), len(fields))
		}
		for c, v := range row {
			f := schema.Fields[c]
			if err := appendValue(b.Field(c), f.Type, f.Nullable, v); err != nil {
				return nil, fmt.Errorf("row %d, field %s: %w", r, f.Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// isNull reports whether v is Go's nil: untyped nil or a nil pointer or interface.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil()
}

// appendValue appends v, a value of Spark type t, to b, the builder that arrowType(t)
// gives.
func appendValue(b array.Builder, t types.DataType, nullable bool, v any) error {
	if isNull(v) {
		if !nullable {
			return fmt.Errorf("NULL in a field that is not nullable")
		}
		b.AppendNull()
		return nil
	}
	// A non-nil pointer stands for the value it points to (a nil one is NULL, above), as
	// with Lit and the fields of CreateDataFrameOf.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		return appendValue(b, t, nullable, rv.Elem().Interface())
	}
	mismatch := func() error {
		return fmt.Errorf("value %v (%T) does not fit the type %s", v, v, t.DDL())
	}
	switch b := b.(type) {
	case *array.NullBuilder:
		return mismatch()
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return mismatch()
		}
		b.Append(x)
	case *array.Int8Builder:
		n, err := integer(v, math.MinInt8, math.MaxInt8, t)
		if err != nil {
			return err
		}
		b.Append(int8(n))
	case *array.Int16Builder:
		n, err := integer(v, math.MinInt16, math.MaxInt16, t)
		if err != nil {
			return err
		}
		b.Append(int16(n))
	case *array.Int32Builder:
		n, err := integer(v, math.MinInt32, math.MaxInt32, t)
		if err != nil {
			return err
		}
		b.Append(int32(n))
	case *array.Int64Builder:
		n, err := integer(v, math.MinInt64, math.MaxInt64, t)
		if err != nil {
			return err
		}
		b.Append(n)
	case *array.Float32Builder:
		switch x := v.(type) {
		case float32:
			b.Append(x)
		case float64:
			if f := float32(x); float64(f) == x || math.IsNaN(x) {
				b.Append(f)
			} else {
				return fmt.Errorf("value %v (float64) is not exactly a float", x)
			}
		default:
			return mismatch()
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			b.Append(x)
		case float32:
			b.Append(float64(x))
		default:
			return mismatch()
		}
	case *array.StringBuilder:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.String {
			return mismatch()
		}
		b.Append(rv.String())
	case *array.BinaryBuilder:
		x, ok := v.([]byte)
		if !ok {
			return mismatch()
		}
		b.Append(x)
	case *array.Decimal128Builder:
		dt := t.(types.DecimalType)
		n, err := decimalValue(v, dt)
		if err != nil {
			return err
		}
		b.Append(n)
	case *array.Date32Builder:
		switch x := v.(type) {
		case time.Time:
			b.Append(arrow.Date32(civilDays(x.Year(), x.Month(), x.Day())))
		case Date:
			b.Append(arrow.Date32(civilDays(x.Year, x.Month, x.Day)))
		default:
			return mismatch()
		}
	case *array.TimestampBuilder:
		var x time.Time
		switch y := v.(type) {
		case time.Time:
			x = y
			if t == types.TimestampNTZ {
				x = wallClock(y)
			}
		case TimestampNTZ:
			if t != types.TimestampNTZ {
				return mismatch()
			}
			x = wallClock(time.Time(y))
		default:
			return mismatch()
		}
		b.Append(arrow.Timestamp(x.UnixMicro()))
	case *array.Time64Builder:
		x, ok := v.(types.Time)
		if !ok {
			return mismatch()
		}
		if !x.Valid() {
			return fmt.Errorf("time %+v is not a time of day", x)
		}
		b.Append(arrow.Time64(x.Nanoseconds()))
	case *array.DurationBuilder:
		x, ok := v.(time.Duration)
		if !ok {
			return mismatch()
		}
		b.Append(arrow.Duration(x / time.Microsecond))
	case *array.MonthIntervalBuilder:
		var n int64
		if x, ok := v.(types.YearMonthInterval); ok {
			n = int64(x)
		} else {
			var err error
			if n, err = integer(v, math.MinInt32, math.MaxInt32, t); err != nil {
				return err
			}
		}
		b.Append(arrow.MonthInterval(n))
	case *array.MonthDayNanoIntervalBuilder:
		x, ok := v.(types.CalendarInterval)
		if !ok {
			return mismatch()
		}
		if x.Microseconds > math.MaxInt64/1000 || x.Microseconds < math.MinInt64/1000 {
			return fmt.Errorf("interval of %d microseconds is out of range", x.Microseconds)
		}
		b.Append(arrow.MonthDayNanoInterval{Months: x.Months, Days: x.Days, Nanoseconds: x.Microseconds * 1000})
	case *array.ListBuilder:
		return appendList(b, t.(types.ArrayType), v)
	case *array.MapBuilder:
		return appendMap(b, t.(types.MapType), v)
	case *array.StructBuilder:
		return appendStruct(b, t.(*types.StructType), v)
	default:
		return fmt.Errorf("unsupported column type %s", b.Type())
	}
	return nil
}

// integer returns v, a Go integer of any type, when it lies within [lo, hi].
func integer(v any, lo, hi int64, t types.DataType) (int64, error) {
	rv := reflect.ValueOf(v)
	var n int64
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("value %v (%T) overflows %s", v, v, t.DDL())
		}
		n = int64(u)
	default:
		return 0, fmt.Errorf("value %v (%T) does not fit the type %s", v, v, t.DDL())
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("value %v (%T) overflows %s", v, v, t.DDL())
	}
	return n, nil
}

// decimalValue converts v to the unscaled value of decimal type dt, exactly.
func decimalValue(v any, dt types.DecimalType) (decimal128.Num, error) {
	var d types.Decimal
	switch x := v.(type) {
	case types.Decimal:
		d = x
	default:
		n, err := integer(v, math.MinInt64, math.MaxInt64, dt)
		if err != nil {
			return decimal128.Num{}, err
		}
		d = types.Decimal{Unscaled: big.NewInt(n)}
	}
	u := new(big.Int)
	if d.Unscaled != nil {
		u.Set(d.Unscaled)
	}
	switch {
	case d.Scale < dt.Scale:
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dt.Scale-d.Scale)), nil))
	case d.Scale > dt.Scale:
		f := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-dt.Scale)), nil)
		q, r := new(big.Int).QuoRem(u, f, new(big.Int))
		if r.Sign() != 0 {
			return decimal128.Num{}, fmt.Errorf("decimal %s has more than the %d digits after the point of %s (it would need rounding)",
				d, dt.Scale, dt.DDL())
		}
		u = q
	}
	if u.Sign() != 0 && len(new(big.Int).Abs(u).String()) > int(dt.Precision) {
		return decimal128.Num{}, fmt.Errorf("decimal %s has more digits than %s holds", d, dt.DDL())
	}
	return decimal128.FromBigInt(u), nil
}

// civilDays returns the days from 1970-01-01 to the given date.
func civilDays(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// wallClock returns t's wall-clock time as the same wall-clock time in UTC.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func appendList(b *array.ListBuilder, t types.ArrayType, v any) error {
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
		return fmt.Errorf("value %v (%T) does not fit the type %s", v, v, t.DDL())
	}
	b.Append(true)
	vb := b.ValueBuilder()
	for i := 0; i < rv.Len(); i++ {
		if err := appendValue(vb, t.Element, t.ContainsNull, rv.Index(i).Interface()); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

func appendMap(b *array.MapBuilder, t types.MapType, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return fmt.Errorf("value %v (%T) does not fit the type %s", v, v, t.DDL())
	}
	// Go randomizes map order; sort the keys so that equal maps make equal data.
	keys := rv.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	b.Append(true)
	kb, ib := b.KeyBuilder(), b.ItemBuilder()
	for _, k := range keys {
		key := k.Interface()
		if err := appendValue(kb, t.Key, false, key); err != nil {
			return fmt.Errorf("key %v: %w", key, err)
		}
		if err := appendValue(ib, t.Value, t.ValueContainsNull, rv.MapIndex(k).Interface()); err != nil {
			return fmt.Errorf("value of key %v: %w", key, err)
		}
	}
	return nil
}

// keyLess orders map keys: numbers by value, strings by bytes, anything else by its
// printed form.
func keyLess(a, b reflect.Value) bool {
	if a.Kind() == reflect.Interface {
		a = a.Elem()
	}
	if b.Kind() == reflect.Interface {
		b = b.Elem()
	}
	if a.IsValid() && b.IsValid() && a.Kind() == b.Kind() {
		switch a.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return a.Int() < b.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return a.Uint() < b.Uint()
		case reflect.Float32, reflect.Float64:
			return a.Float() < b.Float()
		case reflect.String:
			return a.String() < b.String()
		}
	}
	return fmt.Sprint(valueOrNil(a)) < fmt.Sprint(valueOrNil(b))
}

func valueOrNil(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}

func appendStruct(b *array.StructBuilder, t *types.StructType, v any) error {
	var get func(i int) (any, error)
	switch x := v.(type) {
	case Row:
		get = func(i int) (any, error) {
			if len(x.Names()) == 0 {
				if x.Len() != len(t.Fields) {
					return nil, fmt.Errorf("row of %d values for %d fields", x.Len(), len(t.Fields))
				}
				return x.Value(i), nil
			}
			val, ok := x.Get(t.Fields[i].Name)
			if !ok {
				return nil, fmt.Errorf("row has no field %s", t.Fields[i].Name)
			}
			return val, nil
		}
	case []any:
		if len(x) != len(t.Fields) {
			return fmt.Errorf("%d values for the %d fields of %s", len(x), len(t.Fields), t.DDL())
		}
		get = func(i int) (any, error) { return x[i], nil }
	case map[string]any:
		for k := range x {
			if t.FieldIndex(k) < 0 {
				return fmt.Errorf("%s has no field %s", t.DDL(), k)
			}
		}
		get = func(i int) (any, error) { return x[t.Fields[i].Name], nil }
	default:
		return fmt.Errorf("value %v (%T) does not fit the type %s", v, v, t.DDL())
	}
	b.Append(true)
	for i, f := range t.Fields {
		val, err := get(i)
		if err == nil {
			err = appendValue(b.FieldBuilder(i), f.Type, f.Nullable, val)
		}
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return nil
}
