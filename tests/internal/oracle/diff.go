package oracle

import (
	"fmt"
	"sort"
)

// Diff compares a job's result with the ground truth, key by key, and returns one line per
// key that is wrong: missing from got, unequal by eq, or in got but not in want. The lines
// are sorted.
func Diff[K comparable, V any](got, want map[K]V, eq func(a, b V) bool) []string {
	var wrong []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			wrong = append(wrong, fmt.Sprintf("missing %v: want %+v", k, w))
		case !eq(g, w):
			wrong = append(wrong, fmt.Sprintf("%v: got %+v, want %+v", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			wrong = append(wrong, fmt.Sprintf("unexpected %v: %+v", k, g))
		}
	}
	sort.Strings(wrong)
	return wrong
}
