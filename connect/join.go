package connect

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// errNilOther is the error of a join or hint given a nil DataFrame.
var errNilOther = fmt.Errorf("the other side: %w", ErrNilDataFrame)

// otherRel returns the relation of the other side of a binary operation, or its error.
func otherRel(other *DataFrame) (*sparkpb.Relation, error) {
	if other == nil {
		return nil, errNilOther
	}
	if other.err != nil {
		return nil, other.err
	}
	if other.rel == nil {
		return nil, fmt.Errorf("the other side: %w", errZeroDataFrame)
	}
	return other.rel, nil
}

// CrossJoin pairs every row of df with every row of other (a Cartesian product).
func (df *DataFrame) CrossJoin(other *DataFrame) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		right, err := otherRel(other)
		if err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
			Left: in, Right: right, JoinType: sparkpb.Join_JOIN_TYPE_CROSS,
		}}}, nil
	})
}

// LateralJoin joins each row of df with the rows other computes for it, as SQL's
// LATERAL: other may refer to df's columns (mark them with Column.Outer, and name them
// through df.Col or an Alias to tell them apart). how is InnerJoin (or ""), LeftJoin or
// CrossJoin; on, when given, are conditions that must all hold.
func (df *DataFrame) LateralJoin(other *DataFrame, how JoinType, on ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		right, err := otherRel(other)
		if err != nil {
			return nil, err
		}
		jt, err := how.proto()
		if err != nil {
			return nil, fmt.Errorf("lateral %w", err)
		}
		switch jt {
		case sparkpb.Join_JOIN_TYPE_INNER, sparkpb.Join_JOIN_TYPE_LEFT_OUTER, sparkpb.Join_JOIN_TYPE_CROSS:
		default:
			return nil, fmt.Errorf("lateral join: join type %q is not inner, left or cross", string(how))
		}
		j := &sparkpb.LateralJoin{Left: in, Right: right, JoinType: jt}
		if len(on) > 0 {
			cond := on[0]
			for _, c := range on[1:] {
				cond = cond.And(c)
			}
			if err := cond.Err(); err != nil {
				return nil, fmt.Errorf("lateral join condition: %w", err)
			}
			j.JoinCondition = cond.expr
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_LateralJoin{LateralJoin: j}}, nil
	})
}

// Hint gives the optimizer a hint about df, e.g. Hint("broadcast") to broadcast df to
// every task of a join (the static side of a stream-static join is the usual case),
// Hint("merge"), Hint("shuffle_hash"), Hint("coalesce", 4) or Hint("rebalance",
// Col("k")). Parameters are Columns or Go values as for Lit. Spark ignores hints it does
// not know, with a warning in its log.
func (df *DataFrame) Hint(name string, params ...any) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if name == "" {
			return nil, errors.New("hint: the name is empty")
		}
		ps := make([]Column, len(params))
		for i, p := range params {
			ps[i] = operand(p)
		}
		ex, err := exprs(ps)
		if err != nil {
			return nil, fmt.Errorf("hint %s: %w", name, err)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Hint{Hint: &sparkpb.Hint{Input: in, Name: name, Parameters: ex}}}, nil
	})
}

// AsOfDirection says which rows of the right side an as-of join may match.
type AsOfDirection string

// The as-of join directions.
const (
	// Backward matches the right row with the largest as-of value not after the left's.
	Backward AsOfDirection = "backward"
	// Forward matches the right row with the smallest as-of value not before the left's.
	Forward AsOfDirection = "forward"
	// Nearest matches the right row with the closest as-of value, either way.
	Nearest AsOfDirection = "nearest"
)

// AsOfJoinOptions tune [DataFrame.AsOfJoin]. The zero value matches on the as-of columns
// alone, as an inner join, backward, exact matches allowed, without tolerance.
type AsOfJoinOptions struct {
	// On is an equality condition rows must also meet (e.g. on a symbol); the zero Column
	// means none. Use either On or Using.
	On Column
	// Using names columns that must be equal on both sides and appear once in the result.
	Using []string
	// How is InnerJoin (the default) or LeftJoin.
	How JoinType
	// Tolerance bounds the distance between the as-of values of matched rows, e.g.
	// Lit(time.Minute) or Lit(5); the zero Column means no bound.
	Tolerance Column
	// ExcludeExactMatches refuses matches with equal as-of values (Spark's
	// allowExactMatches=false).
	ExcludeExactMatches bool
	// Direction is Backward (the default), Forward or Nearest.
	Direction AsOfDirection
}

func isZeroColumn(c Column) bool { return c.expr == nil && c.err == nil }

// AsOfJoin joins each row of df with the one row of other whose as-of value
// (rightAsOf) is closest to the row's own (leftAsOf) in the chosen direction, e.g. each
// trade with the latest quote at or before its time. See [AsOfJoinOptions].
func (df *DataFrame) AsOfJoin(other *DataFrame, leftAsOf, rightAsOf Column, opts AsOfJoinOptions) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		right, err := otherRel(other)
		if err != nil {
			return nil, err
		}
		j := &sparkpb.AsOfJoin{Left: in, Right: right, UsingColumns: slices.Clone(opts.Using),
			AllowExactMatches: !opts.ExcludeExactMatches, Direction: string(Backward), JoinType: "inner"}
		if err := leftAsOf.Err(); err != nil {
			return nil, fmt.Errorf("as-of join left column: %w", err)
		}
		if err := rightAsOf.Err(); err != nil {
			return nil, fmt.Errorf("as-of join right column: %w", err)
		}
		j.LeftAsOf, j.RightAsOf = leftAsOf.expr, rightAsOf.expr
		switch jt, err := opts.How.proto(); {
		case err != nil:
			return nil, fmt.Errorf("as-of %w", err)
		case jt == sparkpb.Join_JOIN_TYPE_LEFT_OUTER:
			j.JoinType = "left"
		case jt != sparkpb.Join_JOIN_TYPE_INNER:
			return nil, fmt.Errorf("as-of join: join type %q is not inner or left", string(opts.How))
		}
		switch d := AsOfDirection(strings.ToLower(string(opts.Direction))); d {
		case "":
		case Backward, Forward, Nearest:
			j.Direction = string(d)
		default:
			return nil, fmt.Errorf("as-of join: unknown direction %q", string(opts.Direction))
		}
		if !isZeroColumn(opts.On) {
			if len(opts.Using) > 0 {
				return nil, errors.New("as-of join: On and Using are exclusive")
			}
			if err := opts.On.Err(); err != nil {
				return nil, fmt.Errorf("as-of join condition: %w", err)
			}
			j.JoinExpr = opts.On.expr
		}
		if !isZeroColumn(opts.Tolerance) {
			if err := opts.Tolerance.Err(); err != nil {
				return nil, fmt.Errorf("as-of join tolerance: %w", err)
			}
			j.Tolerance = opts.Tolerance.expr
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_AsOfJoin{AsOfJoin: j}}, nil
	})
}
