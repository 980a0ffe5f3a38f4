package connect

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Subqueries. A Column made by DataFrame.Scalar, DataFrame.Exists, Column.IsIn with a
// DataFrame, or TableArg.Column refers to the subquery's plan by its plan id only, as Spark
// Connect's SubqueryExpression does; the plan itself travels next to the relation that uses
// the column, in a WithRelations node whose references hold it:
//
//	with_relations [id 12]
//	  root: filter [id 11] (condition: ... subquery_expression{plan_id: 7} ...)
//	  references: relation [id 7]
//
// While such a Column is alive, its session keeps the subquery's relation under its plan id
// (refcounted, dropped by a runtime cleanup when the last Column is collected), so that the
// DataFrame method that takes the Column, wherever it is nested, can find the relation again.
// Commands whose expressions are not in a relation (MERGE INTO, an overwrite by condition)
// have no such place: they refuse subquery Columns (ErrSubqueryInCommand, subquery_commands.go).

// subqueryRefs is a session's table of the relations that subquery Columns refer to.
type subqueryRefs struct {
	mu sync.Mutex
	m  map[int64]*subqueryRef
}

type subqueryRef struct {
	rel *sparkpb.Relation
	n   int
}

func (r *subqueryRefs) add(id int64, rel *sparkpb.Relation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[int64]*subqueryRef{}
	}
	if e := r.m[id]; e != nil {
		e.n++
		return
	}
	r.m[id] = &subqueryRef{rel: rel, n: 1}
}

func (r *subqueryRefs) drop(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.m[id]; e != nil {
		if e.n--; e.n <= 0 {
			delete(r.m, id)
		}
	}
}

func (r *subqueryRefs) get(id int64) (*sparkpb.Relation, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.m[id]
	if e == nil {
		return nil, false
	}
	return e.rel, true
}

// ErrForeignSubquery is wrapped by the error of a DataFrame that uses a subquery Column made
// from a DataFrame of another Session.
var ErrForeignSubquery = errors.New("spark connect: the subquery's DataFrame belongs to another session")

// Scalar returns the DataFrame as a scalar subquery: a Column whose value is the single
// value of its single column, or NULL when it has no rows (Spark fails the query when it
// has more than one). Use it in Select, Filter, WithColumn and the like:
//
//	avg := orders.Select(functions.Avg(connect.Col("amount")))
//	big := orders.Filter(connect.Col("amount").Gt(avg.Scalar()))
//
// The subquery may refer to columns of the query that uses it (a correlated subquery):
// name them with Col and mark them with Column.Outer. Spark 4.1 resolves outer references
// by name only; a DataFrame-qualified one (orders.Col("id").Outer()) fails with
// CANNOT_RESOLVE_DATAFRAME_COLUMN, as it does from PySpark. Inside the subquery, its own
// columns may be qualified:
//
//	orders.Select(connect.Col("id"), items.
//		Filter(items.Col("order_id").Eq(connect.Col("id").Outer())).
//		Select(functions.Count(connect.Col("*"))).Scalar())
func (df *DataFrame) Scalar() Column {
	return df.subquery(sparkpb.SubqueryExpression_SUBQUERY_TYPE_SCALAR, nil, "scalar subquery")
}

// Exists returns a boolean Column that is true where the DataFrame has at least one row:
// SQL's EXISTS (subquery). Correlate it with the outer query as for Scalar:
//
//	customers.Filter(orders.Filter(orders.Col("customer").Eq(connect.Col("id").Outer())).Exists())
func (df *DataFrame) Exists() Column {
	return df.subquery(sparkpb.SubqueryExpression_SUBQUERY_TYPE_EXISTS, nil, "exists subquery")
}

// inSubquery is c IN (the DataFrame's single column), the form Column.IsIn takes for a
// DataFrame argument.
func (df *DataFrame) inSubquery(c Column) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	col := df.subquery(sparkpb.SubqueryExpression_SUBQUERY_TYPE_IN, nil, "in subquery")
	if col.err == nil {
		col.expr.GetSubqueryExpression().InSubqueryValues = []*sparkpb.Expression{c.expr}
	}
	return col
}

