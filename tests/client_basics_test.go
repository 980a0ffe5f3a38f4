package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// A million rows come back as Arrow batches, streamed, every value checked. The reader takes
// its time, so the result stream outlives the server's 5-second stream limit of the test
// stack (see TestMain) and the client must reattach mid-result without losing or repeating
// a row.
func TestMillionRowsAsArrow(t *testing.T) {
	ctx := testCtx(t, 6*time.Minute)
	s, _ := session(t, ctx)
	df, err := s.SQL(ctx, "SELECT id, id * 2 AS twice, cast(id AS string) AS s FROM range(1000000)")
	if err != nil {
		t.Fatal(err)
	}
	// A slow consumer: its roughly 100 batches take longer than the server's stream limit.
	limit := streamLimit(t, ctx, s)
	pause := max(80*time.Millisecond, (limit+3*time.Second)/100)
	rr, err := df.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var next int64
	batches := 0
	start := time.Now()
	for rr.Next() {
		rec := rr.RecordBatch()
		batches++
		time.Sleep(pause)
		ids := rec.Column(0).(*array.Int64)
		twice := rec.Column(1).(*array.Int64)
		strs := rec.Column(2).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			if ids.Value(i) != next || twice.Value(i) != 2*next || strs.Value(i) != strconv.FormatInt(next, 10) {
				t.Fatalf("row %d: got (%d, %d, %q)", next, ids.Value(i), twice.Value(i), strs.Value(i))
			}
			next++
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if next != 1_000_000 {
		t.Fatalf("got %d rows, want 1000000", next)
	}
	if got := rr.Schema().String(); rr.Schema().NumFields() != 3 {
		t.Errorf("schema %s", got)
	}
	// The read outlived the server's stream limit, so the stream was ended and resumed: a
	// run that never reattached would prove nothing about reattachment.
	took := time.Since(start)
	if took > limit && rr.Reattaches() == 0 {
		t.Errorf("the read took %s, longer than the server's %s stream limit, but the reader never reattached", took, limit)
	} else if took <= limit {
		t.Errorf("the read took %s: too short to have outlived the server's %s stream limit", took, limit)
	}
	t.Logf("1,000,000 rows in %d batches, read in %s, %d reattaches", batches, took.Round(time.Millisecond), rr.Reattaches())
}

// With the default allocator a batch's arrays point into the server's response instead of
// copies (connect.WithAllocator). Batches read that way, and kept after the reader moved
// on, equal those of a session that copies into its own allocator, for every type.
func TestCollectWithoutCopy(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	copied, _ := session(t, ctx)
	direct := dial(t, ctx, env.ConnectURL()) // the default allocator
	const query = `SELECT id, cast(id % 100 AS tinyint) AS b, cast(id AS int) AS i, id * 1.5D AS d,
		cast(id AS float) AS f, cast(id / 7 AS decimal(20,4)) AS dec, concat('row-', id) AS s,
		if(id % 5 = 0, null, repeat('é', cast(id % 4 AS int))) AS ns, cast(cast(id AS string) AS binary) AS bin,
		id % 2 = 0 AS bo, date_add(date'2024-01-01', cast(id % 1000 AS int)) AS dt,
		timestamp_micros(id * 1000003) AS ts, array(id, null, id + 1) AS arr,
		map(cast(id % 3 AS string), id) AS m, named_struct('a', id, 'b', cast(id AS string)) AS st
		FROM range(300000)`
	var batches [2][]arrow.RecordBatch
	for i, s := range []*connect.Session{copied, direct} {
		df, err := s.SQL(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := df.Collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			rec := rr.RecordBatch()
			rec.Retain() // kept after the reader moved on
			batches[i] = append(batches[i], rec)
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
	}
	defer func() {
		for _, bs := range batches {
			for _, b := range bs {
				b.Release()
			}
		}
	}()
	runtime.GC() // anything the direct batches still point into must have stayed alive
	if len(batches[0]) != len(batches[1]) || len(batches[0]) < 2 {
		t.Fatalf("%d batches copied, %d direct", len(batches[0]), len(batches[1]))
	}
	var rows, idSum int64
	for i := range batches[0] {
		if !array.RecordEqual(batches[0][i], batches[1][i]) {
			t.Fatalf("batch %d differs between the copying and the direct reader", i)
		}
		ids := batches[1][i].Column(0).(*array.Int64)
		for j := range ids.Len() {
			idSum += ids.Value(j)
		}
		rows += batches[1][i].NumRows()
	}
	if rows != 300000 || idSum != 299999*300000/2 {
		t.Fatalf("%d rows, sum of ids %d", rows, idSum)
	}
}

// Every type the client maps survives the trip from a SQL literal to a Go value.
func TestTypeRoundTrip(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	if err := s.Conf().Set(ctx, "spark.sql.session.timeZone", "UTC"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Conf().Get(ctx, "spark.sql.session.timeZone"); err != nil || !ok || v != "UTC" {
		t.Fatalf("conf get: %q %v %v", v, ok, err)
	}
	df, err := s.SQL(ctx, `SELECT
		cast(-7 AS tinyint) AS b, cast(-300 AS smallint) AS sh, 70000 AS i, 4000000000L AS l,
		cast(1.5 AS float) AS f, 2.25D AS d, cast(-12345.678 AS decimal(10,3)) AS dec,
		'héllo, wörld' AS s, X'CAFE00' AS bin, true AS bo,
		date'2024-02-29' AS dt, timestamp'2024-03-01 12:34:56.789012' AS ts,
		timestamp_ntz'2024-03-01 23:59:58.000001' AS ntz,
		array(1, 2, null) AS arr, map('a', 1, 'b', 2) AS m,
		named_struct('x', 1, 'y', 'z', 'inner', named_struct('q', array('p'))) AS st,
		cast(null AS int) AS n, null AS nn, :p AS param`, connect.Named("p", int64(42)))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := map[string]string{"b": "tinyint", "sh": "smallint", "i": "int", "l": "bigint", "f": "float",
		"d": "double", "dec": "decimal(10,3)", "s": "string", "bin": "binary", "bo": "boolean", "dt": "date",
		"ts": "timestamp", "ntz": "timestamp_ntz", "arr": "array<int>", "m": "map<string,int>",
		"st": "struct<x:int NOT NULL,y:string NOT NULL,inner:struct<q:array<string> NOT NULL> NOT NULL>", "n": "int", "nn": "void", "param": "bigint"}
	for _, f := range schema.Fields {
		if wantTypes[f.Name] != f.Type.DDL() {
			t.Errorf("schema: %s is %s, want %s", f.Name, f.Type.DDL(), wantTypes[f.Name])
		}
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	get := func(name string) any {
		v, ok := r.Get(name)
		if !ok {
			t.Fatalf("no column %s in %v", name, r.Names())
		}
		return v
	}
	want := map[string]any{
		"b": int8(-7), "sh": int16(-300), "i": int32(70000), "l": int64(4000000000),
		"f": float32(1.5), "d": 2.25, "s": "héllo, wörld", "bin": []byte{0xca, 0xfe, 0x00}, "bo": true,
		"dt":    time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"ts":    time.Date(2024, 3, 1, 12, 34, 56, 789012000, time.UTC),
		"ntz":   time.Date(2024, 3, 1, 23, 59, 58, 1000, time.UTC),
		"arr":   []any{int32(1), int32(2), nil},
		"m":     map[any]any{"a": int32(1), "b": int32(2)},
		"n":     nil,
		"nn":    nil,
		"param": int64(42),
	}
	for name, w := range want {
		if got := get(name); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v (%T), want %#v (%T)", name, got, got, w, w)
		}
	}
	dec, ok := get("dec").(types.Decimal)
	if !ok || dec.String() != "-12345.678" || dec.Rat().Cmp(big.NewRat(-12345678, 1000)) != 0 {
		t.Errorf("dec = %#v", get("dec"))
	}
	st, ok := get("st").(connect.Row)
	if !ok {
		t.Fatalf("st = %T", get("st"))
	}
	if x, _ := st.Get("x"); x != int32(1) {
		t.Errorf("st.x = %#v", x)
	}
	if y, _ := st.Get("y"); y != "z" {
		t.Errorf("st.y = %#v", y)
	}
	inner, _ := st.Get("inner")
	if q, _ := inner.(connect.Row).Get("q"); !reflect.DeepEqual(q, []any{"p"}) {
		t.Errorf("st.inner.q = %#v", q)
	}
	// Literals built in Go come back as the same values.
	lit, err := s.Range(0, 1, 1).Select(
		connect.Lit(int8(1)).Alias("b"), connect.Lit(int16(2)).Alias("sh"), connect.Lit(int32(3)).Alias("i"),
		connect.Lit(int64(4)).Alias("l"), connect.Lit(float32(0.5)).Alias("f"), connect.Lit(0.25).Alias("d"),
		connect.Lit("x").Alias("s"), connect.Lit([]byte{1, 2}).Alias("bin"), connect.Lit(false).Alias("bo"),
		connect.Lit(connect.Date{Year: 2020, Month: 1, Day: 31}).Alias("dt"),
		connect.Lit(time.Date(2021, 5, 6, 7, 8, 9, 123456000, time.UTC)).Alias("ts"),
		connect.Lit(types.Decimal{Unscaled: big.NewInt(-105), Scale: 2}).Alias("dec"),
		connect.Lit(nil).Alias("n"),
	).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantLit := []any{int8(1), int16(2), int32(3), int64(4), float32(0.5), 0.25, "x", []byte{1, 2}, false,
		time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2021, 5, 6, 7, 8, 9, 123456000, time.UTC)}
	for i, w := range wantLit {
		if got := lit[0].Value(i); !reflect.DeepEqual(got, w) {
			t.Errorf("literal %s = %#v, want %#v", lit[0].Names()[i], got, w)
		}
	}
	if d, ok := lit[0].Value(11).(types.Decimal); !ok || d.String() != "-1.05" {
		t.Errorf("decimal literal = %#v", lit[0].Value(11))
	}
	if lit[0].Value(12) != nil {
		t.Errorf("null literal = %#v", lit[0].Value(12))
	}
}

type kafkaRecord struct {
	ID     int64   `json:"id"`
	User   string  `json:"user"`
	Amount float64 `json:"amount"`
}

// franz-go writes 10,000 JSON records; Spark reads the topic in batch mode, counts them and
// parses them server-side back into the values that were written.
func TestKafkaBatchRead(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	topic := newTopic(t, ctx, 3)
	cl := kafkaClient(t, kgo.DefaultProduceTopic(topic))
	const n = 10_000
	written := make(map[int64]kafkaRecord, n)
	recs := make([]*kgo.Record, 0, n)
	for i := int64(0); i < n; i++ {
		r := kafkaRecord{ID: i, User: fmt.Sprintf("user-%d", i%97), Amount: float64(i%1000) / 4}
		written[i] = r
		b, _ := json.Marshal(r)
		recs = append(recs, &kgo.Record{Key: []byte(r.User), Value: b})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}

	s, _ := session(t, ctx)
	df := s.Read().Format("kafka").
		Option("kafka.bootstrap.servers", env.SparkBrokers()).
		Option("subscribe", topic).
		Option("startingOffsets", "earliest").
		Option("endingOffsets", "latest").
		Load()
	count, err := df.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("spark counted %d records, want %d", count, n)
	}
	parsed := df.SelectExpr("cast(key AS string) AS k",
		"from_json(cast(value AS string), 'id BIGINT, user STRING, amount DOUBLE') AS v").
		SelectExpr("k", "v.id AS id", "v.user AS user", "v.amount AS amount")
	rows, err := parsed.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("parsed %d rows, want %d", len(rows), n)
	}
	seen := make(map[int64]bool, n)
	for _, r := range rows {
		id := r.Value(1).(int64)
		w, ok := written[id]
		if !ok || seen[id] {
			t.Fatalf("unexpected or duplicate id %d", id)
		}
		seen[id] = true
		if r.Value(0) != w.User || r.Value(2) != w.User || r.Value(3) != w.Amount {
			t.Fatalf("id %d: got %v, wrote %+v", id, r, w)
		}
	}
}

