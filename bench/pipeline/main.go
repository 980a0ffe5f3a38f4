// Command pipeline benchmarks sparkwire's pipeline end to end: the pageviews job
// (jobs.PageViews) at a processing-time trigger, fed by `sparkwire produce` (a child
// process) at rising rates, submitted once by sparkwire (this process, through a Spark
// Connect session) and once by PySpark (bench/pyspark_pageviews.py, a child process running
// pyspark-client), alternating, on the same server.
//
// Each step (one client, one rate) uses topics and a checkpoint of its own: it starts the
// job's queries (results and quarantine, no memory table), produces at the rate for -step,
// waits until the job has read everything (at most -catch-up), stops the queries, reads the
// input topic back and attributes every counted event to the first output record whose count
// includes it (see attribute in latency.go). For each step it records whether the job kept up
// (its throughput equal to the input rate, 95% of batches shorter than the trigger, caught up
// within two triggers of the producer's end) and the end-to-end latency p50/p99 from each
// event's send time to its window's updated row, as a Go consumer receives it from the output
// topic. It writes
//
//	OUT/steps.csv     one line per step
//	OUT/latency.svg   latency p50/p99 and the job's throughput against the input rate
//	OUT/summary.md    per rate and client: medians and ranges over the repetitions, ratios
//
// -smoke runs one short step at a low rate, sparkwire only, into .build/pipeline-smoke, and
// exits with status 1 unless every event got a latency: the check that the code still works.
//
// Usage:
//
//	go run ./bench/pipeline -sparkwire .build/sparkwire [-rates 1000,5000,20000] [-step 60s] [-reps 5] [-out DIR]
//
// The endpoints come from SPARKWIRE_CONNECT_URL, SPARKWIRE_KAFKA_BROKERS and
// SPARKWIRE_SPARK_KAFKA_BROKERS (or -connect, -brokers, -spark-brokers).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	rates        []float64
	step         time.Duration
	warmup       time.Duration
	backlog      time.Duration
	reps         int
	clients      []string
	trigger      time.Duration
	catchUp      time.Duration
	variants     []variant
	partitions   int
	out          string
	sparkwire    string
	python       string
	script       string
	connectURL   string
	brokers      []string
	sparkBrokers string
	keepGoing    bool
	smoke        bool
}

// variant is a set of settings of the job that the benchmark compares with others.
type variant struct {
	label string
	// confs are Spark SQL settings key=value, set on each client's session before the job
	// starts.
	confs []string
	// maxOffsets is the Kafka source's maxOffsetsPerTrigger (0: unset).
	maxOffsets int64
}

