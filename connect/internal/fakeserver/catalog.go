package fakeserver

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// The server answers Catalog relations (a query whose root is one, possibly under a Limit)
// from a small in-memory catalog, with the columns Spark answers with, whatever SetResult
// says. It holds one catalog, spark_catalog, with one database, default (others are not
// found); the tables made with CreateTable and CreateExternalTable; the temporary views
// made with CreateDataFrameViewCommand (a view of an existing name is replaced, where Spark
// would refuse it without replace); a few builtin functions (abs, lower, upper); and the
// set of cached tables. The current catalog and database, and the temporary views, are per
// session. Column lists are known for tables created with a schema only.

const (
	sessionCatalog = "spark_catalog"
	globalTempDB   = "global_temp"
	warehouse      = "file:/tmp/spark-warehouse"
)

// catalogState is the in-memory catalog; the server's mu guards it.
type catalogState struct {
	current     map[string][2]string // session -> current catalog, database
	tables      map[string]*fakeTable
	views       map[string]map[string]bool // session -> lower-case view names
	globalViews map[string]bool
	cached      map[string]bool // resolved names of cached tables and views
}

type fakeTable struct {
	db, name, description, tableType string
	schema                           *sparkpb.DataType
}

var builtinFunctions = []struct{ name, class, usage string }{
	{"abs", "org.apache.spark.sql.catalyst.expressions.Abs", "abs(expr) - Returns the absolute value of the numeric or interval value."},
	{"lower", "org.apache.spark.sql.catalyst.expressions.Lower", "lower(str) - Returns `str` with all characters changed to lowercase."},
	{"upper", "org.apache.spark.sql.catalyst.expressions.Upper", "upper(str) - Returns `str` with all characters changed to uppercase."},
}

// catalogLocked returns the catalog state, made at first use; s.mu is held.
func (s *Server) catalogLocked() *catalogState {
	if s.catalog == nil {
		s.catalog = &catalogState{
			current: map[string][2]string{}, tables: map[string]*fakeTable{},
			views: map[string]map[string]bool{}, globalViews: map[string]bool{}, cached: map[string]bool{},
		}
	}
	return s.catalog
}

// catalogRoot finds a Catalog relation at the root of a plan, or under a Limit there, and
// returns it with the limit (-1 for none).
func catalogRoot(plan *sparkpb.Plan) (*sparkpb.Catalog, int) {
	root := plan.GetRoot()
	if l := root.GetLimit(); l != nil && l.GetInput().GetCatalog() != nil {
		return l.GetInput().GetCatalog(), int(l.GetLimit())
	}
	if c := root.GetCatalog(); c != nil {
		return c, -1
	}
	return nil, -1
}

// registerView records a temporary view made by a CreateDataFrameViewCommand.
func (s *Server) registerView(session string, v *sparkpb.CreateDataFrameViewCommand) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.catalogLocked()
	name := strings.ToLower(v.GetName())
	if v.GetIsGlobal() {
		c.globalViews[name] = true
		return
	}
	if c.views[session] == nil {
		c.views[session] = map[string]bool{}
	}
	c.views[session][name] = true
}

func notFound(class, sqlState, what string) error {
	return SparkError(internalCode, class, sqlState, fmt.Sprintf("%s cannot be found.", what), "")
}

