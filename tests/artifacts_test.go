package tests

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
	"github.com/sparkwire/sparkwire/docker/stack"
)

// End-to-end tests of shipping code and data to the server: artifacts, JVM UDFs from a jar
// the test compiles, a JDBC driver uploaded as a jar, and local relations too large to
// inline. Names on the shared server are art_<random>.

// artName returns a name unique to one use: art_<what>_<random>.
func artName(what string) string {
	return fmt.Sprintf("art_%s_%x", what, rand.Uint64())
}

// sparkClassPath returns the jars to compile JVM code for the server against: those the
// image is built from (docker/spark/target/jars, filled by docker/scripts/images.sh), or
// else the same Spark modules in the local Maven repository.
func sparkClassPath(t *testing.T) string {
	t.Helper()
	if dir, err := filepath.Abs("../docker/spark/target/jars"); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "spark-sql-api_2.13-"+stack.Version("spark")+".jar")); err == nil {
			return filepath.Join(dir, "*")
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(home, ".m2", "repository")
	var jars []string
	for _, m := range []string{"spark-sql", "spark-sql-api", "spark-catalyst", "spark-core", "spark-common-utils"} {
		p := filepath.Join(repo, "org/apache/spark", m+"_2.13", stack.Version("spark"), m+"_2.13-"+stack.Version("spark")+".jar")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("no Spark jars to compile against: neither docker/spark/target/jars (run docker/scripts/images.sh) nor %s", p)
		}
		jars = append(jars, p)
	}
	scala, _ := filepath.Glob(filepath.Join(repo, "org/scala-lang/scala-library/2.13.*/scala-library-2.13.*.jar"))
	if len(scala) == 0 {
		t.Fatal("no scala-library 2.13 jar in the local Maven repository")
	}
	sort.Strings(scala)
	jars = append(jars, scala[len(scala)-1])
	return strings.Join(jars, string(os.PathListSeparator))
}

// udfSources are the JVM functions of the test jar: a UDF1, a UDF2, and a UDAF.
var udfSources = map[string]string{
	"art/PlusOne.java": `package art;
import org.apache.spark.sql.api.java.UDF1;
public class PlusOne implements UDF1<Long, Long> {
  public Long call(Long x) { return x == null ? null : x + 1; }
}`,
	"art/Tag.java": `package art;
import org.apache.spark.sql.api.java.UDF2;
public class Tag implements UDF2<String, Integer, String> {
  public String call(String s, Integer n) { return s == null ? null : s + "#" + n; }
}`,
	"art/SumSquares.java": `package art;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.MutableAggregationBuffer;
import org.apache.spark.sql.expressions.UserDefinedAggregateFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
@SuppressWarnings("deprecation")
public class SumSquares extends UserDefinedAggregateFunction {
  public StructType inputSchema() { return new StructType().add("x", DataTypes.LongType); }
  public StructType bufferSchema() { return new StructType().add("s", DataTypes.LongType); }
  public DataType dataType() { return DataTypes.LongType; }
  public boolean deterministic() { return true; }
  public void initialize(MutableAggregationBuffer b) { b.update(0, 0L); }
  public void update(MutableAggregationBuffer b, Row in) {
    if (!in.isNullAt(0)) { long x = in.getLong(0); b.update(0, b.getLong(0) + x * x); }
  }
  public void merge(MutableAggregationBuffer b, Row o) { b.update(0, b.getLong(0) + o.getLong(0)); }
  public Object evaluate(Row b) { return b.getLong(0); }
}`,
}

