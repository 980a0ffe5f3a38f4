package connect

import (
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func TestProjectionPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	long := &sparkpb.DataType{Kind: &sparkpb.DataType_Long_{Long: &sparkpb.DataType_Long{}}}
	strT := &sparkpb.DataType{Kind: &sparkpb.DataType_String_{String_: &sparkpb.DataType_String{}}}
	meta := `{"unit":"items"}`
	unpivot := func(values *sparkpb.Unpivot_Values) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Unpivot{Unpivot: &sparkpb.Unpivot{
			Input: base, Ids: []*sparkpb.Expression{attrExpr("id")}, Values: values, VariableColumnName: "var", ValueColumnName: "val",
		}}}
	}
	for _, tc := range []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"ToDF", func(df *DataFrame) *DataFrame { return df.ToDF("a", "b") },
			&sparkpb.Relation{RelType: &sparkpb.Relation_ToDf{ToDf: &sparkpb.ToDF{Input: base, ColumnNames: []string{"a", "b"}}}}},
		{"To", func(df *DataFrame) *DataFrame {
			return df.To(types.Struct(types.StructField{Name: "n", Type: types.Long, Metadata: meta}, types.Field("s", types.String)))
		}, &sparkpb.Relation{RelType: &sparkpb.Relation_ToSchema{ToSchema: &sparkpb.ToSchema{Input: base, Schema: &sparkpb.DataType{
			Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{Fields: []*sparkpb.DataType_StructField{
				{Name: "n", DataType: long, Metadata: &meta}, {Name: "s", DataType: strT, Nullable: true},
			}}}}}}}},
		{"WithColumnsRenamed", func(df *DataFrame) *DataFrame { return df.WithColumnsRenamed(map[string]string{"b": "y", "a": "x"}) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_WithColumnsRenamed{WithColumnsRenamed: &sparkpb.WithColumnsRenamed{
				Input: base, Renames: []*sparkpb.WithColumnsRenamed_Rename{{ColName: "a", NewColName: "x"}, {ColName: "b", NewColName: "y"}}}}}},
		{"WithColumnsRenamed none", func(df *DataFrame) *DataFrame { return df.WithColumnsRenamed(nil) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_WithColumnsRenamed{WithColumnsRenamed: &sparkpb.WithColumnsRenamed{
				Input: base, Renames: []*sparkpb.WithColumnsRenamed_Rename{}}}}},
		{"Transpose", func(df *DataFrame) *DataFrame { return df.Transpose(Col("k")) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Transpose{Transpose: &sparkpb.Transpose{Input: base, IndexColumns: []*sparkpb.Expression{attrExpr("k")}}}}},
		{"Transpose default", func(df *DataFrame) *DataFrame { return df.Transpose() },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Transpose{Transpose: &sparkpb.Transpose{Input: base, IndexColumns: []*sparkpb.Expression{}}}}},
		{"DropColumns", func(df *DataFrame) *DataFrame { return df.DropColumns(Col("a"), Expr("b")) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{Input: base, Columns: []*sparkpb.Expression{attrExpr("a"), exprString("b")}}}}},
		{"Unpivot", func(df *DataFrame) *DataFrame {
			return df.Unpivot([]Column{Col("id")}, []Column{Col("a"), Col("b")}, "var", "val")
		}, unpivot(&sparkpb.Unpivot_Values{Values: []*sparkpb.Expression{attrExpr("a"), attrExpr("b")}})},
		{"Unpivot all", func(df *DataFrame) *DataFrame { return df.Unpivot([]Column{Col("id")}, nil, "var", "val") }, unpivot(nil)},
		{"Melt", func(df *DataFrame) *DataFrame { return df.Melt([]Column{Col("id")}, []Column{}, "var", "val") }, unpivot(nil)},
		{"Transform", func(df *DataFrame) *DataFrame {
			return df.Transform(func(d *DataFrame) *DataFrame { return d.Limit(2) }).Transform(func(d *DataFrame) *DataFrame { return d.Offset(1) })
		}, &sparkpb.Relation{RelType: &sparkpb.Relation_Offset{Offset: &sparkpb.Offset{Input: limitRel(base, 2), Offset: 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}

	// WithMetadata and ColRegex refer to the columns of their own DataFrame.
	df := s.Range(0, 10, 1)
	id := df.rel.GetCommon().GetPlanId()
	md := `{"a":[1,2],"b":"x"}`
	checkPlan(t, srv, df.WithMetadata("id", map[string]any{"b": "x", "a": []int{1, 2}}), &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{
		Input: base, Aliases: []*sparkpb.Expression_Alias{{Expr: attrExprOf("id", id), Name: []string{"id"}, Metadata: &md}}}}})
	empty := `{}`
	checkPlan(t, srv, df.WithMetadata("id", nil), &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{
		Input: base, Aliases: []*sparkpb.Expression_Alias{{Expr: attrExprOf("id", id), Name: []string{"id"}, Metadata: &empty}}}}})
	checkPlan(t, srv, df.Select(df.ColRegex("`i.*`")), projectRel(base, &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedRegex_{
		UnresolvedRegex: &sparkpb.Expression_UnresolvedRegex{ColName: "`i.*`", PlanId: &id}}}))
	metaCol := attrExprOf("_metadata", id)
	metaCol.GetUnresolvedAttribute().IsMetadataColumn = refOf(true)
	checkPlan(t, srv, df.Select(df.MetadataColumn("_metadata")), projectRel(base, metaCol))
}

