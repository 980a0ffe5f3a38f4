package connect

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// selected is the plan of Range(0, 10, 1).Select(e).
func selected(e *sparkpb.Expression) *sparkpb.Relation { return projectRel(rangeRel(10), e) }

func TestColumnPlans(t *testing.T) {
	srv, s := dialGolden(t)
	star := func(target *string) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedStar_{
			UnresolvedStar: &sparkpb.Expression_UnresolvedStar{UnparsedTarget: target}}}
	}
	cast := func(e *sparkpb.Expression, ddl string) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_Cast_{Cast: &sparkpb.Expression_Cast{
			Expr: e, CastToType: &sparkpb.Expression_Cast_TypeStr{TypeStr: ddl}}}}
	}
	extract := func(child, key *sparkpb.Expression) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedExtractValue_{
			UnresolvedExtractValue: &sparkpb.Expression_UnresolvedExtractValue{Child: child, Extraction: key}}}
	}
	a, b := attrExpr("a"), attrExpr("b")
	cases := []struct {
		name string
		col  Column
		want *sparkpb.Expression
	}{
		{"Col", Col("a"), a},
		{"Col nested", Col("a.b"), attrExpr("a.b")},
		{"Col backticks", Col("`a.b`"), attrExpr("`a.b`")},
		{"Col star", Col("*"), star(nil)},
		{"Col struct star", Col("s.*"), star(refOf("s.*"))},
		{"Expr", Expr("a + 1"), exprString("a + 1")},
		{"Alias", Col("a").Alias("x"), aliasExpr(a, "x")},
		{"CallFunction", CallFunction("upper", Col("a")), callExpr("upper", a)},
		{"CallFunction no args", CallFunction("now"), callExpr("now")},
		{"CallDistinctFunction", CallDistinctFunction("count", Col("a"), Col("b")), distinctFn("count", a, b)},
		{"Plus", Col("a").Plus(1), callExpr("+", a, litLong(1))},
		{"Plus column", Col("a").Plus(Col("b")), callExpr("+", a, b)},
		{"Minus", Col("a").Minus(Col("b")), callExpr("-", a, b)},
		{"Multiply", Col("a").Multiply(int32(2)), callExpr("*", a, litInt(2))},
		{"Divide", Col("a").Divide(Col("b")), callExpr("/", a, b)},
		{"Mod", Col("a").Mod(3), callExpr("%", a, litLong(3))},
		{"Negate", Col("a").Negate(), callExpr("negative", a)},
		{"Eq", Col("a").Eq("x"), callExpr("==", a, litString("x"))},
		{"NotEq", Col("a").NotEq(Col("b")), callExpr("not", callExpr("==", a, b))},
		{"Gt", Col("a").Gt(Col("b")), callExpr(">", a, b)},
		{"Ge", Col("a").Ge(Col("b")), callExpr(">=", a, b)},
		{"Lt", Col("a").Lt(Col("b")), callExpr("<", a, b)},
		{"Le", Col("a").Le(Col("b")), callExpr("<=", a, b)},
		{"EqNullSafe", Col("a").EqNullSafe(nil), callExpr("<=>", a, litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{
			Null: &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}}}))},
		{"And", Col("a").And(Col("b")), callExpr("and", a, b)},
		{"Or", Col("a").Or(Col("b")), callExpr("or", a, b)},
		{"Not", Col("a").Not(), callExpr("not", a)},
		{"IsNull", Col("a").IsNull(), callExpr("isNull", a)},
		{"IsNotNull", Col("a").IsNotNull(), callExpr("isNotNull", a)},
		{"IsIn", Col("a").IsIn(1, "x", Col("b")), callExpr("in", a, litLong(1), litString("x"), b)},
		{"IsIn none", Col("a").IsIn(), callExpr("in", a)},
		{"Like", Col("a").Like("x%"), callExpr("like", a, litString("x%"))},
		{"Cast", Col("a").Cast("decimal(10,2)"), cast(a, "decimal(10,2)")},
		{"GetField", Col("a").GetField("f"), extract(a, litString("f"))},
		{"GetItem index", Col("a").GetItem(0), extract(a, litLong(0))},
		{"GetItem column", Col("a").GetItem(Col("b")), extract(a, b)},
		{"When", When(Col("a"), 1), callExpr("when", a, litLong(1))},
		{"When When Otherwise", When(Col("a"), 1).When(Col("b"), Col("c")).Otherwise("z"),
			callExpr("when", a, litLong(1), b, attrExpr("c"), litString("z"))},
		{"When Otherwise", When(Col("a"), Col("b")).Otherwise(nil), callExpr("when", a, b, litExpr(&sparkpb.Expression_Literal{
			LiteralType: &sparkpb.Expression_Literal_Null{Null: &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}}}))},
		{"nested", Col("a").Plus(1).Multiply(Col("b").Minus(2)).Alias("r"),
			aliasExpr(callExpr("*", callExpr("+", a, litLong(1)), callExpr("-", b, litLong(2))), "r")},
		{"Asc", Col("a").Asc(), sortExpr(a, false, false)},
		{"Desc", Col("a").Desc(), sortExpr(a, true, true)},
		{"AscNullsLast", Col("a").AscNullsLast(), sortExpr(a, false, true)},
		{"DescNullsFirst", Col("a").DescNullsFirst(), sortExpr(a, true, false)},
		{"resorted", Col("a").Desc().AscNullsLast(), sortExpr(a, false, true)},
		{"resorted twice", Col("a").Asc().DescNullsFirst().Desc(), sortExpr(a, true, true)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			checkPlan(t, srv, s.Range(0, 10, 1).Select(tc.col), selected(tc.want))
		})
	}
}

