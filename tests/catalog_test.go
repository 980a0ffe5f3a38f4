package tests

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// End-to-end tests of the catalog, table-valued functions, CloneSession and
// RuntimeConfig.IsModifiable. Everything they create on the shared server is named
// cat_<what>_<random>: databases (dropped with what they hold), temporary views, Iceberg
// namespaces in the lake catalog, and files under /tmp/cat_<random> of the server.

func catName(what string) string { return fmt.Sprintf("cat_%s_%x", what, rand.Uint32()) }

// catSQL runs SQL statements, failing the test on the first error.
func catSQL(t *testing.T, ctx context.Context, s *connect.Session, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.SQL(ctx, q); err != nil {
			t.Fatalf("%s: %#v", q, err)
		}
	}
}

// catDatabase creates a database with a comment, dropped with its tables at the end.
func catDatabase(t *testing.T, ctx context.Context, s *connect.Session, comment string) string {
	t.Helper()
	db := catName("db")
	catSQL(t, ctx, s, fmt.Sprintf("CREATE DATABASE %s COMMENT '%s'", db, comment))
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.SQL(cctx, "DROP DATABASE IF EXISTS "+db+" CASCADE"); err != nil {
			t.Errorf("drop %s: %v", db, err)
		}
	})
	return db
}

// catSQLRows returns the rows of a SQL query as value slices.
func catSQLRows(t *testing.T, ctx context.Context, s *connect.Session, query string) [][]any {
	t.Helper()
	df, err := s.SQL(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	rs, err := df.Rows(ctx)
	if err != nil || len(rs) == 0 {
		t.Fatalf("%s: %d rows, %v", query, len(rs), err)
	}
	out := make([][]any, len(rs))
	for i, r := range rs {
		out[i] = r.Values()
	}
	return out
}

func catCount(t *testing.T, ctx context.Context, df *connect.DataFrame) int64 {
	t.Helper()
	n, err := df.Count(ctx)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestCatalogDatabasesTablesViews(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	c := s.Catalog()
	db := catDatabase(t, ctx, s, "catalog e2e")

	// Databases.
	wantDB := connect.Database{Name: db, Catalog: "spark_catalog", Description: "catalog e2e",
		LocationURI: "file:/opt/spark/work/spark-warehouse/" + db + ".db"}
	got, err := c.GetDatabase(ctx, db)
	if err != nil || got != wantDB {
		t.Errorf("GetDatabase:\n got %+v, %v\nwant %+v", got, err, wantDB)
	}
	dbs, err := c.ListDatabases(ctx, connect.Matching(db))
	if err != nil || !reflect.DeepEqual(dbs, []connect.Database{wantDB}) {
		t.Errorf("ListDatabases(%s): %+v, %v", db, dbs, err)
	}
	dbs, err = c.ListDatabases(ctx)
	if err != nil || !slices.ContainsFunc(dbs, func(d connect.Database) bool { return d.Name == "default" }) ||
		!slices.Contains(dbs, wantDB) {
		t.Errorf("ListDatabases(): %+v, %v", dbs, err)
	}
	for name, want := range map[string]bool{db: true, "spark_catalog." + db: true, db + "_nope": false} {
		if ok, err := c.DatabaseExists(ctx, name); err != nil || ok != want {
			t.Errorf("DatabaseExists(%s): %v, %v", name, ok, err)
		}
	}
	_, err = c.GetDatabase(ctx, db+"_nope")
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "SCHEMA_NOT_FOUND" || !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("GetDatabase of a missing database: %v", err)
	}

	// A managed table made by the catalog, with a schema, a comment and column comments.
	schema := types.Struct(
		types.StructField{Name: "id", Type: types.Long, Metadata: `{"comment":"the id"}`},
		types.Field("name", types.String),
		types.Field("tags", types.ArrayType{Element: types.String, ContainsNull: true}),
	)
	df, err := c.CreateTable(ctx, db+".managed", connect.TableDefinition{
		Source: "parquet", Schema: schema, Description: "made by the catalog", Options: map[string]string{"compression": "zstd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, df); n != 0 {
		t.Errorf("new table has %d rows", n)
	}
	catSQL(t, ctx, s, "INSERT INTO "+db+".managed VALUES (1, 'a', array('x')), (2, NULL, array())")
	if n := catCount(t, ctx, df); n != 2 {
		t.Errorf("table DataFrame after insert: %d rows, want 2", n)
	}
	wantManaged := connect.Table{Name: "managed", Catalog: "spark_catalog", Namespace: []string{db},
		Description: "made by the catalog", TableType: "MANAGED"}
	if tb, err := c.GetTable(ctx, db+".managed"); err != nil || !reflect.DeepEqual(tb, wantManaged) {
		t.Errorf("GetTable:\n got %+v, %v\nwant %+v", tb, err, wantManaged)
	}
	if tb, err := c.GetTable(ctx, "managed", connect.InDatabase(db)); err != nil || !reflect.DeepEqual(tb, wantManaged) || tb.Database() != db {
		t.Errorf("GetTable InDatabase: %+v, %v", tb, err)
	}
	cols, err := c.ListColumns(ctx, "managed", connect.InDatabase(db))
	wantCols := []connect.CatalogColumn{
		{Name: "id", Description: "the id", DataType: "bigint", Nullable: true}, // parquet tables are nullable
		{Name: "name", DataType: "string", Nullable: true},
		{Name: "tags", DataType: "array<string>", Nullable: true},
	}
	if err != nil || !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("ListColumns:\n got %+v, %v\nwant %+v", cols, err, wantCols)
	}
	if _, err := c.CreateTable(ctx, db+".managed", connect.TableDefinition{Schema: schema}); !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_ALREADY_EXISTS" {
		t.Errorf("CreateTable of an existing table: %v", err)
	}

	// An external table over partitioned files: its partitions appear after
	// RecoverPartitions.
	dir := "/tmp/" + catName("files")
	src, err := s.SQL(ctx, "SELECT id, concat('p', id % 3) AS part FROM range(12)")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Write().PartitionBy("part").Parquet(ctx, dir+"/parts"); err != nil {
		t.Fatal(err)
	}
	ext, err := c.CreateExternalTable(ctx, db+".ext", connect.TableDefinition{Path: dir + "/parts", Source: "parquet"})
	if err != nil {
		t.Fatal(err)
	}
	wantExt := connect.Table{Name: "ext", Catalog: "spark_catalog", Namespace: []string{db}, TableType: "EXTERNAL"}
	if tb, err := c.GetTable(ctx, db+".ext"); err != nil || !reflect.DeepEqual(tb, wantExt) {
		t.Errorf("GetTable(ext): %+v, %v", tb, err)
	}
	cols, err = c.ListColumns(ctx, db+".ext")
	wantCols = []connect.CatalogColumn{{Name: "id", DataType: "bigint", Nullable: true}, {Name: "part", DataType: "string", Nullable: true, IsPartition: true}}
	if err != nil || !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("ListColumns(ext):\n got %+v, %v\nwant %+v", cols, err, wantCols)
	}
	if n := catCount(t, ctx, ext); n != 0 {
		t.Errorf("external table before RecoverPartitions: %d rows, want 0", n)
	}
	if err := c.RecoverPartitions(ctx, db+".ext"); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, s.Table(db+".ext")); n != 12 {
		t.Errorf("external table after RecoverPartitions: %d rows, want 12", n)
	}

	// Temporary views next to the tables; listing, lookups and patterns.
	view := catName("v")
	if err := s.Range(0, 3, 1).CreateTempView(ctx, view); err != nil {
		t.Fatal(err)
	}
	wantView := connect.Table{Name: view, TableType: "TEMPORARY", IsTemporary: true}
	tables, err := c.ListTables(ctx, connect.InDatabase(db))
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	if err != nil || !reflect.DeepEqual(tables, sortTables(wantExt, wantManaged, wantView)) {
		t.Errorf("ListTables(%s):\n got %+v, %v\nwant %+v", db, tables, err, sortTables(wantExt, wantManaged, wantView))
	}
	tables, err = c.ListTables(ctx, connect.InDatabase(db), connect.Matching("man*|nothing"))
	if err != nil || !reflect.DeepEqual(tables, []connect.Table{wantManaged}) {
		t.Errorf("ListTables(man*): %+v, %v", tables, err)
	}
	if tb, err := c.GetTable(ctx, view); err != nil || !reflect.DeepEqual(tb, wantView) {
		t.Errorf("GetTable(view): %+v, %v", tb, err)
	}
	for _, tc := range []struct {
		name string
		opts []connect.CatalogOption
		want bool
	}{
		{db + ".managed", nil, true}, {"ext", []connect.CatalogOption{connect.InDatabase(db)}, true}, {view, nil, true},
		{db + ".nope", nil, false}, {"managed", nil, false},
	} {
		if ok, err := c.TableExists(ctx, tc.name, tc.opts...); err != nil || ok != tc.want {
			t.Errorf("TableExists(%s): %v, %v", tc.name, ok, err)
		}
	}
	_, err = c.GetTable(ctx, db+".nope")
	if !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("GetTable of a missing table: %v", err)
	}
	if _, err := c.ListColumns(ctx, db+".nope"); !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("ListColumns of a missing table: %v", err)
	}

	// The current database.
	if cur, err := c.CurrentDatabase(ctx); err != nil || cur != "default" {
		t.Errorf("CurrentDatabase: %q, %v", cur, err)
	}
	if err := c.SetCurrentDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	if cur, err := c.CurrentDatabase(ctx); err != nil || cur != db {
		t.Errorf("CurrentDatabase after SetCurrentDatabase: %q, %v", cur, err)
	}
	if ok, err := c.TableExists(ctx, "managed"); err != nil || !ok {
		t.Errorf("TableExists(managed) in the current database: %v, %v", ok, err)
	}
	if n := catCount(t, ctx, s.Table("ext")); n != 12 {
		t.Errorf("unqualified read in the current database: %d rows", n)
	}
	if err := c.SetCurrentDatabase(ctx, db+"_nope"); !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("SetCurrentDatabase of a missing database: %v", err)
	}
	if err := c.SetCurrentDatabase(ctx, "default"); err != nil {
		t.Fatal(err)
	}

	// Dropping views.
	if ok, err := c.DropTempView(ctx, view); err != nil || !ok {
		t.Errorf("DropTempView: %v, %v", ok, err)
	}
	if ok, err := c.DropTempView(ctx, view); err != nil || ok {
		t.Errorf("DropTempView again: %v, %v", ok, err)
	}
	if ok, err := c.TableExists(ctx, view); err != nil || ok {
		t.Errorf("view exists after the drop: %v, %v", ok, err)
	}
	global := catName("g")
	if err := s.Range(0, 2, 1).CreateGlobalTempView(ctx, global); err != nil {
		t.Fatal(err)
	}
	tables, err = c.ListTables(ctx, connect.InDatabase("global_temp"), connect.Matching(global))
	wantGlobal := connect.Table{Name: global, Namespace: []string{"global_temp"}, TableType: "TEMPORARY", IsTemporary: true}
	if err != nil || !reflect.DeepEqual(tables, []connect.Table{wantGlobal}) {
		t.Errorf("ListTables(global_temp):\n got %+v, %v\nwant %+v", tables, err, wantGlobal)
	}
	if ok, err := c.DropGlobalTempView(ctx, global); err != nil || !ok {
		t.Errorf("DropGlobalTempView: %v, %v", ok, err)
	}
	if ok, err := c.DropGlobalTempView(ctx, global); err != nil || ok {
		t.Errorf("DropGlobalTempView again: %v, %v", ok, err)
	}
}

