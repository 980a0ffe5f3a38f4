package wire

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// executeCodec is the gRPC codec of the ExecutePlan and ReattachExecute calls of one
// Execution, set per call (grpc.ForceCodecV2) rather than registered. It decodes an
// ExecutePlanResponse with one copy of its bytes instead of two: gRPC hands a message over
// as the HTTP/2 frames it arrived in (16 KiB each), which the codec copies into one slice,
// and the Arrow data of an ArrowBatch is then a sub-slice of that slice rather than a second
// copy made by proto.Unmarshal (protobuf-go copies every bytes field: its
// UnmarshalAliasBuffer flag only reaches lazily decoded messages, and none of Spark's are).
// Every other field is decoded by proto.Unmarshal, which copies, so the message is the one
// proto.Unmarshal would give (execute_codec_test.go checks it) and only ArrowBatch.Data
// refers to the slice.
//
// Lifetime. gRPC's buffers are not referenced once Unmarshal returns. The slice of a large
// response with an ArrowBatch comes from the client's msgPool and is held by a msgBuf with
// one reference, the response's, which the codec hands to the Execution (take). Only
// Execution.DecodeBatch drops that reference, after giving each decoded Arrow body one of
// its own: the slice goes back to the pool when the last array decoded from it is released
// (arrow's reference counts), never earlier. A response nobody decodes that way keeps its
// slice, which the garbage collector frees like any other. Smaller responses, and responses
// without Arrow data (whose slice nothing refers to after decoding), go back at once or are
// plain Go memory.
//
// Requests, and responses of any other type, are encoded and decoded as gRPC's default
// codec does.
type executeCodec struct {
	pool *msgPool // nil: every slice is plain Go memory
	// last is the buffer of the last response decoded, until take; Unmarshal runs on the
	// goroutine that receives, which takes it right after.
	last *msgBuf
}

var _ encoding.CodecV2 = (*executeCodec)(nil)

// take returns the buffer of the response decoded last, if it came from the pool, and
// forgets it.
func (c *executeCodec) take() *msgBuf {
	mb := c.last
	c.last = nil
	return mb
}

// Name implements encoding.CodecV2. It is the content-subtype the call announces
// ("application/grpc+proto"): the bytes on the wire are protobuf's.
func (*executeCodec) Name() string { return "proto" }

// Marshal implements encoding.CodecV2.
func (*executeCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("spark connect: marshal: %T is not a protobuf message", v)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

// Unmarshal implements encoding.CodecV2.
func (c *executeCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *sparkpb.ExecutePlanResponse:
		c.last = nil
		b, mb := c.pool.materialize(data)
		err := unmarshalExecuteResponse(b, m)
		if mb != nil {
			if err == nil && len(m.GetArrowBatch().GetData()) > 0 {
				c.last = mb
			} else {
				mb.release() // nothing refers to it
			}
		}
		return err
	case proto.Message:
		buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
		defer buf.Free()
		return proto.Unmarshal(buf.ReadOnlyData(), m)
	}
	return fmt.Errorf("spark connect: unmarshal: %T is not a protobuf message", v)
}

// Field numbers of the messages the codec walks (spark/connect/base.proto).
const (
	fieldArrowBatch     protowire.Number = 2 // ExecutePlanResponse.arrow_batch
	fieldArrowBatchData protowire.Number = 2 // ExecutePlanResponse.ArrowBatch.data
)

// alignPeek is how much of a message materialize looks at to find where its Arrow data
// starts: a Spark server writes the fields in number order, the session id (field 1), then
// the ArrowBatch (2), so the data begins some 50 bytes in.
const alignPeek = 256

// materialize copies the message in data into one slice that nothing else refers to,
// without zeroing it first: a slice of a buffer of the pool for a large message (mb, with
// one reference), else of the Go heap (mb nil). The slice is placed so that the Arrow data
// of the ArrowBatch, when the first bytes show where it starts, is 8-byte aligned: Arrow's
// buffers must be, and wire.DecodeBatch copies the bodies of misaligned Arrow messages.
func (p *msgPool) materialize(data mem.BufferSlice) (b []byte, mb *msgBuf) {
	var head [alignPeek]byte
	n := data.CopyTo(head[:])
	shift := 0
	if off, ok := arrowDataOffset(head[:n]); ok {
		shift = (8 - off%8) % 8
	}
	size := data.Len()
	if p != nil && size >= pooledMessage {
		mb = p.get(size + shift)
		b = mb.b[shift : shift+size]
		data.CopyTo(b)
		return b, mb
	}
	var pad [8]byte
	parts := make([][]byte, 0, len(data)+1)
	parts = append(parts, pad[:shift])
	for _, buf := range data {
		parts = append(parts, buf.ReadOnlyData())
	}
	// bytes.Join allocates without zeroing (and is 8-byte aligned for any slice long
	// enough to hold Arrow data).
	return bytes.Join(parts, nil)[shift:], nil
}

// pooledMessage is the size from which a response's bytes come from the pool: the bulk of
// a result's bytes are in its large batches (Spark's are up to 4 MiB), and freshly
// allocated large slices cost more than the copy into them (page faults, and a garbage
// collection for every few of them).
const pooledMessage = 64 << 10

// msgPool recycles the buffers of large responses (msgBuf) within one client. Its buffers
// are only ever handed out again after their last reference was dropped (msgBuf.release).
// The zero value is ready; a nil *msgPool pools nothing.
type msgPool struct{ pool sync.Pool }

