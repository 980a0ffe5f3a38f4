package connect

import (
	"sync"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ExecutionProgress is a progress report of a running operation, as Spark Connect sends it
// with the results (see [OperationTrace]). Each report describes every stage of the
// operation so far, not only the ones that changed.
type ExecutionProgress struct {
	// OperationID is the operation the report is about.
	OperationID string
	// Stages are the operation's stages so far. Stages that Spark skips (their output was
	// already there, as with adaptive query execution) stay with no task completed.
	Stages []StageProgress
	// InflightTasks is the number of tasks running now.
	InflightTasks int64
}

// StageProgress is the progress of one stage of an operation.
type StageProgress struct {
	// ID is Spark's stage id.
	ID int64
	// Tasks is the number of tasks of the stage, CompletedTasks those done.
	Tasks, CompletedTasks int64
	// InputBytesRead is how much the stage has read from its input so far.
	InputBytesRead int64
	// Done reports that the stage has finished.
	Done bool
}

// Tasks returns the number of tasks of all stages so far.
func (p ExecutionProgress) Tasks() int64 {
	var n int64
	for _, s := range p.Stages {
		n += s.Tasks
	}
	return n
}

// CompletedTasks returns the number of completed tasks of all stages.
func (p ExecutionProgress) CompletedTasks() int64 {
	var n int64
	for _, s := range p.Stages {
		n += s.CompletedTasks
	}
	return n
}

// InputBytesRead returns the bytes read from the input by all stages.
func (p ExecutionProgress) InputBytesRead() int64 {
	var n int64
	for _, s := range p.Stages {
		n += s.InputBytesRead
	}
	return n
}

func executionProgressOf(opID string, pb *sparkpb.ExecutePlanResponse_ExecutionProgress) ExecutionProgress {
	p := ExecutionProgress{OperationID: opID, InflightTasks: pb.GetNumInflightTasks()}
	if n := len(pb.GetStages()); n > 0 {
		p.Stages = make([]StageProgress, n)
		for i, s := range pb.GetStages() {
			p.Stages[i] = StageProgress{ID: s.GetStageId(), Tasks: s.GetNumTasks(), CompletedTasks: s.GetNumCompletedTasks(),
				InputBytesRead: s.GetInputBytesRead(), Done: s.GetDone()}
		}
	}
	return p
}

// progressPump hands an operation's progress reports to a callback on a goroutine of its
// own, so that the reader of the results never waits for the callback: a report that
// arrives while the callback runs replaces the one waiting, if any. Finished delivers the
// report still waiting, then waits for the goroutine to end.
type progressPump struct {
	opID string
	f    func(ExecutionProgress)

	mu      sync.Mutex
	pending *sparkpb.ExecutePlanResponse_ExecutionProgress
	started bool
	closed  bool
	wake    chan struct{} // one token: a report is waiting, or the pump closed
	done    chan struct{} // closed when the goroutine ends
}

func newProgressPump(opID string, f func(ExecutionProgress)) *progressPump {
	return &progressPump{opID: opID, f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Progress implements wire.ProgressHandler; it never blocks.
func (p *progressPump) Progress(pb *sparkpb.ExecutePlanResponse_ExecutionProgress) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.pending = pb
	if !p.started {
		p.started = true
		go p.run()
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Finished implements wire.ProgressHandler: no call starts after it, and the last one has
// returned when it returns.
func (p *progressPump) Finished() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	started := p.started
	p.mu.Unlock()
	if !started {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	<-p.done
}

func (p *progressPump) run() {
	defer close(p.done)
	for range p.wake {
		p.mu.Lock()
		pb, closed := p.pending, p.closed
		p.pending = nil
		p.mu.Unlock()
		if pb != nil {
			p.f(executionProgressOf(p.opID, pb))
		}
		if closed {
			return // Progress adds no report once closed: none is left
		}
	}
}