// buildUDFJar compiles udfSources with the machine's JDK, for Java 17 (the server's JVM),
// and returns the path of the jar.
func buildUDFJar(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, classes := filepath.Join(dir, "src"), filepath.Join(dir, "classes")
	var files []string
	for name, code := range udfSources {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	run := func(name string, args ...string) {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("javac", append([]string{"--release", "17", "-nowarn", "-cp", sparkClassPath(t), "-d", classes}, files...)...)
	jar := filepath.Join(dir, artName("udfs")+".jar")
	run("jar", "cf", jar, "-C", classes, ".")
	return jar
}

func TestArtifactsJavaUDFsFromACompiledJar(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	jar := buildUDFJar(t)
	if err := s.AddArtifacts(ctx, jar); err != nil {
		t.Fatalf("add jar: %v", err)
	}
	plusOne, tag, sumSq := artName("plus_one"), artName("tag"), artName("sum_sq")
	if err := s.RegisterJavaUDF(ctx, plusOne, "art.PlusOne", types.Long); err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterJavaUDF(ctx, tag, "art.Tag", nil); err != nil { // type from the class
		t.Fatal(err)
	}
	if err := s.RegisterJavaUDAF(ctx, sumSq, "art.SumSquares"); err != nil {
		t.Fatal(err)
	}

	// Through SQL.
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT id, %s(id) AS p, %s(CAST(id AS STRING), CAST(id * 10 AS INT)) AS t FROM range(-2, 4) ORDER BY id", plusOne, tag))
	if err != nil {
		t.Fatal(err)
	}
	var want [][]any
	for id := int64(-2); id < 4; id++ {
		want = append(want, []any{id, id + 1, fmt.Sprintf("%d#%d", id, id*10)})
	}
	if got := rowValues(t, ctx, df); !reflect.DeepEqual(got, want) {
		t.Errorf("SQL:\n got %v\nwant %v", got, want)
	}

	// Through columns, NULL included.
	df = s.Range(0, 5, 1).Select(connect.Col("id"), connect.CallFunction(plusOne, connect.Col("id")).Alias("p")).
		Union(mustSQL(t, ctx, s, "SELECT CAST(NULL AS BIGINT) AS id, "+plusOne+"(CAST(NULL AS BIGINT)) AS p")).
		OrderBy(connect.Col("id"))
	want = [][]any{{nil, nil}}
	for id := int64(0); id < 5; id++ {
		want = append(want, []any{id, id + 1})
	}
	if got := rowValues(t, ctx, df); !reflect.DeepEqual(got, want) {
		t.Errorf("columns:\n got %v\nwant %v", got, want)
	}

	// The UDAF, grouped, by SQL and by column.
	var sq [3]int64
	for x := int64(1); x <= 100; x++ {
		sq[x%3] += x * x
	}
	df = s.Range(1, 101, 1).GroupBy(connect.Expr("id % 3").Alias("k")).
		Agg(connect.CallFunction(sumSq, connect.Col("id")).Alias("s")).OrderBy(connect.Col("k"))
	want = [][]any{{int64(0), sq[0]}, {int64(1), sq[1]}, {int64(2), sq[2]}}
	if got := rowValues(t, ctx, df); !reflect.DeepEqual(got, want) {
		t.Errorf("UDAF:\n got %v\nwant %v", got, want)
	}
	df = mustSQL(t, ctx, s, fmt.Sprintf("SELECT %s(id) FROM range(1, 101)", sumSq))
	if got := rowValues(t, ctx, df); !reflect.DeepEqual(got, [][]any{{sq[0] + sq[1] + sq[2]}}) {
		t.Errorf("UDAF in SQL: got %v, want %d", got, sq[0]+sq[1]+sq[2])
	}

	// A class that is not there is the server's error, at registration.
	err = s.RegisterJavaUDF(ctx, artName("missing"), "art.NoSuchClass", types.Long)
	var se *connect.SparkError
	if !errors.As(err, &se) {
		t.Errorf("registering a missing class: err = %v, want a SparkError", err)
	}
}

// mustSQL runs a SQL query and returns its DataFrame.
func mustSQL(t *testing.T, ctx context.Context, s *connect.Session, query string) *connect.DataFrame {
	t.Helper()
	df, err := s.SQL(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return df
}

// rowValues returns df's rows as value slices, in the order the server returns them.
func rowValues(t *testing.T, ctx context.Context, df *connect.DataFrame) [][]any {
	t.Helper()
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = r.Values()
	}
	return out
}

// h2Version is the H2 database whose JDBC driver the JDBC test uploads.
const h2Version = "2.5.252"

// h2Jar returns the H2 driver jar from the local Maven repository, resolving it from Maven
// Central with mvn when it is not there yet.
func h2Jar(t *testing.T, ctx context.Context) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	jar := filepath.Join(home, ".m2", "repository", "com", "h2database", "h2", h2Version, "h2-"+h2Version+".jar")
	if _, err := os.Stat(jar); err == nil {
		return jar
	}
	out, err := exec.CommandContext(ctx, "mvn", "-q", "-B", "dependency:get", "-Dartifact=com.h2database:h2:"+h2Version).CombinedOutput()
	if err != nil {
		t.Fatalf("resolve the H2 driver with mvn: %v\n%s", err, out)
	}
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("mvn resolved the H2 driver, but %s is missing: %v", jar, err)
	}
	return jar
}

