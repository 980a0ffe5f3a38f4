package connect

import (
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func i32(v int32) *int32 { return &v }

func TestDataTypeKinds(t *testing.T) {
	leaf := func(k any) *sparkpb.DataType {
		dt := &sparkpb.DataType{}
		switch k := k.(type) {
		case *sparkpb.DataType_Null:
			dt.Kind = k
		case *sparkpb.DataType_Boolean_:
			dt.Kind = k
		case *sparkpb.DataType_Long_:
			dt.Kind = k
		case *sparkpb.DataType_String_:
			dt.Kind = k
		case *sparkpb.DataType_DayTimeInterval_:
			dt.Kind = k
		case *sparkpb.DataType_YearMonthInterval_:
			dt.Kind = k
		case *sparkpb.DataType_CalendarInterval_:
			dt.Kind = k
		case *sparkpb.DataType_Time_:
			dt.Kind = k
		case *sparkpb.DataType_Variant_:
			dt.Kind = k
		}
		return dt
	}
	long := leaf(&sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}})
	str := leaf(&sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}})
	cases := []struct {
		in   *sparkpb.DataType
		want string
	}{
		{leaf(&sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}), "void"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Binary_{Binary: &sparkpb.DataType_Binary{}}}, "binary"},
		{leaf(&sparkpb.DataType_Boolean_{Boolean: &sparkpb.DataType_Boolean{}}), "boolean"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Byte_{Byte: &sparkpb.DataType_Byte{}}}, "tinyint"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Short_{Short: &sparkpb.DataType_Short{}}}, "smallint"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Integer_{Integer: &sparkpb.DataType_Integer{}}}, "int"},
		{long, "bigint"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Float_{Float: &sparkpb.DataType_Float{}}}, "float"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Double_{Double: &sparkpb.DataType_Double{}}}, "double"},
		{str, "string"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Date_{Date: &sparkpb.DataType_Date{}}}, "date"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Timestamp_{Timestamp: &sparkpb.DataType_Timestamp{}}}, "timestamp"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_TimestampNtz{TimestampNtz: &sparkpb.DataType_TimestampNTZ{}}}, "timestamp_ntz"},
		{leaf(&sparkpb.DataType_Variant_{Variant: &sparkpb.DataType_Variant{}}), "variant"},
		{leaf(&sparkpb.DataType_CalendarInterval_{CalendarInterval: &sparkpb.DataType_CalendarInterval{}}), "interval"},
		{leaf(&sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{}}), "interval day to second"},
		{leaf(&sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{
			StartField: i32(1), EndField: i32(2)}}), "interval hour to minute"},
		{leaf(&sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{
			StartField: i32(0), EndField: i32(0)}}), "interval day"},
		{leaf(&sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{
			StartField: i32(3)}}), "interval second"},
		{leaf(&sparkpb.DataType_YearMonthInterval_{YearMonthInterval: &sparkpb.DataType_YearMonthInterval{}}), "interval year to month"},
		{leaf(&sparkpb.DataType_YearMonthInterval_{YearMonthInterval: &sparkpb.DataType_YearMonthInterval{
			StartField: i32(1), EndField: i32(1)}}), "interval month"},
		{leaf(&sparkpb.DataType_YearMonthInterval_{YearMonthInterval: &sparkpb.DataType_YearMonthInterval{
			EndField: i32(0)}}), "interval year"},
		{leaf(&sparkpb.DataType_Time_{Time: &sparkpb.DataType_Time{}}), "time(6)"},
		{leaf(&sparkpb.DataType_Time_{Time: &sparkpb.DataType_Time{Precision: i32(3)}}), "time(3)"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Char_{Char: &sparkpb.DataType_Char{Length: 3}}}, "char(3)"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_VarChar_{VarChar: &sparkpb.DataType_VarChar{Length: 7}}}, "varchar(7)"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Decimal_{Decimal: &sparkpb.DataType_Decimal{}}}, "decimal(10,0)"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Decimal_{Decimal: &sparkpb.DataType_Decimal{
			Precision: i32(38), Scale: i32(9)}}}, "decimal(38,9)"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{ElementType: str, ContainsNull: true}}},
			"array<string>"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{KeyType: str, ValueType: long}}},
			"map<string,bigint>"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{Fields: []*sparkpb.DataType_StructField{
			{Name: "a b", DataType: long, Nullable: false},
			{Name: "t", DataType: leaf(&sparkpb.DataType_Time_{Time: &sparkpb.DataType_Time{}}), Nullable: true},
		}}}}, "struct<`a b`:bigint NOT NULL,t:time(6)>"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Udt{Udt: &sparkpb.DataType_UDT{SqlType: long}}}, "bigint"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Udt{Udt: &sparkpb.DataType_UDT{}}}, "unknown"},
		{&sparkpb.DataType{Kind: &sparkpb.DataType_Unparsed_{Unparsed: &sparkpb.DataType_Unparsed{DataTypeString: "foo"}}}, "foo"},
		{&sparkpb.DataType{}, "unknown"},
		{nil, "unknown"},
	}
	for _, c := range cases {
		if got := dataType(c.in).DDL(); got != c.want {
			t.Errorf("dataType(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	dt := dataType(leaf(&sparkpb.DataType_DayTimeInterval_{DayTimeInterval: &sparkpb.DataType_DayTimeInterval{
		StartField: i32(1), EndField: i32(3)}}))
	if dt != (types.DayTimeIntervalType{Start: types.IntervalHour, End: types.IntervalSecond}) {
		t.Errorf("day-time interval = %#v", dt)
	}
	if dt := dataType(leaf(&sparkpb.DataType_CalendarInterval_{CalendarInterval: &sparkpb.DataType_CalendarInterval{}})); dt != types.CalendarIntervalType {
		t.Errorf("calendar interval = %#v", dt)
	}
}
