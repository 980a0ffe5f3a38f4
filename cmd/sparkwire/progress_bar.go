package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// progressModes are the values of --progress.
var progressModes = []string{"auto", "always", "never"}

// progressBar shows the execution progress of the CLI's queries on stderr: on a terminal
// one line redrawn in place, shown once a query has run for a moment and erased before the
// result is printed; elsewhere (--progress always) a line per change. It never writes to
// the result's output. Safe for concurrent use; a nil bar does nothing.
type progressBar struct {
	w     io.Writer
	tty   bool
	delay time.Duration // on a terminal, nothing is drawn before the query has run this long
	now   func() time.Time

	mu      sync.Mutex
	start   time.Time
	drawn   int    // the length of the line on the terminal, 0 for none
	last    string // the last line printed (off a terminal)
	stopped bool
}

// newProgressBar returns the bar for --progress mode on stderr, or nil when there is to be
// none: mode never, or auto with stderr not a terminal.
func newProgressBar(stderr io.Writer, mode string) *progressBar {
	tty := isTerminal(stderr)
	if mode == "never" || (mode == "auto" && !tty) {
		return nil
	}
	return &progressBar{w: stderr, tty: tty, delay: time.Second, now: time.Now, start: time.Now()}
}

// trace returns ctx with the bar as the progress callback of its operations.
func (b *progressBar) trace(ctx context.Context) context.Context {
	if b == nil {
		return ctx
	}
	return connect.WithOperationTrace(ctx, &connect.OperationTrace{Progress: b.update})
}

// update draws a progress report.
func (b *progressBar) update(p connect.ExecutionProgress) {
	if b == nil || len(p.Stages) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	elapsed := b.now().Sub(b.start)
	if b.stopped || (b.tty && elapsed < b.delay) {
		return
	}
	line := progressLine(p)
	if b.tty {
		line += "  " + elapsed.Round(time.Second).String()
		// Padded over the line before, which may have been longer.
		fmt.Fprintf(b.w, "\r%-*s", max(len(line), b.drawn), line)
		b.drawn = max(len(line), b.drawn)
		return
	}
	if line != b.last {
		fmt.Fprintln(b.w, line)
		b.last = line
	}
}

// progressLine renders a report: "[=====>    ]  50%  3/6 tasks  2 stages  1.2 MB read".
func progressLine(p connect.ExecutionProgress) string {
	const width = 24
	total, done := p.Tasks(), p.CompletedTasks()
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	filled := int(frac * width)
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	line := fmt.Sprintf("[%s] %3.0f%%  %d/%d tasks  %d stage", bar, 100*frac, done, total, len(p.Stages))
	if len(p.Stages) != 1 {
		line += "s"
	}
	if n := p.InputBytesRead(); n > 0 {
		line += "  " + humanBytes(float64(n)) + " read"
	}
	return line
}

// stop erases the line from the terminal; nothing is drawn after it.
func (b *progressBar) stop() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
	if b.drawn > 0 {
		fmt.Fprintf(b.w, "\r%*s\r", b.drawn, "")
		b.drawn = 0
	}
}

// guard returns out, made to stop the bar before the first byte of the result is written,
// so that the result never shares a line with it.
func (b *progressBar) guard(out io.Writer) io.Writer {
	if b == nil {
		return out
	}
	return &stopOnWrite{w: out, bar: b}
}

type stopOnWrite struct {
	w    io.Writer
	bar  *progressBar
	once sync.Once
}

func (s *stopOnWrite) Write(p []byte) (int, error) {
	s.once.Do(s.bar.stop)
	return s.w.Write(p)
}

// checkProgressMode checks a --progress value.
func checkProgressMode(mode string) error {
	for _, m := range progressModes {
		if mode == m {
			return nil
		}
	}
	return usagef("--progress must be auto, always or never, not %q", mode)
}
