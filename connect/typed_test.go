package connect

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

type tyLevel string

type tyInner struct {
	X    int32 `spark:"x"`
	Tags []string
}

type tyAll struct {
	ID       int64 `spark:"id"`
	I32      int32
	I16      int16
	I8       int8
	N        int `spark:"n"`
	F32      float32
	F64      float64
	S        string
	Lvl      tyLevel
	B        []byte
	OK       bool
	TS       time.Time
	D        Date
	NTZ      TimestampNTZ
	Dur      time.Duration
	TOD      types.Time
	YM       types.YearMonthInterval
	CI       types.CalendarInterval
	Price    types.Decimal   `spark:"price,decimal(10,2)"`
	OptPrice *types.Decimal  `spark:"opt_price,decimal(5,1)"`
	Prices   []types.Decimal `spark:"prices,decimal(4,0)"`
	Opt      *int64
	OptS     *string
	Arr      []int64
	ArrP     []*string
	M        map[string]int32
	MP       map[int64]*float64
	In       tyInner
	InP      *tyInner
	Ins      []tyInner
	Skip     string `spark:"-"`
	hidden   int
}

func ptr[T any](v T) *T { return &v }

func tyRows() []tyAll {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	return []tyAll{
		{
			ID: 1, I32: math.MaxInt32, I16: -7, I8: 8, N: 1 << 40, F32: 1.5, F64: math.Pi, S: "héllo",
			Lvl: "warn", B: []byte{0, 1, 2}, OK: true, TS: ts, D: Date{2024, time.February, 29},
			NTZ: TimestampNTZ(ts), Dur: 90 * time.Minute, TOD: types.Time{Hour: 13, Minute: 14, Second: 15},
			YM: 14, CI: types.CalendarInterval{Months: 1, Days: 2, Microseconds: 3},
			Price: types.Decimal{Unscaled: big.NewInt(12345), Scale: 2}, OptPrice: &types.Decimal{Unscaled: big.NewInt(-5), Scale: 1},
			Prices: []types.Decimal{{Unscaled: big.NewInt(7)}},
			Opt:    ptr(int64(42)), OptS: ptr("x"), Arr: []int64{1, 2, 3}, ArrP: []*string{ptr("a"), nil},
			M: map[string]int32{"a": 1, "b": 2}, MP: map[int64]*float64{1: ptr(0.5), 2: nil},
			In: tyInner{X: 5, Tags: []string{"t"}}, InP: &tyInner{X: 6, Tags: []string{}},
			Ins: []tyInner{{X: 7, Tags: []string{"u", "v"}}},
		},
		{
			// Zero values and NULLs everywhere they may be.
			ID: 2, TS: time.Unix(0, 0).UTC(), D: Date{1970, time.January, 1}, NTZ: TimestampNTZ(time.Unix(0, 0).UTC()),
			Price: types.Decimal{Unscaled: big.NewInt(0), Scale: 2}, Prices: []types.Decimal{}, Arr: []int64{}, ArrP: []*string{},
			M: map[string]int32{}, MP: map[int64]*float64{}, In: tyInner{Tags: []string{}}, Ins: []tyInner{},
		},
	}
}

