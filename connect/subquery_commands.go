package connect

import (
	"errors"
	"fmt"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ErrSubqueryInCommand is wrapped by the error of a MERGE INTO ([MergeIntoWriter.Merge]) or
// an overwrite by condition ([DataFrameWriterV2.Overwrite]) whose conditions or assignments
// hold a subquery Column ([DataFrame.Scalar], [DataFrame.Exists], [Column.IsIn] with a
// DataFrame, [TableArg.Column]). The error comes before anything is sent.
//
// Spark Connect sends a subquery's plan next to the relation whose expressions use it (a
// WithRelations relation); the merge and write commands carry their conditions and
// assignments as bare expressions, with no place for the plans they refer to, and Spark
// 4.1 fails such a command with an internal error (an unresolved subquery plan id). Spark's
// own SQL refuses subqueries in a MERGE condition too (UNSUPPORTED_MERGE_CONDITION.SUBQUERY).
// Instead, bring the subquery's value into the source: for a merge, add it to the source
// DataFrame as a column (source.WithColumn("avg", avg.Scalar())), where subqueries work,
// and compare with that column; for an overwrite, compute the values first and pass them
// to IsIn as literals.
var ErrSubqueryInCommand = errors.New("spark connect: a subquery Column cannot be used in a MERGE or overwrite condition or assignment: the command has no place for its plan; compute the value into a column of the source DataFrame instead")

// checkNoSubquery returns an error wrapping ErrSubqueryInCommand, naming what, when an
// expression of a command holds a subquery.
func checkNoSubquery(what string, exprs ...*sparkpb.Expression) error {
	for _, e := range exprs {
		if e == nil {
			continue
		}
		var ids []int64
		collectSubqueryIDs(e.ProtoReflect(), true, &ids)
		if len(ids) > 0 {
			return fmt.Errorf("%s: %w", what, ErrSubqueryInCommand)
		}
	}
	return nil
}

// subqueryErr checks the merge condition and every clause (conditions and
// assignments) of a merge for subqueries.
func (w *MergeIntoWriter) subqueryErr() error {
	if err := checkNoSubquery(fmt.Sprintf("merge into %s: merge condition", w.table), w.on.expr); err != nil {
		return err
	}
	for _, k := range []struct {
		kind    string
		actions []*sparkpb.Expression
	}{{"when matched", w.matched}, {"when not matched", w.notMatched}, {"when not matched by source", w.notMatchedBySource}} {
		for i, a := range k.actions {
			if err := checkNoSubquery(fmt.Sprintf("merge into %s: %s clause %d", w.table, k.kind, i+1), a); err != nil {
				return err
			}
		}
	}
	return nil
}
