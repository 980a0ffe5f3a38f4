package connect

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// lastRoot returns the root relation, without plan ids, of the last plan srv received.
func lastRoot(t *testing.T, srv *fakeserver.Server) *sparkpb.Relation {
	t.Helper()
	plans := srv.Plans()
	if len(plans) == 0 {
		t.Fatal("no plan sent")
	}
	root := plans[len(plans)-1].GetRoot()
	if root == nil {
		t.Fatalf("last plan has no root: %v", plans[len(plans)-1])
	}
	return noIDs(root)
}

func catRel(c *sparkpb.Catalog) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Catalog{Catalog: c}}
}

// checkCatalog compares the last plan with the Catalog relation want.
func checkCatalog(t *testing.T, srv *fakeserver.Server, what string, want *sparkpb.Catalog) {
	t.Helper()
	checkProto(t, what, lastRoot(t, srv), catRel(want))
}

func TestCatalogCurrentAndList(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()

	cat, err := c.CurrentCatalog(ctx)
	if err != nil || cat != "spark_catalog" {
		t.Fatalf("CurrentCatalog: %q, %v", cat, err)
	}
	checkCatalog(t, srv, "current catalog", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CurrentCatalog{CurrentCatalog: &sparkpb.CurrentCatalog{}}})

	err = c.SetCurrentCatalog(ctx, "lake")
	var se *SparkError
	if !errors.As(err, &se) || se.ErrorClass != "CATALOG_NOT_FOUND" || !errors.Is(err, ErrNotFound) {
		t.Errorf("SetCurrentCatalog(lake) on the fake: %v", err)
	}
	checkCatalog(t, srv, "set current catalog", &sparkpb.Catalog{CatType: &sparkpb.Catalog_SetCurrentCatalog{
		SetCurrentCatalog: &sparkpb.SetCurrentCatalog{CatalogName: "lake"}}})
	if err := c.SetCurrentCatalog(ctx, "spark_catalog"); err != nil {
		t.Errorf("SetCurrentCatalog(spark_catalog): %v", err)
	}

	cats, err := c.ListCatalogs(ctx, Matching("spark*"))
	if err != nil || !reflect.DeepEqual(cats, []CatalogMetadata{{Name: "spark_catalog"}}) {
		t.Errorf("ListCatalogs: %+v, %v", cats, err)
	}
	checkCatalog(t, srv, "list catalogs", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListCatalogs{
		ListCatalogs: &sparkpb.ListCatalogs{Pattern: refOf("spark*")}}})
	if cats, err := c.ListCatalogs(ctx); err != nil || len(cats) != 1 {
		t.Errorf("ListCatalogs(): %+v, %v", cats, err)
	}
	checkCatalog(t, srv, "list catalogs without pattern", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListCatalogs{
		ListCatalogs: &sparkpb.ListCatalogs{}}})

	db, err := c.CurrentDatabase(ctx)
	if err != nil || db != "default" {
		t.Errorf("CurrentDatabase: %q, %v", db, err)
	}
	checkCatalog(t, srv, "current database", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CurrentDatabase{CurrentDatabase: &sparkpb.CurrentDatabase{}}})

	if err := c.SetCurrentDatabase(ctx, "default"); err != nil {
		t.Errorf("SetCurrentDatabase: %v", err)
	}
	checkCatalog(t, srv, "set current database", &sparkpb.Catalog{CatType: &sparkpb.Catalog_SetCurrentDatabase{
		SetCurrentDatabase: &sparkpb.SetCurrentDatabase{DbName: "default"}}})
	if err := c.SetCurrentDatabase(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetCurrentDatabase(nope): %v", err)
	}

	wantDB := Database{Name: "default", Catalog: "spark_catalog", Description: "default database", LocationURI: "file:/tmp/spark-warehouse"}
	dbs, err := c.ListDatabases(ctx, Matching("def*|x"))
	if err != nil || !reflect.DeepEqual(dbs, []Database{wantDB}) {
		t.Errorf("ListDatabases: %+v, %v", dbs, err)
	}
	checkCatalog(t, srv, "list databases", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListDatabases{
		ListDatabases: &sparkpb.ListDatabases{Pattern: refOf("def*|x")}}})
	if dbs, err := c.ListDatabases(ctx, Matching("x*")); err != nil || len(dbs) != 0 {
		t.Errorf("ListDatabases(x*): %+v, %v", dbs, err)
	}

	got, err := c.GetDatabase(ctx, "default")
	if err != nil || got != wantDB {
		t.Errorf("GetDatabase: %+v, %v", got, err)
	}
	checkCatalog(t, srv, "get database", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetDatabase{GetDatabase: &sparkpb.GetDatabase{DbName: "default"}}})
	if _, err := c.GetDatabase(ctx, "nope"); !errors.As(err, &se) || se.ErrorClass != "SCHEMA_NOT_FOUND" || !errors.Is(err, ErrNotFound) {
		t.Errorf("GetDatabase(nope): %v", err)
	}

	for name, want := range map[string]bool{"default": true, "nope": false} {
		ok, err := c.DatabaseExists(ctx, name)
		if err != nil || ok != want {
			t.Errorf("DatabaseExists(%s): %v, %v", name, ok, err)
		}
		checkCatalog(t, srv, "database exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_DatabaseExists{DatabaseExists: &sparkpb.DatabaseExists{DbName: name}}})
	}
}

