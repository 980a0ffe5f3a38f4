package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrInvalidArrow is wrapped by every error about Arrow data from the server that is
// malformed, inconsistent or of a kind Spark never sends. Such data is refused before
// arrow-go decodes it: arrow-go's readers trust the counts and sizes they find (a field
// count becomes an allocation, a nesting becomes a recursion), so a corrupt or hostile
// message could otherwise exhaust memory or the stack, which no recover catches.
var ErrInvalidArrow = errors.New("invalid Arrow data from the server")

// Limits of what a result batch may describe. Spark's own batches are far below them.
const (
	// maxNesting is the deepest nesting of types accepted (arrow-go's own limit when it
	// loads arrays).
	maxNesting = 64
	// maxDecompressed bounds the bytes a compressed message may expand to.
	maxDecompressed = 256 << 20
)

func invalidArrow(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArrow, fmt.Sprintf(format, args...))
}

// Flatbuffer reading with every offset and length checked against the buffer. Only what
// Arrow's Message.fbs needs: tables, scalars, strings, vectors of offsets and of structs.

type fbTable struct {
	b   []byte
	pos int // the table
	vt  int // its vtable
	vtn int // number of fields in the vtable
	sz  int // the table's inline size
}

func fbRoot(b []byte) (fbTable, error) {
	if len(b) < 4 {
		return fbTable{}, invalidArrow("message metadata of %d bytes", len(b))
	}
	return fbTableAt(b, int(binary.LittleEndian.Uint32(b)))
}

func fbTableAt(b []byte, pos int) (fbTable, error) {
	if pos < 0 || pos > len(b)-4 {
		return fbTable{}, invalidArrow("flatbuffer table at %d outside %d bytes", pos, len(b))
	}
	vt := int64(pos) - int64(int32(binary.LittleEndian.Uint32(b[pos:])))
	if vt < 0 || vt > int64(len(b)-4) {
		return fbTable{}, invalidArrow("flatbuffer vtable at %d outside %d bytes", vt, len(b))
	}
	vtsize := int(binary.LittleEndian.Uint16(b[vt:]))
	tsize := int(binary.LittleEndian.Uint16(b[vt+2:]))
	if vtsize < 4 || vtsize%2 != 0 || int(vt)+vtsize > len(b) || tsize < 4 || pos+tsize > len(b) {
		return fbTable{}, invalidArrow("flatbuffer vtable at %d is malformed", vt)
	}
	t := fbTable{b: b, pos: pos, vt: int(vt), vtn: (vtsize - 4) / 2, sz: tsize}
	for i := range t.vtn {
		if off := int(binary.LittleEndian.Uint16(b[t.vt+4+2*i:])); off >= tsize {
			return fbTable{}, invalidArrow("flatbuffer field %d outside its table", i)
		}
	}
	return t, nil
}

// field returns the position of field i, which takes size bytes, or -1 when it is absent.
func (t fbTable) field(i, size int) (int, error) {
	if i >= t.vtn {
		return -1, nil
	}
	off := int(binary.LittleEndian.Uint16(t.b[t.vt+4+2*i:]))
	if off == 0 {
		return -1, nil
	}
	if off+size > t.sz {
		return -1, invalidArrow("flatbuffer field %d outside its table", i)
	}
	return t.pos + off, nil
}

func (t fbTable) int64(i int) (int64, error) {
	p, err := t.field(i, 8)
	if p < 0 {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(t.b[p:])), nil
}

func (t fbTable) int32(i int) (int32, error) {
	p, err := t.field(i, 4)
	if p < 0 {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(t.b[p:])), nil
}

func (t fbTable) int16(i int) (int16, error) {
	p, err := t.field(i, 2)
	if p < 0 {
		return 0, err
	}
	return int16(binary.LittleEndian.Uint16(t.b[p:])), nil
}

func (t fbTable) uint8(i int) (uint8, error) {
	p, err := t.field(i, 1)
	if p < 0 {
		return 0, err
	}
	return t.b[p], nil
}

