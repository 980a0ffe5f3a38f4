package producers

import (
	"math"
	"testing"
)

func TestNumberedStrings(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{text("e-").withHex(0xfedcba9876543210), "e-fedcba9876543210"},
		{text("").withHex(1), "0000000000000001"},
		{text("m-").withDec(12345), "m-12345"},
		{text("/product/").withDec(0), "/product/0"},
		{text("x").withDec(-9), "x-9"},
		{text("").withDec(math.MinInt64), "-9223372036854775808"},
		{text("").withDec(math.MaxInt64), "9223372036854775807"},
	} {
		if got := tc.v.Any(); got != tc.want {
			t.Errorf("Any() = %v, want %s", got, tc.want)
		}
		var c encoder
		if got, want := string(c.appendJSON(nil, &tc.v)), `"`+tc.want+`"`; got != want {
			t.Errorf("JSON: got %s, want %s", got, want)
		}
		plain := String(tc.want)
		if got, want := appendAvro(nil, &tc.v), appendAvro(nil, &plain); string(got) != string(want) {
			t.Errorf("%s: Avro: got %x, want %x", tc.want, got, want)
		}
	}
}
