package connect

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestDataFramePlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	other := tableRel("t")
	tru := true
	setOp := func(byName, allowMissing bool) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
			LeftInput: base, RightInput: other, SetOpType: sparkpb.SetOperation_SET_OP_TYPE_UNION,
			IsAll: &tru, ByName: &byName, AllowMissingColumns: &allowMissing,
		}}}
	}
	sorted := func(order ...*sparkpb.Expression_SortOrder) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Sort{Sort: &sparkpb.Sort{Input: base, Order: order, IsGlobal: &tru}}}
	}
	dedup := func(cols []string, all, within bool) *sparkpb.Relation {
		d := &sparkpb.Deduplicate{Input: base, ColumnNames: cols}
		if all {
			d.AllColumnsAsKeys = &tru
		}
		if within {
			d.WithinWatermark = &tru
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Deduplicate{Deduplicate: d}}
	}
	agg := func(keys []*sparkpb.Expression, aggs ...*sparkpb.Expression) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
			Input: base, GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
			GroupingExpressions: keys, AggregateExpressions: aggs,
		}}}
	}
	withCols := func(aliases ...*sparkpb.Expression_Alias) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{Input: base, Aliases: aliases}}}
	}
	al := func(e *sparkpb.Expression, name string) *sparkpb.Expression_Alias {
		return &sparkpb.Expression_Alias{Expr: e, Name: []string{name}}
	}
	keys := []*sparkpb.Expression{attrExpr("k")}
	cases := []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"Range", func(df *DataFrame) *DataFrame { return df }, base},
		{"Select", func(df *DataFrame) *DataFrame { return df.Select(Col("id"), Col("x").Alias("y")) },
			projectRel(base, attrExpr("id"), aliasExpr(attrExpr("x"), "y"))},
		{"Select none", func(df *DataFrame) *DataFrame { return df.Select() }, projectRel(base)},
		{"SelectExpr", func(df *DataFrame) *DataFrame { return df.SelectExpr("id", "id * 2 AS twice") },
			projectRel(base, exprString("id"), exprString("id * 2 AS twice"))},
		{"Filter", func(df *DataFrame) *DataFrame { return df.Filter(Col("id").Gt(3)) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{Input: base, Condition: callExpr(">", attrExpr("id"), litLong(3))}}}},
		{"Where", func(df *DataFrame) *DataFrame { return df.Where("id > 3") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{Input: base, Condition: exprString("id > 3")}}}},
		{"Limit", func(df *DataFrame) *DataFrame { return df.Limit(5) }, limitRel(base, 5)},
		{"Limit 0", func(df *DataFrame) *DataFrame { return df.Limit(0) }, limitRel(base, 0)},
		{"WithColumn", func(df *DataFrame) *DataFrame { return df.WithColumn("two", Lit(2)) },
			withCols(al(litLong(2), "two"))},
		{"WithColumns sorted", func(df *DataFrame) *DataFrame {
			return df.WithColumns(map[string]Column{"z": Col("id"), "a": Lit("s"), "m": Expr("id + 1")})
		}, withCols(al(litString("s"), "a"), al(exprString("id + 1"), "m"), al(attrExpr("id"), "z"))},
		{"WithColumnRenamed", func(df *DataFrame) *DataFrame { return df.WithColumnRenamed("id", "n") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_WithColumnsRenamed{WithColumnsRenamed: &sparkpb.WithColumnsRenamed{
				Input: base, Renames: []*sparkpb.WithColumnsRenamed_Rename{{ColName: "id", NewColName: "n"}}}}}},
		{"Drop", func(df *DataFrame) *DataFrame { return df.Drop("a", "b") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{Input: base, ColumnNames: []string{"a", "b"}}}}},
		{"OrderBy", func(df *DataFrame) *DataFrame {
			return df.OrderBy(Col("a"), Col("b").Asc(), Col("c").Desc(), Col("d").AscNullsLast(), Col("e").DescNullsFirst(), Expr("f"))
		}, sorted(sortOrder(attrExpr("a"), false, false), sortOrder(attrExpr("b"), false, false), sortOrder(attrExpr("c"), true, true),
			sortOrder(attrExpr("d"), false, true), sortOrder(attrExpr("e"), true, false), sortOrder(exprString("f"), false, false))},
		{"Alias", func(df *DataFrame) *DataFrame { return df.Alias("a") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_SubqueryAlias{SubqueryAlias: &sparkpb.SubqueryAlias{Input: base, Alias: "a"}}}},
		{"Distinct", func(df *DataFrame) *DataFrame { return df.Distinct() }, dedup(nil, true, false)},
		{"DropDuplicates all", func(df *DataFrame) *DataFrame { return df.DropDuplicates() }, dedup(nil, true, false)},
		{"DropDuplicates cols", func(df *DataFrame) *DataFrame { return df.DropDuplicates("a", "b") }, dedup([]string{"a", "b"}, false, false)},
		{"DropDuplicatesWithinWatermark", func(df *DataFrame) *DataFrame { return df.DropDuplicatesWithinWatermark("a") },
			dedup([]string{"a"}, false, true)},
		{"DropDuplicatesWithinWatermark all", func(df *DataFrame) *DataFrame { return df.DropDuplicatesWithinWatermark() },
			dedup(nil, true, true)},
		{"WithWatermark", func(df *DataFrame) *DataFrame { return df.WithWatermark("ts", "2 minutes") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_WithWatermark{WithWatermark: &sparkpb.WithWatermark{
				Input: base, EventTime: "ts", DelayThreshold: "2 minutes"}}}},
		{"Union", func(df *DataFrame) *DataFrame { return df.Union(s.Table("t")) }, setOp(false, false)},
		{"UnionByName", func(df *DataFrame) *DataFrame { return df.UnionByName(s.Table("t"), false) }, setOp(true, false)},
		{"UnionByName allowMissing", func(df *DataFrame) *DataFrame { return df.UnionByName(s.Table("t"), true) }, setOp(true, true)},
		{"GroupBy Agg", func(df *DataFrame) *DataFrame {
			return df.GroupBy(Col("k")).Agg(CallFunction("max", Col("v")).Alias("m"), CallDistinctFunction("count", Col("v")))
		}, agg(keys, aliasExpr(callExpr("max", attrExpr("v")), "m"), distinctFn("count", attrExpr("v")))},
		{"GroupBy none Agg", func(df *DataFrame) *DataFrame { return df.GroupBy().Agg(CallFunction("sum", Col("v"))) },
			agg(nil, callExpr("sum", attrExpr("v")))},
		{"GroupBy Count", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Count() },
			agg(keys, aliasExpr(callExpr("count", litInt(1)), "count"))},
		{"GroupBy Sum", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Sum("a", "b") },
			agg(keys, aliasExpr(callExpr("sum", attrExpr("a")), "sum(a)"), aliasExpr(callExpr("sum", attrExpr("b")), "sum(b)"))},
		{"GroupBy Avg", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Avg("a") },
			agg(keys, aliasExpr(callExpr("avg", attrExpr("a")), "avg(a)"))},
		{"GroupBy Min", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Min("a") },
			agg(keys, aliasExpr(callExpr("min", attrExpr("a")), "min(a)"))},
		{"GroupBy Max", func(df *DataFrame) *DataFrame { return df.GroupBy(Col("k")).Max("a") },
			agg(keys, aliasExpr(callExpr("max", attrExpr("a")), "max(a)"))},
		{"chain", func(df *DataFrame) *DataFrame { return df.Filter(Expr("id > 1")).Select(Col("id")).Limit(2) },
			limitRel(projectRel(&sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{
				Input: base, Condition: exprString("id > 1")}}}, attrExpr("id")), 2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

