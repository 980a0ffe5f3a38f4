package wire

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// versionProbes returns the AnalyzePlan requests that ask for the Spark version.
func versionProbes(srv *fakeserver.Server) int {
	n := 0
	for _, r := range srv.AnalyzeRequests() {
		if r.GetSparkVersion() != nil {
			n++
		}
	}
	return n
}

// While a call is in flight and the server says nothing, the client probes it every probe
// interval (and counts the answers); with nothing in flight, or once the call ended, it does
// not.
func TestProbeWhileCallSilent(t *testing.T) {
	srv := fakeserver.New()
	conn, err := grpc.NewClient("localhost:15002",
		append(srv.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	const probe = 20 * time.Millisecond
	c := New(conn, Config{SessionID: NewUUID(), UserID: "tester", ClientType: "wire-test", Probe: probe})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx, false)
		conn.Close()
		srv.Close()
	})
	time.Sleep(10 * probe)
	if n := versionProbes(srv); n != 0 {
		t.Fatalf("%d probes with nothing in flight", n)
	}
	started := make(chan struct{})
	srv.OnExecute(func(ctx context.Context, _ *sparkpb.ExecutePlanRequest, _ *fakeserver.Operation) error {
		close(started)
		<-ctx.Done() // silent until interrupted, as a listener-bus stream waiting for events
		return ctx.Err()
	})
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	<-started
	waitFor(t, "three probes", func() bool { return versionProbes(srv) >= 3 && c.Stats().Probes >= 3 })
	e.Close()
	time.Sleep(2 * probe) // a probe under way may still land
	n := versionProbes(srv)
	time.Sleep(10 * probe)
	if m := versionProbes(srv); m != n {
		t.Fatalf("%d more probes after the call ended", m-n)
	}
	req := srv.AnalyzeRequests()[0]
	if req.GetSessionId() != c.SessionID() || req.GetUserContext().GetUserId() != "tester" {
		t.Errorf("probe %v", req)
	}
}

// Stats count retries and reattaches of an execution whose stream breaks.
func TestStatsCountRetriesAndReattaches(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 5)
	srv.CutStreams(2, 1, status.Error(codes.Unavailable, "connection reset"))
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for {
		if _, err := e.Recv(); err != nil {
			break
		}
	}
	if st := c.Stats(); st.Retries != 2 || st.Reattaches != 2 || e.Reattaches() != 2 {
		t.Fatalf("stats %+v, execution reattaches %d; want 2 retries and 2 reattaches", st, e.Reattaches())
	}
}

// An ExecutePlan that cannot be sent (nothing listens: the server is down or restarting) is
// sent again under the retry policy, as a broken result stream is, instead of failing at
// once.
func TestExecuteRetriesWhenServerDown(t *testing.T) {
	conn, err := grpc.NewClient(closedAddr(t), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := New(conn, Config{SessionID: NewUUID(), ClientType: "wire-test",
		Retry: RetryPolicy{MaxRetries: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	defer c.Close(context.Background(), false)
	_, err = c.Execute(testCtx(t), rootPlan())
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("err %v, want Unavailable", err)
	}
	if st := c.Stats(); st.Retries != 3 {
		t.Fatalf("stats %+v, want 3 retries", st)
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// A quiet operation (a listener bus waiting for events) whose streams the server keeps
// ending empty after its stream duration limit goes on, however often that happens; only
// streams that end empty at once count towards giving up.
func TestQuietStreamsEndingEmptyGoOn(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	c.quietStream = 5 * time.Millisecond
	results(srv, 3)
	var mu sync.Mutex
	quiet := 0
	srv.OnReattach(func(ctx context.Context, _ *sparkpb.ReattachExecuteRequest, _ func(*sparkpb.ExecutePlanResponse) error) error {
		mu.Lock()
		defer mu.Unlock()
		if quiet < 3*maxEmptyEnds {
			quiet++
			time.Sleep(10 * time.Millisecond) // open a while, then ended by the server, empty
			return nil
		}
		return fakeserver.ErrUseDefault
	})
	srv.CutStreams(1, 0, nil)
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	n, err := drain(t, e)
	if err != nil || len(n) != 3 || n[0] != 0 || n[2] != 2 {
		t.Fatalf("got %v, err %v after %d quiet streams", n, err, quiet)
	}
}
