package connect

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func aggRel(in *sparkpb.Relation, gt sparkpb.Aggregate_GroupType, keys []*sparkpb.Expression, aggs ...*sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
		Input: in, GroupType: gt, GroupingExpressions: keys, AggregateExpressions: aggs,
	}}}
}

func TestGroupingPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	k, v := attrExpr("k"), attrExpr("v")
	sumV := callExpr("sum", v)
	lit := func(l *sparkpb.Expression) *sparkpb.Expression_Literal { return l.GetLiteral() }
	pivot := func(col *sparkpb.Expression, values ...*sparkpb.Expression_Literal) *sparkpb.Relation {
		r := aggRel(base, sparkpb.Aggregate_GROUP_TYPE_PIVOT, []*sparkpb.Expression{k}, sumV)
		r.GetAggregate().Pivot = &sparkpb.Aggregate_Pivot{Col: col, Values: values}
		return r
	}
	cases := []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"DataFrame.Agg", func(df *DataFrame) *DataFrame {
			return df.Agg(CallFunction("sum", Col("v")), CallFunction("max", Col("k")))
		},
			aggRel(base, sparkpb.Aggregate_GROUP_TYPE_GROUPBY, nil, sumV, callExpr("max", k))},
		{"Rollup", func(df *DataFrame) *DataFrame {
			return df.Rollup(Col("k"), Col("j")).Agg(CallFunction("sum", Col("v")))
		},
			aggRel(base, sparkpb.Aggregate_GROUP_TYPE_ROLLUP, []*sparkpb.Expression{k, attrExpr("j")}, sumV)},
		{"Cube Count", func(df *DataFrame) *DataFrame { return df.Cube(Col("k")).Count() },
			aggRel(base, sparkpb.Aggregate_GROUP_TYPE_CUBE, []*sparkpb.Expression{k}, aliasExpr(callExpr("count", litInt(1)), "count"))},
		{"GroupingSets", func(df *DataFrame) *DataFrame {
			return df.GroupingSets([][]Column{{Col("k"), Col("j")}, {Col("k")}, {}}, Col("k"), Col("j")).Agg(CallFunction("sum", Col("v")))
		}, func() *sparkpb.Relation {
			r := aggRel(base, sparkpb.Aggregate_GROUP_TYPE_GROUPING_SETS, []*sparkpb.Expression{k, attrExpr("j")}, sumV)
			r.GetAggregate().GroupingSets = []*sparkpb.Aggregate_GroupingSets{
				{GroupingSet: []*sparkpb.Expression{k, attrExpr("j")}}, {GroupingSet: []*sparkpb.Expression{k}}, {},
			}
			return r
		}()},
		{"Pivot values", func(df *DataFrame) *DataFrame {
			return df.GroupBy(Col("k")).Pivot(Col("p"), "a", int32(2), Lit(int64(3))).Agg(CallFunction("sum", Col("v")))
		}, pivot(attrExpr("p"), lit(litString("a")), lit(litInt(2)), lit(litLong(3)))},
		{"Pivot no values", func(df *DataFrame) *DataFrame {
			return df.GroupBy(Col("k")).Pivot(Col("p")).Agg(CallFunction("sum", Col("v")))
		}, pivot(attrExpr("p"))},
		{"Mean", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Mean("v") },
			aggRel(base, sparkpb.Aggregate_GROUP_TYPE_GROUPBY, []*sparkpb.Expression{k}, aliasExpr(callExpr("avg", v), "avg(v)"))},
		{"Rollup Sum named", func(df *DataFrame) *DataFrame { return df.Rollup(Col("k")).Sum("v") },
			aggRel(base, sparkpb.Aggregate_GROUP_TYPE_ROLLUP, []*sparkpb.Expression{k}, aliasExpr(sumV, "sum(v)"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

// mixedBatch has columns of every kind an all-numeric aggregation must tell apart.
func mixedBatch(t *testing.T) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String},
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b.c", Type: arrow.PrimitiveTypes.Float64},
		{Name: "on", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Name: "i", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("x")
	b.Field(1).(*array.Int64Builder).Append(1)
	b.Field(2).(*array.Float64Builder).Append(1.5)
	b.Field(3).(*array.BooleanBuilder).Append(true)
	b.Field(4).(*array.Decimal128Builder).AppendNull()
	b.Field(5).(*array.Int32Builder).Append(2)
	return b.NewRecordBatch()
}

func TestNumericColumnsResolvedAtAction(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, mixedBatch(t))
	k := attrExpr("k")
	each := func(fn string, names ...string) []*sparkpb.Expression {
		var out []*sparkpb.Expression
		for _, n := range names {
			out = append(out, aliasExpr(callExpr(fn, attrExpr("`"+strings.ReplaceAll(n, "`", "``")+"`")), fn+"("+n+")"))
		}
		return out
	}
	numeric := []string{"a", "b.c", "d", "i"}
	for _, tc := range []struct {
		fn string
		df func(g *GroupedData) *DataFrame
	}{
		{"sum", func(g *GroupedData) *DataFrame { return g.Sum() }},
		{"avg", func(g *GroupedData) *DataFrame { return g.Avg() }},
		{"avg", func(g *GroupedData) *DataFrame { return g.Mean() }},
		{"min", func(g *GroupedData) *DataFrame { return g.Min() }},
		{"max", func(g *GroupedData) *DataFrame { return g.Max() }},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			analyses := len(srv.AnalyzeRequests())
			df := tc.df(s.Table("t").GroupBy(Col("k")))
			if n := len(srv.AnalyzeRequests()); n != analyses {
				t.Fatalf("building the DataFrame sent %d requests", n-analyses)
			}
			checkPlan(t, srv, df, aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_GROUPBY, []*sparkpb.Expression{k}, each(tc.fn, numeric...)...))
			reqs := srv.AnalyzeRequests()
			if len(reqs) != analyses+1 {
				t.Fatalf("%d schema requests, want 1", len(reqs)-analyses)
			}
			checkProto(t, "schema request", noIDs(reqs[len(reqs)-1].GetSchema().GetPlan().GetRoot()), tableRel("t"))
			// The DataFrame keeps its placeholder: a second action resolves again.
			checkPlan(t, srv, df, aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_GROUPBY, []*sparkpb.Expression{k}, each(tc.fn, numeric...)...))
		})
	}
	t.Run("quoted name", func(t *testing.T) {
		if got := quoteName("a`b.c"); got != "`a``b.c`" {
			t.Errorf("quoteName = %s", got)
		}
	})
	t.Run("Schema", func(t *testing.T) {
		before := len(srv.AnalyzeRequests())
		if _, err := s.Table("t").GroupBy().Sum().Schema(goldenCtx(t)); err != nil {
			t.Fatal(err)
		}
		reqs := srv.AnalyzeRequests()[before:]
		if len(reqs) != 2 {
			t.Fatalf("%d analyze requests, want 2", len(reqs))
		}
		checkProto(t, "schema plan", noIDs(reqs[1].GetSchema().GetPlan().GetRoot()),
			aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_GROUPBY, nil, each("sum", numeric...)...))
	})
	t.Run("Pivot and other aggregates", func(t *testing.T) {
		df := s.Table("t").GroupBy(Col("k")).Pivot(Col("p"), "x").Max()
		want := aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_PIVOT, []*sparkpb.Expression{k}, each("max", numeric...)...)
		want.GetAggregate().Pivot = &sparkpb.Aggregate_Pivot{Col: attrExpr("p"), Values: []*sparkpb.Expression_Literal{litString("x").GetLiteral()}}
		checkPlan(t, srv, df, want)
	})
}

