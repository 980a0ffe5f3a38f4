package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// QueryEvent is an event of a streaming query's life, delivered to a [Subscription]:
// *QueryStartedEvent, *QueryProgressEvent, *QueryIdleEvent, *QueryTerminatedEvent, or
// *UnknownQueryEvent for event types newer than this client.
type QueryEvent interface {
	// QueryID returns the id of the query the event is about ("" if unknown).
	QueryID() string
}

// QueryStartedEvent reports that a query of this session started. Spark sends it in the
// answer to the start command, not on the listener bus, so only queries started by this
// Session produce it.
type QueryStartedEvent struct {
	ID        string    `json:"id"`
	RunID     string    `json:"runId"`
	Name      string    `json:"name"`
	Timestamp time.Time `json:"timestamp"`
}

// QueryProgressEvent carries the progress report of a finished micro-batch, with the
// batch's observed metrics (Progress.ObservedMetrics).
type QueryProgressEvent struct {
	Progress QueryProgress `json:"progress"`
}

// QueryIdleEvent reports that a query is waiting for new data.
type QueryIdleEvent struct {
	ID        string    `json:"id"`
	RunID     string    `json:"runId"`
	Timestamp time.Time `json:"timestamp"`
}

// QueryTerminatedEvent reports that a query stopped; Exception is set if it failed.
type QueryTerminatedEvent struct {
	ID         string  `json:"id"`
	RunID      string  `json:"runId"`
	Exception  *string `json:"exception"`
	ErrorClass *string `json:"errorClassOnException"`
}

// UnknownQueryEvent is an event of a type this client does not know, passed through as is.
type UnknownQueryEvent struct {
	Type string
	JSON json.RawMessage
}

// QueryID implements [QueryEvent].
func (e *QueryStartedEvent) QueryID() string { return e.ID }

// QueryID implements [QueryEvent].
func (e *QueryProgressEvent) QueryID() string { return e.Progress.ID }

// QueryID implements [QueryEvent].
func (e *QueryIdleEvent) QueryID() string { return e.ID }

// QueryID implements [QueryEvent].
func (e *QueryTerminatedEvent) QueryID() string { return e.ID }

// QueryID implements [QueryEvent].
func (e *UnknownQueryEvent) QueryID() string {
	var id struct{ ID string }
	_ = json.Unmarshal(e.JSON, &id) // best effort
	return id.ID
}

type eventType int

const (
	eventStarted eventType = iota
	eventProgress
	eventTerminated
	eventIdle
	eventUnknown
)

func decodeEvent(t eventType, js []byte) (QueryEvent, error) {
	var ev QueryEvent
	switch t {
	case eventStarted:
		ev = &QueryStartedEvent{}
	case eventProgress:
		ev = &QueryProgressEvent{}
	case eventTerminated:
		ev = &QueryTerminatedEvent{}
	case eventIdle:
		ev = &QueryIdleEvent{}
	default:
		return &UnknownQueryEvent{Type: fmt.Sprint(t), JSON: append(json.RawMessage(nil), js...)}, nil
	}
	if err := json.Unmarshal(js, ev); err != nil {
		return nil, fmt.Errorf("decode query event: %w", err)
	}
	return ev, nil
}

func busEvent(e *sparkpb.StreamingQueryListenerEvent) QueryEvent {
	var t eventType
	switch e.GetEventType() {
	case sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT:
		t = eventProgress
	case sparkpb.StreamingQueryEventType_QUERY_TERMINATED_EVENT:
		t = eventTerminated
	case sparkpb.StreamingQueryEventType_QUERY_IDLE_EVENT:
		t = eventIdle
	default:
		return &UnknownQueryEvent{Type: e.GetEventType().String(), JSON: json.RawMessage(e.GetEventJson())}
	}
	ev, err := decodeEvent(t, []byte(e.GetEventJson()))
	if err != nil {
		return &UnknownQueryEvent{Type: e.GetEventType().String(), JSON: json.RawMessage(e.GetEventJson())}
	}
	return ev
}

