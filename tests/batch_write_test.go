package tests

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// End-to-end tests of the batch write path, temporary views and caching. Everything they
// create on the shared server is named wr_<random>: tables and views in the default
// database, files under /tmp/wr_<random> of the server's file system.

// wrName returns a name unique to one use: wr_<what>_<random>.
func wrName(what string) string {
	return fmt.Sprintf("wr_%s_%x", what, rand.Uint64())
}

// wrSchema is the schema of wrInput, for reading back formats that do not store one.
const wrSchema = "id BIGINT, name STRING, score DOUBLE, ok BOOLEAN"

// wrRows are the rows of wrInput, by id.
var wrRows = [][]any{
	{int64(1), "alpha", 1.5, true},
	{int64(2), "béta, \"quoted\"", -2.25, false},
	{int64(3), "gamma", 0.0, nil},
	{int64(4), nil, 1e10, true},
}

// wrInput returns a DataFrame holding wrRows.
func wrInput(t *testing.T, ctx context.Context, s *connect.Session) *connect.DataFrame {
	t.Helper()
	df, err := s.SQL(ctx, `SELECT * FROM VALUES
		(1L, 'alpha', 1.5D, true), (2L, 'béta, "quoted"', -2.25D, false),
		(3L, 'gamma', 0.0D, CAST(NULL AS BOOLEAN)), (4L, CAST(NULL AS STRING), 1e10D, true)
		AS t(id, name, score, ok)`)
	if err != nil {
		t.Fatal(err)
	}
	return df
}

// wrCollect returns df's rows as value slices, ordered by its first column (then by the
// whole row, so that duplicates line up).
func wrCollect(t *testing.T, ctx context.Context, df *connect.DataFrame) [][]any {
	t.Helper()
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = r.Values()
	}
	slices.SortStableFunc(out, func(a, b []any) int {
		ia, aok := a[0].(int64)
		ib, bok := b[0].(int64)
		if aok && bok && ia != ib {
			return cmp.Compare(ia, ib)
		}
		return strings.Compare(fmt.Sprint(a...), fmt.Sprint(b...))
	})
	return out
}

