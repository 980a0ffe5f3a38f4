package connect

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// literalValue turns a literal the server sent (as in observed metrics) into the Go value
// a Row holds for the same Spark type (see [Row]). t is the literal's type when the
// enclosing literal says it (struct fields, array elements), else nil; struct literals take
// their field names from it or from their own type.
func literalValue(l *sparkpb.Expression_Literal, t types.DataType) any {
	if l == nil {
		return nil
	}
	if dt := l.GetDataType(); dt != nil {
		t = dataType(dt)
	}
	switch v := l.GetLiteralType().(type) {
	case nil, *sparkpb.Expression_Literal_Null:
		return nil
	case *sparkpb.Expression_Literal_Boolean:
		return v.Boolean
	case *sparkpb.Expression_Literal_Byte:
		return int8(v.Byte)
	case *sparkpb.Expression_Literal_Short:
		return int16(v.Short)
	case *sparkpb.Expression_Literal_Integer:
		return v.Integer
	case *sparkpb.Expression_Literal_Long:
		return v.Long
	case *sparkpb.Expression_Literal_Float:
		return v.Float
	case *sparkpb.Expression_Literal_Double:
		return v.Double
	case *sparkpb.Expression_Literal_String_:
		return v.String_
	case *sparkpb.Expression_Literal_Binary:
		return append([]byte(nil), v.Binary...)
	case *sparkpb.Expression_Literal_Decimal_:
		return decimalLiteral(v.Decimal)
	case *sparkpb.Expression_Literal_Date:
		return time.Unix(int64(v.Date)*86400, 0).UTC()
	case *sparkpb.Expression_Literal_Timestamp:
		return time.UnixMicro(v.Timestamp).UTC()
	case *sparkpb.Expression_Literal_TimestampNtz:
		return time.UnixMicro(v.TimestampNtz).UTC()
	case *sparkpb.Expression_Literal_DayTimeInterval:
		return saturatingDuration(v.DayTimeInterval, time.Microsecond)
	case *sparkpb.Expression_Literal_YearMonthInterval:
		return types.YearMonthInterval(v.YearMonthInterval)
	case *sparkpb.Expression_Literal_CalendarInterval_:
		c := v.CalendarInterval
		return types.CalendarInterval{Months: c.GetMonths(), Days: c.GetDays(), Microseconds: c.GetMicroseconds()}
	case *sparkpb.Expression_Literal_Time_:
		return types.TimeOfDay(v.Time.GetNano())
	case *sparkpb.Expression_Literal_Array_:
		var elem types.DataType
		if at, ok := t.(types.ArrayType); ok {
			elem = at.Element
		} else if et := v.Array.GetElementType(); et != nil { //nolint:staticcheck // older servers
			elem = dataType(et)
		}
		out := make([]any, len(v.Array.GetElements()))
		for i, e := range v.Array.GetElements() {
			out[i] = literalValue(e, elem)
		}
		return out
	case *sparkpb.Expression_Literal_SpecializedArray_:
		return specializedArray(v.SpecializedArray)
	case *sparkpb.Expression_Literal_Map_:
		var kt, vt types.DataType
		if mt, ok := t.(types.MapType); ok {
			kt, vt = mt.Key, mt.Value
		} else {
			if k := v.Map.GetKeyType(); k != nil { //nolint:staticcheck // older servers
				kt = dataType(k)
			}
			if vv := v.Map.GetValueType(); vv != nil { //nolint:staticcheck // older servers
				vt = dataType(vv)
			}
		}
		keys, vals := v.Map.GetKeys(), v.Map.GetValues()
		out := make(map[any]any, len(keys))
		for i, k := range keys {
			key := literalValue(k, kt)
			if key != nil && !reflect.TypeOf(key).Comparable() {
				key = fmt.Sprint(key)
			}
			var val any
			if i < len(vals) {
				val = literalValue(vals[i], vt)
			}
			out[key] = val
		}
		return out
	case *sparkpb.Expression_Literal_Struct_:
		st, _ := t.(*types.StructType)
		if st == nil {
			st, _ = dataType(v.Struct.GetStructType()).(*types.StructType) //nolint:staticcheck // older servers
		}
		elems := v.Struct.GetElements()
		names, values := make([]string, len(elems)), make([]any, len(elems))
		for i, e := range elems {
			var ft types.DataType
			if st != nil && i < len(st.Fields) {
				names[i], ft = st.Fields[i].Name, st.Fields[i].Type
			} else {
				names[i] = fmt.Sprintf("col%d", i+1)
			}
			values[i] = literalValue(e, ft)
		}
		return rowOf(names, values)
	}
	return fmt.Sprint(l.GetLiteralType())
}

// decimalLiteral parses a decimal literal's text ("-12.340") into a types.Decimal with the
// literal's scale when it has one, else the scale of the text.
func decimalLiteral(d *sparkpb.Expression_Literal_Decimal) any {
	s := strings.TrimSpace(d.GetValue())
	digits, frac, _ := strings.Cut(s, ".")
	scale := int32(len(frac))
	u, ok := new(big.Int).SetString(digits+frac, 10)
	if !ok {
		return s
	}
	if d.Scale != nil && *d.Scale > scale {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(*d.Scale-scale)), nil))
		scale = *d.Scale
	}
	return types.Decimal{Unscaled: u, Scale: scale}
}

// specializedArray decodes the packed array literals of Spark 4.1.
func specializedArray(a *sparkpb.Expression_Literal_SpecializedArray) []any {
	var out []any
	add := func(n int, at func(int) any) {
		out = make([]any, n)
		for i := range n {
			out[i] = at(i)
		}
	}
	switch v := a.GetValueType().(type) {
	case *sparkpb.Expression_Literal_SpecializedArray_Bools:
		add(len(v.Bools.GetValues()), func(i int) any { return v.Bools.GetValues()[i] })
	case *sparkpb.Expression_Literal_SpecializedArray_Ints:
		add(len(v.Ints.GetValues()), func(i int) any { return v.Ints.GetValues()[i] })
	case *sparkpb.Expression_Literal_SpecializedArray_Longs:
		add(len(v.Longs.GetValues()), func(i int) any { return v.Longs.GetValues()[i] })
	case *sparkpb.Expression_Literal_SpecializedArray_Floats:
		add(len(v.Floats.GetValues()), func(i int) any { return v.Floats.GetValues()[i] })
	case *sparkpb.Expression_Literal_SpecializedArray_Doubles:
		add(len(v.Doubles.GetValues()), func(i int) any { return v.Doubles.GetValues()[i] })
	case *sparkpb.Expression_Literal_SpecializedArray_Strings:
		add(len(v.Strings.GetValues()), func(i int) any { return v.Strings.GetValues()[i] })
	}
	if out == nil {
		out = []any{}
	}
	return out
}
