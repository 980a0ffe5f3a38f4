package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
	"github.com/sparkwire/sparkwire/tests/internal/oracle"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// The pageviews and sessions jobs, side by side, on a Spark standalone cluster of two
// workers whose shared storage is HDFS, reading a Kafka cluster of three brokers: the jobs'
// checkpoints (offsets, commits and the aggregations' state, which the executors in the
// worker containers write) are on hdfs://, and every topic has three replicas, two of which
// must be in sync for a write (min.insync.replicas 2). Their input, clickstream events of
// which some are late (within the jobs' watermark delay, so none is dropped) and some
// malformed, arrives in five phases, written by sparkwire's producer (franz-go, idempotent,
// acks=all), and the jobs start again from their HDFS checkpoints for each:
//
//   - phase 1: fresh checkpoints;
//   - phase 2: the jobs' queries stopped and started again in the same Spark driver;
//   - phase 3: the Connect server (the driver) restarted: nothing of the jobs survives but
//     the checkpoints on HDFS, and new executors start on the workers;
//   - phase 4: the Kafka broker that leads an input partition killed (SIGKILL) while the
//     producer writes the phase's last two thirds at a steady rate and the jobs, which have
//     read the first third, read them in a micro-batch a second: the producer retries its
//     writes on the new leaders, Spark's Kafka source and sink fail over, and the broker is
//     started again after the phase (a restart of the same container, as an operator would
//     restart a failed machine), so that the last phase runs on three brokers again;
//   - phase 5: a worker container killed (SIGKILL) in the same way while the producer
//     writes and the jobs run micro-batches: its executor is lost, Spark runs the tasks on
//     the other one, whose state stores load the lost executor's state from HDFS, and the
//     queries keep running.
//
// After each phase the input topic holds every event the producer had acknowledged, once,
// and nothing else (event by event); the pageviews output topic holds for every (window,
// page) a last count equal to the count the test computes from all events produced so far;
// the sessions output topic holds exactly the sessions the ground truth has closed by then
// (oracle.ExpectedSessions), each once (identical copies are allowed under the faults of
// phases 4 and 5, where a retried task writes again: Spark's Kafka sink is at-least-once);
// the quarantines hold each malformed event exactly once (at least once under a fault).
// Each run resumes where its checkpoint left off: the queries keep their ids, start at the
// offsets where the phase before ended and read exactly the new phase's records. The
// checkpoints' commits and the aggregations' state files are on HDFS (read through WebHDFS),
// and tasks ran on both executors (in phase 5, on the survivor). Each phase logs its
// figures: events sent, acknowledged, in the topic, duplicates, windows and sessions checked,
// wrong ones.
func TestClusterHDFSCheckpoints(t *testing.T) {
	started := time.Now()
	st, startTook := startClusterStack(t, stack.WithStandaloneCluster(2), stack.WithHDFS(1),
		stack.WithKafkaBrokers(clusterBrokers), stack.WithDriverMemory("1g"))
	if st.HDFSURI() != "hdfs://hdfs-namenode:8020" || st.HDFSUIURL() == "" {
		t.Fatalf("HDFSURI %q, HDFSUIURL %q", st.HDFSURI(), st.HDFSUIURL())
	}
	if n := len(st.Brokers()); n != clusterBrokers || strings.Count(st.SparkBrokers(), ",") != clusterBrokers-1 {
		t.Fatalf("Brokers %v, SparkBrokers %q: want %d of each", st.Brokers(), st.SparkBrokers(), clusterBrokers)
	}
	t.Logf("cluster stack with HDFS up in %s: %s, HDFS %s (UI %s), Kafka %v (Spark: %s)",
		startTook.Round(100*time.Millisecond), st.ConnectURL(), st.HDFSURI(), st.HDFSUIURL(), st.Brokers(), st.SparkBrokers())

	ctx := testkit.Ctx(t, 6*time.Minute)
	c := &hdfsCluster{root: t, t: t, st: st, hdfs: webHDFS{base: st.HDFSUIURL()}}
	c.waitExecutors(ctx)

	// The input, cut into phases in stream order. Event time only moves forward between
	// phases, so no phase is behind the previous one's watermark. A phase spans 10 minutes
	// of event time, well beyond the watermark's delay (2 minutes), so that the watermark
	// closes sessions (and windows) in every phase.
	c.streamOpts = []producers.StreamOption{producers.WithSeed(14), producers.WithStart(phaseStart),
		producers.WithInterval(400 * time.Millisecond), producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02)}
	c.events = c.generate(len(clusterPhases) * clusterPhaseEvents)
	c.input = c.topic(ctx, "input", 3)
	for _, job := range []*jobs.Job{jobs.PageViews(), jobs.Sessions()} {
		name := testkit.UniqueName("hdfs_" + job.Name)
		c.jobs = append(c.jobs, &clusterJob{job: job, queryIDs: map[string]string{}, lastBatch: -1, cfg: jobs.Config{
			Brokers:         st.SparkBrokers(),
			InputTopic:      c.input,
			OutputTopic:     c.topic(ctx, job.Name+"_out", 1),
			QuarantineTopic: c.topic(ctx, job.Name+"_quarantine", 1),
			Name:            name,
			CheckpointDir:   st.HDFSURI() + "/checkpoints/" + name,
			// Every query of the run checkpoints (the memory sink's would not).
			NoMemorySink: true,
		}})
	}
	c.checkReplicas(ctx, true)
	for phase, p := range clusterPhases {
		if !t.Run(fmt.Sprintf("phase %d, %s", phase+1, p.what), func(t *testing.T) { c.phase(t, phase) }) {
			t.FailNow()
		}
	}
	for _, f := range c.figures {
		t.Logf("figures: %s", f)
	}
	t.Logf("test took %s (stack start %s)", time.Since(started).Round(100*time.Millisecond), startTook.Round(100*time.Millisecond))
}