func TestArtifactsJDBCWithAnUploadedDriver(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	if err := s.AddArtifacts(ctx, h2Jar(t, ctx)); err != nil {
		t.Fatalf("add the H2 driver: %v", err)
	}
	// An in-memory database in the server's JVM that lives until the JVM ends.
	url := "jdbc:h2:mem:" + artName("db") + ";DB_CLOSE_DELAY=-1"
	props := map[string]string{"driver": "org.h2.Driver", "user": "sa", "password": ""}
	table := strings.ToUpper(artName("orders"))

	const n = 60
	var want [][]any
	for i := int64(1); i <= n; i++ {
		var note any = fmt.Sprintf("note %d, é", i)
		if i%7 == 0 {
			note = nil
		}
		want = append(want, []any{i, float64(i) * 1.25, note})
	}
	input := mustSQL(t, ctx, s, fmt.Sprintf(`SELECT id, CAST(id * 1.25 AS DOUBLE) AS amount,
		CASE WHEN id %% 7 = 0 THEN NULL ELSE concat('note ', id, ', é') END AS note
		FROM range(1, %d) ORDER BY id`, n+1))
	if err := input.Write().Mode(connect.SaveModeErrorIfExists).JDBC(ctx, url, table, props); err != nil {
		t.Fatalf("write jdbc: %v", err)
	}

	sorted := func(df *connect.DataFrame) *connect.DataFrame { return df.OrderBy(connect.Col("ID")) }
	check := func(what string, df *connect.DataFrame, want [][]any) {
		t.Helper()
		if got := rowValues(t, ctx, sorted(df)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", what, got, want)
		}
	}
	check("read", s.Read().JDBC(url, table, props), want)

	parted := s.Read().JDBCPartitioned(url, table, "ID", 1, n, 4, props)
	check("partitioned read", parted, want)
	parts, err := parted.Select(connect.CallFunction("spark_partition_id").Alias("p")).Distinct().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if parts != 4 {
		t.Errorf("partitioned read made %d partitions, want 4", parts)
	}

	check("read with predicates", s.Read().JDBCPredicates(url, table, []string{`"id" <= 20`, `"id" > 20 AND "id" <= 40`, `"id" > 40`}, props), want)
	// Predicates that leave rows out read only the rows they match. They are H2's SQL, where
	// the columns Spark created are quoted lower-case names.
	check("read with two predicates", s.Read().JDBCPredicates(url, table, []string{`"id" < 3`, `"id" > 58`}, props),
		[][]any{want[0], want[1], want[58], want[59]})

	// Appending writes the rows again; the server's count checks it.
	if err := input.Write().Mode(connect.SaveModeAppend).JDBC(ctx, url, table, props); err != nil {
		t.Fatalf("append jdbc: %v", err)
	}
	if c, err := s.Read().JDBC(url, table, props).Count(ctx); err != nil || c != 2*n {
		t.Errorf("after append: %d rows (%v), want %d", c, err, 2*n)
	}
}

