package jobs

// These tests start every job against connecttest's in-memory Spark Connect server and
// compare the plans it received with golden files in testdata. Regenerate them with
// SPARKWIRE_UPDATE_GOLDEN=1 go test ./jobs/, then read the diff: a golden file is the
// job's query as Spark gets it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serve starts a server and dials a session on it; the session closes before the server.
func serve(t *testing.T) (*connecttest.Server, *connect.Session) {
	t.Helper()
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s, err := srv.Dial(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return srv, s
}

// planJSON decodes a plan's JSON for tests that look at a few of its fields.
type planJSON struct {
	Command struct {
		WriteStreamOperationStart *struct {
			Format                 string            `json:"format"`
			Options                map[string]string `json:"options"`
			OutputMode             string            `json:"outputMode"`
			QueryName              string            `json:"queryName"`
			AvailableNow           bool              `json:"availableNow"`
			ProcessingTimeInterval string            `json:"processingTimeInterval"`
		} `json:"writeStreamOperationStart"`
		StreamingQueryCommand *struct {
			QueryID struct {
				ID string `json:"id"`
			} `json:"queryId"`
			Stop                bool            `json:"stop"`
			ProcessAllAvailable bool            `json:"processAllAvailable"`
			AwaitTermination    json.RawMessage `json:"awaitTermination"`
			Exception           bool            `json:"exception"`
		} `json:"streamingQueryCommand"`
	} `json:"command"`
}

func decodePlans(t *testing.T, plans []connecttest.Plan) []planJSON {
	t.Helper()
	out := make([]planJSON, len(plans))
	for i, p := range plans {
		if err := json.Unmarshal(p.JSON(), &out[i]); err != nil {
			t.Fatalf("plan %d: %v", i, err)
		}
	}
	return out
}

// starts returns the streaming queries started, as query names.
func starts(t *testing.T, plans []connecttest.Plan) []string {
	t.Helper()
	var names []string
	for _, p := range decodePlans(t, plans) {
		if w := p.Command.WriteStreamOperationStart; w != nil {
			names = append(names, w.QueryName)
		}
	}
	return names
}

// queryCommand names a streaming query command ("stop", "processAllAvailable",
// "awaitTermination", "exception") and the query it is for.
type queryCommand struct{ kind, query string }

func queryCommands(t *testing.T, plans []connecttest.Plan) []queryCommand {
	t.Helper()
	var out []queryCommand
	for _, p := range decodePlans(t, plans) {
		c := p.Command.StreamingQueryCommand
		if c == nil {
			continue
		}
		kind := "other"
		switch {
		case c.Stop:
			kind = "stop"
		case c.ProcessAllAvailable:
			kind = "processAllAvailable"
		case c.AwaitTermination != nil:
			kind = "awaitTermination"
		case c.Exception:
			kind = "exception"
		}
		out = append(out, queryCommand{kind, c.QueryID.ID})
	}
	return out
}

func TestGoldenPlans(t *testing.T) {
	for _, job := range Builtin().List() {
		t.Run(job.Name, func(t *testing.T) {
			srv, s := serve(t)
			ctx := testCtx(t)
			run, err := job.Start(ctx, s, Config{Brokers: "kafka:9092"})
			if err != nil {
				t.Fatal(err)
			}
			plans := srv.Plans()
			connecttest.CheckGolden(t, "testdata/"+job.Name+".golden.json", plans)

			// Every plan starts a query, one per query of the run, and the server runs them.
			if n := len(starts(t, plans)); n != len(plans) || n != len(run.Queries()) {
				t.Errorf("%d plans, %d query starts, %d queries in the run", len(plans), n, len(run.Queries()))
			}
			var ids []string
			for _, q := range run.Queries() {
				ids = append(ids, q.ID())
			}
			active := srv.ActiveQueries()
			slices.Sort(ids)
			slices.Sort(active)
			if !slices.Equal(ids, active) {
				t.Errorf("active queries %v, the run's %v", active, ids)
			}
			if err := run.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if a := srv.ActiveQueries(); len(a) != 0 {
				t.Errorf("queries still active after Stop: %v", a)
			}
		})
	}
}

// TestGoldenPlansConfigured records one job with every Config field set: names, topics,
// a trigger, parameters, and no memory sink.
func TestGoldenPlansConfigured(t *testing.T) {
	srv, s := serve(t)
	ctx := testCtx(t)
	trigger := connect.ProcessingTime(30 * time.Second)
	run, err := PaymentsFraud().Start(ctx, s, Config{
		Brokers:         "b1:9092,b2:9092",
		InputTopic:      "tx",
		OutputTopic:     "alerts",
		QuarantineTopic: "bad_tx",
		OutputTopics:    map[string]string{"spikes": "big_tx"},
		Name:            "fraud2",
		Trigger:         &trigger,
		CheckpointDir:   "/chk/fraud2",
		StartingOffsets: "latest",
		Params:          Params{"max_transactions": 5},
		NoMemorySink:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	plans := srv.Plans()
	connecttest.CheckGolden(t, "testdata/payments_fraud_configured.golden.json", plans)

	if got, want := starts(t, plans), []string{"fraud2_kafka", "fraud2_quarantine", "fraud2_spikes_kafka"}; !slices.Equal(got, want) {
		t.Errorf("started %v, want %v", got, want)
	}
	for i, p := range decodePlans(t, plans) {
		w := p.Command.WriteStreamOperationStart
		if w.ProcessingTimeInterval != "30000 milliseconds" {
			t.Errorf("plan %d: trigger %q", i, w.ProcessingTimeInterval)
		}
		if w.Options["kafka.bootstrap.servers"] != "b1:9092,b2:9092" || !strings.HasPrefix(w.Options["checkpointLocation"], "/chk/fraud2/") {
			t.Errorf("plan %d: options %v", i, w.Options)
		}
	}
	if run.Memory != nil || run.Outputs["spikes"].Memory != nil || run.Outputs["spikes"].Table != "" || run.Outputs["spikes"].Topic != "big_tx" {
		t.Errorf("run %+v, spikes %+v", run, run.Outputs["spikes"])
	}
	if err := run.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenDetectsChange(t *testing.T) {
	// A golden file of PageViews with a 3-minute watermark no longer matches the job, and
	// the failure shows the changed line.
	srv, s := serve(t)
	if _, err := PageViews().Start(testCtx(t), s, Config{Brokers: "kafka:9092"}); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/pageviews.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	const was, now = `"delayThreshold": "2 minutes"`, `"delayThreshold": "3 minutes"`
	if n := strings.Count(string(golden), was); n != 2 { // the results' query and the memory table's
		t.Fatalf("%d watermarks of 2 minutes in the golden file, want 2", n)
	}
	changed := filepath.Join(t.TempDir(), "pageviews.golden.json")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(golden), was, now, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(connecttest.UpdateGoldenEnv, "") // compare, even when the golden files are being updated
	r := &recorder{TB: t}
	connecttest.CheckGolden(r, changed, srv.Plans())
	if len(r.errors) != 1 {
		t.Fatalf("%d differences reported, want 1:\n%s", len(r.errors), strings.Join(r.errors, "\n"))
	}
	d := r.errors[0]
	if !strings.Contains(d, "plan 0 differs (-golden +executed)") ||
		!regexp.MustCompile(`(?m)^- +`+regexp.QuoteMeta(now)+`$`).MatchString(d) ||
		!regexp.MustCompile(`(?m)^\+ +`+regexp.QuoteMeta(was)+`$`).MatchString(d) {
		t.Errorf("diff does not show the change:\n%s", d)
	}
	if lines := strings.Count(d, "\n"); lines > 20 {
		t.Errorf("a one-line change makes a diff of %d lines:\n%s", lines, d)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() {}

func TestRunCommands(t *testing.T) {
	srv, s := serve(t)
	ctx := testCtx(t)
	run, err := IoTAlerts().Start(ctx, s, Config{Brokers: "kafka:9092"})
	if err != nil {
		t.Fatal(err)
	}
	qs := run.Queries()
	if len(qs) != 5 {
		t.Fatalf("%d queries", len(qs))
	}
	check := func(op string, do func(context.Context) error, kinds ...string) {
		t.Helper()
		before := len(srv.Plans())
		if err := do(ctx); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		var want []queryCommand
		for _, q := range qs {
			for _, k := range kinds {
				want = append(want, queryCommand{k, q.ID()})
			}
		}
		if got := queryCommands(t, srv.Plans()[before:]); !slices.Equal(got, want) {
			t.Errorf("%s sent %v, want %v", op, got, want)
		}
	}
	check("ProcessAllAvailable", run.ProcessAllAvailable, "processAllAvailable")
	// The fake reports every query terminated; the client then asks for its exception.
	check("AwaitTermination", run.AwaitTermination, "awaitTermination", "exception")
	if len(srv.ActiveQueries()) != 5 {
		t.Fatalf("active queries %v before Stop", srv.ActiveQueries())
	}
	check("Stop", run.Stop, "stop")
	if a := srv.ActiveQueries(); len(a) != 0 {
		t.Fatalf("active queries %v after Stop", a)
	}
}

func TestRunCommandErrors(t *testing.T) {
	srv, s := serve(t)
	ctx := testCtx(t)
	run, err := PageViews().Start(ctx, s, Config{Brokers: "kafka:9092"})
	if err != nil {
		t.Fatal(err)
	}
	first := run.Queries()[0].Name()
	if first != "pageviews_kafka" {
		t.Fatalf("first query %q", first)
	}
	var se *connect.SparkError
	srv.FailNext("STREAM_FAILED", "XXKST", "boom")
	err = run.ProcessAllAvailable(ctx)
	if !errors.As(err, &se) || se.ErrorClass != "STREAM_FAILED" || !strings.Contains(err.Error(), "job pageviews, query pageviews_kafka") {
		t.Errorf("ProcessAllAvailable: %v", err)
	}
	srv.FailNext("STREAM_FAILED", "XXKST", "boom")
	err = run.AwaitTermination(ctx)
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "job pageviews, query pageviews_kafka") {
		t.Errorf("AwaitTermination: %v", err)
	}
	// Stop goes on after a failure: the other queries stop.
	srv.FailNext("STREAM_FAILED", "XXKST", "boom")
	err = run.Stop(ctx)
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "stop pageviews_kafka") {
		t.Errorf("Stop: %v", err)
	}
	if a := srv.ActiveQueries(); len(a) != 1 || a[0] != run.Results.ID() {
		t.Errorf("active after a failed Stop: %v, want only %s", a, run.Results.ID())
	}
}

func TestStartFailsCleanly(t *testing.T) {
	broken := errors.New("broken")
	bad := func(*connect.Session, *connect.DataFrame, Params) (*connect.DataFrame, error) { return nil, broken }
	zero := connect.Trigger{}
	for _, tc := range []struct {
		name    string
		job     func() *Job
		cfg     Config
		wantErr string
		// started is how many queries start before the failure (all stopped after).
		started int
	}{
		{"no brokers", PageViews, Config{}, "Brokers is required", 0},
		{"unknown param", PageViews, Config{Brokers: "k", Params: Params{"x": 1}}, `no parameter "x"`, 0},
		{"transform error", func() *Job { j := PageViews(); j.Transform = bad; return j }, Config{Brokers: "k"}, "job pageviews: broken", 0},
		{"output build error", func() *Job {
			j := IoTAlerts()
			j.Outputs = append(j.Outputs, Output{Name: "more", Key: "k", Build: bad})
			return j
		}, Config{Brokers: "k"}, "job iot_alerts, output more: broken", 0},
		{"empty trigger", PageViews, Config{Brokers: "k", Trigger: &zero}, "start pageviews_kafka", 0},
		{"invalid output", func() *Job {
			j := PageViews()
			j.Outputs = []Output{{Name: "bad", Key: "page", Build: func(_ *connect.Session, ev *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
				return ev.Select(connect.Lit(make(chan int))), nil // an invalid DataFrame: refused before any query starts
			}}}
			return j
		}, Config{Brokers: "k"}, "job pageviews, output bad: spark connect: no Spark literal", 0},
		{"nil output", func() *Job {
			j := PageViews()
			j.Outputs = []Output{{Name: "bad", Key: "page", Build: func(*connect.Session, *connect.DataFrame, Params) (*connect.DataFrame, error) {
				return nil, nil
			}}}
			return j
		}, Config{Brokers: "k"}, "job pageviews, output bad: ", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := serve(t)
			run, err := tc.job().Start(testCtx(t), s, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || run != nil {
				t.Fatalf("Start = %v, %v; want an error containing %q", run, err, tc.wantErr)
			}
			if errors.Is(err, broken) != strings.Contains(tc.wantErr, "broken") {
				t.Errorf("error %v does not wrap the job's error", err)
			}
			plans := srv.Plans()
			if n := len(starts(t, plans)); n != tc.started {
				t.Errorf("%d queries started, want %d", n, tc.started)
			}
			stops := 0
			for _, c := range queryCommands(t, plans) {
				if c.kind == "stop" {
					stops++
				}
			}
			if stops != tc.started {
				t.Errorf("%d queries stopped, want %d", stops, tc.started)
			}
			if a := srv.ActiveQueries(); len(a) != 0 {
				t.Errorf("queries left running: %v", a)
			}
		})
	}
}

func TestStartServerError(t *testing.T) {
	srv, s := serve(t)
	srv.FailNext("KAFKA_UNAVAILABLE", "XX000", "no brokers")
	_, err := PageViews().Start(testCtx(t), s, Config{Brokers: "k"})
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "KAFKA_UNAVAILABLE" || !strings.Contains(err.Error(), "job pageviews: start pageviews_kafka") {
		t.Fatalf("Start: %v", err)
	}
	if a := srv.ActiveQueries(); len(a) != 0 {
		t.Errorf("queries left running: %v", a)
	}
}

// TestStartFailsHalfway fails each query start of a job in turn, as the server would refuse
// it: Start returns the error and stops the queries it started.
func TestStartFailsHalfway(t *testing.T) {
	names := []string{"iot_alerts_kafka", "iot_alerts_quarantine", "iot_alerts", "iot_alerts_alerts_kafka", "iot_alerts_alerts"}
	for n, name := range names {
		t.Run(name, func(t *testing.T) {
			srv := connecttest.NewServer()
			t.Cleanup(srv.Close)
			var mu sync.Mutex
			calls := 0
			failNth := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				if strings.HasSuffix(method, "/ExecutePlan") {
					mu.Lock()
					calls++
					fail := calls == n+1
					mu.Unlock()
					if fail {
						return nil, status.Error(codes.FailedPrecondition, "refused")
					}
				}
				return streamer(ctx, desc, cc, method, opts...)
			}
			ctx := testCtx(t)
			s, err := srv.Dial(ctx, connect.WithDialOptions(grpc.WithChainStreamInterceptor(failNth)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(context.Background()) })

			run, err := IoTAlerts().Start(ctx, s, Config{Brokers: "kafka:9092"})
			if err == nil || run != nil || !strings.Contains(err.Error(), "job iot_alerts: start "+name+": ") || !strings.Contains(err.Error(), "refused") {
				t.Fatalf("Start = %v, %v", run, err)
			}
			plans := srv.Plans()
			if got := starts(t, plans); !slices.Equal(got, names[:n]) {
				t.Errorf("started %v, want %v", got, names[:n])
			}
			stops := 0
			for _, c := range queryCommands(t, plans) {
				if c.kind == "stop" {
					stops++
				}
			}
			if stops != n {
				t.Errorf("%d queries stopped, want %d", stops, n)
			}
			if a := srv.ActiveQueries(); len(a) != 0 {
				t.Errorf("queries left running: %v", a)
			}
		})
	}
}
