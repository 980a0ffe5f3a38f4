package tests

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// TestColumnOperators evaluates every operator method of Column on the server, over rows
// that include NULLs, and compares each value with the one computed here in Go.
func TestColumnOperators(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	type in struct {
		a, b *int64
		s    *string
	}
	i := func(v int64) *int64 { return &v }
	str := func(v string) *string { return &v }
	data := []in{
		{i(7), i(3), str("Spark")},
		{i(-4), i(4), str("spark connect")},
		{i(0), i(5), str("")},
		{i(12), nil, str("GoLang")},
		{nil, i(2), nil},
		{i(5), i(5), str("x_y%z")},
	}
	rows := make([][]any, len(data))
	for k, d := range data {
		rows[k] = []any{k, d.a, d.b, d.s}
	}
	df := s.CreateDataFrameFromRows(types.Struct(
		types.Field("k", types.Integer),
		types.Field("a", types.Long),
		types.Field("b", types.Long),
		types.Field("s", types.String),
	), rows)
	a, b, sc := connect.Col("a"), connect.Col("b"), connect.Col("s")

	// Each case: the column, and the Go value for a row (nil for NULL).
	both := func(d in, f func(x, y int64) any) any {
		if d.a == nil || d.b == nil {
			return nil
		}
		return f(*d.a, *d.b)
	}
	onS := func(d in, f func(string) any) any {
		if d.s == nil {
			return nil
		}
		return f(*d.s)
	}
	cases := []struct {
		name string
		col  connect.Column
		want func(in) any
	}{
		{"Plus", a.Plus(b), func(d in) any { return both(d, func(x, y int64) any { return x + y }) }},
		{"Minus", a.Minus(b), func(d in) any { return both(d, func(x, y int64) any { return x - y }) }},
		{"Multiply", a.Multiply(b), func(d in) any { return both(d, func(x, y int64) any { return x * y }) }},
		{"Divide", a.Divide(b), func(d in) any { return both(d, func(x, y int64) any { return float64(x) / float64(y) }) }},
		{"Mod", a.Mod(b), func(d in) any { return both(d, func(x, y int64) any { return x % y }) }},
		{"Eq", a.Eq(b), func(d in) any { return both(d, func(x, y int64) any { return x == y }) }},
		{"NotEq", a.NotEq(b), func(d in) any { return both(d, func(x, y int64) any { return x != y }) }},
		{"Gt", a.Gt(b), func(d in) any { return both(d, func(x, y int64) any { return x > y }) }},
		{"Ge", a.Ge(b), func(d in) any { return both(d, func(x, y int64) any { return x >= y }) }},
		{"Lt", a.Lt(b), func(d in) any { return both(d, func(x, y int64) any { return x < y }) }},
		{"Le", a.Le(b), func(d in) any { return both(d, func(x, y int64) any { return x <= y }) }},
		{"EqNullSafe", a.EqNullSafe(b), func(d in) any {
			if d.a == nil || d.b == nil {
				return d.a == nil && d.b == nil
			}
			return *d.a == *d.b
		}},
		{"Negate", a.Negate(), func(d in) any {
			if d.a == nil {
				return nil
			}
			return -*d.a
		}},
		{"And", a.Gt(0).And(b.Gt(3)), func(d in) any {
			// Three-valued logic: false AND NULL is false.
			var l, r *bool
			if d.a != nil {
				v := *d.a > 0
				l = &v
			}
			if d.b != nil {
				v := *d.b > 3
				r = &v
			}
			switch {
			case l != nil && !*l, r != nil && !*r:
				return false
			case l == nil || r == nil:
				return nil
			}
			return true
		}},
		{"Or", a.Gt(0).Or(b.Gt(3)), func(d in) any {
			var l, r *bool
			if d.a != nil {
				v := *d.a > 0
				l = &v
			}
			if d.b != nil {
				v := *d.b > 3
				r = &v
			}
			switch {
			case l != nil && *l, r != nil && *r:
				return true
			case l == nil || r == nil:
				return nil
			}
			return false
		}},
		{"Not", a.Gt(b).Not(), func(d in) any { return both(d, func(x, y int64) any { return !(x > y) }) }},
		{"IsNull", a.IsNull(), func(d in) any { return d.a == nil }},
		{"IsNotNull", sc.IsNotNull(), func(d in) any { return d.s != nil }},
		{"IsIn", a.IsIn(0, 5, 7), func(d in) any {
			if d.a == nil {
				return nil
			}
			return *d.a == 0 || *d.a == 5 || *d.a == 7
		}},
		{"Between", a.Between(0, 7), func(d in) any {
			if d.a == nil {
				return nil
			}
			return *d.a >= 0 && *d.a <= 7
		}},
		{"BitwiseAND", a.BitwiseAND(b), func(d in) any { return both(d, func(x, y int64) any { return x & y }) }},
		{"BitwiseOR", a.BitwiseOR(b), func(d in) any { return both(d, func(x, y int64) any { return x | y }) }},
		{"BitwiseXOR", a.BitwiseXOR(b), func(d in) any { return both(d, func(x, y int64) any { return x ^ y }) }},
		{"Pow", a.Pow(2), func(d in) any {
			if d.a == nil {
				return nil
			}
			return math.Pow(float64(*d.a), 2)
		}},
		{"Contains", sc.Contains("park"), func(d in) any { return onS(d, func(v string) any { return strings.Contains(v, "park") }) }},
		{"StartsWith", sc.StartsWith("Sp"), func(d in) any { return onS(d, func(v string) any { return strings.HasPrefix(v, "Sp") }) }},
		{"EndsWith", sc.EndsWith("ng"), func(d in) any { return onS(d, func(v string) any { return strings.HasSuffix(v, "ng") }) }},
		{"Like", sc.Like("%park%"), func(d in) any { return onS(d, func(v string) any { return strings.Contains(v, "park") }) }},
		{"ILike", sc.ILike("%LANG"), func(d in) any {
			return onS(d, func(v string) any { return strings.HasSuffix(strings.ToLower(v), "lang") })
		}},
		{"RLike", sc.RLike("^[a-z ]+$"), func(d in) any {
			return onS(d, func(v string) any { return v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyz ") == "" })
		}},
		{"Substr", sc.Substr(2, 3), func(d in) any {
			return onS(d, func(v string) any {
				r := []rune(v)
				if len(r) < 2 {
					return ""
				}
				return string(r[1:min(len(r), 4)])
			})
		}},
	}
	cols := []connect.Column{connect.Col("k")}
	for _, c := range cases {
		cols = append(cols, c.col.Alias(c.name))
	}
	got, err := df.Select(cols...).OrderBy(connect.Col("k")).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(data) {
		t.Fatalf("%d rows, want %d", len(got), len(data))
	}
	for k, row := range got {
		for ci, c := range cases {
			want := c.want(data[k])
			have := row.Value(ci + 1)
			if f, ok := want.(float64); ok {
				if h, ok := have.(float64); !ok || math.Abs(h-f) > 1e-9*math.Max(1, math.Abs(f)) {
					t.Errorf("row %d %s: got %v (%T), want %v", k, c.name, have, have, want)
				}
				continue
			}
			if have != want {
				t.Errorf("row %d %s: got %v (%T), want %v (%T)", k, c.name, have, have, want, want)
			}
		}
	}
}