// wrCheck compares df's rows, value by value, with want (in wrCollect's order).
func wrCheck(t *testing.T, ctx context.Context, what string, df *connect.DataFrame, want [][]any) {
	t.Helper()
	got := wrCollect(t, ctx, df)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// wrTwice returns every row of rows twice, in wrCollect's order.
func wrTwice(rows [][]any) [][]any {
	var out [][]any
	for _, r := range rows {
		out = append(out, r, r)
	}
	return out
}

// wrSparkError fails the test unless err is a SparkError of the given class.
func wrSparkError(t *testing.T, what string, err error, class string) {
	t.Helper()
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != class {
		t.Errorf("%s: got %v, want a SparkError %s", what, err, class)
	}
}

// wrDropTable drops the table when the test ends.
func wrDropTable(t *testing.T, s *connect.Session, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.SQL(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
}

// wrSQL runs a query and returns its rows; SQL errors at analysis or at the action come back.
func wrSQL(ctx context.Context, s *connect.Session, query string) ([]connect.Row, error) {
	df, err := s.SQL(ctx, query)
	if err != nil {
		return nil, err
	}
	return df.Rows(ctx)
}

// wrCheckDDL fails the test unless SHOW CREATE TABLE of table holds every one of want.
func wrCheckDDL(t *testing.T, ctx context.Context, s *connect.Session, table string, want ...string) {
	t.Helper()
	rows, err := wrSQL(ctx, s, "SHOW CREATE TABLE "+table)
	if err != nil || len(rows) != 1 {
		t.Fatalf("show create table %s: %v %v", table, rows, err)
	}
	ddl, _ := rows[0].Value(0).(string)
	for _, w := range want {
		if !strings.Contains(ddl, w) {
			t.Errorf("the definition of %s lacks %q:\n%s", table, w, ddl)
		}
	}
}

// Every file format Spark ships round-trips through the format shortcuts, checked value by
// value: parquet and orc with their own schema, the text formats read with the schema.
func TestBatchWriteFormats(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	dir := "/tmp/" + wrName("formats")
	cases := []struct {
		format string
		write  func(w *connect.DataFrameWriter, ctx context.Context, path string) error
		read   *connect.DataFrameReader
	}{
		{"parquet", (*connect.DataFrameWriter).Parquet, s.Read().Format("parquet")},
		{"orc", (*connect.DataFrameWriter).ORC, s.Read().Format("orc")},
		{"json", (*connect.DataFrameWriter).JSON, s.Read().Format("json").Schema(wrSchema)},
		{"csv", func(w *connect.DataFrameWriter, ctx context.Context, path string) error {
			return w.Option("header", "true").CSV(ctx, path)
		}, s.Read().Format("csv").Schema(wrSchema).Option("header", "true")},
		{"xml", func(w *connect.DataFrameWriter, ctx context.Context, path string) error {
			return w.Option("rowTag", "event").XML(ctx, path)
		}, s.Read().Format("xml").Schema(wrSchema).Option("rowTag", "event")},
		{"save with format", func(w *connect.DataFrameWriter, ctx context.Context, path string) error {
			return w.Format("orc").Option("compression", "zlib").Save(ctx, path)
		}, s.Read().Format("orc")},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			path := dir + "/" + strings.ReplaceAll(tc.format, " ", "_")
			if err := tc.write(in.Write(), ctx, path); err != nil {
				t.Fatalf("write %s: %v", tc.format, err)
			}
			wrCheck(t, ctx, tc.format, tc.read.Load(path), wrRows)
		})
	}
	t.Run("text", func(t *testing.T) {
		path := dir + "/text"
		if err := in.Where("name IS NOT NULL").Select(connect.Col("name")).Write().Text(ctx, path); err != nil {
			t.Fatal(err)
		}
		wrCheck(t, ctx, "text", s.Read().Format("text").Load(path), [][]any{{"alpha"}, {"béta, \"quoted\""}, {"gamma"}})
	})
	t.Run("jdbc", func(t *testing.T) {
		// The stack's server has no JDBC driver: the write reaches Spark's JDBC source with
		// the URL, which finds no driver for it.
		err := in.Write().Mode(connect.SaveModeAppend).JDBC(ctx, "jdbc:derby:memory:"+wrName("db")+";create=true", "T", map[string]string{"user": "u"})
		var se *connect.SparkError
		if !errors.As(err, &se) || !strings.Contains(se.Message, "No suitable driver") {
			t.Errorf("jdbc without a driver: %v", err)
		}
	})
}

// The save modes against an existing path: error-if-exists (the default) fails with a
// typed error, append doubles the rows, overwrite replaces them, ignore keeps them.
func TestBatchWriteSaveModes(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	path := "/tmp/" + wrName("modes")
	read := func() *connect.DataFrame { return s.Read().Format("parquet").Load(path) }
	if err := in.Write().Parquet(ctx, path); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "first write", read(), wrRows)
	wrSparkError(t, "default mode", in.Write().Parquet(ctx, path), "PATH_ALREADY_EXISTS")
	wrSparkError(t, "error if exists", in.Write().Mode(connect.SaveModeErrorIfExists).Parquet(ctx, path), "PATH_ALREADY_EXISTS")
	wrSparkError(t, "error", in.Write().Mode("error").Parquet(ctx, path), "PATH_ALREADY_EXISTS")
	wrCheck(t, ctx, "after refused writes", read(), wrRows)

	if err := in.Write().Mode(connect.SaveModeAppend).Parquet(ctx, path); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "append", read(), wrTwice(wrRows))

	if err := in.Where("id >= 3").Write().Mode(connect.SaveModeOverwrite).Parquet(ctx, path); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "overwrite", read(), wrRows[2:])

	if err := in.Write().Mode(connect.SaveModeIgnore).Parquet(ctx, path); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "ignore", read(), wrRows[2:])

	// Ignore on a new path writes.
	fresh := path + "_ignore"
	if err := in.Write().Mode(connect.SaveModeIgnore).Parquet(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "ignore on a new path", s.Read().Format("parquet").Load(fresh), wrRows)

	// An unknown mode is refused before anything is written.
	if err := in.Write().Mode("upsert").Parquet(ctx, path+"_never"); err == nil || !strings.Contains(err.Error(), "unknown save mode") {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := s.Read().Format("parquet").Load(path + "_never").Rows(ctx); err == nil {
		t.Error("a write with an unknown mode created its path")
	}
}

