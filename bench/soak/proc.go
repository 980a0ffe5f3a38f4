package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// procMemory is the memory of one process, from /proc/<pid>/status, in bytes.
type procMemory struct {
	Name string // the Name line: the executable's name, at most 15 bytes
	RSS  int64  // VmRSS: resident now
	HWM  int64  // VmHWM: the most ever resident
}

// errNoRSS is returned for a status without a VmRSS line (a kernel thread or a zombie).
var errNoRSS = errors.New("no VmRSS line")

// parseStatus reads the Name, VmRSS and VmHWM lines of a /proc/<pid>/status file. The
// kernel writes sizes as "VmRSS:	   12345 kB" (kibibytes).
func parseStatus(r io.Reader) (procMemory, error) {
	var m procMemory
	rss := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Name":
			m.Name = val
		case "VmRSS", "VmHWM":
			n, err := parseKB(val)
			if err != nil {
				return m, fmt.Errorf("%s: %w", key, err)
			}
			if key == "VmRSS" {
				m.RSS, rss = n, true
			} else {
				m.HWM = n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if !rss {
		return m, errNoRSS
	}
	return m, nil
}

// parseKB parses "12345 kB" into bytes.
func parseKB(s string) (int64, error) {
	num, unit, _ := strings.Cut(s, " ")
	if strings.TrimSpace(unit) != "kB" {
		return 0, fmt.Errorf("unit %q, want kB", unit)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q", num)
	}
	return n * 1024, nil
}

// readProc reads the memory of a process of this machine ("self" for this one).
func readProc(pid string) (procMemory, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return procMemory{}, err
	}
	defer f.Close()
	m, err := parseStatus(f)
	if err != nil {
		return m, fmt.Errorf("/proc/%s/status: %w", pid, err)
	}
	return m, nil
}
