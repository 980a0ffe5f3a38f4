package stack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		ok, err      bool
		connect      string
		brokers      string
		sparkBrokers string
	}{
		{name: "unset", env: nil},
		{
			name:    "minimal",
			env:     map[string]string{EnvConnectURL: "sc://localhost:15002", EnvKafkaBrokers: "localhost:9092"},
			ok:      true,
			connect: "sc://localhost:15002", brokers: "localhost:9092", sparkBrokers: "localhost:9092",
		},
		{
			name: "spark brokers and lists",
			env: map[string]string{
				EnvConnectURL:        " sc://h:1 ",
				EnvKafkaBrokers:      "a:1, b:2,,",
				EnvSparkKafkaBrokers: "kafka:9093",
			},
			ok:      true,
			connect: "sc://h:1", brokers: "a:1,b:2", sparkBrokers: "kafka:9093",
		},
		{name: "brokers missing", env: map[string]string{EnvConnectURL: "sc://h:1"}, ok: true, err: true},
		{name: "url missing", env: map[string]string{EnvKafkaBrokers: "a:1"}, ok: true, err: true},
		{name: "bad url", env: map[string]string{EnvConnectURL: "h:1", EnvKafkaBrokers: "a:1"}, ok: true, err: true},
		{name: "no broker", env: map[string]string{EnvConnectURL: "sc://h:1", EnvKafkaBrokers: " , "}, ok: true, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			s, ok, err := fromLookup(lookup)
			if ok != tt.ok || (err != nil) != tt.err {
				t.Fatalf("ok=%v err=%v, want ok=%v err=%v", ok, err, tt.ok, tt.err)
			}
			if s == nil {
				return
			}
			if got := s.ConnectURL(); got != tt.connect {
				t.Errorf("ConnectURL = %q, want %q", got, tt.connect)
			}
			if got := strings.Join(s.Brokers(), ","); got != tt.brokers {
				t.Errorf("Brokers = %q, want %q", got, tt.brokers)
			}
			if got := s.SparkBrokers(); got != tt.sparkBrokers {
				t.Errorf("SparkBrokers = %q, want %q", got, tt.sparkBrokers)
			}
			if err := s.Terminate(t.Context()); err != nil {
				t.Errorf("Terminate: %v", err)
			}
			if logs, err := s.Logs(t.Context()); logs != "" || err != nil {
				t.Errorf("Logs = %q, %v; want empty", logs, err)
			}
		})
	}
}

func TestFindRepoRoot(t *testing.T) {
	root, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "docker", "scripts", "images.sh")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
	if _, err := findRepoRoot(t.TempDir()); err == nil {
		t.Error("findRepoRoot(temp dir) succeeded")
	}
}

