package connect

import (
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func sampleRel(lo, hi float64, replacement bool, seed *int64, deterministic bool) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Sample{Sample: &sparkpb.Sample{
		Input: rangeRel(10), LowerBound: lo, UpperBound: hi, WithReplacement: &replacement, Seed: seed,
		DeterministicOrder: deterministic,
	}}}
}

func TestSamplingPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	lit := func(v any) *sparkpb.Expression_Literal {
		l, err := literal(v)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, tc := range []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"Sample", func(df *DataFrame) *DataFrame { return df.Sample(0.25) }, sampleRel(0, 0.25, false, nil, false)},
		{"Sample seed", func(df *DataFrame) *DataFrame { return df.Sample(0.5, WithSeed(-3)) }, sampleRel(0, 0.5, false, refOf(int64(-3)), false)},
		{"Sample replacement", func(df *DataFrame) *DataFrame { return df.Sample(2, WithReplacement(), nil, WithSeed(1), WithSeed(9)) },
			sampleRel(0, 2, true, refOf(int64(9)), false)},
		{"Sample 0", func(df *DataFrame) *DataFrame { return df.Sample(0) }, sampleRel(0, 0, false, nil, false)},
		{"SampleBy", func(df *DataFrame) *DataFrame {
			return df.SampleBy(Col("k"), map[any]float64{"b": 0.5, "a": 1, int64(3): 0, 2: 0.1}, WithSeed(5))
		}, &sparkpb.Relation{RelType: &sparkpb.Relation_SampleBy{SampleBy: &sparkpb.StatSampleBy{
			Input: base, Col: attrExpr("k"), Seed: refOf(int64(5)), Fractions: []*sparkpb.StatSampleBy_Fraction{
				{Stratum: lit(2), Fraction: 0.1}, {Stratum: lit(int64(3)), Fraction: 0},
				{Stratum: lit("a"), Fraction: 1}, {Stratum: lit("b"), Fraction: 0.5},
			}}}}},
		{"SampleBy no seed", func(df *DataFrame) *DataFrame { return df.SampleBy(Col("k"), map[any]float64{true: 1}) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_SampleBy{SampleBy: &sparkpb.StatSampleBy{
				Input: base, Col: attrExpr("k"), Fractions: []*sparkpb.StatSampleBy_Fraction{{Stratum: lit(true), Fraction: 1}}}}}},
		{"Offset", func(df *DataFrame) *DataFrame { return df.Offset(3) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Offset{Offset: &sparkpb.Offset{Input: base, Offset: 3}}}},
		{"Offset 0", func(df *DataFrame) *DataFrame { return df.Offset(0) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Offset{Offset: &sparkpb.Offset{Input: base}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

// RandomSplit normalizes the weights into adjacent ranges of [0, 1] with one seed, as
// PySpark does; the last range ends at exactly 1.
func TestRandomSplitPlans(t *testing.T) {
	srv, s := dialGolden(t)
	seed := refOf(int64(42))
	parts := s.Range(0, 10, 1).RandomSplit([]float64{1, 2, 0, 1}, 42)
	want := []*sparkpb.Relation{
		sampleRel(0, 0.25, false, seed, true), sampleRel(0.25, 0.75, false, seed, true),
		sampleRel(0.75, 0.75, false, seed, true), sampleRel(0.75, 1, false, seed, true),
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		checkPlan(t, srv, p, want[i])
	}
	thirds := s.Range(0, 10, 1).RandomSplit([]float64{1, 1, 1}, 7)
	got := planOf(t, srv, thirds[2]).GetSample()
	if got.GetUpperBound() != 1 || got.GetLowerBound() != planOf(t, srv, thirds[1]).GetSample().GetUpperBound() {
		t.Errorf("ranges of thirds: %v", got)
	}
	if one := s.Range(0, 10, 1).RandomSplit([]float64{3}, 1); len(one) != 1 {
		t.Errorf("%d parts", len(one))
	} else {
		checkPlan(t, srv, one[0], sampleRel(0, 1, false, refOf(int64(1)), true))
	}
}

func TestSamplingErrors(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	before := sentRequests(srv)
	check := func(name string, df *DataFrame, want string) {
		t.Helper()
		if err := df.Err(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	check("Sample negative", base.Sample(-0.1), "at least 0")
	check("Sample NaN", base.Sample(math.NaN()), "at least 0")
	check("Sample Inf", base.Sample(math.Inf(1), WithReplacement()), "at least 0")
	check("Sample above 1", base.Sample(1.5), "only sampling with replacement")
	check("SampleBy bad column", base.SampleBy(InvalidColumn(errBadColumn), nil), "bad column")
	check("SampleBy fraction", base.SampleBy(Col("k"), map[any]float64{1: 1.5}), "not between 0 and 1")
	check("SampleBy stratum", base.SampleBy(Col("k"), map[any]float64{struct{}{}: 0.5}), "no Spark literal")
	check("Offset negative", base.Offset(-1), "offset -1 is negative")
	check("Offset too large", base.Offset(math.MaxInt32+1), "larger than Spark's largest")
	check("nil Sample", (*DataFrame)(nil).Sample(0.1), "nil DataFrame")
	for name, ws := range map[string][]float64{
		"none": nil, "negative": {1, -1}, "zero": {0, 0}, "NaN": {math.NaN(), 1}, "Inf": {math.Inf(1)},
	} {
		parts := base.RandomSplit(ws, 1)
		if len(parts) == 0 {
			t.Errorf("RandomSplit %s: no parts", name)
		}
		for _, p := range parts {
			check("RandomSplit "+name, p, "random split")
		}
	}
	for _, p := range (*DataFrame)(nil).RandomSplit([]float64{1, 1}, 1) {
		check("nil RandomSplit", p, "nil DataFrame")
	}
	for _, n := range []int{-1, math.MaxInt32 + 1} {
		if _, err := base.Tail(goldenCtx(t), n); err == nil || !strings.Contains(err.Error(), "tail") {
			t.Errorf("Tail(%d): %v", n, err)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}

func TestTail(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, int64Batch("id", 8, 9))
	rows, err := s.Range(0, 10, 1).Tail(goldenCtx(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Value(0) != int64(8) || rows[1].Value(0) != int64(9) {
		t.Errorf("rows %v", rows)
	}
	plans := srv.Plans()
	checkProto(t, "Tail", noIDs(plans[len(plans)-1].GetRoot()), &sparkpb.Relation{RelType: &sparkpb.Relation_Tail{Tail: &sparkpb.Tail{
		Input: rangeRel(10), Limit: 2,
	}}})
}
