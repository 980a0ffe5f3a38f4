package tests

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// utcSession is a session whose time zone is UTC, so that timestamps print the same
// everywhere.
func utcSession(t *testing.T) (*connect.Session, func(name string, row connect.Row) any) {
	t.Helper()
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	if err := s.Conf().Set(ctx, "spark.sql.session.timeZone", "UTC"); err != nil {
		t.Fatal(err)
	}
	get := func(name string, r connect.Row) any {
		t.Helper()
		v, ok := r.Get(name)
		if !ok {
			t.Fatalf("no column %s in %v", name, r.Names())
		}
		return v
	}
	return s, get
}

// Each interval type comes back with its own DDL, which Spark parses again in a cast, and
// as its documented Go value.
func TestIntervalTypes(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, get := utcSession(t)
	df, err := s.SQL(ctx, `SELECT
		INTERVAL '1 02:03:04.000005' DAY TO SECOND AS dts,
		INTERVAL '2:03' HOUR TO MINUTE AS hm,
		INTERVAL '3' DAY AS d,
		INTERVAL '-45.5' SECOND AS sec,
		INTERVAL '1-2' YEAR TO MONTH AS ym,
		INTERVAL '3' YEAR AS y,
		INTERVAL '-5' MONTH AS mo,
		make_interval(1, 2, 0, 3, 4, 5, 6.5) AS cal`)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"interval day to second", "interval hour to minute", "interval day", "interval second",
		"interval year to month", "interval year", "interval month", "interval"}
	if len(schema.Fields) != len(wantTypes) {
		t.Fatalf("schema %s", schema.DDL())
	}
	for i, f := range schema.Fields {
		if f.Type.DDL() != wantTypes[i] {
			t.Errorf("schema: %s is %s, want %s", f.Name, f.Type.DDL(), wantTypes[i])
		}
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	want := map[string]any{
		"dts": 26*time.Hour + 3*time.Minute + 4*time.Second + 5*time.Microsecond,
		"hm":  2*time.Hour + 3*time.Minute,
		"d":   72 * time.Hour,
		"sec": -45500 * time.Millisecond,
		"ym":  types.YearMonthInterval(14),
		"y":   types.YearMonthInterval(36),
		"mo":  types.YearMonthInterval(-5),
		"cal": types.CalendarInterval{Months: 14, Days: 3, Microseconds: (4*3600+5*60)*1_000_000 + 6_500_000},
	}
	for name, w := range want {
		if got := get(name, rows[0]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v (%T), want %#v (%T)", name, got, got, w, w)
		}
	}

	// The DDL names work in casts, and the cast keeps the type.
	for _, f := range schema.Fields[:7] {
		cast, err := s.SQL(ctx, "SELECT CAST("+f.Name+" AS "+f.Type.DDL()+") AS c FROM (SELECT "+
			map[string]string{
				"dts": "INTERVAL '1 02:03:04.000005' DAY TO SECOND", "hm": "INTERVAL '2:03' HOUR TO MINUTE",
				"d": "INTERVAL '3' DAY", "sec": "INTERVAL '-45.5' SECOND", "ym": "INTERVAL '1-2' YEAR TO MONTH",
				"y": "INTERVAL '3' YEAR", "mo": "INTERVAL '-5' MONTH",
			}[f.Name]+" AS "+f.Name+")")
		if err != nil {
			t.Errorf("cast to %s: %v", f.Type.DDL(), err)
			continue
		}
		cs, err := cast.Schema(ctx)
		if err != nil {
			t.Errorf("cast to %s: %v", f.Type.DDL(), err)
			continue
		}
		if got := cs.Fields[0].Type.DDL(); got != f.Type.DDL() {
			t.Errorf("CAST(%s AS %s) is %s", f.Name, f.Type.DDL(), got)
		}
	}

	// Go values as literals come back unchanged.
	lit, err := s.Range(0, 1, 1).Select(
		connect.Lit(-(90*time.Minute + time.Microsecond)).Alias("dt"),
		connect.Lit(types.YearMonthInterval(-14)).Alias("ym"),
	).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := lit[0].Values(); !reflect.DeepEqual(got, []any{-(90*time.Minute + time.Microsecond), types.YearMonthInterval(-14)}) {
		t.Errorf("interval literals = %#v", got)
	}
}

