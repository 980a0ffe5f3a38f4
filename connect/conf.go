package connect

import (
	"context"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// RuntimeConfig reads and changes the session's Spark SQL configuration.
type RuntimeConfig struct{ s *Session }

// Conf returns the session's runtime configuration.
func (s *Session) Conf() RuntimeConfig { return RuntimeConfig{s: s} }

// Set sets a configuration property for the session.
func (c RuntimeConfig) Set(ctx context.Context, key, value string) error {
	_, err := c.s.config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Set{
		Set: &sparkpb.ConfigRequest_Set{Pairs: []*sparkpb.KeyValue{{Key: key, Value: &value}}},
	}})
	c.changed(key)
	return err
}

// Get returns the value of a property; ok is false when it is not set and has no default.
func (c RuntimeConfig) Get(ctx context.Context, key string) (value string, ok bool, err error) {
	resp, err := c.s.config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetOption{
		GetOption: &sparkpb.ConfigRequest_GetOption{Keys: []string{key}},
	}})
	if err != nil {
		return "", false, err
	}
	for _, kv := range resp.GetPairs() {
		if kv.GetKey() == key && kv.Value != nil {
			return kv.GetValue(), true, nil
		}
	}
	return "", false, nil
}

// GetAll returns every property set in the session whose key starts with prefix.
func (c RuntimeConfig) GetAll(ctx context.Context, prefix string) (map[string]string, error) {
	op := &sparkpb.ConfigRequest_GetAll{}
	if prefix != "" {
		op.Prefix = &prefix
	}
	resp, err := c.s.config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetAll{GetAll: op}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(resp.GetPairs()))
	for _, kv := range resp.GetPairs() {
		out[kv.GetKey()] = kv.GetValue()
	}
	return out, nil
}

// Unset returns a property to its default.
func (c RuntimeConfig) Unset(ctx context.Context, key string) error {
	_, err := c.s.config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Unset{
		Unset: &sparkpb.ConfigRequest_Unset{Keys: []string{key}},
	}})
	c.changed(key)
	return err
}

// changed forgets what the session read of a setting it caches (local_cache.go).
func (c RuntimeConfig) changed(key string) {
	if c.s != nil && strings.HasPrefix(key, localRelationConfPrefix) {
		c.s.local.forgetConf()
	}
}
