package connect

import (
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestNaPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	lit := func(v any) *sparkpb.Expression_Literal {
		l, err := literal(v)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	fill := func(cols []string, vals ...any) *sparkpb.Relation {
		f := &sparkpb.NAFill{Input: base, Cols: cols}
		for _, v := range vals {
			f.Values = append(f.Values, lit(v))
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_FillNa{FillNa: f}}
	}
	drop := func(min *int32, cols ...string) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_DropNa{DropNa: &sparkpb.NADrop{Input: base, Cols: cols, MinNonNulls: min}}}
	}
	replace := func(cols []string, pairs ...any) *sparkpb.Relation {
		r := &sparkpb.NAReplace{Input: base, Cols: cols}
		for i := 0; i < len(pairs); i += 2 {
			r.Replacements = append(r.Replacements, &sparkpb.NAReplace_Replacement{OldValue: lit(pairs[i]), NewValue: lit(pairs[i+1])})
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Replace{Replace: r}}
	}
	for _, tc := range []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"FillNa int", func(df *DataFrame) *DataFrame { return df.FillNa(0) }, fill(nil, int64(0))},
		{"FillNa float cols", func(df *DataFrame) *DataFrame { return df.FillNa(float32(1.5), "a", "b") }, fill([]string{"a", "b"}, 1.5)},
		{"Fill string", func(df *DataFrame) *DataFrame { return df.Na().Fill("z") }, fill(nil, "z")},
		{"Fill bool", func(df *DataFrame) *DataFrame { return df.Na().Fill(true, "b") }, fill([]string{"b"}, true)},
		{"Fill int kinds", func(df *DataFrame) *DataFrame { return df.Na().Fill(int8(-1)) }, fill(nil, int64(-1))},
		{"FillMap", func(df *DataFrame) *DataFrame {
			return df.Na().FillMap(map[string]any{"s": "?", "x": uint16(7), "b": false})
		},
			fill([]string{"b", "s", "x"}, false, "?", int64(7))},
		{"DropNa any", func(df *DataFrame) *DataFrame { return df.DropNa(NaAny) }, drop(nil)},
		{"DropNa all cols", func(df *DataFrame) *DataFrame { return df.DropNa(NaAll, "a", "b") }, drop(refOf(int32(1)), "a", "b")},
		{"Drop any cols", func(df *DataFrame) *DataFrame { return df.Na().Drop(NaAny, "a") }, drop(nil, "a")},
		{"DropThresh", func(df *DataFrame) *DataFrame { return df.Na().DropThresh(2) }, drop(refOf(int32(2)))},
		{"DropThresh cols", func(df *DataFrame) *DataFrame { return df.Na().DropThresh(0, "a") }, drop(refOf(int32(0)), "a")},
		{"Replace strings", func(df *DataFrame) *DataFrame { return df.Replace(map[any]any{"b": "B", "a": nil}) },
			replace(nil, "a", nil, "b", "B")},
		{"Replace numbers cols", func(df *DataFrame) *DataFrame {
			return df.Na().Replace(map[any]any{1: 2.5, int32(3): uint(4), 0.5: nil}, "x")
		}, replace([]string{"x"}, 0.5, nil, int64(1), 2.5, int64(3), int64(4))},
		{"Replace bools", func(df *DataFrame) *DataFrame { return df.Replace(map[any]any{true: false}, "b") },
			replace([]string{"b"}, true, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

func TestNaErrors(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	before := sentRequests(srv)
	for _, tc := range []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"Fill nil", base.FillNa(nil), "only bool, string and Go numbers"},
		{"Fill struct", base.FillNa(struct{}{}), "only bool, string"},
		{"Fill uint64 too large", base.FillNa(uint64(math.MaxUint64)), "larger than a bigint"},
		{"Fill uint too large", base.FillNa(uint(math.MaxUint64)), "larger than a bigint"},
		{"FillMap empty", base.Na().FillMap(nil), "no columns"},
		{"FillMap bad value", base.Na().FillMap(map[string]any{"a": []int{1}}), "fill a:"},
		{"Drop unknown how", base.DropNa(NaHow(7)), "unknown NaHow 7"},
		{"DropThresh negative", base.Na().DropThresh(-1), "out of range"},
		{"DropThresh too large", base.Na().DropThresh(math.MaxInt32 + 1), "out of range"},
		{"Replace empty", base.Replace(nil), "no replacements"},
		{"Replace nil key", base.Replace(map[any]any{nil: 1}), "a key is nil"},
		{"Replace bad key", base.Replace(map[any]any{struct{}{}: 1}), "replace:"},
		{"Replace bad value", base.Replace(map[any]any{1: struct{}{}}), "replace:"},
		{"Replace mixed keys", base.Replace(map[any]any{1: 2, "a": "b"}), "mixed types"},
		{"Replace mixed value", base.Replace(map[any]any{1: "one"}), "mixed types"},
		{"Replace bool and number", base.Replace(map[any]any{true: 1}), "mixed types"},
		{"nil", (*DataFrame)(nil).Na().Fill(1), "nil DataFrame"},
	} {
		if err := tc.df.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}

// Every Go integer and float kind is sent as Spark's bigint or double.
func TestFillLiteralKinds(t *testing.T) {
	for _, v := range []any{int(5), int8(5), int16(5), int32(5), int64(5), uint(5), uint8(5), uint16(5), uint32(5), uint64(5)} {
		l, err := fillLiteral(v)
		if err != nil || l.GetLong() != 5 {
			t.Errorf("%T: %v %v", v, l, err)
		}
	}
	for _, v := range []any{float32(0.5), 0.5} {
		l, err := fillLiteral(v)
		if err != nil || l.GetDouble() != 0.5 {
			t.Errorf("%T: %v %v", v, l, err)
		}
	}
}
