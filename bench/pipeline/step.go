package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/events"
	"github.com/sparkwire/sparkwire/jobs"
)

// progressReport is one progress report of the job's results query.
type progressReport = connect.QueryProgress

// stepResult is what one step measured.
type stepResult struct {
	Label  string
	Client string
	Rate   float64 // the target rate
	Rep    int
	// Produced is the number of events the producer sent; SentRate their rate over the
	// steady part of the step (after the warm-up).
	Produced int64
	SentRate float64
	// ProcessedRate is the job's throughput over the steady part: the rows of the batches
	// that started in it, over its length.
	ProcessedRate float64
	// Batches is the number of batches that started in the steady part; their batch
	// durations' median, 95th percentile and maximum.
	Batches                      int
	BatchP50, BatchP95, BatchMax time.Duration
	// CatchUp is the time from the producer's last send to the end of the batch that read
	// the last event; -1 when the job had not read everything within -catch-up.
	CatchUp time.Duration
	KeptUp  bool
	// Counted is the number of counted events (page views) sent in the steady part;
	// P50/P99/Max their latency up to the consumer's receipt of the output record that
	// first includes them, AppendP50/AppendP99 up to the broker's append of that record.
	// A latency quantile that falls on an event without one is -1.
	Counted              int
	P50, P99, Max        time.Duration
	AppendP50, AppendP99 time.Duration
	// Unread and Unmatched count the steady part's counted events that no batch read, or
	// that no output record covered (see attribution).
	Unread, Unmatched int
	// ShufflePartitions and StateStores are from the last batch's state operator.
	ShufflePartitions int64
	// Load is this machine's one-minute load average at the end of the step.
	Load float64
}

func (r stepResult) line() string {
	return fmt.Sprintf("%s at %.0f/s: sent %.0f/s, processed %.0f/s, %d batches p50 %d ms p95 %d ms max %d ms, catch-up %s, kept up %v | latency p50 %s p99 %s max %s (append p50 %s p99 %s) over %d page views, %d unread, %d unmatched | load %.1f",
		r.Client, r.Rate, r.SentRate, r.ProcessedRate, r.Batches, r.BatchP50.Milliseconds(), r.BatchP95.Milliseconds(), r.BatchMax.Milliseconds(),
		fmtDur(r.CatchUp), r.KeptUp, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.Max), fmtDur(r.AppendP50), fmtDur(r.AppendP99), r.Counted, r.Unread, r.Unmatched, r.Load)
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return d.Round(time.Millisecond).String()
}

// submitted is the job started by one of the clients.
type submitted interface {
	// progress returns the results query's progress reports so far (new ones appended).
	progress(ctx context.Context) ([]progressReport, error)
	// explain returns the results query's plans as the server has them (extended explain).
	explain(ctx context.Context) (string, error)
	stop(ctx context.Context) error
}

// runStep runs one step: one client, one rate.
func runStep(ctx context.Context, o options, client string, v *variant, rate float64, name string) (stepResult, error) {
	res := stepResult{Label: v.label, Client: client, Rate: rate, CatchUp: -1}
	kcl, err := kgo.NewClient(kgo.SeedBrokers(o.brokers...))
	if err != nil {
		return res, err
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	input, output, quarantine := name+"_in", name+"_out", name+"_quarantine"
	if err := createTopic(ctx, adm, input, int32(o.partitions), nil); err != nil {
		return res, err
	}
	defer func() { _, _ = adm.DeleteTopics(context.WithoutCancel(ctx), input, output, quarantine) }()
	logAppend := "LogAppendTime"
	if err := createTopic(ctx, adm, output, 3, map[string]*string{"message.timestamp.type": &logAppend}); err != nil {
		return res, err
	}
	if err := createTopic(ctx, adm, quarantine, 1, nil); err != nil {
		return res, err
	}

	// The consumer of the output topic, from its start, for the whole step.
	cons, err := startConsumer(ctx, o.brokers, output)
	if err != nil {
		return res, err
	}
	defer cons.close()

	logPath := filepath.Join(o.out, "producer.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return res, err
	}
	defer logFile.Close()
	// The producer's arguments: clickstream events at the rate for d, event times from now.
	args := func(d time.Duration, seed int) []string {
		return []string{"produce", "--brokers", strings.Join(o.brokers, ","), "--topic", input,
			"--domain", "clickstream", "--encoding", "json", "--rate", fmt.Sprint(rate), "--seed", fmt.Sprint(seed),
			"--duration", d.String(), "--timeout", (d + 2*time.Minute).String(), "--start", "now"}
	}
	if o.backlog > 0 {
		// A backlog that the job finds when it starts, as after a stop.
		pre := exec.CommandContext(ctx, o.sparkwire, args(o.backlog, 2)...)
		pre.Stdout, pre.Stderr = logFile, logFile
		pre.WaitDelay = 30 * time.Second
		if err := pre.Run(); err != nil {
			return res, fmt.Errorf("the producer of the backlog: %w (see %s)", err, logPath)
		}
	}
	checkpoint := "/tmp/sparkwire/checkpoints/" + name
	var job submitted
	switch client {
	case "sparkwire":
		job, err = submitSparkwire(ctx, o, v, name, input, output, quarantine, checkpoint)
	case "pyspark":
		job, err = submitPySpark(ctx, o, v, name, input, output, quarantine, checkpoint)
	}
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = job.stop(context.WithoutCancel(ctx))
		}
	}()

	// The producer, as a child process.
	child := exec.CommandContext(ctx, o.sparkwire, args(o.step, 1)...)
	child.Stdout, child.Stderr = logFile, logFile
	child.WaitDelay = 30 * time.Second
	started := time.Now()
	if err := child.Start(); err != nil {
		return res, fmt.Errorf("start the producer: %w", err)
	}
	childDone := make(chan error, 1)
	go func() { childDone <- child.Wait() }()
	// Poll the progress while the producer runs, as the PySpark peer does: the query keeps
	// only its last 100 reports (spark.sql.streaming.numRecentProgressUpdates).
	tick := time.NewTicker(2 * time.Second)
	var childErr error