// parseVariant parses "label:key=value,key=value"; the key maxOffsetsPerTrigger sets the
// Kafka source's option, the others are Spark SQL settings.
func parseVariant(s string) (variant, error) {
	label, rest, ok := strings.Cut(s, ":")
	v := variant{label: strings.TrimSpace(label)}
	if !ok || v.label == "" {
		return v, fmt.Errorf("-settings %q: want label:key=value,...", s)
	}
	for _, kv := range strings.Split(rest, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return v, fmt.Errorf("-settings %q: %q is not key=value", s, kv)
		}
		if k == "maxOffsetsPerTrigger" {
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return v, fmt.Errorf("-settings %q: maxOffsetsPerTrigger %q is not a count", s, val)
			}
			v.maxOffsets = n
			continue
		}
		v.confs = append(v.confs, kv)
	}
	return v, nil
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("pipeline: ")
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		log.Print("FAILED: some counted events got no latency (see the log)")
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	var rates, clients, brokers string
	var confs stringList
	var settings, label string
	var maxOffsets int64
	fs.StringVar(&rates, "rates", "1000,2000,5000,10000,20000,50000", "input rates to step through, events per second")
	fs.DurationVar(&o.step, "step", 60*time.Second, "how long to produce at each rate")
	fs.DurationVar(&o.warmup, "warmup", 10*time.Second, "the first part of a step left out of the steady-state figures")
	fs.DurationVar(&o.backlog, "backlog", 0, "produce at the rate for this long before the job starts, so that it starts with a backlog")
	fs.IntVar(&o.reps, "reps", 5, "repetitions of each rate and client")
	fs.StringVar(&clients, "clients", "sparkwire,pyspark", "clients that submit the job, alternating: sparkwire, pyspark")
	fs.DurationVar(&o.trigger, "trigger", time.Second, "the job's processing-time trigger")
	fs.DurationVar(&o.catchUp, "catch-up", 60*time.Second, "how long the job may take to read the last events after the producer's end")
	fs.Var(&confs, "conf", "a Spark SQL setting key=value for the job's session (repeatable), such as spark.sql.shuffle.partitions=4")
	fs.Int64Var(&maxOffsets, "max-offsets-per-trigger", 0, "the Kafka source's maxOffsetsPerTrigger (0: unset)")
	fs.StringVar(&settings, "settings", "", "variants of the job's settings to compare, alternating with the clients, instead of -conf and -max-offsets-per-trigger:\n"+
		"label:key=value,...;label:key=value,... (the key maxOffsetsPerTrigger sets the Kafka source's option)")
	fs.IntVar(&o.partitions, "partitions", 3, "partitions of the input topic")
	fs.StringVar(&o.out, "out", "bench/results/pipeline", "output directory")
	fs.StringVar(&label, "label", "", "a name for the settings of -conf and -max-offsets-per-trigger, in the CSV and the summary (default: the settings)")
	fs.StringVar(&o.sparkwire, "sparkwire", ".build/sparkwire", "the sparkwire CLI binary, run as the producer")
	fs.StringVar(&o.python, "python", ".build/pyvenv/bin/python", "the Python with pyspark-client, for the pyspark client")
	fs.StringVar(&o.script, "script", "bench/pyspark_pageviews.py", "the PySpark peer's script")
	fs.StringVar(&o.connectURL, "connect", "", "Spark Connect URL (env SPARKWIRE_CONNECT_URL)")
	fs.StringVar(&brokers, "brokers", "", "Kafka brokers from this machine (env SPARKWIRE_KAFKA_BROKERS)")
	fs.StringVar(&o.sparkBrokers, "spark-brokers", "", "Kafka brokers from the Spark server (env SPARKWIRE_SPARK_KAFKA_BROKERS; default -brokers)")
	fs.BoolVar(&o.keepGoing, "keep-going", false, "step through every rate even after one where the job's throughput fell behind the input in most runs")
	fs.BoolVar(&o.smoke, "smoke", false, "one short step at 200 events/s, sparkwire only, into .build/pipeline-smoke (unless -out is given)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.smoke {
		defaults := map[string]func(){
			"rates":   func() { rates = "200" },
			"step":    func() { o.step = 8 * time.Second },
			"warmup":  func() { o.warmup = 2 * time.Second },
			"reps":    func() { o.reps = 1 },
			"clients": func() { clients = "sparkwire" },
			"out":     func() { o.out = ".build/pipeline-smoke" },
		}
		for name, apply := range defaults {
			if !set[name] {
				apply()
			}
		}
	}
	for _, r := range strings.Split(rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || !(v > 0) || v > 1e6 {
			return o, fmt.Errorf("-rates: %q is not a rate in (0, 1e6]", r)
		}
		o.rates = append(o.rates, v)
	}
	for _, c := range strings.Split(clients, ",") {
		switch c = strings.TrimSpace(c); c {
		case "sparkwire", "pyspark":
			o.clients = append(o.clients, c)
		default:
			return o, fmt.Errorf("-clients: unknown client %q (sparkwire, pyspark)", c)
		}
	}
	for _, kv := range confs {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			return o, fmt.Errorf("-conf %q: want key=value", kv)
		}
	}
	if settings != "" {
		if len(confs) > 0 || maxOffsets != 0 || label != "" {
			return o, errors.New("-settings replaces -conf, -max-offsets-per-trigger and -label")
		}
		for _, vs := range strings.Split(settings, ";") {
			if strings.TrimSpace(vs) == "" {
				continue
			}
			v, err := parseVariant(vs)
			if err != nil {
				return o, err
			}
			o.variants = append(o.variants, v)
		}
	} else {
		if maxOffsets < 0 {
			return o, errors.New("-max-offsets-per-trigger must not be negative")
		}
		v := variant{label: label, confs: confs, maxOffsets: maxOffsets}
		if v.label == "" {
			v.label = cmp.Or(strings.Join(confs, " "), "defaults")
			if maxOffsets > 0 {
				v.label += fmt.Sprintf(" maxOffsetsPerTrigger=%d", maxOffsets)
			}
		}
		o.variants = []variant{v}
	}
	o.connectURL = cmp.Or(o.connectURL, strings.TrimSpace(os.Getenv("SPARKWIRE_CONNECT_URL")))
	brokers = cmp.Or(brokers, strings.TrimSpace(os.Getenv("SPARKWIRE_KAFKA_BROKERS")))
	o.sparkBrokers = cmp.Or(o.sparkBrokers, strings.TrimSpace(os.Getenv("SPARKWIRE_SPARK_KAFKA_BROKERS")))
	for _, b := range strings.Split(brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.brokers = append(o.brokers, b)
		}
	}
	if o.sparkBrokers == "" {
		o.sparkBrokers = strings.Join(o.brokers, ",")
	}
	switch {
	case o.step <= 0 || o.trigger <= 0 || o.catchUp <= 0 || o.warmup < 0 || o.warmup >= o.step || o.backlog < 0:
		return o, errors.New("-step, -trigger and -catch-up must be positive, -warmup shorter than -step, -backlog not negative")
	case o.reps < 1 || o.partitions < 1:
		return o, errors.New("-reps and -partitions must be at least 1")
	case len(o.variants) == 0:
		return o, errors.New("-settings: no variant")
	case o.connectURL == "" || len(o.brokers) == 0:
		return o, errors.New("no stack: set SPARKWIRE_CONNECT_URL and SPARKWIRE_KAFKA_BROKERS (run 'sparkwire up'), or pass -connect and -brokers")
	}
	return o, nil
}

