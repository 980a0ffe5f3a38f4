package connect

import (
	"context"
	"errors"
	"fmt"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// IsModifiable reports whether a property can be changed in a running session with Set:
// true for runtime SQL properties (spark.sql.shuffle.partitions), false for static ones
// (spark.sql.warehouse.dir) and for keys Spark does not know.
func (c RuntimeConfig) IsModifiable(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, errors.New("conf: is modifiable: empty key")
	}
	resp, err := c.s.config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_IsModifiable{
		IsModifiable: &sparkpb.ConfigRequest_IsModifiable{Keys: []string{key}},
	}})
	if err != nil {
		return false, err
	}
	for _, kv := range resp.GetPairs() {
		if kv.GetKey() != key {
			continue
		}
		switch kv.GetValue() {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("spark connect: is modifiable %s: the server answered %q", key, kv.GetValue())
	}
	return false, fmt.Errorf("spark connect: is modifiable %s: the server did not answer for the key", key)
}
