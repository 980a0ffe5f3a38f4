package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// buildLines is a first build as stack.BuildImages reports it: the engine, an image up to
// date, then two steps with details.
var buildLines = []stack.BuildProgress{
	{Line: "engine: starting dockerd (log: /var/log/dockerd.log)"},
	{Line: "sparkwire/kafka:4.3.1 up to date"},
	{Line: "[1/2] spark: resolving jars with Maven (log: docker/spark/target/mvn.log)", Step: 1, Steps: 2},
	{Line: "spark: files downloaded: 50", Step: 1, Steps: 2},
	{Line: "spark: 217 jars resolved", Step: 1, Steps: 2},
	{Line: "[2/2] spark: building sparkwire/spark:4.1.2 from sparkwire/jre:17 (log: docker/spark/target/build.log)", Step: 2, Steps: 2},
	{Line: "spark: build step 5/13: COPY target/jars/ /opt/spark/jars/", Step: 2, Steps: 2, Done: 5, Total: 13},
	{Line: "built sparkwire/spark:4.1.2 in 40s", Step: 2, Steps: 2},
	{Line: "done in 100s", Step: 2, Steps: 2},
}

// fakeClock advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(1000, 0)
	return func() time.Time { t = t.Add(step); return t }
}

func TestBuildDisplayPlain(t *testing.T) {
	var out bytes.Buffer
	d := newBuildDisplay(&out, false, false)
	d.now = fakeClock(10 * time.Second)
	for _, p := range buildLines {
		d.report(p)
	}
	d.finish(nil)
	want := "engine: starting dockerd (log: /var/log/dockerd.log)\n" +
		"building the Docker images (2 steps; the first build takes several minutes)\n" +
		"  [1/2] spark: resolving jars with Maven\n" +
		"  [2/2] spark: building sparkwire/spark:4.1.2\n" +
		"images built in 1m10s\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestBuildDisplayVerbose(t *testing.T) {
	var out bytes.Buffer
	d := newBuildDisplay(&out, false, true)
	d.now = fakeClock(time.Second)
	for _, p := range buildLines {
		d.report(p)
	}
	for _, line := range []string{"sparkwire/kafka:4.3.1 up to date\n", "    spark: build step 5/13: COPY target/jars/ /opt/spark/jars/\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("-v output lacks %q:\n%s", line, out.String())
		}
	}
}

func TestBuildDisplayTerminal(t *testing.T) {
	var out bytes.Buffer
	d := newBuildDisplay(&out, true, false)
	d.now = fakeClock(10 * time.Second)
	for _, p := range buildLines[:7] {
		d.report(p)
	}
	// The current step's line, redrawn in place, with its last detail and elapsed time.
	got := out.String()
	cur := got[strings.LastIndex(got, "\r")+1:]
	if want := "  [2/2] spark: building sparkwire/spark:4.1.2: build step 5/13: COPY ta...  10s"; strings.TrimRight(cur, " ") != want || len(want) != buildLineWidth {
		t.Errorf("current line %q, want %q", cur, want)
	}
	// The finished step stays, with its duration.
	if !strings.Contains(got, "  [1/2] spark: resolving jars with Maven  30s\n") {
		t.Errorf("no finished step line in %q", got)
	}
	d.finish(errors.New("boom"))
	if !strings.HasSuffix(out.String(), "  [2/2] spark: building sparkwire/spark:4.1.2 failed after 20s\n") {
		t.Errorf("failure: %q", out.String())
	}
}

func TestBuildDisplayNothingToBuild(t *testing.T) {
	var out bytes.Buffer
	d := newBuildDisplay(&out, true, false)
	stop := d.tick(time.Millisecond)
	for _, p := range buildLines[1:2] {
		d.report(p)
	}
	time.Sleep(5 * time.Millisecond)
	stop()
	d.finish(nil)
	if out.Len() != 0 {
		t.Errorf("printed %q with every image up to date", out.String())
	}
}
