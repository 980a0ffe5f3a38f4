package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

const session = "7d1a3f1e-0000-4000-8000-000000000001"

func setup(t *testing.T) (*Server, sparkpb.SparkConnectServiceClient) {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	conn, err := grpc.NewClient("fake:15002", append(s.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return s, sparkpb.NewSparkConnectServiceClient(conn)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func int64Batch(t *testing.T, vals ...int64) arrow.RecordBatch {
	t.Helper()
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

// setBatches makes every query return the given batches (each call gets its own reference).
func setBatches(s *Server, recs ...arrow.RecordBatch) {
	s.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		for _, r := range recs {
			r.Retain()
		}
		return recs, nil
	})
}

func opID(id string) *string { return &id }

func reattachable() []*sparkpb.ExecutePlanRequest_RequestOption {
	return []*sparkpb.ExecutePlanRequest_RequestOption{{RequestOption: &sparkpb.ExecutePlanRequest_RequestOption_ReattachOptions{
		ReattachOptions: &sparkpb.ReattachOptions{Reattachable: true},
	}}}
}

func rangePlan() *sparkpb.Plan {
	return &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: &sparkpb.Relation{RelType: &sparkpb.Relation_Range{
		Range: &sparkpb.Range{End: 3, Step: 1},
	}}}}
}

func command(c *sparkpb.Command) *sparkpb.Plan {
	return &sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: c}}
}

// readAll reads a stream to its end; it returns the responses and the stream's error
// (nil at a clean end).
func readAll(stream grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse]) ([]*sparkpb.ExecutePlanResponse, error) {
	var out []*sparkpb.ExecutePlanResponse
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

func execute(t *testing.T, c sparkpb.SparkConnectServiceClient, req *sparkpb.ExecutePlanRequest) ([]*sparkpb.ExecutePlanResponse, error) {
	t.Helper()
	if req.SessionId == "" {
		req.SessionId = session
	}
	stream, err := c.ExecutePlan(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(stream)
}

func errorInfo(t *testing.T, err error) *errdetails.ErrorInfo {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("not a status error: %v", err)
	}
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei
		}
	}
	t.Fatalf("no ErrorInfo in %v", err)
	return nil
}

func TestAnalyzeDefaults(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	resp, err := c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session,
		Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetSparkVersion().GetVersion() != "4.1.2" || resp.GetSessionId() != session || resp.GetServerSideSessionId() != s.ServerSideSessionID() {
		t.Fatalf("version response %v", resp)
	}

	// Schema: empty struct without a result, the first batch's schema with one.
	schemaReq := &sparkpb.AnalyzePlanRequest{SessionId: session,
		Analyze: &sparkpb.AnalyzePlanRequest_Schema_{Schema: &sparkpb.AnalyzePlanRequest_Schema{Plan: rangePlan()}}}
	resp, err = c.AnalyzePlan(ctx, schemaReq)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.GetSchema().GetSchema().GetStruct().GetFields()); n != 0 || resp.GetSchema().GetSchema().GetStruct() == nil {
		t.Fatalf("default schema %v", resp.GetSchema())
	}
	rec := int64Batch(t, 1, 2)
	defer rec.Release()
	setBatches(s, rec)
	resp, err = c.AnalyzePlan(ctx, schemaReq)
	if err != nil {
		t.Fatal(err)
	}
	fields := resp.GetSchema().GetSchema().GetStruct().GetFields()
	if len(fields) != 1 || fields[0].GetName() != "id" || fields[0].GetDataType().GetLong() == nil || !fields[0].GetNullable() {
		t.Fatalf("schema %v", resp.GetSchema())
	}

	resp, err = c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session,
		Analyze: &sparkpb.AnalyzePlanRequest_Explain_{Explain: &sparkpb.AnalyzePlanRequest_Explain{Plan: rangePlan()}}})
	if err != nil || !strings.Contains(resp.GetExplain().GetExplainString(), "== Physical Plan ==") {
		t.Fatalf("explain %v %v", resp, err)
	}

	streamingPlan := &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: &sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{
		Input: &sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{IsStreaming: true,
			ReadType: &sparkpb.Read_DataSource_{DataSource: &sparkpb.Read_DataSource{Format: proto.String("rate")}}}}},
	}}}}}
	for _, tc := range []struct {
		plan *sparkpb.Plan
		want bool
	}{{rangePlan(), false}, {streamingPlan, true}} {
		resp, err = c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session,
			Analyze: &sparkpb.AnalyzePlanRequest_IsStreaming_{IsStreaming: &sparkpb.AnalyzePlanRequest_IsStreaming{Plan: tc.plan}}})
		if err != nil || resp.GetIsStreaming().GetIsStreaming() != tc.want {
			t.Fatalf("is_streaming = %v (%v), want %v", resp.GetIsStreaming().GetIsStreaming(), err, tc.want)
		}
	}
	if n := len(s.AnalyzeRequests()); n != 6 {
		t.Fatalf("%d analyze requests recorded, want 6", n)
	}
}

