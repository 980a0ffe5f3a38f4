// Command soak runs sparkwire's pipeline for a long time at a steady rate and records the
// memory of every process in it: `sparkwire produce` (a child process) sends clickstream
// events to Kafka while the pageviews job (jobs.PageViews, started by this process through
// a Spark Connect session) counts page views per page and minute. Every -interval it
// samples the resident memory (VmRSS) of this process and of the producer, the Spark
// driver JVM's resident memory and heap, the job's micro-batches (rows, rates, durations)
// and how far the job is behind the input topic. When the producer is done it waits until
// the job has processed everything, then checks the job's results (memory table and
// output topic) against the counts computed from the events that were sent, and writes
//
//	OUT/samples.csv    one line per sample
//	OUT/memory.svg     RSS over time per process (and the driver's heap)
//	OUT/summary.md     tables: memory per process (start, end, max, slope), keep-up, ground truth
//	OUT/manifest.json  the producer's manifest
//	OUT/producer.log   the producer's output
//
// It exits with status 1 when the results differ from the ground truth. `make soak`
// (bench/soak.sh) builds the CLI, starts or reuses the local stack and runs it; with
// -own-stack it starts a stack of its own, so that the Spark driver serves the soak alone.
// The stack must be on this machine: the endpoints must be loopback addresses.
//
// Usage:
//
//	go run ./bench/soak -sparkwire .build/sparkwire [-duration 30m] [-rate 300] [-interval 15s] [-out DIR]
//
// Defaults come from SOAK_DURATION, SOAK_RATE, SOAK_INTERVAL, SOAK_OUT, and the endpoints
// from SPARKWIRE_CONNECT_URL, SPARKWIRE_KAFKA_BROKERS and SPARKWIRE_SPARK_KAFKA_BROKERS.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	duration       time.Duration
	rate           float64
	interval       time.Duration
	out            string
	seed           uint64
	sparkwire      string
	connectURL     string
	brokers        []string
	sparkBrokers   string
	sparkContainer string
	trigger        time.Duration
	catchUp        time.Duration
	keep           bool
	ownStack       bool
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("soak: ")
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Bounded: production, catching up, the checks and the clean-up.
	ctx, cancel := context.WithTimeout(ctx, o.duration+o.catchUp+10*time.Minute)
	defer cancel()
	ok, err := run(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		log.Print("FAILED: the job's results differ from the ground truth")
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	dur, err := envDuration("SOAK_DURATION", 30*time.Minute)
	if err != nil {
		return o, err
	}
	rate, err := envFloat("SOAK_RATE", 300)
	if err != nil {
		return o, err
	}
	interval, err := envDuration("SOAK_INTERVAL", 15*time.Second)
	if err != nil {
		return o, err
	}
	var brokers string
	fs.DurationVar(&o.duration, "duration", dur, "how long to produce (env SOAK_DURATION)")
	fs.Float64Var(&o.rate, "rate", rate, "events per second (env SOAK_RATE)")
	fs.DurationVar(&o.interval, "interval", interval, "time between samples (env SOAK_INTERVAL)")
	fs.StringVar(&o.out, "out", envOr("SOAK_OUT", "bench/results/soak"), "output directory (env SOAK_OUT)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the event stream")
	fs.StringVar(&o.sparkwire, "sparkwire", ".build/sparkwire", "the sparkwire CLI binary, run as the producer")
	// The endpoints' defaults are read after parsing, so that -h never prints them (a
	// connect URL can carry a token).
	fs.StringVar(&o.connectURL, "connect", "", "Spark Connect URL (env SPARKWIRE_CONNECT_URL)")
	fs.StringVar(&brokers, "brokers", "", "Kafka brokers from this machine (env SPARKWIRE_KAFKA_BROKERS)")
	fs.StringVar(&o.sparkBrokers, "spark-brokers", "", "Kafka brokers from the Spark server (env SPARKWIRE_SPARK_KAFKA_BROKERS; default -brokers)")
	fs.StringVar(&o.sparkContainer, "spark-container", "", "Docker container of the Spark Connect server (default: the one publishing the -connect port)")
	fs.DurationVar(&o.trigger, "trigger", 2*time.Second, "the job's processing-time trigger")
	fs.DurationVar(&o.catchUp, "catch-up", 10*time.Minute, "how long the job may take to process the last events")
	fs.BoolVar(&o.keep, "keep", false, "leave the topics and the job's queries in place")
	fs.BoolVar(&o.ownStack, "own-stack", false, "start a stack of its own (Kafka and Spark Connect in Docker, removed at the end) instead of using -connect and -brokers,\nso that the Spark driver serves the soak alone")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.connectURL = cmp.Or(o.connectURL, envOr("SPARKWIRE_CONNECT_URL", ""))
	brokers = cmp.Or(brokers, envOr("SPARKWIRE_KAFKA_BROKERS", ""))
	o.sparkBrokers = cmp.Or(o.sparkBrokers, envOr("SPARKWIRE_SPARK_KAFKA_BROKERS", ""))
	for _, b := range strings.Split(brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.brokers = append(o.brokers, b)
		}
	}
	if o.sparkBrokers == "" {
		o.sparkBrokers = strings.Join(o.brokers, ",")
	}
	return o, o.validate()
}

func (o *options) validate() error {
	switch {
	case o.duration <= 0 || o.interval <= 0 || o.trigger <= 0 || o.catchUp <= 0:
		return errors.New("-duration, -interval, -trigger and -catch-up must be positive")
	case !(o.rate > 0) || o.rate > 1e6:
		return fmt.Errorf("-rate must be a number of events per second in (0, 1e6], not %v", o.rate)
	case o.ownStack:
		return nil // the endpoints are those of the stack it starts
	case o.connectURL == "" || len(o.brokers) == 0:
		return errors.New("no stack: set SPARKWIRE_CONNECT_URL and SPARKWIRE_KAFKA_BROKERS (run 'sparkwire up'), or pass -connect and -brokers, or -own-stack")
	}
	return o.checkLoopback()
}

// checkLoopback refuses endpoints that are not on this machine's loopback interface.
func (o *options) checkLoopback() error {
	port, err := connectPort(o.connectURL)
	if err != nil {
		return err
	}
	host := strings.TrimPrefix(o.connectURL, "sc://")
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ";")
	host = strings.TrimSuffix(host, ":"+port)
	addrs := append([]string{host}, o.brokers...)
	for _, a := range addrs {
		if h, _, err := net.SplitHostPort(a); err == nil {
			a = h
		}
		if !isLoopback(strings.Trim(a, "[]")) {
			return fmt.Errorf("the soak runs against a stack on this machine only: %q is not a loopback address", a)
		}
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) (time.Duration, error) {
	v := envOr(key, "")
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}

func envFloat(key string, def float64) (float64, error) {
	v := envOr(key, "")
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return f, nil
}
