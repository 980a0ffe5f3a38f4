package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// writeV2Command returns the WriteOperationV2 of the last command srv received.
func writeV2Command(t *testing.T, srv *fakeserver.Server) *sparkpb.WriteOperationV2 {
	t.Helper()
	op := lastCommand(t, srv).GetWriteOperationV2()
	if op == nil {
		t.Fatal("last command is not write_operation_v2")
	}
	return op
}

func TestWriterV2Plans(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 5, 1)
	write := func(mode sparkpb.WriteOperationV2_Mode, f func(*sparkpb.WriteOperationV2)) *sparkpb.WriteOperationV2 {
		op := &sparkpb.WriteOperationV2{Input: rangeRel(5), TableName: "cat.db.t", Mode: mode}
		f(op)
		return op
	}
	none := func(*sparkpb.WriteOperationV2) {}
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want *sparkpb.WriteOperationV2
	}{
		{"Create", func(ctx context.Context) error { return df.WriteTo("cat.db.t").Create(ctx) },
			write(sparkpb.WriteOperationV2_MODE_CREATE, none)},
		{"Create with everything", func(ctx context.Context) error {
			return df.WriteTo("cat.db.t").Using("parquet").Option("a", "1").Options(map[string]string{"b": "2", "a": "3"}).
				TableProperty("owner", "me").TableProperty("k", "v").
				PartitionedBy(Col("x")).PartitionedBy(Col("id"), CallFunction("years", Col("ts"))).
				ClusterBy("c").Create(ctx)
		}, write(sparkpb.WriteOperationV2_MODE_CREATE, func(op *sparkpb.WriteOperationV2) {
			op.Provider = refOf("parquet")
			op.Options = map[string]string{"a": "3", "b": "2"}
			op.TableProperties = map[string]string{"owner": "me", "k": "v"}
			op.PartitioningColumns = []*sparkpb.Expression{attrExpr("id"), callExpr("years", attrExpr("ts"))}
			op.ClusteringColumns = []string{"c"}
		})},
		{"Replace", func(ctx context.Context) error { return df.WriteTo("cat.db.t").Using("orc").Replace(ctx) },
			write(sparkpb.WriteOperationV2_MODE_REPLACE, func(op *sparkpb.WriteOperationV2) { op.Provider = refOf("orc") })},
		{"CreateOrReplace", func(ctx context.Context) error { return df.WriteTo("cat.db.t").CreateOrReplace(ctx) },
			write(sparkpb.WriteOperationV2_MODE_CREATE_OR_REPLACE, none)},
		{"Append", func(ctx context.Context) error {
			return df.WriteTo("cat.db.t").Option("mergeSchema", "true").Append(ctx)
		},
			write(sparkpb.WriteOperationV2_MODE_APPEND, func(op *sparkpb.WriteOperationV2) {
				op.Options = map[string]string{"mergeSchema": "true"}
			})},
		{"Overwrite", func(ctx context.Context) error { return df.WriteTo("cat.db.t").Overwrite(ctx, Col("id").Lt(3)) },
			write(sparkpb.WriteOperationV2_MODE_OVERWRITE, func(op *sparkpb.WriteOperationV2) {
				op.OverwriteCondition = callExpr("<", attrExpr("id"), litLong(3))
			})},
		{"Options first", func(ctx context.Context) error {
			return df.WriteTo("cat.db.t").Options(map[string]string{"x": "y"}).Append(ctx)
		}, write(sparkpb.WriteOperationV2_MODE_APPEND, func(op *sparkpb.WriteOperationV2) {
			op.Options = map[string]string{"x": "y"}
		})},
		{"OverwritePartitions", func(ctx context.Context) error { return df.WriteTo("cat.db.t").OverwritePartitions(ctx) },
			write(sparkpb.WriteOperationV2_MODE_OVERWRITE_PARTITIONS, none)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(goldenCtx(t)); err != nil {
				t.Fatal(err)
			}
			checkProto(t, "write_operation_v2", noIDs(writeV2Command(t, srv)), tc.want)
		})
	}
}

func TestWriterV2Errors(t *testing.T) {
	srv, s := dialGolden(t)
	w := s.Range(0, 1, 1).WriteTo("t")
	var nilWriter *DataFrameWriterV2
	var nilDF *DataFrame
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want string
	}{
		{"zero partition column", func(ctx context.Context) error { return w.PartitionedBy(Column{}).Create(ctx) }, "write to t: partitioned by: the zero Column"},
		{"invalid partition column", func(ctx context.Context) error {
			return w.PartitionedBy(Col("a"), InvalidColumn(errors.New("bad col"))).PartitionedBy(Col("b")).Create(ctx)
		}, "bad col"},
		{"zero condition", func(ctx context.Context) error { return w.Overwrite(ctx, Column{}) }, "write to t: overwrite condition: the zero Column"},
		{"bad DataFrame", func(ctx context.Context) error { return s.Range(0, 1, 1).Limit(-1).WriteTo("t").Append(ctx) }, "negative"},
		{"nil DataFrame", func(ctx context.Context) error { return nilDF.WriteTo("t").Append(ctx) }, ErrNilDataFrame.Error()},
		{"nil writer", func(ctx context.Context) error { return nilWriter.CreateOrReplace(ctx) }, ErrNilDataFrame.Error()},
		{"nil writer condition", func(ctx context.Context) error { return nilWriter.Overwrite(ctx, Lit(true)) }, ErrNilDataFrame.Error()},
		{"nil writer builder", func(ctx context.Context) error {
			return nilWriter.Using("parquet").Option("a", "b").Options(nil).TableProperty("k", "v").ClusterBy("c").Replace(ctx)
		}, ErrNilDataFrame.Error()},
		{"nil writer zero condition", func(ctx context.Context) error { return nilWriter.Overwrite(ctx, Column{}) }, "overwrite condition"},
		{"zero writer", func(ctx context.Context) error { return (&DataFrameWriterV2{}).OverwritePartitions(ctx) }, ErrNilDataFrame.Error()},
		{"zero DataFrame", func(ctx context.Context) error { return (&DataFrame{}).WriteTo("t").Create(ctx) }, ErrClosed.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sentRequests(srv)
			err := tc.run(goldenCtx(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error %q", err, tc.want)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}

	// The writer is a template.
	base := w.Using("parquet").TableProperty("a", "1").Option("o", "1")
	_ = base.Using("orc").TableProperty("a", "2").TableProperty("b", "3").Option("o", "2").PartitionedBy(Col("x")).ClusterBy("y")
	if err := base.Create(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "template writer", noIDs(writeV2Command(t, srv)), &sparkpb.WriteOperationV2{
		Input: rangeRel(1), TableName: "t", Mode: sparkpb.WriteOperationV2_MODE_CREATE, Provider: refOf("parquet"),
		Options: map[string]string{"o": "1"}, TableProperties: map[string]string{"a": "1"},
	})

	srv.FailNext(fakeserver.SparkError(codes.Internal, "TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", "exists", ""))
	var se *SparkError
	if err := w.Create(goldenCtx(t)); !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_ALREADY_EXISTS" {
		t.Errorf("create with a server error: %v", err)
	}
}
