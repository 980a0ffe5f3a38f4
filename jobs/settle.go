package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// QueryFailedError is a query of a run that failed; Err is its exception.
type QueryFailedError struct {
	Query string
	Err   *connect.StreamingQueryError
}

// Error returns "query NAME failed: MESSAGE" with the server's message.
func (e *QueryFailedError) Error() string {
	msg := e.Err.Message
	if e.Err.ErrorClass != "" {
		msg = "[" + e.Err.ErrorClass + "] " + msg
	}
	return fmt.Sprintf("query %s failed: %s", e.Query, msg)
}

func (e *QueryFailedError) Unwrap() error { return e.Err }

// Settle watches the run's queries, started in session s, until each has either reported
// the progress of its first trigger or ended, for at most d, polling every poll (d if poll
// is 0 or longer), so that a query that fails at once (its input topic missing, say) is
// reported instead of looking started. At the first check that finds failed queries it
// returns a *QueryFailedError for each (several joined). A query that ends without an error
// (an AvailableNow trigger done) is no failure. It returns nil once every query has made
// progress or ended cleanly, or after d; the context's error if ctx ends first. A Kafka
// source reports a missing topic only after its admin client gives up, in up to a minute,
// which is why a d of a minute catches it while a healthy job settles in seconds.
func (r *Run) Settle(ctx context.Context, s *connect.Session, d, poll time.Duration) error {
	if r == nil || r.Job == nil || s == nil {
		return errors.New("jobs: Settle needs a run and its session")
	}
	if poll <= 0 || poll > d {
		poll = d
	}
	qs := r.Queries()
	if len(qs) == 0 {
		return nil
	}
	deadline := time.Now().Add(d)
	ended := map[string]bool{}
	progressed := map[string]bool{}
	var failed []error
	for {
		active, err := s.Streams().Active(ctx)
		if err != nil {
			return fmt.Errorf("job %s: check its queries: %w", r.Job.Name, err)
		}
		running := map[string]bool{}
		for _, q := range active {
			running[q.ID()] = true
		}
		for _, q := range qs {
			switch {
			case ended[q.ID()] || progressed[q.ID()] && running[q.ID()]:
				continue
			case running[q.ID()]:
				p, err := q.LastProgress(ctx)
				if err != nil {
					return fmt.Errorf("job %s: query %s: %w", r.Job.Name, q.Name(), err)
				}
				progressed[q.ID()] = p != nil
				continue
			}
			ended[q.ID()] = true
			ex, err := q.Exception(ctx)
			if err != nil {
				return fmt.Errorf("job %s: query %s ended: %w", r.Job.Name, q.Name(), err)
			}
			if ex != nil {
				failed = append(failed, &QueryFailedError{Query: q.Name(), Err: ex})
			}
		}
		settled := 0
		for _, q := range qs {
			if ended[q.ID()] || progressed[q.ID()] {
				settled++
			}
		}
		left := time.Until(deadline)
		if len(failed) > 0 || settled == len(qs) || left <= 0 {
			return errors.Join(failed...)
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
