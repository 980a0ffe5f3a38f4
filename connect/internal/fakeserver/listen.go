package fakeserver

import (
	"net"

	"google.golang.org/grpc"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Serve serves the fake on lis as well as on its in-memory listener, with the given server
// options (TLS credentials, interceptors that look at what arrives), until the returned stop
// is called; tests of the transport (TLS, mutual TLS, credentials) use it with a TCP
// listener.
func (s *Server) Serve(lis net.Listener, opts ...grpc.ServerOption) (stop func()) {
	gs := grpc.NewServer(opts...)
	sparkpb.RegisterSparkConnectServiceServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	return gs.Stop
}
