"""Peer of bench/concurrency (the Go driver): PySpark's Spark Connect client (pyspark-client)
running the same operations from Python threads, and printing the same line per level.

At each level of concurrency, that many threads take operations from a common count until
the level's operations are done; an operation is spark.sql(query) and the result read with
toArrow(). Threads share one session (shared) or have one each (separate: sessions made with
SparkSession.builder.remote(url).create() before the clock starts, each answering SELECT 1
first). Workloads, sizes and the output line are those of bench/concurrency/main.go.

    python bench/pyspark_concurrency.py URL WORKLOAD SESSIONS [LEVELS] [ROWS] [MAX_INFLIGHT_ROWS]
        [OPS_PER_WORKER] [MIN_OPS]
"""
import math
import resource
import sys
import threading
import time

from pyspark.sql import SparkSession


def query(workload: str, rows: int) -> str:
    if workload == "select":
        return "SELECT 1"
    return f"SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range({rows})"


def run_op(spark, q: str) -> int:
    return spark.sql(q).toArrow().num_rows


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def percentile(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    i = math.ceil(len(sorted_vals) * p / 100) - 1
    return sorted_vals[min(max(i, 0), len(sorted_vals) - 1)]


def main() -> None:
    url, workload, sessions = sys.argv[1], sys.argv[2], sys.argv[3]
    levels = [int(x) for x in (sys.argv[4] if len(sys.argv) > 4 else "1,4,16,64").split(",")]
    rows = int(sys.argv[5]) if len(sys.argv) > 5 else 400_000
    max_inflight = int(sys.argv[6]) if len(sys.argv) > 6 else 6_400_000
    per_worker = int(sys.argv[7]) if len(sys.argv) > 7 and int(sys.argv[7]) > 0 else (2 if workload == "select" else 1)
    min_ops = int(sys.argv[8]) if len(sys.argv) > 8 and int(sys.argv[8]) > 0 else (32 if workload == "select" else 4)
    assert workload in ("select", "collect"), workload
    assert sessions in ("shared", "separate"), sessions

    pool = []

    def get(n):
        while len(pool) < n:
            s = SparkSession.builder.remote(url).create()
            run_op(s, "SELECT 1")
            pool.append(s)
        return pool[:n]

    get(1)
    warm_rows = 1 if workload == "select" else min(rows, max_inflight)
    assert run_op(pool[0], query(workload, warm_rows)) == warm_rows
    for conc in levels:
        ss = get(conc if sessions == "separate" else 1)
        ops = max(min_ops, conc * per_worker)
        r = 1 if workload == "select" else min(rows, max_inflight // conc)
        q = query(workload, r)
        lock = threading.Lock()
        state = {"next": 0, "errors": 0, "first": None}
        lat = []

        def worker(s):
            while True:
                with lock:
                    state["next"] += 1
                    if state["next"] > ops:
                        return
                t0 = time.perf_counter()
                err = None
                try:
                    got = run_op(s, q)
                    if got != r:
                        err = f"got {got} rows, want {r}"
                except Exception as e:  # noqa: BLE001 - counted and reported
                    err = repr(e)
                d = time.perf_counter() - t0
                with lock:
                    if err is None:
                        lat.append(d)
                    else:
                        state["errors"] += 1
                        state["first"] = state["first"] or err

        threads = [threading.Thread(target=worker, args=(ss[i % len(ss)],)) for i in range(conc)]
        c0 = cpu()
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        used = cpu() - c0
        lat.sort()
        ok = len(lat)
        if ok == 0:
            sys.exit(f"concurrency {conc}: every operation failed, the first with: {state['first']}")
        if state["errors"]:
            print(f"concurrency {conc}: {state['errors']} of {ops} operations failed, the first with: {state['first']}", file=sys.stderr)
        print(f"client=pyspark workload={workload} sessions={sessions} conc={conc} ops={ops} rows_per_op={r} "
              f"elapsed_s={elapsed:.3f} ops_per_s={ok / elapsed:.2f} rows_per_s={ok * r / elapsed:.0f} "
              f"p50_ms={percentile(lat, 50) * 1e3:.2f} p99_ms={percentile(lat, 99) * 1e3:.2f} "
              f"max_ms={lat[-1] * 1e3:.2f} errors={state['errors']} cpu_s={used:.3f}", flush=True)
    for s in pool:
        s.stop()


if __name__ == "__main__":
    main()
