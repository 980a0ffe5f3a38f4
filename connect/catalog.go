package connect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Catalog reads and changes the session's catalog: catalogs, databases (namespaces),
// tables, views, functions and their columns, and the cache of tables. It is PySpark's
// spark.catalog: every method sends a Catalog relation and decodes the rows the server
// answers with. Get it from [Session.Catalog]; it is safe for concurrent use.
//
// Names of tables, views and functions may be qualified ("db.t", "lake.db.t"); with the
// [InDatabase] option an unqualified name is looked up in that database. Errors the server
// reports are *[SparkError] values; one for a catalog, database, table, view or function
// that does not exist also matches [ErrNotFound] with errors.Is.
type Catalog struct{ s *Session }

// Catalog returns the session's catalog.
func (s *Session) Catalog() *Catalog { return &Catalog{s: s} }

// ErrNotFound matches, with errors.Is, the *SparkError of a lookup of a catalog, database,
// table, view or function that does not exist (error classes TABLE_OR_VIEW_NOT_FOUND,
// SCHEMA_NOT_FOUND, CATALOG_NOT_FOUND, ROUTINE_NOT_FOUND, UNRESOLVED_ROUTINE and the like).
var ErrNotFound = errors.New("spark connect: not found")

// notFoundClasses are the error classes that match ErrNotFound.
var notFoundClasses = map[string]bool{
	"TABLE_OR_VIEW_NOT_FOUND": true, "VIEW_NOT_FOUND": true, "TABLE_NOT_FOUND": true,
	"SCHEMA_NOT_FOUND": true, "NO_SUCH_NAMESPACE": true, "CATALOG_NOT_FOUND": true,
	"ROUTINE_NOT_FOUND": true, "UNRESOLVED_ROUTINE": true, "PATH_NOT_FOUND": true,
}

// isNotFound reports whether an error class (possibly with a subclass, "A.B") names a
// missing object.
func isNotFound(errorClass string) bool {
	class, _, _ := strings.Cut(errorClass, ".")
	return notFoundClasses[class]
}

// CatalogMetadata describes a catalog, as [Catalog.ListCatalogs] returns it.
type CatalogMetadata struct {
	// Name is the catalog's name ("spark_catalog" for the session catalog).
	Name string
	// Description is the catalog's description, "" when it has none.
	Description string
}

// Database describes a database (a namespace), as [Catalog.ListDatabases] and
// [Catalog.GetDatabase] return it.
type Database struct {
	// Name is the database's name.
	Name string
	// Catalog is the catalog that holds it.
	Catalog string
	// Description is the database's comment, "" when it has none.
	Description string
	// LocationURI is where the database keeps its data, e.g. "file:/opt/spark/work/spark-warehouse/db.db".
	LocationURI string
}

// Table describes a table or view, as [Catalog.ListTables] and [Catalog.GetTable] return it.
type Table struct {
	// Name is the table's name, unqualified.
	Name string
	// Catalog is the catalog that holds it, "" for a temporary view.
	Catalog string
	// Namespace is the table's namespace in its catalog (one element, the database, in the
	// session catalog); nil for a temporary view.
	Namespace []string
	// Description is the table's comment, "" when it has none.
	Description string
	// TableType is "MANAGED", "EXTERNAL", "VIEW" or "TEMPORARY".
	TableType string
	// IsTemporary reports a temporary view.
	IsTemporary bool
}

// Database returns the table's database: the only element of a one-level namespace, ""
// otherwise.
func (t Table) Database() string {
	if len(t.Namespace) == 1 {
		return t.Namespace[0]
	}
	return ""
}

// Function describes a function, as [Catalog.ListFunctions] and [Catalog.GetFunction]
// return it.
type Function struct {
	// Name is the function's name, unqualified.
	Name string
	// Catalog is the catalog that holds it, "" for builtin and temporary functions.
	Catalog string
	// Namespace is the function's namespace; nil for builtin and temporary functions.
	Namespace []string
	// Description is the function's usage text, "" when it has none.
	Description string
	// ClassName is the JVM class that implements it.
	ClassName string
	// IsTemporary reports a builtin or temporary function.
	IsTemporary bool
}

