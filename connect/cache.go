package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// StorageLevel says where Spark keeps the blocks of a cached DataFrame: in memory, on
// disk, off the JVM heap, as deserialized objects or serialized bytes, and on how many
// executors. Use the named levels (MemoryAndDisk, ...) or NewStorageLevel. Levels are
// comparable values; the zero value is StorageNone, the level of a DataFrame that is not
// cached.
type StorageLevel uint16

const (
	levelDisk StorageLevel = 1 << iota
	levelMemory
	levelOffHeap
	levelDeserialized

	replicationShift = 8
	// maxReplication is one less than Spark's limit of 40 replicas.
	maxReplication = 39
)

// The storage levels Spark names, with the JVM's meaning: the plain memory levels keep
// deserialized objects, the "Ser" levels serialized bytes; a final 2 or 3 is the number of
// replicas.
const (
	// StorageNone keeps nothing: the level of a DataFrame that is not cached.
	StorageNone StorageLevel = 0
	// DiskOnly keeps serialized blocks on disk.
	DiskOnly = levelDisk
	// DiskOnly2 is DiskOnly on two executors.
	DiskOnly2 = DiskOnly | 1<<replicationShift
	// DiskOnly3 is DiskOnly on three executors.
	DiskOnly3 = DiskOnly | 2<<replicationShift
	// MemoryOnly keeps deserialized objects in memory and recomputes what does not fit.
	MemoryOnly = levelMemory | levelDeserialized
	// MemoryOnly2 is MemoryOnly on two executors.
	MemoryOnly2 = MemoryOnly | 1<<replicationShift
	// MemoryOnlySer keeps serialized bytes in memory.
	MemoryOnlySer = levelMemory
	// MemoryOnlySer2 is MemoryOnlySer on two executors.
	MemoryOnlySer2 = MemoryOnlySer | 1<<replicationShift
	// MemoryAndDisk keeps deserialized objects in memory and spills what does not fit to
	// disk: the level of Cache.
	MemoryAndDisk = levelDisk | levelMemory | levelDeserialized
	// MemoryAndDisk2 is MemoryAndDisk on two executors.
	MemoryAndDisk2 = MemoryAndDisk | 1<<replicationShift
	// MemoryAndDiskSer keeps serialized bytes in memory and spills to disk.
	MemoryAndDiskSer = levelDisk | levelMemory
	// MemoryAndDiskSer2 is MemoryAndDiskSer on two executors.
	MemoryAndDiskSer2 = MemoryAndDiskSer | 1<<replicationShift
	// OffHeap keeps serialized bytes in off-heap memory (spark.memory.offHeap.enabled) and
	// on disk.
	OffHeap = levelDisk | levelMemory | levelOffHeap
)

// NewStorageLevel returns the level with the given settings. replication is between 1 and
// 39, and off-heap storage cannot be deserialized, as in Spark.
func NewStorageLevel(useDisk, useMemory, useOffHeap, deserialized bool, replication int) (StorageLevel, error) {
	if replication < 1 || replication > maxReplication {
		return StorageNone, fmt.Errorf("storage level: replication %d out of range (1 to %d)", replication, maxReplication)
	}
	if useOffHeap && deserialized {
		return StorageNone, errors.New("storage level: off-heap storage cannot be deserialized")
	}
	var l StorageLevel
	for _, f := range []struct {
		on  bool
		bit StorageLevel
	}{{useDisk, levelDisk}, {useMemory, levelMemory}, {useOffHeap, levelOffHeap}, {deserialized, levelDeserialized}} {
		if f.on {
			l |= f.bit
		}
	}
	return l | StorageLevel(replication-1)<<replicationShift, nil
}

// UseDisk reports whether the level keeps blocks on disk.
func (l StorageLevel) UseDisk() bool { return l&levelDisk != 0 }

// UseMemory reports whether the level keeps blocks in memory.
func (l StorageLevel) UseMemory() bool { return l&levelMemory != 0 }

