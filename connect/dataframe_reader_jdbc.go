package connect

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// JDBC reads table (a table name, or a subquery in parentheses with an alias) of the
// database at url, in one partition. props are further JDBC options and connection
// properties ("user", "password", "driver", "fetchsize", ...); the server needs the
// database's JDBC driver on the session's class path (upload it with AddArtifacts).
func (r *DataFrameReader) JDBC(url, table string, props map[string]string) *DataFrame {
	return r.jdbc(url, table, props, nil, nil)
}

// JDBCPartitioned reads table of the database at url in numPartitions partitions, split
// by ranges of the numeric, date or timestamp column between lower and upper (the bounds
// only set the stride: rows outside them are read too, by the first and last partition).
func (r *DataFrameReader) JDBCPartitioned(url, table, column string, lower, upper int64, numPartitions int, props map[string]string) *DataFrame {
	if column == "" || numPartitions < 1 || lower > upper {
		return &DataFrame{s: r.s, err: fmt.Errorf("read jdbc: partitioning needs a column, lower <= upper and numPartitions >= 1 (got %q, %d, %d, %d)",
			column, lower, upper, numPartitions)}
	}
	return r.jdbc(url, table, props, map[string]string{
		"partitionColumn": column,
		"lowerBound":      strconv.FormatInt(lower, 10),
		"upperBound":      strconv.FormatInt(upper, 10),
		"numPartitions":   strconv.Itoa(numPartitions),
	}, nil)
}

// JDBCPredicates reads table of the database at url in one partition per predicate, a
// SQL condition (a WHERE clause without WHERE) on the database's side. A row that matches
// no predicate is not read; one that matches two is read twice.
func (r *DataFrameReader) JDBCPredicates(url, table string, predicates []string, props map[string]string) *DataFrame {
	if len(predicates) == 0 {
		return &DataFrame{s: r.s, err: fmt.Errorf("read jdbc: no predicates")}
	}
	return r.jdbc(url, table, props, nil, predicates)
}

func (r *DataFrameReader) jdbc(url, table string, props, extra map[string]string, predicates []string) *DataFrame {
	if r == nil || r.s == nil {
		return &DataFrame{err: ErrClosed}
	}
	if url == "" || table == "" {
		return &DataFrame{s: r.s, err: fmt.Errorf("read jdbc: url and table are required")}
	}
	opts := maps.Clone(r.options)
	if opts == nil {
		opts = map[string]string{}
	}
	maps.Copy(opts, props)
	maps.Copy(opts, extra)
	opts["url"], opts["dbtable"] = url, table
	format := "jdbc"
	ds := &sparkpb.Read_DataSource{Format: &format, Options: opts, Predicates: slices.Clone(predicates)}
	if r.schema != "" {
		ds.Schema = &r.schema
	}
	return r.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		ReadType: &sparkpb.Read_DataSource_{DataSource: ds},
	}}})
}
