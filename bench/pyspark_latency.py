"""Peer of connect's BenchmarkRoundTrip, BenchmarkRows and BenchmarkStreamStartStop
(connect/bench_latency_test.go): PySpark's Spark Connect client (pyspark-client) doing the
same operations against the same server.

    python bench/pyspark_latency.py URL ITERATIONS ROWS STREAM_ITERATIONS [BENCH ...]

ITERATIONS is the operations of each round-trip benchmark, STREAM_ITERATIONS the starts and
stops. BENCH is any of select1, schema, config, rows, startstop (default all). Prints one line per
benchmark in the form bench/latency.sh reads:

    pyspark select1 p50-ms=12.3 p99-ms=20.1
    pyspark rows rows/s=123456 cpu-ns/row=2345.6
    pyspark startstop start-p50-ms=... start-p99-ms=... stop-p50-ms=... stop-p99-ms=...
"""
import math
import resource
import sys
import time

from pyspark.sql import SparkSession


def percentiles(lat, prefix=""):
    lat = sorted(lat)

    def rank(p):
        return lat[min(max(math.ceil(len(lat) * p / 100) - 1, 0), len(lat) - 1)] * 1e3

    return f"{prefix}p50-ms={rank(50):.3f} {prefix}p99-ms={rank(99):.3f}"


def timed(n, op):
    op()  # one untimed operation first, as the Go benchmarks do
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        op()
        lat.append(time.perf_counter() - t0)
    return lat


def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    url, n, rows, stream_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    benches = sys.argv[5:] or ["select1", "schema", "config", "rows", "startstop"]
    spark = SparkSession.builder.remote(url).getOrCreate()

    def select1():
        r = spark.sql("SELECT 1 AS one").collect()
        assert len(r) == 1 and r[0][0] == 1, r

    def schema():
        st = spark.range(10).schema
        assert st.fieldNames() == ["id"], st

    def config():
        v = spark.conf.get("spark.sql.shuffle.partitions")
        assert v, v

    for b in benches:
        if b in ("select1", "schema", "config"):
            op = {"select1": select1, "schema": schema, "config": config}[b]
            print(f"pyspark {b} {percentiles(timed(n, op))}", flush=True)
        elif b == "rows":
            df = spark.sql("SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s, "
                           f"timestamp_seconds(id) AS t FROM range({rows})")
            c0, t0 = cpu(), time.perf_counter()
            got = df.collect()
            elapsed, used = time.perf_counter() - t0, cpu() - c0
            assert len(got) == rows and got[-1][0] == rows - 1 and got[-1][2] == f"row-{rows - 1}", got[-1]
            del got
            print(f"pyspark rows rows/s={rows / elapsed:.0f} cpu-ns/row={used * 1e9 / rows:.1f}", flush=True)
        elif b == "startstop":
            prefix = f"bench_startstop_py_{time.time_ns()}"
            starts, stops = [], []
            for i in range(stream_n + 1):  # the first start and stop untimed
                t0 = time.perf_counter()
                q = (spark.readStream.format("rate").option("rowsPerSecond", "10").load()
                     .writeStream.format("memory").queryName(f"{prefix}_{i}").start())
                t1 = time.perf_counter()
                q.stop()
                t2 = time.perf_counter()
                if i > 0:
                    starts.append(t1 - t0)
                    stops.append(t2 - t1)
            print(f"pyspark startstop {percentiles(starts, 'start-')} {percentiles(stops, 'stop-')}", flush=True)
        else:
            sys.exit(f"unknown benchmark {b}")
    spark.stop()


if __name__ == "__main__":
    main()
