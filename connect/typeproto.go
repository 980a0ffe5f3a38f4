package connect

import (
	"fmt"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// protoType converts a Go description of a Spark type to its protocol form, the inverse of
// dataType. A type the protocol cannot carry (nil, or a Primitive Spark does not know) is
// sent unparsed, as DDL, for the server to parse or reject.
func protoType(t types.DataType) (*sparkpb.DataType, error) {
	switch t := t.(type) {
	case nil:
		return nil, fmt.Errorf("spark connect: missing data type")
	case types.Primitive:
		return primitiveProto(t), nil
	case types.DecimalType:
		p, s := t.Precision, t.Scale
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Decimal_{Decimal: &sparkpb.DataType_Decimal{Precision: &p, Scale: &s}}}, nil
	case types.CharType:
		if t.Var {
			return &sparkpb.DataType{Kind: &sparkpb.DataType_VarChar_{VarChar: &sparkpb.DataType_VarChar{Length: t.Length}}}, nil
		}
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Char_{Char: &sparkpb.DataType_Char{Length: t.Length}}}, nil
	case types.DayTimeIntervalType:
		s, e := int32(t.Start), int32(t.End)
		return &sparkpb.DataType{Kind: &sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{StartField: &s, EndField: &e}}}, nil
	case types.YearMonthIntervalType:
		s, e := int32(t.Start), int32(t.End)
		return &sparkpb.DataType{Kind: &sparkpb.DataType_YearMonthInterval_{YearMonthInterval: &sparkpb.DataType_YearMonthInterval{StartField: &s, EndField: &e}}}, nil
	case types.TimeType:
		p := t.Precision
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Time_{Time: &sparkpb.DataType_Time{Precision: &p}}}, nil
	case types.ArrayType:
		el, err := protoType(t.Element)
		if err != nil {
			return nil, fmt.Errorf("array element: %w", err)
		}
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{ElementType: el, ContainsNull: t.ContainsNull}}}, nil
	case types.MapType:
		k, err := protoType(t.Key)
		if err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		v, err := protoType(t.Value)
		if err != nil {
			return nil, fmt.Errorf("map value: %w", err)
		}
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{KeyType: k, ValueType: v, ValueContainsNull: t.ValueContainsNull}}}, nil
	case *types.StructType:
		if t == nil {
			return nil, fmt.Errorf("spark connect: nil struct type")
		}
		st := &sparkpb.DataType_Struct{Fields: make([]*sparkpb.DataType_StructField, len(t.Fields))}
		for i, f := range t.Fields {
			ft, err := protoType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			sf := &sparkpb.DataType_StructField{Name: f.Name, DataType: ft, Nullable: f.Nullable}
			if f.Metadata != "" {
				md := f.Metadata
				sf.Metadata = &md
			}
			st.Fields[i] = sf
		}
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: st}}, nil
	}
	return &sparkpb.DataType{Kind: &sparkpb.DataType_Unparsed_{Unparsed: &sparkpb.DataType_Unparsed{DataTypeString: t.DDL()}}}, nil
}

func primitiveProto(p types.Primitive) *sparkpb.DataType {
	switch p {
	case types.Null:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}
	case types.Boolean:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Boolean_{Boolean: &sparkpb.DataType_Boolean{}}}
	case types.Byte:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Byte_{Byte: &sparkpb.DataType_Byte{}}}
	case types.Short:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Short_{Short: &sparkpb.DataType_Short{}}}
	case types.Integer:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Integer_{Integer: &sparkpb.DataType_Integer{}}}
	case types.Long:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}
	case types.Float:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Float_{Float: &sparkpb.DataType_Float{}}}
	case types.Double:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Double_{Double: &sparkpb.DataType_Double{}}}
	case types.String:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}}}
	case types.Binary:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Binary_{Binary: &sparkpb.DataType_Binary{}}}
	case types.Date:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Date_{Date: &sparkpb.DataType_Date{}}}
	case types.Timestamp:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Timestamp_{Timestamp: &sparkpb.DataType_Timestamp{}}}
	case types.TimestampNTZ:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_TimestampNtz{TimestampNtz: &sparkpb.DataType_TimestampNTZ{}}}
	case types.Variant:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Variant_{Variant: &sparkpb.DataType_Variant{}}}
	case types.CalendarIntervalType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_CalendarInterval_{CalendarInterval: &sparkpb.DataType_CalendarInterval{}}}
	}
	return &sparkpb.DataType{Kind: &sparkpb.DataType_Unparsed_{Unparsed: &sparkpb.DataType_Unparsed{DataTypeString: string(p)}}}
}
