// Command apinames writes connect/API.md: PySpark's DataFrame API names (listed in
// pyspark-4.1.2.txt by extract.py) beside the sparkwire names that mapping.txt gives them.
// Every name mapping.txt calls present is looked up in the Go source of packages connect
// and connect/functions, so the table cannot name something that does not exist; its test
// fails when API.md is stale.
//
// Run it with go generate ./connect/ (the directive is in connect/api_names.go).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Paths relative to this directory; go generate passes its path (relative to connect) as
// the argument, go test runs in it.
const (
	namesFile   = "pyspark-4.1.2.txt"
	mappingFile = "mapping.txt"
	connectDir  = "../.."
	outFile     = "../../API.md"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	out, err := generate(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apinames:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(dir, outFile), out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "apinames:", err)
		os.Exit(1)
	}
}

// Status is what a mapping row says about a PySpark name.
type Status int

// The statuses of a mapping row.
const (
	Present Status = iota // sparkwire has it, under the Go names given
	Pending               // another branch adds it, under the Go names given; not checked
	NA                    // it does not apply to Go, for the reason given
	Missing               // it applies to Go but sparkwire lacks it, for the reason given
)

// Row is one line of mapping.txt.
type Row struct {
	Py     string   // Class.name
	Status Status   // present, pending or n/a
	Go     []string // Go names: Type.Method, Func, Const, or functions.Func
	Note   string   // for n/a, the reason; otherwise an optional remark
	Line   int
}

// readNames reads the PySpark names, in file order.
func readNames(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, namesFile))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		names = append(names, l)
	}
	return names, nil
}