func TestColumnErrors(t *testing.T) {
	bad := errors.New("bad")
	invalid := InvalidColumn(bad)
	unsupported := Lit(map[int]chan int{})
	cases := []struct {
		name string
		col  Column
		want error  // when not nil, errors.Is
		msg  string // else a substring of the message
	}{
		{"InvalidColumn", invalid, bad, ""},
		{"InvalidColumn nil", InvalidColumn(nil), nil, "invalid column"},
		{"Lit unsupported", unsupported, nil, "no Spark literal for Go type map[int]chan int"},
		{"Lit chan", Lit(make(chan int)), nil, "no Spark literal"},
		{"Lit invalid time", Lit(types.Time{Hour: 25}), nil, "not a time of day"},
		{"Alias", invalid.Alias("x"), bad, ""},
		{"CallFunction", CallFunction("f", Col("a"), invalid), bad, ""},
		{"CallDistinctFunction", CallDistinctFunction("f", invalid), bad, ""},
		{"operator left", invalid.Plus(1), bad, ""},
		{"operator right", Col("a").Eq(invalid), bad, ""},
		{"operator literal", Col("a").Gt(make(chan int)), nil, "no Spark literal"},
		{"And", Col("a").And(invalid), bad, ""},
		{"Or", invalid.Or(Col("a")), bad, ""},
		{"Not", invalid.Not(), bad, ""},
		{"IsNull", invalid.IsNull(), bad, ""},
		{"IsIn", Col("a").IsIn(1, []chan int{nil}), nil, "no Spark literal for Go type []chan int"},
		{"Like", invalid.Like("x"), bad, ""},
		{"Cast", invalid.Cast("int"), bad, ""},
		{"GetField", invalid.GetField("f"), bad, ""},
		{"GetItem key", Col("a").GetItem(invalid), bad, ""},
		{"GetItem literal", Col("a").GetItem(1.5i), nil, "complex128"},
		{"Asc", invalid.Asc(), bad, ""},
		{"Desc", invalid.Desc(), bad, ""},
		{"When cond", When(invalid, 1), bad, ""},
		{"When value", When(Col("a"), struct{}{}), nil, "no Spark literal"},
		{"When on column", Col("a").When(Col("b"), 1), errWhen, ""},
		{"When on function", CallFunction("f").When(Col("b"), 1), errWhen, ""},
		{"Otherwise on column", Col("a").Otherwise(1), errWhen, ""},
		{"When after Otherwise", When(Col("a"), 1).Otherwise(2).When(Col("b"), 3), errWhen, ""},
		{"Otherwise twice", When(Col("a"), 1).Otherwise(2).Otherwise(3), errWhen, ""},
		{"When on invalid", invalid.When(Col("b"), 1), bad, ""},
		{"When bad branch", When(Col("a"), 1).When(invalid, 2), bad, ""},
		{"Otherwise bad value", When(Col("a"), 1).Otherwise(struct{}{}), nil, "no Spark literal"},
		{"Alias of When misuse", Col("a").Otherwise(1).Alias("x"), errWhen, ""},
	}
	srv, s := dialGolden(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.col.Err()
			switch {
			case err == nil:
				t.Fatal("Err() = nil")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Err() = %v, want %v", err, tc.want)
			case tc.want == nil && !strings.Contains(err.Error(), tc.msg):
				t.Fatalf("Err() = %v, want %q", err, tc.msg)
			}
			before := sentRequests(srv)
			_, aerr := s.Range(0, 1, 1).Select(Col("id"), tc.col).Rows(goldenCtx(t))
			if aerr == nil || aerr.Error() != err.Error() {
				t.Errorf("action error %v, want %v", aerr, err)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}
}

func TestLitPlans(t *testing.T) {
	srv, s := dialGolden(t)
	lit := func(l *sparkpb.Expression_Literal) *sparkpb.Expression { return litExpr(l) }
	est := time.FixedZone("EST", -5*3600)
	p6 := int32(6)
	cases := []struct {
		name string
		v    any
		want *sparkpb.Expression
	}{
		{"nil", nil, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{
			Null: &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}}})},
		{"bool", true, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}})},
		{"false", false, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: false}})},
		{"int8", int8(-8), lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Byte{Byte: -8}})},
		{"int16", int16(300), lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Short{Short: 300}})},
		{"int32", int32(70000), litInt(70000)},
		{"int", 1 << 40, litLong(1 << 40)},
		{"int64", int64(-5), litLong(-5)},
		{"float32", float32(1.5), lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Float{Float: 1.5}})},
		{"float64", 2.25, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Double{Double: 2.25}})},
		{"string", "héllo", litString("héllo")},
		{"empty string", "", litString("")},
		{"bytes", []byte{0, 1, 255}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Binary{Binary: []byte{0, 1, 255}}})},
		// 2024-01-02T08:04:05.000007Z
		{"time.Time", time.Date(2024, 1, 2, 3, 4, 5, 7000, est),
			lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Timestamp{Timestamp: 1704182645000007}})},
		{"TimestampNTZ", TimestampNTZ(time.Date(2024, 1, 2, 3, 4, 5, 7000, est)),
			lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_TimestampNtz{TimestampNtz: 1704164645000007}})},
		{"Date", Date{2024, time.January, 2}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Date{Date: 19724}})},
		{"Date before epoch", Date{1969, time.December, 31}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Date{Date: -1}})},
		{"Decimal", types.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{
			Decimal: &sparkpb.Expression_Literal_Decimal{Value: "-123.45", Precision: refOf(int32(5)), Scale: refOf(int32(2))}}})},
		{"Decimal small", types.Decimal{Unscaled: big.NewInt(5), Scale: 3}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{
			Decimal: &sparkpb.Expression_Literal_Decimal{Value: "0.005", Precision: refOf(int32(3)), Scale: refOf(int32(3))}}})},
		{"Decimal zero value", types.Decimal{}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{
			Decimal: &sparkpb.Expression_Literal_Decimal{Value: "0", Precision: refOf(int32(1)), Scale: refOf(int32(0))}}})},
		{"Duration", 90*time.Second + 1500*time.Nanosecond, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_DayTimeInterval{DayTimeInterval: 90_000_001}})},
		{"YearMonthInterval", types.YearMonthInterval(14), lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_YearMonthInterval{YearMonthInterval: 14}})},
		{"CalendarInterval", types.CalendarInterval{Months: 1, Days: 2, Microseconds: 3}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_CalendarInterval_{
			CalendarInterval: &sparkpb.Expression_Literal_CalendarInterval{Months: 1, Days: 2, Microseconds: 3}}})},
		{"Time", types.Time{Hour: 1, Minute: 2, Second: 3, Nanosecond: 4567}, lit(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Time_{
			Time: &sparkpb.Expression_Literal_Time{Nano: 3723_000_004_000, Precision: &p6}}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, s.Range(0, 10, 1).Select(Lit(tc.v)), selected(tc.want))
		})
	}
}