// The shape of TestClusterHDFSCheckpoints: its phases, events per phase, the rate at which
// the fault phases write them, and the Kafka brokers.
const (
	clusterPhaseEvents = 1500
	clusterFaultRate   = 100 // events a second: 15 s of writing
	clusterBrokers     = 3
)

// clusterPhases are the phases of TestClusterHDFSCheckpoints, in order.
var clusterPhases = []struct {
	what  string
	fault string // "" for none, "driver", "broker" or "worker"
}{
	{"fresh checkpoint", ""},
	{"queries restarted", ""},
	{"Connect server restarted", "driver"},
	{"Kafka broker killed mid-produce and mid-read", "broker"},
	{"worker killed mid-stream", "worker"},
}

// phaseStart is the event time of the first event.
var phaseStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// hdfsCluster is the cluster stack of TestClusterHDFSCheckpoints with its helpers: root is
// the test, t the running subtest (or the test).
type hdfsCluster struct {
	root, t *testing.T
	st      *stack.Stack
	hdfs    webHDFS
	open    *connect.Session // the session with the current driver, nil before the first

	streamOpts []producers.StreamOption
	events     []producers.Event // every phase's, in order
	input      string            // the input topic
	jobs       []*clusterJob
	figures    []string // a line per phase
	killed     int      // the Kafka broker killed in the running phase, 0 for none
}

// clusterJob is a job of TestClusterHDFSCheckpoints, run again in each phase.
type clusterJob struct {
	job       *jobs.Job
	cfg       jobs.Config
	queryIDs  map[string]string // query name -> id, from the first run
	lastBatch int64             // the results query's last batch so far
	run       *jobs.Run         // the current phase's
}

