// Package connect is a Spark Connect client for Go: sessions, lazy DataFrames, SQL with
// parameters, readers for batch sources, results streamed as Apache Arrow record batches,
// and Spark's errors as typed Go errors.
//
// A [Session] comes from [Dial] with a Spark connection string:
//
//	s, err := connect.Dial(ctx, "sc://localhost:15002/;user_id=etl")
//	defer s.Close(ctx)
//	df, err := s.SQL(ctx, "SELECT * FROM events WHERE page = :page", connect.Named("page", "/home"))
//	rr, err := df.Collect(ctx)      // *RecordReader: Next / RecordBatch / Err / Release
//
// Transformations (Select, Filter, Limit, ...) take no context and do no I/O; actions
// (Collect, Rows, Count, Show, Schema, Explain) take a context whose deadline and
// cancellation they honour, also on the server: a cancelled Collect interrupts the
// operation there. Executions are reattachable: when the server ends a response stream on
// purpose, or the connection breaks, the client reattaches from the last response it saw,
// retrying under the session's [RetryPolicy]; a connection that goes silent is noticed by
// [Keepalive] (about 20 s by default). [Session.Stats] counts retries and reattaches.
//
// Running operations can be stopped from elsewhere: every operation carries the tags of its
// session ([Session.AddTag]) and of its context ([WithOperationTags]), and
// [Session.InterruptTag], [Session.InterruptOperation] and [Session.InterruptAll] interrupt
// them; the action then fails with an error matching [ErrInterrupted]. [WithOperationTrace]
// reports each operation's id and Spark's execution progress (stages, tasks, bytes read).
//
// Subqueries are Columns: [DataFrame.Scalar], [DataFrame.Exists], [Column.IsIn] with a
// DataFrame, and [DataFrame.AsTable] for table-valued functions; a DataFrame goes into SQL
// text with [Ref]. API.md in this directory lists PySpark's DataFrame API names beside
// this package's.
//
// Errors the server reports are *[SparkError] values carrying Spark's error class and
// SQLSTATE. Go values map to Spark literals as documented at [Lit], and Spark values to Go
// values as documented at [Row].
//
// # Typed results
//
// [CollectAs] and [RowsAs] decode rows into Go structs; [CreateDataFrameOf] makes a
// DataFrame of them, with the schema [SchemaOf] gives:
//
//	type Order struct {
//		ID    int64         `spark:"id"`
//		Price types.Decimal `spark:"price,decimal(10,2)"`
//		Note  *string       // nullable; column "Note"
//		Temp  string        `spark:"-"` // not a column
//	}
//	orders, err := connect.CollectAs[Order](ctx, df)
//
// A struct's exported, non-embedded fields are its columns, named by their `spark:"name"`
// tag, else by the Go field name; `spark:"-"` leaves a field out (the rules of the struct
// literals of [Lit]). A type hint after the name, `spark:"name,decimal(p,s)"`, gives the
// Spark type of a types.Decimal field, which CreateDataFrameOf needs; reading ignores it.
// The fields of an embedded struct, or of a pointer to one, are promoted as in Go: they are
// columns of the outer struct. A nil embedded pointer writes NULLs for its fields, and a row
// whose columns for them are all NULL reads back with the pointer nil.
//
// Reading, a column matches the field of exactly its name, else, as a fallback, the one
// field whose name equals it ignoring case. Matching is strict both ways, in top-level and
// nested structs alike: a column with no field is an error, and so is a field with no
// column, so that a renamed or dropped column fails instead of leaving a zero value. Read a
// subset by selecting the columns you want, or tag other fields "-".
package connect