// catalogAnswer answers a Catalog relation for a session; the caller releases the batch.
func (s *Server) catalogAnswer(session string, cat *sparkpb.Catalog, limit int) ([]arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.catalogLocked()
	cur, ok := c.current[session]
	if !ok {
		cur = [2]string{sessionCatalog, "default"}
	}
	var rec arrow.RecordBatch
	var err error
	switch op := cat.GetCatType().(type) {
	case *sparkpb.Catalog_CurrentCatalog:
		rec = oneValue(cur[0])
	case *sparkpb.Catalog_SetCurrentCatalog:
		if !strings.EqualFold(op.SetCurrentCatalog.GetCatalogName(), sessionCatalog) {
			return nil, notFound("CATALOG_NOT_FOUND", "42P08", fmt.Sprintf("The catalog `%s`", op.SetCurrentCatalog.GetCatalogName()))
		}
		c.current[session] = [2]string{sessionCatalog, "default"}
	case *sparkpb.Catalog_ListCatalogs:
		b := newRows("name", "description")
		if matches(op.ListCatalogs.Pattern, sessionCatalog) {
			b.row(sessionCatalog, nil)
		}
		rec = b.done()
	case *sparkpb.Catalog_CurrentDatabase:
		rec = oneValue(cur[1])
	case *sparkpb.Catalog_SetCurrentDatabase:
		db, err := dbName(op.SetCurrentDatabase.GetDbName())
		if err != nil {
			return nil, err
		}
		c.current[session] = [2]string{cur[0], db}
	case *sparkpb.Catalog_ListDatabases:
		b := newRows("name", "catalog", "description", "locationUri")
		if matches(op.ListDatabases.Pattern, "default") {
			b.row("default", sessionCatalog, "default database", warehouse)
		}
		rec = b.done()
	case *sparkpb.Catalog_GetDatabase:
		if _, err := dbName(op.GetDatabase.GetDbName()); err != nil {
			return nil, err
		}
		rec = newRows("name", "catalog", "description", "locationUri").row("default", sessionCatalog, "default database", warehouse).done()
	case *sparkpb.Catalog_DatabaseExists:
		_, err := dbName(op.DatabaseExists.GetDbName())
		rec = oneBool(err == nil)
	case *sparkpb.Catalog_ListTables:
		db := cur[1]
		if op.ListTables.DbName != nil {
			if strings.EqualFold(op.ListTables.GetDbName(), globalTempDB) {
				db = globalTempDB
			} else if db, err = dbName(op.ListTables.GetDbName()); err != nil {
				return nil, err
			}
		}
		b := newTableRows()
		for _, t := range c.sortedTables() {
			if t.db == db && matches(op.ListTables.Pattern, t.name) {
				b.table(t)
			}
		}
		if db == globalTempDB {
			for _, v := range sortedSet(c.globalViews) {
				if matches(op.ListTables.Pattern, v) {
					b.row(v, nil, []string{globalTempDB}, nil, "TEMPORARY", true)
				}
			}
		}
		for _, v := range sortedSet(c.views[session]) {
			if matches(op.ListTables.Pattern, v) {
				b.row(v, nil, []string{}, nil, "TEMPORARY", true)
			}
		}
		rec = b.done()
	case *sparkpb.Catalog_GetTable:
		name, isView, t, err := c.resolve(session, cur[1], op.GetTable.GetTableName(), op.GetTable.DbName)
		if err != nil {
			return nil, err
		}
		b := newTableRows()
		if isView {
			b.row(name, nil, []string{}, nil, "TEMPORARY", true)
		} else {
			b.table(t)
		}
		rec = b.done()
	case *sparkpb.Catalog_TableExists:
		_, _, _, err := c.resolve(session, cur[1], op.TableExists.GetTableName(), op.TableExists.DbName)
		rec = oneBool(err == nil)
	case *sparkpb.Catalog_ListColumns:
		_, _, t, err := c.resolve(session, cur[1], op.ListColumns.GetTableName(), op.ListColumns.DbName)
		if err != nil {
			return nil, err
		}
		b := newRows("name", "description", "dataType", "nullable", "isPartition", "isBucket", "isCluster")
		if t != nil {
			for _, f := range t.schema.GetStruct().GetFields() {
				var desc any
				var md struct{ Comment *string }
				if json.Unmarshal([]byte(f.GetMetadata()), &md) == nil && md.Comment != nil {
					desc = *md.Comment
				}
				b.row(f.GetName(), desc, simpleString(f.GetDataType()), f.GetNullable(), false, false, false)
			}
		}
		rec = b.done()
	case *sparkpb.Catalog_ListFunctions:
		b := newFunctionRows()
		for _, f := range builtinFunctions {
			if matches(op.ListFunctions.Pattern, f.name) {
				b.row(f.name, nil, nil, f.usage, f.class, true)
			}
		}
		rec = b.done()
	case *sparkpb.Catalog_GetFunction:
		f, ok := builtin(op.GetFunction.GetFunctionName())
		if !ok {
			return nil, notFound("UNRESOLVED_ROUTINE", "42883", fmt.Sprintf("The routine `%s`", op.GetFunction.GetFunctionName()))
		}
		rec = newFunctionRows().row(f.name, nil, nil, f.usage, f.class, true).done()
	case *sparkpb.Catalog_FunctionExists:
		_, ok := builtin(op.FunctionExists.GetFunctionName())
		rec = oneBool(ok)
	case *sparkpb.Catalog_CreateTable:
		ct := op.CreateTable
		err = c.create(cur[1], ct.GetTableName(), ct.GetDescription(), ct.Path != nil, ct.GetSchema())
	case *sparkpb.Catalog_CreateExternalTable:
		ct := op.CreateExternalTable
		err = c.create(cur[1], ct.GetTableName(), "", ct.Path != nil, ct.GetSchema())
	case *sparkpb.Catalog_DropTempView:
		name := strings.ToLower(op.DropTempView.GetViewName())
		found := c.views[session][name]
		delete(c.views[session], name)
		delete(c.cached, name)
		rec = oneBool(found)
	case *sparkpb.Catalog_DropGlobalTempView:
		name := strings.ToLower(op.DropGlobalTempView.GetViewName())
		found := c.globalViews[name]
		delete(c.globalViews, name)
		delete(c.cached, globalTempDB+"."+name)
		rec = oneBool(found)
	case *sparkpb.Catalog_IsCached:
		key, err := c.key(session, cur[1], op.IsCached.GetTableName())
		if err != nil {
			return nil, err
		}
		rec = oneBool(c.cached[key])
	case *sparkpb.Catalog_CacheTable:
		key, err := c.key(session, cur[1], op.CacheTable.GetTableName())
		if err != nil {
			return nil, err
		}
		c.cached[key] = true
	case *sparkpb.Catalog_UncacheTable:
		key, err := c.key(session, cur[1], op.UncacheTable.GetTableName())
		if err != nil {
			return nil, err
		}
		delete(c.cached, key)
	case *sparkpb.Catalog_ClearCache:
		c.cached = map[string]bool{}
	case *sparkpb.Catalog_RefreshTable:
		_, err = c.key(session, cur[1], op.RefreshTable.GetTableName())
	case *sparkpb.Catalog_RecoverPartitions:
		_, err = c.key(session, cur[1], op.RecoverPartitions.GetTableName())
	case *sparkpb.Catalog_RefreshByPath:
	default:
		err = SparkError(internalCode, "UNSUPPORTED_FEATURE", "0A000", fmt.Sprintf("fakeserver: catalog %T", op), "")
	}
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, nil
	}
	if limit >= 0 && int64(limit) < rec.NumRows() {
		cut := rec.NewSlice(0, int64(limit))
		rec.Release()
		rec = cut
	}
	return []arrow.RecordBatch{rec}, nil
}