// UseOffHeap reports whether the level keeps blocks in off-heap memory.
func (l StorageLevel) UseOffHeap() bool { return l&levelOffHeap != 0 }

// Deserialized reports whether the level keeps deserialized objects rather than bytes.
func (l StorageLevel) Deserialized() bool { return l&levelDeserialized != 0 }

// Replication returns the number of executors that keep each block (at least 1).
func (l StorageLevel) Replication() int { return int(l>>replicationShift) + 1 }

// String returns Spark's name of a named level ("MEMORY_AND_DISK"), or the settings of
// another ("StorageLevel(disk, memory, 3 replicas)").
func (l StorageLevel) String() string {
	switch l {
	case StorageNone:
		return "NONE"
	case DiskOnly:
		return "DISK_ONLY"
	case DiskOnly2:
		return "DISK_ONLY_2"
	case DiskOnly3:
		return "DISK_ONLY_3"
	case MemoryOnly:
		return "MEMORY_ONLY"
	case MemoryOnly2:
		return "MEMORY_ONLY_2"
	case MemoryOnlySer:
		return "MEMORY_ONLY_SER"
	case MemoryOnlySer2:
		return "MEMORY_ONLY_SER_2"
	case MemoryAndDisk:
		return "MEMORY_AND_DISK"
	case MemoryAndDisk2:
		return "MEMORY_AND_DISK_2"
	case MemoryAndDiskSer:
		return "MEMORY_AND_DISK_SER"
	case MemoryAndDiskSer2:
		return "MEMORY_AND_DISK_SER_2"
	case OffHeap:
		return "OFF_HEAP"
	}
	var parts []string
	for _, f := range []struct {
		on   bool
		name string
	}{{l.UseDisk(), "disk"}, {l.UseMemory(), "memory"}, {l.UseOffHeap(), "offheap"}, {l.Deserialized(), "deserialized"}} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	parts = append(parts, fmt.Sprintf("%d replicas", l.Replication()))
	return "StorageLevel(" + strings.Join(parts, ", ") + ")"
}

func (l StorageLevel) proto() *sparkpb.StorageLevel {
	return &sparkpb.StorageLevel{UseDisk: l.UseDisk(), UseMemory: l.UseMemory(), UseOffHeap: l.UseOffHeap(),
		Deserialized: l.Deserialized(), Replication: int32(l.Replication())}
}

// storageLevelOf converts the server's level; a replication out of range is clamped.
func storageLevelOf(p *sparkpb.StorageLevel) StorageLevel {
	var l StorageLevel
	if p.GetUseDisk() {
		l |= levelDisk
	}
	if p.GetUseMemory() {
		l |= levelMemory
	}
	if p.GetUseOffHeap() {
		l |= levelOffHeap
	}
	if p.GetDeserialized() {
		l |= levelDeserialized
	}
	r := min(max(int(p.GetReplication()), 1), maxReplication)
	return l | StorageLevel(r-1)<<replicationShift
}

// Persist marks the DataFrame to be cached at level: the first action that computes it
// stores its blocks, and later queries over the same plan read them. Persisting a
// DataFrame that is already cached keeps its first level. The level must use memory or
// disk.
func (df *DataFrame) Persist(ctx context.Context, level StorageLevel) error {
	if err := df.Err(); err != nil {
		return err
	}
	if !level.UseMemory() && !level.UseDisk() || level>>replicationShift >= maxReplication || level.UseOffHeap() && level.Deserialized() {
		return fmt.Errorf("persist: invalid storage level %s", level)
	}
	_, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_Persist_{
		Persist: &sparkpb.AnalyzePlanRequest_Persist{Relation: df.rel, StorageLevel: level.proto()},
	}})
	return err
}

// Cache persists the DataFrame at MemoryAndDisk, Spark's default level.
func (df *DataFrame) Cache(ctx context.Context) error { return df.Persist(ctx, MemoryAndDisk) }

