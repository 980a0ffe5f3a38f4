package tests

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// withParam adds key=value to a connection string's parameters.
func withParam(url, key, value string) string {
	if strings.Contains(url, "/;") {
		return url + ";" + key + "=" + value
	}
	return strings.TrimSuffix(url, "/") + "/;" + key + "=" + value
}

// SQL nested 10,000 parentheses deep makes the server fail with neither error class nor
// message (a stack overflow in its parser): the caller gets a SparkError that says so, not
// "rpc error: code = Unknown desc = ", and the session still works.
func TestHostileNestedParentheses(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	q := "SELECT " + strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000) + " AS x"
	var err error
	if df, serr := s.SQL(ctx, q); serr != nil {
		err = serr
	} else {
		_, err = df.Rows(ctx)
	}
	var se *connect.SparkError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SparkError", err)
	}
	if msg := err.Error(); strings.Contains(msg, "desc = ") || strings.TrimSpace(se.Message) == "" {
		t.Fatalf("unclear error: %q", msg)
	}
	t.Logf("error: %v", err)
	df, err := s.SQL(ctx, "SELECT 41 + 1 AS x")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := df.Rows(ctx)
	if err != nil || len(rows) != 1 || rows[0].Value(0) != int32(42) {
		t.Fatalf("the session after the failure: %v, %v", rows, err)
	}
}

// A 64 MiB binary literal over a 16 MiB message limit fails before it is sent, saying the
// plan is too large, with both sizes and the setting that raises the limit; a response over
// the limit says that, with its size.
func TestHostileMessageSizes(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	const limit = 16 << 20
	s, _ := sessionAt(t, ctx, withParam(env.ConnectURL(), "grpc_max_message_size", strconv.Itoa(limit)))

	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	_, err := s.Range(0, 1, 1).Select(connect.Lit(big).Alias("b")).Rows(ctx)
	if !errors.Is(err, connect.ErrMessageTooLarge) {
		t.Fatalf("err = %v, want ErrMessageTooLarge", err)
	}
	for _, want := range []string{"plan is 671", strconv.Itoa(limit), "grpc_max_message_size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}

	// One row of 20 MB: Spark cannot split it into smaller messages.
	df, err := s.SQL(ctx, "SELECT repeat('x', 20000000) AS s")
	if err != nil {
		t.Fatal(err)
	}
	_, err = df.Rows(ctx)
	if !errors.Is(err, connect.ErrMessageTooLarge) || !strings.Contains(err.Error(), "response is") || !strings.Contains(err.Error(), strconv.Itoa(limit)) {
		t.Fatalf("err = %v, want ErrMessageTooLarge for the response", err)
	}

	// Below the limit, the same session still works and values come back exact.
	df, err = s.SQL(ctx, "SELECT length(repeat('ab', 1000000)) AS n")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := df.Rows(ctx)
	if err != nil || len(rows) != 1 || rows[0].Value(0) != int32(2000000) {
		t.Fatalf("after the refusals: %v, %v", rows, err)
	}
}
