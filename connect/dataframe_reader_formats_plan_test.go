package connect

import (
	"testing"
)

func TestReaderFormatPlans(t *testing.T) {
	srv, s := dialGolden(t)
	opts := map[string]string{"k": "v"}
	schema := refOf("a INT")
	base := func() *DataFrameReader { return s.Read().Format("ignored").Schema("a INT").Option("k", "v") }
	for _, tc := range []struct {
		format string
		read   func(r *DataFrameReader, paths ...string) *DataFrame
	}{
		{"csv", (*DataFrameReader).CSV},
		{"json", (*DataFrameReader).JSON},
		{"orc", (*DataFrameReader).ORC},
		{"parquet", (*DataFrameReader).Parquet},
		{"text", (*DataFrameReader).Text},
		{"xml", (*DataFrameReader).XML},
	} {
		t.Run(tc.format, func(t *testing.T) {
			checkPlan(t, srv, tc.read(base(), "/a", "/b"), dataSource(false, refOf(tc.format), schema, opts, "/a", "/b"))
			checkPlan(t, srv, tc.read(s.ReadStream(), "/s"), dataSource(true, refOf(tc.format), nil, nil, "/s"))
		})
	}
}