// parseMapping reads mapping.txt. A line is
//
//	Class.name  GoName[, GoName...] [| remark]
//	Class.name  pending: GoName[, GoName...] [| remark]
//	Class.name  n/a: reason
//	Class.name  missing: reason
func parseMapping(src []byte) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		py, rest, ok := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		if !ok || rest == "" {
			return nil, fmt.Errorf("%s:%d: no mapping for %s", mappingFile, n, py)
		}
		r := Row{Py: py, Line: n}
		switch {
		case strings.HasPrefix(rest, "n/a:"), strings.HasPrefix(rest, "missing:"):
			r.Status = NA
			if strings.HasPrefix(rest, "missing:") {
				r.Status = Missing
			}
			_, r.Note, _ = strings.Cut(rest, ":")
			if r.Note = strings.TrimSpace(r.Note); r.Note == "" {
				return nil, fmt.Errorf("%s:%d: %s without a reason", mappingFile, n, py)
			}
			rows = append(rows, r)
			continue
		case strings.HasPrefix(rest, "pending:"):
			r.Status, rest = Pending, strings.TrimSpace(strings.TrimPrefix(rest, "pending:"))
		}
		names, note, _ := strings.Cut(rest, "|")
		r.Note = strings.TrimSpace(note)
		for _, g := range strings.Split(names, ",") {
			g = strings.TrimSpace(g)
			if g == "" {
				return nil, fmt.Errorf("%s:%d: empty Go name", mappingFile, n)
			}
			r.Go = append(r.Go, g)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// goNames returns the exported names declared in the non-test Go files of dir: functions,
// types, constants and variables by name, methods as Type.Method.
func goNames(dir, prefix string) (map[string]bool, error) {
	fset := token.NewFileSet()
	names := map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names[prefix+d.Name.Name] = true
					continue
				}
				t := d.Recv.List[0].Type
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				if id, ok := t.(*ast.Ident); ok && id.IsExported() {
					names[prefix+id.Name+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names[prefix+s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.IsExported() {
								names[prefix+id.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names, nil
}

// check returns the problems of the mapping: PySpark names without exactly one row, rows
// for names PySpark does not have, present Go names that do not exist, and pending rows
// whose Go names all exist (the branch that adds them has been merged).
func check(py []string, rows []Row, known map[string]bool) error {
	var errs []error
	seen := map[string]int{}
	listed := map[string]bool{}
	for _, n := range py {
		listed[n] = true
	}
	for _, r := range rows {
		if seen[r.Py] > 0 {
			errs = append(errs, fmt.Errorf("%s:%d: %s mapped twice (also line %d)", mappingFile, r.Line, r.Py, seen[r.Py]))
		}
		seen[r.Py] = r.Line
		if !listed[r.Py] {
			errs = append(errs, fmt.Errorf("%s:%d: %s is not in %s", mappingFile, r.Line, r.Py, namesFile))
		}
		if r.Status == Pending && allKnown(r.Go, known) {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %s exist now; drop \"pending:\" from the row", mappingFile, r.Line, r.Py, strings.Join(r.Go, ", ")))
		}
		if r.Status != Present {
			continue
		}
		for _, g := range r.Go {
			if !known[g] {
				errs = append(errs, fmt.Errorf("%s:%d: %s: Go name %s does not exist", mappingFile, r.Line, r.Py, g))
			}
		}
	}
	for _, n := range py {
		if seen[n] == 0 {
			errs = append(errs, fmt.Errorf("%s: no row for %s", mappingFile, n))
		}
	}
	return errors.Join(errs...)
}

func allKnown(names []string, known map[string]bool) bool {
	for _, n := range names {
		if !known[n] {
			return false
		}
	}
	return len(names) > 0
}

// generate reads the names, the mapping and the Go source, checks them and returns API.md.
func generate(dir string) ([]byte, error) {
	py, err := readNames(dir)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(filepath.Join(dir, mappingFile))
	if err != nil {
		return nil, err
	}
	rows, err := parseMapping(src)
	if err != nil {
		return nil, err
	}
	known, err := goNames(filepath.Join(dir, connectDir), "")
	if err != nil {
		return nil, err
	}
	fnames, err := goNames(filepath.Join(dir, connectDir, "functions"), "functions.")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for n := range fnames {
		known[n] = true
	}
	if err := check(py, rows, known); err != nil {
		return nil, err
	}
	return render(py, rows), nil
}

func render(py []string, rows []Row) []byte {
	byPy := map[string]Row{}
	for _, r := range rows {
		byPy[r.Py] = r
	}
	var classes []string
	byClass := map[string][]string{}
	for _, n := range py {
		c, _, _ := strings.Cut(n, ".")
		if byClass[c] == nil {
			classes = append(classes, c)
		}
		byClass[c] = append(byClass[c], n)
	}
	count := map[Status]int{}
	for _, r := range rows {
		count[r.Status]++
	}
	var b bytes.Buffer
	b.WriteString("<!-- Code generated by connect/internal/apinames from pyspark-4.1.2.txt and mapping.txt; DO NOT EDIT. -->\n\n")
	b.WriteString("# PySpark's DataFrame API in sparkwire\n\n")
	fmt.Fprintf(&b, "The public names of PySpark %s's DataFrame API classes (`pyspark-client`), each beside\n", "4.1.2")
	b.WriteString("the sparkwire (package `connect`) name that does the same. Every Go name below is checked\n")
	b.WriteString("against the source when this file is generated. The functions module is in\n")
	b.WriteString("[functions/FUNCTIONS.md](functions/FUNCTIONS.md).\n\n")
	fmt.Fprintf(&b, "%d names: %d in sparkwire, %d pending (being added on another branch), %d missing, %d that do not apply to Go.\n",
		len(py), count[Present], count[Pending], count[Missing], count[NA])
	for _, c := range classes {
		fmt.Fprintf(&b, "\n## %s\n\n| PySpark | sparkwire | Notes |\n|---|---|---|\n", c)
		for _, n := range byClass[c] {
			r := byPy[n]
			_, name, _ := strings.Cut(n, ".")
			var goCol, note string
			switch r.Status {
			case NA:
				goCol, note = "n/a", r.Note
			case Missing:
				goCol, note = "**missing**", r.Note
			case Pending:
				goCol, note = codeList(r.Go), join("pending", r.Note)
			default:
				goCol, note = codeList(r.Go), r.Note
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, goCol, strings.ReplaceAll(note, "|", `\|`))
		}
	}
	return b.Bytes()
}

func codeList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}
