package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect"
)

// A Starter starts streaming queries in a session and returns them; a [Supervisor] calls it
// again, in a new session, after every failure. The queries must write with checkpoints
// (checkpointLocation) that stay the same from one call to the next, so that a restart
// continues where the last run committed rather than from the start of the input.
type Starter func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error)

// Starter returns the Starter of the job with the config c: it starts the job ([Job.Start])
// and returns the run's queries. Every restart uses the same checkpoint directories, so the
// file and memory sinks' output stays exactly once; the Kafka sinks are at-least-once (see
// [Supervisor]).
func (j *Job) Starter(c Config) Starter {
	return func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
		run, err := j.Start(ctx, s, c)
		if err != nil {
			return nil, err
		}
		return run.Queries(), nil
	}
}

// Restart describes one restart of a supervised job, for [Supervisor.OnRestart].
type Restart struct {
	// Attempt counts the restarts since the supervisor started, this one included.
	Attempt int
	// Reason is what ended the last run: the error of a failed query
	// (*connect.StreamingQueryError), a changed server-side session (the server restarted:
	// connect.ErrSessionChanged), a server unreachable beyond the session's retry policy, or
	// the error of a dial or of the Starter.
	Reason error
	// Uptime is how long the last run ran (zero if it never started).
	Uptime time.Duration
	// Delay is the pause before the next dial.
	Delay time.Duration
}

// Supervisor keeps a set of streaming queries running: it dials a session, starts the
// queries with Start, and watches them. When a query fails, or the session's calls find the
// server restarted (connect.ErrSessionChanged) or unreachable beyond the session's retry
// policy, it stops what is left of the run, closes the session, waits, and starts the
// queries again in a new session, from their checkpoints. The pause doubles from
// InitialBackoff up to MaxBackoff after each restart in a row, and goes back to
// InitialBackoff after a run that lasted ResetAfter.
//
// What a restart keeps: a query restarted from its checkpoint reprocesses the micro-batch
// that was under way when it stopped. File sinks (and Delta or Iceberg tables) record each
// batch's commit in the checkpoint and skip a batch they already committed, so their output
// stays exactly once. The Kafka sink is at-least-once: the records of the interrupted batch
// are written again, so a consumer of a job's output topic sees duplicates after a restart
// and must consume idempotently, by the record key (a job's Key, which identifies the
// result row: a later record with the same key replaces the earlier one).
//
// The zero values of the optional fields take the defaults below. A Supervisor must not be
// copied after first use; Run is not safe to call twice at once.
type Supervisor struct {
	// Dial opens a new session (required). Each run gets a session of its own.
	Dial func(ctx context.Context) (*connect.Session, error)
	// Start starts the queries in a session (required).
	Start Starter
	// PollInterval is how often the queries are checked (default 5 s): one call listing
	// the session's active queries.
	PollInterval time.Duration
	// InitialBackoff is the pause before the first restart in a row (default 1 s).
	InitialBackoff time.Duration
	// MaxBackoff caps the pause (default 1 minute).
	MaxBackoff time.Duration
	// ResetAfter is the running time after which a run counts as healthy, so that the next
	// restart pauses InitialBackoff again (default 2 minutes).
	ResetAfter time.Duration
	// RestartOnStop makes a query that stopped without an error count as a failure and be
	// restarted: for queries meant to run until the supervisor's context ends, which a
	// server that shuts down, or another client, may stop cleanly. By default a clean stop
	// ends that query's supervision, as queries with an AvailableNow or Once trigger stop
	// by themselves.
	RestartOnStop bool
	// MaxRestarts, if positive, is the most restarts in a row (runs shorter than
	// ResetAfter) before Run gives up and returns the last reason.
	MaxRestarts int
	// Logger receives a line per start and per restart (default: none).
	Logger *slog.Logger
	// OnStart, if set, is called after each start with the run's session and queries, which
	// stay valid until the next restart (the supervisor closes the session then).
	OnStart func(s *connect.Session, queries []*connect.StreamingQuery)
	// OnRestart, if set, is called before each restart's pause.
	OnRestart func(Restart)
}

// Supervise keeps the queries that start starts running in sessions from dial, with the
// default settings of [Supervisor]; see [Supervisor.Run].
func Supervise(ctx context.Context, dial func(ctx context.Context) (*connect.Session, error), start Starter) error {
	return (&Supervisor{Dial: dial, Start: start}).Run(ctx)
}

// ErrQueryStopped is the reason of a restart after a query stopped without an error, with
// Supervisor.RestartOnStop.
var ErrQueryStopped = errors.New("query stopped")

// ErrGaveUp is wrapped by Run's error when MaxRestarts restarts in a row did not give a
// healthy run.
var ErrGaveUp = errors.New("supervisor gave up")

