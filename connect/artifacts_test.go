package connect

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// writeFile writes n bytes of a pattern that differs by name to dir/name.
func writeFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + len(name))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// fastRetries is a retry policy for tests: several quick retries.
var fastRetries = RetryPolicy{MaxRetries: 5, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Multiplier: 2, Budget: 5 * time.Second}

// checkCRCs checks the CRC of every chunk the server received.
func checkCRCs(t *testing.T, reqs []*sparkpb.AddArtifactsRequest) {
	t.Helper()
	check := func(c *sparkpb.AddArtifactsRequest_ArtifactChunk) {
		if want := int64(crc32.ChecksumIEEE(c.GetData())); c.GetCrc() != want {
			t.Errorf("chunk of %d bytes has CRC %d, want %d", len(c.GetData()), c.GetCrc(), want)
		}
	}
	for _, r := range reqs {
		switch p := r.GetPayload().(type) {
		case *sparkpb.AddArtifactsRequest_Batch_:
			for _, a := range p.Batch.GetArtifacts() {
				check(a.GetData())
			}
		case *sparkpb.AddArtifactsRequest_BeginChunk:
			check(p.BeginChunk.GetInitialChunk())
		case *sparkpb.AddArtifactsRequest_Chunk:
			check(p.Chunk)
		}
	}
}

// shape describes requests briefly: "batch(jars/a.jar,jars/b.jar)", "begin(jars/c.jar,4)",
// "chunk".
func shape(reqs []*sparkpb.AddArtifactsRequest) []string {
	var out []string
	for _, r := range reqs {
		switch p := r.GetPayload().(type) {
		case *sparkpb.AddArtifactsRequest_Batch_:
			var names []string
			for _, a := range p.Batch.GetArtifacts() {
				names = append(names, a.GetName())
			}
			out = append(out, "batch("+strings.Join(names, ",")+")")
		case *sparkpb.AddArtifactsRequest_BeginChunk:
			out = append(out, "begin("+p.BeginChunk.GetName()+","+strconv.FormatInt(p.BeginChunk.GetNumChunks(), 10)+")")
		case *sparkpb.AddArtifactsRequest_Chunk:
			out = append(out, "chunk")
		}
	}
	return out
}

func TestAddArtifactsBatchesSmallFilesAndChunksLargeOnes(t *testing.T) {
	srv, s := fakeSession(t)
	dir := t.TempDir()
	a, da := writeFile(t, dir, "a.jar", 100)
	b, db := writeFile(t, dir, "b.jar", 1000)
	big, dbig := writeFile(t, dir, "big.jar", 3*artifactChunkSize+5) // 4 chunks
	c, dc := writeFile(t, dir, "c.jar", 0)
	if err := s.AddArtifacts(fakeCtx(t), a, b, big, c); err != nil {
		t.Fatal(err)
	}
	reqs := srv.AddArtifactsRequests()
	want := []string{"batch(jars/a.jar,jars/b.jar)", "begin(jars/big.jar,4)", "chunk", "chunk", "chunk", "batch(jars/c.jar)"}
	if got := shape(reqs); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("requests %v, want %v", got, want)
	}
	checkCRCs(t, reqs)
	for _, r := range reqs {
		if r.GetSessionId() != s.ID() || r.GetUserContext() == nil || r.ClientType == nil {
			t.Errorf("request without the session's fields: %v", r)
		}
	}
	if bc := reqs[1].GetBeginChunk(); bc.GetTotalBytes() != int64(len(dbig)) || len(bc.GetInitialChunk().GetData()) != artifactChunkSize {
		t.Errorf("begin_chunk total %d, first chunk %d bytes", bc.GetTotalBytes(), len(bc.GetInitialChunk().GetData()))
	}
	got := srv.Artifacts(s.ID())
	for name, data := range map[string][]byte{"jars/a.jar": da, "jars/b.jar": db, "jars/big.jar": dbig, "jars/c.jar": dc} {
		if !bytes.Equal(got[name], data) {
			t.Errorf("server holds %d bytes for %s, want the %d bytes sent", len(got[name]), name, len(data))
		}
	}
}

