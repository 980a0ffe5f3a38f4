package connect

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// ToDF renames all columns by position: there must be as many names as columns.
func (df *DataFrame) ToDF(names ...string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_ToDf{ToDf: &sparkpb.ToDF{
			Input: in, ColumnNames: slices.Clone(names),
		}}}, nil
	})
}

// To reshapes the DataFrame to schema: columns are matched by name (so they may be
// reordered, and columns not in schema are dropped), cast to the schema's types where Spark
// can do so safely, and checked for nullability; field metadata is taken from schema.
func (df *DataFrame) To(schema *types.StructType) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if schema == nil {
			return nil, errors.New("to: nil schema")
		}
		st, err := protoType(schema)
		if err != nil {
			return nil, fmt.Errorf("to: %w", err)
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_ToSchema{ToSchema: &sparkpb.ToSchema{Input: in, Schema: st}}}, nil
	})
}

// WithColumnsRenamed renames several columns at once, each key to its value; names that
// are not columns are ignored.
func (df *DataFrame) WithColumnsRenamed(renames map[string]string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		rs := make([]*sparkpb.WithColumnsRenamed_Rename, 0, len(renames))
		for _, old := range slices.Sorted(maps.Keys(renames)) {
			rs = append(rs, &sparkpb.WithColumnsRenamed_Rename{ColName: old, NewColName: renames[old]})
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumnsRenamed{WithColumnsRenamed: &sparkpb.WithColumnsRenamed{
			Input: in, Renames: rs,
		}}}, nil
	})
}

// WithMetadata replaces the metadata of a column with metadata, which must encode as a
// JSON object; it shows in the schema's StructField.Metadata.
func (df *DataFrame) WithMetadata(column string, metadata map[string]any) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if metadata == nil {
			metadata = map[string]any{}
		}
		b, err := json.Marshal(metadata)
		if err != nil {
			return nil, fmt.Errorf("with metadata: %w", err)
		}
		md := string(b)
		return &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{
			Input: in, Aliases: []*sparkpb.Expression_Alias{{Expr: df.Col(column).expr, Name: []string{column}, Metadata: &md}},
		}}}, nil
	})
}

// ColRegex selects the columns of this DataFrame whose names match a regular expression
// written in backticks, e.g. df.Select(df.ColRegex("`(id|name)_.*`")). A name without
// backticks is a plain column name.
func (df *DataFrame) ColRegex(regex string) Column {
	if err := df.usable(); err != nil {
		return Column{err: err}
	}
	if df.err != nil {
		return Column{err: df.err}
	}
	id := df.rel.GetCommon().GetPlanId()
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedRegex_{
		UnresolvedRegex: &sparkpb.Expression_UnresolvedRegex{ColName: regex, PlanId: &id},
	}}}
}

// Transform applies f to the DataFrame, for chaining reusable transformations:
// df.Transform(cleanUp).Transform(withTotals). A nil f, or an f that returns nil, gives a
// DataFrame whose action fails.
func (df *DataFrame) Transform(f func(*DataFrame) *DataFrame) *DataFrame {
	if f == nil {
		return df.derive(func(*sparkpb.Relation) (*sparkpb.Relation, error) { return nil, errors.New("transform: nil function") })
	}
	if err := df.usable(); err != nil {
		return &DataFrame{err: err}
	}
	out := f(df)
	if out == nil {
		return &DataFrame{s: df.s, err: errors.New("transform: the function returned a nil DataFrame")}
	}
	return out
}

// Transpose turns columns into rows: the values of indexColumn (the first column when none
// is given) become the column names, and each other column becomes a row, its name in a
// column "key". The other columns must share a type.
func (df *DataFrame) Transpose(indexColumn ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		if len(indexColumn) > 1 {
			return nil, fmt.Errorf("transpose: one index column at most, not %d", len(indexColumn))
		}
		idx, err := exprs(indexColumn)
		if err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Transpose{Transpose: &sparkpb.Transpose{Input: in, IndexColumns: idx}}}, nil
	})
}

// DropColumns removes columns given as Columns, such as other.Col("id") after a join, where
// a name alone would be ambiguous. Columns that do not exist are ignored.
func (df *DataFrame) DropColumns(cols ...Column) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		ex, err := exprs(cols)
		if err != nil {
			return nil, err
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Drop{Drop: &sparkpb.Drop{Input: in, Columns: ex}}}, nil
	})
}

// Unpivot turns columns into rows, the reverse of a pivot: for every row and every values
// column it emits the ids columns, the values column's name in a column named
// variableColumn and its value in a column named valueColumn. With no values columns, all
// columns that are not ids are unpivoted. The values columns must share a type (or widen
// to one).
func (df *DataFrame) Unpivot(ids, values []Column, variableColumn, valueColumn string) *DataFrame {
	return df.derive(func(in *sparkpb.Relation) (*sparkpb.Relation, error) {
		idEx, err := exprs(ids)
		if err != nil {
			return nil, err
		}
		u := &sparkpb.Unpivot{Input: in, Ids: idEx, VariableColumnName: variableColumn, ValueColumnName: valueColumn}
		if len(values) > 0 {
			vEx, err := exprs(values)
			if err != nil {
				return nil, err
			}
			u.Values = &sparkpb.Unpivot_Values{Values: vEx}
		}
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Unpivot{Unpivot: u}}, nil
	})
}

// Melt is [DataFrame.Unpivot], under pandas' name.
func (df *DataFrame) Melt(ids, values []Column, variableColumn, valueColumn string) *DataFrame {
	return df.Unpivot(ids, values, variableColumn, valueColumn)
}

// MetadataColumn refers to a hidden metadata column of this DataFrame's source, such as
// "_metadata" of a file source (a struct with file_path, file_name, file_size,
// file_modification_time, ...), which "*" does not select. Select it explicitly:
// df.Select(connect.Col("*"), df.MetadataColumn("_metadata").GetField("file_name")).
func (df *DataFrame) MetadataColumn(name string) Column {
	if err := df.usable(); err != nil {
		return Column{err: err}
	}
	if df.err != nil {
		return Column{err: df.err}
	}
	id, meta := df.rel.GetCommon().GetPlanId(), true
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedAttribute_{
		UnresolvedAttribute: &sparkpb.Expression_UnresolvedAttribute{UnparsedIdentifier: name, PlanId: &id, IsMetadataColumn: &meta},
	}}}
}