func TestExecuteQuery(t *testing.T) {
	s, c := setup(t)
	// An empty result: a schema, one batch with no rows, then ResultComplete.
	resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{OperationId: opID("op-empty"), Plan: rangePlan()})
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 3 || resps[0].GetSchema() == nil || resps[1].GetArrowBatch() == nil ||
		resps[1].GetArrowBatch().GetRowCount() != 0 || resps[2].GetResultComplete() == nil {
		t.Fatalf("empty result: %v", resps)
	}
	for _, r := range resps {
		if r.GetOperationId() != "op-empty" || r.GetSessionId() != session || r.GetResponseId() == "" ||
			r.GetServerSideSessionId() != s.ServerSideSessionID() {
			t.Fatalf("response without ids: %v", r)
		}
	}

	r1, r2 := int64Batch(t, 1, 2), int64Batch(t, 3)
	defer r1.Release()
	defer r2.Release()
	setBatches(s, r1, r2)
	resps, err = execute(t, c, &sparkpb.ExecutePlanRequest{Plan: rangePlan()})
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 4 || resps[1].GetArrowBatch().GetRowCount() != 2 || resps[2].GetArrowBatch().GetRowCount() != 1 {
		t.Fatalf("result: %v", resps)
	}
	if got := s.Plans(); len(got) != 2 || !proto.Equal(got[1], rangePlan()) {
		t.Fatalf("plans %v", got)
	}
}

