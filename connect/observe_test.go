package connect

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func collectMetricsRel(in *sparkpb.Relation, name string, metrics ...*sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_CollectMetrics{CollectMetrics: &sparkpb.CollectMetrics{
		Input: in, Name: name, Metrics: metrics,
	}}}
}

func TestObservePlans(t *testing.T) {
	srv, s := dialGolden(t)
	count := aliasExpr(callExpr("count", litInt(1)), "rows")
	maxID := aliasExpr(callExpr("max", attrExpr("id")), "max_id")

	df := s.Range(0, 3, 1).Observe("stats", CallFunction("count", Lit(int32(1))).Alias("rows"), CallFunction("max", Col("id")).Alias("max_id"))
	checkPlan(t, srv, df, collectMetricsRel(rangeRel(3), "stats", count, maxID))

	o := NewObservation("obs")
	df = s.Range(0, 3, 1).ObserveWith(o, CallFunction("count", Lit(int32(1))).Alias("rows")).Limit(2)
	checkPlan(t, srv, df, limitRel(collectMetricsRel(rangeRel(3), "obs", count), 2))
}

func TestObserveErrors(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	before := sentRequests(srv)
	cases := []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"no name", s.Range(0, 1, 1).Observe("", Col("id")), "needs a name"},
		{"no metrics", s.Range(0, 1, 1).Observe("m"), "at least one metric"},
		{"nil observation", s.Range(0, 1, 1).ObserveWith(nil, Col("id")), "not made by NewObservation"},
		{"bad metric", s.Range(0, 1, 1).Observe("m", Lit(make(chan int))), "chan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.df.Rows(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	o := NewObservation("once")
	// A DataFrame that cannot be built does not use the Observation up.
	if err := s.Range(0, 1, 1).Limit(-1).ObserveWith(o, Col("id")).Err(); err == nil {
		t.Error("no error from a bad DataFrame")
	}
	if err := s.Range(0, 1, 1).ObserveWith(o, Col("id")).Err(); err != nil {
		t.Errorf("first use: %v", err)
	}
	if _, err := s.Range(0, 1, 1).ObserveWith(o, Col("id")).Rows(ctx); err == nil || !strings.Contains(err.Error(), "used once") {
		t.Errorf("second use: %v", err)
	}
	var nilDF *DataFrame
	if err := nilDF.Observe("m", Col("id")).Err(); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("nil DataFrame: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
	var nilObs *Observation
	if _, err := nilObs.Get(ctx); err == nil {
		t.Error("Get on a nil Observation: no error")
	}
	if _, err := (&Observation{}).Get(ctx); err == nil {
		t.Error("Get on a zero Observation: no error")
	}
	if n := NewObservation("").Name(); !strings.HasPrefix(n, "observation-") {
		t.Errorf("generated name %q", n)
	}
}

// scriptMetrics makes srv report, after every query, the given metrics under each name of
// the plan's CollectMetrics relations that is a key of byName.
func scriptMetrics(srv *fakeserver.Server, byName map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics) {
	srv.SetObservedMetrics(func(plan *sparkpb.Plan) []*sparkpb.ExecutePlanResponse_ObservedMetrics {
		var out []*sparkpb.ExecutePlanResponse_ObservedMetrics
		walkRelations(plan.ProtoReflect(), func(r *sparkpb.Relation) {
			if m, ok := byName[r.GetCollectMetrics().GetName()]; ok && r.GetCollectMetrics() != nil {
				out = append(out, m)
			}
		})
		return out
	})
}

func TestObservationGet(t *testing.T) {
	srv, s := dialGolden(t)
	answerWith(t, srv, int64Batch("id", 1, 2, 3))
	scriptMetrics(srv, map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics{
		"stats": {Name: "stats", Keys: []string{"rows", "total", "max_amount", "label"}, Values: []*sparkpb.Expression_Literal{
			{LiteralType: &sparkpb.Expression_Literal_Long{Long: 3}},
			{LiteralType: &sparkpb.Expression_Literal_Long{Long: 6}},
			{LiteralType: &sparkpb.Expression_Literal_Double{Double: 2.5}},
			{LiteralType: &sparkpb.Expression_Literal_Null{}},
		}},
		"other": {Name: "other", Keys: []string{"n"}, Values: []*sparkpb.Expression_Literal{
			{LiteralType: &sparkpb.Expression_Literal_Long{Long: 99}},
		}},
	})
	ctx := goldenCtx(t)
	o := NewObservation("stats")
	observed := s.Range(0, 3, 1).ObserveWith(o, CallFunction("count", Lit(int32(1))).Alias("rows"))

	// Before an action, Get waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := o.Get(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get before the action: %v", err)
	}

	// A Get that waits gets the values once an action over a DataFrame built on the
	// observed one finishes; the metrics of another observation are left alone.
	got := make(chan map[string]any, 1)
	go func() {
		m, err := o.Get(ctx)
		if err != nil {
			t.Errorf("Get: %v", err)
		}
		got <- m
	}()
	other := s.Range(0, 1, 1).Observe("other", Col("id"))
	rows, err := observed.Filter(Col("id").Gt(Lit(0))).CrossJoin(other).Rows(ctx)
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	want := map[string]any{"rows": int64(3), "total": int64(6), "max_amount": 2.5, "label": nil}
	select {
	case m := <-got:
		if !reflect.DeepEqual(m, want) {
			t.Errorf("metrics %v, want %v", m, want)
		}
	case <-ctx.Done():
		t.Fatal("Get did not return after the action")
	}
	// The values stay, and each Get returns a copy.
	m, err := o.Get(ctx)
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("second Get: %v, %v", m, err)
	}
	m["rows"] = int64(0)
	if m2, _ := o.Get(ctx); m2["rows"] != int64(3) {
		t.Error("Get returned the Observation's own map")
	}
	// The session forgets a delivered Observation.
	if n := len(s.observed.byID); n != 0 {
		t.Errorf("%d observations still registered", n)
	}
}

