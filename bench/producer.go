// Command producer compares the throughput of sparkwire's producer (package producers) with
// Kafka's own kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance) on one
// broker, in one run, interleaved: for every repetition and compression codec it runs
// sparkwire, then the peer, each into a fresh topic. bench/producer.sh runs it; see
// BENCHMARKS.md for the results and the method.
//
// Both clients run on the host and reach the broker through its published port (the
// docker-proxy hop included), so that neither has a shorter network path. sparkwire
// generates, encodes (JSON) and sends clickstream events; the peer sends either its
// standard fixed 200-byte payload or, to match sparkwire's bytes and compressibility,
// payloads drawn from a file of clickstream events from the same generator. Both use
// acks=all with idempotent writes, each client's default linger and batch settings, and
// the same number of partitions.
//
// With -profile DIR, -profile-reps more sparkwire runs per codec are made with a CPU
// profile written to DIR/producer-<codec>-<rep>.pprof (not counted in the timings).
//
// Usage:
//
//	go run ./bench [-brokers host:port] [-count 2000000] [-reps 3] [-compression none,lz4]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/internal/brokerlist"
	"github.com/sparkwire/sparkwire/producers"
)

// options are the command's flags.
type options struct {
	brokers     string
	count       int64
	reps        int
	compression string
	partitions  int
	recordSize  int
	payloads    int
	java        string
	jars        string
	profileDir  string
	profileRecs int64
	profileReps int
	inContainer bool
	warmup      bool
}

// result is one measured run.
type result struct {
	client     string
	codec      string
	records    int64
	bytes      float64 // key + value bytes
	elapsed    time.Duration
	cpu        time.Duration // user + system CPU time of the client
	recPerSec  float64
	mbPerSec   float64 // 10^6 bytes per second
	recordSize float64 // mean key + value bytes per record
}

func main() {
	var o options
	flag.StringVar(&o.brokers, "brokers", os.Getenv("SPARKWIRE_KAFKA_BROKERS"), "Kafka bootstrap brokers on the host; empty starts a stack of its own")
	flag.Int64Var(&o.count, "count", 2_000_000, "records per run")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of each client and codec, interleaved")
	flag.StringVar(&o.compression, "compression", "none,lz4", "comma-separated codecs: none, gzip, snappy, lz4, zstd")
	flag.IntVar(&o.partitions, "partitions", 3, "partitions of each topic")
	flag.IntVar(&o.recordSize, "record-size", 200, "record size of the peer's fixed-payload runs")
	flag.IntVar(&o.payloads, "payloads", 100_000, "clickstream events in the peer's payload file (0: no payload-file runs)")
	flag.StringVar(&o.java, "java", "java", "java command for kafka-producer-perf-test")
	flag.StringVar(&o.jars, "jars", "docker/kafka/target/jars", "directory of Kafka's jars (images.sh fills it)")
	flag.StringVar(&o.profileDir, "profile", "", "write CPU profiles of extra sparkwire runs to this directory")
	flag.Int64Var(&o.profileRecs, "profile-count", 5_000_000, "records per profiled run: profiles sample 100 times per CPU second, so the shares need long runs")
	flag.IntVar(&o.profileReps, "profile-reps", 1, "profiled runs of each codec, interleaved")
	flag.BoolVar(&o.warmup, "warmup", true, "first warm up the broker and the JVM with one uncounted run of each client")
	flag.BoolVar(&o.inContainer, "in-container", false, "also run the peer inside the Kafka container (no docker-proxy hop), for reference")
	flag.Parse()
	log.SetFlags(0)
	if err := run(context.Background(), o); err != nil {
		log.Fatalf("producer bench: %v", err)
	}
}

