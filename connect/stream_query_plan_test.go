package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// scriptQueries makes srv answer streaming query commands with answer's result; a nil
// result falls back to the server's default answer.
func scriptQueries(srv *fakeserver.Server, answer func(*sparkpb.StreamingQueryCommand) *sparkpb.StreamingQueryCommandResult) {
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		cmd := req.GetPlan().GetCommand().GetStreamingQueryCommand()
		if cmd == nil {
			return fakeserver.ErrUseDefault
		}
		res := answer(cmd)
		if res == nil {
			return fakeserver.ErrUseDefault
		}
		return op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryCommandResult{
			StreamingQueryCommandResult: res,
		}})
	})
}

// scriptManager does the same for streaming query manager commands.
func scriptManager(srv *fakeserver.Server, answer func(*sparkpb.StreamingQueryManagerCommand) *sparkpb.StreamingQueryManagerCommandResult) {
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		cmd := req.GetPlan().GetCommand().GetStreamingQueryManagerCommand()
		if cmd == nil {
			return fakeserver.ErrUseDefault
		}
		res := answer(cmd)
		if res == nil {
			return fakeserver.ErrUseDefault
		}
		return op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryManagerCommandResult{
			StreamingQueryManagerCommandResult: res,
		}})
	})
}

// queryCommands returns the streaming query commands srv received after the first n requests.
func queryCommands(srv *fakeserver.Server, n int) []*sparkpb.StreamingQueryCommand {
	var out []*sparkpb.StreamingQueryCommand
	for _, p := range srv.Plans()[n:] {
		if c := p.GetCommand().GetStreamingQueryCommand(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func startQuery(t *testing.T, s *Session, name string) *StreamingQuery {
	t.Helper()
	q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName(name).Start(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestStreamingQueryCommands(t *testing.T) {
	srv, s := dialGolden(t)
	q := startQuery(t, s, "q")
	id := &sparkpb.StreamingQueryInstanceId{Id: q.ID(), RunId: q.RunID()}
	cmd := func(set func(*sparkpb.StreamingQueryCommand)) *sparkpb.StreamingQueryCommand {
		c := &sparkpb.StreamingQueryCommand{QueryId: id}
		set(c)
		return c
	}
	cases := []struct {
		name string
		call func(ctx context.Context) error
		want []*sparkpb.StreamingQueryCommand
	}{
		{"Status", func(ctx context.Context) error {
			st, err := q.Status(ctx)
			if err == nil && (!st.IsActive || st.Message != "Waiting for data to arrive") {
				return fmt.Errorf("status %+v", st)
			}
			return err
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_Status{Status: true}
		})}},
		{"IsActive", func(ctx context.Context) error {
			if ok, err := q.IsActive(ctx); err != nil || !ok {
				return fmt.Errorf("IsActive %v %v", ok, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_Status{Status: true}
		})}},
		{"LastProgress", func(ctx context.Context) error {
			if p, err := q.LastProgress(ctx); err != nil || p != nil {
				return fmt.Errorf("LastProgress %v %v", p, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_LastProgress{LastProgress: true}
		})}},
		{"RecentProgress", func(ctx context.Context) error {
			if p, err := q.RecentProgress(ctx); err != nil || len(p) != 0 {
				return fmt.Errorf("RecentProgress %v %v", p, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_RecentProgress{RecentProgress: true}
		})}},
		{"ProcessAllAvailable", func(ctx context.Context) error { return q.ProcessAllAvailable(ctx) },
			[]*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
				c.Command = &sparkpb.StreamingQueryCommand_ProcessAllAvailable{ProcessAllAvailable: true}
			})}},
		{"Explain", func(ctx context.Context) error {
			if out, err := q.Explain(ctx, true); err != nil || !strings.Contains(out, "Physical Plan") {
				return fmt.Errorf("Explain %q %v", out, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_Explain{Explain: &sparkpb.StreamingQueryCommand_ExplainCommand{Extended: true}}
		})}},
		{"Explain simple", func(ctx context.Context) error { _, err := q.Explain(ctx, false); return err },
			[]*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
				c.Command = &sparkpb.StreamingQueryCommand_Explain{Explain: &sparkpb.StreamingQueryCommand_ExplainCommand{}}
			})}},
		{"Exception", func(ctx context.Context) error {
			if ex, err := q.Exception(ctx); err != nil || ex != nil {
				return fmt.Errorf("Exception %v %v", ex, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{cmd(func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_Exception{Exception: true}
		})}},
		// Terminated: AwaitTermination then asks for the exception.
		{"AwaitTermination", func(ctx context.Context) error { return q.AwaitTermination(context.Background()) },
			[]*sparkpb.StreamingQueryCommand{
				cmd(func(c *sparkpb.StreamingQueryCommand) {
					c.Command = &sparkpb.StreamingQueryCommand_AwaitTermination{AwaitTermination: &sparkpb.StreamingQueryCommand_AwaitTerminationCommand{}}
				}),
				cmd(func(c *sparkpb.StreamingQueryCommand) {
					c.Command = &sparkpb.StreamingQueryCommand_Exception{Exception: true}
				}),
			}},
		{"Stop", func(ctx context.Context) error {
			if err := q.Stop(ctx); err != nil {
				return err
			}
			if ok, err := q.IsActive(ctx); err != nil || ok {
				return fmt.Errorf("active after Stop: %v %v", ok, err)
			}
			return nil
		}, []*sparkpb.StreamingQueryCommand{
			cmd(func(c *sparkpb.StreamingQueryCommand) { c.Command = &sparkpb.StreamingQueryCommand_Stop{Stop: true} }),
			cmd(func(c *sparkpb.StreamingQueryCommand) {
				c.Command = &sparkpb.StreamingQueryCommand_Status{Status: true}
			}),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Plans())
			if err := tc.call(goldenCtx(t)); err != nil {
				t.Fatal(err)
			}
			got := queryCommands(srv, before)
			if len(got) != len(tc.want) {
				t.Fatalf("%d commands sent, want %d: %v", len(got), len(tc.want), got)
			}
			for i := range got {
				checkProto(t, "command", got[i], tc.want[i])
			}
		})
	}
}

