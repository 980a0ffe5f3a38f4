package connect

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func TestParseKafkaOffsets(t *testing.T) {
	want := KafkaOffsets{"clicks": {0: 1200, 2: 1213}, "other": {1: 7}}
	for _, raw := range []string{
		`{"clicks":{"0":1200,"2":1213},"other":{"1":7}}`,
		`"{\"clicks\":{\"0\":1200,\"2\":1213},\"other\":{\"1\":7}}"`, // JSON in a JSON string
	} {
		got, err := ParseKafkaOffsets(json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if !maps.EqualFunc(got, want, maps.Equal) {
			t.Errorf("%s: got %v, want %v", raw, got, want)
		}
		if got.Sum() != 2420 {
			t.Errorf("%s: sum %d, want 2420", raw, got.Sum())
		}
	}
	for _, raw := range []string{"", "null", `""`, `"null"`} {
		if got, err := ParseKafkaOffsets(json.RawMessage(raw)); got != nil || err != nil || got.Sum() != 0 {
			t.Errorf("%q: got %v, %v; want nil", raw, got, err)
		}
	}
	for raw, want := range map[string]string{
		`"latest"`:                "kafka offsets latest",
		`{"t":{"x":1}}`:           `partition "x" of t is not a number`,
		`{"t":{"99999999999":1}}`: `partition "99999999999"`,
		`[1,2]`:                   "kafka offsets [1,2]",
		`"{\"t\":"`:               "kafka offsets {",
	} {
		if _, err := ParseKafkaOffsets(json.RawMessage(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error with %q", raw, err, want)
		}
	}
}
