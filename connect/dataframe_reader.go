package connect

import (
	"maps"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// DataFrameReader loads a DataFrame from a data source: files, tables, Kafka (batch). Its
// methods return a modified copy, so a reader can be reused as a template.
type DataFrameReader struct {
	s         *Session
	streaming bool
	format    string
	schema    string
	options   map[string]string
}

// Read returns a reader for batch data sources.
func (s *Session) Read() *DataFrameReader { return &DataFrameReader{s: s} }

func (r *DataFrameReader) with(f func(*DataFrameReader)) *DataFrameReader {
	c := *r
	c.options = maps.Clone(r.options)
	f(&c)
	return &c
}

// Format sets the source format: "parquet", "json", "csv", "kafka", "rate", ...
func (r *DataFrameReader) Format(format string) *DataFrameReader {
	return r.with(func(c *DataFrameReader) { c.format = format })
}

// Schema sets the schema as a DDL string, e.g. "id BIGINT, name STRING".
func (r *DataFrameReader) Schema(ddl string) *DataFrameReader {
	return r.with(func(c *DataFrameReader) { c.schema = ddl })
}

// Option sets one source option.
func (r *DataFrameReader) Option(key, value string) *DataFrameReader {
	return r.with(func(c *DataFrameReader) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		c.options[key] = value
	})
}

// Options sets several source options.
func (r *DataFrameReader) Options(opts map[string]string) *DataFrameReader {
	return r.with(func(c *DataFrameReader) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		maps.Copy(c.options, opts)
	})
}

// Load returns the DataFrame read from the given paths (none for sources such as Kafka).
func (r *DataFrameReader) Load(paths ...string) *DataFrame {
	ds := &sparkpb.Read_DataSource{Options: r.options, Paths: slices.Clone(paths)}
	if r.format != "" {
		ds.Format = &r.format
	}
	if r.schema != "" {
		ds.Schema = &r.schema
	}
	return r.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		IsStreaming: r.streaming,
		ReadType:    &sparkpb.Read_DataSource_{DataSource: ds},
	}}})
}

// Table returns the named table, read with the reader's options.
func (r *DataFrameReader) Table(name string) *DataFrame {
	return r.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		IsStreaming: r.streaming,
		ReadType: &sparkpb.Read_NamedTable_{NamedTable: &sparkpb.Read_NamedTable{
			UnparsedIdentifier: name, Options: r.options,
		}},
	}}})
}
