package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestViewPlans(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 3, 1)
	cases := []struct {
		name            string
		create          func(ctx context.Context, name string) error
		global, replace bool
	}{
		{"CreateTempView", df.CreateTempView, false, false},
		{"CreateOrReplaceTempView", df.CreateOrReplaceTempView, false, true},
		{"CreateGlobalTempView", df.CreateGlobalTempView, true, false},
		{"CreateOrReplaceGlobalTempView", df.CreateOrReplaceGlobalTempView, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.create(goldenCtx(t), "v_"+tc.name); err != nil {
				t.Fatal(err)
			}
			got := lastCommand(t, srv).GetCreateDataframeView()
			if got == nil {
				t.Fatal("last command is not create_dataframe_view")
			}
			checkProto(t, "create_dataframe_view", noIDs(got), &sparkpb.CreateDataFrameViewCommand{
				Input: rangeRel(3), Name: "v_" + tc.name, IsGlobal: tc.global, Replace: tc.replace,
			})
		})
	}
}

func TestViewErrors(t *testing.T) {
	srv, s := dialGolden(t)
	var nilDF *DataFrame
	before := sentRequests(srv)
	if err := nilDF.CreateTempView(goldenCtx(t), "v"); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("nil DataFrame: %v", err)
	}
	if err := s.Range(0, 1, 1).Limit(-1).CreateOrReplaceGlobalTempView(goldenCtx(t), "v"); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("bad DataFrame: %v", err)
	}
	if err := (&DataFrame{}).CreateGlobalTempView(goldenCtx(t), "v"); !errors.Is(err, errZeroDataFrame) {
		t.Errorf("zero DataFrame: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
	srv.FailNext(fakeserver.SparkError(codes.Internal, "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", "exists", ""))
	var se *SparkError
	if err := s.Range(0, 1, 1).CreateTempView(goldenCtx(t), "v"); !errors.As(err, &se) || se.ErrorClass != "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS" {
		t.Errorf("view that exists: %v", err)
	}
}

func TestStorageLevels(t *testing.T) {
	cases := []struct {
		l                                   StorageLevel
		name                                string
		disk, memory, offHeap, deserialized bool
		replication                         int
	}{
		{StorageNone, "NONE", false, false, false, false, 1},
		{DiskOnly, "DISK_ONLY", true, false, false, false, 1},
		{DiskOnly2, "DISK_ONLY_2", true, false, false, false, 2},
		{DiskOnly3, "DISK_ONLY_3", true, false, false, false, 3},
		{MemoryOnly, "MEMORY_ONLY", false, true, false, true, 1},
		{MemoryOnly2, "MEMORY_ONLY_2", false, true, false, true, 2},
		{MemoryOnlySer, "MEMORY_ONLY_SER", false, true, false, false, 1},
		{MemoryOnlySer2, "MEMORY_ONLY_SER_2", false, true, false, false, 2},
		{MemoryAndDisk, "MEMORY_AND_DISK", true, true, false, true, 1},
		{MemoryAndDisk2, "MEMORY_AND_DISK_2", true, true, false, true, 2},
		{MemoryAndDiskSer, "MEMORY_AND_DISK_SER", true, true, false, false, 1},
		{MemoryAndDiskSer2, "MEMORY_AND_DISK_SER_2", true, true, false, false, 2},
		{OffHeap, "OFF_HEAP", true, true, true, false, 1},
	}
	for _, tc := range cases {
		l := tc.l
		if l.String() != tc.name || l.UseDisk() != tc.disk || l.UseMemory() != tc.memory || l.UseOffHeap() != tc.offHeap ||
			l.Deserialized() != tc.deserialized || l.Replication() != tc.replication {
			t.Errorf("%s: %v %v %v %v %d", tc.name, l.UseDisk(), l.UseMemory(), l.UseOffHeap(), l.Deserialized(), l.Replication())
		}
		built, err := NewStorageLevel(tc.disk, tc.memory, tc.offHeap, tc.deserialized, tc.replication)
		if err != nil || built != l {
			t.Errorf("NewStorageLevel for %s: %v, %v", tc.name, built, err)
		}
		if back := storageLevelOf(l.proto()); back != l {
			t.Errorf("%s through its proto: %s", tc.name, back)
		}
	}
	l, err := NewStorageLevel(true, false, false, true, 39)
	if err != nil || l.String() != "StorageLevel(disk, deserialized, 39 replicas)" || l.Replication() != 39 {
		t.Errorf("custom level %s, %v", l, err)
	}
	if l, _ := NewStorageLevel(false, false, true, false, 1); l.String() != "StorageLevel(offheap, 1 replicas)" {
		t.Errorf("custom level %s", l)
	}
	for _, bad := range []struct {
		offHeap, deserialized bool
		replication           int
		want                  string
	}{
		{false, false, 0, "replication 0 out of range"},
		{false, false, 40, "replication 40 out of range"},
		{true, true, 1, "off-heap storage cannot be deserialized"},
	} {
		if l, err := NewStorageLevel(true, true, bad.offHeap, bad.deserialized, bad.replication); err == nil || l != StorageNone ||
			!strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewStorageLevel(%v): %s, %v", bad, l, err)
		}
	}
	// A server's level with a replication out of range is clamped; unset means 1.
	for in, want := range map[int32]int{0: 1, -3: 1, 5: 5, 1000: 39} {
		if got := storageLevelOf(&sparkpb.StorageLevel{UseMemory: true, Replication: in}).Replication(); got != want {
			t.Errorf("replication %d read as %d, want %d", in, got, want)
		}
	}
	if storageLevelOf(nil) != StorageNone {
		t.Error("nil level is not StorageNone")
	}
}

