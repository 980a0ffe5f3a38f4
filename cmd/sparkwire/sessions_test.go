package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
)

// A server keeps its id; another server gets another; the first id recorded wins; a
// damaged file costs only new ids; the file and its directory are the user's only.
func TestSessionStore(t *testing.T) {
	newTestCLI(t)
	if _, ok, err := lookupSession("sc://a:1/"); ok || err != nil {
		t.Fatalf("empty store: %v, %v", ok, err)
	}
	a := connect.NewSessionID()
	if got, err := recordSession("sc://a:1/", a); got != a || err != nil {
		t.Fatalf("record: %q, %v", got, err)
	}
	if got, _ := recordSession("sc://a:1/", connect.NewSessionID()); got != a {
		t.Fatalf("a second record replaced the first: %q", got)
	}
	if got, ok, _ := lookupSession("sc://a:1/"); !ok || got != a {
		t.Fatalf("lookup: %q, %v", got, ok)
	}
	if _, ok, _ := lookupSession("sc://b:1/"); ok {
		t.Fatal("another server has an id")
	}
	p, _ := sessionsPath()
	for path, want := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", path, st.Mode().Perm(), err, want)
		}
	}
	if err := os.WriteFile(p, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := lookupSession("sc://a:1/"); ok || err != nil {
		t.Fatalf("after damage: %v, %v", ok, err)
	}
	if got, err := recordSession("sc://a:1/", "x"); got != "x" || err != nil {
		t.Fatalf("record after damage: %q, %v", got, err)
	}
}

// The key masks the token and credential parameters; it names the server.
func TestSessionKeyHoldsNoSecret(t *testing.T) {
	k := sessionKey("sc://spark:15002/;token=" + sentinel + ";x-api-key=" + sentinel + ";user_id=ada")
	if want := "sc://spark:15002/;token=***;user_id=ada;x-api-key=***"; k != want {
		t.Errorf("key %q, want %q", k, want)
	}
	if k := sessionKey("sc://bad:port/;token=" + sentinel); len(k) != len("sha256:")+64 {
		t.Errorf("unparsable URL: key %q", k)
	}
}

// Twenty simultaneous invocations, each for its own server, all keep their ids; twenty for
// one server all share one id. Before the lock, concurrent read-change-write cycles lost
// most entries.
func TestSessionsConcurrent(t *testing.T) {
	c := newTestCLI(t)
	const n = 20
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.run("--connect", fmt.Sprintf("sc://localhost:15002/;user_id=u%d", i), "status")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("run %d: %s", i, r)
		}
	}
	p, _ := sessionsPath()
	b, err := os.ReadFile(p)
	var ids map[string]string
	if err != nil || json.Unmarshal(b, &ids) != nil {
		t.Fatalf("sessions.json: %s, %v", b, err)
	}
	for i := range n {
		if ids[fmt.Sprintf("sc://localhost:15002/;user_id=u%d", i)] == "" {
			t.Errorf("entry %d lost (%d of %d kept)", i, len(ids), n)
		}
	}

	got := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = recordSession(sessionKey("sc://shared"), connect.NewSessionID())
		}()
	}
	wg.Wait()
	for i := range n {
		if got[i] != got[0] || got[i] == "" {
			t.Fatalf("invocation %d got %q, the first %q", i, got[i], got[0])
		}
	}
}

// A dial that fails records nothing.
func TestSessionNotRecordedWhenDialFails(t *testing.T) {
	c := newTestCLI(t)
	root := newRootCommand(deps{connectDial: func(context.Context, string, ...connect.Option) (*connect.Session, error) {
		return nil, errors.New("connection refused")
	}})
	root.SetArgs([]string{"--connect", "sc://localhost:1", "status"})
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	if err := root.Execute(); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(filepath.Join(c.cacheDir, "sparkwire", "sessions.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sessions.json after a failed dial: %v", err)
	}
}

// A file written by an older version, keyed by URLs with their tokens, is found by the new
// keys and rewritten without the tokens at the first look.
func TestSessionsScrubsOldKeys(t *testing.T) {
	newTestCLI(t)
	p, _ := sessionsPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	old := `{"sc://spark:15002/;token=` + sentinel + `": "11111111-2222-4333-8444-555555555555"}`
	if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	id, ok, err := lookupSession(sessionKey("sc://spark:15002/;token=other"))
	if err != nil || !ok || id != "11111111-2222-4333-8444-555555555555" {
		t.Fatalf("lookup: %q, %v, %v", id, ok, err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if strings.Contains(string(b), sentinel) || st.Mode().Perm() != 0o600 {
		t.Errorf("after the lookup (mode %v): %s", st.Mode().Perm(), b)
	}
}
