package connect

import (
	"fmt"
	"reflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// goTypeRules says how goSparkType maps Go types for one use. The two uses are the types
// of literals (Lit of slices, maps and structs: literalRules) and the schemas of Go structs
// (SchemaOf, CreateDataFrameOf, CollectAs: schemaRules).
type goTypeRules struct {
	// nullability says which levels of a type may hold NULL.
	nullability nullability
	// literal limits the types to those that literal values encode: of the special types
	// only time.Time, NTZ, Date, time.Duration and []byte; no named non-struct types of
	// other packages; fixed-size arrays as arrays; struct fields by name, without the type
	// hints of struct tags (so no types.Decimal).
	literal bool
}

// nullability is the policy for the nullable flags of a Spark type made from a Go type.
type nullability int

const (
	// nullableByPointer: a level is nullable when its Go type is a pointer (array
	// elements, map values, struct fields); the Go type says whether NULL can occur.
	nullableByPointer nullability = iota
	// allNullable: every array element, map value and struct field is nullable whatever
	// its Go type, as Spark types literals (a Go value's type says nothing of the column
	// it is compared or combined with).
	allNullable
)

var (
	literalRules = goTypeRules{nullability: allNullable, literal: true}
	schemaRules  = goTypeRules{nullability: nullableByPointer}
)

// sparkTypeOf maps a Go type to the Spark type of its literals.
func sparkTypeOf(t reflect.Type) (*sparkpb.DataType, error) {
	dt, _, err := goSparkType(t, literalRules, nil, nil)
	if err != nil {
		return nil, err
	}
	return protoType(dt)
}

// goSparkType maps a Go type to a Spark type under rules r, and reports whether a value
// of it may be NULL (a pointer, or any type under allNullable). dec is the decimal type
// that a struct tag gives the types.Decimal values of the type; seen holds the struct types
// being mapped, to refuse recursive ones.
func goSparkType(t reflect.Type, r goTypeRules, dec *types.DecimalType, seen []reflect.Type) (types.DataType, bool, error) {
	all := r.nullability == allNullable
	switch t {
	case timeType:
		return types.Timestamp, all, nil
	case dateType:
		return types.Date, all, nil
	case ntzType:
		return types.TimestampNTZ, all, nil
	case durationType:
		return types.DefaultDayTimeInterval, all, nil
	case bytesType:
		return types.Binary, all, nil
	}
	if r.literal {
		if t.PkgPath() != "" && t.Kind() != reflect.Struct {
			return nil, false, fmt.Errorf("no Spark type for Go type %s", t)
		}
	} else {
		switch t {
		case timeOfDayType:
			return types.TimeType{Precision: 6}, false, nil
		case yearMonthType:
			return types.DefaultYearMonthInterval, false, nil
		case calendarType:
			return types.CalendarIntervalType, false, nil
		case decimalType:
			if dec == nil {
				return nil, false, fmt.Errorf("types.Decimal needs a type hint in its tag, such as `spark:\"name,decimal(10,2)\"`")
			}
			return *dec, false, nil
		}
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return types.Binary, false, nil
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return types.Boolean, all, nil
	case reflect.Int8:
		return types.Byte, all, nil
	case reflect.Int16:
		return types.Short, all, nil
	case reflect.Int32:
		return types.Integer, all, nil
	case reflect.Int, reflect.Int64:
		return types.Long, all, nil
	case reflect.Float32:
		return types.Float, all, nil
	case reflect.Float64:
		return types.Double, all, nil
	case reflect.String:
		return types.String, all, nil
	case reflect.Pointer:
		et, _, err := goSparkType(t.Elem(), r, dec, seen)
		return et, true, err
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Array && !r.literal {
			break
		}
		et, null, err := goSparkType(t.Elem(), r, dec, seen)
		if err != nil {
			return nil, false, err
		}
		return types.ArrayType{Element: et, ContainsNull: null}, all, nil
	case reflect.Map:
		return goMapType(t, r, dec, seen)
	case reflect.Struct:
		if r.literal {
			return literalStructType(t, r)
		}
		if isSpecial(t) {
			break
		}
		st, err := structSchema(t, seen)
		if err != nil {
			return nil, false, err
		}
		return st, false, nil
	}
	return nil, false, fmt.Errorf("no Spark type for Go type %s", t)
}

// goMapType maps a Go map type. Struct schemas refuse keys that Spark map keys cannot be
// (pointers, structs, arrays); literals check their keys' values instead.
func goMapType(t reflect.Type, r goTypeRules, dec *types.DecimalType, seen []reflect.Type) (types.DataType, bool, error) {
	all := r.nullability == allNullable
	kt, null, err := goSparkType(t.Key(), r, nil, seen)
	if err != nil {
		if r.literal {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("map key: %w", err)
	}
	if !r.literal {
		if null {
			return nil, false, fmt.Errorf("map key type %s is a pointer; Spark map keys are never NULL", t.Key())
		}
		if k := t.Key().Kind(); (k == reflect.Struct && !isSpecial(t.Key())) || k == reflect.Array {
			return nil, false, fmt.Errorf("map key type %s is not supported (use a scalar key)", t.Key())
		}
	}
	vt, null, err := goSparkType(t.Elem(), r, dec, seen)
	if err != nil {
		return nil, false, err
	}
	return types.MapType{Key: kt, Value: vt, ValueContainsNull: null}, all, nil
}

// literalStructType maps a struct type of literal values: its exported fields by their
// Spark names, all nullable.
func literalStructType(t reflect.Type, r goTypeRules) (types.DataType, bool, error) {
	if err := collectable(t); err != nil {
		return nil, false, err
	}
	st := &types.StructType{}
	for _, f := range structFields(t) {
		ft, null, err := goSparkType(t.FieldByIndex(f.index).Type, r, nil, nil)
		if err != nil {
			return nil, false, fmt.Errorf("field %s: %w", f.name, err)
		}
		st.Fields = append(st.Fields, types.StructField{Name: f.name, Type: ft, Nullable: null})
	}
	return st, r.nullability == allNullable, nil
}
