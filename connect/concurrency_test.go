package connect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Independent operations overlap: nothing in the client makes one call wait for another,
// on one session (one connection, calls multiplexed) or on several. The fake server holds
// every call until all N have arrived, so a client that serialised them would leave the
// first waiting for ever (here: until the barrier's timeout fails the test).

// barrier lets n parties through once all n have arrived, or fails them after a timeout.
type barrier struct {
	n       int
	timeout time.Duration

	mu      sync.Mutex
	arrived int
	all     chan struct{}
}

func newBarrier(n int) *barrier {
	return &barrier{n: n, timeout: 10 * time.Second, all: make(chan struct{})}
}

// wait returns when all n parties have called it, or an error naming how many had after
// the timeout or when ctx ends.
func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	t := time.NewTimer(b.timeout)
	defer t.Stop()
	select {
	case <-b.all:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Errorf("only %d of %d operations were in flight at once", b.arrived, b.n)
}

// concurrencySessions returns n sessions on srv: one shared by all, or n of their own.
func concurrencySessions(t *testing.T, srv *fakeserver.Server, shared bool, n int) []*Session {
	t.Helper()
	out := make([]*Session, n)
	for i := range out {
		if shared && i > 0 {
			out[i] = out[0]
			continue
		}
		s, err := Dial(fakeCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		out[i] = s
	}
	return out
}

// runAll runs f(i) on n goroutines at once and returns their errors joined.
func runAll(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(i) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// idBatch returns a batch of one int64 column "id" with the values from, from+1, ... .
func idBatch(from int64, rows int) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.NewGoAllocator())
	defer b.Release()
	for i := range rows {
		b.Append(from + int64(i))
	}
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(rows))
}

// N collects are in flight at once, and their result streams are read side by side: the
// server answers none until all N requests have arrived, and every client reads the rest
// of its result only once every client has read its first batch.
func TestConcurrentCollectsOverlap(t *testing.T) {
	const n, batchRows = 24, 1000
	for _, shared := range []bool{true, false} {
		t.Run(map[bool]string{true: "one session", false: "separate sessions"}[shared], func(t *testing.T) {
			srv := fakeserver.New()
			t.Cleanup(srv.Close)
			arrived := newBarrier(n)
			srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
				if req.GetPlan().GetRoot() == nil {
					return fakeserver.ErrUseDefault
				}
				if err := arrived.wait(ctx); err != nil {
					return fakeserver.SparkError(codes.FailedPrecondition, "TEST_BARRIER", "", err.Error(), "")
				}
				for k := range int64(3) {
					rec := idBatch(k*batchRows, batchRows)
					resp, err := fakeserver.ArrowBatch(rec)
					rec.Release()
					if err != nil {
						return err
					}
					if err := op.Send(resp); err != nil {
						return err
					}
				}
				return op.Complete()
			})
			ss := concurrencySessions(t, srv, shared, n)
			firstRead := newBarrier(n)
			err := runAll(n, func(i int) error {
				ctx := fakeCtx(t)
				rr, err := ss[i].Range(0, 3*batchRows, 1).Collect(ctx)
				if err != nil {
					return err
				}
				defer rr.Release()
				var sum, rows int64
				for k := 0; rr.Next(); k++ {
					ids := rr.RecordBatch().Column(0).(*array.Int64)
					for j := range ids.Len() {
						sum += ids.Value(j)
					}
					rows += int64(ids.Len())
					if k == 0 {
						if err := firstRead.wait(ctx); err != nil {
							return fmt.Errorf("reading first batches: %w", err)
						}
					}
				}
				if err := rr.Err(); err != nil {
					return err
				}
				if want := int64(3*batchRows) * (3*batchRows - 1) / 2; rows != 3*batchRows || sum != want {
					return fmt.Errorf("operation %d: %d rows summing to %d, want %d rows summing to %d", i, rows, sum, 3*batchRows, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// N schema analyses and N configuration reads are in flight at once: the server answers
// none of a kind until all N have arrived.
func TestConcurrentAnalyzeAndConfigOverlap(t *testing.T) {
	const n = 24
	for _, shared := range []bool{true, false} {
		t.Run(map[bool]string{true: "one session", false: "separate sessions"}[shared], func(t *testing.T) {
			srv := fakeserver.New()
			t.Cleanup(srv.Close)
			ss := concurrencySessions(t, srv, shared, n)
			analyzed := newBarrier(n)
			srv.OnAnalyze(func(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
				if req.GetSchema() == nil {
					return nil, fakeserver.ErrUseDefault
				}
				if err := analyzed.wait(ctx); err != nil {
					return nil, fakeserver.SparkError(codes.FailedPrecondition, "TEST_BARRIER", "", err.Error(), "")
				}
				schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
				return &sparkpb.AnalyzePlanResponse{Result: &sparkpb.AnalyzePlanResponse_Schema_{
					Schema: &sparkpb.AnalyzePlanResponse_Schema{Schema: fakeserver.SchemaType(schema)},
				}}, nil
			})
			configured := newBarrier(n)
			srv.OnConfig(func(ctx context.Context, req *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error) {
				if err := configured.wait(ctx); err != nil {
					return nil, fakeserver.SparkError(codes.FailedPrecondition, "TEST_BARRIER", "", err.Error(), "")
				}
				return nil, fakeserver.ErrUseDefault
			})
			err := runAll(n, func(i int) error {
				st, err := ss[i].Range(0, int64(i), 1).Schema(fakeCtx(t))
				if err != nil {
					return fmt.Errorf("schema %d: %w", i, err)
				}
				if len(st.Fields) != 1 || st.Fields[0].Name != "id" {
					return fmt.Errorf("schema %d: %v", i, st)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = runAll(n, func(i int) error {
				_, _, err := ss[i].Conf().Get(fakeCtx(t), fmt.Sprintf("spark.test.key%d", i))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