poll:
	for {
		select {
		case childErr = <-childDone:
			break poll
		case <-tick.C:
			if _, err := job.progress(ctx); err != nil {
				log.Printf("progress: %v", err)
			}
		}
	}
	tick.Stop()
	if childErr != nil {
		return res, fmt.Errorf("the producer: %w (see %s)", childErr, logPath)
	}
	produceEnd := time.Now()

	// Wait until the job has read every record of the input topic.
	ends, err := endOffsets(ctx, adm, input)
	if err != nil {
		return res, err
	}
	var reports []progressReport
	deadline := time.Now().Add(o.catchUp)
	for {
		if reports, err = job.progress(ctx); err != nil {
			return res, err
		}
		if readAll(reports, ends) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	// Let the consumer receive what the last batch wrote, then stop the job.
	outEnds, err := endOffsets(ctx, adm, output)
	if err != nil {
		return res, err
	}
	if err := cons.waitFor(ctx, outEnds, 30*time.Second); err != nil {
		log.Printf("output consumer: %v", err)
	}
	// The query's plans, once per client and run: the evidence that both clients
	// submitted the same query.
	if planPath := filepath.Join(o.out, "plan-"+client+".txt"); !exists(planPath) {
		if plan, err := job.explain(ctx); err != nil {
			log.Printf("explain: %v", err)
		} else if err := os.WriteFile(planPath, []byte(plan), 0o644); err != nil {
			return res, err
		}
	}
	stopped = true
	if err := job.stop(ctx); err != nil {
		log.Printf("stop the job: %v", err)
	}
	out := cons.close()

	evs, err := readInput(ctx, o.brokers, input, ends)
	if err != nil {
		return res, err
	}
	batches, err := batchEnds(reports)
	if err != nil {
		return res, err
	}
	a := attribute(evs, batches, out)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			fmt.Sscan(f[0], &res.Load)
		}
	}
	res.summarize(o, evs, a, reports, ends, started, produceEnd)
	return res, nil
}

