package jobs

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
)

func noop(*connect.Session, *connect.DataFrame, Params) (*connect.DataFrame, error) { return nil, nil }

func job(name string, outputs ...Output) *Job {
	return &Job{Name: name, Transform: noop, Key: "k", Outputs: outputs}
}

func TestNewRegistryValidates(t *testing.T) {
	out := func(name string) Output { return Output{Name: name, Key: "k", Build: noop} }
	noTransform := job("a")
	noTransform.Transform = nil
	for _, tc := range []struct {
		name    string
		jobs    []*Job
		wantErr string
	}{
		{"empty name", []*Job{job("")}, `job name ""`},
		{"upper case", []*Job{job("PageViews")}, `job name "PageViews"`},
		{"dash", []*Job{job("page-views")}, `job name "page-views"`},
		{"space", []*Job{job("page views")}, `job name "page views"`},
		{"dot", []*Job{job("a.b")}, `job name "a.b"`},
		{"duplicate", []*Job{job("a"), job("b"), job("a")}, `job "a" registered twice`},
		{"nil job", []*Job{job("a"), nil}, "a nil job"},
		{"no transform", []*Job{noTransform}, `job "a" has no Transform`},
		{"output empty name", []*Job{job("a", out(""))}, `output name ""`},
		{"output upper case", []*Job{job("a", out("Alerts"))}, `output name "Alerts"`},
		{"output out", []*Job{job("a", out("out"))}, `output name "out"`},
		{"output kafka", []*Job{job("a", out("kafka"))}, `output name "kafka"`},
		{"output quarantine", []*Job{job("a", out("quarantine"))}, `output name "quarantine"`},
		{"output twice", []*Job{job("a", out("x"), out("y"), out("x"))}, `job "a" has two outputs named "x"`},
		{"output without Build", []*Job{job("a", Output{Name: "x", Key: "k"})}, `output "x" needs a Build function and a Key`},
		{"output without Key", []*Job{job("a", Output{Name: "x", Build: noop})}, `output "x" needs a Build function and a Key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRegistry(tc.jobs...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || r != nil {
				t.Fatalf("NewRegistry = %v, %v; want an error containing %q", r, err, tc.wantErr)
			}
		})
	}
	// Names of lower case letters, digits and underscores are fine, and so are outputs with
	// reserved words inside their names.
	if _, err := NewRegistry(job("a_1", out("out_2"), out("kafka_x")), job("9")); err != nil {
		t.Fatal(err)
	}
	if r, err := NewRegistry(); err != nil || len(r.List()) != 0 {
		t.Fatalf("empty registry: %v, %v", r, err)
	}
}

func TestRegistry(t *testing.T) {
	a, b := job("a"), job("b")
	in := []*Job{a, b}
	r, err := NewRegistry(in...)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = job("c") // the registry keeps its own list
	if got := r.List(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("List = %v", got)
	}
	r.List()[0] = nil // and hands out copies
	if got, err := r.Get("a"); err != nil || got != a {
		t.Fatalf("Get(a) = %v, %v", got, err)
	}
	got, err := r.Get("c")
	if !errors.Is(err, ErrUnknownJob) || got != nil || !strings.Contains(err.Error(), `"c" (known: a, b)`) {
		t.Fatalf("Get(c) = %v, %v", got, err)
	}
}

func TestBuiltin(t *testing.T) {
	var names []string
	for _, j := range Builtin().List() {
		names = append(names, j.Name)
		if j.Description == "" || j.Key == "" || j.Input.Name == "" || len(j.Input.Fields) == 0 {
			t.Errorf("job %s is incomplete: %+v", j.Name, j)
		}
		if j.Mode != connect.Append && j.Mode != connect.Update {
			t.Errorf("job %s: mode %q", j.Name, j.Mode)
		}
	}
	if want := []string{"pageviews", "sessions", "iot_alerts", "payments_fraud"}; !slices.Equal(names, want) {
		t.Fatalf("built-in jobs %v, want %v", names, want)
	}
}

func TestConfigDefaults(t *testing.T) {
	j := IoTAlerts()
	defaults := maps.Clone(j.Defaults)
	c, p, err := j.withDefaults(Config{Brokers: "kafka:9092"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Brokers: "kafka:9092", InputTopic: "iot", OutputTopic: "iot_alerts_out", QuarantineTopic: "iot_alerts_quarantine",
		OutputTopics: map[string]string{"alerts": "iot_alerts_alerts"}, Name: "iot_alerts",
		CheckpointDir: "/tmp/sparkwire/checkpoints/iot_alerts", StartingOffsets: "earliest",
	}
	if !configEqual(c, want) {
		t.Errorf("config\n%+v\nwant\n%+v", c, want)
	}
	if !maps.Equal(p, defaults) {
		t.Errorf("params %v, want the defaults %v", p, defaults)
	}

	// A name names everything that has no name of its own; set fields stay.
	trigger := connect.AvailableNow()
	in := Config{
		Brokers: "b", Name: "run2", OutputTopic: "results", OutputTopics: map[string]string{"alerts": "hot"},
		StartingOffsets: "latest", Trigger: &trigger, NoMemorySink: true,
		Params: Params{"max_pressure": 1000},
	}
	c, p, err = j.withDefaults(in)
	if err != nil {
		t.Fatal(err)
	}
	want = Config{
		Brokers: "b", InputTopic: "iot", OutputTopic: "results", QuarantineTopic: "run2_quarantine",
		OutputTopics: map[string]string{"alerts": "hot"}, Name: "run2", Trigger: &trigger,
		CheckpointDir: "/tmp/sparkwire/checkpoints/run2", StartingOffsets: "latest", NoMemorySink: true,
		Params: Params{"max_pressure": 1000},
	}
	if !configEqual(c, want) {
		t.Errorf("config\n%+v\nwant\n%+v", c, want)
	}
	wantP := maps.Clone(defaults)
	wantP["max_pressure"] = 1000
	if !maps.Equal(p, wantP) {
		t.Errorf("params %v, want %v", p, wantP)
	}
	if !maps.Equal(j.Defaults, defaults) || !maps.Equal(in.OutputTopics, map[string]string{"alerts": "hot"}) {
		t.Errorf("withDefaults changed the job's defaults %v or the caller's topics %v", j.Defaults, in.OutputTopics)
	}

	// A job without outputs or parameters.
	c, p, err = PageViews().withDefaults(Config{Brokers: "b", CheckpointDir: "/chk", InputTopic: "clicks", QuarantineTopic: "q"})
	if err != nil || c.InputTopic != "clicks" || c.CheckpointDir != "/chk" || c.QuarantineTopic != "q" || len(c.OutputTopics) != 0 || len(p) != 0 {
		t.Errorf("pageviews: %+v %v %v", c, p, err)
	}

	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no brokers", Config{}, "Brokers is required"},
		{"unknown param", Config{Brokers: "b", Params: Params{"max_temperature": 30, "max_speed": 1}}, `job iot_alerts has no parameter "max_speed"`},
		{"unknown output", Config{Brokers: "b", OutputTopics: map[string]string{"spikes": "x"}}, `job iot_alerts has no output "spikes"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := j.withDefaults(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func configEqual(a, b Config) bool {
	return a.Brokers == b.Brokers && a.InputTopic == b.InputTopic && a.OutputTopic == b.OutputTopic &&
		a.QuarantineTopic == b.QuarantineTopic && maps.Equal(a.OutputTopics, b.OutputTopics) && a.Name == b.Name &&
		a.Trigger == b.Trigger && a.CheckpointDir == b.CheckpointDir && a.StartingOffsets == b.StartingOffsets &&
		maps.Equal(a.Params, b.Params) && a.NoMemorySink == b.NoMemorySink
}

func TestRunQueriesOrder(t *testing.T) {
	q := func() *connect.StreamingQuery { return &connect.StreamingQuery{} }
	results, memory, quarantine := q(), q(), q()
	xk, xm, yk, ym := q(), q(), q(), q()
	j := job("a", Output{Name: "x"}, Output{Name: "y"}, Output{Name: "z"})
	run := &Run{Job: j, Results: results, Memory: memory, Quarantine: quarantine, Outputs: map[string]*OutputRun{
		"y":     {Results: yk, Memory: ym},
		"x":     {Results: xk, Memory: xm},
		"other": {Results: q()}, // not an output of the job
	}}
	// Results, memory table, quarantine, then the outputs in the job's order.
	if got, want := run.Queries(), []*connect.StreamingQuery{results, memory, quarantine, xk, xm, yk, ym}; !slices.Equal(got, want) {
		t.Errorf("Queries = %p, want %p", got, want)
	}
	// Missing queries (no memory sink, a run that failed half-way) are left out.
	run = &Run{Job: j, Results: results, Quarantine: quarantine, Outputs: map[string]*OutputRun{"y": {Results: yk}, "x": {}}}
	if got, want := run.Queries(), []*connect.StreamingQuery{results, quarantine, yk}; !slices.Equal(got, want) {
		t.Errorf("Queries = %p, want %p", got, want)
	}
	if got := (&Run{Job: j}).Queries(); len(got) != 0 {
		t.Errorf("Queries of an empty run = %v", got)
	}
}