// phase runs phase k (from 0) of TestClusterHDFSCheckpoints: it restarts what the phase
// restarts, produces the phase's events, runs the jobs from their checkpoints until they
// have processed them (producing and injecting the fault while they run, in the fault
// phases), stops them and checks the input, the outputs, the resumption and the
// checkpoints.
func (c *hdfsCluster) phase(t *testing.T, k int) {
	c.t = t
	fault := clusterPhases[k].fault
	if fault == "driver" {
		// The restart has its own bound: a Connect server start and two executors took
		// 2m22s on the two-core machine under the load of other test runs.
		rctx := testkit.Ctx(t, 4*time.Minute)
		restarted := time.Now()
		c.restartDriver(rctx, 10*time.Second)
		c.waitExecutors(rctx)
		t.Logf("Connect server restarted, two new executors registered, in %s", time.Since(restarted).Round(100*time.Millisecond))
	}
	// A phase took 45 s to 3.5 min on the two-core machine shared with other test runs.
	ctx := testkit.Ctx(t, 8*time.Minute)
	began := time.Now()
	s := c.session(ctx)
	before, err := c.ui().executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events := c.events[k*clusterPhaseEvents : (k+1)*clusterPhaseEvents]
	ends := c.endOffsets(ctx, c.input)
	var m producerFigures
	var killedAt time.Time
	if fault == "" || fault == "driver" {
		m.add(c.produce(ctx, k, 0, clusterPhaseEvents, producers.Rate{}, nil))
		c.startJobs(ctx, s, nil)
	} else {
		// The jobs run a micro-batch a second. The producer writes the first third of the
		// phase, which the jobs read; then it writes the rest at a steady rate, and the fault
		// strikes two seconds into it, while the jobs read what arrives: the producer and
		// the jobs carry on.
		trigger := connect.ProcessingTime(time.Second)
		c.startJobs(ctx, s, &trigger)
		first := clusterPhaseEvents / 3
		m.add(c.produce(ctx, k, 0, first, producers.Rate{}, nil))
		c.waitRead(ctx, int64(first))
		m.add(c.produce(ctx, k, first, clusterPhaseEvents-first, producers.Steady(clusterFaultRate), func(p *producers.Producer) {
			if err := testkit.WaitFor(ctx, time.Minute, func() (bool, error) { return p.Stats().Acked >= 2*clusterFaultRate, nil }); err != nil {
				t.Errorf("the producer never had %d events acknowledged: %v", 2*clusterFaultRate, err)
				return
			}
			reading := c.waitBatchRunning(ctx)
			killedAt = time.Now()
			acked := int64(first) + p.Stats().Acked
			switch fault {
			case "broker":
				n := c.inputLeader(ctx)
				if err := c.st.KillKafkaBroker(ctx, n); err != nil {
					t.Error(err)
					return
				}
				t.Logf("Kafka broker %d (leader of input partition 0) killed at %s, %d of the phase's %d events acknowledged, while %s", n, killedAt.Format(time.TimeOnly), acked, clusterPhaseEvents, reading)
				c.killed = n
			case "worker":
				if err := c.st.KillWorker(ctx, 2); err != nil {
					t.Error(err)
					return
				}
				t.Logf("worker 2 killed at %s, %d of the phase's %d events acknowledged, while %s", killedAt.Format(time.TimeOnly), acked, clusterPhaseEvents, reading)
			}
		}))
		if t.Failed() {
			c.stopJobs()
			t.FailNow()
		}
	}
	processed := time.Now()
	for _, j := range c.jobs {
		if err := j.run.ProcessAllAvailable(ctx); err != nil {
			c.stopJobs()
			t.Fatal(err)
		}
	}
	t.Logf("the jobs processed the phase %s after its last event was acknowledged (%s into the phase)",
		time.Since(processed).Round(100*time.Millisecond), time.Since(began).Round(100*time.Millisecond))

	// The runs resume from the checkpoints: the same queries, starting at the offsets where
	// the phase before ended and reading only this phase's records; under a fault, they read
	// records of the phase after it struck (the source failed over, or ran on the survivor).
	for _, j := range c.jobs {
		c.checkResumed(ctx, j, k, fault != "" && fault != "driver", killedAt)
	}
	for _, j := range c.jobs {
		if err := j.run.Stop(ctx); err != nil {
			t.Fatalf("stop job %s: %v", j.job.Name, err)
		}
	}

	// The input topic against what the producer acknowledged, event by event; then the
	// outputs against the ground truth over every event produced so far.
	fig := c.checkInput(ctx, ends, events, m)
	sofar := c.events[:(k+1)*clusterPhaseEvents]
	exact := fault == "" || fault == "driver"
	windows, wrong := c.checkPageViews(ctx, c.jobs[0].cfg.OutputTopic, sofar)
	sessions, wrongSessions, copies := c.checkSessions(ctx, c.jobs[1].cfg.OutputTopic, sofar, exact)
	for _, j := range c.jobs {
		c.checkQuarantined(ctx, j.cfg.QuarantineTopic, sofar, exact)
	}
	fig += fmt.Sprintf(", windows checked %d (pageviews), sessions checked %d, wrong %d (%d windows, %d sessions), identical session copies %d",
		windows, sessions, wrong+wrongSessions, wrong, wrongSessions, copies)

	// The checkpoints are on HDFS: a commit per batch of each results query, and the state
	// files of the aggregations, which the executors wrote.
	var states []string
	for _, j := range c.jobs {
		states = append(states, c.checkCheckpoint(ctx, j)...)
	}
	after, err := c.ui().executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	busy := busyExecutors(before, after)
	switch {
	case fault == "worker" && (len(after) != 1 || len(busy) != 1):
		t.Errorf("after worker 2 was killed: active executors %v, busy %v; want the other one alone, busy", after, busy)
	case fault != "worker" && len(busy) < 2:
		t.Errorf("tasks ran on executors %v, want both (%v)", busy, after)
	}
	if fault == "broker" && c.killed > 0 {
		// The broker comes back, as an operator would restart a failed machine, so that the
		// last phase runs on three brokers again: its replicas catch up and rejoin the ISRs.
		restarted := time.Now()
		if err := c.st.StartKafkaBroker(ctx, c.killed); err != nil {
			t.Fatal(err)
		}
		c.checkReplicas(ctx, false)
		t.Logf("Kafka broker %d started again, every partition has 3 in-sync replicas again, in %s; brokers now %v",
			c.killed, time.Since(restarted).Round(100*time.Millisecond), c.st.Brokers())
		c.killed = 0
	}
	fig = fmt.Sprintf("phase %d (%s): %s", k+1, clusterPhases[k].what, fig)
	c.figures = append(c.figures, fig)
	t.Logf("%s; batches up to %d and %d, state %v on HDFS, busy executors %v; phase took %s",
		fig, c.jobs[0].lastBatch, c.jobs[1].lastBatch, states, busy, time.Since(began).Round(100*time.Millisecond))
}