// target follows the offset stored in field i; -1 when the field is absent.
func (t fbTable) target(i int) (int, error) {
	p, err := t.field(i, 4)
	if p < 0 {
		return -1, err
	}
	to := int64(p) + int64(binary.LittleEndian.Uint32(t.b[p:]))
	if to > int64(len(t.b)-4) {
		return -1, invalidArrow("flatbuffer offset in field %d points outside the buffer", i)
	}
	return int(to), nil
}

// table returns the table field i points to; ok is false when the field is absent.
func (t fbTable) table(i int) (fbTable, bool, error) {
	to, err := t.target(i)
	if to < 0 {
		return fbTable{}, false, err
	}
	sub, err := fbTableAt(t.b, to)
	return sub, err == nil, err
}

// vector returns the start and length of the vector field i points to, checking that its
// n elements of elem bytes each lie in the buffer (so a length can never exceed the bytes
// that hold it); a string is a vector of bytes followed by a zero.
func (t fbTable) vector(i, elem int) (start, n int, err error) {
	to, err := t.target(i)
	if to < 0 {
		return 0, 0, err
	}
	n64 := int64(binary.LittleEndian.Uint32(t.b[to:]))
	start = to + 4
	if n64*int64(elem) > int64(len(t.b)-start) {
		return 0, 0, invalidArrow("flatbuffer vector of %d elements in field %d overruns the buffer", n64, i)
	}
	return start, int(n64), nil
}

// string checks the string field i.
func (t fbTable) string(i int) error {
	_, _, err := t.vector(i, 1)
	return err
}

// tables checks the vector of tables in field i and calls f on each.
func (t fbTable) tables(i int, f func(fbTable) error) error {
	start, n, err := t.vector(i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		p := start + 4*k
		sub, err := fbTableAt(t.b, p+int(binary.LittleEndian.Uint32(t.b[p:])))
		if err != nil {
			return err
		}
		if err := f(sub); err != nil {
			return err
		}
	}
	return nil
}

// The tables of Arrow's Message.fbs and Schema.fbs, by field index.
const (
	msgVersion, msgHeaderType, msgHeader, msgBodyLength, msgCustomMetadata = 0, 1, 2, 3, 4

	headerSchema, headerDictionaryBatch, headerRecordBatch = 1, 2, 3

	schemaEndianness, schemaFields, schemaCustomMetadata, schemaFeatures = 0, 1, 2, 3

	fieldName, fieldNullable, fieldTypeType, fieldType, fieldDictionary, fieldChildren, fieldCustomMetadata = 0, 1, 2, 3, 4, 5, 6

	batchLength, batchNodes, batchBuffers, batchCompression, batchVariadicCounts = 0, 1, 2, 3, 4

	// metadataV4 is the oldest metadata version accepted (Arrow 0.8 and later).
	metadataV4 = 3
)

// The Arrow types Spark sends (and a few more that arrow-go and sparkwire's rows read
// safely); the type union's tag values.
var acceptedTypes = map[uint8]string{
	1: "Null", 2: "Int", 3: "FloatingPoint", 4: "Binary", 5: "Utf8", 6: "Bool", 7: "Decimal",
	8: "Date", 9: "Time", 10: "Timestamp", 11: "Interval", 12: "List", 13: "Struct",
	15: "FixedSizeBinary", 16: "FixedSizeList", 17: "Map", 18: "Duration", 19: "LargeBinary",
	20: "LargeUtf8", 21: "LargeList",
}

// checkKeyValues checks a custom_metadata vector.
func checkKeyValues(t fbTable, i int) error {
	return t.tables(i, func(kv fbTable) error {
		if err := kv.string(0); err != nil {
			return err
		}
		return kv.string(1)
	})
}

// maxValues is the most values an array (or rows a batch) may have in an IPC stream of
// n bytes: 8 per byte (a bitmap's density), and at least 65,536 whatever the size.
func maxValues(n int) int64 {
	return min(max(8*int64(n), 1<<16), math.MaxInt32)
}

