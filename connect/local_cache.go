package connect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Large local relations. CreateDataFrame builds an inline LocalRelation, whatever its
// size, and does no I/O. When a plan is sent, the session replaces each inline relation
// whose Arrow data is at least spark.sql.session.localRelationCacheThreshold bytes with a
// ChunkedCachedLocalRelation, as PySpark 4.1 does: the data is cut into chunks of at most
// localRelationChunkSizeRows rows and about localRelationChunkSizeBytes bytes, each an
// Arrow IPC stream of its own, uploaded as the artifact "cache/<sha-256 of the chunk>"
// (calls of at most localRelationBatchOfChunksSizeBytes bytes each), and the plan names
// the chunks by their hashes. Chunks the server already holds are not sent again.
//
// The settings are read from the server once per session, when the first plan with inline
// data is sent, and read again after RuntimeConfig.Set or Unset changes one of them (a SQL
// SET statement does not count).

// localRelationConfPrefix starts the keys of the settings of local relations.
const localRelationConfPrefix = "spark.sql.session.localRelation"

// localRelationConf holds the settings of local relations.
type localRelationConf struct {
	threshold, chunkRows, chunkBytes, batchBytes int64
}

// defaultLocalRelationConf holds Spark 4.1.2's defaults, for a server that does not report
// a setting.
var defaultLocalRelationConf = localRelationConf{
	threshold:  1 << 20,
	chunkRows:  10000,
	chunkBytes: 16 << 20,
	batchBytes: 1 << 30,
}

// localCache is a session's state of cached local relations.
type localCache struct {
	mu   sync.Mutex
	conf *localRelationConf // nil until read
	// known holds the names of the cache artifacts the server holds for the session.
	known map[string]bool
	// chunked remembers the chunking of data already converted, by the SHA-256 of the
	// inline relation's data and schema, for the settings of conf.
	chunked map[[sha256.Size]byte]*sparkpb.ChunkedCachedLocalRelation
}

// forgetConf makes the next plan read the settings again.
func (c *localCache) forgetConf() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conf, c.chunked = nil, nil
}

// settings returns the settings of local relations, reading them if needed.
func (s *Session) localRelationSettings(ctx context.Context) (localRelationConf, error) {
	s.local.mu.Lock()
	if c := s.local.conf; c != nil {
		s.local.mu.Unlock()
		return *c, nil
	}
	s.local.mu.Unlock()
	keys := []string{"CacheThreshold", "ChunkSizeRows", "ChunkSizeBytes", "BatchOfChunksSizeBytes"}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = localRelationConfPrefix + k
	}
	resp, err := s.wire.Config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetOption{
		GetOption: &sparkpb.ConfigRequest_GetOption{Keys: full},
	}})
	if err != nil {
		return localRelationConf{}, fmt.Errorf("read the settings of local relations: %w", err)
	}
	conf := defaultLocalRelationConf
	dest := []*int64{&conf.threshold, &conf.chunkRows, &conf.chunkBytes, &conf.batchBytes}
	for _, kv := range resp.GetPairs() {
		if kv.Value == nil {
			continue
		}
		for i, k := range full {
			if kv.GetKey() != k {
				continue
			}
			n, err := parseConfSize(kv.GetValue(), i != 1)
			if err != nil || n <= 0 {
				return localRelationConf{}, fmt.Errorf("setting %s: value %q is not a positive size", k, kv.GetValue())
			}
			*dest[i] = n
		}
	}
	s.local.mu.Lock()
	defer s.local.mu.Unlock()
	if s.local.conf == nil || *s.local.conf != conf {
		s.local.chunked = nil
	}
	s.local.conf = &conf
	return conf, nil
}

