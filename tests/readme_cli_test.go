package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/producers"
)

// The README's CLI walk-through ("## Using the CLI"), command by command as written, against
// the suite's stack. The commands come from the README's fenced block, so the test fails
// when the README drifts from what the test checks. What the test changes, and why:
//   - 'go build' is done by the test, and 'up' and 'down' are not run: the suite's stack is
//     shared by the other tests. In their place the test records the suite's stack as 'up'
//     records its own (stack.json in the CLI's cache directory) and runs every command with
//     no SPARKWIRE_* variables, so each must find the stack through that record, as after a
//     real 'up'.
//   - Names are made unique (the topic, the job's query name, its checkpoint and output),
//     because other tests use the same server and Kafka.
//   - watch runs until it has shown a batch, then gets Ctrl-C (SIGINT).
func TestReadmeCLIWalkthrough(t *testing.T) {
	ctx := testCtx(t, 8*time.Minute)
	steps := readmeCLISteps(t)
	cli := readmeCLI(t)

	topic := uniqueName("cliux_readme_clicks")
	name := uniqueName("cliux_readme_pv")
	var expected map[PageViewKey]int64 // the job's final counts, from the events produced
	var resultHeader string

	for i, args := range steps {
		step := fmt.Sprintf("README step %d (%s)", i+1, strings.Join(args, " "))
		switch {
		case args[0] == "go":
			if strings.Join(args, " ") != "go build -o sparkwire ./cmd/sparkwire" {
				t.Fatalf("%s: the test builds ./cmd/sparkwire itself and expects that build line", step)
			}
			continue
		case args[0] != "./sparkwire":
			t.Fatalf("%s: not a sparkwire command", step)
		}
		args = args[1:]
		switch args[0] {
		case "up", "down":
			if len(args) != 1 {
				t.Fatalf("%s: the test stands in for a plain '%s' only", step, args[0])
			}
			continue // see the test's comment

		case "produce":
			args = replaceFlag(t, step, args, "--topic", "clickstream", topic)
			stdout, stderr, code := cli.run(ctx, args...)
			t.Cleanup(func() { deleteTopic(topic) })
			m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(topic) + `: (\d+) events acknowledged .*; 0 failed, 0 late, 0 malformed; stopped by duration$`).FindStringSubmatch(stdout)
			if code != 0 || stderr != "" || m == nil {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}
			acked, _ := strconv.ParseInt(m[1], 10, 64)
			ends, err := kadmEnds(ctx, topic)
			if err != nil {
				t.Fatal(err)
			}
			var inTopic int64
			for _, n := range ends {
				inTopic += n
			}
			if acked == 0 || inTopic != acked {
				t.Fatalf("%s: %d events acknowledged, %d in the topic", step, acked, inTopic)
			}
			expected = expectedFromProduceFlags(t, args, acked)

		case "submit":
			if strings.Join(args[:2], " ") != "submit pageviews" {
				t.Fatalf("%s: the walk-through submits pageviews", step)
			}
			args = append(args, "--input", topic, "--name", name, "--output", newTopic(t, ctx, 1),
				"--checkpoint", "/tmp/sparkwire-checkpoints/"+name)
			stdout, stderr, code := cli.run(ctx, args...)
			t.Cleanup(func() { cli.run(context.Background(), "stop", name) })
			for _, q := range []string{name + "_kafka", name, name + "_quarantine"} {
				if !regexp.MustCompile(`(?m)^started ` + regexp.QuoteMeta(q) + ` +id [0-9a-f-]{36}$`).MatchString(stdout) {
					t.Errorf("%s: no started line for %s", step, q)
				}
			}
			if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 3 {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}
			// Read once at once, likely before the first batch: a later read must not
			// print this read's table again (the server's plan cache, see connect/plan_ids.go).
			if _, stderr, code := cli.run(ctx, "results", name); code != 0 {
				t.Fatalf("early results: exit %d %s", code, stderr)
			}

		case "status":
			stdout, stderr, code := cli.run(ctx, args...)
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if code != 0 || stderr != "" || len(lines) != 4 || !strings.HasPrefix(lines[0], "QUERY ") || strings.Contains(stdout, "TERMINATED") {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}
			for _, q := range []string{name + "_kafka", name, name + "_quarantine"} {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(q) + ` `).MatchString(stdout) {
					t.Errorf("%s: no line for %s:\n%s", step, q, stdout)
				}
			}

		case "watch":
			args = replaceArg(t, step, args, 1, "pageviews", name)
			batch := regexp.MustCompile(`(?m)^[0-9:]+ batch \d+: \d+ rows`)
			stdout, stderr, code := cli.runUntil(ctx, batch, args...)
			if code != 0 || stderr != "" || !batch.MatchString(stdout) {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}

		case "results":
			args = replaceArg(t, step, args, 1, "pageviews", name)
			if len(args) == 2 { // the table
				var stdout string
				err := waitFor(ctx, 2*time.Minute, func() (bool, error) {
					out, stderr, code := cli.run(ctx, args...)
					if code != 0 {
						return false, errors.New(stderr)
					}
					stdout = out
					return len(showRows(out)) >= min(20, len(expected)), nil
				})
				if err != nil || len(showRows(stdout)) > 20 {
					t.Fatalf("%s: the table never showed %d rows (%v):\n%s", step, min(20, len(expected)), err, stdout)
				}
				resultHeader = showHeader(stdout)
				checkPageViewRows(t, step, stdout, expected)
				continue
			}
			if strings.Join(args[2:], " ") != "--format json" {
				t.Fatalf("%s: the test reads the results as JSON lines", step)
			}
			// The memory table in update mode holds every change of a window's count: the
			// largest is the final one, which must equal the count from the events.
			var got map[PageViewKey]int64
			err := waitFor(ctx, 2*time.Minute, func() (bool, error) {
				stdout, stderr, code := cli.run(ctx, append(args, "-n", "1000000")...)
				if code != 0 || stderr != "" {
					return false, fmt.Errorf("exit %d: %s", code, stderr)
				}
				var err error
				got, err = finalPageViews(stdout)
				return err == nil && equalCounts(got, expected), err
			})
			if err != nil {
				t.Fatalf("%s: the results never equalled the counts of the events (%v): %d windows, want %d", step, err, len(got), len(expected))
			}

		case "sql":
			stmt := args[len(args)-1]
			if strings.Contains(stmt, "FROM pageviews") {
				args[len(args)-1] = strings.Replace(stmt, "FROM pageviews", "FROM "+name, 1)
				stdout, stderr, code := cli.run(ctx, args...)
				if n := len(showRows(stdout)); code != 0 || stderr != "" || n < min(20, len(expected)) || n > 20 || showHeader(stdout) != resultHeader {
					t.Fatalf("%s: exit %d, want the job's table (header %q) with %d to 20 rows:\n%s\n%s", step, code, resultHeader, min(20, len(expected)), stdout, stderr)
				}
				checkPageViewRows(t, step, stdout, expected)
				continue
			}
			if stmt != "SELECT id, id * id AS square FROM range(5)" {
				t.Fatalf("%s: the test knows no such statement", step)
			}
			stdout, stderr, code := cli.run(ctx, args...)
			rows := showRows(stdout)
			if code != 0 || stderr != "" || showHeader(stdout) != "id|square" || len(rows) != 5 {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}
			for i, r := range rows {
				if want := []string{strconv.Itoa(i), strconv.Itoa(i * i)}; strings.Join(r, "|") != strings.Join(want, "|") {
					t.Errorf("%s: row %d is %v, want %v", step, i, r, want)
				}
			}

		case "stop":
			args = replaceArg(t, step, args, 1, "pageviews", name)
			stdout, stderr, code := cli.run(ctx, args...)
			if code != 0 || stderr != "" || strings.Count(stdout, "stopped "+name) != 3 {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}
			if stdout, _, code := cli.run(ctx, "status"); code != 0 || stdout != "no active queries\n" {
				t.Fatalf("status after stop: exit %d\n%s", code, stdout)
			}

		case "cancel":
			stdout, stderr, code := cli.run(ctx, args...)
			// Nothing runs in the session any more: nothing to interrupt, and it says so.
			if code != 0 || stdout != "" || stderr != "sparkwire: no running operation matched\n" {
				t.Fatalf("%s: exit %d\n%s\n%s", step, code, stdout, stderr)
			}

		default:
			t.Fatalf("%s: the test does not cover this command; add it", step)
		}
	}
	if expected == nil || resultHeader == "" {
		t.Fatal("the walk-through lacks produce or results")
	}
}

