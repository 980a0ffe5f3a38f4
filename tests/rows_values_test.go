package tests

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// rowsValuesQuery returns 25,000 rows (three Arrow batches, as Spark sends 10,000 rows a
// batch) of bigint, double, string, timestamp, an array and a struct, with NULLs in every
// column but id.
const rowsValuesQuery = `SELECT id,
  CASE WHEN id % 7 = 3 THEN NULL ELSE cast(id AS double) * 1.5 END AS x,
  CASE WHEN id % 11 = 5 THEN NULL WHEN id % 4 = 0 THEN '' ELSE concat('row-é-', id) END AS s,
  CASE WHEN id % 13 = 6 THEN NULL ELSE timestamp_seconds(1767225600 + id) END AS ts,
  CASE WHEN id % 17 = 8 THEN NULL ELSE array(id, id + 1) END AS arr,
  named_struct('a', id, 'b', concat('b', id)) AS st
FROM range(25000)`

const rowsValuesCount = 25000

// rowsValuesWant returns the values of row id of rowsValuesQuery, computed here.
func rowsValuesWant(id int64) []any {
	want := []any{id, float64(id) * 1.5, fmt.Sprintf("row-é-%d", id), time.Unix(1767225600+id, 0).UTC(), []any{id, id + 1}, nil}
	if id%7 == 3 {
		want[1] = nil
	}
	switch {
	case id%11 == 5:
		want[2] = nil
	case id%4 == 0:
		want[2] = ""
	}
	if id%13 == 6 {
		want[3] = nil
	}
	if id%17 == 8 {
		want[4] = nil
	}
	return want
}

// checkRowValues compares a row's values (the struct column st apart) with want, and the
// struct with its two fields.
func checkRowValues(t *testing.T, what string, id int64, got []any, st connect.Row) {
	t.Helper()
	want := rowsValuesWant(id)
	for c := 0; c < 5; c++ {
		if !reflect.DeepEqual(got[c], want[c]) {
			t.Fatalf("%s: row %d column %d = %#v (%T), want %#v (%T)", what, id, c, got[c], got[c], want[c], want[c])
		}
	}
	if st.Len() != 2 || st.Value(0) != id || st.Value(1) != fmt.Sprintf("b%d", id) || st.Names()[1] != "b" {
		t.Fatalf("%s: row %d struct = %v", what, id, st)
	}
}

// Rows, DataFrame.All and CollectAs read the same query as Collect's Arrow batches, value
// by value, and as the values the test computes, on the real server: three batches, NULLs in
// every kind of column the rows keep by type and in arrays.
func TestRowsAllCollectAsAgreeWithCollect(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	df, err := s.SQL(ctx, rowsValuesQuery)
	if err != nil {
		t.Fatal(err)
	}

	// Collect: the Arrow batches, each value read with ValueAt.
	rr, err := df.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fromArrow [][]any
	batches := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		batches++
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]any, rec.NumCols())
			for c, col := range rec.Columns() {
				vals[c] = connect.ValueAt(col, i)
			}
			fromArrow = append(fromArrow, vals)
		}
	}
	rr.Release()
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if len(fromArrow) != rowsValuesCount || batches < 3 {
		t.Fatalf("Collect: %d rows in %d batches, want %d in at least 3", len(fromArrow), batches, rowsValuesCount)
	}
	for _, vals := range fromArrow {
		id := vals[0].(int64)
		checkRowValues(t, "Collect", id, vals, vals[5].(connect.Row))
	}

	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != rowsValuesCount {
		t.Fatalf("Rows: %d rows, want %d", len(rows), rowsValuesCount)
	}
	for i, r := range rows {
		if !reflect.DeepEqual(r.Names(), []string{"id", "x", "s", "ts", "arr", "st"}) {
			t.Fatalf("Rows: names %v", r.Names())
		}
		id := r.Value(0).(int64)
		checkRowValues(t, "Rows", id, r.Values(), r.Value(5).(connect.Row))
		if want := fromArrow[i]; !reflect.DeepEqual(r.Values()[:5], want[:5]) || r.String() != rowString(r.Names(), want) {
			t.Fatalf("Rows: row %d = %v, Collect gave %v", i, r, want)
		}
	}

	n := 0
	for r, err := range df.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(fromArrow) {
			t.Fatalf("All: more than %d rows", len(fromArrow))
		}
		id := r.Value(0).(int64)
		checkRowValues(t, "All", id, r.Values(), r.Value(5).(connect.Row))
		if want := fromArrow[n]; !reflect.DeepEqual(r.Values()[:5], want[:5]) {
			t.Fatalf("All: row %d = %v, Collect gave %v", n, r, want)
		}
		n++
	}
	if n != rowsValuesCount {
		t.Fatalf("All: %d rows, want %d", n, rowsValuesCount)
	}

	type item struct {
		A int64  `spark:"a"`
		B string `spark:"b"`
	}
	type row struct {
		ID  int64      `spark:"id"`
		X   *float64   `spark:"x"`
		S   *string    `spark:"s"`
		TS  *time.Time `spark:"ts"`
		Arr *[]int64   `spark:"arr"`
		St  item       `spark:"st"`
	}
	typed, err := connect.CollectAs[row](ctx, df)
	if err != nil {
		t.Fatal(err)
	}
	if len(typed) != rowsValuesCount {
		t.Fatalf("CollectAs: %d rows, want %d", len(typed), rowsValuesCount)
	}
	for i, v := range typed {
		got := []any{v.ID, nil, nil, nil, nil}
		if v.X != nil {
			got[1] = *v.X
		}
		if v.S != nil {
			got[2] = *v.S
		}
		if v.TS != nil {
			got[3] = *v.TS
		}
		if v.Arr != nil {
			got[4] = []any{(*v.Arr)[0], (*v.Arr)[1]}
		}
		want := fromArrow[i]
		if !reflect.DeepEqual(got, want[:5]) || v.St.A != v.ID || v.St.B != fmt.Sprintf("b%d", v.ID) {
			t.Fatalf("CollectAs: row %d = %+v, Collect gave %v", i, v, want)
		}
	}
}

// rowString renders values as Row.String does, for the names.
func rowString(names []string, vals []any) string {
	out := "Row("
	for i, v := range vals {
		if i > 0 {
			out += ", "
		}
		out += names[i] + "="
		if s, ok := v.(string); ok {
			out += fmt.Sprintf("%q", s)
		} else {
			out += fmt.Sprint(v)
		}
	}
	return out + ")"
}
