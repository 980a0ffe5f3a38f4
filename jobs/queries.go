package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/sparkwire/sparkwire/connect"
)

// The names of a run's streaming queries. Start names every query of a run after the
// run's name (Config.Name, by default the job's name): the memory sink of the results
// is the run's name itself (it is also the memory table), its Kafka sink <name>_kafka,
// the quarantine <name>_quarantine, and an output's sinks <name>_<output> and
// <name>_<output>_kafka. So every query of a run is the run's name or starts with the
// name and an underscore ([IsRunQuery]), which is how the CLI finds a job's queries
// ([FindQueries]).

// ResultsQueryName returns the name of the query that writes a run's results to Kafka.
func ResultsQueryName(run string) string { return run + "_kafka" }

// QuarantineQueryName returns the name of the query that writes a run's malformed
// events to the quarantine topic.
func QuarantineQueryName(run string) string { return run + "_quarantine" }

// OutputQueryName returns the name of the memory-sink query of a run's output (also
// the output's memory table); its Kafka sink is ResultsQueryName of that name.
func OutputQueryName(run, output string) string { return run + "_" + output }

// IsRunQuery reports whether query is the name of one of the queries of the run named
// run. A run whose name extends another's with an underscore (run and run_b) shares its
// queries' prefix, so pick run names that do not.
func IsRunQuery(run, query string) bool {
	return run != "" && (query == run || strings.HasPrefix(query, run+"_"))
}

// NoQueryError reports that no active query has the name or id, or belongs to the run,
// that a caller asked for.
type NoQueryError struct {
	// Ref is the query name, query id or run name asked for.
	Ref string
}

// Error implements error.
func (e *NoQueryError) Error() string { return fmt.Sprintf("no active query or job named %q", e.Ref) }

// FindQueries returns the session's active queries that ref names: the query whose id
// or name is ref, or all the queries of the run named ref ([IsRunQuery]). It returns a
// [*NoQueryError] when there is none.
func FindQueries(ctx context.Context, s *connect.Session, ref string) ([]*connect.StreamingQuery, error) {
	active, err := s.Streams().Active(ctx)
	if err != nil {
		return nil, err
	}
	var out []*connect.StreamingQuery
	for _, q := range active {
		if q.ID() == ref || IsRunQuery(ref, q.Name()) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, &NoQueryError{Ref: ref}
	}
	return out, nil
}
