package fakeserver

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// bus is one open listener-bus stream: an add_listener_bus_listener operation.
type bus struct {
	op      *Operation
	removed chan struct{}
}

// defaultExecute answers an ExecutePlan request as Spark would, closely enough.
func (s *Server) defaultExecute(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *Operation) error {
	switch p := req.GetPlan().GetOpType().(type) {
	case *sparkpb.Plan_Root:
		return s.runQuery(req.GetPlan(), op)
	case *sparkpb.Plan_Command:
		return s.runCommand(ctx, p.Command, op)
	}
	return SparkError(internalCode, "INTERNAL_ERROR", "XX000", "plan without root or command", "")
}

// batches returns the result of a query plan; the caller releases the batches.
func (s *Server) batches(plan *sparkpb.Plan) ([]arrow.RecordBatch, error) {
	s.mu.Lock()
	f := s.result
	s.mu.Unlock()
	if f == nil {
		return nil, nil
	}
	return f(plan)
}

func (s *Server) runQuery(plan *sparkpb.Plan, op *Operation) error {
	var recs []arrow.RecordBatch
	var err error
	if cat, limit := catalogRoot(plan); cat != nil {
		recs, err = s.catalogAnswer(op.session, cat, limit)
	} else {
		recs, err = s.batches(plan)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if err != nil {
		return err
	}
	schema := arrow.NewSchema(nil, nil)
	if len(recs) > 0 {
		schema = recs[0].Schema()
	}
	if err := op.Send(&sparkpb.ExecutePlanResponse{Schema: SchemaType(schema)}); err != nil {
		return err
	}
	if err := s.beforeResult(op.Context(), op); err != nil {
		return err
	}
	if len(recs) == 0 {
		resp, err := emptyBatch(schema)
		if err != nil {
			return err
		}
		if err := op.Send(resp); err != nil {
			return err
		}
	}
	for _, r := range recs {
		resp, err := ArrowBatch(r)
		if err != nil {
			return err
		}
		if err := op.Send(resp); err != nil {
			return err
		}
	}
	if resp := s.observedMetrics(plan); resp != nil {
		if err := op.Send(resp); err != nil {
			return err
		}
	}
	return op.Complete()
}

func (s *Server) runCommand(ctx context.Context, cmd *sparkpb.Command, op *Operation) error {
	switch c := cmd.GetCommandType().(type) {
	case *sparkpb.Command_SqlCommand:
		rel := c.SqlCommand.GetInput()
		if rel == nil {
			rel = &sparkpb.Relation{RelType: &sparkpb.Relation_Sql{Sql: &sparkpb.SQL{
				Query: c.SqlCommand.GetSql(), Args: c.SqlCommand.GetArgs(), PosArgs: c.SqlCommand.GetPosArgs(),
				NamedArguments: c.SqlCommand.GetNamedArguments(), PosArguments: c.SqlCommand.GetPosArguments(),
			}}}
		}
		if err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_SqlCommandResult_{
			SqlCommandResult: &sparkpb.ExecutePlanResponse_SqlCommandResult{Relation: rel},
		}}); err != nil {
			return err
		}
	case *sparkpb.Command_CreateDataframeView:
		s.registerView(op.session, c.CreateDataframeView)
	case *sparkpb.Command_WriteStreamOperationStart:
		if err := op.Send(s.startQuery(c.WriteStreamOperationStart)); err != nil {
			return err
		}
	case *sparkpb.Command_StreamingQueryCommand:
		if err := op.Send(s.queryCommand(c.StreamingQueryCommand)); err != nil {
			return err
		}
	case *sparkpb.Command_StreamingQueryManagerCommand:
		if err := op.Send(s.managerCommand(c.StreamingQueryManagerCommand)); err != nil {
			return err
		}
	case *sparkpb.Command_StreamingQueryListenerBusCommand:
		if c.StreamingQueryListenerBusCommand.GetAddListenerBusListener() {
			return s.runBus(ctx, op)
		}
		if c.StreamingQueryListenerBusCommand.GetRemoveListenerBusListener() {
			s.removeBuses(op.session)
		}
	default: // writes and other commands that run a plan report its observations
		if resp := s.observedMetrics(&sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}}); resp != nil {
			if err := op.Send(resp); err != nil {
				return err
			}
		}
	}
	return op.Complete()
}