// dbName checks a database name of the session catalog, possibly qualified with it.
func dbName(name string) (string, error) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, sessionCatalog+".")
	if n != "default" {
		return "", notFound("SCHEMA_NOT_FOUND", "42704", fmt.Sprintf("The schema `%s`", name))
	}
	return n, nil
}

// resolve finds a table or view: a temporary view of the session by its bare name, else a
// table of db (or of the database the name is qualified with).
func (c *catalogState) resolve(session, current, name string, db *string) (resolved string, isView bool, t *fakeTable, err error) {
	n := strings.ToLower(name)
	if db == nil && !strings.Contains(n, ".") && c.views[session][n] {
		return n, true, nil, nil
	}
	if db == nil && strings.HasPrefix(n, globalTempDB+".") && c.globalViews[strings.TrimPrefix(n, globalTempDB+".")] {
		return n, true, nil, nil
	}
	d := current
	if db != nil {
		d = strings.ToLower(*db)
	}
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		d, n = n[:i], n[i+1:]
	}
	d = strings.TrimPrefix(d, sessionCatalog+".")
	if t := c.tables[d+"."+n]; t != nil {
		return d + "." + n, false, t, nil
	}
	return "", false, nil, notFound("TABLE_OR_VIEW_NOT_FOUND", "42P01", fmt.Sprintf("The table or view `%s`", name))
}

// key returns the resolved name of a table or view, for the cache.
func (c *catalogState) key(session, current, name string) (string, error) {
	k, _, _, err := c.resolve(session, current, name, nil)
	return k, err
}

// create adds a table.
func (c *catalogState) create(current, name, description string, external bool, schema *sparkpb.DataType) error {
	n := strings.ToLower(name)
	db := current
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		db, n = n[:i], n[i+1:]
		var err error
		if db, err = dbName(db); err != nil {
			return err
		}
	}
	if c.tables[db+"."+n] != nil {
		return SparkError(internalCode, "TABLE_OR_VIEW_ALREADY_EXISTS", "42P07",
			fmt.Sprintf("Cannot create table or view `%s`.`%s` because it already exists.", db, n), "")
	}
	typ := "MANAGED"
	if external {
		typ = "EXTERNAL"
	}
	c.tables[db+"."+n] = &fakeTable{db: db, name: n, description: description, tableType: typ, schema: proto.Clone(schema).(*sparkpb.DataType)}
	return nil
}

func (c *catalogState) sortedTables() []*fakeTable {
	out := make([]*fakeTable, 0, len(c.tables))
	for _, t := range c.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].db+"."+out[i].name < out[j].db+"."+out[j].name })
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func builtin(name string) (struct{ name, class, usage string }, bool) {
	for _, f := range builtinFunctions {
		if strings.EqualFold(f.name, name) {
			return f, true
		}
	}
	return struct{ name, class, usage string }{}, false
}

