package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Artifacts are files shipped from the client to the server's session (Spark Connect's
// AddArtifacts call): jars join the session's class path, so that JVM UDFs and JDBC
// drivers in them can be used; files and archives are added as with SparkContext.addFile
// and addArchive; a file copied to the server's file system goes through the same call.
// An artifact's name says what it is: "jars/x.jar", "files/x.csv", "archives/x.zip",
// "cache/<sha-256>" (data the session caches, such as large local relations) and
// "forward_to_fs/<absolute path>".
//
// The content travels in chunks of 32 KiB, each with its CRC-32, which the server checks:
// artifacts of up to 32 KiB share one request (a batch), larger ones take one request per
// chunk. An artifact whose CRC fails on the server is sent again, up to
// artifactCRCAttempts times in all; a call that fails for a transient reason is made again
// as a whole under the session's retry policy.

// artifactChunkSize is the size of the chunks an artifact's content is sent in, and the
// largest total of a batch of small artifacts.
const artifactChunkSize = 32 << 10

// artifactCRCAttempts is how often an artifact whose CRC the server rejected is sent.
const artifactCRCAttempts = 3

// Prefixes of artifact names, as Spark's clients name them.
const (
	artifactJarPrefix     = "jars/"
	artifactFilePrefix    = "files/"
	artifactArchivePrefix = "archives/"
	artifactCachePrefix   = "cache/"
	artifactForwardPrefix = "forward_to_fs"
)

// ErrArtifactCRC is wrapped by the error of an upload whose artifacts failed the server's
// CRC check every time they were sent: the data was corrupted on its way.
var ErrArtifactCRC = errors.New("spark connect: artifact failed the server's CRC check")

// artifact is one artifact to upload: its name and a way to read its content.
type artifact struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

