package producers

import (
	"bytes"
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fakeClock is a clock that moves only when waited on: After(d) advances it by d and
// fires at once. Runs paced by it take no real time and are exactly reproducible.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// fakeKafka is a broker in memory: it assigns partitions by key hash and offsets in
// order, rejects what reject says to, and acknowledges the rest from Flush, so that
// promises run asynchronously as they do with franz-go.
type fakeKafka struct {
	clock      clock
	partitions int32
	pingErr    error
	reject     func(*kgo.Record) error
	onProduce  func(n int) // called with the number of records produced so far

	mu       sync.Mutex
	offsets  map[int32]int64
	log      []*kgo.Record // copies of the acknowledged records, in order
	sendTime []time.Time   // clock time of each Produce call
	pending  []pendingRecord
}

type pendingRecord struct {
	r       *kgo.Record
	promise func(*kgo.Record, error)
}

func newFakeKafka(c clock, partitions int32) *fakeKafka {
	return &fakeKafka{clock: c, partitions: partitions, offsets: map[int32]int64{}}
}

func (f *fakeKafka) Ping(ctx context.Context) error {
	if f.pingErr != nil {
		<-ctx.Done() // like a broker that never answers
		return f.pingErr
	}
	return nil
}

func (f *fakeKafka) Produce(_ context.Context, r *kgo.Record, promise func(*kgo.Record, error)) {
	f.mu.Lock()
	f.sendTime = append(f.sendTime, f.clock.Now())
	f.pending = append(f.pending, pendingRecord{r, promise})
	n := len(f.sendTime)
	flush := len(f.pending) >= 1000
	f.mu.Unlock()
	if flush {
		f.Flush(context.Background())
	}
	if f.onProduce != nil {
		f.onProduce(n)
	}
}

func (f *fakeKafka) Flush(context.Context) error {
	f.mu.Lock()
	pending := f.pending
	f.pending = nil
	f.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { // promises run on another goroutine, serially
		for _, p := range pending {
			if f.reject != nil {
				if err := f.reject(p.r); err != nil {
					p.promise(p.r, err)
					continue
				}
			}
			h := fnv.New32a()
			h.Write(p.r.Key)
			p.r.Partition = int32(h.Sum32() % uint32(f.partitions))
			f.mu.Lock()
			p.r.Offset = f.offsets[p.r.Partition]
			f.offsets[p.r.Partition]++
			// Stored as a broker stores it: a copy, as the producer reuses records and
			// their bytes once their promise has run.
			f.log = append(f.log, &kgo.Record{Topic: p.r.Topic, Key: bytes.Clone(p.r.Key), Value: bytes.Clone(p.r.Value),
				Partition: p.r.Partition, Offset: p.r.Offset})
			f.mu.Unlock()
			p.promise(p.r, nil)
		}
	})
	wg.Wait()
	return nil
}

func (f *fakeKafka) AbortBufferedRecords(ctx context.Context) error { return f.Flush(ctx) }

// newFakeProducer returns a producer on a fake clock and a fake broker.
func newFakeProducer(partitions int32, opts ...Option) (*Producer, *fakeKafka, *fakeClock, error) {
	fc := newFakeClock()
	cfg := defaultConfig()
	for _, o := range append(opts, withClock(fc)) {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, nil, nil, err
	}
	fk := newFakeKafka(fc, partitions)
	return &Producer{cfg: cfg, brokers: []string{"fake:9092"}, topic: "events", kafka: fk}, fk, fc, nil
}