// TestImagesEnv checks that images.env, the one place the images are named, reads the same
// in Go and in bash (images.sh sources it), and that compose.yaml takes its images from it.
func TestImagesEnv(t *testing.T) {
	for _, name := range []string{"spark", "kafka", "jre"} {
		if !regexp.MustCompile(`^sparkwire/` + name + `:[0-9][0-9.]*$`).MatchString(Image(name)) {
			t.Errorf("Image(%q) = %q", name, Image(name))
		}
	}
	if Version("spark") != strings.TrimPrefix(Image("spark"), "sparkwire/spark:") || Version("spark") == "" {
		t.Errorf("Version(spark) = %q, Image(spark) = %q", Version("spark"), Image("spark"))
	}
	if Image("nope") != "" || Version("nope") != "" {
		t.Errorf("an unknown image: %q, %q", Image("nope"), Version("nope"))
	}
	root, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	// What bash makes of the file, for every <NAME>_IMAGE key.
	keys := regexp.MustCompile(`(?m)^([A-Z0-9_]+)_IMAGE=`).FindAllStringSubmatch(imagesEnv, -1)
	if len(keys) < 3 {
		t.Fatalf("images.env names %d images", len(keys))
	}
	script := `source "$1"; shift; for k in "$@"; do v=${k}_IMAGE; echo "${!v}"; done`
	args := []string{"-c", script, "bash", filepath.Join(root, "docker", "stack", "images.env")}
	for _, k := range keys {
		args = append(args, k[1])
	}
	out, err := exec.Command("bash", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, k := range keys {
		if got, want := lines[i], Image(strings.ToLower(k[1])); got != want {
			t.Errorf("bash reads %s_IMAGE=%q, Go %q", k[1], got, want)
		}
	}
	// compose.yaml names no image itself: each is ${NAME_IMAGE...} of a key images.env has.
	compose, err := os.ReadFile(filepath.Join(root, "docker", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?m)^\s*image:\s*(.*)$`).FindAllStringSubmatch(string(compose), -1)
	if len(refs) == 0 {
		t.Fatal("compose.yaml has no image lines")
	}
	for _, r := range refs {
		m := regexp.MustCompile(`^"?\$\{([A-Z0-9]+)_IMAGE[:?}]`).FindStringSubmatch(r[1])
		if m == nil || Image(strings.ToLower(m[1])) == "" {
			t.Errorf("compose.yaml: image: %s; want ${<NAME>_IMAGE:?...} of images.env", r[1])
		}
	}
}

func TestMissingImagesError(t *testing.T) {
	err := error(&MissingImagesError{Images: []string{"sparkwire/spark:1", "sparkwire/kafka:2"}})
	if !errors.Is(err, ErrImagesMissing) {
		t.Error("not ErrImagesMissing")
	}
	want := "stack: images sparkwire/spark:1, sparkwire/kafka:2 missing: build them with 'bash docker/scripts/images.sh' (or 'make images') in the sparkwire checkout, or call stack.BuildImages"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	err = &MissingImagesError{Images: []string{"x"}, NoCheckout: errors.New("no go.mod")}
	if !strings.Contains(err.Error(), "no sparkwire checkout to build them from (no go.mod): run 'bash docker/scripts/images.sh' in a checkout of github.com/sparkwire/sparkwire") {
		t.Errorf("no checkout: %s", err)
	}
	if (&config{withoutKafka: true}).stackImages()[0] != Image("spark") || len((&config{}).stackImages()) != 2 {
		t.Error("stackImages")
	}
}

func TestProgressParser(t *testing.T) {
	p := progressParser{start: time.Unix(100, 0)}
	for i, tt := range []struct {
		line                     string
		want                     string
		step, steps, done, total int
	}{
		{"engine: docker is up", "engine: docker is up", 0, 0, 0, 0},
		{"images: sparkwire/kafka:4.3.1 up to date", "sparkwire/kafka:4.3.1 up to date", 0, 0, 0, 0},
		{"images: [1/3] spark: resolving jars with Maven (log: x)", "[1/3] spark: resolving jars with Maven (log: x)", 1, 3, 0, 0},
		{"images: spark: files downloaded: 50", "spark: files downloaded: 50", 1, 3, 0, 0},
		{"images: [2/3] spark: building sparkwire/spark:4.1.2 from sparkwire/jre:17 (log: y)", "[2/3] spark: building sparkwire/spark:4.1.2 from sparkwire/jre:17 (log: y)", 2, 3, 0, 0},
		{"images: spark: build step 5/13: COPY a b", "spark: build step 5/13: COPY a b", 2, 3, 5, 13},
	} {
		got := p.parse(tt.line, time.Unix(100+int64(i), 0))
		want := BuildProgress{Line: tt.want, Step: tt.step, Steps: tt.steps, Done: tt.done, Total: tt.total, Elapsed: time.Duration(i) * time.Second}
		if got != want {
			t.Errorf("parse(%q) = %+v, want %+v", tt.line, got, want)
		}
	}
}

// TestImagesScriptProgress runs the real docker/scripts/images.sh in a scratch checkout, with
// stand-ins for docker and mvn on PATH, and checks its plan and progress as BuildImages
// reports them: every step numbered out of the planned total, Maven downloads counted,
// docker build steps with their totals; nothing to do the second time; a pom pinning
// another release than images.env is refused.
func TestImagesScriptProgress(t *testing.T) {
	for _, tool := range []string{"bash", "sha256sum", "find", "sed", "sort", "tee"} { // what images.sh needs
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed: images.sh needs it", tool)
		}
	}
	repo, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	// engine.sh could start a Docker engine: a stand-in says the engine is up.
	write("docker/scripts/engine.sh", "#!/bin/sh\nexit 0\n", 0o755)
	for _, f := range []string{"images.sh", "jre-base.sh"} {
		b, err := os.ReadFile(filepath.Join(repo, "docker", "scripts", f))
		if err != nil {
			t.Fatal(err)
		}
		write("docker/scripts/"+f, string(b), 0o755)
	}
	write("go.mod", "module "+modulePath+"\n", 0o644)
	write("docker/stack/images.env", imagesEnv, 0o644)
	write("docker/maven-settings.xml", "<settings/>\n", 0o644)
	for _, name := range []string{"spark", "kafka"} {
		write("docker/"+name+"/Dockerfile", "FROM x\n", 0o644)
		write("docker/"+name+"/pom.xml", "<properties><"+name+".version>"+Version(name)+"</"+name+".version></properties>\n", 0o644)
	}
	// docker: the engine answers, the JRE base image exists, images built here keep their
	// labels in $STATE; mvn: 120 downloads and one jar.
	state := t.TempDir()
	write("bin/docker", `#!/usr/bin/env bash
set -eu
key=$(echo "${@: -1}" | tr '/:' '__')
case "$1 ${2:-}" in
  "info "*) exit 0 ;;
  "image inspect")
    [[ "${@: -1}" == sparkwire/jre:* ]] && { echo jre; exit 0; }
    [[ -f "$STATE/$key" ]] || exit 1
    case "$*" in
      *io.sparkwire.inputs*) sed -n 1p "$STATE/$key" ;;
      *io.sparkwire.base*) sed -n 2p "$STATE/$key" ;;
      *) echo "sha256:$key" ;;
    esac ;;
  "image rm") exit 0 ;;
  "build --build-arg")
    inputs= base= tag=
    while (( $# )); do
      case "$1" in
        --label) case "$2" in io.sparkwire.inputs=*) inputs=${2#*=} ;; io.sparkwire.base=*) base=${2#*=} ;; esac; shift ;;
        -t) tag=$2; shift ;;
      esac
      shift
    done
    printf 'Sending build context to Docker daemon  2kB
Step 1/3 : FROM x
 ---> 1
Step 2/3 : COPY a b
 ---> 2
Step 3/3 : CMD c
Successfully built 3
'
    printf '%s
%s
' "$inputs" "$base" >"$STATE/$(echo "$tag" | tr '/:' '__')" ;;
  *) echo "docker stand-in: unexpected $*" >&2; exit 1 ;;
esac
`, 0o755)
	write("bin/mvn", `#!/usr/bin/env bash
for i in $(seq 120); do echo "[INFO] Downloaded from central: https://repo/x$i.jar"; done
mkdir -p target/jars && touch target/jars/x.jar
`, 0o755)
	t.Setenv("PATH", filepath.Join(root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("STATE", state)
	t.Setenv("TMPDIR", t.TempDir()) // the script's lock file
	t.Setenv("BASE_IMAGE", "")
	t.Setenv("FORCE", "")

	run := func() ([]BuildProgress, error) {
		var got []BuildProgress
		err := runImagesScript(t.Context(), root, nopLogger{}, func(p BuildProgress) { got = append(got, p) })
		return got, err
	}
	got, err := run()
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	var sawDownloads, sawBuildStep bool
	for _, p := range got {
		if strings.HasPrefix(p.Line, "[") {
			steps = append(steps, fmt.Sprintf("%d/%d %s", p.Step, p.Steps, strings.SplitN(p.Line, " (", 2)[0]))
		}
		sawDownloads = sawDownloads || (p.Line == "spark: files downloaded: 120" && p.Step == 1)
		sawBuildStep = sawBuildStep || (p.Line == "kafka: build step 2/3: COPY a b" && p.Done == 2 && p.Total == 3 && p.Step == 4)
	}
	want := []string{
		"1/4 [1/4] spark: resolving jars with Maven",
		"2/4 [2/4] spark: building " + Image("spark") + " from " + Image("jre"),
		"3/4 [3/4] kafka: resolving jars with Maven",
		"4/4 [4/4] kafka: building " + Image("kafka") + " from " + Image("jre"),
	}
	if strings.Join(steps, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	if !sawDownloads || !sawBuildStep {
		t.Errorf("downloads counted %v, build steps reported %v; lines: %+v", sawDownloads, sawBuildStep, got)
	}
	if last := got[len(got)-1].Line; !strings.HasPrefix(last, "done in ") {
		t.Errorf("last line %q", last)
	}

	// Up to date: no steps.
	got, err = run()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		if p.Steps != 0 {
			t.Errorf("second run planned steps: %+v", p)
		}
	}
	if len(got) < 2 || got[len(got)-1].Line != Image("kafka")+" up to date" {
		t.Errorf("second run: %+v", got)
	}

	// A pom pinning another release than the tag.
	write("docker/kafka/pom.xml", "<kafka.version>0.0.1</kafka.version>\n", 0o644)
	_, err = run()
	if err == nil || !strings.Contains(err.Error(), "docker/kafka/pom.xml pins kafka.version 0.0.1, images.env tags "+Image("kafka")) {
		t.Errorf("pom mismatch: %v", err)
	}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
