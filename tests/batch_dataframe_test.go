package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Tests of the DataFrame's breadth (issue 11): set operations, layout, sampling, missing
// values, statistics, actions and projections, each compared with values the test
// computes from its own small inputs.

// dfbValues runs df and returns its rows as slices of Go values.
func dfbValues(t *testing.T, ctx context.Context, df *connect.DataFrame) [][]any {
	t.Helper()
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = r.Values()
	}
	return out
}

// dfbInts returns the single bigint column of df's rows, in the order they came.
func dfbInts(t *testing.T, ctx context.Context, df *connect.DataFrame) []int64 {
	t.Helper()
	var out []int64
	for _, r := range dfbValues(t, ctx, df) {
		if len(r) != 1 {
			t.Fatalf("row %v: want one column", r)
		}
		v, ok := r[0].(int64)
		if !ok {
			t.Fatalf("row %v: %T, want int64", r, r[0])
		}
		out = append(out, v)
	}
	return out
}

func dfbSorted(v []int64) []int64 { v = slices.Clone(v); slices.Sort(v); return v }

// ints is a one-column (bigint "v") DataFrame of vals.
func dfbIntsDF(s *connect.Session, vals ...int64) *connect.DataFrame {
	rows := make([][]any, len(vals))
	for i, v := range vals {
		rows[i] = []any{v}
	}
	return s.CreateDataFrameFromRows(types.Struct(types.Field("v", types.Long)), rows)
}

func counts(vals []int64) map[int64]int {
	m := map[int64]int{}
	for _, v := range vals {
		m[v]++
	}
	return m
}

