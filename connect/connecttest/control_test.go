package connecttest_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// SetProgress reaches the session's trace; HoldQueries holds a query until it is
// interrupted; Operations lists what the sessions started, with their tags.
func TestControl(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close) // after the session's close
	s := dial(t, srv)
	ctx := ctxT(t)
	want := connect.ExecutionProgress{Stages: []connect.StageProgress{{ID: 7, Tasks: 3, CompletedTasks: 3, InputBytesRead: 9, Done: true}}, InflightTasks: 0}
	srv.SetProgress(connect.ExecutionProgress{OperationID: "ignored", Stages: []connect.StageProgress{{ID: 7, Tasks: 3}}}, want)
	var last connect.ExecutionProgress
	var started string
	tctx := connect.WithOperationTrace(connect.WithOperationTags(ctx, "t1"), &connect.OperationTrace{
		Started:  func(id string) { started = id },
		Progress: func(p connect.ExecutionProgress) { last = p },
	})
	if _, err := s.Range(0, 1, 1).Rows(tctx); err != nil {
		t.Fatal(err)
	}
	want.OperationID = started
	if last.OperationID != want.OperationID || !slices.Equal(last.Stages, want.Stages) {
		t.Fatalf("last report %+v, want %+v", last, want)
	}
	srv.SetProgress()

	release := srv.HoldQueries()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Range(0, 1, 1).Rows(connect.WithOperationTags(ctx, "t1"))
		errc <- err
	}()
	var ids []string
	deadline := time.Now().Add(5 * time.Second)
	for len(ids) == 0 && time.Now().Before(deadline) {
		var err error
		if ids, err = s.InterruptTag(ctx, "t1"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-errc; !errors.Is(err, connect.ErrInterrupted) || len(ids) != 1 {
		t.Fatalf("held query: %v, interrupted %q", err, ids)
	}
	release()
	release() // twice is fine
	if _, err := s.Range(0, 1, 1).Rows(ctx); err != nil {
		t.Fatalf("after release: %v", err)
	}
	ops := srv.Operations()
	if len(ops) != 3 || ops[0].ID != started || !slices.Equal(ops[0].Tags, []string{"t1"}) || ops[1].ID != ids[0] || len(ops[2].Tags) != 0 || ops[0].Command {
		t.Fatalf("operations %+v, started %s, interrupted %q", ops, started, ids)
	}
	if err := s.Range(0, 1, 1).CreateTempView(ctx, "v"); err != nil {
		t.Fatal(err)
	}
	if ops := srv.Operations(); !ops[len(ops)-1].Command {
		t.Fatalf("a view's command is not a command: %+v", ops[len(ops)-1])
	}
}
