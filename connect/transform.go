package connect

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Col refers to a column of this DataFrame specifically, to tell apart same-named columns of
// the two sides of a join: left.Col("id").Eq(right.Col("id")). As with the package-level
// Col, "*" is all columns of the DataFrame and "s.*" all fields of its struct column s.
func (df *DataFrame) Col(name string) Column {
	if df.err != nil {
		return Column{err: df.err}
	}
	id := df.rel.GetCommon().GetPlanId()
	c := Col(name)
	if star := c.expr.GetUnresolvedStar(); star != nil {
		star.PlanId = &id
	} else {
		c.expr.GetUnresolvedAttribute().PlanId = &id
	}
	return c
}

// WithColumn adds a column, or replaces the one with the same name.
func (df *DataFrame) WithColumn(name string, c Column) *DataFrame {
	return df.WithColumns(map[string]Column{name: c})
}

// WithColumns adds or replaces several columns at once.
func (df *DataFrame) WithColumns(cols map[string]Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		names := slices.Sorted(maps.Keys(cols))
		aliases := make([]*sparkpb.Expression_Alias, 0, len(cols))
		for _, n := range names {
			c := cols[n]
			if err := c.Err(); err != nil {
				return nil, fmt.Errorf("column %s: %w", n, err)
			}
			aliases = append(aliases, &sparkpb.Expression_Alias{Expr: c.expr, Name: []string{n}})
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{
			Input: in, Aliases: aliases,
		}}}, nil
	})
}

// WithColumnRenamed renames a column; renaming a column that does not exist does nothing.
func (df *DataFrame) WithColumnRenamed(existing, newName string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumnsRenamed{WithColumnsRenamed: &sparkpb.WithColumnsRenamed{
			Input: in, Renames: []*sparkpb.WithColumnsRenamed_Rename{{ColName: existing, NewColName: newName}},
		}}}, nil
	})
}

// Drop removes columns by name.
func (df *DataFrame) Drop(names ...string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{Input: in, ColumnNames: slices.Clone(names)}}}, nil
	})
}

// OrderBy sorts the rows; columns sort ascending unless wrapped with Desc.
func (df *DataFrame) OrderBy(cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		order := make([]*sparkpb.Expression_SortOrder, len(cols))
		for i, c := range cols {
			if err := c.Err(); err != nil {
				return nil, err
			}
			if so := c.expr.GetSortOrder(); so != nil {
				order[i] = so
			} else {
				order[i] = c.Asc().expr.GetSortOrder()
			}
		}
		global := true
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Sort{Sort: &sparkpb.Sort{Input: in, Order: order, IsGlobal: &global}}}, nil
	})
}

// Alias names the DataFrame, so that columns can be qualified: df.Alias("a") then Col("a.id").
func (df *DataFrame) Alias(name string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SubqueryAlias{SubqueryAlias: &sparkpb.SubqueryAlias{Input: in, Alias: name}}}, nil
	})
}

// Distinct keeps one copy of every distinct row.
func (df *DataFrame) Distinct() *DataFrame {
	return df.dedup(nil, false)
}

// DropDuplicates keeps one row per distinct combination of the named columns (all columns
// when none are named). On a stream it keeps state for every key forever unless a
// watermark bounds it; see DropDuplicatesWithinWatermark.
func (df *DataFrame) DropDuplicates(cols ...string) *DataFrame {
	return df.dedup(cols, false)
}

// DropDuplicatesWithinWatermark drops duplicates that arrive within the watermark delay of
// each other (streaming only): state is bounded by the watermark set with WithWatermark.
func (df *DataFrame) DropDuplicatesWithinWatermark(cols ...string) *DataFrame {
	return df.dedup(cols, true)
}

func (df *DataFrame) dedup(cols []string, withinWatermark bool) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		d := &sparkpb.Deduplicate{Input: in, ColumnNames: slices.Clone(cols)}
		if len(cols) == 0 {
			all := true
			d.AllColumnsAsKeys = &all
		}
		if withinWatermark {
			d.WithinWatermark = &withinWatermark
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Deduplicate{Deduplicate: d}}, nil
	})
}