func expand(m map[int64]int) []int64 {
	var out []int64
	for v, n := range m {
		for range n {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func TestBatchSetOperations(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	a := []int64{1, 1, 1, 2, 3, 5}
	b := []int64{1, 1, 2, 2, 4, 5, 5}
	ca, cb := counts(a), counts(b)
	intersect, intersectAll, subtract, exceptAll := map[int64]int{}, map[int64]int{}, map[int64]int{}, map[int64]int{}
	for v, n := range ca {
		if m := cb[v]; m > 0 {
			intersect[v] = 1
			intersectAll[v] = min(n, m)
		} else {
			subtract[v] = 1
		}
		if n > cb[v] {
			exceptAll[v] = n - cb[v]
		}
	}
	union := append(slices.Clone(a), b...)
	dfa, dfb := dfbIntsDF(s, a...), dfbIntsDF(s, b...)
	for _, tc := range []struct {
		name string
		df   *connect.DataFrame
		want []int64
	}{
		{"Intersect", dfa.Intersect(dfb), expand(intersect)},
		{"IntersectAll", dfa.IntersectAll(dfb), expand(intersectAll)},
		{"Subtract", dfa.Subtract(dfb), expand(subtract)},
		{"Except", dfa.Except(dfb), expand(subtract)},
		{"ExceptAll", dfa.ExceptAll(dfb), expand(exceptAll)},
		{"UnionAll", dfa.UnionAll(dfb), dfbSorted(union)},
	} {
		if got := dfbSorted(dfbInts(t, ctx, tc.df)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// partitionsOf returns the values of df's column v grouped by the partition that holds
// them, each group in the order the partition yields them.
func partitionsOf(t *testing.T, ctx context.Context, df *connect.DataFrame) map[int32][]int64 {
	t.Helper()
	out := map[int32][]int64{}
	for _, r := range dfbValues(t, ctx, df.Select(connect.CallFunction("spark_partition_id").Alias("p"), connect.Col("v"))) {
		out[r[0].(int32)] = append(out[r[0].(int32)], r[1].(int64))
	}
	return out
}

func TestBatchLayout(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	var vals []int64
	for i := range int64(60) {
		vals = append(vals, (i*37)%60) // 0..59, shuffled
	}
	df := dfbIntsDF(s, vals...)
	all := dfbSorted(vals)
	flatten := func(parts map[int32][]int64) []int64 {
		var out []int64
		for _, p := range parts {
			out = append(out, p...)
		}
		return dfbSorted(out)
	}

	parts := partitionsOf(t, ctx, df.Repartition(4))
	if len(parts) != 4 || !slices.Equal(flatten(parts), all) {
		t.Errorf("Repartition(4): %d partitions, rows %v", len(parts), flatten(parts))
	}
	// By a column: every key lives in exactly one partition.
	byKey := df.WithColumn("k", connect.Col("v").Mod(5)).Repartition(3, connect.Col("k"))
	home := map[int64]int32{}
	rows := dfbValues(t, ctx, byKey.Select(connect.CallFunction("spark_partition_id"), connect.Col("k")))
	pids := map[int32]bool{}
	for _, r := range rows {
		p, k := r[0].(int32), r[1].(int64)
		pids[p] = true
		if q, ok := home[k]; ok && q != p {
			t.Errorf("Repartition by k: key %d in partitions %d and %d", k, q, p)
		}
		home[k] = p
	}
	if len(rows) != len(vals) || len(pids) > 3 {
		t.Errorf("Repartition(3, k): %d rows in %d partitions", len(rows), len(pids))
	}
	if n := len(partitionsOf(t, ctx, df.Repartition(0, connect.Col("v")))); n < 1 {
		t.Errorf("Repartition(0, v): %d partitions", n)
	}
	// By range: partitions hold contiguous, ordered ranges.
	ranged := partitionsOf(t, ctx, df.RepartitionByRange(3, connect.Col("v")))
	if len(ranged) != 3 || !slices.Equal(flatten(ranged), all) {
		t.Fatalf("RepartitionByRange(3): %v", ranged)
	}
	for p := int32(0); p < 2; p++ {
		if slices.Max(ranged[p]) >= slices.Min(ranged[p+1]) {
			t.Errorf("RepartitionByRange: partition %d reaches %d, partition %d starts at %d", p, slices.Max(ranged[p]), p+1, slices.Min(ranged[p+1]))
		}
	}
	desc := partitionsOf(t, ctx, df.RepartitionByRange(2, connect.Col("v").Desc()))
	if len(desc) != 2 || slices.Min(desc[0]) <= slices.Max(desc[1]) {
		t.Errorf("RepartitionByRange desc: %v", desc)
	}
	if parts := partitionsOf(t, ctx, df.Repartition(5).Coalesce(2)); len(parts) != 2 || !slices.Equal(flatten(parts), all) {
		t.Errorf("Coalesce(2): %v", parts)
	}
	// SortWithinPartitions orders each partition and nothing more.
	within := partitionsOf(t, ctx, df.Repartition(3).SortWithinPartitions(connect.Col("v").Desc()))
	for p, vs := range within {
		if !slices.IsSortedFunc(vs, func(a, b int64) int { return int(b - a) }) {
			t.Errorf("SortWithinPartitions: partition %d is %v", p, vs)
		}
	}
	if !slices.Equal(flatten(within), all) {
		t.Errorf("SortWithinPartitions lost rows: %v", flatten(within))
	}
	want := slices.Clone(all)
	slices.Reverse(want)
	if got := dfbInts(t, ctx, df.Sort(connect.Col("v").Desc())); !slices.Equal(got, want) {
		t.Errorf("Sort desc: %v", got)
	}
}

func TestBatchSampling(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	const n = 2000
	df := s.Range(0, n, 1).Select(connect.Col("id").Alias("v"))
	all := dfbInts(t, ctx, df)

	first := dfbSorted(dfbInts(t, ctx, df.Sample(0.3, connect.WithSeed(7))))
	again := dfbSorted(dfbInts(t, ctx, df.Sample(0.3, connect.WithSeed(7))))
	if !slices.Equal(first, again) {
		t.Errorf("Sample with the same seed differs: %d and %d rows", len(first), len(again))
	}
	if len(first) < n*0.3*0.8 || len(first) > n*0.3*1.2 {
		t.Errorf("Sample(0.3): %d of %d rows", len(first), n)
	}
	if len(slices.Compact(slices.Clone(first))) != len(first) {
		t.Error("Sample without replacement repeated a row")
	}
	other := dfbSorted(dfbInts(t, ctx, df.Sample(0.3, connect.WithSeed(8))))
	if slices.Equal(first, other) {
		t.Error("Samples with different seeds are the same")
	}
	with := dfbSorted(dfbInts(t, ctx, df.Sample(1.5, connect.WithReplacement(), connect.WithSeed(3))))
	if len(with) < n*1.5*0.8 || len(with) > n*1.5*1.2 || len(slices.Compact(slices.Clone(with))) == len(with) {
		t.Errorf("Sample(1.5, with replacement): %d rows, %d distinct", len(with), len(slices.Compact(slices.Clone(with))))
	}
	if got := dfbInts(t, ctx, df.Sample(0)); len(got) != 0 {
		t.Errorf("Sample(0): %d rows", len(got))
	}
	if got := dfbInts(t, ctx, df.Sample(0.5)); len(got) == 0 || len(got) == n {
		t.Errorf("Sample(0.5) without a seed: %d rows", len(got))
	}

	// SampleBy: stratum 0 whole, 1 none, 2 about half, 3 (not listed) none.
	strat := df.WithColumn("k", connect.Col("v").Mod(4))
	byK := map[int64][]int64{}
	for _, r := range dfbValues(t, ctx, strat.SampleBy(connect.Col("k"), map[any]float64{int64(0): 1, int64(1): 0, int64(2): 0.5}, connect.WithSeed(11))) {
		byK[r[1].(int64)] = append(byK[r[1].(int64)], r[0].(int64))
	}
	if len(byK[0]) != n/4 || len(byK[1]) != 0 || len(byK[3]) != 0 || len(byK[2]) < n/8*8/10 || len(byK[2]) > n/8*12/10 {
		t.Errorf("SampleBy: strata sizes 0:%d 1:%d 2:%d 3:%d", len(byK[0]), len(byK[1]), len(byK[2]), len(byK[3]))
	}
	for _, v := range byK[2] {
		if v%4 != 2 {
			t.Errorf("SampleBy: %d in stratum 2", v)
		}
	}

	// RandomSplit: disjoint parts that cover every row, repeatable with the seed.
	weights := []float64{1, 2, 3}
	split := func(seed int64) [][]int64 {
		var out [][]int64
		for _, p := range df.RandomSplit(weights, seed) {
			out = append(out, dfbSorted(dfbInts(t, ctx, p)))
		}
		return out
	}
	parts := split(42)
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var union []int64
	for i, p := range parts {
		union = append(union, p...)
		want := float64(n) * weights[i] / 6
		if float64(len(p)) < want*0.75 || float64(len(p)) > want*1.25 {
			t.Errorf("RandomSplit part %d: %d rows, want about %.0f", i, len(p), want)
		}
	}
	if !slices.Equal(dfbSorted(union), dfbSorted(all)) {
		t.Errorf("RandomSplit: the parts hold %d rows (%d distinct), not each of the %d once", len(union), len(slices.Compact(dfbSorted(union))), n)
	}
	if again := split(42); !reflect.DeepEqual(parts, again) {
		t.Error("RandomSplit with the same seed differs")
	}
	if bad := df.RandomSplit([]float64{1, -1}, 1); len(bad) != 2 || bad[0].Err() == nil {
		t.Errorf("RandomSplit with a negative weight: %v", bad[0].Err())
	}

	ordered := df.OrderBy(connect.Col("v"))
	if got := dfbInts(t, ctx, ordered.Offset(n-3)); !slices.Equal(got, all[n-3:]) {
		t.Errorf("Offset: %v", got)
	}
	if got := dfbInts(t, ctx, ordered.Offset(5).Limit(2)); !slices.Equal(got, all[5:7]) {
		t.Errorf("Offset then Limit: %v", got)
	}
	tail, err := ordered.Tail(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	var tv []int64
	for _, r := range tail {
		tv = append(tv, r.Value(0).(int64))
	}
	if !slices.Equal(tv, all[n-4:]) {
		t.Errorf("Tail(4): %v", tv)
	}
}

func TestBatchUnpivot(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	schema := types.Struct(types.Field("id", types.Long), types.Field("a", types.Long), types.Field("b", types.Long))
	in := [][]any{{int64(1), int64(10), int64(100)}, {int64(2), int64(20), nil}}
	df := s.CreateDataFrameFromRows(schema, in)
	var want [][]any
	for _, r := range in {
		want = append(want, []any{r[0], "a", r[1]}, []any{r[0], "b", r[2]})
	}
	for name, got := range map[string]*connect.DataFrame{
		"Unpivot":          df.Unpivot([]connect.Column{connect.Col("id")}, []connect.Column{connect.Col("a"), connect.Col("b")}, "var", "val"),
		"Unpivot implicit": df.Unpivot([]connect.Column{connect.Col("id")}, nil, "var", "val"),
		"Melt":             df.Melt([]connect.Column{connect.Col("id")}, nil, "var", "val"),
	} {
		rows := dfbValues(t, ctx, got.OrderBy(connect.Col("id"), connect.Col("var")))
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("%s: %v, want %v", name, rows, want)
		}
		if cols, err := got.Columns(ctx); err != nil || !slices.Equal(cols, []string{"id", "var", "val"}) {
			t.Errorf("%s columns: %v %v", name, cols, err)
		}
	}
}

func TestBatchNa(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	schema := types.Struct(types.Field("id", types.Long), types.Field("x", types.Double), types.Field("s", types.String), types.Field("b", types.Boolean))
	in := [][]any{
		{int64(1), 1.5, "a", true},
		{int64(2), nil, "b", nil},
		{int64(3), math.NaN(), nil, false},
		{int64(4), nil, nil, nil},
		{nil, nil, nil, nil},
	}
	df := s.CreateDataFrameFromRows(schema, in)
	missing := func(v any) bool {
		f, ok := v.(float64)
		return v == nil || ok && math.IsNaN(f)
	}
	// expect applies f to a copy of every input row, keeping those for which it is true.
	expect := func(f func(r []any) bool) [][]any {
		var out [][]any
		for _, r := range in {
			c := slices.Clone(r)
			if f(c) {
				out = append(out, c)
			}
		}
		return out
	}
	nonMissing := func(r []any, cols ...int) int {
		n := 0
		for _, c := range cols {
			if !missing(r[c]) {
				n++
			}
		}
		return n
	}
	sortByID := func(rows [][]any) [][]any {
		sort.SliceStable(rows, func(i, j int) bool {
			a, aok := rows[i][0].(int64)
			b, bok := rows[j][0].(int64)
			return aok && (!bok || a < b)
		})
		return rows
	}
	same := func(a, b [][]any) bool { return fmt.Sprint(a) == fmt.Sprint(b) } // NaN != NaN for DeepEqual
	for _, tc := range []struct {
		name string
		df   *connect.DataFrame
		want [][]any
	}{
		{"FillNa number", df.FillNa(0), expect(func(r []any) bool {
			if r[0] == nil {
				r[0] = int64(0)
			}
			if missing(r[1]) {
				r[1] = 0.0
			}
			return true
		})},
		{"FillNa string", df.FillNa("z"), expect(func(r []any) bool {
			if r[2] == nil {
				r[2] = "z"
			}
			return true
		})},
		{"FillNa bool, one column", df.Na().Fill(true, "b"), expect(func(r []any) bool {
			if r[3] == nil {
				r[3] = true
			}
			return true
		})},
		{"FillNa number, one column", df.FillNa(9.5, "x"), expect(func(r []any) bool {
			if missing(r[1]) {
				r[1] = 9.5
			}
			return true
		})},
		{"FillMap", df.Na().FillMap(map[string]any{"x": -1, "s": "?"}), expect(func(r []any) bool {
			if missing(r[1]) {
				r[1] = -1.0
			}
			if r[2] == nil {
				r[2] = "?"
			}
			return true
		})},
		{"DropNa any", df.DropNa(connect.NaAny), expect(func(r []any) bool { return nonMissing(r, 0, 1, 2, 3) == 4 })},
		{"DropNa all", df.DropNa(connect.NaAll), expect(func(r []any) bool { return nonMissing(r, 0, 1, 2, 3) > 0 })},
		{"DropNa any of x, s", df.Na().Drop(connect.NaAny, "x", "s"), expect(func(r []any) bool { return nonMissing(r, 1, 2) == 2 })},
		{"DropNa all of x, s", df.Na().Drop(connect.NaAll, "x", "s"), expect(func(r []any) bool { return nonMissing(r, 1, 2) > 0 })},
		{"DropThresh 3", df.Na().DropThresh(3), expect(func(r []any) bool { return nonMissing(r, 0, 1, 2, 3) >= 3 })},
		{"DropThresh 1 of b, s", df.Na().DropThresh(1, "b", "s"), expect(func(r []any) bool { return nonMissing(r, 2, 3) >= 1 })},
		{"Replace strings", df.Replace(map[any]any{"a": "A", "b": nil}), expect(func(r []any) bool {
			switch r[2] {
			case "a":
				r[2] = "A"
			case "b":
				r[2] = nil
			}
			return true
		})},
		{"Replace numbers in x", df.Na().Replace(map[any]any{1.5: 2, 3: 30}, "x"), expect(func(r []any) bool {
			if r[1] == 1.5 {
				r[1] = 2.0
			}
			return true
		})},
		{"Replace numbers everywhere", df.Replace(map[any]any{1: 100}), expect(func(r []any) bool {
			if r[0] == int64(1) {
				r[0] = int64(100)
			}
			return true
		})},
		{"Replace bools", df.Replace(map[any]any{true: false}), expect(func(r []any) bool {
			if r[3] == true {
				r[3] = false
			}
			return true
		})},
	} {
		got := sortByID(dfbValues(t, ctx, tc.df))
		if want := sortByID(tc.want); !same(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, want)
		}
	}
	if err := df.Replace(map[any]any{"a": 1}).Err(); err == nil {
		t.Error("Replace with mixed types has no error")
	}
}

func TestBatchStat(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	var xs, ys []float64
	var rows [][]any
	colors := []string{"red", "red", "blue", "red", "green", "red", "blue", "red", "red", "blue"}
	sizes := []string{"S", "M", "S", "S", "L", "M", "M", "S", "L", "S"}
	for i := range 10 {
		x := float64(i + 1)
		y := 3*x + float64((i*7)%5) - 2
		xs, ys = append(xs, x), append(ys, y)
		rows = append(rows, []any{x, y, colors[i], sizes[i]})
	}
	schema := types.Struct(types.Field("x", types.Double), types.Field("y", types.Double), types.Field("color", types.String), types.Field("size", types.String))
	df := s.CreateDataFrameFromRows(schema, rows)

	mean := func(v []float64) float64 {
		var sum float64
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	}
	cov := func(a, b []float64) float64 {
		ma, mb := mean(a), mean(b)
		var sum float64
		for i := range a {
			sum += (a[i] - ma) * (b[i] - mb)
		}
		return sum / float64(len(a)-1)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

	if got, err := df.Cov(ctx, "x", "y"); err != nil || !near(got, cov(xs, ys)) {
		t.Errorf("Cov: %v %v, want %v", got, err, cov(xs, ys))
	}
	wantCorr := cov(xs, ys) / math.Sqrt(cov(xs, xs)*cov(ys, ys))
	if got, err := df.Stat().Corr(ctx, "x", "y"); err != nil || !near(got, wantCorr) {
		t.Errorf("Corr: %v %v, want %v", got, err, wantCorr)
	}

	// With a relative error of 0 the quantiles are exact: the value of rank ceil(p*n).
	probs := []float64{0, 0.25, 0.5, 0.9, 1}
	exact := func(v []float64) []float64 {
		v = slices.Sorted(slices.Values(v))
		out := make([]float64, len(probs))
		for i, p := range probs {
			out[i] = v[max(int(math.Ceil(p*float64(len(v))))-1, 0)]
		}
		return out
	}
	q, err := df.ApproxQuantile(ctx, []string{"x", "y"}, probs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{exact(xs), exact(ys)}; !reflect.DeepEqual(q, want) {
		t.Errorf("ApproxQuantile: %v, want %v", q, want)
	}

	// Describe and Summary: strings, one row per statistic.
	stats := func(df *connect.DataFrame) map[string][]string {
		out := map[string][]string{}
		for _, r := range dfbValues(t, ctx, df) {
			var vals []string
			for _, v := range r[1:] {
				vals = append(vals, fmt.Sprint(v))
			}
			out[r[0].(string)] = vals
		}
		return out
	}
	stddev := func(v []float64) float64 { return math.Sqrt(cov(v, v)) }
	checkNum := func(what, got string, want float64) {
		t.Helper()
		f, err := strconv.ParseFloat(got, 64)
		if err != nil || !near(f, want) {
			t.Errorf("%s: %q, want %v", what, got, want)
		}
	}
	d := stats(df.Describe("x", "y"))
	for i, v := range [][]float64{xs, ys} {
		checkNum("describe count", d["count"][i], float64(len(v)))
		checkNum("describe mean", d["mean"][i], mean(v))
		checkNum("describe stddev", d["stddev"][i], stddev(v))
		checkNum("describe min", d["min"][i], slices.Min(v))
		checkNum("describe max", d["max"][i], slices.Max(v))
	}
	if all := stats(df.Describe()); len(all["count"]) != 4 {
		t.Errorf("Describe(): %v", all)
	}
	sm := stats(df.Select(connect.Col("x")).Summary("count", "min", "50%", "max"))
	if len(sm) != 4 {
		t.Errorf("Summary: %v", sm)
	}
	checkNum("summary count", sm["count"][0], 10)
	checkNum("summary min", sm["min"][0], slices.Min(xs))
	checkNum("summary 50%", sm["50%"][0], exact(xs)[2])
	checkNum("summary max", sm["max"][0], slices.Max(xs))
	if def := stats(df.Select(connect.Col("x")).Summary()); len(def) != 8 {
		t.Errorf("Summary(): %d statistics", len(def))
	}

	// CrossTab: counts of every (color, size) pair.
	want := map[string]map[string]int64{}
	for i := range colors {
		if want[colors[i]] == nil {
			want[colors[i]] = map[string]int64{}
		}
		want[colors[i]][sizes[i]]++
	}
	ct := df.CrossTab("color", "size")
	cols, err := ct.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cols[0] != "color_size" || len(cols) != 4 {
		t.Errorf("CrossTab columns %v", cols)
	}
	for _, r := range dfbValues(t, ctx, ct) {
		for i, c := range cols[1:] {
			if r[i+1] != want[r[0].(string)][c] {
				t.Errorf("CrossTab %v/%s: %v, want %d", r[0], c, r[i+1], want[r[0].(string)][c])
			}
		}
	}
	// FreqItems: red is in 6 of 10 rows, more than the support of 40%.
	fi := dfbValues(t, ctx, df.FreqItems([]string{"color"}, 0.4))
	if len(fi) != 1 || !slices.Contains(fi[0][0].([]any), any("red")) {
		t.Errorf("FreqItems: %v", fi)
	}
	if cols, err := df.Stat().FreqItems([]string{"color", "size"}, 0).Columns(ctx); err != nil || !slices.Equal(cols, []string{"color_freqItems", "size_freqItems"}) {
		t.Errorf("FreqItems columns: %v %v", cols, err)
	}
}

func TestBatchActions(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	df := s.Range(0, 10, 1)
	ordered := df.OrderBy(connect.Col("id").Desc())

	first, err := ordered.First(ctx)
	if err != nil || first.Value(0) != int64(9) {
		t.Errorf("First: %v %v", first, err)
	}
	if _, err := df.Filter(connect.Lit(false)).First(ctx); !errors.Is(err, connect.ErrNoRows) {
		t.Errorf("First of nothing: %v", err)
	}
	for name, f := range map[string]func(context.Context, int) ([]connect.Row, error){"Head": ordered.Head, "Take": ordered.Take} {
		rows, err := f(ctx, 3)
		if err != nil || len(rows) != 3 || rows[0].Value(0) != int64(9) || rows[2].Value(0) != int64(7) {
			t.Errorf("%s(3): %v %v", name, rows, err)
		}
	}
	if rows, err := df.Head(ctx, 50); err != nil || len(rows) != 10 {
		t.Errorf("Head(50): %d rows, %v", len(rows), err)
	}
	if e, err := df.IsEmpty(ctx); err != nil || e {
		t.Errorf("IsEmpty: %v %v", e, err)
	}
	if e, err := df.Filter(connect.Col("id").Gt(100)).IsEmpty(ctx); err != nil || !e {
		t.Errorf("IsEmpty of nothing: %v %v", e, err)
	}

	local := dfbIntsDF(s, 1, 2)
	if l, err := local.IsLocal(ctx); err != nil || !l {
		t.Errorf("IsLocal of local data: %v %v", l, err)
	}
	if l, err := df.IsLocal(ctx); err != nil || l {
		t.Errorf("IsLocal of a range: %v %v", l, err)
	}

	a, b := df.Filter(connect.Col("id").Gt(3)), df.Filter(connect.Col("id").Gt(3))
	if same, err := a.SameSemantics(ctx, b); err != nil || !same {
		t.Errorf("SameSemantics of equal plans: %v %v", same, err)
	}
	if same, err := a.SameSemantics(ctx, df.Filter(connect.Col("id").Gt(4))); err != nil || same {
		t.Errorf("SameSemantics of different plans: %v %v", same, err)
	}
	ha, err1 := a.SemanticHash(ctx)
	hb, err2 := b.SemanticHash(ctx)
	if err1 != nil || err2 != nil || ha != hb {
		t.Errorf("SemanticHash: %d %d %v %v", ha, hb, err1, err2)
	}

	dir := fmt.Sprintf("/tmp/dfb_input_files_%d", time.Now().UnixNano())
	if _, err := s.SQL(ctx, fmt.Sprintf("INSERT OVERWRITE DIRECTORY '%s' USING parquet SELECT id FROM range(0, 20, 1, 2)", dir)); err != nil {
		t.Fatal(err)
	}
	files, err := s.Read().Format("parquet").Load(dir).InputFiles(ctx)
	if err != nil || len(files) == 0 {
		t.Errorf("InputFiles: %v %v", files, err)
	}
	for _, f := range files {
		if !strings.Contains(f, dir) || !strings.HasSuffix(f, ".parquet") {
			t.Errorf("InputFiles: %q", f)
		}
	}
	// The hidden _metadata column of the file source names the same files (Spark writes
	// their URIs differently there: file:/tmp/... against InputFiles' file:///tmp/...).
	parquet := s.Read().Format("parquet").Load(dir)
	named := map[string]bool{}
	for _, r := range dfbValues(t, ctx, parquet.Select(parquet.MetadataColumn("_metadata").GetField("file_name"))) {
		named[r[0].(string)] = true
	}
	if len(named) != len(files) {
		t.Errorf("MetadataColumn names %d files, InputFiles %d", len(named), len(files))
	}
	for _, f := range files {
		if !named[path.Base(f)] {
			t.Errorf("MetadataColumn does not name %s (names %v)", f, named)
		}
	}
	if cols, err := parquet.Columns(ctx); err != nil || !slices.Equal(cols, []string{"id"}) {
		t.Errorf("the metadata column is hidden, yet columns are %v %v", cols, err)
	}
	if files, err := df.InputFiles(ctx); err != nil || len(files) != 0 {
		t.Errorf("InputFiles of a range: %v %v", files, err)
	}

	typed, err := s.SQL(ctx, `SELECT 1L AS id, cast(2.5 AS decimal(10,2)) AS price, array('a') AS tags,
		map('k', 1) AS m, named_struct('x', 1, 'y', 'z') AS st`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := typed.Columns(ctx)
	if err != nil || !slices.Equal(cols, []string{"id", "price", "tags", "m", "st"}) {
		t.Errorf("Columns: %v %v", cols, err)
	}
	dt, err := typed.DTypes(ctx)
	wantDT := []connect.ColumnType{{Name: "id", Type: "bigint"}, {Name: "price", Type: "decimal(10,2)"}, {Name: "tags", Type: "array<string>"},
		{Name: "m", Type: "map<string,int>"}, {Name: "st", Type: "struct<x:int,y:string>"}}
	if err != nil || !slices.Equal(dt, wantDT) {
		t.Errorf("DTypes: %v %v", dt, err)
	}
	tree, err := typed.PrintSchema(ctx)
	wantTree := "root\n" +
		" |-- id: long (nullable = false)\n" +
		" |-- price: decimal(10,2) (nullable = false)\n" +
		" |-- tags: array (nullable = false)\n" +
		" |    |-- element: string (containsNull = false)\n" +
		" |-- m: map (nullable = false)\n" +
		" |    |-- key: string\n" +
		" |    |-- value: integer (valueContainsNull = false)\n" +
		" |-- st: struct (nullable = false)\n" +
		" |    |-- x: integer (nullable = false)\n" +
		" |    |-- y: string (nullable = false)\n"
	if err != nil || tree != wantTree {
		t.Errorf("PrintSchema: %v\n%s\nwant\n%s", err, tree, wantTree)
	}
	top, err := typed.TreeString(ctx, 1)
	if err != nil || strings.Contains(top, "element") || !strings.Contains(top, "|-- st: struct") {
		t.Errorf("TreeString(1): %v\n%s", err, top)
	}
}

func TestBatchProjection(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	schema := types.Struct(types.Field("id", types.Long), types.Field("name_a", types.String), types.Field("name_b", types.String), types.Field("n", types.Integer))
	in := [][]any{{int64(1), "x", "p", int32(10)}, {int64(2), "y", "q", int32(20)}}
	df := s.CreateDataFrameFromRows(schema, in)
	ctxCols := func(df *connect.DataFrame) []string {
		t.Helper()
		c, err := df.Columns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	if got := ctxCols(df.ToDF("a", "b", "c", "d")); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("ToDF: %v", got)
	}
	if err := df.ToDF("a").Err(); err != nil {
		t.Errorf("ToDF is lazy, yet has an error: %v", err)
	}
	if _, err := df.ToDF("a").Columns(ctx); err == nil {
		t.Error("ToDF with too few names worked")
	}

	renamed := df.WithColumnsRenamed(map[string]string{"id": "key", "n": "count", "missing": "x"})
	if got := ctxCols(renamed); !slices.Equal(got, []string{"key", "name_a", "name_b", "count"}) {
		t.Errorf("WithColumnsRenamed: %v", got)
	}

	// To: reorder, drop, widen and carry metadata.
	target := types.Struct(types.StructField{Name: "n", Type: types.Long, Nullable: true, Metadata: `{"unit":"items"}`}, types.Field("id", types.Long))
	to := df.To(target)
	st, err := to.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.DDL() != "struct<n:bigint,id:bigint>" || st.Fields[0].Metadata != `{"unit":"items"}` {
		t.Errorf("To: %s, metadata %q", st.DDL(), st.Fields[0].Metadata)
	}
	var want [][]any
	for _, r := range in {
		want = append(want, []any{int64(r[3].(int32)), r[0]})
	}
	if got := dfbValues(t, ctx, to.OrderBy(connect.Col("id"))); !reflect.DeepEqual(got, want) {
		t.Errorf("To rows: %v, want %v", got, want)
	}

	md, err := df.WithMetadata("n", map[string]any{"unit": "items", "scale": 2}).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if i := md.FieldIndex("n"); i < 0 || json.Unmarshal([]byte(md.Fields[i].Metadata), &meta) != nil ||
		!reflect.DeepEqual(meta, map[string]any{"unit": "items", "scale": 2.0}) {
		t.Errorf("WithMetadata: %+v", md.Fields)
	}

	if got := ctxCols(df.Select(df.ColRegex("`name_.*`"))); !slices.Equal(got, []string{"name_a", "name_b"}) {
		t.Errorf("ColRegex: %v", got)
	}

	double := func(d *connect.DataFrame) *connect.DataFrame { return d.WithColumn("n2", connect.Col("n").Multiply(2)) }
	onlyFirst := func(d *connect.DataFrame) *connect.DataFrame { return d.Filter(connect.Col("id").Eq(1)) }
	got := dfbValues(t, ctx, df.Transform(double).Transform(onlyFirst).Select(connect.Col("n2")))
	if len(got) != 1 || got[0][0] != int64(in[0][3].(int32))*2 { // n * 2L is a bigint
		t.Errorf("Transform: %v", got)
	}

	// DropColumns by Column, telling apart the two sides of a join.
	other := s.CreateDataFrameFromRows(types.Struct(types.Field("id", types.Long), types.Field("n", types.Integer)), [][]any{{int64(1), int32(7)}})
	joined := df.Join(other, df.Col("id").Eq(other.Col("id")), connect.InnerJoin).DropColumns(other.Col("id"), other.Col("n"))
	if got := ctxCols(joined); !slices.Equal(got, []string{"id", "name_a", "name_b", "n"}) {
		t.Errorf("DropColumns: %v", got)
	}
	if got := dfbValues(t, ctx, joined.Select(connect.Col("n"))); len(got) != 1 || got[0][0] != int32(10) {
		t.Errorf("DropColumns kept the wrong n: %v", got)
	}

	// Transpose: the values of the index column become columns.
	tr := df.Select(connect.Col("name_a"), connect.Col("id"), connect.Col("n").Cast("bigint").Alias("n")).Transpose(connect.Col("name_a"))
	if got := ctxCols(tr); !slices.Equal(got, []string{"key", "x", "y"}) {
		t.Errorf("Transpose columns: %v", got)
	}
	wantT := [][]any{{"id", in[0][0], in[1][0]}, {"n", int64(in[0][3].(int32)), int64(in[1][3].(int32))}}
	if got := dfbValues(t, ctx, tr.OrderBy(connect.Col("key"))); !reflect.DeepEqual(got, wantT) {
		t.Errorf("Transpose: %v, want %v", got, wantT)
	}
	if got := ctxCols(df.Select(connect.Col("name_b"), connect.Col("id")).Transpose()); !slices.Equal(got, []string{"key", "p", "q"}) {
		t.Errorf("Transpose by the first column: %v", got)
	}
}