func TestDataFrameJoinPlans(t *testing.T) {
	srv, s := dialGolden(t)
	left, right := s.Range(0, 10, 1), s.Table("t")
	on := left.Col("id").Eq(right.Col("id"))
	lid, rid := left.rel.GetCommon().GetPlanId(), right.rel.GetCommon().GetPlanId()
	if lid == rid {
		t.Fatalf("left and right share plan id %d", lid)
	}
	cond := callExpr("==", attrExprOf("id", lid), attrExprOf("id", rid))
	for _, tc := range []struct {
		how  JoinType
		want sparkpb.Join_JoinType
	}{
		{"", sparkpb.Join_JOIN_TYPE_INNER},
		{InnerJoin, sparkpb.Join_JOIN_TYPE_INNER},
		{"INNER", sparkpb.Join_JOIN_TYPE_INNER},
		{LeftJoin, sparkpb.Join_JOIN_TYPE_LEFT_OUTER},
		{"left_outer", sparkpb.Join_JOIN_TYPE_LEFT_OUTER},
		{"leftouter", sparkpb.Join_JOIN_TYPE_LEFT_OUTER},
		{RightJoin, sparkpb.Join_JOIN_TYPE_RIGHT_OUTER},
		{"right_outer", sparkpb.Join_JOIN_TYPE_RIGHT_OUTER},
		{"rightouter", sparkpb.Join_JOIN_TYPE_RIGHT_OUTER},
		{FullJoin, sparkpb.Join_JOIN_TYPE_FULL_OUTER},
		{"outer", sparkpb.Join_JOIN_TYPE_FULL_OUTER},
		{"full_outer", sparkpb.Join_JOIN_TYPE_FULL_OUTER},
		{"fullouter", sparkpb.Join_JOIN_TYPE_FULL_OUTER},
		{SemiJoin, sparkpb.Join_JOIN_TYPE_LEFT_SEMI},
		{"semi", sparkpb.Join_JOIN_TYPE_LEFT_SEMI},
		{"leftsemi", sparkpb.Join_JOIN_TYPE_LEFT_SEMI},
		{AntiJoin, sparkpb.Join_JOIN_TYPE_LEFT_ANTI},
		{"anti", sparkpb.Join_JOIN_TYPE_LEFT_ANTI},
		{"leftanti", sparkpb.Join_JOIN_TYPE_LEFT_ANTI},
		{CrossJoin, sparkpb.Join_JOIN_TYPE_CROSS},
	} {
		t.Run(string(tc.how), func(t *testing.T) {
			checkPlan(t, srv, left.Join(right, on, tc.how), &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
				Left: rangeRel(10), Right: tableRel("t"), JoinType: tc.want, JoinCondition: cond,
			}}})
			checkPlan(t, srv, left.JoinUsing(right, []string{"id", "k"}, tc.how), &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
				Left: rangeRel(10), Right: tableRel("t"), JoinType: tc.want, UsingColumns: []string{"id", "k"},
			}}})
		})
	}
	// The plan ids the columns refer to are those the server receives on the two inputs.
	got := planOf(t, srv, left.Join(right, on, InnerJoin)).GetJoin()
	if g := got.GetLeft().GetCommon().GetPlanId(); g != lid {
		t.Errorf("left plan id %d, want %d", g, lid)
	}
	if g := got.GetRight().GetCommon().GetPlanId(); g != rid {
		t.Errorf("right plan id %d, want %d", g, rid)
	}
	checkProto(t, "join condition", got.GetJoinCondition(), cond)
}

