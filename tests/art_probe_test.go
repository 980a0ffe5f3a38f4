package tests

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestArtProbe(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	s, _ := session(t, ctx)
	for _, k := range []string{"spark.sql.session.localRelationCacheThreshold", "spark.sql.session.localRelationChunkSizeRows", "spark.sql.session.localRelationChunkSizeBytes", "spark.sql.session.localRelationBatchOfChunksSizeBytes", "spark.sql.session.localRelationSizeLimit", "spark.connect.copyFromLocalToFs.allowDestLocal", "spark.sql.artifact.copyFromLocalToFs.allowDestLocal"} {
		v, ok, err := s.Conf().Get(ctx, k)
		t.Logf("%s = %q %v %v", k, v, ok, err)
	}
	err := s.Conf().Set(ctx, "spark.sql.session.localRelationCacheThreshold", "1024")
	t.Logf("set threshold: %v", err)
	err = s.Conf().Set(ctx, "spark.connect.copyFromLocalToFs.allowDestLocal", "true")
	t.Logf("set allowDestLocal: %v", err)
	err = s.Conf().Set(ctx, "spark.sql.artifact.copyFromLocalToFs.allowDestLocal", "true")
	t.Logf("set sql allowDestLocal: %v", err)
	dir := t.TempDir()
	f := filepath.Join(dir, "art_probe.txt")
	os.WriteFile(f, []byte("hello"), 0o644)
	t.Logf("addfiles: %v", s.AddFiles(ctx, f))
	st, err := s.ArtifactStatus(ctx, "files/art_probe.txt", "cache/abc")
	t.Logf("status: %v %v", st, err)
	t.Logf("copy: %v", s.CopyFromLocalToFS(ctx, f, "/tmp/art_probe_copy.txt"))
}
