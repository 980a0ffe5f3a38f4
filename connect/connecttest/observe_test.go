package connecttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

func TestSetObservedMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := connecttest.NewServer()
	defer srv.Close()
	if err := srv.SetObservedMetrics("bad", map[string]any{"x": []int{1}}); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("unsupported value: %v", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := srv.SetObservedMetrics("m", map[string]any{"n": 3, "f": 1.5, "s": "x", "b": true, "i": int32(2), "t": at, "z": nil}); err != nil {
		t.Fatal(err)
	}
	s, err := srv.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)

	// An observation of another name gets nothing: its action ends without metrics.
	other := connect.NewObservation("other")
	if _, err := s.Range(0, 1, 1).ObserveWith(other, connect.Col("id")).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(ctx); err == nil {
		t.Error("metrics for an observation the server was not given")
	}

	o := connect.NewObservation("m")
	if _, err := s.Range(0, 1, 1).ObserveWith(o, connect.Col("id")).Limit(1).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := o.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["n"] != int64(3) || got["f"] != 1.5 || got["s"] != "x" || got["b"] != true || got["i"] != int32(2) || got["t"] != at || got["z"] != nil || len(got) != 7 {
		t.Errorf("metrics %v", got)
	}

	// nil stops reporting.
	if err := srv.SetObservedMetrics("m", nil); err != nil {
		t.Fatal(err)
	}
	o2 := connect.NewObservation("m")
	if _, err := s.Range(0, 1, 1).ObserveWith(o2, connect.Col("id")).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := o2.Get(ctx); err == nil {
		t.Error("metrics after they were removed")
	}
}
