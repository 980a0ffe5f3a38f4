package tests

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// Subqueries and the MERGE and overwrite commands, in an Iceberg table. A scalar subquery
// in a merge condition or an IN subquery in an overwrite condition fails up front with
// ErrSubqueryInCommand and leaves the table as it was; the supported forms give the
// results computed here: the subquery's value as a column of the merge source, and an
// overwrite by the subquery's values collected first.
func TestSubqueryInLakeCommands(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	s, _ := session(t, ctx)
	ns := lhNamespace(t, s)
	table := lhTable(t, s, ns, "accounts")

	var target []lhAccount
	for id := int64(1); id <= 8; id++ {
		target = append(target, lhAccount{id, fmt.Sprintf("acct%d", id), float64(id * 10), "open"})
	}
	// Partitioned by status, so that an overwrite by status replaces whole files (Iceberg
	// deletes by a filter only files whose rows all match).
	if err := connect.CreateDataFrameOf(s, target).WriteTo(table).PartitionedBy(connect.Col("status")).Create(ctx); err != nil {
		t.Fatal(err)
	}
	readBack := func() []lhAccount {
		t.Helper()
		got, err := connect.CollectAs[lhAccount](ctx, s.Table(table))
		if err != nil {
			t.Fatal(err)
		}
		return lhSortedAccounts(got)
	}
	var avg float64
	for _, a := range target {
		avg += a.Balance
	}
	avg /= float64(len(target))
	avgDF := s.Table(table).Select(F.Avg(connect.Col("balance")))

	// The source: ids 3..10, each with balance 7*id (new ones insert).
	var source []lhAccount
	for id := int64(3); id <= 10; id++ {
		source = append(source, lhAccount{id, fmt.Sprintf("src%d", id), float64(7 * id), "open"})
	}
	src := connect.CreateDataFrameOf(s, source)
	on := connect.Col("accounts.id").Eq(connect.Col("s.id"))

	// Refused up front: a scalar subquery in the merge condition.
	err := src.Alias("s").MergeInto(table, on.And(connect.Col("s.balance").Gt(avgDF.Scalar()))).
		WhenMatched().Delete().Merge(ctx)
	if !errors.Is(err, connect.ErrSubqueryInCommand) {
		t.Fatalf("merge with a subquery condition: %v, want ErrSubqueryInCommand", err)
	}
	if got := readBack(); !slices.Equal(got, target) {
		t.Fatalf("table changed by a refused merge: %+v", got)
	}

	// Supported: the subquery's value as a source column. Matched rows whose source
	// balance is above the target's average take it; the others are left; new ids insert.
	err = src.WithColumn("avg_balance", avgDF.Scalar()).Alias("s").MergeInto(table, on).
		WhenMatched(connect.Col("s.balance").Gt(connect.Col("s.avg_balance"))).
		Update(map[string]connect.Column{"balance": connect.Col("s.balance"), "status": connect.Lit("raised")}).
		WhenNotMatched().Insert(map[string]connect.Column{"id": connect.Col("s.id"), "name": connect.Col("s.name"),
		"balance": connect.Col("s.balance"), "status": connect.Lit("new")}).
		Merge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(target)
	for _, sr := range source {
		i := slices.IndexFunc(want, func(a lhAccount) bool { return a.ID == sr.ID })
		switch {
		case i < 0:
			want = append(want, lhAccount{sr.ID, sr.Name, sr.Balance, "new"})
		case sr.Balance > avg:
			want[i].Balance, want[i].Status = sr.Balance, "raised"
		}
	}
	want = lhSortedAccounts(want)
	if got := readBack(); !slices.Equal(got, want) {
		t.Fatalf("after merge:\n got %+v\nwant %+v", got, want)
	}

	// Refused up front: an IN subquery in an overwrite condition.
	statusesAbove := s.Table(table).Where("balance > 50").Select(connect.Col("status")).Distinct()
	repl := connect.CreateDataFrameOf(s, []lhAccount{{100, "repl", 1, "replaced"}})
	if err := repl.WriteTo(table).Overwrite(ctx, connect.Col("status").IsIn(statusesAbove)); !errors.Is(err, connect.ErrSubqueryInCommand) {
		t.Fatalf("overwrite with an IN subquery: %v, want ErrSubqueryInCommand", err)
	}
	if got := readBack(); !slices.Equal(got, want) {
		t.Fatalf("table changed by a refused overwrite: %+v", got)
	}

	// Supported: the subquery's values collected first, then passed as literals.
	rows, err := statusesAbove.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []any
	gone := map[any]bool{}
	for _, a := range want {
		if a.Balance > 50 && !gone[a.Status] {
			gone[a.Status] = true
		}
	}
	for _, r := range rows {
		statuses = append(statuses, r.Value(0))
	}
	if len(statuses) != len(gone) || len(gone) < 2 {
		t.Fatalf("statuses of balances above 50: %v, want those of %v (two or more)", statuses, gone)
	}
	if err := repl.WriteTo(table).Overwrite(ctx, connect.Col("status").IsIn(statuses...)); err != nil {
		t.Fatal(err)
	}
	want = slices.DeleteFunc(want, func(a lhAccount) bool { return gone[a.Status] })
	want = lhSortedAccounts(append(want, lhAccount{100, "repl", 1, "replaced"}))
	if got := readBack(); !slices.Equal(got, want) {
		t.Fatalf("after overwrite:\n got %+v\nwant %+v", got, want)
	}
}
