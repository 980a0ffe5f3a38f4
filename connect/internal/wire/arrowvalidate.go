package wire

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// validateBatch checks that every array of a decoded record batch is as long as the batch
// and that its buffers hold what its length and type say: validity bitmaps and fixed-width
// values large enough, offsets in order and within their data or child, children long
// enough. arrow-go decodes arrays without these checks, and an array that fails them makes
// its accessors read out of range (a panic in the caller, far from the decoding).
func validateBatch(rec arrow.RecordBatch) error {
	rows := rec.NumRows()
	if int64(len(rec.Columns())) != int64(rec.Schema().NumFields()) {
		return invalidArrow("%d columns for %d fields", len(rec.Columns()), rec.Schema().NumFields())
	}
	for i, col := range rec.Columns() {
		if int64(col.Len()) != rows {
			return invalidArrow("column %d has %d values in a batch of %d rows", i, col.Len(), rows)
		}
		if err := validateData(col.Data(), 0); err != nil {
			return invalidArrow("column %d (%s): %v", i, rec.Schema().Field(i).Name, err)
		}
	}
	return nil
}

// bufLen returns the length of buffer i of d, 0 when absent.
func bufLen(d arrow.ArrayData, i int) int64 {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return 0
	}
	return int64(bufs[i].Len())
}

// need checks that buffer i holds n bytes.
func need(d arrow.ArrayData, i int, n int64, what string) error {
	if got := bufLen(d, i); got < n {
		return invalidArrow("%s buffer of %d bytes, %d needed", what, got, n)
	}
	return nil
}

func validateData(d arrow.ArrayData, depth int) error {
	if depth > maxNesting {
		return invalidArrow("arrays nested deeper than %d", maxNesting)
	}
	off, n := int64(d.Offset()), int64(d.Len())
	if off < 0 || n < 0 || off+n > math.MaxInt32 {
		return invalidArrow("array of %d values at offset %d", n, off)
	}
	end := off + n // values [off, end) are in use
	if nulls := d.NullN(); nulls > int(n) {
		return invalidArrow("%d nulls in %d values", nulls, n)
	}
	dt := d.DataType()
	if dt.ID() != arrow.NULL && bufLen(d, 0) > 0 {
		if err := need(d, 0, (end+7)/8, "validity"); err != nil {
			return err
		}
	}
	switch t := dt.(type) {
	case *arrow.NullType:
		return nil
	case *arrow.BooleanType:
		return need(d, 1, (end+7)/8, "value")
	case arrow.FixedWidthDataType:
		w := int64(t.BitWidth() / 8)
		if t.BitWidth() <= 0 || t.BitWidth()%8 != 0 {
			return invalidArrow("type %s of %d bits", dt, t.BitWidth())
		}
		if w > 0 && end > math.MaxInt64/w {
			return invalidArrow("%d values of %d bytes", end, w)
		}
		return need(d, 1, end*w, "value")
	case *arrow.BinaryType, *arrow.StringType:
		last, err := offsets32(d, off, n)
		if err != nil {
			return err
		}
		return need(d, 2, last, "data")
	case *arrow.LargeBinaryType, *arrow.LargeStringType:
		last, err := offsets64(d, off, n)
		if err != nil {
			return err
		}
		return need(d, 2, last, "data")
	case *arrow.ListType, *arrow.MapType:
		last, err := offsets32(d, off, n)
		if err != nil {
			return err
		}
		return child(d, 0, last, depth)
	case *arrow.LargeListType:
		last, err := offsets64(d, off, n)
		if err != nil {
			return err
		}
		return child(d, 0, last, depth)
	case *arrow.FixedSizeListType:
		size := int64(t.Len())
		if size < 0 || size > 0 && end > math.MaxInt32/size {
			return invalidArrow("%d lists of %d values", end, size)
		}
		return child(d, 0, end*size, depth)
	case *arrow.StructType:
		if len(d.Children()) != t.NumFields() {
			return invalidArrow("struct of %d fields with %d children", t.NumFields(), len(d.Children()))
		}
		for i := range d.Children() {
			if err := child(d, i, end, depth); err != nil {
				return err
			}
		}
		return nil
	default:
		return invalidArrow("arrays of type %s are not supported", dt)
	}
}

// child checks that child i exists, holds at least n values and is valid itself.
func child(d arrow.ArrayData, i int, n int64, depth int) error {
	kids := d.Children()
	if i >= len(kids) || kids[i] == nil {
		return invalidArrow("%s array without child %d", d.DataType(), i)
	}
	c := kids[i]
	if got := int64(c.Len()); got < n {
		return invalidArrow("child %d has %d values, %d needed", i, got, n)
	}
	return validateData(c, depth+1)
}

// offsets32 checks the int32 offsets of values [off, off+n): present, non-negative and in
// order; it returns the last one, the length the data (or child) needs.
func offsets32(d arrow.ArrayData, off, n int64) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	if err := need(d, 1, (off+n+1)*4, "offset"); err != nil {
		return 0, err
	}
	// The offsets as the arrays read them (arrow-go reads them in place, in the machine's
	// byte order).
	offs := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[off : off+n+1]
	if offs[0] < 0 {
		return 0, invalidArrow("negative offset %d", offs[0])
	}
	// One pass without branches (a result's strings have millions of offsets); the sign
	// of bad says whether any offset is below the one before it.
	var bad int64
	prev := offs[0]
	for _, v := range offs[1:] {
		bad |= int64(v) - int64(prev)
		prev = v
	}
	if bad < 0 {
		for i := 1; i < len(offs); i++ {
			if offs[i] < offs[i-1] {
				return 0, invalidArrow("offsets out of order (%d after %d)", offs[i], offs[i-1])
			}
		}
	}
	return int64(prev), nil
}

// offsets64 is offsets32 for int64 offsets.
func offsets64(d arrow.ArrayData, off, n int64) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	if err := need(d, 1, (off+n+1)*8, "offset"); err != nil {
		return 0, err
	}
	b := d.Buffers()[1].Bytes()
	prev := int64(binary.LittleEndian.Uint64(b[off*8:]))
	if prev < 0 {
		return 0, invalidArrow("negative offset %d", prev)
	}
	for i := off + 1; i <= off+n; i++ {
		v := int64(binary.LittleEndian.Uint64(b[i*8:]))
		if v < prev {
			return 0, invalidArrow("offsets out of order (%d after %d)", v, prev)
		}
		prev = v
	}
	return prev, nil
}
