package connect

import (
	"context"
	"fmt"
	"iter"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect/types"
)

// Typed results: rows decoded into Go structs, and DataFrames made of Go structs. The
// rules are in the package documentation (doc.go, "Typed results").

var (
	decimalType   = reflect.TypeFor[types.Decimal]()
	timeOfDayType = reflect.TypeFor[types.Time]()
	yearMonthType = reflect.TypeFor[types.YearMonthInterval]()
	calendarType  = reflect.TypeFor[types.CalendarInterval]()
	variantType   = reflect.TypeFor[Variant]()
	rowType       = reflect.TypeFor[Row]()
)

// CollectAs runs the query and decodes every row into a T, which must be a struct type (or
// a pointer to one); see [RowsAs] for the decoding rules. Errors name the row, the column
// and both types. Each batch is decoded as it arrives, straight from its Arrow arrays; the
// slice is made at the end, at its exact length.
func CollectAs[T any](ctx context.Context, df *DataFrame) ([]T, error) {
	dec, err := newStructDecoder(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	rr, err := df.Collect(ctx)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	var (
		chunks [][]T // one per batch
		n      int
	)
	for rr.Next() {
		rec := rr.RecordBatch()
		rows := int(rec.NumRows())
		if rows == 0 {
			continue
		}
		if err := dec.batch(rec, rr.SparkSchema(), n); err != nil {
			return nil, err
		}
		chunk := make([]T, rows)
		for i := range chunk {
			if err := dec.decode(reflect.ValueOf(&chunk[i]).Elem(), i, n); err != nil {
				return nil, err
			}
			n++
		}
		chunks = append(chunks, chunk)
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if err := dec.checkSchema(rr.Schema()); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]T, 0, n)
	for k, chunk := range chunks {
		out = append(out, chunk...)
		chunks[k] = nil // the garbage collector may take it while the rest is copied
	}
	return out, nil
}

// RowsAs runs the query when the loop starts and yields its rows decoded into T, one Arrow
// batch at a time, so memory holds at most one batch and one T. T must be a struct type
// (or a pointer to one). The first error (of the query or of decoding) is yielded with a
// zero T and ends the sequence. Breaking out of the loop releases the result and ends the
// operation on the server.
//
// Columns match fields as the package documentation says under "Typed results": by tag or
// Go name, then the one field equal ignoring case; a column with no field, or a field with
// no column, is an error. A field takes a
// value of the Go type that [Row] documents for its column, or:
//
//	any Go integer type    a tinyint, smallint, int or bigint column, when the value fits
//	                       (a value that overflows is an error)
//	float64                a float column as well as a double one
//	float32                a double column too, when float32 holds the value exactly
//	named types            values of their underlying kind (type Level string)
//	*X                     X, or nil for NULL
//	[]X                    an array column, each element decoded into X
//	map[K]V                a map column, keys into K and values into V
//	struct                 a struct column, by the same matching rules
//	Date                   a date column; TimestampNTZ a timestamp_ntz column
//	any                    any value, as Row gives it
//
// NULL goes only into a pointer or an interface field: NULL into any other field is an
// error naming the column (so is a NULL array element into a non-pointer element type).
func RowsAs[T any](ctx context.Context, df *DataFrame) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		dec, err := newStructDecoder(reflect.TypeFor[T]())
		if err != nil {
			yield(zero, err)
			return
		}
		rr, err := df.Collect(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rr.Release()
		// Rows are decoded into one T on the heap and yielded as copies, so that a row
		// costs no allocation of its own.
		buf := new(T)
		dst := reflect.ValueOf(buf).Elem()
		n := 0
		for rr.Next() {
			rec := rr.RecordBatch()
			rows := int(rec.NumRows())
			if rows == 0 {
				continue
			}
			if err := dec.batch(rec, rr.SparkSchema(), n); err != nil {
				yield(zero, err)
				return
			}
			for i := range rows {
				*buf = zero
				if err := dec.decode(dst, i, n); err != nil {
					yield(zero, err)
					return
				}
				n++
				if !yield(*buf, nil) {
					return
				}
			}
		}
		if err := rr.Err(); err != nil {
			yield(zero, err)
			return
		}
		if err := dec.checkSchema(rr.Schema()); err != nil {
			yield(zero, err)
		}
	}
}

