package connect

import (
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// dataType converts a Spark Connect data type to its Go description.
func dataType(t *sparkpb.DataType) types.DataType {
	switch k := t.GetKind().(type) {
	case *sparkpb.DataType_Null:
		return types.Null
	case *sparkpb.DataType_Boolean_:
		return types.Boolean
	case *sparkpb.DataType_Byte_:
		return types.Byte
	case *sparkpb.DataType_Short_:
		return types.Short
	case *sparkpb.DataType_Integer_:
		return types.Integer
	case *sparkpb.DataType_Long_:
		return types.Long
	case *sparkpb.DataType_Float_:
		return types.Float
	case *sparkpb.DataType_Double_:
		return types.Double
	case *sparkpb.DataType_String_:
		return types.String
	case *sparkpb.DataType_Binary_:
		return types.Binary
	case *sparkpb.DataType_Date_:
		return types.Date
	case *sparkpb.DataType_Timestamp_:
		return types.Timestamp
	case *sparkpb.DataType_TimestampNtz:
		return types.TimestampNTZ
	case *sparkpb.DataType_Variant_:
		return types.Variant
	case *sparkpb.DataType_CalendarInterval_:
		return types.CalendarIntervalType
	case *sparkpb.DataType_DayTimeInterval_:
		t := types.DefaultDayTimeInterval
		if k.DayTimeInterval.StartField != nil {
			t.Start = types.DayTimeField(k.DayTimeInterval.GetStartField())
		}
		if k.DayTimeInterval.EndField != nil {
			t.End = types.DayTimeField(k.DayTimeInterval.GetEndField())
		}
		return t
	case *sparkpb.DataType_YearMonthInterval_:
		t := types.DefaultYearMonthInterval
		if k.YearMonthInterval.StartField != nil {
			t.Start = types.YearMonthField(k.YearMonthInterval.GetStartField())
		}
		if k.YearMonthInterval.EndField != nil {
			t.End = types.YearMonthField(k.YearMonthInterval.GetEndField())
		}
		return t
	case *sparkpb.DataType_Time_:
		p := int32(6)
		if k.Time.Precision != nil {
			p = k.Time.GetPrecision()
		}
		return types.TimeType{Precision: p}
	case *sparkpb.DataType_Char_:
		return types.CharType{Length: k.Char.GetLength()}
	case *sparkpb.DataType_VarChar_:
		return types.CharType{Length: k.VarChar.GetLength(), Var: true}
	case *sparkpb.DataType_Decimal_:
		p, s := int32(10), int32(0)
		if k.Decimal.Precision != nil {
			p = k.Decimal.GetPrecision()
		}
		if k.Decimal.Scale != nil {
			s = k.Decimal.GetScale()
		}
		return types.DecimalType{Precision: p, Scale: s}
	case *sparkpb.DataType_Array_:
		return types.ArrayType{Element: dataType(k.Array.GetElementType()), ContainsNull: k.Array.GetContainsNull()}
	case *sparkpb.DataType_Map_:
		return types.MapType{Key: dataType(k.Map.GetKeyType()), Value: dataType(k.Map.GetValueType()),
			ValueContainsNull: k.Map.GetValueContainsNull()}
	case *sparkpb.DataType_Struct_:
		return structType(k.Struct)
	case *sparkpb.DataType_Udt:
		if k.Udt.GetSqlType() != nil {
			return dataType(k.Udt.GetSqlType())
		}
	case *sparkpb.DataType_Unparsed_:
		return types.Primitive(k.Unparsed.GetDataTypeString())
	}
	return types.Primitive("unknown")
}

func structType(s *sparkpb.DataType_Struct) *types.StructType {
	st := &types.StructType{Fields: make([]types.StructField, len(s.GetFields()))}
	for i, f := range s.GetFields() {
		st.Fields[i] = types.StructField{Name: f.GetName(), Type: dataType(f.GetDataType()),
			Nullable: f.GetNullable(), Metadata: f.GetMetadata()}
	}
	return st
}
