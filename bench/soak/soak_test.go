package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/producers"
)

const statusText = `Name:	sparkwire
Umask:	0022
State:	S (sleeping)
Pid:	4242
VmPeak:	 1283736 kB
VmSize:	 1283736 kB
VmHWM:	   31840 kB
VmRSS:	   27412 kB
RssAnon:	   12000 kB
Threads:	9
`

func TestParseStatus(t *testing.T) {
	m, err := parseStatus(strings.NewReader(statusText))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sparkwire" || m.RSS != 27412*1024 || m.HWM != 31840*1024 {
		t.Errorf("got %+v, want sparkwire, RSS %d, HWM %d", m, 27412*1024, 31840*1024)
	}

	// A kernel thread has no VmRSS line.
	if _, err := parseStatus(strings.NewReader("Name:\tkthreadd\nState:\tS (sleeping)\n")); !errors.Is(err, errNoRSS) {
		t.Errorf("kernel thread: err %v, want errNoRSS", err)
	}
	for _, bad := range []string{"VmRSS:\t12 MB\n", "VmRSS:\tmany kB\n", "VmRSS:\t-5 kB\n"} {
		if _, err := parseStatus(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}

	self, err := readProc("self")
	if err != nil {
		t.Fatal(err)
	}
	if self.RSS <= 0 || self.HWM < self.RSS {
		t.Errorf("this process: %+v, want RSS > 0 and HWM >= RSS", self)
	}
}

