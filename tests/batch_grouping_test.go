package tests

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
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

func TestBatchColumnMethods(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	type in struct {
		s string
		n int64
		x float64
	}
	inputs := []in{{"Apple pie", 1, 1.5}, {"banana", 2, math.NaN()}, {"12", 3, -2}, {"cherry", 4, 0}, {"pineapple", 5, 8}}
	rows := make([][]any, len(inputs))
	for i, r := range inputs {
		rows[i] = []any{r.s, r.n, r.x}
	}
	df := s.CreateDataFrameFromRows(types.Struct(types.Field("s", types.String), types.Field("n", types.Long), types.Field("x", types.Double)), rows)
	st := connect.Expr("named_struct('a', n, 'b', struct(n * 2 AS c, 's' AS d))")
	c := connect.Col
	out := df.Select(c("s"), c("n"),
		c("n").Between(2, 4).Alias("between"),
		c("s").Contains("apple").Alias("contains"),
		c("s").StartsWith("ban").Alias("starts"),
		c("s").EndsWith(connect.Lit("pie")).Alias("ends"),
		c("s").RLike("^[a-z]+$").Alias("rlike"),
		c("s").ILike("%APPLE%").Alias("ilike"),
		c("s").Substr(2, 3).Alias("substr"),
		c("x").IsNaN().Alias("nan"),
		c("s").TryCast("int").Alias("trycast"),
		c("n").BitwiseAND(3).Alias("and"),
		c("n").BitwiseOR(4).Alias("or"),
		c("n").BitwiseXOR(5).Alias("xor"),
		c("n").Pow(2).Alias("pow"),
		connect.CallFunction("to_json", st.WithField("e", c("n").Plus(10)).WithField("b.d", connect.Lit("t"))).Alias("with"),
		connect.CallFunction("to_json", st.DropFields("a", "b.c")).Alias("drop"),
	).OrderBy(c("n"))
	got, _ := resultRows(t, ctx, out)
	if len(got) != len(inputs) {
		t.Fatalf("%d rows", len(got))
	}
	lower := func(s string) string { return strings.ToLower(s) }
	for i, r := range inputs {
		g := got[i]
		var trycast any
		if v, err := strconv.ParseInt(r.s, 10, 32); err == nil {
			trycast = int32(v)
		}
		runes := []rune(r.s)
		want := map[string]any{
			"s": r.s, "n": r.n,
			"between":  r.n >= 2 && r.n <= 4,
			"contains": strings.Contains(r.s, "apple"),
			"starts":   strings.HasPrefix(r.s, "ban"),
			"ends":     strings.HasSuffix(r.s, "pie"),
			"rlike":    regexp.MustCompile(`^[a-z]+$`).MatchString(r.s),
			"ilike":    strings.Contains(lower(r.s), "apple"),
			"substr":   string(runes[min(1, len(runes)):min(4, len(runes))]),
			"nan":      math.IsNaN(r.x),
			"trycast":  trycast,
			"and":      r.n & 3, "or": r.n | 4, "xor": r.n ^ 5,
			"pow":  math.Pow(float64(r.n), 2),
			"with": fmt.Sprintf(`{"a":%d,"b":{"c":%d,"d":"t"},"e":%d}`, r.n, 2*r.n, r.n+10),
			"drop": `{"b":{"d":"s"}}`,
		}
		for k, w := range want {
			if !reflect.DeepEqual(g[k], w) {
				t.Errorf("row %d %s = %#v, want %#v", i, k, g[k], w)
			}
		}
	}
}

// staff is the input of the window tests.
type staff struct {
	dept, name string
	salary     int64
}

var team = []staff{
	{"eng", "ann", 120}, {"eng", "bob", 100}, {"eng", "cid", 120}, {"eng", "dee", 90},
	{"ops", "eve", 80}, {"ops", "fay", 95}, {"hr", "gus", 70},
}

