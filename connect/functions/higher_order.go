package functions

import "github.com/sparkwire/sparkwire/connect"

// Higher-order functions: their function arguments are Go funcs of Columns, sent as Spark
// lambda expressions (see connect.Lambda). A func is called while the Column is built and
// must only build Columns; a nil func gives an invalid Column.

// Transform applies f to each element of the array c: transform(c, x -> f(x)).
func Transform(c connect.Column, f func(x connect.Column) connect.Column) connect.Column {
	return Call("transform", c, connect.Lambda(f))
}

// TransformWithIndex applies f to each element of the array c and its index (from 0):
// transform(c, (x, i) -> f(x, i)).
func TransformWithIndex(c connect.Column, f func(x, i connect.Column) connect.Column) connect.Column {
	return Call("transform", c, connect.Lambda2(f))
}

// Filter keeps the elements of the array c for which f is true: filter(c, x -> f(x)).
func Filter(c connect.Column, f func(x connect.Column) connect.Column) connect.Column {
	return Call("filter", c, connect.Lambda(f))
}

// FilterWithIndex keeps the elements of the array c for which f of the element and its
// index (from 0) is true.
func FilterWithIndex(c connect.Column, f func(x, i connect.Column) connect.Column) connect.Column {
	return Call("filter", c, connect.Lambda2(f))
}

// Exists is true when f is true for some element of the array c (null when f is null for
// some and true for none).
func Exists(c connect.Column, f func(x connect.Column) connect.Column) connect.Column {
	return Call("exists", c, connect.Lambda(f))
}

// Forall is true when f is true for every element of the array c.
func Forall(c connect.Column, f func(x connect.Column) connect.Column) connect.Column {
	return Call("forall", c, connect.Lambda(f))
}

// Aggregate folds the array c into one value: starting from initial, merge(acc, x) gives
// the next accumulator for each element. The accumulator's type is initial's, so cast
// initial to the type merge returns.
func Aggregate(c, initial connect.Column, merge func(acc, x connect.Column) connect.Column) connect.Column {
	return Call("aggregate", c, initial, connect.Lambda2(merge))
}

// AggregateFinish is Aggregate followed by finish(acc) on the final accumulator.
func AggregateFinish(c, initial connect.Column, merge func(acc, x connect.Column) connect.Column, finish func(acc connect.Column) connect.Column) connect.Column {
	return Call("aggregate", c, initial, connect.Lambda2(merge), connect.Lambda(finish))
}

// Reduce folds the array c into one value, as Aggregate does (Spark's reduce).
func Reduce(c, initial connect.Column, merge func(acc, x connect.Column) connect.Column) connect.Column {
	return Call("reduce", c, initial, connect.Lambda2(merge))
}

// ReduceFinish is Reduce followed by finish(acc) on the final accumulator.
func ReduceFinish(c, initial connect.Column, merge func(acc, x connect.Column) connect.Column, finish func(acc connect.Column) connect.Column) connect.Column {
	return Call("reduce", c, initial, connect.Lambda2(merge), connect.Lambda(finish))
}

// ZipWith merges the arrays left and right element by element with f(x, y); the shorter
// array is padded with nulls.
func ZipWith(left, right connect.Column, f func(x, y connect.Column) connect.Column) connect.Column {
	return Call("zip_with", left, right, connect.Lambda2(f))
}

// TransformKeys replaces each key of the map c by f(key, value).
func TransformKeys(c connect.Column, f func(k, v connect.Column) connect.Column) connect.Column {
	return Call("transform_keys", c, connect.Lambda2(f))
}

// TransformValues replaces each value of the map c by f(key, value).
func TransformValues(c connect.Column, f func(k, v connect.Column) connect.Column) connect.Column {
	return Call("transform_values", c, connect.Lambda2(f))
}

// MapFilter keeps the entries of the map c for which f(key, value) is true.
func MapFilter(c connect.Column, f func(k, v connect.Column) connect.Column) connect.Column {
	return Call("map_filter", c, connect.Lambda2(f))
}

// MapZipWith merges the maps left and right by key with f(key, v1, v2); a key missing
// from one map gives a null value there.
func MapZipWith(left, right connect.Column, f func(k, v1, v2 connect.Column) connect.Column) connect.Column {
	return Call("map_zip_with", left, right, connect.Lambda3(f))
}

// ArraySortWith sorts the array c with a comparator: cmp(l, r) returns a negative integer,
// zero or a positive integer as l sorts before, with or after r.
func ArraySortWith(c connect.Column, cmp func(l, r connect.Column) connect.Column) connect.Column {
	return Call("array_sort", c, connect.Lambda2(cmp))
}
