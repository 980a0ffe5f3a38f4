package connect

import (
	"context"
	"errors"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// ErrNoRows is returned by [DataFrame.First] for a DataFrame without rows.
var ErrNoRows = errors.New("spark connect: the DataFrame has no rows")

// First returns the first row, or ErrNoRows when there is none.
func (df *DataFrame) First(ctx context.Context) (Row, error) {
	rows, err := df.Head(ctx, 1)
	if err != nil {
		return Row{}, err
	}
	if len(rows) == 0 {
		return Row{}, ErrNoRows
	}
	return rows[0], nil
}

// Head returns the first n rows (fewer if there are fewer).
func (df *DataFrame) Head(ctx context.Context, n int) ([]Row, error) { return df.Limit(n).Rows(ctx) }

// Take returns the first n rows; it is the same as [DataFrame.Head].
func (df *DataFrame) Take(ctx context.Context, n int) ([]Row, error) { return df.Head(ctx, n) }

// IsEmpty reports whether the DataFrame has no rows; it reads at most one.
func (df *DataFrame) IsEmpty(ctx context.Context) (bool, error) {
	rows, err := df.Head(ctx, 1)
	if err != nil {
		return false, err
	}
	return len(rows) == 0, nil
}

// analyzePlan sends an analysis of df's plan, built by req.
func (df *DataFrame) analyzePlan(ctx context.Context, req func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	p, err := df.plan()
	if err != nil {
		return nil, err
	}
	return df.s.analyze(ctx, req(p))
}

// IsLocal reports whether Spark can run the query in its driver alone, without executors
// (for example over data created in the client).
func (df *DataFrame) IsLocal(ctx context.Context) (bool, error) {
	resp, err := df.analyzePlan(ctx, func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest {
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_IsLocal_{IsLocal: &sparkpb.AnalyzePlanRequest_IsLocal{Plan: p}}}
	})
	if err != nil {
		return false, err
	}
	return resp.GetIsLocal().GetIsLocal(), nil
}

// InputFiles returns a best-effort list of the files the query reads, as Spark knows them
// from its file sources (none for tables of other kinds or data created in the client).
func (df *DataFrame) InputFiles(ctx context.Context) ([]string, error) {
	resp, err := df.analyzePlan(ctx, func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest {
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_InputFiles_{InputFiles: &sparkpb.AnalyzePlanRequest_InputFiles{Plan: p}}}
	})
	if err != nil {
		return nil, err
	}
	return resp.GetInputFiles().GetFiles(), nil
}

// SameSemantics reports whether df and other compute the same result, as Spark judges by
// comparing their canonicalized logical plans (cosmetic differences such as aliases of
// intermediate results do not count). Both must belong to the same session.
func (df *DataFrame) SameSemantics(ctx context.Context, other *DataFrame) (bool, error) {
	o, err := other.plan()
	if err != nil {
		return false, err
	}
	resp, err := df.analyzePlan(ctx, func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest {
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SameSemantics_{SameSemantics: &sparkpb.AnalyzePlanRequest_SameSemantics{
			TargetPlan: p, OtherPlan: o,
		}}}
	})
	if err != nil {
		return false, err
	}
	return resp.GetSameSemantics().GetResult(), nil
}

// SemanticHash returns a hash of the canonicalized logical plan: DataFrames for which
// [DataFrame.SameSemantics] holds have the same hash.
func (df *DataFrame) SemanticHash(ctx context.Context) (int32, error) {
	resp, err := df.analyzePlan(ctx, func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest {
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SemanticHash_{SemanticHash: &sparkpb.AnalyzePlanRequest_SemanticHash{Plan: p}}}
	})
	if err != nil {
		return 0, err
	}
	return resp.GetSemanticHash().GetResult(), nil
}

// Columns returns the names of the columns, in order.
func (df *DataFrame) Columns(ctx context.Context) ([]string, error) {
	st, err := df.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return st.Names(), nil
}

// ColumnType is the name and type of a column, as [DataFrame.DTypes] returns them.
type ColumnType struct {
	// Name is the column's name.
	Name string
	// Type is Spark's short name of the column's type, as PySpark's dtypes gives it:
	// "bigint", "decimal(10,2)", "array<string>", "struct<a:int,b:string>".
	Type string
}

// DTypes returns the name and type of every column, in order.
func (df *DataFrame) DTypes(ctx context.Context) ([]ColumnType, error) {
	st, err := df.Schema(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ColumnType, len(st.Fields))
	for i, f := range st.Fields {
		out[i] = ColumnType{Name: f.Name, Type: simpleString(f.Type)}
	}
	return out, nil
}

// simpleString renders a type as Spark's simpleString: DDL without nullability.
func simpleString(t types.DataType) string {
	switch t := t.(type) {
	case nil:
		return "unknown"
	case *types.StructType:
		if t == nil {
			return "struct<>"
		}
		var b strings.Builder
		b.WriteString("struct<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name)
			b.WriteByte(':')
			b.WriteString(simpleString(f.Type))
		}
		b.WriteByte('>')
		return b.String()
	case types.ArrayType:
		return "array<" + simpleString(t.Element) + ">"
	case types.MapType:
		return "map<" + simpleString(t.Key) + "," + simpleString(t.Value) + ">"
	}
	return t.DDL()
}

// PrintSchema returns the schema as a tree, exactly as Spark's printSchema prints it.
func (df *DataFrame) PrintSchema(ctx context.Context) (string, error) { return df.TreeString(ctx, 0) }

// TreeString returns the schema as a tree as [DataFrame.PrintSchema] does, nested only
// down to level (1 is the top-level columns); 0 or less means every level.
func (df *DataFrame) TreeString(ctx context.Context, level int) (string, error) {
	resp, err := df.analyzePlan(ctx, func(p *sparkpb.Plan) *sparkpb.AnalyzePlanRequest {
		ts := &sparkpb.AnalyzePlanRequest_TreeString{Plan: p}
		if level > 0 {
			l := int32(min(level, 1<<30))
			ts.Level = &l
		}
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_TreeString_{TreeString: ts}}
	})
	if err != nil {
		return "", err
	}
	return resp.GetTreeString().GetTreeString(), nil
}