func TestCatalogTables(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()

	schema := types.Struct(
		types.StructField{Name: "id", Type: types.Long, Metadata: `{"comment":"the id"}`},
		types.StructField{Name: "tags", Type: types.ArrayType{Element: types.String, ContainsNull: true}, Nullable: true},
	)
	df, err := c.CreateTable(ctx, "cat_t", TableDefinition{
		Source: "parquet", Schema: schema, Description: "the table", Options: map[string]string{"compression": "zstd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	protoSchema, err := protoType(schema)
	if err != nil {
		t.Fatal(err)
	}
	checkProto(t, "create table", lastRoot(t, srv), limitRel(catRel(&sparkpb.Catalog{CatType: &sparkpb.Catalog_CreateTable{
		CreateTable: &sparkpb.CreateTable{TableName: "cat_t", Source: refOf("parquet"), Description: refOf("the table"),
			Schema: protoSchema, Options: map[string]string{"compression": "zstd"}},
	}}), 0))
	checkProto(t, "the DataFrame CreateTable returns", noIDs(df.rel), tableRel("cat_t"))
	if _, err := c.CreateTable(ctx, "cat_t", TableDefinition{}); err == nil || !strings.Contains(err.Error(), "TABLE_OR_VIEW_ALREADY_EXISTS") {
		t.Errorf("CreateTable twice: %v", err)
	}

	if _, err := c.CreateExternalTable(ctx, "default.cat_ext", TableDefinition{Path: "/data/ext", Source: "csv",
		Options: map[string]string{"header": "true"}}); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "create external table", lastRoot(t, srv), limitRel(catRel(&sparkpb.Catalog{CatType: &sparkpb.Catalog_CreateExternalTable{
		CreateExternalTable: &sparkpb.CreateExternalTable{TableName: "default.cat_ext", Path: refOf("/data/ext"), Source: refOf("csv"),
			Options: map[string]string{"header": "true"}},
	}}), 0))

	if err := s.Range(0, 2, 1).CreateTempView(ctx, "cat_v"); err != nil {
		t.Fatal(err)
	}

	wantT := Table{Name: "cat_t", Catalog: "spark_catalog", Namespace: []string{"default"}, Description: "the table", TableType: "MANAGED"}
	wantExt := Table{Name: "cat_ext", Catalog: "spark_catalog", Namespace: []string{"default"}, TableType: "EXTERNAL"}
	wantV := Table{Name: "cat_v", TableType: "TEMPORARY", IsTemporary: true}
	tables, err := c.ListTables(ctx)
	if err != nil || !reflect.DeepEqual(tables, []Table{wantExt, wantT, wantV}) {
		t.Errorf("ListTables:\n got %+v, %v\nwant %+v", tables, err, []Table{wantExt, wantT, wantV})
	}
	checkCatalog(t, srv, "list tables", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListTables{ListTables: &sparkpb.ListTables{}}})
	tables, err = c.ListTables(ctx, InDatabase("default"), Matching("cat_t*"))
	if err != nil || !reflect.DeepEqual(tables, []Table{wantT}) {
		t.Errorf("ListTables(default, cat_t*): %+v, %v", tables, err)
	}
	checkCatalog(t, srv, "list tables in", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListTables{
		ListTables: &sparkpb.ListTables{DbName: refOf("default"), Pattern: refOf("cat_t*")}}})
	if wantT.Database() != "default" || wantV.Database() != "" {
		t.Errorf("Table.Database: %q %q", wantT.Database(), wantV.Database())
	}

	got, err := c.GetTable(ctx, "cat_t", InDatabase("default"))
	if err != nil || !reflect.DeepEqual(got, wantT) {
		t.Errorf("GetTable: %+v, %v", got, err)
	}
	checkCatalog(t, srv, "get table", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetTable{
		GetTable: &sparkpb.GetTable{TableName: "cat_t", DbName: refOf("default")}}})
	if got, err := c.GetTable(ctx, "cat_v"); err != nil || !reflect.DeepEqual(got, wantV) {
		t.Errorf("GetTable(view): %+v, %v", got, err)
	}
	_, err = c.GetTable(ctx, "nope")
	var se *SparkError
	if !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || !errors.Is(err, ErrNotFound) || errors.Is(err, ErrSessionChanged) {
		t.Errorf("GetTable(nope): %v", err)
	}

	for _, tc := range []struct {
		name string
		db   *string
		want bool
	}{{"cat_t", nil, true}, {"cat_ext", refOf("default"), true}, {"cat_v", nil, true}, {"nope", nil, false}} {
		var opts []CatalogOption
		if tc.db != nil {
			opts = append(opts, InDatabase(*tc.db))
		}
		ok, err := c.TableExists(ctx, tc.name, opts...)
		if err != nil || ok != tc.want {
			t.Errorf("TableExists(%s): %v, %v", tc.name, ok, err)
		}
		checkCatalog(t, srv, "table exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_TableExists{
			TableExists: &sparkpb.TableExists{TableName: tc.name, DbName: tc.db}}})
	}

	cols, err := c.ListColumns(ctx, "cat_t", InDatabase("default"))
	want := []CatalogColumn{{Name: "id", Description: "the id", DataType: "bigint"}, {Name: "tags", DataType: "array<string>", Nullable: true}}
	if err != nil || !reflect.DeepEqual(cols, want) {
		t.Errorf("ListColumns: %+v, %v", cols, err)
	}
	checkCatalog(t, srv, "list columns", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListColumns{
		ListColumns: &sparkpb.ListColumns{TableName: "cat_t", DbName: refOf("default")}}})

	for _, tc := range []struct {
		what string
		call func() (bool, error)
		want bool
		rel  *sparkpb.Catalog
	}{
		{"drop temp view", func() (bool, error) { return c.DropTempView(ctx, "cat_v") }, true,
			&sparkpb.Catalog{CatType: &sparkpb.Catalog_DropTempView{DropTempView: &sparkpb.DropTempView{ViewName: "cat_v"}}}},
		{"drop temp view again", func() (bool, error) { return c.DropTempView(ctx, "cat_v") }, false,
			&sparkpb.Catalog{CatType: &sparkpb.Catalog_DropTempView{DropTempView: &sparkpb.DropTempView{ViewName: "cat_v"}}}},
		{"drop global temp view", func() (bool, error) { return c.DropGlobalTempView(ctx, "cat_g") }, false,
			&sparkpb.Catalog{CatType: &sparkpb.Catalog_DropGlobalTempView{DropGlobalTempView: &sparkpb.DropGlobalTempView{ViewName: "cat_g"}}}},
	} {
		ok, err := tc.call()
		if err != nil || ok != tc.want {
			t.Errorf("%s: %v, %v", tc.what, ok, err)
		}
		checkCatalog(t, srv, tc.what, tc.rel)
	}
	if ok, err := c.TableExists(ctx, "cat_v"); err != nil || ok {
		t.Errorf("view exists after drop: %v, %v", ok, err)
	}
}