func TestStreamingQueryAnswers(t *testing.T) {
	srv, s := dialGolden(t)
	q := startQuery(t, s, "")
	ctx := goldenCtx(t)
	p1 := `{"id":"` + q.ID() + `","runId":"r","batchId":1,"sources":[{"numInputRows":4}]}`
	p2 := `{"id":"` + q.ID() + `","runId":"r","batchId":2,"sources":[{"numInputRows":6}],"sink":{"description":"MemorySink","numOutputRows":6}}`
	progress := []string{p1, p2}
	exception := &sparkpb.StreamingQueryCommandResult_ExceptionResult{
		ExceptionMessage: refOf("Division by zero"), ErrorClass: refOf("DIVIDE_BY_ZERO"), StackTrace: refOf("at Foo.bar"),
	}
	scriptQueries(srv, func(c *sparkpb.StreamingQueryCommand) *sparkpb.StreamingQueryCommandResult {
		res := &sparkpb.StreamingQueryCommandResult{QueryId: c.GetQueryId()}
		switch c.GetCommand().(type) {
		case *sparkpb.StreamingQueryCommand_Status:
			res.ResultType = &sparkpb.StreamingQueryCommandResult_Status{Status: &sparkpb.StreamingQueryCommandResult_StatusResult{
				StatusMessage: "Processing new data", IsDataAvailable: true, IsTriggerActive: true, IsActive: true}}
		case *sparkpb.StreamingQueryCommand_RecentProgress, *sparkpb.StreamingQueryCommand_LastProgress:
			res.ResultType = &sparkpb.StreamingQueryCommandResult_RecentProgress{
				RecentProgress: &sparkpb.StreamingQueryCommandResult_RecentProgressResult{RecentProgressJson: progress}}
		case *sparkpb.StreamingQueryCommand_Exception:
			res.ResultType = &sparkpb.StreamingQueryCommandResult_Exception{Exception: exception}
		default:
			return nil
		}
		return res
	})
	st, err := q.Status(ctx)
	if err != nil || st != (QueryStatus{Message: "Processing new data", IsDataAvailable: true, IsTriggerActive: true, IsActive: true}) {
		t.Errorf("Status = %+v, %v", st, err)
	}
	ps, err := q.RecentProgress(ctx)
	if err != nil || len(ps) != 2 || ps[0].BatchID != 1 || ps[1].BatchID != 2 || ps[0].NumInputRows != 4 || ps[1].Sink.NumOutputRows != 6 {
		t.Errorf("RecentProgress = %+v, %v", ps, err)
	}
	last, err := q.LastProgress(ctx)
	if err != nil || last == nil || last.BatchID != 2 || last.ID != q.ID() {
		t.Errorf("LastProgress = %+v, %v", last, err)
	}
	ex, err := q.Exception(ctx)
	if err != nil || ex == nil {
		t.Fatalf("Exception = %v, %v", ex, err)
	}
	if *ex != (StreamingQueryError{QueryID: q.ID(), Message: "Division by zero", ErrorClass: "DIVIDE_BY_ZERO", StackTrace: "at Foo.bar"}) {
		t.Errorf("Exception = %+v", ex)
	}
	if want := "streaming query " + q.ID() + " failed: [DIVIDE_BY_ZERO] Division by zero"; ex.Error() != want {
		t.Errorf("Error() = %q, want %q", ex.Error(), want)
	}
	// A message that names its class already is not prefixed again.
	exception.ExceptionMessage = refOf("[DIVIDE_BY_ZERO] Division by zero")
	if ex, _ := q.Exception(ctx); ex == nil || strings.Count(ex.Error(), "DIVIDE_BY_ZERO") != 1 {
		t.Errorf("Error() = %v", ex)
	}
	// A terminated query's exception is AwaitTermination's error.
	var qe *StreamingQueryError
	if err := q.AwaitTermination(ctx); !errors.As(err, &qe) || qe.ErrorClass != "DIVIDE_BY_ZERO" {
		t.Errorf("AwaitTermination = %v", err)
	}
	// A command failing on the server for a failed query reports the query's exception.
	srv.FailNext(fakeserver.SparkError(codes.Internal, "STREAM_FAILED", "XX000", "query terminated", ""))
	if err := q.ProcessAllAvailable(ctx); !errors.As(err, &qe) || qe.Message != "[DIVIDE_BY_ZERO] Division by zero" {
		t.Errorf("ProcessAllAvailable = %v", err)
	}
	srv.FailNext(fakeserver.SparkError(codes.Internal, "STREAM_FAILED", "XX000", "query terminated", ""))
	if err := q.AwaitTermination(ctx); !errors.As(err, &qe) {
		t.Errorf("AwaitTermination after a server error = %v", err)
	}
	// Without an exception, the server's error stays.
	exception.ExceptionMessage = nil
	srv.FailNext(fakeserver.SparkError(codes.Internal, "STREAM_FAILED", "XX000", "query terminated", ""))
	var se *SparkError
	if err := q.ProcessAllAvailable(ctx); !errors.As(err, &se) || errors.As(err, &qe) {
		t.Errorf("ProcessAllAvailable without exception = %v", err)
	}
	if ex, err := q.Exception(ctx); ex != nil || err != nil {
		t.Errorf("Exception without message = %v, %v", ex, err)
	}
	// Undecodable progress is an error.
	progress = []string{"{not json"}
	if _, err := q.RecentProgress(ctx); err == nil || !strings.Contains(err.Error(), "decode query progress") {
		t.Errorf("RecentProgress of bad JSON = %v", err)
	}
	if _, err := q.LastProgress(ctx); err == nil {
		t.Error("LastProgress of bad JSON succeeded")
	}
}

