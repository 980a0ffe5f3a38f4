package connect

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sparkwire/sparkwire/connect/types"
)

// structDecoder decodes the rows of a result's record batches into Go structs, straight
// from the Arrow arrays: a column whose Arrow and Go types are a common pair (numbers,
// strings, booleans, timestamps into fields of the same kind) is set without making its
// value an interface first; any other column, and a NULL, goes through ValueAt and assign,
// which hold the rules and the errors of RowsAs.
type structDecoder struct {
	target reflect.Type // the struct type
	fields []structField
	// embedsPointer says that a field is promoted through a pointer to an embedded
	// struct: decode then zeroes the value first, so that a value decoded into again
	// (RowsAs) gets pointers of its own instead of the previous row's.
	embedsPointer bool
	// m maps each column to the field it fills (in fields); nil until the first batch
	// with rows.
	m []int
	// cols decodes the columns of the current batch.
	cols []columnDecoder
	// nulls holds, while a row is decoded, the columns whose NULL was left out because
	// their field lies behind a nil embedded pointer (see fieldToGet).
	nulls []int
}

// columnDecoder decodes one column of a batch into one field.
type columnDecoder struct {
	arr     arrow.Array
	variant bool
	name    string
	// where names the column in errors: its name and, when known, its Spark type.
	where string
	index []int // of the field, in the target struct
	// set stores row i's value, which is not NULL, into f and reports whether it did; on
	// false the value takes the general path. nil when the pair has no direct path.
	set func(f reflect.Value, i int) bool
}

func newStructDecoder(t reflect.Type) (*structDecoder, error) {
	target, err := structTarget(t)
	if err != nil {
		return nil, err
	}
	fields := structFields(target)
	return &structDecoder{target: target, fields: fields, embedsPointer: hasEmbeddedPointer(target, fields)}, nil
}

// batch prepares the decoder for a batch with rows; the first matches its columns to the
// struct's fields. schema, the result's Spark schema when known, names column types in
// errors.
func (d *structDecoder) batch(rec arrow.RecordBatch, schema *types.StructType, n int) error {
	fields := rec.Schema().Fields()
	if d.m == nil {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		m, err := matchFields(d.target, names, "")
		if err != nil {
			return fmt.Errorf("typed rows: %w", err)
		}
		d.m = m
	}
	if len(fields) > len(d.m) {
		return fmt.Errorf("typed rows: row %d has %d columns, the first had %d", n, len(fields), len(d.m))
	}
	d.cols = d.cols[:0]
	for c, col := range rec.Columns() {
		where := fields[c].Name
		if schema != nil && c < len(schema.Fields) && schema.Fields[c].Type != nil {
			where += " (" + schema.Fields[c].Type.DDL() + ")"
		}
		index := d.fields[d.m[c]].index
		d.cols = append(d.cols, columnDecoder{
			arr:     col,
			variant: isVariantField(fields[c]),
			name:    fields[c].Name,
			where:   where,
			index:   index,
			set:     directSetter(col, d.target.FieldByIndex(index).Type),
		})
	}
	return nil
}

// decode fills dst, a settable value of the target struct type or a pointer to it, from
// row i of the current batch; n numbers the row in the result, for errors.
func (d *structDecoder) decode(dst reflect.Value, i, n int) error {
	if dst.Kind() == reflect.Pointer {
		dst.Set(reflect.New(d.target))
		dst = dst.Elem()
	} else if d.embedsPointer {
		dst.SetZero()
	}
	d.nulls = d.nulls[:0]
	for c := range d.cols {
		col := &d.cols[c]
		var f reflect.Value
		if len(col.index) == 1 {
			f = dst.Field(col.index[0])
		} else {
			if d.embedsPointer && col.arr.IsNull(i) {
				if _, reachable := fieldToGet(dst, col.index); !reachable {
					d.nulls = append(d.nulls, c)
					continue
				}
			}
			var err error
			if f, err = fieldToSet(dst, col.index); err != nil {
				return d.fieldError(n, col, err)
			}
		}
		if col.set != nil && col.arr.IsValid(i) && col.set(f, i) {
			continue
		}
		if err := assign(f, valueAt(col.arr, i, col.variant), col.name); err != nil {
			return d.fieldError(n, col, err)
		}
	}
	// A later column may have allocated the pointer: its NULLs then count as any other.
	for _, c := range d.nulls {
		col := &d.cols[c]
		f, reachable := fieldToGet(dst, col.index)
		if !reachable {
			continue
		}
		if err := assign(f, nil, col.name); err != nil {
			return d.fieldError(n, col, err)
		}
	}
	return nil
}

