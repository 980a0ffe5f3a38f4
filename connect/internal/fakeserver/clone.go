package fakeserver

import (
	"context"
	"errors"
	"maps"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// CloneSession implements sparkpb.SparkConnectServiceServer: the new session (the id the
// request names, or a new one) starts with a copy of the configuration and the temporary
// views of the session cloned, in spark_catalog.default as on Spark 4.1.2. A new id that
// a session already uses is refused, as on Spark.
func (s *Server) CloneSession(ctx context.Context, req *sparkpb.CloneSessionRequest) (*sparkpb.CloneSessionResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onCloneSession
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			if resp != nil && resp.ServerSideSessionId == "" {
				resp.ServerSideSessionId = s.ServerSideSessionID()
			}
			return resp, err
		}
	}
	from, to := req.GetSessionId(), req.GetNewSessionId()
	if to == "" {
		to = newUUID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.conf[to]; taken || to == from {
		return nil, SparkError(internalCode, "INVALID_HANDLE.SESSION_ALREADY_EXISTS", "HY000",
			"Session with id "+to+" already exists.", "")
	}
	s.conf[to] = maps.Clone(s.conf[from])
	if s.conf[to] == nil {
		s.conf[to] = map[string]string{}
	}
	c := s.catalogLocked()
	if v := c.views[from]; v != nil {
		c.views[to] = maps.Clone(v)
	}
	return &sparkpb.CloneSessionResponse{
		SessionId: from, ServerSideSessionId: s.serverSideID, NewSessionId: to, NewServerSideSessionId: s.serverSideID,
	}, nil
}

// CloneSessionRequests returns the CloneSession requests received, in arrival order
// (copies).
func (s *Server) CloneSessionRequests() []*sparkpb.CloneSessionRequest {
	return requestsOf[*sparkpb.CloneSessionRequest](s)
}

// OnCloneSession replaces the default handling of CloneSession; nil restores it. The
// server fills server_side_session_id of the response when it is empty.
func (s *Server) OnCloneSession(f func(ctx context.Context, req *sparkpb.CloneSessionRequest) (*sparkpb.CloneSessionResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCloneSession = f
}
