package tests

import (
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// TestJobShufflePartitions checks on Spark that a job's stateful query runs with the jobs'
// shuffle partitions (its state store instances, from the query's progress), or with the
// session's own setting for ShufflePartitions -1, and that Start leaves the session's setting
// as it was.
func TestJobShufflePartitions(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	const key = "spark.sql.shuffle.partitions"
	if err := s.Conf().Set(ctx, key, "7"); err != nil {
		t.Fatal(err)
	}
	input := newTopic(t, ctx, 3)
	jobInput(t, ctx, input, func() producers.Generator { return producers.NewClickstream(50) }, 500,
		producers.WithSeed(7), producers.WithInterval(100*time.Millisecond))
	for _, tc := range []struct {
		cfg  int
		want int64
	}{{0, jobs.DefaultShufflePartitions}, {-1, 7}, {3, 3}} {
		name := uniqueName("pipeline_shuffle")
		run, err := jobs.PageViews().Start(ctx, s, jobs.Config{
			Brokers: env.SparkBrokers(), InputTopic: input, OutputTopic: newTopic(t, ctx, 1),
			QuarantineTopic: newTopic(t, ctx, 1), Name: name, NoMemorySink: true,
			CheckpointDir: "/tmp/sparkwire-checkpoints/" + name, ShufflePartitions: tc.cfg,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := run.ProcessAllAvailable(ctx); err != nil {
			stopRun(run)
			t.Fatal(err)
		}
		ps, err := run.Results.RecentProgress(ctx)
		stopRun(run)
		if err != nil {
			t.Fatal(err)
		}
		var got int64 = -1
		for _, p := range ps {
			if p.NumInputRows > 0 && len(p.StateOperators) > 0 {
				got = p.StateOperators[0].NumShufflePartitions
			}
		}
		if got != tc.want {
			t.Errorf("ShufflePartitions %d: the aggregation ran with %d shuffle partitions, want %d", tc.cfg, got, tc.want)
		}
		if v, _, err := s.Conf().Get(ctx, key); err != nil || v != "7" {
			t.Errorf("ShufflePartitions %d: after Start the session's %s is %q (%v), want its own 7", tc.cfg, key, v, err)
		}
	}
}
