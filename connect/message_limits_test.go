package connect

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// A plan over the message limit fails before it is sent, with an error that says the plan
// is too large, gives both sizes and names the setting; before, gRPC's own "trying to send
// message larger than max" (or the server's refusal) came through bare.
func TestPlanTooLarge(t *testing.T) {
	const limit = 1 << 20
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(fakeCtx(t), srv.URL()+"/;grpc_max_message_size="+strconv.Itoa(limit), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(fakeCtx(t))
	big := make([]byte, 2<<20)
	_, err = s.Range(0, 1, 1).Select(Lit(big).Alias("b")).Rows(fakeCtx(t))
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err = %v, want ErrMessageTooLarge", err)
	}
	for _, want := range []string{"plan is", strconv.Itoa(limit), "grpc_max_message_size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if n := len(srv.ExecuteRequests()); n != 0 {
		t.Errorf("%d execute requests reached the server", n)
	}
}

// A response over the client's limit, and the server's refusal of a plan over its own limit,
// say so with the sizes and the settings.
func TestResponseTooLarge(t *testing.T) {
	const limit = 1 << 20
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(fakeCtx(t), srv.URL()+"/;grpc_max_message_size="+strconv.Itoa(limit), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(fakeCtx(t))
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		b := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
		defer b.Release()
		b.Append(make([]byte, 2<<20))
		col := b.NewArray()
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.BinaryTypes.Binary}}, nil)
		return []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{col}, 1)}, nil
	})
	_, err = s.Range(0, 1, 1).Rows(fakeCtx(t))
	if !errors.Is(err, ErrMessageTooLarge) || !strings.Contains(err.Error(), "response is") || !strings.Contains(err.Error(), strconv.Itoa(limit)) {
		t.Fatalf("err = %v, want ErrMessageTooLarge for the response with the limit", err)
	}

	srv.SetResult(nil)
	srv.FailNext(status.Error(codes.ResourceExhausted, "gRPC message exceeds maximum size 134217728: 150000000"))
	_, err = s.Range(0, 1, 1).Rows(fakeCtx(t))
	if !errors.Is(err, ErrMessageTooLarge) || !strings.Contains(err.Error(), "150000000") || !strings.Contains(err.Error(), "maxInboundMessageSize") {
		t.Fatalf("err = %v, want the server's refusal explained", err)
	}
}

// A failure the server reports without class or message (Spark does so for a stack
// overflow, e.g. on 10,000 nested parentheses) is a SparkError that says what it means,
// not "rpc error: code = Unknown desc = ".
func TestEmptyServerError(t *testing.T) {
	srv, s := fakeSession(t)
	srv.FailNext(status.Error(codes.Unknown, ""))
	_, err := s.Range(0, 1, 1).Rows(fakeCtx(t))
	var se *SparkError
	if !errors.As(err, &se) || se.Code != codes.Unknown {
		t.Fatalf("err = %#v, want a SparkError", err)
	}
	if msg := err.Error(); strings.Contains(msg, "desc = ") || !strings.Contains(msg, "without an error class or message") {
		t.Errorf("err = %s", msg)
	}
}