func TestProjectionErrors(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	bad := InvalidColumn(errBadColumn)
	invalid := base.Limit(-1)
	before := sentRequests(srv)
	for _, tc := range []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"To nil", base.To(nil), "nil schema"},
		{"To nil field type", base.To(types.Struct(types.Field("a", nil))), "field a: spark connect: missing data type"},
		{"To nested nil", base.To(types.Struct(types.Field("a", types.ArrayType{}))), "array element"},
		{"To map key", base.To(types.Struct(types.Field("m", types.MapType{Value: types.Long}))), "map key"},
		{"To map value", base.To(types.Struct(types.Field("m", types.MapType{Key: types.Long}))), "map value"},
		{"To nil struct", base.To(types.Struct(types.Field("s", (*types.StructType)(nil)))), "nil struct"},
		{"WithMetadata unencodable", base.WithMetadata("id", map[string]any{"f": math.Inf(1)}), "with metadata"},
		{"ColRegex of invalid", base.Select(invalid.ColRegex("a")), "limit -1"},
		{"ColRegex of nil", base.Select((*DataFrame)(nil).ColRegex("a")), "nil DataFrame"},
		{"Transform nil", base.Transform(nil), "nil function"},
		{"Transform returns nil", base.Transform(func(*DataFrame) *DataFrame { return nil }), "returned a nil DataFrame"},
		{"Transform of nil", (*DataFrame)(nil).Transform(func(d *DataFrame) *DataFrame { return d }), "nil DataFrame"},
		{"Transform keeps errors", invalid.Transform(func(d *DataFrame) *DataFrame { return d.Select(Col("a")) }), "limit -1"},
		{"Transpose two", base.Transpose(Col("a"), Col("b")), "one index column at most"},
		{"Transpose bad", base.Transpose(bad), "bad column"},
		{"DropColumns bad", base.DropColumns(Col("a"), bad), "bad column"},
		{"Unpivot bad id", base.Unpivot([]Column{bad}, nil, "a", "b"), "bad column"},
		{"Unpivot bad value", base.Unpivot(nil, []Column{bad}, "a", "b"), "bad column"},
		{"ToDF of zero", (&DataFrame{}).ToDF("a"), "zero DataFrame"},
		{"MetadataColumn of invalid", base.Select(invalid.MetadataColumn("_metadata")), "limit -1"},
		{"MetadataColumn of nil", base.Select((*DataFrame)(nil).MetadataColumn("_metadata")), "nil DataFrame"},
	} {
		if err := tc.df.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}

// protoType is the inverse of dataType for every type the package describes.
func TestProtoTypeRoundTrip(t *testing.T) {
	all := []types.DataType{
		types.Null, types.Boolean, types.Byte, types.Short, types.Integer, types.Long, types.Float, types.Double,
		types.String, types.Binary, types.Date, types.Timestamp, types.TimestampNTZ, types.Variant, types.CalendarIntervalType,
		types.DecimalType{Precision: 20, Scale: 4}, types.CharType{Length: 3}, types.CharType{Length: 9, Var: true},
		types.DefaultDayTimeInterval, types.DayTimeIntervalType{Start: types.IntervalHour, End: types.IntervalHour},
		types.DefaultYearMonthInterval, types.TimeType{Precision: 3},
		types.ArrayType{Element: types.String, ContainsNull: true},
		types.MapType{Key: types.String, Value: types.ArrayType{Element: types.Long}, ValueContainsNull: true},
		types.Struct(types.StructField{Name: "a", Type: types.Long, Metadata: `{"x":1}`}, types.Field("b", types.Struct(types.Field("c", types.Date)))),
	}
	for _, want := range all {
		p, err := protoType(want)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if got := dataType(p); got.DDL() != want.DDL() {
			t.Errorf("round trip of %s gave %s", want, got)
		}
	}
	st := types.Struct(types.StructField{Name: "a", Type: types.Long, Metadata: `{"x":1}`})
	p, _ := protoType(st)
	if got := dataType(p).(*types.StructType); got.Fields[0].Metadata != `{"x":1}` || got.Fields[0].Nullable {
		t.Errorf("field %+v", got.Fields[0])
	}
	// A primitive Spark does not know goes as DDL for the server to judge.
	p, err := protoType(types.Primitive("geometry"))
	if err != nil || p.GetUnparsed().GetDataTypeString() != "geometry" {
		t.Errorf("unknown primitive: %v %v", p, err)
	}
}
