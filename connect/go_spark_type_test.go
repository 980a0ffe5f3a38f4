package connect

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/types"
)

// One mapper, two policies: literals are nullable at every level and take only the types
// literal values encode; struct schemas are nullable where the Go type is a pointer.
func TestGoSparkTypeRules(t *testing.T) {
	type inner struct {
		N int32   `spark:"n"`
		P *string `spark:"p"`
	}
	cases := []struct {
		name            string
		typ             reflect.Type
		literal, schema string // DDL with nullability marks, "" when refused
	}{
		{"slice", reflect.TypeFor[[]int32](), "array<int>?", "array<int>"},
		{"slice of pointers", reflect.TypeFor[[]*int32](), "array<int>?", "array<int>?"},
		{"map", reflect.TypeFor[map[string]float64](), "map<string,double>?", "map<string,double>"},
		{"map of pointers", reflect.TypeFor[map[string]*float64](), "map<string,double>?", "map<string,double>?"},
		{"struct", reflect.TypeFor[inner](), "struct<n:int?,p:string?>", "struct<n:int!,p:string?>"},
		{"array", reflect.TypeFor[[2]int64](), "array<bigint>?", ""},
		{"bytes", reflect.TypeFor[[]byte](), "binary", "binary"},
		{"time", reflect.TypeFor[time.Time](), "timestamp", "timestamp"},
		{"time of day", reflect.TypeFor[types.Time](), "", "time(6)"},
		{"named string", reflect.TypeFor[types.Primitive](), "", "string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, pol := range []struct {
				rules goTypeRules
				want  string
			}{{literalRules, tc.literal}, {schemaRules, tc.schema}} {
				dt, _, err := goSparkType(tc.typ, pol.rules, nil, nil)
				if pol.want == "" {
					if err == nil {
						t.Errorf("%+v: got %s, want an error", pol.rules, dt.DDL())
					}
					continue
				}
				if err != nil {
					t.Fatalf("%+v: %v", pol.rules, err)
				}
				if got := marked(dt); got != pol.want {
					t.Errorf("%+v: got %s, want %s", pol.rules, got, pol.want)
				}
			}
			// sparkTypeOf is the literal policy in protocol form.
			pb, err := sparkTypeOf(tc.typ)
			if (err != nil) != (tc.literal == "") {
				t.Fatalf("sparkTypeOf: %v", err)
			}
			if err == nil && marked(dataType(pb)) != tc.literal {
				t.Errorf("sparkTypeOf: %s, want %s", marked(dataType(pb)), tc.literal)
			}
		})
	}
}

// marked writes a type's DDL with its nullable flags: "?" after an array or map whose
// elements or values may be NULL, after a nullable field's type, "!" after a non-nullable
// field's.
func marked(dt types.DataType) string {
	switch t := dt.(type) {
	case types.ArrayType:
		s := "array<" + marked(t.Element) + ">"
		if t.ContainsNull {
			s += "?"
		}
		return s
	case types.MapType:
		s := "map<" + marked(t.Key) + "," + marked(t.Value) + ">"
		if t.ValueContainsNull {
			s += "?"
		}
		return s
	case *types.StructType:
		var fs []string
		for _, f := range t.Fields {
			m := "!"
			if f.Nullable {
				m = "?"
			}
			fs = append(fs, f.Name+":"+marked(f.Type)+m)
		}
		return "struct<" + strings.Join(fs, ",") + ">"
	}
	return dt.DDL()
}