func TestCommands(t *testing.T) {
	s, c := setup(t)
	sql := &sparkpb.Relation{RelType: &sparkpb.Relation_Sql{Sql: &sparkpb.SQL{Query: "SELECT 1"}}}
	resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{
		CommandType: &sparkpb.Command_SqlCommand{SqlCommand: &sparkpb.SqlCommand{Input: sql}}})})
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 2 || !proto.Equal(resps[0].GetSqlCommandResult().GetRelation(), sql) || resps[1].GetResultComplete() == nil {
		t.Fatalf("sql: %v", resps)
	}

	resps, err = execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{
		CommandType: &sparkpb.Command_WriteStreamOperationStart{WriteStreamOperationStart: &sparkpb.WriteStreamOperationStart{
			Input: sql, Format: "memory", QueryName: "counts",
		}}})})
	if err != nil {
		t.Fatal(err)
	}
	start := resps[0].GetWriteStreamOperationStartResult()
	if start.GetQueryId().GetId() == "" || start.GetQueryId().GetRunId() == "" || start.GetName() != "counts" ||
		!strings.Contains(start.GetQueryStartedEventJson(), start.GetQueryId().GetRunId()) {
		t.Fatalf("start: %v", resps)
	}
	qid := start.GetQueryId()

	manager := func(m *sparkpb.StreamingQueryManagerCommand) *sparkpb.StreamingQueryManagerCommandResult {
		t.Helper()
		resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{
			CommandType: &sparkpb.Command_StreamingQueryManagerCommand{StreamingQueryManagerCommand: m}})})
		if err != nil {
			t.Fatal(err)
		}
		return resps[0].GetStreamingQueryManagerCommandResult()
	}
	queryCmd := func(q *sparkpb.StreamingQueryCommand) *sparkpb.StreamingQueryCommandResult {
		t.Helper()
		q.QueryId = qid
		resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{
			CommandType: &sparkpb.Command_StreamingQueryCommand{StreamingQueryCommand: q}})})
		if err != nil {
			t.Fatal(err)
		}
		return resps[0].GetStreamingQueryCommandResult()
	}
	active := manager(&sparkpb.StreamingQueryManagerCommand{Command: &sparkpb.StreamingQueryManagerCommand_Active{Active: true}})
	if qs := active.GetActive().GetActiveQueries(); len(qs) != 1 || qs[0].GetId().GetId() != qid.GetId() || qs[0].GetName() != "counts" {
		t.Fatalf("active: %v", active)
	}
	if st := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_Status{Status: true}}); !st.GetStatus().GetIsActive() {
		t.Fatalf("status: %v", st)
	}
	if rp := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_LastProgress{LastProgress: true}}); rp.GetRecentProgress() == nil || len(rp.GetRecentProgress().GetRecentProgressJson()) != 0 {
		t.Fatalf("last progress: %v", rp)
	}
	if ex := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_Exception{Exception: true}}); ex.GetException() == nil || ex.GetException().ExceptionMessage != nil {
		t.Fatalf("exception: %v", ex)
	}
	if stop := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_Stop{Stop: true}}); stop.GetResultType() != nil {
		t.Fatalf("stop: %v", stop)
	}
	if st := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_Status{Status: true}}); st.GetStatus().GetIsActive() {
		t.Fatalf("status after stop: %v", st)
	}
	if len(s.ActiveQueries()) != 0 {
		t.Fatalf("active after stop: %v", s.ActiveQueries())
	}
	if aw := queryCmd(&sparkpb.StreamingQueryCommand{Command: &sparkpb.StreamingQueryCommand_AwaitTermination{
		AwaitTermination: &sparkpb.StreamingQueryCommand_AwaitTerminationCommand{}}}); !aw.GetAwaitTermination().GetTerminated() {
		t.Fatalf("await termination: %v", aw)
	}
	// Any other command just completes.
	resps, err = execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{
		CommandType: &sparkpb.Command_CreateDataframeView{CreateDataframeView: &sparkpb.CreateDataFrameViewCommand{Input: sql, Name: "v"}}})})
	if err != nil || len(resps) != 1 || resps[0].GetResultComplete() == nil {
		t.Fatalf("view: %v %v", resps, err)
	}
}

func TestReattachAfterCleanCut(t *testing.T) {
	s, c := setup(t)
	recs := []arrow.RecordBatch{int64Batch(t, 1), int64Batch(t, 2), int64Batch(t, 3)}
	for _, r := range recs {
		defer r.Release()
	}
	setBatches(s, recs...)
	s.CutStreams(1, 2, nil)
	first, err := execute(t, c, &sparkpb.ExecutePlanRequest{OperationId: opID("op-1"), Plan: rangePlan(), RequestOptions: reattachable()})
	if err != nil || len(first) != 2 {
		t.Fatalf("first stream: %d responses, %v", len(first), err)
	}
	stream, err := c.ReattachExecute(ctxT(t), &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "op-1",
		LastResponseId: proto.String(first[1].GetResponseId())})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := readAll(stream)
	if err != nil {
		t.Fatal(err)
	}
	// schema, batch 1 | batch 2, batch 3, complete
	if len(rest) != 3 || rest[0].GetArrowBatch().GetRowCount() != 1 || rest[2].GetResultComplete() == nil {
		t.Fatalf("reattach: %v", rest)
	}
	if rest[0].GetResponseId() == first[1].GetResponseId() {
		t.Fatal("reattach replayed a response before last_response_id")
	}
	if n := len(s.ReattachRequests()); n != 1 {
		t.Fatalf("%d reattach requests", n)
	}
}

