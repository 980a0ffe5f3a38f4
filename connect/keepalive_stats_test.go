package connect

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestKeepaliveSettings(t *testing.T) {
	d := DefaultKeepalive()
	if d.Time != 10*time.Second || d.Timeout != 10*time.Second || d.probe() != 5*time.Second || d.dialOption() == nil {
		t.Errorf("default %+v, probe %s", d, d.probe())
	}
	off := Keepalive{}
	if off.dialOption() != nil || off.probe() != 0 {
		t.Error("Keepalive{} still pings or probes")
	}
	if (Keepalive{Time: time.Minute}).dialOption() == nil {
		t.Error("a Time without a Timeout turned keepalive off")
	}
	c := newConfig(&ConnectionString{}, []Option{WithKeepalive(off)})
	if c.keepalive != off {
		t.Errorf("WithKeepalive: %+v", c.keepalive)
	}
	if c := newConfig(&ConnectionString{}, nil); c.keepalive != d {
		t.Errorf("default config keepalive %+v", c.keepalive)
	}
}

// A session's stats count the retries and reattaches of a result whose stream broke twice,
// and the reader counts its own reattaches; nil and zero values count nothing.
func TestSessionStats(t *testing.T) {
	srv, s := dialGolden(t)
	if st := s.Stats(); st != (SessionStats{}) {
		t.Fatalf("fresh session stats %+v", st)
	}
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		return []arrow.RecordBatch{stringBatch("s", "a"), stringBatch("s", "b"), stringBatch("s", "c")}, nil
	})
	srv.CutStreams(2, 1, status.Error(codes.Unavailable, "connection reset"))
	rr, err := s.Range(0, 3, 1).Collect(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Retries != 2 || st.Reattaches != 2 || rr.Reattaches() != 2 {
		t.Fatalf("stats %+v, reader reattaches %d; want 2 and 2", st, rr.Reattaches())
	}
	var nilSession *Session
	var zero Session
	var nilReader *RecordReader
	if nilSession.Stats() != (SessionStats{}) || zero.Stats() != (SessionStats{}) || nilReader.Reattaches() != 0 {
		t.Error("nil or zero values have stats")
	}
}
