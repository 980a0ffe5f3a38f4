package jobs

import (
	"context"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// callLog records, in order, the Config requests' operations (as their protobuf text) and
// the ExecutePlan calls a session makes.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	l.calls = append(l.calls, s)
	l.mu.Unlock()
}

func (l *callLog) options() connect.Option {
	return connect.WithDialOptions(
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			if strings.HasSuffix(method, "/Config") {
				l.add("config " + strings.Join(strings.Fields(fmtMsg(req)), " "))
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			if strings.HasSuffix(method, "/ExecutePlan") {
				l.add("execute")
			}
			return streamer(ctx, desc, cc, method, opts...)
		}))
}

func fmtMsg(m any) string {
	if pm, ok := m.(proto.Message); ok {
		return prototext.Format(pm)
	}
	return ""
}

func (l *callLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// TestShufflePartitionsSetWhileStarting checks that Start sets spark.sql.shuffle.partitions
// to the job's value before it starts any query and gives the session its own value back
// after the last one.
func TestShufflePartitionsSetWhileStarting(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      int
		sessions string // the session's own value, "" for none
		want     string // the value set while starting; "" for no change
	}{
		{"default", 0, "", "4"},
		{"explicit", 12, "200", "12"},
		{"session's own", -1, "7", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := connecttest.NewServer()
			t.Cleanup(srv.Close)
			log := &callLog{}
			ctx := testCtx(t)
			s, err := srv.Dial(ctx, log.options())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(context.Background()) })
			if tc.sessions != "" {
				if err := s.Conf().Set(ctx, shufflePartitionsKey, tc.sessions); err != nil {
					t.Fatal(err)
				}
			}
			before := len(log.snapshot())
			if _, err := PageViews().Start(ctx, s, Config{Brokers: "b", ShufflePartitions: tc.cfg}); err != nil {
				t.Fatal(err)
			}
			calls := log.snapshot()[before:]
			firstExec, lastExec := -1, -1
			setAt, restoreAt := -1, -1
			for i, c := range calls {
				switch {
				case c == "execute":
					if firstExec < 0 {
						firstExec = i
					}
					lastExec = i
				case tc.want != "" && strings.Contains(c, shufflePartitionsKey) && strings.Contains(c, `"`+tc.want+`"`) && setAt < 0:
					setAt = i
				case strings.Contains(c, shufflePartitionsKey) && setAt >= 0 && i > setAt:
					restoreAt = i
				}
			}
			if tc.want == "" {
				for _, c := range calls {
					if strings.Contains(c, shufflePartitionsKey) {
						t.Fatalf("the session's setting was touched: %v", calls)
					}
				}
			} else if setAt < 0 || setAt > firstExec || restoreAt < lastExec {
				t.Fatalf("set at %d, restored at %d, queries started from %d to %d: %v", setAt, restoreAt, firstExec, lastExec, calls)
			}
			got, ok, err := s.Conf().Get(ctx, shufflePartitionsKey)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sessions == "" && ok {
				t.Errorf("after Start the session has %s = %q, want it unset as before", shufflePartitionsKey, got)
			}
			if tc.sessions != "" && got != tc.sessions {
				t.Errorf("after Start the session has %s = %q, want its own %q", shufflePartitionsKey, got, tc.sessions)
			}
		})
	}
	if _, _, err := PageViews().withDefaults(Config{Brokers: "b", ShufflePartitions: -2}); err == nil {
		t.Error("ShufflePartitions -2: no error")
	}
	if _, _, err := PageViews().withDefaults(Config{Brokers: "b", MaxOffsetsPerTrigger: -1}); err == nil {
		t.Error("MaxOffsetsPerTrigger -1: no error")
	}
}

// TestMaxOffsetsPerTrigger checks that the Kafka source gets maxOffsetsPerTrigger when the
// config sets it, and not otherwise.
func TestMaxOffsetsPerTrigger(t *testing.T) {
	for _, n := range []int64{0, 5000} {
		srv, s := serve(t)
		if _, err := PageViews().Start(testCtx(t), s, Config{Brokers: "b", MaxOffsetsPerTrigger: n}); err != nil {
			t.Fatal(err)
		}
		var with int
		for _, p := range srv.Plans() {
			if strings.Contains(p.String(), `"maxOffsetsPerTrigger": "5000"`) {
				with++
			}
		}
		// Two Kafka queries (results, quarantine) and the memory table's read the source.
		if want := map[int64]int{0: 0, 5000: 3}[n]; with != want {
			t.Errorf("MaxOffsetsPerTrigger %d: %d plans with the option, want %d", n, with, want)
		}
	}
}