// artLines writes n numbered lines to a new local file and returns its path and lines.
func artLines(t *testing.T, name string, n int) (string, []string) {
	t.Helper()
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %06d of %s: ünïcode", i, name)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, lines
}

// textValues reads the single-column rows of df as strings, in order.
func textValues(t *testing.T, ctx context.Context, df *connect.DataFrame) []string {
	t.Helper()
	var out []string
	for _, r := range rowValues(t, ctx, df) {
		s, _ := r[0].(string)
		out = append(out, s)
	}
	return out
}

func TestArtifactsCopyFromLocalToFS(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	local, lines := artLines(t, "lines.txt", 4000) // about 150 KiB: a chunked artifact
	dest := "/tmp/" + artName("copy") + "/lines.txt"

	// The server's default file system is local: the copy needs the server's permission,
	// which the static spark.connect.copyFromLocalToFs.allowDestLocal (false in the image)
	// or the session's spark.sql.artifact.copyFromLocalToFs.allowDestLocal gives.
	err := s.CopyFromLocalToFS(ctx, local, dest)
	var se *connect.SparkError
	if !errors.As(err, &se) {
		t.Fatalf("copy to the local file system without permission: err = %v, want the server's refusal", err)
	}
	if err := s.Conf().Set(ctx, "spark.sql.artifact.copyFromLocalToFs.allowDestLocal", "true"); err != nil {
		t.Fatal(err)
	}
	if err := s.CopyFromLocalToFS(ctx, local, dest); err != nil {
		t.Fatalf("copy: %v", err)
	}
	got := textValues(t, ctx, s.Read().Format("text").Load(dest))
	if !reflect.DeepEqual(got, lines) {
		t.Errorf("read back %d lines, want the %d copied (first %q)", len(got), len(lines), got[:min(1, len(got))])
	}
}

func TestArtifactsAddFiles(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	small, smallLines := artLines(t, artName("small")+".txt", 10)
	big, bigLines := artLines(t, artName("big")+".txt", 5000) // about 190 KiB: chunked
	if err := s.AddFiles(ctx, small, big); err != nil {
		t.Fatal(err)
	}
	// Spark keeps a session's files under SparkFiles' root directory, in a directory of the
	// session's own; the file names are unique to this test.
	root, _ := rowValues(t, ctx, mustSQL(t, ctx, s, "SELECT reflect('org.apache.spark.SparkFiles', 'getRootDirectory')"))[0][0].(string)
	if root == "" {
		t.Fatal("no SparkFiles root directory")
	}
	for p, want := range map[string][]string{small: smallLines, big: bigLines} {
		got := textValues(t, ctx, s.Read().Format("text").Load("file:"+root+"/*/"+filepath.Base(p)))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back %d lines, want the %d sent", filepath.Base(p), len(got), len(want))
		}
	}
	// Spark 4.1 reports only cached data in ArtifactStatus: files are "missing".
	st, err := s.ArtifactStatus(ctx, "files/"+filepath.Base(small))
	if err != nil {
		t.Fatal(err)
	}
	if st["files/"+filepath.Base(small)] {
		t.Errorf("ArtifactStatus reports a file; Spark 4.1 reports only cache/ artifacts")
	}
}

// bigRows returns n rows (id, name, score, tags) and their schema, with NULLs here and there.
func bigRows(n int) (*types.StructType, [][]any) {
	schema := types.Struct(types.Field("id", types.Long), types.Field("name", types.String),
		types.Field("score", types.Double), types.Field("tags", types.ArrayType{Element: types.Integer, ContainsNull: true}))
	rows := make([][]any, n)
	for i := range rows {
		var name any = fmt.Sprintf("name-%d-%s", i, strings.Repeat("x", i%17))
		if i%11 == 0 {
			name = nil
		}
		rows[i] = []any{int64(i), name, float64(i) / 8, []any{int32(i), nil, int32(-i)}}
	}
	return schema, rows
}

