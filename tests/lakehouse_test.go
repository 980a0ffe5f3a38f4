package tests

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// End-to-end tests of the v2 write path against the stack's Apache Iceberg catalog "lake":
// every WriteTo verb, MERGE INTO, and reliable checkpoints. Each test works in a namespace
// of its own, lake.lh_<random>, whose tables it drops (with their files) when it ends.

// lhNamespace returns a fresh namespace of the lake catalog; the tables registered with
// lhTable are purged and the namespace dropped when the test ends.
func lhNamespace(t *testing.T, s *connect.Session) string {
	t.Helper()
	ns := fmt.Sprintf("lake.lh_%x", rand.Uint64())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := wrSQL(ctx, s, "DROP NAMESPACE IF EXISTS "+ns); err != nil {
			t.Errorf("drop namespace %s: %v", ns, err)
		}
	})
	return ns
}

// lhTable names a table of ns that is purged when the test ends (before the namespace is
// dropped: cleanups run last first).
func lhTable(t *testing.T, s *connect.Session, ns, name string) string {
	t.Helper()
	table := ns + "." + name
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := wrSQL(ctx, s, "DROP TABLE IF EXISTS "+table+" PURGE"); err != nil {
			t.Errorf("drop %s: %v", table, err)
		}
	})
	return table
}

// lhOrder is a row of the orders tables.
type lhOrder struct {
	ID     int64     `spark:"id"`
	Region string    `spark:"region"`
	TS     time.Time `spark:"ts"`
	Amount float64   `spark:"amount"`
	Note   *string   `spark:"note"`
}

// lhOrders returns n orders with ids from first: three regions, timestamps 13 hours apart
// from start (so that they span days, and months and years when start is near a year's
// end), every third note NULL.
func lhOrders(first int64, n int, start time.Time) []lhOrder {
	regions := []string{"eu", "us", "apac"}
	out := make([]lhOrder, n)
	for i := range out {
		id := first + int64(i)
		o := lhOrder{ID: id, Region: regions[id%3], TS: start.Add(time.Duration(i) * 13 * time.Hour), Amount: float64(id) * 1.25}
		if id%3 != 0 {
			note := fmt.Sprintf("order %d, ünïcode", id)
			o.Note = &note
		}
		out[i] = o
	}
	return out
}

