package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCommittedAPI runs the generator on the committed name list, mapping and Go source
// (which fails when a Go name the mapping calls present does not exist, or a PySpark name
// lacks a row) and compares its output with the committed API.md.
func TestCommittedAPI(t *testing.T) {
	want, err := generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("%v (run go generate ./connect/)", err)
	}
	if !bytes.Equal(got, want) {
		t.Error("connect/API.md differs from the generator's output; run go generate ./connect/")
	}
}

func TestCheckFindsProblems(t *testing.T) {
	py := []string{"DataFrame.select", "DataFrame.toPandas", "DataFrame.observe", "Column.alias", "Column.over"}
	rows, err := parseMapping([]byte(`
# comment
DataFrame.select    DataFrame.Select, DataFrame.Nope | remark
DataFrame.toPandas  n/a: Python-only
DataFrame.observe   pending: DataFrame.Observe | another branch
DataFrame.extra     Col
DataFrame.select    DataFrame.Select
Column.alias        pending: Col | merged since
`))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"DataFrame.Select": true, "Col": true}
	err = check(py, rows, known)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"Go name DataFrame.Nope does not exist",
		"DataFrame.extra is not in",
		"DataFrame.select mapped twice",
		"no row for Column.over",
		`Column.alias: Col exist now; drop "pending:"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Observe") {
		t.Errorf("a pending name was checked: %v", err)
	}
}

func TestParseMappingErrors(t *testing.T) {
	for _, src := range []string{
		"DataFrame.select\n",
		"DataFrame.select   n/a:\n",
		"DataFrame.select   missing: \n",
		"DataFrame.select   A,,B\n",
	} {
		if _, err := parseMapping([]byte(src)); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestGoNamesSeesMethodsTypesAndConsts(t *testing.T) {
	names, err := goNames(connectDir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"DataFrame.Select", "Session.SQL", "Col", "CurrentRow", "TableArg", "TableArg.Column"} {
		if !names[n] {
			t.Errorf("%s not found", n)
		}
	}
	for _, n := range []string{"DataFrame.derive", "subqueryRefs", "Select"} {
		if names[n] {
			t.Errorf("%s found", n)
		}
	}
}
