package tests

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// sale is one row of the grouping tests' input.
type sale struct {
	region, product string
	qty             int64
	price           float64
}

var sales = []sale{
	{"east", "apple", 3, 1.5}, {"east", "pear", 5, 2.25}, {"east", "apple", 4, 1.25},
	{"west", "apple", 7, 1.0}, {"west", "plum", 2, 3.5}, {"north", "pear", 1, 2.0},
}

func salesDF(s *connect.Session) *connect.DataFrame {
	schema := types.Struct(types.Field("region", types.String), types.Field("product", types.String),
		types.Field("qty", types.Long), types.Field("price", types.Double))
	rows := make([][]any, len(sales))
	for i, r := range sales {
		rows[i] = []any{r.region, r.product, r.qty, r.price}
	}
	return s.CreateDataFrameFromRows(schema, rows)
}

// resultRows runs df and returns its rows as maps from column name to value, and the
// column names.
func resultRows(t *testing.T, ctx context.Context, df *connect.DataFrame) ([]map[string]any, []string) {
	t.Helper()
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var names []string
	for _, r := range rows {
		names = r.Names()
		m := map[string]any{}
		for i, n := range r.Names() {
			m[n] = r.Value(i)
		}
		out = append(out, m)
	}
	return out, names
}

// keyOf renders the values of the named columns of a row, NULL as "<nil>".
func keyOf(r map[string]any, cols ...string) string {
	k := ""
	for _, c := range cols {
		k += fmt.Sprintf("%v|", r[c])
	}
	return k
}

