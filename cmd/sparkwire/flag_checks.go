package main

// Checks of flag values that say the valid range, shared by the commands.

import (
	"math"
	"time"
)

// durationFlag is a duration flag's value and the least value it takes.
type durationFlag struct {
	name string
	v    time.Duration
	// positive: above 0; otherwise 0 or more.
	positive bool
}

// checkDurations refuses a negative duration, or 0 where a positive one is needed.
func checkDurations(flags ...durationFlag) error {
	for _, f := range flags {
		switch {
		case f.positive && f.v <= 0:
			return usagef("%s must be a duration above 0 (such as 5s), not %v", f.name, f.v)
		case f.v < 0:
			return usagef("%s must be a duration of 0 or more (such as 5s), not %v", f.name, f.v)
		}
	}
	return nil
}

// checkRate refuses a rate that is not a finite number above 0 (NaN passes every
// comparison, so it is refused by name).
func checkRate(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return usagef("%s must be a finite number of events per second above 0, not %v", name, v)
	}
	return nil
}

// checkAtLeast refuses an integer flag below least.
func checkAtLeast(name string, v, least int64) error {
	if v < least {
		return usagef("%s must be %d or more, not %d", name, least, v)
	}
	return nil
}
