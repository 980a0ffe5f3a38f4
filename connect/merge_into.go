package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// MergeIntoWriter builds a MERGE INTO: it merges the rows of a DataFrame (the source) into
// a table (the target), as Spark's DataFrame.mergeInto does. Rows of the two are paired by
// the merge condition; clauses say what happens to the target rows with a match
// (WhenMatched), to the source rows without one (WhenNotMatched) and to the target rows
// without one (WhenNotMatchedBySource). Within each kind the clauses apply in the order
// they were added, and the first whose condition holds wins; a row that no clause
// applies to is left as it is.
//
// The target must be a table of a catalog that supports row-level operations (Apache
// Iceberg, Delta Lake): Spark's built-in file tables do not. Refer to the target's columns
// by the table's name (t.id for lake.db.t) and to the source's by an alias given to the
// DataFrame first:
//
//	updates.Alias("s").MergeInto("lake.db.t", connect.Col("t.id").Eq(connect.Col("s.id"))).
//		WhenMatched().UpdateAll().
//		WhenNotMatched().InsertAll().
//		Merge(ctx)
//
// Every method returns a modified copy, so a writer can serve as a template; nothing runs
// until Merge. Invalid input (a zero or invalid Column, an empty assignment) is recorded
// and returned by Merge, before anything is sent. Conditions and assignments cannot hold
// subquery Columns (see [ErrSubqueryInCommand]).
type MergeIntoWriter struct {
	df                 *DataFrame
	table              string
	on                 Column
	matched            []*sparkpb.Expression
	notMatched         []*sparkpb.Expression
	notMatchedBySource []*sparkpb.Expression
	schemaEvolution    bool
	err                error
}

// MergeInto returns a writer that merges the DataFrame's rows into the named table
// (optionally qualified by catalog and database), pairing rows of the two for which
// condition holds. Add at least one clause, then call Merge.
func (df *DataFrame) MergeInto(table string, condition Column) *MergeIntoWriter {
	return &MergeIntoWriter{df: df, table: table, on: condition}
}

func (w *MergeIntoWriter) with(f func(*MergeIntoWriter)) *MergeIntoWriter {
	var c MergeIntoWriter
	if w != nil {
		c = *w
		c.matched = slices.Clip(w.matched)
		c.notMatched = slices.Clip(w.notMatched)
		c.notMatchedBySource = slices.Clip(w.notMatchedBySource)
	}
	f(&c)
	return &c
}

// WithSchemaEvolution lets the merge change the target's schema to take in the source's:
// with UpdateAll and InsertAll, source columns the target lacks are added to it (rows
// that no clause wrote get NULL there). Without it those columns are left out. The table
// format must support it; Apache Iceberg tables do (with Spark 4.1.2 and Iceberg 1.12,
// not those with the property write.spark.accept-any-schema, where the merge condition
// fails to resolve).
func (w *MergeIntoWriter) WithSchemaEvolution() *MergeIntoWriter {
	return w.with(func(c *MergeIntoWriter) { c.schemaEvolution = true })
}

// WhenMatched starts a clause for the target rows that a source row matches. With
// conditions the clause applies only to the pairs for which all of them hold (they may
// refer to both the source and the target); without, to every pair, so it must be the
// last WhenMatched clause (Merge refuses a later one, which could never apply, as Spark's
// SQL does).
func (w *MergeIntoWriter) WhenMatched(conditions ...Column) MergeWhenMatched {
	return MergeWhenMatched{mergeClause{w: w, conds: slices.Clone(conditions), kind: "when matched"}}
}

// WhenNotMatched starts a clause for the source rows that match no target row: they can be
// inserted. Conditions, if any, may refer to the source only. A clause without conditions
// must be the last of its kind.
func (w *MergeIntoWriter) WhenNotMatched(conditions ...Column) MergeWhenNotMatched {
	return MergeWhenNotMatched{mergeClause{w: w, conds: slices.Clone(conditions), kind: "when not matched"}}
}

// WhenNotMatchedBySource starts a clause for the target rows that no source row matches:
// they can be updated or deleted. Conditions, if any, may refer to the target only. A
// clause without conditions must be the last of its kind.
func (w *MergeIntoWriter) WhenNotMatchedBySource(conditions ...Column) MergeWhenNotMatchedBySource {
	return MergeWhenNotMatchedBySource{mergeClause{w: w, conds: slices.Clone(conditions), kind: "when not matched by source"}}
}

// mergeClause is a clause being built: its writer, conditions and kind (for errors).
type mergeClause struct {
	w     *MergeIntoWriter
	conds []Column
	kind  string
}

// add returns a copy of the clause's writer with the action appended to the list that
// list selects; an invalid condition or assignment is recorded instead.
func (m mergeClause) add(list func(*MergeIntoWriter) *[]*sparkpb.Expression, action string,
	typ sparkpb.MergeAction_ActionType, assignments map[string]Column, needAssignments bool) *MergeIntoWriter {
	return m.w.with(func(c *MergeIntoWriter) {
		a, err := m.action(typ, assignments, needAssignments)
		if err != nil {
			if c.err == nil {
				c.err = fmt.Errorf("merge into %s: %s %s: %w", c.table, m.kind, action, err)
			}
			return
		}
		l := list(c)
		*l = append(*l, &sparkpb.Expression{ExprType: &sparkpb.Expression_MergeAction{MergeAction: a}})
	})
}

