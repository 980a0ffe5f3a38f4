package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// HDFS of [WithHDFS]: network aliases, ports and settings.
const (
	namenodeAlias     = "hdfs-namenode"
	datanodeAlias     = "hdfs-datanode-" // + 1, 2, ...
	namenodeUIPort    = "9870/tcp"
	hdfsURI           = "hdfs://" + namenodeAlias + ":8020"
	hdfsMaxReplicas   = 3
	hdfsHeap          = "256m"
	namenodeStatusQry = "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
)

// WithHDFS makes [Start] run HDFS on the stack's network — a NameNode (network alias
// "hdfs-namenode", RPC port 8020) and the given number of DataNodes ("hdfs-datanode-1", ...)
// from the HDFS image (Image("hdfs")) — and makes it the Spark Connect server's default file system
// (spark.hadoop.fs.defaultFS, [Stack.HDFSURI]): checkpoint locations, file sinks, the
// warehouse, the "lake" catalog and spark.checkpoint.dir given as paths without a scheme then
// live on HDFS, where the driver and every executor of a standalone cluster
// ([WithStandaloneCluster]) see the same files. Paths may also name it in full, as
// "hdfs://hdfs-namenode:8020/checkpoints/q". Clients reach DataNodes by their aliases
// (dfs.client.use.datanode.hostname), and new files get one replica per DataNode, at most
// three. Start returns once the NameNode counts every DataNode live and has left safe mode;
// the Connect server starts only then, since it creates spark.checkpoint.dir on the default
// file system as it starts. [Stack.HDFSUIURL] gives the NameNode's web address (JSON status
// at /jmx).
//
// datanodes below 1 runs no HDFS, the default.
func WithHDFS(datanodes int) Option {
	return func(c *config) { c.datanodes = max(datanodes, 0) }
}

// HDFSURI returns the URI of the stack's HDFS as the Spark containers reach it,
// "hdfs://hdfs-namenode:8020", or "" when the stack runs without HDFS ([WithHDFS]). Append an
// absolute path to name a directory: HDFSURI() + "/checkpoints/pageviews".
func (s *Stack) HDFSURI() string { return s.hdfsURI }

// HDFSUIURL returns the address of the NameNode's web server for clients on the host, such
// as "http://localhost:32780" (JSON status at /jmx), or "" without HDFS.
func (s *Stack) HDFSUIURL() string { return s.hdfsUIURL }

// hdfsReplication is the replica count of new files with n DataNodes.
func hdfsReplication(n int) int { return min(n, hdfsMaxReplicas) }

// hdfsSparkConfs returns the Spark properties that make the Connect server (and, through
// it, its executors) use the stack's HDFS, or nothing without HDFS. They come before the
// properties of WithSparkConf, which can override them.
func (c *config) hdfsSparkConfs() [][2]string {
	if c.datanodes < 1 {
		return nil
	}
	return [][2]string{
		{"spark.hadoop.fs.defaultFS", hdfsURI},
		// DataNodes register under their network aliases; the container IPs they come from
		// are not names a client on another host could use.
		{"spark.hadoop.dfs.client.use.datanode.hostname", "true"},
		// The client, not the NameNode, chooses the replication of a file it writes.
		{"spark.hadoop.dfs.replication", strconv.Itoa(hdfsReplication(c.datanodes))},
	}
}

