package jobs

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// writeV2 is the part of a plan's WriteOperationV2 that the batch tests look at.
type writeV2 struct {
	TableName           string            `json:"tableName"`
	Mode                string            `json:"mode"`
	TableProperties     map[string]string `json:"tableProperties"`
	PartitioningColumns []json.RawMessage `json:"partitioningColumns"`
	Input               json.RawMessage   `json:"input"`
}

func writesV2(t *testing.T, plans []connecttest.Plan) []writeV2 {
	t.Helper()
	var out []writeV2
	for i, p := range plans {
		var v struct {
			Command struct {
				WriteOperationV2 *writeV2 `json:"writeOperationV2"`
			} `json:"command"`
		}
		if err := json.Unmarshal(p.JSON(), &v); err != nil {
			t.Fatalf("plan %d: %v", i, err)
		}
		if v.Command.WriteOperationV2 == nil {
			t.Fatalf("plan %d is not a v2 write: %s", i, p.JSON())
		}
		out = append(out, *v.Command.WriteOperationV2)
	}
	return out
}

// Every batch job's plan against a table that exists: one dynamic partition overwrite.
func TestBatchGoldenPlans(t *testing.T) {
	for _, job := range BuiltinBatch().List() {
		t.Run(job.Name, func(t *testing.T) {
			srv, s := serve(t)
			run, err := job.Run(testCtx(t), s, BatchConfig{Brokers: "kafka:9092"})
			if err != nil {
				t.Fatal(err)
			}
			plans := srv.Plans()
			connecttest.CheckGolden(t, "testdata/"+job.Name+".golden.json", plans)
			w := writesV2(t, plans)
			if len(w) != 1 || w[0].Mode != "MODE_OVERWRITE_PARTITIONS" || w[0].TableName != job.Table {
				t.Errorf("writes %+v, want one overwrite of the partitions of %s", w, job.Table)
			}
			if run.Created || run.Config.Table != job.Table || run.Config.StartingOffsets != "earliest" || run.Config.EndingOffsets != "latest" ||
				run.Config.InputTopic != job.Input.Name {
				t.Errorf("run %+v", run)
			}
		})
	}
}

// The first run creates the table: the overwrite fails with TABLE_OR_VIEW_NOT_FOUND, and
// the same result is written by Create, partitioned, with the job's table property.
func TestBatchRunCreatesTable(t *testing.T) {
	srv, s := serve(t)
	job := PageViewsDaily()
	srv.FailNext("TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table cannot be found")
	run, err := job.Run(testCtx(t), s, BatchConfig{Brokers: "b:9092", InputTopic: "clicks", Table: "lake.x.daily",
		StartingOffsets: `{"clicks":{"0":5}}`, EndingOffsets: `{"clicks":{"0":10}}`})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Created {
		t.Error("run did not report creating the table")
	}
	plans := srv.Plans()
	w := writesV2(t, plans)
	if len(w) != 2 || w[0].Mode != "MODE_OVERWRITE_PARTITIONS" || w[1].Mode != "MODE_CREATE" {
		t.Fatalf("writes %+v, want an overwrite of partitions then a create", w)
	}
	if w[1].TableName != "lake.x.daily" || w[1].TableProperties[TablePropertyJob] != "pageviews_daily" || len(w[1].PartitioningColumns) != 1 ||
		!strings.Contains(string(w[1].PartitioningColumns[0]), `"day"`) {
		t.Errorf("create: %+v", w[1])
	}
	if string(w[0].Input) != string(w[1].Input) {
		t.Error("the create writes another result than the overwrite")
	}
	// The configured topic and offsets reach Kafka's batch source.
	for _, want := range []string{`"subscribe": "clicks"`, `"startingOffsets": "{\"clicks\":{\"0\":5}}"`, `"endingOffsets": "{\"clicks\":{\"0\":10}}"`, `"kafka.bootstrap.servers": "b:9092"`} {
		if !strings.Contains(string(plans[1].JSON()), want) {
			t.Errorf("the plan lacks %s", want)
		}
	}
	if strings.Contains(string(plans[1].JSON()), `"isStreaming": true`) {
		t.Error("the batch job reads a stream")
	}
}

