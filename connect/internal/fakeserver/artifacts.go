package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// artifactState is what the server knows of artifacts: what each session holds, and the
// faults a test scripted for the next AddArtifacts calls.
type artifactState struct {
	stored map[string]map[string][]byte // session id -> artifact name -> content
	// streamFaults end the next AddArtifacts streams: each after its number of requests.
	streamFaults []cut
	// badChunks is how many of the next chunks the server treats as failing their CRC.
	badChunks int
}

// artifacts returns the artifact state, creating it; s.mu must be held.
func (s *Server) artifacts() *artifactState {
	if s.art == nil {
		s.art = &artifactState{stored: map[string]map[string][]byte{}}
	}
	return s.art
}

// FailArtifactStreams makes each of the next n AddArtifacts calls fail with err when its
// request number afterRequests+1 arrives (that request is recorded too); whatever the call
// carried is discarded, as a server does with a call that failed. A status error with codes.Unavailable looks
// like a transport failure, which a client retries.
func (s *Server) FailArtifactStreams(n, afterRequests int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.artifacts()
	for range n {
		a.streamFaults = append(a.streamFaults, cut{after: afterRequests, err: err})
	}
}

// CorruptChunks makes the server treat the next n chunks it receives (a single-chunk
// artifact of a batch counts as one) as if their CRC did not match: the artifact they
// belong to is discarded and its summary says is_crc_successful false, as on Spark.
func (s *Server) CorruptChunks(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.artifacts().badChunks += n
}

// Artifacts returns a copy of the artifacts a session holds, by name.
func (s *Server) Artifacts(sessionID string) map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range s.artifacts().stored[sessionID] {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// AddArtifactsRequests returns the AddArtifacts requests received, in arrival order
// (copies), including those of calls that failed.
func (s *Server) AddArtifactsRequests() []*sparkpb.AddArtifactsRequest {
	return requestsOf[*sparkpb.AddArtifactsRequest](s)
}

// ArtifactStatusRequests returns the ArtifactStatus requests received, in arrival order
// (copies).
func (s *Server) ArtifactStatusRequests() []*sparkpb.ArtifactStatusesRequest {
	return requestsOf[*sparkpb.ArtifactStatusesRequest](s)
}

// badChunk reports whether the next chunk is to fail its CRC, and counts it.
func (s *Server) badChunk() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.artifacts()
	if a.badChunks > 0 {
		a.badChunks--
		return true
	}
	return false
}

func (s *Server) takeArtifactFault() *cut {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.artifacts()
	if len(a.streamFaults) == 0 {
		return nil
	}
	c := a.streamFaults[0]
	a.streamFaults = a.streamFaults[1:]
	return &c
}

// chunkOK checks a chunk's CRC (CRC-32, IEEE, of its data, as Spark computes it).
func (s *Server) chunkOK(c *sparkpb.AddArtifactsRequest_ArtifactChunk) bool {
	ok := int64(crc32.ChecksumIEEE(c.GetData())) == c.GetCrc()
	return !s.badChunk() && ok
}

// validArtifactName checks a name as Spark does: relative, without "..", and under one
// of the prefixes Spark knows.
func validArtifactName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return fmt.Errorf("invalid artifact name %q", name)
	}
	for _, p := range []string{"jars/", "files/", "archives/", "pyfiles/", "cache/", "classes/", "forward_to_fs/"} {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return nil
		}
	}
	return fmt.Errorf("invalid artifact name %q: unknown prefix", name)
}