func sortTables(ts ...connect.Table) []connect.Table {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

func TestCatalogCacheAndRefresh(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	c := s.Catalog()
	view := catName("cached")
	if err := s.Range(0, 100, 1).CreateTempView(ctx, view); err != nil {
		t.Fatal(err)
	}
	check := func(what string, want bool, level connect.StorageLevel) {
		t.Helper()
		ok, err := c.IsCached(ctx, view)
		if err != nil || ok != want {
			t.Errorf("%s: IsCached %v, %v; want %v", what, ok, err, want)
		}
		got, err := s.Table(view).StorageLevel(ctx)
		if err != nil || got != level {
			t.Errorf("%s: storage level %s, %v; want %s", what, got, err, level)
		}
	}
	check("before", false, connect.StorageNone)
	if err := c.CacheTable(ctx, view, connect.MemoryOnly); err != nil {
		t.Fatal(err)
	}
	check("CacheTable(MemoryOnly)", true, connect.MemoryOnly)
	if err := c.UncacheTable(ctx, view); err != nil {
		t.Fatal(err)
	}
	check("UncacheTable", false, connect.StorageNone)
	if err := c.CacheTable(ctx, view, connect.StorageNone); err != nil {
		t.Fatal(err)
	}
	check("CacheTable(default)", true, connect.MemoryAndDisk)
	if n := catCount(t, ctx, s.Table(view)); n != 100 {
		t.Errorf("cached view: %d rows", n)
	}
	if err := c.ClearCache(ctx); err != nil {
		t.Fatal(err)
	}
	check("ClearCache", false, connect.StorageNone)
	if err := c.CacheTable(ctx, catName("nope"), connect.StorageNone); !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("CacheTable of a missing table: %v", err)
	}

	// A cached view over files keeps its rows when files are added, until RefreshTable.
	// Spark refreshes the caches over a path it writes to itself, so the new files go to a
	// new partition directory under the path, which the view reads but whose write leaves
	// the view's cache alone, as a writer other than Spark would.
	dir := "/tmp/" + catName("refresh")
	part := func(string) *connect.DataFrame { return s.Range(0, 5, 1) }
	for _, p := range []string{"a", "b"} {
		if err := part(p).Write().Parquet(ctx, dir+"/t/p="+p); err != nil {
			t.Fatal(err)
		}
	}
	files := func() *connect.DataFrame { return s.Read().Format("parquet").Load(dir + "/t") }
	fview := catName("files")
	if err := files().CreateTempView(ctx, fview); err != nil {
		t.Fatal(err)
	}
	if err := c.CacheTable(ctx, fview, connect.StorageNone); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, s.Table(fview)); n != 10 {
		t.Fatalf("cached view: %d rows, want 10", n)
	}
	if err := part("c").Write().Parquet(ctx, dir+"/t/p=c"); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, s.Table(fview)); n != 10 {
		t.Errorf("cached view after files were added: %d rows, want the cached 10", n)
	}
	if err := c.RefreshTable(ctx, fview); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, s.Table(fview)); n != 15 {
		t.Errorf("after RefreshTable: %d rows, want 15", n)
	}
	if ok, err := c.IsCached(ctx, fview); err != nil || !ok {
		t.Errorf("RefreshTable uncached the view: %v, %v", ok, err)
	}

	// RefreshByPath does the same for every cached DataFrame over the path.
	df := files()
	if err := df.Cache(ctx); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, df); n != 15 {
		t.Fatalf("cached files: %d rows, want 15", n)
	}
	if err := part("d").Write().Parquet(ctx, dir+"/t/p=d"); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, df); n != 15 {
		t.Errorf("cached files after files were added: %d rows, want the cached 15", n)
	}
	if err := c.RefreshByPath(ctx, dir+"/t"); err != nil {
		t.Fatal(err)
	}
	if n := catCount(t, ctx, df); n != 20 {
		t.Errorf("after RefreshByPath: %d rows, want 20", n)
	}
	if err := c.ClearCache(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogFunctions(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	c := s.Catalog()
	fn := catName("twice")
	// The server supports neither SQL functions nor persistent ones in its in-memory
	// catalog: a temporary function named after a JVM class it is (registered, not called).
	const class = "org.apache.spark.sql.catalyst.expressions.Upper"
	catSQL(t, ctx, s, "CREATE TEMPORARY FUNCTION "+fn+" AS '"+class+"'")

	fns, err := c.ListFunctions(ctx, connect.Matching("array_si*|upper"))
	want := []connect.Function{
		{Name: "array_size", Description: "array_size(expr) - Returns the size of an array. The function returns null for null input.",
			ClassName: "org.apache.spark.sql.catalyst.expressions.ArraySize", IsTemporary: true},
		{Name: "upper", Description: "upper(str) - Returns `str` with all characters changed to uppercase.",
			ClassName: "org.apache.spark.sql.catalyst.expressions.Upper", IsTemporary: true},
	}
	if err != nil || !reflect.DeepEqual(fns, want) {
		t.Errorf("ListFunctions:\n got %+v, %v\nwant %+v", fns, err, want)
	}
	if f, err := c.GetFunction(ctx, "upper"); err != nil || !reflect.DeepEqual(f, want[1]) {
		t.Errorf("GetFunction(upper): %+v, %v", f, err)
	}
	f, err := c.GetFunction(ctx, fn)
	if err != nil || f.Name != fn || f.Catalog != "" || f.Namespace != nil || !f.IsTemporary || f.ClassName != class {
		t.Errorf("GetFunction(%s): %+v, %v", fn, f, err)
	}
	fns, err = c.ListFunctions(ctx, connect.InDatabase("default"), connect.Matching(fn))
	if err != nil || len(fns) != 1 || !reflect.DeepEqual(fns[0], f) {
		t.Errorf("ListFunctions(%s): %+v, %v", fn, fns, err)
	}
	for _, tc := range []struct {
		name string
		opts []connect.CatalogOption
		want bool
	}{
		{"upper", nil, true}, {fn, nil, true},
		// With a database, only the database's own (persistent) functions count.
		{"upper", []connect.CatalogOption{connect.InDatabase("default")}, false},
		{"cat_nope", nil, false},
	} {
		if ok, err := c.FunctionExists(ctx, tc.name, tc.opts...); err != nil || ok != tc.want {
			t.Errorf("FunctionExists(%s): %v, %v", tc.name, ok, err)
		}
	}
	_, err = c.GetFunction(ctx, "cat_nope")
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "UNRESOLVED_ROUTINE" || !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("GetFunction of a missing function: %v", err)
	}
}