func TestBatchWindows(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	rows := make([][]any, len(team))
	for i, r := range team {
		rows[i] = []any{r.dept, r.name, r.salary}
	}
	df := s.CreateDataFrameFromRows(types.Struct(types.Field("dept", types.String), types.Field("name", types.String), types.Field("salary", types.Long)), rows)
	c := connect.Col
	byDept := connect.Window().PartitionBy(c("dept"))
	ordered := byDept.OrderBy(c("salary").Desc(), c("name"))
	bySalary := byDept.OrderBy(c("salary"))
	out := df.Select(c("dept"), c("name"), c("salary"),
		connect.CallFunction("row_number").Over(ordered).Alias("rn"),
		connect.CallFunction("rank").Over(byDept.OrderBy(c("salary").Desc())).Alias("rank"),
		connect.CallFunction("dense_rank").Over(byDept.OrderBy(c("salary").Desc())).Alias("dense"),
		connect.CallFunction("sum", c("salary")).Over(ordered.RowsBetween(connect.UnboundedPreceding, connect.CurrentRow)).Alias("running"),
		connect.CallFunction("sum", c("salary")).Over(ordered.RowsBetween(-1, 1)).Alias("around"),
		connect.CallFunction("count", connect.Lit(1)).Over(bySalary.RangeBetween(-20, connect.CurrentRow)).Alias("within20"),
		connect.CallFunction("max", c("salary")).Over(byDept).Alias("top"),
		connect.CallFunction("lag", c("name"), connect.Lit(int32(1))).Over(ordered).Alias("prev"),
		connect.CallFunction("sum", c("salary")).Over(connect.Window().OrderBy(c("name")).RowsBetween(connect.CurrentRow, connect.UnboundedFollowing)).Alias("rest"),
	)
	got, _ := resultRows(t, ctx, out)
	if len(got) != len(team) {
		t.Fatalf("%d rows", len(got))
	}
	// Compute every value in Go: each department ordered by salary descending, then name.
	depts := map[string][]staff{}
	for _, r := range team {
		depts[r.dept] = append(depts[r.dept], r)
	}
	want := map[string]map[string]any{}
	for _, ms := range depts {
		sort.Slice(ms, func(i, j int) bool {
			if ms[i].salary != ms[j].salary {
				return ms[i].salary > ms[j].salary
			}
			return ms[i].name < ms[j].name
		})
		var running int64
		for i, m := range ms {
			running += m.salary
			around := m.salary
			if i > 0 {
				around += ms[i-1].salary
			}
			if i+1 < len(ms) {
				around += ms[i+1].salary
			}
			rank, dense := int32(1), int32(1)
			seen := map[int64]bool{}
			var within, top int64
			for _, o := range ms {
				if o.salary > m.salary {
					rank++
					if !seen[o.salary] {
						seen[o.salary] = true
						dense++
					}
				}
				if o.salary >= m.salary-20 && o.salary <= m.salary {
					within++
				}
				top = max(top, o.salary)
			}
			var prev any
			if i > 0 {
				prev = ms[i-1].name
			}
			want[m.name] = map[string]any{"rn": int32(i + 1), "rank": rank, "dense": dense, "running": running,
				"around": around, "within20": within, "top": top, "prev": prev}
		}
	}
	names := make([]staff, len(team))
	copy(names, team)
	sort.Slice(names, func(i, j int) bool { return names[i].name < names[j].name })
	var rest int64
	for i := len(names) - 1; i >= 0; i-- {
		rest += names[i].salary
		want[names[i].name]["rest"] = rest
	}
	for _, g := range got {
		w := want[g["name"].(string)]
		for k, v := range w {
			if !reflect.DeepEqual(g[k], v) {
				t.Errorf("%s %s = %#v, want %#v", g["name"], k, g[k], v)
			}
		}
	}
}