// run steps through the rates; ok is false when a step's counted events did not all get a
// latency although the job kept up (an attribution or delivery failure).
func run(ctx context.Context, o options) (ok bool, err error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, err
	}
	if _, err := os.Stat(o.sparkwire); err != nil {
		return false, fmt.Errorf("the sparkwire CLI: %w (go build -o %s ./cmd/sparkwire)", err, o.sparkwire)
	}
	if contains(o.clients, "pyspark") {
		if _, err := os.Stat(o.python); err != nil {
			return false, fmt.Errorf("the PySpark peer's Python: %w (see bench/run.sh)", err)
		}
	}
	suffix := time.Now().UTC().Format("150405")
	var results []stepResult
	ok = true
	n := 0
	for _, rate := range o.rates {
		behind := map[runner]int{}
		for rep := range o.reps {
			// Alternate which runs first, so that a trend in the machine's load hits
			// every client and variant.
			order := o.runners()
			if rep%2 == 1 {
				order = reversed(order)
			}
			for _, rn := range order {
				n++
				name := fmt.Sprintf("pipeline_%s_%d", suffix, n)
				log.Printf("step %d: %s (%s) at %.0f events/s, repetition %d of %d (%s)", n, rn.client, rn.v.label, rate, rep+1, o.reps, name)
				r, err := runStep(ctx, o, rn.client, rn.v, rate, name)
				if err != nil {
					_ = writeReport(o, results)
					return false, fmt.Errorf("step %d (%s at %.0f/s): %w", n, rn.client, rate, err)
				}
				r.Rep = rep + 1
				log.Print(r.line())
				results = append(results, r)
				if r.fellBehind(o.trigger) {
					behind[rn]++
				}
				if r.KeptUp && (r.Unread > 0 || r.Unmatched > 0) {
					ok = false
				}
				if r.Counted == 0 {
					ok = false
				}
				if err := writeReport(o, results); err != nil {
					return false, err
				}
			}
		}
		if !o.keepGoing {
			all := true
			for _, rn := range o.runners() {
				all = all && behind[rn]*2 > o.reps
			}
			if all {
				log.Printf("the job's throughput fell behind the input at %.0f events/s in most runs of every client: stopping", rate)
				break
			}
		}
	}
	log.Printf("wrote %s", o.out)
	return ok, nil
}

// runner is a client running the job with a variant of its settings.
type runner struct {
	client string
	v      *variant
}

// runners returns every client with every variant, variants outermost.
func (o *options) runners() []runner {
	var rs []runner
	for i := range o.variants {
		for _, c := range o.clients {
			rs = append(rs, runner{client: c, v: &o.variants[i]})
		}
	}
	return rs
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