// A variant comes back as connect.Variant, which renders the JSON that Spark's to_json
// renders and decodes to Go values.
func TestVariantValues(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, get := utcSession(t)
	df, err := s.SQL(ctx, `SELECT v, to_json(v) AS vj, w, to_json(w) AS wj FROM (SELECT
		parse_json('{"a":1,"b":[true,null,"x"]}') AS v,
		to_variant_object(named_struct(
			'z', 'q"\n\u0001é', 'd', date'2024-02-29', 't', timestamp'2024-03-01 12:34:56.5',
			'n', timestamp_ntz'2024-03-01 00:00:00', 'b', X'0102FF', 'dec', cast(1.50 AS decimal(5,2)),
			'dbl', 1e20D, 'f', cast(0.1 AS float), 'big', 12345678901234L, 'arr', array(1.5D, 2D),
			'nested', named_struct('k', cast(null AS int)))) AS w)`)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := schema.DDL(); got != "struct<v:variant NOT NULL,vj:string,w:variant NOT NULL,wj:string>" {
		t.Errorf("schema %s", got)
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	v, ok := get("v", rows[0]).(connect.Variant)
	if !ok {
		t.Fatalf("v = %#v (%T)", get("v", rows[0]), get("v", rows[0]))
	}
	if js, err := v.JSON(); err != nil || js != `{"a":1,"b":[true,null,"x"]}` {
		t.Errorf("v.JSON() = %q, %v", js, err)
	}
	if js := get("vj", rows[0]); js != `{"a":1,"b":[true,null,"x"]}` {
		t.Errorf("to_json(v) = %q", js)
	}
	val, err := v.Value()
	if want := map[string]any{"a": int64(1), "b": []any{true, nil, "x"}}; err != nil || !reflect.DeepEqual(val, want) {
		t.Errorf("v.Value() = %#v, %v; want %#v", val, err, want)
	}

	// Every scalar kind renders as Spark renders it, non-ASCII text included (the server
	// needs a UTF-8 locale for that, which the sparkwire image sets).
	w, ok := get("w", rows[0]).(connect.Variant)
	if !ok {
		t.Fatalf("w = %#v", get("w", rows[0]))
	}
	js, err := w.JSON()
	if err != nil || js != get("wj", rows[0]) {
		t.Errorf("w.JSON() = %q, %v; Spark's to_json: %q", js, err, get("wj", rows[0]))
	}
	wv, err := w.Value()
	if err != nil {
		t.Fatal(err)
	}
	m := wv.(map[string]any)
	checks := map[string]any{
		"z":      "q\"\n\x01é",
		"d":      time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"t":      time.Date(2024, 3, 1, 12, 34, 56, 500_000_000, time.UTC),
		"n":      time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		"b":      []byte{1, 2, 0xff},
		"dbl":    1e20,
		"f":      float32(0.1),
		"big":    int64(12345678901234),
		"arr":    []any{1.5, 2.0},
		"nested": map[string]any{"k": nil},
	}
	for k, want := range checks {
		if !reflect.DeepEqual(m[k], want) {
			t.Errorf("w.%s = %#v (%T), want %#v", k, m[k], m[k], want)
		}
	}
	if d, ok := m["dec"].(types.Decimal); !ok || d.Rat().Cmp(big.NewRat(3, 2)) != 0 {
		t.Errorf("w.dec = %#v", m["dec"])
	}

	// Non-ASCII text decodes exactly.
	udf, err := s.SQL(ctx, `SELECT parse_json('"é€😀"') AS u`)
	if err != nil {
		t.Fatal(err)
	}
	urows, err := udf.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := get("u", urows[0]).(connect.Variant)
	if !ok {
		t.Fatalf("u = %#v", get("u", urows[0]))
	}
	if js, err := u.JSON(); err != nil || js != `"é€😀"` {
		t.Errorf("u.JSON() = %q, %v", js, err)
	}
	if uv, err := u.Value(); err != nil || uv != "é€😀" {
		t.Errorf("u.Value() = %#v, %v", uv, err)
	}
}

// Spark's time type comes back as types.Time with its DDL time(6).
func TestTimeType(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, get := utcSession(t)
	// Spark 4.1 has the time type behind a flag.
	if err := s.Conf().Set(ctx, "spark.sql.timeType.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	df, err := s.SQL(ctx, `SELECT CAST('12:34:56.789' AS TIME) AS t, CAST('00:00:01' AS TIME(0)) AS t0`)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := schema.DDL(); got != "struct<t:time(6),t0:time(0)>" {
		t.Errorf("schema %s", got)
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := get("t", rows[0]); got != (types.Time{Hour: 12, Minute: 34, Second: 56, Nanosecond: 789_000_000}) {
		t.Errorf("t = %#v", got)
	}
	if got := get("t0", rows[0]); got != (types.Time{Second: 1}) {
		t.Errorf("t0 = %#v", got)
	}
	if s := get("t", rows[0]).(types.Time).String(); s != "12:34:56.789" {
		t.Errorf("t.String() = %q", s)
	}
}

// A table of decimals and nested values built in Go reads back as the same values.
func TestCreateDataFrameNested(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, get := utcSession(t)
	schema := types.Struct(
		types.StructField{Name: "id", Type: types.Byte, Nullable: false},
		types.Field("price", types.DecimalType{Precision: 10, Scale: 2}),
		types.Field("tags", types.ArrayType{Element: types.String, ContainsNull: true}),
		types.Field("counts", types.MapType{Key: types.String, Value: types.Long, ValueContainsNull: true}),
		types.Field("point", types.Struct(types.Field("x", types.Integer), types.Field("ys", types.ArrayType{Element: types.Double}))),
		types.Field("wait", types.DefaultDayTimeInterval),
		types.Field("day", types.Date),
		types.Field("local", types.TimestampNTZ),
	)
	ntz := time.Date(2024, 5, 6, 7, 8, 9, 10_000, time.UTC)
	df := s.CreateDataFrameFromRows(schema, [][]any{
		{1, types.Decimal{Unscaled: big.NewInt(1999), Scale: 2}, []string{"a", "b"}, map[string]int64{"x": 1},
			[]any{int32(3), []float64{0.5, 1.5}}, 90 * time.Second, connect.Date{Year: 2024, Month: 2, Day: 29},
			connect.TimestampNTZ(ntz)},
		{2, types.Decimal{Unscaled: big.NewInt(5), Scale: 0}, []any{nil}, map[string]any{"y": nil},
			map[string]any{"x": 4}, -time.Microsecond, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), ntz},
		{3, nil, nil, nil, nil, nil, nil, nil},
	})
	got, err := df.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDDL := "struct<id:tinyint NOT NULL,price:decimal(10,2),tags:array<string>,counts:map<string,bigint>," +
		"point:struct<x:int,ys:array<double>>,wait:interval day to second,day:date,local:timestamp_ntz>"
	if got.DDL() != wantDDL {
		t.Errorf("schema %s\nwant   %s", got.DDL(), wantDDL)
	}
	rows, err := df.OrderBy(connect.Col("id")).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	want := [][]any{
		{int8(1), "19.99", []any{"a", "b"}, map[any]any{"x": int64(1)},
			[]any{int32(3), []any{0.5, 1.5}}, 90 * time.Second, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), ntz},
		{int8(2), "5.00", []any{nil}, map[any]any{"y": nil},
			[]any{int32(4), nil}, -time.Microsecond, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), ntz},
		{int8(3), nil, nil, nil, nil, nil, nil, nil},
	}
	for i, r := range rows {
		for c, f := range schema.Fields {
			g := get(f.Name, r)
			switch x := g.(type) {
			case types.Decimal:
				g = x.String()
			case connect.Row:
				g = x.Values()
			}
			if !reflect.DeepEqual(g, want[i][c]) {
				t.Errorf("row %d, %s = %#v (%T), want %#v", i, f.Name, g, g, want[i][c])
			}
		}
	}

	// Values that do not fit are errors at the action, naming the row and field.
	bad := s.CreateDataFrameFromRows(schema, [][]any{{1, types.Decimal{Unscaled: big.NewInt(1), Scale: 3}, nil, nil, nil, nil, nil, nil}})
	if _, err := bad.Rows(ctx); err == nil {
		t.Error("a decimal that needs rounding was accepted")
	}
}
