package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

func startPageViews(t *testing.T) (*connecttest.Server, *connect.Session, *Run) {
	t.Helper()
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := srv.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	run, err := PageViews().Start(ctx, s, Config{Brokers: "kafka:9092"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, s, run
}

// Settle reports the queries that fail while it watches, with the server's message, and
// none when they keep running or stop cleanly; it returns as soon as every query has
// reported progress, and waits its whole time while one has not.
func TestSettle(t *testing.T) {
	t.Run("progressed", func(t *testing.T) {
		srv, s, run := startPageViews(t)
		for i, q := range run.Queries() {
			if i == 0 {
				continue
			}
			srv.SetQueryProgress(q.ID(), `{"id":"`+q.ID()+`","batchId":0,"timestamp":"2026-01-01T00:00:00.000Z"}`)
		}
		// One query has not reported progress yet: Settle waits for it.
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- run.Settle(context.Background(), s, 10*time.Second, 10*time.Millisecond) }()
		select {
		case err := <-done:
			t.Fatalf("Settle returned (%v) after %v while a query had made no progress", err, time.Since(start))
		case <-time.After(200 * time.Millisecond):
		}
		first := run.Queries()[0]
		srv.SetQueryProgress(first.ID(), `{"id":"`+first.ID()+`","batchId":0,"timestamp":"2026-01-01T00:00:00.000Z"}`)
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Settle did not return after every query reported progress")
		}
	})
	t.Run("progressed, then one failed", func(t *testing.T) {
		srv, s, run := startPageViews(t)
		srv.SetQueryProgress(run.Results.ID(), `{"id":"`+run.Results.ID()+`","batchId":0,"timestamp":"2026-01-01T00:00:00.000Z"}`)
		srv.FailQuery(run.Results.ID(), "", "lost")
		var qf *QueryFailedError
		if err := run.Settle(context.Background(), s, 300*time.Millisecond, 10*time.Millisecond); !errors.As(err, &qf) || qf.Query != run.Results.Name() {
			t.Fatalf("got %v, want the results query's failure", err)
		}
	})
	t.Run("running", func(t *testing.T) {
		_, s, run := startPageViews(t)
		start := time.Now()
		if err := run.Settle(context.Background(), s, 50*time.Millisecond, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Errorf("returned after %v, before the settle time", time.Since(start))
		}
	})
	t.Run("failed", func(t *testing.T) {
		srv, s, run := startPageViews(t)
		srv.FailQuery(run.Results.ID(), "UNKNOWN_TOPIC", "topic clickstream does not exist")
		srv.FailQuery(run.Quarantine.ID(), "", "boom")
		err := run.Settle(context.Background(), s, 300*time.Millisecond, 10*time.Millisecond)
		var qf *QueryFailedError
		if !errors.As(err, &qf) || qf.Query != run.Results.Name() {
			t.Fatalf("got %v, want the results query's failure", err)
		}
		want := "query pageviews_kafka failed: [UNKNOWN_TOPIC] topic clickstream does not exist\nquery pageviews_quarantine failed: boom"
		if err.Error() != want {
			t.Fatalf("got %q, want %q", err, want)
		}
	})
	t.Run("all ended cleanly", func(t *testing.T) {
		_, s, run := startPageViews(t)
		if err := run.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := run.Settle(context.Background(), s, 300*time.Millisecond, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("waited %v for queries that had all ended", time.Since(start))
		}
	})
	t.Run("no session", func(t *testing.T) {
		_, _, run := startPageViews(t)
		if err := run.Settle(context.Background(), nil, time.Second, 0); err == nil || !strings.Contains(err.Error(), "session") {
			t.Fatalf("got %v", err)
		}
	})
}
