package connect

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// GroupedData is a DataFrame grouped by key columns (GroupBy), by hierarchical subtotals
// (Rollup), by every combination of keys (Cube) or by explicit grouping sets
// (GroupingSets), waiting for aggregations. Building it does no I/O; an invalid grouping
// surfaces as an error at the action that runs the aggregated DataFrame.
type GroupedData struct {
	df        *DataFrame
	groupType sparkpb.Aggregate_GroupType
	keys      []Column
	sets      [][]Column
	pivot     *pivotSpec
	err       error
}

type pivotSpec struct {
	col    Column
	values []any
}

// GroupBy groups the rows by the given columns (for windows: functions.Window(...)).
func (df *DataFrame) GroupBy(cols ...Column) *GroupedData {
	return &GroupedData{df: df, groupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY, keys: slices.Clone(cols)}
}

// Rollup groups the rows by hierarchical subtotals of the given columns, as SQL's
// GROUP BY ROLLUP(a, b): groups (a, b), (a) and the grand total (), with NULL in the key
// columns a subtotal rolls up (functions grouping and grouping_id tell such NULLs apart).
func (df *DataFrame) Rollup(cols ...Column) *GroupedData {
	return &GroupedData{df: df, groupType: sparkpb.Aggregate_GROUP_TYPE_ROLLUP, keys: slices.Clone(cols)}
}

// Cube groups the rows by every combination of the given columns, as SQL's
// GROUP BY CUBE(a, b): groups (a, b), (a), (b) and ().
func (df *DataFrame) Cube(cols ...Column) *GroupedData {
	return &GroupedData{df: df, groupType: sparkpb.Aggregate_GROUP_TYPE_CUBE, keys: slices.Clone(cols)}
}

// GroupingSets groups the rows by each of the given sets of columns, as SQL's
// GROUP BY GROUPING SETS ((a, b), (a), ()). cols are the grouping columns of the result:
// every column used in a set must be among them.
func (df *DataFrame) GroupingSets(sets [][]Column, cols ...Column) *GroupedData {
	cp := make([][]Column, len(sets))
	for i, set := range sets {
		cp[i] = slices.Clone(set)
	}
	return &GroupedData{df: df, groupType: sparkpb.Aggregate_GROUP_TYPE_GROUPING_SETS, keys: slices.Clone(cols), sets: cp}
}

// Agg aggregates the whole DataFrame without grouping, as GroupBy().Agg(aggs...).
func (df *DataFrame) Agg(aggs ...Column) *DataFrame { return df.GroupBy().Agg(aggs...) }

var errPivotAfterGroupBy = errors.New("pivot: only after GroupBy, and only once")

// Pivot turns the distinct values of col into columns: after GroupBy(k).Pivot(p, "a", "b")
// an aggregation gives one row per k and one column per pivot value ("a", "b") holding the
// aggregate over the rows of that value (with several aggregates, columns are named
// value_alias). values are Go values (as for Lit) or literal Columns. Without values, the
// server first computes the distinct values of col, which costs an extra job; naming them
// is cheaper and fixes the order of the columns. Pivot applies only to GroupBy.
func (g *GroupedData) Pivot(col Column, values ...any) *GroupedData {
	if g == nil {
		return &GroupedData{err: ErrNilDataFrame}
	}
	out := *g
	if g.groupType != sparkpb.Aggregate_GROUP_TYPE_GROUPBY || g.pivot != nil {
		out.err = errPivotAfterGroupBy
		return &out
	}
	out.groupType = sparkpb.Aggregate_GROUP_TYPE_PIVOT
	out.pivot = &pivotSpec{col: col, values: slices.Clone(values)}
	return &out
}

// Agg computes aggregate expressions per group, e.g.
// Agg(functions.Count(connect.Lit(1)).Alias("n"), functions.Avg(connect.Col("x"))).
func (g *GroupedData) Agg(aggs ...Column) *DataFrame {
	return g.aggregate(func() ([]*sparkpb.Expression, error) { return exprs(aggs) })
}

func (g *GroupedData) aggregate(aggs func() ([]*sparkpb.Expression, error)) *DataFrame {
	if g == nil || g.df == nil {
		return &DataFrame{err: ErrNilDataFrame}
	}
	if g.err != nil {
		return &DataFrame{s: g.df.s, err: g.err}
	}
	return g.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		keys, err := exprs(g.keys)
		if err != nil {
			return nil, err
		}
		ae, err := aggs()
		if err != nil {
			return nil, err
		}
		a := &sparkpb.Aggregate{Input: in, GroupType: g.groupType, GroupingExpressions: keys, AggregateExpressions: ae}
		for _, set := range g.sets {
			ex, err := exprs(set)
			if err != nil {
				return nil, fmt.Errorf("grouping sets: %w", err)
			}
			a.GroupingSets = append(a.GroupingSets, &sparkpb.Aggregate_GroupingSets{GroupingSet: ex})
		}
		if p := g.pivot; p != nil {
			if err := p.col.Err(); err != nil {
				return nil, fmt.Errorf("pivot: %w", err)
			}
			a.Pivot = &sparkpb.Aggregate_Pivot{Col: p.col.expr}
			for _, v := range p.values {
				l, err := pivotValue(v)
				if err != nil {
					return nil, fmt.Errorf("pivot: %w", err)
				}
				a.Pivot.Values = append(a.Pivot.Values, l)
			}
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: a}}, nil
	})
}

func pivotValue(v any) (*sparkpb.Expression_Literal, error) {
	c, ok := v.(Column)
	if !ok {
		return literal(v)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if l := c.expr.GetLiteral(); l != nil {
		return l, nil
	}
	return nil, errors.New("a pivot value must be a literal")
}

// Count counts the rows per group, in a column named "count".
func (g *GroupedData) Count() *DataFrame {
	return g.Agg(CallFunction("count", Lit(int32(1))).Alias("count"))
}

func (g *GroupedData) each(fn string, cols []string) *DataFrame {
	if len(cols) == 0 {
		return g.aggregate(func() ([]*sparkpb.Expression, error) {
			return []*sparkpb.Expression{numericColumnsMarker(fn)}, nil
		})
	}
	aggs := make([]Column, len(cols))
	for i, c := range cols {
		aggs[i] = CallFunction(fn, Col(c)).Alias(fmt.Sprintf("%s(%s)", fn, c))
	}
	return g.Agg(aggs...)
}

// Sum sums each named column per group. With no names it sums every numeric column of
// the DataFrame, as PySpark does (see [GroupedData.Avg] for how those are found).
func (g *GroupedData) Sum(cols ...string) *DataFrame { return g.each("sum", cols) }

// Avg averages each named column per group. With no names it averages every numeric
// column of the DataFrame (tinyint, smallint, int, bigint, float, double and decimal,
// grouping columns included), as PySpark does. Which columns are numeric is known only
// to the server, and building a DataFrame does no I/O: the columns are resolved when an
// action sends the plan, with one extra schema request per such aggregation.
func (g *GroupedData) Avg(cols ...string) *DataFrame { return g.each("avg", cols) }

// Mean is Avg.
func (g *GroupedData) Mean(cols ...string) *DataFrame { return g.each("avg", cols) }

// Min takes the minimum of each named column per group; with no names, of every numeric
// column (see [GroupedData.Avg]).
func (g *GroupedData) Min(cols ...string) *DataFrame { return g.each("min", cols) }

// Max takes the maximum of each named column per group; with no names, of every numeric
// column (see [GroupedData.Avg]).
func (g *GroupedData) Max(cols ...string) *DataFrame { return g.each("max", cols) }
