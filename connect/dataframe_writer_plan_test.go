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

// writeCommand returns the WriteOperation of the last command srv received.
func writeCommand(t *testing.T, srv *fakeserver.Server) *sparkpb.WriteOperation {
	t.Helper()
	op := lastCommand(t, srv).GetWriteOperation()
	if op == nil {
		t.Fatal("last command is not write_operation")
	}
	return op
}

func saveTable(name string, method sparkpb.WriteOperation_SaveTable_TableSaveMethod) *sparkpb.WriteOperation_Table {
	return &sparkpb.WriteOperation_Table{Table: &sparkpb.WriteOperation_SaveTable{TableName: name, SaveMethod: method}}
}

func savePath(p string) *sparkpb.WriteOperation_Path { return &sparkpb.WriteOperation_Path{Path: p} }

func TestWriterPlans(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 10, 1)
	input := rangeRel(10)
	write := func(f func(*sparkpb.WriteOperation)) *sparkpb.WriteOperation {
		op := &sparkpb.WriteOperation{Input: input}
		f(op)
		return op
	}
	const (
		saveAsTable = sparkpb.WriteOperation_SaveTable_TABLE_SAVE_METHOD_SAVE_AS_TABLE
		insertInto  = sparkpb.WriteOperation_SaveTable_TABLE_SAVE_METHOD_INSERT_INTO
	)
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want *sparkpb.WriteOperation
	}{
		{"Save bare", func(ctx context.Context) error { return df.Write().Save(ctx) }, write(func(*sparkpb.WriteOperation) {})},
		{"Save path", func(ctx context.Context) error { return df.Write().Format("json").Save(ctx, "/out") },
			write(func(op *sparkpb.WriteOperation) { op.Source, op.SaveType = refOf("json"), savePath("/out") })},
		{"Append", func(ctx context.Context) error { return df.Write().Mode(SaveModeAppend).Save(ctx, "/p") },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_APPEND, savePath("/p")
			})},
		{"Overwrite", func(ctx context.Context) error { return df.Write().Mode(SaveModeOverwrite).Save(ctx, "/p") },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_OVERWRITE, savePath("/p")
			})},
		{"ErrorIfExists", func(ctx context.Context) error { return df.Write().Mode(SaveModeErrorIfExists).Save(ctx, "/p") },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_ERROR_IF_EXISTS, savePath("/p")
			})},
		{"error alias", func(ctx context.Context) error { return df.Write().Mode("Error").Save(ctx, "/p") },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_ERROR_IF_EXISTS, savePath("/p")
			})},
		{"Ignore", func(ctx context.Context) error { return df.Write().Mode("IGNORE").Save(ctx, "/p") },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_IGNORE, savePath("/p")
			})},
		{"options", func(ctx context.Context) error {
			return df.Write().Option("compression", "gzip").Options(map[string]string{"a": "1", "compression": "zstd"}).
				Option("b", "2").Save(ctx, "/p")
		}, write(func(op *sparkpb.WriteOperation) {
			op.Options = map[string]string{"compression": "zstd", "a": "1", "b": "2"}
			op.SaveType = savePath("/p")
		})},
		{"Options first", func(ctx context.Context) error { return df.Write().Options(map[string]string{"x": "y"}).Save(ctx) },
			write(func(op *sparkpb.WriteOperation) { op.Options = map[string]string{"x": "y"} })},
		{"PartitionBy", func(ctx context.Context) error {
			return df.Write().PartitionBy("x").PartitionBy("a", "b").Parquet(ctx, "/p")
		}, write(func(op *sparkpb.WriteOperation) {
			op.Source, op.SaveType, op.PartitioningColumns = refOf("parquet"), savePath("/p"), []string{"a", "b"}
		})},
		{"BucketBy SortBy", func(ctx context.Context) error {
			return df.Write().BucketBy(4, "id").SortBy("id", "x").SaveAsTable(ctx, "db.t")
		}, write(func(op *sparkpb.WriteOperation) {
			op.BucketBy = &sparkpb.WriteOperation_BucketBy{NumBuckets: 4, BucketColumnNames: []string{"id"}}
			op.SortColumnNames = []string{"id", "x"}
			op.SaveType = saveTable("db.t", saveAsTable)
		})},
		{"ClusterBy", func(ctx context.Context) error { return df.Write().ClusterBy("c", "d").SaveAsTable(ctx, "t") },
			write(func(op *sparkpb.WriteOperation) {
				op.ClusteringColumns = []string{"c", "d"}
				op.SaveType = saveTable("t", saveAsTable)
			})},
		{"SaveAsTable", func(ctx context.Context) error {
			return df.Write().Format("orc").Mode(SaveModeOverwrite).SaveAsTable(ctx, "t")
		}, write(func(op *sparkpb.WriteOperation) {
			op.Source, op.Mode = refOf("orc"), sparkpb.WriteOperation_SAVE_MODE_OVERWRITE
			op.SaveType = saveTable("t", saveAsTable)
		})},
		{"InsertInto", func(ctx context.Context) error {
			return df.Write().Mode(SaveModeIgnore).InsertInto(ctx, "t", false)
		}, write(func(op *sparkpb.WriteOperation) {
			op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_APPEND, saveTable("t", insertInto)
		})},
		{"InsertInto overwrite", func(ctx context.Context) error { return df.Write().InsertInto(ctx, "t", true) },
			write(func(op *sparkpb.WriteOperation) {
				op.Mode, op.SaveType = sparkpb.WriteOperation_SAVE_MODE_OVERWRITE, saveTable("t", insertInto)
			})},
		{"JSON", func(ctx context.Context) error { return df.Write().Format("x").JSON(ctx, "/j") },
			write(func(op *sparkpb.WriteOperation) { op.Source, op.SaveType = refOf("json"), savePath("/j") })},
		{"CSV", func(ctx context.Context) error { return df.Write().Option("header", "true").CSV(ctx, "/c") },
			write(func(op *sparkpb.WriteOperation) {
				op.Source, op.SaveType, op.Options = refOf("csv"), savePath("/c"), map[string]string{"header": "true"}
			})},
		{"ORC", func(ctx context.Context) error { return df.Write().ORC(ctx, "/o") },
			write(func(op *sparkpb.WriteOperation) { op.Source, op.SaveType = refOf("orc"), savePath("/o") })},
		{"Text", func(ctx context.Context) error { return df.Write().Text(ctx, "/t") },
			write(func(op *sparkpb.WriteOperation) { op.Source, op.SaveType = refOf("text"), savePath("/t") })},
		{"XML", func(ctx context.Context) error { return df.Write().Option("rowTag", "r").XML(ctx, "/x") },
			write(func(op *sparkpb.WriteOperation) {
				op.Source, op.SaveType, op.Options = refOf("xml"), savePath("/x"), map[string]string{"rowTag": "r"}
			})},
		{"JDBC", func(ctx context.Context) error {
			return df.Write().Mode(SaveModeAppend).JDBC(ctx, "jdbc:postgresql://db/x", "public.t",
				map[string]string{"user": "u", "url": "ignored", "batchsize": "10"})
		}, write(func(op *sparkpb.WriteOperation) {
			op.Source, op.Mode = refOf("jdbc"), sparkpb.WriteOperation_SAVE_MODE_APPEND
			op.Options = map[string]string{"user": "u", "url": "jdbc:postgresql://db/x", "dbtable": "public.t", "batchsize": "10"}
		})},
		{"JDBC nil props", func(ctx context.Context) error { return df.Write().JDBC(ctx, "jdbc:h2:mem:", "t", nil) },
			write(func(op *sparkpb.WriteOperation) {
				op.Source, op.Options = refOf("jdbc"), map[string]string{"url": "jdbc:h2:mem:", "dbtable": "t"}
			})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(goldenCtx(t)); err != nil {
				t.Fatal(err)
			}
			checkProto(t, "write_operation", noIDs(writeCommand(t, srv)), tc.want)
		})
	}
}