// checkMessage checks an IPC message's metadata and the body that follows it before arrow-go
// reads them: the flatbuffer's structure, a schema's fields (their number, nesting and
// types), and a record batch's counts and buffers (within the body, their decompressed
// sizes bounded, counts bounded by the size of the input, the whole stream). Record
// batches must have a schema first; dictionaries are refused (Spark sends none).
func checkMessage(meta, body []byte, haveSchema bool, input int) error {
	msg, err := fbRoot(meta)
	if err != nil {
		return err
	}
	v, err := msg.int16(msgVersion)
	if err != nil {
		return err
	}
	if v < metadataV4 || v > metadataV4+1 {
		return invalidArrow("metadata version %d (want V4 or V5)", int(v)+1)
	}
	if err := checkKeyValues(msg, msgCustomMetadata); err != nil {
		return err
	}
	ht, err := msg.uint8(msgHeaderType)
	if err != nil {
		return err
	}
	h, ok, err := msg.table(msgHeader)
	if err != nil {
		return err
	}
	if !ok {
		return invalidArrow("message without a header")
	}
	switch ht {
	case headerSchema:
		if haveSchema {
			return invalidArrow("a second schema in one stream")
		}
		return checkSchema(h, len(meta))
	case headerRecordBatch:
		if !haveSchema {
			return invalidArrow("a record batch before the schema")
		}
		return checkRecordBatch(h, body, input)
	case headerDictionaryBatch:
		return invalidArrow("dictionary batches are not supported (Spark sends none)")
	default:
		return invalidArrow("message of type %d (want a schema or a record batch)", ht)
	}
}

func checkSchema(s fbTable, metaLen int) error {
	if err := checkKeyValues(s, schemaCustomMetadata); err != nil {
		return err
	}
	if _, _, err := s.vector(schemaFeatures, 8); err != nil {
		return err
	}
	// Each field sits in its parent's vector of 4-byte offsets, so a schema written as a
	// tree has fewer than metaLen/4 fields: more can only come from tables shared or looped
	// to multiply the work.
	budget := metaLen / 4
	var field func(f fbTable, depth int) error
	field = func(f fbTable, depth int) error {
		if depth > maxNesting {
			return invalidArrow("types nested deeper than %d", maxNesting)
		}
		if budget--; budget < 0 {
			return invalidArrow("schema describes more fields than its %d bytes can hold", metaLen)
		}
		if err := f.string(fieldName); err != nil {
			return err
		}
		if err := checkKeyValues(f, fieldCustomMetadata); err != nil {
			return err
		}
		if _, ok, err := f.table(fieldDictionary); err != nil || ok {
			if err != nil {
				return err
			}
			return invalidArrow("dictionary-encoded fields are not supported (Spark sends none)")
		}
		tt, err := f.uint8(fieldTypeType)
		if err != nil {
			return err
		}
		name, ok := acceptedTypes[tt]
		if !ok {
			return invalidArrow("field of Arrow type %d, which Spark does not send", tt)
		}
		typ, ok, err := f.table(fieldType)
		if err != nil {
			return err
		}
		if !ok {
			return invalidArrow("field of type %s without its type table", name)
		}
		if err := checkTypeTable(tt, typ); err != nil {
			return err
		}
		nkids := 0
		err = f.tables(fieldChildren, func(c fbTable) error {
			nkids++
			return field(c, depth+1)
		})
		if err != nil {
			return err
		}
		switch name {
		case "List", "LargeList", "FixedSizeList", "Map":
			if nkids != 1 {
				return invalidArrow("%s field with %d children (want 1)", name, nkids)
			}
		case "Struct":
		default:
			if nkids != 0 {
				return invalidArrow("%s field with %d children", name, nkids)
			}
		}
		return nil
	}
	return s.tables(schemaFields, func(f fbTable) error { return field(f, 0) })
}

