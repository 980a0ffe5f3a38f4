package connect

import (
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// A DataFrame, reader or writer does not change when the caller later changes a slice it
// passed: DataFrames are immutable.
func TestArgumentSlicesAreCopied(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	names := []string{"a", "b"}
	drop := base.Drop(names...)
	dedup := base.DropDuplicates(names...)
	using := base.JoinUsing(s.Table("t"), names, InnerJoin)
	load := s.Read().Load(names...)
	keys := []Column{Col("k")}
	grouped := base.GroupBy(keys...)
	names[0], keys[0] = "changed", Col("changed")

	checkPlan(t, srv, drop, &sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{
		Input: rangeRel(10), ColumnNames: []string{"a", "b"}}}})
	checkPlan(t, srv, dedup, &sparkpb.Relation{RelType: &sparkpb.Relation_Deduplicate{Deduplicate: &sparkpb.Deduplicate{
		Input: rangeRel(10), ColumnNames: []string{"a", "b"}}}})
	checkPlan(t, srv, using, &sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
		Left: rangeRel(10), Right: tableRel("t"), JoinType: sparkpb.Join_JOIN_TYPE_INNER, UsingColumns: []string{"a", "b"}}}})
	checkPlan(t, srv, load, dataSource(false, nil, nil, nil, "a", "b"))
	checkPlan(t, srv, grouped.Count(), &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
		Input: rangeRel(10), GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
		GroupingExpressions: []*sparkpb.Expression{attrExpr("k")}, AggregateExpressions: []*sparkpb.Expression{aliasExpr(callExpr("count", litInt(1)), "count")},
	}}})

	cols := []string{"p"}
	w := s.ReadStream().Format("rate").Load().WriteStream().PartitionBy(cols...).ClusterBy(cols...)
	cols[0] = "changed"
	if _, err := w.Start(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := startCommand(t, srv)
	if got.PartitioningColumnNames[0] != "p" || got.ClusteringColumnNames[0] != "p" {
		t.Errorf("partitioning %v, clustering %v", got.PartitioningColumnNames, got.ClusteringColumnNames)
	}
}