func TestBatchJoins(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	c := connect.Col
	left := s.CreateDataFrameFromRows(types.Struct(types.Field("id", types.Long), types.Field("tag", types.String)),
		[][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}})
	right := s.CreateDataFrameFromRows(types.Struct(types.Field("k", types.Long), types.Field("v", types.Long)),
		[][]any{{int64(1), int64(10)}, {int64(1), int64(11)}, {int64(3), int64(30)}, {int64(4), int64(40)}})

	t.Run("CrossJoin", func(t *testing.T) {
		got, names := resultRows(t, ctx, left.CrossJoin(right).OrderBy(c("id"), c("k"), c("v")))
		if !reflect.DeepEqual(names, []string{"id", "tag", "k", "v"}) || len(got) != 12 {
			t.Fatalf("columns %v, %d rows", names, len(got))
		}
		i := 0
		for _, l := range []int64{1, 2, 3} {
			for _, kv := range [][2]int64{{1, 10}, {1, 11}, {3, 30}, {4, 40}} {
				if g := got[i]; g["id"] != l || g["k"] != kv[0] || g["v"] != kv[1] {
					t.Errorf("row %d = %v", i, g)
				}
				i++
			}
		}
	})
	t.Run("Hint broadcast", func(t *testing.T) {
		joined := left.Join(right.Hint("broadcast"), left.Col("id").Eq(right.Col("k")), connect.InnerJoin)
		plan, err := joined.Explain(ctx, connect.ExplainExtended)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "strategy=broadcast") {
			t.Errorf("no broadcast hint in the plan:\n%s", plan)
		}
		got, _ := resultRows(t, ctx, joined.OrderBy(c("v")))
		want := [][2]int64{{1, 10}, {1, 11}, {3, 30}}
		if len(got) != len(want) {
			t.Fatalf("%d rows", len(got))
		}
		for i, w := range want {
			if got[i]["id"] != w[0] || got[i]["v"] != w[1] {
				t.Errorf("row %d = %v", i, got[i])
			}
		}
		// Hints with parameters reach the server too.
		n, err := left.Hint("coalesce", int32(1)).Count(ctx)
		if err != nil || n != 3 {
			t.Errorf("coalesce hint: %d, %v", n, err)
		}
	})
	t.Run("Hint on a stream-static join", func(t *testing.T) {
		stream := s.ReadStream().Format("rate").Option("rowsPerSecond", "1").Load()
		joined := stream.Join(right.Hint("broadcast"), stream.Col("value").Eq(right.Col("k")), connect.InnerJoin)
		plan, err := joined.Explain(ctx, connect.ExplainExtended)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "strategy=broadcast") {
			t.Errorf("no broadcast hint in the streaming plan:\n%s", plan)
		}
	})
	t.Run("LateralJoin", func(t *testing.T) {
		// For each left row, the sum of right's v with k = id, then the top value.
		sub := right.Alias("r").Where("r.k = l.id").Agg(connect.CallFunction("sum", c("r.v")).Alias("total"))
		got, _ := resultRows(t, ctx, left.Alias("l").LateralJoin(sub, connect.InnerJoin).OrderBy(c("id")))
		sums := map[int64]any{}
		for _, kv := range [][2]int64{{1, 10}, {1, 11}, {3, 30}, {4, 40}} {
			prev, _ := sums[kv[0]].(int64)
			sums[kv[0]] = prev + kv[1]
		}
		if len(got) != 3 {
			t.Fatalf("%d rows", len(got))
		}
		for _, g := range got {
			if g["total"] != sums[g["id"].(int64)] {
				t.Errorf("id %v: total %v, want %v", g["id"], g["total"], sums[g["id"].(int64)])
			}
		}
		// With an outer reference in a Column, a condition and a left join.
		sub2 := right.Alias("r").Filter(c("r.k").Eq(c("l.id").Outer())).Select(c("r.v"))
		got, _ = resultRows(t, ctx, left.Alias("l").LateralJoin(sub2, connect.LeftJoin, c("v").Gt(10)).OrderBy(c("id"), c("v")))
		want := [][2]any{{int64(1), int64(11)}, {int64(2), nil}, {int64(3), int64(30)}}
		if len(got) != len(want) {
			t.Fatalf("left lateral: %d rows: %v", len(got), got)
		}
		for i, w := range want {
			if got[i]["id"] != w[0] || got[i]["v"] != w[1] {
				t.Errorf("left lateral row %d = %v, want %v", i, got[i], w)
			}
		}
	})
	t.Run("AsOfJoin", func(t *testing.T) {
		trades := s.CreateDataFrameFromRows(types.Struct(types.Field("t", types.Long), types.Field("sym", types.String)),
			[][]any{{int64(5), "x"}, {int64(10), "x"}, {int64(12), "y"}, {int64(1), "y"}})
		quotes := s.CreateDataFrameFromRows(types.Struct(types.Field("qt", types.Long), types.Field("qsym", types.String), types.Field("px", types.Long)),
			[][]any{{int64(4), "x", int64(100)}, {int64(10), "x", int64(101)}, {int64(11), "y", int64(200)}, {int64(2), "y", int64(199)}})
		type quote struct {
			t   int64
			sym string
			px  int64
		}
		qs := []quote{{4, "x", 100}, {10, "x", 101}, {11, "y", 200}, {2, "y", 199}}
		match := func(t int64, sym string, dir string, exact bool, tol int64) any {
			var best *quote
			for i := range qs {
				q := &qs[i]
				d := q.t - t
				if q.sym != sym || (!exact && d == 0) || (tol > 0 && (d > tol || d < -tol)) ||
					(dir == "backward" && d > 0) || (dir == "forward" && d < 0) {
					continue
				}
				abs := func(v int64) int64 { return max(v, -v) }
				if best == nil || abs(d) < abs(best.t-t) {
					best = q
				}
			}
			if best == nil {
				return nil
			}
			return best.px
		}
		for _, tc := range []struct {
			name string
			opts connect.AsOfJoinOptions
			dir  string
			tol  int64
		}{
			{"backward", connect.AsOfJoinOptions{On: c("sym").Eq(c("qsym")), How: connect.LeftJoin}, "backward", 0},
			{"forward no exact", connect.AsOfJoinOptions{On: c("sym").Eq(c("qsym")), How: connect.LeftJoin, Direction: connect.Forward, ExcludeExactMatches: true}, "forward", 0},
			{"nearest tolerance", connect.AsOfJoinOptions{On: c("sym").Eq(c("qsym")), How: connect.LeftJoin, Direction: connect.Nearest, Tolerance: connect.Lit(int64(1))}, "nearest", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, _ := resultRows(t, ctx, trades.AsOfJoin(quotes, c("t"), c("qt"), tc.opts).OrderBy(c("t")))
				if len(got) != 4 {
					t.Fatalf("%d rows", len(got))
				}
				for _, g := range got {
					want := match(g["t"].(int64), g["sym"].(string), tc.dir, !tc.opts.ExcludeExactMatches, tc.tol)
					if g["px"] != want {
						t.Errorf("trade at %v %v: px %v, want %v", g["t"], g["sym"], g["px"], want)
					}
				}
			})
		}
	})
}

