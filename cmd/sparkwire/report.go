package main

// Errors, their exit codes, and the one place that prints them (execute).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
)

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// hintedError carries a hint that execute prints on the line under the error: what to do
// instead (the known jobs, a command meant).
type hintedError struct {
	err  error
	hint string
}

func (h hintedError) Error() string { return h.err.Error() }
func (h hintedError) Unwrap() error { return h.err }

// usageHint returns a usage error that execute prints with hint instead of the usage line.
func usageHint(err error, hint string) error { return usageError{hintedError{err, hint}} }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// execute runs the command tree within ctx and prints its error, if any, on the root's
// error output: the only place where the CLI prints an error. Commands return their
// errors and print none.
func execute(ctx context.Context, root *cobra.Command) error {
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	if cmd == nil {
		cmd = root
	}
	if exitCode(err) == 1 && !cmd.Runnable() {
		// Only how it was called can fail a command with nothing to run.
		err = usageError{err}
	}
	verbose, _ := root.PersistentFlags().GetBool("verbose")
	report(root.ErrOrStderr(), cmd, err, verbose)
	return err
}

// report prints err as one line (all of it under -v, with a Spark error's server stack
// trace), or each of the errors that errors.Join joined so, then for a usage error a hint: the error's own, or the command's usage line.
func report(w io.Writer, cmd *cobra.Command, err error, verbose bool) {
	all := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap() // errors.Join: one line each
	}
	for _, e := range all {
		msg := strings.TrimSpace(e.Error())
		if !verbose {
			msg, _, _ = strings.Cut(msg, "\n")
		}
		fmt.Fprintln(w, "sparkwire: "+msg)
		var se *connect.SparkError
		if verbose && errors.As(e, &se) && len(se.StackTrace) > 0 {
			fmt.Fprint(w, se.StackTraceString())
		}
	}
	if exitCode(err) != 2 {
		return
	}
	var h hintedError
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintln(w, h.hint)
		return
	}
	fmt.Fprintln(w, usageLine(cmd))
}

// usageLine is a usage error's default hint: "usage: sparkwire sql QUERY [flags] (see
// 'sparkwire sql --help')".
func usageLine(cmd *cobra.Command) string {
	use := cmd.UseLine()
	if cmd.HasAvailableSubCommands() {
		use = cmd.CommandPath() + " COMMAND [flags]"
	}
	return fmt.Sprintf("usage: %s (see '%s --help')", use, cmd.CommandPath())
}

// markUsageErrors (newRootCommand calls it once the tree is built) makes the argument
// checks of every command in the tree return usage errors, and gives the command groups (sparkwire, sparkwire jobs) a check that names an
// unknown command with suggestions, and help as what they run on their own.
func markUsageErrors(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch {
		case c.HasSubCommands() && c.Args == nil && c.Run == nil && c.RunE == nil:
			c.Args = unknownCommand
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		case c.Args != nil:
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil && exitCode(err) != 2 {
					return usageError{err}
				} else if err != nil {
					return err
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownCommand is the argument check of a command group: any argument is a command it
// does not have.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	hint := fmt.Sprintf("commands: %s (see '%s --help')", strings.Join(names, ", "), cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf("did you mean %s? (see '%s --help')", strings.Join(s, " or "), cmd.CommandPath())
	}
	return usageHint(err, hint)
}

// unknownJob is the error for a job name that no registry holds, with the known jobs as
// the hint.
func unknownJob(name string) error {
	var streaming, batch []string
	for _, j := range jobs.Builtin().List() {
		streaming = append(streaming, j.Name)
	}
	for _, j := range jobs.BuiltinBatch().List() {
		batch = append(batch, j.Name)
	}
	return usageHint(fmt.Errorf("%w %q", jobs.ErrUnknownJob, name),
		fmt.Sprintf("known jobs: %s; batch: %s (see 'sparkwire jobs list')", strings.Join(streaming, ", "), strings.Join(batch, ", ")))
}
