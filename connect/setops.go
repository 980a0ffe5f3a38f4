package connect

import "github.com/sparkwire/sparkwire/connect/internal/sparkpb"

// Intersect keeps the distinct rows that are in both df and other (SQL INTERSECT),
// matching columns by position.
func (df *DataFrame) Intersect(other *DataFrame) *DataFrame {
	return df.setOperation(other, sparkpb.SetOperation_SET_OP_TYPE_INTERSECT, false)
}

// IntersectAll keeps the rows that are in both df and other, duplicates included: a row
// that appears m times in df and n times in other appears min(m, n) times (SQL INTERSECT
// ALL).
func (df *DataFrame) IntersectAll(other *DataFrame) *DataFrame {
	return df.setOperation(other, sparkpb.SetOperation_SET_OP_TYPE_INTERSECT, true)
}

// Subtract keeps the distinct rows of df that are not in other (SQL EXCEPT DISTINCT).
// It is the same as [DataFrame.Except].
func (df *DataFrame) Subtract(other *DataFrame) *DataFrame {
	return df.setOperation(other, sparkpb.SetOperation_SET_OP_TYPE_EXCEPT, false)
}

// Except keeps the distinct rows of df that are not in other (SQL EXCEPT DISTINCT), as
// Scala's Dataset.except; PySpark calls it subtract.
func (df *DataFrame) Except(other *DataFrame) *DataFrame { return df.Subtract(other) }

// ExceptAll keeps the rows of df that are not in other, duplicates included: a row that
// appears m times in df and n times in other appears max(m-n, 0) times (SQL EXCEPT ALL).
func (df *DataFrame) ExceptAll(other *DataFrame) *DataFrame {
	return df.setOperation(other, sparkpb.SetOperation_SET_OP_TYPE_EXCEPT, true)
}

// UnionAll appends the rows of other, matching columns by position; it is the same as
// [DataFrame.Union] (which keeps duplicates too) and exists for parity with PySpark.
func (df *DataFrame) UnionAll(other *DataFrame) *DataFrame { return df.Union(other) }

func (df *DataFrame) setOperation(other *DataFrame, op sparkpb.SetOperation_SetOpType, all bool) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		right, err := other.relation()
		if err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
			LeftInput: in, RightInput: right, SetOpType: op, IsAll: &all,
		}}}, nil
	})
}

// relation returns the DataFrame's relation, for use as the other input of a binary
// operation, or the error that makes it unusable (nil, zero or invalid).
func (df *DataFrame) relation() (*sparkpb.Relation, error) {
	if err := df.usable(); err != nil {
		return nil, err
	}
	if df.err != nil {
		return nil, df.err
	}
	return df.rel, nil
}
