package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// buildImages builds the stack's images when they are missing or stale (stack.BuildImages),
// showing the build's steps and elapsed time on stderr. When everything is up to date it
// prints nothing (under -v, what it checked).
func (g *globals) buildImages(ctx context.Context) error {
	w := g.stderr()
	d := newBuildDisplay(w, isTerminal(w), g.verbose)
	stop := d.tick(time.Second)
	err := stack.BuildImages(ctx, stack.WithLogger(quietLogger{}), stack.WithBuildProgress(d.report))
	stop()
	d.finish(err)
	return err
}

// buildDisplay shows stack.BuildImages' progress. The images are built once, and the first
// build takes minutes in a handful of steps, some silent for a long time (the Java base
// image, Maven): so it says what step of how many is under way and for how long. On a
// terminal the current step is one line redrawn in place every second, with the step's last
// detail ("build step 5/13: COPY ...", "files downloaded: 150") and its elapsed time, and each
// finished step stays as a line with its duration; elsewhere each step is a line when it
// starts. Lines that are not steps (images up to date, the details) show only under -v,
// except the Docker engine's, which come only when it is being installed or started.
// Safe for concurrent use.
type buildDisplay struct {
	w       io.Writer
	tty     bool
	verbose bool
	now     func() time.Time

	mu        sync.Mutex
	started   time.Time // when the first step began; zero while nothing is built
	step      string    // the current step's line, "[2/4] spark: building ..."
	stepStart time.Time
	detail    string // the step's last detail line
	drawn     int    // length of the line on the terminal, 0 for none
}

// buildLineWidth is the longest line the display redraws in place.
const buildLineWidth = 79

func newBuildDisplay(w io.Writer, tty, verbose bool) *buildDisplay {
	return &buildDisplay{w: w, tty: tty, verbose: verbose, now: time.Now}
}

// report takes one progress line of the build.
func (d *buildDisplay) report(p stack.BuildProgress) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	isStep := p.Steps > 0 && strings.HasPrefix(p.Line, "[")
	switch {
	case isStep:
		if d.started.IsZero() {
			d.started = now
			d.println(fmt.Sprintf("building the Docker images (%d steps; the first build takes several minutes)", p.Steps))
		}
		d.endStep(now)
		d.step, d.stepStart, d.detail = trimLog(p.Line), now, ""
		if !d.tty {
			d.println("  " + d.step)
		}
	case d.step != "" && !strings.HasPrefix(p.Line, "done in"):
		d.detail = strings.TrimSpace(strings.TrimPrefix(p.Line, stepSubject(d.step)+":"))
		if d.verbose && !d.tty {
			d.println("    " + p.Line)
		}
	case d.verbose || strings.HasPrefix(p.Line, "engine: "):
		// The engine's lines come only when it had to be installed or started.
		d.println(p.Line)
	}
	d.draw(now)
}

// tick redraws the current step every interval on a terminal, so that its elapsed time
// moves while the step prints nothing; the returned function stops it.
func (d *buildDisplay) tick(interval time.Duration) (stop func()) {
	if !d.tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				d.mu.Lock()
				d.draw(d.now())
				d.mu.Unlock()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// finish ends the display: the last step's line, and the total when something was built.
func (d *buildDisplay) finish(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started.IsZero() {
		return
	}
	now := d.now()
	if err != nil {
		d.clear()
		d.println(fmt.Sprintf("  %s failed after %s", d.step, round(now.Sub(d.stepStart))))
		return
	}
	d.endStep(now)
	d.println(fmt.Sprintf("images built in %s", round(now.Sub(d.started))))
}

// endStep leaves the finished step on the terminal with its duration.
func (d *buildDisplay) endStep(now time.Time) {
	if d.step == "" || !d.tty {
		return
	}
	d.clear()
	d.println(fmt.Sprintf("  %s  %s", d.step, round(now.Sub(d.stepStart))))
	d.step = ""
}

// draw redraws the current step's line on a terminal.
func (d *buildDisplay) draw(now time.Time) {
	if !d.tty || d.step == "" {
		return
	}
	line := "  " + d.step
	if d.detail != "" {
		line += ": " + d.detail
	}
	// One line of an 80-column terminal: a longer one would wrap, and \r would redraw only
	// its last part.
	elapsed := "  " + round(now.Sub(d.stepStart)).String()
	if room := buildLineWidth - len(elapsed); len(line) > room {
		line = line[:room-3] + "..."
	}
	line += elapsed
	fmt.Fprintf(d.w, "\r%-*s", max(len(line), d.drawn), line)
	d.drawn = max(len(line), d.drawn)
}

// clear erases the redrawn line.
func (d *buildDisplay) clear() {
	if d.drawn > 0 {
		fmt.Fprintf(d.w, "\r%s\r", strings.Repeat(" ", d.drawn))
		d.drawn = 0
	}
}

func (d *buildDisplay) println(s string) {
	d.clear()
	fmt.Fprintln(d.w, s)
}

// trimLog drops the "(log: ...)" note and the base image of a step line, to leave room for
// the step's details.
func trimLog(line string) string {
	for _, sep := range []string{" (log: ", " from "} {
		if i := strings.Index(line, sep); i >= 0 {
			line = line[:i]
		}
	}
	return line
}

// stepSubject returns what a step line is about: "spark" for "[2/4] spark: building ...".
func stepSubject(step string) string {
	_, rest, _ := strings.Cut(step, "] ")
	subject, _, _ := strings.Cut(rest, ":")
	return subject
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }
