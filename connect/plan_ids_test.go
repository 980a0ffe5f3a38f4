package connect

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Two clients that join one session build different relations for the same Show, so the
// server's plan cache cannot hand one the other's rendered table; a new session counts its
// plan ids from 0.
func TestJoinedSessionPlanIDs(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	if id := s.nextPlanID(); id != 0 {
		t.Fatalf("a new session's first plan id is %d, want 0", id)
	}
	var shows []*sparkpb.Plan
	for range 2 {
		joined, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...), WithSessionID(s.ID()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := joined.Table("pageviews").Show(ctx, 20); err != nil {
			t.Fatal(err)
		}
		plans := srv.Plans()
		shows = append(shows, plans[len(plans)-1])
		_ = joined.Detach()
	}
	for _, p := range shows {
		if p.GetRoot().GetShowString() == nil {
			t.Fatalf("not a Show: %v", p)
		}
	}
	if proto.Equal(shows[0], shows[1]) {
		t.Fatalf("two joined sessions sent equal Show plans:\n%v", shows[0])
	}
}
