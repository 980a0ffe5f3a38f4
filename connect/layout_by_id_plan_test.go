package connect

import (
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestRepartitionByIDPlan(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 6, 1).RepartitionByID(3, Col("id").Mod(3).Cast("int"))
	n := int32(3)
	id := &sparkpb.Expression{ExprType: &sparkpb.Expression_DirectShufflePartitionId{
		DirectShufflePartitionId: &sparkpb.Expression_DirectShufflePartitionID{Child: Col("id").Mod(3).Cast("int").expr},
	}}
	checkPlan(t, srv, df, &sparkpb.Relation{RelType: &sparkpb.Relation_RepartitionByExpression{RepartitionByExpression: &sparkpb.RepartitionByExpression{
		Input: rangeRel(6), PartitionExprs: []*sparkpb.Expression{id}, NumPartitions: &n,
	}}})
	for name, tc := range map[string]struct {
		df   *DataFrame
		want string
	}{
		"zero partitions": {s.Range(0, 1, 1).RepartitionByID(0, Col("id")), "must be positive"},
		"negative":        {s.Range(0, 1, 1).RepartitionByID(-2, Col("id")), "must be positive"},
		"zero column":     {s.Range(0, 1, 1).RepartitionByID(2, Column{}), "zero Column"},
		"bad input":       {s.Range(0, 1, 1).Limit(-1).RepartitionByID(2, Col("id")), "negative"},
	} {
		if err := tc.df.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
