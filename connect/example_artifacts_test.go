package connect_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Ship a jar of JVM functions to the session, register one of its classes as a UDF and call
// it from SQL and from a column.
func ExampleSession_AddArtifacts() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	// udfs.jar holds com.example.PlusOne implements org.apache.spark.sql.api.java.UDF1<Long, Long>.
	if err := s.AddArtifacts(ctx, "build/udfs.jar"); err != nil {
		log.Fatal(err)
	}
	if err := s.RegisterJavaUDF(ctx, "plus_one", "com.example.PlusOne", types.Long); err != nil {
		log.Fatal(err)
	}
	bySQL, err := s.SQL(ctx, "SELECT plus_one(id) FROM range(3)")
	if err != nil {
		log.Fatal(err)
	}
	byColumn := s.Range(0, 3, 1).Select(connect.CallFunction("plus_one", connect.Col("id")))
	for _, df := range []*connect.DataFrame{bySQL, byColumn} {
		rows, err := df.Rows(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rows)
	}
}

// The artifacts a session uploads, as the in-memory test server of package connecttest
// received them: jars under jars/, files under files/, copies to the server's file system
// under forward_to_fs/.
func ExampleSession_AddFiles() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	dir, err := os.MkdirTemp("", "artifacts")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	jar, csv := filepath.Join(dir, "udfs.jar"), filepath.Join(dir, "lookup.csv")
	if err := os.WriteFile(jar, make([]byte, 100_000), 0o644); err != nil { // sent in 4 chunks
		log.Fatal(err)
	}
	if err := os.WriteFile(csv, []byte("id,name\n1,a\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := s.AddArtifacts(ctx, jar); err != nil {
		log.Fatal(err)
	}
	if err := s.AddFiles(ctx, csv); err != nil {
		log.Fatal(err)
	}
	if err := s.CopyFromLocalToFS(ctx, csv, "/data/lookup.csv"); err != nil {
		log.Fatal(err)
	}
	held := srv.Artifacts(s.ID())
	names := make([]string, 0, len(held))
	for name := range held {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("%s: %d bytes\n", name, len(held[name]))
	}
	// Output:
	// files/lookup.csv: 12 bytes
	// forward_to_fs/data/lookup.csv: 12 bytes
	// jars/udfs.jar: 100000 bytes
}

// Read a table of a database whose JDBC driver the session uploads, in four partitions
// split on the id column.
func ExampleDataFrameReader_JDBCPartitioned() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.AddArtifacts(ctx, "drivers/postgresql-42.7.4.jar"); err != nil {
		log.Fatal(err)
	}
	props := map[string]string{"driver": "org.postgresql.Driver", "user": "etl", "password": os.Getenv("PGPASSWORD")}
	orders := s.Read().JDBCPartitioned("jdbc:postgresql://db:5432/shop", "public.orders", "id", 1, 1_000_000, 4, props)
	n, err := orders.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}
