package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// byteMessages reads the Arrow IPC stream of one result batch straight from the bytes the
// server sent: each message's metadata and body are slices of those bytes, not copies, so
// the arrays a record batch decodes into point into the response itself. That halves what
// Collect allocates (the response's bytes are allocated anyway, by gRPC) and saves a copy
// of every batch. It implements ipc.MessageReader.
//
// The bytes must not change while a batch decoded from them is in use; a response's bytes
// never do. Arrow buffers must be 8-byte aligned: a body that is not (a writer that does
// not pad its metadata) is copied into an aligned buffer of mem.
type byteMessages struct {
	data []byte
	mem  memory.Allocator
	cur  *ipc.Message
	refs atomic.Int64
}

// NewMessageReader returns an ipc.MessageReader over the Arrow IPC stream in data, whose
// messages are slices of data (see byteMessages). mem allocates only the copies of
// misaligned bodies.
func NewMessageReader(data []byte, mem memory.Allocator) ipc.MessageReader {
	r := &byteMessages{data: data, mem: mem}
	r.refs.Add(1)
	return r
}

// ipcContinuation marks a message whose length follows (Arrow 0.15 and later).
const ipcContinuation = 0xFFFFFFFF

// Message implements ipc.MessageReader: it returns the next message, valid until the next
// call, or io.EOF at the end of the stream.
func (r *byteMessages) Message() (msg *ipc.Message, err error) {
	defer func() {
		// The flatbuffer accessors panic on malformed metadata, as in arrow-go's reader.
		if p := recover(); p != nil {
			msg, err = nil, fmt.Errorf("arrow/ipc: invalid message metadata: %v", p)
		}
	}()
	r.releaseCurrent()
	if len(r.data) == 0 {
		return nil, io.EOF
	}
	if len(r.data) < 4 {
		return nil, fmt.Errorf("arrow/ipc: truncated message header (%d bytes)", len(r.data))
	}
	off, n := 4, int64(int32(binary.LittleEndian.Uint32(r.data)))
	if uint32(n) == ipcContinuation {
		if len(r.data) < 8 {
			return nil, fmt.Errorf("arrow/ipc: truncated message length")
		}
		off, n = 8, int64(int32(binary.LittleEndian.Uint32(r.data[4:])))
	}
	if n == 0 { // the end-of-stream marker
		r.data = nil
		return nil, io.EOF
	}
	if n < 4 || n > int64(len(r.data)-off) {
		return nil, fmt.Errorf("arrow/ipc: invalid message metadata length %d (%d bytes left)", n, len(r.data)-off)
	}
	meta := memory.NewBufferBytes(r.data[off : off+int(n)])
	rest := r.data[off+int(n):]
	// The body's length is in the metadata: read it through a message without a body.
	probe := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	bodyLen := probe.BodyLen()
	probe.Release()
	if bodyLen < 0 || bodyLen > int64(len(rest)) {
		return nil, fmt.Errorf("arrow/ipc: invalid message body length %d (%d bytes left)", bodyLen, len(rest))
	}
	bodyBytes := rest[:bodyLen:bodyLen]
	r.data = rest[bodyLen:]
	var body *memory.Buffer
	if bodyLen > 0 && uintptr(unsafe.Pointer(&bodyBytes[0]))%8 != 0 {
		body = memory.NewResizableBuffer(r.mem)
		body.Resize(len(bodyBytes))
		copy(body.Bytes(), bodyBytes)
	} else {
		body = memory.NewBufferBytes(bodyBytes)
	}
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