// Run supervises until ctx ends, then stops the queries, closes the session and returns
// ctx's error. It returns nil when every query stopped cleanly (as queries with an
// AvailableNow or Once trigger do). It returns at once, without restarting, the error of a
// first start that the server rejected (a *connect.SparkError, a bad config): such a job
// would fail again. Once the queries ran, every failure restarts them.
func (sv *Supervisor) Run(ctx context.Context) error {
	if sv == nil || sv.Dial == nil || sv.Start == nil {
		return errors.New("supervisor: Dial and Start are required")
	}
	cfg := sv.withDefaults()
	started := false // the queries ran at least once
	restarts, inRow := 0, 0
	for {
		began := time.Now()
		done, reason := cfg.runOnce(ctx, &started)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if done {
			return nil
		}
		if !started && !transient(reason) {
			return reason
		}
		uptime := time.Since(began)
		if uptime >= cfg.ResetAfter {
			inRow = 0
		}
		inRow++
		restarts++
		if cfg.MaxRestarts > 0 && inRow > cfg.MaxRestarts {
			return fmt.Errorf("%w after %d restarts in a row: %w", ErrGaveUp, inRow-1, reason)
		}
		delay := cfg.backoff(inRow)
		r := Restart{Attempt: restarts, Reason: reason, Uptime: uptime, Delay: delay}
		if cfg.Logger != nil {
			cfg.Logger.Warn("supervisor: restarting", "attempt", r.Attempt, "reason", r.Reason.Error(),
				"uptime", r.Uptime.Round(time.Millisecond).String(), "delay", r.Delay.String())
		}
		if cfg.OnRestart != nil {
			cfg.OnRestart(r)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// withDefaults returns a copy of sv with its defaults filled in.
func (sv *Supervisor) withDefaults() *Supervisor {
	c := *sv
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.InitialBackoff <= 0 {
		c.InitialBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	c.MaxBackoff = max(c.MaxBackoff, c.InitialBackoff)
	if c.ResetAfter <= 0 {
		c.ResetAfter = 2 * time.Minute
	}
	return &c
}

// backoff returns the pause before restart number n in a row (from 1).
func (sv *Supervisor) backoff(n int) time.Duration {
	d := sv.InitialBackoff
	for i := 1; i < n && d < sv.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, sv.MaxBackoff)
}

// cleanupTimeout bounds stopping a run's queries and closing its session.
const cleanupTimeout = 15 * time.Second

// runOnce dials, starts and watches one run. It reports done when every query stopped
// cleanly, and otherwise why the run ended. started becomes true once Start succeeded.
func (sv *Supervisor) runOnce(ctx context.Context, started *bool) (done bool, reason error) {
	s, err := sv.Dial(ctx)
	if err != nil {
		return false, dialError{fmt.Errorf("dial: %w", err)}
	}
	var queries []*connect.StreamingQuery
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if reason != nil && !errors.Is(reason, connect.ErrSessionChanged) || ctx.Err() != nil {
			// Stop what is left, so that a restart does not meet its own queries still
			// running (the server refuses a second query on the same checkpoint).
			for _, q := range queries {
				_ = q.Stop(cctx)
			}
		}
		_ = s.Close(cctx)
	}()
	queries, err = sv.Start(ctx, s)
	if err != nil {
		return false, fmt.Errorf("start: %w", err)
	}
	*started = true
	if sv.Logger != nil {
		names := make([]string, len(queries))
		for i, q := range queries {
			names[i] = q.Name()
		}
		sv.Logger.Info("supervisor: started", "session", s.ID(), "queries", names)
	}
	if sv.OnStart != nil {
		sv.OnStart(s, queries)
	}
	return sv.watch(ctx, s, queries)
}

// watch polls the session's active queries until one of queries ends or a call fails.
func (sv *Supervisor) watch(ctx context.Context, s *connect.Session, queries []*connect.StreamingQuery) (bool, error) {
	live := map[string]*connect.StreamingQuery{}
	for _, q := range queries {
		live[q.ID()] = q
	}
	t := time.NewTicker(sv.PollInterval)
	defer t.Stop()
	for len(live) > 0 {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
		active, err := s.Streams().Active(ctx)
		if err != nil {
			return false, fmt.Errorf("check queries: %w", err)
		}
		running := map[string]bool{}
		for _, q := range active {
			running[q.ID()] = true
		}
		for id, q := range live {
			if running[id] {
				continue
			}
			ex, err := q.Exception(ctx)
			switch {
			case err != nil:
				return false, fmt.Errorf("query %s ended: %w", q.Name(), err)
			case ex != nil:
				return false, ex
			}
			if sv.RestartOnStop {
				return false, fmt.Errorf("%w: %s", ErrQueryStopped, q.Name())
			}
			delete(live, id) // stopped cleanly
			if sv.Logger != nil {
				sv.Logger.Info("supervisor: query stopped", "query", q.Name())
			}
		}
	}
	return true, nil
}

// transient reports whether err may go away by itself: the server unreachable or
// restarted, or a dial that failed.
func transient(err error) bool {
	var se *connect.SparkError
	var de dialError
	switch {
	case errors.Is(err, connect.ErrSessionChanged):
		return true
	case errors.As(err, &se), errors.Is(err, connect.ErrConnectionString):
		return false
	}
	return errors.As(err, &de) || status.Code(err) == codes.Unavailable || errors.Is(err, context.DeadlineExceeded)
}

// dialError marks an error of Supervisor.Dial.
type dialError struct{ error }

func (d dialError) Unwrap() error { return d.error }
