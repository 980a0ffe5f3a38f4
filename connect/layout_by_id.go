package connect

import "github.com/sparkwire/sparkwire/connect/internal/sparkpb"

// RepartitionByID sends each row to the partition whose number partitionID gives (an int
// column or expression, normally from 0 to n-1), with a shuffle into n partitions: the
// caller decides the placement instead of a hash. An id out of range is taken modulo n
// (so -1 is n-1), and a null id goes to partition 0. n must be positive.
func (df *DataFrame) RepartitionByID(n int, partitionID Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		num, err := partitionCount("repartition by id", n)
		if err != nil {
			return nil, err
		}
		if err := partitionID.Err(); err != nil {
			return nil, err
		}
		id := &sparkpb.Expression{ExprType: &sparkpb.Expression_DirectShufflePartitionId{
			DirectShufflePartitionId: &sparkpb.Expression_DirectShufflePartitionID{Child: partitionID.expr},
		}}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_RepartitionByExpression{RepartitionByExpression: &sparkpb.RepartitionByExpression{
			Input: in, PartitionExprs: []*sparkpb.Expression{id}, NumPartitions: &num,
		}}}, nil
	})
}