func TestBatchCollectionLiterals(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	type point struct {
		X    int32 `spark:"x"`
		Y    float64
		Tags []string `spark:"tags"`
	}
	one := int64(1)
	out := s.Range(0, 1, 1).Select(
		connect.CallFunction("to_json", connect.TypedLit(point{X: 3, Y: 0.5, Tags: []string{"a", "b"}})).Alias("st"),
		connect.CallFunction("to_json", connect.TypedLit(map[string]int32{"b": 2, "a": 1})).Alias("m"),
		connect.CallFunction("to_json", connect.TypedLit([]*int64{&one, nil})).Alias("arr"),
		connect.CallFunction("size", connect.TypedLit([]string{})).Alias("empty"),
		connect.CallFunction("array_max", connect.TypedLit([]any{4, 9, 2})).Alias("max"),
		connect.CallFunction("typeof", connect.TypedLit(map[int32][][]bool{1: {{true}}})).Alias("type"),
		connect.Col("id").IsIn(connect.TypedLit([]int64{0, 5}).GetItem(0)).Alias("in"),
	)
	got, _ := resultRows(t, ctx, out)
	want := map[string]any{
		"st": `{"x":3,"Y":0.5,"tags":["a","b"]}`, "m": `{"a":1,"b":2}`, "arr": `[1,null]`,
		"empty": int32(0), "max": int64(9), "type": "map<int,array<array<boolean>>>", "in": true,
	}
	if len(got) != 1 {
		t.Fatalf("%d rows", len(got))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[0][k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[0][k], w)
		}
	}
}

