package connect

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Literals of Go slices, arrays, maps, structs and pointers (see Lit). Their Spark type
// comes from the Go type, so that an empty slice still has an element type; elements of
// an interface type take the type of their values, which must agree.

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	dateType     = reflect.TypeFor[Date]()
	ntzType      = reflect.TypeFor[TimestampNTZ]()
	bytesType    = reflect.TypeFor[[]byte]()
)

// collectionLiteral is the literal of a Go collection or struct, with its full type at
// the root (Spark 4.1's Literal.data_type).
func collectionLiteral(v any) (*sparkpb.Expression_Literal, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct, reflect.Pointer:
	default:
		return nil, fmt.Errorf("spark connect: no Spark literal for Go type %T", v)
	}
	l, t, err := valueLiteral(rv)
	if err != nil {
		return nil, fmt.Errorf("spark connect: no Spark literal for Go type %T: %w", v, err)
	}
	switch l.GetLiteralType().(type) {
	case *sparkpb.Expression_Literal_Array_, *sparkpb.Expression_Literal_Map_, *sparkpb.Expression_Literal_Struct_:
		l.DataType = t
	}
	return l, nil
}

// valueLiteral returns the literal of v and its Spark type.
func valueLiteral(v reflect.Value) (*sparkpb.Expression_Literal, *sparkpb.DataType, error) {
	switch {
	case v.Kind() == reflect.Interface:
		if v.IsNil() {
			return nil, nil, fmt.Errorf("a nil of interface type has no Spark type")
		}
		return valueLiteral(v.Elem())
	case v.Kind() == reflect.Pointer:
		t, err := sparkTypeOf(v.Type().Elem())
		if err != nil {
			return nil, nil, err
		}
		if v.IsNil() {
			return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{Null: t}}, t, nil
		}
		return valueLiteral(v.Elem())
	case isScalar(v.Type()):
		l, err := literal(v.Interface())
		if err != nil {
			return nil, nil, err
		}
		t, err := sparkTypeOf(v.Type())
		return l, t, err
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		elems, et, err := elementLiterals(v.Type().Elem(), v.Len(), v.Index)
		if err != nil {
			return nil, nil, err
		}
		t := &sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{ElementType: et, ContainsNull: true}}}
		return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{Elements: elems}}}, t, nil
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, compareKeys) // a stable plan for equal maps
		kl, kt, err := elementLiterals(v.Type().Key(), len(keys), func(i int) reflect.Value { return keys[i] })
		if err != nil {
			return nil, nil, fmt.Errorf("map key: %w", err)
		}
		vl, vt, err := elementLiterals(v.Type().Elem(), len(keys), func(i int) reflect.Value { return v.MapIndex(keys[i]) })
		if err != nil {
			return nil, nil, fmt.Errorf("map value: %w", err)
		}
		t := &sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{KeyType: kt, ValueType: vt, ValueContainsNull: true}}}
		return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Map_{Map: &sparkpb.Expression_Literal_Map{Keys: kl, Values: vl}}}, t, nil
	case reflect.Struct:
		st := &sparkpb.DataType_Struct{}
		lit := &sparkpb.Expression_Literal_Struct{}
		if err := collectable(v.Type()); err != nil {
			return nil, nil, err
		}
		for _, f := range structFields(v.Type()) {
			fv, ok := fieldToGet(v, f.index)
			if !ok {
				// Promoted through a nil embedded pointer: a NULL of the field's type.
				fv = reflect.Zero(reflect.PointerTo(v.Type().FieldByIndex(f.index).Type))
			}
			l, ft, err := valueLiteral(fv)
			if err != nil {
				return nil, nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			st.Fields = append(st.Fields, &sparkpb.DataType_StructField{Name: f.name, DataType: ft, Nullable: true})
			lit.Elements = append(lit.Elements, l)
		}
		return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Struct_{Struct: lit}},
			&sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: st}}, nil
	}
	return nil, nil, fmt.Errorf("no Spark literal for Go type %s", v.Type())
}

