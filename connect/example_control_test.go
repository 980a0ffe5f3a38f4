package connect_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// Tag the operations of a job and interrupt them from another goroutine: the action fails
// with an error matching ErrInterrupted. (This example runs against connecttest's
// in-memory server, which holds every query until it is interrupted.)
func ExampleSession_InterruptTag() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := connecttest.NewServer()
	defer srv.Close()
	defer srv.HoldQueries()()
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	running := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		// Every operation started with this context carries the tag "nightly-rollup".
		jobCtx := connect.WithOperationTags(ctx, "nightly-rollup")
		rr, err := s.Range(0, 1_000_000, 1).Collect(jobCtx)
		if err != nil {
			result <- err
			return
		}
		defer rr.Release()
		close(running)
		for rr.Next() {
		}
		result <- rr.Err()
	}()

	<-running
	// An interrupt that overtakes the request on its way finds nothing: try again.
	var ids []string
	for len(ids) == 0 {
		if ids, err = s.InterruptTag(ctx, "nightly-rollup"); err != nil {
			log.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("interrupted operations:", len(ids))
	err = <-result
	fmt.Println("interrupted:", errors.Is(err, connect.ErrInterrupted))
	// Output:
	// interrupted operations: 1
	// interrupted: true
}

// Session tags apply to every operation of the session, whichever goroutine starts it.
func ExampleSession_AddTag() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.AddTag("etl"); err != nil {
		log.Fatal(err)
	}
	// Later, from anywhere: s.InterruptTag(ctx, "etl")
	fmt.Println(s.Tags())
	fmt.Println(errors.Is(s.AddTag("a,b"), connect.ErrInvalidTag))
	// Output:
	// [etl]
	// true
}

// Interrupt one operation by its id, which the reader of its result knows.
func ExampleSession_InterruptOperation() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	defer srv.HoldQueries()()
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	rr, err := s.Range(0, 10, 1).Collect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer rr.Release()
	var ids []string
	for len(ids) == 0 { // until the operation has reached the server
		if ids, err = s.InterruptOperation(ctx, rr.OperationID()); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(ids[0] == rr.OperationID(), rr.Next(), errors.Is(rr.Err(), connect.ErrInterrupted))
	// Output: true false true
}

// Follow a query's progress: the trace's callback gets Spark's reports on a goroutine of
// its own while the results are read.
func ExampleWithOperationTrace() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	srv.SetProgress(connect.ExecutionProgress{Stages: []connect.StageProgress{{ID: 0, Tasks: 8, CompletedTasks: 8, Done: true}}})
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	var last connect.ExecutionProgress
	ctx = connect.WithOperationTrace(ctx, &connect.OperationTrace{
		Started:  func(id string) { /* keep id for Session.InterruptOperation */ },
		Progress: func(p connect.ExecutionProgress) { last = p },
	})
	if _, err := s.Range(0, 10, 1).Rows(ctx); err != nil {
		log.Fatal(err)
	}
	// The last call has returned when the action returns.
	fmt.Printf("%d/%d tasks\n", last.CompletedTasks(), last.Tasks())
	// Output: 8/8 tasks
}