func TestStreamingQueryErrors(t *testing.T) {
	srv, s := dialGolden(t)
	q := startQuery(t, s, "q")
	calls := map[string]func(ctx context.Context) error{
		"Status":         func(ctx context.Context) error { _, err := q.Status(ctx); return err },
		"IsActive":       func(ctx context.Context) error { _, err := q.IsActive(ctx); return err },
		"LastProgress":   func(ctx context.Context) error { _, err := q.LastProgress(ctx); return err },
		"RecentProgress": func(ctx context.Context) error { _, err := q.RecentProgress(ctx); return err },
		"Stop":           func(ctx context.Context) error { return q.Stop(ctx) },
		"Explain":        func(ctx context.Context) error { _, err := q.Explain(ctx, false); return err },
		"Exception":      func(ctx context.Context) error { _, err := q.Exception(ctx); return err },
		"Active":         func(ctx context.Context) error { _, err := s.Streams().Active(ctx); return err },
		"Get":            func(ctx context.Context) error { _, err := s.Streams().Get(ctx, q.ID()); return err },
		"AwaitAny":       func(ctx context.Context) error { return s.Streams().AwaitAnyTermination(ctx) },
		"Reset":          func(ctx context.Context) error { return s.Streams().ResetTerminated(ctx) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv.FailNext(fakeserver.SparkError(codes.Internal, "BOOM", "XX000", "boom", ""))
			var se *SparkError
			if err := call(goldenCtx(t)); !errors.As(err, &se) || se.ErrorClass != "BOOM" {
				t.Errorf("got %v, want the server's error", err)
			}
		})
	}
	// A command answered without a result decodes as an empty one.
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		return op.Complete()
	})
	ctx := goldenCtx(t)
	if st, err := q.Status(ctx); err != nil || st != (QueryStatus{}) {
		t.Errorf("Status of an empty answer = %+v, %v", st, err)
	}
	if qs, err := s.Streams().Active(ctx); err != nil || len(qs) != 0 {
		t.Errorf("Active of an empty answer = %v, %v", qs, err)
	}
	if _, err := s.Streams().Get(ctx, "x"); !errors.Is(err, ErrQueryNotFound) {
		t.Errorf("Get of an empty answer = %v", err)
	}
}

