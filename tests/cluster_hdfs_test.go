package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// The pageviews job on a Spark standalone cluster of two workers whose shared storage is
// HDFS: the job's checkpoints (offsets, commits and the aggregation's state, which the
// executors in the worker containers write) are on hdfs://. Its input arrives in four
// phases, and the job starts again from its HDFS checkpoint for each:
//
//   - phase 1: a fresh checkpoint;
//   - phase 2: the job's queries stopped and started again in the same Spark driver;
//   - phase 3: the Connect server (the driver) restarted: nothing of the job survives but
//     the checkpoint on HDFS, and new executors start on the workers;
//   - phase 4: a worker container killed (SIGKILL) while the job runs micro-batches: its
//     executor is lost, Spark runs the tasks on the other one, whose state stores load the
//     lost executor's state from HDFS, and the query keeps running.
//
// After each phase the output topic, read to its end, holds for every (window, page) a last
// count equal to the count the test computes from all events produced so far; the quarantine
// holds each malformed event exactly once (at least once in phase 4: the Kafka sink is
// at-least-once when a batch is retried). Each run resumes where the checkpoint left off: the
// queries keep their ids (stored in the checkpoint), start at the offsets where the phase
// before ended and read exactly the new phase's records (a run reprocessing the topic would
// read all). The checkpoint's commits and the aggregation's state files are on HDFS (read
// through WebHDFS), and tasks ran on both executors (in phase 4, on the survivor). The test
// starts its own stack (cluster, HDFS and Kafka), as TestStandaloneCluster does.
func TestClusterHDFSCheckpoints(t *testing.T) {
	if err := stack.EnsureImages(testCtx(t, 20*time.Minute), stack.WithLogger(testLogger{t})); err != nil {
		t.Fatalf("images: %v", err)
	}
	const startBound = 4 * time.Minute
	started := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), startBound)
	st, err := stack.Start(sctx, stack.WithStandaloneCluster(2), stack.WithHDFS(1),
		stack.WithKafkaBrokers(clusterBrokers), stack.WithDriverMemory("1g"), stack.WithLogger(testLogger{t}))
	cancel()
	startTook := time.Since(started)
	if st != nil {
		t.Cleanup(func() {
			if t.Failed() {
				logs, _ := st.Logs(context.Background())
				t.Logf("container logs of the cluster stack:\n%s", logs)
			}
			tctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := st.Terminate(tctx); err != nil {
				t.Errorf("terminate cluster stack: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start cluster stack with HDFS (bound %s, images excluded; took %s): %v", startBound, startTook.Round(time.Second), err)
	}
	if st.HDFSURI() != "hdfs://hdfs-namenode:8020" || st.HDFSUIURL() == "" {
		t.Fatalf("HDFSURI %q, HDFSUIURL %q", st.HDFSURI(), st.HDFSUIURL())
	}
	t.Logf("cluster stack with HDFS up in %s: %s, HDFS %s (UI %s), Kafka %v",
		startTook.Round(100*time.Millisecond), st.ConnectURL(), st.HDFSURI(), st.HDFSUIURL(), st.Brokers())

	ctx := testCtx(t, 6*time.Minute)
	c := &hdfsCluster{root: t, t: t, st: st, hdfs: webHDFS{base: st.HDFSUIURL()}}
	c.waitExecutors(ctx)

	// The input: clickstream events with late ones (within the job's watermark delay, so
	// none is dropped) and malformed ones, cut into phases in stream order. Event time only
	// moves forward between phases, so no phase is behind the previous one's watermark.
	phases := []string{"fresh checkpoint", "queries restarted", "Connect server restarted", "worker killed mid-stream"}
	c.events = genEvents(t, producers.NewClickstream(200), len(phases)*clusterPhaseEvents,
		producers.WithSeed(14), producers.WithStart(phaseStart), producers.WithInterval(100*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02))
	name := uniqueName("hdfs_pageviews")
	c.cfg = jobs.Config{
		Brokers:         st.SparkBrokers(),
		InputTopic:      c.topic(ctx, "input", 3),
		OutputTopic:     c.topic(ctx, "out", 1),
		QuarantineTopic: c.topic(ctx, "quarantine", 1),
		Name:            name,
		CheckpointDir:   st.HDFSURI() + "/checkpoints/" + name,
		// Every query of the run checkpoints (the memory sink's would not).
		NoMemorySink: true,
	}
	c.queryIDs = map[string]string{}
	c.lastBatch = -1
	for phase, what := range phases {
		if !t.Run(fmt.Sprintf("phase %d, %s", phase+1, what), func(t *testing.T) { c.phase(t, phase) }) {
			t.FailNow()
		}
	}
	t.Logf("test took %s (stack start %s)", time.Since(started).Round(100*time.Millisecond), startTook.Round(100*time.Millisecond))
}

// The shape of TestClusterHDFSCheckpoints: events per phase, and Kafka brokers (topics have
// a replica on each, up to three).
const (
	clusterPhaseEvents = 1500
	clusterBrokers     = 1
)

// phase runs phase k (from 0) of TestClusterHDFSCheckpoints: it restarts what the phase
// restarts, produces the phase's events, runs the job from its checkpoint until it has
// processed them, stops it and checks the outputs, the resumption and the checkpoint.
func (c *hdfsCluster) phase(t *testing.T, k int) {
	c.t = t
	if k == 2 {
		// The restart has its own bound: a Connect server start and two executors took
		// 2m22s on the two-core machine under the load of other test runs.
		rctx := testCtx(t, 4*time.Minute)
		restarted := time.Now()
		c.restartDriver(rctx, 10*time.Second)
		c.waitExecutors(rctx)
		t.Logf("Connect server restarted, two new executors registered, in %s", time.Since(restarted).Round(100*time.Millisecond))
	}
	// A phase took 45 s to 3 min on the two-core machine shared with other test runs.
	ctx := testCtx(t, 5*time.Minute)
	began := time.Now()
	s := c.session(ctx)
	before, err := c.ui().executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events := c.events[k*clusterPhaseEvents : (k+1)*clusterPhaseEvents]
	killed := k == 3
	cfg := c.cfg
	var run *jobs.Run
	if !killed {
		c.produce(ctx, cfg.InputTopic, events)
		if run, err = jobs.PageViews().Start(ctx, s, cfg); err != nil {
			t.Fatal(err)
		}
	} else {
		// The job runs a micro-batch a second while the events arrive in six parts; worker 2
		// is killed after the second part, while batches run.
		trigger := connect.ProcessingTime(time.Second)
		cfg.Trigger = &trigger
		if run, err = jobs.PageViews().Start(ctx, s, cfg); err != nil {
			t.Fatal(err)
		}
		part := len(events) / 6
		for i := range 6 {
			c.produce(ctx, cfg.InputTopic, events[i*part:min((i+1)*part, len(events))])
			if i == 1 {
				if err := c.st.KillWorker(ctx, 2); err != nil {
					stopRun(run)
					t.Fatal(err)
				}
				t.Logf("worker 2 killed at %s", time.Now().Format(time.TimeOnly))
			}
			time.Sleep(time.Second)
		}
	}
	processed := time.Now()
	if err := run.ProcessAllAvailable(ctx); err != nil {
		stopRun(run)
		t.Fatal(err)
	}
	t.Logf("the job processed the phase %s after its last event was written (%s into the phase)",
		time.Since(processed).Round(100*time.Millisecond), time.Since(began).Round(100*time.Millisecond))

	// The runs resume from the checkpoint: the same queries, starting at the offsets where
	// the phase before ended and reading only this phase's records.
	for _, q := range run.Queries() {
		if id, seen := c.queryIDs[q.Name()]; !seen {
			c.queryIDs[q.Name()] = q.ID()
		} else if id != q.ID() {
			t.Errorf("query %s has id %s, the first run's was %s: the checkpoint was not used", q.Name(), q.ID(), id)
		}
		progress, err := q.RecentProgress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) == 0 || len(progress[0].Sources) != 1 {
			t.Fatalf("query %s: progress %v", q.Name(), progress)
		}
		if from := offsetSum(t, progress[0].Sources[0].StartOffset); from != int64(k*clusterPhaseEvents) {
			t.Errorf("query %s: this run's first batch starts at offset sum %d, want %d (where the phase before ended)", q.Name(), from, k*clusterPhaseEvents)
		}
		var read int64
		for _, p := range progress {
			read += p.NumInputRows
		}
		// Batches retried after the executor loss may count rows twice; never fewer.
		if read != int64(len(events)) && !(killed && read > int64(len(events))) {
			t.Errorf("query %s read %d records in this run, want the phase's %d", q.Name(), read, len(events))
		}
		if q == run.Results {
			if first := progress[0].BatchID; first <= c.lastBatch {
				t.Errorf("the results query's first batch of this run is %d, not after the last one before (%d)", first, c.lastBatch)
			}
			c.lastBatch = progress[len(progress)-1].BatchID
		}
	}
	if err := run.Stop(ctx); err != nil {
		t.Fatalf("stop the job: %v", err)
	}

	// Ground truth over every event produced so far. Under the executor loss the Kafka sink
	// may write a retried batch's records again (it is at-least-once).
	sofar := c.events[:(k+1)*clusterPhaseEvents]
	c.checkOutput(ctx, cfg.OutputTopic, sofar)
	c.checkQuarantined(ctx, cfg.QuarantineTopic, sofar, !killed)

	// The checkpoint is on HDFS: a commit per batch of the results query, and the state
	// files of the aggregation, which the executors wrote.
	dir := "/checkpoints/" + cfg.Name + "/" + jobs.ResultsQueryName(cfg.Name)
	commits, err := c.hdfs.list(ctx, dir+"/commits")
	if err != nil {
		t.Fatal(err)
	}
	if want := int(c.lastBatch + 1); countNumeric(commits) != want {
		t.Errorf("HDFS %s/commits lists %v, want %d batch commits (0..%d)", dir, commits, want, c.lastBatch)
	}
	parts, err := c.hdfs.list(ctx, dir+"/state/0")
	if err != nil {
		t.Fatal(err)
	}
	if countNumeric(parts) < 2 {
		t.Errorf("HDFS %s/state/0 lists %v, want a state directory per shuffle partition", dir, parts)
	}
	after, err := c.ui().executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	busy := busyExecutors(before, after)
	switch {
	case killed && (len(after) != 1 || len(busy) != 1):
		t.Errorf("after worker 2 was killed: active executors %v, busy %v; want the other one alone, busy", after, busy)
	case !killed && len(busy) < 2:
		t.Errorf("tasks ran on executors %v, want both (%v)", busy, after)
	}
	t.Logf("%d events (%d in all), batches up to %d, state partitions %v on HDFS, busy executors %v; phase took %s",
		len(events), len(sofar), c.lastBatch, parts, busy, time.Since(began).Round(100*time.Millisecond))
}

// offsetSum adds up the partition offsets of a Kafka source's offset JSON
// ({"topic":{"0":12,"1":7}}); none (a new query's first batch) is 0.
func offsetSum(t *testing.T, raw json.RawMessage) int64 {
	t.Helper()
	m := kafkaOffsets(t, raw)
	var sum int64
	for _, parts := range m {
		for _, off := range parts {
			sum += off
		}
	}
	return sum
}

// hdfsCluster is the cluster stack of TestClusterHDFSCheckpoints with its helpers: root is
// the test, t the running subtest (or the test).
type hdfsCluster struct {
	root, t *testing.T
	st      *stack.Stack
	hdfs    webHDFS
	open    *connect.Session // the session with the current driver, nil before the first

	events    []producers.Event // every phase's, in order
	cfg       jobs.Config
	queryIDs  map[string]string // query name -> id, from the first run
	lastBatch int64             // the results query's last batch so far
}

// ui returns the REST API of the current driver's UI (its address changes with a restart).
func (c *hdfsCluster) ui() sparkREST { return sparkREST{base: c.st.SparkUIURL()} }

// waitExecutors waits until the driver's application has two executors.
func (c *hdfsCluster) waitExecutors(ctx context.Context) {
	c.t.Helper()
	var execs map[string]executorSummary
	var err error
	if werr := waitFor(ctx, 2*time.Minute, func() (bool, error) {
		execs, err = c.ui().executors(ctx)
		return len(execs) >= 2, err
	}); werr != nil {
		c.t.Fatalf("two executors never registered (have %v): %v", execs, werr)
	}
}

// session returns the session with the current driver, dialled on first use; it is
// closed when the test ends.
func (c *hdfsCluster) session(ctx context.Context) *connect.Session {
	c.t.Helper()
	if c.open != nil {
		return c.open
	}
	s, err := connect.Dial(ctx, c.st.ConnectURL())
	if err != nil {
		c.t.Fatalf("dial %s: %v", c.st.ConnectURL(), err)
	}
	c.open = s
	c.root.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(cctx); err != nil && c.open == s {
			c.root.Errorf("close session: %v", err)
		}
	})
	return s
}

