package connect

import (
	"bytes"
	"fmt"

	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// CreateDataFrame makes a DataFrame of data held in Go, sent to the server inline with the
// plan (for small tables: reference data, test inputs). The batches must share one schema;
// they are serialized at once and the caller keeps ownership of them.
func (s *Session) CreateDataFrame(batches ...arrow.RecordBatch) *DataFrame {
	if len(batches) == 0 {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: no record batches")}
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(batches[0].Schema()), ipc.WithAllocator(s.mem))
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			w.Close()
			return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
		}
	}
	if err := w.Close(); err != nil {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
	}
	return s.newDataFrame(localRelation(buf.Bytes(), ""))
}

// CreateDataFrameFromRows makes a DataFrame of Go values with a schema built in Go; row i
// holds one value per field, of the Go type that Row documents for the field's Spark type
// (int64 for bigint, string for string, time.Time for timestamp, ...), or nil. Flat schemas
// of primitive types only; for small tables.
func (s *Session) CreateDataFrameFromRows(schema *types.StructType, rows [][]any) *DataFrame {
	rec, err := buildRecord(s.mem, schema, rows)
	if err != nil {
		return &DataFrame{s: s, err: fmt.Errorf("create dataframe: %w", err)}
	}
	defer rec.Release()
	return s.CreateDataFrame(rec)
}

func localRelation(data []byte, schema string) *sparkpb.Relation {
	lr := &sparkpb.LocalRelation{Data: data}
	if schema != "" {
		lr.Schema = &schema
	}
	return &sparkpb.Relation{RelType: &sparkpb.Relation_LocalRelation{LocalRelation: lr}}
}

func arrowType(t types.DataType) (arrow.DataType, error) {
	switch t {
	case types.Boolean:
		return arrow.FixedWidthTypes.Boolean, nil
	case types.Byte:
		return arrow.PrimitiveTypes.Int8, nil
	case types.Short:
		return arrow.PrimitiveTypes.Int16, nil
	case types.Integer:
		return arrow.PrimitiveTypes.Int32, nil
	case types.Long:
		return arrow.PrimitiveTypes.Int64, nil
	case types.Float:
		return arrow.PrimitiveTypes.Float32, nil
	case types.Double:
		return arrow.PrimitiveTypes.Float64, nil
	case types.String:
		return arrow.BinaryTypes.String, nil
	case types.Binary:
		return arrow.BinaryTypes.Binary, nil
	case types.Date:
		return arrow.FixedWidthTypes.Date32, nil
	case types.Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case types.TimestampNTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	}
	return nil, fmt.Errorf("type %s is not supported here", t.DDL())
}

func buildRecord(mem memory.Allocator, schema *types.StructType, rows [][]any) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(schema.Fields))
	for i, f := range schema.Fields {
		at, err := arrowType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		fields[i] = arrow.Field{Name: f.Name, Type: at, Nullable: f.Nullable}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r, row := range rows {
		if len(row) != len(fields) {
			return nil, fmt.Errorf("row %d has %d values for %d fields", r, len(row), len(fields))
		}
		for c, v := range row {
			if err := appendValue(b.Field(c), v); err != nil {
				return nil, fmt.Errorf("row %d, field %s: %w", r, fields[c].Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	ok := true
	switch b := b.(type) {
	case *array.BooleanBuilder:
		var x bool
		if x, ok = v.(bool); ok {
			b.Append(x)
		}
	case *array.Int8Builder:
		var x int8
		if x, ok = v.(int8); ok {
			b.Append(x)
		}
	case *array.Int16Builder:
		var x int16
		if x, ok = v.(int16); ok {
			b.Append(x)
		}
	case *array.Int32Builder:
		var x int32
		if x, ok = v.(int32); ok {
			b.Append(x)
		}
	case *array.Int64Builder:
		switch x := v.(type) {
		case int64:
			b.Append(x)
		case int:
			b.Append(int64(x))
		default:
			ok = false
		}
	case *array.Float32Builder:
		var x float32
		if x, ok = v.(float32); ok {
			b.Append(x)
		}
	case *array.Float64Builder:
		var x float64
		if x, ok = v.(float64); ok {
			b.Append(x)
		}
	case *array.StringBuilder:
		var x string
		if x, ok = v.(string); ok {
			b.Append(x)
		}
	case *array.BinaryBuilder:
		var x []byte
		if x, ok = v.([]byte); ok {
			b.Append(x)
		}
	case *array.Date32Builder:
		var x time.Time
		if x, ok = v.(time.Time); ok {
			b.Append(arrow.Date32FromTime(x))
		}
	case *array.TimestampBuilder:
		var x time.Time
		if x, ok = v.(time.Time); ok {
			b.Append(arrow.Timestamp(x.UnixMicro()))
		}
	default:
		return fmt.Errorf("unsupported column type %s", b.Type())
	}
	if !ok {
		return fmt.Errorf("value %v (%T) does not fit the column type %s", v, v, b.Type())
	}
	return nil
}
