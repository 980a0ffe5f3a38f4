package connect

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// FuzzArrowBatch feeds arbitrary bytes to the path a result batch from the server takes:
// DecodeBatch (checks, arrow-go's reader, array validation), then rows of Go values (which
// must equal ValueAt's), then each variant's JSON. Whatever the bytes, it must return an error or values, never panic or
// run out of memory, and it must free what it allocated. The seed corpus (built below, and
// testdata/fuzz/FuzzArrowBatch, which holds the cases found so far) runs in the unit tier.
func FuzzArrowBatch(f *testing.F) {
	for _, seed := range arrowSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Work that grows faster than the input is a failure too: the counts an input may
		// claim are bounded by its size, and decoding a few kilobytes takes milliseconds.
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("%d bytes took %s", len(data), d)
			}
		}()
		for _, mem := range []memory.Allocator{memory.DefaultAllocator, memory.NewCheckedAllocator(memory.DefaultAllocator)} {
			schema, recs, err := wire.DecodeBatch(data, mem)
			if err != nil {
				if !errors.Is(err, wire.ErrInvalidArrow) {
					t.Fatalf("error %v does not wrap ErrInvalidArrow", err)
				}
				continue
			}
			if schema == nil {
				t.Fatal("no schema and no error")
			}
			for _, rec := range recs {
				consumeRows(rec)
				// Rows kept by column give what the one-value conversion gives.
				if err := rowsMatchValueAt(rec); err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			if c, ok := mem.(*memory.CheckedAllocator); ok && c.CurrentAlloc() != 0 {
				t.Fatalf("%d bytes not freed", c.CurrentAlloc())
			}
		}
	})
}

// consumeRows reads every value the way a caller of Collect does.
func consumeRows(rec arrow.RecordBatch) {
	for _, row := range RowsOf(rec) {
		_ = row.String()
		for _, v := range row.Values() {
			if vv, ok := v.(Variant); ok {
				_, _ = vv.JSON()
				_, _ = vv.Value()
			}
		}
	}
}

// arrowSeeds are well-formed streams of every Arrow type Spark sends.
func arrowSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	mem := memory.DefaultAllocator
	variantMeta := arrow.NewMetadata([]string{"variant"}, []string{"true"})
	fields := []arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "ntz", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "dur", Type: arrow.FixedWidthTypes.Duration_us},
		{Name: "ym", Type: arrow.FixedWidthTypes.MonthInterval},
		{Name: "cal", Type: arrow.FixedWidthTypes.MonthDayNanoInterval},
		{Name: "t", Type: arrow.FixedWidthTypes.Time64ns},
		{Name: "n", Type: arrow.Null, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true})},
		{Name: "v", Type: arrow.StructOf(arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary}, arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary}), Metadata: variantMeta},
		{Name: "fsl", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int16)},
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range 5 {
		b.Field(0).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(1).(*array.Int8Builder).Append(int8(i))
		b.Field(2).(*array.Int16Builder).Append(int16(i))
		b.Field(3).(*array.Int32Builder).Append(int32(i))
		if i == 3 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.Int64Builder).Append(int64(i) << 40)
		}
		b.Field(5).(*array.Float32Builder).Append(float32(i) / 3)
		b.Field(6).(*array.Float64Builder).Append(float64(i) / 7)
		b.Field(7).(*array.StringBuilder).Append(strings.Repeat("é", i))
		b.Field(8).(*array.BinaryBuilder).Append([]byte{byte(i), 0xff})
		b.Field(9).(*array.LargeStringBuilder).Append(fmt.Sprint(i))
		b.Field(10).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 12345))
		b.Field(11).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
		b.Field(12).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMicro()))
		b.Field(13).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1e6))
		b.Field(14).(*array.DurationBuilder).Append(arrow.Duration(int64(i) * 1e6))
		b.Field(15).(*array.MonthIntervalBuilder).Append(arrow.MonthInterval(i))
		b.Field(16).(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: int32(i), Days: 2, Nanoseconds: 3})
		b.Field(17).(*array.Time64Builder).Append(arrow.Time64(int64(i) * 1e9))
		b.Field(18).AppendNull()
		lb := b.Field(19).(*array.ListBuilder)
		lb.Append(true)
		for j := range i {
			lb.ValueBuilder().(*array.Int32Builder).Append(int32(j))
		}
		mb := b.Field(20).(*array.MapBuilder)
		mb.Append(true)
		mb.KeyBuilder().(*array.StringBuilder).Append("k")
		mb.ItemBuilder().(*array.Int64Builder).Append(int64(i))
		sb := b.Field(21).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(i))
		sb.FieldBuilder(1).(*array.StringBuilder).Append("y")
		vb := b.Field(22).(*array.StructBuilder)
		vb.Append(true)
		// A variant object {"a": i} with the metadata dictionary ["a"].
		vb.FieldBuilder(0).(*array.BinaryBuilder).Append([]byte{0x02, 1, 0, 0, 2, 0x0c, byte(i)})
		vb.FieldBuilder(1).(*array.BinaryBuilder).Append([]byte{0x01, 1, 0, 1, 'a'})
		fb := b.Field(23).(*array.FixedSizeListBuilder)
		fb.Append(true)
		fb.ValueBuilder().(*array.Int16Builder).AppendValues([]int16{int16(i), -int16(i)}, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	small := rec.NewSlice(1, 3)
	defer small.Release()

	stream := func(recs ...arrow.RecordBatch) []byte {
		var buf bytes.Buffer
		w := ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()), ipc.WithAllocator(mem))
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				tb.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
		return buf.Bytes()
	}
	one := array.NewRecordBatch(arrow.NewSchema(fields[4:5], nil), rec.Columns()[4:5], rec.NumRows())
	defer one.Release()
	return [][]byte{stream(rec), stream(rec, small), stream(one), stream(small)}
}

