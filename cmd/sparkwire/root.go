package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/internal/brokerlist"
)

// globals are the flags every command shares.
type globals struct {
	connectURL string
	brokers    string
	sparkKafka string
	token      string
	tlsFiles   tlsFiles
	sessionID  string
	verbose    bool
	timeout    time.Duration

	deps
	// stderr is where errors are reported: the root command's error output.
	stderr func() io.Writer
}

// deps are what the commands reach the outside through, other than flags, environment,
// files and Docker: main passes the real ones, tests an in-memory Spark Connect server's.
type deps struct {
	// connectDial opens a Spark Connect session, as connect.Dial does.
	connectDial func(ctx context.Context, url string, opts ...connect.Option) (*connect.Session, error)
	// stackRemove and stackRemoveAll remove Docker stacks, as stack.Remove and
	// stack.RemoveAll do (those when nil); see stack.go.
	stackRemove    func(ctx context.Context, id string) (int, error)
	stackRemoveAll func(ctx context.Context) error
	// setDockerLogger sets testcontainers-go's process-wide logger (its "Connected to
	// docker" banner goes there); nil leaves it alone.
	setDockerLogger func(stack.Logger)
}

// defaultDeps are the real dependencies.
func defaultDeps() deps {
	return deps{
		connectDial:     connect.Dial,
		setDockerLogger: func(l stack.Logger) { tclog.SetDefault(l) },
	}
}

func newRootCommand(d deps) *cobra.Command {
	root := &cobra.Command{
		Use:           "sparkwire",
		Short:         "Run Spark Structured Streaming from Go: Kafka producers, Spark Connect jobs, Arrow results",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g := &globals{deps: d, stderr: root.ErrOrStderr}
	root.PersistentFlags().StringVar(&g.connectURL, "connect", os.Getenv("SPARKWIRE_CONNECT_URL"),
		"Spark Connect URL, sc://host:port/;params (env SPARKWIRE_CONNECT_URL; default: the stack started by 'sparkwire up')")
	root.PersistentFlags().StringVar(&g.brokers, "brokers", os.Getenv("SPARKWIRE_KAFKA_BROKERS"),
		"Kafka bootstrap servers, comma-separated (env SPARKWIRE_KAFKA_BROKERS)")
	root.PersistentFlags().StringVar(&g.sparkKafka, "spark-brokers", os.Getenv("SPARKWIRE_SPARK_KAFKA_BROKERS"),
		"Kafka bootstrap servers as the Spark server reaches them, if not the same as --brokers (env SPARKWIRE_SPARK_KAFKA_BROKERS)")
	root.PersistentFlags().StringVar(&g.token, "token", os.Getenv("SPARKWIRE_TOKEN"), "Spark Connect bearer token (env SPARKWIRE_TOKEN)")
	root.PersistentFlags().StringVar(&g.sessionID, "session", "",
		"Spark Connect session id (a UUID) to work in: for sql instead of a new session, for submit, status, stop, results, watch and cancel instead of the one the CLI keeps for the server")
	// Help shows where these defaults come from, never their values (a URL can carry a token).
	for _, name := range []string{"connect", "token"} {
		root.PersistentFlags().Lookup(name).DefValue = ""
	}
	g.tlsFiles.addFlags(root.PersistentFlags())
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "print error details (server stack traces)")
	root.PersistentFlags().DurationVar(&g.timeout, "timeout", 10*time.Minute, "give up after this long")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		return checkDurations(durationFlag{"--timeout", g.timeout, true})
	}
	root.AddCommand(newSQLCommand(g), newUpCommand(g), newDownCommand(g), newImagesCommand(g), newProduceCommand(g),
		newJobsCommand(g), newSubmitCommand(g), newRunCommand(g), newStatusCommand(g), newStopCommand(g), newResultsCommand(g), newWatchCommand(g), newDemoCommand(g),
		newCancelCommand(g))
	markUsageErrors(root)
	return root
}

// url returns the Spark Connect URL from the flags, the environment, or the local stack's
// state file.
func (g *globals) url() (string, error) {
	if g.connectURL != "" {
		return g.connectURL, nil
	}
	st, err := loadState()
	if err != nil {
		return "", usagef("no Spark Connect server given: pass --connect sc://host:port, set SPARKWIRE_CONNECT_URL, or run 'sparkwire up' first")
	}
	return st.ConnectURL, nil
}

// session dials a new Spark Connect session; the caller closes it.
func (g *globals) session(ctx context.Context) (*connect.Session, error) {
	url, err := g.url()
	if err != nil {
		return nil, err
	}
	if g.sessionID != "" {
		return g.dial(ctx, url, connect.WithSessionID(g.sessionID))
	}
	return g.dial(ctx, url)
}

func (g *globals) dial(ctx context.Context, url string, opts ...connect.Option) (*connect.Session, error) {
	if g.token != "" {
		opts = append(opts, connect.WithToken(g.token))
	}
	tc, err := g.tlsFiles.config()
	if err != nil {
		return nil, usageError{err}
	}
	if tc != nil {
		opts = append(opts, connect.WithTLSConfig(tc))
	}
	if g.verbose {
		opts = append(opts, connect.WithErrorStackTraces())
	}
	s, err := g.connectDial(ctx, url, opts...)
	if errors.Is(err, connect.ErrConnectionString) {
		return nil, usageError{err}
	}
	return s, err
}

// hostBrokers returns the Kafka brokers to produce to: --brokers (or
// SPARKWIRE_KAFKA_BROKERS), else those of the stack that 'sparkwire up' recorded, unless
// --connect names another server than that stack's.
func (g *globals) hostBrokers() ([]string, error) {
	b, err := g.brokerList()
	if err != nil || len(b) > 0 {
		return b, err
	}
	st, err := loadState()
	if err != nil || (g.connectURL != "" && g.connectURL != st.ConnectURL) {
		return nil, nil
	}
	return st.Brokers, nil
}

// brokerList returns --brokers as a list, blanks dropped; a malformed item is a usage error.
func (g *globals) brokerList() ([]string, error) {
	list, err := brokerlist.Parse(g.brokers)
	if err != nil {
		return nil, usagef("--brokers: %w", err)
	}
	return list, nil
}

// inJobSession runs fn with the CLI's long-lived session (see jobSession) within the
// command's timeout and detaches from the session afterwards.
func (g *globals) inJobSession(cmd *cobra.Command, fn func(ctx context.Context, s *connect.Session) error) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
	defer cancel()
	s, err := g.jobSession(ctx)
	if err != nil {
		return err
	}
	defer s.Detach()
	return fn(ctx, s)
}