// startQuery registers a streaming query and returns its start result.
func (s *Server) startQuery(w *sparkpb.WriteStreamOperationStart) *sparkpb.ExecutePlanResponse {
	q := &query{id: newUUID(), runID: newUUID(), name: w.GetQueryName(), active: true}
	s.mu.Lock()
	s.queries[q.id] = q
	s.queryOrder = append(s.queryOrder, q.id)
	s.mu.Unlock()
	var name any
	if q.name != "" {
		name = q.name
	}
	started, _ := json.Marshal(map[string]any{ // cannot fail: strings only
		"id": q.id, "runId": q.runID, "name": name, "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	})
	js := string(started)
	return &sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_WriteStreamOperationStartResult{
		WriteStreamOperationStartResult: &sparkpb.WriteStreamOperationStartResult{
			QueryId: &sparkpb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID}, Name: q.name, QueryStartedEventJson: &js,
		},
	}}
}

// queryCommand answers a StreamingQueryCommand. Queries the server does not know count as
// active.
func (s *Server) queryCommand(c *sparkpb.StreamingQueryCommand) *sparkpb.ExecutePlanResponse {
	res := &sparkpb.StreamingQueryCommandResult{QueryId: c.GetQueryId()}
	s.mu.Lock()
	q := s.queries[c.GetQueryId().GetId()]
	active := q == nil || q.active
	switch c.GetCommand().(type) {
	case *sparkpb.StreamingQueryCommand_Status:
		msg := "Stopped"
		if active {
			msg = "Waiting for data to arrive"
		}
		res.ResultType = &sparkpb.StreamingQueryCommandResult_Status{Status: &sparkpb.StreamingQueryCommandResult_StatusResult{
			StatusMessage: msg, IsActive: active,
		}}
	case *sparkpb.StreamingQueryCommand_LastProgress, *sparkpb.StreamingQueryCommand_RecentProgress:
		_, last := c.GetCommand().(*sparkpb.StreamingQueryCommand_LastProgress)
		res.ResultType = &sparkpb.StreamingQueryCommandResult_RecentProgress{
			RecentProgress: &sparkpb.StreamingQueryCommandResult_RecentProgressResult{
				RecentProgressJson: s.progressOfLocked(c.GetQueryId().GetId(), last),
			},
		}
	case *sparkpb.StreamingQueryCommand_Stop:
		if q != nil {
			q.active = false
		}
	case *sparkpb.StreamingQueryCommand_Explain:
		res.ResultType = &sparkpb.StreamingQueryCommandResult_Explain{Explain: &sparkpb.StreamingQueryCommandResult_ExplainResult{
			Result: explainString,
		}}
	case *sparkpb.StreamingQueryCommand_Exception:
		ex := &sparkpb.StreamingQueryCommandResult_ExceptionResult{}
		if q != nil && q.exception != "" {
			msg := q.exception
			ex.ExceptionMessage = &msg
			if q.exceptionClass != "" {
				class := q.exceptionClass
				ex.ErrorClass = &class
			}
		}
		res.ResultType = &sparkpb.StreamingQueryCommandResult_Exception{Exception: ex}
	case *sparkpb.StreamingQueryCommand_AwaitTermination:
		res.ResultType = &sparkpb.StreamingQueryCommandResult_AwaitTermination{
			AwaitTermination: &sparkpb.StreamingQueryCommandResult_AwaitTerminationResult{Terminated: true},
		}
	}
	s.mu.Unlock()
	return &sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryCommandResult{
		StreamingQueryCommandResult: res,
	}}
}

