// Command gen writes the generated wrappers of package functions from spec/functions.spec:
// one file per group of the spec (generated_<group>.go) and generated_catalog.go, which
// lists every entry of the spec for Builtins.
//
// Run it with go generate ./connect/functions/ (it reads and writes the current
// directory's spec and files).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", ".", "directory of package functions")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	src, err := os.ReadFile(filepath.Join(dir, "spec", "functions.spec"))
	if err != nil {
		return err
	}
	files, err := generate(src)
	if err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "generated_*.go"))
	if err != nil {
		return err
	}
	for _, f := range old {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, ok := files[filepath.Base(f)]; !ok && bytes.HasPrefix(b, []byte(header)) {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// param is one parameter of a Go signature.
type param struct {
	name     string
	typ      string // "" for a Column
	variadic bool
}

// variant is one Go function of an entry.
type variant struct {
	goName   string
	params   []param
	args     []string // emitted arguments: parameter names or =Go literal expressions
	distinct bool
	hand     bool // written by hand; only listed
	doc      string
	line     int
}

// omission is a PySpark function left out, with the reason.
type omission struct {
	pyName, reason string
}

// entry is one Spark function: its SQL name and its Go variants.
type entry struct {
	sqlName  string
	pyName   string
	group    string
	variants []*variant
}

// The grammar of a signature and of a parameter name.
const (
	sigPattern   = `^([A-Z][A-Za-z0-9]*)\((.*?)\)(?:\s*->\s*\((.*?)\))?(\s+distinct)?$`
	identPattern = `^[a-z][A-Za-z0-9]*$`
)

// goTypeOf is the Go type of a spec type, and whether the spec type exists.
func goTypeOf(typ string) (string, bool) {
	switch typ {
	case "string", "int32", "int64", "float64", "bool", "any", "[]float64":
		return typ, true
	case "opts":
		return "string", true
	}
	return "", false
}

// parse reads the spec: "group NAME" lines, entry lines "sql_name Signature | doc" (or
// "py_name=sql_name ..."), and continuation lines (indented) with more variants.
func parse(src []byte) ([]*entry, []omission, error) {
	var (
		out     []*entry
		omitted []omission
		group   string
		cur     *entry
	)
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "group "); ok {
			group = strings.TrimSpace(rest)
			cur = nil
			continue
		}
		sig, doc, ok := strings.Cut(trimmed, "|")
		if !ok {
			return nil, nil, fmt.Errorf("line %d: no | before the description", n)
		}
		if name, ok := strings.CutPrefix(sig, "omit "); ok {
			name, reason := strings.TrimSpace(name), strings.TrimSpace(doc)
			if name == "" || reason == "" {
				return nil, nil, fmt.Errorf("line %d: an omission needs a name and a reason", n)
			}
			omitted = append(omitted, omission{name, reason})
			cur = nil
			continue
		}
		doc = strings.TrimSpace(doc)
		sig = strings.TrimSpace(sig)
		if line[0] != ' ' && line[0] != '\t' {
			if group == "" {
				return nil, nil, fmt.Errorf("line %d: entry before any group", n)
			}
			key, rest, ok := strings.Cut(sig, " ")
			if !ok {
				return nil, nil, fmt.Errorf("line %d: no signature", n)
			}
			cur = &entry{sqlName: key, pyName: key, group: group}
			if py, sql, ok := strings.Cut(key, "="); ok {
				cur.pyName, cur.sqlName = py, sql
			}
			out = append(out, cur)
			sig = strings.TrimSpace(rest)
		} else if cur == nil {
			return nil, nil, fmt.Errorf("line %d: continuation without an entry", n)
		}
		v, err := parseSig(sig)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %v", n, err)
		}
		if doc == "" {
			return nil, nil, fmt.Errorf("line %d: empty description", n)
		}
		v.doc, v.line = doc, n
		cur.variants = append(cur.variants, v)
	}
	return out, omitted, check(out, omitted)
}