func TestCatalogGlobalViews(t *testing.T) {
	_, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()
	if err := s.Range(0, 1, 1).CreateGlobalTempView(ctx, "cat_g"); err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTables(ctx, InDatabase("global_temp"))
	want := []Table{{Name: "cat_g", Namespace: []string{"global_temp"}, TableType: "TEMPORARY", IsTemporary: true}}
	if err != nil || !reflect.DeepEqual(tables, want) {
		t.Errorf("ListTables(global_temp): %+v, %v", tables, err)
	}
	if ok, err := c.DropGlobalTempView(ctx, "cat_g"); err != nil || !ok {
		t.Errorf("DropGlobalTempView: %v, %v", ok, err)
	}
}

func TestCatalogFunctions(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()
	upper := Function{Name: "upper", Description: "upper(str) - Returns `str` with all characters changed to uppercase.",
		ClassName: "org.apache.spark.sql.catalyst.expressions.Upper", IsTemporary: true}
	fns, err := c.ListFunctions(ctx, InDatabase("default"), Matching("up*"))
	if err != nil || !reflect.DeepEqual(fns, []Function{upper}) {
		t.Errorf("ListFunctions: %+v, %v", fns, err)
	}
	checkCatalog(t, srv, "list functions", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ListFunctions{
		ListFunctions: &sparkpb.ListFunctions{DbName: refOf("default"), Pattern: refOf("up*")}}})
	if fns, err := c.ListFunctions(ctx); err != nil || len(fns) != 3 {
		t.Errorf("ListFunctions(): %+v, %v", fns, err)
	}

	got, err := c.GetFunction(ctx, "upper")
	if err != nil || !reflect.DeepEqual(got, upper) {
		t.Errorf("GetFunction: %+v, %v", got, err)
	}
	checkCatalog(t, srv, "get function", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetFunction{GetFunction: &sparkpb.GetFunction{FunctionName: "upper"}}})
	if _, err := c.GetFunction(ctx, "nope", InDatabase("default")); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetFunction(nope): %v", err)
	}
	checkCatalog(t, srv, "get function in", &sparkpb.Catalog{CatType: &sparkpb.Catalog_GetFunction{
		GetFunction: &sparkpb.GetFunction{FunctionName: "nope", DbName: refOf("default")}}})

	for name, want := range map[string]bool{"upper": true, "nope": false} {
		ok, err := c.FunctionExists(ctx, name, InDatabase("default"))
		if err != nil || ok != want {
			t.Errorf("FunctionExists(%s): %v, %v", name, ok, err)
		}
		checkCatalog(t, srv, "function exists", &sparkpb.Catalog{CatType: &sparkpb.Catalog_FunctionExists{
			FunctionExists: &sparkpb.FunctionExists{FunctionName: name, DbName: refOf("default")}}})
	}
}

