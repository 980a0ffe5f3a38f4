package oracle

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	eq := func(a, b int) bool { return a == b }
	got := map[string]int{"a": 1, "b": 2, "x": 9}
	want := map[string]int{"a": 1, "b": 3, "c": 4}
	wrong := Diff(got, want, eq)
	if !slices.Equal(wrong, []string{"b: got 2, want 3", "missing c: want 4", "unexpected x: 9"}) {
		t.Errorf("Diff = %q", wrong)
	}
	if wrong := Diff(want, want, eq); len(wrong) != 0 {
		t.Errorf("Diff of equal maps = %q", wrong)
	}
}
