// Package rowjson turns result rows (connect.Row) into JSON: one object per row, keyed
// by column name, with nested rows as objects, arrays as arrays, maps with string keys,
// and timestamps in RFC 3339. The CLI's json output format writes rows this way.
package rowjson

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// WriteLines writes each row to w as a JSON object on a line of its own (JSON Lines).
// Keys are in the order encoding/json writes map keys (sorted).
func WriteLines(w io.Writer, rows []connect.Row) error {
	enc := json.NewEncoder(w)
	for _, r := range rows {
		if err := enc.Encode(Object(r)); err != nil {
			return err
		}
	}
	return nil
}

// Object returns the row as a map from column name to JSON-encodable value (see
// [Value]). Of two columns with the same name, the later one wins.
func Object(r connect.Row) map[string]any {
	obj := make(map[string]any, r.Len())
	for i, n := range r.Names() {
		obj[n] = Value(r.Value(i))
	}
	return obj
}

// Value makes a Go value of a row encodable by encoding/json: a nested row becomes an
// object, a slice's and a map's elements are made encodable in turn, a map with keys of
// another type than string gets their fmt.Sprint as keys, a time.Time becomes its RFC
// 3339 text with nanoseconds, and any other fmt.Stringer its String(). Other values are
// returned as they are.
func Value(v any) any {
	switch v := v.(type) {
	case connect.Row:
		return Object(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Value(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = Value(e)
		}
		return out
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return v.String()
	}
	return v
}