func parseSig(sig string) (*variant, error) {
	if name, ok := strings.CutPrefix(sig, "@"); ok {
		return &variant{goName: name, hand: true}, nil
	}
	sigRE, identRE := regexp.MustCompile(sigPattern), regexp.MustCompile(identPattern)
	m := sigRE.FindStringSubmatch(sig)
	if m == nil {
		return nil, fmt.Errorf("bad signature %q", sig)
	}
	v := &variant{goName: m[1], distinct: m[4] != ""}
	names := map[string]bool{}
	for _, p := range splitList(m[2]) {
		name, typ, _ := strings.Cut(p, " ")
		typ = strings.TrimSpace(typ)
		var pr param
		pr.name = name
		if t, ok := strings.CutPrefix(typ, "..."); ok {
			pr.variadic, typ = true, t
		}
		if typ != "" {
			if _, ok := goTypeOf(typ); !ok {
				return nil, fmt.Errorf("parameter %s: unknown type %q", name, typ)
			}
		}
		pr.typ = typ
		if !identRE.MatchString(name) || names[name] {
			return nil, fmt.Errorf("bad or repeated parameter name %q", name)
		}
		names[name] = true
		v.params = append(v.params, pr)
	}
	for i, p := range v.params {
		if (p.variadic || p.typ == "opts") && i != len(v.params)-1 {
			return nil, fmt.Errorf("variadic parameter %s is not last", p.name)
		}
		if p.typ == "opts" && !p.variadic {
			return nil, fmt.Errorf("options parameter %s must be variadic", p.name)
		}
	}
	if m[3] != "" {
		v.args = splitList(m[3])
		for _, a := range v.args {
			if !strings.HasPrefix(a, "=") && !names[a] {
				return nil, fmt.Errorf("argument %q is no parameter", a)
			}
		}
		if len(v.args) > 0 && v.params != nil && v.params[len(v.params)-1].variadic && v.args[len(v.args)-1] != v.params[len(v.params)-1].name {
			return nil, fmt.Errorf("a variadic parameter must be the last argument")
		}
	} else {
		for _, p := range v.params {
			v.args = append(v.args, p.name)
		}
	}
	return v, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// check rejects a spec with a repeated SQL name or Go name, or an omission of a function
// the spec has.
func check(entries []*entry, omitted []omission) error {
	sqlNames, goNames, pyNames := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, e := range entries {
		if l, ok := sqlNames[e.sqlName]; ok {
			return fmt.Errorf("line %d: SQL name %s repeats line %d", e.variants[0].line, e.sqlName, l)
		}
		sqlNames[e.sqlName] = e.variants[0].line
		pyNames[e.pyName] = true
		for _, v := range e.variants {
			if l, ok := goNames[v.goName]; ok {
				return fmt.Errorf("line %d: Go name %s repeats line %d", v.line, v.goName, l)
			}
			goNames[v.goName] = v.line
		}
	}
	for _, o := range omitted {
		if pyNames[o.pyName] {
			return fmt.Errorf("%s is both in the spec and omitted", o.pyName)
		}
		pyNames[o.pyName] = true
	}
	return nil
}

const header = "// Code generated by internal/gen from spec/functions.spec; DO NOT EDIT.\n\n"

// generate returns the generated files by name.
func generate(src []byte) (map[string][]byte, error) {
	entries, omitted, err := parse(src)
	if err != nil {
		return nil, err
	}
	byGroup := map[string][]*entry{}
	for _, e := range entries {
		byGroup[e.group] = append(byGroup[e.group], e)
	}
	files := map[string][]byte{}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		var b bytes.Buffer
		b.WriteString(header + "package functions\n\nimport \"github.com/sparkwire/sparkwire/connect\"\n")
		n := 0
		for _, e := range byGroup[g] {
			for _, v := range e.variants {
				if !v.hand {
					writeFunc(&b, e, v)
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		out, err := format.Source(b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("group %s: %v\n%s", g, err, b.Bytes())
		}
		files["generated_"+g+".go"] = out
	}
	var b bytes.Buffer
	b.WriteString(header + "package functions\n\n")
	b.WriteString("// Builtins lists the Spark functions this package wraps, as written in its spec\n")
	b.WriteString("// (spec/functions.spec), in the order of the spec. Each call returns a new slice.\n")
	b.WriteString("func Builtins() []Builtin {\n\treturn []Builtin{\n")
	for _, e := range entries {
		var gen, hand, sigs []string
		for _, v := range e.variants {
			if v.hand {
				hand = append(hand, strconv.Quote(v.goName))
				continue
			}
			gen = append(gen, strconv.Quote(v.goName))
			sig := v.signature()
			sigs = append(sigs, fmt.Sprintf("{Args: %d, Variadic: %q, Distinct: %t}", sig.args, sig.variadic, v.distinct))
		}
		sigList := "nil"
		if len(sigs) > 0 {
			sigList = "[]Signature{" + strings.Join(sigs, ", ") + "}"
		}
		fmt.Fprintf(&b, "{SQLName: %q, PySparkName: %q, Group: %q, Generated: %s, Signatures: %s, HandWritten: %s},\n",
			e.sqlName, e.pyName, e.group, strList(gen), sigList, strList(hand))
	}
	b.WriteString("}\n}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, err
	}
	files["generated_catalog.go"] = out
	if files["generated_calls_test.go"], err = smokeTest(entries); err != nil {
		return nil, err
	}
	files["FUNCTIONS.md"] = table(entries, groups, byGroup, omitted)
	return files, nil
}

func strList(s []string) string {
	if len(s) == 0 {
		return "nil"
	}
	return "[]string{" + strings.Join(s, ", ") + "}"
}

func goType(p param) string {
	t := "connect.Column"
	if p.typ != "" {
		t, _ = goTypeOf(p.typ)
	}
	if p.variadic {
		return "..." + t
	}
	return t
}

// argExpr is the Column expression for a non-variadic argument.
func argExpr(v *variant, a string) string {
	if lit, ok := strings.CutPrefix(a, "="); ok {
		return "connect.Lit(" + lit + ")"
	}
	for _, p := range v.params {
		if p.name == a {
			switch p.typ {
			case "":
				return a
			case "any":
				return "valueColumn(" + a + ")"
			case "[]float64":
				return "floatArray(" + a + ")"
			default:
				return "connect.Lit(" + a + ")"
			}
		}
	}
	panic("unknown argument " + a)
}

func writeFunc(b *bytes.Buffer, e *entry, v *variant) {
	call := "connect.CallFunction"
	if v.distinct {
		call = "connect.CallDistinctFunction"
	}
	var sig []string
	for _, p := range v.params {
		sig = append(sig, p.name+" "+goType(p))
	}
	b.WriteString("\n" + comment(v.goName+" "+v.doc))
	fmt.Fprintf(b, "func %s(%s) connect.Column {\n", v.goName, strings.Join(sig, ", "))
	var last *param
	if n := len(v.params); n > 0 && v.params[n-1].variadic {
		last = &v.params[n-1]
	}
	fixed := v.args
	if last != nil {
		fixed = v.args[:len(v.args)-1]
	}
	var exprs []string
	for _, a := range fixed {
		exprs = append(exprs, argExpr(v, a))
	}
	switch {
	case last == nil:
		fmt.Fprintf(b, "\treturn %s(%q%s)\n}\n", call, e.sqlName, prefixComma(exprs))
	case last.typ == "" && len(exprs) == 0:
		fmt.Fprintf(b, "\treturn %s(%q, %s...)\n}\n", call, e.sqlName, last.name)
	default:
		fmt.Fprintf(b, "\targs := []connect.Column{%s}\n", strings.Join(exprs, ", "))
		switch last.typ {
		case "":
			fmt.Fprintf(b, "\targs = append(args, %s...)\n", last.name)
		case "opts":
			fmt.Fprintf(b, "\tif len(%s) > 0 {\n\t\targs = append(args, optionsMap(%s))\n\t}\n", last.name, last.name)
		case "any":
			fmt.Fprintf(b, "\tfor _, v := range %s {\n\t\targs = append(args, valueColumn(v))\n\t}\n", last.name)
		default:
			fmt.Fprintf(b, "\tfor _, v := range %s {\n\t\targs = append(args, connect.Lit(v))\n\t}\n", last.name)
		}
		fmt.Fprintf(b, "\treturn %s(%q, args...)\n}\n", call, e.sqlName)
	}
}

func prefixComma(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return ", " + strings.Join(s, ", ")
}

// comment is text as a Go comment, wrapped at 90 columns.
func comment(text string) string {
	var b strings.Builder
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 90 && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// smokeTest writes a test that calls every generated wrapper once with placeholder
// arguments and checks the name, distinct flag and argument count the server receives.
func smokeTest(entries []*entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header + "package functions_test\n\n")
	b.WriteString("import F \"github.com/sparkwire/sparkwire/connect/functions\"\n\n")
	b.WriteString("// generatedCalls calls every generated wrapper with placeholder arguments.\n")
	b.WriteString("func generatedCalls() []generatedCall {\n\treturn []generatedCall{\n")
	for _, e := range entries {
		for _, v := range e.variants {
			if v.hand {
				continue
			}
			var args []string
			n := 0
			for i, p := range v.params {
				vals := placeholder(p, i)
				args = append(args, vals...)
				if p.typ == "opts" {
					n++
				} else if p.variadic {
					n += len(vals)
				}
			}
			for _, a := range v.args {
				if !strings.HasPrefix(a, "=") {
					if p := v.param(a); p.variadic {
						continue
					}
				}
				n++
			}
			fmt.Fprintf(&b, "{%q, %q, %t, %d, F.%s(%s)},\n", v.goName, e.sqlName, v.distinct, n, v.goName, strings.Join(args, ", "))
		}
	}
	b.WriteString("}\n}\n")
	return format.Source(b.Bytes())
}

func (v *variant) param(name string) param {
	for _, p := range v.params {
		if p.name == name {
			return p
		}
	}
	panic("unknown parameter " + name)
}

// placeholder is the arguments the smoke test passes for p, the i-th parameter.
func placeholder(p param, i int) []string {
	one := func(k int) string {
		switch p.typ {
		case "":
			return fmt.Sprintf("F.Col(\"p%d\")", k)
		case "string", "opts":
			return fmt.Sprintf("\"s%d\"", k)
		case "int32":
			return fmt.Sprintf("int32(%d)", k)
		case "int64":
			return fmt.Sprintf("int64(%d)", k)
		case "float64":
			return fmt.Sprintf("%d.5", k)
		case "bool":
			return "true"
		case "any":
			return fmt.Sprintf("%d", k)
		default: // []float64
			return fmt.Sprintf("[]float64{%d.5}", k)
		}
	}
	if !p.variadic {
		return []string{one(i)}
	}
	return []string{one(i), one(i + 1)}
}

// table is FUNCTIONS.md: PySpark's functions beside their Go wrappers, by group, and the
// functions left out.
func table(entries []*entry, groups []string, byGroup map[string][]*entry, omitted []omission) []byte {
	var b bytes.Buffer
	wrappers := 0
	for _, e := range entries {
		wrappers += len(e.variants)
	}
	b.WriteString("<!-- Code generated by internal/gen from spec/functions.spec; DO NOT EDIT. -->\n\n")
	b.WriteString("# Spark functions in package functions\n\n")
	fmt.Fprintf(&b, "%d Spark functions with %d Go wrappers, by group, beside their names in\n", len(entries), wrappers)
	b.WriteString("`pyspark.sql.functions`. The last table gives the reason for each PySpark name without\n")
	fmt.Fprintf(&b, "a row of its own (%d: aliases, sort orders, Python-only functions, functions that take\n", len(omitted))
	b.WriteString("lambdas, functions newer than Spark 4.1).\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "\n## %s\n\n| PySpark | Spark SQL | Go |\n|---|---|---|\n", g)
		for _, e := range byGroup[g] {
			names := make([]string, len(e.variants))
			for i, v := range e.variants {
				names[i] = "`" + v.goName + "`"
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", e.pyName, strings.ReplaceAll(e.sqlName, "|", "\\|"), strings.Join(names, ", "))
		}
	}
	if len(omitted) > 0 {
		b.WriteString("\n## Without a row above\n\n| PySpark | Why |\n|---|---|\n")
		for _, o := range omitted {
			fmt.Fprintf(&b, "| `%s` | %s |\n", o.pyName, o.reason)
		}
	}
	return b.Bytes()
}

// signature is the number of fixed arguments a variant sends and the kind of its
// variadic ones.
func (v *variant) signature() (sig struct {
	args     int
	variadic string
}) {
	for _, a := range v.args {
		if !strings.HasPrefix(a, "=") && v.param(a).variadic {
			switch v.param(a).typ {
			case "":
				sig.variadic = "column"
			case "opts":
				sig.variadic = "options"
			default:
				sig.variadic = v.param(a).typ
			}
			continue
		}
		sig.args++
	}
	return sig
}