// restartDriver restarts the Connect server. The session with the old driver went with it:
// it is closed without looking at the error (the new server does not know it), and the
// next session() dials the new one.
func (c *hdfsCluster) restartDriver(ctx context.Context, grace time.Duration) {
	c.t.Helper()
	if err := c.st.RestartSpark(ctx, grace); err != nil {
		c.t.Fatalf("restart the Connect server: %v", err)
	}
	if old := c.open; old != nil {
		c.open = nil
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = old.Close(cctx)
		cancel()
	}
}

// client returns a Kafka client for the cluster stack's broker, closed with the test.
func (c *hdfsCluster) client(opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.st.Brokers()...)}, opts...)...)
	if err != nil {
		c.t.Fatalf("kafka client: %v", err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}

// topic creates a topic on the cluster stack's broker (removed with the stack).
func (c *hdfsCluster) topic(ctx context.Context, what string, partitions int32) string {
	c.t.Helper()
	name := uniqueName("hdfs_" + what)
	resp, err := kadm.NewClient(c.client()).CreateTopic(ctx, partitions, int16(min(clusterBrokers, 3)), nil, name)
	if err != nil || resp.Err != nil {
		c.t.Fatalf("create topic %s: %v %v", name, err, resp.Err)
	}
	return name
}

// produce writes events to topic, keyed as the generator keyed them.
func (c *hdfsCluster) produce(ctx context.Context, topic string, events []producers.Event) {
	c.t.Helper()
	recs := make([]*kgo.Record, len(events))
	for i, e := range events {
		recs[i] = &kgo.Record{Topic: topic, Key: e.Key, Value: e.Value}
	}
	if err := c.client().ProduceSync(ctx, recs...).FirstErr(); err != nil {
		c.t.Fatalf("produce to %s: %v", topic, err)
	}
}

// consume reads a topic of the cluster stack from its start to its current end, in offset
// order within each partition.
func (c *hdfsCluster) consume(ctx context.Context, topic string) []*kgo.Record {
	c.t.Helper()
	ends, err := kadm.NewClient(c.client()).ListEndOffsets(ctx, topic)
	if err != nil {
		c.t.Fatal(err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	cl := c.client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var recs []*kgo.Record
	for int64(len(recs)) < total {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			c.t.Fatalf("consume %s: %v (%d of %d records)", topic, err, len(recs), total)
		}
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	slices.SortStableFunc(recs, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return recs
}

// checkOutput checks the job's output topic against the counts computed from events: the
// last record of each (window, page), the job writing in update mode, has the count of all
// its page views. A run that lost the state of the runs before would write lower counts.
func (c *hdfsCluster) checkOutput(ctx context.Context, topic string, events []producers.Event) {
	c.t.Helper()
	expected, err := ExpectedPageViews(events)
	if err != nil {
		c.t.Fatal(err)
	}
	want := map[windowKey]int64{}
	for k, v := range expected {
		want[windowKey{k.WindowStart, k.Page}] = v
	}
	got := map[windowKey]int64{}
	for _, rec := range c.consume(ctx, topic) {
		var v struct {
			WindowStart time.Time `json:"window_start"`
			Page        string
			Views       int64
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			c.t.Fatal(err)
		}
		got[windowKey{v.WindowStart.UTC(), v.Page}] = v.Views // the output topic has one partition
	}
	assertCounts(c.t, "output topic (last count per window and page)", got, want)
}

// checkQuarantined checks that the quarantine topic holds each malformed event of events
// exactly once (a run that read the input again would quarantine them twice), or, unless
// exact, at least once and nothing else.
func (c *hdfsCluster) checkQuarantined(ctx context.Context, topic string, events []producers.Event, exact bool) {
	c.t.Helper()
	want := map[string]int{}
	n := 0
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			want[string(e.Value)]++
			n++
		}
	}
	got := map[string]int{}
	recs := c.consume(ctx, topic)
	for _, rec := range recs {
		var q struct{ Raw string }
		if err := json.Unmarshal(rec.Value, &q); err != nil {
			c.t.Fatalf("quarantine record %s: %v", rec.Value, err)
		}
		got[q.Raw]++
	}
	if n == 0 {
		c.t.Fatal("the input has no malformed event")
	}
	if exact {
		if len(recs) != n || !maps.Equal(got, want) {
			c.t.Errorf("quarantine: %d records (%d distinct), want the %d malformed events once each", len(recs), len(got), n)
		}
		return
	}
	if !maps.EqualFunc(got, want, func(g, w int) bool { return g >= w }) {
		c.t.Errorf("quarantine: %d records (%d distinct), want the %d malformed events, each at least once, and nothing else", len(recs), len(got), n)
	}
	c.t.Logf("quarantine: %d records for %d malformed events", len(recs), n)
}

// countNumeric counts the names that are numbers (a checkpoint's batch files; Spark keeps
// hidden .crc files beside them on some file systems).
func countNumeric(names []string) int {
	n := 0
	for _, name := range names {
		if name != "" && strings.Trim(name, "0123456789") == "" {
			n++
		}
	}
	return n
}

// webHDFS reads directory listings from the NameNode's WebHDFS REST API.
type webHDFS struct{ base string }

// list returns the names in the HDFS directory dir (an absolute path).
func (w webHDFS) list(ctx context.Context, dir string) ([]string, error) {
	u := w.base + "/webhdfs/v1" + (&url.URL{Path: dir}).EscapedPath() + "?op=LISTSTATUS"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var doc struct {
		FileStatuses struct {
			FileStatus []struct {
				PathSuffix string `json:"pathSuffix"`
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	var names []string
	for _, f := range doc.FileStatuses.FileStatus {
		names = append(names, f.PathSuffix)
	}
	slices.Sort(names)
	return names, nil
}
