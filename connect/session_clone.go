package connect

import (
	"context"
	"fmt"
	"maps"

	"google.golang.org/grpc"
)

// A CloneOption configures [Session.CloneSession].
type CloneOption interface {
	applyClone(*cloneOptions)
}

type cloneOptions struct{ id string }

type cloneOptionFunc func(*cloneOptions)

func (f cloneOptionFunc) applyClone(o *cloneOptions) { f(o) }

// CloneWithSessionID gives the new session that id (a UUID) instead of a random one.
func CloneWithSessionID(id string) CloneOption {
	return cloneOptionFunc(func(o *cloneOptions) { o.id = id })
}

// CloneSession asks the server to copy the session into a new one (Spark 4.1's
// CloneSession call) and returns a Session connected to the copy, dialled with the
// settings of this one. The copy starts with this session's server-side state: SQL
// configuration, temporary views and registered functions (Spark 4.1.2 does not carry the
// current catalog over: the copy starts in spark_catalog); from then on the two are
// independent, changes to one do not show in the other. Close the returned Session when
// done, as any other.
//
// A transient failure is retried like every call; if an answer was lost and the retry
// finds the new id taken, the server's error is returned. If the server copied the
// session but connecting to the copy fails, the copy stays on the server until its idle
// timeout.
func (s *Session) CloneSession(ctx context.Context, opts ...CloneOption) (*Session, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var o cloneOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyClone(&o)
		}
	}
	if o.id == "" {
		o.id = newUUID()
	} else if !isUUID(o.id) {
		return nil, fmt.Errorf("clone session: session id %q is not a UUID", o.id)
	}
	resp, err := s.wire.CloneSession(ctx, o.id)
	if err != nil {
		return nil, err
	}
	id := resp.GetNewSessionId()
	if id == "" {
		id = o.id
	}
	cfg := *s.cfg
	cfg.conn.Headers = maps.Clone(s.cfg.conn.Headers)
	cfg.dialOptions = append([]grpc.DialOption(nil), s.cfg.dialOptions...)
	cfg.conn.SessionID = id
	clone, err := dial(ctx, &cfg)
	if err != nil {
		return nil, fmt.Errorf("clone session: %w", err)
	}
	return clone, nil
}