// CatalogColumn describes a column of a table, as [Catalog.ListColumns] returns it.
type CatalogColumn struct {
	// Name is the column's name.
	Name string
	// Description is the column's comment, "" when it has none.
	Description string
	// DataType is the column's type in Spark's short form ("bigint", "array<string>").
	DataType string
	// Nullable reports whether the column may hold NULL.
	Nullable bool
	// IsPartition reports a partition column.
	IsPartition bool
	// IsBucket reports a bucketing column.
	IsBucket bool
	// IsCluster reports a clustering column.
	IsCluster bool
}

// A CatalogOption narrows a catalog lookup or listing: [InDatabase], [Matching].
type CatalogOption interface {
	applyCatalog(*catalogOptions)
}

type catalogOptions struct {
	db, pattern *string
}

type catalogOptionFunc func(*catalogOptions)

func (f catalogOptionFunc) applyCatalog(o *catalogOptions) { f(o) }

// InDatabase looks names up in, or lists, the given database instead of the current one.
// It applies to ListTables, ListFunctions, ListColumns, GetTable, GetFunction,
// TableExists and FunctionExists.
func InDatabase(name string) CatalogOption {
	return catalogOptionFunc(func(o *catalogOptions) { o.db = &name })
}

// Matching keeps, in a listing, the names that match a Spark pattern: "*" matches any
// characters and "|" separates alternatives, ignoring case ("cat_*|tmp_*"). It applies to
// ListCatalogs, ListDatabases, ListTables and ListFunctions.
func Matching(pattern string) CatalogOption {
	return catalogOptionFunc(func(o *catalogOptions) { o.pattern = &pattern })
}

// catalogOpts gathers the options of a method; allowDB and allowPattern say which it takes.
func catalogOpts(what string, opts []CatalogOption, allowDB, allowPattern bool) (catalogOptions, error) {
	var o catalogOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyCatalog(&o)
		}
	}
	if o.db != nil && !allowDB {
		return o, fmt.Errorf("catalog: %s takes no database", what)
	}
	if o.pattern != nil && !allowPattern {
		return o, fmt.Errorf("catalog: %s takes no pattern", what)
	}
	if o.db != nil && *o.db == "" {
		return o, fmt.Errorf("catalog: %s: empty database name", what)
	}
	return o, nil
}

// rows runs one catalog operation and returns the rows of its answer.
func (c *Catalog) rows(ctx context.Context, cat *sparkpb.Catalog) ([]Row, error) {
	if c == nil || c.s == nil {
		return nil, ErrClosed
	}
	df := c.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Catalog{Catalog: cat}})
	return df.Rows(ctx)
}

// single runs a catalog operation that answers with one value and returns it.
func single[T any](ctx context.Context, c *Catalog, what string, cat *sparkpb.Catalog) (T, error) {
	var zero T
	rows, err := c.rows(ctx, cat)
	if err != nil {
		return zero, err
	}
	if len(rows) != 1 || rows[0].Len() != 1 {
		return zero, fmt.Errorf("spark connect: %s: the server answered with %d rows, want one value", what, len(rows))
	}
	v, ok := rows[0].Value(0).(T)
	if !ok {
		return zero, fmt.Errorf("spark connect: %s: the server answered with a %T, want a %T", what, rows[0].Value(0), zero)
	}
	return v, nil
}

// one decodes the single row of a catalog answer.
func one[T any](ctx context.Context, c *Catalog, what string, cat *sparkpb.Catalog, decode func(Row) T) (T, error) {
	var zero T
	rows, err := c.rows(ctx, cat)
	if err != nil {
		return zero, err
	}
	if len(rows) != 1 {
		return zero, fmt.Errorf("spark connect: %s: the server answered with %d rows, want 1", what, len(rows))
	}
	return decode(rows[0]), nil
}

// all decodes every row of a catalog answer.
func all[T any](ctx context.Context, c *Catalog, cat *sparkpb.Catalog, decode func(Row) T) ([]T, error) {
	rows, err := c.rows(ctx, cat)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = decode(r)
	}
	return out, nil
}