// Subscription receives the streaming query events of a session. Events queue without
// bound until read, so a slow reader loses nothing; read Events until it is closed.
type Subscription struct {
	bus    *listenerBus
	events chan QueryEvent

	mu     sync.Mutex
	queue  []QueryEvent
	err    error
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

// Events returns the channel the events arrive on. It is closed after Close, or when the
// listener stream fails (see Err).
func (sub *Subscription) Events() <-chan QueryEvent { return sub.events }

// Err returns the error that ended the subscription, nil after Close.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

// Close unsubscribes. The last subscription of a session to close removes the session's
// listener from the server. Safe to call twice.
func (sub *Subscription) Close(ctx context.Context) error {
	return sub.bus.unsubscribe(ctx, sub)
}

func (sub *Subscription) push(ev QueryEvent) {
	sub.mu.Lock()
	if !sub.closed {
		sub.queue = append(sub.queue, ev)
	}
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

func (sub *Subscription) end(err error) {
	sub.mu.Lock()
	if !sub.closed {
		sub.closed = true
		sub.err = err
		close(sub.done)
	}
	sub.mu.Unlock()
}

// pump delivers queued events to the channel in order.
func (sub *Subscription) pump() {
	defer close(sub.events)
	for {
		sub.mu.Lock()
		q := sub.queue
		sub.queue = nil
		sub.mu.Unlock()
		for _, ev := range q {
			select {
			case sub.events <- ev:
			case <-sub.done:
				return
			}
		}
		select {
		case <-sub.wake:
		case <-sub.done:
			return
		}
	}
}

// busState is where a session's listener-bus stream is in its life.
type busState int

const (
	busIdle    busState = iota // no stream
	busOpening                 // a Subscribe is opening the stream
	busOpen                    // the stream runs; subscriptions receive its events
	busClosing                 // the last subscription left; the listener is being removed
)

// listenerBus is a session's one listener-bus stream, shared by all its subscriptions. Its
// mutex guards the state only: no network call is made while holding it. A Subscribe that
// finds the stream opening or closing waits for that to finish, then tries again.
type listenerBus struct {
	s *Session

	mu     sync.Mutex
	state  busState
	change chan struct{} // closed when an opening or closing ends
	subs   map[*Subscription]struct{}
	cancel context.CancelFunc
	done   chan struct{} // closed when the stream's reader has stopped
	gen    int           // counts opened streams, so an old stream's end leaves a newer one alone
	closed bool          // the session is closing: no new stream
	// early holds the events that arrive while the stream opens, after the server confirmed
	// it but before the opening subscription is registered; that subscription gets them.
	early []QueryEvent
}

func newListenerBus(s *Session) *listenerBus {
	return &listenerBus{s: s, subs: map[*Subscription]struct{}{}}
}

// Subscribe starts receiving the events of the session's streaming queries: progress, idle
// and terminated events of every query on the server session, and started events of queries
// started through this Session. The first subscription opens the session's listener-bus
// stream and waits (within ctx) until the server confirms it; the stream reattaches when the
// server ends it.
func (m *StreamingQueryManager) Subscribe(ctx context.Context) (*Subscription, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	return m.s.bus.subscribe(ctx)
}

func newSubscription(b *listenerBus) *Subscription {
	sub := &Subscription{bus: b, events: make(chan QueryEvent), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go sub.pump()
	return sub
}

func (b *listenerBus) subscribe(ctx context.Context) (*Subscription, error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, ErrClosed
		}
		switch b.state {
		case busOpen:
			sub := newSubscription(b)
			b.subs[sub] = struct{}{}
			b.mu.Unlock()
			return sub, nil
		case busOpening, busClosing:
			change := b.change
			b.mu.Unlock()
			select {
			case <-change:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("add listener: %w", ctx.Err())
			}
		}
		// Idle: this call opens the stream, outside the lock.
		b.state, b.change = busOpening, make(chan struct{})
		b.gen++
		gen := b.gen
		b.mu.Unlock()
		cancel, done, err := b.open(ctx, gen)
		b.mu.Lock()
		close(b.change)
		early := b.early
		b.early = nil
		if err != nil {
			b.state = busIdle
			b.mu.Unlock()
			return nil, err
		}
		if b.closed {
			// The session closed while the stream opened.
			b.state = busIdle
			b.mu.Unlock()
			cancel()
			<-done
			return nil, ErrClosed
		}
		b.state, b.cancel, b.done = busOpen, cancel, done
		sub := newSubscription(b)
		b.subs[sub] = struct{}{}
		for _, ev := range early {
			sub.push(ev)
		}
		b.mu.Unlock()
		return sub, nil
	}
}

// open starts the bus stream and waits for listener_bus_listener_added. It returns the
// function that ends the stream and a channel closed when its reader has stopped.
func (b *listenerBus) open(ctx context.Context, gen int) (context.CancelFunc, chan struct{}, error) {
	runCtx, cancel := context.WithCancel(withoutSessionTags(context.Background()))
	cmd := &sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryListenerBusCommand{
		StreamingQueryListenerBusCommand: &sparkpb.StreamingQueryListenerBusCommand{
			Command: &sparkpb.StreamingQueryListenerBusCommand_AddListenerBusListener{AddListenerBusListener: true},
		},
	}}
	e, err := b.s.execute(runCtx, &sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}})
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("add listener: %w", err)
	}
	added := make(chan error, 1)
	done := make(chan struct{})
	go b.run(e, gen, added, done)
	select {
	case err := <-added:
		if err != nil {
			cancel()
			<-done
			return nil, nil, fmt.Errorf("add listener: %w", err)
		}
		return cancel, done, nil
	case <-ctx.Done():
		cancel()
		<-done
		return nil, nil, fmt.Errorf("add listener: %w", ctx.Err())
	}
}