// elementLiterals converts n elements of Go type et; elements of an interface type must
// all have one type (nil elements become NULLs of it).
func elementLiterals(et reflect.Type, n int, at func(int) reflect.Value) ([]*sparkpb.Expression_Literal, *sparkpb.DataType, error) {
	var t *sparkpb.DataType
	if et.Kind() != reflect.Interface {
		var err error
		if t, err = sparkTypeOf(et); err != nil {
			return nil, nil, err
		}
	}
	out := make([]*sparkpb.Expression_Literal, n)
	for i := range n {
		e := at(i)
		if e.Kind() == reflect.Interface && e.IsNil() {
			continue // a NULL of the type found among the others
		}
		l, lt, err := valueLiteral(e)
		if err != nil {
			return nil, nil, err
		}
		if t == nil {
			t = lt
		} else if !sameType(t, lt) {
			return nil, nil, fmt.Errorf("elements of different types: %s and %s", ddlOf(t), ddlOf(lt))
		}
		out[i] = l
	}
	if t == nil {
		if n == 0 {
			return nil, nil, fmt.Errorf("an empty collection of %s has no element type", et)
		}
		return nil, nil, fmt.Errorf("a collection of nil %s values has no element type", et)
	}
	for i, l := range out {
		if l == nil {
			out[i] = &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{Null: t}}
		}
	}
	return out, t, nil
}

func sameType(a, b *sparkpb.DataType) bool { return ddlOf(a) == ddlOf(b) }

func ddlOf(t *sparkpb.DataType) string { return dataType(t).DDL() }

// isScalar reports whether Go type t has a scalar Spark literal (see literal).
func isScalar(t reflect.Type) bool {
	switch t {
	case timeType, durationType, dateType, ntzType, bytesType:
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float32, reflect.Float64, reflect.String:
		return t.PkgPath() == "" // named types of other packages have no literal
	}
	return false
}

// collectable refuses structs without exported fields, and the structs of package types,
// whose literals are not structs.
func collectable(t reflect.Type) error {
	if len(structFields(t)) == 0 {
		return fmt.Errorf("%s is a struct without exported fields", t)
	}
	if t.PkgPath() == reflect.TypeFor[types.Decimal]().PkgPath() {
		return fmt.Errorf("Go type %s is not supported inside a collection or struct literal", t)
	}
	return nil
}

type structField struct {
	name  string
	index []int
}

// structFields lists the exported fields of struct type t that become struct fields: named
// by a `spark:"name"` tag, else by the Go field name; the tag "-" leaves a field out.
func structFields(t reflect.Type) []structField {
	var out []structField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("spark"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		out = append(out, structField{name: name, index: f.Index})
	}
	return out
}

// fieldToSet returns the field of the struct value v at index (a path from
// reflect.VisibleFields), allocating the nil pointers to embedded structs on the way, as
// decoding into a promoted field needs. A nil pointer to an unexported embedded struct
// cannot be set: that is an error, not a panic.
func fieldToSet(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot set the embedded pointer to unexported struct %s", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// fieldToGet returns the field of the struct value v at index (a path from
// reflect.VisibleFields), and false when a pointer to an embedded struct on the way is nil.
// Decoding leaves out a NULL for such a field while the pointer stays nil, so that a struct
// whose embedded pointer was nil (its fields written as NULLs) reads back with it nil.
func fieldToGet(v reflect.Value, index []int) (reflect.Value, bool) {
	f, err := v.FieldByIndexErr(index)
	return f, err == nil
}

// hasEmbeddedPointer reports whether one of fields, of struct type t, is promoted through
// a pointer to an embedded struct.
func hasEmbeddedPointer(t reflect.Type, fields []structField) bool {
	for _, f := range fields {
		if throughPointer(t, f.index) {
			return true
		}
	}
	return false
}

// throughPointer reports whether the field of struct type t at index is promoted through a
// pointer to an embedded struct, which may be nil: the field is then nullable.
func throughPointer(t reflect.Type, index []int) bool {
	for _, x := range index[:len(index)-1] {
		sf := t.Field(x)
		if sf.Type.Kind() == reflect.Pointer {
			return true
		}
		t = sf.Type
	}
	return false
}

// compareKeys orders map keys: numbers and strings by value, others by their text.
func compareKeys(a, b reflect.Value) int {
	for a.Kind() == reflect.Interface && !a.IsNil() {
		a = a.Elem()
	}
	for b.Kind() == reflect.Interface && !b.IsNil() {
		b = b.Elem()
	}
	if a.Kind() == b.Kind() {
		switch {
		case a.CanInt():
			return cmp.Compare(a.Int(), b.Int())
		case a.CanFloat():
			return cmp.Compare(a.Float(), b.Float())
		case a.Kind() == reflect.String:
			return cmp.Compare(a.String(), b.String())
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
