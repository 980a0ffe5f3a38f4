package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
)

func newSQLCommand(g *globals) *cobra.Command {
	var (
		out  outputFlags
		file string
		tags []string
	)
	cmd := &cobra.Command{
		Use:   "sql [STATEMENT | -]",
		Short: "Run a SQL statement on Spark Connect and print the result",
		Long: `Runs one SQL statement, given as the argument, read from a file (-f FILE), or read from
standard input ("-", or -f -), and prints its result as results does.

The statement runs in the CLI's session on the server, the one that submit starts jobs in,
so it sees the jobs' memory tables (SELECT * FROM pageviews) and the temporary views of
earlier statements; --session names another session.`,
		Example: `  sparkwire sql "SELECT id, id * 2 AS twice FROM range(5)"
  sparkwire sql --format json "SELECT * FROM pageviews"
  sparkwire sql -f report.sql --format csv > report.csv
  echo "SHOW TABLES" | sparkwire sql -`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usagef("sql takes one statement (quote it), not %d arguments", len(args))
			case len(args) == 1 && file != "":
				return usagef("sql takes the statement as an argument or from -f, not both")
			case len(args) == 0 && file == "":
				return usagef("sql needs a statement: an argument (quote it), -f FILE, or - to read standard input")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			for _, t := range tags {
				if err := connect.ValidateTag(t); err != nil {
					return usageError{fmt.Errorf("--tag: %w", err)}
				}
			}
			src := file
			if len(args) == 1 && args[0] != "-" {
				src = ""
			} else if len(args) == 1 {
				src = "-"
			}
			stmt, err := readStatement(cmd.InOrStdin(), src, args)
			if err != nil {
				return err
			}
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				ctx = connect.WithOperationTags(ctx, tags...)
				df, err := s.SQL(ctx, stmt)
				if err != nil {
					return err
				}
				return out.print(ctx, g.stderr(), cmd.OutOrStdout(), df)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", `read the statement from this file ("-" for standard input)`)
	out.add(cmd.Flags())
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "tag the statement's operations, for 'sparkwire cancel --tag' (repeatable)")
	return cmd
}

// readStatement returns the statement: from the file src ("-" for stdin), else the
// argument. An empty statement is a usage error.
func readStatement(stdin io.Reader, src string, args []string) (string, error) {
	var stmt string
	switch src {
	case "":
		stmt = args[0]
	case "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read the statement from standard input: %w", err)
		}
		stmt = string(b)
	default:
		b, err := os.ReadFile(src)
		if err != nil {
			return "", usageError{fmt.Errorf("-f: %w", err)}
		}
		stmt = string(b)
	}
	if strings.TrimSpace(stmt) == "" {
		where := "the argument"
		switch src {
		case "-":
			where = "standard input"
		case "":
		default:
			where = src
		}
		return "", usagef("the statement is empty (read from %s)", where)
	}
	return stmt, nil
}
