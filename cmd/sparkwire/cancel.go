package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
)

// jobTag is the operation tag of everything the CLI runs for a job (or query) name: submit
// tags its operations with it, and stop interrupts the ones still running.
func jobTag(name string) string { return "sparkwire-job-" + name }

func newCancelCommand(g *globals) *cobra.Command {
	var (
		tag, operation string
		all            bool
	)
	cmd := &cobra.Command{
		Use:   "cancel (--tag TAG | --operation ID | --all)",
		Short: "Interrupt running operations (queries, commands) of a Spark Connect session",
		Long: `Interrupts the running operations of the CLI's session on the server (the one submit,
status, stop, results and watch use), or of the session given with --session: those carrying
a tag (sparkwire sql --tag, or a job's sparkwire-job-NAME), one operation by id, or all of
them. Prints the ids of the operations interrupted, one per line. Streaming queries are not
operations: stop them with 'sparkwire stop'.`,
		Example: `  sparkwire sql --session "$ID" --tag nightly "SELECT ..." &
  sparkwire cancel --session "$ID" --tag nightly`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{tag != "", operation != "", all} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usagef("cancel takes exactly one of --tag, --operation or --all")
			}
			if tag != "" {
				if err := connect.ValidateTag(tag); err != nil {
					return usageError{err}
				}
			}
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				return cancelOperations(ctx, s, cmd.OutOrStdout(), g.stderr(), tag, operation)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tag, "tag", "", "interrupt the operations carrying this tag")
	f.StringVar(&operation, "operation", "", "interrupt the operation with this id")
	f.BoolVar(&all, "all", false, "interrupt every running operation of the session")
	return cmd
}

// cancelOperations interrupts by tag, by operation id, or (both empty) all, and prints the
// ids interrupted.
func cancelOperations(ctx context.Context, s *connect.Session, out, stderr io.Writer, tag, operation string) error {
	var ids []string
	var err error
	switch {
	case tag != "":
		ids, err = s.InterruptTag(ctx, tag)
	case operation != "":
		ids, err = s.InterruptOperation(ctx, operation)
	default:
		ids, err = s.InterruptAll(ctx)
	}
	if err != nil {
		return err
	}
	for _, id := range ids {
		fmt.Fprintln(out, id)
	}
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "sparkwire: no running operation matched")
	}
	return nil
}
