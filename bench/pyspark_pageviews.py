"""Peer for the pipeline benchmark (bench/pipeline): the pageviews job (jobs/clickstream.go,
started by jobs.Job.Start with NoMemorySink) submitted by PySpark's Spark Connect client
(pyspark-client) instead of sparkwire: the same two queries (the results to the output
topic, the malformed events to the quarantine topic) built with the same plan, options,
trigger and sink.

The benchmark driver runs it as a child process and talks to it by lines:
  stdout  "READY" once both queries have started, then "PROGRESS <json>" for every new
          progress report of the results query (polled every --poll seconds), and
          "STOPPED" when it has stopped the queries;
  stdin   end of file (or a line "STOP") stops the queries; a line "EXPLAIN" makes it print
          "EXPLAIN <JSON string>", the results query's extended explain output.
Errors go to stderr with a non-zero exit status.
"""
import argparse
import contextlib
import io
import json
import resource
import select
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

CORRUPT = "_corrupt_record"
WATERMARK_DELAY = "2 minutes"


def parse_events(raw, ddl, fields):
    """jobs/events.go parseEvents."""
    text = raw.select(F.col("value").cast("string").alias("raw"))
    parsed = text.select(
        F.col("raw"),
        F.from_json(F.col("raw"), ddl + ", " + CORRUPT + " STRING",
                    {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}).alias("e"))
    reason = F.when(F.col("e").isNull() | F.col("e." + CORRUPT).isNotNull(),
                    "unparsable JSON or a field of the wrong type")
    for f in fields:
        reason = reason.when(F.col("e." + f).isNull(), "missing field " + f)
    cols = [F.col("raw"), reason.otherwise(None).alias("reason")]
    cols += [F.col("e." + f).alias(f) for f in fields]
    return parsed.select(*cols)


def observe_quality(parsed, event_time):
    """jobs/quality.go observeQuality."""
    et = F.when(F.col("reason").isNull(), F.col(event_time))
    newest = F.max(et)
    late = F.size(F.filter(F.collect_list(et), lambda t: t < newest - F.expr("INTERVAL " + WATERMARK_DELAY)))
    return parsed.observe("quality",
                          F.count(F.lit(1)).alias("records"),
                          F.count_if(F.col("reason").isNotNull()).alias("malformed"),
                          late.alias("late"))


def pageviews(events):
    """jobs/clickstream.go PageViews' Transform."""
    return (events.withWatermark("event_time", WATERMARK_DELAY)
            .where("event_type = 'page_view'")
            .groupBy(F.window(F.col("event_time"), "1 minute").alias("w"), F.col("page"))
            .agg(F.count(F.lit(1)).alias("views"))
            .select(F.col("w.start").alias("window_start"), F.col("w.end").alias("window_end"),
                    F.col("page"), F.col("views")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--quarantine", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--trigger", required=True, help='Spark interval, e.g. "1 second"')
    ap.add_argument("--ddl", required=True)
    ap.add_argument("--fields", required=True, help="comma-separated field names")
    ap.add_argument("--max-offsets-per-trigger", type=int, default=0)
    ap.add_argument("--conf", action="append", default=[], help="key=value, set on the session first")
    ap.add_argument("--poll", type=float, default=2.0)
    a = ap.parse_args()

    spark = SparkSession.builder.remote(a.url).getOrCreate()
    for kv in a.conf:
        k, v = kv.split("=", 1)
        spark.conf.set(k, v)
    fields = a.fields.split(",")
    reader = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", a.brokers)
              .option("subscribe", a.input)
              .option("startingOffsets", "earliest")
              .option("failOnDataLoss", "false"))
    if a.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", str(a.max_offsets_per_trigger))
    parsed = observe_quality(parse_events(reader.load(), a.ddl, fields), "event_time")
    events = parsed.where("reason IS NULL").drop("raw", "reason")
    result = pageviews(events)
    records = result.select(
        F.concat_ws("|", F.col("window_start").cast("string"), F.col("page").cast("string")).alias("key"),
        F.to_json(F.struct(F.col("*"))).alias("value"))

    def kafka_sink(df, topic, name, mode):
        return (df.writeStream.format("kafka").outputMode(mode)
                .option("kafka.bootstrap.servers", a.brokers)
                .option("topic", topic)
                .option("checkpointLocation", a.checkpoint + "/" + name)
                .trigger(processingTime=a.trigger)
                .queryName(name)
                .start())

    queries = [kafka_sink(records, a.output, a.name + "_kafka", "update")]
    quarantine = parsed.where("reason IS NOT NULL").select(
        F.lit("pageviews").alias("key"),
        F.to_json(F.struct(F.col("reason"), F.col("raw"), F.current_timestamp().alias("quarantined_at"))).alias("value"))
    queries.append(kafka_sink(quarantine, a.quarantine, a.name + "_quarantine", "append"))
    print("READY", flush=True)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, t0 = ru.ru_utime + ru.ru_stime, time.monotonic()

    results, seen = queries[0], set()
    try:
        while True:
            for p in results.recentProgress:
                js = p.json if isinstance(getattr(p, "json", None), str) else json.dumps(p)
                d = json.loads(js)
                key = (d["batchId"], d["timestamp"])
                if key not in seen:
                    seen.add(key)
                    print("PROGRESS " + js.replace("\n", " "), flush=True)
            ready, _, _ = select.select([sys.stdin], [], [], a.poll)
            if ready:
                line = sys.stdin.readline()
                if line == "" or line.strip() == "STOP":
                    break
                if line.strip() == "EXPLAIN":
                    # The results query's plans as the server has them (explain prints them).
                    buf = io.StringIO()
                    with contextlib.redirect_stdout(buf):
                        results.explain(extended=True)
                    print("EXPLAIN " + json.dumps(buf.getvalue()), flush=True)
            if not results.isActive:
                raise RuntimeError("the results query stopped: %s" % (results.exception(),))
    finally:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        # What the client cost while the job ran: polling the progress (stderr, for the log).
        sys.stderr.write("pyspark peer: %.2f s CPU in %.0f s while the job ran\n"
                         % (ru.ru_utime + ru.ru_stime - cpu0, time.monotonic() - t0))
        for q in queries:
            q.stop()
        print("STOPPED", flush=True)
        spark.stop()


if __name__ == "__main__":
    main()