// run reads the bus stream until it completes (after remove_listener_bus_listener) or fails.
func (b *listenerBus) run(e *wire.Execution, gen int, added chan<- error, done chan<- struct{}) {
	defer close(done)
	defer e.Close()
	confirmed := false
	var err error
	for {
		var resp *sparkpb.ExecutePlanResponse
		resp, err = e.Recv()
		if err != nil {
			break
		}
		res := resp.GetStreamingQueryListenerEventsResult()
		if res == nil {
			continue
		}
		if res.GetListenerBusListenerAdded() && !confirmed {
			confirmed = true
			added <- nil
		}
		if !confirmed {
			continue
		}
		for _, ev := range res.GetEvents() {
			b.publish(busEvent(ev))
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if !confirmed {
		if err == nil {
			err = errors.New("the listener stream ended before the server confirmed it")
		}
		added <- err
		return
	}
	// The stream ended while open (not removed by the last subscription): its subscriptions
	// end with it, with the error if it failed.
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen || b.state != busOpen {
		return
	}
	for sub := range b.subs {
		if err != nil && !errors.Is(err, context.Canceled) {
			sub.end(fmt.Errorf("listener stream: %w", err))
		} else {
			sub.end(nil)
		}
		delete(b.subs, sub)
	}
	b.cancel()
	b.state, b.cancel, b.done = busIdle, nil, nil
}

func (b *listenerBus) publish(ev QueryEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == busOpening {
		b.early = append(b.early, ev)
		return
	}
	for sub := range b.subs {
		sub.push(ev)
	}
}

func (b *listenerBus) unsubscribe(ctx context.Context, sub *Subscription) error {
	b.mu.Lock()
	_, ok := b.subs[sub]
	delete(b.subs, sub)
	sub.end(nil)
	if !ok || len(b.subs) > 0 || b.state != busOpen {
		b.mu.Unlock()
		return nil
	}
	// The last subscriber left: remove the listener. New subscriptions wait until the old
	// stream is gone, then open a new one.
	cancel, done := b.cancel, b.done
	b.state, b.change, b.cancel, b.done = busClosing, make(chan struct{}), nil, nil
	b.mu.Unlock()
	_, err := b.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryListenerBusCommand{
		StreamingQueryListenerBusCommand: &sparkpb.StreamingQueryListenerBusCommand{
			Command: &sparkpb.StreamingQueryListenerBusCommand_RemoveListenerBusListener{RemoveListenerBusListener: true},
		},
	}})
	// The server now completes the stream; give it a moment, then end it from this side
	// (release_all cleans up on the server either way).
	wait := time.NewTimer(streamCompleteWait)
	defer wait.Stop()
	select {
	case <-done:
	case <-wait.C:
	case <-ctx.Done():
	}
	cancel()
	<-done
	b.mu.Lock()
	b.state = busIdle
	close(b.change)
	b.mu.Unlock()
	return err
}

// streamCompleteWait bounds how long unsubscribing waits for the server to complete the
// listener stream after removing the listener.
const streamCompleteWait = 2 * time.Second

// close ends the bus stream without telling the server (the session is going away), and
// its subscriptions with it.
func (b *listenerBus) close() {
	b.mu.Lock()
	b.closed = true
	cancel, done := b.cancel, b.done
	for sub := range b.subs {
		sub.end(nil)
		delete(b.subs, sub)
	}
	b.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