func TestCatalogCache(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()
	if err := s.Range(0, 2, 1).CreateTempView(ctx, "cat_c"); err != nil {
		t.Fatal(err)
	}
	isCached := func(want bool) {
		t.Helper()
		ok, err := c.IsCached(ctx, "cat_c")
		if err != nil || ok != want {
			t.Errorf("IsCached: %v, %v; want %v", ok, err, want)
		}
		checkCatalog(t, srv, "is cached", &sparkpb.Catalog{CatType: &sparkpb.Catalog_IsCached{IsCached: &sparkpb.IsCached{TableName: "cat_c"}}})
	}
	isCached(false)
	if err := c.CacheTable(ctx, "cat_c", StorageNone); err != nil {
		t.Fatal(err)
	}
	checkCatalog(t, srv, "cache table", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CacheTable{CacheTable: &sparkpb.CacheTable{TableName: "cat_c"}}})
	isCached(true)
	if err := c.UncacheTable(ctx, "cat_c"); err != nil {
		t.Fatal(err)
	}
	checkCatalog(t, srv, "uncache table", &sparkpb.Catalog{CatType: &sparkpb.Catalog_UncacheTable{UncacheTable: &sparkpb.UncacheTable{TableName: "cat_c"}}})
	isCached(false)
	if err := c.CacheTable(ctx, "cat_c", DiskOnly2); err != nil {
		t.Fatal(err)
	}
	checkCatalog(t, srv, "cache table at a level", &sparkpb.Catalog{CatType: &sparkpb.Catalog_CacheTable{CacheTable: &sparkpb.CacheTable{
		TableName: "cat_c", StorageLevel: &sparkpb.StorageLevel{UseDisk: true, Replication: 2}}}})
	isCached(true)
	if err := c.ClearCache(ctx); err != nil {
		t.Fatal(err)
	}
	checkCatalog(t, srv, "clear cache", &sparkpb.Catalog{CatType: &sparkpb.Catalog_ClearCache{ClearCache: &sparkpb.ClearCache{}}})
	isCached(false)
	if err := c.CacheTable(ctx, "nope", StorageNone); !errors.Is(err, ErrNotFound) {
		t.Errorf("CacheTable(nope): %v", err)
	}

	if err := c.RefreshTable(ctx, "cat_c"); err != nil {
		t.Error(err)
	}
	checkCatalog(t, srv, "refresh table", &sparkpb.Catalog{CatType: &sparkpb.Catalog_RefreshTable{RefreshTable: &sparkpb.RefreshTable{TableName: "cat_c"}}})
	if err := c.RefreshByPath(ctx, "/data/x"); err != nil {
		t.Error(err)
	}
	checkCatalog(t, srv, "refresh by path", &sparkpb.Catalog{CatType: &sparkpb.Catalog_RefreshByPath{RefreshByPath: &sparkpb.RefreshByPath{Path: "/data/x"}}})
	if err := c.RecoverPartitions(ctx, "cat_c"); err != nil {
		t.Error(err)
	}
	checkCatalog(t, srv, "recover partitions", &sparkpb.Catalog{CatType: &sparkpb.Catalog_RecoverPartitions{RecoverPartitions: &sparkpb.RecoverPartitions{TableName: "cat_c"}}})
}

