package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// DataFrameStatFunctions computes statistics of a DataFrame; get one with
// [DataFrame.Stat]. Methods that return a DataFrame are lazy; those that return numbers
// run a query and take a context.
type DataFrameStatFunctions struct {
	df *DataFrame
}

// Stat returns the statistics functions of the DataFrame, as PySpark's df.stat.
func (df *DataFrame) Stat() DataFrameStatFunctions { return DataFrameStatFunctions{df: df} }

// Describe computes count, mean, stddev, min and max of the named columns (all numeric
// and string columns when none are named). The result has a string column "summary" naming
// each statistic and one string column per described column.
func (df *DataFrame) Describe(cols ...string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Describe{Describe: &sparkpb.StatDescribe{
			Input: in, Cols: slices.Clone(cols),
		}}}, nil
	})
}

// Summary computes the named statistics of the numeric and string columns: "count",
// "mean", "stddev", "min", "max", approximate percentiles such as "25%", "count_distinct"
// and "approx_count_distinct". With none it computes count, mean, stddev, min, 25%, 50%,
// 75% and max. The result has the shape of [DataFrame.Describe]'s.
func (df *DataFrame) Summary(statistics ...string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Summary{Summary: &sparkpb.StatSummary{
			Input: in, Statistics: slices.Clone(statistics),
		}}}, nil
	})
}

// ApproxQuantile computes approximate quantiles of numeric columns with the Greenwald-Khanna
// algorithm: for each column, one value per probability (each between 0 and 1), within
// relativeError (at least 0; 0 computes exact quantiles, at a cost) of the exact rank.
// NULL and NaN values are ignored; a column with no other values gets an empty list.
func (s DataFrameStatFunctions) ApproxQuantile(ctx context.Context, cols []string, probabilities []float64, relativeError float64) ([][]float64, error) {
	df := s.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(cols) == 0 {
			return nil, errors.New("approx quantile: no columns")
		}
		for _, p := range probabilities {
			if !(p >= 0 && p <= 1) {
				return nil, fmt.Errorf("approx quantile: probability %v is not between 0 and 1", p)
			}
		}
		if !(relativeError >= 0) {
			return nil, fmt.Errorf("approx quantile: relative error %v is negative", relativeError)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_ApproxQuantile{ApproxQuantile: &sparkpb.StatApproxQuantile{
			Input: in, Cols: slices.Clone(cols), Probabilities: slices.Clone(probabilities), RelativeError: relativeError,
		}}}, nil
	})
	v, err := singleValue(ctx, df, "approx quantile")
	if err != nil {
		return nil, err
	}
	outer, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("spark connect: approx quantile returned %T", v)
	}
	out := make([][]float64, len(outer))
	for i, o := range outer {
		inner, ok := o.([]any)
		if !ok && o != nil {
			return nil, fmt.Errorf("spark connect: approx quantile returned %T for column %d", o, i)
		}
		out[i] = make([]float64, len(inner))
		for j, x := range inner {
			f, ok := x.(float64)
			if !ok {
				return nil, fmt.Errorf("spark connect: approx quantile returned %T", x)
			}
			out[i][j] = f
		}
	}
	return out, nil
}

// Corr computes the Pearson correlation coefficient of two numeric columns.
func (s DataFrameStatFunctions) Corr(ctx context.Context, col1, col2 string) (float64, error) {
	df := s.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		method := "pearson"
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Corr{Corr: &sparkpb.StatCorr{
			Input: in, Col1: col1, Col2: col2, Method: &method,
		}}}, nil
	})
	return singleFloat(ctx, df, "corr")
}

// Cov computes the sample covariance of two numeric columns.
func (s DataFrameStatFunctions) Cov(ctx context.Context, col1, col2 string) (float64, error) {
	df := s.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Cov{Cov: &sparkpb.StatCov{
			Input: in, Col1: col1, Col2: col2,
		}}}, nil
	})
	return singleFloat(ctx, df, "cov")
}

// CrossTab computes a contingency table of two columns: one row per distinct value of
// col1, with that value in the first column, named "col1_col2", and one bigint column per
// distinct value of col2 counting the rows with both values.
func (s DataFrameStatFunctions) CrossTab(col1, col2 string) *DataFrame {
	return s.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Crosstab{Crosstab: &sparkpb.StatCrosstab{
			Input: in, Col1: col1, Col2: col2,
		}}}, nil
	})
}

// FreqItems finds values that may be frequent in each named column: one row with an array
// column "c_freqItems" per column c. Every value in more than support (between 0 and 1;
// 0 means 1%, PySpark's default) of the rows is in the array, but so may be some that are
// not (the algorithm is approximate, without false negatives).
func (s DataFrameStatFunctions) FreqItems(cols []string, support float64) *DataFrame {
	return s.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if support == 0 {
			support = 0.01
		}
		if !(support > 0 && support <= 1) {
			return nil, fmt.Errorf("freq items: support %v is not between 0 and 1", support)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_FreqItems{FreqItems: &sparkpb.StatFreqItems{
			Input: in, Cols: slices.Clone(cols), Support: &support,
		}}}, nil
	})
}

// SampleBy is [DataFrame.SampleBy].
func (s DataFrameStatFunctions) SampleBy(col Column, fractions map[any]float64, opts ...SampleOption) *DataFrame {
	return s.df.SampleBy(col, fractions, opts...)
}

// ApproxQuantile is [DataFrameStatFunctions.ApproxQuantile].
func (df *DataFrame) ApproxQuantile(ctx context.Context, cols []string, probabilities []float64, relativeError float64) ([][]float64, error) {
	return df.Stat().ApproxQuantile(ctx, cols, probabilities, relativeError)
}

// Corr is [DataFrameStatFunctions.Corr].
func (df *DataFrame) Corr(ctx context.Context, col1, col2 string) (float64, error) {
	return df.Stat().Corr(ctx, col1, col2)
}

// Cov is [DataFrameStatFunctions.Cov].
func (df *DataFrame) Cov(ctx context.Context, col1, col2 string) (float64, error) {
	return df.Stat().Cov(ctx, col1, col2)
}

// CrossTab is [DataFrameStatFunctions.CrossTab].
func (df *DataFrame) CrossTab(col1, col2 string) *DataFrame { return df.Stat().CrossTab(col1, col2) }

// FreqItems is [DataFrameStatFunctions.FreqItems].
func (df *DataFrame) FreqItems(cols []string, support float64) *DataFrame {
	return df.Stat().FreqItems(cols, support)
}

// singleValue runs df and returns the one value of its one row.
func singleValue(ctx context.Context, df *DataFrame, what string) (any, error) {
	rows, err := df.Rows(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 || rows[0].Len() != 1 {
		return nil, fmt.Errorf("spark connect: %s returned %d rows", what, len(rows))
	}
	return rows[0].Value(0), nil
}

func singleFloat(ctx context.Context, df *DataFrame, what string) (float64, error) {
	v, err := singleValue(ctx, df, what)
	if err != nil {
		return 0, err
	}
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("spark connect: %s returned %T", what, v)
	}
	return f, nil
}