// matches applies a Spark listing pattern ("*" any characters, "|" alternatives, case
// ignored); no pattern matches everything.
func matches(pattern *string, name string) bool {
	if pattern == nil {
		return true
	}
	for _, alt := range strings.Split(*pattern, "|") {
		re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(strings.TrimSpace(alt)), `\*`, ".*") + "$"
		if ok, _ := regexp.MatchString(re, name); ok {
			return true
		}
	}
	return false
}

// simpleString renders a data type as Spark's short form, for the common types.
func simpleString(t *sparkpb.DataType) string {
	switch k := t.GetKind().(type) {
	case *sparkpb.DataType_Boolean_:
		return "boolean"
	case *sparkpb.DataType_Byte_:
		return "tinyint"
	case *sparkpb.DataType_Short_:
		return "smallint"
	case *sparkpb.DataType_Integer_:
		return "int"
	case *sparkpb.DataType_Long_:
		return "bigint"
	case *sparkpb.DataType_Float_:
		return "float"
	case *sparkpb.DataType_Double_:
		return "double"
	case *sparkpb.DataType_String_:
		return "string"
	case *sparkpb.DataType_Binary_:
		return "binary"
	case *sparkpb.DataType_Date_:
		return "date"
	case *sparkpb.DataType_Timestamp_:
		return "timestamp"
	case *sparkpb.DataType_TimestampNtz:
		return "timestamp_ntz"
	case *sparkpb.DataType_Decimal_:
		return fmt.Sprintf("decimal(%d,%d)", k.Decimal.GetPrecision(), k.Decimal.GetScale())
	case *sparkpb.DataType_Array_:
		return "array<" + simpleString(k.Array.GetElementType()) + ">"
	case *sparkpb.DataType_Map_:
		return "map<" + simpleString(k.Map.GetKeyType()) + "," + simpleString(k.Map.GetValueType()) + ">"
	case *sparkpb.DataType_Struct_:
		parts := make([]string, len(k.Struct.GetFields()))
		for i, f := range k.Struct.GetFields() {
			parts[i] = f.GetName() + ":" + simpleString(f.GetDataType())
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	case *sparkpb.DataType_Unparsed_:
		return k.Unparsed.GetDataTypeString()
	}
	return "unknown"
}

// rows builds a batch of catalog rows: strings (nil for NULL), bools, and []string for
// array<string> columns, each column typed by its name.
type rows struct {
	names []string
	vals  [][]any
}

func newRows(names ...string) *rows { return &rows{names: names} }

func newTableRows() *rows {
	return newRows("name", "catalog", "namespace", "description", "tableType", "isTemporary")
}

func newFunctionRows() *rows {
	return newRows("name", "catalog", "namespace", "description", "className", "isTemporary")
}

func (b *rows) row(vals ...any) *rows { b.vals = append(b.vals, vals); return b }

func (b *rows) table(t *fakeTable) *rows {
	var desc any
	if t.description != "" {
		desc = t.description
	}
	return b.row(t.name, sessionCatalog, []string{t.db}, desc, t.tableType, false)
}

var boolColumns = map[string]bool{"isTemporary": true, "nullable": true, "isPartition": true, "isBucket": true, "isCluster": true}

func (b *rows) done() arrow.RecordBatch {
	fields := make([]arrow.Field, len(b.names))
	for i, n := range b.names {
		var t arrow.DataType = arrow.BinaryTypes.String
		switch {
		case boolColumns[n]:
			t = arrow.FixedWidthTypes.Boolean
		case n == "namespace":
			t = arrow.ListOf(arrow.BinaryTypes.String)
		}
		fields[i] = arrow.Field{Name: n, Type: t, Nullable: true}
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer rb.Release()
	for _, r := range b.vals {
		for i, v := range r {
			appendValue(rb.Field(i), v)
		}
	}
	return rb.NewRecordBatch()
}

func appendValue(fb array.Builder, v any) {
	switch v := v.(type) {
	case nil:
		fb.AppendNull()
	case string:
		fb.(*array.StringBuilder).Append(v)
	case bool:
		fb.(*array.BooleanBuilder).Append(v)
	case []string:
		lb := fb.(*array.ListBuilder)
		lb.Append(true)
		for _, s := range v {
			lb.ValueBuilder().(*array.StringBuilder).Append(s)
		}
	}
}

func oneValue(s string) arrow.RecordBatch { return newRows("value").row(s).done() }

func oneBool(v bool) arrow.RecordBatch {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{{Name: "value", Type: arrow.FixedWidthTypes.Boolean}}, nil))
	defer rb.Release()
	rb.Field(0).(*array.BooleanBuilder).Append(v)
	return rb.NewRecordBatch()
}
