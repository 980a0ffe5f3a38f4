package connecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// UpdateGoldenEnv is the environment variable that makes CheckGolden rewrite golden files
// ("1" or "true") instead of comparing with them.
const UpdateGoldenEnv = "SPARKWIRE_UPDATE_GOLDEN"

// Plan is a plan a session sent to the server: a query or a command, as Spark Connect's
// protocol describes it. Compare it with JSON from an earlier run (Diff, CheckGolden).
type Plan struct {
	p *sparkpb.Plan
}

// JSON returns the plan as indented JSON in Spark Connect's protobuf JSON mapping, the
// same bytes for the same plan in every run.
func (p Plan) JSON() []byte {
	return canonical(p.p)
}

func canonical(m proto.Message) []byte {
	// protojson varies its whitespace from run to run on purpose: re-indent.
	raw, err := protojson.Marshal(m)
	if err != nil { // cannot happen: a plan received over the wire marshals
		return []byte(fmt.Sprintf("%q", err.Error()))
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return raw
	}
	return buf.Bytes()
}

// String returns the plan's JSON.
func (p Plan) String() string { return string(p.JSON()) }

// Diff compares the plan with a plan in JSON (as JSON returns it), field by field, so that
// formatting does not matter. It returns "" when they are equal, else a line diff of the
// two plans' JSON ("-" golden, "+" this plan), and an error if golden is not a plan.
func (p Plan) Diff(golden []byte) (string, error) {
	want := &sparkpb.Plan{}
	if err := protojson.Unmarshal(golden, want); err != nil {
		return "", fmt.Errorf("golden plan: %w", err)
	}
	if proto.Equal(want, p.p) {
		return "", nil
	}
	return lineDiff(string(canonical(want)), string(p.JSON())), nil
}

// CheckGolden compares plans with the golden file at path, a JSON array of plans, and
// fails the test for each difference. With the environment variable
// SPARKWIRE_UPDATE_GOLDEN=1 it writes the plans to the file instead (creating its
// directory), to record a new golden file or accept a change.
//
// Plan ids in the plans count from 0 in each session, so a test that builds the same
// DataFrames in the same order gets the same plans.
func CheckGolden(t testing.TB, path string, plans []Plan) {
	t.Helper()
	if v := os.Getenv(UpdateGoldenEnv); v == "1" || v == "true" {
		if err := writeGolden(path, plans); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		t.Logf("wrote %d plans to %s", len(plans), path)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with %s=1 to create it)", err, UpdateGoldenEnv)
	}
	var golden []json.RawMessage
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatalf("golden file %s: not a JSON array of plans: %v", path, err)
	}
	if len(golden) != len(plans) {
		t.Errorf("%s: %d plans executed, golden file has %d (run with %s=1 to update it)", path, len(plans), len(golden), UpdateGoldenEnv)
	}
	for i := range min(len(golden), len(plans)) {
		d, err := plans[i].Diff(golden[i])
		if err != nil {
			t.Errorf("%s: plan %d: %v", path, i, err)
			continue
		}
		if d != "" {
			t.Errorf("%s: plan %d differs (-golden +executed):\n%s", path, i, d)
		}
	}
	for i := len(golden); i < len(plans); i++ {
		t.Errorf("%s: plan %d not in the golden file:\n%s", path, i, plans[i])
	}
}

func writeGolden(path string, plans []Plan) error {
	raw := make([]json.RawMessage, len(plans))
	for i, p := range plans {
		raw[i] = p.JSON()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<" and ">" of operators readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(raw); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// ParsePlans reads a JSON array of plans, as CheckGolden writes them.
func ParsePlans(data []byte) ([]Plan, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse plans: %w", err)
	}
	out := make([]Plan, len(raw))
	for i, r := range raw {
		p := &sparkpb.Plan{}
		if err := protojson.Unmarshal(r, p); err != nil {
			return nil, fmt.Errorf("parse plans: plan %d: %w", i, err)
		}
		out[i] = Plan{p: p}
	}
	return out, nil
}

// lineDiff returns a diff of two texts line by line: common lines with two spaces,
// removed ones with "- ", added ones with "+ ". Runs of more than three unchanged lines
// are elided.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			lines = append(lines, line{' ', x[i]})
			i++
			j++
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', x[i]})
			i++
		default:
			lines = append(lines, line{'+', y[j]})
			j++
		}
	}
	const context = 3
	shown := make([]bool, len(lines))
	for k, l := range lines {
		if l.op != ' ' {
			for n := max(0, k-context); n <= min(len(lines)-1, k+context); n++ {
				shown[n] = true
			}
		}
	}
	var out strings.Builder
	for k, l := range lines {
		if !shown[k] {
			if k == 0 || shown[k-1] {
				out.WriteString("  ...\n")
			}
			continue
		}
		out.WriteByte(l.op)
		out.WriteByte(' ')
		out.WriteString(l.text)
		out.WriteByte('\n')
	}
	return out.String()
}
