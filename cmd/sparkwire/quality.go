package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
)

// qualityCells returns the malformed and late counts of a batch of a job's query, "-" for
// a query without the jobs' quality observation.
func qualityCells(p *connect.QueryProgress) (malformed, late string) {
	q, ok := jobs.QualityOf(p)
	if !ok {
		return "-", "-"
	}
	return strconv.FormatInt(q.Malformed, 10), strconv.FormatInt(q.Late, 10)
}

// observedText renders a batch's observed metrics for a progress line: the quality of a
// job's query as "malformed N, late N", any other observation as name{metric=value ...};
// "" when the batch has none.
func observedText(p connect.QueryProgress) string {
	all, err := p.ObservedMetrics()
	if err != nil {
		return "observed metrics unreadable: " + err.Error()
	}
	var parts []string
	if q, ok := jobs.QualityOf(&p); ok {
		parts = append(parts, fmt.Sprintf("malformed %d, late %d", q.Malformed, q.Late))
	}
	for _, name := range p.ObservedNames() {
		m, ok := all[name]
		if !ok || name == jobs.QualityObservation {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		kv := make([]string, len(keys))
		for i, k := range keys {
			kv[i] = k + "=" + metricText(m[k])
		}
		parts = append(parts, name+"{"+strings.Join(kv, " ")+"}")
	}
	return strings.Join(parts, ", ")
}

func metricText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return x.Format(time.DateTime)
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	return fmt.Sprint(v)
}