// PartitionBy lays the rows out in one directory per value: each directory holds exactly
// the rows of its value, and reading the root brings the partition column back. (The
// values are ASCII: the stack's server cannot create file names outside its JVM's
// encoding.)
func TestBatchWritePartitionBy(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	path := "/tmp/" + wrName("parts")
	if err := in.Write().PartitionBy("ok").Parquet(ctx, path); err != nil {
		t.Fatal(err)
	}
	all := s.Read().Format("parquet").Schema(wrSchema).Load(path)
	wrCheck(t, ctx, "read back with the partition column", all, wrRows)
	read := func(dir string) *connect.DataFrame { return s.Read().Format("parquet").Load(path + "/" + dir) }
	wrCheck(t, ctx, "directory ok=true", read("ok=true"), [][]any{{int64(1), "alpha", 1.5}, {int64(4), nil, 1e10}})
	wrCheck(t, ctx, "directory ok=false", read("ok=false"), [][]any{{int64(2), "béta, \"quoted\"", -2.25}})
	wrCheck(t, ctx, "directory of nulls", read("ok=__HIVE_DEFAULT_PARTITION__"), [][]any{{int64(3), "gamma", 0.0}})
	// Partitioned by two columns: nested directories.
	path2 := path + "_two"
	if err := in.Where("ok IS NOT NULL").Write().PartitionBy("ok", "id").JSON(ctx, path2); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "directory ok=false/id=2", s.Read().Format("json").Schema("name STRING, score DOUBLE").Load(path2+"/ok=false/id=2"),
		[][]any{{"béta, \"quoted\"", -2.25}})
	wrCheck(t, ctx, "directory ok=true/id=4", s.Read().Format("json").Schema("name STRING, score DOUBLE").Load(path2+"/ok=true/id=4"),
		[][]any{{nil, 1e10}})
}

// SaveAsTable and InsertInto against the session catalog, with every save mode; bucketing
// and sorting show in the table's definition.
func TestBatchWriteTables(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	table := wrName("table")
	wrDropTable(t, s, table)
	if err := in.Write().Format("parquet").SaveAsTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "save as table", s.Table(table), wrRows)
	wrSparkError(t, "save as table again", in.Write().SaveAsTable(ctx, table), "TABLE_OR_VIEW_ALREADY_EXISTS")

	if err := in.Write().Mode(connect.SaveModeAppend).SaveAsTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "append", s.Table(table), wrTwice(wrRows))

	if err := in.Where("id = 1").Write().InsertInto(ctx, table, false); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "insert into", s.Table(table), append([][]any{wrRows[0]}, wrTwice(wrRows)...))

	if err := in.Where("id <= 2").Write().InsertInto(ctx, table, true); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "insert overwrite", s.Table(table), wrRows[:2])

	if err := in.Write().Mode(connect.SaveModeOverwrite).SaveAsTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "overwrite", s.Table(table), wrRows)

	if err := in.Where("id = 1").Write().Mode(connect.SaveModeIgnore).SaveAsTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "ignore", s.Table(table), wrRows)

	wrSparkError(t, "insert into a missing table", in.Write().InsertInto(ctx, wrName("missing"), false), "TABLE_OR_VIEW_NOT_FOUND")

	// Bucketing and sorting, with partitioning: the table's definition has them.
	bucketed := wrName("bucketed")
	wrDropTable(t, s, bucketed)
	if err := in.Write().Format("orc").BucketBy(3, "id").SortBy("score").PartitionBy("ok").SaveAsTable(ctx, bucketed); err != nil {
		t.Fatal(err)
	}
	wrCheckDDL(t, ctx, s, bucketed, "USING orc", "PARTITIONED BY (ok)", "CLUSTERED BY (id)", "SORTED BY (score)", "INTO 3 BUCKETS")
	wrCheck(t, ctx, "bucketed table", s.Table(bucketed).Select(connect.Col("id"), connect.Col("name"), connect.Col("score"), connect.Col("ok")), wrRows)
	// Clustering: the session catalog records the columns in the table's definition.
	clustered := wrName("clustered")
	wrDropTable(t, s, clustered)
	if err := in.Write().ClusterBy("id", "ok").SaveAsTable(ctx, clustered); err != nil {
		t.Fatal(err)
	}
	wrCheckDDL(t, ctx, s, clustered, `'clusteringColumns' = '[["id"],["ok"]]'`)
	wrCheck(t, ctx, "clustered table", s.Table(clustered), wrRows)
	// Spark refuses bucketing for a path.
	var se *connect.SparkError
	if err := in.Write().BucketBy(2, "id").Parquet(ctx, "/tmp/"+wrName("bucket_path")); !errors.As(err, &se) {
		t.Errorf("bucketed save to a path: %v", err)
	}
}

