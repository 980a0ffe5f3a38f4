package producers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/kafkasec"
)

// Generator makes the events of one domain. A generator is a small type holding the
// domain's state (open sessions, device drift, card histories); it draws every random
// choice from the *rand.Rand it is given, so that a [Stream] with a fixed seed produces
// the same events every time. A generator is used by one goroutine at a time; make a new
// one for each stream.
//
// Implement Generator to add a domain of your own; see the package documentation for a
// complete example in a dozen lines.
type Generator interface {
	// Schema describes the events. It must return the same schema every time.
	Schema() Schema
	// Next appends the field values of the next event to dst, one per schema field in
	// order, and returns the extended slice. eventTime is the event's time, chosen by the
	// stream; put it in the schema's event-time field.
	Next(r *rand.Rand, eventTime time.Time, dst []Value) []Value
}

// Domains lists the names of the built-in domains, sorted.
func Domains() []string {
	return []string{"clickstream", "iot", "payments"}
}

// NewGenerator returns a new generator for a built-in domain: "clickstream" (see
// [NewClickstream]), "iot" ([NewIoT]) or "payments" ([NewPayments]). keys is the number
// of distinct record keys (users, devices or cards); 0 picks the domain's default. An
// unknown name gives an error wrapping [ErrUnknownDomain].
func NewGenerator(domain string, keys int) (Generator, error) {
	return NewGeneratorContext(context.Background(), domain, keys)
}

// MaxKeys is the largest number of keys a built-in generator takes. Set-up costs about a
// microsecond and a few hundred bytes per key (10 million keys: seconds and gigabytes).
const MaxKeys = 10_000_000

// setupCheckEvery is how many keys a generator sets up between looks at its context: about
// a millisecond of work, so that set-up ends soon after its context even under load.
const setupCheckEvery = 1 << 10