// fileArtifact checks that p is a readable regular file and returns it as an artifact
// named prefix + name.
func fileArtifact(p, name string) (artifact, error) {
	f, err := os.Open(p)
	if err != nil {
		return artifact{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return artifact{}, err
	}
	if !st.Mode().IsRegular() {
		return artifact{}, fmt.Errorf("%s is not a regular file", p)
	}
	return artifact{name: name, size: st.Size(), open: func() (io.ReadCloser, error) { return os.Open(p) }}, nil
}

// memArtifact returns data as an artifact.
func memArtifact(name string, data []byte) artifact {
	return artifact{name: name, size: int64(len(data)), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// AddArtifacts uploads jars (local paths of files named *.jar) to the session: they join
// its class path on the server, where JVM UDFs ([Session.RegisterJavaUDF]) and JDBC drivers
// in them can be loaded. Each jar is named "jars/<file name>" on the server. Every path is
// checked before anything is sent; ctx bounds the whole upload.
func (s *Session) AddArtifacts(ctx context.Context, paths ...string) error {
	return s.addLocalFiles(ctx, "add artifacts", artifactJarPrefix, paths, func(name string) error {
		if !strings.HasSuffix(name, ".jar") {
			return fmt.Errorf("%s is not a jar: AddArtifacts takes jars; use AddFiles or AddArchives for other files", name)
		}
		return nil
	})
}

// AddFiles uploads local files to the session, named "files/<file name>" on the server,
// as SparkContext.addFile makes them available to the session's tasks (SparkFiles).
func (s *Session) AddFiles(ctx context.Context, paths ...string) error {
	return s.addLocalFiles(ctx, "add files", artifactFilePrefix, paths, nil)
}

// AddArchives uploads local archives (.zip, .jar, .tar.gz, .tgz, .tar) to the session,
// named "archives/<file name>" on the server, which unpacks them for the session's tasks.
func (s *Session) AddArchives(ctx context.Context, paths ...string) error {
	return s.addLocalFiles(ctx, "add archives", artifactArchivePrefix, paths, func(name string) error {
		for _, ext := range []string{".zip", ".jar", ".tar.gz", ".tgz", ".tar"} {
			if strings.HasSuffix(name, ext) {
				return nil
			}
		}
		return fmt.Errorf("%s is not an archive (.zip, .jar, .tar.gz, .tgz or .tar)", name)
	})
}

func (s *Session) addLocalFiles(ctx context.Context, op, prefix string, paths []string, check func(name string) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%s: no paths", op)
	}
	arts := make([]artifact, 0, len(paths))
	seen := map[string]string{}
	for _, p := range paths {
		name := filepath.Base(p)
		if p == "" || name == "." || name == string(filepath.Separator) {
			return fmt.Errorf("%s: %q is not a file path", op, p)
		}
		if other, ok := seen[name]; ok {
			return fmt.Errorf("%s: %s and %s would have the same name on the server, %s", op, other, p, prefix+name)
		}
		seen[name] = p
		if check != nil {
			if err := check(name); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
		}
		a, err := fileArtifact(p, prefix+name)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		arts = append(arts, a)
	}
	if err := s.uploadArtifacts(ctx, arts); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// CopyFromLocalToFS copies a local file to dest, an absolute path without a scheme on the
// server's default file system (Hadoop's fs.defaultFS). When that file system is the
// server's local disk, Spark refuses the copy unless the static setting
// spark.connect.copyFromLocalToFs.allowDestLocal or the session's
// spark.sql.artifact.copyFromLocalToFs.allowDestLocal is true. It is meant for tests and
// development.
func (s *Session) CopyFromLocalToFS(ctx context.Context, local, dest string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if u, err := url.Parse(dest); err != nil || u.Scheme != "" {
		return fmt.Errorf("copy to file system: destination %q must be a path without a scheme", dest)
	}
	if !path.IsAbs(dest) || path.Clean(dest) != dest || dest == "/" {
		return fmt.Errorf("copy to file system: destination %q must be a clean absolute path", dest)
	}
	a, err := fileArtifact(local, artifactForwardPrefix+dest)
	if err != nil {
		return fmt.Errorf("copy to file system: %w", err)
	}
	if err := s.uploadArtifacts(ctx, []artifact{a}); err != nil {
		return fmt.Errorf("copy to file system: %w", err)
	}
	return nil
}

// ArtifactStatus asks the server whether the session holds the named artifacts (names
// with their prefix, e.g. "cache/<sha-256>"). Spark 4.1 answers only for cached data (the
// "cache/" prefix); it reports every other artifact, jars included, as missing.
func (s *Session) ArtifactStatus(ctx context.Context, names ...string) (map[string]bool, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	resp, err := s.wire.ArtifactStatus(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = resp.GetStatuses()[n].GetExists()
	}
	return out, nil
}

// uploadArtifacts sends arts in one AddArtifacts call, then again those the server
// rejected for their CRC.
func (s *Session) uploadArtifacts(ctx context.Context, arts []artifact) error {
	for attempt := 1; ; attempt++ {
		resp, err := s.wire.AddArtifacts(ctx, func(send func(*sparkpb.AddArtifactsRequest) error) error {
			return writeArtifacts(arts, send)
		})
		if err != nil {
			return err
		}
		ok := map[string]bool{}
		for _, sum := range resp.GetArtifacts() {
			ok[sum.GetName()] = sum.GetIsCrcSuccessful()
		}
		var failed []artifact
		var missing []string
		for _, a := range arts {
			good, seen := ok[a.name]
			switch {
			case !seen:
				missing = append(missing, a.name)
			case !good:
				failed = append(failed, a)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("the server did not confirm artifacts %s", strings.Join(missing, ", "))
		}
		if len(failed) == 0 {
			return nil
		}
		if attempt == artifactCRCAttempts {
			names := make([]string, len(failed))
			for i, a := range failed {
				names[i] = a.name
			}
			sort.Strings(names)
			return fmt.Errorf("%w: %s (sent %d times)", ErrArtifactCRC, strings.Join(names, ", "), attempt)
		}
		arts = failed
	}
}

// writeArtifacts sends arts: runs of small artifacts as batches of up to
// artifactChunkSize bytes, each larger one as begin_chunk and chunks.
func writeArtifacts(arts []artifact, send func(*sparkpb.AddArtifactsRequest) error) error {
	var batch []*sparkpb.AddArtifactsRequest_SingleChunkArtifact
	batchSize := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		req := &sparkpb.AddArtifactsRequest{Payload: &sparkpb.AddArtifactsRequest_Batch_{
			Batch: &sparkpb.AddArtifactsRequest_Batch{Artifacts: batch},
		}}
		batch, batchSize = nil, 0
		return send(req)
	}
	for _, a := range arts {
		if a.size > artifactChunkSize {
			if err := flush(); err != nil {
				return err
			}
			if err := writeChunked(a, send); err != nil {
				return err
			}
			continue
		}
		data, err := readAll(a)
		if err != nil {
			return err
		}
		if batchSize+len(data) > artifactChunkSize {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, &sparkpb.AddArtifactsRequest_SingleChunkArtifact{Name: a.name, Data: chunkOf(data)})
		batchSize += len(data)
	}
	return flush()
}

func chunkOf(data []byte) *sparkpb.AddArtifactsRequest_ArtifactChunk {
	return &sparkpb.AddArtifactsRequest_ArtifactChunk{Data: data, Crc: int64(crc32.ChecksumIEEE(data))}
}

// readAll reads a small artifact, which must still have the size it had when checked.
func readAll(a artifact) ([]byte, error) {
	r, err := a.open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, a.size+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", a.name, err)
	}
	if int64(len(data)) != a.size {
		return nil, fmt.Errorf("artifact %s changed size while it was sent (%d bytes, was %d)", a.name, len(data), a.size)
	}
	return data, nil
}

// writeChunked sends a large artifact as begin_chunk (with the first chunk) and chunks.
func writeChunked(a artifact, send func(*sparkpb.AddArtifactsRequest) error) error {
	r, err := a.open()
	if err != nil {
		return err
	}
	defer r.Close()
	n := (a.size + artifactChunkSize - 1) / artifactChunkSize
	var sent int64
	// gRPC encodes a message before Send returns, so one buffer serves every chunk.
	full := make([]byte, artifactChunkSize)
	for i := int64(0); i < n; i++ {
		size := min(artifactChunkSize, a.size-sent)
		buf := full[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("artifact %s changed size while it was sent: %w", a.name, err)
		}
		sent += size
		var req *sparkpb.AddArtifactsRequest
		if i == 0 {
			req = &sparkpb.AddArtifactsRequest{Payload: &sparkpb.AddArtifactsRequest_BeginChunk{
				BeginChunk: &sparkpb.AddArtifactsRequest_BeginChunkedArtifact{
					Name: a.name, TotalBytes: a.size, NumChunks: n, InitialChunk: chunkOf(buf),
				},
			}}
		} else {
			req = &sparkpb.AddArtifactsRequest{Payload: &sparkpb.AddArtifactsRequest_Chunk{Chunk: chunkOf(buf)}}
		}
		if err := send(req); err != nil {
			return err
		}
	}
	if k, _ := r.Read(make([]byte, 1)); k > 0 {
		return fmt.Errorf("artifact %s changed size while it was sent (more than %d bytes)", a.name, a.size)
	}
	return nil
}
