package connect

import (
	"errors"
	"fmt"
	"math"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Repartition redistributes the rows with a full shuffle. With no columns it makes n
// partitions of about equal size (round robin). With columns it hash-partitions the rows
// by them into n partitions, or into spark.sql.shuffle.partitions when n is 0. n must be
// positive, or 0 with columns.
func (df *DataFrame) Repartition(n int, cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(cols) == 0 {
			num, err := partitionCount("repartition", n)
			if err != nil {
				return nil, err
			}
			shuffle := true
			return &sparkpb.Relation{RelType: &sparkpb.Relation_Repartition{Repartition: &sparkpb.Repartition{
				Input: in, NumPartitions: num, Shuffle: &shuffle,
			}}}, nil
		}
		return repartitionByExpression("repartition", in, n, cols, false)
	})
}

// RepartitionByRange range-partitions the rows by the columns into n partitions, or into
// spark.sql.shuffle.partitions when n is 0: each partition holds a contiguous range of
// the sort order. Columns sort ascending unless given with Desc (or another sort order).
// At least one column is required. Spark finds the ranges by sampling, so the partition
// sizes are approximate.
func (df *DataFrame) RepartitionByRange(n int, cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return repartitionByExpression("repartition by range", in, n, cols, true)
	})
}

func repartitionByExpression(what string, in *sparkpb.Relation, n int, cols []Column, sorted bool) (*sparkpb.Relation, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s: at least one column is required", what)
	}
	r := &sparkpb.RepartitionByExpression{Input: in, PartitionExprs: make([]*sparkpb.Expression, len(cols))}
	if n != 0 {
		num, err := partitionCount(what, n)
		if err != nil {
			return nil, err
		}
		r.NumPartitions = &num
	}
	for i, c := range cols {
		if err := c.Err(); err != nil {
			return nil, err
		}
		if sorted && c.expr.GetSortOrder() == nil {
			c = c.Asc()
		}
		r.PartitionExprs[i] = c.expr
	}
	return &sparkpb.Relation{RelType: &sparkpb.Relation_RepartitionByExpression{RepartitionByExpression: r}}, nil
}

// Coalesce reduces the number of partitions to n without a shuffle, by merging
// partitions; asking for more partitions than there are leaves them as they are. n must be
// positive.
func (df *DataFrame) Coalesce(n int) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		num, err := partitionCount("coalesce", n)
		if err != nil {
			return nil, err
		}
		shuffle := false
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Repartition{Repartition: &sparkpb.Repartition{
			Input: in, NumPartitions: num, Shuffle: &shuffle,
		}}}, nil
	})
}

// partitionCount checks a number of partitions: positive and within Spark's int range.
func partitionCount(what string, n int) (int32, error) {
	if n <= 0 {
		return 0, fmt.Errorf("%s: the number of partitions must be positive, not %d", what, n)
	}
	if int64(n) > math.MaxInt32 {
		return 0, fmt.Errorf("%s: %d partitions is more than Spark's largest, %d", what, n, math.MaxInt32)
	}
	return int32(n), nil
}

// Sort sorts the rows; it is the same as [DataFrame.OrderBy].
func (df *DataFrame) Sort(cols ...Column) *DataFrame { return df.OrderBy(cols...) }

// SortWithinPartitions sorts the rows of each partition, without a shuffle and without a
// global order (SQL SORT BY). Columns sort ascending unless wrapped with Desc. At least one
// column is required.
func (df *DataFrame) SortWithinPartitions(cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(cols) == 0 {
			return nil, errors.New("sort within partitions: at least one column is required")
		}
		order, err := sortOrders(cols)
		if err != nil {
			return nil, err
		}
		global := false
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Sort{Sort: &sparkpb.Sort{Input: in, Order: order, IsGlobal: &global}}}, nil
	})
}

// sortOrders turns columns into sort orders, ascending unless they are sort orders already.
func sortOrders(cols []Column) ([]*sparkpb.Expression_SortOrder, error) {
	order := make([]*sparkpb.Expression_SortOrder, len(cols))
	for i, c := range cols {
		if err := c.Err(); err != nil {
			return nil, err
		}
		if c.expr.GetSortOrder() == nil {
			c = c.Asc()
		}
		order[i] = c.expr.GetSortOrder()
	}
	return order, nil
}
