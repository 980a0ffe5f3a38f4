package tests

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/functions"
)

// End-to-end tests of subqueries (DataFrame.Scalar, Exists, AsTable, Column.IsIn with a
// DataFrame) and of DataFrames passed into SQL text with connect.Ref. Each expected result
// is computed here, in Go, from the same rows the server gets.

// sqL and sqR are the rows of the tables l(a, b) and r(c, d); nil is NULL.
var (
	sqL = [][2]any{{int32(1), 2.0}, {int32(1), 2.0}, {int32(2), 1.0}, {int32(2), 1.0}, {int32(3), 3.0}, {nil, nil}, {nil, 5.0}, {int32(6), nil}}
	sqR = [][2]any{{int32(2), 3.0}, {int32(2), 3.0}, {int32(3), 2.0}, {int32(4), 1.0}, {nil, nil}, {nil, 5.0}, {int32(6), nil}}
)

// sqValues returns a DataFrame of rows with the given column names (int, double).
func sqValues(t *testing.T, ctx context.Context, s *connect.Session, rows [][2]any, x, y string) *connect.DataFrame {
	t.Helper()
	var vals []string
	for _, r := range rows {
		v := func(a any, typ string) string {
			if a == nil {
				return "CAST(NULL AS " + typ + ")"
			}
			return fmt.Sprintf("CAST(%v AS %s)", a, typ)
		}
		vals = append(vals, "("+v(r[0], "INT")+", "+v(r[1], "DOUBLE")+")")
	}
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT * FROM VALUES %s AS t(%s, %s)", strings.Join(vals, ", "), x, y))
	if err != nil {
		t.Fatal(err)
	}
	return df
}

// sqRows collects df and returns its rows as value slices, sorted by their printed form.
func sqRows(t *testing.T, ctx context.Context, df *connect.DataFrame) [][]any {
	t.Helper()
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = sqPlain(r.Values())
	}
	sortRows(out)
	return out
}

// sqPlain replaces the structs (Rows) among vals by maps of their fields.
func sqPlain(vals []any) []any {
	for i, v := range vals {
		if r, ok := v.(connect.Row); ok {
			m := map[string]any{}
			for j, n := range r.Names() {
				m[n] = sqPlain([]any{r.Value(j)})[0]
			}
			vals[i] = m
		}
	}
	return vals
}

func sortRows(rows [][]any) {
	slices.SortFunc(rows, func(a, b []any) int { return strings.Compare(fmt.Sprint(a...), fmt.Sprint(b...)) })
}