func TestAddArtifactsSplitsBatchesAtTheChunkSize(t *testing.T) {
	srv, s := fakeSession(t)
	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"f1.csv", "f2.csv", "f3.csv"} {
		p, _ := writeFile(t, dir, n, 12<<10) // two fit in 32 KiB, three do not
		paths = append(paths, p)
	}
	if err := s.AddFiles(fakeCtx(t), paths...); err != nil {
		t.Fatal(err)
	}
	want := "batch(files/f1.csv,files/f2.csv) batch(files/f3.csv)"
	if got := strings.Join(shape(srv.AddArtifactsRequests()), " "); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
}

func TestAddArtifactsRetriesATransientFailureFromTheStart(t *testing.T) {
	srv, s := fakeSession(t, WithRetryPolicy(fastRetries))
	dir := t.TempDir()
	big, data := writeFile(t, dir, "big.jar", 2*artifactChunkSize+1) // begin + 2 chunks
	srv.FailArtifactStreams(2, 2, status.Error(codes.Unavailable, "connection reset"))
	if err := s.AddArtifacts(fakeCtx(t), big); err != nil {
		t.Fatal(err)
	}
	// Two calls fail at their third request, then the whole artifact goes again.
	want := "begin(jars/big.jar,3) chunk chunk begin(jars/big.jar,3) chunk chunk begin(jars/big.jar,3) chunk chunk"
	if got := strings.Join(shape(srv.AddArtifactsRequests()), " "); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	if got := srv.Artifacts(s.ID())["jars/big.jar"]; !bytes.Equal(got, data) {
		t.Errorf("server holds %d bytes, want %d", len(got), len(data))
	}
}

