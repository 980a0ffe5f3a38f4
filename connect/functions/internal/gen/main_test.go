package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedFiles runs the generator in memory on the committed spec and compares its
// output with the committed files, byte for byte; it also finds generated files that the
// spec no longer produces.
func TestCommittedFiles(t *testing.T) {
	src, err := os.ReadFile("../../spec/functions.spec")
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("../..", name))
		if err != nil {
			t.Fatalf("%v (run go generate ./connect/functions/)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; run go generate ./connect/functions/", name)
		}
	}
	committed, err := filepath.Glob("../../generated_*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range committed {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := files[filepath.Base(f)]; !ok && bytes.HasPrefix(b, []byte(header)) {
			t.Errorf("%s is not generated from the spec", f)
		}
	}
}

// TestRun generates into a scratch directory and removes a stale generated file.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "spec"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := "group math\nabs Abs(c) | is |c|.\n"
	if err := os.WriteFile(filepath.Join(dir, "spec", "functions.spec"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "generated_old.go")
	if err := os.WriteFile(stale, []byte(header+"package functions\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(dir, "generated_by_hand.go")
	if err := os.WriteFile(kept, []byte("package functions\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale file kept: %v", err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("a file without the generated header was removed: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "generated_math.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `return connect.CallFunction("abs", c)`) {
		t.Errorf("generated_math.go:\n%s", b)
	}
	if err := run(filepath.Join(dir, "missing")); err == nil {
		t.Error("run without a spec succeeded")
	}
}

// TestSpecErrors checks that a malformed spec is refused with the line at fault.
func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"abs Abs(c) | x\n", "line 1: entry before any group"},
		{"group g\nabs Abs(c)\n", "line 2: no | before the description"},
		{"group g\nabs | x\n", "line 2: no signature"},
		{"group g\n  Abs(c) | x\n", "line 2: continuation without an entry"},
		{"group g\nabs abs(c) | x\n", "bad signature"},
		{"group g\nabs Abs(c) |\n", "empty description"},
		{"group g\nabs Abs(c float32) | x\n", "unknown type"},
		{"group g\nabs Abs(c, c) | x\n", "repeated parameter name"},
		{"group g\nabs Abs(C) | x\n", "bad or repeated parameter name"},
		{"group g\nabs Abs(c ..., d) | x\n", "is not last"},
		{"group g\nabs Abs(c opts) | x\n", "must be variadic"},
		{"group g\nabs Abs(c) -> (d) | x\n", "is no parameter"},
		{"group g\nabs Abs(c, d ...) -> (d, c) | x\n", "must be the last argument"},
		{"group g\nabs Abs(c) | x\nabs Abs2(c) | x\n", "SQL name abs repeats line 2"},
		{"group g\nabs Abs(c) | x\nabs2 Abs(c) | x\n", "Go name Abs repeats line 2"},
		{"omit udf |\n", "line 1: an omission needs a name and a reason"},
		{"group g\nabs Abs(c) | x\nomit abs | y\n", "abs is both in the spec and omitted"},
	} {
		_, err := generate([]byte(tc.spec))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("spec %q: error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
}

// TestKinds checks the code generated for each kind of parameter.
func TestKinds(t *testing.T) {
	spec := `group g
f  F(a, b any, c []float64, d string) -> (d, =true, a, b, c) | is f.
   FV(a, rest ...any) | is f.
   FS(rest ...string) | is f.
   FO(a, o ...opts) distinct | is f.
   FC(a, cs ...) | is f.
h  @H | hand-written
`
	files, err := generate([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	got := string(files["generated_g.go"])
	for _, want := range []string{
		`return connect.CallFunction("f", connect.Lit(d), connect.Lit(true), a, valueColumn(b), floatArray(c))`,
		"for _, v := range rest {\n\t\targs = append(args, valueColumn(v))",
		"for _, v := range rest {\n\t\targs = append(args, connect.Lit(v))",
		"args = append(args, optionsMap(o))",
		`return connect.CallDistinctFunction("f", args...)`,
		"args := []connect.Column{a}\n\targs = append(args, cs...)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("generated code lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "func H(") {
		t.Error("a hand-written wrapper was generated")
	}
	if !strings.Contains(string(files["generated_catalog.go"]), `HandWritten: []string{"H"}`) {
		t.Errorf("catalog:\n%s", files["generated_catalog.go"])
	}
	files, err = generate([]byte("group g\nf F(a) | is f.\nomit udf | Python only\n"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(files["FUNCTIONS.md"])
	for _, want := range []string{"| `f` | `f` | `F` |", "| `udf` | Python only |"} {
		if !strings.Contains(md, want) {
			t.Errorf("FUNCTIONS.md lacks %q:\n%s", want, md)
		}
	}
	// A group of hand-written wrappers only has no file.
	files, err = generate([]byte("group g\nh @H | hand-written\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["generated_g.go"]; ok {
		t.Error("file generated for a group without generated wrappers")
	}
}
