package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// The options of Dial reach the requests the server receives.
func TestGoldenDialOptions(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	id := NewSessionID()
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...),
		WithToken("secret"), WithUserID("alice"), WithUserAgent("myjob/1"), WithSessionID(id),
		WithHeader("x-team", "data"), WithAllocator(mem), WithRetryPolicy(DefaultRetryPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if s.ID() != id || s.Version() != fakeserver.SparkVersion {
		t.Errorf("ID %q Version %q", s.ID(), s.Version())
	}
	rec := int64Batch("id", 1, 2, 3)
	answerWith(t, srv, rec)
	r, err := s.Range(0, 3, 1).Collect(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Schema().Equal(rec.Schema()) {
		t.Errorf("schema %v before the first batch", r.Schema())
	}
	if st := r.SparkSchema(); st == nil || len(st.Fields) != 1 || st.Fields[0].Name != "id" {
		t.Errorf("spark schema %v", st)
	}
	r.Retain()
	n := 0
	for r.Next() {
		n++
		if r.Record() != r.RecordBatch() || r.RecordBatch().NumRows() != 3 {
			t.Errorf("batch %v", r.RecordBatch())
		}
	}
	if n != 1 || r.Rows() != 3 || r.Err() != nil {
		t.Errorf("%d batches, %d rows, %v", n, r.Rows(), r.Err())
	}
	r.Release()
	r.Release()
	r.Release() // more releases than retains do nothing
	mem.AssertSize(t, 0)

	reqs := srv.ExecuteRequests()
	req := reqs[len(reqs)-1]
	if req.GetSessionId() != id || req.GetUserContext().GetUserId() != "alice" || !strings.HasPrefix(req.GetClientType(), "myjob/1 sparkwire/") {
		t.Errorf("request session %q user %q client type %q", req.GetSessionId(), req.GetUserContext().GetUserId(), req.GetClientType())
	}

	if _, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...), WithSessionID("not-a-uuid")); !errors.Is(err, ErrConnectionString) {
		t.Errorf("Dial with a bad session id: %v", err)
	}
}

// A result that fails before any batch still has a schema.
func TestGoldenRecordReaderSchemaOnError(t *testing.T) {
	srv, s := dialGolden(t)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if err := op.Send(&sparkpb.ExecutePlanResponse{Schema: fakeserver.SchemaType(arrow.NewSchema(
			[]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))}); err != nil {
			return err
		}
		return fakeserver.SparkError(codes.Internal, "DIVIDE_BY_ZERO", "22012", "division by zero", "")
	})
	r, err := s.Range(0, 1, 1).Collect(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	sc := r.Schema()
	if sc.NumFields() != 1 || sc.Field(0).Name != "n" || sc.Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("schema %v", sc)
	}
	if r.Next() {
		t.Error("Next after an error")
	}
	var se *SparkError
	if !errors.As(r.Err(), &se) || se.ErrorClass != "DIVIDE_BY_ZERO" || status.Code(se) != codes.Internal {
		t.Errorf("Err() = %v", r.Err())
	}
}

func TestGoldenErrorDetails(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...), WithErrorStackTraces())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	root, cause := int32(0), int32(1)
	file := "Foo.scala"
	srv.RegisterErrorDetails("err-1", &sparkpb.FetchErrorDetailsResponse{RootErrorIdx: &root, Errors: []*sparkpb.FetchErrorDetailsResponse_Error{
		{ErrorTypeHierarchy: []string{"org.apache.spark.sql.AnalysisException"}, Message: "table t not found", CauseIdx: &cause,
			SparkThrowable: &sparkpb.FetchErrorDetailsResponse_SparkThrowable{MessageParameters: map[string]string{"name": "t"}},
			StackTrace: []*sparkpb.FetchErrorDetailsResponse_StackTraceElement{
				{DeclaringClass: "a.Foo", MethodName: "bar", FileName: &file, LineNumber: 12},
				{DeclaringClass: "a.Baz", MethodName: "qux"},
			}},
		{ErrorTypeHierarchy: []string{"java.io.IOException"}, Message: "disk"},
	}})
	srv.FailNext(fakeserver.SparkError(codes.Internal, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "table t not found", "err-1"))
	_, err = s.Table("t").Rows(goldenCtx(t))
	var se *SparkError
	if !errors.As(err, &se) {
		t.Fatalf("error %v", err)
	}
	if se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || se.SQLState != "42P01" || se.ErrorID != "err-1" ||
		se.Exception != "org.apache.spark.sql.AnalysisException" || se.MessageParameters["name"] != "t" {
		t.Errorf("error %+v", se)
	}
	if got := se.StackTraceString(); got != "\tat a.Foo.bar(Foo.scala:12)\n\tat a.Baz.qux\n" {
		t.Errorf("stack trace %q", got)
	}
	if se.Error() != "spark: [TABLE_OR_VIEW_NOT_FOUND] table t not found" {
		t.Errorf("Error() = %q", se.Error())
	}
	if se.Cause == nil || se.Cause.Message != "disk" || errors.Unwrap(se) != error(se.Cause) || se.Cause.Unwrap() != nil {
		t.Errorf("cause %+v", se.Cause)
	}
	if reqs := srv.FetchErrorDetailsRequests(); len(reqs) != 1 || reqs[0].GetErrorId() != "err-1" {
		t.Errorf("fetch error details requests %v", reqs)
	}
	// ErrorDetails of an error without id is the error itself.
	plain := &SparkError{Message: "x"}
	if got, err := s.ErrorDetails(goldenCtx(t), plain); got != plain || err != nil {
		t.Errorf("ErrorDetails without id = %v, %v", got, err)
	}
}

func TestGoldenDetach(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Errorf("second Detach: %v", err)
	}
	if n := len(srv.ReleaseSessionRequests()); n != 0 {
		t.Errorf("Detach released the session (%d requests)", n)
	}
	before := sentRequests(srv)
	if _, err := s.Range(0, 1, 1).Rows(goldenCtx(t)); err == nil {
		t.Error("query on a detached session succeeded")
	}
	if err := s.Conf().Set(goldenCtx(t), "k", "v"); err == nil {
		t.Error("Conf.Set on a detached session succeeded")
	}
	if _, err := s.Streams().Active(goldenCtx(t)); err == nil {
		t.Error("Active on a detached session succeeded")
	}
	if sentRequests(srv) != before {
		t.Error("a detached session sent a request")
	}
}
