package connect_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// The client-cost benchmark (BenchmarkClientCPU) measures what the client spends per row
// on a large result, apart from the server: the in-memory fake server runs in a child
// process (this test binary, started again with benchServerEnv set) and serves over
// loopback TCP, so that the benchmark's process CPU time is the client's alone.
const (
	// benchServerEnv, set to a number of rows, makes the test binary serve that many rows
	// to every query instead of running tests; it prints its address and serves until its
	// standard input closes.
	benchServerEnv = "SPARKWIRE_BENCH_FAKE_SERVER"
	// benchRowsEnv sets the rows of a BenchmarkClientCPU result (default 10 million).
	benchRowsEnv = "SPARKWIRE_BENCH_ROWS"
	// benchBatchRowsEnv sets the rows per Arrow batch (default 10,000, about 330 KB here:
	// what Spark sends, spark.sql.execution.arrow.maxRecordsPerBatch).
	benchBatchRowsEnv = "SPARKWIRE_BENCH_BATCH_ROWS"
	// benchTimestampEnv, set to 1 for the fake server, adds a fourth column, ts, a
	// timestamp (BenchmarkRowsMemory's schema).
	benchTimestampEnv = "SPARKWIRE_BENCH_TIMESTAMP"
	benchQuery        = "SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range(10000000)"
)

