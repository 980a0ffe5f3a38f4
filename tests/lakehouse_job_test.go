package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// dailyRow is a row of the pageviews_daily table.
type dailyRow struct {
	Day   time.Time `spark:"day"`
	Page  string    `spark:"page"`
	Views int64     `spark:"views"`
	Users int64     `spark:"users"`
}

// readDaily reads the pageviews_daily table into a map, failing on a duplicate key.
func readDaily(t *testing.T, ctx context.Context, s *connect.Session, table string) map[DailyPageKey]DailyPageViews {
	t.Helper()
	rows, err := connect.CollectAs[dailyRow](ctx, s.Table(table))
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	out := map[DailyPageKey]DailyPageViews{}
	for _, r := range rows {
		k := DailyPageKey{Day: r.Day.UTC(), Page: r.Page}
		if _, dup := out[k]; dup {
			t.Errorf("%s holds %v twice", table, k)
		}
		out[k] = DailyPageViews{Views: r.Views, Users: r.Users}
	}
	return out
}

// checkDaily compares the table with the expected rollup, key by key.
func checkDaily(t *testing.T, what string, got, want map[DailyPageKey]DailyPageViews) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %s %s: got %+v (present %v), want %+v", what, k.Day.Format(time.DateOnly), k.Page, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected row %s %s %+v", what, k.Day.Format(time.DateOnly), k.Page, g)
		}
	}
}

