package producers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func newTestStream(t testing.TB, domain string, opts ...StreamOption) *Stream {
	t.Helper()
	g, err := NewGenerator(domain, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStream(g, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func take(t testing.TB, s *Stream, n int) []Event {
	t.Helper()
	evs := make([]Event, n)
	for i := range evs {
		ev, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		evs[i] = ev
	}
	return evs
}

func TestDeterminism(t *testing.T) {
	for _, domain := range Domains() {
		for _, enc := range []Encoding{EncodingJSON, EncodingAvro} {
			t.Run(domain+"/"+enc.String(), func(t *testing.T) {
				opts := []StreamOption{WithLateness(0.1, time.Minute), WithMalformed(0.05), WithEncoding(enc)}
				a := take(t, newTestStream(t, domain, append(opts, WithSeed(42))...), 5000)
				b := take(t, newTestStream(t, domain, append(opts, WithSeed(42))...), 5000)
				c := take(t, newTestStream(t, domain, append(opts, WithSeed(43))...), 5000)
				same := 0
				for i := range a {
					if !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) ||
						!a[i].EventTime.Equal(b[i].EventTime) || a[i].Lateness != b[i].Lateness || a[i].Malformed != b[i].Malformed {
						t.Fatalf("event %d differs with the same seed:\n%q\n%q", i, a[i].Value, b[i].Value)
					}
					if bytes.Equal(a[i].Value, c[i].Value) {
						same++
					}
				}
				if same > len(a)/100 {
					t.Errorf("%d of %d events identical with a different seed", same, len(a))
				}
			})
		}
	}
}

// Lateness and malformation draw from their own source: the content does not change
// when their shares do.
func TestContentIndependentOfMixing(t *testing.T) {
	plain := take(t, newTestStream(t, "payments", WithSeed(5)), 2000)
	mixed := take(t, newTestStream(t, "payments", WithSeed(5), WithLateness(0.3, time.Minute)), 2000)
	for i := range plain {
		if !bytes.Equal(plain[i].Key, mixed[i].Key) {
			t.Fatalf("event %d: key %s became %s", i, plain[i].Key, mixed[i].Key)
		}
	}
}

// TestTooLateTail: WithTooLate makes its share of events late by more than the delay and at
// most delay+extra, on top of WithLateness's ordinary ones, the same for the same seed.
func TestTooLateTail(t *testing.T) {
	const (
		n     = 50_000
		delay = 2 * time.Minute
		extra = 3 * time.Minute
	)
	opts := []StreamOption{WithSeed(11), WithLateness(0.05, time.Minute), WithTooLate(0.02, delay, extra), WithInterval(10 * time.Millisecond)}
	a := take(t, newTestStream(t, "clickstream", opts...), n)
	b := take(t, newTestStream(t, "clickstream", opts...), n)
	var ordinary, tooLate int
	for i := range a {
		if a[i].EventTime != b[i].EventTime || a[i].Lateness != b[i].Lateness {
			t.Fatalf("event %d differs between two streams of one seed", i)
		}
		switch l := a[i].Lateness; {
		case l > delay+extra:
			t.Fatalf("event %d: lateness %s beyond delay+extra", i, l)
		case l > delay:
			tooLate++
		case l > time.Minute:
			t.Fatalf("event %d: lateness %s between the ordinary maximum and the delay", i, l)
		case l > 0:
			ordinary++
		}
	}
	// Expected: 5% ordinary; 2% of the remaining 95% too late. Allow a generous sampling margin.
	if ordinary < n*4/100 || ordinary > n*6/100 {
		t.Errorf("%d ordinary late events of %d, want about 5%%", ordinary, n)
	}
	if want := n * 95 / 100 * 2 / 100; tooLate < want*8/10 || tooLate > want*12/10 {
		t.Errorf("%d too-late events of %d, want about %d", tooLate, n, want)
	}
}

func TestLatenessDistribution(t *testing.T) {
	const (
		n     = 200_000
		share = 0.05
		maxL  = 5 * time.Minute
	)
	s := newTestStream(t, "clickstream", WithSeed(9), WithLateness(share, maxL), WithInterval(10*time.Millisecond))
	var late int
	var newest time.Time
	var sum time.Duration
	for i := range n {
		ev, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if ev.Late() || !ev.EventTime.Equal(defaultStart) {
				t.Fatalf("first event: %v late %s", ev.EventTime, ev.Lateness)
			}
			newest = ev.EventTime
			continue
		}
		// Lateness is exactly how far the event is behind the newest earlier event.
		want := max(newest.Sub(ev.EventTime), 0)
		if ev.Lateness != want {
			t.Fatalf("event %d: lateness %s, but %s behind the newest", i, ev.Lateness, want)
		}
		if ev.Lateness > maxL {
			t.Fatalf("event %d: lateness %s beyond the maximum %s", i, ev.Lateness, maxL)
		}
		if ev.Late() {
			late++
			sum += ev.Lateness
		}
		if ev.EventTime.After(newest) {
			newest = ev.EventTime
		}
		// The event time is also what the record says.
		if i%1000 == 0 {
			var rec struct {
				EventTime time.Time `json:"event_time"`
			}
			if err := json.Unmarshal(ev.Value, &rec); err != nil || !rec.EventTime.Equal(ev.EventTime) {
				t.Fatalf("event %d: record time %v (%v), event time %v", i, rec.EventTime, err, ev.EventTime)
			}
		}
	}
	got := float64(late) / (n - 1)
	// Binomial standard deviation is about 0.0005; allow 5 of them.
	if math.Abs(got-share) > 5*math.Sqrt(share*(1-share)/n) {
		t.Errorf("late share %.4f, want %.4f", got, share)
	}
	// Lateness is uniform on [1ms, max]: its mean is about max/2.
	if mean := sum / time.Duration(late); mean < maxL*45/100 || mean > maxL*55/100 {
		t.Errorf("mean lateness %s, want about %s", mean, maxL/2)
	}
	if want := defaultStart.Add((n - 1) * 10 * time.Millisecond); !newest.Equal(want) {
		t.Errorf("newest event time %v, want %v", newest, want)
	}
}

func TestNoLatenessByDefault(t *testing.T) {
	prev := time.Time{}
	for i, ev := range take(t, newTestStream(t, "iot"), 10_000) {
		if ev.Late() || ev.EventTime.Before(prev) || ev.Malformed != MalformedNone {
			t.Fatalf("event %d: %v after %v, lateness %s, malformed %v", i, ev.EventTime, prev, ev.Lateness, ev.Malformed)
		}
		prev = ev.EventTime
	}
}

func TestMalformedShare(t *testing.T) {
	const (
		n     = 30_000
		share = 0.02
	)
	for _, domain := range Domains() {
		t.Run(domain, func(t *testing.T) {
			s := newTestStream(t, domain, WithSeed(3), WithMalformed(share))
			schema := s.Schema()
			kinds := map[Malformation]int{}
			for i := range n {
				ev, err := s.Next()
				if err != nil {
					t.Fatal(err)
				}
				kinds[ev.Malformed]++
				if err := checkJSON(schema, ev); err != nil {
					t.Fatalf("event %d (%v): %v\n%s", i, ev.Malformed, err, ev.Value)
				}
			}
			bad := n - kinds[MalformedNone]
			if got := float64(bad) / n; math.Abs(got-share) > 5*math.Sqrt(share*(1-share)/n) {
				t.Errorf("malformed share %.4f, want %.4f (%v)", got, share, kinds)
			}
			for _, k := range []Malformation{MalformedSyntax, MalformedWrongType, MalformedMissingField} {
				if kinds[k] < bad/3-bad/6 {
					t.Errorf("only %d of %d malformed records are %v", kinds[k], bad, k)
				}
			}
		})
	}
}

// checkJSON checks that a well-formed record parses and matches the schema, and that a
// malformed one is broken the way it says.
func checkJSON(schema Schema, ev Event) error {
	var obj map[string]any
	err := json.Unmarshal(ev.Value, &obj)
	if ev.Malformed == MalformedSyntax {
		if err == nil {
			return errors.New("truncated record parses")
		}
		return nil
	}
	if err != nil {
		return err
	}
	missing, wrong := 0, 0
	for _, f := range schema.Fields {
		v, ok := obj[f.Name]
		if !ok {
			missing++
			continue
		}
		okType := false
		switch f.Type {
		case TypeString:
			_, okType = v.(string)
		case TypeLong:
			x, isNum := v.(float64)
			okType = isNum && x == math.Trunc(x)
		case TypeDouble:
			_, okType = v.(float64)
		case TypeBool:
			_, okType = v.(bool)
		case TypeTimestamp:
			s, isStr := v.(string)
			_, perr := time.Parse(time.RFC3339Nano, s)
			okType = isStr && perr == nil
		}
		if !okType {
			wrong++
		}
	}
	if len(obj) != len(schema.Fields)-missing {
		return fmt.Errorf("%d fields, schema has %d", len(obj), len(schema.Fields))
	}
	switch {
	case ev.Malformed == MalformedNone && (missing != 0 || wrong != 0),
		ev.Malformed == MalformedWrongType && (missing != 0 || wrong != 1),
		ev.Malformed == MalformedMissingField && (missing != 1 || wrong != 0):
		return fmt.Errorf("%d fields missing, %d of the wrong type", missing, wrong)
	}
	if ev.Malformed == MalformedNone {
		if got := fmt.Sprint(obj[schema.Key]); got != string(ev.Key) {
			return fmt.Errorf("key %q, record says %q", ev.Key, got)
		}
	}
	return nil
}

func TestStreamOptionErrors(t *testing.T) {
	g := NewIoT(10)
	for _, opts := range [][]StreamOption{
		{WithLateness(1.5, time.Second)},
		{WithLateness(0.1, 0)},
		{WithMalformed(-0.1)},
		{WithMalformed(math.NaN())},
		{WithTooLate(math.NaN(), time.Minute, time.Minute)},
		{WithTooLate(0.1, -time.Second, time.Minute)},
		{WithTooLate(0.1, time.Minute, 0)},
		{WithInterval(-time.Second)},
		{WithEncoding(Encoding(9))},
	} {
		if _, err := NewStream(g, opts...); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("got %v, want ErrInvalidOption", err)
		}
	}
	if _, err := NewGenerator("nope", 0); !errors.Is(err, ErrUnknownDomain) {
		t.Errorf("unknown domain: %v", err)
	}
}