// fieldError is the error of decoding col of row n into its field.
func (d *structDecoder) fieldError(n int, col *columnDecoder, err error) error {
	return fmt.Errorf("typed rows: row %d, column %s into field %s: %w",
		n, col.where, d.target.FieldByIndex(col.index).Name, err)
}

// checkSchema checks that the columns of a result without rows fit the struct.
func (d *structDecoder) checkSchema(schema *arrow.Schema) error {
	if d.m != nil || schema.NumFields() == 0 {
		return nil
	}
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	if _, err := matchFields(d.target, names, ""); err != nil {
		return fmt.Errorf("typed rows: %w", err)
	}
	return nil
}

// directSetter returns a function that stores a value of arr into a field of Go type t
// without boxing it, for the pairs where assign would store it unchanged (or converted
// within its kind); nil for the others. The function reports false when the value needs
// assign after all (an integer that overflows t, a double that float32 does not hold
// exactly), which then gives the error.
func directSetter(arr arrow.Array, t reflect.Type) func(reflect.Value, int) bool {
	if t == timeType {
		if a, ok := arr.(*array.Timestamp); ok {
			unit := a.DataType().(*arrow.TimestampType).Unit
			return func(f reflect.Value, i int) bool {
				*f.Addr().Interface().(*time.Time) = timestampTime(int64(a.Value(i)), unit)
				return true
			}
		}
		return nil
	}
	if isSpecial(t) || t == durationType || t == yearMonthType {
		return nil
	}
	setInt := func(f reflect.Value, v int64) bool {
		if f.OverflowInt(v) {
			return false
		}
		f.SetInt(v)
		return true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch a := arr.(type) {
		case *array.Int8:
			return func(f reflect.Value, i int) bool { return setInt(f, int64(a.Value(i))) }
		case *array.Int16:
			return func(f reflect.Value, i int) bool { return setInt(f, int64(a.Value(i))) }
		case *array.Int32:
			return func(f reflect.Value, i int) bool { return setInt(f, int64(a.Value(i))) }
		case *array.Int64:
			return func(f reflect.Value, i int) bool { return setInt(f, a.Value(i)) }
		}
	case reflect.Float64:
		switch a := arr.(type) {
		case *array.Float32:
			return func(f reflect.Value, i int) bool { f.SetFloat(float64(a.Value(i))); return true }
		case *array.Float64:
			return func(f reflect.Value, i int) bool { f.SetFloat(a.Value(i)); return true }
		}
	case reflect.Float32:
		switch a := arr.(type) {
		case *array.Float32:
			return func(f reflect.Value, i int) bool { f.SetFloat(float64(a.Value(i))); return true }
		case *array.Float64:
			return func(f reflect.Value, i int) bool {
				v := a.Value(i)
				if float64(float32(v)) != v && !math.IsNaN(v) {
					return false
				}
				f.SetFloat(v)
				return true
			}
		}
	case reflect.String:
		switch a := arr.(type) {
		case *array.String:
			return func(f reflect.Value, i int) bool { f.SetString(strings.Clone(a.Value(i))); return true }
		case *array.LargeString:
			return func(f reflect.Value, i int) bool { f.SetString(strings.Clone(a.Value(i))); return true }
		case *array.StringView:
			return func(f reflect.Value, i int) bool { f.SetString(strings.Clone(a.Value(i))); return true }
		}
	case reflect.Bool:
		if a, ok := arr.(*array.Boolean); ok {
			return func(f reflect.Value, i int) bool { f.SetBool(a.Value(i)); return true }
		}
	}
	return nil
}
