package connect

import (
	"errors"
	"fmt"
	"math"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// TVF calls Spark's table-valued functions, which return a table rather than a value:
// s.TVF().Explode(Lit([]int64{1, 2, 3})) is SELECT * FROM explode(array(1, 2, 3)). It is
// PySpark's spark.tvf; each method returns a lazy DataFrame over an unresolved
// table-valued function that the server resolves, so an unknown function or wrong
// arguments surface as a SparkError at the first action. Get it from [Session.TVF].
type TVF struct{ s *Session }

// TVF returns the session's table-valued functions.
func (s *Session) TVF() TVF { return TVF{s: s} }

// Call calls the table-valued function of that name with the given arguments: every
// builtin (and every function registered on the server) is reachable, the typed methods
// below wrap the common ones.
func (t TVF) Call(name string, args ...Column) *DataFrame {
	if err := t.s.usable(); err != nil {
		return &DataFrame{err: err}
	}
	if name == "" {
		return &DataFrame{s: t.s, err: errors.New("table-valued function: empty name")}
	}
	ex, err := exprs(args)
	if err != nil {
		return &DataFrame{s: t.s, err: fmt.Errorf("table-valued function %s: %w", name, err)}
	}
	return t.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_UnresolvedTableValuedFunction{
		UnresolvedTableValuedFunction: &sparkpb.UnresolvedTableValuedFunction{FunctionName: name, Arguments: ex},
	}})
}

// Range returns a DataFrame with one bigint column "id" holding start, start+step, ... up
// to but excluding end, in numPartitions partitions (0 leaves the number to Spark,
// spark.sql.leafNodeDefaultParallelism or the default parallelism). It is
// [Session.Range] with a number of partitions, as PySpark's tvf.range is
// spark.range.
func (t TVF) Range(start, end, step int64, numPartitions int) *DataFrame {
	if err := t.s.usable(); err != nil {
		return &DataFrame{err: err}
	}
	if step == 0 {
		return &DataFrame{s: t.s, err: errors.New("range: step must not be 0")}
	}
	if numPartitions < 0 || numPartitions > math.MaxInt32 {
		return &DataFrame{s: t.s, err: fmt.Errorf("range: %d partitions out of range (0 to %d)", numPartitions, math.MaxInt32)}
	}
	r := &sparkpb.Range{Start: &start, End: end, Step: step}
	if numPartitions > 0 {
		n := int32(numPartitions)
		r.NumPartitions = &n
	}
	return t.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: r}})
}

// Explode returns a row for each element of an array (column "col") or each entry of a
// map (columns "key" and "value"); none for an empty or NULL collection.
func (t TVF) Explode(collection Column) *DataFrame { return t.Call("explode", collection) }

// ExplodeOuter is Explode that returns one row of NULLs for an empty or NULL collection.
func (t TVF) ExplodeOuter(collection Column) *DataFrame { return t.Call("explode_outer", collection) }

// Inline returns a row for each struct of an array of structs, a column for each field.
func (t TVF) Inline(input Column) *DataFrame { return t.Call("inline", input) }

// InlineOuter is Inline that returns one row of NULLs for an empty or NULL array.
func (t TVF) InlineOuter(input Column) *DataFrame { return t.Call("inline_outer", input) }

// JSONTuple returns one row holding the named top-level fields of a JSON object (columns
// "c0", "c1", ...), as strings. At least one field is needed.
func (t TVF) JSONTuple(input Column, fields ...Column) *DataFrame {
	if len(fields) == 0 {
		if err := t.s.usable(); err != nil {
			return &DataFrame{err: err}
		}
		return &DataFrame{s: t.s, err: errors.New("json_tuple: at least one field is needed")}
	}
	return t.Call("json_tuple", append([]Column{input}, fields...)...)
}

// PosExplode is Explode with the position of each element in a first column "pos".
func (t TVF) PosExplode(collection Column) *DataFrame { return t.Call("posexplode", collection) }

// PosExplodeOuter is PosExplode that returns one row of NULLs for an empty or NULL
// collection.
func (t TVF) PosExplodeOuter(collection Column) *DataFrame {
	return t.Call("posexplode_outer", collection)
}

// Stack spreads the values into n rows (columns "col0", "col1", ...): Stack(Lit(2), Lit(1),
// Lit(2), Lit(3), Lit(4)) gives the rows (1, 2) and (3, 4).
func (t TVF) Stack(n Column, values ...Column) *DataFrame {
	return t.Call("stack", append([]Column{n}, values...)...)
}

// Collations returns the collations the server supports, one row each.
func (t TVF) Collations() *DataFrame { return t.Call("collations") }

// SQLKeywords returns Spark SQL's keywords (columns "keyword" and "reserved").
func (t TVF) SQLKeywords() *DataFrame { return t.Call("sql_keywords") }

// VariantExplode returns a row for each element of a variant array or each field of a
// variant object (columns "pos", "key" and "value"); none for other variants and NULL.
func (t TVF) VariantExplode(input Column) *DataFrame { return t.Call("variant_explode", input) }

// VariantExplodeOuter is VariantExplode that returns one row of NULLs where VariantExplode
// returns none.
func (t TVF) VariantExplodeOuter(input Column) *DataFrame {
	return t.Call("variant_explode_outer", input)
}
