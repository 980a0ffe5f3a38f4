package connecttest

import (
	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SetProgress makes every query send these execution progress reports, in order, before
// its result, as Spark does while a query runs: a session's [connect.OperationTrace] gets
// them. Their OperationID fields are ignored (the server fills in the operation's). None
// restores the default, no reports.
func (s *Server) SetProgress(reports ...connect.ExecutionProgress) {
	out := make([]*sparkpb.ExecutePlanResponse_ExecutionProgress, len(reports))
	for i, r := range reports {
		pb := &sparkpb.ExecutePlanResponse_ExecutionProgress{NumInflightTasks: r.InflightTasks}
		for _, st := range r.Stages {
			pb.Stages = append(pb.Stages, &sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{
				StageId: st.ID, NumTasks: st.Tasks, NumCompletedTasks: st.CompletedTasks,
				InputBytesRead: st.InputBytesRead, Done: st.Done,
			})
		}
		out[i] = pb
	}
	s.fake.SetProgress(out...)
}

// HoldQueries makes every query wait before its result until release is called or the
// query is interrupted ([connect.Session.InterruptTag] and the others, or the end of the
// action's context): a long-running query for tests of interrupts. Queries interrupted
// fail as on Spark, with an error matching [connect.ErrInterrupted].
func (s *Server) HoldQueries() (release func()) { return s.fake.HoldQueries() }

// Operation is an operation that a session started (an ExecutePlan request): its id and
// its tags, as the request carried them.
type Operation struct {
	ID   string
	Tags []string
	// Command reports an operation that runs a command (SQL statements, writes, streaming
	// commands), not a query.
	Command bool
}

// Operations returns the operations that sessions started, queries and commands, in the
// order they arrived: a test checks the tags its code puts on them, or finds an operation
// to interrupt. A request that a client sent again appears again.
func (s *Server) Operations() []Operation {
	reqs := s.fake.ExecuteRequests()
	out := make([]Operation, len(reqs))
	for i, r := range reqs {
		out[i] = Operation{ID: r.GetOperationId(), Tags: r.GetTags(), Command: r.GetPlan().GetCommand() != nil}
	}
	return out
}
