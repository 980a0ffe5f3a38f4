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
// purpose, or the connection breaks, the client reattaches from the last response it saw.
//
// Errors the server reports are *[SparkError] values carrying Spark's error class and
// SQLSTATE. Go values map to Spark literals as documented at [Lit], and Spark values to Go
// values as documented at [Row].
package connect
