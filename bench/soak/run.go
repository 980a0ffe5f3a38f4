package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// report is everything the soak measured, for summary.md.
type report struct {
	opts          options
	started       time.Time
	productionMin float64 // minutes from the start to the producer's exit
	samples       []sample
	batches       []time.Duration // every micro-batch of the results query
	batchRows     int64
	manifest      *producers.Manifest
	truth         *truth
	checks        []comparison
	outputRecs    int64
	quarantined   int64
	catchUp       time.Duration
	driver        *sparkDriver
}

// run runs the soak; ok is false when the job's results differ from the ground truth.
func run(ctx context.Context, o options) (ok bool, err error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, err
	}
	if _, err := os.Stat(o.sparkwire); err != nil {
		return false, fmt.Errorf("the sparkwire CLI: %w (go build -o %s ./cmd/sparkwire)", err, o.sparkwire)
	}
	if o.ownStack {
		log.Print("starting a stack of its own (Kafka and Spark Connect in Docker)")
		st, err := stack.Start(ctx, stack.WithLogger(log.Default()))
		if st != nil {
			defer func() { _ = st.Terminate(context.WithoutCancel(ctx)) }()
		}
		if err != nil {
			return false, fmt.Errorf("start the stack: %w", err)
		}
		o.connectURL, o.brokers, o.sparkBrokers = st.ConnectURL(), st.Brokers(), st.SparkBrokers()
		if err := o.checkLoopback(); err != nil {
			return false, err
		}
	}
	driver, err := findSparkDriver(ctx, o.connectURL, o.sparkContainer)
	if err != nil {
		return false, fmt.Errorf("the Spark driver: %w", err)
	}
	how := "docker exec"
	if driver.hostPID != "" {
		how = "host pid " + driver.hostPID
	}
	log.Printf("Spark driver: container %.12s (RSS through %s; heap from %s)", driver.container, how, driver.metrics)

	s, err := connect.Dial(ctx, o.connectURL)
	if err != nil {
		return false, err
	}
	defer s.Close(context.WithoutCancel(ctx))
	kcl, err := kgo.NewClient(kgo.SeedBrokers(o.brokers...))
	if err != nil {
		return false, err
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)

	suffix := time.Now().UTC().Format("20060102_150405")
	input := "soak_clickstream_" + suffix
	cfg := jobs.Config{
		Brokers: o.sparkBrokers, InputTopic: input, Name: "soak_pageviews_" + suffix,
		CheckpointDir: "/tmp/sparkwire/checkpoints/soak_" + suffix,
	}
	cfg.OutputTopic, cfg.QuarantineTopic = cfg.Name+"_out", cfg.Name+"_quarantine"
	trigger := connect.ProcessingTime(o.trigger)
	cfg.Trigger = &trigger
	topics := []string{input, cfg.OutputTopic, cfg.QuarantineTopic}
	if _, err := adm.CreateTopics(ctx, 3, 1, nil, topics...); err != nil {
		return false, fmt.Errorf("create topics: %w", err)
	}
	if !o.keep {
		defer func() { _, _ = adm.DeleteTopics(context.WithoutCancel(ctx), topics...) }()
	}
	jobRun, err := jobs.PageViews().Start(ctx, s, cfg)
	if err != nil {
		return false, err
	}
	if !o.keep {
		defer func() { _ = jobRun.Stop(context.WithoutCancel(ctx)) }()
	}
	log.Printf("topics %s, %s, %s; job pageviews as %s (trigger %s)", input, cfg.OutputTopic, cfg.QuarantineTopic, cfg.Name, o.trigger)

	// The producer: the CLI as a child process, its output in producer.log.
	spec := streamSpec{
		Seed: o.seed, Rate: o.rate, Start: time.Now().UTC().Truncate(time.Millisecond),
		LateShare: 0.05, MaxLateness: 30 * time.Second, Malformed: 0.01,
	}
	manifestPath := filepath.Join(o.out, "manifest.json")
	_ = os.Remove(manifestPath)
	logFile, err := os.Create(filepath.Join(o.out, "producer.log"))
	if err != nil {
		return false, err
	}
	defer logFile.Close()
	args := append([]string{"produce", "--brokers", strings.Join(o.brokers, ","), "--topic", input,
		"--duration", o.duration.String(), "--timeout", (o.duration + 5*time.Minute).String(),
		"--manifest", manifestPath}, spec.produceArgs()...)
	child := exec.CommandContext(ctx, o.sparkwire, args...)
	child.Stdout, child.Stderr = logFile, logFile
	child.WaitDelay = 30 * time.Second
	rep := &report{opts: o, started: time.Now(), driver: driver}
	if err := child.Start(); err != nil {
		return false, fmt.Errorf("start the producer: %w", err)
	}
	log.Printf("producer: pid %d, %.0f events/s for %s (5%% late by up to 30s, 1%% malformed)", child.Process.Pid, o.rate, o.duration)
	childDone := make(chan error, 1)
	go func() { childDone <- child.Wait() }()

	// Sampling, until the job has caught up.
	smp := &sampler{
		s: s, adm: adm, input: input, run: jobRun, driver: driver, started: rep.started,
		producerPID: strconv.Itoa(child.Process.Pid), lastBatch: -1,
	}
	stopSampling := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(o.interval)
		defer tick.Stop()
		for {
			smp.take(ctx)
			select {
			case <-stopSampling:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	var childErr error
	select {
	case childErr = <-childDone:
	case <-ctx.Done():
		childErr = <-childDone
	}
	smp.producerExited()
	rep.productionMin = time.Since(rep.started).Minutes()
	if childErr != nil {
		close(stopSampling)
		wg.Wait()
		return false, fmt.Errorf("the producer: %w (see %s)", childErr, logFile.Name())
	}
	log.Printf("producer done after %.1f min; waiting for the job to catch up", rep.productionMin)
	catchStart := time.Now()
	cctx, ccancel := context.WithTimeout(ctx, o.catchUp)
	err = jobRun.ProcessAllAvailable(cctx)
	ccancel()
	rep.catchUp = time.Since(catchStart)
	close(stopSampling)
	wg.Wait()
	smp.take(ctx) // the last sample, caught up
	rep.samples, rep.batches, rep.batchRows = smp.result()
	if err != nil {
		return false, errors.Join(fmt.Errorf("catch up: %w", err), rep.write())
	}
	log.Printf("caught up in %s", rep.catchUp.Round(time.Second))

	// The ground truth; the report is written whatever happens.
	ok, err = rep.check(ctx, s, adm, spec, manifestPath, cfg)
	if werr := rep.write(); werr != nil {
		return ok, errors.Join(err, werr)
	}
	if err != nil {
		return false, err
	}
	log.Printf("wrote %s", o.out)
	return ok, nil
}

// sampler takes the samples; take runs on one goroutine at a time.
type sampler struct {
	s           *connect.Session
	adm         *kadm.Client
	input       string
	run         *jobs.Run
	driver      *sparkDriver
	started     time.Time
	mu          sync.Mutex
	producerPID string // "" once the producer has exited
	lastBatch   int64
	samples     []sample
	batches     []time.Duration
	batchRows   int64
}

func (m *sampler) producerExited() {
	m.mu.Lock()
	m.producerPID = ""
	m.mu.Unlock()
}

func (m *sampler) result() ([]sample, []time.Duration, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.samples, m.batches, m.batchRows
}

// take records one sample. Every source that fails leaves its values unknown. Each
// request has a timeout of its own: on a loaded machine one slow answer must not leave
// the rest of the sample unknown.
func (m *sampler) take(parent context.Context) {
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	within := func() context.Context {
		ctx, cancel := context.WithTimeout(parent, 20*time.Second)
		cancels = append(cancels, cancel)
		return ctx
	}
	m.mu.Lock()
	pid := m.producerPID
	m.mu.Unlock()
	now := time.Now()
	sm := sample{
		At: now, Elapsed: now.Sub(m.started), Phase: "produce",
		SoakRSS: unknown, ProducerRSS: unknown, SparkRSS: unknown, SparkHeap: unknown, SparkOffHeap: unknown,
		InputEnd: unknown, Lag: unknown,
	}
	if pid == "" {
		sm.Phase = "catch-up"
	}
	if p, err := readProc("self"); err == nil {
		sm.SoakRSS = p.RSS
	}
	if pid != "" {
		if p, err := readProc(pid); err == nil {
			sm.ProducerRSS = p.RSS
		}
	}
	if p, err := m.driver.rss(within()); err == nil {
		sm.SparkRSS = p.RSS
	} else {
		log.Printf("sample: Spark driver RSS: %v", err)
	}
	if j, err := m.driver.jvm(within()); err == nil {
		sm.SparkHeap, sm.SparkOffHeap = j.Heap, j.OffHeap
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		sm.Load1, _ = loadAverage(b)
	}
	ends, err := m.adm.ListEndOffsets(within(), m.input)
	if err == nil {
		err = ends.Error()
	}
	if err == nil {
		sm.InputEnd = 0
		ends.Each(func(o kadm.ListedOffset) { sm.InputEnd += o.Offset })
	}
	// The results query's batches since the last sample.
	var newBatches []time.Duration
	ps, rpErr := m.run.Results.RecentProgress(within())
	if rpErr == nil {
		var total time.Duration
		var inSum, procSum float64
		m.mu.Lock()
		for _, p := range ps {
			if p.BatchID <= m.lastBatch {
				continue
			}
			m.lastBatch = p.BatchID
			d := time.Duration(p.BatchDuration) * time.Millisecond
			newBatches = append(newBatches, d)
			total += d
			sm.MaxBatch = max(sm.MaxBatch, d)
			sm.InputRows += p.NumInputRows
			inSum += p.InputRowsPerSecond
			procSum += p.ProcessedRowsPerSecond
			if w, ok := p.EventTime["watermark"]; ok {
				sm.Watermark = w
			}
		}
		m.batches = append(m.batches, newBatches...)
		m.batchRows += sm.InputRows
		m.mu.Unlock()
		if n := len(newBatches); n > 0 {
			sm.Batches = n
			sm.MeanBatch = total / time.Duration(n)
			sm.InputRate, sm.ProcessedRate = inSum/float64(n), procSum/float64(n)
		}
	}
	// Lag: the input records the results query has not read yet (it reads the topic from
	// the start; every batch since the last sample is still in its recent progress).
	if sm.InputEnd != unknown && rpErr == nil {
		m.mu.Lock()
		sm.Lag = sm.InputEnd - m.batchRows
		m.mu.Unlock()
	}
	m.mu.Lock()
	m.samples = append(m.samples, sm)
	m.mu.Unlock()
	log.Printf("%5.1f min %-8s  RSS soak %s, producer %s, Spark %s (heap %s) MiB | input %d, lag %d | %d batches, %d rows, in %.0f/s, processed %.0f/s, batch mean %d ms max %d ms | load %.2f",
		sm.Elapsed.Minutes(), sm.Phase, mibOf(sm.SoakRSS), mibOf(sm.ProducerRSS), mibOf(sm.SparkRSS), mibOf(sm.SparkHeap),
		sm.InputEnd, sm.Lag, sm.Batches, sm.InputRows, sm.InputRate, sm.ProcessedRate, sm.MeanBatch.Milliseconds(), sm.MaxBatch.Milliseconds(), sm.Load1)
}

func mibOf(v int64) string {
	if v == unknown {
		return "?"
	}
	return strconv.FormatFloat(float64(v)/mib, 'f', 1, 64)
}

// offsetSum adds up the offsets of a Kafka source's offset JSON
// ({"topic": {"0": 12, "1": 30}}).
func offsetSum(raw json.RawMessage) (int64, error) {
	offs, err := connect.ParseKafkaOffsets(raw)
	return offs.Sum(), err
}

// topicRecords counts the records of a topic (the sum of its partitions' end offsets).
func topicRecords(ctx context.Context, adm *kadm.Client, topic string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("topic %s: %w", topic, err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n, nil
}

// check computes the ground truth and compares the job's memory table and output topic
// with it; ok is false when they differ.
func (r *report) check(ctx context.Context, s *connect.Session, adm *kadm.Client, spec streamSpec, manifestPath string, cfg jobs.Config) (ok bool, err error) {
	if r.manifest, err = producers.ReadManifest(manifestPath); err != nil {
		return false, err
	}
	if r.truth, err = groundTruth(ctx, spec, r.manifest); err != nil {
		return false, fmt.Errorf("ground truth: %w", err)
	}
	want := utcKeys(r.truth.Want)
	table, err := demo.PageViewsFromTable(ctx, s, cfg.Name)
	if err != nil {
		return false, fmt.Errorf("memory table: %w", err)
	}
	r.checks = append(r.checks, compareCounts("memory table "+cfg.Name, want, utcKeys(table)))
	out, n, err := outputCounts(ctx, r.opts.brokers, adm, cfg.OutputTopic)
	if err != nil {
		return false, err
	}
	r.outputRecs = n
	r.checks = append(r.checks, compareCounts("output topic "+cfg.OutputTopic, want, out))
	if r.quarantined, err = topicRecords(ctx, adm, cfg.QuarantineTopic); err != nil {
		return false, err
	}
	for _, c := range r.checks {
		log.Printf("%s: %d (window, page) counts checked, %d equal; %d missing, %d under, %d over, %d extra; %d page views lost, %d duplicated",
			c.Source, c.Checked, c.Equal, c.Missing, c.Under, c.Over, c.Extra, c.LostEvents, c.DuplicatedEvents)
	}
	ok = r.truth.WindowsAgree && r.manifest.Failed == 0 && r.quarantined == r.manifest.Malformed
	for _, c := range r.checks {
		ok = ok && c.OK()
	}
	return ok, nil
}