// lhSorted returns rows sorted by id, timestamps in UTC (as the server returns them).
func lhSorted(rows []lhOrder) []lhOrder {
	out := slices.Clone(rows)
	for i := range out {
		out[i].TS = out[i].TS.UTC()
	}
	slices.SortFunc(out, func(a, b lhOrder) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// lhCheckOrders reads table back and compares it, row by row and value by value, with want.
func lhCheckOrders(t *testing.T, ctx context.Context, s *connect.Session, what, table string, want []lhOrder) {
	t.Helper()
	got, err := connect.CollectAs[lhOrder](ctx, s.Table(table))
	if err != nil {
		t.Fatalf("%s: read %s: %v", what, table, err)
	}
	got, want = lhSorted(got), lhSorted(want)
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d:\n got %+v (note %v)\nwant %+v (note %v)", what, i, got[i], deref(got[i].Note), want[i], deref(want[i].Note))
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// lhProperties returns SHOW TBLPROPERTIES of table as a map.
func lhProperties(t *testing.T, ctx context.Context, s *connect.Session, table string) map[string]string {
	t.Helper()
	rows, err := wrSQL(ctx, s, "SHOW TBLPROPERTIES "+table)
	if err != nil {
		t.Fatalf("show tblproperties %s: %v", table, err)
	}
	props := map[string]string{}
	for _, r := range rows {
		k, _ := r.Value(0).(string)
		v, _ := r.Value(1).(string)
		props[k] = v
	}
	return props
}

// lhCheckProperties fails the test unless table has every property of want.
func lhCheckProperties(t *testing.T, ctx context.Context, s *connect.Session, what, table string, want map[string]string) {
	t.Helper()
	got := lhProperties(t, ctx, s, table)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: property %s of %s is %q, want %q (all: %v)", what, k, table, got[k], v, got)
		}
	}
}

// lhPartitioning returns the partitioning of table as DESCRIBE TABLE lists it, in order:
// column names and transforms such as "days(ts)" and "bucket(4, id)". Spark lists a
// partitioning by columns only under "# Partition Information", one column a row, and
// one with transforms under "# Partitioning", as "Part <n>" rows.
func lhPartitioning(t *testing.T, ctx context.Context, s *connect.Session, table string) []string {
	t.Helper()
	rows, err := wrSQL(ctx, s, "DESCRIBE TABLE "+table)
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	var parts []string
	section := ""
	for _, r := range rows {
		name, _ := r.Value(0).(string)
		typ, _ := r.Value(1).(string)
		switch {
		case name == "# Partitioning" || name == "# Partition Information":
			section = name
		case section == "# Partitioning" && strings.HasPrefix(name, "Part "):
			parts = append(parts, typ)
		case section == "# Partition Information" && name == "# col_name":
		case section == "# Partition Information" && name != "" && !strings.HasPrefix(name, "#"):
			parts = append(parts, name)
		default:
			section = ""
		}
	}
	return parts
}

func lhCheckPartitioning(t *testing.T, ctx context.Context, s *connect.Session, what, table string, want ...string) {
	t.Helper()
	if got := lhPartitioning(t, ctx, s, table); !slices.Equal(got, want) {
		t.Errorf("%s: partitioning of %s is %q, want %q", what, table, got, want)
	}
}

// lhFileFormats returns the formats of the data files of table's current snapshot, from
// Iceberg's files metadata table.
func lhFileFormats(t *testing.T, ctx context.Context, s *connect.Session, table string) []string {
	t.Helper()
	rows, err := wrSQL(ctx, s, "SELECT DISTINCT file_format FROM "+table+".files ORDER BY 1")
	if err != nil {
		t.Fatalf("files of %s: %v", table, err)
	}
	var out []string
	for _, r := range rows {
		f, _ := r.Value(0).(string)
		out = append(out, f)
	}
	return out
}

// dayOf is Iceberg's days transform of a timestamp: its UTC day.
func dayOf(ts time.Time) time.Time { return ts.UTC().Truncate(24 * time.Hour) }

// Every verb of the v2 writer against an Iceberg table, with a Go model of the table
// after each: Create (with provider, table properties and a partitioning by a column and
// the days transform), Append with a write option, Overwrite by a condition, a dynamic
// OverwritePartitions, Replace (bucket transform) and CreateOrReplace (months, years).
func TestLakeWriteTo(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	ns := lhNamespace(t, s)
	table := lhTable(t, s, ns, "orders")
	start := time.Date(2023, 12, 29, 3, 0, 0, 0, time.UTC)

	// Create.
	a := lhOrders(1, 12, start)
	err := connect.CreateDataFrameOf(s, a).WriteTo(table).Using("iceberg").
		PartitionedBy(connect.Col("region"), F.Days(connect.Col("ts"))).
		TableProperty("lh.owner", "sparkwire").TableProperty("write.format.default", "orc").
		Create(ctx)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	state := slices.Clone(a)
	lhCheckOrders(t, ctx, s, "create", table, state)
	lhCheckProperties(t, ctx, s, "create", table, map[string]string{"lh.owner": "sparkwire", "write.format.default": "orc", "format": "iceberg/orc"})
	lhCheckPartitioning(t, ctx, s, "create", table, "region", "days(ts)")
	if got := lhFileFormats(t, ctx, s, table); !slices.Equal(got, []string{"ORC"}) {
		t.Errorf("file formats after create: %v, want [ORC]", got)
	}
	wrSparkError(t, "create again", connect.CreateDataFrameOf(s, a).WriteTo(table).Create(ctx), "TABLE_OR_VIEW_ALREADY_EXISTS")

	// Append, with Iceberg's write option for the data file format of this write.
	b := lhOrders(100, 5, start.Add(24*time.Hour))
	if err := connect.CreateDataFrameOf(s, b).WriteTo(table).Option("write-format", "avro").Append(ctx); err != nil {
		t.Fatalf("append: %v", err)
	}
	state = append(state, b...)
	lhCheckOrders(t, ctx, s, "append", table, state)
	if got := lhFileFormats(t, ctx, s, table); !slices.Equal(got, []string{"AVRO", "ORC"}) {
		t.Errorf("file formats after an append with write-format avro: %v, want [AVRO ORC]", got)
	}

	// Overwrite: the rows of region eu (whole partitions, as Iceberg wants for a delete by
	// filter) give way to new ones.
	c := lhOrders(200, 6, start)
	for i := range c {
		c[i].Region = "eu"
	}
	if err := connect.CreateDataFrameOf(s, c).WriteTo(table).Overwrite(ctx, connect.Col("region").Eq("eu")); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	state = slices.DeleteFunc(state, func(o lhOrder) bool { return o.Region == "eu" })
	state = append(state, c...)
	lhCheckOrders(t, ctx, s, "overwrite region eu", table, state)

	// OverwritePartitions: the (region, day) partitions that the new rows fall in are
	// replaced; the others stay.
	d := lhOrders(300, 4, start.Add(2*24*time.Hour))
	type part struct {
		region string
		day    time.Time
	}
	touched := map[part]bool{}
	for _, o := range d {
		touched[part{o.Region, dayOf(o.TS)}] = true
	}
	kept := 0
	for _, o := range state {
		if !touched[part{o.Region, dayOf(o.TS)}] {
			kept++
		}
	}
	if kept == 0 || kept == len(state) {
		t.Fatalf("test data: OverwritePartitions would keep %d of %d rows; want some replaced and some kept", kept, len(state))
	}
	if err := connect.CreateDataFrameOf(s, d).WriteTo(table).OverwritePartitions(ctx); err != nil {
		t.Fatalf("overwrite partitions: %v", err)
	}
	state = slices.DeleteFunc(state, func(o lhOrder) bool { return touched[part{o.Region, dayOf(o.TS)}] })
	state = append(state, d...)
	lhCheckOrders(t, ctx, s, "overwrite partitions", table, state)

	// Replace: a new definition (bucket transform, another property) and new rows.
	e := lhOrders(400, 7, start)
	err = connect.CreateDataFrameOf(s, e).WriteTo(table).Using("iceberg").
		PartitionedBy(F.Bucket(4, connect.Col("id"))).TableProperty("lh.stage", "replaced").Replace(ctx)
	if err != nil {
		t.Fatalf("replace: %v", err)
	}
	lhCheckOrders(t, ctx, s, "replace", table, e)
	lhCheckPartitioning(t, ctx, s, "replace", table, "bucket(4, id)")
	lhCheckProperties(t, ctx, s, "replace", table, map[string]string{"lh.stage": "replaced"})

	// CreateOrReplace, of the existing table (months transform) and of a new one (years and
	// a bucket of a string column).
	f := lhOrders(500, 9, start)
	if err := connect.CreateDataFrameOf(s, f).WriteTo(table).PartitionedBy(F.Months(connect.Col("ts"))).CreateOrReplace(ctx); err != nil {
		t.Fatalf("create or replace (existing): %v", err)
	}
	lhCheckOrders(t, ctx, s, "create or replace an existing table", table, f)
	lhCheckPartitioning(t, ctx, s, "create or replace an existing table", table, "months(ts)")
	fresh := lhTable(t, s, ns, "orders_by_year")
	err = connect.CreateDataFrameOf(s, f).WriteTo(fresh).PartitionedBy(F.Years(connect.Col("ts")), F.Bucket(2, connect.Col("region"))).
		TableProperty("lh.owner", "sparkwire").CreateOrReplace(ctx)
	if err != nil {
		t.Fatalf("create or replace (new): %v", err)
	}
	lhCheckOrders(t, ctx, s, "create or replace a new table", fresh, f)
	lhCheckPartitioning(t, ctx, s, "create or replace a new table", fresh, "years(ts)", "bucket(2, region)")
	lhCheckProperties(t, ctx, s, "create or replace a new table", fresh, map[string]string{"lh.owner": "sparkwire"})
	// The years transform put the rows of 2023 and of 2024 in two partitions.
	rows, err := wrSQL(ctx, s, "SELECT count(DISTINCT partition.ts_year) FROM "+fresh+".files")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := rows[0].Value(0).(int64); n != 2 {
		t.Errorf("year partitions: %d, want 2 (rows of 2023 and 2024)", n)
	}

	// Replace of a table that does not exist fails with the server's typed error.
	missing := lhTable(t, s, ns, "missing")
	wrSparkError(t, "replace a missing table", connect.CreateDataFrameOf(s, f).WriteTo(missing).Replace(ctx), "TABLE_OR_VIEW_NOT_FOUND")
}

// lhAccount is a row of the accounts tables of the MERGE tests.
type lhAccount struct {
	ID      int64   `spark:"id"`
	Name    string  `spark:"name"`
	Balance float64 `spark:"balance"`
	Status  string  `spark:"status"`
}

func lhSortedAccounts(rows []lhAccount) []lhAccount {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b lhAccount) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func lhCheckAccounts(t *testing.T, ctx context.Context, s *connect.Session, what, table string, want []lhAccount) {
	t.Helper()
	got, err := connect.CollectAs[lhAccount](ctx, s.Table(table))
	if err != nil {
		t.Fatalf("%s: read %s: %v", what, table, err)
	}
	got, want = lhSortedAccounts(got), lhSortedAccounts(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// MERGE INTO with every kind of clause, with and without conditions, in one merge; the
// test computes the merged table in Go, clause by clause as Spark applies them (the first
// clause of a kind whose condition holds wins).
func TestLakeMergeInto(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	ns := lhNamespace(t, s)
	table := lhTable(t, s, ns, "accounts")

	var target []lhAccount
	for id := int64(1); id <= 10; id++ {
		bal := float64(id * 10)
		if id == 2 {
			bal = 0 // deleted by the not-matched-by-source clause with a condition
		}
		target = append(target, lhAccount{id, fmt.Sprintf("acct%d", id), bal, "open"})
	}
	if err := connect.CreateDataFrameOf(s, target).WriteTo(table).Create(ctx); err != nil {
		t.Fatal(err)
	}
	// Source: ids 6..14. Among the matched (6..10): 6 closes, 7 goes negative, the others
	// change balance. Among the new (11..14): balances above and below 100.
	var source []lhAccount
	for id := int64(6); id <= 14; id++ {
		a := lhAccount{id, fmt.Sprintf("new%d", id), float64(id * 15), "open"}
		switch id {
		case 6:
			a.Status = "closed"
		case 7:
			a.Balance = -5
		}
		source = append(source, a)
	}

	err := connect.CreateDataFrameOf(s, source).Alias("s").
		MergeInto(table, connect.Col("accounts.id").Eq(connect.Col("s.id"))).
		WhenMatched(connect.Col("s.status").Eq("closed")).Delete().
		WhenMatched(connect.Col("s.balance").Lt(0)).Update(map[string]connect.Column{
		"status":  connect.Lit("overdrawn"),
		"balance": connect.Col("accounts.balance").Plus(connect.Col("s.balance")),
	}).
		WhenMatched().UpdateAll().
		WhenNotMatched(connect.Col("s.balance").Ge(200)).Insert(map[string]connect.Column{
		"id": connect.Col("s.id"), "name": F.Upper(connect.Col("s.name")), "balance": connect.Col("s.balance"), "status": connect.Lit("vip"),
	}).
		WhenNotMatched().InsertAll().
		WhenNotMatchedBySource(connect.Col("accounts.balance").Eq(0)).Delete().
		WhenNotMatchedBySource().Update(map[string]connect.Column{"status": connect.Lit("dormant")}).
		Merge(ctx)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}

	// The model.
	bySource := map[int64]lhAccount{}
	for _, a := range source {
		bySource[a.ID] = a
	}
	var want []lhAccount
	for _, tr := range target {
		sr, matched := bySource[tr.ID]
		switch {
		case matched && sr.Status == "closed":
			// deleted
		case matched && sr.Balance < 0:
			want = append(want, lhAccount{tr.ID, tr.Name, tr.Balance + sr.Balance, "overdrawn"})
		case matched:
			want = append(want, sr)
		case tr.Balance == 0:
			// deleted: not matched by source, with a zero balance
		default:
			tr.Status = "dormant"
			want = append(want, tr)
		}
	}
	targetIDs := map[int64]bool{}
	for _, tr := range target {
		targetIDs[tr.ID] = true
	}
	for _, sr := range source {
		switch {
		case targetIDs[sr.ID]:
		case sr.Balance >= 200:
			want = append(want, lhAccount{sr.ID, strings.ToUpper(sr.Name), sr.Balance, "vip"})
		default:
			want = append(want, sr)
		}
	}
	// Every clause changed something: the model covers each.
	kinds := map[string]int{}
	for _, w := range want {
		kinds[w.Status]++
	}
	if kinds["overdrawn"] != 1 || kinds["vip"] == 0 || kinds["dormant"] == 0 || len(want) >= len(target)+len(source) {
		t.Fatalf("test data does not exercise every clause: %v", kinds)
	}
	lhCheckAccounts(t, ctx, s, "merged", table, want)

	// The same merge, once more with the source now equal to the table's matched rows:
	// WhenMatched UpdateAll only, as an upsert, keeps the table as it is.
	cur, err := connect.CollectAs[lhAccount](ctx, s.Table(table))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Table(table).Alias("s").MergeInto(table, connect.Col("accounts.id").Eq(connect.Col("s.id"))).
		WhenMatched().UpdateAll().WhenNotMatched().InsertAll().Merge(ctx)
	if err != nil {
		t.Fatalf("self upsert: %v", err)
	}
	lhCheckAccounts(t, ctx, s, "upsert of the table into itself", table, cur)

	// A clause without a condition before another of its kind is refused by the client
	// (Spark's SQL refuses it; its DataFrame API would run it, the later clause dead).
	err = connect.CreateDataFrameOf(s, source).Alias("s").MergeInto(table, connect.Col("accounts.id").Eq(connect.Col("s.id"))).
		WhenMatched().Delete().WhenMatched(connect.Col("s.balance").Gt(0)).UpdateAll().Merge(ctx)
	if err == nil || !strings.Contains(err.Error(), "only the last clause of a kind may omit its condition") {
		t.Errorf("a condition-less matched clause before another: %v", err)
	}
	lhCheckAccounts(t, ctx, s, "after the refused merge", table, cur)

	// Spark's own file tables (the session catalog) do not support MERGE: the server's
	// typed error.
	v1 := fmt.Sprintf("lh_v1_%x", rand.Uint64())
	wrDropTable(t, s, v1)
	if err := connect.CreateDataFrameOf(s, target).WriteTo(v1).Using("parquet").Create(ctx); err != nil {
		t.Fatal(err)
	}
	err = connect.CreateDataFrameOf(s, source).Alias("s").MergeInto(v1, connect.Col(v1+".id").Eq(connect.Col("s.id"))).
		WhenMatched().Delete().Merge(ctx)
	wrSparkError(t, "merge into a session catalog table", err, "UNSUPPORTED_FEATURE.TABLE_OPERATION")
}

// lhWideAccount is lhAccount with a column the table does not have yet.
type lhWideAccount struct {
	ID      int64   `spark:"id"`
	Name    string  `spark:"name"`
	Balance float64 `spark:"balance"`
	Status  string  `spark:"status"`
	Tier    string  `spark:"tier"`
}

// Schema evolution through MERGE: without WithSchemaEvolution, UpdateAll and InsertAll
// leave out a source column the target lacks; with it, the column is added to the table,
// NULL in the rows no clause wrote.
func TestLakeMergeSchemaEvolution(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	ns := lhNamespace(t, s)
	table := lhTable(t, s, ns, "accounts")
	target := []lhAccount{{1, "a", 10, "open"}, {2, "b", 20, "open"}}
	if err := connect.CreateDataFrameOf(s, target).WriteTo(table).Create(ctx); err != nil {
		t.Fatal(err)
	}
	upsert := func(rows []lhWideAccount) *connect.MergeIntoWriter {
		return connect.CreateDataFrameOf(s, rows).Alias("s").
			MergeInto(table, connect.Col("accounts.id").Eq(connect.Col("s.id"))).
			WhenMatched().UpdateAll().WhenNotMatched().InsertAll()
	}

	if err := upsert([]lhWideAccount{{2, "b2", 25, "open", "gold"}, {3, "c", 30, "open", "silver"}}).Merge(ctx); err != nil {
		t.Fatalf("merge without schema evolution: %v", err)
	}
	cols, err := s.Table(table).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"id", "name", "balance", "status"}; !slices.Equal(cols, want) {
		t.Errorf("columns after a merge without schema evolution: %v, want %v", cols, want)
	}
	lhCheckAccounts(t, ctx, s, "merge without schema evolution", table,
		[]lhAccount{{1, "a", 10, "open"}, {2, "b2", 25, "open"}, {3, "c", 30, "open"}})

	if err := upsert([]lhWideAccount{{3, "c3", 33, "open", "silver"}, {4, "d", 40, "open", "bronze"}}).WithSchemaEvolution().Merge(ctx); err != nil {
		t.Fatalf("merge with schema evolution: %v", err)
	}
	if cols, err = s.Table(table).Columns(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"id", "name", "balance", "status", "tier"}; !slices.Equal(cols, want) {
		t.Errorf("columns after a merge with schema evolution: %v, want %v", cols, want)
	}
	type evolved struct {
		ID      int64   `spark:"id"`
		Name    string  `spark:"name"`
		Balance float64 `spark:"balance"`
		Status  string  `spark:"status"`
		Tier    *string `spark:"tier"`
	}
	got, err := connect.CollectAs[evolved](ctx, s.Table(table).OrderBy(connect.Col("id")))
	if err != nil {
		t.Fatalf("read the evolved table: %v", err)
	}
	silver, bronze := "silver", "bronze"
	want := []evolved{{1, "a", 10, "open", nil}, {2, "b2", 25, "open", nil}, {3, "c3", 33, "open", &silver}, {4, "d", 40, "open", &bronze}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("evolved table:\n got %+v\nwant %+v", got, want)
	}
}

// A reliable checkpoint, now that the server sets spark.checkpoint.dir: the checkpointed
// DataFrame's plan no longer holds the original query (its lineage is cut), and it holds
// the same rows, also when a query is built on top of it.
func TestLakeReliableCheckpoint(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	tag := fmt.Sprintf("lh_%x", rand.Uint64())
	df, err := s.SQL(ctx, "SELECT id, id * id AS square, ? AS tag FROM range(40) WHERE id % 3 <> 1", tag)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]any
	for i := int64(0); i < 40; i++ {
		if i%3 != 1 {
			want = append(want, []any{i, i * i, tag})
		}
	}
	before, err := df.Explain(ctx, connect.ExplainExtended)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, "Range (0, 40") {
		t.Fatalf("the original plan does not show its range:\n%s", before)
	}
	for _, eager := range []bool{true, false} {
		cp, err := df.Checkpoint(ctx, eager)
		if err != nil {
			t.Fatalf("checkpoint (eager %v): %v", eager, err)
		}
		wrCheck(t, ctx, fmt.Sprintf("checkpoint (eager %v)", eager), cp, want)
		plan, err := cp.Explain(ctx, connect.ExplainExtended)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "Range") || strings.Contains(plan, tag) || !strings.Contains(plan, "LogicalRDD") {
			t.Errorf("the checkpoint's plan (eager %v) still shows the original query, or no RDD:\n%s", eager, plan)
		}
		wrCheck(t, ctx, "a query over the checkpoint", cp.Where("id > 30"), slices.DeleteFunc(slices.Clone(want), func(r []any) bool { return r[0].(int64) <= 30 }))
		if err := cp.ReleaseCheckpoint(ctx); err != nil {
			t.Errorf("release: %v", err)
		}
	}
}