// generate returns the first n events of the test's stream.
func (c *hdfsCluster) generate(n int) []producers.Event {
	c.t.Helper()
	s, err := producers.NewStream(producers.NewClickstream(200), c.streamOpts...)
	if err != nil {
		c.t.Fatal(err)
	}
	events := make([]producers.Event, n)
	for i := range events {
		if events[i], err = s.Next(); err != nil {
			c.t.Fatal(err)
		}
	}
	return events
}

// produce writes n events of phase k, from its event from on, to the input topic with
// sparkwire's producer (idempotent, acks=all) at rate, and returns its manifest. The
// producer runs the test's stream from that event; during, if not nil, runs while it
// writes.
func (c *hdfsCluster) produce(ctx context.Context, k, from, n int, rate producers.Rate, during func(*producers.Producer)) *producers.Manifest {
	c.t.Helper()
	s, err := producers.NewStream(producers.NewClickstream(200), c.streamOpts...)
	if err != nil {
		c.t.Fatal(err)
	}
	for range k*clusterPhaseEvents + from {
		if _, err := s.Next(); err != nil {
			c.t.Fatal(err)
		}
	}
	opts := []producers.Option{producers.WithCount(int64(n)), producers.WithDeliveryTimeout(2 * time.Minute)}
	if !rate.Unlimited() {
		opts = append(opts, producers.WithRate(rate))
	}
	p, err := producers.NewProducer(c.st.Brokers(), c.input, opts...)
	if err != nil {
		c.t.Fatal(err)
	}
	defer p.Close()
	var m *producers.Manifest
	var runErr error
	var wg sync.WaitGroup
	wg.Go(func() { m, runErr = p.Run(ctx, s) })
	if during != nil {
		during(p)
	}
	wg.Wait()
	if runErr != nil {
		c.t.Fatalf("produce phase %d: %v (manifest %+v)", k+1, runErr, m)
	}
	return m
}