// get returns a buffer of at least size bytes with one reference.
func (p *msgPool) get(size int) *msgBuf {
	mb, _ := p.pool.Get().(*msgBuf)
	if mb == nil || cap(mb.b) < size {
		// Rounded up, so that a buffer serves the slightly larger messages of a result too.
		mb = &msgBuf{pool: p, b: make([]byte, (size+pooledMessage-1)/pooledMessage*pooledMessage)}
	}
	mb.b = mb.b[:cap(mb.b)]
	mb.refs.Store(1)
	return mb
}

// msgBuf is a response's buffer from a msgPool, reference counted: the response holds one
// reference until Execution.DecodeBatch, and every Arrow message body decoded from it one
// (through bodyOwner).
type msgBuf struct {
	b    []byte
	refs atomic.Int64
	pool *msgPool
}

// retain adds a reference.
func (mb *msgBuf) retain() { mb.refs.Add(1) }

// release drops a reference; the last returns the buffer to its pool. (A release too many
// would leave the count below zero, and the buffer out of the pool for good.)
func (mb *msgBuf) release() {
	if mb.refs.Add(-1) == 0 {
		mb.pool.pool.Put(mb)
	}
}

// bodyOwner is the memory.Allocator of an Arrow message body that lies in a msgBuf: arrow
// frees the body (calls Free) when the body's last reference is released, which drops the
// body's reference to the buffer. It allocates nothing: Allocate and Reallocate are
// there for the interface and use the Go heap.
type bodyOwner struct{ mb *msgBuf }

func (o bodyOwner) Allocate(size int) []byte { return make([]byte, size) }

func (o bodyOwner) Reallocate(size int, b []byte) []byte {
	nb := make([]byte, size)
	copy(nb, b)
	return nb
}

func (o bodyOwner) Free([]byte) { o.mb.release() }

// arrowDataOffset returns where the data of the first ArrowBatch starts in the encoded
// ExecutePlanResponse b, which may be the first bytes of a message only; ok is false when
// b does not show it.
func arrowDataOffset(b []byte) (off int, ok bool) {
	for i := 0; i < len(b); {
		num, typ, n := protowire.ConsumeTag(b[i:])
		if n < 0 {
			return 0, false
		}
		i += n
		if num == fieldArrowBatch && typ == protowire.BytesType {
			_, n := protowire.ConsumeVarint(b[i:])
			if n < 0 {
				return 0, false
			}
			i += n
			for j := i; j < len(b); {
				num, typ, n := protowire.ConsumeTag(b[j:])
				if n < 0 {
					return 0, false
				}
				j += n
				if num == fieldArrowBatchData && typ == protowire.BytesType {
					_, n := protowire.ConsumeVarint(b[j:])
					if n < 0 {
						return 0, false
					}
					return j + n, true
				}
				n = protowire.ConsumeFieldValue(num, typ, b[j:])
				if n < 0 {
					return 0, false
				}
				j += n
			}
			return 0, false
		}
		n = protowire.ConsumeFieldValue(num, typ, b[i:])
		if n < 0 {
			return 0, false
		}
		i += n
	}
	return 0, false
}

// unmarshalExecuteResponse decodes b into resp as proto.Unmarshal does, except that the
// data of an ArrowBatch is a sub-slice of b. b must not change afterwards. The fields
// between ArrowBatches are decoded by proto.Unmarshal (merging, in order, which gives what
// decoding the whole message does: protobuf defines a message as the merge of its fields);
// input that does not parse is handed to proto.Unmarshal whole, for its error.
func unmarshalExecuteResponse(b []byte, resp *sparkpb.ExecutePlanResponse) error {
	resp.Reset()
	if err := unmarshalAliasing(b, resp, fieldArrowBatch, func(payload []byte) error {
		ab := resp.GetArrowBatch()
		if ab == nil { // a oneof field replaces another; a repeated one merges
			ab = &sparkpb.ExecutePlanResponse_ArrowBatch{}
			resp.ResponseType = &sparkpb.ExecutePlanResponse_ArrowBatch_{ArrowBatch: ab}
		}
		return unmarshalAliasing(payload, ab, fieldArrowBatchData, func(data []byte) error {
			ab.Data = nil // proto3 bytes: the last occurrence wins, and an empty one is nil
			if len(data) > 0 {
				ab.Data = data[:len(data):len(data)]
			}
			return nil
		})
	}); err != nil {
		resp.Reset()
		return proto.Unmarshal(b, resp)
	}
	return nil
}

// unmarshalAliasing decodes the encoded message b into m, handing the payload of each
// occurrence of the length-delimited field num to special, in order with the other fields,
// which proto.Unmarshal decodes. An error means b does not parse.
func unmarshalAliasing(b []byte, m proto.Message, num protowire.Number, special func([]byte) error) error {
	// Each run of other fields merges into what the fields before it decoded to.
	merge := proto.UnmarshalOptions{Merge: true}
	run := 0 // start of the fields not yet decoded
	for i := 0; i < len(b); {
		fnum, typ, n := protowire.ConsumeTag(b[i:])
		if n < 0 {
			return protowire.ParseError(n)
		}
		size := protowire.ConsumeFieldValue(fnum, typ, b[i+n:])
		if size < 0 {
			return protowire.ParseError(size)
		}
		if fnum == num && typ == protowire.BytesType {
			if err := merge.Unmarshal(b[run:i], m); err != nil {
				return err
			}
			payload, _ := protowire.ConsumeBytes(b[i+n : i+n+size])
			if err := special(payload); err != nil {
				return err
			}
			run = i + n + size
		}
		i += n + size
	}
	return merge.Unmarshal(b[run:], m)
}
