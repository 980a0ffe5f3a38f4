package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ipcStream returns an Arrow IPC stream of two record batches, as Spark sends them.
func ipcStream(t *testing.T) ([]byte, []arrow.RecordBatch) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	var recs []arrow.RecordBatch
	for n := range 2 {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range 1000 + n {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			if i%7 == 0 {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.Float64Builder).Append(float64(i) * 1.5)
			}
			b.Field(2).(*array.StringBuilder).Append(strings.Repeat("é", i%5))
		}
		rec := b.NewRecordBatch()
		b.Release()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), recs
}

// Batches read without copying equal what was written, and their arrays point into the
// stream's bytes.
func TestByteMessagesZeroCopy(t *testing.T) {
	data, want := ipcStream(t)
	rd, err := ipc.NewReaderFromMessageReader(NewMessageReader(data, memory.DefaultAllocator))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	i := 0
	for rd.Next() {
		got := rd.RecordBatch()
		if !array.RecordEqual(got, want[i]) {
			t.Fatalf("batch %d differs", i)
		}
		ids := got.Column(0).Data().Buffers()[1].Bytes()
		if !within(ids, data) {
			t.Errorf("batch %d: the id column was copied", i)
		}
		i++
	}
	if rd.Err() != nil || i != len(want) {
		t.Fatalf("read %d batches, err %v", i, rd.Err())
	}
}

// within reports whether b lies inside data.
func within(b, data []byte) bool {
	for i := range data[:len(data)-len(b)+1] {
		if &data[i] == &b[0] {
			return true
		}
	}
	return false
}

// A body that is not 8-byte aligned is copied into the allocator's memory, and the copy
// decodes the same.
func TestByteMessagesMisalignedBody(t *testing.T) {
	data, want := ipcStream(t)
	shifted := make([]byte, len(data)+1)[1:]
	copy(shifted, data)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rd, err := ipc.NewReaderFromMessageReader(NewMessageReader(shifted, mem))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rd.Next() {
		if !array.RecordEqual(rd.RecordBatch(), want[n]) {
			t.Fatalf("batch %d differs", n)
		}
		if mem.CurrentAlloc() == 0 {
			t.Errorf("batch %d: misaligned body used in place", n)
		}
		n++
	}
	if rd.Err() != nil || n != len(want) {
		t.Fatalf("read %d batches, err %v", n, rd.Err())
	}
	rd.Release()
}

// Truncated or corrupt streams give errors, never a panic.
func TestByteMessagesMalformed(t *testing.T) {
	data, _ := ipcStream(t)
	for _, bad := range [][]byte{
		data[:2], data[:6], data[:40], data[:len(data)/2],
		append([]byte{0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0}, bytes.Repeat([]byte{0xee}, 16)...),
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	} {
		rd, err := ipc.NewReaderFromMessageReader(NewMessageReader(bad, memory.DefaultAllocator))
		if err == nil {
			for rd.Next() {
			}
			err = rd.Err()
			rd.Release()
		}
		if err == nil || errors.Is(err, io.EOF) && len(bad) > 0 {
			t.Errorf("%d bytes: err = %v, want a decoding error", len(bad), err)
		}
	}
}