func (df *DataFrame) subquery(kind sparkpb.SubqueryExpression_SubqueryType, opts *sparkpb.SubqueryExpression_TableArgOptions, what string) Column {
	if err := df.usable(); err != nil {
		return Column{err: fmt.Errorf("%s: %w", what, err)}
	}
	if df.err != nil {
		return Column{err: fmt.Errorf("%s: %w", what, df.err)}
	}
	id := df.rel.GetCommon().GetPlanId()
	if opts != nil && len(opts.PartitionSpec) == 0 && len(opts.OrderSpec) == 0 && opts.WithSinglePartition == nil {
		opts = nil
	}
	sub := &sparkpb.SubqueryExpression{PlanId: id, SubqueryType: kind, TableArgOptions: opts}
	expr := &sparkpb.Expression{ExprType: &sparkpb.Expression_SubqueryExpression{SubqueryExpression: sub}}
	refs := &df.s.subqueries
	refs.add(id, df.rel)
	runtime.AddCleanup(sub, refs.drop, id)
	return Column{expr: expr}
}

// TableArg is a DataFrame passed as a TABLE argument to a table-valued function, made by
// DataFrame.AsTable. Like SQL's TABLE(query) PARTITION BY ... ORDER BY ..., it may say how
// the function sees the rows: PartitionBy, OrderBy and WithSinglePartition return a new
// TableArg. Pass it to a function with Column.
type TableArg struct {
	df   *DataFrame
	opts *sparkpb.SubqueryExpression_TableArgOptions
	err  error
}

// AsTable returns the DataFrame as a table argument of a table-valued function: a
// user-defined table function, or a builtin that takes a table, such as stack. Spark takes
// table arguments in a table-valued function call (a relation, as Session.TVF builds, or
// SQL's FROM f(TABLE(...)), for which see Ref); in a projection such as Select the server
// refuses them. PARTITION BY and WITH SINGLE PARTITION are for user-defined table
// functions; Spark 4.1 fails builtins given them with an internal error:
//
//	s.SQL(ctx, "SELECT * FROM stack(1, TABLE({t}))", connect.Ref("t", df))
//	df.AsTable().PartitionBy(connect.Col("k")).OrderBy(connect.Col("ts")).Column()
func (df *DataFrame) AsTable() TableArg {
	return TableArg{df: df, opts: &sparkpb.SubqueryExpression_TableArgOptions{}}
}

func (t TableArg) with(what string, f func(o *sparkpb.SubqueryExpression_TableArgOptions) error) TableArg {
	if t.err != nil {
		return t
	}
	o := &sparkpb.SubqueryExpression_TableArgOptions{}
	if t.opts != nil {
		o.PartitionSpec = append(o.PartitionSpec, t.opts.PartitionSpec...)
		o.OrderSpec = append(o.OrderSpec, t.opts.OrderSpec...)
		o.WithSinglePartition = t.opts.WithSinglePartition
	}
	if err := f(o); err != nil {
		return TableArg{df: t.df, err: fmt.Errorf("table argument: %s: %w", what, err)}
	}
	return TableArg{df: t.df, opts: o}
}

// PartitionBy makes the function see the rows in partitions by the given columns (TABLE(t)
// PARTITION BY cols). It cannot be combined with WithSinglePartition.
func (t TableArg) PartitionBy(cols ...Column) TableArg {
	return t.with("partition by", func(o *sparkpb.SubqueryExpression_TableArgOptions) error {
		if len(cols) == 0 {
			return errors.New("no columns")
		}
		if o.WithSinglePartition != nil {
			return errors.New("cannot be combined with WithSinglePartition")
		}
		ex, err := exprs(cols)
		if err != nil {
			return err
		}
		o.PartitionSpec = append(o.PartitionSpec, ex...)
		return nil
	})
}

