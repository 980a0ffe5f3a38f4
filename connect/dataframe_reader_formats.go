package connect

// Shortcuts for the file formats Spark reads, as PySpark's spark.read.parquet(...) and
// friends: each sets the format and loads the paths, keeping the reader's schema and
// options (set those first: s.Read().Option("header", "true").CSV(path)).

// CSV reads CSV files (options such as header, sep, inferSchema apply).
func (r *DataFrameReader) CSV(paths ...string) *DataFrame { return r.Format("csv").Load(paths...) }

// JSON reads JSON Lines files (one JSON value a line; option multiLine for whole files).
func (r *DataFrameReader) JSON(paths ...string) *DataFrame { return r.Format("json").Load(paths...) }

// ORC reads ORC files.
func (r *DataFrameReader) ORC(paths ...string) *DataFrame { return r.Format("orc").Load(paths...) }

// Parquet reads Parquet files.
func (r *DataFrameReader) Parquet(paths ...string) *DataFrame {
	return r.Format("parquet").Load(paths...)
}

// Text reads text files into one string column "value", a row per line.
func (r *DataFrameReader) Text(paths ...string) *DataFrame { return r.Format("text").Load(paths...) }

// XML reads XML files (option rowTag names the element that is a row).
func (r *DataFrameReader) XML(paths ...string) *DataFrame { return r.Format("xml").Load(paths...) }
