package producers

import (
	"reflect"
	"testing"
	"time"
)

// TestJSONFastPath checks that a clickstream writing its JSON records itself makes the
// same events, byte for byte, as the same generator through Values and the encoder (a
// type embedding it does not get the fast path).
func TestJSONFastPath(t *testing.T) {
	type wrapped struct{ *Clickstream }
	opts := []StreamOption{WithSeed(7), WithLateness(0.2, time.Hour), WithMalformed(0.05), WithInterval(3 * time.Millisecond)}
	fast, err := NewStream(NewClickstream(300), opts...)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := NewStream(wrapped{NewClickstream(300)}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if fast.fast == nil || slow.fast != nil {
		t.Fatalf("fast path: clickstream %v, embedding type %v; want it only for the clickstream", fast.fast != nil, slow.fast != nil)
	}
	for i := range 50_000 {
		a, errA := fast.Next()
		b, errB := slow.Next()
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("event %d:\nfast %+v\n%s\nslow %+v\n%s", i, a, a.Value, b, b.Value)
		}
	}
}