func TestAddArtifactsDoesNotRetryAServerError(t *testing.T) {
	srv, s := fakeSession(t, WithRetryPolicy(fastRetries))
	p, _ := writeFile(t, t.TempDir(), "a.jar", 10)
	srv.FailArtifactStreams(1, 0, fakeserver.SparkError(codes.Internal, "ARTIFACT_ALREADY_EXISTS", "42713", "artifact exists", ""))
	err := s.AddArtifacts(fakeCtx(t), p)
	var se *SparkError
	if !errors.As(err, &se) || se.ErrorClass != "ARTIFACT_ALREADY_EXISTS" {
		t.Fatalf("err = %v, want the server's error", err)
	}
	if n := len(srv.AddArtifactsRequests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
}

func TestAddArtifactsResendsArtifactsThatFailedTheirCRC(t *testing.T) {
	srv, s := fakeSession(t)
	dir := t.TempDir()
	a, da := writeFile(t, dir, "a.jar", 10)
	b, db := writeFile(t, dir, "b.jar", 2*artifactChunkSize)
	srv.CorruptChunks(2) // a.jar, and the first chunk of b.jar
	if err := s.AddArtifacts(fakeCtx(t), a, b); err != nil {
		t.Fatal(err)
	}
	want := "batch(jars/a.jar) begin(jars/b.jar,2) chunk batch(jars/a.jar) begin(jars/b.jar,2) chunk"
	if got := strings.Join(shape(srv.AddArtifactsRequests()), " "); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	got := srv.Artifacts(s.ID())
	if !bytes.Equal(got["jars/a.jar"], da) || !bytes.Equal(got["jars/b.jar"], db) {
		t.Error("the server does not hold the artifacts sent")
	}

	srv.CorruptChunks(artifactCRCAttempts)
	c, _ := writeFile(t, dir, "c.jar", 10)
	err := s.AddArtifacts(fakeCtx(t), c)
	if !errors.Is(err, ErrArtifactCRC) || !strings.Contains(err.Error(), "jars/c.jar") {
		t.Errorf("err = %v, want ErrArtifactCRC naming jars/c.jar", err)
	}
}

func TestAddArtifactsChecksInputBeforeSending(t *testing.T) {
	srv, s := fakeSession(t)
	dir := t.TempDir()
	txt, _ := writeFile(t, dir, "notes.txt", 10)
	jar, _ := writeFile(t, dir, "ok.jar", 10)
	jar2, _ := writeFile(t, t.TempDir(), "ok.jar", 20)
	ctx := fakeCtx(t)
	for name, err := range map[string]error{
		"no paths":        s.AddArtifacts(ctx),
		"not a jar":       s.AddArtifacts(ctx, jar, txt),
		"missing file":    s.AddArtifacts(ctx, jar, filepath.Join(dir, "missing.jar")),
		"directory":       s.AddFiles(ctx, dir),
		"not an archive":  s.AddArchives(ctx, txt),
		"relative dest":   s.CopyFromLocalToFS(ctx, txt, "tmp/x"),
		"dest scheme":     s.CopyFromLocalToFS(ctx, txt, "hdfs://nn/tmp/x"),
		"unclean dest":    s.CopyFromLocalToFS(ctx, txt, "/tmp/../etc/x"),
		"missing local":   s.CopyFromLocalToFS(ctx, filepath.Join(dir, "nope"), "/tmp/x"),
		"empty path":      s.AddFiles(ctx, ""),
		"same name twice": s.AddArtifacts(ctx, jar, jar2),
		"root dest":       s.CopyFromLocalToFS(ctx, txt, "/"),
		"nil session":     (*Session)(nil).AddArtifacts(ctx, jar),
		"zero session":    (&Session{}).CopyFromLocalToFS(ctx, txt, "/tmp/x"),
		"nil session udf": (*Session)(nil).RegisterJavaUDF(ctx, "f", "a.B", nil),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(srv.AddArtifactsRequests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}

func TestAddArtifactsNamesFilesArchivesAndCopies(t *testing.T) {
	srv, s := fakeSession(t)
	dir := t.TempDir()
	f, df := writeFile(t, dir, "lookup.csv", 50)
	z, dz := writeFile(t, dir, "bundle.tar.gz", 60)
	ctx := fakeCtx(t)
	if err := s.AddFiles(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.AddArchives(ctx, z); err != nil {
		t.Fatal(err)
	}
	if err := s.CopyFromLocalToFS(ctx, f, "/data/in/lookup.csv"); err != nil {
		t.Fatal(err)
	}
	got := srv.Artifacts(s.ID())
	for name, data := range map[string][]byte{"files/lookup.csv": df, "archives/bundle.tar.gz": dz, "forward_to_fs/data/in/lookup.csv": df} {
		if !bytes.Equal(got[name], data) {
			t.Errorf("server holds %q for %s", got[name], name)
		}
	}
}

func TestAddArtifactsHonoursTheContext(t *testing.T) {
	srv, s := fakeSession(t, WithRetryPolicy(RetryPolicy{MaxRetries: 100, InitialBackoff: time.Second, MaxBackoff: time.Second, Multiplier: 1, Budget: time.Minute}))
	p, _ := writeFile(t, t.TempDir(), "a.jar", 10)
	srv.FailArtifactStreams(100, 0, status.Error(codes.Unavailable, "down"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.AddArtifacts(ctx, p)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %s, past the deadline", d)
	}
}

func TestArtifactStatusReportsCachedArtifacts(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	if err := s.uploadArtifacts(ctx, []artifact{memArtifact("cache/abc", []byte("x"))}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ArtifactStatus(ctx, "cache/abc", "cache/def")
	if err != nil {
		t.Fatal(err)
	}
	if !got["cache/abc"] || got["cache/def"] || len(got) != 2 {
		t.Errorf("status %v", got)
	}
	if r := srv.ArtifactStatusRequests(); len(r) != 1 || strings.Join(r[0].GetNames(), ",") != "cache/abc,cache/def" {
		t.Errorf("requests %v", r)
	}
}

func TestRegisterJavaUDFSendsTheCommand(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	if err := s.RegisterJavaUDF(ctx, "plus_one", "com.example.PlusOne", types.Long); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "udf", lastCommand(t, srv), &sparkpb.Command{CommandType: &sparkpb.Command_RegisterFunction{
		RegisterFunction: &sparkpb.CommonInlineUserDefinedFunction{
			FunctionName: "plus_one", Deterministic: true,
			Function: &sparkpb.CommonInlineUserDefinedFunction_JavaUdf{JavaUdf: &sparkpb.JavaUDF{
				ClassName: "com.example.PlusOne", OutputType: primitiveProto(types.Long),
			}},
		},
	}})
	if err := s.RegisterJavaUDF(ctx, "inferred", "com.example.PlusOne", nil); err != nil {
		t.Fatal(err)
	}
	if lastCommand(t, srv).GetRegisterFunction().GetJavaUdf().OutputType != nil {
		t.Error("a nil return type was sent")
	}
	if err := s.RegisterJavaUDAF(ctx, "my_sum", "com.example.MySum"); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "udaf", lastCommand(t, srv), &sparkpb.Command{CommandType: &sparkpb.Command_RegisterFunction{
		RegisterFunction: &sparkpb.CommonInlineUserDefinedFunction{
			FunctionName: "my_sum", Deterministic: true,
			Function: &sparkpb.CommonInlineUserDefinedFunction_JavaUdf{JavaUdf: &sparkpb.JavaUDF{
				ClassName: "com.example.MySum", Aggregate: true,
			}},
		},
	}})
	before := len(srv.ExecuteRequests())
	if err := s.RegisterJavaUDF(ctx, "", "x.Y", nil); err == nil {
		t.Error("no error for an empty name")
	}
	if err := s.RegisterJavaUDAF(ctx, "f", ""); err == nil {
		t.Error("no error for an empty class")
	}
	if n := len(srv.ExecuteRequests()); n != before {
		t.Errorf("%d requests sent for bad input", n-before)
	}
}

func TestReadJDBCPlans(t *testing.T) {
	srv, s := dialGolden(t)
	jdbc := "jdbc"
	read := func(opts map[string]string, preds []string) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
			ReadType: &sparkpb.Read_DataSource_{DataSource: &sparkpb.Read_DataSource{Format: &jdbc, Options: opts, Predicates: preds}},
		}}}
	}
	props := map[string]string{"user": "sa", "driver": "org.h2.Driver"}
	checkPlan(t, srv, s.Read().Option("fetchsize", "10").JDBC("jdbc:h2:mem:x", "t", props),
		read(map[string]string{"url": "jdbc:h2:mem:x", "dbtable": "t", "user": "sa", "driver": "org.h2.Driver", "fetchsize": "10"}, nil))
	checkPlan(t, srv, s.Read().JDBCPartitioned("jdbc:h2:mem:x", "t", "id", 0, 100, 4, props),
		read(map[string]string{"url": "jdbc:h2:mem:x", "dbtable": "t", "user": "sa", "driver": "org.h2.Driver",
			"partitionColumn": "id", "lowerBound": "0", "upperBound": "100", "numPartitions": "4"}, nil))
	checkPlan(t, srv, s.Read().JDBCPredicates("jdbc:h2:mem:x", "t", []string{"id < 10", "id >= 10"}, props),
		read(map[string]string{"url": "jdbc:h2:mem:x", "dbtable": "t", "user": "sa", "driver": "org.h2.Driver"}, []string{"id < 10", "id >= 10"}))
	for name, df := range map[string]*DataFrame{
		"no url":        s.Read().JDBC("", "t", nil),
		"no predicates": s.Read().JDBCPredicates("jdbc:h2:mem:x", "t", nil, nil),
		"bad bounds":    s.Read().JDBCPartitioned("jdbc:h2:mem:x", "t", "id", 10, 0, 2, nil),
		"no partitions": s.Read().JDBCPartitioned("jdbc:h2:mem:x", "t", "id", 0, 10, 0, nil),
		"nil reader":    (*DataFrameReader)(nil).JDBC("jdbc:h2:mem:x", "t", nil),
	} {
		if df.Err() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseConfSize(t *testing.T) {
	for _, c := range []struct {
		in    string
		bytes bool
		want  int64
	}{
		{"1048576", true, 1 << 20}, {"3221225472b", true, 3 << 30}, {"64k", true, 64 << 10}, {"16MB", true, 16 << 20},
		{" 2g ", true, 2 << 30}, {"10000", false, 10000},
	} {
		got, err := parseConfSize(c.in, c.bytes)
		if err != nil || got != c.want {
			t.Errorf("parseConfSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "abc", "10x", "1.5m"} {
		if _, err := parseConfSize(in, true); err == nil {
			t.Errorf("parseConfSize(%q): no error", in)
		}
	}
	if _, err := parseConfSize("10k", false); err == nil {
		t.Error("a count with a unit: no error")
	}
}
