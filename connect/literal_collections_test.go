package connect

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func TestCollectionLiteralPlans(t *testing.T) {
	srv, s := dialGolden(t)
	dt := func(k any) *sparkpb.DataType {
		switch k := k.(type) {
		case *sparkpb.DataType_Long_:
			return &sparkpb.DataType{Kind: k}
		case *sparkpb.DataType_Integer_:
			return &sparkpb.DataType{Kind: k}
		case *sparkpb.DataType_String_:
			return &sparkpb.DataType{Kind: k}
		case *sparkpb.DataType_Boolean_:
			return &sparkpb.DataType{Kind: k}
		}
		panic(k)
	}
	long := dt(&sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}})
	integer := dt(&sparkpb.DataType_Integer_{Integer: &sparkpb.DataType_Integer{}})
	str := dt(&sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}})
	boolean := dt(&sparkpb.DataType_Boolean_{Boolean: &sparkpb.DataType_Boolean{}})
	arrayOf := func(e *sparkpb.DataType) *sparkpb.DataType {
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{ElementType: e, ContainsNull: true}}}
	}
	lit := func(e *sparkpb.Expression) *sparkpb.Expression_Literal { return e.GetLiteral() }
	null := func(t *sparkpb.DataType) *sparkpb.Expression_Literal {
		return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{Null: t}}
	}
	array := func(t *sparkpb.DataType, elems ...*sparkpb.Expression_Literal) *sparkpb.Expression_Literal {
		return &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{Elements: elems}}, DataType: t}
	}
	root := func(l *sparkpb.Expression_Literal) *sparkpb.Expression { return litExpr(l) }
	one := int32(1)
	type inner struct {
		N int32 `spark:"n"`
	}
	type record struct {
		A    int32 `spark:"a,omitempty"`
		B    string
		C    []bool
		In   inner
		P    *string
		Skip int `spark:"-"`
		priv int
	}
	_ = record{}.priv
	recordType := &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{Fields: []*sparkpb.DataType_StructField{
		{Name: "a", DataType: integer, Nullable: true},
		{Name: "B", DataType: str, Nullable: true},
		{Name: "C", DataType: arrayOf(boolean), Nullable: true},
		{Name: "In", DataType: &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{
			Fields: []*sparkpb.DataType_StructField{{Name: "n", DataType: integer, Nullable: true}}}}}, Nullable: true},
		{Name: "P", DataType: str, Nullable: true},
	}}}}
	mapType := &sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{KeyType: str, ValueType: integer, ValueContainsNull: true}}}
	cases := []struct {
		name string
		v    any
		want *sparkpb.Expression_Literal
	}{
		{"[]int64", []int64{1, 2}, array(arrayOf(long), lit(litLong(1)), lit(litLong(2)))},
		{"empty []string", []string{}, array(arrayOf(str))},
		{"nil []string", []string(nil), array(arrayOf(str))},
		{"[2]string", [2]string{"x", "y"}, array(arrayOf(str), lit(litString("x")), lit(litString("y")))},
		{"[]*int32", []*int32{&one, nil}, array(arrayOf(integer), lit(litInt(1)), null(integer))},
		{"[]any", []any{1, nil, 3}, array(arrayOf(long), lit(litLong(1)), null(long), lit(litLong(3)))},
		{"nested", [][]int32{{1}, {}}, array(arrayOf(arrayOf(integer)),
			&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{Elements: []*sparkpb.Expression_Literal{lit(litInt(1))}}}},
			&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{}}})},
		{"map sorted", map[string]int32{"b": 2, "a": 1}, &sparkpb.Expression_Literal{DataType: mapType, LiteralType: &sparkpb.Expression_Literal_Map_{Map: &sparkpb.Expression_Literal_Map{
			Keys: []*sparkpb.Expression_Literal{lit(litString("a")), lit(litString("b"))}, Values: []*sparkpb.Expression_Literal{lit(litInt(1)), lit(litInt(2))}}}}},
		{"struct", record{A: 1, B: "x", C: []bool{true}, In: inner{N: 2}, Skip: 9}, &sparkpb.Expression_Literal{DataType: recordType,
			LiteralType: &sparkpb.Expression_Literal_Struct_{Struct: &sparkpb.Expression_Literal_Struct{Elements: []*sparkpb.Expression_Literal{
				lit(litInt(1)), lit(litString("x")),
				{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{Elements: []*sparkpb.Expression_Literal{
					{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}}}}}},
				{LiteralType: &sparkpb.Expression_Literal_Struct_{Struct: &sparkpb.Expression_Literal_Struct{Elements: []*sparkpb.Expression_Literal{lit(litInt(2))}}}},
				null(str),
			}}}}},
		{"scalar", "s", lit(litString("s"))},
		{"pointer", &one, lit(litInt(1))},
		{"nil pointer", (*int64)(nil), null(long)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := TypedLit(tc.v)
			if err := c.Err(); err != nil {
				t.Fatal(err)
			}
			checkPlan(t, srv, s.Range(0, 10, 1).Select(c), selected(root(tc.want)))
		})
	}
}