// checkTypeTable checks the parameters of a type that size its arrays.
func checkTypeTable(tt uint8, t fbTable) error {
	switch tt {
	case 2: // Int
		w, err := t.int32(0)
		if err != nil {
			return err
		}
		if w != 8 && w != 16 && w != 32 && w != 64 {
			return invalidArrow("integer of %d bits", w)
		}
	case 7: // Decimal: precision, scale, bitWidth (default 128)
		w, err := t.int32(2)
		if err != nil {
			return err
		}
		if p, _ := t.field(2, 4); p < 0 {
			w = 128
		}
		digits := map[int32]int32{32: 9, 64: 18, 128: 38, 256: 76}[w]
		if digits == 0 {
			return invalidArrow("decimal of %d bits", w)
		}
		// The scale sizes the text of every value (a scale of 2^31 would make each one a
		// 2 GB string of zeros).
		precision, err := t.int32(0)
		if err != nil {
			return err
		}
		scale, err := t.int32(1)
		if err != nil {
			return err
		}
		if precision < 1 || precision > digits || scale < -digits || scale > digits {
			return invalidArrow("decimal(%d, %d) of %d bits", precision, scale, w)
		}
	case 9: // Time: unit, bitWidth
		if _, err := t.int32(1); err != nil {
			return err
		}
	case 10: // Timestamp: unit, timezone
		return t.string(1)
	case 15: // FixedSizeBinary
		w, err := t.int32(0)
		if err != nil {
			return err
		}
		if w < 0 {
			return invalidArrow("fixed-size binary of %d bytes", w)
		}
	case 16: // FixedSizeList
		n, err := t.int32(0)
		if err != nil {
			return err
		}
		if n < 0 {
			return invalidArrow("fixed-size list of %d elements", n)
		}
	}
	return nil
}

// checkRecordBatch checks a record batch's counts and its buffers' places in the body; the
// arrays' sizes are checked after decoding, against the types (see validateBatch).
//
// Counts are bounded by the input's size, maxValues(input): an array of n values with any
// data takes at least n/8 bytes, and only arrays without data (nulls, empty structs) could
// claim more, which would make their readers allocate rows by the billion.
func checkRecordBatch(rb fbTable, body []byte, input int) error {
	limit := maxValues(input)
	rows, err := rb.int64(batchLength)
	if err != nil {
		return err
	}
	if rows < 0 || rows > limit {
		return invalidArrow("record batch of %d rows (at most %d in %d bytes)", rows, limit, input)
	}
	start, n, err := rb.vector(batchNodes, 16)
	if err != nil {
		return err
	}
	for k := range n {
		p := start + 16*k
		length := int64(binary.LittleEndian.Uint64(rb.b[p:]))
		nulls := int64(binary.LittleEndian.Uint64(rb.b[p+8:]))
		if length < 0 || length > limit || nulls < 0 || nulls > length {
			return invalidArrow("array %d: %d values, %d nulls (at most %d values in %d bytes)", k, length, nulls, limit, input)
		}
	}
	if _, nv, err := rb.vector(batchVariadicCounts, 8); err != nil || nv > 0 {
		if err != nil {
			return err
		}
		return invalidArrow("variadic buffers (views) are not supported")
	}
	comp, compressed, err := rb.table(batchCompression)
	if err != nil {
		return err
	}
	if compressed {
		codec, err := comp.uint8(0)
		if err != nil {
			return err
		}
		if codec > 1 { // LZ4_FRAME, ZSTD
			return invalidArrow("compression codec %d", codec)
		}
		if method, err := comp.uint8(1); err != nil || method != 0 {
			if err != nil {
				return err
			}
			return invalidArrow("compression method %d", method)
		}
	}
	start, n, err = rb.vector(batchBuffers, 16)
	if err != nil {
		return err
	}
	var expanded int64
	for k := range n {
		p := start + 16*k
		off := int64(binary.LittleEndian.Uint64(rb.b[p:]))
		size := int64(binary.LittleEndian.Uint64(rb.b[p+8:]))
		if off < 0 || size < 0 || off > int64(len(body)) || size > int64(len(body))-off {
			return invalidArrow("buffer %d at %d+%d outside a body of %d bytes", k, off, size, len(body))
		}
		if !compressed || size == 0 {
			continue
		}
		if size < 8 {
			return invalidArrow("compressed buffer %d of %d bytes", k, size)
		}
		u := int64(binary.LittleEndian.Uint64(body[off:]))
		if u == -1 { // stored uncompressed
			continue
		}
		if u < 0 || u > maxDecompressed-expanded {
			return invalidArrow("compressed buffers expand beyond %d bytes", maxDecompressed)
		}
		expanded += u
	}
	return nil
}