func (s *Server) managerCommand(c *sparkpb.StreamingQueryManagerCommand) *sparkpb.ExecutePlanResponse {
	res := &sparkpb.StreamingQueryManagerCommandResult{}
	instance := func(q *query) *sparkpb.StreamingQueryManagerCommandResult_StreamingQueryInstance {
		in := &sparkpb.StreamingQueryManagerCommandResult_StreamingQueryInstance{
			Id: &sparkpb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID},
		}
		if q.name != "" {
			name := q.name
			in.Name = &name
		}
		return in
	}
	s.mu.Lock()
	switch cmd := c.GetCommand().(type) {
	case *sparkpb.StreamingQueryManagerCommand_Active:
		act := &sparkpb.StreamingQueryManagerCommandResult_ActiveResult{}
		for _, id := range s.queryOrder {
			if q := s.queries[id]; q != nil && q.active {
				act.ActiveQueries = append(act.ActiveQueries, instance(q))
			}
		}
		res.ResultType = &sparkpb.StreamingQueryManagerCommandResult_Active{Active: act}
	case *sparkpb.StreamingQueryManagerCommand_GetQuery:
		if q := s.queries[cmd.GetQuery]; q != nil && q.active {
			res.ResultType = &sparkpb.StreamingQueryManagerCommandResult_Query{Query: instance(q)}
		}
	case *sparkpb.StreamingQueryManagerCommand_AwaitAnyTermination:
		res.ResultType = &sparkpb.StreamingQueryManagerCommandResult_AwaitAnyTermination{
			AwaitAnyTermination: &sparkpb.StreamingQueryManagerCommandResult_AwaitAnyTerminationResult{Terminated: true},
		}
	case *sparkpb.StreamingQueryManagerCommand_ResetTerminated:
		res.ResultType = &sparkpb.StreamingQueryManagerCommandResult_ResetTerminated{ResetTerminated: true}
	}
	s.mu.Unlock()
	return &sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryManagerCommandResult{
		StreamingQueryManagerCommandResult: res,
	}}
}

// runBus runs a listener-bus stream until its listener is removed or the operation ends.
func (s *Server) runBus(ctx context.Context, op *Operation) error {
	b := &bus{op: op, removed: make(chan struct{})}
	added := true
	// Registered and confirmed under the lock, so that no event comes before the confirmation.
	s.mu.Lock()
	err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryListenerEventsResult{
		StreamingQueryListenerEventsResult: &sparkpb.StreamingQueryListenerEventsResult{ListenerBusListenerAdded: &added},
	}})
	if err == nil {
		s.buses[b] = struct{}{}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	defer func() {
		s.mu.Lock()
		delete(s.buses, b)
		s.mu.Unlock()
	}()
	select {
	case <-b.removed:
		return op.Complete()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// removeBuses ends the listener-bus streams of a session.
func (s *Server) removeBuses(session string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for b := range s.buses {
		if b.op.session == session {
			delete(s.buses, b)
			close(b.removed)
		}
	}
}

// PublishEvent sends a listener event to every open listener-bus stream.
func (s *Server) PublishEvent(eventType sparkpb.StreamingQueryEventType, eventJSON string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for b := range s.buses {
		// An operation that ended meanwhile refuses the event, as a closed bus would.
		_ = b.op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_StreamingQueryListenerEventsResult{
			StreamingQueryListenerEventsResult: &sparkpb.StreamingQueryListenerEventsResult{
				Events: []*sparkpb.StreamingQueryListenerEvent{{EventJson: eventJSON, EventType: eventType}},
			},
		}})
	}
}

// ListenerStreams returns the number of open listener-bus streams.
func (s *Server) ListenerStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buses)
}

// ActiveQueries returns the ids of the streaming queries started and not stopped, in
// start order.
func (s *Server) ActiveQueries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.queryOrder {
		if q := s.queries[id]; q != nil && q.active {
			out = append(out, id)
		}
	}
	return out
}

// isStreaming reports whether a message contains a Read with is_streaming set.
func isStreaming(m protoreflect.Message) bool {
	if r, ok := m.Interface().(*sparkpb.Read); ok && r.GetIsStreaming() {
		return true
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && !found; i++ {
				found = isStreaming(l.Get(i).Message())
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				found = isStreaming(mv.Message())
				return !found
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			found = isStreaming(v.Message())
		}
		return !found
	})
	return found
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
