package connect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func dataSource(streaming bool, format, schema *string, opts map[string]string, paths ...string) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		IsStreaming: streaming,
		ReadType: &sparkpb.Read_DataSource_{DataSource: &sparkpb.Read_DataSource{
			Format: format, Schema: schema, Options: opts, Paths: paths,
		}},
	}}}
}

func namedTable(streaming bool, name string, opts map[string]string) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		IsStreaming: streaming,
		ReadType: &sparkpb.Read_NamedTable_{NamedTable: &sparkpb.Read_NamedTable{
			UnparsedIdentifier: name, Options: opts,
		}},
	}}}
}

func TestReaderPlans(t *testing.T) {
	srv, s := dialGolden(t)
	for _, streaming := range []bool{false, true} {
		reader := s.Read
		name := "Read"
		if streaming {
			reader, name = s.ReadStream, "ReadStream"
		}
		cases := []struct {
			name string
			df   func() *DataFrame
			want *sparkpb.Relation
		}{
			{"Load bare", func() *DataFrame { return reader().Load() }, dataSource(streaming, nil, nil, nil)},
			{"Format", func() *DataFrame { return reader().Format("json").Load("/a", "/b") },
				dataSource(streaming, refOf("json"), nil, nil, "/a", "/b")},
			{"Schema", func() *DataFrame { return reader().Format("csv").Schema("id BIGINT, s STRING").Load("/p") },
				dataSource(streaming, refOf("csv"), refOf("id BIGINT, s STRING"), nil, "/p")},
			{"Option", func() *DataFrame {
				return reader().Format("kafka").Option("subscribe", "t").Option("startingOffsets", "earliest").Option("subscribe", "u").Load()
			}, dataSource(streaming, refOf("kafka"), nil, map[string]string{"subscribe": "u", "startingOffsets": "earliest"})},
			{"Options", func() *DataFrame {
				return reader().Option("a", "1").Options(map[string]string{"b": "2", "a": "3"}).Options(nil).Load()
			}, dataSource(streaming, nil, nil, map[string]string{"a": "3", "b": "2"})},
			{"Options first", func() *DataFrame { return reader().Options(map[string]string{"x": "y"}).Load() },
				dataSource(streaming, nil, nil, map[string]string{"x": "y"})},
			{"Table", func() *DataFrame { return reader().Table("db.t") }, namedTable(streaming, "db.t", nil)},
			{"Table with options", func() *DataFrame { return reader().Format("ignored").Option("k", "v").Table("t") },
				namedTable(streaming, "t", map[string]string{"k": "v"})},
		}
		for _, tc := range cases {
			t.Run(name+" "+tc.name, func(t *testing.T) {
				checkPlan(t, srv, tc.df(), tc.want)
			})
		}
	}
}

func TestReaderIsTemplate(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Read().Format("csv").Option("header", "true").Schema("a INT")
	_ = base.Format("json").Schema("b INT").Option("header", "false").Option("sep", ";").Options(map[string]string{"x": "y"})
	withSep := base.Option("sep", "|")
	_ = withSep.Option("sep", ",")
	checkPlan(t, srv, base.Load("/p"), dataSource(false, refOf("csv"), refOf("a INT"), map[string]string{"header": "true"}, "/p"))
	checkPlan(t, srv, withSep.Load("/p"), dataSource(false, refOf("csv"), refOf("a INT"), map[string]string{"header": "true", "sep": "|"}, "/p"))

	// A DataFrame loaded earlier does not change when the reader's options passed to Options change.
	opts := map[string]string{"k": "v"}
	r := s.Read().Options(opts)
	opts["k"] = "changed"
	checkPlan(t, srv, r.Load(), dataSource(false, nil, nil, map[string]string{"k": "v"}))

	// The stream reader stays a stream reader through its copies.
	checkPlan(t, srv, s.ReadStream().Format("rate").Option("rowsPerSecond", "1").Load(),
		dataSource(true, refOf("rate"), nil, map[string]string{"rowsPerSecond": "1"}))
}

// startCommand returns the WriteStreamOperationStart of the last command srv received.
func startCommand(t *testing.T, srv *fakeserver.Server) *sparkpb.WriteStreamOperationStart {
	t.Helper()
	op := lastCommand(t, srv).GetWriteStreamOperationStart()
	if op == nil {
		t.Fatal("last command is not write_stream_operation_start")
	}
	return op
}