// A bad SQL statement comes back as a *connect.SparkError with Spark's error class; the
// server's stack trace is there on request.
func TestSQLErrors(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	_, err := s.SQL(ctx, "SELEC 1")
	var se *connect.SparkError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *connect.SparkError", err, err)
	}
	if se.ErrorClass != "PARSE_SYNTAX_ERROR" || se.SQLState != "42601" {
		t.Errorf("error class %q, sql state %q", se.ErrorClass, se.SQLState)
	}
	_, err = s.SQL(ctx, "SELECT * FROM no_such_table")
	if !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Fatalf("got %v", err)
	}
	full, err := s.ErrorDetails(ctx, se)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.StackTrace) == 0 || full.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Errorf("details: class %q, %d frames", full.ErrorClass, len(full.StackTrace))
	}
	// A lazy DataFrame's error surfaces at the action.
	df := s.Range(0, 10, 1).SelectExpr("no_such_column")
	if _, err := df.Count(ctx); !errors.As(err, &se) || se.ErrorClass != "UNRESOLVED_COLUMN.WITH_SUGGESTION" {
		t.Errorf("count of bad plan: %v", err)
	}
	// The session still works after errors.
	if n, err := s.Range(0, 10, 1).Count(ctx); err != nil || n != 10 {
		t.Errorf("count after errors: %d %v", n, err)
	}
}

