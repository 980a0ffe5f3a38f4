package connect

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// DataFrame is a lazy, immutable description of a query. Transformations return a new
// DataFrame and do no I/O; an invalid plan surfaces as an error at the first action
// (Collect, Rows, Count, Show, Schema, Explain, ...), which takes a context.
type DataFrame struct {
	s   *Session
	rel *sparkpb.Relation
	err error
}

func (s *Session) newDataFrame(rel *sparkpb.Relation) *DataFrame {
	if err := s.usable(); err != nil {
		return &DataFrame{err: err}
	}
	id := s.nextPlanID()
	if rel.Common == nil {
		rel.Common = &sparkpb.RelationCommon{}
	}
	rel.Common.PlanId = &id
	rel, err := s.withSubqueryRelations(rel)
	if err != nil {
		return &DataFrame{s: s, err: err}
	}
	return &DataFrame{s: s, rel: rel}
}

// derive builds a DataFrame from df's relation, or carries df's error along.
func (df *DataFrame) derive(build func(input *sparkpb.Relation) (*sparkpb.Relation, error)) *DataFrame {
	if err := df.usable(); err != nil {
		return &DataFrame{err: err}
	}
	if df.err != nil {
		return df
	}
	rel, err := build(df.rel)
	if err != nil {
		return &DataFrame{s: df.s, err: err}
	}
	return df.s.newDataFrame(rel)
}

// Session returns the session the DataFrame belongs to.
func (df *DataFrame) Session() *Session { return df.s }

// ErrNilDataFrame is the error of a nil *DataFrame.
var ErrNilDataFrame = errors.New("spark connect: nil DataFrame")

// Err returns the error recorded while building the DataFrame, if any. Actions return it too.
// A nil DataFrame, or a zero one not made by a Session, has an error as well.
func (df *DataFrame) Err() error {
	if err := df.usable(); err != nil {
		return err
	}
	return df.err
}

// Select projects a set of columns or expressions.
func (df *DataFrame) Select(cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		ex, err := exprs(cols)
		if err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Project{Project: &sparkpb.Project{
			Input: in, Expressions: ex,
		}}}, nil
	})
}

// SelectExpr projects SQL expressions, e.g. SelectExpr("id", "id * 2 AS twice").
func (df *DataFrame) SelectExpr(sql ...string) *DataFrame {
	cols := make([]Column, len(sql))
	for i, s := range sql {
		cols[i] = Expr(s)
	}
	return df.Select(cols...)
}

// Filter keeps the rows for which cond is true.
func (df *DataFrame) Filter(cond Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if err := cond.Err(); err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{
			Input: in, Condition: cond.expr,
		}}}, nil
	})
}

// Where keeps the rows for which the SQL condition is true, e.g. Where("amount > 100").
func (df *DataFrame) Where(condition string) *DataFrame { return df.Filter(Expr(condition)) }

// Limit keeps the first n rows; n is at most math.MaxInt32, Spark's largest limit.
func (df *DataFrame) Limit(n int) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if n < 0 {
			return nil, fmt.Errorf("limit %d is negative", n)
		}
		if int64(n) > math.MaxInt32 {
			return nil, fmt.Errorf("limit %d is larger than Spark's largest, %d", n, math.MaxInt32)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Limit{Limit: &sparkpb.Limit{
			Input: in, Limit: int32(n),
		}}}, nil
	})
}

// errZeroDataFrame is the error of a DataFrame not made by a Session.
var errZeroDataFrame = errors.New("spark connect: the zero DataFrame has no session; DataFrames come from a Session")

// usable reports a nil or zero DataFrame, on which no plan can be built.
func (df *DataFrame) usable() error {
	if df == nil {
		return ErrNilDataFrame
	}
	if df.err == nil && (df.s == nil || df.rel == nil) {
		return errZeroDataFrame
	}
	return nil
}

// plan wraps the DataFrame's relation as a query plan.
func (df *DataFrame) plan() (*sparkpb.Plan, error) {
	if err := df.usable(); err != nil {
		return nil, err
	}
	if df.err != nil {
		return nil, df.err
	}
	return &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: df.rel}}, nil
}

// Schema asks the server for the DataFrame's schema.
func (df *DataFrame) Schema(ctx context.Context) (*types.StructType, error) {
	p, err := df.plan()
	if err != nil {
		return nil, err
	}
	resp, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_Schema_{
		Schema: &sparkpb.AnalyzePlanRequest_Schema{Plan: p},
	}})
	if err != nil {
		return nil, err
	}
	st, ok := dataType(resp.GetSchema().GetSchema()).(*types.StructType)
	if !ok {
		return nil, errors.New("spark connect: server returned a schema that is not a struct")
	}
	return st, nil
}

