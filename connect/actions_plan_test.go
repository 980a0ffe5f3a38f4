package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func TestRowActions(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	last := func() *sparkpb.Relation {
		plans := srv.Plans()
		return noIDs(plans[len(plans)-1].GetRoot())
	}

	answerWith(t, srv, int64Batch("id", 0, 1, 2))
	for name, f := range map[string]func(context.Context, int) ([]Row, error){"Head": df.Head, "Take": df.Take} {
		rows, err := f(ctx, 3)
		if err != nil || len(rows) != 3 || rows[2].Value(0) != int64(2) {
			t.Errorf("%s: %v %v", name, rows, err)
		}
		checkProto(t, name, last(), limitRel(rangeRel(10), 3))
	}
	first, err := df.First(ctx)
	if err != nil || first.Value(0) != int64(0) {
		t.Errorf("First: %v %v", first, err)
	}
	checkProto(t, "First", last(), limitRel(rangeRel(10), 1))
	empty, err := df.IsEmpty(ctx)
	if err != nil || empty {
		t.Errorf("IsEmpty: %v %v", empty, err)
	}
	checkProto(t, "IsEmpty", last(), limitRel(rangeRel(10), 1))

	answerWith(t, srv, int64Batch("id"))
	if _, err := df.First(ctx); !errors.Is(err, ErrNoRows) {
		t.Errorf("First of nothing: %v", err)
	}
	if empty, err := df.IsEmpty(ctx); err != nil || !empty {
		t.Errorf("IsEmpty of nothing: %v %v", empty, err)
	}
	before := sentRequests(srv)
	if _, err := df.Head(ctx, -1); err == nil {
		t.Error("Head(-1) worked")
	}
	if _, err := (*DataFrame)(nil).First(ctx); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("First of nil: %v", err)
	}
	if _, err := (&DataFrame{}).IsEmpty(ctx); err == nil {
		t.Error("IsEmpty of the zero DataFrame worked")
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}

func TestAnalysisActions(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	other := s.Table("t")
	last := func() *sparkpb.AnalyzePlanRequest {
		reqs := srv.AnalyzeRequests()
		return &sparkpb.AnalyzePlanRequest{Analyze: noIDs(reqs[len(reqs)-1]).Analyze} // the analysis only
	}
	plan := func(r *sparkpb.Relation) *sparkpb.Plan { return &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: r}} }
	rangePlan := plan(rangeRel(10))
	srv.OnAnalyze(func(_ context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		resp := &sparkpb.AnalyzePlanResponse{}
		switch req.GetAnalyze().(type) {
		case *sparkpb.AnalyzePlanRequest_IsLocal_:
			resp.Result = &sparkpb.AnalyzePlanResponse_IsLocal_{IsLocal: &sparkpb.AnalyzePlanResponse_IsLocal{IsLocal: true}}
		case *sparkpb.AnalyzePlanRequest_InputFiles_:
			resp.Result = &sparkpb.AnalyzePlanResponse_InputFiles_{InputFiles: &sparkpb.AnalyzePlanResponse_InputFiles{Files: []string{"file:/a.parquet", "file:/b.parquet"}}}
		case *sparkpb.AnalyzePlanRequest_SameSemantics_:
			resp.Result = &sparkpb.AnalyzePlanResponse_SameSemantics_{SameSemantics: &sparkpb.AnalyzePlanResponse_SameSemantics{Result: true}}
		case *sparkpb.AnalyzePlanRequest_SemanticHash_:
			resp.Result = &sparkpb.AnalyzePlanResponse_SemanticHash_{SemanticHash: &sparkpb.AnalyzePlanResponse_SemanticHash{Result: -17}}
		case *sparkpb.AnalyzePlanRequest_TreeString_:
			resp.Result = &sparkpb.AnalyzePlanResponse_TreeString_{TreeString: &sparkpb.AnalyzePlanResponse_TreeString{TreeString: "root\n |-- id: long (nullable = false)\n"}}
		default:
			return nil, errors.New("unexpected analysis")
		}
		return resp, nil
	})

	if l, err := df.IsLocal(ctx); err != nil || !l {
		t.Errorf("IsLocal: %v %v", l, err)
	}
	checkProto(t, "IsLocal", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_IsLocal_{IsLocal: &sparkpb.AnalyzePlanRequest_IsLocal{Plan: rangePlan}}})
	if f, err := df.InputFiles(ctx); err != nil || len(f) != 2 || f[1] != "file:/b.parquet" {
		t.Errorf("InputFiles: %v %v", f, err)
	}
	checkProto(t, "InputFiles", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_InputFiles_{InputFiles: &sparkpb.AnalyzePlanRequest_InputFiles{Plan: rangePlan}}})
	if same, err := df.SameSemantics(ctx, other); err != nil || !same {
		t.Errorf("SameSemantics: %v %v", same, err)
	}
	checkProto(t, "SameSemantics", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SameSemantics_{SameSemantics: &sparkpb.AnalyzePlanRequest_SameSemantics{
		TargetPlan: rangePlan, OtherPlan: plan(tableRel("t"))}}})
	if h, err := df.SemanticHash(ctx); err != nil || h != -17 {
		t.Errorf("SemanticHash: %v %v", h, err)
	}
	checkProto(t, "SemanticHash", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SemanticHash_{SemanticHash: &sparkpb.AnalyzePlanRequest_SemanticHash{Plan: rangePlan}}})
	if tree, err := df.PrintSchema(ctx); err != nil || tree != "root\n |-- id: long (nullable = false)\n" {
		t.Errorf("PrintSchema: %q %v", tree, err)
	}
	checkProto(t, "PrintSchema", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_TreeString_{TreeString: &sparkpb.AnalyzePlanRequest_TreeString{Plan: rangePlan}}})
	for level, want := range map[int]*int32{-1: nil, 0: nil, 2: refOf(int32(2)), 1 << 40: refOf(int32(1 << 30))} {
		if _, err := df.TreeString(ctx, level); err != nil {
			t.Fatal(err)
		}
		checkProto(t, "TreeString", last(), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_TreeString_{TreeString: &sparkpb.AnalyzePlanRequest_TreeString{Plan: rangePlan, Level: want}}})
	}

	// Errors of the server, and invalid DataFrames on either side.
	srv.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return nil, errors.New("analysis failed")
	})
	calls := map[string]func(*DataFrame) error{
		"IsLocal":       func(d *DataFrame) error { _, err := d.IsLocal(ctx); return err },
		"InputFiles":    func(d *DataFrame) error { _, err := d.InputFiles(ctx); return err },
		"SameSemantics": func(d *DataFrame) error { _, err := d.SameSemantics(ctx, other); return err },
		"SemanticHash":  func(d *DataFrame) error { _, err := d.SemanticHash(ctx); return err },
		"PrintSchema":   func(d *DataFrame) error { _, err := d.PrintSchema(ctx); return err },
		"Columns":       func(d *DataFrame) error { _, err := d.Columns(ctx); return err },
		"DTypes":        func(d *DataFrame) error { _, err := d.DTypes(ctx); return err },
	}
	for name, call := range calls {
		if err := call(df); err == nil {
			t.Errorf("%s: no error from a failing server", name)
		}
		before := sentRequests(srv)
		for what, bad := range map[string]*DataFrame{"nil": nil, "zero": {}, "invalid": df.Limit(-1)} {
			if err := call(bad); err == nil {
				t.Errorf("%s of %s DataFrame: no error", name, what)
			}
		}
		if n := sentRequests(srv) - before; n != 0 {
			t.Errorf("%s: %d requests sent for invalid DataFrames", name, n)
		}
	}
	if _, err := df.SameSemantics(ctx, nil); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("SameSemantics with nil: %v", err)
	}
}

