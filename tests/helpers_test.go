package tests

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/producers"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// testCtx returns a context that ends with the test or after d.
func testCtx(t *testing.T, d time.Duration) context.Context { return testkit.Ctx(t, d) }

// session dials the stack's Spark Connect server with a checked allocator; the test fails
// if any Arrow memory is still allocated when it ends.
func session(t *testing.T, ctx context.Context) (*connect.Session, *memory.CheckedAllocator) {
	t.Helper()
	return sessionAt(t, ctx, env.ConnectURL())
}

// sessionAt is session for the Spark Connect server at url.
func sessionAt(t *testing.T, ctx context.Context, url string) (*connect.Session, *memory.CheckedAllocator) {
	return testkit.CheckedSession(t, ctx, url)
}

// dial dials the Spark Connect server at url with opts; the session is closed with the
// test, and a failed close fails it.
func dial(t *testing.T, ctx context.Context, url string, opts ...connect.Option) *connect.Session {
	return testkit.Dial(t, ctx, url, opts...)
}

// kafkaClient returns a franz-go client for the stack's brokers, closed with the test.
func kafkaClient(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(env.Brokers()...)}, opts...)...)
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// newTopic creates a topic with a name unique to the test and deletes it when the test ends.
func newTopic(t *testing.T, ctx context.Context, partitions int32) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name())), time.Now().UnixNano())
	if err := producers.CreateTopics(ctx, env.Brokers(), []producers.Topic{{Name: name, Partitions: partitions, Replication: 1}}); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(kafkaClient(t))
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(cctx, name)
	})
	return name
}

// kadmEnds returns the end offset of every partition of a topic.
func kadmEnds(ctx context.Context, topic string) (map[int32]int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers()...))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	var ferr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			ferr = o.Err
		}
		out[o.Partition] = o.Offset
	})
	return out, ferr
}

// deadAddrs returns two local addresses that never answer: a port nothing listens on
// (refused at once) and a listener that accepts connections and stays silent (only a
// deadline ends the wait). The listener closes with the test.
func deadAddrs(t *testing.T) (closed, silent string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed = l.Addr().String()
	l.Close()
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sl.Close() })
	go func() {
		for {
			c, err := sl.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return closed, sl.Addr().String()
}

// streamLimit returns how long the server lets a result stream run before it ends it on
// purpose and the client must reattach (spark.connect.execute.reattachable.senderMaxStreamDuration:
// 5 s on the suite's own stack, see TestMain; 2 minutes by default). Tests that outlast it
// assert that a reattach happened; the limit is read from the server, so that they hold
// against any stack.
func streamLimit(t *testing.T, ctx context.Context, s *connect.Session) time.Duration {
	t.Helper()
	const key = "spark.connect.execute.reattachable.senderMaxStreamDuration"
	v, ok, err := s.Conf().Get(ctx, key)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if !ok || v == "" {
		return 2 * time.Minute
	}
	d, err := sparkDuration(v)
	if err != nil {
		t.Fatalf("%s = %q: %v", key, v, err)
	}
	return d
}

// sparkDuration parses a Spark time setting: a number with a unit (ms, s, m, min, h, d), or
// bare milliseconds.
func sparkDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"ms", time.Millisecond}, {"min", time.Minute}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		if n, found := strings.CutSuffix(v, u.suffix); found {
			var x int64
			if _, err := fmt.Sscan(n, &x); err != nil {
				return 0, fmt.Errorf("not a duration: %w", err)
			}
			return time.Duration(x) * u.unit, nil
		}
	}
	var ms int64
	if _, err := fmt.Sscan(v, &ms); err != nil {
		return 0, fmt.Errorf("not a duration: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// testLogger sends a stack's progress messages to the test log.
