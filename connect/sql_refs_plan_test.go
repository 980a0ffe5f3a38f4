package connect

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func subqueryAliasRel(in *sparkpb.Relation, alias string) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_SubqueryAlias{SubqueryAlias: &sparkpb.SubqueryAlias{Input: in, Alias: alias}}}
}

func TestSQLRefPlans(t *testing.T) {
	srv, s := dialGolden(t)
	a := s.Range(0, 3, 1)
	b := s.Table("t")
	an := fmt.Sprintf("_sparkwire_df_%d", planID(a))
	bn := fmt.Sprintf("_sparkwire_df_%d", planID(b))
	cases := []struct {
		name  string
		query string
		args  []any
		want  *sparkpb.Relation
	}{
		{"one DataFrame and a named value", "SELECT * FROM {a} WHERE id > :v", []any{Ref("a", a), Named("v", 1)},
			withRelationsRel(sqlRel("SELECT * FROM "+an+" WHERE id > :v", nil, map[string]*sparkpb.Expression{"v": litLong(1)}),
				subqueryAliasRel(rangeRel(3), an))},
		{"two DataFrames, positional value, braces", "SELECT '{{x}}', * FROM {a} JOIN {b} USING (id) WHERE id < ?",
			[]any{Ref("b", b), 2, Ref("a", a)},
			withRelationsRel(sqlRel("SELECT '{x}', * FROM "+an+" JOIN "+bn+" USING (id) WHERE id < ?", []*sparkpb.Expression{litLong(2)}, nil),
				subqueryAliasRel(rangeRel(3), an), subqueryAliasRel(tableRel("t"), bn))},
		{"one DataFrame under two names", "SELECT * FROM {x} UNION ALL SELECT * FROM {y}", []any{Ref("x", a), Ref("y", a)},
			withRelationsRel(sqlRel("SELECT * FROM "+an+" UNION ALL SELECT * FROM "+an, nil, nil), subqueryAliasRel(rangeRel(3), an))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			df, err := s.SQL(goldenCtx(t), tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			cmd := lastCommand(t, srv).GetSqlCommand()
			checkProto(t, "sql command input", noIDs(cmd.GetInput()), tc.want)
			in := cmd.GetInput()
			root := in.GetWithRelations().GetRoot()
			ids := map[int64]bool{in.GetCommon().GetPlanId(): true, root.GetCommon().GetPlanId(): true}
			for _, r := range in.GetWithRelations().GetReferences() {
				ids[r.GetCommon().GetPlanId()] = true
			}
			if root.GetCommon().PlanId == nil || len(ids) != 2+len(in.GetWithRelations().GetReferences()) {
				t.Errorf("plan ids are not distinct: %v", in)
			}
			checkProto(t, "relation run", noIDs(planOf(t, srv, df)), tc.want)
		})
	}
}

func TestSQLRefErrors(t *testing.T) {
	srv, s := dialGolden(t)
	_, other := dialGolden(t)
	df := s.Range(0, 1, 1)
	var nilDF *DataFrame
	cases := []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"unknown name", "SELECT * FROM {b}", []any{Ref("a", df)}, "{b} at offset 14 names no Ref"},
		{"unused ref", "SELECT * FROM {a}", []any{Ref("a", df), Ref("b", df)}, `Ref "b" does not appear`},
		{"unclosed", "SELECT * FROM {a", []any{Ref("a", df)}, "unclosed {"},
		{"lone close", "SELECT * FROM {a} }", []any{Ref("a", df)}, "lone }"},
		{"empty name", "SELECT * FROM {a}", []any{Ref("", df)}, "has no name"},
		{"twice", "SELECT * FROM {a}", []any{Ref("a", df), Ref("a", df)}, "given twice"},
		{"nil DataFrame", "SELECT * FROM {a}", []any{Ref("a", nilDF)}, "nil DataFrame"},
		{"bad DataFrame", "SELECT * FROM {a}", []any{Ref("a", df.Limit(-1))}, "negative"},
		{"other session", "SELECT * FROM {a}", []any{Ref("a", other.Range(0, 1, 1))}, "another session"},
	}
	before := sentRequests(srv)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SQL(goldenCtx(t), tc.query, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
	var nilSession *Session
	if _, err := nilSession.SQL(goldenCtx(t), "SELECT * FROM {a}", Ref("a", df)); !errors.Is(err, ErrClosed) {
		t.Errorf("nil session: %v", err)
	}
	// Without a Ref, braces are plain text.
	if _, err := s.SQL(goldenCtx(t), "SELECT '{a}'"); err != nil {
		t.Fatal(err)
	}
	if got := lastCommand(t, srv).GetSqlCommand().GetInput().GetSql().GetQuery(); got != "SELECT '{a}'" {
		t.Errorf("query sent: %q", got)
	}
}

// Spark takes no subquery plans next to a SQL statement (only Ref's views): a subquery
// Column as a parameter is refused before anything is sent.
func TestSQLSubqueryParameter(t *testing.T) {
	srv, s := dialGolden(t)
	sub := s.Range(0, 5, 1).Select(CallFunction("max", Col("id")))
	before := sentRequests(srv)
	for _, args := range [][]any{
		{Named("m", sub.Scalar())},
		{sub.Scalar().Plus(1)},
		{Ref("a", s.Range(0, 3, 1)), Named("m", Col("x").IsIn(sub))},
	} {
		q := "SELECT ?"
		if len(args) == 2 {
			q = "SELECT * FROM {a} WHERE :m"
		}
		if _, err := s.SQL(goldenCtx(t), q, args...); !errors.Is(err, errSubqueryParameter) {
			t.Errorf("%v: %v", args, err)
		}
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
}