// structTarget returns the struct type that T (a struct or a pointer to one) decodes into.
func structTarget(t reflect.Type) (reflect.Type, error) {
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct || isSpecial(st) {
		return nil, fmt.Errorf("typed rows: %s is not a struct type", t)
	}
	if len(structFields(st)) == 0 {
		return nil, fmt.Errorf("typed rows: %s has no exported fields", t)
	}
	return st, nil
}

// isSpecial reports whether t is a struct type that stands for one Spark value.
func isSpecial(t reflect.Type) bool {
	switch t {
	case timeType, dateType, ntzType, decimalType, timeOfDayType, calendarType, variantType, rowType:
		return true
	}
	return false
}

// matchFields maps each column name to the index (in structFields(t)) of the field it
// fills: exact name first, then the single field equal ignoring case. Every column and
// every field must match once. where names the enclosing column for nested structs.
func matchFields(t reflect.Type, names []string, where string) ([]int, error) {
	fields := structFields(t)
	m := make([]int, len(names))
	used := make([]int, len(fields)) // field -> column+1
	for c, name := range names {
		m[c] = -1
		for i, f := range fields {
			if f.name == name {
				m[c] = i
				break
			}
		}
		if m[c] < 0 {
			for i, f := range fields {
				if strings.EqualFold(f.name, name) {
					if m[c] >= 0 {
						return nil, fmt.Errorf("column %s matches both fields %s and %s of %s ignoring case",
							where+name, fields[m[c]].name, f.name, t)
					}
					m[c] = i
				}
			}
		}
		if m[c] < 0 {
			return nil, fmt.Errorf("column %s has no field in %s (tag a field `spark:\"%s\"`, or select fewer columns)",
				where+name, t, name)
		}
		if used[m[c]] != 0 {
			return nil, fmt.Errorf("columns %s and %s both match field %s of %s",
				where+names[used[m[c]]-1], where+name, fields[m[c]].name, t)
		}
		used[m[c]] = c + 1
	}
	for i, f := range fields {
		if used[i] == 0 {
			return nil, fmt.Errorf("field %s of %s has no column %s in the result (columns: %s)",
				t.FieldByIndex(f.index).Name, t, where+f.name, strings.Join(names, ", "))
		}
	}
	return m, nil
}