func TestCachePlans(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 4, 1)
	lastAnalyze := func(t *testing.T) *sparkpb.AnalyzePlanRequest {
		t.Helper()
		reqs := srv.AnalyzeRequests()
		return reqs[len(reqs)-1]
	}
	ctx := goldenCtx(t)

	if err := df.Persist(ctx, DiskOnly2); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "persist", noIDs(lastAnalyze(t).GetPersist()), &sparkpb.AnalyzePlanRequest_Persist{
		Relation: rangeRel(4), StorageLevel: &sparkpb.StorageLevel{UseDisk: true, Replication: 2},
	})
	if err := df.Cache(ctx); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "cache", noIDs(lastAnalyze(t).GetPersist()), &sparkpb.AnalyzePlanRequest_Persist{
		Relation: rangeRel(4), StorageLevel: &sparkpb.StorageLevel{UseDisk: true, UseMemory: true, Deserialized: true, Replication: 1},
	})
	for _, blocking := range []bool{false, true} {
		if err := df.Unpersist(ctx, blocking); err != nil {
			t.Fatal(err)
		}
		checkProto(t, "unpersist", noIDs(lastAnalyze(t).GetUnpersist()), &sparkpb.AnalyzePlanRequest_Unpersist{
			Relation: rangeRel(4), Blocking: refOf(blocking),
		})
	}

	// The fake answers MEMORY_AND_DISK by default; a scripted answer comes back as given.
	if l, err := df.StorageLevel(ctx); err != nil || l != MemoryAndDisk {
		t.Errorf("storage level %s, %v", l, err)
	}
	checkProto(t, "get storage level", noIDs(lastAnalyze(t).GetGetStorageLevel()),
		&sparkpb.AnalyzePlanRequest_GetStorageLevel{Relation: rangeRel(4)})
	srv.OnAnalyze(func(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		if req.GetGetStorageLevel() == nil {
			return nil, fakeserver.ErrUseDefault
		}
		return &sparkpb.AnalyzePlanResponse{Result: &sparkpb.AnalyzePlanResponse_GetStorageLevel_{
			GetStorageLevel: &sparkpb.AnalyzePlanResponse_GetStorageLevel{StorageLevel: &sparkpb.StorageLevel{Replication: 1}},
		}}, nil
	})
	if l, err := df.StorageLevel(ctx); err != nil || l != StorageNone {
		t.Errorf("storage level %s, %v", l, err)
	}
	srv.OnAnalyze(nil)

	// Errors: invalid levels and DataFrames are refused before anything is sent.
	var nilDF *DataFrame
	before := sentRequests(srv)
	custom, _ := NewStorageLevel(false, true, false, false, 3)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"persist none", df.Persist(ctx, StorageNone), "invalid storage level NONE"},
		{"persist off heap only", df.Persist(ctx, levelOffHeap), "invalid storage level"},
		{"persist replication", df.Persist(ctx, MemoryOnly|40<<replicationShift), "invalid storage level"},
		{"persist deserialized off heap", df.Persist(ctx, OffHeap|levelDeserialized), "invalid storage level"},
		{"persist nil", nilDF.Persist(ctx, custom), ErrNilDataFrame.Error()},
		{"cache bad", df.Limit(-1).Cache(ctx), "negative"},
		{"unpersist nil", nilDF.Unpersist(ctx, true), ErrNilDataFrame.Error()},
		{"storage level zero", func() error { _, err := (&DataFrame{}).StorageLevel(ctx); return err }(), errZeroDataFrame.Error()},
		{"storage level nil", func() error { _, err := nilDF.StorageLevel(ctx); return err }(), ErrNilDataFrame.Error()},
		{"checkpoint nil", func() error { _, err := nilDF.Checkpoint(ctx, true); return err }(), ErrNilDataFrame.Error()},
		{"local checkpoint bad", func() error { _, err := df.Limit(-1).LocalCheckpoint(ctx, true); return err }(), "negative"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}

	srv.FailNext(fakeserver.SparkError(codes.Internal, "INTERNAL_ERROR", "XX000", "boom", ""))
	var se *SparkError
	if _, err := df.StorageLevel(ctx); !errors.As(err, &se) {
		t.Errorf("storage level with a server error: %v", err)
	}
}