// summarize fills the result's figures from the step's events, attribution and progress.
func (r *stepResult) summarize(o options, evs []inEvent, a attribution, reports []progressReport, ends map[int32]int64, started, produceEnd time.Time) {
	steadyFrom := started.Add(o.warmup)
	var firstSent, lastSent time.Time
	var lat, app []time.Duration
	ci := 0
	for _, e := range evs {
		r.Produced++
		if firstSent.IsZero() || e.Sent.Before(firstSent) {
			firstSent = e.Sent
		}
		if e.Sent.After(lastSent) {
			lastSent = e.Sent
		}
		if !e.Counted {
			continue
		}
		l, ap := a.Latency[ci], a.ByAppend[ci]
		ci++
		if e.Sent.Before(steadyFrom) {
			continue
		}
		r.Counted++
		lat, app = append(lat, l), append(app, ap)
	}
	r.Unread, r.Unmatched = a.Unread, a.Unmatched
	// Quantiles with the events without a latency last (as if infinite).
	sortInf := func(d []time.Duration) {
		slices.SortFunc(d, func(x, y time.Duration) int {
			switch {
			case x < 0 && y < 0:
				return 0
			case x < 0:
				return 1
			case y < 0:
				return -1
			}
			return int(x - y)
		})
	}
	sortInf(lat)
	sortInf(app)
	r.P50, r.P99, r.Max = quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 1)
	r.AppendP50, r.AppendP99 = quantile(app, 0.5), quantile(app, 0.99)
	// The producer's rate over the steady part.
	var steadySent int64
	for _, e := range evs {
		if !e.Sent.Before(steadyFrom) {
			steadySent++
		}
	}
	if span := lastSent.Sub(steadyFrom).Seconds(); span > 0 {
		r.SentRate = float64(steadySent) / span
	}
	// The job's batches that started in the steady part.
	var rows int64
	var durs []time.Duration
	var last *progressReport
	for i := range reports {
		p := &reports[i]
		if p.NumInputRows == 0 {
			continue
		}
		if len(p.StateOperators) > 0 {
			r.ShufflePartitions = p.StateOperators[0].NumShufflePartitions
		}
		if readAll([]progressReport{*p}, ends) && (last == nil || p.BatchID < last.BatchID) {
			last = p
		}
		if p.Timestamp.Before(steadyFrom) || !p.Timestamp.Before(produceEnd) {
			continue
		}
		rows += p.NumInputRows
		durs = append(durs, time.Duration(p.BatchDuration)*time.Millisecond)
	}
	if span := produceEnd.Sub(steadyFrom).Seconds(); span > 0 {
		r.ProcessedRate = float64(rows) / span
	}
	slices.Sort(durs)
	r.Batches = len(durs)
	r.BatchP50, r.BatchP95, r.BatchMax = quantile(durs, 0.5), quantile(durs, 0.95), quantile(durs, 1)
	if last != nil {
		r.CatchUp = max(last.Timestamp.Add(time.Duration(last.BatchDuration)*time.Millisecond).Sub(lastSent), 0)
	}
	r.KeptUp = r.SentRate > 0 && r.ProcessedRate >= 0.95*r.SentRate && r.Batches > 0 && r.BatchP95 < o.trigger &&
		r.CatchUp >= 0 && r.CatchUp <= 2*o.trigger+time.Second
}

// fellBehind reports whether the job's throughput fell behind the input: it read less than
// 95% of the input rate, or it had not read the last event ten triggers after its send. A
// step can keep pace in throughput and still not keep up (batches longer than the trigger):
// the benchmark goes on to higher rates until the throughput falls behind.
func (r stepResult) fellBehind(trigger time.Duration) bool {
	return r.ProcessedRate < 0.95*r.SentRate || r.CatchUp < 0 || r.CatchUp > 10*trigger
}

// readAll reports whether the last report's source has read up to ends.
func readAll(reports []progressReport, ends map[int32]int64) bool {
	for i := len(reports) - 1; i >= 0; i-- {
		p := reports[i]
		if len(p.Sources) == 0 || len(p.Sources[0].EndOffset) == 0 {
			continue
		}
		got, err := kafkaOffsets(p.Sources[0].EndOffset)
		if err != nil {
			return false
		}
		for part, end := range ends {
			if got[part] < end {
				return false
			}
		}
		return true
	}
	return false
}