func sqCheck(t *testing.T, ctx context.Context, what string, df *connect.DataFrame, want [][]any) {
	t.Helper()
	sortRows(want)
	if got := sqRows(t, ctx, df); !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func TestSubqueryScalar(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	l := sqValues(t, ctx, s, sqL, "a", "b")
	r := sqValues(t, ctx, s, sqR, "c", "d")

	// Uncorrelated: the largest c, next to every a.
	var maxC any
	for _, row := range sqR {
		if c, ok := row[0].(int32); ok && (maxC == nil || c > maxC.(int32)) {
			maxC = c
		}
	}
	var want [][]any
	for _, row := range sqL {
		want = append(want, []any{row[0], maxC})
	}
	sqCheck(t, ctx, "a, (SELECT max(c) FROM r)", l.Select(connect.Col("a"), r.Select(functions.Max(connect.Col("c"))).Scalar().Alias("m")), want)

	// Correlated: for every a, how many rows of r have c = a.
	want = nil
	for _, lr := range sqL {
		n := int64(0)
		for _, rr := range sqR {
			if lr[0] != nil && rr[0] == lr[0] {
				n++
			}
		}
		want = append(want, []any{lr[0], n})
	}
	count := r.Filter(r.Col("c").Eq(connect.Col("a").Outer())).Select(functions.Count(connect.Col("*"))).Scalar()
	sqCheck(t, ctx, "a, (SELECT count(*) FROM r WHERE c = a)", l.Select(connect.Col("a"), count.Alias("n")), want)

	// In a filter: rows of l whose b is above the average d.
	var sum float64
	var n int
	for _, rr := range sqR {
		if d, ok := rr[1].(float64); ok {
			sum += d
			n++
		}
	}
	avg := sum / float64(n)
	want = nil
	for _, lr := range sqL {
		if b, ok := lr[1].(float64); ok && b > avg {
			want = append(want, []any{lr[0], lr[1]})
		}
	}
	sqCheck(t, ctx, "b > (SELECT avg(d) FROM r)", l.Filter(connect.Col("b").Gt(r.Select(functions.Avg(connect.Col("d"))).Scalar())), want)
}

// A subquery whose DataFrame holds a subquery itself, and a column of a DataFrame that
// carries subqueries, taken with its Col.
func TestSubqueryNested(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	l := sqValues(t, ctx, s, sqL, "a", "b")
	r := sqValues(t, ctx, s, sqR, "c", "d")

	// The largest d below the largest b; then the rows of l whose b exceeds it.
	var maxB, second float64
	for _, lr := range sqL {
		if b, ok := lr[1].(float64); ok {
			maxB = max(maxB, b)
		}
	}
	for _, rr := range sqR {
		if d, ok := rr[1].(float64); ok && d < maxB {
			second = max(second, d)
		}
	}
	var want [][]any
	for _, lr := range sqL {
		if b, ok := lr[1].(float64); ok && b > second {
			want = append(want, []any{lr[0], lr[1]})
		}
	}
	inner := r.Filter(connect.Col("d").Lt(l.Select(functions.Max(connect.Col("b"))).Scalar())).Select(functions.Max(connect.Col("d")))
	sqCheck(t, ctx, "b > (SELECT max(d) FROM r WHERE d < (SELECT max(b) FROM l))", l.Filter(connect.Col("b").Gt(inner.Scalar())), want)

	withMax := l.Select(connect.Col("a"), r.Select(functions.Max(connect.Col("c"))).Scalar().Alias("m"))
	var maxC int32
	for _, rr := range sqR {
		if c, ok := rr[0].(int32); ok {
			maxC = max(maxC, c)
		}
	}
	want = nil
	for _, lr := range sqL {
		want = append(want, []any{lr[0], maxC})
	}
	sqCheck(t, ctx, "DataFrame.Col of a DataFrame with a subquery", withMax.Select(withMax.Col("a"), withMax.Col("m")), want)
}

func TestSubqueryExistsAndIn(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	l := sqValues(t, ctx, s, sqL, "a", "b")
	r := sqValues(t, ctx, s, sqR, "c", "d")

	var exists, notExists, in [][]any
	for _, lr := range sqL {
		found := false
		for _, rr := range sqR {
			if lr[0] != nil && rr[0] == lr[0] {
				found = true
			}
		}
		row := []any{lr[0], lr[1]}
		if found {
			exists = append(exists, row)
			in = append(in, row)
		} else {
			notExists = append(notExists, row)
		}
	}
	match := r.Filter(r.Col("c").Eq(connect.Col("a").Outer()))
	sqCheck(t, ctx, "EXISTS (SELECT * FROM r WHERE c = a)", l.Filter(match.Exists()), exists)
	sqCheck(t, ctx, "NOT EXISTS (SELECT * FROM r WHERE c = a)", l.Filter(match.Exists().Not()), notExists)
	sqCheck(t, ctx, "a IN (SELECT c FROM r)", l.Filter(connect.Col("a").IsIn(r.Select(connect.Col("c")))), in)

	// An exists in a select, correlated on two columns.
	var want [][]any
	for _, lr := range sqL {
		found := false
		for _, rr := range sqR {
			if lr[0] != nil && lr[1] != nil && rr[0] != nil && rr[1] != nil && rr[0].(int32) > lr[0].(int32) && rr[1].(float64) > lr[1].(float64) {
				found = true
			}
		}
		want = append(want, []any{lr[0], lr[1], found})
	}
	dominated := r.Filter(r.Col("c").Gt(connect.Col("a").Outer()).And(r.Col("d").Gt(connect.Col("b").Outer()))).Exists()
	sqCheck(t, ctx, "a, b, EXISTS (SELECT * FROM r WHERE c > a AND d > b)", l.Select(connect.Col("a"), connect.Col("b"), dominated.Alias("e")), want)
}

func TestSubquerySQLRefs(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	l := sqValues(t, ctx, s, sqL, "a", "b")
	r := sqValues(t, ctx, s, sqR, "c", "d")

	// One DataFrame and a named value.
	var want [][]any
	for _, lr := range sqL {
		if a, ok := lr[0].(int32); ok && a > 1 {
			want = append(want, []any{lr[0], lr[1]})
		}
	}
	df, err := s.SQL(ctx, "SELECT a, b FROM {l} WHERE a > :v", connect.Ref("l", l), connect.Named("v", int32(1)))
	if err != nil {
		t.Fatal(err)
	}
	sqCheck(t, ctx, "SELECT a, b FROM {l} WHERE a > :v", df, want)

	// Two DataFrames joined, a positional value, and literal braces.
	want = nil
	for _, lr := range sqL {
		for _, rr := range sqR {
			if lr[0] != nil && lr[0] == rr[0] && lr[0].(int32) < 3 {
				want = append(want, []any{"{x}", lr[0], lr[1], rr[1]})
			}
		}
	}
	df, err = s.SQL(ctx, "SELECT '{{x}}' AS k, a, b, d FROM {l} JOIN {r} ON a = c WHERE a < ?",
		connect.Ref("l", l), connect.Ref("r", r), int32(3))
	if err != nil {
		t.Fatal(err)
	}
	sqCheck(t, ctx, "join of {l} and {r}", df, want)

	// A table argument of a table-valued function: stack(1, TABLE(l)) has one row per row
	// of l, holding it as a struct. Then a scalar subquery over a DataFrame that came from
	// a statement with a Ref.
	want = nil
	for _, lr := range sqL {
		want = append(want, []any{map[string]any{"a": lr[0], "b": lr[1]}})
	}
	df, err = s.SQL(ctx, "SELECT * FROM stack(1, TABLE({l}))", connect.Ref("l", l))
	if err != nil {
		t.Fatal(err)
	}
	sqCheck(t, ctx, "stack(1, TABLE({l}))", df, want)
	// The same call through the DataFrame API: TVF().Stack with l.AsTable() gives the same
	// rows, value by value.
	sqCheck(t, ctx, "TVF().Stack(1, l.AsTable())", s.TVF().Stack(connect.Lit(int32(1)), l.AsTable().Column()), want)
	n, err := df.Select(l.Select(functions.Count(connect.Col("*"))).Scalar().Alias("n")).Limit(1).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 1 || n[0].Value(0) != int64(len(sqL)) {
		t.Errorf("count subquery over a Ref result: %v, want %d", n, len(sqL))
	}
}