func TestWriterErrors(t *testing.T) {
	srv, s := dialGolden(t)
	w := s.Range(0, 1, 1).Write()
	var nilWriter *DataFrameWriter
	var nilDF *DataFrame
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want string
	}{
		{"unknown mode", func(ctx context.Context) error { return w.Mode("upsert").Save(ctx, "/p") }, `unknown save mode "upsert"`},
		{"empty mode", func(ctx context.Context) error { return w.Mode("").SaveAsTable(ctx, "t") }, "unknown save mode"},
		{"error sticks", func(ctx context.Context) error { return w.Mode("bad").Mode(SaveModeAppend).BucketBy(0, "a").Save(ctx) }, "unknown save mode"},
		{"first error wins", func(ctx context.Context) error { return w.BucketBy(0, "a").Mode("bad").Save(ctx) }, "bucket count 0"},
		{"bucket count", func(ctx context.Context) error { return w.BucketBy(-1, "a").SaveAsTable(ctx, "t") }, "bucket count -1 out of range"},
		{"bucket count too large", func(ctx context.Context) error { return w.BucketBy(1<<40, "a").SaveAsTable(ctx, "t") }, "out of range"},
		{"bucket columns", func(ctx context.Context) error { return w.BucketBy(2).SaveAsTable(ctx, "t") }, "at least one column"},
		{"two paths", func(ctx context.Context) error { return w.Save(ctx, "/a", "/b") }, "at most one path"},
		{"bad DataFrame", func(ctx context.Context) error { return s.Range(0, 1, 1).Limit(-1).Write().Parquet(ctx, "/p") }, "negative"},
		{"nil DataFrame", func(ctx context.Context) error { return nilDF.Write().Parquet(ctx, "/p") }, ErrNilDataFrame.Error()},
		{"nil writer", func(ctx context.Context) error { return nilWriter.Save(ctx, "/p") }, ErrNilDataFrame.Error()},
		{"nil writer builder", func(ctx context.Context) error {
			return nilWriter.Format("json").Mode(SaveModeAppend).Option("a", "b").InsertInto(ctx, "t", true)
		}, ErrNilDataFrame.Error()},
		{"zero writer", func(ctx context.Context) error { return (&DataFrameWriter{}).JSON(ctx, "/p") }, ErrNilDataFrame.Error()},
		{"zero DataFrame", func(ctx context.Context) error { return (&DataFrame{}).Write().Save(ctx) }, ErrClosed.Error()},
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

	// The writer is a template: settings of a derived writer do not leak into the original.
	base := w.Format("csv").Option("header", "true").PartitionBy("p")
	_ = base.Format("json").Option("header", "false").Option("sep", ";").Mode("bad").PartitionBy("q").
		BucketBy(2, "b").SortBy("b").ClusterBy("c")
	if err := base.Save(goldenCtx(t), "/p"); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "template writer", noIDs(writeCommand(t, srv)), &sparkpb.WriteOperation{
		Input: rangeRel(1), Source: refOf("csv"), Options: map[string]string{"header": "true"},
		PartitioningColumns: []string{"p"}, SaveType: savePath("/p"),
	})
	// A later change to slices and maps passed in does not change the writer.
	cols, opts := []string{"a"}, map[string]string{"k": "v"}
	w2 := w.PartitionBy(cols...).Options(opts)
	cols[0], opts["k"] = "changed", "changed"
	if err := w2.Save(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "copied arguments", noIDs(writeCommand(t, srv)), &sparkpb.WriteOperation{
		Input: rangeRel(1), Options: map[string]string{"k": "v"}, PartitioningColumns: []string{"a"},
	})

	// A server error reaches the caller as a SparkError.
	srv.FailNext(fakeserver.SparkError(codes.Internal, "PATH_ALREADY_EXISTS", "42K04", "path exists", ""))
	var se *SparkError
	if err := w.Parquet(goldenCtx(t), "/p"); !errors.As(err, &se) || se.ErrorClass != "PATH_ALREADY_EXISTS" {
		t.Errorf("write with a server error: %v", err)
	}
}