// The zero Column is no expression: every use of it is an error at the action, and
// nothing goes to the server (which would otherwise get a plan with empty expressions).
func TestZeroColumnIsAnError(t *testing.T) {
	srv, s := dialGolden(t)
	var zero Column
	base := s.Range(0, 1, 1)
	for name, df := range map[string]*DataFrame{
		"Select":        base.Select(zero),
		"Select Alias":  base.Select(zero.Alias("x")),
		"Select Cast":   base.Select(zero.Cast("int")),
		"operator":      base.Select(Col("id").Plus(zero)),
		"operator left": base.Select(zero.Eq(1)),
		"GetField":      base.Select(zero.GetField("f")),
		"GetItem key":   base.Select(Col("id").GetItem(zero)),
		"When value":    base.Select(When(Col("id").Gt(0), zero)),
		"When branch":   base.Select(When(Col("id").Gt(0), 1).When(zero, 2)),
		"Otherwise":     base.Select(When(Col("id").Gt(0), 1).Otherwise(zero)),
		"Filter":        base.Filter(zero),
		"WithColumn":    base.WithColumn("x", zero),
		"OrderBy":       base.OrderBy(zero),
		"OrderBy Desc":  base.OrderBy(zero.Desc()),
		"Join":          base.Join(s.Table("t"), zero, InnerJoin),
		"GroupBy":       base.GroupBy(zero).Count(),
	} {
		t.Run(name, func(t *testing.T) {
			before := sentRequests(srv)
			if _, err := df.Rows(goldenCtx(t)); !errors.Is(err, errZeroColumn) {
				t.Errorf("got %v, want errZeroColumn", err)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}
	if !errors.Is(zero.Err(), errZeroColumn) {
		t.Errorf("Err() = %v", zero.Err())
	}
	before := sentRequests(srv)
	if _, err := s.SQL(goldenCtx(t), "SELECT ?", zero); !errors.Is(err, errZeroColumn) {
		t.Errorf("SQL with a zero Column: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("SQL sent a request")
	}
}

func TestColumnMethodPlans(t *testing.T) {
	srv, s := dialGolden(t)
	a, b := attrExpr("a"), attrExpr("b")
	update := func(st *sparkpb.Expression, name string, value *sparkpb.Expression) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_UpdateFields_{UpdateFields: &sparkpb.Expression_UpdateFields{
			StructExpression: st, FieldName: name, ValueExpression: value}}}
	}
	cases := []struct {
		name string
		col  Column
		want *sparkpb.Expression
	}{
		{"Between", Col("a").Between(1, Col("b")), callExpr("and", callExpr(">=", a, litLong(1)), callExpr("<=", a, b))},
		{"Contains", Col("a").Contains("x"), callExpr("contains", a, litString("x"))},
		{"StartsWith", Col("a").StartsWith(Col("b")), callExpr("startsWith", a, b)},
		{"EndsWith", Col("a").EndsWith("z"), callExpr("endsWith", a, litString("z"))},
		{"RLike", Col("a").RLike("^x+$"), callExpr("rlike", a, litString("^x+$"))},
		{"ILike", Col("a").ILike("X%"), callExpr("ilike", a, litString("X%"))},
		{"Substr ints", Col("a").Substr(2, int32(3)), callExpr("substr", a, litLong(2), litInt(3))},
		{"Substr columns", Col("a").Substr(Col("b"), Lit(int32(1))), callExpr("substr", a, b, litInt(1))},
		{"IsNaN", Col("a").IsNaN(), callExpr("isNaN", a)},
		{"TryCast", Col("a").TryCast("int"), &sparkpb.Expression{ExprType: &sparkpb.Expression_Cast_{Cast: &sparkpb.Expression_Cast{
			Expr: a, CastToType: &sparkpb.Expression_Cast_TypeStr{TypeStr: "int"}, EvalMode: sparkpb.Expression_Cast_EVAL_MODE_TRY}}}},
		{"WithField", Col("a").WithField("x.y", Lit(1)), update(a, "x.y", litLong(1))},
		{"DropFields", Col("a").DropFields("x", "y"), update(update(a, "x", nil), "y", nil)},
		{"DropFields none", Col("a").DropFields(), a},
		{"BitwiseAND", Col("a").BitwiseAND(3), callExpr("&", a, litLong(3))},
		{"BitwiseOR", Col("a").BitwiseOR(Col("b")), callExpr("|", a, b)},
		{"BitwiseXOR", Col("a").BitwiseXOR(int8(1)), callExpr("^", a, litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Byte{Byte: 1}}))},
		{"Pow", Col("a").Pow(2.0), callExpr("power", a, litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Double{Double: 2}}))},
		{"Outer", Col("a").Outer(), a},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			checkPlan(t, srv, s.Range(0, 10, 1).Select(tc.col), selected(tc.want))
		})
	}
}