func TestAwaitTerminationDeadline(t *testing.T) {
	srv, s := dialGolden(t)
	q := startQuery(t, s, "")
	var awaits atomic.Int32
	scriptQueries(srv, func(c *sparkpb.StreamingQueryCommand) *sparkpb.StreamingQueryCommandResult {
		if c.GetAwaitTermination() == nil {
			return nil
		}
		// Not terminated the first time; terminated the second.
		return &sparkpb.StreamingQueryCommandResult{QueryId: c.GetQueryId(), ResultType: &sparkpb.StreamingQueryCommandResult_AwaitTermination{
			AwaitTermination: &sparkpb.StreamingQueryCommandResult_AwaitTerminationResult{Terminated: awaits.Add(1) > 1}}}
	})

	// With a deadline: the timeout goes to the server, and the context's error comes back.
	before := len(srv.Plans())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := q.AwaitTermination(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), q.ID()) {
		t.Errorf("AwaitTermination with deadline = %v", err)
	}
	cmds := queryCommands(srv, before)
	if len(cmds) != 1 {
		t.Fatalf("%d commands", len(cmds))
	}
	if ms := cmds[0].GetAwaitTermination().TimeoutMs; ms == nil || *ms <= 0 || *ms > 300 {
		t.Errorf("timeout_ms %v, want in (0, 300]", ms)
	}

	// Without one: no timeout, and the client asks again until the query terminated.
	awaits.Store(0)
	before = len(srv.Plans())
	if err := q.AwaitTermination(context.Background()); err != nil {
		t.Errorf("AwaitTermination = %v", err)
	}
	cmds = queryCommands(srv, before)
	if len(cmds) != 3 || cmds[0].GetAwaitTermination() == nil || cmds[0].GetAwaitTermination().TimeoutMs != nil ||
		cmds[1].GetAwaitTermination() == nil || cmds[1].GetAwaitTermination().TimeoutMs != nil || !cmds[2].GetException() {
		t.Errorf("commands %v", cmds)
	}
}