func run(ctx context.Context, o options) error {
	if o.count <= 0 || o.reps <= 0 || o.partitions <= 0 || o.profileReps <= 0 {
		return errors.New("-count, -reps, -partitions and -profile-reps must be positive")
	}
	var codecs []producers.Compression
	for name := range strings.SplitSeq(o.compression, ",") {
		c, err := producers.ParseCompression(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		codecs = append(codecs, c)
	}
	brokers, err := brokerlist.Parse(o.brokers)
	if err != nil {
		return fmt.Errorf("-brokers: %w", err)
	}
	if len(brokers) == 0 {
		if err := stack.BuildImages(ctx); err != nil {
			return fmt.Errorf("images: %w", err)
		}
		s, err := stack.Start(ctx, stack.WithDriverMemory("1g"))
		if s != nil {
			defer func() { _ = s.Terminate(context.Background()) }()
		}
		if err != nil {
			return fmt.Errorf("start stack: %w", err)
		}
		brokers = s.Brokers()
	}
	log.Printf("broker %s, %d records per run, %d partitions, %d repetitions", strings.Join(brokers, ","), o.count, o.partitions, o.reps)

	admCl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)

	var payloadFile string
	var payloadMean float64
	if o.payloads > 0 {
		payloadFile = filepath.Join(os.TempDir(), fmt.Sprintf("sparkwire-clickstream-%d.txt", os.Getpid()))
		if payloadMean, err = writePayloads(payloadFile, o.payloads); err != nil {
			return err
		}
		defer os.Remove(payloadFile)
	}
	var container string
	if o.inContainer {
		if container, err = kafkaContainer(ctx, brokers[0]); err != nil {
			return err
		}
	}

	var results []result
	seq := 0
	topic := func() (string, error) {
		seq++
		t := fmt.Sprintf("bench-producer-%d-%d", os.Getpid(), seq)
		if err := producers.CreateTopics(ctx, brokers, []producers.Topic{{Name: t, Partitions: int32(o.partitions), Replication: 1}}); err != nil {
			return "", err
		}
		return t, nil
	}
	drop := func(t string) {
		if _, err := adm.DeleteTopics(ctx, t); err != nil {
			log.Printf("delete topic %s: %v", t, err)
		}
	}
	measure := func(client string, c producers.Compression, fn func(topic string) (result, error)) error {
		t, err := topic()
		if err != nil {
			return err
		}
		defer drop(t)
		r, err := fn(t)
		if err != nil {
			return fmt.Errorf("%s %s: %w", client, c, err)
		}
		r.client, r.codec = client, c.String()
		if r.elapsed > 0 {
			r.recPerSec = float64(r.records) / r.elapsed.Seconds()
			r.mbPerSec = r.bytes / r.elapsed.Seconds() / 1e6
		}
		if r.records > 0 {
			r.recordSize = r.bytes / float64(r.records)
		}
		log.Printf("  %-28s %-5s %9.0f rec/s %7.2f MB/s  %6.1f B/rec  cpu %5.2fs (%.2f µs/rec)  %s",
			r.client, r.codec, r.recPerSec, r.mbPerSec, r.recordSize, r.cpu.Seconds(),
			float64(r.cpu.Microseconds())/float64(max(r.records, 1)), r.elapsed.Round(time.Millisecond))
		results = append(results, r)
		return nil
	}
	if o.warmup {
		log.Printf("warm-up (not counted)")
		n := min(o.count, 500_000)
		if err := measure("sparkwire (warm-up)", codecs[0], func(t string) (result, error) {
			return runSparkwire(ctx, brokers, t, codecs[0], n, 99, "")
		}); err != nil {
			return err
		}
		if err := measure("perf-test (warm-up)", codecs[0], func(t string) (result, error) {
			return runPerfTest(ctx, o, perfArgs(brokers[0], t, codecs[0], n, "--record-size", strconv.Itoa(o.recordSize)), float64(o.recordSize), "")
		}); err != nil {
			return err
		}
		results = results[:0]
	}
	for rep := range o.reps {
		log.Printf("repetition %d", rep+1)
		for _, c := range codecs {
			if err := measure("sparkwire", c, func(t string) (result, error) {
				return runSparkwire(ctx, brokers, t, c, o.count, uint64(rep+1), "")
			}); err != nil {
				return err
			}
			if err := measure("perf-test 200B", c, func(t string) (result, error) {
				return runPerfTest(ctx, o, perfArgs(brokers[0], t, c, o.count, "--record-size", strconv.Itoa(o.recordSize)), float64(o.recordSize), "")
			}); err != nil {
				return err
			}
			if payloadFile != "" {
				if err := measure("perf-test clickstream", c, func(t string) (result, error) {
					return runPerfTest(ctx, o, perfArgs(brokers[0], t, c, o.count, "--payload-file", payloadFile), payloadMean, "")
				}); err != nil {
					return err
				}
			}
			if container != "" {
				if err := measure("perf-test 200B in container", c, func(t string) (result, error) {
					return runPerfTest(ctx, o, perfArgs("localhost:9095", t, c, o.count, "--record-size", strconv.Itoa(o.recordSize)), float64(o.recordSize), container)
				}); err != nil {
					return err
				}
			}
		}
	}
	if o.profileDir != "" {
		log.Printf("profiled sparkwire runs (not counted)")
		for rep := 1; rep <= o.profileReps; rep++ {
			for _, c := range codecs {
				path := filepath.Join(o.profileDir, fmt.Sprintf("producer-%s-%d.pprof", c, rep))
				if err := measure("sparkwire (profiled)", c, func(t string) (result, error) {
					return runSparkwire(ctx, brokers, t, c, o.profileRecs, 1, path)
				}); err != nil {
					return err
				}
				log.Printf("  CPU profile %s", path)
			}
		}
	}
	report(results, codecs)
	return nil
}

