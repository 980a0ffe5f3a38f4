package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/producers"
)

// produceFlags are the flags of 'sparkwire produce'.
type produceFlags struct {
	domain, topic, encoding, compression, acks, start, manifest string
	keys                                                        int
	seed                                                        uint64
	rate, rampTo, burstRate                                     float64
	rampOver, burstEvery, burstFor                              time.Duration
	count                                                       int64
	duration, interval, maxLateness, linger, window             time.Duration
	deliveryTimeout                                             time.Duration
	lateShare, malformedShare                                   float64
	partitions                                                  int32
	replication                                                 int16
	batchBytes                                                  int32
	createTopic, dryRun                                         bool
	security                                                    kafkaSecurityFlags
}

func newProduceCommand(g *globals) *cobra.Command {
	f := &produceFlags{}
	cmd := &cobra.Command{
		Use:   "produce",
		Short: "Send generated events (clickstream, IoT, payments) to Kafka and record what was acknowledged",
		Long: `Produce generates a deterministic stream of events from a built-in domain and sends it to
a Kafka topic at a target rate, then writes a manifest (JSON) of exactly what the broker
acknowledged: counts per key, per partition with offsets, per event-time window, and the
malformed, late and failed records. The same --seed gives the same events, byte for byte.

Domains: ` + strings.Join(producers.Domains(), ", ") + `. Without --count or --duration, produce runs until
interrupted (Ctrl-C), then flushes and reports.`,
		Example: `  sparkwire produce --domain clickstream --rate 5000 --duration 60s --topic events --create-topic --partitions 3
  sparkwire produce --domain payments --count 100000 --late-share 0.05 --max-lateness 5m --malformed-share 0.01 --manifest out.json
  sparkwire produce --domain iot --encoding avro --dry-run --count 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if cmd.Flags().Changed("timeout") {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, g.timeout)
				defer cancel()
			}
			return runProduce(ctx, g, f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", "clickstream", "event domain: "+strings.Join(producers.Domains(), ", "))
	fl.StringVar(&f.topic, "topic", "events", "Kafka topic to write to")
	fl.IntVar(&f.keys, "keys", 0, fmt.Sprintf("number of distinct keys (users, devices, cards), at most %d; 0 for the domain's default", producers.MaxKeys))
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the random choices: the same seed gives the same events")
	fl.StringVar(&f.encoding, "encoding", "json", "value encoding: json or avro (binary, no header)")
	fl.Float64Var(&f.rate, "rate", 0, "target events per second; 0 sends as fast as possible")
	fl.Float64Var(&f.rampTo, "ramp-to", 0, "ramp the rate linearly from --rate to this many events/s over --ramp-over")
	fl.DurationVar(&f.rampOver, "ramp-over", time.Minute, "duration of the ramp")
	fl.Float64Var(&f.burstRate, "burst-rate", 0, "send bursts at this many events/s, for --burst-for every --burst-every (--rate between bursts)")
	fl.DurationVar(&f.burstEvery, "burst-every", 10*time.Second, "period of the bursts")
	fl.DurationVar(&f.burstFor, "burst-for", time.Second, "length of each burst")
	fl.Int64VarP(&f.count, "count", "n", 0, "stop after this many events (with --dry-run: events to print, default 10)")
	fl.DurationVar(&f.duration, "duration", 0, "stop after this long")
	fl.StringVar(&f.start, "start", "", `event time of the first event: RFC 3339, or "now" (default 2025-01-01T00:00:00Z, for determinism)`)
	fl.DurationVar(&f.interval, "interval", 0, "event-time step between events (default 1s/--rate, or 1ms without a rate)")
	fl.Float64Var(&f.lateShare, "late-share", 0, "share of events that are out of order (0 to 1)")
	fl.DurationVar(&f.maxLateness, "max-lateness", time.Minute, "how far at most an out-of-order event is behind the newest event time")
	fl.Float64Var(&f.malformedShare, "malformed-share", 0, "share of malformed records: bad syntax, wrong types, missing fields (0 to 1)")
	fl.BoolVar(&f.createTopic, "create-topic", false, "create the topic first (an existing topic is used as it is)")
	fl.Int32Var(&f.partitions, "partitions", 3, "partitions of a created topic")
	fl.Int16Var(&f.replication, "replication", -1, "replication factor of a created topic (-1: the brokers' default, 3 on 'up --cluster', 1 on one broker)")
	fl.StringVar(&f.compression, "compression", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	fl.StringVar(&f.acks, "acks", "all", "acknowledgements: all (idempotent) or leader")
	fl.DurationVar(&f.linger, "linger", 5*time.Millisecond, "how long to wait to fill a batch")
	fl.Int32Var(&f.batchBytes, "batch-bytes", 1<<20, "largest record batch in bytes")
	fl.DurationVar(&f.deliveryTimeout, "delivery-timeout", 30*time.Second, "fail a record not acknowledged within this time, retries included")
	fl.DurationVar(&f.window, "window", time.Minute, "event-time window size for the manifest's per-window counts")
	fl.StringVar(&f.manifest, "manifest", "", "write the manifest (JSON) to this file")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print sample events (one per line; Avro as hex) without Kafka")
	f.security.addFlags(fl)
	return cmd
}

func runProduce(ctx context.Context, g *globals, f *produceFlags, out io.Writer) error {
	if err := f.checkNumbers(); err != nil {
		return err
	}
	stream, err := f.stream(ctx)
	if err != nil {
		return err
	}
	if f.dryRun {
		return dryRun(stream, f, out)
	}
	brokers, err := g.hostBrokers()
	if err != nil {
		return err
	}
	if len(brokers) == 0 {
		return usagef("no Kafka brokers given: pass --brokers host:port, set SPARKWIRE_KAFKA_BROKERS, or run 'sparkwire up' first (or use --dry-run)")
	}
	opts, err := f.producerOptions()
	if err != nil {
		return err
	}
	secOpts, err := f.security.producerOptions()
	if err != nil {
		return err
	}
	opts = append(opts, secOpts...)
	pr := newProduceProgress(out, isCharDevice(os.Stdout))
	opts = append(opts, producers.WithProgress(pr.every, pr.update))
	p, err := producers.NewProducer(brokers, f.topic, opts...)
	if err != nil {
		return asUsage(err)
	}
	defer p.Close()
	m, runErr := p.Run(ctx, stream)
	pr.finish()
	if m == nil {
		return runErr
	}
	if f.manifest != "" {
		if err := m.WriteFile(f.manifest); err != nil {
			return errors.Join(runErr, err)
		}
	}
	elapsed := m.FinishedAt.Sub(m.StartedAt)
	fmt.Fprintf(out, "%s: %d events acknowledged (%s) in %s, %s events/s; %d failed, %d late, %d malformed; stopped by %s",
		m.Topic, m.Acked, humanBytes(float64(m.AckedBytes)), elapsed.Round(time.Millisecond),
		humanCount(float64(m.Acked)/max(elapsed.Seconds(), 1e-9)), m.Failed, m.Late, m.Malformed, m.Stopped)
	if f.manifest != "" {
		fmt.Fprintf(out, "; manifest %s", f.manifest)
	}
	fmt.Fprintln(out)
	for reason, n := range m.Errors {
		fmt.Fprintf(out, "  %d failed: %s\n", n, reason)
	}
	return runErr
}

// checkNumbers refuses rates and shares that are not finite numbers in range: NaN passes
// every comparison, so "--rate NaN" would otherwise mean "as fast as possible".
func (f *produceFlags) checkNumbers() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"--rate", f.rate}, {"--ramp-to", f.rampTo}, {"--burst-rate", f.burstRate}} {
		if math.IsNaN(r.v) || math.IsInf(r.v, 0) || r.v < 0 {
			return usagef("%s must be a finite number of events per second, 0 or more, not %v", r.name, r.v)
		}
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--late-share", f.lateShare}, {"--malformed-share", f.malformedShare}} {
		if !(r.v >= 0 && r.v <= 1) {
			return usagef("%s must be between 0 and 1, not %v", r.name, r.v)
		}
	}
	if f.keys < 0 || f.keys > producers.MaxKeys {
		return usagef("--keys must be between 0 (the domain's default) and %d, not %d", producers.MaxKeys, f.keys)
	}
	if err := checkDurations(
		durationFlag{"--duration", f.duration, false}, durationFlag{"--interval", f.interval, false},
		durationFlag{"--ramp-over", f.rampOver, true}, durationFlag{"--burst-every", f.burstEvery, true},
		durationFlag{"--burst-for", f.burstFor, true}, durationFlag{"--max-lateness", f.maxLateness, f.lateShare > 0},
		durationFlag{"--linger", f.linger, false}, durationFlag{"--delivery-timeout", f.deliveryTimeout, true},
		durationFlag{"--window", f.window, true},
	); err != nil {
		return err
	}
	for _, c := range []struct {
		name     string
		v, least int64
	}{{"--count", f.count, 0}, {"--partitions", int64(f.partitions), 1}, {"--batch-bytes", int64(f.batchBytes), 1024}} {
		if err := checkAtLeast(c.name, c.v, c.least); err != nil {
			return err
		}
	}
	if f.replication < 1 && f.replication != -1 {
		return usagef("--replication must be 1 or more, or -1 for the brokers' default, not %d", f.replication)
	}
	return nil
}

// stream builds the event stream from the flags; the generator's set-up, which grows
// with --keys, ends with ctx.
func (f *produceFlags) stream(ctx context.Context) (*producers.Stream, error) {
	gen, err := producers.NewGeneratorContext(ctx, f.domain, f.keys)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, asUsage(flagErr("--domain", err))
	}
	enc, err := producers.ParseEncoding(f.encoding)
	if err != nil {
		return nil, asUsage(flagErr("--encoding", err))
	}
	opts := []producers.StreamOption{
		producers.WithSeed(f.seed),
		producers.WithEncoding(enc),
		producers.WithMalformed(f.malformedShare),
	}
	if f.lateShare > 0 {
		opts = append(opts, producers.WithLateness(f.lateShare, f.maxLateness))
	}
	switch {
	case f.interval > 0:
		opts = append(opts, producers.WithInterval(f.interval))
	case f.rate > 0:
		opts = append(opts, producers.WithInterval(max(time.Duration(float64(time.Second)/f.rate), time.Nanosecond)))
	}
	switch f.start {
	case "":
	case "now":
		opts = append(opts, producers.WithStart(time.Now().UTC()))
	default:
		t, err := time.Parse(time.RFC3339Nano, f.start)
		if err != nil {
			return nil, usagef("--start: want RFC 3339 (2025-01-01T00:00:00Z) or now, not %q", f.start)
		}
		opts = append(opts, producers.WithStart(t))
	}
	s, err := producers.NewStream(gen, opts...)
	return s, asUsage(err)
}

// producerOptions builds the producer's options from the flags.
func (f *produceFlags) producerOptions() ([]producers.Option, error) {
	comp, err := producers.ParseCompression(f.compression)
	if err != nil {
		return nil, asUsage(flagErr("--compression", err))
	}
	var acks producers.Acks
	switch f.acks {
	case "all":
		acks = producers.AcksAll
	case "leader", "1":
		acks = producers.AcksLeader
	default:
		return nil, usagef("--acks must be all or leader, not %q", f.acks)
	}
	if f.rate < 0 || f.rampTo < 0 || f.burstRate < 0 {
		return nil, usagef("rates must not be negative")
	}
	if f.rampTo > 0 && f.burstRate > 0 {
		return nil, usagef("--ramp-to and --burst-rate cannot be combined")
	}
	var rate producers.Rate
	switch {
	case f.rampTo > 0:
		rate = producers.Ramp(f.rate, f.rampTo, f.rampOver)
	case f.burstRate > 0:
		rate = producers.Bursts(f.rate, f.burstRate, f.burstEvery, f.burstFor)
	case f.rate > 0:
		rate = producers.Steady(f.rate)
	}
	opts := []producers.Option{
		producers.WithRate(rate),
		producers.WithCount(f.count),
		producers.WithDuration(f.duration),
		producers.WithCompression(comp),
		producers.WithAcks(acks),
		producers.WithLinger(f.linger),
		producers.WithMaxBatchBytes(f.batchBytes),
		producers.WithDeliveryTimeout(f.deliveryTimeout),
		producers.WithWindow(f.window),
	}
	if f.createTopic {
		opts = append(opts, producers.WithCreateTopic(f.partitions, f.replication))
	}
	return opts, nil
}

// dryRun prints sample events: JSON values as they are, Avro values as hex.
func dryRun(s *producers.Stream, f *produceFlags, out io.Writer) error {
	n := f.count
	if n <= 0 {
		n = 10
	}
	for range n {
		ev, err := s.Next()
		if err != nil {
			return err
		}
		v := string(ev.Value)
		if s.Encoding() == producers.EncodingAvro {
			v = hex.EncodeToString(ev.Value)
		}
		if _, err := fmt.Fprintln(out, v); err != nil {
			return err
		}
	}
	return nil
}

// asUsage marks the producers package's invalid-option errors as usage errors.
func asUsage(err error) error {
	if errors.Is(err, producers.ErrInvalidOption) || errors.Is(err, producers.ErrUnknownDomain) {
		return usageError{err}
	}
	return err
}

func isCharDevice(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// produceProgress prints a run's progress: on a terminal one line redrawn in place, otherwise
// a plain line every few seconds.
type produceProgress struct {
	out   io.Writer
	tty   bool
	every time.Duration
	last  producers.Stats
	drawn bool
}

func newProduceProgress(out io.Writer, tty bool) *produceProgress {
	p := &produceProgress{out: out, tty: tty, every: 5 * time.Second}
	if tty {
		p.every = 250 * time.Millisecond
	}
	return p
}

// update is the producer's progress callback; the producer calls it from one goroutine.
func (p *produceProgress) update(s producers.Stats) {
	dt := (s.Elapsed - p.last.Elapsed).Seconds()
	if dt <= 0 || (!p.tty && dt < p.every.Seconds()/2) {
		return // the final call, just after a periodic one: the summary follows
	}
	line := fmt.Sprintf("%s  %s events/s  %s/s  acked %d  errors %d", s.Elapsed.Round(time.Second),
		humanCount(float64(s.Acked-p.last.Acked)/dt), humanBytes(float64(s.AckedBytes-p.last.AckedBytes)/dt), s.Acked, s.Failed)
	if s.Target > 0 {
		line += fmt.Sprintf("  lag %d", s.Lag())
	}
	p.last = s
	if p.tty {
		fmt.Fprintf(p.out, "\r%-78s", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.out, line)
}

// finish ends the redrawn line.
func (p *produceProgress) finish() {
	if p.drawn {
		fmt.Fprintln(p.out)
	}
}

func humanCount(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func humanBytes(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f GB", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f MB", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1f kB", x/1e3)
	}
	return fmt.Sprintf("%.0f B", x)
}

// flagErr names the flag whose value err is about.
func flagErr(name string, err error) error { return fmt.Errorf("%s: %w", name, err) }
