package producers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Acks is how many replicas must have a record before the broker acknowledges it.
type Acks uint8

const (
	// AcksAll waits for all in-sync replicas; required for idempotent writes (default).
	AcksAll Acks = iota
	// AcksLeader waits for the partition leader only. It disables idempotent writes, so
	// a retried batch may be written twice.
	AcksLeader
)

// Compression is the codec for record batches.
type Compression uint8

// Compression codecs.
const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionSnappy
	CompressionLZ4
	CompressionZstd
)

var compressionNames = [...]string{"none", "gzip", "snappy", "lz4", "zstd"}

// ParseCompression parses none, gzip, snappy, lz4 or zstd.
func ParseCompression(s string) (Compression, error) {
	for i, n := range compressionNames {
		if strings.EqualFold(s, n) {
			return Compression(i), nil
		}
	}
	return 0, fmt.Errorf("%w: compression %q (want one of %s)", ErrInvalidOption, s, strings.Join(compressionNames[:], ", "))
}

// String returns the codec's name.
func (c Compression) String() string {
	if int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

func (c Compression) codec() kgo.CompressionCodec {
	switch c {
	case CompressionGzip:
		return kgo.GzipCompression()
	case CompressionSnappy:
		return kgo.SnappyCompression()
	case CompressionLZ4:
		return kgo.Lz4Compression()
	case CompressionZstd:
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// config holds a Producer's settings; defaultConfig is the one place defaults are set.
type config struct {
	acks            Acks
	linger          time.Duration
	maxBatchBytes   int32
	compression     Compression
	createTopic     bool
	partitions      int32
	replication     int16
	rate            Rate
	maxEvents       int64
	duration        time.Duration
	window          time.Duration
	watermarkDelay  time.Duration
	connectTimeout  time.Duration
	deliveryTimeout time.Duration
	flushTimeout    time.Duration
	progress        func(Stats)
	progressEvery   time.Duration
	kgoOpts         []kgo.Opt
	clock           clock
	tls             *TLS  // WithTLS; see security.go
	sasl            *SASL // WithSASL
}

func defaultConfig() config {
	return config{
		acks:            AcksAll,
		linger:          5 * time.Millisecond,
		maxBatchBytes:   1 << 20,
		compression:     CompressionNone,
		partitions:      1,
		replication:     1,
		window:          time.Minute,
		connectTimeout:  10 * time.Second,
		deliveryTimeout: 30 * time.Second,
		flushTimeout:    time.Minute,
		progressEvery:   time.Second,
		clock:           realClock{},
	}
}

func (c *config) validate() error {
	var err error
	switch {
	case c.acks > AcksLeader:
		err = fmt.Errorf("acks %d", c.acks)
	case c.linger < 0:
		err = fmt.Errorf("negative linger %s", c.linger)
	case c.maxBatchBytes < 1024:
		err = fmt.Errorf("batch size %d bytes below 1024", c.maxBatchBytes)
	case c.compression > CompressionZstd:
		err = fmt.Errorf("compression %s", c.compression)
	case c.partitions < 1 && c.partitions != -1:
		err = fmt.Errorf("%d partitions", c.partitions)
	case c.replication < 1 && c.replication != -1:
		err = fmt.Errorf("replication factor %d", c.replication)
	case c.maxEvents < 0:
		err = fmt.Errorf("negative count %d", c.maxEvents)
	case c.duration < 0:
		err = fmt.Errorf("negative duration %s", c.duration)
	case c.window < time.Millisecond:
		err = fmt.Errorf("window %s below 1ms", c.window)
	case c.watermarkDelay < 0:
		err = fmt.Errorf("negative watermark delay %s", c.watermarkDelay)
	case c.connectTimeout <= 0 || c.deliveryTimeout <= 0 || c.flushTimeout <= 0:
		err = fmt.Errorf("timeouts must be positive")
	case c.progressEvery <= 0:
		err = fmt.Errorf("progress interval %s", c.progressEvery)
	default:
		return c.rate.validate()
	}
	return fmt.Errorf("%w: %w", ErrInvalidOption, err)
}

// An Option configures a [Producer].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithAcks sets the acknowledgement level (default [AcksAll], with idempotent writes).
func WithAcks(a Acks) Option { return optionFunc(func(c *config) { c.acks = a }) }

// WithLinger sets how long the client waits to fill a batch before sending it
// (default 5ms).
func WithLinger(d time.Duration) Option { return optionFunc(func(c *config) { c.linger = d }) }

// WithMaxBatchBytes sets the largest record batch, in bytes (default 1 MiB). A record
// larger than this fails with kerr.MessageTooLarge and is counted as failed.
func WithMaxBatchBytes(n int32) Option {
	return optionFunc(func(c *config) { c.maxBatchBytes = n })
}

// WithCompression sets the batch compression codec (default [CompressionNone]).
func WithCompression(comp Compression) Option {
	return optionFunc(func(c *config) { c.compression = comp })
}

// WithCreateTopic makes Run create the topic before producing, with the given number of
// partitions and replication factor (-1 for either means the broker's default), and wait
// until every partition has a leader, as [CreateTopics] does: at most 30 s, or until the
// context of Run ends. A topic that already exists is used as it is.
func WithCreateTopic(partitions int32, replication int16) Option {
	return optionFunc(func(c *config) { c.createTopic, c.partitions, c.replication = true, partitions, replication })
}

// WithRate sets the target send rate (default: unlimited, as fast as possible).
func WithRate(r Rate) Option { return optionFunc(func(c *config) { c.rate = r }) }

// WithCount stops a run after n events (default 0: no limit).
func WithCount(n int64) Option { return optionFunc(func(c *config) { c.maxEvents = n }) }

// WithDuration stops a run after d (default 0: no limit). Without a count or a
// duration, a run lasts until its context is cancelled.
func WithDuration(d time.Duration) Option { return optionFunc(func(c *config) { c.duration = d }) }

// WithWindow sets the size of the event-time windows counted in the manifest (default
// one minute).
func WithWindow(d time.Duration) Option { return optionFunc(func(c *config) { c.window = d }) }

// WithWatermarkDelay makes the manifest count, in TooLate and per window, the records whose
// lateness exceeds d: those that a job with a watermark delay of d would see after the
// watermark passed them, had every earlier record arrived in an earlier micro-batch. Whether
// the job drops them depends on its operator (a window is dropped only when its end is behind
// the watermark), which tests model themselves. Default 0: TooLate is not counted.
func WithWatermarkDelay(d time.Duration) Option {
	return optionFunc(func(c *config) { c.watermarkDelay = d })
}

// WithConnectTimeout bounds the check that a broker is reachable at the start of a run
// (default 10s).
func WithConnectTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.connectTimeout = d })
}

