package wire

import (
	"errors"
	"io"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// recordingHandler records what an Execution hands to its ProgressHandler.
type recordingHandler struct {
	reports  []int64 // completed tasks of the first stage of each report
	finished int
}

func (h *recordingHandler) Progress(p *sparkpb.ExecutePlanResponse_ExecutionProgress) {
	h.reports = append(h.reports, p.GetStages()[0].GetNumCompletedTasks())
}

func (h *recordingHandler) Finished() { h.finished++ }

func progressOf(done int64) *sparkpb.ExecutePlanResponse_ExecutionProgress {
	return &sparkpb.ExecutePlanResponse_ExecutionProgress{Stages: []*sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{
		{NumTasks: 2, NumCompletedTasks: done},
	}}
}

// Recv hands progress reports to the handler, in order, and never returns them, also across
// a reattach; Finished is called once at the end. Without a handler they are dropped.
func TestRecvProgress(t *testing.T) {
	for _, withHandler := range []bool{true, false} {
		srv, c := newClient(t, fastRetries)
		srv.SetProgress(progressOf(0), progressOf(1), progressOf(2))
		srv.CutStreams(1, 2, nil) // the stream ends after two responses: reattach
		e, err := c.Execute(testCtx(t), &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: &sparkpb.Relation{}}})
		if err != nil {
			t.Fatal(err)
		}
		h := &recordingHandler{}
		if withHandler {
			e.OnProgress(h)
		}
		var others int
		for {
			resp, err := e.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetExecutionProgress() != nil {
				t.Fatalf("Recv returned a progress report: %v", resp)
			}
			others++
		}
		e.Close()
		if others != 2 { // the schema and the (empty) batch
			t.Errorf("%d other responses, want 2", others)
		}
		if withHandler && (len(h.reports) != 3 || h.reports[0] != 0 || h.reports[2] != 2 || h.finished != 1) {
			t.Errorf("handler got %v, finished %d times", h.reports, h.finished)
		}
		if n := len(srv.ReattachRequests()); n != 1 {
			t.Errorf("%d reattaches, want 1", n)
		}
	}
}