func TestObservationActionWithoutMetrics(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	answerWith(t, srv, int64Batch("id", 1))

	// The action succeeds, but the server sends no metrics.
	o := NewObservation("silent")
	if _, err := s.Range(0, 1, 1).ObserveWith(o, Col("id")).Count(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get(ctx); !errors.Is(err, ErrNoMetrics) {
		t.Errorf("Get after an action without metrics: %v", err)
	}

	// The action fails: Get reports the action's error.
	o = NewObservation("failing")
	df := s.Range(0, 1, 1).ObserveWith(o, Col("id"))
	srv.FailNext(fakeserver.SparkError(codes.Internal, "DIVIDE_BY_ZERO", "22012", "boom", ""))
	if _, err := df.Rows(ctx); err == nil {
		t.Fatal("the action did not fail")
	}
	_, err := o.Get(ctx)
	var se *SparkError
	if !errors.Is(err, ErrNoMetrics) || !errors.As(err, &se) || se.ErrorClass != "DIVIDE_BY_ZERO" {
		t.Errorf("Get after a failed action: %v", err)
	}

	// Running it again with metrics replaces the error.
	scriptMetrics(srv, map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics{
		"failing": {Name: "failing", Keys: []string{"n"}, Values: []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_Long{Long: 1}}}},
	})
	if _, err := df.Rows(ctx); err != nil {
		t.Fatal(err)
	}
	if m, err := o.Get(ctx); err != nil || m["n"] != int64(1) {
		t.Errorf("Get after a second action: %v, %v", m, err)
	}
}

