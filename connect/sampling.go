package connect

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SampleOption tunes [DataFrame.Sample] and [DataFrame.SampleBy].
type SampleOption interface {
	applySample(*sampleConfig)
}

type sampleConfig struct {
	replacement bool
	seed        *int64
}

type sampleReplacement bool

func (r sampleReplacement) applySample(c *sampleConfig) { c.replacement = bool(r) }

type sampleSeed int64

func (s sampleSeed) applySample(c *sampleConfig) { v := int64(s); c.seed = &v }

// WithReplacement samples with replacement, so a row can be picked more than once (Sample
// only; SampleBy ignores it). The default is without replacement.
func WithReplacement() SampleOption { return sampleReplacement(true) }

// WithSeed fixes the seed of the random sample: the same seed over the same data gives the
// same rows. Without it the server picks a seed at random.
func WithSeed(seed int64) SampleOption { return sampleSeed(seed) }

func sampleOptions(opts []SampleOption) sampleConfig {
	var c sampleConfig
	for _, o := range opts {
		if o != nil {
			o.applySample(&c)
		}
	}
	return c
}

// Sample returns a random sample of the rows: each row is kept with probability fraction
// (without replacement, fraction is at most 1), or, with [WithReplacement], picked a
// number of times drawn from a Poisson distribution of mean fraction. The sample's size is
// only about fraction times the row count.
func (df *DataFrame) Sample(fraction float64, opts ...SampleOption) *DataFrame {
	c := sampleOptions(opts)
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if !(fraction >= 0) || math.IsInf(fraction, 0) {
			return nil, fmt.Errorf("sample: fraction %v must be a number of at least 0", fraction)
		}
		if !c.replacement && fraction > 1 {
			return nil, fmt.Errorf("sample: fraction %v is more than 1, which only sampling with replacement allows", fraction)
		}
		replacement := c.replacement
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Sample{Sample: &sparkpb.Sample{
			Input: in, LowerBound: 0, UpperBound: fraction, WithReplacement: &replacement, Seed: c.seed,
		}}}, nil
	})
}

// SampleBy returns a stratified sample without replacement: the rows whose col equals a
// key of fractions are kept with that key's probability (between 0 and 1), and rows of any
// other value are dropped. Keys are Go values with a Spark literal (see [Lit]); the only
// option that applies is [WithSeed].
func (df *DataFrame) SampleBy(col Column, fractions map[any]float64, opts ...SampleOption) *DataFrame {
	c := sampleOptions(opts)
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if err := col.Err(); err != nil {
			return nil, err
		}
		// Map order is random; send the strata in a stable order, by type then value.
		keys := make([]any, 0, len(fractions))
		for k := range fractions {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return sortKey(keys[i]) < sortKey(keys[j]) })
		strata := make([]*sparkpb.StatSampleBy_Fraction, len(keys))
		for i, k := range keys {
			f := fractions[k]
			if !(f >= 0 && f <= 1) {
				return nil, fmt.Errorf("sample by: fraction %v of stratum %v is not between 0 and 1", f, k)
			}
			l, err := literal(k)
			if err != nil {
				return nil, fmt.Errorf("sample by: stratum %v: %w", k, err)
			}
			strata[i] = &sparkpb.StatSampleBy_Fraction{Stratum: l, Fraction: f}
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SampleBy{SampleBy: &sparkpb.StatSampleBy{
			Input: in, Col: col.expr, Fractions: strata, Seed: c.seed,
		}}}, nil
	})
}

// sortKey orders map keys of any type: by type name, then by printed value.
func sortKey(k any) string { return fmt.Sprintf("%T\x00%v", k, k) }

// RandomSplit splits the rows at random into one DataFrame per weight, each getting about
// its weight's share of the rows (weights are normalized to sum to 1). The parts are
// disjoint and together hold every row exactly once, provided the input is deterministic;
// the seed makes the split repeatable. Weights must not be negative and must sum to more
// than 0; otherwise every part carries the error.
func (df *DataFrame) RandomSplit(weights []float64, seed int64) []*DataFrame {
	var total float64
	var bad error
	for _, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			bad = fmt.Errorf("random split: weight %v must be a number of at least 0", w)
		}
		total += w
	}
	if bad == nil && !(total > 0) {
		bad = errors.New("random split: the weights must sum to more than 0")
	}
	if bad != nil {
		if len(weights) == 0 {
			weights = []float64{0}
		}
		parts := make([]*DataFrame, len(weights))
		for i := range parts {
			parts[i] = df.derive(func(*sparkpb.Relation) (*sparkpb.Relation, error) { return nil, bad })
		}
		return parts
	}
	parts := make([]*DataFrame, len(weights))
	lower := 0.0
	for i, w := range weights {
		upper := lower + w/total
		if i == len(weights)-1 {
			upper = 1 // no row lost to rounding
		}
		lo := lower
		parts[i] = df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
			replacement, s := false, seed
			return &sparkpb.Relation{RelType: &sparkpb.Relation_Sample{Sample: &sparkpb.Sample{
				Input: in, LowerBound: lo, UpperBound: upper, WithReplacement: &replacement, Seed: &s,
				DeterministicOrder: true,
			}}}, nil
		})
		lower = upper
	}
	return parts
}

// Offset skips the first n rows; n is at most math.MaxInt32. Without an order (OrderBy)
// which rows come first is up to Spark.
func (df *DataFrame) Offset(n int) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if n < 0 {
			return nil, fmt.Errorf("offset %d is negative", n)
		}
		if int64(n) > math.MaxInt32 {
			return nil, fmt.Errorf("offset %d is larger than Spark's largest, %d", n, math.MaxInt32)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Offset{Offset: &sparkpb.Offset{Input: in, Offset: int32(n)}}}, nil
	})
}

// Tail returns the last n rows. The server collects them in its driver, so n should be
// small.
func (df *DataFrame) Tail(ctx context.Context, n int) ([]Row, error) {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if n < 0 {
			return nil, fmt.Errorf("tail %d is negative", n)
		}
		if int64(n) > math.MaxInt32 {
			return nil, fmt.Errorf("tail %d is larger than Spark's largest, %d", n, math.MaxInt32)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Tail{Tail: &sparkpb.Tail{Input: in, Limit: int32(n)}}}, nil
	}).Rows(ctx)
}