type badGen struct {
	schema Schema
	vals   []Value
}

func (g badGen) Schema() Schema                              { return g.schema }
func (g badGen) Next(*rand.Rand, time.Time, []Value) []Value { return g.vals }

func TestSchemaErrors(t *testing.T) {
	good := Schema{Name: "x", Key: "k", EventTime: "t", Fields: []Field{{Name: "k", Type: TypeString}, {Name: "t", Type: TypeTimestamp}}}
	for _, mutate := range []func(*Schema){
		func(s *Schema) { s.Name = "" },
		func(s *Schema) { s.Key = "nope" },
		func(s *Schema) { s.EventTime = "k" },
		func(s *Schema) { s.Fields[1].Name = "k" },
		func(s *Schema) { s.Fields[0].Type = TypeBool },
		func(s *Schema) { s.Fields[0].Type = 0 },
	} {
		s := cloneSchema(good)
		mutate(&s)
		if _, err := NewStream(badGen{schema: s}); !errors.Is(err, ErrInvalidSchema) {
			t.Errorf("%+v: got %v, want ErrInvalidSchema", s, err)
		}
	}
	for _, vals := range [][]Value{
		{String("a")},
		{Long(1), Timestamp(time.Now())},
		{String("a"), Timestamp(time.Now()), Bool(true)},
	} {
		s, err := NewStream(badGen{schema: good, vals: vals})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(); !errors.Is(err, ErrSchemaMismatch) {
			t.Errorf("%v: got %v, want ErrSchemaMismatch", vals, err)
		}
	}
}