// OrderBy orders the rows within each partition (TABLE(t) PARTITION BY ... ORDER BY cols);
// columns sort ascending unless wrapped with Desc. It needs PartitionBy or
// WithSinglePartition first.
func (t TableArg) OrderBy(cols ...Column) TableArg {
	return t.with("order by", func(o *sparkpb.SubqueryExpression_TableArgOptions) error {
		if len(cols) == 0 {
			return errors.New("no columns")
		}
		if len(o.PartitionSpec) == 0 && o.WithSinglePartition == nil {
			return errors.New("needs PartitionBy or WithSinglePartition first")
		}
		for _, c := range cols {
			if err := c.Err(); err != nil {
				return err
			}
			so := c.expr.GetSortOrder()
			if so == nil {
				so = c.Asc().expr.GetSortOrder()
			}
			o.OrderSpec = append(o.OrderSpec, so)
		}
		return nil
	})
}

// WithSinglePartition makes the function see all rows in one partition (TABLE(t) WITH
// SINGLE PARTITION). It cannot be combined with PartitionBy.
func (t TableArg) WithSinglePartition() TableArg {
	return t.with("with single partition", func(o *sparkpb.SubqueryExpression_TableArgOptions) error {
		if len(o.PartitionSpec) > 0 {
			return errors.New("cannot be combined with PartitionBy")
		}
		single := true
		o.WithSinglePartition = &single
		return nil
	})
}

// Err returns the error recorded while building the table argument, or the DataFrame's.
func (t TableArg) Err() error {
	if t.err != nil {
		return t.err
	}
	if t.df == nil {
		return fmt.Errorf("table argument: %w", ErrNilDataFrame)
	}
	return t.df.Err()
}

// Column returns the table argument as a Column, to pass to a table-valued function.
func (t TableArg) Column() Column {
	if t.err != nil {
		return Column{err: t.err}
	}
	if t.df == nil {
		return Column{err: fmt.Errorf("table argument: %w", ErrNilDataFrame)}
	}
	return t.df.subquery(sparkpb.SubqueryExpression_SUBQUERY_TYPE_TABLE_ARG, t.opts, "table argument")
}

// withSubqueryRelations wraps rel, which has just been given its plan id, in a WithRelations
// node holding the relations of the subqueries its own expressions refer to (not those of
// its inputs, which carry their own), once each, in order of first appearance. rel is
// returned as it is when it has none.
func (s *Session) withSubqueryRelations(rel *sparkpb.Relation) (*sparkpb.Relation, error) {
	var ids []int64
	collectSubqueryIDs(rel.ProtoReflect(), true, &ids)
	if len(ids) == 0 {
		return rel, nil
	}
	var refs []*sparkpb.Relation
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		r, ok := s.subqueries.get(id)
		if !ok {
			return nil, ErrForeignSubquery
		}
		refs = append(refs, r)
	}
	return withRelations(s, rel, refs), nil
}

// withRelations wraps root, with a plan id of its own, and its references in a WithRelations
// relation with a new plan id.
func withRelations(s *Session, root *sparkpb.Relation, refs []*sparkpb.Relation) *sparkpb.Relation {
	if root.Common == nil {
		root.Common = &sparkpb.RelationCommon{}
	}
	if root.Common.PlanId == nil {
		id := s.nextPlanID()
		root.Common.PlanId = &id
	}
	id := s.nextPlanID()
	return &sparkpb.Relation{
		Common:  &sparkpb.RelationCommon{PlanId: &id},
		RelType: &sparkpb.Relation_WithRelations{WithRelations: &sparkpb.WithRelations{Root: root, References: refs}},
	}
}

var relationDescriptor = (&sparkpb.Relation{}).ProtoReflect().Descriptor()

// collectSubqueryIDs appends the plan ids of the subquery expressions in m, in order,
// without entering relations other than m itself (the top one, when top is set).
func collectSubqueryIDs(m protoreflect.Message, top bool, ids *[]int64) {
	if !top && m.Descriptor() == relationDescriptor {
		return
	}
	if sub, ok := m.Interface().(*sparkpb.SubqueryExpression); ok {
		*ids = append(*ids, sub.GetPlanId())
	}
	eachChild(m, func(c protoreflect.Message) bool {
		collectSubqueryIDs(c, false, ids)
		return true
	})
}
