package connect

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Aggregations over "every numeric column" (GroupedData.Sum and friends with no names)
// need the input's schema, which only the server knows, while building a DataFrame does no
// I/O. Such an aggregation is built with a placeholder expression in its aggregate list: an
// Expression extension naming the function. When a plan is sent (execute, analyze or a
// command), the session resolves placeholders, innermost first: it asks the server for the
// schema of the aggregation's input and replaces the placeholder with fn(`col`) AS
// "fn(col)" for each numeric column, on a copy of the plan (DataFrames stay immutable and
// shareable). A placeholder that ever reached the server would be rejected as an unknown
// extension, never computed wrongly.

const numericColumnsURL = "type.sparkwire.dev/sparkwire.NumericColumns"

// numericColumnsMarker is the placeholder for fn over every numeric column.
func numericColumnsMarker(fn string) *sparkpb.Expression {
	v, _ := proto.Marshal(wrapperspb.String(fn)) // a string always marshals
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_Extension{Extension: &anypb.Any{TypeUrl: numericColumnsURL, Value: v}}}
}

// markerFunction returns the function of a placeholder, and whether e is one.
func markerFunction(e *sparkpb.Expression) (string, bool) {
	ext := e.GetExtension()
	if ext == nil || ext.GetTypeUrl() != numericColumnsURL {
		return "", false
	}
	var fn wrapperspb.StringValue
	if err := proto.Unmarshal(ext.GetValue(), &fn); err != nil {
		return "", false
	}
	return fn.GetValue(), true
}

// hasMarker reports whether m holds a placeholder anywhere.
func hasMarker(m protoreflect.Message) bool {
	if e, ok := m.Interface().(*sparkpb.Expression); ok {
		if _, ok := markerFunction(e); ok {
			return true
		}
	}
	found := false
	eachChild(m, func(c protoreflect.Message) bool {
		found = hasMarker(c)
		return !found
	})
	return found
}

// resolveNumericColumns returns msg, or a copy of it with every placeholder resolved.
func resolveNumericColumns[T proto.Message](ctx context.Context, s *Session, msg T) (T, error) {
	if !hasMarker(msg.ProtoReflect()) {
		return msg, nil
	}
	c := proto.Clone(msg).(T)
	if err := resolveIn(ctx, s, c.ProtoReflect()); err != nil {
		var zero T
		return zero, err
	}
	return c, nil
}

// resolveIn resolves the placeholders in m, innermost first, so that the input whose
// schema is asked for holds none.
func resolveIn(ctx context.Context, s *Session, m protoreflect.Message) error {
	var err error
	eachChild(m, func(c protoreflect.Message) bool {
		err = resolveIn(ctx, s, c)
		return err == nil
	})
	if err != nil {
		return err
	}
	agg, ok := m.Interface().(*sparkpb.Aggregate)
	if !ok || !slices.ContainsFunc(agg.AggregateExpressions, func(e *sparkpb.Expression) bool {
		_, ok := markerFunction(e)
		return ok
	}) {
		return nil
	}
	var numeric []string
	if numeric, err = numericColumns(ctx, s, agg.GetInput()); err != nil {
		return err
	}
	var out []*sparkpb.Expression
	for _, e := range agg.AggregateExpressions {
		fn, ok := markerFunction(e)
		if !ok {
			out = append(out, e)
			continue
		}
		for _, name := range numeric {
			out = append(out, CallFunction(fn, Col(quoteName(name))).Alias(fmt.Sprintf("%s(%s)", fn, name)).expr)
		}
	}
	agg.AggregateExpressions = out
	return nil
}

// numericColumns asks the server for the names of the numeric columns of rel.
func numericColumns(ctx context.Context, s *Session, rel *sparkpb.Relation) ([]string, error) {
	resp, err := s.wire.Analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_Schema_{
		Schema: &sparkpb.AnalyzePlanRequest_Schema{Plan: &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: rel}}},
	}})
	if err != nil {
		return nil, fmt.Errorf("schema of an aggregation over all numeric columns: %w", err)
	}
	st, _ := dataType(resp.GetSchema().GetSchema()).(*types.StructType)
	if st == nil {
		return nil, nil
	}
	var names []string
	for _, f := range st.Fields {
		if isNumeric(f.Type) {
			names = append(names, f.Name)
		}
	}
	return names, nil
}

func isNumeric(t types.DataType) bool {
	switch t {
	case types.Byte, types.Short, types.Integer, types.Long, types.Float, types.Double:
		return true
	}
	_, ok := t.(types.DecimalType)
	return ok
}

// quoteName quotes a column name with backticks, so that dots in it are not nesting.
func quoteName(name string) string {
	q := make([]byte, 0, len(name)+2)
	q = append(q, '`')
	for i := 0; i < len(name); i++ {
		if name[i] == '`' {
			q = append(q, '`')
		}
		q = append(q, name[i])
	}
	return string(append(q, '`'))
}
