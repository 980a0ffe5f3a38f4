package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/internal/rowjson"
)

func newSQLCommand(g *globals) *cobra.Command {
	var (
		format, progress string
		limit            int
		tags             []string
	)
	cmd := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Run a SQL statement on Spark Connect and print the result",
		Example: `  sparkwire sql "SELECT id, id * 2 AS twice FROM range(5)"
  sparkwire sql --format json "SHOW TABLES"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("sql takes one argument, the query (quote it)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" && format != "csv" && format != "arrow" {
				return usagef("--format must be table, json, csv or arrow, not %q", format)
			}
			if err := checkProgressMode(progress); err != nil {
				return err
			}
			for _, t := range tags {
				if err := connect.ValidateTag(t); err != nil {
					return usageError{fmt.Errorf("--tag: %w", err)}
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			bar := newProgressBar(g.stderr(), progress)
			ctx = bar.trace(connect.WithOperationTags(ctx, tags...))
			err := runSQL(ctx, g, bar.guard(cmd.OutOrStdout()), args[0], format, limit)
			bar.stop()
			if err != nil {
				g.report(err)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json (one object per line), csv or arrow (an Arrow IPC stream)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "print at most this many rows")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "tag the statement's operations, for 'sparkwire cancel --tag' (repeatable)")
	cmd.Flags().StringVar(&progress, "progress", "auto", "show the query's progress on stderr: auto (when stderr is a terminal), always or never")
	return cmd
}

func runSQL(ctx context.Context, g *globals, out io.Writer, query, format string, limit int) error {
	s, err := g.session(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if g.sessionID != "" {
			// A session named with --session outlives the command: others may use it.
			_ = s.Detach()
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.Close(cctx)
	}()
	df, err := s.SQL(ctx, query)
	if err != nil {
		return err
	}
	return printDataFrame(ctx, out, df, format, limit)
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

func writeRows(out io.Writer, rows []connect.Row, format string) error {
	switch format {
	case "json":
		return rowjson.WriteLines(out, rows)
	default:
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
}