// WithDeliveryTimeout bounds how long a record may wait, retries included, before it
// fails (default 30s). franz-go on its own retries forever.
func WithDeliveryTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.deliveryTimeout = d })
}

// WithFlushTimeout bounds the final flush when a run ends (default one minute). Records
// still unacknowledged after it are aborted and counted as failed.
func WithFlushTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.flushTimeout = d })
}

// WithProgress calls fn with the run's statistics every interval during a run, and once
// more at its end. fn runs on its own goroutine and must not block for long.
func WithProgress(interval time.Duration, fn func(Stats)) Option {
	return optionFunc(func(c *config) { c.progress, c.progressEvery = fn, interval })
}

// WithKafkaOptions passes further options to the franz-go client, for TLS or SASL for
// example. They are applied after the producer's own.
func WithKafkaOptions(opts ...kgo.Opt) Option {
	return optionFunc(func(c *config) { c.kgoOpts = append(c.kgoOpts, opts...) })
}

// withClock replaces the clock; for tests.
func withClock(cl clock) Option { return optionFunc(func(c *config) { c.clock = cl }) }

// Stats is a snapshot of a run's progress.
type Stats struct {
	// Elapsed is the time since the run started producing.
	Elapsed time.Duration
	// Produced counts records handed to the client, Acked those acknowledged, Failed
	// those that failed.
	Produced, Acked, Failed int64
	// AckedBytes is the size of the acknowledged keys and values.
	AckedBytes int64
	// Target is the number of events the rate calls for by now (capped at the count
	// limit); 0 when the rate is unlimited.
	Target int64
}

// Lag returns how many events the run is behind its target rate (0 if unlimited or
// on target).
func (s Stats) Lag() int64 { return max(s.Target-s.Produced, 0) }

// kafka is the part of *kgo.Client a Producer uses; tests replace it.
type kafka interface {
	Ping(ctx context.Context) error
	Produce(ctx context.Context, r *kgo.Record, promise func(*kgo.Record, error))
	Flush(ctx context.Context) error
	AbortBufferedRecords(ctx context.Context) error
}

// Producer sends a [Stream]'s events to a Kafka topic with franz-go, idempotently and
// with acks from all in-sync replicas by default, records partitioned by key (Kafka's
// murmur2 hash, as the Java client does). Run it with [Producer.Run]; Close it when done.
type Producer struct {
	cfg     config
	brokers []string
	topic   string
	client  *kgo.Client // nil in tests
	kafka   kafka

	running          atomic.Bool
	start, end       atomic.Int64 // clock times of the run's start and end, Unix ns
	produced, acked  atomic.Int64
	failed, ackBytes atomic.Int64
}

