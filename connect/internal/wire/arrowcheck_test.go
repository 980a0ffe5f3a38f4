package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ipcMsg locates one message of an IPC stream: its metadata and body.
type ipcMsg struct{ meta, body, metaLen, bodyLen int }

// ipcMessages splits a well-formed IPC stream into its messages.
func ipcMessages(t *testing.T, data []byte) []ipcMsg {
	t.Helper()
	var out []ipcMsg
	p := 0
	for p+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[p+4:]))
		if n == 0 {
			break
		}
		root, err := fbRoot(data[p+8 : p+8+n])
		if err != nil {
			t.Fatal(err)
		}
		bl, _ := root.int64(msgBodyLength)
		out = append(out, ipcMsg{meta: p + 8, metaLen: n, body: p + 8 + n, bodyLen: int(bl)})
		p += 8 + n + int(bl)
	}
	return out
}

// streamOf writes records as one IPC stream.
func streamOf(t *testing.T, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()))
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// header returns the header table of the message at m.
func header(t *testing.T, data []byte, m ipcMsg) fbTable {
	t.Helper()
	root, err := fbRoot(data[m.meta : m.meta+m.metaLen])
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := root.table(msgHeader)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// vecAt returns the absolute position in data of vector field i of table tb (of the message
// at m): the position of its length.
func vecAt(t *testing.T, tb fbTable, m ipcMsg, i int) int {
	t.Helper()
	start, _, err := tb.vector(i, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m.meta + start - 4
}

func decodeErr(data []byte, mem memory.Allocator) error {
	_, recs, err := DecodeBatch(data, mem)
	for _, r := range recs {
		r.Release()
	}
	return err
}

// Counts, sizes and nesting in the input that arrow-go would trust are refused with
// ErrInvalidArrow before it reads them. Before the checks, the first case ran the process
// out of memory (a 2^31-field schema), the cyclic schema overflowed the stack, and the
// batches with short buffers decoded "fine" and panicked in the caller's accessors.
func TestDecodeBatchRefusesHostileCounts(t *testing.T) {
	_, recs := ipcStream(t)
	good := streamOf(t, recs...)
	nested := nestedRecord(t)
	defer nested.Release()
	nestedData := streamOf(t, nested)

	nullSchema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.Null, Nullable: true}}, nil)
	nulls := array.NewRecordBatch(nullSchema, []arrow.Array{array.NewNull(3)}, 3)
	defer nulls.Release()
	nullsData := streamOf(t, nulls)

	decSchema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}}}, nil)
	db := array.NewDecimal128Builder(memory.DefaultAllocator, decSchema.Field(0).Type.(*arrow.Decimal128Type))
	db.Append(decimal128.FromI64(12345))
	decCol := db.NewArray()
	db.Release()
	decRec := array.NewRecordBatch(decSchema, []arrow.Array{decCol}, 1)
	decCol.Release()
	defer decRec.Release()
	decData := streamOf(t, decRec)

	patch := func(src []byte, f func(d []byte, ms []ipcMsg)) []byte {
		d := bytes.Clone(src)
		f(d, ipcMessages(t, d))
		return d
	}
	put32 := func(d []byte, p int, v uint32) { binary.LittleEndian.PutUint32(d[p:], v) }
	put64 := func(d []byte, p int, v uint64) { binary.LittleEndian.PutUint64(d[p:], v) }
	cases := map[string][]byte{
		"schema claims 2^31 fields": patch(good, func(d []byte, ms []ipcMsg) {
			put32(d, vecAt(t, header(t, d, ms[0]), ms[0], schemaFields), 1<<31-1)
		}),
		"schema claims 2^30 metadata entries": patch(good, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[0])
			var f fbTable
			_ = h.tables(schemaFields, func(x fbTable) error { f = x; return errors.New("first") })
			if p, _ := f.field(fieldName, 4); p < 0 {
				t.Fatal("no name")
			}
			start, _, _ := f.vector(fieldName, 1)
			put32(d, ms[0].meta+start-4, 1<<30)
		}),
		"a field that is its own child": patch(nestedData, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[0])
			var f fbTable
			_ = h.tables(schemaFields, func(x fbTable) error { f = x; return errors.New("first") })
			start, n, err := f.vector(fieldChildren, 4)
			if err != nil || n == 0 {
				t.Fatalf("children: %d, %v", n, err)
			}
			p := ms[0].meta + start // the first child's offset, relative to p
			put32(d, p, uint32(ms[0].meta+f.pos-p))
		}),
		"a batch of 2^40 rows": patch(good, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[1])
			p, _ := h.field(batchLength, 8)
			put64(d, ms[1].meta+p, 1<<40)
		}),
		"an array longer than its buffers": patch(good, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[1])
			nodes := vecAt(t, h, ms[1], batchNodes) + 4
			put64(d, nodes, 1<<30) // the id column's length
			p, _ := h.field(batchLength, 8)
			put64(d, ms[1].meta+p, 1<<30)
			for k := range 3 {
				put64(d, nodes+16*k, 1<<30)
			}
		}),
		"a buffer beyond the body": patch(good, func(d []byte, ms []ipcMsg) {
			bufs := vecAt(t, header(t, d, ms[1]), ms[1], batchBuffers) + 4
			put64(d, bufs+16+8, 1<<40) // the id column's values
		}),
		"string offsets out of order": patch(good, func(d []byte, ms []ipcMsg) {
			bufs := vecAt(t, header(t, d, ms[1]), ms[1], batchBuffers) + 4
			// buffers: id validity, id values, x validity, x values, s validity, s offsets, s data
			off := int(binary.LittleEndian.Uint64(d[bufs+16*5:]))
			put32(d, ms[1].body+off+4*10, 1<<20)
		}),
		"list offsets beyond the child": patch(nestedData, func(d []byte, ms []ipcMsg) {
			bufs := vecAt(t, header(t, d, ms[1]), ms[1], batchBuffers) + 4
			// buffers: struct validity, list validity, list offsets, ...
			off := int(binary.LittleEndian.Uint64(d[bufs+16*2:]))
			n := int(binary.LittleEndian.Uint64(d[bufs+16*2+8:]))
			put32(d, ms[1].body+off+n-4, 1<<20)
		}),
		"a null column of 2^30 rows": patch(nullsData, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[1])
			p, _ := h.field(batchLength, 8)
			put64(d, ms[1].meta+p, 1<<30)
			put64(d, vecAt(t, h, ms[1], batchNodes)+4, 1<<30)
		}),
		"a decimal scale of 2^30": patch(decData, func(d []byte, ms []ipcMsg) {
			h := header(t, d, ms[0])
			var f fbTable
			_ = h.tables(schemaFields, func(x fbTable) error { f = x; return errors.New("first") })
			typ, _, err := f.table(fieldType)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := typ.field(1, 4) // scale
			put32(d, ms[0].meta+p, 1<<30)
		}),
		"a record batch before the schema": good[ipcMessages(t, good)[1].meta-8:],
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			for _, mem := range []memory.Allocator{memory.DefaultAllocator, memory.NewCheckedAllocator(memory.DefaultAllocator)} {
				err := decodeErr(data, mem)
				if !errors.Is(err, ErrInvalidArrow) {
					t.Fatalf("err = %v, want ErrInvalidArrow", err)
				}
				// arrow-go leaks the buffers it had retained when it recovers from its own
				// panics (the array longer than its buffers), so only the cases refused
				// before it decodes are checked for leaks.
				if c, ok := mem.(*memory.CheckedAllocator); ok && name != "an array longer than its buffers" {
					c.AssertSize(t, 0)
				}
			}
		})
	}
	// The unpatched streams still decode.
	for _, data := range [][]byte{good, nestedData, nullsData, decData} {
		if err := decodeErr(data, memory.DefaultAllocator); err != nil {
			t.Fatal(err)
		}
	}
}