// AddArtifacts implements the AddArtifacts RPC: single-chunk artifacts in batches and
// chunked artifacts (begin_chunk, then chunk until num_chunks), each chunk checked
// against its CRC. Artifacts of a call that fails are discarded.
func (s *Server) AddArtifacts(stream grpc.ClientStreamingServer[sparkpb.AddArtifactsRequest, sparkpb.AddArtifactsResponse]) error {
	fault := s.takeArtifactFault()
	received := map[string][]byte{}
	var summaries []*sparkpb.AddArtifactsResponse_ArtifactSummary
	summary := func(name string, ok bool) {
		summaries = append(summaries, &sparkpb.AddArtifactsResponse_ArtifactSummary{Name: name, IsCrcSuccessful: ok})
	}
	// The chunked artifact in progress.
	var (
		pending     string
		pendingData []byte
		pendingOK   bool
		left        int64
		total       int64
	)
	session := ""
	n := 0
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
		if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
			return err
		}
		if fault != nil && n > fault.after {
			return fault.err
		}
		if session == "" {
			session = req.GetSessionId()
		} else if session != req.GetSessionId() {
			return status.Error(codes.InvalidArgument, "session id changed within one AddArtifacts call")
		}
		switch p := req.GetPayload().(type) {
		case *sparkpb.AddArtifactsRequest_Batch_:
			if pending != "" {
				return status.Errorf(codes.InvalidArgument, "batch while chunked artifact %s is incomplete", pending)
			}
			for _, a := range p.Batch.GetArtifacts() {
				if err := validArtifactName(a.GetName()); err != nil {
					return status.Error(codes.InvalidArgument, err.Error())
				}
				ok := s.chunkOK(a.GetData())
				if ok {
					received[a.GetName()] = append([]byte(nil), a.GetData().GetData()...)
				}
				summary(a.GetName(), ok)
			}
		case *sparkpb.AddArtifactsRequest_BeginChunk:
			b := p.BeginChunk
			if pending != "" {
				return status.Errorf(codes.InvalidArgument, "begin_chunk while chunked artifact %s is incomplete", pending)
			}
			if err := validArtifactName(b.GetName()); err != nil {
				return status.Error(codes.InvalidArgument, err.Error())
			}
			if b.GetNumChunks() < 1 {
				return status.Errorf(codes.InvalidArgument, "artifact %s: num_chunks %d", b.GetName(), b.GetNumChunks())
			}
			pending, total, left = b.GetName(), b.GetTotalBytes(), b.GetNumChunks()-1
			pendingOK = s.chunkOK(b.GetInitialChunk())
			pendingData = append([]byte(nil), b.GetInitialChunk().GetData()...)
		case *sparkpb.AddArtifactsRequest_Chunk:
			if pending == "" || left == 0 {
				return status.Error(codes.InvalidArgument, "chunk without a chunked artifact in progress")
			}
			if !s.chunkOK(p.Chunk) {
				pendingOK = false
			}
			pendingData = append(pendingData, p.Chunk.GetData()...)
			left--
		default:
			return status.Error(codes.InvalidArgument, "AddArtifacts request without payload")
		}
		if pending != "" && left == 0 {
			if int64(len(pendingData)) != total {
				return status.Errorf(codes.InvalidArgument, "artifact %s: %d bytes received, total_bytes %d", pending, len(pendingData), total)
			}
			if pendingOK {
				received[pending] = pendingData
			}
			summary(pending, pendingOK)
			pending, pendingData = "", nil
		}
	}
	if pending != "" {
		return status.Errorf(codes.InvalidArgument, "artifact %s: stream ended with %d chunks missing", pending, left)
	}
	s.mu.Lock()
	a := s.artifacts()
	if a.stored[session] == nil {
		a.stored[session] = map[string][]byte{}
	}
	maps.Copy(a.stored[session], received)
	id := s.serverSideID
	s.mu.Unlock()
	return stream.SendAndClose(&sparkpb.AddArtifactsResponse{SessionId: session, ServerSideSessionId: id, Artifacts: summaries})
}

// ArtifactStatus implements the ArtifactStatus RPC. Like Spark 4.1, it reports only
// artifacts of the cache/ prefix as existing; every other name is reported missing.
func (s *Server) ArtifactStatus(_ context.Context, req *sparkpb.ArtifactStatusesRequest) (*sparkpb.ArtifactStatusesResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.artifacts().stored[req.GetSessionId()]
	resp := &sparkpb.ArtifactStatusesResponse{
		SessionId: req.GetSessionId(), ServerSideSessionId: s.serverSideID,
		Statuses: map[string]*sparkpb.ArtifactStatusesResponse_ArtifactStatus{},
	}
	for _, name := range req.GetNames() {
		_, ok := held[name]
		resp.Statuses[name] = &sparkpb.ArtifactStatusesResponse_ArtifactStatus{Exists: ok && strings.HasPrefix(name, "cache/")}
	}
	return resp, nil
}