func TestStreamWriterPlans(t *testing.T) {
	srv, s := dialGolden(t)
	rate := s.ReadStream().Format("rate").Load()
	input := dataSource(true, refOf("rate"), nil, nil)
	start := func(f func(*sparkpb.WriteStreamOperationStart)) *sparkpb.WriteStreamOperationStart {
		op := &sparkpb.WriteStreamOperationStart{Input: input}
		f(op)
		return op
	}
	cases := []struct {
		name  string
		start func(ctx context.Context) (*StreamingQuery, error)
		want  *sparkpb.WriteStreamOperationStart
	}{
		{"bare", func(ctx context.Context) (*StreamingQuery, error) { return rate.WriteStream().Start(ctx) },
			start(func(*sparkpb.WriteStreamOperationStart) {})},
		{"memory", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Format("memory").QueryName("q").OutputMode(Complete).Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Format, op.QueryName, op.OutputMode = "memory", "q", "complete"
		})},
		{"Append", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().OutputMode(Append).Start(ctx)
		},
			start(func(op *sparkpb.WriteStreamOperationStart) { op.OutputMode = "append" })},
		{"Update", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().OutputMode(Update).Start(ctx)
		},
			start(func(op *sparkpb.WriteStreamOperationStart) { op.OutputMode = "update" })},
		{"ProcessingTime", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Trigger(ProcessingTime(90 * time.Second)).Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Trigger = &sparkpb.WriteStreamOperationStart_ProcessingTimeInterval{ProcessingTimeInterval: "90000 milliseconds"}
		})},
		{"ProcessingTime zero", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Trigger(ProcessingTime(0)).Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Trigger = &sparkpb.WriteStreamOperationStart_ProcessingTimeInterval{ProcessingTimeInterval: "0 milliseconds"}
		})},
		{"AvailableNow", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Trigger(AvailableNow()).Start(ctx)
		},
			start(func(op *sparkpb.WriteStreamOperationStart) {
				op.Trigger = &sparkpb.WriteStreamOperationStart_AvailableNow{AvailableNow: true}
			})},
		{"Once", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Trigger(Once()).Start(ctx)
		},
			start(func(op *sparkpb.WriteStreamOperationStart) {
				op.Trigger = &sparkpb.WriteStreamOperationStart_Once{Once: true}
			})},
		{"Continuous", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Trigger(Continuous(time.Second)).Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Trigger = &sparkpb.WriteStreamOperationStart_ContinuousCheckpointInterval{ContinuousCheckpointInterval: "1000 milliseconds"}
		})},
		{"options", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Format("kafka").Option("topic", "t").Options(map[string]string{"kafka.bootstrap.servers": "b:9092", "topic": "u"}).
				Option("checkpointLocation", "/c").Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Format = "kafka"
			op.Options = map[string]string{"topic": "u", "kafka.bootstrap.servers": "b:9092", "checkpointLocation": "/c"}
		})},
		{"Options first", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Options(map[string]string{"a": "b"}).Start(ctx)
		}, start(func(op *sparkpb.WriteStreamOperationStart) { op.Options = map[string]string{"a": "b"} })},
		{"path", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().Format("parquet").PartitionBy("a", "b").Start(ctx, "/out")
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.Format = "parquet"
			op.PartitioningColumnNames = []string{"a", "b"}
			op.SinkDestination = &sparkpb.WriteStreamOperationStart_Path{Path: "/out"}
		})},
		{"ToTable", func(ctx context.Context) (*StreamingQuery, error) {
			return rate.WriteStream().ClusterBy("c").QueryName("n").ToTable(ctx, "db.sink")
		}, start(func(op *sparkpb.WriteStreamOperationStart) {
			op.ClusteringColumnNames = []string{"c"}
			op.QueryName = "n"
			op.SinkDestination = &sparkpb.WriteStreamOperationStart_TableName{TableName: "db.sink"}
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.start(goldenCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			got := startCommand(t, srv)
			checkProto(t, "write_stream_operation_start", noIDs(got), tc.want)
			// The query carries the ids the server answered with.
			active := srv.ActiveQueries()
			if len(active) == 0 || q.ID() != active[len(active)-1] {
				t.Errorf("query id %q, server's %v", q.ID(), active)
			}
			if q.RunID() == "" || q.RunID() == q.ID() {
				t.Errorf("run id %q", q.RunID())
			}
			if q.Name() != tc.want.GetQueryName() {
				t.Errorf("name %q, want %q", q.Name(), tc.want.GetQueryName())
			}
		})
	}
}