func TestReattachAfterTransportError(t *testing.T) {
	s, c := setup(t)
	s.CutStreams(2, 1, status.Error(codes.Unavailable, "connection reset"))
	first, err := execute(t, c, &sparkpb.ExecutePlanRequest{OperationId: opID("op-2"), Plan: rangePlan(), RequestOptions: reattachable()})
	if status.Code(err) != codes.Unavailable || len(first) != 1 {
		t.Fatalf("first stream: %d responses, %v", len(first), err)
	}
	// The second cut applies to the first reattach.
	for i, wantErr := range []codes.Code{codes.Unavailable, codes.OK} {
		stream, err := c.ReattachExecute(ctxT(t), &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "op-2",
			LastResponseId: proto.String(first[0].GetResponseId())})
		if err != nil {
			t.Fatal(err)
		}
		rest, err := readAll(stream)
		if status.Code(err) != wantErr {
			t.Fatalf("reattach %d: %v", i, err)
		}
		if wantErr == codes.OK && (len(rest) != 2 || rest[1].GetResultComplete() == nil) {
			t.Fatalf("reattach %d: %v", i, rest)
		}
	}
}

func TestReattachUnknownOperation(t *testing.T) {
	_, c := setup(t)
	stream, err := c.ReattachExecute(ctxT(t), &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(stream)
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "INVALID_HANDLE.OPERATION_NOT_FOUND") {
		t.Fatalf("err = %v", err)
	}
	if ei := errorInfo(t, err); ei.GetMetadata()["errorClass"] != "INVALID_HANDLE.OPERATION_NOT_FOUND" {
		t.Fatalf("error info %v", ei)
	}
}

func TestRelease(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{OperationId: opID("op-3"), Plan: rangePlan(), RequestOptions: reattachable()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReleaseExecute(ctx, &sparkpb.ReleaseExecuteRequest{SessionId: session, OperationId: "op-3",
		Release: &sparkpb.ReleaseExecuteRequest_ReleaseUntil_{ReleaseUntil: &sparkpb.ReleaseExecuteRequest_ReleaseUntil{ResponseId: resps[1].GetResponseId()}}}); err != nil {
		t.Fatal(err)
	}
	reattach := func(last string) ([]*sparkpb.ExecutePlanResponse, error) {
		stream, err := c.ReattachExecute(ctx, &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "op-3", LastResponseId: &last})
		if err != nil {
			t.Fatal(err)
		}
		return readAll(stream)
	}
	if _, err := reattach(resps[0].GetResponseId()); err == nil || !strings.Contains(err.Error(), "INVALID_CURSOR") {
		t.Fatalf("reattach before the released position: %v", err)
	}
	if rest, err := reattach(resps[1].GetResponseId()); err != nil || len(rest) != 1 || rest[0].GetResultComplete() == nil {
		t.Fatalf("reattach after the released position: %v %v", rest, err)
	}
	if _, err := c.ReleaseExecute(ctx, &sparkpb.ReleaseExecuteRequest{SessionId: session, OperationId: "op-3",
		Release: &sparkpb.ReleaseExecuteRequest_ReleaseAll_{ReleaseAll: &sparkpb.ReleaseExecuteRequest_ReleaseAll{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := reattach(resps[1].GetResponseId()); !strings.Contains(err.Error(), "OPERATION_NOT_FOUND") {
		t.Fatalf("reattach after release_all: %v", err)
	}
	if n := len(s.ReleaseExecuteRequests()); n != 2 {
		t.Fatalf("%d release requests", n)
	}
}

// blockUntilDone makes every execution block until its context ends, after a first response.
func blockUntilDone(s *Server) {
	s.OnExecute(func(ctx context.Context, _ *sparkpb.ExecutePlanRequest, op *Operation) error {
		if err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ExecutionProgress_{
			ExecutionProgress: &sparkpb.ExecutePlanResponse_ExecutionProgress{}}}); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
}

func TestInterrupt(t *testing.T) {
	s, c := setup(t)
	blockUntilDone(s)
	ctx := ctxT(t)
	open := func(id string, tags ...string) grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse] {
		stream, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, OperationId: &id, Plan: rangePlan(),
			RequestOptions: reattachable(), Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
		return stream
	}
	interrupt := func(req *sparkpb.InterruptRequest) []string {
		req.SessionId = session
		resp, err := c.Interrupt(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetInterruptedIds()
	}
	checkCanceled := func(stream grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse]) {
		t.Helper()
		_, err := readAll(stream)
		if ei := errorInfo(t, err); ei.GetMetadata()["errorClass"] != "OPERATION_CANCELED" {
			t.Fatalf("interrupted stream: %v", err)
		}
	}

	a := open("a")
	if ids := interrupt(&sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
		Interrupt: &sparkpb.InterruptRequest_OperationId{OperationId: "a"}}); len(ids) != 1 || ids[0] != "a" {
		t.Fatalf("interrupted %v", ids)
	}
	checkCanceled(a)

	b, c2 := open("b", "etl"), open("c", "other")
	if ids := interrupt(&sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_TAG,
		Interrupt: &sparkpb.InterruptRequest_OperationTag{OperationTag: "etl"}}); len(ids) != 1 || ids[0] != "b" {
		t.Fatalf("interrupted %v", ids)
	}
	checkCanceled(b)
	d := open("d")
	if ids := interrupt(&sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL}); len(ids) != 2 || ids[0] != "c" || ids[1] != "d" {
		t.Fatalf("interrupted %v", ids)
	}
	checkCanceled(c2)
	checkCanceled(d)
	if n := len(s.InterruptRequests()); n != 3 {
		t.Fatalf("%d interrupt requests", n)
	}
}