// run runs a catalog operation whose answer does not matter.
func (c *Catalog) run(ctx context.Context, cat *sparkpb.Catalog) error {
	_, err := c.rows(ctx, cat)
	return err
}

// Row field readers: a missing field or NULL gives the zero value.

func rowString(r Row, name string) string {
	v, _ := r.Get(name)
	s, _ := v.(string)
	return s
}

func rowBool(r Row, name string) bool {
	v, _ := r.Get(name)
	b, _ := v.(bool)
	return b
}

func rowStrings(r Row, name string) []string {
	v, _ := r.Get(name)
	l, _ := v.([]any)
	if len(l) == 0 {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func catalogMetadataOf(r Row) CatalogMetadata {
	return CatalogMetadata{Name: rowString(r, "name"), Description: rowString(r, "description")}
}

func databaseOf(r Row) Database {
	return Database{Name: rowString(r, "name"), Catalog: rowString(r, "catalog"),
		Description: rowString(r, "description"), LocationURI: rowString(r, "locationUri")}
}

func tableOf(r Row) Table {
	return Table{Name: rowString(r, "name"), Catalog: rowString(r, "catalog"), Namespace: rowStrings(r, "namespace"),
		Description: rowString(r, "description"), TableType: rowString(r, "tableType"), IsTemporary: rowBool(r, "isTemporary")}
}

func functionOf(r Row) Function {
	return Function{Name: rowString(r, "name"), Catalog: rowString(r, "catalog"), Namespace: rowStrings(r, "namespace"),
		Description: rowString(r, "description"), ClassName: rowString(r, "className"), IsTemporary: rowBool(r, "isTemporary")}
}

func catalogColumnOf(r Row) CatalogColumn {
	return CatalogColumn{Name: rowString(r, "name"), Description: rowString(r, "description"), DataType: rowString(r, "dataType"),
		Nullable: rowBool(r, "nullable"), IsPartition: rowBool(r, "isPartition"), IsBucket: rowBool(r, "isBucket"),
		IsCluster: rowBool(r, "isCluster")}
}

// CurrentCatalog returns the name of the session's current catalog ("spark_catalog" unless
// changed).
func (c *Catalog) CurrentCatalog(ctx context.Context) (string, error) {
	return single[string](ctx, c, "current catalog", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CurrentCatalog{
		CurrentCatalog: &sparkpb.CurrentCatalog{}}})
}

// SetCurrentCatalog makes the named catalog the session's current one; its current
// database becomes that catalog's default namespace.
func (c *Catalog) SetCurrentCatalog(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("catalog: set current catalog: empty name")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_SetCurrentCatalog{
		SetCurrentCatalog: &sparkpb.SetCurrentCatalog{CatalogName: name}}})
}

// ListCatalogs returns the catalogs the session knows: the session catalog and those
// configured (spark.sql.catalog.<name>) that it has used. Options: [Matching].
func (c *Catalog) ListCatalogs(ctx context.Context, opts ...CatalogOption) ([]CatalogMetadata, error) {
	o, err := catalogOpts("list catalogs", opts, false, true)
	if err != nil {
		return nil, err
	}
	return all(ctx, c, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListCatalogs{
		ListCatalogs: &sparkpb.ListCatalogs{Pattern: o.pattern}}}, catalogMetadataOf)
}

// CurrentDatabase returns the name of the session's current database ("default" unless
// changed).
func (c *Catalog) CurrentDatabase(ctx context.Context) (string, error) {
	return single[string](ctx, c, "current database", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CurrentDatabase{
		CurrentDatabase: &sparkpb.CurrentDatabase{}}})
}

// SetCurrentDatabase makes the named database (of the current catalog, or qualified as
// "catalog.db") the session's current one.
func (c *Catalog) SetCurrentDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("catalog: set current database: empty name")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_SetCurrentDatabase{
		SetCurrentDatabase: &sparkpb.SetCurrentDatabase{DbName: name}}})
}