// TestCatalogIceberg moves the session to the lake catalog (Apache Iceberg) and back.
func TestCatalogIceberg(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	c := s.Catalog()
	if cur, err := c.CurrentCatalog(ctx); err != nil || cur != "spark_catalog" {
		t.Fatalf("CurrentCatalog: %q, %v", cur, err)
	}
	ns := catName("ns")
	catSQL(t, ctx, s, "CREATE NAMESPACE lake."+ns, "CREATE TABLE lake."+ns+".events (id BIGINT, kind STRING) USING iceberg COMMENT 'iceberg events'",
		"INSERT INTO lake."+ns+".events VALUES (1, 'a'), (2, 'b')")
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, q := range []string{"DROP TABLE IF EXISTS lake." + ns + ".events", "DROP NAMESPACE IF EXISTS lake." + ns} {
			if _, err := s.SQL(cctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})

	if err := c.SetCurrentCatalog(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	if cur, err := c.CurrentCatalog(ctx); err != nil || cur != "lake" {
		t.Errorf("CurrentCatalog after SetCurrentCatalog: %q, %v", cur, err)
	}
	cats, err := c.ListCatalogs(ctx)
	if err != nil || !slices.Contains(cats, connect.CatalogMetadata{Name: "lake"}) || !slices.Contains(cats, connect.CatalogMetadata{Name: "spark_catalog"}) {
		t.Errorf("ListCatalogs: %+v, %v", cats, err)
	}
	if cats, err := c.ListCatalogs(ctx, connect.Matching("la*")); err != nil || !reflect.DeepEqual(cats, []connect.CatalogMetadata{{Name: "lake"}}) {
		t.Errorf("ListCatalogs(la*): %+v, %v", cats, err)
	}
	dbs, err := c.ListDatabases(ctx, connect.Matching(ns))
	if err != nil || len(dbs) != 1 || dbs[0].Name != ns || dbs[0].Catalog != "lake" {
		t.Errorf("ListDatabases in lake: %+v, %v", dbs, err)
	}
	if ok, err := c.DatabaseExists(ctx, ns); err != nil || !ok {
		t.Errorf("DatabaseExists(%s) in lake: %v, %v", ns, ok, err)
	}
	if err := c.SetCurrentDatabase(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if cur, err := c.CurrentDatabase(ctx); err != nil || cur != ns {
		t.Errorf("CurrentDatabase in lake: %q, %v", cur, err)
	}
	tables, err := c.ListTables(ctx)
	wantT := connect.Table{Name: "events", Catalog: "lake", Namespace: []string{ns}, Description: "iceberg events", TableType: "MANAGED"}
	if err != nil || !reflect.DeepEqual(tables, []connect.Table{wantT}) {
		t.Errorf("ListTables in lake:\n got %+v, %v\nwant %+v", tables, err, wantT)
	}
	if tb, err := c.GetTable(ctx, "lake."+ns+".events"); err != nil || !reflect.DeepEqual(tb, wantT) {
		t.Errorf("GetTable(lake...): %+v, %v", tb, err)
	}
	cols, err := c.ListColumns(ctx, "events")
	wantCols := []connect.CatalogColumn{{Name: "id", DataType: "bigint", Nullable: true}, {Name: "kind", DataType: "string", Nullable: true}}
	if err != nil || !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("ListColumns in lake:\n got %+v, %v\nwant %+v", cols, err, wantCols)
	}
	if n := catCount(t, ctx, s.Table("events")); n != 2 {
		t.Errorf("unqualified read in lake: %d rows", n)
	}
	if err := c.RefreshTable(ctx, "events"); err != nil {
		t.Errorf("RefreshTable in lake: %v", err)
	}
	if err := c.SetCurrentCatalog(ctx, "cat_no_such_catalog"); !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("SetCurrentCatalog of a missing catalog: %v", err)
	}
	if err := c.SetCurrentCatalog(ctx, "spark_catalog"); err != nil {
		t.Fatal(err)
	}
	if cur, err := c.CurrentDatabase(ctx); err != nil || cur != "default" {
		t.Errorf("CurrentDatabase back in spark_catalog: %q, %v", cur, err)
	}
}