// ExplainMode selects what Explain prints.
type ExplainMode int

// The explain modes, as in Spark's DataFrame.explain.
const (
	ExplainSimple ExplainMode = iota + 1
	ExplainExtended
	ExplainCodegen
	ExplainCost
	ExplainFormatted
)

// Explain returns Spark's explanation of the query plan.
func (df *DataFrame) Explain(ctx context.Context, mode ExplainMode) (string, error) {
	p, err := df.plan()
	if err != nil {
		return "", err
	}
	if mode < ExplainSimple || mode > ExplainFormatted {
		mode = ExplainSimple
	}
	resp, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_Explain_{
		Explain: &sparkpb.AnalyzePlanRequest_Explain{Plan: p,
			ExplainMode: sparkpb.AnalyzePlanRequest_Explain_ExplainMode(mode)},
	}})
	if err != nil {
		return "", err
	}
	return resp.GetExplain().GetExplainString(), nil
}

// IsStreaming reports whether the DataFrame reads from a streaming source.
func (df *DataFrame) IsStreaming(ctx context.Context) (bool, error) {
	p, err := df.plan()
	if err != nil {
		return false, err
	}
	resp, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_IsStreaming_{
		IsStreaming: &sparkpb.AnalyzePlanRequest_IsStreaming{Plan: p},
	}})
	if err != nil {
		return false, err
	}
	return resp.GetIsStreaming().GetIsStreaming(), nil
}

// Collect runs the query and returns a reader that streams the result as Arrow record
// batches as they arrive: memory is bounded by a batch, not by the result. The caller must
// Release the reader; releasing it before the end interrupts the query on the server.
func (df *DataFrame) Collect(ctx context.Context) (*RecordReader, error) {
	p, err := df.plan()
	if err != nil {
		return nil, err
	}
	e, err := df.s.execute(ctx, p)
	if err != nil {
		return nil, err
	}
	rr := newRecordReader(e, df.s.mem)
	rr.observed = df.s.observationsFor(p)
	rr.info = newExecInfo(e.OperationID(), traceFinished(traceOf(ctx)))
	return rr, nil
}

// Count returns the number of rows.
func (df *DataFrame) Count(ctx context.Context) (int64, error) {
	agg := df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		one, _ := literal(int32(1))
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
			Input: in, GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
			AggregateExpressions: []*sparkpb.Expression{callFunction("count",
				&sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: one}})},
		}}}, nil
	})
	rows, err := agg.Rows(ctx)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 || rows[0].Len() != 1 {
		return 0, fmt.Errorf("spark connect: count returned %d rows", len(rows))
	}
	n, ok := rows[0].Value(0).(int64)
	if !ok {
		return 0, fmt.Errorf("spark connect: count returned %T", rows[0].Value(0))
	}
	return n, nil
}

// ShowOptions tune [DataFrame.ShowString].
type ShowOptions struct {
	// Truncate cuts cells to this many characters; 0 means no truncation. Show uses 20.
	Truncate int
	// Vertical prints one line per column, as show(vertical=True).
	Vertical bool
}

// Show returns the first n rows rendered as a table, exactly as Spark's show(n) prints it
// (cells truncated to 20 characters).
func (df *DataFrame) Show(ctx context.Context, n int) (string, error) {
	return df.ShowString(ctx, n, ShowOptions{Truncate: 20})
}

// ShowString renders the first n rows as Spark's show does, with the given options. The
// server does the rendering, so the output matches every other Spark client. Like Spark,
// it clamps n to between 0 and math.MaxInt32-1.
func (df *DataFrame) ShowString(ctx context.Context, n int, opts ShowOptions) (string, error) {
	n = int(max(min(int64(n), math.MaxInt32-1), 0))
	// Show needs n+1 rows (the extra one decides "only showing top n rows"). Limiting the
	// input first also avoids a server quirk: ShowString straight over a streaming memory
	// table can come back empty.
	show := df.Limit(n + 1).derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_ShowString{ShowString: &sparkpb.ShowString{
			Input: in, NumRows: int32(n), Truncate: int32(opts.Truncate), Vertical: opts.Vertical,
		}}}, nil
	})
	rows, err := show.Rows(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, r := range rows {
		if s, ok := r.Value(0).(string); ok {
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

func callFunction(name string, args ...*sparkpb.Expression) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedFunction_{
		UnresolvedFunction: &sparkpb.Expression_UnresolvedFunction{FunctionName: name, Arguments: args},
	}}
}