// WithWatermark declares eventTime (a timestamp column) as the event time of a stream and
// delay (e.g. "2 minutes") as how late an event may arrive before it is dropped from
// windowed aggregations, joins and deduplication.
func (df *DataFrame) WithWatermark(eventTime, delay string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if eventTime == "" || delay == "" {
			return nil, errors.New("with watermark: event time column and delay are required")
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithWatermark{WithWatermark: &sparkpb.WithWatermark{
			Input: in, EventTime: eventTime, DelayThreshold: delay,
		}}}, nil
	})
}

// Union appends the rows of other, matching columns by position (UNION ALL).
func (df *DataFrame) Union(other *DataFrame) *DataFrame { return df.setOp(other, false, false) }

// UnionByName appends the rows of other, matching columns by name; with allowMissing,
// columns missing on either side are filled with NULL.
func (df *DataFrame) UnionByName(other *DataFrame, allowMissing bool) *DataFrame {
	return df.setOp(other, true, allowMissing)
}

func (df *DataFrame) setOp(other *DataFrame, byName, allowMissing bool) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if other.err != nil {
			return nil, other.err
		}
		all := true
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
			LeftInput: in, RightInput: other.rel, SetOpType: sparkpb.SetOperation_SET_OP_TYPE_UNION,
			IsAll: &all, ByName: &byName, AllowMissingColumns: &allowMissing,
		}}}, nil
	})
}

// JoinType is the kind of a join.
type JoinType string

// The join types.
const (
	InnerJoin JoinType = "inner"
	LeftJoin  JoinType = "left"
	RightJoin JoinType = "right"
	FullJoin  JoinType = "full"
	SemiJoin  JoinType = "left_semi"
	AntiJoin  JoinType = "left_anti"
	CrossJoin JoinType = "cross"
)

func (j JoinType) proto() (sparkpb.Join_JoinType, error) {
	switch strings.ToLower(string(j)) {
	case "", "inner":
		return sparkpb.Join_JOIN_TYPE_INNER, nil
	case "left", "left_outer", "leftouter":
		return sparkpb.Join_JOIN_TYPE_LEFT_OUTER, nil
	case "right", "right_outer", "rightouter":
		return sparkpb.Join_JOIN_TYPE_RIGHT_OUTER, nil
	case "full", "outer", "full_outer", "fullouter":
		return sparkpb.Join_JOIN_TYPE_FULL_OUTER, nil
	case "left_semi", "semi", "leftsemi":
		return sparkpb.Join_JOIN_TYPE_LEFT_SEMI, nil
	case "left_anti", "anti", "leftanti":
		return sparkpb.Join_JOIN_TYPE_LEFT_ANTI, nil
	case "cross":
		return sparkpb.Join_JOIN_TYPE_CROSS, nil
	}
	return 0, fmt.Errorf("join: unknown join type %q", string(j))
}

// Join joins with other on a condition, e.g.
// orders.Join(users, orders.Col("user_id").Eq(users.Col("id")), connect.LeftJoin).
// Works for stream-static and stream-stream joins (the latter need watermarks on both
// sides and a time bound in the condition for outer joins).
func (df *DataFrame) Join(other *DataFrame, on Column, how JoinType) *DataFrame {
	return df.join(other, &on, nil, how)
}

// JoinUsing joins with other on equality of the named columns, which appear once in the
// result.
func (df *DataFrame) JoinUsing(other *DataFrame, columns []string, how JoinType) *DataFrame {
	return df.join(other, nil, columns, how)
}

func (df *DataFrame) join(other *DataFrame, on *Column, using []string, how JoinType) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if other.err != nil {
			return nil, other.err
		}
		jt, err := how.proto()
		if err != nil {
			return nil, err
		}
		j := &sparkpb.Join{Left: in, Right: other.rel, JoinType: jt, UsingColumns: slices.Clone(using)}
		if on != nil {
			if err := on.Err(); err != nil {
				return nil, err
			}
			j.JoinCondition = on.expr
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: j}}, nil
	})
}
