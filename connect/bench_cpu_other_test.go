//go:build !unix

package connect_test

import "time"

// processCPU is not measured here: the benchmarks leave out their CPU figure.
func processCPU() time.Duration { return 0 }