func TestLiteralValue(t *testing.T) {
	scale := int32(4)
	prec := int32(10)
	structType := &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{Fields: []*sparkpb.DataType_StructField{
		{Name: "a", DataType: &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}},
		{Name: "b", DataType: &sparkpb.DataType{Kind: &sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}}}},
	}}}}
	cases := []struct {
		name string
		lit  *sparkpb.Expression_Literal
		want any
	}{
		{"null", &sparkpb.Expression_Literal{}, nil},
		{"bool", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}}), true},
		{"byte", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Byte{Byte: -3}}), int8(-3)},
		{"short", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Short{Short: 300}}), int16(300)},
		{"int", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Integer{Integer: 7}}), int32(7)},
		{"float", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Float{Float: 1.5}}), float32(1.5)},
		{"string", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_String_{String_: "x"}}), "x"},
		{"binary", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Binary{Binary: []byte{1, 2}}}), []byte{1, 2}},
		{"decimal", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{Decimal: &sparkpb.Expression_Literal_Decimal{
			Value: "-12.34", Precision: &prec, Scale: &scale}}}), types.Decimal{Unscaled: big.NewInt(-123400), Scale: 4}},
		{"date", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Date{Date: 1}}), time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"timestamp", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Timestamp{Timestamp: 1_500_000}}), time.Unix(1, 500_000_000).UTC()},
		{"interval", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_DayTimeInterval{DayTimeInterval: 2_000_000}}), 2 * time.Second},
		{"year-month", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_YearMonthInterval{YearMonthInterval: 14}}), types.YearMonthInterval(14)},
		{"array", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Array_{Array: &sparkpb.Expression_Literal_Array{
			Elements: []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_Integer{Integer: 1}}, {}}}}}), []any{int32(1), nil}},
		{"specialized", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_SpecializedArray_{SpecializedArray: &sparkpb.Expression_Literal_SpecializedArray{
			ValueType: &sparkpb.Expression_Literal_SpecializedArray_Longs{Longs: &sparkpb.Longs{Values: []int64{4, 5}}}}}}), []any{int64(4), int64(5)}},
		{"map", (&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Map_{Map: &sparkpb.Expression_Literal_Map{
			Keys:   []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_String_{String_: "k"}}},
			Values: []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_Long{Long: 9}}}}}}), map[any]any{"k": int64(9)}},
		{"struct", (&sparkpb.Expression_Literal{DataType: structType, LiteralType: &sparkpb.Expression_Literal_Struct_{Struct: &sparkpb.Expression_Literal_Struct{
			Elements: []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_Long{Long: 1}}, {LiteralType: &sparkpb.Expression_Literal_String_{String_: "b"}}}}}}),
			rowOf([]string{"a", "b"}, []any{int64(1), "b"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := literalValue(tc.lit, nil)
			if d, ok := tc.want.(types.Decimal); ok {
				g, ok := got.(types.Decimal)
				if !ok || g.Scale != d.Scale || g.Unscaled.Cmp(d.Unscaled) != 0 {
					t.Errorf("got %#v, want %v", got, d)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// A write of an observed DataFrame delivers the metrics from the command's responses; a
// streaming query started over one reports none to the Observation.
func TestObservationWriteAndStream(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	scriptMetrics(srv, map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics{
		"written": {Name: "written", Keys: []string{"rows"}, Values: []*sparkpb.Expression_Literal{{LiteralType: &sparkpb.Expression_Literal_Long{Long: 5}}}},
	})
	o := NewObservation("written")
	if err := s.Range(0, 5, 1).ObserveWith(o, CallFunction("count", Lit(int32(1))).Alias("rows")).Write().Format("parquet").Save(ctx, "/tmp/x"); err != nil {
		t.Fatal(err)
	}
	if m, err := o.Get(ctx); err != nil || m["rows"] != int64(5) {
		t.Errorf("after the write: %v, %v", m, err)
	}

	st := NewObservation("streamed")
	q, err := s.ReadStream().Format("rate").Load().ObserveWith(st, CallFunction("count", Lit(int32(1))).Alias("n")).
		WriteStream().Format("memory").QueryName("obs_stream").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	if _, err := st.Get(ctx); !errors.Is(err, ErrNoMetrics) {
		t.Errorf("Observation of a streaming query: %v", err)
	}
}