func TestCollectionLiteralTypes(t *testing.T) {
	// Every scalar Go type has a Spark type inside a collection.
	for _, tc := range []struct {
		v    any
		want string
	}{
		{[]bool{true}, "array<boolean>"}, {[]int8{1}, "array<tinyint>"}, {[]int16{1}, "array<smallint>"},
		{[]int{1}, "array<bigint>"}, {[]float32{1}, "array<float>"}, {[]float64{1}, "array<double>"},
		{[][]byte{{1}}, "array<binary>"}, {[]time.Time{time.Unix(0, 0)}, "array<timestamp>"},
		{[]TimestampNTZ{TimestampNTZ(time.Unix(0, 0))}, "array<timestamp_ntz>"}, {[]Date{{2020, 1, 2}}, "array<date>"},
		{[]time.Duration{time.Second}, "array<interval day to second>"}, {map[int32][]string{1: {"a"}}, "map<int,array<string>>"},
		{map[any]string{2: "b", 1: "a"}, "map<bigint,string>"}, {[][2]*float64{}, "array<array<double>>"},
		{[]map[string]bool{}, "array<map<string,boolean>>"}, {[]struct{ X int8 }{}, "array<struct<X:tinyint>>"},
		{[]*struct{ X int8 }{nil}, "array<struct<X:tinyint>>"},
	} {
		c := TypedLit(tc.v)
		if err := c.Err(); err != nil {
			t.Errorf("TypedLit(%T): %v", tc.v, err)
			continue
		}
		if got := ddlOf(c.expr.GetLiteral().GetDataType()); got != tc.want {
			t.Errorf("TypedLit(%T) type %s, want %s", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{[]any{1, "x"}, "elements of different types: bigint and string"},
		{[]any{}, "an empty collection of interface {} has no element type"},
		{[]any{nil}, "a collection of nil interface {} values has no element type"},
		{[]types.Decimal{}, "is not supported inside a collection"},
		{[]any{types.Decimal{}}, "is not supported inside a collection"},
		{map[string]types.YearMonthInterval{}, "no Spark type for Go type types.YearMonthInterval"},
		{[]any{types.YearMonthInterval(1)}, "no Spark literal for Go type types.YearMonthInterval"},
		{struct{ x int }{}, "without exported fields"},
		{[]struct{ x int }{}, "without exported fields"},
		{[]chan int{}, "no Spark type for Go type chan int"},
		{map[complex64]int{}, "map key"},
		{map[string]complex64{"a": 1}, "map value"},
		{struct{ C complex64 }{}, "field C: no Spark literal"},
		{[]struct{ C []complex64 }{}, "field C: no Spark type"},
		{[]*chan int{}, "no Spark type"},
		{[][]chan int{}, "no Spark type"},
		{[]map[string]chan int{}, "no Spark type"},
		{[]map[chan int]string{}, "no Spark type"},
		{[]any{struct{ C complex64 }{}}, "field C"},
		{[]any{types.Time{Hour: 30}}, "not supported"},
		{[]*types.Decimal{}, "not supported"},
		{complex(1, 2), "no Spark literal for Go type complex128"},
		{[]any{complex(1, 2)}, "no Spark literal for Go type complex128"},
	} {
		err := TypedLit(tc.v).Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("TypedLit(%T) error %v, want %q", tc.v, err, tc.want)
		}
	}
	if compareKeys(valueOfAny("a"), valueOfAny(1)) == 0 {
		t.Error("keys of different kinds compare equal")
	}
	if compareKeys(valueOfAny(1.5), valueOfAny(0.5)) <= 0 {
		t.Error("float keys out of order")
	}
}

func valueOfAny(v any) reflect.Value { return reflect.ValueOf(&v).Elem() }