func TestNumericColumnsNested(t *testing.T) {
	srv, s := dialGolden(t)
	inner := int64Batch("n", 1)
	outer := stringBatch("s", "x")
	t.Cleanup(inner.Release)
	t.Cleanup(outer.Release)
	// The input of the outer aggregation (the inner one) reports a string column; the
	// input of the inner one, the table, a bigint column.
	srv.SetResult(func(p *sparkpb.Plan) ([]arrow.RecordBatch, error) {
		rec := outer
		if p.GetRoot().GetRead() != nil {
			rec = inner
		}
		rec.Retain()
		return []arrow.RecordBatch{rec}, nil
	})
	before := len(srv.AnalyzeRequests())
	df := s.Table("t").GroupBy().Sum().Union(s.Table("t")).GroupBy().Max()
	innerAgg := aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_GROUPBY, nil, aliasExpr(callExpr("sum", attrExpr("`n`")), "sum(n)"))
	tru, fls := true, false
	union := &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
		LeftInput: innerAgg, RightInput: tableRel("t"), SetOpType: sparkpb.SetOperation_SET_OP_TYPE_UNION,
		IsAll: &tru, ByName: &fls, AllowMissingColumns: &fls}}}
	checkPlan(t, srv, df, aggRel(union, sparkpb.Aggregate_GROUP_TYPE_GROUPBY, nil))
	reqs := srv.AnalyzeRequests()[before:]
	if len(reqs) != 2 {
		t.Fatalf("%d schema requests, want 2", len(reqs))
	}
	checkProto(t, "outer schema request", noIDs(reqs[1].GetSchema().GetPlan().GetRoot()), union)
}

