package connect

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestStatPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	for _, tc := range []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"Describe", func(df *DataFrame) *DataFrame { return df.Describe("a", "b") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Describe{Describe: &sparkpb.StatDescribe{Input: base, Cols: []string{"a", "b"}}}}},
		{"Describe all", func(df *DataFrame) *DataFrame { return df.Describe() },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Describe{Describe: &sparkpb.StatDescribe{Input: base}}}},
		{"Summary", func(df *DataFrame) *DataFrame { return df.Summary("count", "25%") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Summary{Summary: &sparkpb.StatSummary{Input: base, Statistics: []string{"count", "25%"}}}}},
		{"Summary default", func(df *DataFrame) *DataFrame { return df.Summary() },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Summary{Summary: &sparkpb.StatSummary{Input: base}}}},
		{"CrossTab", func(df *DataFrame) *DataFrame { return df.CrossTab("a", "b") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Crosstab{Crosstab: &sparkpb.StatCrosstab{Input: base, Col1: "a", Col2: "b"}}}},
		{"Stat CrossTab", func(df *DataFrame) *DataFrame { return df.Stat().CrossTab("x", "y") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Crosstab{Crosstab: &sparkpb.StatCrosstab{Input: base, Col1: "x", Col2: "y"}}}},
		{"FreqItems", func(df *DataFrame) *DataFrame { return df.FreqItems([]string{"a"}, 0.3) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_FreqItems{FreqItems: &sparkpb.StatFreqItems{Input: base, Cols: []string{"a"}, Support: refOf(0.3)}}}},
		{"Stat SampleBy", func(df *DataFrame) *DataFrame {
			return df.Stat().SampleBy(Col("k"), map[any]float64{true: 1}, WithSeed(2))
		},
			&sparkpb.Relation{RelType: &sparkpb.Relation_SampleBy{SampleBy: &sparkpb.StatSampleBy{
				Input: base, Col: attrExpr("k"), Seed: refOf(int64(2)), Fractions: []*sparkpb.StatSampleBy_Fraction{
					{Stratum: &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}}, Fraction: 1}}}}}},
		{"FreqItems default support", func(df *DataFrame) *DataFrame { return df.Stat().FreqItems([]string{"a", "b"}, 0) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_FreqItems{FreqItems: &sparkpb.StatFreqItems{Input: base, Cols: []string{"a", "b"}, Support: refOf(0.01)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

// float64Batch is a batch with one double column holding vals.
func float64Batch(name string, vals ...float64) arrow.RecordBatch {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Float64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

// quantileBatch is the answer of StatApproxQuantile: one row holding an array of arrays of
// doubles (a nil inner slice is a NULL array).
func quantileBatch(vals ...[]float64) arrow.RecordBatch {
	typ := arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Float64))
	b := array.NewListBuilder(memory.DefaultAllocator, typ.Elem())
	defer b.Release()
	inner := b.ValueBuilder().(*array.ListBuilder)
	floats := inner.ValueBuilder().(*array.Float64Builder)
	b.Append(true)
	for _, v := range vals {
		if v == nil {
			inner.AppendNull()
			continue
		}
		inner.Append(true)
		floats.AppendValues(v, nil)
	}
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "approx_quantile", Type: col.DataType()}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, 1)
}

func TestStatActions(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	last := func() *sparkpb.Relation {
		plans := srv.Plans()
		return noIDs(plans[len(plans)-1].GetRoot())
	}
	pearson := "pearson"

	answerWith(t, srv, float64Batch("corr", 0.75))
	for name, corr := range map[string]func() (float64, error){
		"DataFrame": func() (float64, error) { return df.Corr(ctx, "a", "b") },
		"Stat":      func() (float64, error) { return df.Stat().Corr(ctx, "a", "b") },
	} {
		if got, err := corr(); err != nil || got != 0.75 {
			t.Errorf("Corr (%s): %v %v", name, got, err)
		}
		checkProto(t, "Corr", last(), &sparkpb.Relation{RelType: &sparkpb.Relation_Corr{Corr: &sparkpb.StatCorr{
			Input: rangeRel(10), Col1: "a", Col2: "b", Method: &pearson}}})
	}

	answerWith(t, srv, float64Batch("cov", -2.5))
	if got, err := df.Cov(ctx, "x", "y"); err != nil || got != -2.5 {
		t.Errorf("Cov: %v %v", got, err)
	}
	checkProto(t, "Cov", last(), &sparkpb.Relation{RelType: &sparkpb.Relation_Cov{Cov: &sparkpb.StatCov{
		Input: rangeRel(10), Col1: "x", Col2: "y"}}})
	if got, err := df.Stat().Cov(ctx, "x", "y"); err != nil || got != -2.5 {
		t.Errorf("Stat().Cov: %v %v", got, err)
	}

	answerWith(t, srv, quantileBatch([]float64{1, 5, 9}, []float64{}, nil))
	q, err := df.ApproxQuantile(ctx, []string{"a", "b", "c"}, []float64{0, 0.5, 1}, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 3 || len(q[0]) != 3 || q[0][1] != 5 || len(q[1]) != 0 || len(q[2]) != 0 {
		t.Errorf("ApproxQuantile: %v", q)
	}
	checkProto(t, "ApproxQuantile", last(), &sparkpb.Relation{RelType: &sparkpb.Relation_ApproxQuantile{ApproxQuantile: &sparkpb.StatApproxQuantile{
		Input: rangeRel(10), Cols: []string{"a", "b", "c"}, Probabilities: []float64{0, 0.5, 1}, RelativeError: 0.01}}})

	// Answers of the wrong shape are errors.
	for name, tc := range map[string]struct {
		rec  arrow.RecordBatch
		call func() error
	}{
		"corr string":   {stringBatch("corr", "x"), func() error { _, err := df.Corr(ctx, "a", "b"); return err }},
		"cov two rows":  {float64Batch("cov", 1, 2), func() error { _, err := df.Cov(ctx, "a", "b"); return err }},
		"quantile flat": {float64Batch("approx_quantile", 1), func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{0.5}, 0); return err }},
		"quantile strings": {func() arrow.RecordBatch {
			b := array.NewListBuilder(memory.DefaultAllocator, arrow.BinaryTypes.String)
			defer b.Release()
			b.Append(true)
			b.ValueBuilder().(*array.StringBuilder).Append("x")
			col := b.NewArray()
			defer col.Release()
			return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "q", Type: col.DataType()}}, nil), []arrow.Array{col}, 1)
		}(), func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{0.5}, 0); return err }},
		"quantile inner strings": {func() arrow.RecordBatch {
			b := array.NewListBuilder(memory.DefaultAllocator, arrow.ListOf(arrow.BinaryTypes.String))
			defer b.Release()
			b.Append(true)
			inner := b.ValueBuilder().(*array.ListBuilder)
			inner.Append(true)
			inner.ValueBuilder().(*array.StringBuilder).Append("x")
			col := b.NewArray()
			defer col.Release()
			return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "q", Type: col.DataType()}}, nil), []arrow.Array{col}, 1)
		}(), func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{0.5}, 0); return err }},
	} {
		answerWith(t, srv, tc.rec)
		if err := tc.call(); err == nil || !strings.Contains(err.Error(), "returned") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatErrors(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	before := sentRequests(srv)
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"quantile no cols":       {func() error { _, err := df.ApproxQuantile(ctx, nil, []float64{0.5}, 0); return err }(), "no columns"},
		"quantile probability":   {func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{1.5}, 0); return err }(), "not between 0 and 1"},
		"quantile NaN":           {func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{math.NaN()}, 0); return err }(), "not between 0 and 1"},
		"quantile relative err":  {func() error { _, err := df.ApproxQuantile(ctx, []string{"a"}, []float64{0.5}, -1); return err }(), "negative"},
		"freq items support":     {df.FreqItems([]string{"a"}, 2).Err(), "support 2"},
		"freq items neg support": {df.FreqItems([]string{"a"}, -0.1).Err(), "support"},
		"nil corr":               {func() error { _, err := (*DataFrame)(nil).Corr(ctx, "a", "b"); return err }(), "nil DataFrame"},
		"nil describe":           {(*DataFrame)(nil).Describe().Err(), "nil DataFrame"},
		"zero summary":           {(&DataFrame{}).Summary().Err(), "zero DataFrame"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, tc.err, tc.want)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}
