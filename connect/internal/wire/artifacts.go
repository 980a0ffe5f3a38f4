package wire

import (
	"context"
	"errors"
	"io"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// AddArtifacts runs one AddArtifacts call, a client stream: write sends the requests of
// the call through its argument, which fills in the session's fields, and the server's
// summary of the artifacts it received comes back. A transient failure runs the whole call
// again, write included, under the retry policy; write must therefore be able to start
// over (reopen its files). An error from write ends the call with that error.
func (c *Client) AddArtifacts(ctx context.Context, write func(send func(*sparkpb.AddArtifactsRequest) error) error) (*sparkpb.AddArtifactsResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	var writeErr error
	resp, err := unary(ctx, c, "add artifacts", func(ctx context.Context) (*sparkpb.AddArtifactsResponse, error) {
		writeErr = nil
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // ends the stream when write fails
		stream, err := c.rpc.AddArtifacts(ctx)
		if err != nil {
			return nil, err
		}
		observed := c.observedID()
		send := func(req *sparkpb.AddArtifactsRequest) error {
			req.SessionId, req.UserContext, req.ClientType = c.cfg.SessionID, c.user, &c.cfg.ClientType
			req.ClientObservedServerSideSessionId = observed
			return stream.Send(req)
		}
		if err := write(send); err != nil {
			if errors.Is(err, io.EOF) {
				// The server ended the stream: its status is the error to report.
				if _, rerr := stream.CloseAndRecv(); rerr != nil {
					return nil, rerr
				}
			}
			writeErr = err
			return nil, errWriteFailed
		}
		return stream.CloseAndRecv()
	})
	if writeErr != nil {
		return nil, writeErr
	}
	if err != nil {
		return nil, err
	}
	if err := c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}

// errWriteFailed marks, inside AddArtifacts, a call ended by its write function; it is
// never transient and never reaches callers.
var errWriteFailed = errors.New("write failed")

// ArtifactStatus asks the server which of the named artifacts it holds.
func (c *Client) ArtifactStatus(ctx context.Context, names []string) (*sparkpb.ArtifactStatusesResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	req := &sparkpb.ArtifactStatusesRequest{
		SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		ClientObservedServerSideSessionId: c.observedID(), Names: names,
	}
	resp, err := unary(ctx, c, "artifact status", func(ctx context.Context) (*sparkpb.ArtifactStatusesResponse, error) {
		return c.rpc.ArtifactStatus(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if err := c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}