func TestStreamWriterAnswer(t *testing.T) {
	srv, s := dialGolden(t)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if req.GetPlan().GetCommand().GetWriteStreamOperationStart() == nil {
			return fakeserver.ErrUseDefault
		}
		return op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_WriteStreamOperationStartResult{
			WriteStreamOperationStartResult: &sparkpb.WriteStreamOperationStartResult{
				QueryId: &sparkpb.StreamingQueryInstanceId{Id: "qid", RunId: "rid"}, Name: "named",
			},
		}})
	})
	q, err := s.ReadStream().Format("rate").Load().WriteStream().Start(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if q.ID() != "qid" || q.RunID() != "rid" || q.Name() != "named" {
		t.Errorf("query %q %q %q", q.ID(), q.RunID(), q.Name())
	}
	// An answer without a start result is an error.
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		return op.Complete()
	})
	if _, err := s.ReadStream().Format("rate").Load().WriteStream().Start(goldenCtx(t)); err == nil || !strings.Contains(err.Error(), "no query id") {
		t.Errorf("start without a result: %v", err)
	}
}

func TestStreamWriterErrors(t *testing.T) {
	srv, s := dialGolden(t)
	w := s.ReadStream().Format("rate").Load().WriteStream()
	cases := []struct {
		name  string
		start func(ctx context.Context) (*StreamingQuery, error)
		want  string
	}{
		{"unknown output mode", func(ctx context.Context) (*StreamingQuery, error) { return w.OutputMode("sideways").Start(ctx) }, `unknown output mode "sideways"`},
		{"empty output mode", func(ctx context.Context) (*StreamingQuery, error) { return w.OutputMode("").Start(ctx) }, "unknown output mode"},
		{"trigger twice", func(ctx context.Context) (*StreamingQuery, error) {
			return w.Trigger(Once()).Trigger(AvailableNow()).Start(ctx)
		}, "trigger set twice (Once, then AvailableNow)"},
		{"zero trigger", func(ctx context.Context) (*StreamingQuery, error) { return w.Trigger(Trigger{}).Start(ctx) }, "an empty Trigger"},
		{"zero trigger ToTable", func(ctx context.Context) (*StreamingQuery, error) { return w.Trigger(Trigger{}).ToTable(ctx, "t") }, "an empty Trigger"},
		{"error sticks", func(ctx context.Context) (*StreamingQuery, error) {
			return w.OutputMode("bad").OutputMode(Append).Format("memory").Start(ctx)
		}, "unknown output mode"},
		{"two paths", func(ctx context.Context) (*StreamingQuery, error) { return w.Start(ctx, "/a", "/b") }, "at most one path"},
		{"bad DataFrame", func(ctx context.Context) (*StreamingQuery, error) {
			return s.Range(0, 1, 1).Limit(-1).WriteStream().ToTable(ctx, "t")
		}, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sentRequests(srv)
			q, err := tc.start(goldenCtx(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) || q != nil {
				t.Errorf("got %v, %v; want error %q", q, err, tc.want)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}
	if got := (Trigger{}).String(); got != "" {
		t.Errorf("zero Trigger String %q", got)
	}
	for _, tc := range []struct {
		t    Trigger
		want string
	}{
		{ProcessingTime(2 * time.Second), "ProcessingTime(2000 milliseconds)"},
		{Continuous(1500 * time.Millisecond), "Continuous(1500 milliseconds)"},
		{AvailableNow(), "AvailableNow"},
		{Once(), "Once"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}

	// The writer is a template: a derived writer's settings do not leak into the original.
	base := w.Format("memory").Option("a", "1")
	_ = base.Option("a", "2").Option("b", "3").Trigger(Once()).OutputMode("bad").QueryName("x").Format("console")
	if _, err := base.Trigger(AvailableNow()).Start(goldenCtx(t)); err != nil {
		t.Fatalf("template writer: %v", err)
	}
	checkProto(t, "template writer", noIDs(startCommand(t, srv)), &sparkpb.WriteStreamOperationStart{
		Input: dataSource(true, refOf("rate"), nil, nil), Format: "memory", Options: map[string]string{"a": "1"},
		Trigger: &sparkpb.WriteStreamOperationStart_AvailableNow{AvailableNow: true},
	})

	// A server error reaches the caller.
	srv.FailNext(fakeserver.SparkError(codes.Internal, "STREAM_FAILED", "XX000", "boom", ""))
	var se *SparkError
	if _, err := w.Start(goldenCtx(t)); !errors.As(err, &se) {
		t.Errorf("start with a server error: %v", err)
	}
}
