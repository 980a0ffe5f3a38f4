package wire

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// randomMessage fills m with random values: each field with probability 1/2, one member of
// each oneof with probability 3/4, nested messages down to depth, up to three elements in lists and
// maps. Strings are valid UTF-8 (proto.Unmarshal rejects others, as the codec must too).
func randomMessage(r *rand.Rand, m protoreflect.Message, depth int) {
	var chosen []protoreflect.FieldDescriptor
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if oo := fd.ContainingOneof(); (oo == nil || oo.IsSynthetic()) && r.IntN(2) == 0 {
			chosen = append(chosen, fd)
		}
	}
	oneofs := m.Descriptor().Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		if oo := oneofs.Get(i); !oo.IsSynthetic() && r.IntN(4) != 0 {
			chosen = append(chosen, oo.Fields().Get(r.IntN(oo.Fields().Len())))
		}
	}
	for _, fd := range chosen {
		if fd.Message() != nil && depth <= 0 {
			continue
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range 1 + r.IntN(3) {
				if fd.Message() != nil {
					e := l.NewElement()
					randomMessage(r, e.Message(), depth-1)
					l.Append(e)
				} else {
					l.Append(randomScalar(r, fd))
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range 1 + r.IntN(3) {
				k := randomScalar(r, fd.MapKey()).MapKey()
				if fd.MapValue().Message() != nil {
					v := mp.NewValue()
					randomMessage(r, v.Message(), depth-1)
					mp.Set(k, v)
				} else {
					mp.Set(k, randomScalar(r, fd.MapValue()))
				}
			}
		case fd.Message() != nil:
			randomMessage(r, m.Mutable(fd).Message(), depth-1)
		default:
			m.Set(fd, randomScalar(r, fd))
		}
	}
}

func randomScalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		return protoreflect.ValueOfEnum(vals.Get(r.IntN(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(r.Int32() - r.Int32())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(r.Uint32())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(r.Int64() - r.Int64())
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.Uint64())
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(r.Float32())
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(r.NormFloat64())
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(randomBytes(r, 20)) + "é")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(randomBytes(r, 100))
	}
	panic("unhandled kind " + fd.Kind().String())
}

func randomBytes(r *rand.Rand, max int) []byte {
	b := make([]byte, r.IntN(max))
	for i := range b {
		b[i] = 'a' + byte(r.IntN(26))
	}
	return b
}

// randomResponse returns a random ExecutePlanResponse: half of them carry an ArrowBatch.
func randomResponse(r *rand.Rand) *sparkpb.ExecutePlanResponse {
	resp := &sparkpb.ExecutePlanResponse{}
	randomMessage(r, resp.ProtoReflect(), 4)
	if r.IntN(2) == 0 {
		ab := &sparkpb.ExecutePlanResponse_ArrowBatch{}
		randomMessage(r, ab.ProtoReflect(), 1)
		ab.Data = randomBytes(r, 5000)
		resp.ResponseType = &sparkpb.ExecutePlanResponse_ArrowBatch_{ArrowBatch: ab}
	}
	return resp
}

