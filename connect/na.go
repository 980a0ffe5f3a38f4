package connect

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// DataFrameNaFunctions handles missing values (NULL, and NaN in floating-point columns)
// in a DataFrame; get one with [DataFrame.Na]. Its methods are lazy, like the DataFrame's.
type DataFrameNaFunctions struct {
	df *DataFrame
}

// Na returns the missing-value functions of the DataFrame, as PySpark's df.na.
func (df *DataFrame) Na() DataFrameNaFunctions { return DataFrameNaFunctions{df: df} }

// NaHow says when [DataFrameNaFunctions.Drop] drops a row.
type NaHow int

// The ways to drop rows with missing values.
const (
	// NaAny drops a row if any of the considered columns is NULL or NaN.
	NaAny NaHow = iota
	// NaAll drops a row only if all of the considered columns are NULL or NaN.
	NaAll
)

// Fill replaces NULL (and NaN) values with value, in the named columns or, with none, in
// every column whose type matches value's: a bool fills boolean columns, a string fills
// string columns, and a Go integer or float fills numeric columns (cast to each column's
// type). Columns of other types are left as they are.
func (n DataFrameNaFunctions) Fill(value any, cols ...string) *DataFrame {
	return n.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		l, err := fillLiteral(value)
		if err != nil {
			return nil, fmt.Errorf("fill: %w", err)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_FillNa{FillNa: &sparkpb.NAFill{
			Input: in, Cols: slices.Clone(cols), Values: []*sparkpb.Expression_Literal{l},
		}}}, nil
	})
}

// FillMap replaces NULL (and NaN) values column by column: each key names a column, its
// value (a bool, string or Go number, as for Fill) fills that column.
func (n DataFrameNaFunctions) FillMap(values map[string]any) *DataFrame {
	return n.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(values) == 0 {
			return nil, errors.New("fill: no columns to fill")
		}
		cols := slices.Sorted(maps.Keys(values))
		lits := make([]*sparkpb.Expression_Literal, len(cols))
		for i, c := range cols {
			l, err := fillLiteral(values[c])
			if err != nil {
				return nil, fmt.Errorf("fill %s: %w", c, err)
			}
			lits[i] = l
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_FillNa{FillNa: &sparkpb.NAFill{
			Input: in, Cols: cols, Values: lits,
		}}}, nil
	})
}

// fillLiteral converts a fill or replacement value: Spark takes booleans, strings, bigints
// and doubles, so Go integers become int64 and floats float64.
func fillLiteral(v any) (*sparkpb.Expression_Literal, error) {
	switch x := v.(type) {
	case bool, string, int64, float64:
		return literal(x)
	case int:
		return literal(int64(x))
	case int8:
		return literal(int64(x))
	case int16:
		return literal(int64(x))
	case int32:
		return literal(int64(x))
	case uint8:
		return literal(int64(x))
	case uint16:
		return literal(int64(x))
	case uint32:
		return literal(int64(x))
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("value %d is larger than a bigint", x)
		}
		return literal(int64(x))
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("value %d is larger than a bigint", x)
		}
		return literal(int64(x))
	case float32:
		return literal(float64(x))
	}
	return nil, fmt.Errorf("value of type %T: only bool, string and Go numbers are allowed", v)
}

// Drop drops the rows with missing values (NULL or NaN) in the named columns, or in any
// column when none are named: with NaAny, rows with at least one; with NaAll, rows with
// nothing else.
func (n DataFrameNaFunctions) Drop(how NaHow, cols ...string) *DataFrame {
	return n.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		d := &sparkpb.NADrop{Input: in, Cols: slices.Clone(cols)}
		switch how {
		case NaAny:
		case NaAll:
			one := int32(1)
			d.MinNonNulls = &one
		default:
			return nil, fmt.Errorf("drop na: unknown NaHow %d", how)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_DropNa{DropNa: d}}, nil
	})
}

// DropThresh keeps only the rows that have at least minNonNulls values that are neither
// NULL nor NaN among the named columns (all columns when none are named), as PySpark's
// dropna(thresh=...).
func (n DataFrameNaFunctions) DropThresh(minNonNulls int, cols ...string) *DataFrame {
	return n.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if minNonNulls < 0 || int64(minNonNulls) > math.MaxInt32 {
			return nil, fmt.Errorf("drop na: threshold %d out of range", minNonNulls)
		}
		m := int32(minNonNulls)
		return &sparkpb.Relation{RelType: &sparkpb.Relation_DropNa{DropNa: &sparkpb.NADrop{
			Input: in, Cols: slices.Clone(cols), MinNonNulls: &m,
		}}}, nil
	})
}

// Replace replaces values: each key of replacements that a cell equals is replaced by its
// value, in the named columns or, with none, in every column of a matching type. Keys and
// values are all bools, all strings or all Go numbers; a value may also be nil, for NULL.
func (n DataFrameNaFunctions) Replace(replacements map[any]any, cols ...string) *DataFrame {
	return n.df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(replacements) == 0 {
			return nil, errors.New("replace: no replacements")
		}
		keys := make([]any, 0, len(replacements))
		for k := range replacements {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return sortKey(keys[i]) < sortKey(keys[j]) })
		kind := ""
		same := func(v any) error {
			k := replaceKind(v)
			if kind == "" {
				kind = k
			}
			if k != kind {
				return fmt.Errorf("replace: mixed types (%s and %s); keys and values must all be bools, strings or numbers", kind, k)
			}
			return nil
		}
		reps := make([]*sparkpb.NAReplace_Replacement, len(keys))
		for i, k := range keys {
			if k == nil {
				return nil, errors.New("replace: a key is nil; to replace NULL use Fill")
			}
			old, err := fillLiteral(k)
			if err != nil {
				return nil, fmt.Errorf("replace: %w", err)
			}
			if err := same(k); err != nil {
				return nil, err
			}
			v := replacements[k]
			nv, _ := literal(nil) // NULL always has a literal
			if v != nil {
				if nv, err = fillLiteral(v); err != nil {
					return nil, fmt.Errorf("replace: %w", err)
				}
				if err := same(v); err != nil {
					return nil, err
				}
			}
			reps[i] = &sparkpb.NAReplace_Replacement{OldValue: old, NewValue: nv}
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Replace{Replace: &sparkpb.NAReplace{
			Input: in, Cols: slices.Clone(cols), Replacements: reps,
		}}}, nil
	})
}

func replaceKind(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case string:
		return "string"
	}
	return "number"
}

// FillNa replaces missing values with value; see [DataFrameNaFunctions.Fill].
func (df *DataFrame) FillNa(value any, cols ...string) *DataFrame {
	return df.Na().Fill(value, cols...)
}

// DropNa drops rows with missing values; see [DataFrameNaFunctions.Drop].
func (df *DataFrame) DropNa(how NaHow, cols ...string) *DataFrame { return df.Na().Drop(how, cols...) }

// Replace replaces values; see [DataFrameNaFunctions.Replace].
func (df *DataFrame) Replace(replacements map[any]any, cols ...string) *DataFrame {
	return df.Na().Replace(replacements, cols...)
}