// days returns the distinct days of a rollup, sorted.
func days(m map[DailyPageKey]DailyPageViews) []time.Time {
	var out []time.Time
	for k := range m {
		if !slices.ContainsFunc(out, k.Day.Equal) {
			out = append(out, k.Day)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// The nightly rollup job, pageviews_daily, against real Kafka and the Iceberg catalog:
// its table equals the rollup computed in Go from the events produced (late and malformed
// ones included); a rerun leaves the table as it is (nothing counted twice); a run over
// only the events produced since (Kafka offsets) adds their days and keeps the earlier
// ones; a full rerun then still gives the rollup of all events.
func TestLakeJobPageViewsDaily(t *testing.T) {
	ctx := testCtx(t, 8*time.Minute)
	s, _ := session(t, ctx)
	ns := lhNamespace(t, s)
	table := lhTable(t, s, ns, "pageviews_daily")
	topic := newTopic(t, ctx, 2)
	gen := func() producers.Generator { return producers.NewClickstream(40) }

	// Two and a bit days of events, 2 minutes apart, 5% late by up to 30 minutes, 2%
	// malformed.
	first, m1 := jobInput(t, ctx, topic, gen, 1500,
		producers.WithSeed(11), producers.WithStart(time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)),
		producers.WithInterval(2*time.Minute), producers.WithLateness(0.05, 30*time.Minute), producers.WithMalformed(0.02))
	if m1.Malformed == 0 || m1.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v", m1)
	}
	want1, err := ExpectedPageViewsDaily(first)
	if err != nil {
		t.Fatal(err)
	}
	if d := days(want1); len(d) < 3 {
		t.Fatalf("the first events span %d days, want 3 or more", len(d))
	}

	job := jobs.PageViewsDaily()
	cfg := jobs.BatchConfig{Brokers: env.SparkBrokers(), InputTopic: topic, Table: table}
	run, err := job.Run(ctx, s, cfg)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if !run.Created {
		t.Error("the first run did not create the table")
	}
	checkDaily(t, "first run", readDaily(t, ctx, s, table), want1)
	lhCheckProperties(t, ctx, s, "first run", table, map[string]string{jobs.TablePropertyJob: job.Name})
	lhCheckPartitioning(t, ctx, s, "first run", table, "day")

	// A rerun over the same events: the same table, not twice the views.
	if run, err = job.Run(ctx, s, cfg); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if run.Created {
		t.Error("the rerun created the table again")
	}
	checkDaily(t, "rerun", readDaily(t, ctx, s, table), want1)

	// Later events, on later days, and a run over them only (from the end offsets of the
	// first events): their days are added, the earlier ones kept.
	ends, err := kadmEnds(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	offsets := map[string]map[string]int64{topic: {}}
	for p, o := range ends {
		offsets[topic][jsonPartition(p)] = o
	}
	starting, err := json.Marshal(offsets)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := jobInput(t, ctx, topic, gen, 600,
		producers.WithSeed(12), producers.WithStart(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)),
		producers.WithInterval(3*time.Minute), producers.WithLateness(0.05, 30*time.Minute), producers.WithMalformed(0.02))
	want2, err := ExpectedPageViewsDaily(second)
	if err != nil {
		t.Fatal(err)
	}
	if d1, d2 := days(want1), days(want2); !d1[len(d1)-1].Before(d2[0]) {
		t.Fatalf("test data: the later events' days %v overlap the first ones' %v", d2, d1)
	}
	incremental := cfg
	incremental.StartingOffsets = string(starting)
	if _, err := job.Run(ctx, s, incremental); err != nil {
		t.Fatalf("run over the later events: %v", err)
	}
	wantAll := maps.Clone(want1)
	maps.Copy(wantAll, want2)
	checkDaily(t, "run over the later events", readDaily(t, ctx, s, table), wantAll)

	// A full rerun over everything: still each day once.
	if _, err := job.Run(ctx, s, cfg); err != nil {
		t.Fatalf("full rerun: %v", err)
	}
	all, err := ExpectedPageViewsDaily(append(slices.Clone(first), second...))
	if err != nil {
		t.Fatal(err)
	}
	checkDaily(t, "full rerun", readDaily(t, ctx, s, table), all)
	var views int64
	for _, v := range all {
		views += v.Views
	}
	t.Logf("%d + %d events -> %d (day, page) rows over %d days, %d views", len(first), len(second), len(all), len(days(all)), views)
}

// jsonPartition is a partition number as the Kafka source's offsets JSON writes it.
func jsonPartition(p int32) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// The CLI runs the batch job: 'sparkwire submit pageviews_daily' twice over a topic that
// 'sparkwire produce' filled leaves the rollup of the topic's records, read back from
// Kafka here, in the table.
func TestLakeJobPageViewsDailyCLI(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	run := sparkwireCLI(t)
	table := lhTable(t, s, lhNamespace(t, s), "daily_cli")
	topic := newTopic(t, ctx, 2)
	if out, errOut, code := run(ctx, "produce", "--domain", "clickstream", "--topic", topic, "--count", "2000", "--seed", "5", "--interval", "2m"); code != 0 {
		t.Fatalf("produce: %d %s %s", code, out, errOut)
	}
	want := map[DailyPageKey]DailyPageViews{}
	users := map[DailyPageKey]map[string]bool{}
	for _, rec := range consumeAll(t, ctx, topic) {
		var e struct {
			EventTime time.Time `json:"event_time"`
			EventType string    `json:"event_type"`
			Page      string    `json:"page"`
			UserID    string    `json:"user_id"`
		}
		if err := json.Unmarshal(rec.Value, &e); err != nil {
			t.Fatalf("record %s: %v", rec.Value, err)
		}
		if e.EventType != "page_view" {
			continue
		}
		k := DailyPageKey{Day: e.EventTime.UTC().Truncate(24 * time.Hour), Page: e.Page}
		if users[k] == nil {
			users[k] = map[string]bool{}
		}
		users[k][e.UserID] = true
		want[k] = DailyPageViews{Views: want[k].Views + 1, Users: int64(len(users[k]))}
	}
	if len(days(want)) < 2 {
		t.Fatalf("the records span %d days, want 2 or more", len(days(want)))
	}
	for i, verb := range []string{"created", "replaced the partitions it has rows for in"} {
		out, errOut, code := run(ctx, "submit", "pageviews_daily", "--input", topic, "--table", table)
		if code != 0 || !strings.HasPrefix(out, "pageviews_daily "+verb+" "+table+" (input "+topic+", offsets earliest to latest) in ") {
			t.Fatalf("submit %d: %d\n%s\n%s", i+1, code, out, errOut)
		}
		checkDaily(t, fmt.Sprintf("after submit %d", i+1), readDaily(t, ctx, s, table), want)
	}
}