func TestTableValuedFunctions(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	f := s.TVF()
	rows := func(what string, df *connect.DataFrame) [][]any {
		t.Helper()
		rs, err := df.Rows(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out := make([][]any, len(rs))
		for i, r := range rs {
			out[i] = r.Values()
		}
		return out
	}
	for _, tc := range []struct {
		what string
		df   *connect.DataFrame
		want [][]any
	}{
		{"explode", f.Explode(connect.Lit([]int64{4, 5})), [][]any{{int64(4)}, {int64(5)}}},
		{"explode of a map", f.Explode(connect.Expr("map('a', 1)")), [][]any{{"a", int32(1)}}},
		{"explode of an empty array", f.Explode(connect.Expr("array()")), [][]any{}},
		{"explode_outer", f.ExplodeOuter(connect.Expr("CAST(array() AS array<int>)")), [][]any{{nil}}},
		{"posexplode", f.PosExplode(connect.Lit([]string{"x", "y"})), [][]any{{int32(0), "x"}, {int32(1), "y"}}},
		{"posexplode_outer", f.PosExplodeOuter(connect.Expr("CAST(NULL AS array<string>)")), [][]any{{nil, nil}}},
		{"inline", f.Inline(connect.Expr("array(named_struct('a', 1, 'b', 'p'), named_struct('a', 2, 'b', 'q'))")), [][]any{{int32(1), "p"}, {int32(2), "q"}}},
		{"inline_outer", f.InlineOuter(connect.Expr("CAST(array() AS array<struct<a:int>>)")), [][]any{{nil}}},
		{"json_tuple", f.JSONTuple(connect.Lit(`{"a":1,"b":"two"}`), connect.Lit("a"), connect.Lit("b"), connect.Lit("c")), [][]any{{"1", "two", nil}}},
		{"stack", f.Stack(connect.Lit(int32(2)), connect.Lit(int32(1)), connect.Lit("x"), connect.Lit(int32(2)), connect.Lit("y")),
			[][]any{{int32(1), "x"}, {int32(2), "y"}}},
		{"variant_explode", f.VariantExplode(connect.Expr(`parse_json('{"k": 7}')`)).Select(connect.Col("pos"), connect.Col("key"), connect.Expr("CAST(value AS INT)")),
			[][]any{{int32(0), "k", int32(7)}}},
		{"variant_explode_outer", f.VariantExplodeOuter(connect.Expr(`parse_json('3')`)).Select(connect.Col("pos"), connect.Col("key")), [][]any{{nil, nil}}},
		{"sql_keywords", f.SQLKeywords().Where("keyword IN ('SELECT', 'AFTER')").OrderBy(connect.Col("keyword")),
			catSQLRows(t, ctx, s, "SELECT * FROM sql_keywords() WHERE keyword IN ('SELECT', 'AFTER') ORDER BY keyword")},
		{"collations", f.Collations().OrderBy(connect.Col("NAME")), catSQLRows(t, ctx, s, "SELECT * FROM collations() ORDER BY NAME")},
		{"call", f.Call("range", connect.Lit(int64(2))), [][]any{{int64(0)}, {int64(1)}}},
		{"range", f.Range(2, 9, 3, 0), [][]any{{int64(2)}, {int64(5)}, {int64(8)}}},
		{"range partitions", f.Range(0, 100, 1, 4).Select(connect.Expr("spark_partition_id() AS p")).Distinct().OrderBy(connect.Col("p")),
			[][]any{{int32(0)}, {int32(1)}, {int32(2)}, {int32(3)}}},
	} {
		if got := rows(tc.what, tc.df); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, got, tc.want)
		}
	}
	_, err := f.Call("cat_no_such_tvf").Rows(ctx)
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "UNRESOLVABLE_TABLE_VALUED_FUNCTION" {
		t.Errorf("unknown table-valued function: %v", err)
	}
}