func TestDataFramePlanIDs(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 3, 1)
	seen := map[int64]bool{df.rel.GetCommon().GetPlanId(): true}
	derived := []*DataFrame{df.Select(Col("id")), df.Filter(Expr("true")), df.Limit(1), df.Alias("a"), df.Distinct(),
		df.WithColumn("x", Lit(1)), df.Drop("id"), df.OrderBy(Col("id")), s.Table("t"), s.Read().Load()}
	for i, d := range derived {
		id := d.rel.GetCommon().GetPlanId()
		if seen[id] {
			t.Errorf("derived DataFrame %d reuses plan id %d", i, id)
		}
		seen[id] = true
	}
	// Each derived relation carries its own id and its input keeps the input's.
	d := df.Select(Col("id"))
	got := planOf(t, srv, d)
	if got.GetCommon().GetPlanId() != d.rel.GetCommon().GetPlanId() {
		t.Errorf("root plan id %d, want %d", got.GetCommon().GetPlanId(), d.rel.GetCommon().GetPlanId())
	}
	if in := got.GetProject().GetInput().GetCommon().GetPlanId(); in != df.rel.GetCommon().GetPlanId() {
		t.Errorf("input plan id %d, want %d", in, df.rel.GetCommon().GetPlanId())
	}
	// Col carries the plan id of its DataFrame.
	checkProto(t, "Col", d.Col("id").expr, attrExprOf("id", d.rel.GetCommon().GetPlanId()))
	checkProto(t, "Col", df.Col("a.b").expr, attrExprOf("a.b", df.rel.GetCommon().GetPlanId()))
}