// checkBig collects df ordered by id and compares it, value by value, with rows.
func checkBig(t *testing.T, ctx context.Context, df *connect.DataFrame, rows [][]any) {
	t.Helper()
	got := rowValues(t, ctx, df.OrderBy(connect.Col("id")))
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i, r := range got {
		want := []any{rows[i][0], rows[i][1], rows[i][2], []any{int32(i), nil, int32(-i)}}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("row %d: got %v, want %v", i, r, want)
		}
	}
}

func TestArtifactsLargeLocalRelationsBelowALoweredThreshold(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	for k, v := range map[string]string{
		"spark.sql.session.localRelationCacheThreshold": "65536",
		"spark.sql.session.localRelationChunkSizeRows":  "5000",
	} {
		if err := s.Conf().Set(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	schema, rows := bigRows(30000) // about 1.3 MB of Arrow data: 6 chunks
	df := s.CreateDataFrameFromRows(schema, rows)
	checkBig(t, ctx, df, rows)
	if c, err := df.Filter(connect.Col("name").IsNull()).Count(ctx); err != nil || c != 30000/11+1 {
		t.Errorf("NULL names: %d (%v), want %d", c, err, 30000/11+1)
	}

	// The server checks the size of cached relations against localRelationSizeLimit, and
	// only of those: a limit below the data fails the cached relation, not an inline one.
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationSizeLimit", "256k"); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateDataFrameFromRows(schema, rows[:20000]).Count(ctx)
	var se *connect.SparkError
	if !errors.As(err, &se) || !strings.Contains(se.Error(), "Cached local relation size") {
		t.Errorf("cached relation over the size limit: err = %v, want the server's size check of cached relations", err)
	}
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1073741824"); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CreateDataFrameFromRows(schema, rows[:20000]).Count(ctx); err != nil || c != 20000 {
		t.Errorf("inline relation over the size limit: %d rows (%v), want 20000", c, err)
	}
}

func TestArtifactsLargeLocalRelationAboveTheServersDefault(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	v, _, err := s.Conf().Get(ctx, "spark.sql.session.localRelationCacheThreshold")
	if err != nil {
		t.Fatal(err)
	}
	schema, rows := bigRows(150000) // about 7 MB of Arrow data, 15 chunks of 10000 rows
	start := time.Now()
	df := s.CreateDataFrameFromRows(schema, rows)
	checkBig(t, ctx, df, rows)
	t.Logf("150000 rows above the server's threshold (%s bytes): created, cached and read back in %s", v, time.Since(start).Round(time.Millisecond))
	// A second action finds the chunks on the server and sends none.
	start = time.Now()
	if c, err := df.Count(ctx); err != nil || c != 150000 {
		t.Errorf("count: %d (%v)", c, err)
	}
	t.Logf("second action: %s", time.Since(start).Round(time.Millisecond))
}

func TestArtifactsAddArchives(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	name := artName("bundle") + ".zip"
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	lines := []string{"first", "second, é", "third"}
	w, err := zw.Create("inner/data.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddArchives(ctx, p); err != nil {
		t.Fatal(err)
	}
	// Spark unpacks an archive into a directory named after it, in the session's directory
	// under SparkFiles' root.
	root, _ := rowValues(t, ctx, mustSQL(t, ctx, s, "SELECT reflect('org.apache.spark.SparkFiles', 'getRootDirectory')"))[0][0].(string)
	got := textValues(t, ctx, s.Read().Format("text").Load("file:"+root+"/*/"+name+"/inner/data.txt"))
	if !reflect.DeepEqual(got, lines) {
		t.Errorf("unpacked file holds %q, want %q", got, lines)
	}
}