func TestReleaseAllEndsRunningOperation(t *testing.T) {
	s, c := setup(t)
	blockUntilDone(s)
	ctx := ctxT(t)
	stream, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, OperationId: opID("r"), Plan: rangePlan(), RequestOptions: reattachable()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReleaseExecute(ctx, &sparkpb.ReleaseExecuteRequest{SessionId: session, OperationId: "r",
		Release: &sparkpb.ReleaseExecuteRequest_ReleaseAll_{ReleaseAll: &sparkpb.ReleaseExecuteRequest_ReleaseAll{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(stream); err == nil {
		t.Fatal("stream of a released operation ended without error")
	}
}

func TestListenerBus(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	busCmd := func(add bool) *sparkpb.Plan {
		bc := &sparkpb.StreamingQueryListenerBusCommand{Command: &sparkpb.StreamingQueryListenerBusCommand_RemoveListenerBusListener{RemoveListenerBusListener: true}}
		if add {
			bc.Command = &sparkpb.StreamingQueryListenerBusCommand_AddListenerBusListener{AddListenerBusListener: true}
		}
		return command(&sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryListenerBusCommand{StreamingQueryListenerBusCommand: bc}})
	}
	stream, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, Plan: busCmd(true), RequestOptions: reattachable()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := stream.Recv()
	if err != nil || !r.GetStreamingQueryListenerEventsResult().GetListenerBusListenerAdded() {
		t.Fatalf("first bus response %v %v", r, err)
	}
	if n := s.ListenerStreams(); n != 1 {
		t.Fatalf("%d listener streams", n)
	}
	s.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, `{"progress":{"id":"q"}}`)
	r, err = stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	evs := r.GetStreamingQueryListenerEventsResult().GetEvents()
	if len(evs) != 1 || evs[0].GetEventType() != sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT || evs[0].GetEventJson() != `{"progress":{"id":"q"}}` {
		t.Fatalf("event %v", r)
	}
	if _, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: busCmd(false)}); err != nil {
		t.Fatal(err)
	}
	rest, err := readAll(stream)
	if err != nil || len(rest) != 1 || rest[0].GetResultComplete() == nil {
		t.Fatalf("bus after remove: %v %v", rest, err)
	}
	if n := s.ListenerStreams(); n != 0 {
		t.Fatalf("%d listener streams after remove", n)
	}
}

