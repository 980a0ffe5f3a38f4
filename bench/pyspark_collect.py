"""Peer for connect's BenchmarkCollect: PySpark's Spark Connect client (pyspark-client)
collecting the same 10 million rows (or the number given third) as Arrow, in the same run against the same server.

Prints one line: rows/s, the process's CPU time per row (user and system, every thread) and
peak RSS growth per row. Run by bench/run.sh and bench/collect_cpu.sh.
"""
import resource
import sys
import time

from pyspark.sql import SparkSession

QUERY = "SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range({rows})"


def main() -> None:
    url, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000_000
    spark = SparkSession.builder.remote(url).getOrCreate()
    df = spark.sql(QUERY.format(rows=n))
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    rss0 = ru0.ru_maxrss
    start = time.perf_counter()
    for _ in range(runs):
        table = df.toArrow()
        assert table.num_rows == n, table.num_rows
        del table
    elapsed = time.perf_counter() - start
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    rss1 = ru1.ru_maxrss
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    rows = n * runs
    print(f"pyspark-client toArrow: {rows / elapsed:.0f} rows/s, {cpu * 1e9 / rows:.1f} cpu-ns/row, "
          f"peak RSS growth {(rss1 - rss0) * 1024 / n:.1f} B/row")
    spark.stop()


if __name__ == "__main__":
    main()