// Unpersist removes the DataFrame from the cache; with blocking it returns once all its
// blocks are deleted. Unpersisting a DataFrame that is not cached does nothing.
func (df *DataFrame) Unpersist(ctx context.Context, blocking bool) error {
	if err := df.Err(); err != nil {
		return err
	}
	_, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_Unpersist_{
		Unpersist: &sparkpb.AnalyzePlanRequest_Unpersist{Relation: df.rel, Blocking: &blocking},
	}})
	return err
}

// StorageLevel returns the level the DataFrame is cached at, StorageNone if it is not.
func (df *DataFrame) StorageLevel(ctx context.Context) (StorageLevel, error) {
	if err := df.Err(); err != nil {
		return StorageNone, err
	}
	resp, err := df.s.analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_GetStorageLevel_{
		GetStorageLevel: &sparkpb.AnalyzePlanRequest_GetStorageLevel{Relation: df.rel},
	}})
	if err != nil {
		return StorageNone, err
	}
	return storageLevelOf(resp.GetGetStorageLevel().GetStorageLevel()), nil
}

// Checkpoint saves the DataFrame's rows to the server's checkpoint directory
// (spark.checkpoint.dir) and returns a DataFrame that reads them, with its lineage cut:
// useful for iterative plans that grow too long. With eager the rows are computed now,
// otherwise by the first action over the returned DataFrame. The server keeps the
// checkpoint until ReleaseCheckpoint or the end of the session.
func (df *DataFrame) Checkpoint(ctx context.Context, eager bool) (*DataFrame, error) {
	return df.checkpoint(ctx, false, eager)
}

// LocalCheckpoint is Checkpoint that keeps the rows in the executors' block managers
// instead of a reliable directory: faster, but lost with an executor. Release it with
// ReleaseCheckpoint.
func (df *DataFrame) LocalCheckpoint(ctx context.Context, eager bool) (*DataFrame, error) {
	return df.checkpoint(ctx, true, eager)
}

func (df *DataFrame) checkpoint(ctx context.Context, local, eager bool) (*DataFrame, error) {
	if err := df.Err(); err != nil {
		return nil, err
	}
	resps, err := df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_CheckpointCommand{
		CheckpointCommand: &sparkpb.CheckpointCommand{Relation: df.rel, Local: local, Eager: eager},
	}})
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		if id := r.GetCheckpointCommandResult().GetRelation().GetRelationId(); id != "" {
			return df.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_CachedRemoteRelation{
				CachedRemoteRelation: &sparkpb.CachedRemoteRelation{RelationId: id},
			}}), nil
		}
	}
	return nil, errors.New("spark connect: checkpoint: the server returned no relation")
}

// ErrNotCheckpoint is the error of ReleaseCheckpoint on a DataFrame that Checkpoint or
// LocalCheckpoint did not return.
var ErrNotCheckpoint = errors.New("spark connect: not a DataFrame returned by Checkpoint or LocalCheckpoint")

// ReleaseCheckpoint lets the server drop a DataFrame returned by Checkpoint or
// LocalCheckpoint, and the rows it holds, before the session ends (Spark's other clients
// do this when their DataFrame object is garbage collected). Afterwards queries over the
// DataFrame, and over the DataFrames derived from it, fail. Releasing twice does nothing.
func (df *DataFrame) ReleaseCheckpoint(ctx context.Context) error {
	if err := df.Err(); err != nil {
		return err
	}
	cached := df.rel.GetCachedRemoteRelation()
	if cached == nil {
		return ErrNotCheckpoint
	}
	_, err := df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_RemoveCachedRemoteRelationCommand{
		RemoveCachedRemoteRelationCommand: &sparkpb.RemoveCachedRemoteRelationCommand{
			Relation: &sparkpb.CachedRemoteRelation{RelationId: cached.GetRelationId()},
		},
	}})
	return err
}