// NewGeneratorContext is [NewGenerator] with the set-up, which grows with the number of
// keys, bounded by ctx: when ctx ends first it returns ctx's error. More than [MaxKeys]
// keys is an error wrapping [ErrInvalidOption].
func NewGeneratorContext(ctx context.Context, domain string, keys int) (Generator, error) {
	if keys < 0 || keys > MaxKeys {
		return nil, fmt.Errorf("%w: %d keys (0 for the default, at most %d)", ErrInvalidOption, keys, MaxKeys)
	}
	var g Generator
	var err error
	switch strings.ToLower(domain) {
	case "clickstream":
		g, err = newClickstream(ctx, keys)
	case "iot":
		g, err = newIoT(ctx, keys)
	case "payments":
		g, err = newPayments(ctx, keys)
	default:
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownDomain, domain, strings.Join(Domains(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("producers: set up %s with %d keys: %w", domain, keys, err)
	}
	return g, nil
}

// Errors callers can test for with errors.Is.
var (
	// ErrUnknownDomain is returned by NewGenerator for a domain it does not know.
	ErrUnknownDomain = errors.New("producers: unknown domain")
	// ErrInvalidSchema reports a generator whose schema is unusable.
	ErrInvalidSchema = errors.New("producers: invalid schema")
	// ErrSchemaMismatch reports a generator whose values do not match its schema.
	ErrSchemaMismatch = errors.New("producers: values do not match the schema")
	// ErrInvalidOption reports an option with a value out of range.
	ErrInvalidOption = kafkasec.ErrInvalidOption
	// ErrBrokerUnreachable reports that no Kafka broker answered before the deadline.
	ErrBrokerUnreachable = errors.New("producers: no Kafka broker reachable")
	// ErrCreateTopic reports that the topic could not be created.
	ErrCreateTopic = errors.New("producers: create topic")
	// ErrDelivery is wrapped by a [*DeliveryError]: some records were not acknowledged.
	ErrDelivery = errors.New("producers: records not delivered")
)

// DeliveryError reports records that the broker rejected or that were never
// acknowledged. Producer.Run returns it together with the manifest, which counts the
// failures by reason.
type DeliveryError struct {
	// Failed is the number of records that were not acknowledged.
	Failed int64
	// Produced is the number of records handed to the Kafka client.
	Produced int64
	// First is the first failure seen.
	First error
}

// Error implements error.
func (e *DeliveryError) Error() string {
	return fmt.Sprintf("producers: %d of %d records not delivered, first error: %v", e.Failed, e.Produced, e.First)
}

// Unwrap returns ErrDelivery and the first failure, so errors.Is works for both (for
// example with kerr.MessageTooLarge).
func (e *DeliveryError) Unwrap() []error { return []error{ErrDelivery, e.First} }

// pick returns one of items, uniformly.
func pick[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

// weighted returns an index into weights, with probability proportional to its weight.
// cum must be the running sums of the weights (see cumulative).
func weighted(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	// The first i with cum[i] >= x, as slices.BinarySearch finds it, without its
	// NaN-aware comparisons (x is never NaN): this runs for every event.
	i, j := 0, len(cum)
	for i < j {
		h := int(uint(i+j) >> 1)
		if cum[h] < x {
			i = h + 1
		} else {
			j = h
		}
	}
	if i >= len(cum) {
		i = len(cum) - 1
	}
	return i
}

// cdf picks an index with probability proportional to its weight, as weighted does
// from the same draw (so streams stay the same), but in expected constant time for long
// tables such as a generator's thousands of keys: a guide table maps each of 4n equal
// slices of the total weight to the first index whose running sum reaches the slice.
// Where one index covers a whole slice, as the heavy keys of a skewed table cover many,
// the guide gives the answer without looking at the running sums; elsewhere a short
// scan from the guide's index finds it.
type cdf struct {
	cum []float64
	// guide[k] >= 0 is the index every draw in slice k picks; guide[k] < 0 means the
	// slice holds the end of an index's range and the scan starts at ^guide[k].
	guide []int32
	scale float64 // len(guide) / total weight
}

func newCDF(weights []float64) *cdf {
	c, _ := newCDFContext(context.Background(), weights)
	return c
}

// newCDFContext is newCDF, giving up with ctx's error when ctx ends first.
func newCDFContext(ctx context.Context, weights []float64) (*cdf, error) {
	c := &cdf{cum: cumulative(weights), guide: make([]int32, 4*len(weights))}
	total := c.cum[len(c.cum)-1]
	c.scale = float64(len(c.guide)) / total
	// A margin far wider than the rounding of x*scale in pick, so that a draw counted
	// in a slice always lies inside it.
	const margin = 1e-9
	i := 0
	for k := range c.guide {
		if k%setupCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := float64(k)/c.scale, float64(k+1)/c.scale
		for i < len(c.cum)-1 && c.cum[i] < lo {
			i++
		}
		inside := (i == 0 || c.cum[i-1] < lo-margin*total) && hi+margin*total < c.cum[i]
		if inside {
			c.guide[k] = int32(i)
		} else {
			c.guide[k] = ^int32(i)
		}
	}
	return c, nil
}

// pick returns an index: the first i whose running sum is at least the draw, exactly
// as weighted(r, c.cum) would.
func (c *cdf) pick(r *rand.Rand) int {
	x := r.Float64() * c.cum[len(c.cum)-1]
	k := min(int(x*c.scale), len(c.guide)-1)
	g := c.guide[k]
	if g >= 0 {
		return int(g)
	}
	i := int(^g)
	// The guide is a hint: rounding may put it one slice off, so scan both ways.
	for i > 0 && c.cum[i-1] >= x {
		i--
	}
	for i < len(c.cum)-1 && c.cum[i] < x {
		i++
	}
	return i
}

// cumulative returns the running sums of w.
func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	sum := 0.0
	for i, x := range w {
		sum += x
		c[i] = sum
	}
	return c
}

// zipfWeights returns weights 1/(i+1)^s for n keys: a few keys are hot, most are cold,
// as users, devices and cards are in real data.
func zipfWeights(n int, s float64) []float64 {
	w, _ := zipfWeightsContext(context.Background(), n, s)
	return w
}

// zipfWeightsContext is zipfWeights, giving up with ctx's error when ctx ends first.
func zipfWeightsContext(ctx context.Context, n int, s float64) ([]float64, error) {
	w := make([]float64, n)
	for i := range w {
		if i%setupCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		w[i] = 1 / math.Pow(float64(i+1), s)
	}
	return w, nil
}

// hexID returns a random identifier: prefix (see text) followed by 16 hex digits.
func hexID(r *rand.Rand, prefix Value) Value { return prefix.withHex(r.Uint64()) }

// keyName returns prefix followed by i in decimal, zero-padded to width digits.
func keyName(prefix string, i, width int) string {
	s := fmt.Sprintf("%0*d", width, i)
	return prefix + s
}

// cloneSchema returns s with its own copy of the fields, so callers cannot change a
// generator's schema through the returned value.
func cloneSchema(s Schema) Schema {
	s.Fields = slices.Clone(s.Fields)
	return s
}