// ListDatabases returns the databases of the current catalog. Options: [Matching].
func (c *Catalog) ListDatabases(ctx context.Context, opts ...CatalogOption) ([]Database, error) {
	o, err := catalogOpts("list databases", opts, false, true)
	if err != nil {
		return nil, err
	}
	return all(ctx, c, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListDatabases{
		ListDatabases: &sparkpb.ListDatabases{Pattern: o.pattern}}}, databaseOf)
}

// GetDatabase returns the named database (of the current catalog, or qualified as
// "catalog.db"); an error matching [ErrNotFound] if there is none.
func (c *Catalog) GetDatabase(ctx context.Context, name string) (Database, error) {
	if name == "" {
		return Database{}, errors.New("catalog: get database: empty name")
	}
	return one(ctx, c, "get database", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetDatabase{
		GetDatabase: &sparkpb.GetDatabase{DbName: name}}}, databaseOf)
}

// DatabaseExists reports whether the named database exists.
func (c *Catalog) DatabaseExists(ctx context.Context, name string) (bool, error) {
	if name == "" {
		return false, errors.New("catalog: database exists: empty name")
	}
	return single[bool](ctx, c, "database exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_DatabaseExists{
		DatabaseExists: &sparkpb.DatabaseExists{DbName: name}}})
}

// ListTables returns the tables and views of the current database, or of the one given
// with [InDatabase], and the temporary views of the session. Options: [InDatabase],
// [Matching].
func (c *Catalog) ListTables(ctx context.Context, opts ...CatalogOption) ([]Table, error) {
	o, err := catalogOpts("list tables", opts, true, true)
	if err != nil {
		return nil, err
	}
	return all(ctx, c, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListTables{
		ListTables: &sparkpb.ListTables{DbName: o.db, Pattern: o.pattern}}}, tableOf)
}

// GetTable returns the named table or view; an error matching [ErrNotFound] if there is
// none. Options: [InDatabase].
func (c *Catalog) GetTable(ctx context.Context, name string, opts ...CatalogOption) (Table, error) {
	o, err := catalogOpts("get table", opts, true, false)
	if err != nil {
		return Table{}, err
	}
	if name == "" {
		return Table{}, errors.New("catalog: get table: empty name")
	}
	return one(ctx, c, "get table", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetTable{
		GetTable: &sparkpb.GetTable{TableName: name, DbName: o.db}}}, tableOf)
}

// TableExists reports whether the named table or view exists. Options: [InDatabase].
func (c *Catalog) TableExists(ctx context.Context, name string, opts ...CatalogOption) (bool, error) {
	o, err := catalogOpts("table exists", opts, true, false)
	if err != nil {
		return false, err
	}
	if name == "" {
		return false, errors.New("catalog: table exists: empty name")
	}
	return single[bool](ctx, c, "table exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_TableExists{
		TableExists: &sparkpb.TableExists{TableName: name, DbName: o.db}}})
}

// ListColumns returns the columns of the named table or view. Options: [InDatabase].
func (c *Catalog) ListColumns(ctx context.Context, table string, opts ...CatalogOption) ([]CatalogColumn, error) {
	o, err := catalogOpts("list columns", opts, true, false)
	if err != nil {
		return nil, err
	}
	if table == "" {
		return nil, errors.New("catalog: list columns: empty table name")
	}
	return all(ctx, c, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListColumns{
		ListColumns: &sparkpb.ListColumns{TableName: table, DbName: o.db}}}, catalogColumnOf)
}

// ListFunctions returns the functions the session can call: builtin, temporary and those
// of the current database, or of the one given with [InDatabase]. Options: [InDatabase],
// [Matching].
func (c *Catalog) ListFunctions(ctx context.Context, opts ...CatalogOption) ([]Function, error) {
	o, err := catalogOpts("list functions", opts, true, true)
	if err != nil {
		return nil, err
	}
	return all(ctx, c, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListFunctions{
		ListFunctions: &sparkpb.ListFunctions{DbName: o.db, Pattern: o.pattern}}}, functionOf)
}

