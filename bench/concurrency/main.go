// Command concurrency measures how sparkwire's throughput and latency grow with the number
// of operations in flight in one Go process: at each level of concurrency (-levels, default
// 1,4,16,64) it runs that many goroutines that take operations from a common count until
// the level's operations are done, each operation a SQL statement sent with Session.SQL and
// its result read to the end with DataFrame.Collect. The goroutines share one session
// (-sessions shared: one gRPC connection, calls multiplexed on it) or have one each
// (-sessions separate: a connection and a server-side session per goroutine, dialled
// before the clock starts). Workloads (-workload):
//
//	select   SELECT 1, one row: the cost of a round trip and of the server's planning
//	collect  SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range(R):
//	         a large result of R rows (-rows), streamed as Arrow batches; at high
//	         concurrency R shrinks so that at most -max-inflight-rows rows are in flight
//
// It prints one line per level:
//
//	client=sparkwire workload=select sessions=shared conc=4 ops=32 rows_per_op=1 elapsed_s=0.256
//	ops_per_s=125.0 rows_per_s=125.0 p50_ms=30.1 p99_ms=41.0 max_ms=41.0 errors=0 cpu_s=0.21
//
// bench/pyspark_concurrency.py prints the same lines for PySpark threads, and
// bench/concurrency.sh runs both in turn and aggregates them (the report subcommand:
// medians and ranges over repetitions, ratios, a Markdown table and an SVG chart).
//
// Usage:
//
//	concurrency [-url sc://...] [-workload select|collect] [-sessions shared|separate]
//	            [-levels 1,4,16,64] [-rows 400000] [-max-inflight-rows 6400000]
//	            [-ops-per-worker 2] [-min-ops 32] [-blockprofile f] [-mutexprofile f]
//	concurrency report -in results.txt [-svg chart.svg]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("concurrency: ")
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "report" {
		if err := report(args[1:], os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
			log.Fatal(err)
		}
		return
	}
	o, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := run(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// options are the driver's flags.
type options struct {
	url             string
	workload        string
	sessions        string
	levels          []int
	rows            int64
	maxInflightRows int64
	opsPerWorker    int
	minOps          int
	timeout         time.Duration
	blockProfile    string
	mutexProfile    string
	// dial are options of every Dial (tests: the in-memory server's).
	dial []connect.Option
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("concurrency", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", os.Getenv("SPARKWIRE_CONNECT_URL"), "Spark Connect URL (default $SPARKWIRE_CONNECT_URL)")
	fs.StringVar(&o.workload, "workload", "select", "select (SELECT 1) or collect (a large result)")
	fs.StringVar(&o.sessions, "sessions", "shared", "shared (one session for every goroutine) or separate (one each)")
	levels := fs.String("levels", "1,4,16,64", "comma-separated numbers of concurrent operations")
	fs.Int64Var(&o.rows, "rows", 400_000, "collect: rows per operation")
	fs.Int64Var(&o.maxInflightRows, "max-inflight-rows", 6_400_000, "collect: rows per operation shrink to this divided by the concurrency when that is smaller")
	fs.IntVar(&o.opsPerWorker, "ops-per-worker", 0, "operations per goroutine at each level (default 2 for select, 1 for collect)")
	fs.IntVar(&o.minOps, "min-ops", 0, "at least this many operations per level (default 32 for select, 4 for collect)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound of the whole run")
	fs.StringVar(&o.blockProfile, "blockprofile", "", "write a goroutine blocking profile of the measured operations here")
	fs.StringVar(&o.mutexProfile, "mutexprofile", "", "write a mutex contention profile of the measured operations here")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.url == "" {
		return o, errors.New("no server: give -url or set SPARKWIRE_CONNECT_URL")
	}
	switch o.workload {
	case "select":
		o.opsPerWorker = cmpOr(o.opsPerWorker, 2)
		o.minOps = cmpOr(o.minOps, 32)
	case "collect":
		o.opsPerWorker = cmpOr(o.opsPerWorker, 1)
		o.minOps = cmpOr(o.minOps, 4)
	default:
		return o, fmt.Errorf("-workload %q: want select or collect", o.workload)
	}
	if o.sessions != "shared" && o.sessions != "separate" {
		return o, fmt.Errorf("-sessions %q: want shared or separate", o.sessions)
	}
	if o.rows <= 0 || o.maxInflightRows <= 0 || o.opsPerWorker <= 0 || o.minOps <= 0 || o.timeout <= 0 {
		return o, errors.New("-rows, -max-inflight-rows, -ops-per-worker, -min-ops and -timeout must be positive")
	}
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 4096 {
			return o, fmt.Errorf("-levels: %q is not a concurrency between 1 and 4096", f)
		}
		o.levels = append(o.levels, n)
	}
	return o, nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// plan returns the operations and the rows per operation of a level.
func (o options) plan(conc int) (ops int, rows int64) {
	ops = max(o.minOps, conc*o.opsPerWorker)
	if o.workload == "select" {
		return ops, 1
	}
	return ops, min(o.rows, o.maxInflightRows/int64(conc))
}

// query returns the statement of one operation.
func (o options) query(rows int64) string {
	if o.workload == "select" {
		return "SELECT 1"
	}
	return fmt.Sprintf("SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range(%d)", rows)
}