// assign stores v, a value as Row gives it, into dst. path names the value for errors.
func assign(dst reflect.Value, v any, path string) error {
	t := dst.Type()
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface:
			dst.SetZero()
			return nil
		}
		return fmt.Errorf("NULL in %s does not fit Go type %s (use *%s)", path, t, t)
	}
	mismatch := func() error {
		return fmt.Errorf("value %v of Go type %T in %s does not fit Go type %s", v, v, path, t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := assign(p.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Interface:
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(t) {
			return mismatch()
		}
		dst.Set(rv)
		return nil
	}
	if isSpecial(t) || t == durationType || t == yearMonthType || t == bytesType {
		switch {
		case reflect.TypeOf(v) == t:
			if b, ok := v.([]byte); ok {
				v = append([]byte(nil), b...)
			}
			dst.Set(reflect.ValueOf(v))
		case t == dateType:
			x, ok := v.(time.Time)
			if !ok {
				return mismatch()
			}
			dst.Set(reflect.ValueOf(DateOf(x)))
		case t == ntzType:
			x, ok := v.(time.Time)
			if !ok {
				return mismatch()
			}
			dst.Set(reflect.ValueOf(TimestampNTZ(x)))
		default:
			return mismatch()
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	switch t.Kind() {
	case reflect.Bool:
		if rv.Kind() != reflect.Bool {
			return mismatch()
		}
		dst.SetBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if rv.Type() == durationType || rv.Type() == yearMonthType {
			return mismatch()
		}
		var n int64
		switch {
		case rv.CanInt():
			n = rv.Int()
		case rv.CanUint() && rv.Uint() <= math.MaxInt64:
			n = int64(rv.Uint())
		case rv.CanUint():
			return fmt.Errorf("value %v in %s overflows Go type %s", v, path, t)
		default:
			return mismatch()
		}
		if dst.OverflowInt(n) {
			return fmt.Errorf("value %v (%T) in %s overflows Go type %s", v, v, path, t)
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		switch {
		case rv.CanUint():
			u = rv.Uint()
		case rv.CanInt() && rv.Type() != durationType && rv.Type() != yearMonthType:
			if rv.Int() < 0 {
				return fmt.Errorf("value %v (%T) in %s is negative for Go type %s", v, v, path, t)
			}
			u = uint64(rv.Int())
		default:
			return mismatch()
		}
		if dst.OverflowUint(u) {
			return fmt.Errorf("value %v (%T) in %s overflows Go type %s", v, v, path, t)
		}
		dst.SetUint(u)
	case reflect.Float32, reflect.Float64:
		if !rv.CanFloat() {
			return mismatch()
		}
		f := rv.Float()
		if t.Kind() == reflect.Float32 && rv.Kind() == reflect.Float64 && float64(float32(f)) != f && !math.IsNaN(f) {
			return fmt.Errorf("value %v (%T) in %s is not exactly a Go %s", v, v, path, t)
		}
		dst.SetFloat(f)
	case reflect.String:
		if rv.Kind() != reflect.String {
			return mismatch()
		}
		dst.SetString(rv.String())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			b, ok := v.([]byte)
			if !ok {
				return mismatch()
			}
			dst.SetBytes(append([]byte(nil), b...))
			return nil
		}
		list, ok := v.([]any)
		if !ok {
			return mismatch()
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, e := range list {
			if err := assign(s.Index(i), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		mv, ok := v.(map[any]any)
		if !ok {
			return mismatch()
		}
		out := reflect.MakeMapWithSize(t, len(mv))
		for k, e := range mv {
			kv := reflect.New(t.Key()).Elem()
			if err := assign(kv, k, path+" key"); err != nil {
				return err
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := assign(ev, e, fmt.Sprintf("%s[%v]", path, k)); err != nil {
				return err
			}
			out.SetMapIndex(kv, ev)
		}
		dst.Set(out)
	case reflect.Struct:
		r, ok := v.(Row)
		if !ok {
			return mismatch()
		}
		fields := structFields(t)
		if len(fields) == 0 {
			return fmt.Errorf("Go type %s of %s has no exported fields", t, path)
		}
		m, err := matchFields(t, r.Names(), path+".")
		if err != nil {
			return err
		}
		values := r.Values()
		var nulls []int // behind a nil embedded pointer so far (see fieldToGet)
		set := func(c int) error {
			f, err := fieldToSet(dst, fields[m[c]].index)
			if err == nil {
				err = assign(f, values[c], path+"."+r.Names()[c])
			}
			return err
		}
		for c, fv := range values {
			if fv == nil {
				if _, reachable := fieldToGet(dst, fields[m[c]].index); !reachable {
					nulls = append(nulls, c)
					continue
				}
			}
			if err := set(c); err != nil {
				return err
			}
		}
		for _, c := range nulls {
			if _, reachable := fieldToGet(dst, fields[m[c]].index); reachable {
				if err := set(c); err != nil {
					return err
				}
			}
		}
	default:
		return mismatch()
	}
	return nil
}

// SchemaOf returns the Spark schema of struct type T (or a pointer to one), as
// [CreateDataFrameOf] sends it. Fields are named as the package documentation says under
// "Typed results", and typed as follows:
//
//	bool                    boolean
//	int8, int16, int32      tinyint, smallint, int
//	int, int64              bigint
//	float32, float64        float, double
//	string                  string
//	[]byte                  binary
//	time.Time               timestamp
//	Date                    date
//	TimestampNTZ            timestamp_ntz
//	time.Duration           interval day to second
//	types.Time              time(6)
//	types.YearMonthInterval interval year to month
//	types.CalendarInterval  interval
//	types.Decimal           decimal(p,s), given by the tag: `spark:"price,decimal(10,2)"`
//	                        (the hint applies to the decimals inside a slice or map field
//	                        too); a decimal without a hint is an error
//	*X                      X, nullable
//	[]X                     array of X (elements nullable when X is a pointer)
//	map[K]V                 map of K to V (values nullable when V is a pointer)
//	struct                  struct, by the same rules
//
// Named types take the type of their underlying kind. Fields of other types (unsigned
// integers, interfaces, channels, Variant) are an error. Only pointer fields are nullable: a
// nil slice or map is sent as an empty array or map.
func SchemaOf[T any]() (*types.StructType, error) {
	t, err := structTarget(reflect.TypeFor[T]())
	if err != nil {
		return nil, fmt.Errorf("schema of: %w", err)
	}
	st, err := structSchema(t, nil)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t, err)
	}
	return st, nil
}

// structSchema returns the Spark struct type of Go struct type t; seen guards against
// recursive types.
func structSchema(t reflect.Type, seen []reflect.Type) (*types.StructType, error) {
	for _, s := range seen {
		if s == t {
			return nil, fmt.Errorf("recursive struct type %s", t)
		}
	}
	seen = append(seen, t)
	fields := structFields(t)
	if len(fields) == 0 {
		return nil, fmt.Errorf("%s is a struct without exported fields", t)
	}
	st := &types.StructType{Fields: make([]types.StructField, 0, len(fields))}
	for _, f := range fields {
		sf := t.FieldByIndex(f.index)
		var dec *types.DecimalType
		if tag, ok := sf.Tag.Lookup("spark"); ok {
			if _, hint, ok := strings.Cut(tag, ","); ok && hint != "" {
				d, err := parseDecimalHint(hint)
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", sf.Name, err)
				}
				if !hasDecimal(sf.Type) {
					return nil, fmt.Errorf("field %s: type hint %q on Go type %s, which holds no types.Decimal", sf.Name, hint, sf.Type)
				}
				dec = &d
			}
		}
		ft, nullable, err := goSparkType(sf.Type, schemaRules, dec, seen)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", sf.Name, err)
		}
		// A field promoted through an embedded pointer is NULL when the pointer is nil.
		nullable = nullable || throughPointer(t, f.index)
		st.Fields = append(st.Fields, types.StructField{Name: f.name, Type: ft, Nullable: nullable})
	}
	return st, nil
}

// hasDecimal reports whether t is types.Decimal, or a pointer, slice or map of it.
func hasDecimal(t reflect.Type) bool {
	switch {
	case t == decimalType:
		return true
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map:
		return hasDecimal(t.Elem())
	}
	return false
}

// parseDecimalHint parses a tag's type hint, "decimal(p,s)".
func parseDecimalHint(hint string) (types.DecimalType, error) {
	h := strings.ReplaceAll(strings.ToLower(hint), " ", "")
	inner, ok := strings.CutPrefix(h, "decimal(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if ok {
		ps, ss, found := strings.Cut(inner, ",")
		p, err1 := strconv.Atoi(ps)
		s, err2 := strconv.Atoi(ss)
		if found && err1 == nil && err2 == nil && p >= 1 && p <= maxDecimalPrecision && s >= 0 && s <= p {
			return types.DecimalType{Precision: int32(p), Scale: int32(s)}, nil
		}
	}
	return types.DecimalType{}, fmt.Errorf("type hint %q is not decimal(p,s) with 1 <= p <= 38 and 0 <= s <= p", hint)
}

// CreateDataFrameOf makes a DataFrame of Go structs, sent inline as [Session.CreateDataFrame]
// does (for small tables). Its schema is [SchemaOf] T; each field's value is sent as
// [Session.CreateDataFrameFromRows] documents (timestamps truncated to microseconds). Errors
// (a type without a Spark type, a decimal that does not fit its hint) surface at the
// DataFrame's first action, naming the row and field.
func CreateDataFrameOf[T any](s *Session, rows []T) *DataFrame {
	if err := s.usable(); err != nil {
		return &DataFrame{err: fmt.Errorf("create dataframe: %w", err)}
	}
	schema, err := SchemaOf[T]()
	if err != nil {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
	}
	values := make([][]any, len(rows))
	for i := range rows {
		rv := reflect.ValueOf(&rows[i]).Elem()
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return &DataFrame{s: s, err: fmt.Errorf("create dataframe: row %d is a nil pointer", i)}
			}
			rv = rv.Elem()
		}
		values[i] = goValue(rv).([]any)
	}
	return s.CreateDataFrameFromRows(schema, values)
}

// goValue turns a Go value of a type that goSparkType accepts into the form buildRecord
// takes: nil for nil pointers, []any for structs, slices and maps of converted values,
// underlying kinds for named scalar types.
func goValue(v reflect.Value) any {
	t := v.Type()
	if isSpecial(t) || t == durationType || t == yearMonthType || t == decimalType {
		return v.Interface()
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return goValue(v.Elem())
	case reflect.Bool:
		return v.Bool()
	case reflect.Float32:
		return float32(v.Float())
	case reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v.Bytes()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = goValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[any]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[goValue(it.Key())] = goValue(it.Value())
		}
		return out
	case reflect.Struct:
		fields := structFields(t)
		out := make([]any, len(fields))
		for i, f := range fields {
			// A field promoted through a nil embedded pointer is NULL.
			if fv, ok := fieldToGet(v, f.index); ok {
				out[i] = goValue(fv)
			}
		}
		return out
	}
	return v.Interface()
}