// The seeds decode and their values come out as written (so the fuzzer starts from inputs
// that reach every type's decoding); SPARKWIRE_UPDATE_FUZZ=1 also writes them to the corpus.
func TestArrowSeedsDecode(t *testing.T) {
	for i, seed := range arrowSeeds(t) {
		_, recs, err := wire.DecodeBatch(seed, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if len(recs) == 0 {
			t.Fatalf("seed %d: no batches", i)
		}
		rows := RowsOf(recs[0])
		if i == 0 {
			if got := rows[2].Value(7); got != "éé" {
				t.Errorf("seed 0 row 2 s = %v", got)
			}
			js, err := rows[4].Value(22).(Variant).JSON()
			if err != nil || js != `{"a":4}` {
				t.Errorf("seed 0 row 4 variant = %s, %v", js, err)
			}
		}
		for _, rec := range recs {
			consumeRows(rec)
			rec.Release()
		}
		if os.Getenv("SPARKWIRE_UPDATE_FUZZ") != "" {
			dir := filepath.Join("testdata", "fuzz", "FuzzArrowBatch")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Corrupt Arrow data from the server, in the first message (the schema, read by Schema
// before any batch) or in a later one, ends the read with ErrInvalidArrow: Schema still
// answers (never nil) and nothing panics.
func TestRecordReaderRefusesCorruptArrow(t *testing.T) {
	good := arrowSeeds(t)[2]
	badSchema := bytes.Clone(good)
	binary.LittleEndian.PutUint32(badSchema[8:], 0xfffffff0) // the schema's root table offset
	badBatch := append(bytes.Clone(good[:len(good)-8]), 0xff, 0xff, 0xff, 0xff, 0x40, 0, 0, 0, 1, 2, 3)
	for name, data := range map[string][]byte{"schema": badSchema, "batch": badBatch} {
		t.Run(name, func(t *testing.T) {
			srv, s := fakeSession(t)
			srv.OnExecute(func(_ context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
				if req.GetPlan().GetRoot() == nil {
					return fakeserver.ErrUseDefault
				}
				if err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{
					ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{RowCount: 5, Data: data}}}); err != nil {
					return err
				}
				return op.Complete()
			})
			rr, err := s.Range(0, 5, 1).Collect(fakeCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Release()
			if sc := rr.Schema(); sc == nil {
				t.Fatal("nil schema")
			}
			for rr.Next() {
			}
			if !errors.Is(rr.Err(), ErrInvalidArrow) {
				t.Fatalf("err = %v, want ErrInvalidArrow", rr.Err())
			}
		})
	}
}
