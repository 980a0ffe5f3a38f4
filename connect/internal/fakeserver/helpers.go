package fakeserver

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SparkError returns a gRPC status error shaped as Spark's server sends them: the message
// starts with "[errorClass] " and the details hold an errdetails.ErrorInfo whose reason is
// the JVM exception class and whose metadata carries errorClass, sqlState, errorId (when
// not empty) and messageParameters (a JSON object, here empty). SQL states of class 42
// become an org.apache.spark.sql.AnalysisException, others an
// org.apache.spark.SparkException.
func SparkError(code codes.Code, errorClass, sqlState, message, errorID string) error {
	msg := message
	if errorClass != "" && !strings.HasPrefix(msg, "["+errorClass+"]") {
		msg = "[" + errorClass + "] " + msg
	}
	if sqlState != "" && !strings.Contains(msg, "SQLSTATE:") {
		msg += " SQLSTATE: " + sqlState
	}
	md := map[string]string{"classes": `["` + exceptionClass(sqlState) + `"]`, "messageParameters": "{}"}
	if errorClass != "" {
		md["errorClass"] = errorClass
	}
	if sqlState != "" {
		md["sqlState"] = sqlState
	}
	if errorID != "" {
		md["errorId"] = errorID
	}
	st, err := status.New(code, msg).WithDetails(&errdetails.ErrorInfo{
		Reason: exceptionClass(sqlState), Domain: "org.apache.spark", Metadata: md,
	})
	if err != nil { // cannot happen: ErrorInfo always marshals
		return status.Error(code, msg)
	}
	return st.Err()
}

// ExceptionError returns a gRPC status error for a JVM exception without an error class,
// as Spark's server sends an internal error such as an IllegalStateException: the message
// as it is, and an errdetails.ErrorInfo whose reason is the exception class.
func ExceptionError(code codes.Code, exception, message string) error {
	st, err := status.New(code, message).WithDetails(&errdetails.ErrorInfo{
		Reason: exception, Domain: "org.apache.spark",
		Metadata: map[string]string{"classes": `["` + exception + `"]`},
	})
	if err != nil { // cannot happen: ErrorInfo always marshals
		return status.Error(code, message)
	}
	return st.Err()
}

func exceptionClass(sqlState string) string {
	if strings.HasPrefix(sqlState, "42") {
		return "org.apache.spark.sql.AnalysisException"
	}
	return "org.apache.spark.SparkException"
}

// ErrorDetails returns the FetchErrorDetails answer for one error without cause or stack
// trace, as RegisterErrorDetails expects it.
func ErrorDetails(errorClass, sqlState, message string) *sparkpb.FetchErrorDetailsResponse {
	root := int32(0)
	t := &sparkpb.FetchErrorDetailsResponse_SparkThrowable{MessageParameters: map[string]string{}}
	if errorClass != "" {
		t.ErrorClass = &errorClass
	}
	if sqlState != "" {
		t.SqlState = &sqlState
	}
	return &sparkpb.FetchErrorDetailsResponse{
		RootErrorIdx: &root,
		Errors: []*sparkpb.FetchErrorDetailsResponse_Error{{
			ErrorTypeHierarchy: []string{exceptionClass(sqlState), "java.lang.Exception", "java.lang.Throwable"},
			Message:            message,
			SparkThrowable:     t,
		}},
	}
}

// ArrowBatch returns an arrow_batch response holding rec as an Arrow IPC stream (schema
// and one batch) and its row count. The caller keeps ownership of rec.
func ArrowBatch(rec arrow.RecordBatch) (*sparkpb.ExecutePlanResponse, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		w.Close()
		return nil, fmt.Errorf("arrow batch: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrow batch: %w", err)
	}
	return &sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{
		ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{RowCount: rec.NumRows(), Data: buf.Bytes()},
	}}, nil
}

// emptyBatch returns an arrow_batch response with the schema and no rows.
func emptyBatch(schema *arrow.Schema) (*sparkpb.ExecutePlanResponse, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrow batch: %w", err)
	}
	return &sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{
		ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{Data: buf.Bytes()},
	}}, nil
}

func cloneResponse(r *sparkpb.ExecutePlanResponse) *sparkpb.ExecutePlanResponse {
	return proto.Clone(r).(*sparkpb.ExecutePlanResponse)
}

// DataType returns the Spark Connect data type of an Arrow type, as Spark maps them
// (timestamps with a time zone are timestamp, without one timestamp_ntz). Types without a
// Spark counterpart become an unparsed type holding Arrow's name.
func DataType(t arrow.DataType) *sparkpb.DataType {
	switch t := t.(type) {
	case *arrow.NullType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}
	case *arrow.BooleanType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Boolean_{Boolean: &sparkpb.DataType_Boolean{}}}
	case *arrow.Int8Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Byte_{Byte: &sparkpb.DataType_Byte{}}}
	case *arrow.Int16Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Short_{Short: &sparkpb.DataType_Short{}}}
	case *arrow.Int32Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Integer_{Integer: &sparkpb.DataType_Integer{}}}
	case *arrow.Int64Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}
	case *arrow.Float32Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Float_{Float: &sparkpb.DataType_Float{}}}
	case *arrow.Float64Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Double_{Double: &sparkpb.DataType_Double{}}}
	case *arrow.StringType, *arrow.LargeStringType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}}}
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Binary_{Binary: &sparkpb.DataType_Binary{}}}
	case *arrow.Date32Type:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Date_{Date: &sparkpb.DataType_Date{}}}
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return &sparkpb.DataType{Kind: &sparkpb.DataType_TimestampNtz{TimestampNtz: &sparkpb.DataType_TimestampNTZ{}}}
		}
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Timestamp_{Timestamp: &sparkpb.DataType_Timestamp{}}}
	case *arrow.Decimal128Type:
		p, sc := t.Precision, t.Scale
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Decimal_{Decimal: &sparkpb.DataType_Decimal{Precision: &p, Scale: &sc}}}
	case *arrow.ListType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{
			ElementType: DataType(t.Elem()), ContainsNull: t.ElemField().Nullable,
		}}}
	case *arrow.MapType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{
			KeyType: DataType(t.KeyType()), ValueType: DataType(t.ItemType()), ValueContainsNull: t.ItemField().Nullable,
		}}}
	case *arrow.StructType:
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: structOf(t.Fields())}}
	}
	return &sparkpb.DataType{Kind: &sparkpb.DataType_Unparsed_{Unparsed: &sparkpb.DataType_Unparsed{DataTypeString: t.String()}}}
}

// SchemaType returns the Spark Connect struct type of an Arrow schema (an empty struct for
// nil).
func SchemaType(schema *arrow.Schema) *sparkpb.DataType {
	var fields []arrow.Field
	if schema != nil {
		fields = schema.Fields()
	}
	return &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: structOf(fields)}}
}

func structOf(fields []arrow.Field) *sparkpb.DataType_Struct {
	st := &sparkpb.DataType_Struct{}
	for _, f := range fields {
		st.Fields = append(st.Fields, &sparkpb.DataType_StructField{Name: f.Name, DataType: DataType(f.Type), Nullable: f.Nullable})
	}
	return st
}
