package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// byteMessages reads the Arrow IPC stream of one result batch straight from the bytes the
// server sent: each message's metadata and body are slices of those bytes, not copies, so
// the arrays a record batch decodes into point into the response itself. That halves what
// Collect allocates (the response's bytes are allocated anyway, by gRPC) and saves a copy
// of every batch. It implements ipc.MessageReader.
//
// Every message is checked (checkMessage) before arrow-go sees it, so corrupt or hostile
// bytes give an error wrapping ErrInvalidArrow rather than an allocation or a recursion
// sized by a number in the input.
//
// The bytes must not change while a batch decoded from them is in use; a response's bytes
// never do. Arrow buffers must be 8-byte aligned: a body that is not (a writer that does
// not pad its metadata) is copied into an aligned buffer of mem, and so is every body when
// copy is set.
type byteMessages struct {
	data   []byte
	size   int // of the whole stream
	mem    memory.Allocator
	copy   bool
	schema bool // the schema message was read
	cur    *ipc.Message
	refs   atomic.Int64
	// owner, if set, is the pooled buffer data lies in: each body used in place holds a
	// reference to it, dropped when arrow frees the body.
	owner *msgBuf
}

// NewMessageReader returns an ipc.MessageReader over the Arrow IPC stream in data, whose
// messages are slices of data (see byteMessages). mem allocates only the copies of
// misaligned bodies. Each message is checked before it is returned: corrupt input is an
// error wrapping [ErrInvalidArrow].
func NewMessageReader(data []byte, mem memory.Allocator) ipc.MessageReader {
	return newByteMessages(data, mem, false, nil)
}

func newByteMessages(data []byte, mem memory.Allocator, copyBodies bool, owner *msgBuf) *byteMessages {
	r := &byteMessages{data: data, size: len(data), mem: mem, copy: copyBodies, owner: owner}
	r.refs.Add(1)
	return r
}

// ipcContinuation marks a message whose length follows (Arrow 0.15 and later).
const ipcContinuation = 0xFFFFFFFF

// Message implements ipc.MessageReader: it returns the next message, valid until the next
// call, or io.EOF at the end of the stream.
func (r *byteMessages) Message() (msg *ipc.Message, err error) {
	defer func() {
		// Nothing below should panic on checked metadata; this is the last line of defence.
		if p := recover(); p != nil {
			msg, err = nil, invalidArrow("message metadata: %v", p)
		}
	}()
	r.releaseCurrent()
	if len(r.data) == 0 {
		return nil, io.EOF
	}
	if len(r.data) < 4 {
		return nil, invalidArrow("truncated message header (%d bytes)", len(r.data))
	}
	off, n := 4, int64(int32(binary.LittleEndian.Uint32(r.data)))
	if uint32(n) == ipcContinuation {
		if len(r.data) < 8 {
			return nil, invalidArrow("truncated message length")
		}
		off, n = 8, int64(int32(binary.LittleEndian.Uint32(r.data[4:])))
	}
	if n == 0 { // the end-of-stream marker
		r.data = nil
		return nil, io.EOF
	}
	if n < 4 || n > int64(len(r.data)-off) {
		return nil, invalidArrow("message metadata length %d (%d bytes left)", n, len(r.data)-off)
	}
	metaBytes := r.data[off : off+int(n)]
	rest := r.data[off+int(n):]
	root, err := fbRoot(metaBytes)
	if err != nil {
		return nil, err
	}
	bodyLen, err := root.int64(msgBodyLength)
	if err != nil {
		return nil, err
	}
	if bodyLen < 0 || bodyLen > int64(len(rest)) {
		return nil, invalidArrow("message body length %d (%d bytes left)", bodyLen, len(rest))
	}
	bodyBytes := rest[:bodyLen:bodyLen]
	if err := checkMessage(metaBytes, bodyBytes, r.schema, r.size); err != nil {
		return nil, err
	}
	r.schema = true
	r.data = rest[bodyLen:]
	var body *memory.Buffer
	if bodyLen > 0 && (r.copy || uintptr(unsafe.Pointer(&bodyBytes[0]))%8 != 0) {
		body = memory.NewResizableBuffer(r.mem)
		body.Resize(len(bodyBytes))
		copy(body.Bytes(), bodyBytes)
	} else if r.owner != nil {
		r.owner.retain()
		body = memory.NewBufferWithAllocator(bodyBytes, bodyOwner{r.owner})
	} else {
		body = memory.NewBufferBytes(bodyBytes)
	}
	meta := memory.NewBufferBytes(metaBytes)
	r.cur = ipc.NewMessage(meta, body)
	body.Release() // the message holds it now
	return r.cur, nil
}

func (r *byteMessages) releaseCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// Retain implements ipc.MessageReader.
func (r *byteMessages) Retain() { r.refs.Add(1) }

// Release implements ipc.MessageReader.
func (r *byteMessages) Release() {
	if r.refs.Add(-1) == 0 {
		r.releaseCurrent()
	}
}

// DecodeBatch decodes the Arrow IPC stream of one result batch, as Spark sends it in an
// ArrowBatch response: a schema message, then record batches. Every message is checked
// before arrow-go reads it and every decoded array after (see checkMessage and
// validateBatch), so corrupt or hostile bytes give an error wrapping [ErrInvalidArrow],
// never a panic, an allocation sized by the input's claims, or arrays whose accessors read
// out of range.
//
// With a Go heap allocator (*memory.GoAllocator) the arrays point into data, which must not
// change while they are in use; any other allocator gets copies it allocated. Batches
// without rows are dropped; the caller releases the others.
func DecodeBatch(data []byte, mem memory.Allocator) (*arrow.Schema, []arrow.RecordBatch, error) {
	return decodeBatch(data, mem, nil)
}

// decodeBatch is DecodeBatch; with owner set, data lies in that pooled buffer, and every
// body the batches use in place holds a reference to it.
func decodeBatch(data []byte, mem memory.Allocator, owner *msgBuf) (*arrow.Schema, []arrow.RecordBatch, error) {
	_, goHeap := mem.(*memory.GoAllocator)
	rd, err := ipc.NewReaderFromMessageReader(newByteMessages(data, mem, !goHeap, owner), ipc.WithAllocator(mem))
	if err != nil {
		return nil, nil, asInvalidArrow(err)
	}
	defer rd.Release()
	var recs []arrow.RecordBatch
	fail := func(err error) (*arrow.Schema, []arrow.RecordBatch, error) {
		for _, rec := range recs {
			rec.Release()
		}
		return nil, nil, asInvalidArrow(err)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		if err := validateBatch(rec); err != nil {
			return fail(err)
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rd.Err(); err != nil {
		return fail(err)
	}
	return rd.Schema(), recs, nil
}

// asInvalidArrow wraps an error of arrow-go's decoder (which recovers its own panics on
// input the checks let through) in ErrInvalidArrow: the input came from the server.
func asInvalidArrow(err error) error {
	if errors.Is(err, ErrInvalidArrow) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalidArrow, err)
}