func TestSchemas(t *testing.T) {
	for _, domain := range Domains() {
		s := newTestStream(t, domain)
		schema := s.Schema()
		if schema.Name != domain {
			t.Errorf("schema name %q for domain %q", schema.Name, domain)
		}
		var avro map[string]any
		if err := json.Unmarshal([]byte(schema.AvroSchema()), &avro); err != nil {
			t.Errorf("%s: Avro schema: %v", domain, err)
		}
		if fields, _ := avro["fields"].([]any); len(fields) != len(schema.Fields) {
			t.Errorf("%s: Avro schema has %d fields", domain, len(fields))
		}
		ddl := schema.SparkDDL()
		for _, f := range schema.Fields {
			if !bytes.Contains([]byte(ddl), []byte(f.Name+" ")) {
				t.Errorf("%s: DDL %q lacks %s", domain, ddl, f.Name)
			}
		}
		// Changing the returned schema does not change the generator's.
		schema.Fields[0].Name = "changed"
		if s.Schema().Fields[0].Name == "changed" {
			t.Errorf("%s: schema shared with caller", domain)
		}
	}
}

// Labels the domains promise: fraud and anomaly rates, session structure, key counts.
func TestDomainProperties(t *testing.T) {
	const n = 30_000
	t.Run("payments", func(t *testing.T) {
		fraud := 0
		for _, ev := range take(t, newTestStream(t, "payments"), n) {
			var rec struct {
				IsFraud bool    `json:"is_fraud"`
				Amount  float64 `json:"amount"`
			}
			if err := json.Unmarshal(ev.Value, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.IsFraud {
				fraud++
			}
			if rec.Amount <= 0 || rec.Amount != math.Round(rec.Amount*100)/100 {
				t.Fatalf("amount %v", rec.Amount)
			}
		}
		if share := float64(fraud) / n; share < 0.004 || share > 0.012 {
			t.Errorf("fraud share %.4f", share)
		}
	})
	t.Run("iot", func(t *testing.T) {
		anomalies := 0
		seqs := map[string]int64{}
		for _, ev := range take(t, newTestStream(t, "iot"), n) {
			var rec struct {
				Device  string `json:"device_id"`
				Seq     int64  `json:"seq"`
				Anomaly bool   `json:"anomaly"`
			}
			if err := json.Unmarshal(ev.Value, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Seq != seqs[rec.Device] {
				t.Fatalf("%s: seq %d, want %d", rec.Device, rec.Seq, seqs[rec.Device])
			}
			seqs[rec.Device]++
			if rec.Anomaly {
				anomalies++
			}
		}
		if len(seqs) != 500 {
			t.Errorf("%d devices, want 500", len(seqs))
		}
		if share := float64(anomalies) / n; share < 0.001 || share > 0.003 {
			t.Errorf("anomaly share %.4f", share)
		}
	})
	t.Run("clickstream", func(t *testing.T) {
		open := map[string]string{}
		types := map[string]int{}
		for i, ev := range take(t, newTestStream(t, "clickstream"), n) {
			var rec struct {
				User, Session, Type string
			}
			var raw map[string]any
			if err := json.Unmarshal(ev.Value, &raw); err != nil {
				t.Fatal(err)
			}
			rec.User, rec.Session, rec.Type = raw["user_id"].(string), raw["session_id"].(string), raw["event_type"].(string)
			types[rec.Type]++
			switch cur, ok := open[rec.User]; {
			case rec.Type == "session_start":
				if ok {
					t.Fatalf("event %d: %s starts a session inside %s", i, rec.User, cur)
				}
				open[rec.User] = rec.Session
			case !ok || cur != rec.Session:
				t.Fatalf("event %d: %s %s in session %s, open %q", i, rec.User, rec.Type, rec.Session, cur)
			case rec.Type == "session_end":
				delete(open, rec.User)
			}
		}
		for _, typ := range []string{"session_start", "page_view", "click", "session_end"} {
			if types[typ] < n/20 {
				t.Errorf("only %d %s events: %v", types[typ], typ, types)
			}
		}
	})
}

func TestKeysAreSkewed(t *testing.T) {
	counts := map[string]int{}
	for _, ev := range take(t, newTestStream(t, "clickstream"), 50_000) {
		counts[string(ev.Key)]++
	}
	c := make([]int, 0, len(counts))
	for _, v := range counts {
		c = append(c, v)
	}
	slices.Sort(c)
	if top, median := c[len(c)-1], c[len(c)/2]; top < 20*median {
		t.Errorf("hottest user has %d events, median %d: not skewed", top, median)
	}
}

// cdf.pick must pick what weighted picks from the same draw, or streams would change.
func TestCDFPicksAsWeighted(t *testing.T) {
	tables := map[string][]float64{
		"zipf 1000":    zipfWeights(1000, 1.07),
		"zipf 3":       zipfWeights(3, 1.5),
		"one":          {2},
		"uniform":      {1, 1, 1, 1, 1, 1, 1},
		"zeros":        {0, 5, 0, 0, 1, 3, 0},
		"tiny and big": {1e-12, 1e6, 1e-12, 1, 1e-9},
	}
	for name, w := range tables {
		t.Run(name, func(t *testing.T) {
			c, cum := newCDF(w), cumulative(w)
			exact := 0
			for _, g := range c.guide {
				if g >= 0 {
					exact++
				}
			}
			t.Logf("%d of %d guide slices need no scan", exact, len(c.guide))
			a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
			for n := range 200_000 {
				if got, want := c.pick(a), weighted(b, cum); got != want {
					t.Fatalf("draw %d: cdf picked %d, weighted %d", n, got, want)
				}
			}
		})
	}
}
