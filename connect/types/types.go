// Package types describes Spark SQL data types in Go, independent of the wire protocol.
//
// A schema is a [StructType]; each field carries a [DataType]. Types print as Spark's DDL
// (for example "struct<id:bigint,tags:array<string>>"), so a schema built in Go can be handed
// to Spark wherever it accepts a DDL string, such as from_json or a reader's Schema.
package types

import (
	"fmt"
	"strings"
)

// DataType is a Spark SQL data type.
type DataType interface {
	// DDL returns the type in Spark's DDL syntax, e.g. "decimal(10,2)" or "array<int>".
	DDL() string
	// String is the same as DDL.
	String() string
}

// Primitive is a Spark type without parameters.
type Primitive string

// The primitive types, named as Spark's DDL names them.
const (
	Null         Primitive = "void"
	Boolean      Primitive = "boolean"
	Byte         Primitive = "tinyint"
	Short        Primitive = "smallint"
	Integer      Primitive = "int"
	Long         Primitive = "bigint"
	Float        Primitive = "float"
	Double       Primitive = "double"
	String       Primitive = "string"
	Binary       Primitive = "binary"
	Date         Primitive = "date"
	Timestamp    Primitive = "timestamp"
	TimestampNTZ Primitive = "timestamp_ntz"
	Variant      Primitive = "variant"
)

// Interval is "interval", Spark's calendar interval type.
//
// Deprecated: use [CalendarIntervalType], or [DayTimeIntervalType] and
// [YearMonthIntervalType] for the ANSI interval types, which Spark reports separately.
const Interval = CalendarIntervalType

// DDL implements [DataType].
func (p Primitive) DDL() string { return string(p) }

// String implements [DataType].
func (p Primitive) String() string { return string(p) }

// DecimalType is decimal(Precision, Scale).
type DecimalType struct {
	Precision int32
	Scale     int32
}

// DDL implements [DataType].
func (d DecimalType) DDL() string { return fmt.Sprintf("decimal(%d,%d)", d.Precision, d.Scale) }

// String implements [DataType].
func (d DecimalType) String() string { return d.DDL() }

// CharType is char(Length) or, with Var set, varchar(Length).
type CharType struct {
	Length int32
	Var    bool
}

// DDL implements [DataType].
func (c CharType) DDL() string {
	if c.Var {
		return fmt.Sprintf("varchar(%d)", c.Length)
	}
	return fmt.Sprintf("char(%d)", c.Length)
}

// String implements [DataType].
func (c CharType) String() string { return c.DDL() }

// ArrayType is array<Element>.
type ArrayType struct {
	Element      DataType
	ContainsNull bool
}

// DDL implements [DataType].
func (a ArrayType) DDL() string { return "array<" + ddl(a.Element) + ">" }

// String implements [DataType].
func (a ArrayType) String() string { return a.DDL() }

// MapType is map<Key,Value>.
type MapType struct {
	Key               DataType
	Value             DataType
	ValueContainsNull bool
}

// DDL implements [DataType].
func (m MapType) DDL() string { return "map<" + ddl(m.Key) + "," + ddl(m.Value) + ">" }

// ddl returns t.DDL(), or "unknown" for a missing type.
func ddl(t DataType) string {
	if t == nil {
		return "unknown"
	}
	return t.DDL()
}

// String implements [DataType].
func (m MapType) String() string { return m.DDL() }

// StructField is one named field of a [StructType].
type StructField struct {
	Name     string
	Type     DataType
	Nullable bool
	// Metadata is the field's metadata as JSON, empty when it has none.
	Metadata string
}

// StructType is struct<...>, and the type of every schema.
type StructType struct {
	Fields []StructField
}

// Struct returns a struct type of the given fields.
func Struct(fields ...StructField) *StructType { return &StructType{Fields: fields} }

// Field returns a nullable field, a shorthand for building schemas in Go.
func Field(name string, t DataType) StructField {
	return StructField{Name: name, Type: t, Nullable: true}
}

// DDL implements [DataType]: "struct<a:int,b:string>".
func (s *StructType) DDL() string {
	if s == nil {
		return "struct<>"
	}
	var b strings.Builder
	b.WriteString("struct<")
	for i, f := range s.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteIdent(f.Name))
		b.WriteByte(':')
		b.WriteString(ddl(f.Type))
		if !f.Nullable {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteByte('>')
	return b.String()
}

// String implements [DataType].
func (s *StructType) String() string { return s.DDL() }

// FieldDDL returns the schema as a column list, "a INT, b STRING", the form that
// DataFrameReader.Schema and from_json accept.
func (s *StructType) FieldDDL() string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		parts[i] = quoteIdent(f.Name) + " " + ddl(f.Type)
		if !f.Nullable {
			parts[i] += " NOT NULL"
		}
	}
	return strings.Join(parts, ", ")
}

// Names returns the field names in order.
func (s *StructType) Names() []string {
	if s == nil {
		return nil
	}
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return names
}

// FieldIndex returns the index of the field with the given name, or -1.
func (s *StructType) FieldIndex(name string) int {
	if s == nil {
		return -1
	}
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// TreeString renders the schema the way Spark's printSchema does.
func (s *StructType) TreeString() string {
	var b strings.Builder
	b.WriteString("root\n")
	if s != nil {
		writeTree(&b, s, " |")
	}
	return b.String()
}

func writeTree(b *strings.Builder, t DataType, prefix string) {
	switch t := t.(type) {
	case *StructType:
		if t == nil {
			return
		}
		for _, f := range t.Fields {
			fmt.Fprintf(b, "%s-- %s: %s (nullable = %t)\n", prefix, f.Name, typeName(f.Type), f.Nullable)
			writeTree(b, f.Type, prefix+"    |")
		}
	case ArrayType:
		fmt.Fprintf(b, "%s-- element: %s (containsNull = %t)\n", prefix, typeName(t.Element), t.ContainsNull)
		writeTree(b, t.Element, prefix+"    |")
	case MapType:
		fmt.Fprintf(b, "%s-- key: %s\n", prefix, typeName(t.Key))
		writeTree(b, t.Key, prefix+"    |")
		fmt.Fprintf(b, "%s-- value: %s (valueContainsNull = %t)\n", prefix, typeName(t.Value), t.ValueContainsNull)
		writeTree(b, t.Value, prefix+"    |")
	}
}

func typeName(t DataType) string {
	switch t.(type) {
	case *StructType:
		return "struct"
	case ArrayType:
		return "array"
	case MapType:
		return "map"
	}
	return ddl(t)
}

func quoteIdent(name string) string {
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "`" + strings.ReplaceAll(name, "`", "``") + "`"
		}
	}
	if name == "" {
		return "``"
	}
	return name
}