func TestCheckpointPlans(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 4, 1)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		cp := req.GetPlan().GetCommand().GetCheckpointCommand()
		if cp == nil {
			return fakeserver.ErrUseDefault
		}
		id := "rel-" + map[bool]string{false: "reliable", true: "local"}[cp.GetLocal()]
		return op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_CheckpointCommandResult{
			CheckpointCommandResult: &sparkpb.CheckpointCommandResult{Relation: &sparkpb.CachedRemoteRelation{RelationId: id}},
		}})
	})
	for _, tc := range []struct {
		name         string
		run          func(ctx context.Context, eager bool) (*DataFrame, error)
		local, eager bool
	}{
		{"Checkpoint eager", df.Checkpoint, false, true},
		{"Checkpoint lazy", df.Checkpoint, false, false},
		{"LocalCheckpoint eager", df.LocalCheckpoint, true, true},
		{"LocalCheckpoint lazy", df.LocalCheckpoint, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := tc.run(goldenCtx(t), tc.eager)
			if err != nil {
				t.Fatal(err)
			}
			checkProto(t, "checkpoint_command", noIDs(lastCommand(t, srv).GetCheckpointCommand()), &sparkpb.CheckpointCommand{
				Relation: rangeRel(4), Local: tc.local, Eager: tc.eager,
			})
			// The DataFrame returned reads the server's cached relation.
			id := "rel-reliable"
			if tc.local {
				id = "rel-local"
			}
			checkPlan(t, srv, cp.Limit(1), limitRel(&sparkpb.Relation{RelType: &sparkpb.Relation_CachedRemoteRelation{
				CachedRemoteRelation: &sparkpb.CachedRemoteRelation{RelationId: id},
			}}, 1))
		})
	}
	// ReleaseCheckpoint asks the server to drop the cached relation.
	cp, err := df.LocalCheckpoint(goldenCtx(t), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.ReleaseCheckpoint(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "remove_cached_remote_relation_command", lastCommand(t, srv).GetRemoveCachedRemoteRelationCommand(),
		&sparkpb.RemoveCachedRemoteRelationCommand{Relation: &sparkpb.CachedRemoteRelation{RelationId: "rel-local"}})
	before := sentRequests(srv)
	var nilDF *DataFrame
	for name, err := range map[string]error{
		"not a checkpoint":  df.ReleaseCheckpoint(goldenCtx(t)),
		"derived DataFrame": cp.Limit(1).ReleaseCheckpoint(goldenCtx(t)),
	} {
		if !errors.Is(err, ErrNotCheckpoint) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := nilDF.ReleaseCheckpoint(goldenCtx(t)); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("nil DataFrame: %v", err)
	}
	if err := df.Limit(-1).ReleaseCheckpoint(goldenCtx(t)); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("bad DataFrame: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}

	// An answer without a relation is an error.
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		return op.Complete()
	})
	if cp, err := df.Checkpoint(goldenCtx(t), true); err == nil || cp != nil || !strings.Contains(err.Error(), "no relation") {
		t.Errorf("checkpoint without a result: %v, %v", cp, err)
	}
	srv.OnExecute(nil)
	srv.FailNext(fakeserver.SparkError(codes.Internal, "CHECKPOINT_DIR_NOT_SET", "XX000", "no dir", ""))
	var se *SparkError
	if _, err := df.Checkpoint(goldenCtx(t), true); !errors.As(err, &se) {
		t.Errorf("checkpoint with a server error: %v", err)
	}
}
