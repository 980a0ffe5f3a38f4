package connect_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/sparkwire/sparkwire/connect"
)

// Write a day of events as Parquet, one directory per page, replacing an earlier run.
func ExampleDataFrame_Write() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	events := s.Table("events").Where("day = DATE'2026-01-31'")
	err = events.Write().
		Mode(connect.SaveModeOverwrite).
		PartitionBy("page").
		Option("compression", "zstd").
		Parquet(ctx, "/data/events/day=2026-01-31")
	var se *connect.SparkError
	if errors.As(err, &se) {
		log.Fatalf("spark refused the write: %s (%s)", se.ErrorClass, se.Message)
	}
	if err != nil {
		log.Fatal(err)
	}
	// A template writer: one configuration, several tables.
	w := events.Write().Format("parquet").Mode(connect.SaveModeAppend)
	if err := w.SaveAsTable(ctx, "events_archive"); err != nil {
		log.Fatal(err)
	}
	if err := w.BucketBy(8, "user_id").SortBy("ts").SaveAsTable(ctx, "events_by_user"); err != nil {
		log.Fatal(err)
	}
}

// Create a table through the catalog (v2) API, then append a later batch to it.
func ExampleDataFrame_WriteTo() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	rollup := s.Table("events").GroupBy(connect.Col("page")).Count()
	err = rollup.WriteTo("lake.analytics.page_counts").
		Using("iceberg").
		TableProperty("format-version", "2").
		PartitionedBy(connect.Col("page")).
		CreateOrReplace(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Replace only the rows of one page.
	late := s.Table("late_events").GroupBy(connect.Col("page")).Count()
	if err := late.WriteTo("lake.analytics.page_counts").Overwrite(ctx, connect.Col("page").Eq("/home")); err != nil {
		log.Fatal(err)
	}
}

// Name a DataFrame for SQL, and cache it while several queries read it.
func ExampleDataFrame_CreateOrReplaceTempView() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	clicks := s.Read().Format("parquet").Load("/data/clicks")
	if err := clicks.CreateOrReplaceTempView(ctx, "clicks"); err != nil {
		log.Fatal(err)
	}
	if err := clicks.Persist(ctx, connect.MemoryAndDisk); err != nil {
		log.Fatal(err)
	}
	defer clicks.Unpersist(ctx, false)
	for _, q := range []string{
		"SELECT count(*) FROM clicks",
		"SELECT page, count(*) FROM clicks GROUP BY page",
	} {
		df, err := s.SQL(ctx, q)
		if err != nil {
			log.Fatal(err)
		}
		out, err := df.Show(ctx, 20)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(out)
	}
	level, err := clicks.StorageLevel(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(level) // MEMORY_AND_DISK
}
