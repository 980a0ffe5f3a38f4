package connect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func tvfRel(name string, args ...*sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_UnresolvedTableValuedFunction{
		UnresolvedTableValuedFunction: &sparkpb.UnresolvedTableValuedFunction{FunctionName: name, Arguments: args},
	}}
}

func TestTVFPlans(t *testing.T) {
	srv, s := dialGolden(t)
	f := s.TVF()
	arr := Expr("array(1, 2)")
	arrE := exprString("array(1, 2)")
	cases := []struct {
		name string
		df   *DataFrame
		want *sparkpb.Relation
	}{
		{"explode", f.Explode(arr), tvfRel("explode", arrE)},
		{"explode_outer", f.ExplodeOuter(arr), tvfRel("explode_outer", arrE)},
		{"inline", f.Inline(arr), tvfRel("inline", arrE)},
		{"inline_outer", f.InlineOuter(arr), tvfRel("inline_outer", arrE)},
		{"json_tuple", f.JSONTuple(Lit(`{"a":1}`), Lit("a"), Lit("b")), tvfRel("json_tuple", litString(`{"a":1}`), litString("a"), litString("b"))},
		{"posexplode", f.PosExplode(arr), tvfRel("posexplode", arrE)},
		{"posexplode_outer", f.PosExplodeOuter(arr), tvfRel("posexplode_outer", arrE)},
		{"stack", f.Stack(Lit(int32(2)), Lit(int32(1)), Lit(int32(2))), tvfRel("stack", litInt(2), litInt(1), litInt(2))},
		{"stack without values", f.Stack(Lit(int32(1))), tvfRel("stack", litInt(1))},
		{"collations", f.Collations(), tvfRel("collations")},
		{"sql_keywords", f.SQLKeywords(), tvfRel("sql_keywords")},
		{"variant_explode", f.VariantExplode(Col("v")), tvfRel("variant_explode", attrExpr("v"))},
		{"variant_explode_outer", f.VariantExplodeOuter(Col("v")), tvfRel("variant_explode_outer", attrExpr("v"))},
		{"call", f.Call("range", Lit(int64(3))), tvfRel("range", litLong(3))},
		{"range", f.Range(1, 10, 2, 0), &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{Start: refOf(int64(1)), End: 10, Step: 2}}}},
		{"range with partitions", f.Range(0, 5, 1, 3), &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{
			Start: refOf(int64(0)), End: 5, Step: 1, NumPartitions: refOf(int32(3))}}}},
		{"a derived DataFrame", f.SQLKeywords().Limit(1), limitRel(tvfRel("sql_keywords"), 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkPlan(t, srv, tc.df, tc.want) })
	}
}