// runSparkwire sends count clickstream events (JSON) with the producers package and
// measures the run from the first record to the last acknowledgement.
func runSparkwire(ctx context.Context, brokers []string, topic string, c producers.Compression, count int64, seed uint64, profile string) (result, error) {
	s, err := producers.NewStream(producers.NewClickstream(0), producers.WithSeed(seed))
	if err != nil {
		return result{}, err
	}
	p, err := producers.NewProducer(brokers, topic, producers.WithCount(count), producers.WithCompression(c))
	if err != nil {
		return result{}, err
	}
	defer p.Close()
	if profile != "" {
		if err := os.MkdirAll(filepath.Dir(profile), 0o755); err != nil {
			return result{}, err
		}
		f, err := os.Create(profile)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := selfCPU()
	m, err := p.Run(ctx, s)
	cpu := selfCPU() - cpu0
	if err != nil {
		return result{}, err
	}
	if m.Acked != count {
		return result{}, fmt.Errorf("%d of %d records acknowledged", m.Acked, count)
	}
	return result{records: m.Acked, bytes: float64(m.AckedBytes), elapsed: m.FinishedAt.Sub(m.StartedAt), cpu: cpu}, nil
}

// perfArgs returns the arguments of kafka-producer-perf-test for one run; payload is
// --record-size N or --payload-file F.
func perfArgs(broker, topic string, c producers.Compression, count int64, payload ...string) []string {
	args := []string{"--topic", topic, "--num-records", strconv.FormatInt(count, 10), "--throughput", "-1"}
	args = append(args, payload...)
	return append(args, "--producer-props", "bootstrap.servers="+broker, "acks=all",
		"enable.idempotence=true", "compression.type="+c.String())
}

// perfTotal matches the final line of kafka-producer-perf-test, for example
// "2000000 records sent, 412371.1 records/sec (78.65 MB/sec), 250.1 ms avg latency, ...".
var perfTotal = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec`)

// runPerfTest runs kafka-producer-perf-test on the host, or inside container if set,
// and returns its own measurement (first send to the producer's close).
func runPerfTest(ctx context.Context, o options, args []string, recordSize float64, container string) (result, error) {
	var cmd *exec.Cmd
	if container != "" {
		cmd = exec.CommandContext(ctx, "docker", append([]string{"exec", container, "kafka-producer-perf-test"}, args...)...)
	} else {
		jvm := []string{"-Xmx512m", "-cp", filepath.Join(o.jars, "*"),
			"-Dlog4j2.configurationFile=" + filepath.Join(o.jars, "..", "..", "tools-log4j2.properties"),
			"org.apache.kafka.tools.ProducerPerformance"}
		cmd = exec.CommandContext(ctx, o.java, append(jvm, args...)...)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", strings.Join(cmd.Args[:3], " "), err)
	}
	var r result
	for line := range strings.Lines(string(out)) {
		if m := perfTotal.FindStringSubmatch(line); m != nil {
			r.records, _ = strconv.ParseInt(m[1], 10, 64)
			rate, _ := strconv.ParseFloat(m[2], 64)
			if rate > 0 {
				r.elapsed = time.Duration(float64(r.records) / rate * float64(time.Second))
			}
		}
	}
	if r.records == 0 {
		return result{}, fmt.Errorf("no total in the output of kafka-producer-perf-test:\n%s", out)
	}
	r.bytes = float64(r.records) * recordSize
	if container == "" {
		if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cpu = time.Duration(u.Utime.Nano() + u.Stime.Nano())
		}
	}
	return r, nil
}

// writePayloads writes n clickstream events (JSON values, seed 1000) to path, one per
// line, for the peer's --payload-file, and returns their mean size plus that of a key.
func writePayloads(path string, n int) (float64, error) {
	s, err := producers.NewStream(producers.NewClickstream(0), producers.WithSeed(1000))
	if err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("payload file: %w", err)
	}
	w := bufio.NewWriter(f)
	var size int
	for range n {
		ev, err := s.Next()
		if err != nil {
			f.Close()
			return 0, err
		}
		size += len(ev.Value)
		w.Write(ev.Value)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("payload file: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("payload file: %w", err)
	}
	return float64(size) / float64(n), nil
}

// kafkaContainer finds the Kafka container whose port is published as broker's port.
func kafkaContainer(ctx context.Context, broker string) (string, error) {
	_, port, ok := strings.Cut(broker, ":")
	if !ok {
		return "", fmt.Errorf("broker %q has no port", broker)
	}
	out, err := exec.CommandContext(ctx, "docker", "ps", "-q", "--filter", "publish="+port).Output()
	if err != nil {
		return "", fmt.Errorf("docker ps: %w", err)
	}
	ids := strings.Fields(string(out))
	if len(ids) != 1 {
		return "", fmt.Errorf("want one container publishing port %s, found %d", port, len(ids))
	}
	return ids[0], nil
}

// selfCPU returns the user + system CPU time of this process so far.
func selfCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// report prints, per codec and client, the median records/s and MB/s over the
// repetitions and the median of the per-repetition ratios to sparkwire.
func report(results []result, codecs []producers.Compression) {
	fmt.Println()
	fmt.Println("| codec | client | records/s | MB/s | B/record | CPU µs/record | sparkwire ÷ client (records/s) |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, c := range codecs {
		var clients []string
		byClient := map[string][]result{}
		for _, r := range results {
			if r.codec != c.String() {
				continue
			}
			if _, ok := byClient[r.client]; !ok {
				clients = append(clients, r.client)
			}
			byClient[r.client] = append(byClient[r.client], r)
		}
		sw := byClient["sparkwire"]
		for _, cl := range clients {
			if strings.Contains(cl, "(") { // profiled runs
				continue
			}
			rs := byClient[cl]
			var recs, mbs, cpus, ratios []float64
			for i, r := range rs {
				recs = append(recs, r.recPerSec)
				mbs = append(mbs, r.mbPerSec)
				cpus = append(cpus, float64(r.cpu.Microseconds())/float64(r.records))
				if i < len(sw) && cl != "sparkwire" && !strings.Contains(cl, "(") {
					ratios = append(ratios, sw[i].recPerSec/r.recPerSec)
				}
			}
			ratio := "—"
			if len(ratios) > 0 {
				ratio = fmt.Sprintf("%.2f× (%s)", median(ratios), spread(ratios))
			}
			fmt.Printf("| %s | %s | %.0f (%s) | %.1f | %.0f | %.2f | %s |\n",
				c, cl, median(recs), spread(recs), median(mbs), rs[0].recordSize, median(cpus), ratio)
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread formats the smallest and largest value, "min–max".
func spread(xs []float64) string {
	lo, hi := slices.Min(xs), slices.Max(xs)
	f := func(x float64) string {
		if x >= 1000 {
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return f(lo) + "–" + f(hi)
}
