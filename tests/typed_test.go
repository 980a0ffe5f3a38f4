package tests

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

type typedAddress struct {
	City string  `spark:"city"`
	Zip  *string `spark:"zip"`
}

// typedOrder has a field of every kind CreateDataFrameOf maps: scalars, a decimal with its
// type hint, nullable pointers, an array, a map, a nested struct and a nullable one.
type typedOrder struct {
	ID       int64            `spark:"id"`
	Customer string           `spark:"customer"`
	Qty      int32            `spark:"qty"`
	Price    types.Decimal    `spark:"price,decimal(10,2)"`
	Discount *float64         `spark:"discount"`
	Tags     []string         `spark:"tags"`
	Attrs    map[string]int64 `spark:"attrs"`
	Ship     typedAddress     `spark:"ship"`
	Bill     *typedAddress    `spark:"bill"`
	At       time.Time        `spark:"at"`
	Day      connect.Date     `spark:"day"`
	Raw      []byte           `spark:"raw"`
	Paid     bool             // no tag: the column is "Paid"
	Wait     time.Duration    `spark:"wait"`
	Note     string           `spark:"-"`
}

// typedSummary is what the server-side transformation returns, read with other Go types:
// bigint into int, the computed columns by tag, a column matched ignoring case.
type typedSummary struct {
	ID       int            `spark:"id"`
	Customer string         // matches "customer" ignoring case
	Total    types.Decimal  `spark:"total"`
	NTags    int32          `spark:"n_tags"`
	City     string         `spark:"city"`
	Bill     *typedAddress  `spark:"bill"`
	Net      *float64       `spark:"net"`
	Attrs    map[string]int `spark:"attrs"`
	At       time.Time      `spark:"at"`
	Day      connect.Date   `spark:"day"`
}

func typedOrders() []typedOrder {
	dec := func(unscaled int64) types.Decimal { return types.Decimal{Unscaled: big.NewInt(unscaled), Scale: 2} }
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	at := time.Date(2025, 3, 4, 5, 6, 7, 890123000, time.UTC)
	return []typedOrder{
		{ID: 1, Customer: "ann", Qty: 3, Price: dec(1999), Discount: f(0.1), Tags: []string{"new", "gift"},
			Attrs: map[string]int64{"w": 2}, Ship: typedAddress{City: "Lyon", Zip: s("69001")},
			Bill: &typedAddress{City: "Paris"}, At: at, Day: connect.Date{Year: 2025, Month: time.March, Day: 4},
			Raw: []byte{1, 2}, Paid: true, Wait: 90 * time.Second, Note: "not sent"},
		{ID: 2, Customer: "bob", Qty: 1, Price: dec(500), Tags: []string{}, Attrs: map[string]int64{},
			Ship: typedAddress{City: "Nice"}, At: at.Add(time.Hour), Day: connect.Date{Year: 2024, Month: time.February, Day: 29},
			Raw: []byte{}, Wait: 0},
		{ID: 3, Customer: "cy", Qty: 2, Price: dec(-250), Discount: f(0), Tags: []string{"x"},
			Attrs: map[string]int64{"a": 1, "b": -3}, Ship: typedAddress{City: "Brest", Zip: s("29200")},
			At: at.Add(-48 * time.Hour), Day: connect.Date{Year: 1999, Month: time.December, Day: 31},
			Raw: []byte{255}, Paid: false, Wait: -time.Millisecond},
	}
}

// A slice of structs goes to the real server and comes back unchanged.
func TestTypedRoundTrip(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	in := typedOrders()
	df := connect.CreateDataFrameOf(s, in)
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := connect.SchemaOf[typedOrder]()
	if err != nil {
		t.Fatal(err)
	}
	if schema.DDL() != want.DDL() {
		t.Errorf("server schema\n got %s\nwant %s", schema.DDL(), want.DDL())
	}
	got, err := connect.CollectAs[typedOrder](ctx, df.OrderBy(connect.Col("id")))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d rows, want %d", len(got), len(in))
	}
	for i, w := range in {
		g := got[i]
		w.Note = ""
		checkTyped(t, i, "id", g.ID, w.ID)
		checkTyped(t, i, "customer", g.Customer, w.Customer)
		checkTyped(t, i, "qty", g.Qty, w.Qty)
		checkTyped(t, i, "price", g.Price.String(), w.Price.String())
		checkTyped(t, i, "discount", fmtPtr(g.Discount), fmtPtr(w.Discount))
		checkTyped(t, i, "tags", strings.Join(g.Tags, ","), strings.Join(w.Tags, ","))
		checkTyped(t, i, "attrs", len(g.Attrs), len(w.Attrs))
		for k, v := range w.Attrs {
			checkTyped(t, i, "attrs["+k+"]", g.Attrs[k], v)
		}
		checkTyped(t, i, "ship.city", g.Ship.City, w.Ship.City)
		checkTyped(t, i, "ship.zip", fmtPtr(g.Ship.Zip), fmtPtr(w.Ship.Zip))
		checkTyped(t, i, "bill", g.Bill == nil, w.Bill == nil)
		if w.Bill != nil && g.Bill != nil {
			checkTyped(t, i, "bill.city", g.Bill.City, w.Bill.City)
			checkTyped(t, i, "bill.zip", fmtPtr(g.Bill.Zip), fmtPtr(w.Bill.Zip))
		}
		checkTyped(t, i, "at", g.At.UnixMicro(), w.At.UnixMicro())
		checkTyped(t, i, "day", g.Day, w.Day)
		checkTyped(t, i, "raw", bytes.Equal(g.Raw, w.Raw), true)
		checkTyped(t, i, "Paid", g.Paid, w.Paid)
		checkTyped(t, i, "wait", g.Wait, w.Wait)
		checkTyped(t, i, "note", g.Note, "")
	}
}

