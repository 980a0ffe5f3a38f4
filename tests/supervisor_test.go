package tests

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// supervisedEvents is how many events the supervised query reads: supervisedBefore before
// the server restarts, the rest after.
const (
	supervisedEvents = 60_000
	supervisedBefore = 40_000
)

// The Spark Connect server's container restarts while a supervised Kafka-to-file query is
// half-way through its input. The supervisor notices (the old session's calls find a new
// server-side session), starts the query again in a new session from its checkpoint, and
// the file sink's output (its committed files, as Spark reads the directory) holds every
// produced event exactly once. The test starts a stack of its own, since it restarts the
// server.
func TestSupervisorSurvivesServerRestart(t *testing.T) {
	ctx := testCtx(t, 15*time.Minute)
	st, err := stack.Start(ctx, stack.WithDriverMemory("1g"), stack.WithLogger(testkit.Logger{T: t}))
	if st != nil {
		t.Cleanup(func() {
			if t.Failed() {
				logs, _ := st.Logs(context.Background())
				t.Logf("container logs of the supervisor's stack:\n%s", logs)
			}
			tctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := st.Terminate(tctx); err != nil {
				t.Errorf("terminate the supervisor's stack: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}

	// The input: events with unique values, produced idempotently (exactly once in the log).
	topic := fmt.Sprintf("out_sup_%d", time.Now().UnixNano())
	cl, err := kgo.NewClient(kgo.SeedBrokers(st.Brokers()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := producers.CreateTopics(ctx, st.Brokers(), []producers.Topic{{Name: topic, Partitions: 3, Replication: 1}}); err != nil {
		t.Fatal(err)
	}
	produce := func(from, to int) {
		t.Helper()
		recs := make([]*kgo.Record, 0, to-from)
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i % 97)), Value: []byte(fmt.Sprintf("ev-%07d", i))})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("produce %d..%d: %v", from, to, err)
		}
	}
	produce(0, supervisedBefore)

	// The supervised query reads through a proxy, so that the sessions of the supervisor
	// reach the restarted server at the same address even if Docker publishes it elsewhere.
	p := newFaultProxy(t, strings.TrimPrefix(st.ConnectURL(), "sc://"))
	url := "sc://" + p.Addr()
	dir := fmt.Sprintf("/tmp/out_sup_%d", time.Now().UnixNano())
	start := func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
		events := s.ReadStream().Format("kafka").
			Option("kafka.bootstrap.servers", st.SparkBrokers()).
			Option("subscribe", topic).
			Option("startingOffsets", "earliest").
			Option("maxOffsetsPerTrigger", "4000").
			Load().
			SelectExpr("CAST(value AS STRING) AS v", "partition", "offset")
		q, err := events.WriteStream().Format("json").
			Option("checkpointLocation", dir+"/checkpoint").
			QueryName("out_sup").
			Trigger(connect.ProcessingTime(time.Second)).
			Start(ctx, dir+"/out")
		if err != nil {
			return nil, err
		}
		return []*connect.StreamingQuery{q}, nil
	}
	var (
		mu       sync.Mutex
		current  *connect.StreamingQuery
		starts   int
		restarts []jobs.Restart
	)
	sv := &jobs.Supervisor{
		Dial:           func(ctx context.Context) (*connect.Session, error) { return connect.Dial(ctx, url) },
		Start:          start,
		PollInterval:   time.Second,
		InitialBackoff: time.Second,
		MaxBackoff:     10 * time.Second,
		RestartOnStop:  true,
		Logger:         slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		OnStart: func(_ *connect.Session, qs []*connect.StreamingQuery) {
			mu.Lock()
			defer mu.Unlock()
			current, starts = qs[0], starts+1
		},
		OnRestart: func(r jobs.Restart) {
			mu.Lock()
			defer mu.Unlock()
			restarts = append(restarts, r)
		},
	}
	svCtx, stopSupervisor := context.WithCancel(ctx)
	supervised := make(chan error, 1)
	go func() { supervised <- sv.Run(svCtx) }()
	defer func() {
		stopSupervisor()
		if err := <-supervised; !errors.Is(err, context.Canceled) {
			t.Errorf("supervisor returned %v, want context.Canceled", err)
		}
	}()

	// Mid-stream: a few micro-batches committed, most of the input still to read.
	var batch int64
	if err := waitFor(ctx, 3*time.Minute, func() (bool, error) {
		mu.Lock()
		q := current
		mu.Unlock()
		if q == nil {
			return false, nil
		}
		pr, err := q.LastProgress(ctx)
		if err != nil || pr == nil {
			return false, err
		}
		batch = pr.BatchID
		return pr.BatchID >= 2, nil
	}); err != nil {
		t.Fatalf("the query never reached its third micro-batch: %v", err)
	}
	restartedAt := time.Now()
	if err := st.RestartSpark(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	p.SetTarget(strings.TrimPrefix(st.ConnectURL(), "sc://"))
	down := time.Since(restartedAt)
	t.Logf("server restarted after micro-batch %d; down for %s", batch, down.Round(100*time.Millisecond))
	produce(supervisedBefore, supervisedEvents)

	// The output, read by another session as Spark reads a file sink's directory (the
	// files its log committed), until it holds as many rows as were produced.
	check, _ := sessionAt(t, ctx, st.ConnectURL())
	// A new DataFrame for every read: the server caches the plan of one it saw before, with
	// the files listed then.
	output := func() *connect.DataFrame {
		return check.Read().Format("json").Schema("v STRING, partition INT, offset BIGINT").Load(dir + "/out")
	}
	var n int64
	if err := waitFor(ctx, 6*time.Minute, func() (bool, error) {
		n, err = output().Count(ctx)
		return n >= supervisedEvents, nil
	}); err != nil {
		mu.Lock()
		rs := fmt.Sprint(restarts)
		mu.Unlock()
		t.Fatalf("the output has %d rows, want %d (restarts %s): %v", n, supervisedEvents, rs, err)
	}
	time.Sleep(3 * time.Second) // a batch committing now would show up as duplicates
	rows, err := output().Select(connect.Col("v")).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, supervisedEvents)
	var wrong, dup, lost int
	for _, r := range rows {
		var i int
		v, _ := r.Value(0).(string)
		if _, err := fmt.Sscanf(v, "ev-%d", &i); err != nil || i < 0 || i >= supervisedEvents {
			wrong++
			continue
		}
		if seen[i]++; seen[i] > 1 {
			dup++
		}
	}
	for _, c := range seen {
		if c == 0 {
			lost++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rows) != supervisedEvents || lost != 0 || dup != 0 || wrong != 0 {
		t.Errorf("output rows %d (want %d): %d lost, %d duplicated, %d not produced", len(rows), supervisedEvents, lost, dup, wrong)
	}
	if len(restarts) == 0 || starts < 2 {
		t.Fatalf("%d starts, restarts %v: the supervisor never restarted the query", starts, restarts)
	}
	var reasons []string
	for _, r := range restarts {
		reasons = append(reasons, fmt.Sprintf("#%d after %s (%v)", r.Attempt, r.Uptime.Round(time.Second), r.Reason))
	}
	if !errors.Is(restarts[0].Reason, connect.ErrSessionChanged) {
		t.Logf("note: the first restart's reason is not a session change: %v", restarts[0].Reason)
	}
	t.Logf("%d events produced, %d rows checked: %d lost, %d duplicated; %d starts; restarts: %s",
		supervisedEvents, len(rows), lost, dup, starts, strings.Join(reasons, "; "))
}

// testWriter writes to the test log, a line at a time.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