func TestDataFrameErrorsReachAction(t *testing.T) {
	srv, s := dialGolden(t)
	bad := errors.New("bad column")
	base := s.Range(0, 10, 1)
	badDF := s.Range(0, 1, 0)
	cases := []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"Limit negative", base.Limit(-1), "limit -1 is negative"},
		{"Select", base.Select(Col("a"), InvalidColumn(bad)), "bad column"},
		{"Filter", base.Filter(InvalidColumn(bad)), "bad column"},
		{"WithColumn", base.WithColumn("x", InvalidColumn(bad)), "column x: bad column"},
		{"OrderBy", base.OrderBy(InvalidColumn(bad)), "bad column"},
		{"WithWatermark no time", base.WithWatermark("", "1 minute"), "with watermark"},
		{"WithWatermark no delay", base.WithWatermark("ts", ""), "with watermark"},
		{"Union bad other", base.Union(badDF), "step must not be 0"},
		{"Union bad self", badDF.Union(base), "step must not be 0"},
		{"Join bad other", base.Join(badDF, Col("a"), InnerJoin), "step must not be 0"},
		{"Join bad condition", base.Join(base, InvalidColumn(bad), InnerJoin), "bad column"},
		{"Join unknown type", base.Join(base, Col("a"), "sideways"), `unknown join type "sideways"`},
		{"JoinUsing unknown type", base.JoinUsing(base, []string{"a"}, "left_semi_anti"), "unknown join type"},
		{"Agg bad key", base.GroupBy(InvalidColumn(bad)).Count(), "bad column"},
		{"Agg bad agg", base.GroupBy(Col("k")).Agg(InvalidColumn(bad)), "bad column"},
		{"Lit unsupported", base.Select(Lit(make(chan int))), "no Spark literal for Go type chan int"},
		{"carried through", base.Limit(-1).Select(Col("a")).Filter(Col("b")).Alias("x"), "limit -1 is negative"},
		{"Col of bad DataFrame", base.Select(badDF.Col("id")), "step must not be 0"},
		{"CreateDataFrame no batches", s.CreateDataFrame(), "no record batches"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := goldenCtx(t)
			before := sentRequests(srv)
			if err := tc.df.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Err() = %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Collect(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Collect: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Rows(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Rows: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Count(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Count: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Show(ctx, 3); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Show: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Schema(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Schema: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.Explain(ctx, ExplainSimple); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Explain: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.IsStreaming(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("IsStreaming: %v, want %q", err, tc.want)
			}
			if _, err := tc.df.WriteStream().Format("memory").Start(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteStream.Start: %v, want %q", err, tc.want)
			}
			if n := sentRequests(srv) - before; n != 0 {
				t.Errorf("%d requests sent for an invalid DataFrame", n)
			}
		})
	}
}

func TestDataFrameCount(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, int64Batch("count(1)", 42))
	n, err := s.Range(0, 10, 1).Count(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if n != 42 {
		t.Errorf("count %d, want 42", n)
	}
	plans := srv.Plans()
	want := &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
		Input: rangeRel(10), GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
		AggregateExpressions: []*sparkpb.Expression{callExpr("count", litInt(1))},
	}}}
	checkProto(t, "count plan", noIDs(plans[len(plans)-1].GetRoot()), want)

	// Answers that are not one bigint are errors.
	for name, rec := range map[string]func() *DataFrame{
		"string": func() *DataFrame { answerWith(t, srv, stringBatch("c", "x")); return s.Range(0, 1, 1) },
		"rows":   func() *DataFrame { answerWith(t, srv, int64Batch("c", 1, 2)); return s.Range(0, 1, 1) },
	} {
		if _, err := rec().Count(goldenCtx(t)); err == nil {
			t.Errorf("%s: count succeeded", name)
		}
	}
}