func TestSchemaActions(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	df := s.Range(0, 10, 1)
	str := func() *sparkpb.DataType {
		return &sparkpb.DataType{Kind: &sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}}}
	}
	long := &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}
	dec := &sparkpb.DataType{Kind: &sparkpb.DataType_Decimal_{Decimal: &sparkpb.DataType_Decimal{Precision: refOf(int32(10)), Scale: refOf(int32(2))}}}
	field := func(name string, t *sparkpb.DataType, nullable bool) *sparkpb.DataType_StructField {
		return &sparkpb.DataType_StructField{Name: name, DataType: t, Nullable: nullable}
	}
	structOf := func(fs ...*sparkpb.DataType_StructField) *sparkpb.DataType {
		return &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{Fields: fs}}}
	}
	schema := structOf(
		field("id", long, false),
		field("price", dec, true),
		field("tags", &sparkpb.DataType{Kind: &sparkpb.DataType_Array_{Array: &sparkpb.DataType_Array{ElementType: str(), ContainsNull: true}}}, true),
		field("m", &sparkpb.DataType{Kind: &sparkpb.DataType_Map_{Map: &sparkpb.DataType_Map{KeyType: str(), ValueType: long}}}, true),
		field("st", structOf(field("a b", long, false), field("c", str(), true)), false),
		field("empty", &sparkpb.DataType{}, true),
	)
	srv.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return &sparkpb.AnalyzePlanResponse{Result: &sparkpb.AnalyzePlanResponse_Schema_{Schema: &sparkpb.AnalyzePlanResponse_Schema{Schema: schema}}}, nil
	})
	cols, err := df.Columns(ctx)
	if err != nil || strings.Join(cols, ",") != "id,price,tags,m,st,empty" {
		t.Errorf("Columns: %v %v", cols, err)
	}
	dt, err := df.DTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []ColumnType{{Name: "id", Type: "bigint"}, {Name: "price", Type: "decimal(10,2)"}, {Name: "tags", Type: "array<string>"},
		{Name: "m", Type: "map<string,bigint>"}, {Name: "st", Type: "struct<a b:bigint,c:string>"}, {Name: "empty", Type: "unknown"}}
	if len(dt) != len(want) {
		t.Fatalf("DTypes: %v", dt)
	}
	for i := range want {
		if dt[i] != want[i] {
			t.Errorf("DTypes[%d] = %v, want %v", i, dt[i], want[i])
		}
	}
	checkProto(t, "Columns", noIDs(srv.AnalyzeRequests()[len(srv.AnalyzeRequests())-1]).GetSchema(),
		&sparkpb.AnalyzePlanRequest_Schema{Plan: &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: rangeRel(10)}}})
	if got := simpleString(nil); got != "unknown" {
		t.Errorf("simpleString(nil) = %q", got)
	}
	var nilStruct *types.StructType
	if got := simpleString(nilStruct); got != "struct<>" {
		t.Errorf("simpleString(nil struct) = %q", got)
	}
}
