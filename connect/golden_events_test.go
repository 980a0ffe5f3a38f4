package connect

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Events of every kind arrive on a subscription, decoded; the bus command is the one Spark
// expects.
func TestGoldenSubscribe(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(context.Background())
	checkProto(t, "bus command", lastCommand(t, srv), &sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryListenerBusCommand{
		StreamingQueryListenerBusCommand: &sparkpb.StreamingQueryListenerBusCommand{
			Command: &sparkpb.StreamingQueryListenerBusCommand_AddListenerBusListener{AddListenerBusListener: true}}}})

	q := startQuery(t, s, "named")
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, `{"progress":{"id":"`+q.ID()+`","batchId":3}}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_IDLE_EVENT, `{"id":"`+q.ID()+`","runId":"r"}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_TERMINATED_EVENT, `{"id":"`+q.ID()+`","exception":"boom","errorClassOnException":"E"}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, `{not json`)
	next := func() QueryEvent {
		t.Helper()
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("events closed: %v", sub.Err())
			}
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return nil
	}
	if ev, ok := next().(*QueryStartedEvent); !ok || ev.QueryID() != q.ID() || ev.Name != "named" || ev.RunID != q.RunID() {
		t.Errorf("started event %+v", ev)
	}
	if ev, ok := next().(*QueryProgressEvent); !ok || ev.QueryID() != q.ID() || ev.Progress.BatchID != 3 {
		t.Errorf("progress event %+v", ev)
	}
	if ev, ok := next().(*QueryIdleEvent); !ok || ev.QueryID() != q.ID() || ev.RunID != "r" {
		t.Errorf("idle event %+v", ev)
	}
	if ev, ok := next().(*QueryTerminatedEvent); !ok || ev.QueryID() != q.ID() || ev.Exception == nil || *ev.Exception != "boom" || *ev.ErrorClass != "E" {
		t.Errorf("terminated event %+v", ev)
	}
	if ev, ok := next().(*UnknownQueryEvent); !ok || ev.Type != "QUERY_PROGRESS_EVENT" || string(ev.JSON) != "{not json" || ev.QueryID() != "" {
		t.Errorf("undecodable event %+v", ev)
	}
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-sub.Events(); ok {
		t.Error("event after Close")
	}
	if sub.Err() != nil {
		t.Errorf("Err after Close: %v", sub.Err())
	}
	if err := sub.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Server errors of the analyze requests reach the caller.
func TestGoldenAnalyzeErrors(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 1, 1)
	calls := map[string]func(ctx context.Context) error{
		"Schema":      func(ctx context.Context) error { _, err := df.Schema(ctx); return err },
		"Explain":     func(ctx context.Context) error { _, err := df.Explain(ctx, ExplainCost); return err },
		"IsStreaming": func(ctx context.Context) error { _, err := df.IsStreaming(ctx); return err },
		"Collect":     func(ctx context.Context) error { _, err := df.Rows(ctx); return err },
		"Count":       func(ctx context.Context) error { _, err := df.Count(ctx); return err },
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
}