func TestBatchLambdas(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	xs := []int64{3, -1, 4, 1, -5, 9}
	ys := []int64{2, 7, 1, 8, 2, 8}
	nested := [][]int64{{1, 2}, {3}, {}}
	m := map[string]int64{"a": 1, "b": 20, "c": 3}
	c, fn := connect.Col, connect.CallFunction
	lit := connect.TypedLit
	df := s.Range(0, 1, 1).Select(lit(xs).Alias("xs"), lit(ys).Alias("ys"), lit(nested).Alias("nested"), lit(m).Alias("m"))
	out := df.Select(
		fn("transform", c("xs"), connect.Lambda(func(x connect.Column) connect.Column { return x.Multiply(2) })).Alias("doubled"),
		fn("filter", c("xs"), connect.Lambda(func(x connect.Column) connect.Column { return x.Gt(0) })).Alias("positive"),
		fn("exists", c("xs"), connect.Lambda(func(x connect.Column) connect.Column { return x.Gt(8) })).Alias("exists"),
		fn("forall", c("xs"), connect.Lambda(func(x connect.Column) connect.Column { return x.Gt(-5) })).Alias("forall"),
		fn("aggregate", c("xs"), connect.Lit(int64(0)), connect.Lambda2(func(acc, x connect.Column) connect.Column { return acc.Plus(x) })).Alias("sum"),
		fn("reduce", c("xs"), connect.Lit(int64(1)), connect.Lambda2(func(acc, x connect.Column) connect.Column { return acc.Multiply(x) }),
			connect.Lambda(func(acc connect.Column) connect.Column { return acc.Negate() })).Alias("negprod"),
		fn("zip_with", c("xs"), c("ys"), connect.Lambda2(func(x, y connect.Column) connect.Column { return x.Minus(y) })).Alias("diff"),
		fn("array_sort", c("xs"), connect.Lambda2(func(a, b connect.Column) connect.Column {
			return connect.When(a.Gt(b), int32(-1)).When(a.Lt(b), int32(1)).Otherwise(int32(0))
		})).Alias("desc"),
		fn("transform", c("nested"), connect.Lambda(func(a connect.Column) connect.Column {
			return fn("transform", a, connect.Lambda(func(x connect.Column) connect.Column { return x.Plus(fn("size", a)) }))
		})).Alias("plus_size"),
		fn("to_json", fn("transform_values", c("m"), connect.Lambda2(func(k, v connect.Column) connect.Column { return v.Multiply(10) }))).Alias("tv"),
		fn("to_json", fn("transform_keys", c("m"), connect.Lambda2(func(k, v connect.Column) connect.Column { return fn("upper", k) }))).Alias("tk"),
		fn("to_json", fn("map_filter", c("m"), connect.Lambda2(func(k, v connect.Column) connect.Column { return v.Lt(10) }))).Alias("mf"),
		fn("to_json", fn("map_zip_with", c("m"), c("m"), connect.Lambda3(func(k, v1, v2 connect.Column) connect.Column { return v1.Plus(v2) }))).Alias("mz"),
	)
	got, _ := resultRows(t, ctx, out)
	if len(got) != 1 {
		t.Fatalf("%d rows", len(got))
	}
	mapArr := func(f func(int, int64) (int64, bool)) []any {
		out := []any{}
		for i, x := range xs {
			if v, ok := f(i, x); ok {
				out = append(out, v)
			}
		}
		return out
	}
	var sum, prod int64 = 0, 1
	exists, forall := false, true
	for _, x := range xs {
		sum += x
		prod *= x
		exists = exists || x > 8
		forall = forall && x > -5
	}
	desc := append([]int64(nil), xs...)
	sort.Slice(desc, func(i, j int) bool { return desc[i] > desc[j] })
	descAny := []any{}
	for _, v := range desc {
		descAny = append(descAny, v)
	}
	plusSize := []any{}
	for _, a := range nested {
		row := []any{}
		for _, x := range a {
			row = append(row, x+int64(len(a)))
		}
		plusSize = append(plusSize, row)
	}
	want := map[string]any{
		"doubled":  mapArr(func(_ int, x int64) (int64, bool) { return 2 * x, true }),
		"positive": mapArr(func(_ int, x int64) (int64, bool) { return x, x > 0 }),
		"exists":   exists, "forall": forall, "sum": sum, "negprod": -prod,
		"diff":      mapArr(func(i int, x int64) (int64, bool) { return x - ys[i], true }),
		"desc":      descAny,
		"plus_size": plusSize,
		"tv":        `{"a":10,"b":200,"c":30}`, "tk": `{"A":1,"B":20,"C":3}`, "mf": `{"a":1,"c":3}`, "mz": `{"a":2,"b":40,"c":6}`,
	}
	for k, w := range want {
		if g := got[0][k]; fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
}
