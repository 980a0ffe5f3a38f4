package connect

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func TestLiteral(t *testing.T) {
	p6, p3, s2 := int32(6), int32(3), int32(2)
	est := time.FixedZone("EST", -5*3600)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	cases := []struct {
		in   any
		want *sparkpb.Expression_Literal
	}{
		{true, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}}},
		{int8(-1), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Byte{Byte: -1}}},
		{int16(2), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Short{Short: 2}}},
		{int32(3), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Integer{Integer: 3}}},
		{4, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Long{Long: 4}}},
		{int64(5), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Long{Long: 5}}},
		{float32(1.5), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Float{Float: 1.5}}},
		{2.5, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Double{Double: 2.5}}},
		{"s", &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_String_{String_: "s"}}},
		{[]byte{1}, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Binary{Binary: []byte{1}}}},
		{ts, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Timestamp{Timestamp: ts.UnixMicro()}}},
		{TimestampNTZ(ts.In(est)), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_TimestampNtz{
			TimestampNtz: ts.Add(-5 * time.Hour).UnixMicro()}}},
		{Date{1970, 1, 3}, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Date{Date: 2}}},
		{types.Decimal{Unscaled: big.NewInt(-123), Scale: 2}, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{
			Decimal: &sparkpb.Expression_Literal_Decimal{Value: "-1.23", Precision: &p3, Scale: &s2}}}},
		{90*time.Second + 1500*time.Nanosecond, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_DayTimeInterval{
			DayTimeInterval: 90_000_001}}},
		{types.YearMonthInterval(-14), &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_YearMonthInterval{
			YearMonthInterval: -14}}},
		{types.CalendarInterval{Months: 1, Days: 2, Microseconds: 3}, &sparkpb.Expression_Literal{
			LiteralType: &sparkpb.Expression_Literal_CalendarInterval_{CalendarInterval: &sparkpb.Expression_Literal_CalendarInterval{
				Months: 1, Days: 2, Microseconds: 3}}}},
		{types.Time{Hour: 1, Second: 2, Nanosecond: 3999}, &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Time_{
			Time: &sparkpb.Expression_Literal_Time{Nano: 3_602_000_003_000, Precision: &p6}}}},
	}
	for _, c := range cases {
		got, err := literal(c.in)
		if err != nil || !proto.Equal(got, c.want) {
			t.Errorf("literal(%#v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if l, err := literal(nil); err != nil || l.GetNull() == nil {
		t.Errorf("literal(nil) = %v, %v", l, err)
	}
	if l, err := literal(types.Decimal{}); err != nil || l.GetDecimal().GetValue() != "0" || l.GetDecimal().GetPrecision() != 1 {
		t.Errorf("literal(zero decimal) = %v, %v", l, err)
	}
	if _, err := literal(types.Time{Hour: 24}); err == nil {
		t.Error("literal(24:00) has no error")
	}
	if _, err := literal(struct{}{}); err == nil || !strings.Contains(err.Error(), "no Spark literal for Go type struct {}") {
		t.Errorf("literal(struct{}{}) error %v", err)
	}
	if d := DateOf(time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC).In(est)); d != (Date{2024, 2, 29}) {
		t.Errorf("DateOf = %v", d)
	}
}

// TestCreateDataFrameFromRows checks the plan's local relation: Arrow IPC data that reads
// back as the rows given.
func TestCreateDataFrameFromRows(t *testing.T) {
	mem := checkedMem(t, memory.NewGoAllocator())
	_, s := fakeSession(t, WithAllocator(mem))
	schema := types.Struct(
		types.Field("id", types.Long),
		types.Field("price", types.DecimalType{Precision: 9, Scale: 2}),
		types.Field("tags", types.ArrayType{Element: types.String, ContainsNull: true}),
	)
	df := s.CreateDataFrameFromRows(schema, [][]any{
		{1, types.Decimal{Unscaled: big.NewInt(5), Scale: 1}, []string{"a", "b"}},
		{2, nil, nil},
	})
	if df.err != nil {
		t.Fatal(df.err)
	}
	lr := df.rel.GetLocalRelation()
	if lr == nil || lr.Schema != nil {
		t.Fatalf("relation %v", df.rel)
	}
	rd, err := ipc.NewReader(bytes.NewReader(lr.GetData()), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	var rows []Row
	for rd.Next() {
		rows = append(rows, RowsOf(rd.RecordBatch())...)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if got := rows[0].String(); got != `Row(id=1, price=0.50, tags=[a b])` {
		t.Errorf("row 0 = %s", got)
	}
	if got := rows[1].String(); got != `Row(id=2, price=<nil>, tags=<nil>)` {
		t.Errorf("row 1 = %s", got)
	}

	bad := s.CreateDataFrameFromRows(schema, [][]any{{1, 2.5, nil}})
	if bad.err == nil || bad.err.Error() != "create dataframe: row 0, field price: value 2.5 (float64) does not fit the type decimal(9,2)" {
		t.Errorf("error %v", bad.err)
	}
	if none := s.CreateDataFrame(); none.err == nil {
		t.Error("CreateDataFrame() without batches has no error")
	}
}

// A decimal literal gets the type Spark gives it, decimal(max(digits, scale), scale), which
// is valid up to 38 digits; beyond that it is an error, not a type Spark rejects.
func TestDecimalLiteralPrecision(t *testing.T) {
	ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil)
	for _, tc := range []struct {
		d                types.Decimal
		value            string
		precision, scale int32
	}{
		{types.Decimal{Unscaled: big.NewInt(1), Scale: 38}, "0.00000000000000000000000000000000000001", 38, 38},
		{types.Decimal{Unscaled: big.NewInt(5), Scale: 3}, "0.005", 3, 3},
		{types.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}, "-123.45", 5, 2},
		{types.Decimal{Unscaled: ten, Scale: 0}, "1" + strings.Repeat("0", 37), 38, 0},
		{types.Decimal{}, "0", 1, 0},
	} {
		l, err := literal(tc.d)
		if err != nil {
			t.Errorf("literal(%s): %v", tc.d, err)
			continue
		}
		want := &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{Decimal: &sparkpb.Expression_Literal_Decimal{
			Value: tc.value, Precision: &tc.precision, Scale: &tc.scale}}}
		checkProto(t, tc.d.String(), l, want)
	}
	tooBig := new(big.Int).Mul(ten, big.NewInt(10))
	for _, d := range []types.Decimal{{Unscaled: tooBig}, {Unscaled: big.NewInt(1), Scale: 39}} {
		if err := Lit(d).Err(); err == nil || !strings.Contains(err.Error(), "38") {
			t.Errorf("Lit(%s) error %v, want one about precision 38", d, err)
		}
	}
}
