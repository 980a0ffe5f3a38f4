package connect

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

const progressJSON = `{"progress":{"id":"q1","runId":"r1","name":"n","timestamp":"2026-12-01T10:00:00.000Z","batchId":3,"numInputRows":7}}`

func isBusAdd(req *sparkpb.ExecutePlanRequest) bool {
	return req.GetPlan().GetCommand().GetStreamingQueryListenerBusCommand().GetAddListenerBusListener()
}

func isBusRemove(req *sparkpb.ExecutePlanRequest) bool {
	return req.GetPlan().GetCommand().GetStreamingQueryListenerBusCommand().GetRemoveListenerBusListener()
}

// Subscribe used to deadlock when its context ended just as the server's confirmation
// arrived: it waited for the stream's reader while holding the bus mutex that the reader
// needed to deliver an event or to end. Here the server ends the caller's context itself,
// right before confirming and sending an event, many times over.
func TestSubscribeContextEndingAtConfirmation(t *testing.T) {
	srv, s := fakeSession(t)
	var mu sync.Mutex
	var cancelSub context.CancelFunc
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if !isBusAdd(req) {
			return fakeserver.ErrUseDefault
		}
		mu.Lock()
		cancel := cancelSub
		mu.Unlock()
		if cancel != nil {
			cancel()
		}
		added := true
		for _, r := range []*sparkpb.ExecutePlanResponse{
			{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryListenerEventsResult{
				StreamingQueryListenerEventsResult: &sparkpb.StreamingQueryListenerEventsResult{ListenerBusListenerAdded: &added}}},
			{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryListenerEventsResult{
				StreamingQueryListenerEventsResult: &sparkpb.StreamingQueryListenerEventsResult{Events: []*sparkpb.StreamingQueryListenerEvent{
					{EventType: sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, EventJson: progressJSON}}}}},
		} {
			if err := op.Send(r); err != nil {
				return err
			}
		}
		<-ctx.Done()
		return ctx.Err()
	})
	for i := range 50 {
		ctx, cancel := context.WithCancel(context.Background())
		mu.Lock()
		cancelSub = cancel
		mu.Unlock()
		done := make(chan struct{})
		var sub *Subscription
		var err error
		go func() {
			defer close(done)
			sub, err = s.Streams().Subscribe(ctx)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("try %d: Subscribe deadlocked", i)
		}
		cancel()
		if err == nil {
			if cerr := sub.Close(fakeCtx(t)); cerr != nil {
				t.Fatalf("try %d: close: %v", i, cerr)
			}
		} else if !errors.Is(err, context.Canceled) {
			t.Fatalf("try %d: err = %v, want a cancellation", i, err)
		}
	}
	// The bus is not wedged: a subscription with a live context works.
	mu.Lock()
	cancelSub = nil
	mu.Unlock()
	sub, err := s.Streams().Subscribe(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(fakeCtx(t))
	select {
	case ev := <-sub.Events():
		if p, ok := ev.(*QueryProgressEvent); !ok || p.Progress.BatchID != 3 || p.Progress.NumInputRows != 7 {
			t.Fatalf("event %#v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
}

// Unsubscribing the last subscription removes the listener on the server; a Subscribe that
// comes meanwhile used to get a stream that the removal then ended at once. It now waits for
// the removal, then opens a stream of its own that keeps delivering.
func TestSubscribeWhileLastUnsubscribes(t *testing.T) {
	srv, s := fakeSession(t)
	removing := make(chan struct{})
	proceed := make(chan struct{})
	var once sync.Once
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if isBusRemove(req) {
			once.Do(func() { close(removing) })
			select {
			case <-proceed:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return fakeserver.ErrUseDefault
	})
	ctx := fakeCtx(t)
	first, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- first.Close(ctx) }()
	<-removing
	second := make(chan *Subscription, 1)
	go func() {
		sub, err := s.Streams().Subscribe(ctx)
		if err != nil {
			t.Error(err)
		}
		second <- sub
	}()
	time.Sleep(20 * time.Millisecond) // let the second Subscribe find the bus closing
	close(proceed)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	sub := <-second
	if sub == nil {
		t.FailNow()
	}
	defer sub.Close(ctx)
	eventually(t, "the new listener stream", func() bool { return srv.ListenerStreams() == 1 })
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, progressJSON)
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("the new subscription ended at once: %v", sub.Err())
		}
		if ev.QueryID() != "q1" {
			t.Fatalf("event %#v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event on the new subscription")
	}
	if sub.Err() != nil {
		t.Fatal(sub.Err())
	}
}

// Several subscriptions share one stream; every one gets every event, in order, and the
// last to close removes the listener.
func TestSubscriptionsShareOneStream(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	a, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.ListenerStreams(); n != 1 {
		t.Fatalf("%d listener streams, want 1", n)
	}
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_IDLE_EVENT, `{"id":"q2","runId":"r","timestamp":"2026-12-01T10:00:00.000Z"}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_TERMINATED_EVENT, `{"id":"q2","runId":"r","exception":"boom","errorClassOnException":"X"}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType(99), `{"id":"q2"}`)
	for _, sub := range []*Subscription{a, b} {
		var got []QueryEvent
		for len(got) < 3 {
			select {
			case ev := <-sub.Events():
				got = append(got, ev)
			case <-time.After(5 * time.Second):
				t.Fatalf("got %d events", len(got))
			}
		}
		if _, ok := got[0].(*QueryIdleEvent); !ok {
			t.Fatalf("first event %#v", got[0])
		}
		if te, ok := got[1].(*QueryTerminatedEvent); !ok || te.Exception == nil || *te.Exception != "boom" {
			t.Fatalf("second event %#v", got[1])
		}
		if ue, ok := got[2].(*UnknownQueryEvent); !ok || ue.QueryID() != "q2" {
			t.Fatalf("third event %#v", got[2])
		}
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.ListenerStreams(); n != 1 {
		t.Fatalf("%d listener streams after the first close, want 1", n)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listener removed", func() bool { return srv.ListenerStreams() == 0 })
	if _, ok := <-b.Events(); ok {
		t.Fatal("events after Close")
	}
	if err := b.Close(ctx); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

// Closing the session ends its subscriptions and refuses new ones.
func TestSessionCloseEndsSubscriptions(t *testing.T) {
	srv := fakeserver.New()
	defer srv.Close()
	ctx := fakeCtx(t)
	s, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-sub.Events():
		if ok {
			t.Fatal("an event after the session closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription outlived its session")
	}
	if _, err := s.Streams().Subscribe(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
}

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
