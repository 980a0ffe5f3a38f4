package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// downCLI runs 'sparkwire down' in-process with stand-ins for the Docker calls, and records
// what they were asked to remove.
type downCLI struct {
	t       *testing.T
	mu      sync.Mutex
	removed []string // ids given to stack.Remove, "*" for RemoveAll
}

func newDownCLI(t *testing.T) *downCLI {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("HOME", dir)
	return &downCLI{t: t}
}

func (c *downCLI) run(args ...string) result {
	c.t.Helper()
	d := deps{
		stackRemove: func(_ context.Context, id string) (int, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.removed = append(c.removed, id)
			return 3, nil
		},
		stackRemoveAll: func(context.Context) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.removed = append(c.removed, "*")
			return nil
		},
	}
	root := newRootCommand(d)
	var out, errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := execute(ctx, root)
	return result{stdout: out.String(), stderr: errOut.String(), err: err, code: exitCode(err)}
}

func (c *downCLI) record(st *stackState) string {
	c.t.Helper()
	var p string
	if err := withStateLock(func(path string) error { p = path; return saveState(path, st) }); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func TestDownRemovesTheRecordedStack(t *testing.T) {
	c := newDownCLI(t)
	p := c.record(&stackState{ID: "net-a", ConnectURL: "sc://localhost:1"})
	r := c.run("down")
	if r.code != 0 || r.stdout != "local stack net-a removed (3 containers)\n" || r.stderr != "" {
		t.Fatalf("down: %s", r)
	}
	if !slices.Equal(c.removed, []string{"net-a"}) {
		t.Errorf("removed %q; want the recorded stack only", c.removed)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left: %v", err)
	}
	// Nothing recorded any more: nothing removed, and a hint at --all.
	r = c.run("down")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "no stack recorded by 'sparkwire up': nothing removed ('sparkwire down --all'") {
		t.Fatalf("second down: %s", r)
	}
	if len(c.removed) != 1 {
		t.Errorf("second down removed %q", c.removed[1:])
	}
}

func TestDownAll(t *testing.T) {
	c := newDownCLI(t)
	p := c.record(&stackState{ID: "net-a"})
	r := c.run("down", "--all")
	if r.code != 0 || r.stdout != "every stack of 'sparkwire up' removed\n" {
		t.Fatalf("down --all: %s", r)
	}
	if !slices.Equal(c.removed, []string{"*"}) {
		t.Errorf("removed %q; want RemoveAll", c.removed)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left: %v", err)
	}
}

func TestDownOldOrBrokenState(t *testing.T) {
	c := newDownCLI(t)
	p := c.record(&stackState{ConnectURL: "sc://localhost:1"}) // no id: an older sparkwire's
	r := c.run("down")
	if r.code != 2 || r.stderr != "sparkwire: the recorded stack has no id (an older sparkwire recorded it)\nremove it with 'sparkwire down --all'\n" {
		t.Fatalf("down without id: %s", r)
	}
	if err := os.WriteFile(p, []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("down")
	if r.code != 1 || !strings.Contains(r.stderr, "(remove the file, or use 'sparkwire down --all')") {
		t.Fatalf("down with a broken record: %s", r)
	}
	if len(c.removed) != 0 {
		t.Errorf("removed %q", c.removed)
	}
	if r := c.run("down", "--all"); r.code != 0 || !slices.Equal(c.removed, []string{"*"}) {
		t.Fatalf("down --all with a broken record: %s (removed %q)", r, c.removed)
	}
}

// TestStateFileConcurrentWriters has many writers (as 'up' and 'down' in several processes
// would, each under the state lock) and readers without the lock: a reader sees either no
// file or a whole record, never a torn one, and the file and its directory are owner-only.
func TestStateFileConcurrentWriters(t *testing.T) {
	newDownCLI(t)
	p, err := statePath()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readErr error
	var readMu sync.Mutex
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				st, err := loadState()
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err == nil && (st.ID == "" || st.ConnectURL != "sc://"+st.ID) {
					err = fmt.Errorf("torn record %+v", st)
				}
				if err != nil {
					readMu.Lock()
					readErr = err
					readMu.Unlock()
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := range 25 {
				id := fmt.Sprintf("w%d-%d-%s", w, i, strings.Repeat("x", 1000*(i%3)))
				err := withStateLock(func(path string) error {
					if i%5 == 4 {
						return os.Remove(path)
					}
					return saveState(path, &stackState{ID: id, ConnectURL: "sc://" + id})
				})
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	if err := withStateLock(func(path string) error { return saveState(path, &stackState{ID: "last"}) }); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700 | os.ModeDir} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var st stackState
	if err := json.Unmarshal(b, &st); err != nil || st.ID != "last" {
		t.Errorf("final record %q: %v", b, err)
	}
	// No temporary files left beside it.
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".stack.json.*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestStackLogger(t *testing.T) {
	var out syncBuffer
	g := &globals{stderr: func() io.Writer { return &out }}
	g.stackLogger().Printf("Connected to docker: %s\n", "x")
	if out.String() != "" {
		t.Errorf("quiet without -v: %q", out.String())
	}
	g.verbose = true
	var routed []string
	g.setDockerLogger = func(l stack.Logger) { l.Printf("banner %d", 1); routed = append(routed, "set") }
	g.routeDockerLogs()
	g.stackLogger().Printf("Connected to docker: %s\n", "x")
	if out.String() != "banner 1\nConnected to docker: x\n" || len(routed) != 1 {
		t.Errorf("-v: %q, routed %v", out.String(), routed)
	}
}