func createTopic(ctx context.Context, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) error {
	resp, err := adm.CreateTopics(ctx, partitions, 1, configs, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

func endOffsets(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// clickEvent is the part of a clickstream event (JSON) that the pageviews job reads.
type clickEvent struct {
	EventTime time.Time `json:"event_time"`
	EventType string    `json:"event_type"`
	Page      string    `json:"page"`
}

// readInput reads the input topic from its start up to ends.
func readInput(ctx context.Context, brokers []string, topic string, ends map[int32]int64) ([]inEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	want := map[int32]int64{}
	parts := map[int32]kgo.Offset{}
	for p, e := range ends {
		if e > 0 {
			want[p] = e
			parts[p] = kgo.NewOffset().AtStart()
		}
	}
	var out []inEvent
	if len(want) == 0 {
		return out, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var decodeErr error
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return nil, fmt.Errorf("input topic %s: %w", topic, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			if r.Offset == end-1 {
				delete(want, r.Partition)
			}
			e := inEvent{Partition: r.Partition, Offset: r.Offset, Sent: r.Timestamp}
			var v clickEvent
			if err := json.Unmarshal(r.Value, &v); err != nil {
				if decodeErr == nil {
					decodeErr = fmt.Errorf("input topic %s, partition %d offset %d: %w", topic, r.Partition, r.Offset, err)
				}
			} else if v.EventType == "page_view" {
				e.Counted = true
				e.Key = pvKey{Window: v.EventTime.UTC().Truncate(time.Minute).UnixMilli(), Page: v.Page}
			}
			out = append(out, e)
		})
	}
	// Offset order within each partition, partitions in turn.
	slices.SortFunc(out, func(a, b inEvent) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out, decodeErr
}

// consumer reads the output topic while the step runs, stamping each record with the time
// it received it.
type consumer struct {
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	recs   []outRecord
	next   map[int32]int64 // the next offset to receive, by partition
	err    error
	once   sync.Once
}

func startConsumer(ctx context.Context, brokers []string, topic string) (*consumer, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	c := &consumer{cl: cl, cancel: cancel, done: make(chan struct{}), next: map[int32]int64{}}
	go func() {
		defer close(c.done)
		for {
			fs := cl.PollFetches(cctx)
			now := time.Now()
			if cctx.Err() != nil {
				return
			}
			fs.EachError(func(_ string, _ int32, err error) {
				c.mu.Lock()
				c.err = errors.Join(c.err, err)
				c.mu.Unlock()
			})
			c.mu.Lock()
			fs.EachRecord(func(r *kgo.Record) {
				c.next[r.Partition] = r.Offset + 1
				var v struct {
					WindowStart time.Time `json:"window_start"`
					Page        string    `json:"page"`
					Views       int64     `json:"views"`
				}
				if err := json.Unmarshal(r.Value, &v); err != nil {
					c.err = errors.Join(c.err, fmt.Errorf("output record %d/%d: %w", r.Partition, r.Offset, err))
					return
				}
				c.recs = append(c.recs, outRecord{Key: pvKey{Window: v.WindowStart.UnixMilli(), Page: v.Page}, Views: v.Views,
					Appended: r.Timestamp, Received: now})
			})
			c.mu.Unlock()
		}
	}()
	return c, nil
}

// waitFor waits until the consumer has received the records up to ends.
func (c *consumer) waitFor(ctx context.Context, ends map[int32]int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c.mu.Lock()
		done := true
		for p, e := range ends {
			if e > 0 && c.next[p] < e {
				done = false
			}
		}
		err := c.err
		c.mu.Unlock()
		if done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the output records up to %v not all received within %s", ends, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// close stops the consumer and returns the records it received.
func (c *consumer) close() []outRecord {
	c.once.Do(func() {
		c.cancel()
		<-c.done
		c.cl.Close()
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recs
}

// sparkwireJob is the job started by sparkwire in this process.
type sparkwireJob struct {
	s   *connect.Session
	run *jobs.Run
	all []progressReport
}

func submitSparkwire(ctx context.Context, o options, v *variant, name, input, output, quarantine, checkpoint string) (*sparkwireJob, error) {
	s, err := connect.Dial(ctx, o.connectURL)
	if err != nil {
		return nil, err
	}
	for _, kv := range v.confs {
		k, val, _ := strings.Cut(kv, "=")
		if err := s.Conf().Set(ctx, k, val); err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("set %s: %w", k, err)
		}
	}
	trigger := connect.ProcessingTime(o.trigger)
	cfg := jobs.Config{
		Brokers: o.sparkBrokers, InputTopic: input, OutputTopic: output, QuarantineTopic: quarantine,
		Name: name, Trigger: &trigger, CheckpointDir: checkpoint, NoMemorySink: true,
		MaxOffsetsPerTrigger: v.maxOffsets,
	}
	if v.setsShufflePartitions() {
		cfg.ShufflePartitions = -1 // the variant's, set on the session above
	}
	run, err := jobs.PageViews().Start(ctx, s, cfg)
	if err != nil {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return &sparkwireJob{s: s, run: run}, nil
}

func (j *sparkwireJob) progress(ctx context.Context) ([]progressReport, error) {
	ps, err := j.run.Results.RecentProgress(ctx)
	if err != nil {
		return nil, fmt.Errorf("recent progress: %w", err)
	}
	j.all = mergeProgress(j.all, ps)
	return j.all, nil
}

func (j *sparkwireJob) explain(ctx context.Context) (string, error) {
	return j.run.Results.Explain(ctx, true)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (j *sparkwireJob) stop(ctx context.Context) error {
	err := j.run.Stop(ctx)
	return errors.Join(err, j.s.Close(ctx))
}

// mergeProgress appends to all the reports of ps it does not hold (by batch id and time).
func mergeProgress(all, ps []progressReport) []progressReport {
	type id struct {
		batch int64
		at    time.Time
	}
	seen := map[id]bool{}
	for _, p := range all {
		seen[id{p.BatchID, p.Timestamp}] = true
	}
	for _, p := range ps {
		if !seen[id{p.BatchID, p.Timestamp}] {
			seen[id{p.BatchID, p.Timestamp}] = true
			all = append(all, p)
		}
	}
	return all
}

// pysparkJob is the job started by the PySpark peer, a child process.
type pysparkJob struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	all   []progressReport
	err   error
	lines chan string // READY and STOPPED
	exit  chan error
}

func submitPySpark(ctx context.Context, o options, v *variant, name, input, output, quarantine, checkpoint string) (*pysparkJob, error) {
	schema := events.Clickstream()
	fields := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		fields[i] = f.Name
	}
	args := []string{o.script, "--url", o.connectURL, "--brokers", o.sparkBrokers,
		"--input", input, "--output", output, "--quarantine", quarantine, "--name", name,
		"--checkpoint", checkpoint, "--trigger", sparkSeconds(o.trigger),
		"--ddl", schema.SparkDDL(), "--fields", strings.Join(fields, ",")}
	if v.maxOffsets > 0 {
		args = append(args, "--max-offsets-per-trigger", fmt.Sprint(v.maxOffsets))
	}
	for _, kv := range v.confs {
		args = append(args, "--conf", kv)
	}
	if !v.setsShufflePartitions() {
		// What jobs.Job.Start sets for sparkwire.
		args = append(args, "--conf", fmt.Sprintf("%s=%d", shufflePartitionsKey, jobs.DefaultShufflePartitions))
	}
	cmd := exec.CommandContext(ctx, o.python, args...)
	cmd.Stderr = os.Stderr
	// Interrupted, the peer stops its queries before it exits (its finally clause): killed,
	// it would leave them running in its session on the server.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the PySpark peer: %w", err)
	}
	j := &pysparkJob{cmd: cmd, stdin: stdin, lines: make(chan string, 4), exit: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			if js, ok := strings.CutPrefix(line, "PROGRESS "); ok {
				var p progressReport
				err := json.Unmarshal([]byte(js), &p)
				j.mu.Lock()
				if err != nil {
					j.err = errors.Join(j.err, fmt.Errorf("PySpark progress: %w", err))
				} else {
					j.all = mergeProgress(j.all, []progressReport{p})
				}
				j.mu.Unlock()
				continue
			}
			select {
			case j.lines <- line:
			default:
			}
		}
		j.exit <- cmd.Wait()
	}()
	select {
	case line := <-j.lines:
		if line != "READY" {
			_ = j.stop(ctx)
			return nil, fmt.Errorf("the PySpark peer said %q, want READY", line)
		}
	case err := <-j.exit:
		j.exit <- err
		return nil, fmt.Errorf("the PySpark peer exited before starting the job: %v", err)
	case <-time.After(3 * time.Minute):
		_ = j.stop(ctx)
		return nil, errors.New("the PySpark peer did not start the job within 3 minutes")
	}
	return j, nil
}

func (j *pysparkJob) progress(context.Context) ([]progressReport, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	select {
	case err := <-j.exit:
		j.exit <- err
		return nil, fmt.Errorf("the PySpark peer exited: %v", err)
	default:
	}
	return slices.Clone(j.all), j.err
}

func (j *pysparkJob) explain(ctx context.Context) (string, error) {
	if _, err := io.WriteString(j.stdin, "EXPLAIN\n"); err != nil {
		return "", err
	}
	for {
		select {
		case line := <-j.lines:
			if js, ok := strings.CutPrefix(line, "EXPLAIN "); ok {
				var plan string
				err := json.Unmarshal([]byte(js), &plan)
				return plan, err
			}
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Minute):
			return "", errors.New("the PySpark peer did not explain the query within a minute")
		}
	}
}

func (j *pysparkJob) stop(ctx context.Context) error {
	_ = j.stdin.Close()
	select {
	case err := <-j.exit:
		j.exit <- err
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Minute):
		_ = j.cmd.Process.Kill()
		return errors.New("the PySpark peer did not stop within 2 minutes")
	}
}

const shufflePartitionsKey = "spark.sql.shuffle.partitions"

// setsShufflePartitions reports whether the variant sets spark.sql.shuffle.partitions;
// otherwise both clients run the job with the jobs' default (jobs.DefaultShufflePartitions).
func (v *variant) setsShufflePartitions() bool {
	for _, kv := range v.confs {
		if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == shufflePartitionsKey {
			return true
		}
	}
	return false
}

// sparkSeconds writes a trigger interval as Spark parses it ("1 second", "500 milliseconds").
func sparkSeconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return fmt.Sprintf("%d milliseconds", d/time.Millisecond)
}
