package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
)

func newWatchCommand(g *globals) *cobra.Command {
	var history int
	cmd := &cobra.Command{
		Use:   "watch QUERY|JOB",
		Short: "Follow a streaming query's progress live, with a chart of its rates",
		Long: `Shows each micro-batch of the query (or of the job's main query) as it completes, from
the server's listener events: input and processed rows per second, batch duration, state rows
and watermark, and the batch's observed metrics (for a job's query: its malformed and late
events), with a chart of the recent batches. Ends when the query ends or on Ctrl-C.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("watch takes one query name, query id or job name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkAtLeast("--history", int64(history), 1); err != nil {
				return err
			}
			err := watch(cmd.Context(), g, cmd.OutOrStdout(), args[0], history)
			if err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&history, "history", 40, "batches shown in the chart")
	return cmd
}

func watch(ctx context.Context, g *globals, out io.Writer, ref string, history int) error {
	s, err := g.jobSession(ctx)
	if err != nil {
		return err
	}
	defer s.Detach()
	qs, err := jobs.FindQueries(ctx, s, ref)
	if err != nil {
		return err
	}
	q := qs[0]
	for _, c := range qs {
		if c.Name() == ref || c.ID() == ref {
			q = c
		}
	}
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		return err
	}
	defer sub.Close(context.WithoutCancel(ctx))
	view := newProgressView(out, isTerminal(out), history)
	if recent, err := q.RecentProgress(ctx); err == nil {
		for _, p := range recent {
			view.add(p)
		}
	}
	view.draw(q.Name())
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-sub.Events():
			if !ok {
				return sub.Err()
			}
			if ev.QueryID() != q.ID() {
				continue
			}
			switch e := ev.(type) {
			case *connect.QueryProgressEvent:
				view.add(e.Progress)
				view.draw(q.Name())
			case *connect.QueryTerminatedEvent:
				if e.Exception != nil {
					return fmt.Errorf("query %s failed: %s", q.Name(), firstLine(*e.Exception))
				}
				fmt.Fprintf(out, "query %s stopped\n", q.Name())
				return nil
			}
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressView renders recent micro-batches: a chart on a terminal, a line per batch
// elsewhere.
type progressView struct {
	out     io.Writer
	tty     bool
	history int
	batches []connect.QueryProgress
}

func newProgressView(out io.Writer, tty bool, history int) *progressView {
	return &progressView{out: out, tty: tty, history: max(history, 5)}
}

func (v *progressView) add(p connect.QueryProgress) {
	v.batches = append(v.batches, p)
	if len(v.batches) > v.history {
		v.batches = v.batches[len(v.batches)-v.history:]
	}
}

func (v *progressView) draw(name string) {
	if len(v.batches) == 0 {
		fmt.Fprintf(v.out, "%s: waiting for the first batch...\n", name)
		return
	}
	last := v.batches[len(v.batches)-1]
	line := batchLine(last)
	if !v.tty {
		fmt.Fprintln(v.out, line)
		return
	}
	in := make([]float64, len(v.batches))
	proc := make([]float64, len(v.batches))
	for i, b := range v.batches {
		in[i], proc[i] = b.InputRowsPerSecond, b.ProcessedRowsPerSecond
	}
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J") // home, clear
	fmt.Fprintf(&b, "sparkwire watch  %s  (%s)\n\n", name, last.ID)
	fmt.Fprintf(&b, "input rows/s      %s  %8.1f\n", sparkline(in), last.InputRowsPerSecond)
	fmt.Fprintf(&b, "processed rows/s  %s  %8.1f\n\n", sparkline(proc), last.ProcessedRowsPerSecond)
	b.WriteString(line + "\n\nCtrl-C to stop watching (the query keeps running)\n")
	fmt.Fprint(v.out, b.String())
}

func batchLine(p connect.QueryProgress) string {
	var state int64
	for _, op := range p.StateOperators {
		state += op.NumRowsTotal
	}
	wm := "-"
	if t, ok := p.Watermark(); ok && t.Unix() > 0 {
		wm = t.Format(time.DateTime)
	}
	line := fmt.Sprintf("%s batch %d: %d rows, in %.1f/s, processed %.1f/s, %d ms, state rows %d, watermark %s",
		p.Timestamp.Local().Format(time.TimeOnly), p.BatchID, p.NumInputRows, p.InputRowsPerSecond,
		p.ProcessedRowsPerSecond, p.BatchDuration, state, wm)
	if obs := observedText(p); obs != "" {
		line += ", " + obs
	}
	return line
}

// sparkline draws values as a row of block characters scaled to their maximum.
func sparkline(vals []float64) string {
	const ticks = "▁▂▃▄▅▆▇█"
	blocks := []rune(ticks)
	peak := 0.0
	for _, v := range vals {
		peak = math.Max(peak, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if peak > 0 {
			i = int(math.Round(v / peak * float64(len(blocks)-1)))
		}
		b.WriteRune(blocks[max(0, min(i, len(blocks)-1))])
	}
	return b.String()
}
