package tests

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/jobs"
)

// The demo scenario as a package function: it produces, runs the pageviews job, finds the
// job's output equal to the ground truth window by window, quarantines every malformed
// event, and cleans up its queries and topics.
func TestDemo(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	var progress bytes.Buffer
	res, err := demo.Run(ctx, s, demo.Config{
		Brokers: env.Brokers(), SparkBrokers: env.SparkBrokers(),
		Duration: 6 * time.Second, Rate: 400, Seed: 3,
		Suffix: uniqueName("layering"), Progress: &progress, ProgressEvery: time.Second,
	})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, progress.String())
	}
	out := progress.String()
	m := res.Manifest
	if !res.OK() || res.Wrong != 0 || res.Checked == 0 || m.Acked < 1000 || m.Malformed == 0 || res.Quarantined != m.Malformed {
		t.Errorf("result %+v, manifest acked %d malformed %d\n%s", res, m.Acked, m.Malformed, out)
	}
	for _, want := range []string{"demo: submitted job pageviews", " sent ", "OK: the streaming job's output equals the ground truth"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	// Nothing left behind: no query of the run, none of its topics.
	var nq *jobs.NoQueryError
	if _, err := jobs.FindQueries(ctx, s, res.Run); !errors.As(err, &nq) {
		t.Errorf("queries of %s after the demo: %v", res.Run, err)
	}
	adm := kadm.NewClient(kafkaClient(t))
	var left []string
	if err := waitFor(ctx, 30*time.Second, func() (bool, error) {
		topics, err := adm.ListTopics(ctx, res.Input, res.Output, res.Quarantine)
		if err != nil {
			return false, err
		}
		left = nil
		for _, name := range []string{res.Input, res.Output, res.Quarantine} {
			if topics.Has(name) {
				left = append(left, name)
			}
		}
		return len(left) == 0, nil
	}); err != nil {
		t.Errorf("topics left behind: %v (%v)", left, err)
	}
}
