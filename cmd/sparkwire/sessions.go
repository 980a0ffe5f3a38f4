package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparkwire/sparkwire/connect"
)

// The CLI's session ids live in <user cache>/sparkwire/sessions.json, one per server, so
// that separate invocations (submit, then status, stop...) reach the same Spark session.
// The file holds no secrets: entries are keyed by the connection string with its token and
// credential-like parameters masked (see sessionKey). It is private to the user (0600, in a
// 0700 directory), replaced atomically (a temporary file renamed over it), changed only
// under a lock (see lockFile) so that simultaneous invocations keep each other's entries,
// and written only after a dial succeeded.

// sessionsPath returns the path of sessions.json.
func sessionsPath() (string, error) {
	p, err := statePath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(p), "sessions.json"), nil
}

// sessionKey is the key of a server's entry: its connection string as connect renders it,
// token and credential-like parameters masked; a string that does not parse (Dial refuses
// it anyway) is keyed by its SHA-256.
func sessionKey(url string) string {
	cs, err := connect.ParseConnectionString(url)
	if err != nil {
		sum := sha256.Sum256([]byte(url))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	return cs.String()
}

// readSessions reads the recorded ids; a missing or damaged file reads as none (a damaged
// file only costs new sessions). Keys are normalized with sessionKey, which masks the
// tokens that files written by older versions keyed their entries with; scrubbed reports
// that a key changed, so that the caller rewrites the file without them.
func readSessions(p string) (ids map[string]string, scrubbed bool) {
	raw := map[string]string{}
	if b, err := os.ReadFile(p); err == nil {
		_ = json.Unmarshal(b, &raw)
	}
	ids = make(map[string]string, len(raw))
	for k, v := range raw {
		nk := k
		if !strings.HasPrefix(k, "sha256:") {
			nk = sessionKey(k)
		}
		if nk != k {
			scrubbed = true
			if _, ok := raw[nk]; ok {
				continue
			}
		}
		ids[nk] = v
	}
	return ids, scrubbed
}

// writeSessions replaces sessions.json with ids.
func writeSessions(p string, ids map[string]string) error {
	b, err := json.MarshalIndent(ids, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(p, b)
}

// lookupSession returns the id recorded for key, if any.
func lookupSession(key string) (string, bool, error) {
	p, err := sessionsPath()
	if err != nil {
		return "", false, err
	}
	if _, err := os.Stat(p); err != nil {
		return "", false, nil
	}
	var id string
	var ok bool
	err = withLock(p, func() error {
		ids, scrubbed := readSessions(p)
		id, ok = ids[key]
		if scrubbed {
			return writeSessions(p, ids)
		}
		return nil
	})
	return id, ok, err
}

// recordSession records id for key unless another invocation recorded one first, and
// returns the id that is recorded.
func recordSession(key, id string) (string, error) {
	p, err := sessionsPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	recorded := id
	err = withLock(p, func() error {
		ids, scrubbed := readSessions(p)
		if prev, ok := ids[key]; ok {
			recorded = prev
			if scrubbed {
				return writeSessions(p, ids)
			}
			return nil
		}
		ids[key] = id
		return writeSessions(p, ids)
	})
	return recorded, err
}

// writeFileAtomic replaces the file at p with b, readable by the user only: readers see the
// old file or the new one, never a part.
func writeFileAtomic(p string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// withLock runs fn holding an exclusive lock on p's lock file (p + ".lock").
func withLock(p string, fn func() error) error {
	unlock, err := lockFile(p + ".lock")
	if err != nil {
		return fmt.Errorf("lock %s: %w", p, err)
	}
	defer unlock()
	return fn()
}

// jobSession dials the CLI's long-lived session for the server: the one that submit starts
// queries in and that status, stop, results and watch find them in. The caller detaches
// from it (Session.Detach) instead of closing it, which would stop the queries. A new id is
// recorded only once a session with it was opened.
func (g *globals) jobSession(ctx context.Context) (*connect.Session, error) {
	url, err := g.url()
	if err != nil {
		return nil, err
	}
	if g.sessionID != "" { // --session: that one, recorded nowhere
		return g.dial(ctx, url, connect.WithSessionID(g.sessionID))
	}
	key := sessionKey(url)
	id, ok, err := lookupSession(key)
	if err != nil {
		return nil, err
	}
	if ok {
		return g.dial(ctx, url, connect.WithSessionID(id))
	}
	id = connect.NewSessionID()
	s, err := g.dial(ctx, url, connect.WithSessionID(id))
	if err != nil {
		return nil, err
	}
	recorded, err := recordSession(key, id)
	if err != nil {
		_ = s.Close(ctx)
		return nil, err
	}
	if recorded == id {
		return s, nil
	}
	// Another invocation opened the server's session first: use that one.
	_ = s.Close(ctx)
	return g.dial(ctx, url, connect.WithSessionID(recorded))
}