// NewProducer returns a producer for the topic on the given bootstrap brokers
// (host:port). It does not connect: [Producer.Run] does. Invalid options give an error
// wrapping [ErrInvalidOption].
func NewProducer(brokers []string, topic string, opts ...Option) (*Producer, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(brokers) == 0 {
		return nil, fmt.Errorf("%w: no brokers", ErrInvalidOption)
	}
	if topic == "" {
		return nil, fmt.Errorf("%w: no topic", ErrInvalidOption)
	}
	kopts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(cfg.linger),
		kgo.ProducerBatchMaxBytes(cfg.maxBatchBytes),
		kgo.ProducerBatchCompression(cfg.compression.codec()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RecordDeliveryTimeout(cfg.deliveryTimeout),
		kgo.ProduceRequestTimeout(min(cfg.deliveryTimeout, 10*time.Second)),
		kgo.RetryTimeout(cfg.deliveryTimeout),
		kgo.DialTimeout(cfg.connectTimeout),
	}
	if cfg.acks == AcksLeader {
		kopts = append(kopts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	} else {
		kopts = append(kopts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	secOpts, err := cfg.securityOpts()
	if err != nil {
		return nil, err
	}
	kopts = append(kopts, secOpts...)
	cl, err := kgo.NewClient(append(kopts, cfg.kgoOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("producers: kafka client: %w", err)
	}
	return &Producer{cfg: cfg, brokers: brokers, topic: topic, client: cl, kafka: cl}, nil
}

// Close closes the Kafka client. Records still buffered fail.
func (p *Producer) Close() {
	if p.client != nil {
		p.client.Close()
	}
}

// Stats returns the current run's statistics (or the last run's, once it ended). It is
// safe to call from any goroutine.
func (p *Producer) Stats() Stats {
	var el time.Duration
	if ns := p.start.Load(); ns != 0 {
		end := p.cfg.clock.Now()
		if e := p.end.Load(); e != 0 {
			end = time.Unix(0, e)
		}
		el = end.Sub(time.Unix(0, ns))
	}
	return Stats{
		Elapsed:    el,
		Produced:   p.produced.Load(),
		Acked:      p.acked.Load(),
		Failed:     p.failed.Load(),
		AckedBytes: p.ackBytes.Load(),
		Target:     p.targetAt(el),
	}
}

// targetAt returns how many events the rate calls for by elapsed, within the run's
// limits; 0 when the rate is unlimited.
func (p *Producer) targetAt(elapsed time.Duration) int64 {
	cfg := &p.cfg
	if cfg.rate.Unlimited() {
		return 0
	}
	var n int64
	if cfg.duration > 0 && elapsed >= cfg.duration {
		n = int64(math.Ceil(cfg.rate.Due(cfg.duration) - 1e-9)) // events due before the end
	} else {
		n = (&limiter{rate: cfg.rate}).due(elapsed)
	}
	if cfg.maxEvents > 0 {
		n = min(n, cfg.maxEvents)
	}
	return n
}

// inflight is a record being produced and its context.
type inflight struct {
	rec kgo.Record
	ctx recordContext
}

// recordContext is a record's Context (franz-go's place for enriching records): the
// producer's context, what the manifest needs to know about the record once it is
// acknowledged, and the chunk the record belongs to.
type recordContext struct {
	context.Context
	sent
	chunk *chunk
}

// chunk holds up to batch records in flight and the bytes of their keys and values.
// Once the last of its records is acknowledged or has failed, the chunk goes back to
// its pool and is filled again: a long run reuses the same few chunks (franz-go buffers
// a bounded number of records) rather than allocating for every event, which keeps the
// garbage collector, and the write barriers it turns on, out of the hot loop.
//
// franz-go does not touch a record after calling its promise, and the promise is the
// last user of the record's key and value (the manifest copies a key the first time it
// sees it), so the chunk can be reused as soon as its last promise has run.
type chunk struct {
	recs    [batch]inflight
	buf     []byte
	pending atomic.Int32 // records produced and not yet resolved
	pool    chan *chunk
}

// release marks one of the chunk's records resolved; the last one returns the chunk to
// its pool (or leaves it to the garbage collector if the pool is full).
func (c *chunk) release() {
	if c.pending.Add(-1) != 0 {
		return
	}
	select {
	case c.pool <- c:
	default:
	}
}

// getChunk returns a free chunk of pool, or a new one.
func getChunk(pool chan *chunk) *chunk {
	select {
	case c := <-pool:
		c.buf = c.buf[:0]
		return c
	default:
		return &chunk{pool: pool, buf: make([]byte, 0, batch*320)}
	}
}

// batch is how many events Run generates between checks of the clock and the context.
const batch = 256

// Run sends the stream's events until the count or duration limit is reached or ctx is
// cancelled, paced to the target rate, then flushes and returns the manifest of what the
// broker acknowledged. Calls to Run must not overlap.
//
// Before producing, Run checks that a broker answers within the connect timeout; if none
// does, it fails with an error wrapping [ErrBrokerUnreachable]. With [WithCreateTopic] it
// creates the topic, failing with [ErrCreateTopic].
//
// Cancelling ctx is the normal way to stop an unbounded run: Run stops generating,
// flushes what is buffered (for at most the flush timeout), and returns the manifest
// with Stopped "canceled" and a nil error. Records that fail (rejected by the broker,
// timed out) are counted in the manifest, and Run then returns a [*DeliveryError]
// together with the manifest. Whenever the manifest is not nil it accounts for every
// record produced.
func (p *Producer) Run(ctx context.Context, s *Stream) (*Manifest, error) {
	m, err := p.run(ctx, s)
	return m, p.cfg.redactSecrets(err)
}

func (p *Producer) run(ctx context.Context, s *Stream) (*Manifest, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil stream", ErrInvalidOption)
	}
	if !p.running.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("%w: Run called while a run is in progress", ErrInvalidOption)
	}
	defer p.running.Store(false)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("producers: %w", err)
	}
	if err := p.ping(ctx); err != nil {
		return nil, err
	}
	if p.cfg.createTopic {
		if err := p.createTopic(ctx); err != nil {
			return nil, err
		}
	}
	return p.produce(ctx, s)
}

func (p *Producer) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, p.cfg.connectTimeout)
	defer cancel()
	// franz-go does not always give up on a broker that accepts connections but never
	// answers when the context ends; do not wait for it longer than the timeout.
	done := make(chan error, 1)
	go func() { done <- p.kafka.Ping(pctx) }()
	var err error
	select {
	case err = <-done:
	case <-pctx.Done():
		select { // prefer Ping's own error, which says more, if it comes at once
		case err = <-done:
		case <-time.After(100 * time.Millisecond):
			err = fmt.Errorf("no answer: %w", pctx.Err())
		}
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("producers: connect to %s: %w", strings.Join(p.brokers, ","), ctx.Err())
	}
	if serr := p.securityError(ctx, err); serr != nil {
		return serr
	}
	return fmt.Errorf("%w at %s within %s: %w", ErrBrokerUnreachable, strings.Join(p.brokers, ","), p.cfg.connectTimeout, explainBrokerError(ctx, p.brokers, err))
}

