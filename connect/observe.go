package connect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Observe defines named metrics over the rows that flow through the DataFrame, computed
// while an action or a streaming query runs it, at no cost of a second pass (Spark's
// Dataset.observe, the CollectMetrics relation). Each metric is an aggregate expression with
// a name, e.g.
//
//	df.Observe("quality", functions.Count(functions.Lit(1)).Alias("rows"),
//		functions.Max(connect.Col("amount")).Alias("max_amount"))
//
// On a streaming DataFrame, each micro-batch's values appear in its progress report, under
// name (see [QueryProgress.ObservedMetrics]). For a batch action use [DataFrame.ObserveWith]
// and an [Observation], which receives the values when the action finishes. Names must be
// unique within a query, and at least one metric is required; the server checks that each
// is an aggregate.
func (df *DataFrame) Observe(name string, metrics ...Column) *DataFrame {
	return df.observe(name, metrics, nil)
}

// ObserveWith is [DataFrame.Observe] with an [Observation] that collects the metrics: once
// a batch action over the returned DataFrame (or over a DataFrame built on it) has
// finished, o.Get returns the values. The actions that deliver them are those that read a
// result to its end (Rows, Count, Show, First, a Collect reader read to the end) and the
// commands that run the plan (writes, such as Write().Save). An Observation observes one
// DataFrame: using it a second time gives a DataFrame whose actions fail. A streaming
// query reports its metrics in its progress, not to an Observation: starting one over an
// observed DataFrame makes Get return ErrNoMetrics; use Observe there.
func (df *DataFrame) ObserveWith(o *Observation, metrics ...Column) *DataFrame {
	if o == nil || o.ready == nil {
		return df.derive(func(*sparkpb.Relation) (*sparkpb.Relation, error) {
			return nil, errors.New("spark connect: observe with an Observation not made by NewObservation")
		})
	}
	return df.observe(o.name, metrics, o)
}

func (df *DataFrame) observe(name string, metrics []Column, o *Observation) *DataFrame {
	out := df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if name == "" {
			return nil, errors.New("spark connect: observe needs a name")
		}
		if len(metrics) == 0 {
			return nil, fmt.Errorf("spark connect: observe %q needs at least one metric", name)
		}
		ex, err := exprs(metrics)
		if err != nil {
			return nil, err
		}
		// Claimed last, so that a DataFrame that could not be built leaves it free.
		if o != nil && !o.used.CompareAndSwap(false, true) {
			return nil, fmt.Errorf("spark connect: observation %q already observes a DataFrame; an Observation can be used once", name)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_CollectMetrics{CollectMetrics: &sparkpb.CollectMetrics{
			Input: in, Name: name, Metrics: ex,
		}}}, nil
	})
	if o != nil && out.err == nil && out.rel != nil {
		out.s.observed.add(out.rel.GetCommon().GetPlanId(), o)
	}
	return out
}

// ErrNoMetrics is returned by [Observation.Get] when the action that ran the observed
// DataFrame ended without the server sending the metrics (the action failed, or the
// result did not include the observed part of the plan).
var ErrNoMetrics = errors.New("spark connect: the action ended without observed metrics")

// Observation receives the metrics of an observed DataFrame (see [DataFrame.ObserveWith])
// when a batch action over it finishes, as PySpark's Observation does. Create it with
// NewObservation. It is safe for concurrent use.
type Observation struct {
	name string
	used atomic.Bool

	once  sync.Once
	ready chan struct{} // closed at the first outcome
	mu    sync.Mutex
	vals  map[string]any
	err   error
}

// NewObservation returns an Observation with the given name, the name under which the
// server reports the metrics; an empty name gets a random one.
func NewObservation(name string) *Observation {
	if name == "" {
		name = "observation-" + newUUID()
	}
	return &Observation{name: name, ready: make(chan struct{})}
}

// Name returns the observation's name.
func (o *Observation) Name() string {
	if o == nil {
		return ""
	}
	return o.name
}

