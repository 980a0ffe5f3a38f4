package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sparkwireCLI builds the CLI once per test and returns a function that runs it against the
// shared stack, with its own cache directory, returning stdout, stderr and the exit code.
func sparkwireCLI(t *testing.T) func(ctx context.Context, args ...string) (string, string, int) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sparkwire")
	build := exec.Command("go", "build", "-o", bin, "../cmd/sparkwire")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the CLI: %v\n%s", err, out)
	}
	return func(ctx context.Context, args ...string) (string, string, int) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(),
			"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "HOME="+dir,
			"SPARKWIRE_CONNECT_URL="+env.ConnectURL(),
			"SPARKWIRE_KAFKA_BROKERS="+strings.Join(env.Brokers(), ","),
			"SPARKWIRE_SPARK_KAFKA_BROKERS="+env.SparkBrokers())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("run sparkwire %v: %v", args, err)
		}
		return stdout.String(), stderr.String(), code
	}
}

// The CLI end to end: the demo verifies the main job against ground truth; a job submitted
// from one invocation is found, read and stopped by later ones; errors are one line with
// exit codes that tell usage errors from failures.
func TestCLI(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	run := sparkwireCLI(t)

	out, errOut, code := run(ctx, "demo", "--duration", "8s", "--rate", "500")
	if code != 0 || !strings.Contains(out, "OK: the streaming job's output equals the ground truth") {
		t.Fatalf("demo exited %d:\n%s\n%s", code, out, errOut)
	}

	if out, _, code := run(ctx, "jobs", "list"); code != 0 || !strings.Contains(out, "pageviews") {
		t.Errorf("jobs list: %d %s", code, out)
	}
	topic := newTopic(t, ctx, 2)
	if out, errOut, code := run(ctx, "produce", "--domain", "clickstream", "--topic", topic, "--count", "3000", "--seed", "9"); code != 0 {
		t.Fatalf("produce: %d %s %s", code, out, errOut)
	}
	name := uniqueName("cli_pageviews")
	out, errOut, code = run(ctx, "submit", "pageviews", "--input", topic, "--name", name,
		"--output", newTopic(t, ctx, 1), "--checkpoint", "/tmp/sparkwire-checkpoints/"+name, "--trigger", "1s")
	if code != 0 || strings.Count(out, "started ") != 3 {
		t.Fatalf("submit: %d\n%s\n%s", code, out, errOut)
	}
	t.Cleanup(func() { run(context.Background(), "stop", name) })
	// The queries run on in the server session after submit returned: status lists them,
	// and results reads their memory table once the first batch is in.
	if out, errOut, code := run(ctx, "status", name); code != 0 || strings.Count(out, name) != 3 {
		t.Fatalf("status: %d\n%s\n%s", code, out, errOut)
	}
	if err := waitFor(ctx, 90*time.Second, func() (bool, error) {
		out, errOut, code = run(ctx, "results", name, "--format", "json", "-n", "100000")
		if code != 0 {
			return false, errors.New(errOut)
		}
		return strings.TrimSpace(out) != "", nil
	}); err != nil {
		t.Fatalf("results stayed empty: %v", err)
	}
	var views int64
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Views int64 }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("results line %q: %v", line, err)
		}
		views += r.Views
	}
	if views == 0 {
		t.Errorf("results: no page views in\n%s", out)
	}
	if out, errOut, code := run(ctx, "stop", name); code != 0 || strings.Count(out, "stopped ") != 3 {
		t.Errorf("stop: %d %s %s", code, out, errOut)
	}

	// Errors: one line, exit 1 for failures, 2 for usage.
	_, errOut, code = run(ctx, "sql", "SELEC 1")
	if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "PARSE_SYNTAX_ERROR") {
		t.Errorf("bad SQL: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := run(ctx, "sql"); code != 2 {
		t.Errorf("sql without a query: exit %d, want 2", code)
	}
	if _, errOut, code := run(ctx, "sql", "--connect", "sc://localhost:notaport", "SELECT 1"); code != 2 || !strings.Contains(errOut, "port") {
		t.Errorf("bad connection string: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := run(ctx, "submit", "no_such_job"); code != 2 {
		t.Errorf("unknown job: exit %d, want 2", code)
	}
}