func TestParseMetrics(t *testing.T) {
	doc := `{"version":"4.0.0","gauges":{
		"local-1.driver.ExecutorMetrics.JVMHeapMemory":{"value":1101710336},
		"local-1.driver.ExecutorMetrics.JVMOffHeapMemory":{"value":434243856},
		"local-1.driver.ExecutorMetrics.OnHeapExecutionMemory":{"value":7},
		"local-1.driver.BlockManager.memory.memUsed_MB":{"value":3}},"counters":{}}`
	m, err := parseMetrics(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.Heap != 1101710336 || m.OffHeap != 434243856 {
		t.Errorf("got %+v", m)
	}
	if _, err := parseMetrics(strings.NewReader(`{"gauges":{"x.driver.BlockManager.memory.memUsed_MB":{"value":3}}}`)); err == nil {
		t.Error("no JVM gauges: no error")
	}
	if _, err := parseMetrics(strings.NewReader(`<html>`)); err == nil {
		t.Error("not JSON: no error")
	}
}

func TestContainerPublishing(t *testing.T) {
	ps := "aec320872383\t0.0.0.0:32780->4040/tcp, [::]:32775->4040/tcp, 0.0.0.0:32778->15002/tcp, [::]:32773->15002/tcp\n" +
		"2fba13f3d5e9\t9093/tcp, 127.0.0.1:32772->9092/tcp\n" +
		"ded39b33a558\t127.0.0.1:32769->4040/tcp, 127.0.0.1:32768->15002/tcp\n"
	for port, want := range map[string]string{"32768": "ded39b33a558", "32778": "aec320872383", "32773": "aec320872383", "32772": "", "32769": ""} {
		if got := containerPublishing(ps, port, "15002/tcp"); got != want {
			t.Errorf("port %s: %q, want %q", port, got, want)
		}
	}
	for url, want := range map[string]string{
		"sc://127.0.0.1:32768": "32768", "sc://localhost:15003/;token=x": "15003", "sc://[::1]:9/": "9", "sc://localhost": "15002",
	} {
		if got, err := connectPort(url); err != nil || got != want {
			t.Errorf("connectPort(%q) = %q, %v; want %q", url, got, err, want)
		}
	}
	if _, err := connectPort("http://localhost:1"); err == nil {
		t.Error("connectPort of an http URL: no error")
	}
	if got := loopbackAddr("0.0.0.0:32780"); got != "127.0.0.1:32780" {
		t.Errorf("loopbackAddr: %q", got)
	}
	if got := loopbackAddr("127.0.0.1:32769"); got != "127.0.0.1:32769" {
		t.Errorf("loopbackAddr: %q", got)
	}
}

func TestOptionsLoopbackOnly(t *testing.T) {
	good := options{duration: time.Minute, interval: time.Second, trigger: time.Second, catchUp: time.Minute, rate: 100,
		connectURL: "sc://127.0.0.1:32768/;token=abc", brokers: []string{"localhost:32772", "[::1]:9092"}}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*options){
		"remote Spark":  func(o *options) { o.connectURL = "sc://spark.example.com:15002" },
		"remote broker": func(o *options) { o.brokers = []string{"localhost:9092", "10.0.0.5:9092"} },
		"NaN rate":      func(o *options) { o.rate = math.NaN() },
		"zero duration": func(o *options) { o.duration = 0 },
		"no stack":      func(o *options) { o.connectURL = "" },
	} {
		o := good
		o.brokers = append([]string(nil), good.brokers...)
		change(&o)
		if err := o.validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A stack of its own: its endpoints are checked once it runs.
	own := good
	own.ownStack, own.connectURL, own.brokers = true, "", nil
	if err := own.validate(); err != nil {
		t.Errorf("-own-stack: %v", err)
	}
}

func TestSummary(t *testing.T) {
	// 30 minutes at 3 MiB per 10 minutes from 100 MiB, then flat at the end: the slope over
	// the second half is smaller than over the whole.
	var s series
	for i := 0; i <= 30; i++ {
		y := 100 + 0.3*float64(i)
		if i > 20 {
			y = 106
		}
		s.Points = append(s.Points, point{X: float64(i), Y: y})
	}
	st := summarise(s)
	if st.N != 31 || st.Start != 100 || st.End != 106 || st.Max != 106 {
		t.Errorf("got %+v", st)
	}
	if math.Abs(slope(s.Points[:21])*10-3) > 1e-9 {
		t.Errorf("slope of the rising part: %v, want 3 per 10 min", slope(s.Points[:21])*10)
	}
	if !(st.Slope > 0 && st.SlopeSecondHalf > 0 && st.SlopeSecondHalf < st.Slope) {
		t.Errorf("slopes %v, second half %v: want 0 < second half < whole", st.Slope, st.SlopeSecondHalf)
	}
	flat := summarise(series{Points: []point{{X: 0, Y: 5}, {X: 10, Y: 5}, {X: 20, Y: 5}}})
	if flat.Slope != 0 || flat.SlopeSecondHalf != 0 {
		t.Errorf("flat: %+v", flat)
	}
	one := summarise(series{Points: []point{{X: 0, Y: 5}}})
	if !math.IsNaN(one.Slope) || fmtSlope(one.Slope) != "–" || one.Max != 5 {
		t.Errorf("one point: %+v", one)
	}
	if none := summarise(series{}); !math.IsNaN(none.Max) || fmtMiB(none.Max) != "–" {
		t.Errorf("no points: %+v", none)
	}

	ds := []time.Duration{5, 1, 4, 2, 3, 10, 6, 7, 9, 8}
	if p := percentile(ds, 50); p != 5 {
		t.Errorf("median %v, want 5", p)
	}
	if p := percentile(ds, 95); p != 10 {
		t.Errorf("95th %v, want 10", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Errorf("no durations: %v", p)
	}
}

func TestMemorySeriesSkipsUnknown(t *testing.T) {
	samples := []sample{
		{Elapsed: 0, ProducerRSS: 10 * mib},
		{Elapsed: time.Minute, ProducerRSS: 12 * mib},
		{Elapsed: 2 * time.Minute, ProducerRSS: unknown}, // the producer has exited
	}
	s := memorySeries("producer", samples, func(s sample) int64 { return s.ProducerRSS })
	want := []point{{X: 0, Y: 10}, {X: 1, Y: 12}}
	if len(s.Points) != len(want) || s.Points[0] != want[0] || s.Points[1] != want[1] {
		t.Errorf("points %v, want %v", s.Points, want)
	}
}

func TestWriteCSV(t *testing.T) {
	at := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	samples := []sample{
		{At: at, Elapsed: 15 * time.Second, Phase: "produce", SoakRSS: 20 * mib, ProducerRSS: 15 * mib, SparkRSS: 2048 * mib,
			SparkHeap: 700 * mib, SparkOffHeap: 300 * mib, InputEnd: 4500, Lag: 120, Batches: 7, InputRows: 4400,
			InputRate: 301.5, ProcessedRate: 812.25, MeanBatch: 640 * time.Millisecond, MaxBatch: 1200 * time.Millisecond,
			Watermark: "2026-12-01T17:58:00.000Z", Load1: 3.5},
		{At: at.Add(15 * time.Second), Elapsed: 30 * time.Second, Phase: "catch-up", SoakRSS: 21 * mib, ProducerRSS: unknown,
			SparkRSS: unknown, SparkHeap: unknown, SparkOffHeap: unknown, InputEnd: unknown, Lag: unknown},
	}
	var b bytes.Buffer
	if err := writeCSV(&b, samples); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || len(recs[0]) != len(csvHeader) {
		t.Fatalf("%d records of %d fields, want 3 of %d", len(recs), len(recs[0]), len(csvHeader))
	}
	col := func(row int, name string) string {
		for i, h := range recs[0] {
			if h == name {
				return recs[row][i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for name, want := range map[string]string{
		"time": "2026-12-01T18:00:00Z", "elapsed_s": "15.0", "spark_rss_bytes": "2147483648", "lag_records": "120",
		"processed_rows_per_s": "812.2", "max_batch_ms": "1200", "watermark": "2026-12-01T17:58:00.000Z",
	} {
		if got := col(1, name); got != want {
			t.Errorf("row 1 %s = %q, want %q", name, got, want)
		}
	}
	if got := col(2, "producer_rss_bytes"); got != "" {
		t.Errorf("unknown value written as %q, want empty", got)
	}
	if got := col(2, "phase"); got != "catch-up" {
		t.Errorf("phase %q", got)
	}
}

func TestCompareCounts(t *testing.T) {
	w := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	k := func(min int, page string) demo.PageViewKey {
		return demo.PageViewKey{WindowStart: w.Add(time.Duration(min) * time.Minute), Page: page}
	}
	want := map[demo.PageViewKey]int64{k(0, "/"): 10, k(0, "/cart"): 4, k(1, "/"): 7, k(2, "/"): 3}
	got := map[demo.PageViewKey]int64{k(0, "/"): 10, k(0, "/cart"): 6, k(1, "/"): 5, k(5, "/x"): 2}
	c := compareCounts("table", want, got)
	if c.Checked != 4 || c.Equal != 1 || c.Missing != 1 || c.Under != 1 || c.Over != 1 || c.Extra != 1 {
		t.Errorf("got %+v", c)
	}
	if c.LostEvents != 3+2 || c.DuplicatedEvents != 2+2 {
		t.Errorf("lost %d (want 5), duplicated %d (want 4)", c.LostEvents, c.DuplicatedEvents)
	}
	if c.OK() {
		t.Error("OK with differences")
	}
	if same := compareCounts("table", want, want); !same.OK() || same.Equal != 4 {
		t.Errorf("identical: %+v", same)
	}
	if empty := compareCounts("table", nil, nil); empty.OK() {
		t.Error("nothing checked counts as OK")
	}
}

func TestOffsetSum(t *testing.T) {
	n, err := offsetSum([]byte(`{"soak_clickstream_x":{"0":1200,"1":1187,"2":1213}}`))
	if err != nil || n != 3600 {
		t.Errorf("got %d, %v; want 3600", n, err)
	}
	if _, err := offsetSum([]byte(`"latest"`)); err == nil {
		t.Error("not offsets: no error")
	}
}

// The ground truth agrees with a manifest that counts the same events per window, and
// says so when a window differs.
func TestGroundTruthChecksTheManifest(t *testing.T) {
	ctx := context.Background()
	spec := streamSpec{Seed: 7, Rate: 50, Start: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC),
		LateShare: 0.05, MaxLateness: 30 * time.Second, Malformed: 0.02}
	const n = 9000 // three minutes at 50/s
	st, err := spec.stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := &producers.Manifest{Produced: n, WindowMillis: 60000, Windows: map[string]producers.WindowCount{}}
	var events []producers.Event
	for range n {
		e, err := st.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
		if e.Malformed != producers.MalformedNone {
			m.Malformed++
			continue
		}
		w := e.EventTime.Truncate(time.Minute).Format(time.RFC3339)
		c := m.Windows[w]
		c.Events++
		m.Windows[w] = c
	}
	tr, err := groundTruth(ctx, spec, m)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.WindowsAgree || tr.Events != n {
		t.Fatalf("agree %v, %d events, diffs %v", tr.WindowsAgree, tr.Events, tr.WindowDiffs)
	}
	want, err := demo.ExpectedPageViews(events)
	if err != nil {
		t.Fatal(err)
	}
	if c := compareCounts("all at once", utcKeys(want), utcKeys(tr.Want)); !c.OK() {
		t.Errorf("chunked truth differs from the truth of all events at once: %+v", c)
	}
	if m.Malformed == 0 || len(m.Windows) < 3 {
		t.Fatalf("test stream too tame: %d malformed, %d windows", m.Malformed, len(m.Windows))
	}

	for w, c := range m.Windows {
		c.Events--
		m.Windows[w] = c
		break
	}
	tr, err = groundTruth(ctx, spec, m)
	if err != nil {
		t.Fatal(err)
	}
	if tr.WindowsAgree || len(tr.WindowDiffs) != 1 {
		t.Errorf("a window one event short: agree %v, diffs %v", tr.WindowsAgree, tr.WindowDiffs)
	}
}

func TestParseFlagsEnvironment(t *testing.T) {
	t.Setenv("SPARKWIRE_CONNECT_URL", "sc://127.0.0.1:32768/;token=SENTINEL")
	t.Setenv("SPARKWIRE_KAFKA_BROKERS", "127.0.0.1:32772, localhost:32773")
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "")
	t.Setenv("SOAK_DURATION", "3m")
	t.Setenv("SOAK_RATE", "250")
	t.Setenv("SOAK_INTERVAL", "")
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 3*time.Minute || o.rate != 250 || o.interval != 15*time.Second {
		t.Errorf("duration %v, rate %v, interval %v", o.duration, o.rate, o.interval)
	}
	if o.connectURL != "sc://127.0.0.1:32768/;token=SENTINEL" || len(o.brokers) != 2 || o.sparkBrokers != "127.0.0.1:32772,localhost:32773" {
		t.Errorf("endpoints %q %q %q", o.connectURL, o.brokers, o.sparkBrokers)
	}
	// Flags win over the environment.
	o, err = parseFlags([]string{"-rate", "100", "-brokers", "localhost:9092", "-spark-brokers", "kafka:9093"})
	if err != nil {
		t.Fatal(err)
	}
	if o.rate != 100 || len(o.brokers) != 1 || o.sparkBrokers != "kafka:9093" {
		t.Errorf("rate %v, brokers %q, spark brokers %q", o.rate, o.brokers, o.sparkBrokers)
	}
	t.Setenv("SOAK_RATE", "fast")
	if _, err := parseFlags(nil); err == nil {
		t.Error("SOAK_RATE=fast: no error")
	}
}