func TestDataFrameShowString(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, stringBatch("show_string", "+---+\n| id|\n+---+\n", "|  0|\n+---+\n"))
	show := func(n int32, truncate int32, vertical bool) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_ShowString{ShowString: &sparkpb.ShowString{
			Input: limitRel(rangeRel(10), n+1), NumRows: n, Truncate: truncate, Vertical: vertical,
		}}}
	}
	ctx := goldenCtx(t)
	out, err := s.Range(0, 10, 1).Show(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if out != "+---+\n| id|\n+---+\n|  0|\n+---+\n" {
		t.Errorf("show output %q", out)
	}
	plans := srv.Plans()
	checkProto(t, "Show", noIDs(plans[len(plans)-1].GetRoot()), show(3, 20, false))

	if _, err := s.Range(0, 10, 1).ShowString(ctx, 7, ShowOptions{Truncate: 0, Vertical: true}); err != nil {
		t.Fatal(err)
	}
	plans = srv.Plans()
	checkProto(t, "ShowString", noIDs(plans[len(plans)-1].GetRoot()), show(7, 0, true))

	// A negative n shows no rows, as in Spark (which clamps it to 0), rather than failing on
	// a negative limit.
	for _, n := range []int{-1, -2, -100} {
		if _, err := s.Range(0, 10, 1).Show(ctx, n); err != nil {
			t.Fatalf("Show(%d): %v", n, err)
		}
		plans = srv.Plans()
		checkProto(t, "Show negative", noIDs(plans[len(plans)-1].GetRoot()), show(0, 20, false))
	}
}

func TestDataFrameAnalyze(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, int64Batch("id", 1))
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	last := func() *sparkpb.AnalyzePlanRequest {
		reqs := srv.AnalyzeRequests()
		return reqs[len(reqs)-1]
	}
	plan := &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: rangeRel(10)}}

	st, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fields) != 1 || st.Fields[0].Name != "id" {
		t.Errorf("schema %v", st)
	}
	checkProto(t, "Schema", noIDs(last().GetSchema()), &sparkpb.AnalyzePlanRequest_Schema{Plan: plan})

	for _, tc := range []struct {
		mode ExplainMode
		want sparkpb.AnalyzePlanRequest_Explain_ExplainMode
	}{
		{ExplainSimple, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_SIMPLE},
		{ExplainExtended, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_EXTENDED},
		{ExplainCodegen, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_CODEGEN},
		{ExplainCost, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_COST},
		{ExplainFormatted, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_FORMATTED},
		{0, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_SIMPLE},
		{-1, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_SIMPLE},
		{ExplainFormatted + 1, sparkpb.AnalyzePlanRequest_Explain_EXPLAIN_MODE_SIMPLE},
	} {
		out, err := df.Explain(ctx, tc.mode)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Physical Plan") {
			t.Errorf("explain %q", out)
		}
		checkProto(t, "Explain", noIDs(last().GetExplain()), &sparkpb.AnalyzePlanRequest_Explain{Plan: plan, ExplainMode: tc.want})
	}

	for _, tc := range []struct {
		df   *DataFrame
		want bool
	}{{df, false}, {s.ReadStream().Format("rate").Load().Select(Col("value")), true}} {
		got, err := tc.df.IsStreaming(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("IsStreaming = %v, want %v", got, tc.want)
		}
		checkProto(t, "IsStreaming", last().GetIsStreaming(), &sparkpb.AnalyzePlanRequest_IsStreaming{
			Plan: &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: tc.df.rel}}})
	}

	// A schema that is not a struct is an error.
	srv.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return &sparkpb.AnalyzePlanResponse{Result: &sparkpb.AnalyzePlanResponse_Schema_{Schema: &sparkpb.AnalyzePlanResponse_Schema{
			Schema: &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}}}}, nil
	})
	if _, err := df.Schema(ctx); err == nil || !strings.Contains(err.Error(), "not a struct") {
		t.Errorf("non-struct schema: %v", err)
	}
}

