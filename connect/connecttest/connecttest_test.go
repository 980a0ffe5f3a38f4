package connecttest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, srv *connecttest.Server, opts ...connect.Option) *connect.Session {
	t.Helper()
	s, err := srv.Dial(ctxT(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func batch(mem memory.Allocator, names []string, ids []int64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues(ids, nil)
	b.Field(1).(*array.StringBuilder).AppendValues(names, nil)
	return b.NewRecordBatch()
}

func TestDialSQLCollect(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	r1 := batch(mem, []string{"a", "b"}, []int64{1, 2})
	r2 := batch(mem, []string{"c"}, []int64{3})
	srv.SetResult(r1, r2)
	r1.Release()
	r2.Release()

	s := dial(t, srv)
	if s.Version() != "4.1.2" {
		t.Fatalf("version %q", s.Version())
	}
	ctx := ctxT(t)
	df, err := s.SQL(ctx, "SELECT id, name FROM people WHERE id > ?", 0)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2].Value(0) != int64(3) || rows[0].Value(1) != "a" {
		t.Fatalf("rows %v", rows)
	}
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := schema.DDL(); !strings.Contains(got, "id") || !strings.Contains(got, "name") {
		t.Fatalf("schema %s", got)
	}
	// A second query through Collect gets the same batches.
	rr, err := s.Table("people").Limit(10).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	rr.Release()
	if rr.Err() != nil || n != 3 {
		t.Fatalf("collected %d rows, %v", n, rr.Err())
	}
	plans := srv.Plans()
	if len(plans) != 3 { // the SQL command, the query, the table read
		t.Fatalf("%d plans:\n%v", len(plans), plans)
	}
	if !strings.Contains(plans[0].String(), "SELECT id, name FROM people") {
		t.Fatalf("first plan %s", plans[0])
	}
}

func TestEmptyResult(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	rows, err := s.Range(0, 10, 1).Rows(ctxT(t))
	if err != nil || len(rows) != 0 {
		t.Fatalf("rows %v, %v", rows, err)
	}
}

func TestConf(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	if err := s.Conf().Set(ctx, "spark.sql.shuffle.partitions", "8"); err != nil {
		t.Fatal(err)
	}
	v, ok, err := s.Conf().Get(ctx, "spark.sql.shuffle.partitions")
	if err != nil || !ok || v != "8" {
		t.Fatalf("get %q %v %v", v, ok, err)
	}
	if err := s.Conf().Unset(ctx, "spark.sql.shuffle.partitions"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Conf().Get(ctx, "spark.sql.shuffle.partitions"); ok {
		t.Fatal("unset key still set")
	}
}

func TestFailNext(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	srv.FailNext("TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `nope` cannot be found.")
	_, err := s.Table("nope").Rows(ctx)
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || se.SQLState != "42P01" || se.ErrorID == "" {
		t.Fatalf("err = %#v", err)
	}
	full, err := s.ErrorDetails(ctx, se)
	if err != nil || !strings.Contains(full.Message, "cannot be found") || full.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Fatalf("details %#v, %v", full, err)
	}
	// Only the next call failed.
	if _, err := s.Table("t").Rows(ctx); err != nil {
		t.Fatal(err)
	}
	srv.FailNext("PARSE_SYNTAX_ERROR", "42601", "Syntax error.")
	if _, err := s.Range(0, 1, 1).Schema(ctx); !errors.As(err, &se) || se.ErrorClass != "PARSE_SYNTAX_ERROR" {
		t.Fatalf("analyze err = %v", err)
	}
}

func TestStreamingAndProgress(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("rates").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q.ID() == "" || q.Name() != "rates" {
		t.Fatalf("query %s %q", q.ID(), q.Name())
	}
	if ev := <-sub.Events(); ev.QueryID() != q.ID() {
		t.Fatalf("started event %#v", ev)
	}
	srv.PublishProgress(`{"id":"` + q.ID() + `","runId":"` + q.RunID() + `","batchId":3,"numInputRows":10}`)
	select {
	case ev := <-sub.Events():
		p, ok := ev.(*connect.QueryProgressEvent)
		if !ok || p.QueryID() != q.ID() || p.Progress.BatchID != 3 {
			t.Fatalf("progress event %#v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no progress event")
	}
	active, err := s.Streams().Active(ctx)
	if err != nil || len(active) != 1 {
		t.Fatalf("active %v %v", active, err)
	}
	if got := srv.ActiveQueries(); len(got) != 1 || got[0] != q.ID() {
		t.Fatalf("active queries %v", got)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.ActiveQueries(); len(got) != 0 {
		t.Fatalf("active queries after stop %v", got)
	}
	if ok, err := q.IsActive(ctx); err != nil || ok {
		t.Fatalf("active after stop: %v %v", ok, err)
	}
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenRoundTrip(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	df := s.Table("events").Filter(connect.Col("amount").Gt(100)).Select(connect.Col("user"), connect.Col("amount"))
	if _, err := df.Rows(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SQL(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	plans := srv.Plans()
	path := filepath.Join(t.TempDir(), "golden", "plans.json")
	t.Setenv(connecttest.UpdateGoldenEnv, "1")
	connecttest.CheckGolden(t, path, plans)
	t.Setenv(connecttest.UpdateGoldenEnv, "")
	connecttest.CheckGolden(t, path, plans)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := connecttest.ParsePlans(data)
	if err != nil || len(parsed) != 2 {
		t.Fatalf("parsed %d plans, %v", len(parsed), err)
	}
	// JSON is byte-stable and round-trips.
	for i, p := range plans {
		if string(p.JSON()) != string(parsed[i].JSON()) {
			t.Fatalf("plan %d changed in a round trip:\n%s\n%s", i, p, parsed[i])
		}
		if d, err := p.Diff(parsed[i].JSON()); d != "" || err != nil {
			t.Fatalf("diff of equal plans: %q %v", d, err)
		}
	}
	// A change shows in the diff.
	changed := strings.Replace(string(plans[0].JSON()), `"events"`, `"clicks"`, 1)
	d, err := plans[0].Diff([]byte(changed))
	if err != nil || !strings.Contains(d, `- `) || !strings.Contains(d, `"clicks"`) || !strings.Contains(d, `+ `) {
		t.Fatalf("diff:\n%s\n%v", d, err)
	}
	if _, err := plans[0].Diff([]byte("not json")); err == nil {
		t.Fatal("Diff accepted a broken golden plan")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func (r *recorder) Helper() {}

func TestCheckGoldenReportsDifferences(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	if _, err := s.Table("a").Rows(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plans.json")
	t.Setenv(connecttest.UpdateGoldenEnv, "1")
	connecttest.CheckGolden(t, path, srv.Plans())
	t.Setenv(connecttest.UpdateGoldenEnv, "")
	if _, err := s.Table("b").Rows(ctx); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	connecttest.CheckGolden(r, path, srv.Plans())
	if len(r.errors) != 2 { // the count, and the extra plan
		t.Fatalf("reported %v", r.errors)
	}
}

func TestManyQueriesThenClose(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	for range 20 {
		if _, err := s.Range(0, 5, 1).Rows(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDialWithToken(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv, connect.WithToken("secret"), connect.WithUserID("ada"))
	if _, err := s.Range(0, 1, 1).Rows(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// Options route connect.Dial to the server from a URL of the caller's own, whose
// parameters still apply.
func TestOptionsWithOwnURL(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	ctx := ctxT(t)
	id := connect.NewSessionID()
	s, err := connect.Dial(ctx, "sc://spark.example:443/;session_id="+id+";user_id=ada", srv.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	if s.ID() != id {
		t.Fatalf("session id %q, want the URL's %q", s.ID(), id)
	}
	if _, err := s.SQL(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if plans := srv.Plans(); len(plans) != 1 || !strings.Contains(plans[0].String(), "SELECT 1") {
		t.Fatalf("plans %v", plans)
	}
	// A URL that is no connection string still fails as it would without the server.
	if _, err := connect.Dial(ctx, "sc://localhost:notaport", srv.Options()...); !errors.Is(err, connect.ErrConnectionString) {
		t.Fatalf("bad URL: %v", err)
	}
}

func TestPublishTerminated(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s := dial(t, srv)
	ctx := ctxT(t)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)
	srv.PublishTerminated("q1", "r1", "", "")
	srv.PublishTerminated("q2", "r2", "java.lang.ArithmeticException: / by zero", "DIVIDE_BY_ZERO")
	var got []*connect.QueryTerminatedEvent
	for len(got) < 2 {
		select {
		case ev := <-sub.Events():
			if e, ok := ev.(*connect.QueryTerminatedEvent); ok {
				got = append(got, e)
			}
		case <-ctx.Done():
			t.Fatalf("terminated events: got %d of 2", len(got))
		}
	}
	if got[0].ID != "q1" || got[0].RunID != "r1" || got[0].Exception != nil || got[0].ErrorClass != nil {
		t.Errorf("stopped: %+v", got[0])
	}
	if got[1].ID != "q2" || got[1].Exception == nil || !strings.Contains(*got[1].Exception, "by zero") ||
		got[1].ErrorClass == nil || *got[1].ErrorClass != "DIVIDE_BY_ZERO" {
		t.Errorf("failed: %+v", got[1])
	}
}