// The server filters and computes columns; the result is read into another struct and
// compared with the same computation done in Go.
func TestTypedTransform(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	in := typedOrders()
	df := connect.CreateDataFrameOf(s, in).
		Filter(connect.Col("qty").Ge(2)).
		WithColumn("total", connect.Expr("price * qty")).
		WithColumn("n_tags", connect.Expr("size(tags)")).
		WithColumn("city", connect.Expr("ship.city")).
		WithColumn("net", connect.Expr("CAST(price AS DOUBLE) * qty * (1 - discount)")).
		Select(connect.Col("id"), connect.Col("customer"), connect.Col("total"), connect.Col("n_tags"),
			connect.Col("city"), connect.Col("bill"), connect.Col("net"), connect.Col("attrs"),
			connect.Col("at"), connect.Col("day")).
		OrderBy(connect.Col("id"))
	got, err := connect.CollectAs[typedSummary](ctx, df)
	if err != nil {
		t.Fatal(err)
	}
	var want []typedSummary
	for _, o := range in {
		if o.Qty < 2 {
			continue
		}
		w := typedSummary{ID: int(o.ID), Customer: o.Customer, NTags: int32(len(o.Tags)), City: o.Ship.City,
			Bill: o.Bill, At: o.At, Day: o.Day, Attrs: map[string]int{}}
		w.Total = types.Decimal{Unscaled: new(big.Int).Mul(o.Price.Unscaled, big.NewInt(int64(o.Qty))), Scale: o.Price.Scale}
		if o.Discount != nil {
			net := float64(o.Price.Unscaled.Int64()) / 100 * float64(o.Qty) * (1 - *o.Discount)
			w.Net = &net
		}
		for k, v := range o.Attrs {
			w.Attrs[k] = int(v)
		}
		want = append(want, w)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		checkTyped(t, i, "id", g.ID, w.ID)
		checkTyped(t, i, "customer", g.Customer, w.Customer)
		if g.Total.Rat().Cmp(w.Total.Rat()) != 0 {
			t.Errorf("row %d: total %s, want %s", i, g.Total, w.Total)
		}
		checkTyped(t, i, "n_tags", g.NTags, w.NTags)
		checkTyped(t, i, "city", g.City, w.City)
		checkTyped(t, i, "bill", g.Bill == nil, w.Bill == nil)
		if g.Bill != nil && w.Bill != nil {
			checkTyped(t, i, "bill.city", g.Bill.City, w.Bill.City)
		}
		checkTyped(t, i, "net", g.Net == nil, w.Net == nil)
		if g.Net != nil && w.Net != nil && (*g.Net-*w.Net > 1e-9 || *w.Net-*g.Net > 1e-9) {
			t.Errorf("row %d: net %v, want %v", i, *g.Net, *w.Net)
		}
		checkTyped(t, i, "attrs", len(g.Attrs), len(w.Attrs))
		for k, v := range w.Attrs {
			checkTyped(t, i, "attrs["+k+"]", g.Attrs[k], v)
		}
		checkTyped(t, i, "at", g.At.UnixMicro(), w.At.UnixMicro())
		checkTyped(t, i, "day", g.Day, w.Day)
	}

	// Streaming with RowsAs gives the same rows; an early break leaves no Arrow memory
	// (the session's checked allocator asserts that at the end of the test).
	n := 0
	for v, err := range connect.RowsAs[typedSummary](ctx, df) {
		if err != nil {
			t.Fatal(err)
		}
		checkTyped(t, n, "streamed id", v.ID, want[n].ID)
		n++
		break
	}
	if n != 1 {
		t.Fatalf("%d rows streamed before the break", n)
	}
}

// Mismatches between the server's result and the struct fail with errors that name them.
func TestTypedMismatch(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	df := connect.CreateDataFrameOf(s, typedOrders())
	type tooFew struct {
		ID int64 `spark:"id"`
	}
	_, err := connect.CollectAs[tooFew](ctx, df)
	if err == nil || !strings.Contains(err.Error(), "column customer has no field") {
		t.Errorf("extra column: %v", err)
	}
	type tooMany struct {
		ID    int64 `spark:"id"`
		Extra string
	}
	_, err = connect.CollectAs[tooMany](ctx, df.Select(connect.Col("id")))
	if err == nil || !strings.Contains(err.Error(), "field Extra of tests.tooMany has no column Extra") {
		t.Errorf("missing column: %v", err)
	}
	type narrow struct {
		ID int8 `spark:"id"`
	}
	_, err = connect.CollectAs[narrow](ctx, df.Select(connect.Expr("id * 100").Alias("id")).OrderBy(connect.Col("id")))
	if err == nil || !strings.Contains(err.Error(), "row 1, column id (bigint) into field ID: value 200 (int64) in id overflows Go type int8") {
		t.Errorf("overflow: %v", err)
	}
	type notNull struct {
		Discount float64 `spark:"discount"`
	}
	_, err = connect.CollectAs[notNull](ctx, df.Select(connect.Col("discount")).OrderBy(connect.Col("discount")))
	if err == nil || !strings.Contains(err.Error(), "row 0, column discount (double) into field Discount: NULL in discount does not fit Go type float64 (use *float64)") {
		t.Errorf("null: %v", err)
	}
}

func checkTyped[V comparable](t *testing.T, row int, name string, got, want V) {
	t.Helper()
	if got != want {
		t.Errorf("row %d: %s is %v, want %v", row, name, got, want)
	}
}

func fmtPtr[V any](p *V) any {
	if p == nil {
		return nil
	}
	return *p
}
