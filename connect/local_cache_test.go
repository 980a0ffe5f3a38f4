package connect

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/types"
)

// rowsDF makes a DataFrame of n rows (id, "row-<id>").
func rowsDF(t *testing.T, s *Session, n int) *DataFrame {
	t.Helper()
	schema := types.Struct(types.Field("id", types.Long), types.Field("name", types.String))
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), fmt.Sprintf("row-%d", i)}
	}
	df := s.CreateDataFrameFromRows(schema, rows)
	if df.Err() != nil {
		t.Fatal(df.Err())
	}
	return df
}

// decodeChunks reads the cached chunks named by hashes from srv and returns their rows.
func decodeChunks(t *testing.T, srv *fakeserver.Server, s *Session, hashes []string) (ids []int64, names []string) {
	t.Helper()
	held := srv.Artifacts(s.ID())
	for _, h := range hashes {
		data, ok := held["cache/"+h]
		if !ok {
			t.Fatalf("the server does not hold chunk %s", h)
		}
		if got := sha256Hex(data); got != h {
			t.Fatalf("chunk %s has hash %s", h, got)
		}
		rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(memory.DefaultAllocator))
		if err != nil {
			t.Fatalf("chunk %s: %v", h, err)
		}
		for rd.Next() {
			r := rd.RecordBatch()
			id, name := r.Column(0).(*array.Int64), r.Column(1).(*array.String)
			for i := 0; i < int(r.NumRows()); i++ {
				ids = append(ids, id.Value(i))
				names = append(names, name.Value(i))
			}
		}
		if err := rd.Err(); err != nil {
			t.Fatal(err)
		}
		rd.Release()
	}
	return ids, names
}

func TestCreateDataFrameAboveTheThresholdSendsCachedChunks(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1k"); err != nil {
		t.Fatal(err)
	}
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationChunkSizeRows", "300"); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	df := rowsDF(t, s, n)
	root := planOf(t, srv, df)
	cached := root.GetChunkedCachedLocalRelation()
	if cached == nil {
		t.Fatalf("plan root is %T, want a chunked cached local relation", root.GetRelType())
	}
	if len(cached.GetDataHashes()) != 4 || cached.SchemaHash != nil {
		t.Errorf("%d data hashes (want 4 chunks of up to 300 rows), schema hash %v", len(cached.GetDataHashes()), cached.SchemaHash)
	}
	ids, names := decodeChunks(t, srv, s, cached.GetDataHashes())
	if len(ids) != n {
		t.Fatalf("%d rows in the chunks, want %d", len(ids), n)
	}
	for i := range ids {
		if ids[i] != int64(i) || names[i] != fmt.Sprintf("row-%d", i) {
			t.Fatalf("row %d is (%d, %q)", i, ids[i], names[i])
		}
	}
	checkCRCs(t, srv.AddArtifactsRequests())
	// Asked before the upload which chunks the server lacks, and checked afterwards.
	if st := srv.ArtifactStatusRequests(); len(st) != 2 || len(st[0].GetNames()) != 4 || len(st[1].GetNames()) != 4 {
		t.Errorf("artifact status requests %v, want two of the 4 chunks", st)
	}

	// The same data again: the session knows the server holds the chunks.
	uploads, statuses, confs := len(srv.AddArtifactsRequests()), len(srv.ArtifactStatusRequests()), len(srv.ConfigRequests())
	root2 := planOf(t, srv, df.Limit(10))
	if got := root2.GetLimit().GetInput().GetChunkedCachedLocalRelation().GetDataHashes(); strings.Join(got, ",") != strings.Join(cached.GetDataHashes(), ",") {
		t.Errorf("second plan names chunks %v, want %v", got, cached.GetDataHashes())
	}
	if a, b, c := len(srv.AddArtifactsRequests())-uploads, len(srv.ArtifactStatusRequests())-statuses, len(srv.ConfigRequests())-confs; a+b+c != 0 {
		t.Errorf("second action made %d uploads, %d status and %d config calls, want none", a, b, c)
	}

	// Small data stays inline.
	if root := planOf(t, srv, rowsDF(t, s, 2)); root.GetLocalRelation() == nil {
		t.Errorf("small data: plan root is %T, want an inline local relation", root.GetRelType())
	}

	// A changed setting is read again: above the new threshold, the data stays inline.
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1g"); err != nil {
		t.Fatal(err)
	}
	if root := planOf(t, srv, df); root.GetLocalRelation() == nil {
		t.Errorf("threshold 1g: plan root is %T, want an inline local relation", root.GetRelType())
	}
}

func TestCachedChunksRespectTheByteLimitAndBatchSize(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	for k, v := range map[string]string{
		"spark.sql.session.localRelationCacheThreshold":         "1024",
		"spark.sql.session.localRelationChunkSizeBytes":         "4kb",
		"spark.sql.session.localRelationBatchOfChunksSizeBytes": "8k",
	} {
		if err := s.Conf().Set(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	const n = 2000
	root := planOf(t, srv, rowsDF(t, s, n))
	hashes := root.GetChunkedCachedLocalRelation().GetDataHashes()
	if len(hashes) < 5 {
		t.Fatalf("%d chunks, want several of about 4 KiB", len(hashes))
	}
	held := srv.Artifacts(s.ID())
	for _, h := range hashes {
		if size := len(held["cache/"+h]); size > 8<<10 {
			t.Errorf("chunk of %d bytes, want about 4 KiB", size)
		}
	}
	ids, _ := decodeChunks(t, srv, s, hashes)
	if len(ids) != n || ids[n-1] != n-1 {
		t.Fatalf("%d rows in the chunks, want %d", len(ids), n)
	}
	// Calls of at most 8 KiB of chunks: more than one AddArtifacts call.
	calls := 0
	for _, r := range srv.AddArtifactsRequests() {
		if r.GetBatch() != nil || r.GetBeginChunk() != nil {
			calls++
		}
	}
	if calls < len(hashes)/2 {
		t.Errorf("%d artifact batches for %d chunks", calls, len(hashes))
	}
}

func TestCachedChunksTheServerLostAreSentAgain(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1024"); err != nil {
		t.Fatal(err)
	}
	df := rowsDF(t, s, 500)
	planOf(t, srv, df)
	uploads := len(srv.AddArtifactsRequests())
	if uploads == 0 {
		t.Fatal("nothing uploaded")
	}
	// Another session on the same server holds nothing: it uploads its own chunks.
	s2, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	if err := s2.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1024"); err != nil {
		t.Fatal(err)
	}
	root := planOf(t, srv, rowsDF(t, s2, 500))
	ids, _ := decodeChunks(t, srv, s2, root.GetChunkedCachedLocalRelation().GetDataHashes())
	if len(ids) != 500 {
		t.Errorf("%d rows in the second session's chunks", len(ids))
	}
}

func TestCachedChunksThatKeepFailingTheirCRCFailTheAction(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	if err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1024"); err != nil {
		t.Fatal(err)
	}
	srv.CorruptChunks(100)
	_, err := rowsDF(t, s, 500).Count(ctx)
	if !errors.Is(err, ErrArtifactCRC) {
		t.Errorf("err = %v, want ErrArtifactCRC", err)
	}
	if n := len(srv.ExecuteRequests()); n != 0 {
		t.Errorf("%d plans sent with chunks the server does not hold", n)
	}
}
