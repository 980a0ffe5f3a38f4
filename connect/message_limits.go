package connect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// ErrMessageTooLarge is wrapped by the error of a call whose request (the plan, with its
// literals and local data) or response is larger than a gRPC message may be. The message
// says which, with both sizes and the setting that raises the limit: grpc_max_message_size in
// the connection string for the client (both ways, default [DefaultMaxMessageSize]), and
// spark.connect.grpc.maxInboundMessageSize on the server for requests.
var ErrMessageTooLarge = errors.New("spark connect: message too large")

// planTooLarge is the error for a request of size bytes over limit.
func planTooLarge(size, limit int64) error {
	return fmt.Errorf("%w: the plan is %d bytes, over the client's limit of %d bytes: raise it with grpc_max_message_size=<bytes> in the connection string "+
		"(the server's limit, spark.connect.grpc.maxInboundMessageSize, is 128 MiB unless set), or send large data as a table or file instead of literals",
		ErrMessageTooLarge, size, limit)
}

// sizeLimit returns interceptors that refuse, before sending, a request larger than limit
// bytes: gRPC's own refusal names no cause and no setting.
func sizeLimit(limit int) (grpc.UnaryClientInterceptor, grpc.StreamClientInterceptor) {
	check := func(m any) error {
		if pm, ok := m.(proto.Message); ok {
			if n := proto.Size(pm); n > limit {
				return planTooLarge(int64(n), int64(limit))
			}
		}
		return nil
	}
	unary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if err := check(req); err != nil {
			return err
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	stream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, err
		}
		return &limitedStream{ClientStream: cs, check: check}, nil
	}
	return unary, stream
}

type limitedStream struct {
	grpc.ClientStream
	check func(any) error
}

func (s *limitedStream) SendMsg(m any) error {
	if err := s.check(m); err != nil {
		return err
	}
	return s.ClientStream.SendMsg(m)
}

var (
	// grpc-go, receiving: "grpc: received message larger than max (N vs. M)"; sending:
	// "grpc: trying to send message larger than max (N vs. M)".
	grpcTooLarge = regexp.MustCompile(`(received|send) message larger than max \((\d+) vs\. (\d+)\)`)
	// grpc-java, on the server: "gRPC message exceeds maximum size M: N".
	javaTooLarge = regexp.MustCompile(`exceeds maximum size (\d+): (\d+)`)
)

// sizeError explains a gRPC refusal of a message over the size limit, or returns nil.
func sizeError(what string, st *status.Status) error {
	if st.Code() != codes.ResourceExhausted {
		return nil
	}
	if m := grpcTooLarge.FindStringSubmatch(st.Message()); m != nil {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		limit, _ := strconv.ParseInt(m[3], 10, 64)
		if m[1] == "send" {
			return fmt.Errorf("%s: %w", what, planTooLarge(n, limit))
		}
		return fmt.Errorf("%s: %w: the server's response is %d bytes, over the client's limit of %d bytes: raise it with grpc_max_message_size=<bytes> in the connection string, or return fewer or smaller values per row",
			what, ErrMessageTooLarge, n, limit)
	}
	if m := javaTooLarge.FindStringSubmatch(st.Message()); m != nil {
		limit, _ := strconv.ParseInt(m[1], 10, 64)
		n, _ := strconv.ParseInt(m[2], 10, 64)
		return fmt.Errorf("%s: %w: the server refused the plan of %d bytes, over its limit of %d bytes (spark.connect.grpc.maxInboundMessageSize on the server): send large data as a table or file instead of literals",
			what, ErrMessageTooLarge, n, limit)
	}
	return nil
}

// emptyServerError is the error for a failure the server reported with neither an error
// class nor a message.
func emptyServerError(st *status.Status) *SparkError {
	return &SparkError{
		Code: st.Code(),
		Message: "the server failed without an error class or message (gRPC " + st.Code().String() + "): Spark answers so when a request makes it fail " +
			"with a JVM error rather than an exception, such as a stack overflow on a deeply nested expression or plan, or running out of memory; the server's log has the cause",
	}
}