func TestListenerBusClientCancel(t *testing.T) {
	s, c := setup(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	stream, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, Plan: command(&sparkpb.Command{
		CommandType: &sparkpb.Command_StreamingQueryListenerBusCommand{StreamingQueryListenerBusCommand: &sparkpb.StreamingQueryListenerBusCommand{
			Command: &sparkpb.StreamingQueryListenerBusCommand_AddListenerBusListener{AddListenerBusListener: true}}}})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	// Not reattachable: the operation ends with its stream.
	deadline := time.Now().Add(5 * time.Second)
	for s.ListenerStreams() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the bus stream outlived its client")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConfig(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	conf := func(op *sparkpb.ConfigRequest_Operation) (*sparkpb.ConfigResponse, error) {
		return c.Config(ctx, &sparkpb.ConfigRequest{SessionId: session, Operation: op})
	}
	set := &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Set{Set: &sparkpb.ConfigRequest_Set{
		Pairs: []*sparkpb.KeyValue{{Key: "spark.sql.shuffle.partitions", Value: proto.String("4")}, {Key: "spark.sql.ansi.enabled", Value: proto.String("true")}}}}}
	if _, err := conf(set); err != nil {
		t.Fatal(err)
	}
	resp, err := conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Get{Get: &sparkpb.ConfigRequest_Get{Keys: []string{"spark.sql.shuffle.partitions"}}}})
	if err != nil || resp.GetPairs()[0].GetValue() != "4" || resp.GetServerSideSessionId() != s.ServerSideSessionID() {
		t.Fatalf("get: %v %v", resp, err)
	}
	if _, err := conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Get{Get: &sparkpb.ConfigRequest_Get{Keys: []string{"nope"}}}}); !strings.Contains(fmtErr(err), "SQL_CONF_NOT_FOUND") {
		t.Fatalf("get of a missing key: %v", err)
	}
	resp, _ = conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetOption{GetOption: &sparkpb.ConfigRequest_GetOption{Keys: []string{"nope", "spark.sql.ansi.enabled"}}}})
	if p := resp.GetPairs(); len(p) != 2 || p[0].Value != nil || p[1].GetValue() != "true" {
		t.Fatalf("get_option: %v", resp)
	}
	resp, _ = conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetWithDefault{GetWithDefault: &sparkpb.ConfigRequest_GetWithDefault{
		Pairs: []*sparkpb.KeyValue{{Key: "nope", Value: proto.String("d")}, {Key: "spark.sql.ansi.enabled", Value: proto.String("d")}}}}})
	if p := resp.GetPairs(); p[0].GetValue() != "d" || p[1].GetValue() != "true" {
		t.Fatalf("get_with_default: %v", resp)
	}
	if _, err := conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Unset{Unset: &sparkpb.ConfigRequest_Unset{Keys: []string{"spark.sql.ansi.enabled"}}}}); err != nil {
		t.Fatal(err)
	}
	prefix := "spark.sql."
	resp, _ = conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetAll{GetAll: &sparkpb.ConfigRequest_GetAll{Prefix: &prefix}}})
	if p := resp.GetPairs(); len(p) != 1 || p[0].GetKey() != "spark.sql.shuffle.partitions" {
		t.Fatalf("get_all: %v", resp)
	}
	resp, _ = conf(&sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_IsModifiable{IsModifiable: &sparkpb.ConfigRequest_IsModifiable{Keys: []string{"spark.sql.x", "spark.driver.memory"}}}})
	if p := resp.GetPairs(); p[0].GetValue() != "true" || p[1].GetValue() != "false" {
		t.Fatalf("is_modifiable: %v", resp)
	}
	// Another session has its own map.
	other, _ := c.Config(ctx, &sparkpb.ConfigRequest{SessionId: "other", Operation: &sparkpb.ConfigRequest_Operation{
		OpType: &sparkpb.ConfigRequest_Operation_GetAll{GetAll: &sparkpb.ConfigRequest_GetAll{}}}})
	if len(other.GetPairs()) != 0 {
		t.Fatalf("other session: %v", other)
	}
	if n := len(s.ConfigRequests()); n != 9 {
		t.Fatalf("%d config requests", n)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestErrors(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	err := SparkError(codes.Internal, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `t` cannot be found.", "err-1")
	st, _ := status.FromError(err)
	if st.Code() != codes.Internal || !strings.HasPrefix(st.Message(), "[TABLE_OR_VIEW_NOT_FOUND] The table") {
		t.Fatalf("status %v", st)
	}
	ei := errorInfo(t, err)
	if ei.GetReason() != "org.apache.spark.sql.AnalysisException" || ei.GetMetadata()["sqlState"] != "42P01" || ei.GetMetadata()["errorId"] != "err-1" ||
		ei.GetMetadata()["messageParameters"] != "{}" {
		t.Fatalf("error info %v", ei)
	}

	s.FailNext(err)
	_, got := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: rangePlan()})
	if ei := errorInfo(t, got); ei.GetMetadata()["errorClass"] != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Fatalf("failed execute: %v", got)
	}
	if _, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: rangePlan()}); err != nil {
		t.Fatalf("FailNext failed more than one request: %v", err)
	}
	s.FailNext(err)
	if _, got := c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session,
		Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}}); got == nil {
		t.Fatal("FailNext did not fail analyze")
	}

	s.RegisterErrorDetails("err-1", ErrorDetails("TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `t` cannot be found."))
	resp, ferr := c.FetchErrorDetails(ctx, &sparkpb.FetchErrorDetailsRequest{SessionId: session, ErrorId: "err-1"})
	if ferr != nil || len(resp.GetErrors()) != 1 || resp.GetErrors()[0].GetSparkThrowable().GetErrorClass() != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Fatalf("details: %v %v", resp, ferr)
	}
	resp, ferr = c.FetchErrorDetails(ctx, &sparkpb.FetchErrorDetailsRequest{SessionId: session, ErrorId: "unknown"})
	if ferr != nil || len(resp.GetErrors()) != 0 || resp.RootErrorIdx != nil {
		t.Fatalf("unknown details: %v %v", resp, ferr)
	}
	if n := len(s.FetchErrorDetailsRequests()); n != 2 {
		t.Fatalf("%d fetch requests", n)
	}
}

