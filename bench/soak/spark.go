package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// sparkDriver samples the memory of the Spark Connect server's driver JVM, which runs in a
// Docker container of the stack: its resident memory from /proc (the host's, when the
// Docker engine runs on this machine, else through docker exec), and its heap from the
// driver's metrics servlet (the ExecutorMetrics source, on the web UI port).
type sparkDriver struct {
	container string // Docker container id
	hostPID   string // the JVM's pid on this machine; "" to go through docker exec
	metrics   string // http://host:port/metrics/json/ of the driver's web UI; "" if unknown
	http      *http.Client
}

// jvmMemory is the driver's heap and off-heap memory in use, in bytes, as its
// ExecutorMetrics source last polled them (at the heartbeat, every 10 s).
type jvmMemory struct {
	Heap, OffHeap int64
}

// findSparkDriver finds the Docker container that publishes the Spark Connect port of
// connectURL (or takes container, when given), the JVM's pid and the web UI address.
func findSparkDriver(ctx context.Context, connectURL, container string) (*sparkDriver, error) {
	if container == "" {
		port, err := connectPort(connectURL)
		if err != nil {
			return nil, err
		}
		out, err := docker(ctx, "ps", "--format", "{{.ID}}\t{{.Ports}}")
		if err != nil {
			return nil, err
		}
		if container = containerPublishing(out, port, "15002/tcp"); container == "" {
			return nil, fmt.Errorf("no running container publishes port %s as 15002/tcp (pass -spark-container)", port)
		}
	}
	d := &sparkDriver{container: container, http: &http.Client{Timeout: 5 * time.Second}}
	if pid, err := docker(ctx, "inspect", "-f", "{{.State.Pid}}", container); err == nil {
		pid = strings.TrimSpace(pid)
		// The entrypoint execs java, so the container's first process is the JVM; its
		// /proc entry is readable here when the engine runs on this machine.
		if m, err := readProc(pid); err == nil && m.Name == "java" {
			d.hostPID = pid
		}
	}
	if ui, err := docker(ctx, "port", container, "4040/tcp"); err == nil {
		if addr := firstLine(ui); addr != "" {
			d.metrics = "http://" + loopbackAddr(addr) + "/metrics/json/"
		}
	}
	return d, nil
}

// rss returns the driver JVM's memory from /proc.
func (d *sparkDriver) rss(ctx context.Context) (procMemory, error) {
	if d.hostPID != "" {
		return readProc(d.hostPID)
	}
	out, err := docker(ctx, "exec", d.container, "cat", "/proc/1/status")
	if err != nil {
		return procMemory{}, err
	}
	return parseStatus(strings.NewReader(out))
}

// jvm returns the driver's heap and off-heap memory in use from the metrics servlet.
func (d *sparkDriver) jvm(ctx context.Context) (jvmMemory, error) {
	if d.metrics == "" {
		return jvmMemory{}, errors.New("the driver's web UI port is not published")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.metrics, nil)
	if err != nil {
		return jvmMemory{}, err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return jvmMemory{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jvmMemory{}, fmt.Errorf("%s: %s", d.metrics, resp.Status)
	}
	return parseMetrics(io.LimitReader(resp.Body, 8<<20))
}

// parseMetrics reads the driver's JVMHeapMemory and JVMOffHeapMemory gauges from the JSON
// of Spark's MetricsServlet ({"gauges": {"<app>.driver.ExecutorMetrics.JVMHeapMemory":
// {"value": n}, ...}}).
func parseMetrics(r io.Reader) (jvmMemory, error) {
	var doc struct {
		Gauges map[string]struct {
			Value json.Number `json:"value"`
		} `json:"gauges"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return jvmMemory{}, fmt.Errorf("metrics: %w", err)
	}
	var m jvmMemory
	var found int
	for name, g := range doc.Gauges {
		var dst *int64
		switch {
		case strings.HasSuffix(name, ".driver.ExecutorMetrics.JVMHeapMemory"):
			dst = &m.Heap
		case strings.HasSuffix(name, ".driver.ExecutorMetrics.JVMOffHeapMemory"):
			dst = &m.OffHeap
		default:
			continue
		}
		n, err := g.Value.Int64()
		if err != nil {
			return m, fmt.Errorf("metrics: %s: %w", name, err)
		}
		*dst = n
		found++
	}
	if found != 2 {
		return m, errors.New("metrics: no driver ExecutorMetrics JVMHeapMemory and JVMOffHeapMemory gauges")
	}
	return m, nil
}

// connectPort returns the port of an sc://host:port/;params URL.
func connectPort(url string) (string, error) {
	rest, ok := strings.CutPrefix(url, "sc://")
	if !ok {
		return "", errors.New("connect URL: want sc://host:port")
	}
	hostPort, _, _ := strings.Cut(rest, "/")
	hostPort, _, _ = strings.Cut(hostPort, ";")
	_, port, err := net.SplitHostPort(hostPort)
	if err != nil || port == "" {
		return "15002", nil // the default port of a URL without one
	}
	return port, nil
}

// containerPublishing finds, in the output of docker ps --format '{{.ID}}\t{{.Ports}}', the
// container that publishes hostPort as the container port containerPort
// ("127.0.0.1:32768->15002/tcp").
func containerPublishing(ps, hostPort, containerPort string) string {
	for line := range strings.SplitSeq(ps, "\n") {
		id, ports, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		for p := range strings.SplitSeq(ports, ",") {
			from, to, ok := strings.Cut(strings.TrimSpace(p), "->")
			if !ok || to != containerPort {
				continue
			}
			if i := strings.LastIndex(from, ":"); i >= 0 && from[i+1:] == hostPort {
				return strings.TrimSpace(id)
			}
		}
	}
	return ""
}

// loopbackAddr turns a published address of all interfaces ("0.0.0.0:4040", "[::]:4040")
// into the loopback one.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// docker runs the docker CLI and returns its standard output.
func docker(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// loadAverage returns the one-minute load average of this machine.
func loadAverage(b []byte) (float64, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, errors.New("loadavg: empty")
	}
	return strconv.ParseFloat(f[0], 64)
}
