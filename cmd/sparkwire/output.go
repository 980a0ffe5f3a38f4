package main

// The output writer that sql and results share: the flags that choose the format, the
// result's progress bar, and the printing of a DataFrame.

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/spf13/pflag"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/internal/rowjson"
)

// outputFormats are the values of --format.
var outputFormats = []string{"table", "json", "csv", "arrow"}

// outputFlags are the flags that say how a result is printed.
type outputFlags struct {
	format, progress string
	limit            int
}

func (o *outputFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.format, "format", "table", "output format: table (as Spark shows it), json (one object per line), csv, or arrow (an Arrow IPC stream of the whole result, to a pipe or file)")
	f.IntVarP(&o.limit, "limit", "n", 20, "print at most this many rows (table, json, csv)")
	f.StringVar(&o.progress, "progress", "auto", "show the query's progress on stderr: auto (when stderr is a terminal), always or never")
}

// check refuses values outside their range, before anything is dialed.
func (o *outputFlags) check() error {
	if !contains(outputFormats, o.format) {
		return usagef("--format must be table, json, csv or arrow, not %q", o.format)
	}
	if err := checkAtLeast("--limit", int64(o.limit), 0); err != nil {
		return err
	}
	return checkProgressMode(o.progress)
}

// print prints df to out in the chosen format, with the progress bar (when there is one) on
// stderr while the result is computed, erased before the first byte of the result.
func (o *outputFlags) print(ctx context.Context, stderr, out io.Writer, df *connect.DataFrame) error {
	bar := newProgressBar(stderr, o.progress)
	defer bar.stop()
	return printDataFrame(bar.trace(ctx), bar.guard(out), df, o.format, o.limit)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// printDataFrame prints a DataFrame as Spark's table, JSON lines, CSV (the first limit
// rows), or all of it as an Arrow IPC stream.
func printDataFrame(ctx context.Context, out io.Writer, df *connect.DataFrame, format string, limit int) error {
	switch format {
	case "table":
		table, err := df.Show(ctx, limit)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(table, "\n") {
			table += "\n"
		}
		_, err = fmt.Fprint(out, table)
		return err
	case "arrow":
		rr, err := df.Collect(ctx)
		if err != nil {
			return err
		}
		defer rr.Release()
		var w *ipc.Writer
		for rr.Next() {
			if w == nil {
				w = ipc.NewWriter(out, ipc.WithSchema(rr.Schema()))
			}
			if err := w.Write(rr.RecordBatch()); err != nil {
				return err
			}
		}
		if err := rr.Err(); err != nil {
			return err
		}
		if w == nil {
			return nil
		}
		return w.Close()
	}
	rows, err := df.Limit(limit).Rows(ctx)
	if err != nil {
		return err
	}
	return writeRows(out, rows, format)
}

// writeRows writes rows as JSON lines (format json) or CSV with a header.
func writeRows(out io.Writer, rows []connect.Row, format string) error {
	if format == "json" {
		return rowjson.WriteLines(out, rows)
	}
	w := csv.NewWriter(out)
	if len(rows) > 0 {
		if err := w.Write(rows[0].Names()); err != nil {
			return err
		}
	}
	for _, r := range rows {
		rec := make([]string, r.Len())
		for i, v := range r.Values() {
			if v != nil {
				rec[i] = fmt.Sprint(v)
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