// encodings returns encodings of random responses and some that a Spark server does not
// send but proto.Unmarshal accepts: messages concatenated (a oneof member replacing
// another, an ArrowBatch merging with one before), unknown fields, field 2 with another
// wire type, an ArrowBatch's data repeated or empty.
func encodings(t testing.TB, r *rand.Rand, n int) [][]byte {
	var out [][]byte
	marshal := func(m proto.Message) []byte {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ab := func(data string, rows int64) []byte {
		return marshal(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{
			ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{RowCount: rows, Data: []byte(data)},
		}})
	}
	for range n {
		a, b := marshal(randomResponse(r)), marshal(randomResponse(r))
		out = append(out, a, append(append([]byte(nil), a...), b...))
	}
	var unknown []byte
	unknown = protowire.AppendTag(unknown, 1000, protowire.BytesType)
	unknown = protowire.AppendBytes(unknown, []byte("unknown"))
	unknown = protowire.AppendTag(unknown, 1001, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 7)
	var varint2 []byte // field 2 as a varint: an unknown field to proto.Unmarshal
	varint2 = protowire.AppendTag(varint2, 2, protowire.VarintType)
	varint2 = protowire.AppendVarint(varint2, 42)
	var dataTwice []byte // data twice in one ArrowBatch, then an empty data
	for _, d := range []string{"first", "second", ""} {
		dataTwice = protowire.AppendTag(dataTwice, 2, protowire.BytesType)
		dataTwice = protowire.AppendBytes(dataTwice, []byte(d))
	}
	var abTwice []byte
	abTwice = protowire.AppendTag(abTwice, 2, protowire.BytesType)
	abTwice = protowire.AppendBytes(abTwice, dataTwice)
	var abUnknown []byte // an ArrowBatch with an unknown field and data as a varint
	abUnknown = protowire.AppendTag(abUnknown, 2, protowire.BytesType)
	inner := protowire.AppendTag(nil, 99, protowire.Fixed32Type)
	inner = protowire.AppendFixed32(inner, 5)
	inner = protowire.AppendTag(inner, 2, protowire.VarintType)
	inner = protowire.AppendVarint(inner, 3)
	inner = protowire.AppendTag(inner, 2, protowire.BytesType)
	inner = protowire.AppendBytes(inner, []byte("data"))
	abUnknown = protowire.AppendBytes(abUnknown, inner)
	sql := marshal(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_SqlCommandResult_{
		SqlCommandResult: &sparkpb.ExecutePlanResponse_SqlCommandResult{},
	}})
	withID := marshal(&sparkpb.ExecutePlanResponse{SessionId: "s", ResponseId: "r"})
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	out = append(out,
		nil,
		ab("", 0),
		join(ab("one", 1), ab("two", 2)),
		join(ab("one", 1), ab("", 0)),
		join(ab("one", 1), sql),
		join(sql, ab("one", 1)),
		join(withID, ab("x", 1), withID, unknown, ab("y", 2), withID),
		join(unknown, ab("z", 3), varint2),
		abTwice, abUnknown, join(abUnknown, ab("w", 4)),
	)
	return out
}

// checkDecode decodes b with the codec's function and with proto.Unmarshal and fails t if
// they disagree (error or not, message) or if an ArrowBatch's data is not a slice of b.
func checkDecode(t testing.TB, b []byte) {
	want := &sparkpb.ExecutePlanResponse{}
	wantErr := proto.Unmarshal(b, want)
	got := &sparkpb.ExecutePlanResponse{}
	gotErr := unmarshalExecuteResponse(b, got)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("codec error %v, proto.Unmarshal error %v, input %x", gotErr, wantErr, b)
	}
	if wantErr != nil {
		return
	}
	if !proto.Equal(got, want) {
		t.Fatalf("codec decoded\n%v\nproto.Unmarshal\n%v\ninput %x", got, want, b)
	}
	if d := got.GetArrowBatch().GetData(); len(d) > 0 {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		p := uintptr(unsafe.Pointer(&d[0]))
		if p < start || p+uintptr(len(d)) > start+uintptr(len(b)) || cap(d) != len(d) {
			t.Fatalf("arrow data is not a capped slice of the input")
		}
	}
}

func TestExecuteCodecDecodesAsProtoUnmarshal(t *testing.T) {
	// The random responses set every field of ExecutePlanResponse (schema, metrics,
	// observed metrics, execution progress, response id, result_complete, each result
	// type) in some messages.
	seen := map[protoreflect.Name]bool{}
	gen := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		m := randomResponse(gen).ProtoReflect()
		m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			seen[fd.Name()] = true
			return true
		})
	}
	fields := (&sparkpb.ExecutePlanResponse{}).ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if !seen[fields.Get(i).Name()] {
			t.Errorf("no random response sets %s", fields.Get(i).Name())
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, b := range encodings(t, r, 500) {
		checkDecode(t, b)
		// Every prefix: truncated messages fail as they do for proto.Unmarshal.
		if len(b) < 300 {
			for i := range b {
				checkDecode(t, b[:i])
			}
		}
	}
}

func FuzzExecuteCodec(f *testing.F) {
	for _, b := range encodings(f, rand.New(rand.NewPCG(3, 4)), 20) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b) })
}

// poisonPool hands out buffers and overwrites those returned to it, as reuse by a later
// message would.
type poisonPool struct{ gets, puts int }

func (p *poisonPool) Get(n int) *[]byte {
	p.gets++
	b := make([]byte, n)
	return &b
}

func (p *poisonPool) Put(b *[]byte) {
	p.puts++
	for i := range *b {
		(*b)[i] = 0xAA
	}
}