func TestRestartSession(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	old := s.ServerSideSessionID()
	s.RestartSession()
	if s.ServerSideSessionID() == old {
		t.Fatal("server-side session id unchanged")
	}
	_, err := c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session, ClientObservedServerSideSessionId: &old,
		Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}})
	if err == nil || !strings.Contains(err.Error(), "INVALID_HANDLE.SESSION_CHANGED") {
		t.Fatalf("err = %v", err)
	}
}

func TestHooks(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	calls := 0
	s.OnAnalyze(func(_ context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		calls++
		if calls == 1 {
			return &sparkpb.AnalyzePlanResponse{Result: &sparkpb.AnalyzePlanResponse_SparkVersion_{
				SparkVersion: &sparkpb.AnalyzePlanResponse_SparkVersion{Version: "3.5.0"}}}, nil
		}
		return nil, ErrUseDefault
	})
	version := func() string {
		resp, err := c.AnalyzePlan(ctx, &sparkpb.AnalyzePlanRequest{SessionId: session,
			Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetServerSideSessionId() == "" {
			t.Fatal("hook response without server-side session id")
		}
		return resp.GetSparkVersion().GetVersion()
	}
	if v1, v2 := version(), version(); v1 != "3.5.0" || v2 != SparkVersion {
		t.Fatalf("versions %s, %s", v1, v2)
	}
	s.OnAnalyze(nil)

	s.OnExecute(func(_ context.Context, req *sparkpb.ExecutePlanRequest, op *Operation) error {
		if req.GetPlan().GetCommand() != nil {
			return ErrUseDefault
		}
		if err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ExecutionProgress_{
			ExecutionProgress: &sparkpb.ExecutePlanResponse_ExecutionProgress{}}}); err != nil {
			return err
		}
		return nil // ResultComplete is sent for the hook
	})
	resps, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: rangePlan()})
	if err != nil || len(resps) != 2 || resps[0].GetExecutionProgress() == nil || resps[1].GetResultComplete() == nil {
		t.Fatalf("hooked execute: %v %v", resps, err)
	}
	resps, err = execute(t, c, &sparkpb.ExecutePlanRequest{Plan: command(&sparkpb.Command{})})
	if err != nil || len(resps) != 1 || resps[0].GetResultComplete() == nil {
		t.Fatalf("default through the hook: %v %v", resps, err)
	}
}