// parseConfSize parses a count, or with bytes a size as Spark writes them: a number with
// an optional unit (b, k, kb, m, mb, g, gb, t, tb; binary multiples).
func parseConfSize(v string, bytesUnit bool) (int64, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	if bytesUnit {
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"t", 1 << 40}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1}} {
			if strings.HasSuffix(v, u.suffix) {
				v, mult = strings.TrimSuffix(v, u.suffix), u.mult
				break
			}
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// cacheLocalRelations returns msg, or a copy of it in which every inline local relation at
// or above the threshold is replaced by a chunked cached one whose chunks the server
// holds.
func cacheLocalRelations[T proto.Message](ctx context.Context, s *Session, msg T) (T, error) {
	largest := 0
	walkLocalRelations(msg.ProtoReflect(), func(r *sparkpb.Relation) {
		largest = max(largest, len(r.GetLocalRelation().GetData()))
	})
	if largest == 0 {
		return msg, nil
	}
	conf, err := s.localRelationSettings(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	if int64(largest) < conf.threshold {
		return msg, nil
	}
	c := proto.Clone(msg).(T)
	var rels []*sparkpb.Relation
	walkLocalRelations(c.ProtoReflect(), func(r *sparkpb.Relation) {
		if int64(len(r.GetLocalRelation().GetData())) >= conf.threshold {
			rels = append(rels, r)
		}
	})
	for _, r := range rels {
		cached, err := s.cacheLocalRelation(ctx, r.GetLocalRelation(), conf)
		if err != nil {
			var zero T
			return zero, fmt.Errorf("cache local relation: %w", err)
		}
		r.RelType = &sparkpb.Relation_ChunkedCachedLocalRelation{ChunkedCachedLocalRelation: cached}
	}
	return c, nil
}

// walkLocalRelations calls f for each relation in m that is an inline local relation.
func walkLocalRelations(m protoreflect.Message, f func(*sparkpb.Relation)) {
	walkRelations(m, func(r *sparkpb.Relation) {
		if r.GetLocalRelation() != nil {
			f(r)
		}
	})
}

// cacheLocalRelation uploads the chunks of lr that the server does not hold and returns
// the relation that names them.
func (s *Session) cacheLocalRelation(ctx context.Context, lr *sparkpb.LocalRelation, conf localRelationConf) (*sparkpb.ChunkedCachedLocalRelation, error) {
	h := sha256.New()
	h.Write([]byte(lr.GetSchema()))
	h.Write([]byte{0})
	h.Write(lr.GetData())
	var key [sha256.Size]byte
	h.Sum(key[:0])

	s.local.mu.Lock()
	done := s.local.chunked[key]
	s.local.mu.Unlock()

	var chunks [][]byte
	var schema []byte
	if lr.Schema != nil {
		schema = []byte(lr.GetSchema())
	}
	if done == nil {
		var err error
		if chunks, err = s.chunkArrow(lr.GetData(), conf); err != nil {
			return nil, err
		}
		done = &sparkpb.ChunkedCachedLocalRelation{}
		for _, c := range chunks {
			done.DataHashes = append(done.DataHashes, sha256Hex(c))
		}
		if schema != nil {
			sh := sha256Hex(schema)
			done.SchemaHash = &sh
		}
	}
	// Which chunks does the server lack?
	names := make([]string, 0, len(done.DataHashes)+1)
	if done.SchemaHash != nil {
		names = append(names, artifactCachePrefix+done.GetSchemaHash())
	}
	for _, hh := range done.DataHashes {
		names = append(names, artifactCachePrefix+hh)
	}
	var unknown []string
	s.local.mu.Lock()
	for _, n := range names {
		if !s.local.known[n] {
			unknown = append(unknown, n)
		}
	}
	s.local.mu.Unlock()
	missing := map[string]bool{}
	if len(unknown) > 0 {
		held, err := s.ArtifactStatus(ctx, unknown...)
		if err != nil {
			return nil, err
		}
		for _, n := range unknown {
			if !held[n] {
				missing[n] = true
			}
		}
	}
	if len(missing) > 0 {
		if chunks == nil { // converted before, but the server lost chunks: cut again
			var err error
			if chunks, err = s.chunkArrow(lr.GetData(), conf); err != nil {
				return nil, err
			}
		}
		var batch []artifact
		var size int64
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := s.uploadArtifacts(ctx, batch)
			batch, size = nil, 0
			return err
		}
		add := func(data []byte) error {
			name := artifactCachePrefix + sha256Hex(data)
			if !missing[name] {
				return nil
			}
			delete(missing, name) // two equal chunks are sent once
			if len(batch) > 0 && size+int64(len(data)) > conf.batchBytes {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, memArtifact(name, data))
			size += int64(len(data))
			return nil
		}
		if schema != nil {
			if err := add(schema); err != nil {
				return nil, err
			}
		}
		for _, c := range chunks {
			if err := add(c); err != nil {
				return nil, err
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
		// Checked afterwards: the server holds every chunk the plan will name.
		held, err := s.ArtifactStatus(ctx, unknown...)
		if err != nil {
			return nil, err
		}
		for _, n := range unknown {
			if !held[n] {
				return nil, fmt.Errorf("the server does not hold %s after its upload", n)
			}
		}
	}
	s.local.mu.Lock()
	defer s.local.mu.Unlock()
	if s.local.known == nil {
		s.local.known = map[string]bool{}
	}
	for _, n := range names {
		s.local.known[n] = true
	}
	if s.local.chunked == nil {
		s.local.chunked = map[[sha256.Size]byte]*sparkpb.ChunkedCachedLocalRelation{}
	}
	s.local.chunked[key] = done
	return proto.Clone(done).(*sparkpb.ChunkedCachedLocalRelation), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chunkArrow cuts an Arrow IPC stream into streams of at most conf.chunkRows rows and
// about conf.chunkBytes bytes each (at least one row), each with the schema.
func (s *Session) chunkArrow(data []byte, conf localRelationConf) ([][]byte, error) {
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(s.mem))
	if err != nil {
		return nil, fmt.Errorf("read arrow data: %w", err)
	}
	defer rd.Release()
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var rows int64
	for rd.Next() {
		r := rd.RecordBatch()
		r.Retain()
		recs = append(recs, r)
		rows += r.NumRows()
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("read arrow data: %w", err)
	}
	per := conf.chunkRows
	if rows > 0 {
		perRow := max(int64(len(data))/rows, 1)
		per = max(min(per, conf.chunkBytes/perRow), 1)
	}
	var chunks [][]byte
	var buf bytes.Buffer
	var w *ipc.Writer
	inChunk := int64(0)
	finish := func() error {
		if w == nil {
			return nil
		}
		if err := w.Close(); err != nil {
			return err
		}
		chunks = append(chunks, bytes.Clone(buf.Bytes()))
		buf.Reset()
		w, inChunk = nil, 0
		return nil
	}
	for _, r := range recs {
		for off := int64(0); off < r.NumRows(); {
			if w == nil {
				w = ipc.NewWriter(&buf, ipc.WithSchema(rd.Schema()), ipc.WithAllocator(s.mem))
			}
			n := min(per-inChunk, r.NumRows()-off)
			part := r.NewSlice(off, off+n)
			err := w.Write(part)
			part.Release()
			if err != nil {
				w.Close()
				return nil, fmt.Errorf("write arrow chunk: %w", err)
			}
			off += n
			inChunk += n
			if inChunk == per {
				if err := finish(); err != nil {
					return nil, fmt.Errorf("write arrow chunk: %w", err)
				}
			}
		}
	}
	if err := finish(); err != nil {
		return nil, fmt.Errorf("write arrow chunk: %w", err)
	}
	if len(chunks) == 0 { // no rows: one chunk with the schema only
		w := ipc.NewWriter(&buf, ipc.WithSchema(rd.Schema()), ipc.WithAllocator(s.mem))
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("write arrow chunk: %w", err)
		}
		chunks = append(chunks, bytes.Clone(buf.Bytes()))
	}
	return chunks, nil
}