// GetFunction returns the named function; an error matching [ErrNotFound] if there is
// none. Options: [InDatabase].
func (c *Catalog) GetFunction(ctx context.Context, name string, opts ...CatalogOption) (Function, error) {
	o, err := catalogOpts("get function", opts, true, false)
	if err != nil {
		return Function{}, err
	}
	if name == "" {
		return Function{}, errors.New("catalog: get function: empty name")
	}
	return one(ctx, c, "get function", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetFunction{
		GetFunction: &sparkpb.GetFunction{FunctionName: name, DbName: o.db}}}, functionOf)
}

// FunctionExists reports whether the named function exists. Options: [InDatabase].
func (c *Catalog) FunctionExists(ctx context.Context, name string, opts ...CatalogOption) (bool, error) {
	o, err := catalogOpts("function exists", opts, true, false)
	if err != nil {
		return false, err
	}
	if name == "" {
		return false, errors.New("catalog: function exists: empty name")
	}
	return single[bool](ctx, c, "function exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_FunctionExists{
		FunctionExists: &sparkpb.FunctionExists{FunctionName: name, DbName: o.db}}})
}

// TableDefinition describes a table for [Catalog.CreateTable] and
// [Catalog.CreateExternalTable]. Every field is optional.
type TableDefinition struct {
	// Path is where the table's files are: with a path the table is external (its files
	// stay when it is dropped), without one it is managed, in the warehouse.
	Path string
	// Source is the data source ("parquet", "csv", "iceberg", ...); default
	// spark.sql.sources.default (parquet).
	Source string
	// Schema is the table's schema; without one Spark infers it from the files at Path.
	Schema *types.StructType
	// Description is the table's comment (CreateTable only).
	Description string
	// Options are the data source's options ("header", "compression", ...).
	Options map[string]string
}

// CreateTable creates a table from def and returns a DataFrame that reads it. It fails with
// a SparkError if the table exists.
//
// Unlike PySpark, which reads the new table whole, CreateTable reads none of it: the
// Catalog relation is sent under a limit of zero rows.
func (c *Catalog) CreateTable(ctx context.Context, name string, def TableDefinition) (*DataFrame, error) {
	return c.createTable(ctx, "create table", name, def, false)
}

// CreateExternalTable creates a table over the files at def.Path (Spark's older form of
// CreateTable with a path) and returns a DataFrame that reads it. def.Description must be
// empty.
func (c *Catalog) CreateExternalTable(ctx context.Context, name string, def TableDefinition) (*DataFrame, error) {
	if def.Description != "" {
		return nil, errors.New("catalog: create external table: a description is not supported; use CreateTable")
	}
	return c.createTable(ctx, "create external table", name, def, true)
}