// frames splits b into gRPC buffers of the HTTP/2 frame size from pool, as a message
// arrives.
func frames(b []byte, pool mem.BufferPool) mem.BufferSlice {
	var out mem.BufferSlice
	for len(b) > 0 {
		n := min(len(b), 16384)
		buf := pool.Get(n)
		copy(*buf, b[:n])
		out = append(out, mem.NewBuffer(buf, pool))
		b = b[n:]
	}
	return out
}

func TestExecuteCodecOwnsTheBytes(t *testing.T) {
	data := make([]byte, 200_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, prefix := range []string{"", "s", "session-0123456789", "9e9a1d3e-64a9-4f64-a1a4-a7a5f2f6c0a1"} {
		want := &sparkpb.ExecutePlanResponse{
			SessionId:   prefix,
			OperationId: "op", ResponseId: "resp-1", ServerSideSessionId: "server",
			ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{
				RowCount: 12345, Data: data, StartOffset: proto.Int64(7),
			}},
		}
		b, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		pool := &poisonPool{}
		msg := frames(b, pool)
		got := &sparkpb.ExecutePlanResponse{}
		if err := (&executeCodec{}).Unmarshal(msg, got); err != nil {
			t.Fatal(err)
		}
		msg.Free() // gRPC frees the message after Unmarshal, and reuses its buffers
		if pool.puts != pool.gets || pool.gets < 2 {
			t.Fatalf("%d buffers, %d returned", pool.gets, pool.puts)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("prefix %q: decoded message differs after gRPC's buffers were reused", prefix)
		}
		if p := uintptr(unsafe.Pointer(&got.GetArrowBatch().GetData()[0])); p%8 != 0 {
			t.Errorf("prefix %q: arrow data at %#x, not 8-byte aligned", prefix, p)
		}
	}
}

func TestExecuteCodecOtherMessages(t *testing.T) {
	c := &executeCodec{}
	req := &sparkpb.ReattachExecuteRequest{SessionId: "s", OperationId: "op", LastResponseId: proto.String("r")}
	enc, err := c.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	got := &sparkpb.ReattachExecuteRequest{}
	if err := c.Unmarshal(enc, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, req) {
		t.Fatalf("round trip gave %v", got)
	}
	if _, err := c.Marshal("not a message"); err == nil {
		t.Error("Marshal of a string: no error")
	}
	if err := c.Unmarshal(enc, new(string)); err == nil {
		t.Error("Unmarshal into a string: no error")
	}
	if c.Name() != "proto" {
		t.Errorf("Name %q", c.Name())
	}
}

// A response's Arrow batches decode in place: the codec places the data 8-byte aligned, so
// DecodeBatch (with the Go allocator) points the arrays into the response's bytes instead
// of copying misaligned bodies, and they stay intact after gRPC reuses its buffers.
func TestExecuteCodecBatchesDecodeInPlace(t *testing.T) {
	data, want := ipcStream(t)
	defer func() {
		for _, rec := range want {
			rec.Release()
		}
	}()
	for _, sessionID := range []string{"", "9e9a1d3e-64a9-4f64-a1a4-a7a5f2f6c0a1", "odd"} {
		resp := &sparkpb.ExecutePlanResponse{
			SessionId: sessionID, OperationId: "op", ResponseId: "r1", ServerSideSessionId: "server",
			ResponseType: &sparkpb.ExecutePlanResponse_ArrowBatch_{ArrowBatch: &sparkpb.ExecutePlanResponse_ArrowBatch{
				RowCount: 2001, Data: data, StartOffset: proto.Int64(0),
			}},
		}
		b, err := proto.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		msg := frames(b, &poisonPool{})
		got := &sparkpb.ExecutePlanResponse{}
		if err := (&executeCodec{}).Unmarshal(msg, got); err != nil {
			t.Fatal(err)
		}
		msg.Free()
		_, recs, err := DecodeBatch(got.GetArrowBatch().GetData(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(want) {
			t.Fatalf("%d batches, want %d", len(recs), len(want))
		}
		for i, rec := range recs {
			if !array.RecordEqual(rec, want[i]) {
				t.Errorf("session id %q: batch %d differs", sessionID, i)
			}
			if ids := rec.Column(0).Data().Buffers()[1].Bytes(); !within(ids, got.GetArrowBatch().GetData()) {
				t.Errorf("session id %q: batch %d was copied", sessionID, i)
			}
			rec.Release()
		}
	}
}
