package fakeserver

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestCatalogPatterns(t *testing.T) {
	p := func(s string) *string { return &s }
	for _, tc := range []struct {
		pattern *string
		name    string
		want    bool
	}{
		{nil, "anything", true},
		{p("cat_*"), "cat_t", true},
		{p("cat_*"), "CAT_T", true},
		{p("cat_*"), "xcat_t", false},
		{p("a|b*"), "a", true},
		{p("a|b*"), "bb", true},
		{p("a|b*"), "ab", false},
		{p("a.b"), "axb", false},
		{p("a.b"), "a.b", true},
		{p(""), "a", false},
	} {
		if got := matches(tc.pattern, tc.name); got != tc.want {
			t.Errorf("matches(%v, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}

func TestCatalogAnswerLimitAndSessions(t *testing.T) {
	s := New()
	defer s.Close()
	list := &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListTables{ListTables: &sparkpb.ListTables{}}}
	s.registerView("s1", &sparkpb.CreateDataFrameViewCommand{Name: "V1"})
	s.registerView("s1", &sparkpb.CreateDataFrameViewCommand{Name: "v2"})
	s.registerView("s2", &sparkpb.CreateDataFrameViewCommand{Name: "v3"})
	for _, tc := range []struct {
		session string
		limit   int
		rows    int64
	}{{"s1", -1, 2}, {"s1", 1, 1}, {"s1", 0, 0}, {"s2", -1, 1}, {"s3", -1, 0}} {
		recs, err := s.catalogAnswer(tc.session, list, tc.limit)
		if err != nil || len(recs) != 1 {
			t.Fatalf("%+v: %d batches, %v", tc, len(recs), err)
		}
		if recs[0].NumRows() != tc.rows || recs[0].NumCols() != 6 {
			t.Errorf("%+v: %d rows, %d columns", tc, recs[0].NumRows(), recs[0].NumCols())
		}
		recs[0].Release()
	}
	// A view name is case-insensitive, as in Spark.
	drop := &sparkpb.Catalog{CatType: &sparkpb.Catalog_DropTempView{DropTempView: &sparkpb.DropTempView{ViewName: "v1"}}}
	recs, err := s.catalogAnswer("s1", drop, -1)
	if err != nil || recs[0].NumRows() != 1 || !recs[0].Column(0).(*array.Boolean).Value(0) {
		t.Fatalf("drop: %v, %v", recs, err)
	}
	recs[0].Release()
	recs, _ = s.catalogAnswer("s1", list, -1)
	if recs[0].NumRows() != 1 {
		t.Errorf("%d views after the drop, want 1", recs[0].NumRows())
	}
	recs[0].Release()
	// Operations without an answer return no batch.
	recs, err = s.catalogAnswer("s1", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ClearCache{ClearCache: &sparkpb.ClearCache{}}}, -1)
	if err != nil || recs != nil {
		t.Errorf("clear cache: %v, %v", recs, err)
	}
}