func checkSums(t *testing.T, what string, rows []map[string]any, keys []string, col string, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, r := range rows {
		v, ok := r[col].(int64)
		if !ok {
			t.Fatalf("%s: %s = %T %v", what, col, r[col], r[col])
		}
		got[keyOf(r, keys...)] = v
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// sumsBy sums qty over the sales, per key built from the chosen fields (nil: rolled up).
func sumsBy(keys ...func(sale) any) map[string]int64 {
	out := map[string]int64{}
	for _, s := range sales {
		k := ""
		for _, f := range keys {
			k += fmt.Sprintf("%v|", f(s))
		}
		out[k] += s.qty
	}
	return out
}

var (
	byRegion  = func(s sale) any { return s.region }
	byProduct = func(s sale) any { return s.product }
	rolledUp  = func(sale) any { return nil }
)

func merge(ms ...map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestBatchGroupingSets(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	df := salesDF(s)
	q := connect.CallFunction("sum", connect.Col("qty")).Alias("q")
	keys := []string{"region", "product"}

	t.Run("Agg", func(t *testing.T) {
		rows, _ := resultRows(t, ctx, df.Agg(q, connect.CallFunction("count", connect.Lit(1)).Alias("n")))
		checkSums(t, "Agg", rows, nil, "q", sumsBy())
		if len(rows) != 1 || rows[0]["n"] != int64(len(sales)) {
			t.Errorf("Agg rows %v", rows)
		}
	})
	t.Run("Rollup", func(t *testing.T) {
		rows, _ := resultRows(t, ctx, df.Rollup(connect.Col("region"), connect.Col("product")).Agg(q))
		checkSums(t, "Rollup", rows, keys, "q", merge(sumsBy(byRegion, byProduct), sumsBy(byRegion, rolledUp), sumsBy(rolledUp, rolledUp)))
	})
	t.Run("Cube", func(t *testing.T) {
		rows, _ := resultRows(t, ctx, df.Cube(connect.Col("region"), connect.Col("product")).Agg(q))
		checkSums(t, "Cube", rows, keys, "q", merge(sumsBy(byRegion, byProduct), sumsBy(byRegion, rolledUp),
			sumsBy(rolledUp, byProduct), sumsBy(rolledUp, rolledUp)))
	})
	t.Run("GroupingSets", func(t *testing.T) {
		r, p := connect.Col("region"), connect.Col("product")
		rows, _ := resultRows(t, ctx, df.GroupingSets([][]connect.Column{{r}, {p}, {}}, r, p).Agg(q))
		checkSums(t, "GroupingSets", rows, keys, "q", merge(sumsBy(byRegion, rolledUp), sumsBy(rolledUp, byProduct), sumsBy(rolledUp, rolledUp)))
	})
	t.Run("Rollup Count", func(t *testing.T) {
		rows, _ := resultRows(t, ctx, df.Rollup(connect.Col("region")).Count())
		want := map[string]int64{"<nil>|": int64(len(sales))}
		for _, s := range sales {
			want[s.region+"|"]++
		}
		checkSums(t, "Rollup Count", rows, []string{"region"}, "count", want)
	})
}

func TestBatchGroupingPivot(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	df := salesDF(s)
	// cells[region][product] = sum of qty, present only where rows exist.
	cells := map[string]map[string]int64{}
	for _, s := range sales {
		if cells[s.region] == nil {
			cells[s.region] = map[string]int64{}
		}
		cells[s.region][s.product] += s.qty
	}
	check := func(t *testing.T, rows []map[string]any, names []string, products []string) {
		t.Helper()
		if want := append([]string{"region"}, products...); !reflect.DeepEqual(names, want) {
			t.Fatalf("columns %v, want %v", names, want)
		}
		if len(rows) != len(cells) {
			t.Fatalf("%d rows, want %d", len(rows), len(cells))
		}
		for _, r := range rows {
			region := r["region"].(string)
			for _, p := range products {
				want, ok := cells[region][p]
				if got := r[p]; (!ok && got != nil) || (ok && got != want) {
					t.Errorf("cell (%s, %s) = %v, want %v (present %t)", region, p, got, want, ok)
				}
			}
		}
	}
	t.Run("values", func(t *testing.T) {
		products := []string{"plum", "apple"} // an order of our own, and not every product
		rows, names := resultRows(t, ctx, df.GroupBy(connect.Col("region")).Pivot(connect.Col("product"), "plum", "apple").Sum("qty"))
		check(t, rows, names, products)
	})
	t.Run("no values", func(t *testing.T) {
		var products []string
		seen := map[string]bool{}
		for _, s := range sales {
			if !seen[s.product] {
				seen[s.product] = true
				products = append(products, s.product)
			}
		}
		sort.Strings(products) // the server sorts the distinct values
		rows, names := resultRows(t, ctx, df.GroupBy(connect.Col("region")).Pivot(connect.Col("product")).Sum("qty"))
		check(t, rows, names, products)
	})
}

func TestBatchGroupingNumericColumns(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	df := salesDF(s)
	type agg struct {
		sumQ, minQ, maxQ, n int64
		sumP, minP, maxP    float64
	}
	per := map[string]*agg{}
	for _, s := range sales {
		a := per[s.region]
		if a == nil {
			a = &agg{minQ: math.MaxInt64, maxQ: math.MinInt64, minP: math.Inf(1), maxP: math.Inf(-1)}
			per[s.region] = a
		}
		a.n++
		a.sumQ += s.qty
		a.sumP += s.price
		a.minQ, a.maxQ = min(a.minQ, s.qty), max(a.maxQ, s.qty)
		a.minP, a.maxP = min(a.minP, s.price), max(a.maxP, s.price)
	}
	g := df.GroupBy(connect.Col("region"))
	cases := []struct {
		fn   string
		df   *connect.DataFrame
		want func(a *agg) (any, any)
	}{
		{"sum", g.Sum(), func(a *agg) (any, any) { return a.sumQ, a.sumP }},
		{"avg", g.Avg(), func(a *agg) (any, any) { return float64(a.sumQ) / float64(a.n), a.sumP / float64(a.n) }},
		{"avg", g.Mean(), func(a *agg) (any, any) { return float64(a.sumQ) / float64(a.n), a.sumP / float64(a.n) }},
		{"min", g.Min(), func(a *agg) (any, any) { return a.minQ, a.minP }},
		{"max", g.Max(), func(a *agg) (any, any) { return a.maxQ, a.maxP }},
	}
	for _, tc := range cases {
		t.Run(tc.fn, func(t *testing.T) {
			rows, names := resultRows(t, ctx, tc.df)
			qn, pn := tc.fn+"(qty)", tc.fn+"(price)"
			if want := []string{"region", qn, pn}; !reflect.DeepEqual(names, want) {
				t.Fatalf("columns %v, want %v", names, want)
			}
			if len(rows) != len(per) {
				t.Fatalf("%d rows, want %d", len(rows), len(per))
			}
			for _, r := range rows {
				wq, wp := tc.want(per[r["region"].(string)])
				if !approxEq(r[qn], wq) || !approxEq(r[pn], wp) {
					t.Errorf("%s: got (%v, %v), want (%v, %v)", r["region"], r[qn], r[pn], wq, wp)
				}
			}
		})
	}
	t.Run("schema", func(t *testing.T) {
		st, err := df.GroupBy().Sum().Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Names(); !reflect.DeepEqual(got, []string{"sum(qty)", "sum(price)"}) {
			t.Errorf("schema names %v", got)
		}
	})
}

// approxEq compares results: exactly for integers, to 1e-9 for doubles.
func approxEq(got, want any) bool {
	if w, ok := want.(float64); ok {
		g, ok := got.(float64)
		return ok && math.Abs(g-w) < 1e-9
	}
	return got == want
}