func (m mergeClause) action(typ sparkpb.MergeAction_ActionType, assignments map[string]Column, needAssignments bool) (*sparkpb.MergeAction, error) {
	a := &sparkpb.MergeAction{ActionType: typ}
	if len(m.conds) > 0 {
		cond := m.conds[0]
		for _, c := range m.conds[1:] {
			cond = cond.And(c)
		}
		for i, c := range m.conds {
			if err := c.Err(); err != nil {
				return nil, fmt.Errorf("condition %d: %w", i+1, err)
			}
		}
		a.Condition = cond.expr
	}
	if !needAssignments {
		return a, nil
	}
	if len(assignments) == 0 {
		return nil, errors.New("no assignments (to set every column from the source's column of the same name, use the All variant)")
	}
	keys := make([]string, 0, len(assignments))
	for k := range assignments {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a map has no order; the plan has one
	for _, k := range keys {
		if k == "" {
			return nil, errors.New("an assignment to an empty column name")
		}
		v := assignments[k]
		if err := v.Err(); err != nil {
			return nil, fmt.Errorf("column %s: %w", k, err)
		}
		a.Assignments = append(a.Assignments, &sparkpb.MergeAction_Assignment{Key: Col(k).expr, Value: v.expr})
	}
	return a, nil
}

func matchedList(c *MergeIntoWriter) *[]*sparkpb.Expression    { return &c.matched }
func notMatchedList(c *MergeIntoWriter) *[]*sparkpb.Expression { return &c.notMatched }
func bySourceList(c *MergeIntoWriter) *[]*sparkpb.Expression   { return &c.notMatchedBySource }

// MergeWhenMatched is a WhenMatched clause waiting for its action.
type MergeWhenMatched struct{ c mergeClause }

// Update sets the target's columns named by the keys (column names, dots for nested
// fields) to the values, which may refer to the source and the target.
func (m MergeWhenMatched) Update(set map[string]Column) *MergeIntoWriter {
	return m.c.add(matchedList, "update", sparkpb.MergeAction_ACTION_TYPE_UPDATE, set, true)
}

// UpdateAll sets every column of the target to the source's column of the same name.
func (m MergeWhenMatched) UpdateAll() *MergeIntoWriter {
	return m.c.add(matchedList, "update all", sparkpb.MergeAction_ACTION_TYPE_UPDATE_STAR, nil, false)
}

// Delete deletes the matched target row.
func (m MergeWhenMatched) Delete() *MergeIntoWriter {
	return m.c.add(matchedList, "delete", sparkpb.MergeAction_ACTION_TYPE_DELETE, nil, false)
}

// MergeWhenNotMatched is a WhenNotMatched clause waiting for its action.
type MergeWhenNotMatched struct{ c mergeClause }

// Insert inserts a row into the target with the columns named by the keys set to the
// values (expressions over the source); the target's other columns are NULL.
func (m MergeWhenNotMatched) Insert(values map[string]Column) *MergeIntoWriter {
	return m.c.add(notMatchedList, "insert", sparkpb.MergeAction_ACTION_TYPE_INSERT, values, true)
}

// InsertAll inserts the source row, every target column taken from the source's column of
// the same name.
func (m MergeWhenNotMatched) InsertAll() *MergeIntoWriter {
	return m.c.add(notMatchedList, "insert all", sparkpb.MergeAction_ACTION_TYPE_INSERT_STAR, nil, false)
}

// MergeWhenNotMatchedBySource is a WhenNotMatchedBySource clause waiting for its action.
type MergeWhenNotMatchedBySource struct{ c mergeClause }

// Update sets the target's columns named by the keys to the values, which may refer to
// the target only (there is no source row).
func (m MergeWhenNotMatchedBySource) Update(set map[string]Column) *MergeIntoWriter {
	return m.c.add(bySourceList, "update", sparkpb.MergeAction_ACTION_TYPE_UPDATE, set, true)
}

// Delete deletes the target row.
func (m MergeWhenNotMatchedBySource) Delete() *MergeIntoWriter {
	return m.c.add(bySourceList, "delete", sparkpb.MergeAction_ACTION_TYPE_DELETE, nil, false)
}

// Merge runs the merge on the server and returns when the target has been changed.
func (w *MergeIntoWriter) Merge(ctx context.Context) error {
	if w == nil || w.df == nil {
		return ErrNilDataFrame
	}
	if w.err != nil {
		return w.err
	}
	if err := w.df.Err(); err != nil {
		return err
	}
	if w.table == "" {
		return errors.New("merge into: no target table named")
	}
	if err := w.on.Err(); err != nil {
		return fmt.Errorf("merge into %s: merge condition: %w", w.table, err)
	}
	if len(w.matched)+len(w.notMatched)+len(w.notMatchedBySource) == 0 {
		return fmt.Errorf("merge into %s: no clause: add WhenMatched, WhenNotMatched or WhenNotMatchedBySource actions", w.table)
	}
	for _, k := range []struct {
		kind    string
		actions []*sparkpb.Expression
	}{{"when matched", w.matched}, {"when not matched", w.notMatched}, {"when not matched by source", w.notMatchedBySource}} {
		for i, a := range k.actions[:max(len(k.actions)-1, 0)] {
			if a.GetMergeAction().Condition == nil {
				return fmt.Errorf("merge into %s: %s clause %d of %d has no condition, so the ones after it could never apply: only the last clause of a kind may omit its condition",
					w.table, k.kind, i+1, len(k.actions))
			}
		}
	}
	if err := w.subqueryErr(); err != nil {
		return err
	}
	cmd := &sparkpb.MergeIntoTableCommand{
		TargetTableName: w.table, SourceTablePlan: w.df.rel, MergeCondition: w.on.expr,
		MatchActions: w.matched, NotMatchedActions: w.notMatched, NotMatchedBySourceActions: w.notMatchedBySource,
		WithSchemaEvolution: w.schemaEvolution,
	}
	_, err := w.df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_MergeIntoTableCommand{MergeIntoTableCommand: cmd}})
	return err
}
