package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/producers"
)

// nested returns one row with a struct, a list, a map with integer keys, a timestamp and a
// null.
func nested(t *testing.T) arrow.RecordBatch {
	t.Helper()
	point := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "label", Type: arrow.BinaryTypes.String})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "point", Type: point},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "counts", Type: arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64)},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "missing", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	sb := b.Field(0).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.Int64Builder).Append(3)
	sb.FieldBuilder(1).(*array.StringBuilder).Append("three")
	lb := b.Field(1).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	mb := b.Field(2).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2}, nil)
	mb.ItemBuilder().(*array.Int64Builder).AppendValues([]int64{10, 20}, nil)
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixMicro()))
	b.Field(4).(*array.Float64Builder).AppendNull()
	return b.NewRecordBatch()
}

// --format json writes nested values as JSON: structs as objects, maps with string keys,
// timestamps in RFC 3339.
func TestSQLJSONNested(t *testing.T) {
	c := newTestCLI(t)
	c.setResult(nested(t))
	r := c.run("sql", "--connect", c.srv.URL(), "--format", "json", "SELECT * FROM t")
	if r.code != 0 {
		t.Fatalf("got %s", r)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	want := map[string]any{
		"point":   map[string]any{"x": 3.0, "label": "three"},
		"tags":    []any{"a", "b"},
		"counts":  map[string]any{"1": 10.0, "2": 20.0},
		"at":      "2025-01-02T03:04:05.000006Z",
		"missing": nil,
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Fatalf("got  %s\nwant %s", gotJSON, wantJSON)
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestJSONValue(t *testing.T) {
	got, err := json.Marshal(jsonValue([]any{map[any]any{int64(1): []any{stringer{}}}, nil, "s", time.Unix(0, 0).UTC()}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"1":["stringer"]},null,"s","1970-01-01T00:00:00Z"]`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestParseTrigger(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"available-now": connect.AvailableNow().String(),
		"once":          connect.Once().String(),
		"5s":            connect.ProcessingTime(5 * time.Second).String(),
		"0s":            connect.ProcessingTime(0).String(),
	} {
		got, err := parseTrigger(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if (got == nil) != (want == "") || (got != nil && got.String() != want) {
			t.Errorf("%q: got %v, want %q", in, got, want)
		}
	}
	for _, in := range []string{"soon", "-1s", "5", "Once"} {
		if _, err := parseTrigger(in); exitCode(err) != 2 {
			t.Errorf("%q: %v, want a usage error", in, err)
		}
	}
}

// Spark reaches Kafka at --spark-brokers, else at the local stack's address for Spark
// when the stack is the one in use, else at --brokers.
func TestSparkBrokers(t *testing.T) {
	c := newTestCLI(t)
	st := stackState{ConnectURL: "sc://localhost:15002", Brokers: []string{"localhost:9092"}, SparkBrokers: "kafka:19092"}
	noState := stackState{}
	for _, tc := range []struct {
		name  string
		state *stackState
		g     globals
		want  string // "" for a usage error
	}{
		{"flag", &noState, globals{sparkKafka: "k:1", brokers: "b:2"}, "k:1"},
		{"brokers only", nil, globals{brokers: "b:2"}, "b:2"},
		{"nothing", nil, globals{}, ""},
		{"local stack", &st, globals{}, "kafka:19092"},
		{"local stack, its brokers", &st, globals{connectURL: st.ConnectURL, brokers: "localhost:9092"}, "kafka:19092"},
		{"local stack, other brokers", &st, globals{brokers: "elsewhere:9092"}, "elsewhere:9092"},
		{"other server", &st, globals{connectURL: "sc://spark.example:15002", brokers: "b:2"}, "b:2"},
		{"other server, no brokers", &st, globals{connectURL: "sc://spark.example:15002"}, ""},
		{"lists as the parser reads them", &st, globals{brokers: " localhost:9092 ,"}, "kafka:19092"},
		{"spark list trimmed", nil, globals{sparkKafka: " k:1, ,k:2 "}, "k:1,k:2"},
		{"bad spark broker", nil, globals{sparkKafka: "k"}, ""},
		{"bad broker", &st, globals{brokers: "b:99999"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(c.cacheDir, "sparkwire", "stack.json")
			_ = os.Remove(p)
			if tc.state != nil {
				b, _ := json.Marshal(tc.state)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := tc.g.sparkBrokers()
			if tc.want == "" {
				if exitCode(err) != 2 {
					t.Fatalf("got %q, %v; want a usage error", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestBrokerList(t *testing.T) {
	g := globals{brokers: " a:1, ,b:2,"}
	if got, err := g.brokerList(); strings.Join(got, "|") != "a:1|b:2" || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
	if got, err := (&globals{}).brokerList(); got != nil || err != nil {
		t.Fatalf("empty: %q, %v", got, err)
	}
	// A malformed item is a usage error naming it (the parser's own cases are tested in
	// internal/brokerlist).
	_, err := (&globals{brokers: "a:1,localhost"}).brokerList()
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `--brokers: invalid Kafka broker list: "localhost": want host:port, the port is missing`) {
		t.Fatalf("bad item: %v", err)
	}
}

func TestPrintState(t *testing.T) {
	var out bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetOut(&out)
	printState(cmd, &stackState{ConnectURL: "sc://localhost:15002", Brokers: []string{"localhost:9092", "localhost:9093"}, SparkBrokers: "kafka:19092", SparkUI: "http://localhost:4040"})
	want := "Spark Connect  sc://localhost:15002\nKafka          localhost:9092,localhost:9093 (from Spark: kafka:19092)\nSpark UI       http://localhost:4040\n" +
		"\nexport SPARKWIRE_CONNECT_URL=sc://localhost:15002 SPARKWIRE_KAFKA_BROKERS=localhost:9092,localhost:9093\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestHumanUnits(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 9999: "9999", 12345: "12.3k", 2.5e6: "2.50M"} {
		if got := humanCount(in); got != want {
			t.Errorf("humanCount(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{12: "12 B", 1500: "1.5 kB", 2.5e6: "2.50 MB", 3e9: "3.00 GB"} {
		if got := humanBytes(in); got != want {
			t.Errorf("humanBytes(%v) = %q, want %q", in, got, want)
		}
	}
}

// Off a terminal, produce prints a progress line every 5 seconds; on one, a line redrawn
// in place, ended by finish.
func TestProduceProgress(t *testing.T) {
	var out bytes.Buffer
	p := newProduceProgress(&out, false)
	p.update(producers.Stats{Elapsed: 5 * time.Second, Acked: 5000, AckedBytes: 5e6})
	p.update(producers.Stats{Elapsed: 6 * time.Second, Acked: 5100, AckedBytes: 5.1e6}) // too soon
	p.update(producers.Stats{Elapsed: 10 * time.Second, Produced: 20002, Acked: 20000, AckedBytes: 2e7, Failed: 2, Target: 21002})
	p.finish()
	want := "5s  1000 events/s  1.00 MB/s  acked 5000  errors 0\n10s  3000 events/s  3.00 MB/s  acked 20000  errors 2  lag 1000\n"
	if out.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", out.String(), want)
	}

	out.Reset()
	p = newProduceProgress(&out, true)
	p.update(producers.Stats{Elapsed: 250 * time.Millisecond, Acked: 250})
	p.finish()
	if s := out.String(); !strings.HasPrefix(s, "\r0s  1000 events/s") || !strings.HasSuffix(s, " \n") || len(s) != 1+78+1 {
		t.Fatalf("terminal: %q", s)
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want string
	}{
		{nil, ""},
		{[]float64{0, 0}, "▁▁"},
		{[]float64{0, 1, 2, 4, 8}, "▁▂▃▅█"},
	} {
		if got := sparkline(tc.in); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// On a terminal the view clears the screen and draws charts of the last batches.
func TestProgressViewTerminal(t *testing.T) {
	var out bytes.Buffer
	v := newProgressView(&out, true, 1) // at least 5 batches are kept
	for i := range 7 {
		v.add(connect.QueryProgress{ID: "q-id", BatchID: int64(i), InputRowsPerSecond: float64(i), ProcessedRowsPerSecond: 2 * float64(i)})
	}
	if len(v.batches) != 5 || v.batches[0].BatchID != 2 {
		t.Fatalf("kept %d batches from %d", len(v.batches), v.batches[0].BatchID)
	}
	v.draw("rates")
	s := out.String()
	for _, want := range []string{"\x1b[H\x1b[2J", "sparkwire watch  rates  (q-id)", "input rows/s      ▃▅▆▇█       6.0", "processed rows/s  ▃▅▆▇█      12.0", "batch 6: ", "Ctrl-C to stop watching"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in\n%s", want, s)
		}
	}
}