// same compares two values deeply: decimals by value, times by instant, everything else
// as reflect.DeepEqual does (unexported fields are ignored).
func same(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Type() {
	case decimalType:
		x, y := a.Interface().(types.Decimal), b.Interface().(types.Decimal)
		return x.Rat().Cmp(y.Rat()) == 0
	case timeType:
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	case ntzType:
		return time.Time(a.Interface().(TimestampNTZ)).Equal(time.Time(b.Interface().(TimestampNTZ)))
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() || a.IsNil() != b.IsNil() && a.Len() > 0 {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		it := a.MapRange()
		for it.Next() {
			v := b.MapIndex(it.Key())
			if !v.IsValid() || !same(it.Value(), v) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() && !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// echoLocal makes srv answer a query on a local relation with the relation's own batches,
// so that CreateDataFrameOf and CollectAs meet through the wire.
func echoLocal(srv *fakeserver.Server) {
	srv.SetResult(func(p *sparkpb.Plan) ([]arrow.RecordBatch, error) {
		rd, err := ipc.NewReader(bytes.NewReader(p.GetRoot().GetLocalRelation().GetData()))
		if err != nil {
			return nil, err
		}
		defer rd.Release()
		var out []arrow.RecordBatch
		for rd.Next() {
			rec := rd.RecordBatch()
			rec.Retain()
			out = append(out, rec)
		}
		return out, rd.Err()
	})
}

func TestSchemaOf(t *testing.T) {
	st, err := SchemaOf[tyAll]()
	if err != nil {
		t.Fatal(err)
	}
	want := "struct<id:bigint NOT NULL,I32:int NOT NULL,I16:smallint NOT NULL,I8:tinyint NOT NULL,n:bigint NOT NULL," +
		"F32:float NOT NULL,F64:double NOT NULL,S:string NOT NULL,Lvl:string NOT NULL,B:binary NOT NULL,OK:boolean NOT NULL," +
		"TS:timestamp NOT NULL,D:date NOT NULL,NTZ:timestamp_ntz NOT NULL,Dur:interval day to second NOT NULL," +
		"TOD:time(6) NOT NULL,YM:interval year to month NOT NULL,CI:interval NOT NULL,price:decimal(10,2) NOT NULL," +
		"opt_price:decimal(5,1),prices:array<decimal(4,0)> NOT NULL,Opt:bigint,OptS:string,Arr:array<bigint> NOT NULL," +
		"ArrP:array<string> NOT NULL,M:map<string,int> NOT NULL,MP:map<bigint,double> NOT NULL," +
		"In:struct<x:int NOT NULL,Tags:array<string> NOT NULL> NOT NULL,InP:struct<x:int NOT NULL,Tags:array<string> NOT NULL>," +
		"Ins:array<struct<x:int NOT NULL,Tags:array<string> NOT NULL>> NOT NULL>"
	if got := st.DDL(); got != want {
		t.Fatalf("schema\n got %s\nwant %s", got, want)
	}
	nullable := map[string]bool{"opt_price": true, "Opt": true, "OptS": true, "InP": true}
	for _, f := range st.Fields {
		if f.Nullable != nullable[f.Name] {
			t.Errorf("field %s nullable %v", f.Name, f.Nullable)
		}
	}
	arrP := st.Fields[st.FieldIndex("ArrP")].Type.(types.ArrayType)
	mp := st.Fields[st.FieldIndex("MP")].Type.(types.MapType)
	arr := st.Fields[st.FieldIndex("Arr")].Type.(types.ArrayType)
	if !arrP.ContainsNull || !mp.ValueContainsNull || arr.ContainsNull {
		t.Errorf("element nullability: %+v %+v %+v", arrP, mp, arr)
	}
	if p, err := SchemaOf[*tyInner](); err != nil || p.DDL() != "struct<x:int NOT NULL,Tags:array<string> NOT NULL>" {
		t.Errorf("pointer type: %v %v", p, err)
	}
}

func TestSchemaOfErrors(t *testing.T) {
	type noHint struct{ P types.Decimal }
	type badHint struct {
		P types.Decimal `spark:"p,decimal(40,2)"`
	}
	type hintNoDecimal struct {
		P int64 `spark:"p,decimal(10,2)"`
	}
	type unsigned struct{ U uint32 }
	type iface struct{ A any }
	type ptrKey struct{ M map[*string]int64 }
	type key struct{ A int64 }
	type structKey struct{ M map[key]int64 }
	type recursive struct{ Next *recursive }
	type empty struct{ hidden int }
	type variant struct{ V Variant }
	for _, tc := range []struct {
		name string
		f    func() (*types.StructType, error)
		want string
	}{
		{"no hint", SchemaOf[noHint], "field P: types.Decimal needs a type hint"},
		{"bad hint", SchemaOf[badHint], `field P: type hint "decimal(40,2)" is not decimal(p,s)`},
		{"hint without decimal", SchemaOf[hintNoDecimal], "holds no types.Decimal"},
		{"unsigned", SchemaOf[unsigned], "field U: no Spark type for Go type uint32"},
		{"interface", SchemaOf[iface], "no Spark type for Go type interface {}"},
		{"pointer key", SchemaOf[ptrKey], "Spark map keys are never NULL"},
		{"struct key", SchemaOf[structKey], "is not supported (use a scalar key)"},
		{"recursive", SchemaOf[recursive], "recursive struct type"},
		{"no fields", SchemaOf[empty], "has no exported fields"},
		{"not a struct", SchemaOf[int64], "int64 is not a struct type"},
		{"time.Time", SchemaOf[time.Time], "is not a struct type"},
		{"variant", SchemaOf[variant], "no Spark type for Go type connect.Variant"},
	} {
		_, err := tc.f()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// Every supported field type survives CreateDataFrameOf, the wire, and CollectAs.
func TestCreateDataFrameOfCollectAsRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	srv, s := fakeSession(t, WithAllocator(mem))
	echoLocal(srv)
	in := tyRows()
	in[0].Skip, in[0].hidden = "not sent", 9
	got, err := CollectAs[tyAll](fakeCtx(t), CreateDataFrameOf(s, in))
	if err != nil {
		t.Fatal(err)
	}
	in[0].Skip, in[0].hidden = "", 0
	if len(got) != len(in) {
		t.Fatalf("%d rows, want %d", len(got), len(in))
	}
	for i := range in {
		if !same(reflect.ValueOf(got[i]), reflect.ValueOf(in[i])) {
			t.Errorf("row %d\n got %+v\nwant %+v", i, got[i], in[i])
		}
	}
	if got[0].OptS == in[0].OptS || &got[0].B[0] == &in[0].B[0] {
		t.Error("decoded values share memory with the input")
	}
	// Into pointers to structs, too.
	ps, err := CollectAs[*tyAll](fakeCtx(t), CreateDataFrameOf(s, in))
	if err != nil || len(ps) != 2 || !same(reflect.ValueOf(*ps[1]), reflect.ValueOf(in[1])) {
		t.Fatalf("pointer rows %v, %v", ps, err)
	}
	mem.AssertSize(t, 0)
}

// recordOf builds one batch of the given schema and rows, released at the end of the test.
func recordOf(t *testing.T, schema *types.StructType, rows ...[]any) arrow.RecordBatch {
	t.Helper()
	rec, err := buildRecord(memory.DefaultAllocator, schema, rows)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Release)
	return rec
}

// serve makes srv return the batches, each as its own batch, to every query.
func serve(srv *fakeserver.Server, recs ...arrow.RecordBatch) {
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		for _, r := range recs {
			r.Retain()
		}
		return recs, nil
	})
}

// Names match by tag, then Go name, then case-insensitively; integers convert when they fit.
func TestCollectAsMatching(t *testing.T) {
	type target struct {
		UserID  int     `spark:"user_id"`
		Name    string  // exact Go name
		Score   float64 // "SCORE" matches ignoring case
		Small   int8
		Level   tyLevel
		Amount  *int32
		Payload any
	}
	srv, s := fakeSession(t)
	schema := types.Struct(
		types.Field("Payload", types.Long),
		types.Field("user_id", types.Long),
		types.Field("Name", types.String),
		types.Field("SCORE", types.Float),
		types.Field("small", types.Integer),
		types.Field("Level", types.String),
		types.Field("amount", types.Long),
	)
	serve(srv, recordOf(t, schema, []any{int64(9), int64(7), "ann", float32(0.5), int32(-128), "info", nil}),
		recordOf(t, schema, []any{nil, int64(8), "bob", float32(2), int32(127), "warn", int64(3)}))
	got, err := CollectAs[target](fakeCtx(t), s.Range(0, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := []target{
		{UserID: 7, Name: "ann", Score: 0.5, Small: -128, Level: "info", Payload: int64(9)},
		{UserID: 8, Name: "bob", Score: 2, Small: 127, Level: "warn", Amount: ptr(int32(3))},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestCollectAsErrors(t *testing.T) {
	type idOnly struct {
		ID int64 `spark:"id"`
	}
	type idName struct {
		ID   int64 `spark:"id"`
		Name string
	}
	type small struct {
		ID int8 `spark:"id"`
	}
	type asString struct {
		ID string `spark:"id"`
	}
	type twoCase struct {
		A int64 `spark:"a"`
		B int64 `spark:"A"`
	}
	type nested struct {
		In tyInner
	}
	type nestedPtr struct {
		In *tyInner
	}
	type arrs struct {
		Arr []int64
	}
	type uns struct {
		ID uint8 `spark:"id"`
	}
	long := types.Struct(types.Field("id", types.Long))
	for _, tc := range []struct {
		name string
		rec  func(t *testing.T) arrow.RecordBatch
		run  func(ctx context.Context, df *DataFrame) error
		want string
	}{
		{"extra column",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("id", types.Long), types.Field("extra", types.String)), []any{int64(1), "x"})
			},
			collectErr[idOnly], "typed rows: column extra has no field in connect.idOnly"},
		{"missing column",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(1)}) },
			collectErr[idName], "typed rows: field Name of connect.idName has no column Name in the result (columns: id)"},
		{"missing column of an empty result",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long) },
			collectErr[idName], "field Name of connect.idName has no column Name"},
		{"overflow",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(1)}, []any{int64(300)}) },
			collectErr[small], "typed rows: row 1, column id (bigint) into field ID: value 300 (int64) in id overflows Go type int8"},
		{"negative into unsigned",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(-1)}) },
			collectErr[uns], "value -1 (int64) in id is negative for Go type uint8"},
		{"type mismatch",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(5)}) },
			collectErr[asString], "typed rows: row 0, column id (bigint) into field ID: value 5 of Go type int64 in id does not fit Go type string"},
		{"null into non-pointer",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(5)}, []any{nil}) },
			collectErr[idOnly], "typed rows: row 1, column id (bigint) into field ID: NULL in id does not fit Go type int64 (use *int64)"},
		{"ambiguous case",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("a", types.Long), types.Field("b", types.Long)), []any{int64(1), int64(2)})
			},
			collectErr[twoCase], "column b has no field"},
		{"nested null",
			func(t *testing.T) arrow.RecordBatch {
				in := types.Struct(types.Field("x", types.Integer), types.Field("Tags", types.ArrayType{Element: types.String, ContainsNull: true}))
				return recordOf(t, types.Struct(types.Field("In", in)), []any{[]any{nil, []any{"a"}}})
			},
			collectErr[nested], "typed rows: row 0, column In (struct<x:int,Tags:array<string>>) into field In: NULL in In.x does not fit Go type int32 (use *int32)"},
		{"nested null element",
			func(t *testing.T) arrow.RecordBatch {
				in := types.Struct(types.Field("x", types.Integer), types.Field("Tags", types.ArrayType{Element: types.String, ContainsNull: true}))
				return recordOf(t, types.Struct(types.Field("In", in)), []any{[]any{int32(1), []any{"a", nil}}})
			},
			collectErr[nestedPtr], "NULL in In.Tags[1] does not fit Go type string"},
		{"nested extra field",
			func(t *testing.T) arrow.RecordBatch {
				in := types.Struct(types.Field("x", types.Integer), types.Field("y", types.Integer), types.Field("Tags", types.ArrayType{Element: types.String}))
				return recordOf(t, types.Struct(types.Field("In", in)), []any{[]any{int32(1), int32(2), []any{}}})
			},
			collectErr[nested], "typed rows: row 0, column In (struct<x:int,y:int,Tags:array<string>>) into field In: column In.y has no field in connect.tyInner"},
		{"array into scalar",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("Arr", types.String)), []any{"x"})
			},
			collectErr[arrs], "value x of Go type string in Arr does not fit Go type []int64"},
		{"inexact float32",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("F", types.Double)), []any{0.5}, []any{0.1})
			},
			collectErr[struct{ F float32 }], "row 1, column F (double) into field F: value 0.1 (float64) in F is not exactly a Go float32"},
		{"two columns for one field",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("name", types.String), types.Field("NAME", types.String)), []any{"a", "b"})
			},
			collectErr[struct{ Name string }], "typed rows: columns name and NAME both match field Name"},
		{"inexact float32",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("F", types.Double)), []any{0.5}, []any{0.1})
			},
			collectErr[struct{ F float32 }], "row 1, column F (double) into field F: value 0.1 (float64) in F is not exactly a Go float32"},
		{"two columns for one field",
			func(t *testing.T) arrow.RecordBatch {
				return recordOf(t, types.Struct(types.Field("name", types.String), types.Field("NAME", types.String)), []any{"a", "b"})
			},
			collectErr[struct{ Name string }], "typed rows: columns name and NAME both match field Name"},
		{"not a struct",
			func(t *testing.T) arrow.RecordBatch { return recordOf(t, long, []any{int64(5)}) },
			collectErr[int64], "typed rows: int64 is not a struct type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := fakeSession(t)
			serve(srv, tc.rec(t))
			err := tc.run(fakeCtx(t), s.Range(0, 1, 1))
			if err == nil || err.Error() != tc.want && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func collectErr[T any](ctx context.Context, df *DataFrame) error {
	_, err := CollectAs[T](ctx, df)
	return err
}

// Nil and zero values give errors, never a panic.
func TestTypedNilAndZero(t *testing.T) {
	ctx := context.Background()
	if _, err := CollectAs[tyInner](ctx, nil); !errors.Is(err, ErrNilDataFrame) {
		t.Errorf("nil DataFrame: %v", err)
	}
	if _, err := CollectAs[tyInner](ctx, &DataFrame{}); err == nil {
		t.Error("zero DataFrame: no error")
	}
	for _, err := range RowsAs[tyInner](ctx, nil) {
		if !errors.Is(err, ErrNilDataFrame) {
			t.Errorf("nil DataFrame: %v", err)
		}
	}
	if _, err := CollectAs[tyInner](ctx, CreateDataFrameOf[tyInner](nil, nil)); !errors.Is(err, ErrClosed) {
		t.Errorf("nil session: %v", err)
	}
	if _, err := CollectAs[tyInner](ctx, CreateDataFrameOf(&Session{}, []tyInner{{}})); !errors.Is(err, ErrClosed) {
		t.Errorf("zero session: %v", err)
	}
	_, s := fakeSession(t)
	if _, err := CollectAs[tyInner](ctx, CreateDataFrameOf(s, []*tyInner{nil})); err == nil || !strings.Contains(err.Error(), "row 0 is a nil pointer") {
		t.Errorf("nil row: %v", err)
	}
	type noHint struct{ P types.Decimal }
	if _, err := CollectAs[tyInner](ctx, CreateDataFrameOf(s, []noHint{{}})); err == nil || !strings.Contains(err.Error(), "create dataframe: schema of connect.noHint: field P") {
		t.Errorf("bad type: %v", err)
	}
	type dec struct {
		P types.Decimal `spark:"p,decimal(3,1)"`
	}
	if _, err := CollectAs[dec](ctx, CreateDataFrameOf(s, []dec{{P: types.Decimal{Unscaled: big.NewInt(12345), Scale: 2}}})); err == nil ||
		!strings.Contains(err.Error(), "row 0, field p: decimal 123.45 has more than the 1 digits") {
		t.Errorf("decimal that does not fit: %v", err)
	}
	// A zero types.Decimal (nil Unscaled) is zero.
	if df := CreateDataFrameOf(s, []dec{{}}); df.err != nil {
		t.Errorf("zero decimal: %v", df.err)
	}
	// An empty slice makes an empty DataFrame with T's schema.
	if df := CreateDataFrameOf(s, []tyInner{}); df.err != nil {
		t.Errorf("no rows: %v", df.err)
	}
}

// RowsAs streams batch by batch; breaking out of the loop releases the result.
func TestRowsAsEarlyBreakReleases(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	srv, s := fakeSession(t, WithAllocator(mem))
	schema := types.Struct(types.Field("x", types.Integer), types.Field("Tags", types.ArrayType{Element: types.String}))
	var recs []arrow.RecordBatch
	for i := range 5 {
		recs = append(recs, recordOf(t, schema, []any{int32(2 * i), []any{"a"}}, []any{int32(2*i + 1), []any{}}))
	}
	serve(srv, recs...)
	var got []int32
	for v, err := range RowsAs[tyInner](fakeCtx(t), s.Range(0, 1, 1)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.X)
		if len(got) == 3 {
			break
		}
	}
	if !reflect.DeepEqual(got, []int32{0, 1, 2}) {
		t.Fatalf("got %v", got)
	}
	mem.AssertSize(t, 0)
	// Read to the end, every row comes, in order.
	var all []int32
	for v, err := range RowsAs[tyInner](fakeCtx(t), s.Range(0, 1, 1)) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, v.X)
	}
	if len(all) != 10 || all[9] != 9 {
		t.Fatalf("all rows %v", all)
	}
	mem.AssertSize(t, 0)
	// A query error is yielded once.
	srv.FailNext(errors.New("boom"))
	n := 0
	for _, err := range RowsAs[tyInner](fakeCtx(t), s.Range(0, 1, 1)) {
		n++
		if err == nil {
			t.Fatal("no error")
		}
	}
	if n != 1 {
		t.Fatalf("%d yields, want 1", n)
	}
	mem.AssertSize(t, 0)
}