// producerFigures adds up the manifests of a phase's producer runs.
type producerFigures struct {
	produced, acked, failed int64
	errors                  map[string]int64
}

func (f *producerFigures) add(m *producers.Manifest) {
	f.produced += m.Produced
	f.acked += m.Acked
	f.failed += m.Failed
	for k, v := range m.Errors {
		if f.errors == nil {
			f.errors = map[string]int64{}
		}
		f.errors[k] += v
	}
}

// waitRead waits until every job's results query has read n records in its current run.
func (c *hdfsCluster) waitRead(ctx context.Context, n int64) {
	c.t.Helper()
	read := map[string]int64{}
	err := testkit.WaitFor(ctx, 3*time.Minute, func() (bool, error) {
		for _, j := range c.jobs {
			progress, err := j.run.Results.RecentProgress(ctx)
			if err != nil {
				return false, err
			}
			var sum int64
			for _, p := range progress {
				sum += p.NumInputRows
			}
			if read[j.job.Name] = sum; sum < n {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		c.stopJobs()
		c.t.Fatalf("the jobs never read the phase's first %d events (read %v): %v", n, read, err)
	}
}

// waitBatchRunning waits, for at most 8 s (while the producer still writes), until a job's
// results query runs a micro-batch of new data, and says which; if none does, the test
// fails: the fault must strike while the jobs read.
func (c *hdfsCluster) waitBatchRunning(ctx context.Context) string {
	var running string
	err := testkit.WaitFor(ctx, 8*time.Second, func() (bool, error) {
		for _, j := range c.jobs {
			st, err := j.run.Results.Status(ctx)
			if err != nil {
				return false, err
			}
			if st.IsTriggerActive && st.IsDataAvailable {
				running = fmt.Sprintf("query %s ran a batch of new data (%q)", j.run.Results.Name(), st.Message)
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		c.t.Errorf("no job ran a batch of new data while the producer wrote: %v", err)
		return "no job ran a batch"
	}
	return running
}

// inputLeader returns the node id of the broker that leads partition 0 of the input topic.
func (c *hdfsCluster) inputLeader(ctx context.Context) int {
	c.t.Helper()
	md, err := kadm.NewClient(c.client()).Metadata(ctx, c.input)
	if err != nil {
		c.t.Fatal(err)
	}
	p, ok := md.Topics[c.input].Partitions[0]
	if !ok || p.Leader < 1 || int(p.Leader) > clusterBrokers {
		c.t.Fatalf("input partition 0: %+v", md.Topics[c.input].Partitions)
	}
	return int(p.Leader)
}

// startJobs starts every job of the test from its checkpoint, with trigger if not nil.
func (c *hdfsCluster) startJobs(ctx context.Context, s *connect.Session, trigger *connect.Trigger) {
	c.t.Helper()
	for _, j := range c.jobs {
		cfg := j.cfg
		cfg.Trigger = trigger
		run, err := j.job.Start(ctx, s, cfg)
		if err != nil {
			c.stopJobs()
			c.t.Fatal(err)
		}
		j.run = run
	}
}

// stopJobs stops the jobs' current runs, ignoring errors (the test has failed).
func (c *hdfsCluster) stopJobs() {
	for _, j := range c.jobs {
		if j.run != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = j.run.Stop(ctx)
			cancel()
		}
	}
}

// checkResumed checks that the queries of job j's run in phase k resumed from the
// checkpoint: the first run's ids, a first batch starting where the phase before ended and
// the phase's records read (at least, with a fault: a retried batch counts again), and
// for the results query batch ids after the last one before. With a fault at struck, the
// results query read records in a batch that began after it.
func (c *hdfsCluster) checkResumed(ctx context.Context, j *clusterJob, k int, faulty bool, struck time.Time) {
	t := c.t
	t.Helper()
	for _, q := range j.run.Queries() {
		if id, seen := j.queryIDs[q.Name()]; !seen {
			j.queryIDs[q.Name()] = q.ID()
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
		var read, after int64
		for _, p := range progress {
			read += p.NumInputRows
			if !struck.IsZero() && p.Timestamp.After(struck) {
				after += p.NumInputRows
			}
		}
		if read != clusterPhaseEvents && !(faulty && read > clusterPhaseEvents) {
			t.Errorf("query %s read %d records in this run, want the phase's %d", q.Name(), read, clusterPhaseEvents)
		}
		if faulty && q == j.run.Results && after == 0 {
			t.Errorf("query %s read no record in a batch that began after the fault at %s", q.Name(), struck.Format(time.TimeOnly))
		}
		if q == j.run.Results {
			if first := progress[0].BatchID; first <= j.lastBatch {
				t.Errorf("query %s: the first batch of this run is %d, not after the last one before (%d)", q.Name(), first, j.lastBatch)
			}
			// The last batch that ran: an idle query's progress reports the batch it waits
			// to run, which has no addBatch time.
			for _, p := range progress {
				if _, ran := p.DurationMs["addBatch"]; ran {
					j.lastBatch = max(j.lastBatch, p.BatchID)
				}
			}
			if faulty {
				t.Logf("query %s read %d records in %d batches, %d of them in batches that began after the fault", q.Name(), read, len(progress), after)
			}
		}
	}
}

// checkCheckpoint checks job j's checkpoint on HDFS: the results query's commits up to its
// last batch (Spark keeps the last 100), and the state directories of its aggregation, whose
// names it returns.
func (c *hdfsCluster) checkCheckpoint(ctx context.Context, j *clusterJob) []string {
	t := c.t
	t.Helper()
	dir := "/checkpoints/" + j.cfg.Name + "/" + jobs.ResultsQueryName(j.cfg.Name)
	commits, err := c.hdfs.list(ctx, dir+"/commits")
	if err != nil {
		t.Fatal(err)
	}
	var batches []int64
	for _, name := range commits {
		if n, err := strconv.ParseInt(name, 10, 64); err == nil {
			batches = append(batches, n)
		}
	}
	slices.Sort(batches)
	if want := min(j.lastBatch+1, 100); len(batches) < int(want) || batches[len(batches)-1] != j.lastBatch {
		t.Errorf("HDFS %s/commits lists %v, want the commits of batches up to %d (at least %d)", dir, commits, j.lastBatch, want)
	}
	parts, err := c.hdfs.list(ctx, dir+"/state/0")
	if err != nil {
		t.Fatal(err)
	}
	if countNumeric(parts) < 2 {
		t.Errorf("HDFS %s/state/0 lists %v, want a state directory per shuffle partition", dir, parts)
	}
	return parts
}

// offsetSum adds up the partition offsets of a Kafka source's offset JSON
// ({"topic":{"0":12,"1":7}}, possibly as a JSON string); none (a new query's first batch)
// is 0.
func offsetSum(t *testing.T, raw json.RawMessage) int64 {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return 0
	}
	if raw[0] == '"' {
		var inner string
		if err := json.Unmarshal(raw, &inner); err != nil {
			t.Fatalf("kafka offsets %s: %v", raw, err)
		}
		raw = json.RawMessage(inner)
	}
	var m map[string]map[string]int64
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("kafka offsets %s: %v", raw, err)
	}
	var sum int64
	for _, parts := range m {
		for _, off := range parts {
			sum += off
		}
	}
	return sum
}

// ui returns the REST API of the current driver's UI (its address changes with a restart).
func (c *hdfsCluster) ui() sparkREST { return sparkREST{base: c.st.SparkUIURL()} }

// waitExecutors waits until the driver's application has two executors.
func (c *hdfsCluster) waitExecutors(ctx context.Context) {
	c.t.Helper()
	var execs map[string]executorSummary
	var err error
	if werr := testkit.WaitFor(ctx, 2*time.Minute, func() (bool, error) {
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

// client returns a Kafka client for the cluster stack's brokers, closed with the (sub)test.
func (c *hdfsCluster) client(opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.st.Brokers()...)}, opts...)...)
	if err != nil {
		c.t.Fatalf("kafka client: %v", err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}

// topic creates a topic on the cluster stack's Kafka (removed with the stack) with a
// replica on each broker and the cluster's defaults otherwise.
func (c *hdfsCluster) topic(ctx context.Context, what string, partitions int32) string {
	c.t.Helper()
	name := testkit.UniqueName("hdfs_" + what)
	resp, err := kadm.NewClient(c.client()).CreateTopic(ctx, partitions, clusterBrokers, nil, name)
	if err != nil || resp.Err != nil {
		c.t.Fatalf("create topic %s: %v %v", name, err, resp.Err)
	}
	return name
}

// topics returns the topics of the test: the input and every job's outputs.
func (c *hdfsCluster) topics() []string {
	ts := []string{c.input}
	for _, j := range c.jobs {
		ts = append(ts, j.cfg.OutputTopic, j.cfg.QuarantineTopic)
	}
	return ts
}

// checkReplicas waits until every partition of the test's topics has a replica on each
// broker, all of them in sync, and, if configs, checks that each topic has replication
// factor 3 and min.insync.replicas 2 (the stack's defaults for three brokers).
func (c *hdfsCluster) checkReplicas(ctx context.Context, configs bool) {
	c.t.Helper()
	adm := kadm.NewClient(c.client())
	topics := c.topics()
	if configs {
		rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, rc := range rcs {
			isr := "(none)"
			for _, cfg := range rc.Configs {
				if cfg.Key == "min.insync.replicas" && cfg.Value != nil {
					isr = *cfg.Value
				}
			}
			if rc.Err != nil || isr != "2" {
				c.t.Errorf("topic %s: min.insync.replicas %s (error %v), want 2", rc.Name, isr, rc.Err)
			}
		}
	}
	var last string
	err := testkit.WaitFor(ctx, 2*time.Minute, func() (bool, error) {
		md, err := adm.Metadata(ctx, topics...)
		if err != nil {
			return false, err
		}
		last = ""
		for _, name := range topics {
			td := md.Topics[name]
			if td.Err != nil || len(td.Partitions) == 0 {
				last += fmt.Sprintf(" %s: %v;", name, td.Err)
				continue
			}
			for _, p := range td.Partitions {
				if len(p.Replicas) != 3 || len(p.ISR) != 3 || p.Leader < 0 {
					last += fmt.Sprintf(" %s/%d: replicas %v, in sync %v, leader %d;", name, p.Partition, p.Replicas, p.ISR, p.Leader)
				}
			}
		}
		return last == "", nil
	})
	if err != nil {
		c.t.Fatalf("the topics' partitions never had 3 replicas, all in sync:%s %v", last, err)
	}
}

// endOffsets returns the end offset of each partition of topic.
func (c *hdfsCluster) endOffsets(ctx context.Context, topic string) map[int32]int64 {
	c.t.Helper()
	ends, err := kadm.NewClient(c.client()).ListEndOffsets(ctx, topic)
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// consume reads a topic of the cluster stack from its start to its current end, in offset
// order within each partition.
func (c *hdfsCluster) consume(ctx context.Context, topic string) []*kgo.Record {
	c.t.Helper()
	var total int64
	for _, end := range c.endOffsets(ctx, topic) {
		total += end
	}
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

// checkInput checks the input topic after a phase against its events and the producer's
// manifest m: every event sent was acknowledged, and the records the phase added (after
// the end offsets ends of before it) are exactly the phase's events, each once (the
// idempotent producer wrote no duplicate when it retried). It returns the figures.
func (c *hdfsCluster) checkInput(ctx context.Context, ends map[int32]int64, events []producers.Event, m producerFigures) string {
	t := c.t
	t.Helper()
	want := map[string]int{}
	for _, e := range events {
		want[string(e.Value)]++
	}
	got := map[string]int{}
	n := 0
	for _, r := range c.consume(ctx, c.input) {
		if r.Offset >= ends[r.Partition] {
			got[string(r.Value)]++
			n++
		}
	}
	dups, missing, unexpected := 0, 0, 0
	for v, g := range got {
		w := want[v]
		switch {
		case w == 0:
			unexpected += g
		case g > w:
			dups += g - w
		}
	}
	for v, w := range want {
		missing += max(w-got[v], 0)
	}
	if m.produced != int64(len(events)) || m.acked != m.produced || m.failed != 0 {
		t.Errorf("producer: %d events produced, %d acknowledged, %d failed (%v); want all %d acknowledged", m.produced, m.acked, m.failed, m.errors, len(events))
	}
	if int64(n) != m.acked || dups != 0 || missing != 0 || unexpected != 0 {
		t.Errorf("input topic: %d records of the phase for %d acknowledged: %d duplicates, %d events missing, %d records not of the phase", n, m.acked, dups, missing, unexpected)
	}
	return fmt.Sprintf("events sent %d, acknowledged %d, in the topic %d, duplicates %d, missing %d", m.produced, m.acked, n, dups, missing)
}

// checkPageViews checks the pageviews job's output topic against the counts computed from
// events: the last record of each (window, page), the job writing in update mode, has the
// count of all its page views. A run that lost the state of the runs before would write
// lower counts. It returns the windows checked and the wrong ones.
func (c *hdfsCluster) checkPageViews(ctx context.Context, topic string, events []producers.Event) (checked, wrong int) {
	c.t.Helper()
	want, err := demo.ExpectedPageViews(events)
	if err != nil {
		c.t.Fatal(err)
	}
	got := map[demo.PageViewKey]int64{}
	for _, rec := range c.consume(ctx, topic) {
		var v struct {
			WindowStart time.Time `json:"window_start"`
			Page        string
			Views       int64
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			c.t.Fatal(err)
		}
		got[demo.PageViewKey{WindowStart: v.WindowStart.UTC(), Page: v.Page}] = v.Views // the output topic has one partition
	}
	bad := oracle.Diff(got, want, func(a, b int64) bool { return a == b })
	c.report("pageviews output topic (last count per window and page)", bad)
	return len(want), len(bad)
}

// checkSessions checks the sessions job's output topic against the sessions the ground
// truth closes after events: each once, or, unless exact, as identical copies (the
// at-least-once Kafka sink writes a retried task's records again). It returns the sessions
// checked, the wrong ones and the extra copies.
func (c *hdfsCluster) checkSessions(ctx context.Context, topic string, events []producers.Event, exact bool) (checked, wrong, copies int) {
	t := c.t
	t.Helper()
	truth, err := oracle.ExpectedSessions(events)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth.Closed) < 20 || truth.Open == 0 {
		t.Fatalf("the input should close many sessions and leave some open: %d closed, %d open", len(truth.Closed), truth.Open)
	}
	got := map[oracle.SessionKey]oracle.Session{}
	for _, rec := range c.consume(ctx, topic) {
		var v oracle.Session
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatalf("sessions record %s: %v", rec.Value, err)
		}
		k := v.Key()
		if key := v.UserID + "|" + v.SessionStart.UTC().Format("2006-01-02 15:04:05.999999"); string(rec.Key) != key {
			t.Errorf("sessions record key %q for a session of %q", rec.Key, key)
		}
		if old, seen := got[k]; seen {
			copies++
			if exact || !old.Equal(v) {
				t.Errorf("session %v written twice: %+v and %+v", k, old, v)
			}
		}
		got[k] = v
	}
	bad := oracle.Diff(got, truth.Closed, oracle.Session.Equal)
	c.report("sessions output topic", bad)
	return len(truth.Closed), len(bad), copies
}

// report fails the test with the first few wrong results of what, if any.
func (c *hdfsCluster) report(what string, wrong []string) {
	c.t.Helper()
	for i, w := range wrong {
		if i == 5 {
			c.t.Errorf("%s: %d more wrong", what, len(wrong)-5)
			break
		}
		c.t.Errorf("%s: %s", what, w)
	}
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
			c.t.Errorf("quarantine %s: %d records (%d distinct), want the %d malformed events once each", topic, len(recs), len(got), n)
		}
		return
	}
	if !maps.EqualFunc(got, want, func(g, w int) bool { return g >= w }) {
		c.t.Errorf("quarantine %s: %d records (%d distinct), want the %d malformed events, each at least once, and nothing else", topic, len(recs), len(got), n)
	}
	c.t.Logf("quarantine %s: %d records for %d malformed events", topic, len(recs), n)
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