func TestCloneSessionAndIsModifiable(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	conf := s.Conf()
	for key, want := range map[string]bool{
		"spark.sql.shuffle.partitions": true, "spark.sql.ansi.enabled": true,
		"spark.sql.warehouse.dir": false, "spark.executor.memory": false, "cat.no.such.key": false,
	} {
		if got, err := conf.IsModifiable(ctx, key); err != nil || got != want {
			t.Errorf("IsModifiable(%s): %v, %v; want %v", key, got, err, want)
		}
	}

	if err := conf.Set(ctx, "spark.sql.shuffle.partitions", "7"); err != nil {
		t.Fatal(err)
	}
	view := catName("clonev")
	if err := s.Range(0, 4, 1).CreateTempView(ctx, view); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalog().SetCurrentCatalog(ctx, "lake"); err != nil {
		t.Fatal(err)
	}
	id := connect.NewSessionID()
	clone, err := s.CloneSession(ctx, connect.CloneWithSessionID(id))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := clone.Close(cctx); err != nil {
			t.Errorf("close clone: %v", err)
		}
	})
	if clone.ID() != id || clone.Version() != s.Version() {
		t.Errorf("clone id %s version %s, want %s %s", clone.ID(), clone.Version(), id, s.Version())
	}
	if v, ok, err := clone.Conf().Get(ctx, "spark.sql.shuffle.partitions"); err != nil || !ok || v != "7" {
		t.Errorf("setting in the clone: %q %v %v", v, ok, err)
	}
	// Spark 4.1.2 does not carry the current catalog over: the clone starts in the session
	// catalog, and the session stays where it was.
	if cur, err := clone.Catalog().CurrentCatalog(ctx); err != nil || cur != "spark_catalog" {
		t.Errorf("current catalog of the clone: %q, %v", cur, err)
	}
	if cur, err := s.Catalog().CurrentCatalog(ctx); err != nil || cur != "lake" {
		t.Errorf("current catalog of the session after the clone: %q, %v", cur, err)
	}
	if n := catCount(t, ctx, clone.Table(view)); n != 4 {
		t.Errorf("view in the clone: %d rows", n)
	}
	// From now on the two are independent.
	if err := clone.Conf().Set(ctx, "spark.sql.shuffle.partitions", "9"); err != nil {
		t.Fatal(err)
	}
	if v, _, err := conf.Get(ctx, "spark.sql.shuffle.partitions"); err != nil || v != "7" {
		t.Errorf("setting in the session after the clone changed it: %q, %v", v, err)
	}
	if ok, err := clone.Catalog().DropTempView(ctx, view); err != nil || !ok {
		t.Errorf("drop the view in the clone: %v, %v", ok, err)
	}
	if ok, err := s.Catalog().TableExists(ctx, view); err != nil || !ok {
		t.Errorf("the session's view after the clone dropped its copy: %v, %v", ok, err)
	}
	if _, err := s.CloneSession(ctx, connect.CloneWithSessionID(id)); err == nil {
		t.Error("clone to the id of a live session: no error")
	}
}