// startHDFS starts the NameNode and the DataNodes in parallel and returns when the NameNode
// counts every DataNode live and is out of safe mode.
func (s *Stack) startHDFS(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, loopback bool) error {
	replication := strconv.Itoa(hdfsReplication(cfg.datanodes))
	var namenodeErr, datanodesErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		s.namenode, namenodeErr = runNode(ctx, cfg, nw, "hdfs", namenodeAlias,
			testcontainers.WithExposedPorts(namenodeUIPort),
			publishOnLoopback(loopback, namenodeUIPort),
			testcontainers.WithEnv(map[string]string{
				"HDFS_NAMENODE_HOST": namenodeAlias,
				"HDFS_REPLICATION":   replication,
				"HDFS_HEAP":          hdfsHeap,
			}),
			testcontainers.WithCmd("namenode"),
			testcontainers.WithWaitStrategyAndDeadline(readyTimeout, wait.ForLog("NameNode RPC up at").WithStartupTimeout(readyTimeout)),
		)
		if namenodeErr != nil {
			namenodeErr = fmt.Errorf("start hdfs namenode: %w", namenodeErr)
		}
	})
	wg.Go(func() {
		s.datanodes, datanodesErr = runNodes(ctx, cfg, nw, "hdfs", cfg.datanodes,
			func(i int) string { return datanodeAlias + strconv.Itoa(i+1) },
			func(i int) []testcontainers.ContainerCustomizer {
				return []testcontainers.ContainerCustomizer{
					testcontainers.WithEnv(map[string]string{
						"HDFS_NAMENODE_HOST": namenodeAlias,
						"HDFS_DATANODE_HOST": datanodeAlias + strconv.Itoa(i+1),
						"HDFS_REPLICATION":   replication,
						"HDFS_HEAP":          hdfsHeap,
					}),
					testcontainers.WithCmd("datanode"),
				}
			})
	})
	wg.Wait()
	if err := errors.Join(namenodeErr, datanodesErr); err != nil {
		return err
	}
	ui, err := s.namenode.PortEndpoint(ctx, namenodeUIPort, "http")
	if err != nil {
		return fmt.Errorf("hdfs namenode ui endpoint: %w", err)
	}
	s.hdfsUIURL = ui
	if err := waitHDFS(ctx, ui, cfg.datanodes); err != nil {
		return err
	}
	s.hdfsURI = hdfsURI
	return nil
}

// waitHDFS waits until the NameNode's status at uiURL counts n live DataNodes and the
// NameNode has left safe mode.
func waitHDFS(ctx context.Context, uiURL string, n int) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var last error
	for {
		st, err := namenodeState(ctx, uiURL)
		if err == nil {
			if err = st.ready(n); err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("hdfs at %s not ready: %w", uiURL, errors.Join(last, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// fsNamesystemState is the part of the NameNode's FSNamesystemState bean that waitHDFS reads.
type fsNamesystemState struct {
	// FSState is "Operational", or "safeMode" while the NameNode waits for block reports.
	FSState          string `json:"FSState"`
	NumLiveDataNodes int    `json:"NumLiveDataNodes"`
}

// ready returns nil when the state shows n live DataNodes and no safe mode, else what is
// missing.
func (st fsNamesystemState) ready(n int) error {
	switch {
	case st.NumLiveDataNodes < n:
		return fmt.Errorf("%d of %d datanodes live", st.NumLiveDataNodes, n)
	case st.FSState != "Operational":
		return fmt.Errorf("namenode state %q, want Operational", st.FSState)
	}
	return nil
}

// namenodeState reads the FSNamesystemState bean from the NameNode's JMX servlet.
func namenodeState(ctx context.Context, uiURL string) (fsNamesystemState, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uiURL+namenodeStatusQry, nil)
	if err != nil {
		return fsNamesystemState{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fsNamesystemState{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fsNamesystemState{}, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	st, err := decodeNamenodeState(resp.Body)
	if err != nil {
		return st, fmt.Errorf("GET %s: %w", req.URL, err)
	}
	return st, nil
}

// decodeNamenodeState decodes a JMX servlet answer holding the FSNamesystemState bean.
func decodeNamenodeState(r io.Reader) (fsNamesystemState, error) {
	var doc struct {
		Beans []json.RawMessage `json:"beans"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return fsNamesystemState{}, fmt.Errorf("decode jmx: %w", err)
	}
	if len(doc.Beans) != 1 {
		return fsNamesystemState{}, fmt.Errorf("jmx: %d beans, want FSNamesystemState alone", len(doc.Beans))
	}
	var st fsNamesystemState
	if err := json.Unmarshal(doc.Beans[0], &st); err != nil {
		return st, fmt.Errorf("decode FSNamesystemState: %w", err)
	}
	if st.FSState == "" {
		return st, errors.New("jmx: the bean has no FSState")
	}
	return st, nil
}