// WriteTo against the session catalog. Spark's session catalog creates file tables with
// WriteTo but keeps them as v1 tables, which the v2 writer cannot append to, overwrite or
// replace: the server's errors show that each action reached the matching v2 operation.
func TestBatchWriteTo(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	table := wrName("v2")
	wrDropTable(t, s, table)
	err := in.WriteTo(table).Using("parquet").PartitionedBy(connect.Col("ok")).TableProperty("wr.owner", "sparkwire").
		Option("compression", "gzip").Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "create", s.Table(table).Select(connect.Col("id"), connect.Col("name"), connect.Col("score"), connect.Col("ok")), wrRows)
	wrCheckDDL(t, ctx, s, table, "USING parquet", "PARTITIONED BY (ok)", "'wr.owner' = 'sparkwire'")
	clustered := wrName("v2_clustered")
	wrDropTable(t, s, clustered)
	if err := in.WriteTo(clustered).Using("orc").ClusterBy("name").Create(ctx); err != nil {
		t.Fatal(err)
	}
	wrCheckDDL(t, ctx, s, clustered, "USING orc", `'clusteringColumns' = '[["name"]]'`)
	wrCheck(t, ctx, "clustered table", s.Table(clustered), wrRows)
	wrSparkError(t, "create again", in.WriteTo(table).Using("parquet").Create(ctx), "TABLE_OR_VIEW_ALREADY_EXISTS")

	for name, write := range map[string]func() error{
		"append":               func() error { return in.WriteTo(table).Append(ctx) },
		"overwrite":            func() error { return in.WriteTo(table).Overwrite(ctx, connect.Col("id").Lt(3)) },
		"overwrite partitions": func() error { return in.WriteTo(table).OverwritePartitions(ctx) },
	} {
		wrSparkError(t, name, write(), "_LEGACY_ERROR_TEMP_1012") // Cannot write into v1 table
	}
	for name, write := range map[string]func() error{
		"replace":           func() error { return in.WriteTo(table).Using("parquet").Replace(ctx) },
		"create or replace": func() error { return in.WriteTo(table).Using("orc").CreateOrReplace(ctx) },
	} {
		wrSparkError(t, name, write(), "UNSUPPORTED_FEATURE.TABLE_OPERATION") // REPLACE TABLE AS SELECT
	}
	wrCheck(t, ctx, "after the refused writes", s.Table(table).Select(connect.Col("id"), connect.Col("name"), connect.Col("score"), connect.Col("ok")), wrRows)
}

// Temporary views are readable by SQL in their session only; global ones from every
// session through global_temp.
func TestBatchTempViews(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	other, _ := session(t, ctx)
	in := wrInput(t, ctx, s)

	view := wrName("view")
	if err := in.CreateTempView(ctx, view); err != nil {
		t.Fatal(err)
	}
	df, err := s.SQL(ctx, "SELECT * FROM "+view)
	if err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "temp view by SQL", df, wrRows)
	wrCheck(t, ctx, "temp view by Table", s.Table(view), wrRows)
	wrSparkError(t, "create it again", in.CreateTempView(ctx, view), "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS")
	if err := in.Where("id = 2").CreateOrReplaceTempView(ctx, view); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "replaced temp view", s.Table(view), wrRows[1:2])
	_, err = wrSQL(ctx, other, "SELECT * FROM "+view)
	wrSparkError(t, "temp view from another session", err, "TABLE_OR_VIEW_NOT_FOUND")

	global := wrName("global")
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := other.SQL(cctx, "DROP VIEW IF EXISTS global_temp."+global); err != nil {
			t.Errorf("drop global view: %v", err)
		}
	})
	if err := in.CreateGlobalTempView(ctx, global); err != nil {
		t.Fatal(err)
	}
	df, err = other.SQL(ctx, "SELECT * FROM global_temp."+global)
	if err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "global view from another session", df, wrRows)
	wrSparkError(t, "create the global view again", in.CreateGlobalTempView(ctx, global), "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS")
	if err := in.Where("id > 2").CreateOrReplaceGlobalTempView(ctx, global); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "replaced global view from another session", other.Table("global_temp."+global), wrRows[2:])
	_, err = wrSQL(ctx, other, "SELECT * FROM "+global)
	wrSparkError(t, "global view without global_temp", err, "TABLE_OR_VIEW_NOT_FOUND")

	// A fresh replaceable local view.
	local := wrName("local")
	if err := in.Where("id = 4").CreateOrReplaceTempView(ctx, local); err != nil {
		t.Fatal(err)
	}
	wrCheck(t, ctx, "create or replace a new view", s.Table(local), wrRows[3:])
}