func (p *Producer) createTopic(ctx context.Context) error {
	if p.client == nil {
		return nil
	}
	topic := Topic{Name: p.topic, Partitions: p.cfg.partitions, Replication: p.cfg.replication}
	return createTopics(ctx, kadm.NewClient(p.client), []Topic{topic})
}

func (p *Producer) produce(ctx context.Context, s *Stream) (*Manifest, error) {
	cfg := &p.cfg
	rec := newRecorder(cfg.window, cfg.watermarkDelay)
	p.produced.Store(0)
	p.acked.Store(0)
	p.failed.Store(0)
	p.ackBytes.Store(0)
	startedAt := time.Now()
	start := cfg.clock.Now()
	p.end.Store(0)
	p.start.Store(start.UnixNano())

	stopProgress := p.startProgress()
	// Records must not fail because the caller cancelled: once produced, a record is
	// either acknowledged or fails on its own (delivery timeout, rejection).
	pctx := context.WithoutCancel(ctx)
	lim := limiter{rate: cfg.rate}
	var (
		produced int64
		stopped  string
		genErr   error
	)
	// promise records the outcome of one record. It is one function for the whole run:
	// what it needs to know about the record travels in the record's Context.
	promise := func(r *kgo.Record, err error) {
		rc, _ := r.Context.(*recordContext)
		if err != nil {
			p.failed.Add(1)
			rec.failed(err)
		} else {
			size := len(r.Key) + len(r.Value)
			p.acked.Add(1)
			p.ackBytes.Add(int64(size))
			var meta sent
			if rc != nil {
				meta = rc.sent
			}
			rec.acked(r.Key, size, r.Partition, r.Offset, meta)
		}
		if rc != nil && rc.chunk != nil {
			rc.chunk.release() // last: the record and its bytes may be reused from here on
		}
	}
	// Free chunks; more than franz-go ever holds in flight by default.
	pool := make(chan *chunk, 128)
	// send generates and produces n events, a chunk at a time: first the chunk's events
	// are generated, then they are all handed to franz-go, so that each loop runs with
	// its own data in the CPU's caches rather than the two evicting each other's for
	// every record.
	send := func(n int64) error {
		var ev Event
		for n > 0 {
			c := getChunk(pool)
			m := int(min(n, batch))
			made := 0
			var err error
			for made < m {
				var buf []byte
				if buf, err = s.next(c.buf, &ev); err != nil {
					break
				}
				c.buf = buf
				f := &c.recs[made]
				f.ctx = recordContext{Context: pctx, chunk: c, sent: sent{eventTime: ev.EventTime.UnixMilli(), lateness: ev.Lateness.Milliseconds(), malformed: ev.Malformed}}
				f.rec = kgo.Record{Topic: p.topic, Key: ev.Key, Value: ev.Value, Context: &f.ctx}
				made++
			}
			// Held until every record of the chunk is produced, so that early promises
			// cannot release it while it is being handed over.
			c.pending.Store(int32(made) + 1)
			for i := range made {
				produced++
				p.produced.Add(1)
				p.kafka.Produce(pctx, &c.recs[i].rec, promise)
			}
			c.release()
			if err != nil {
				return err
			}
			n -= int64(m)
		}
		return nil
	}
	for {
		if cfg.maxEvents > 0 && produced >= cfg.maxEvents {
			stopped = "count"
			break
		}
		if ctx.Err() != nil {
			stopped = "canceled"
			break
		}
		elapsed := cfg.clock.Now().Sub(start)
		if cfg.duration > 0 && elapsed >= cfg.duration {
			stopped = "duration"
			if !cfg.rate.Unlimited() {
				// Events due before the end that the last wait stepped over.
				if final := p.targetAt(cfg.duration); final > produced {
					if genErr = send(final - produced); genErr != nil {
						stopped = "error"
					}
				}
			}
			break
		}
		n := int64(batch)
		if cfg.maxEvents > 0 {
			n = min(n, cfg.maxEvents-produced)
		}
		n, wait := lim.take(elapsed, n)
		if n == 0 {
			if cfg.duration > 0 {
				wait = min(wait, cfg.duration-elapsed)
			}
			select {
			case <-ctx.Done():
			case <-cfg.clock.After(wait):
			}
			continue
		}
		if genErr = send(n); genErr != nil {
			stopped = "error"
			break
		}
	}

	flushErr := p.flush(ctx)
	p.end.Store(cfg.clock.Now().UnixNano())
	stopProgress()

	m, firstErr := rec.snapshot()
	m.Topic = p.topic
	m.Domain = s.schema.Name
	m.Encoding = s.cfg.encoding.String()
	m.Seed = s.cfg.seed
	m.Rate = cfg.rate.String()
	m.StartedAt = startedAt.UTC()
	m.FinishedAt = time.Now().UTC()
	m.Stopped = stopped
	m.Produced = produced
	if lost := produced - m.Acked - m.Failed; lost > 0 {
		// Only if even aborting the buffered records timed out: they are not acknowledged.
		m.Failed += lost
		m.Errors["unresolved after flush"] += lost
		if firstErr == nil {
			firstErr = flushErr
		}
	}
	switch {
	case genErr != nil:
		return m, genErr
	case m.Failed > 0:
		if firstErr == nil {
			firstErr = errors.New("unknown")
		}
		return m, &DeliveryError{Failed: m.Failed, Produced: produced, First: explainBrokerError(context.WithoutCancel(ctx), p.brokers, firstErr)}
	}
	return m, nil
}

// flush waits for every buffered record to be acknowledged or to fail, for at most the
// flush timeout, then aborts what is left.
func (p *Producer) flush(ctx context.Context) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.flushTimeout)
	defer cancel()
	err := p.kafka.Flush(fctx)
	if err == nil {
		return nil
	}
	actx, cancel2 := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel2()
	if aerr := p.kafka.AbortBufferedRecords(actx); aerr != nil {
		return fmt.Errorf("producers: flush: %w (abort: %w)", err, aerr)
	}
	return fmt.Errorf("producers: flush: %w", err)
}

// startProgress runs the progress callback every interval until the returned function
// is called, which makes a final call.
func (p *Producer) startProgress() (stop func()) {
	if p.cfg.progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(p.cfg.progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.cfg.progress(p.Stats())
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		p.cfg.progress(p.Stats())
	}
}