// Get returns the observed metrics, by metric name, as Go values of the types a [Row]
// holds (count gives int64, sum of integers int64, max of a double float64, ...). Before
// an action over the observed DataFrame has finished, Get waits for it, until ctx ends
// (PySpark's classic Observation blocks the same way): give ctx a deadline when the action
// may never run. If the action ended without metrics, Get returns an error wrapping
// [ErrNoMetrics] and the action's error; a later action that delivers them replaces it.
// The map is a copy the caller owns.
func (o *Observation) Get(ctx context.Context) (map[string]any, error) {
	if o == nil || o.ready == nil {
		return nil, errors.New("spark connect: Get on an Observation not made by NewObservation")
	}
	select {
	case <-o.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("spark connect: observation %q: waiting for an action to finish: %w", o.name, ctx.Err())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.vals == nil {
		return nil, o.err
	}
	out := make(map[string]any, len(o.vals))
	for k, v := range o.vals {
		out[k] = v
	}
	return out, nil
}

// deliver records the metrics of a finished action.
func (o *Observation) deliver(vals map[string]any) {
	o.mu.Lock()
	o.vals, o.err = vals, nil
	o.mu.Unlock()
	o.once.Do(func() { close(o.ready) })
}

// fail records an action that ended without metrics, unless metrics came before.
func (o *Observation) fail(cause error) {
	o.mu.Lock()
	if o.vals == nil {
		if cause != nil {
			o.err = fmt.Errorf("spark connect: observation %q: %w: %w", o.name, ErrNoMetrics, cause)
		} else {
			o.err = fmt.Errorf("spark connect: observation %q: %w", o.name, ErrNoMetrics)
		}
	}
	o.mu.Unlock()
	o.once.Do(func() { close(o.ready) })
}

// observations is a session's registry of Observations by the plan id of their
// CollectMetrics relation. An entry stays until its Observation receives metrics; an
// observed DataFrame never run keeps its entry for the session's life.
type observations struct {
	mu   sync.Mutex
	byID map[int64]*Observation
}

func (r *observations) add(planID int64, o *Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[int64]*Observation{}
	}
	r.byID[planID] = o
}

func (r *observations) remove(o *Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, x := range r.byID {
		if x == o {
			delete(r.byID, id)
		}
	}
}

// in returns the Observations of the CollectMetrics relations in plan, by metric name, or
// nil when there are none.
func (r *observations) in(plan *sparkpb.Plan) map[string]*Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.byID) == 0 || plan == nil {
		return nil
	}
	var out map[string]*Observation
	walkRelations(plan.ProtoReflect(), func(rel *sparkpb.Relation) {
		cm := rel.GetCollectMetrics()
		if cm == nil {
			return
		}
		if o, ok := r.byID[rel.GetCommon().GetPlanId()]; ok {
			if out == nil {
				out = map[string]*Observation{}
			}
			out[cm.GetName()] = o
		}
	})
	return out
}

// observedValues decodes one set of observed metrics into metric name → Go value.
func observedValues(m *sparkpb.ExecutePlanResponse_ObservedMetrics) map[string]any {
	keys, vals := m.GetKeys(), m.GetValues()
	out := make(map[string]any, len(vals))
	for i, v := range vals {
		k := fmt.Sprintf("col%d", i+1)
		if i < len(keys) {
			k = keys[i]
		}
		out[k] = literalValue(v, nil)
	}
	return out
}

// resultObservations routes the observed metrics of one execution to its Observations.
type resultObservations struct {
	s       *Session
	pending map[string]*Observation
}

// receive delivers the metrics that the response carries to the Observations waiting for
// them.
func (ro *resultObservations) receive(ms []*sparkpb.ExecutePlanResponse_ObservedMetrics) {
	if ro == nil {
		return
	}
	for _, m := range ms {
		o, ok := ro.pending[m.GetName()]
		if !ok {
			continue
		}
		o.deliver(observedValues(m))
		delete(ro.pending, m.GetName())
		ro.s.observed.remove(o)
	}
}

// end tells the Observations that got no metrics that the action ended.
func (ro *resultObservations) end(err error) {
	if ro == nil {
		return
	}
	for name, o := range ro.pending {
		o.fail(err)
		delete(ro.pending, name)
	}
}

// observedCommand delivers the observed metrics of a command's responses (a write of an
// observed DataFrame) to the Observations of the command's plan.
func (s *Session) observedCommand(cmd *sparkpb.Command, resps []*sparkpb.ExecutePlanResponse, err error) {
	ro := s.observationsFor(&sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}})
	if ro == nil {
		return
	}
	for _, r := range resps {
		if m := r.GetObservedMetrics(); len(m) > 0 {
			ro.receive(m)
		}
	}
	ro.end(err)
}

// observationsFor returns the routing of observed metrics for an execution of plan, or
// nil when it observes nothing through an Observation.
func (s *Session) observationsFor(plan *sparkpb.Plan) *resultObservations {
	if s == nil {
		return nil
	}
	pending := s.observed.in(plan)
	if pending == nil {
		return nil
	}
	return &resultObservations{s: s, pending: pending}
}