func (c *Catalog) createTable(ctx context.Context, what, name string, def TableDefinition, external bool) (*DataFrame, error) {
	if c == nil || c.s == nil {
		return nil, ErrClosed
	}
	if name == "" {
		return nil, fmt.Errorf("catalog: %s: empty table name", what)
	}
	var schema *sparkpb.DataType
	if def.Schema != nil {
		var err error
		if schema, err = protoType(def.Schema); err != nil {
			return nil, fmt.Errorf("catalog: %s: schema: %w", what, err)
		}
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	options := maps.Clone(def.Options)
	if options == nil {
		options = map[string]string{}
	}
	cat := &sparkpb.Catalog{}
	if external {
		cat.CatType = &sparkpb.Catalog_CreateExternalTable{CreateExternalTable: &sparkpb.CreateExternalTable{
			TableName: name, Path: opt(def.Path), Source: opt(def.Source), Schema: schema, Options: options}}
	} else {
		cat.CatType = &sparkpb.Catalog_CreateTable{CreateTable: &sparkpb.CreateTable{
			TableName: name, Path: opt(def.Path), Source: opt(def.Source), Description: opt(def.Description),
			Schema: schema, Options: options}}
	}
	df := c.s.newDataFrame(&sparkpb.Relation{RelType: &sparkpb.Relation_Catalog{Catalog: cat}}).Limit(0)
	if _, err := df.Rows(ctx); err != nil {
		return nil, err
	}
	return c.s.Table(name), nil
}

// DropTempView drops the session's temporary view of that name and reports whether there
// was one. A view cached is uncached.
func (c *Catalog) DropTempView(ctx context.Context, name string) (bool, error) {
	if name == "" {
		return false, errors.New("catalog: drop temp view: empty name")
	}
	return single[bool](ctx, c, "drop temp view", &sparkpb.Catalog{CatType: &sparkpb.Catalog_DropTempView{
		DropTempView: &sparkpb.DropTempView{ViewName: name}}})
}

// DropGlobalTempView drops the global temporary view of that name (global_temp.<name>) and
// reports whether there was one.
func (c *Catalog) DropGlobalTempView(ctx context.Context, name string) (bool, error) {
	if name == "" {
		return false, errors.New("catalog: drop global temp view: empty name")
	}
	return single[bool](ctx, c, "drop global temp view", &sparkpb.Catalog{CatType: &sparkpb.Catalog_DropGlobalTempView{
		DropGlobalTempView: &sparkpb.DropGlobalTempView{ViewName: name}}})
}

// RecoverPartitions adds to the catalog the partitions of a partitioned table found in its
// directory (ALTER TABLE ... RECOVER PARTITIONS).
func (c *Catalog) RecoverPartitions(ctx context.Context, table string) error {
	if table == "" {
		return errors.New("catalog: recover partitions: empty table name")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_RecoverPartitions{
		RecoverPartitions: &sparkpb.RecoverPartitions{TableName: table}}})
}

// IsCached reports whether the named table or view is cached.
func (c *Catalog) IsCached(ctx context.Context, table string) (bool, error) {
	if table == "" {
		return false, errors.New("catalog: is cached: empty table name")
	}
	return single[bool](ctx, c, "is cached", &sparkpb.Catalog{CatType: &sparkpb.Catalog_IsCached{
		IsCached: &sparkpb.IsCached{TableName: table}}})
}

// CacheTable caches the named table or view at level; StorageNone means Spark's default,
// MemoryAndDisk. Caching is lazy: the first query that reads the table fills the cache.
func (c *Catalog) CacheTable(ctx context.Context, table string, level StorageLevel) error {
	if table == "" {
		return errors.New("catalog: cache table: empty table name")
	}
	ct := &sparkpb.CacheTable{TableName: table}
	if level != StorageNone {
		if !level.UseMemory() && !level.UseDisk() || level>>replicationShift >= maxReplication || level.UseOffHeap() && level.Deserialized() {
			return fmt.Errorf("catalog: cache table: invalid storage level %s", level)
		}
		ct.StorageLevel = level.proto()
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_CacheTable{CacheTable: ct}})
}

// UncacheTable removes the named table or view from the cache.
func (c *Catalog) UncacheTable(ctx context.Context, table string) error {
	if table == "" {
		return errors.New("catalog: uncache table: empty table name")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_UncacheTable{
		UncacheTable: &sparkpb.UncacheTable{TableName: table}}})
}

// ClearCache removes every table and DataFrame of the session from the cache.
func (c *Catalog) ClearCache(ctx context.Context) error {
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_ClearCache{ClearCache: &sparkpb.ClearCache{}}})
}

// RefreshTable forgets what Spark cached about the named table (its files, its metadata
// and, if the table is cached, its data, which the next query reads again): call it after
// the table's files changed outside Spark.
func (c *Catalog) RefreshTable(ctx context.Context, table string) error {
	if table == "" {
		return errors.New("catalog: refresh table: empty table name")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_RefreshTable{
		RefreshTable: &sparkpb.RefreshTable{TableName: table}}})
}

// RefreshByPath refreshes, as RefreshTable does, every cached table or DataFrame that reads
// files under path.
func (c *Catalog) RefreshByPath(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("catalog: refresh by path: empty path")
	}
	return c.run(ctx, &sparkpb.Catalog{CatType: &sparkpb.Catalog_RefreshByPath{
		RefreshByPath: &sparkpb.RefreshByPath{Path: path}}})
}
