package stack

import (
	"slices"
	"strings"
	"testing"
)

func TestWithHDFS(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		datanodes int
		confs     []string // key=value, in order
	}{
		{name: "none", opts: nil, datanodes: 0, confs: nil},
		{name: "negative", opts: []Option{WithHDFS(-2)}, datanodes: 0, confs: nil},
		{name: "zero", opts: []Option{WithHDFS(0)}, datanodes: 0, confs: nil},
		{
			name: "one datanode", opts: []Option{WithHDFS(1)}, datanodes: 1,
			confs: []string{
				"spark.hadoop.fs.defaultFS=hdfs://hdfs-namenode:8020",
				"spark.hadoop.dfs.client.use.datanode.hostname=true",
				"spark.hadoop.dfs.replication=1",
			},
		},
		{
			name: "two datanodes", opts: []Option{WithHDFS(2)}, datanodes: 2,
			confs: []string{
				"spark.hadoop.fs.defaultFS=hdfs://hdfs-namenode:8020",
				"spark.hadoop.dfs.client.use.datanode.hostname=true",
				"spark.hadoop.dfs.replication=2",
			},
		},
		{
			name: "replication at most three", opts: []Option{WithHDFS(5)}, datanodes: 5,
			confs: []string{
				"spark.hadoop.fs.defaultFS=hdfs://hdfs-namenode:8020",
				"spark.hadoop.dfs.client.use.datanode.hostname=true",
				"spark.hadoop.dfs.replication=3",
			},
		},
		{name: "last wins", opts: []Option{WithHDFS(2), WithHDFS(0)}, datanodes: 0, confs: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newConfig(tt.opts)
			if cfg.datanodes != tt.datanodes {
				t.Errorf("datanodes = %d, want %d", cfg.datanodes, tt.datanodes)
			}
			var got []string
			for _, kv := range cfg.hdfsSparkConfs() {
				got = append(got, kv[0]+"="+kv[1])
			}
			if !slices.Equal(got, tt.confs) {
				t.Errorf("spark confs = %q, want %q", got, tt.confs)
			}
		})
	}
}

// Without HDFS a stack names none; FromEnv describes no HDFS either.
func TestHDFSURIEmptyWithoutHDFS(t *testing.T) {
	var s Stack
	if s.HDFSURI() != "" || s.HDFSUIURL() != "" {
		t.Errorf("zero Stack: HDFSURI %q, HDFSUIURL %q", s.HDFSURI(), s.HDFSUIURL())
	}
	env := map[string]string{EnvConnectURL: "sc://h:1", EnvKafkaBrokers: "a:1"}
	fs, _, err := fromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if fs.HDFSURI() != "" {
		t.Errorf("FromEnv stack: HDFSURI %q", fs.HDFSURI())
	}
}

// namenodeJMX is the start of what the image's NameNode answered at
// /jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState with one DataNode.
const namenodeJMX = `{
  "beans" : [ {
    "name" : "Hadoop:service=NameNode,name=FSNamesystemState",
    "modelerType" : "org.apache.hadoop.hdfs.server.namenode.FSNamesystem",
    "CapacityTotal" : 270553174016,
    "BlocksTotal" : 0,
    "FSState" : "Operational",
    "NumLiveDataNodes" : 1,
    "NumDeadDataNodes" : 0,
    "TotalSyncTimes" : "7 "
  } ]
}`

func TestDecodeNamenodeState(t *testing.T) {
	st, err := decodeNamenodeState(strings.NewReader(namenodeJMX))
	if err != nil {
		t.Fatal(err)
	}
	if st.FSState != "Operational" || st.NumLiveDataNodes != 1 {
		t.Errorf("state = %+v", st)
	}
	if err := st.ready(1); err != nil {
		t.Errorf("ready(1) = %v", err)
	}
	if err := st.ready(2); err == nil || !strings.Contains(err.Error(), "1 of 2 datanodes") {
		t.Errorf("ready(2) = %v, want 1 of 2 datanodes live", err)
	}
	safe := fsNamesystemState{FSState: "safeMode", NumLiveDataNodes: 3}
	if err := safe.ready(3); err == nil || !strings.Contains(err.Error(), "safeMode") {
		t.Errorf("ready in safe mode = %v, want an error naming the state", err)
	}

	for name, body := range map[string]string{
		"not json":  "<html>",
		"no beans":  `{"beans": []}`,
		"two beans": `{"beans": [{"FSState": "Operational"}, {"FSState": "Operational"}]}`,
		"no state":  `{"beans": [{"NumLiveDataNodes": 1}]}`,
		"bad type":  `{"beans": [{"FSState": "Operational", "NumLiveDataNodes": "one"}]}`,
	} {
		if _, err := decodeNamenodeState(strings.NewReader(body)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}