// readmeCLISteps returns the commands of the README's CLI section, as shell words, comments
// dropped.
func readmeCLISteps(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Using the CLI\n")
	if !ok {
		t.Fatal("README has no '## Using the CLI' section")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	block, _, ok2 := strings.Cut(block, "\n```")
	if !ok || !ok2 {
		t.Fatal("README's CLI section has no sh block")
	}
	var steps [][]string
	sc := bufio.NewScanner(strings.NewReader(block))
	for sc.Scan() {
		words, err := shellWords(sc.Text())
		if err != nil {
			t.Fatalf("README line %q: %v", sc.Text(), err)
		}
		if len(words) > 0 {
			steps = append(steps, words)
		}
	}
	if len(steps) < 10 {
		t.Fatalf("README's CLI block has %d commands", len(steps))
	}
	return steps
}

// shellWords splits a line as sh would for the README's commands: words, double-quoted
// strings, and a comment from an unquoted #.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '"':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '"':
			quoted, inWord = true, true
		case r == '#' && !inWord:
			return words, nil
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// replaceFlag replaces the value of flag, which must be from, by to.
func replaceFlag(t *testing.T, step string, args []string, flag, from, to string) []string {
	t.Helper()
	for i := range len(args) - 1 {
		if args[i] == flag && args[i+1] == from {
			out := append([]string(nil), args...)
			out[i+1] = to
			return out
		}
	}
	t.Fatalf("%s: no %s %s to make unique", step, flag, from)
	return nil
}

// replaceArg replaces the argument at i, which must be from, by to.
func replaceArg(t *testing.T, step string, args []string, i int, from, to string) []string {
	t.Helper()
	if len(args) <= i || args[i] != from {
		t.Fatalf("%s: want %q as argument %d", step, from, i)
	}
	out := append([]string(nil), args...)
	out[i] = to
	return out
}

// expectedFromProduceFlags regenerates the first n events that produce sent with these
// flags (its defaults otherwise: seed 1, JSON, none malformed or late) and returns the
// pageviews job's final counts for them.
func expectedFromProduceFlags(t *testing.T, args []string, n int64) map[PageViewKey]int64 {
	t.Helper()
	flag := func(name string) string {
		for i := range len(args) - 1 {
			if args[i] == name {
				return args[i+1]
			}
		}
		return ""
	}
	for i, a := range args {
		if strings.HasPrefix(a, "--") && !map[string]bool{"--domain": true, "--topic": true, "--rate": true, "--duration": true, "--create-topic": true}[a] {
			t.Fatalf("produce flag %s (argument %d): the test regenerates the events for domain, topic, rate and duration only", a, i)
		}
	}
	rate, err := strconv.ParseFloat(flag("--rate"), 64)
	if err != nil || rate <= 0 || flag("--domain") != "clickstream" {
		t.Fatalf("produce %v: want --domain clickstream and a --rate", args)
	}
	gen, err := producers.NewGenerator("clickstream", 0)
	if err != nil {
		t.Fatal(err)
	}
	// As produce builds its stream: the event-time step is 1s/rate.
	s, err := producers.NewStream(gen, producers.WithSeed(1), producers.WithEncoding(producers.EncodingJSON),
		producers.WithMalformed(0), producers.WithInterval(time.Duration(float64(time.Second)/rate)))
	if err != nil {
		t.Fatal(err)
	}
	events := make([]producers.Event, n)
	for i := range events {
		if events[i], err = s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	want, err := ExpectedPageViews(events)
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// finalPageViews reads the results' JSON lines: the largest count per window and page.
func finalPageViews(out string) (map[PageViewKey]int64, error) {
	got := map[PageViewKey]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			WindowStart time.Time `json:"window_start"`
			Page        string    `json:"page"`
			Views       int64     `json:"views"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("results line %q: %w", line, err)
		}
		k := PageViewKey{WindowStart: r.WindowStart.UTC(), Page: r.Page}
		got[k] = max(got[k], r.Views)
	}
	return got, nil
}

func equalCounts(got, want map[PageViewKey]int64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// showHeader returns the column names of a table as Spark shows it, joined by "|".
func showHeader(table string) string {
	lines := strings.Split(table, "\n")
	if len(lines) < 2 {
		return ""
	}
	return strings.Join(showCells(lines[1]), "|")
}

// showRows returns the cells of a shown table's data rows.
func showRows(table string) [][]string {
	lines := strings.Split(table, "\n")
	var rows [][]string
	for i, l := range lines {
		if i > 2 && strings.HasPrefix(l, "|") {
			rows = append(rows, showCells(l))
		}
	}
	return rows
}

func showCells(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// checkPageViewRows checks the rows of a shown pageviews table against the final counts:
// every row is a window and page the events have, with at most the final count (update mode
// keeps the earlier, smaller counts too).
func checkPageViewRows(t *testing.T, step, table string, want map[PageViewKey]int64) {
	t.Helper()
	if showHeader(table) != "window_start|window_end|page|views" {
		t.Fatalf("%s: header %q", step, showHeader(table))
	}
	for _, r := range showRows(table) {
		start, err := time.ParseInLocation(time.DateTime, r[0], time.UTC)
		views, verr := strconv.ParseInt(r[3], 10, 64)
		if err != nil || verr != nil {
			t.Fatalf("%s: row %v: %v %v", step, r, err, verr)
		}
		final, ok := want[PageViewKey{WindowStart: start, Page: r[2]}]
		if !ok || views < 1 || views > final {
			t.Errorf("%s: row %v: the events give %d views (known window: %v)", step, r, final, ok)
		}
	}
}

// readmeCLIRunner runs the CLI as the README's reader would after 'sparkwire up': no
// SPARKWIRE_* variables, the suite's stack recorded in the CLI's cache directory.
type readmeCLIRunner struct {
	t   *testing.T
	bin string
	env []string
}

func readmeCLI(t *testing.T) *readmeCLIRunner {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sparkwire")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sparkwire").CombinedOutput(); err != nil {
		t.Fatalf("build the CLI: %v\n%s", err, out)
	}
	cache := filepath.Join(dir, "cache")
	state, err := json.Marshal(map[string]any{
		"connect_url": env.ConnectURL(), "brokers": env.Brokers(), "spark_brokers": env.SparkBrokers(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cache, "sparkwire"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "sparkwire", "stack.json"), state, 0o600); err != nil {
		t.Fatal(err)
	}
	var cliEnv []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SPARKWIRE_") {
			cliEnv = append(cliEnv, kv)
		}
	}
	cliEnv = append(cliEnv, "XDG_CACHE_HOME="+cache, "HOME="+dir)
	return &readmeCLIRunner{t: t, bin: bin, env: cliEnv}
}

func (r *readmeCLIRunner) command(ctx context.Context, args []string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env = r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func (r *readmeCLIRunner) exit(args []string, err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		r.t.Fatalf("run sparkwire %v: %v", args, err)
	}
	return 0
}

// run runs the CLI and returns its stdout, stderr and exit code.
func (r *readmeCLIRunner) run(ctx context.Context, args ...string) (string, string, int) {
	cmd, stdout, stderr := r.command(ctx, args)
	err := cmd.Run()
	return stdout.String(), stderr.String(), r.exit(args, err)
}

// runUntil runs the CLI until its stdout matches until (or three minutes pass: a loaded
// server takes a while over a stateful job's first batch), then
// interrupts it as Ctrl-C does.
func (r *readmeCLIRunner) runUntil(ctx context.Context, until *regexp.Regexp, args ...string) (string, string, int) {
	cmd, _, stderr := r.command(ctx, args)
	out := &lockedBuffer{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(3 * time.Minute)
	for !until.MatchString(out.String()) {
		select {
		case err := <-done:
			return out.String(), stderr.String(), r.exit(args, err)
		case <-deadline:
			r.t.Errorf("sparkwire %v: no match for %s within three minutes", args, until)
		case <-time.After(100 * time.Millisecond):
			continue
		}
		break
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := <-done
	return out.String(), stderr.String(), r.exit(args, err)
}

// lockedBuffer is a buffer that a test reads while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// deleteTopic removes a topic that a command created.
func deleteTopic(topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers()...))
	if err != nil {
		return
	}
	defer cl.Close()
	_, _ = kadm.NewClient(cl).DeleteTopics(ctx, topic)
}