func TestTVFErrors(t *testing.T) {
	srv, s := dialGolden(t)
	f := s.TVF()
	before := sentRequests(srv)
	for what, tc := range map[string]struct {
		df   *DataFrame
		want string
	}{
		"json_tuple without fields": {f.JSONTuple(Lit("{}")), "at least one field"},
		"empty name":                {f.Call(""), "empty name"},
		"bad argument":              {f.Explode(Lit(struct{ C chan int }{})), "explode"},
		"range step 0":              {f.Range(0, 1, 0, 0), "step must not be 0"},
		"range partitions":          {f.Range(0, 1, 1, -1), "partitions out of range"},
	} {
		if _, err := tc.df.Rows(goldenCtx(t)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", what, err)
		}
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
	var nilSession *Session
	for _, df := range []*DataFrame{nilSession.TVF().Explode(Col("x")), nilSession.TVF().Range(0, 1, 1, 0), nilSession.TVF().JSONTuple(Col("x")), (TVF{}).Collations()} {
		if err := df.Err(); !errors.Is(err, ErrClosed) {
			t.Errorf("TVF of a nil session: %v", err)
		}
	}
}

func TestIsModifiable(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	for key, want := range map[string]bool{"spark.sql.shuffle.partitions": true, "spark.driver.memory": false} {
		got, err := s.Conf().IsModifiable(ctx, key)
		if err != nil || got != want {
			t.Errorf("IsModifiable(%s): %v, %v", key, got, err)
		}
		reqs := srv.ConfigRequests()
		checkProto(t, "config operation", reqs[len(reqs)-1].GetOperation(), &sparkpb.ConfigRequest_Operation{
			OpType: &sparkpb.ConfigRequest_Operation_IsModifiable{IsModifiable: &sparkpb.ConfigRequest_IsModifiable{Keys: []string{key}}}})
	}
	before := len(srv.ConfigRequests())
	if _, err := s.Conf().IsModifiable(ctx, ""); err == nil {
		t.Error("empty key: no error")
	}
	if len(srv.ConfigRequests()) != before {
		t.Error("a request was sent for an empty key")
	}
	for answer, want := range map[*string]string{refOf("maybe"): `answered "maybe"`, nil: "did not answer"} {
		srv.OnConfig(func(ctx context.Context, req *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error) {
			resp := &sparkpb.ConfigResponse{SessionId: req.GetSessionId(), ServerSideSessionId: srv.ServerSideSessionID()}
			if answer != nil {
				resp.Pairs = []*sparkpb.KeyValue{{Key: "k", Value: answer}}
			}
			return resp, nil
		})
		if _, err := s.Conf().IsModifiable(ctx, "k"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("answer %v: %v", answer, err)
		}
	}
	var nilSession *Session
	if _, err := nilSession.Conf().IsModifiable(ctx, "k"); !errors.Is(err, ErrClosed) {
		t.Errorf("nil session: %v", err)
	}
}

func TestCloneSession(t *testing.T) {
	fast := RetryPolicy{MaxRetries: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Multiplier: 1}
	srv, s := fakeSession(t, WithRetryPolicy(fast), WithUserID("ada"), WithHeader("x-team", "etl"))
	ctx := fakeCtx(t)
	if err := s.Conf().Set(ctx, "spark.sql.shuffle.partitions", "7"); err != nil {
		t.Fatal(err)
	}
	if err := s.Range(0, 1, 1).CreateTempView(ctx, "cat_clone_v"); err != nil {
		t.Fatal(err)
	}
	// The first attempt meets a transient failure, which is retried.
	calls := 0
	srv.OnCloneSession(func(ctx context.Context, req *sparkpb.CloneSessionRequest) (*sparkpb.CloneSessionResponse, error) {
		calls++
		if calls == 1 {
			return nil, status.Error(codes.Unavailable, "connection reset")
		}
		return nil, fakeserver.ErrUseDefault
	})
	id := NewSessionID()
	clone, err := s.CloneSession(ctx, CloneWithSessionID(id))
	if err != nil {
		t.Fatal(err)
	}
	defer clone.Close(ctx)
	if clone.ID() != id || clone.ID() == s.ID() || clone.Version() != fakeserver.SparkVersion {
		t.Errorf("clone %s (version %q) of %s, want id %s", clone.ID(), clone.Version(), s.ID(), id)
	}
	reqs := srv.CloneSessionRequests()
	if len(reqs) != 2 {
		t.Fatalf("%d clone requests, want 2 (one retry)", len(reqs))
	}
	r := reqs[1]
	if r.GetSessionId() != s.ID() || r.GetNewSessionId() != id || r.GetUserContext().GetUserId() != "ada" ||
		!strings.Contains(r.GetClientType(), "sparkwire/") || r.GetClientObservedServerSideSessionId() != srv.ServerSideSessionID() {
		t.Errorf("clone request: %v", r)
	}
	// The clone has the session's settings and views, and its own from then on.
	if v, ok, err := clone.Conf().Get(ctx, "spark.sql.shuffle.partitions"); err != nil || !ok || v != "7" {
		t.Errorf("setting in the clone: %q %v %v", v, ok, err)
	}
	if ok, err := clone.Catalog().TableExists(ctx, "cat_clone_v"); err != nil || !ok {
		t.Errorf("view in the clone: %v, %v", ok, err)
	}
	if err := clone.Conf().Set(ctx, "spark.sql.shuffle.partitions", "9"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.Conf().Get(ctx, "spark.sql.shuffle.partitions"); v != "7" {
		t.Errorf("the clone's setting changed the session: %q", v)
	}
	cfgs := srv.ConfigRequests()
	if last := cfgs[len(cfgs)-2]; last.GetSessionId() != id || last.GetUserContext().GetUserId() != "ada" {
		t.Errorf("the clone's request: %v", last)
	}

	// A server-chosen id.
	clone2, err := s.CloneSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer clone2.Close(ctx)
	if !isUUID(clone2.ID()) || clone2.ID() == id || clone2.ID() == s.ID() {
		t.Errorf("second clone id %q", clone2.ID())
	}

	// The server's refusal (the id is taken) and bad input.
	if _, err := s.CloneSession(ctx, CloneWithSessionID(id)); err == nil || !strings.Contains(err.Error(), "SESSION_ALREADY_EXISTS") {
		t.Errorf("clone to a taken id: %v", err)
	}
	before := len(srv.CloneSessionRequests())
	if _, err := s.CloneSession(ctx, CloneWithSessionID("not-a-uuid")); err == nil || !strings.Contains(err.Error(), "not a UUID") {
		t.Errorf("bad id: %v", err)
	}
	if len(srv.CloneSessionRequests()) != before {
		t.Error("a request was sent for a bad id")
	}
	var nilSession *Session
	if _, err := nilSession.CloneSession(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("nil session: %v", err)
	}
	closed, _ := s.CloneSession(ctx)
	closed.Close(ctx)
	if _, err := closed.CloneSession(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("closed session: %v", err)
	}
	// The context bounds the call.
	srv.OnCloneSession(func(ctx context.Context, req *sparkpb.CloneSessionRequest) (*sparkpb.CloneSessionResponse, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.CloneSession(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("clone past the deadline: %v", err)
	}
}