func TestCatalogBadInput(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	c := s.Catalog()
	before := sentRequests(srv)
	for what, err := range map[string]error{
		"SetCurrentCatalog":        c.SetCurrentCatalog(ctx, ""),
		"SetCurrentDatabase":       c.SetCurrentDatabase(ctx, ""),
		"GetDatabase":              second(c.GetDatabase(ctx, "")),
		"DatabaseExists":           second(c.DatabaseExists(ctx, "")),
		"GetTable":                 second(c.GetTable(ctx, "")),
		"GetTable InDatabase":      second(c.GetTable(ctx, "t", InDatabase(""))),
		"GetTable Matching":        second(c.GetTable(ctx, "t", Matching("x"))),
		"TableExists":              second(c.TableExists(ctx, "")),
		"ListColumns":              second(c.ListColumns(ctx, "")),
		"ListColumns Matching":     second(c.ListColumns(ctx, "t", Matching("x"))),
		"ListCatalogs InDatabase":  second(c.ListCatalogs(ctx, InDatabase("d"))),
		"ListDatabases InDatabase": second(c.ListDatabases(ctx, InDatabase("d"))),
		"GetFunction":              second(c.GetFunction(ctx, "")),
		"FunctionExists":           second(c.FunctionExists(ctx, "")),
		"FunctionExists Matching":  second(c.FunctionExists(ctx, "f", Matching("x"))),
		"CreateTable":              second(c.CreateTable(ctx, "", TableDefinition{})),
		"CreateTable bad schema":   second(c.CreateTable(ctx, "t", TableDefinition{Schema: types.Struct(types.StructField{Name: "x"})})),
		"CreateExternalTable":      second(c.CreateExternalTable(ctx, "t", TableDefinition{Description: "d"})),
		"DropTempView":             second(c.DropTempView(ctx, "")),
		"DropGlobalTempView":       second(c.DropGlobalTempView(ctx, "")),
		"RecoverPartitions":        c.RecoverPartitions(ctx, ""),
		"IsCached":                 second(c.IsCached(ctx, "")),
		"CacheTable":               c.CacheTable(ctx, "", StorageNone),
		"CacheTable level":         c.CacheTable(ctx, "t", StorageLevel(levelDeserialized)),
		"UncacheTable":             c.UncacheTable(ctx, ""),
		"RefreshTable":             c.RefreshTable(ctx, ""),
		"RefreshByPath":            c.RefreshByPath(ctx, ""),
	} {
		if err == nil {
			t.Errorf("%s: no error", what)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}

	var nilCat *Catalog
	if _, err := nilCat.CurrentDatabase(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("nil Catalog: %v", err)
	}
	var nilSession *Session
	if _, err := nilSession.Catalog().ListTables(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Catalog of a nil Session: %v", err)
	}
	if _, err := nilSession.Catalog().CreateTable(ctx, "t", TableDefinition{}); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateTable on a nil Session: %v", err)
	}

	// An answer of the wrong shape is an error, not a panic.
	answerWith(t, srv, int64Batch("x", 1, 2))
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		rec := int64Batch("x", 1, 2)
		defer rec.Release()
		resp, err := fakeserver.ArrowBatch(rec)
		if err != nil {
			return err
		}
		return op.Send(resp)
	})
	if _, err := c.CurrentDatabase(ctx); err == nil || !strings.Contains(err.Error(), "2 rows") {
		t.Errorf("two rows for one value: %v", err)
	}
	if _, err := c.GetTable(ctx, "t"); err == nil || !strings.Contains(err.Error(), "2 rows") {
		t.Errorf("two rows for one table: %v", err)
	}
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		rec := int64Batch("x", 1)
		defer rec.Release()
		resp, err := fakeserver.ArrowBatch(rec)
		if err != nil {
			return err
		}
		return op.Send(resp)
	})
	if _, err := c.TableExists(ctx, "t"); err == nil || !strings.Contains(err.Error(), "int64") {
		t.Errorf("a number for a bool: %v", err)
	}

	// The server's errors come through as they are.
	srv.OnExecute(nil)
	srv.FailNext(fakeserver.SparkError(codes.Internal, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "no t", ""))
	if err := c.RefreshTable(ctx, "t"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refresh of a missing table: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestNotFoundClasses(t *testing.T) {
	for class, want := range map[string]bool{
		"TABLE_OR_VIEW_NOT_FOUND": true, "SCHEMA_NOT_FOUND": true, "CATALOG_NOT_FOUND": true, "UNRESOLVED_ROUTINE": true,
		"ROUTINE_NOT_FOUND": true, "VIEW_NOT_FOUND.X": true, "TABLE_OR_VIEW_ALREADY_EXISTS": false, "": false,
		"INVALID_HANDLE.SESSION_CHANGED": false,
	} {
		if got := errors.Is(&SparkError{ErrorClass: class}, ErrNotFound); got != want {
			t.Errorf("%q: %v", class, got)
		}
	}
	if !errors.Is(&SparkError{ErrorClass: "INVALID_HANDLE.SESSION_CHANGED"}, ErrSessionChanged) {
		t.Error("session changed no longer matches")
	}
}