// Wrong ports and silent servers fail within the context's deadline, never hang.
func TestUnreachableFailsWithinDeadline(t *testing.T) {
	closed, silent := deadAddrs(t)
	for _, url := range []string{"sc://" + closed, "sc://" + silent} {
		const deadline = 3 * time.Second
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		_, err := connect.Dial(ctx, url)
		elapsed := time.Since(start)
		cancel()
		if err == nil {
			t.Fatalf("%s: dial succeeded", url)
		}
		if elapsed > deadline+2*time.Second {
			t.Errorf("%s: failed after %s, deadline was %s", url, elapsed, deadline)
		}
		t.Logf("%s: %v after %s", url, err, elapsed.Round(time.Millisecond))
	}
	if _, err := connect.Dial(context.Background(), "sc://localhost:99999"); !errors.Is(err, connect.ErrConnectionString) {
		t.Errorf("bad port: %v", err)
	}
}

// Cancelling a Collect interrupts the operation on the server: Spark's UI shows no job
// still running for it.
func TestCancelInterruptsServer(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	// An aggregation over ten billion rows runs for minutes unless interrupted.
	df, err := s.SQL(ctx, "SELECT sum(id % 7) FROM range(0, 10000000000, 1, 2)")
	if err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithCancel(ctx)
	rr, err := df.Collect(qctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, 60*time.Second, func() (bool, error) { return runningJobs(ctx) }); err != nil {
		t.Fatalf("the query never started a job: %v", err)
	}
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	if rr.Next() {
		t.Fatal("got a batch from a query that should still be running")
	}
	if !errors.Is(rr.Err(), context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", rr.Err())
	}
	rr.Release()
	err = waitFor(ctx, 30*time.Second, func() (bool, error) {
		running, err := runningJobs(ctx)
		return !running, err
	})
	if err != nil {
		t.Fatalf("the job still runs on the server after cancel: %v", err)
	}
}

// runningJobs asks Spark's REST API whether any job is running.
func runningJobs(ctx context.Context) (bool, error) {
	get := func(path string, v any) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.SparkUIURL()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(v)
	}
	var apps []struct{ ID string }
	if err := get("/api/v1/applications", &apps); err != nil || len(apps) == 0 {
		return false, fmt.Errorf("applications: %v (%d)", err, len(apps))
	}
	var jobs []struct{ JobID int }
	if err := get("/api/v1/applications/"+apps[0].ID+"/jobs?status=running", &jobs); err != nil {
		return false, err
	}
	return len(jobs) > 0, nil
}

func waitFor(ctx context.Context, d time.Duration, cond func() (bool, error)) error {
	return testkit.WaitFor(ctx, d, cond)
}
