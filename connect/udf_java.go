package connect

import (
	"context"
	"fmt"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// JVM user-defined functions are the UDFs a Go client can use: classes compiled for the
// JVM, shipped in a jar with [Session.AddArtifacts] and registered under a name for the
// session. A registered function is called by name, from SQL or with [CallFunction].

// RegisterJavaUDF registers className, a class on the session's class path implementing
// one of Spark's org.apache.spark.sql.api.java.UDF0 ... UDF22 interfaces, as the function
// name of the session (as PySpark's spark.udf.registerJavaFunction). returnType is the
// type of its result; nil lets the server infer it from the class's type parameters. Call
// it from SQL ("SELECT name(x) ...") or as CallFunction(name, cols...).
func (s *Session) RegisterJavaUDF(ctx context.Context, name, className string, returnType types.DataType) error {
	return s.registerJava(ctx, "register java udf", name, className, returnType, false)
}

// RegisterJavaUDAF registers className, a class on the session's class path extending
// org.apache.spark.sql.expressions.UserDefinedAggregateFunction, as the aggregate function
// name of the session (as PySpark's spark.udf.registerJavaUDAF). Call it in aggregations,
// from SQL or as CallFunction(name, cols...).
func (s *Session) RegisterJavaUDAF(ctx context.Context, name, className string) error {
	return s.registerJava(ctx, "register java udaf", name, className, nil, true)
}

func (s *Session) registerJava(ctx context.Context, op, name, className string, returnType types.DataType, aggregate bool) error {
	if err := s.usable(); err != nil {
		return err
	}
	if name == "" || className == "" {
		return fmt.Errorf("%s: the function name and the class name are required", op)
	}
	udf := &sparkpb.JavaUDF{ClassName: className, Aggregate: aggregate}
	if returnType != nil {
		pt, err := protoType(returnType)
		if err != nil {
			return fmt.Errorf("%s: return type: %w", op, err)
		}
		udf.OutputType = pt
	}
	_, err := s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_RegisterFunction{
		RegisterFunction: &sparkpb.CommonInlineUserDefinedFunction{
			FunctionName:  name,
			Deterministic: true,
			Function:      &sparkpb.CommonInlineUserDefinedFunction_JavaUdf{JavaUdf: udf},
		},
	}})
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	return nil
}