func TestStreamingQueryManager(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	m := s.Streams()
	q1, q2 := startQuery(t, s, "first"), startQuery(t, s, "")
	managerCmd := func() *sparkpb.StreamingQueryManagerCommand {
		return lastCommand(t, srv).GetStreamingQueryManagerCommand()
	}

	active, err := m.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 2 || active[0].ID() != q1.ID() || active[0].RunID() != q1.RunID() || active[0].Name() != "first" ||
		active[1].ID() != q2.ID() || active[1].Name() != "" {
		t.Errorf("Active = %v", active)
	}
	checkProto(t, "Active", managerCmd(), &sparkpb.StreamingQueryManagerCommand{Command: &sparkpb.StreamingQueryManagerCommand_Active{Active: true}})

	got, err := m.Get(ctx, q2.ID())
	if err != nil || got.ID() != q2.ID() || got.RunID() != q2.RunID() {
		t.Errorf("Get = %v, %v", got, err)
	}
	checkProto(t, "Get", managerCmd(), &sparkpb.StreamingQueryManagerCommand{Command: &sparkpb.StreamingQueryManagerCommand_GetQuery{GetQuery: q2.ID()}})
	// The handle Get returns works.
	if err := got.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, q2.ID()); !errors.Is(err, ErrQueryNotFound) || !strings.Contains(err.Error(), q2.ID()) {
		t.Errorf("Get of a stopped query = %v", err)
	}
	if _, err := m.Get(ctx, "no-such-query"); !errors.Is(err, ErrQueryNotFound) {
		t.Errorf("Get of an unknown query = %v", err)
	}
	if active, err := m.Active(ctx); err != nil || len(active) != 1 || active[0].ID() != q1.ID() {
		t.Errorf("Active after Stop = %v, %v", active, err)
	}

	if err := m.AwaitAnyTermination(context.Background()); err != nil {
		t.Errorf("AwaitAnyTermination = %v", err)
	}
	checkProto(t, "AwaitAnyTermination", managerCmd(), &sparkpb.StreamingQueryManagerCommand{Command: &sparkpb.StreamingQueryManagerCommand_AwaitAnyTermination{
		AwaitAnyTermination: &sparkpb.StreamingQueryManagerCommand_AwaitAnyTerminationCommand{}}})

	if err := m.ResetTerminated(ctx); err != nil {
		t.Errorf("ResetTerminated = %v", err)
	}
	checkProto(t, "ResetTerminated", managerCmd(), &sparkpb.StreamingQueryManagerCommand{Command: &sparkpb.StreamingQueryManagerCommand_ResetTerminated{ResetTerminated: true}})
}

func TestAwaitAnyTerminationDeadline(t *testing.T) {
	srv, s := dialGolden(t)
	var awaits atomic.Int32
	scriptManager(srv, func(c *sparkpb.StreamingQueryManagerCommand) *sparkpb.StreamingQueryManagerCommandResult {
		if c.GetAwaitAnyTermination() == nil {
			return nil
		}
		return &sparkpb.StreamingQueryManagerCommandResult{ResultType: &sparkpb.StreamingQueryManagerCommandResult_AwaitAnyTermination{
			AwaitAnyTermination: &sparkpb.StreamingQueryManagerCommandResult_AwaitAnyTerminationResult{Terminated: awaits.Add(1) > 1}}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Streams().AwaitAnyTermination(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AwaitAnyTermination with deadline = %v", err)
	}
	cmd := lastCommand(t, srv).GetStreamingQueryManagerCommand().GetAwaitAnyTermination()
	if ms := cmd.TimeoutMs; ms == nil || *ms <= 0 || *ms > 300 {
		t.Errorf("timeout_ms %v, want in (0, 300]", ms)
	}
	awaits.Store(0)
	before := len(srv.Plans())
	if err := s.Streams().AwaitAnyTermination(context.Background()); err != nil {
		t.Errorf("AwaitAnyTermination = %v", err)
	}
	plans := srv.Plans()[before:]
	if len(plans) != 2 {
		t.Fatalf("%d commands, want 2 (not terminated, then terminated)", len(plans))
	}
	for _, p := range plans {
		if c := p.GetCommand().GetStreamingQueryManagerCommand().GetAwaitAnyTermination(); c == nil || c.TimeoutMs != nil {
			t.Errorf("command %v", p)
		}
	}
}