func TestBatchRunErrors(t *testing.T) {
	broken := errors.New("broken")
	for _, tc := range []struct {
		name    string
		job     func() *BatchJob
		cfg     BatchConfig
		fail    string // a Spark error class for the first write
		wantErr string
		writes  int
	}{
		{"no brokers", PageViewsDaily, BatchConfig{}, "", "Brokers is required", 0},
		{"nil job", func() *BatchJob { return nil }, BatchConfig{Brokers: "k"}, "", "nil job or no Transform", 0},
		{"zero job", func() *BatchJob { return &BatchJob{} }, BatchConfig{Brokers: "k"}, "", "nil job or no Transform", 0},
		{"no table", func() *BatchJob { j := PageViewsDaily(); j.Table = ""; return j }, BatchConfig{Brokers: "k"}, "", "no table to write", 0},
		{"unknown param", PageViewsDaily, BatchConfig{Brokers: "k", Params: Params{"x": 1}}, "", `no parameter "x"`, 0},
		{"transform error", func() *BatchJob {
			j := PageViewsDaily()
			j.Transform = func(*connect.Session, *connect.DataFrame, Params) (*connect.DataFrame, error) { return nil, broken }
			return j
		}, BatchConfig{Brokers: "k"}, "", "job pageviews_daily: broken", 0},
		{"nil result", func() *BatchJob {
			j := PageViewsDaily()
			j.Transform = func(*connect.Session, *connect.DataFrame, Params) (*connect.DataFrame, error) { return nil, nil }
			return j
		}, BatchConfig{Brokers: "k"}, "", "Transform returned no DataFrame", 0},
		{"invalid result", func() *BatchJob {
			j := PageViewsDaily()
			j.Transform = func(_ *connect.Session, ev *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
				return ev.Select(connect.Lit(make(chan int))), nil
			}
			return j
		}, BatchConfig{Brokers: "k"}, "", "no Spark literal", 0},
		// Any other server error is the run's error: no create is tried.
		{"server error", PageViewsDaily, BatchConfig{Brokers: "k"}, "KAFKA_UNAVAILABLE", "job pageviews_daily: write lake.sparkwire.pageviews_daily", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := serve(t)
			if tc.fail != "" {
				srv.FailNext(tc.fail, "XX000", "boom")
			}
			run, err := tc.job().Run(testCtx(t), s, tc.cfg)
			if err == nil || run != nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Run = %+v, %v; want an error containing %q", run, err, tc.wantErr)
			}
			if errors.Is(err, broken) != strings.Contains(tc.wantErr, "broken") {
				t.Errorf("error %v does not wrap the job's error", err)
			}
			var se *connect.SparkError
			if (tc.fail != "") != (errors.As(err, &se) && se.ErrorClass == tc.fail) {
				t.Errorf("error %v: Spark error class", err)
			}
			if n := len(srv.Plans()); n != tc.writes {
				t.Errorf("%d plans sent, want %d", n, tc.writes)
			}
		})
	}
	// A nil session is an error, not a panic.
	if _, err := PageViewsDaily().Run(testCtx(t), nil, BatchConfig{Brokers: "k"}); err == nil {
		t.Error("Run with a nil session succeeded")
	}
	// Result alone builds the DataFrame, with the same defaults and checks.
	_, s := serve(t)
	if _, err := PageViewsDaily().Result(s, BatchConfig{}); err == nil {
		t.Error("Result without brokers")
	}
	df, err := PageViewsDaily().Result(s, BatchConfig{Brokers: "k"})
	if err != nil || df.Err() != nil {
		t.Errorf("Result: %v", err)
	}
}

func TestBatchRegistry(t *testing.T) {
	job := func(name string) *BatchJob { j := PageViewsDaily(); j.Name = name; return j }
	for _, tc := range []struct {
		name string
		jobs []*BatchJob
		want string
	}{
		{"bad name", []*BatchJob{job("Daily")}, "lower case"},
		{"twice", []*BatchJob{job("a"), job("a")}, "registered twice"},
		{"nil", []*BatchJob{nil}, "nil batch job"},
		{"no transform", []*BatchJob{func() *BatchJob { j := job("a"); j.Transform = nil; return j }()}, "no Transform"},
		{"empty partition column", []*BatchJob{func() *BatchJob { j := job("a"); j.PartitionedBy = []string{""}; return j }()}, "empty partition column"},
	} {
		if _, err := NewBatchRegistry(tc.jobs...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	r := BuiltinBatch()
	if _, err := r.Get("nope"); !errors.Is(err, ErrUnknownJob) || !strings.Contains(err.Error(), "pageviews_daily") {
		t.Errorf("Get unknown: %v", err)
	}
	if j, err := r.Get("pageviews_daily"); err != nil || j.Name != "pageviews_daily" {
		t.Errorf("Get: %v, %v", j, err)
	}
	names := []string{}
	for _, j := range r.List() {
		names = append(names, j.Name)
	}
	if !slices.Equal(names, []string{"pageviews_daily"}) {
		t.Errorf("List: %v", names)
	}
	// Batch and streaming job names do not collide: the CLI looks a name up in both.
	for _, j := range r.List() {
		if _, err := Builtin().Get(j.Name); err == nil {
			t.Errorf("%s is both a streaming and a batch job", j.Name)
		}
	}
}
