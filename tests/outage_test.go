package tests

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sparkwire/sparkwire/connect"
)

// proxied starts a fault proxy in front of the stack's Spark Connect server and returns it
// with a connection string that goes through it.
func proxied(t *testing.T) (*faultProxy, string) {
	t.Helper()
	cs, err := connect.ParseConnectionString(env.ConnectURL())
	if err != nil {
		t.Fatal(err)
	}
	p := newFaultProxy(t, cs.Address())
	return p, strings.Replace(env.ConnectURL(), cs.Address(), p.Addr(), 1)
}

// outageRows is the size of the results read through outages: long enough that the result
// is still streaming when the fault comes after a tenth of it.
const outageRows = 2_000_000

// outageQuery returns ids 0..n-1 in order with two columns computed from them, over four
// partitions.
func outageQuery(n int) string {
	return fmt.Sprintf("SELECT id, id * 3 AS x, concat('r', id) AS s FROM range(0, %d, 1, 4)", n)
}

// checkedResult counts what a read of outageQuery saw.
type checkedResult struct {
	rows, lost, duplicated, wrong int64
}

// readChecked reads outageQuery(n) from rr, checking every value, and starts fault once
// after the first tenth of the rows, on a goroutine of its own (the reads go on meanwhile),
// which it waits for at the end.
func readChecked(t *testing.T, rr *connect.RecordReader, n int, fault func()) checkedResult {
	t.Helper()
	seen := make([]bool, n)
	var res checkedResult
	faulted := false
	faultDone := make(chan struct{})
	for rr.Next() {
		rec := rr.RecordBatch()
		ids := rec.Column(0).(*array.Int64)
		xs := rec.Column(1).(*array.Int64)
		ss := rec.Column(2).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			id := ids.Value(i)
			res.rows++
			if id < 0 || id >= int64(n) {
				res.wrong++
				continue
			}
			if seen[id] {
				res.duplicated++
			}
			seen[id] = true
			if xs.Value(i) != 3*id || ss.Value(i) != "r"+strconv.FormatInt(id, 10) {
				res.wrong++
			}
		}
		if !faulted && res.rows >= int64(n/10) {
			faulted = true
			go func() { defer close(faultDone); fault() }()
		}
	}
	if faulted {
		<-faultDone
	}
	for _, ok := range seen {
		if !ok {
			res.lost++
		}
	}
	if !faulted {
		t.Errorf("the result ended after %d rows, before the fault", res.rows)
	}
	return res
}

// A result of two million rows is read while the network to the server fails: the server's
// port refuses connections for 300 ms, 2 s and 15 s (existing connections reset), the
// connections are reset, or the network goes silent (a blackhole, noticed by keepalive). Each
// time the result resumes where it broke off and comes back complete: every id once, every
// value right; and the session's counters show that the fault was met and recovered from.
func TestCollectSurvivesOutages(t *testing.T) {
	cases := []struct {
		name string
		// fault starts the fault at once and returns when it is over, reporting how long it
		// lasted.
		fault func(t *testing.T, p *faultProxy) time.Duration
	}{
		{"refused 300ms", refuseFor(300 * time.Millisecond)},
		{"refused 2s", refuseFor(2 * time.Second)},
		{"refused 15s", refuseFor(15 * time.Second)},
		{"reset", func(t *testing.T, p *faultProxy) time.Duration { p.Reset(); return 0 }},
		{"blackhole", func(t *testing.T, p *faultProxy) time.Duration {
			start := time.Now()
			p.Blackhole()
			// The client notices the silence by keepalive and connects again: the new
			// connection is the sign (it is held too, until the blackhole ends).
			k := connect.DefaultKeepalive()
			limit := k.Time + k.Timeout + 15*time.Second
			for p.HeldSince().IsZero() && time.Since(start) < limit {
				time.Sleep(50 * time.Millisecond)
			}
			held := p.HeldSince()
			p.Pass()
			if held.IsZero() {
				t.Errorf("no new connection within %s of the blackhole: the dead peer went unnoticed", limit)
				return time.Since(start)
			}
			t.Logf("blackhole noticed after %s (keepalive time %s, timeout %s)",
				held.Sub(start).Round(100*time.Millisecond), k.Time, k.Timeout)
			return time.Since(start)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 4*time.Minute)
			p, url := proxied(t)
			s, _ := sessionAt(t, ctx, url)
			if err := s.Conf().Set(ctx, "spark.sql.execution.arrow.maxRecordsPerBatch", "5000"); err != nil {
				t.Fatal(err)
			}
			df, err := s.SQL(ctx, outageQuery(outageRows))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			rr, err := df.Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Release()
			before := s.Stats()
			var outage time.Duration
			res := readChecked(t, rr, outageRows, func() { outage = tc.fault(t, p) })
			if err := rr.Err(); err != nil {
				t.Fatalf("after %d rows: %v", res.rows, err)
			}
			after := s.Stats()
			if res.rows != outageRows || res.lost != 0 || res.duplicated != 0 || res.wrong != 0 {
				t.Errorf("rows %d (want %d), lost %d, duplicated %d, wrong values %d",
					res.rows, outageRows, res.lost, res.duplicated, res.wrong)
			}
			if rr.Reattaches() == 0 || after.Reattaches == before.Reattaches {
				t.Errorf("no reattach: reader %d, session %+v -> %+v", rr.Reattaches(), before, after)
			}
			if after.Retries == before.Retries {
				t.Errorf("no retry counted: %+v -> %+v", before, after)
			}
			t.Logf("%s: outage %s; %d rows checked, %d lost, %d duplicated; %d reattaches, %d retries; read in %s",
				tc.name, outage.Round(100*time.Millisecond), res.rows, res.lost, res.duplicated,
				rr.Reattaches(), after.Retries-before.Retries, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// refuseFor returns a fault that resets the proxy's connections and refuses new ones for d.
func refuseFor(d time.Duration) func(t *testing.T, p *faultProxy) time.Duration {
	return func(t *testing.T, p *faultProxy) time.Duration {
		start := time.Now()
		p.Refuse()
		time.Sleep(d)
		p.Pass()
		return time.Since(start)
	}
}

// An action with a 25 s deadline returns at its deadline, within a second, while the network
// to the server is silent (a blackhole that does not end): neither reattaching nor the
// interrupt and release, which cannot reach the server, hold it up.
func TestDeadlineDuringBlackhole(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	p, url := proxied(t)
	s := dial(t, ctx, url)
	if err := s.Conf().Set(ctx, "spark.sql.execution.arrow.maxRecordsPerBatch", "5000"); err != nil {
		t.Fatal(err)
	}
	df, err := s.SQL(ctx, outageQuery(outageRows))
	if err != nil {
		t.Fatal(err)
	}
	const deadline = 25 * time.Second
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	rr, err := df.Collect(actx)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		if rows += rr.RecordBatch().NumRows(); rows >= outageRows/10 && !p.blackholed() {
			p.Blackhole()
		}
	}
	took := time.Since(start)
	err = rr.Err()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after %d rows and %s: err %v, want the deadline", rows, took, err)
	}
	if took < deadline || took > deadline+time.Second {
		t.Errorf("returned after %s, want within a second of the %s deadline", took.Round(10*time.Millisecond), deadline)
	}
	t.Logf("%d rows, then the deadline after %s: %v", rows, took.Round(10*time.Millisecond), err)
	// The session is still usable for the next call once the network is back.
	p.Pass()
	n, err := s.Range(0, 10, 1).Count(ctx)
	if err != nil || n != 10 {
		t.Errorf("count after the blackhole: %d, %v", n, err)
	}
}