func TestMain(m *testing.M) {
	if rows := os.Getenv(benchServerEnv); rows != "" {
		if err := serveBenchResult(rows); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveBenchResult runs the fake server with a result of rows rows of (bigint, double,
// string) on a loopback port until standard input closes.
func serveBenchResult(rowsArg string) error {
	rows, err := strconv.Atoi(rowsArg)
	if err != nil || rows <= 0 {
		return fmt.Errorf("rows %q: want a positive number", rowsArg)
	}
	batchRows, err := envInt(benchBatchRowsEnv, 10_000)
	if err != nil {
		return err
	}
	// Ten distinct batches, sent in turn: the values of a result of any size without
	// holding it all.
	withTS := os.Getenv(benchTimestampEnv) == "1"
	distinct := make([]arrow.RecordBatch, 0, 10)
	for k := 0; k < 10 && k*batchRows < rows; k++ {
		distinct = append(distinct, benchBatch(int64(k*batchRows), min(batchRows, rows-k*batchRows), withTS))
	}
	srv := fakeserver.New()
	defer srv.Close()
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		var out []arrow.RecordBatch
		for left, k := rows, 0; left > 0; k++ {
			rec := distinct[k%len(distinct)]
			if n := int(rec.NumRows()); n > left {
				rec = rec.NewSlice(0, int64(left))
			} else {
				rec.Retain()
			}
			left -= int(rec.NumRows())
			out = append(out, rec)
		}
		return out, nil
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	stop := srv.Serve(lis)
	defer stop()
	fmt.Println(lis.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// benchBatch returns rows rows of the benchmark's query from id first on; withTS adds a
// column ts, the timestamp id seconds after 2026-01-01 (as Spark sends a timestamp:
// microseconds, in the session's time zone).
func benchBatch(first int64, rows int, withTS bool) arrow.RecordBatch {
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	if withTS {
		fields = append(fields, arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Etc/UTC"}, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	ids, xs, ss := b.Field(0).(*array.Int64Builder), b.Field(1).(*array.Float64Builder), b.Field(2).(*array.StringBuilder)
	buf := make([]byte, 0, 32)
	for i := range int64(rows) {
		id := first + i
		ids.Append(id)
		xs.Append(float64(id) * 1.5)
		buf = strconv.AppendInt(append(buf[:0], "row-"...), id, 10)
		ss.BinaryBuilder.Append(buf)
		if withTS {
			b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(benchEpoch.UnixMicro() + id*1_000_000))
		}
	}
	return b.NewRecordBatch()
}

// benchEpoch is the timestamp of id 0 in the ts column.
var benchEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// startBenchServer starts the fake server in a child process serving rows rows and returns
// its address; it stops at the end of the benchmark. env adds variables (NAME=value) to
// the child's environment.
func startBenchServer(b *testing.B, rows int, env ...string) string {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), benchServerEnv+"="+strconv.Itoa(rows)), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench server: %v", err)
	}
	return strings.TrimSpace(line)
}

// BenchmarkClientCPU reads a result of 10 million rows of (bigint, double, string) in
// batches of 10,000 from the fake server in another process, and reports the client's
// CPU time (user and system, all of the process's threads) per row, bytes allocated per
// row and rows/s, for:
//
//   - collect: DataFrame.Collect, every batch decoded (arrays in the responses' bytes);
//   - minimal: a minimal client that reads the same responses with the generated gRPC
//     stub (gRPC's default protobuf codec) and discards them;
//   - transport: the floor, gRPC alone: a codec that counts a response's bytes and
//     decodes nothing.
//
// SPARKWIRE_BENCH_ROWS and SPARKWIRE_BENCH_BATCH_ROWS change the rows and the rows per
// batch. bench/client_cpu.sh compares builds with it.
func BenchmarkClientCPU(b *testing.B) {
	rows, err := envInt(benchRowsEnv, 10_000_000)
	if err != nil {
		b.Fatal(err)
	}
	addr := startBenchServer(b, rows)
	b.Run("collect", func(b *testing.B) {
		ctx := benchContext(b)
		s, err := connect.Dial(ctx, "sc://"+addr)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close(ctx)
		df, err := s.SQL(ctx, benchQuery)
		if err != nil {
			b.Fatal(err)
		}
		measureClient(b, rows, func() (int64, error) {
			rr, err := df.Collect(ctx)
			if err != nil {
				return 0, err
			}
			defer rr.Release()
			var n int64
			for rr.Next() {
				n += rr.RecordBatch().NumRows()
			}
			return n, rr.Err()
		})
	})
	for _, bc := range []struct {
		name string
		opts []grpc.CallOption
	}{
		{"minimal", nil},
		{"transport", []grpc.CallOption{grpc.ForceCodecV2(countingCodec{})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := benchContext(b)
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(connect.DefaultMaxMessageSize)))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			rpc := sparkpb.NewSparkConnectServiceClient(conn)
			req := &sparkpb.ExecutePlanRequest{
				SessionId: connect.NewSessionID(), UserContext: &sparkpb.UserContext{UserId: "bench"},
				Plan: &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: &sparkpb.Relation{
					RelType: &sparkpb.Relation_Sql{Sql: &sparkpb.SQL{Query: benchQuery}},
				}}},
			}
			counted := bc.opts != nil
			measureClient(b, rows, func() (int64, error) {
				stream, err := rpc.ExecutePlan(ctx, req, bc.opts...)
				if err != nil {
					return 0, err
				}
				var n int64
				for {
					resp, err := stream.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return 0, err
					}
					n += resp.GetArrowBatch().GetRowCount()
				}
				if counted { // the codec decoded nothing; the server sent the rows
					n = int64(rows)
				}
				return n, nil
			})
		})
	}
}

// envInt returns the positive number in the environment variable name, or def if unset.
func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number", name, v)
	}
	return n, nil
}

func benchContext(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// measureClient runs read b.N times, checks that each read all rows, and reports the
// process's CPU time per row (cpu-ns/row), bytes allocated per row and rows/s.
func measureClient(b *testing.B, rows int, read func() (int64, error)) {
	b.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := read()
		if err != nil {
			b.Fatal(err)
		}
		if n != int64(rows) {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	total := float64(rows) * float64(b.N)
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/row")
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
}

// countingCodec decodes nothing: it is the cost of gRPC's transport alone, for
// BenchmarkClientCPU's floor.
type countingCodec struct{}

func (countingCodec) Name() string { return "proto" }

func (countingCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("marshal %T: not a protobuf message", v)
	}
	enc, err := proto.Marshal(m)
	return mem.BufferSlice{mem.SliceBuffer(enc)}, err
}

func (countingCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