func TestCloseEndsBlockedOperations(t *testing.T) {
	s, c := setup(t)
	blockUntilDone(s)
	stream, err := c.ExecutePlan(ctxT(t), &sparkpb.ExecutePlanRequest{SessionId: session, Plan: rangePlan(), RequestOptions: reattachable()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
	if _, err := readAll(stream); err == nil {
		t.Fatal("stream survived Close")
	}
	s.Close() // twice is fine
}

func TestRequestsRecordsEverything(t *testing.T) {
	s, c := setup(t)
	ctx := ctxT(t)
	if _, err := execute(t, c, &sparkpb.ExecutePlanRequest{Plan: rangePlan()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReleaseSession(ctx, &sparkpb.ReleaseSessionRequest{SessionId: session}); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if _, ok := reqs[0].(*sparkpb.ExecutePlanRequest); !ok {
		t.Fatalf("first request %T", reqs[0])
	}
	if got := s.ReleaseSessionRequests(); len(got) != 1 || got[0].GetSessionId() != session {
		t.Fatalf("release session requests %v", got)
	}
	// Copies: changing one does not change the record.
	reqs[0].(*sparkpb.ExecutePlanRequest).SessionId = "changed"
	if s.ExecuteRequests()[0].GetSessionId() != session {
		t.Fatal("Requests returned the recorded message itself")
	}
}

func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New()
	conn, err := grpc.NewClient("fake:15002", append(s.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	c := sparkpb.NewSparkConnectServiceClient(conn)
	blockUntilDone(s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 5 {
		// Reattachable operations outlive their streams: only Close ends them.
		sctx, scancel := context.WithCancel(ctx)
		stream, err := c.ExecutePlan(sctx, &sparkpb.ExecutePlanRequest{SessionId: session, Plan: rangePlan(),
			RequestOptions: reattachable(), Tags: []string{fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
		scancel()
	}
	conn.Close()
	s.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReattachDetachesOlderStream(t *testing.T) {
	s, c := setup(t)
	blockUntilDone(s)
	ctx := ctxT(t)
	first, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, OperationId: opID("d"), Plan: rangePlan(), RequestOptions: reattachable()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := first.Recv()
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.ReattachExecute(ctx, &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "d", LastResponseId: proto.String(r.GetResponseId())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(first); err == nil || !strings.Contains(err.Error(), "INVALID_CURSOR.DISCONNECTED") {
		t.Fatalf("older stream: %v", err)
	}
	if _, err := c.Interrupt(ctx, &sparkpb.InterruptRequest{SessionId: session, InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL}); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(second); !strings.Contains(fmtErr(err), "OPERATION_CANCELED") {
		t.Fatalf("newer stream: %v", err)
	}
}

func TestReattachNotReattachable(t *testing.T) {
	s, c := setup(t)
	blockUntilDone(s)
	ctx := ctxT(t)
	first, err := c.ExecutePlan(ctx, &sparkpb.ExecutePlanRequest{SessionId: session, OperationId: opID("n"), Plan: rangePlan()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Recv(); err != nil {
		t.Fatal(err)
	}
	second, err := c.ReattachExecute(ctx, &sparkpb.ReattachExecuteRequest{SessionId: session, OperationId: "n"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(second); !strings.Contains(fmtErr(err), "NOT_REATTACHABLE") {
		t.Fatalf("reattach: %v", err)
	}
}
