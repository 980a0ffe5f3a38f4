package connect

import (
	"fmt"
	"math"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// WindowSpec describes the window of a window function: how rows are partitioned, how
// each partition is ordered, and which rows around the current one form its frame. Build
// one with [Window] and its methods, and apply it with [Column.Over], e.g.
//
//	w := connect.Window().PartitionBy(connect.Col("dept")).OrderBy(connect.Col("salary").Desc())
//	rank := connect.CallFunction("rank").Over(w)
//	running := connect.CallFunction("sum", connect.Col("x")).Over(w.RowsBetween(connect.UnboundedPreceding, connect.CurrentRow))
//
// WindowSpec is an immutable value: each method returns a new one, and the zero value is
// the empty window (every row in one partition, in no particular order).
type WindowSpec struct {
	partition []Column
	order     []Column
	frame     *windowFrame
}

type windowFrame struct {
	rows         bool
	lower, upper int64
}

// Frame bounds for [WindowSpec.RowsBetween] and [WindowSpec.RangeBetween]. Other bounds
// are offsets from the current row: -1 is the row (or, for a range, the value) before it.
const (
	// UnboundedPreceding as the lower bound starts the frame at the partition's first row.
	UnboundedPreceding int64 = math.MinInt64
	// UnboundedFollowing as the upper bound ends the frame at the partition's last row.
	UnboundedFollowing int64 = math.MaxInt64
	// CurrentRow is the current row (for a range frame: its peers, rows of equal order).
	CurrentRow int64 = 0
)

// Window returns the empty window specification, to refine with PartitionBy, OrderBy,
// RowsBetween or RangeBetween.
func Window() WindowSpec { return WindowSpec{} }

// PartitionBy returns w with rows partitioned by the given columns (replacing any earlier
// partitioning).
func (w WindowSpec) PartitionBy(cols ...Column) WindowSpec {
	w.partition = slices.Clone(cols)
	return w
}

// OrderBy returns w with each partition ordered by the given columns, ascending unless
// wrapped with Desc (replacing any earlier order).
func (w WindowSpec) OrderBy(cols ...Column) WindowSpec {
	w.order = slices.Clone(cols)
	return w
}

// RowsBetween returns w with a frame of rows from start to end relative to the current
// row, both included: RowsBetween(-2, CurrentRow) is the current row and the two before
// it. Offsets other than the unbounded ones must fit in an int32.
func (w WindowSpec) RowsBetween(start, end int64) WindowSpec {
	w.frame = &windowFrame{rows: true, lower: start, upper: end}
	return w
}

// RangeBetween returns w with a frame of the rows whose order value lies between the
// current row's plus start and plus end: RangeBetween(-10, CurrentRow) over an order by x
// holds the rows with x in [x-10, x]. A range frame with offsets needs exactly one
// numeric order column.
func (w WindowSpec) RangeBetween(start, end int64) WindowSpec {
	w.frame = &windowFrame{lower: start, upper: end}
	return w
}

// Over applies the window function or aggregate c over the window w, e.g.
// CallFunction("row_number").Over(w) or CallFunction("sum", Col("x")).Over(w).
func (c Column) Over(w WindowSpec) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	win := &sparkpb.Expression_Window{WindowFunction: c.expr}
	var err error
	if win.PartitionSpec, err = exprs(w.partition); err != nil {
		return Column{err: fmt.Errorf("window partition: %w", err)}
	}
	for _, o := range w.order {
		if err := o.Err(); err != nil {
			return Column{err: fmt.Errorf("window order: %w", err)}
		}
		so := o.expr.GetSortOrder()
		if so == nil {
			so = o.Asc().expr.GetSortOrder()
		}
		win.OrderSpec = append(win.OrderSpec, so)
	}
	if f := w.frame; f != nil {
		spec := &sparkpb.Expression_Window_WindowFrame{FrameType: sparkpb.Expression_Window_WindowFrame_FRAME_TYPE_RANGE}
		if f.rows {
			spec.FrameType = sparkpb.Expression_Window_WindowFrame_FRAME_TYPE_ROW
		}
		if spec.Lower, err = f.boundary(f.lower, UnboundedPreceding); err != nil {
			return Column{err: err}
		}
		if spec.Upper, err = f.boundary(f.upper, UnboundedFollowing); err != nil {
			return Column{err: err}
		}
		win.FrameSpec = spec
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Window_{Window: win}}}
}

// boundary is the protocol form of bound v; unbounded is the value that means unbounded
// on this side (the other extreme is an error, as in SQL).
func (f *windowFrame) boundary(v, unbounded int64) (*sparkpb.Expression_Window_WindowFrame_FrameBoundary, error) {
	b := &sparkpb.Expression_Window_WindowFrame_FrameBoundary{}
	switch {
	case v == unbounded:
		b.Boundary = &sparkpb.Expression_Window_WindowFrame_FrameBoundary_Unbounded{Unbounded: true}
	case v == math.MinInt64 || v == math.MaxInt64:
		return nil, fmt.Errorf("window frame: UnboundedPreceding is only a lower bound, UnboundedFollowing only an upper one")
	case v == CurrentRow:
		b.Boundary = &sparkpb.Expression_Window_WindowFrame_FrameBoundary_CurrentRow{CurrentRow: true}
	default:
		var l Column
		switch {
		case v >= math.MinInt32 && v <= math.MaxInt32:
			l = Lit(int32(v))
		case f.rows:
			return nil, fmt.Errorf("window frame: row offset %d does not fit in an int", v)
		default:
			l = Lit(v)
		}
		b.Boundary = &sparkpb.Expression_Window_WindowFrame_FrameBoundary_Value{Value: l.expr}
	}
	return b, nil
}
