package tests

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A job submitted against an input topic that does not exist: its queries fail at once on
// the server. submit says so with the server's message and exits 1 instead of reporting
// them started, and status lists them under the terminated queries with that error.
func TestCLISubmitMissingTopic(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	cli := readmeCLI(t)
	missing := uniqueName("cliux_missing_topic")
	name := uniqueName("cliux_fail")
	stdout, stderr, code := cli.run(ctx, "submit", "pageviews", "--input", missing, "--name", name,
		// The default --settle: submit watches the queries until their first trigger, at
		// most a minute, and a missing topic fails them there.
		"--output", newTopic(t, ctx, 1), "--checkpoint", "/tmp/sparkwire-checkpoints/"+name)
	t.Cleanup(func() { cli.run(context.Background(), "stop", name) })
	if code != 1 || strings.Count(stdout, "started ") != 3 {
		t.Fatalf("submit: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	failed := regexp.MustCompile(`(?m)^sparkwire: query (`+regexp.QuoteMeta(name)+`(_kafka|_quarantine)?) failed: (.+)$`).FindAllStringSubmatch(stderr, -1)
	if len(failed) == 0 || len(failed) != strings.Count(stderr, "\n") {
		t.Fatalf("submit's stderr, want one line per failed query:\n%s", stderr)
	}
	for _, f := range failed {
		if !strings.Contains(f[3], missing) && !strings.Contains(f[3], "UnknownTopicOrPartition") {
			t.Errorf("the failure of %s does not name the missing topic: %s", f[1], f[3])
		}
	}

	stdout, stderr, code = cli.run(ctx, "status", name)
	if code != 0 || !strings.HasPrefix(stdout, "no active queries\n\nTERMINATED QUERY ") {
		t.Fatalf("status: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range failed {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f[1]) + ` +failed +`).MatchString(stdout) {
			t.Errorf("status does not list %s as failed:\n%s", f[1], stdout)
		}
	}
	if n := strings.Count(stdout, "\n"); n != 3+3 {
		t.Errorf("status lists %d lines, want the header and the job's 3 queries:\n%s", n, stdout)
	}
}
