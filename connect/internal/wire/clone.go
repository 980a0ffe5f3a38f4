package wire

import (
	"context"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// CloneSession asks the server to copy the session (its configuration, temporary views,
// registered functions and artifacts) into a new one; newSessionID, when not empty, is the
// new session's id, otherwise the server picks one. The call is retried like the other
// unary calls: a retry after a lost answer may find the new id taken, which the server
// reports as an error.
func (c *Client) CloneSession(ctx context.Context, newSessionID string) (*sparkpb.CloneSessionResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	req := &sparkpb.CloneSessionRequest{
		SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		ClientObservedServerSideSessionId: c.observedID(),
	}
	if newSessionID != "" {
		req.NewSessionId = &newSessionID
	}
	resp, err := unary(ctx, c, "clone session", func(ctx context.Context) (*sparkpb.CloneSessionResponse, error) {
		return c.rpc.CloneSession(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if err := c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}