// A DataFrame, reader or writer does not change when the caller later changes a slice it
// passed: DataFrames are immutable.
func TestArgumentSlicesAreCopied(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	names := []string{"a", "b"}
	drop := base.Drop(names...)
	dedup := base.DropDuplicates(names...)
	using := base.JoinUsing(s.Table("t"), names, InnerJoin)
	load := s.Read().Load(names...)
	keys := []Column{Col("k")}
	grouped := base.GroupBy(keys...)
	names[0], keys[0] = "changed", Col("changed")

	checkPlan(t, srv, drop, &sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{
		Input: rangeRel(10), ColumnNames: []string{"a", "b"}}}})
	checkPlan(t, srv, dedup, &sparkpb.Relation{RelType: &sparkpb.Relation_Deduplicate{Deduplicate: &sparkpb.Deduplicate{
		Input: rangeRel(10), ColumnNames: []string{"a", "b"}}}})
	checkPlan(t, srv, using, &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
		Left: rangeRel(10), Right: tableRel("t"), JoinType: sparkpb.Join_JOIN_TYPE_INNER, UsingColumns: []string{"a", "b"}}}})
	checkPlan(t, srv, load, dataSource(false, nil, nil, nil, "a", "b"))
	checkPlan(t, srv, grouped.Count(), &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
		Input: rangeRel(10), GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
		GroupingExpressions: []*sparkpb.Expression{attrExpr("k")}, AggregateExpressions: []*sparkpb.Expression{aliasExpr(callExpr("count", litInt(1)), "count")},
	}}})

	cols := []string{"p"}
	w := s.ReadStream().Format("rate").Load().WriteStream().PartitionBy(cols...).ClusterBy(cols...)
	cols[0] = "changed"
	if _, err := w.Start(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := startCommand(t, srv)
	if got.PartitioningColumnNames[0] != "p" || got.ClusteringColumnNames[0] != "p" {
		t.Errorf("partitioning %v, clustering %v", got.PartitioningColumnNames, got.ClusteringColumnNames)
	}
}

// Spark's limit is an int32: a larger n is an error, not a wrapped-around negative limit.
func TestLimitOutOfRange(t *testing.T) {
	srv, s := dialGolden(t)
	n := math.MaxInt32
	checkPlan(t, srv, s.Range(0, 10, 1).Limit(n), limitRel(rangeRel(10), math.MaxInt32))
	n++
	if err := s.Range(0, 10, 1).Limit(n).Err(); err == nil {
		t.Errorf("Limit(%d) has no error", n)
	}
	// Show clamps, as Spark does: the limit stays in range.
	answerWith(t, srv, stringBatch("show_string", "table"))
	for _, n := range []int{math.MaxInt32 - 1, math.MaxInt32, n} {
		if _, err := s.Range(0, 10, 1).Show(goldenCtx(t), n); err != nil {
			t.Fatalf("Show(%d): %v", n, err)
		}
		plans := srv.Plans()
		checkProto(t, "Show", noIDs(plans[len(plans)-1].GetRoot()), &sparkpb.Relation{RelType: &sparkpb.Relation_ShowString{ShowString: &sparkpb.ShowString{
			Input: limitRel(rangeRel(10), math.MaxInt32), NumRows: math.MaxInt32 - 1, Truncate: 20,
		}}})
	}
}

// df.Col("*") and df.Col("s.*") are stars of that DataFrame, as in Spark's own clients
// (Column(name, planId) in Scala, df["*"] in PySpark), not attributes named "*".
func TestDataFrameColStar(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 10, 1)
	id := df.rel.GetCommon().GetPlanId()
	star := func(target *string) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedStar_{
			UnresolvedStar: &sparkpb.Expression_UnresolvedStar{UnparsedTarget: target, PlanId: &id}}}
	}
	for _, tc := range []struct {
		name string
		want *sparkpb.Expression
	}{
		{"*", star(nil)},
		{"s.*", star(refOf("s.*"))},
		{"a.b", attrExprOf("a.b", id)},
		{"id", attrExprOf("id", id)},
	} {
		checkPlan(t, srv, df.Select(df.Col(tc.name)), projectRel(rangeRel(10), tc.want))
	}
}