func TestNumericColumnsCommand(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, int64Batch("n", 1))
	q, err := s.Table("t").GroupBy().Sum().WriteStream().Format("memory").QueryName("q").OutputMode("complete").Start(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = q
	got := noIDs(lastCommand(t, srv).GetWriteStreamOperationStart().GetInput())
	checkProto(t, "input", got, aggRel(tableRel("t"), sparkpb.Aggregate_GROUP_TYPE_GROUPBY, nil, aliasExpr(callExpr("sum", attrExpr("`n`")), "sum(n)")))
}

func TestNumericColumnsSchemaError(t *testing.T) {
	srv, s := dialGolden(t)
	srv.FailNext(fakeserver.SparkError(codes.NotFound, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "no table t", ""))
	_, err := s.Table("t").GroupBy().Avg().Collect(goldenCtx(t))
	if err == nil || !strings.Contains(err.Error(), "all numeric columns") {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Plans()); n != 0 {
		t.Errorf("%d plans sent after the schema failed", n)
	}
	// A schema that is no struct has no numeric columns.
	if names, err := numericColumns(goldenCtx(t), s, tableRel("t")); err != nil || len(names) != 0 {
		t.Errorf("numericColumns = %v, %v", names, err)
	}
	if _, ok := markerFunction(&sparkpb.Expression{ExprType: &sparkpb.Expression_Extension{Extension: nil}}); ok {
		t.Error("an empty extension is a marker")
	}
	bad := numericColumnsMarker("sum")
	bad.GetExtension().Value = []byte{0xff}
	if _, ok := markerFunction(bad); ok {
		t.Error("a corrupt marker is a marker")
	}
}

func TestGroupingErrors(t *testing.T) {
	_, s := dialGolden(t)
	bad := errors.New("bad column")
	base := s.Range(0, 10, 1)
	var nilDF *DataFrame
	var nilGroup *GroupedData
	cases := []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"Pivot after Rollup", base.Rollup(Col("k")).Pivot(Col("p")).Count(), "only after GroupBy"},
		{"Pivot after Cube", base.Cube(Col("k")).Pivot(Col("p")).Sum(), "only after GroupBy"},
		{"Pivot twice", base.GroupBy(Col("k")).Pivot(Col("p")).Pivot(Col("q")).Count(), "only once"},
		{"Pivot bad column", base.GroupBy(Col("k")).Pivot(InvalidColumn(bad)).Count(), "pivot: bad column"},
		{"Pivot bad value", base.GroupBy(Col("k")).Pivot(Col("p"), struct{}{}).Count(), "pivot: spark connect: no Spark literal"},
		{"Pivot invalid value", base.GroupBy(Col("k")).Pivot(Col("p"), InvalidColumn(bad)).Count(), "pivot: bad column"},
		{"Pivot non-literal", base.GroupBy(Col("k")).Pivot(Col("p"), Col("q")).Count(), "must be a literal"},
		{"GroupingSets bad", base.GroupingSets([][]Column{{InvalidColumn(bad)}}).Count(), "grouping sets: bad column"},
		{"Rollup bad key", base.Rollup(InvalidColumn(bad)).Count(), "bad column"},
		{"Agg bad", base.Agg(InvalidColumn(bad)), "bad column"},
		{"nil DataFrame", nilDF.GroupBy(Col("k")).Count(), "nil DataFrame"},
		{"nil DataFrame Agg", nilDF.Agg(Col("k")), "nil DataFrame"},
		{"nil GroupedData", nilGroup.Sum(), "nil DataFrame"},
		{"nil GroupedData Pivot", nilGroup.Pivot(Col("p")).Count(), "nil DataFrame"},
		{"zero GroupedData", (&GroupedData{}).Max("a"), "nil DataFrame"},
		{"zero DataFrame", (&DataFrame{}).Rollup(Col("a")).Count(), "the zero DataFrame"},
		{"zero DataFrame Agg", (&DataFrame{}).Agg(Col("a")), "the zero DataFrame"},
		{"bad input", s.Range(0, 1, 0).GroupBy().Max(), "step must not be 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.df.Err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err() = %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Collect(goldenCtx(t)); err == nil {
				t.Fatal("Collect succeeded")
			}
		})
	}
}
