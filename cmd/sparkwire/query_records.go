package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// The queries that submit started live in <user cache>/sparkwire/queries.json, so that
// status can list those that terminated: the server lists only active queries, but answers
// for a terminated one by its ids for a while. The file is private to the user, replaced
// atomically and changed under a lock, like sessions.json; it holds no secrets.

// maxQueryRecords bounds the file: the oldest records go first.
const maxQueryRecords = 200

// queryRecord is a query that submit started.
type queryRecord struct {
	Server  string    `json:"server"`  // sessionKey of the server's connection string
	Session string    `json:"session"` // the server session's id
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	RunID   string    `json:"run_id"`
	Started time.Time `json:"started"`
}

func queriesPath() (string, error) {
	p, err := statePath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(p), "queries.json"), nil
}

// readQueryRecords reads the records; a missing or damaged file reads as none.
func readQueryRecords(p string) []queryRecord {
	var recs []queryRecord
	if b, err := os.ReadFile(p); err == nil {
		_ = json.Unmarshal(b, &recs)
	}
	return recs
}

// updateQueryRecords changes the records under the file's lock.
func updateQueryRecords(change func([]queryRecord) []queryRecord) error {
	p, err := queriesPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return withLock(p, func() error {
		recs := change(readQueryRecords(p))
		if len(recs) > maxQueryRecords {
			recs = recs[len(recs)-maxQueryRecords:]
		}
		b, err := json.MarshalIndent(recs, "", "  ")
		if err != nil {
			return err
		}
		return writeFileAtomic(p, b)
	})
}

// recordQueries records queries started in session s of the server at url, replacing the
// records of earlier queries of the same names there.
func recordQueries(url string, s *connect.Session, qs []*connect.StreamingQuery) error {
	server, now := sessionKey(url), time.Now().UTC()
	return updateQueryRecords(func(recs []queryRecord) []queryRecord {
		recs = slices.DeleteFunc(recs, func(r queryRecord) bool {
			return r.Server == server && slices.ContainsFunc(qs, func(q *connect.StreamingQuery) bool { return q.Name() == r.Name })
		})
		for _, q := range qs {
			recs = append(recs, queryRecord{Server: server, Session: s.ID(), Name: q.Name(), ID: q.ID(), RunID: q.RunID(), Started: now})
		}
		return recs
	})
}

// forgetQueries removes the records of the queries with these ids.
func forgetQueries(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return updateQueryRecords(func(recs []queryRecord) []queryRecord {
		return slices.DeleteFunc(recs, func(r queryRecord) bool { return slices.Contains(ids, r.ID) })
	})
}

// recordedQueries returns the records of queries started in session s of the server at url,
// oldest first.
func recordedQueries(url string, s *connect.Session) ([]queryRecord, error) {
	p, err := queriesPath()
	if err != nil {
		return nil, err
	}
	server := sessionKey(url) // no lock: the file is replaced whole
	return slices.DeleteFunc(readQueryRecords(p), func(r queryRecord) bool { return r.Server != server || r.Session != s.ID() }), nil
}