// Persist, StorageLevel and Unpersist as the server reports them, and checkpoints.
func TestBatchCache(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	// A plan of its own: the server's cache is shared by all sessions and keyed by plan.
	tag := wrName("cache")
	df, err := s.SQL(ctx, "SELECT id, ? AS tag FROM range(100)", tag)
	if err != nil {
		t.Fatal(err)
	}
	level := func(what string, want connect.StorageLevel) {
		t.Helper()
		got, err := df.StorageLevel(ctx)
		if err != nil || got != want {
			t.Errorf("%s: level %s, %v; want %s", what, got, err, want)
		}
	}
	level("before Persist", connect.StorageNone)
	if err := df.Persist(ctx, connect.DiskOnly); err != nil {
		t.Fatal(err)
	}
	level("after Persist", connect.DiskOnly)
	if n, err := df.Count(ctx); err != nil || n != 100 {
		t.Errorf("count of the cached DataFrame: %d, %v", n, err)
	}
	if err := df.Persist(ctx, connect.MemoryOnly); err != nil {
		t.Fatal(err)
	}
	level("persisted twice", connect.DiskOnly) // the first level stays
	if err := df.Unpersist(ctx, true); err != nil {
		t.Fatal(err)
	}
	level("after Unpersist", connect.StorageNone)

	if err := df.Cache(ctx); err != nil {
		t.Fatal(err)
	}
	level("after Cache", connect.MemoryAndDisk)
	if err := df.Unpersist(ctx, false); err != nil {
		t.Fatal(err)
	}
	level("after a non-blocking Unpersist", connect.StorageNone)

	custom, err := connect.NewStorageLevel(false, true, false, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := df.Persist(ctx, custom); err != nil {
		t.Fatal(err)
	}
	level("custom level", connect.MemoryOnlySer2)
	if err := df.Unpersist(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := df.Persist(ctx, connect.StorageNone); err == nil {
		t.Error("persist at StorageNone succeeded")
	}

	// Checkpoints return a DataFrame over the server's copy of the rows.
	want := make([][]any, 100)
	for i := range want {
		want[i] = []any{int64(i), tag}
	}
	for _, eager := range []bool{true, false} {
		cp, err := df.LocalCheckpoint(ctx, eager)
		if err != nil {
			t.Fatalf("local checkpoint (eager %v): %v", eager, err)
		}
		wrCheck(t, ctx, fmt.Sprintf("local checkpoint (eager %v)", eager), cp, want)
		wrCheck(t, ctx, "a query over the checkpoint", cp.Where("id < 2"), want[:2])
	}
	// Released, a checkpoint and what derives from it can no longer be read.
	cp, err := df.LocalCheckpoint(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	derived := cp.Where("id < 2")
	if err := cp.ReleaseCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for what, d := range map[string]*connect.DataFrame{"released checkpoint": cp, "DataFrame derived from it": derived} {
		if _, err := d.Rows(ctx); err == nil || !strings.Contains(err.Error(), "No DataFrame with id") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if err := cp.ReleaseCheckpoint(ctx); err != nil {
		t.Errorf("release twice: %v", err)
	}
	// A reliable checkpoint needs spark.checkpoint.dir, which the stack's server does not
	// set: the server's error comes back typed.
	cp, err = df.Checkpoint(ctx, true)
	var se *connect.SparkError
	switch {
	case err == nil:
		wrCheck(t, ctx, "checkpoint", cp, want)
	case !errors.As(err, &se) || !strings.Contains(se.Message, "Checkpoint directory has not been set"):
		t.Errorf("checkpoint: %v", err)
	}
}