// nestedRecord is a batch with a struct holding a list of strings and a map.
func nestedRecord(t *testing.T) arrow.RecordBatch {
	t.Helper()
	st := arrow.StructOf(
		arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		arrow.Field{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
	)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: st, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	sb := b.Field(0).(*array.StructBuilder)
	lb := sb.FieldBuilder(0).(*array.ListBuilder)
	mb := sb.FieldBuilder(1).(*array.MapBuilder)
	for i := range 20 {
		sb.Append(true)
		lb.Append(true)
		for j := range i % 4 {
			lb.ValueBuilder().(*array.StringBuilder).Append(string(rune('a' + j)))
		}
		mb.Append(true)
		for j := range i % 3 {
			mb.KeyBuilder().(*array.StringBuilder).Append(string(rune('k' + j)))
			mb.ItemBuilder().(*array.Int64Builder).Append(int64(i * j))
		}
	}
	return b.NewRecordBatch()
}

// Message kinds Spark never sends are refused rather than handed to arrow-go's less
// guarded paths: dictionaries, and a schema in the middle of a stream.
func TestDecodeBatchRefusesUnexpectedMessages(t *testing.T) {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.BinaryDictionaryBuilder).AppendString("x")
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	if err := decodeErr(streamOf(t, rec), memory.DefaultAllocator); !errors.Is(err, ErrInvalidArrow) {
		t.Errorf("dictionary: err = %v, want ErrInvalidArrow", err)
	}

	_, recs := ipcStream(t)
	good := streamOf(t, recs...)
	ms := ipcMessages(t, good)
	twice := append(bytes.Clone(good[:ms[1].meta-8]), good[:ms[1].meta-8]...)
	if err := decodeErr(twice, memory.DefaultAllocator); !errors.Is(err, ErrInvalidArrow) {
		t.Errorf("two schemas: err = %v, want ErrInvalidArrow", err)
	}
}

// Decoding with an allocator other than the Go heap copies the bodies into it, and
// releasing the batches frees them.
func TestDecodeBatchCopiesIntoOtherAllocators(t *testing.T) {
	data, want := ipcStream(t)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema, recs, err := DecodeBatch(data, mem)
	if err != nil {
		t.Fatal(err)
	}
	if !schema.Equal(want[0].Schema()) || len(recs) != len(want) {
		t.Fatalf("schema %s, %d batches", schema, len(recs))
	}
	if mem.CurrentAlloc() == 0 {
		t.Error("nothing allocated: the batches point into the input")
	}
	for i, rec := range recs {
		if !array.RecordEqual(rec, want[i]) {
			t.Errorf("batch %d differs", i)
		}
		rec.Release()
	}
}
