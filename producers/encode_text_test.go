package producers

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `q"b\`: `"q\"b\\"`, "a\nb\t\x01": `"a\nb\t\u0001"`, "°C": `"°C"`, "bad\xff": `"bad\ufffd"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for f, want := range map[float64]string{1.5: "1.5", 0: "0", 1e21: "1e+21", 1e-7: "1e-07", -2.25: "-2.25", math.NaN(): "null"} {
		var c encoder
		v := Double(f)
		if got := string(c.appendJSON(nil, &v)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestAppendTimestamp(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		time.Date(1900, 2, 28, 1, 2, 3, 4_000_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 13, 14, 15, 16_000_000, time.FixedZone("x", 3600)),
	} {
		want := tm.UTC().Format(timeLayout)
		if got := string(appendTimestamp(nil, tm.UnixMilli())); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	// The cache gives the same text whether or not consecutive timestamps share their
	// second, before the epoch and outside years 0 to 9999 too.
	// With a prefix, too, and into buffers with and without room.
	for _, prefix := range []string{"", `","event_time":"`, `","a_name_longer_than_the_cache_holds":"`} {
		c := newTimestampCache(prefix)
		for i, ms := range []int64{0, 1, 999, 1000, 999, -1, -1000, -1001, -1, 253402300799999, 253402300800000, 253402300799998, 1735689600123, 1735689600999} {
			want := "x" + prefix + time.UnixMilli(ms).UTC().Format(timeLayout)
			dst := append(make([]byte, 0, i*8), 'x')
			if got := string(c.append(dst, ms)); got != want {
				t.Errorf("cache, %d ms: got %s, want %s", ms, got, want)
			}
		}
	}
}

func TestAppendInt(t *testing.T) {
	ns := []int64{-1, -100, math.MaxInt64, math.MinInt64}
	for p := int64(1); p <= 1e9; p *= 10 {
		ns = append(ns, p-1, p, p+1, 5*p)
	}
	for _, n := range ns {
		if got, want := string(appendInt([]byte("x"), n)), "x"+strconv.FormatInt(n, 10); got != want {
			t.Errorf("appendInt(%d) = %s, want %s", n, got, want)
		}
	}
}
