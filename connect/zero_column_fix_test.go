package connect

import (
	"errors"
	"testing"
)

// The zero Column is no expression: every use of it is an error at the action, and
// nothing goes to the server (which would otherwise get a plan with empty expressions).
func TestZeroColumnIsAnError(t *testing.T) {
	srv, s := dialGolden(t)
	var zero Column
	base := s.Range(0, 1, 1)
	for name, df := range map[string]*DataFrame{
		"Select":        base.Select(zero),
		"Select Alias":  base.Select(zero.Alias("x")),
		"Select Cast":   base.Select(zero.Cast("int")),
		"operator":      base.Select(Col("id").Plus(zero)),
		"operator left": base.Select(zero.Eq(1)),
		"GetField":      base.Select(zero.GetField("f")),
		"GetItem key":   base.Select(Col("id").GetItem(zero)),
		"When value":    base.Select(When(Col("id").Gt(0), zero)),
		"When branch":   base.Select(When(Col("id").Gt(0), 1).When(zero, 2)),
		"Otherwise":     base.Select(When(Col("id").Gt(0), 1).Otherwise(zero)),
		"Filter":        base.Filter(zero),
		"WithColumn":    base.WithColumn("x", zero),
		"OrderBy":       base.OrderBy(zero),
		"OrderBy Desc":  base.OrderBy(zero.Desc()),
		"Join":          base.Join(s.Table("t"), zero, InnerJoin),
		"GroupBy":       base.GroupBy(zero).Count(),
	} {
		t.Run(name, func(t *testing.T) {
			before := sentRequests(srv)
			if _, err := df.Rows(goldenCtx(t)); !errors.Is(err, errZeroColumn) {
				t.Errorf("got %v, want errZeroColumn", err)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}
	if !errors.Is(zero.Err(), errZeroColumn) {
		t.Errorf("Err() = %v", zero.Err())
	}
	before := sentRequests(srv)
	if _, err := s.SQL(goldenCtx(t), "SELECT ?", zero); !errors.Is(err, errZeroColumn) {
		t.Errorf("SQL with a zero Column: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("SQL sent a request")
	}
}
