package connect

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func windowExpr(fn *sparkpb.Expression, part []*sparkpb.Expression, order []*sparkpb.Expression_SortOrder, frame *sparkpb.Expression_Window_WindowFrame) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_Window_{Window: &sparkpb.Expression_Window{
		WindowFunction: fn, PartitionSpec: part, OrderSpec: order, FrameSpec: frame}}}
}

func TestWindowPlans(t *testing.T) {
	srv, s := dialGolden(t)
	type bound = sparkpb.Expression_Window_WindowFrame_FrameBoundary
	unbounded := &bound{Boundary: &sparkpb.Expression_Window_WindowFrame_FrameBoundary_Unbounded{Unbounded: true}}
	current := &bound{Boundary: &sparkpb.Expression_Window_WindowFrame_FrameBoundary_CurrentRow{CurrentRow: true}}
	value := func(e *sparkpb.Expression) *bound {
		return &bound{Boundary: &sparkpb.Expression_Window_WindowFrame_FrameBoundary_Value{Value: e}}
	}
	frame := func(rows bool, lower, upper *bound) *sparkpb.Expression_Window_WindowFrame {
		f := &sparkpb.Expression_Window_WindowFrame{FrameType: sparkpb.Expression_Window_WindowFrame_FRAME_TYPE_RANGE, Lower: lower, Upper: upper}
		if rows {
			f.FrameType = sparkpb.Expression_Window_WindowFrame_FRAME_TYPE_ROW
		}
		return f
	}
	d, x := attrExpr("d"), attrExpr("x")
	w := Window().PartitionBy(Col("d")).OrderBy(Col("x").Desc(), Col("y"))
	order := []*sparkpb.Expression_SortOrder{sortOrder(x, true, true), sortOrder(attrExpr("y"), false, false)}
	sumX := callExpr("sum", x)
	cases := []struct {
		name string
		col  Column
		want *sparkpb.Expression
	}{
		{"empty", CallFunction("count", Lit(int32(1))).Over(Window()), windowExpr(callExpr("count", litInt(1)), nil, nil, nil)},
		{"zero value", CallFunction("row_number").Over(WindowSpec{}), windowExpr(callExpr("row_number"), nil, nil, nil)},
		{"rank", CallFunction("rank").Over(w), windowExpr(callExpr("rank"), []*sparkpb.Expression{d}, order, nil)},
		{"PartitionBy replaces", CallFunction("rank").Over(w.PartitionBy(Col("e"), Col("d"))),
			windowExpr(callExpr("rank"), []*sparkpb.Expression{attrExpr("e"), d}, order, nil)},
		{"OrderBy replaces", CallFunction("rank").Over(w.OrderBy(Col("z"))),
			windowExpr(callExpr("rank"), []*sparkpb.Expression{d}, []*sparkpb.Expression_SortOrder{sortOrder(attrExpr("z"), false, false)}, nil)},
		{"running rows", CallFunction("sum", Col("x")).Over(w.RowsBetween(UnboundedPreceding, CurrentRow)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(true, unbounded, current))},
		{"rows offsets", CallFunction("sum", Col("x")).Over(w.RowsBetween(-2, 3)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(true, value(litInt(-2)), value(litInt(3))))},
		{"whole partition", CallFunction("sum", Col("x")).Over(w.RowsBetween(UnboundedPreceding, UnboundedFollowing)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(true, unbounded, unbounded))},
		{"range", CallFunction("sum", Col("x")).Over(w.RangeBetween(-10, UnboundedFollowing)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(false, value(litInt(-10)), unbounded))},
		{"range long", CallFunction("sum", Col("x")).Over(w.RangeBetween(CurrentRow, 1<<40)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(false, current, value(litLong(1<<40))))},
		{"rows replaced by range", CallFunction("sum", Col("x")).Over(w.RowsBetween(-1, 1).RangeBetween(-1, 1)),
			windowExpr(sumX, []*sparkpb.Expression{d}, order, frame(false, value(litInt(-1)), value(litInt(1))))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			checkPlan(t, srv, s.Range(0, 10, 1).Select(tc.col), selected(tc.want))
		})
	}
	// The spec a window was built from is not changed by later refinements.
	base := Window().PartitionBy(Col("d"))
	_ = base.OrderBy(Col("x")).RowsBetween(-1, 0)
	if base.order != nil || base.frame != nil {
		t.Errorf("refining a WindowSpec changed it: %+v", base)
	}
}

func TestWindowErrors(t *testing.T) {
	bad := errors.New("bad")
	invalid := InvalidColumn(bad)
	cases := []struct {
		name string
		col  Column
		want error
		msg  string
	}{
		{"function", invalid.Over(Window()), bad, ""},
		{"zero function", Column{}.Over(Window()), errZeroColumn, ""},
		{"partition", CallFunction("rank").Over(Window().PartitionBy(invalid)), bad, ""},
		{"order", CallFunction("rank").Over(Window().OrderBy(invalid)), bad, ""},
		{"unbounded following as lower", CallFunction("rank").Over(Window().RowsBetween(UnboundedFollowing, 0)), nil, "only a lower bound"},
		{"unbounded preceding as upper", CallFunction("rank").Over(Window().RangeBetween(0, UnboundedPreceding)), nil, "only a lower bound"},
		{"row offset too large", CallFunction("rank").Over(Window().RowsBetween(0, math.MaxInt32+1)), nil, "does not fit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.col.Err()
			switch {
			case err == nil:
				t.Fatal("no error")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			case tc.want == nil && !strings.Contains(err.Error(), tc.msg):
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
		})
	}
}