func TestColumnMethodErrors(t *testing.T) {
	bad := errors.New("bad")
	invalid := InvalidColumn(bad)
	cases := []struct {
		name string
		col  Column
		want error
		msg  string
	}{
		{"Between", invalid.Between(1, 2), bad, ""},
		{"Between bound", Col("a").Between(invalid, 2), bad, ""},
		{"Contains", Col("a").Contains(struct{}{}), nil, "no Spark literal"},
		{"RLike", invalid.RLike("x"), bad, ""},
		{"Substr mixed", Col("a").Substr(1, Col("b")), nil, "both be Columns or both be ints"},
		{"Substr float", Col("a").Substr(1.5, 2), nil, "must be ints or Columns"},
		{"Substr length", Col("a").Substr(1, "2"), nil, "must be ints or Columns"},
		{"Substr bad column", Col("a").Substr(invalid, Col("b")), bad, ""},
		{"TryCast", invalid.TryCast("int"), bad, ""},
		{"TryCast zero", Column{}.TryCast("int"), errZeroColumn, ""},
		{"WithField", invalid.WithField("x", Lit(1)), bad, ""},
		{"WithField value", Col("a").WithField("x", invalid), bad, ""},
		{"DropFields", invalid.DropFields("x"), bad, ""},
		{"Pow", invalid.Pow(2), bad, ""},
		{"Outer", invalid.Outer(), bad, ""},
		{"Outer zero", Column{}.Outer(), errZeroColumn, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.col.Err()
			switch {
			case err == nil:
				t.Fatal("no error")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			case tc.want == nil && !strings.Contains(err.Error(), tc.msg):
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
}
