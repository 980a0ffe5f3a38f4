package stack

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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

// TestImageNames checks that the constants agree with docker/images.env, the poms and
// docker/compose.yaml.
func TestImageNames(t *testing.T) {
	root, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	env := readEnvFile(t, filepath.Join(root, "docker", "images.env"))
	for k, want := range map[string]string{
		"SPARK_VERSION": SparkVersion, "KAFKA_VERSION": KafkaVersion,
		"SPARK_IMAGE": SparkImage, "KAFKA_IMAGE": KafkaImage,
		"HDFS_VERSION": HDFSVersion, "HDFS_IMAGE": HDFSImage,
	} {
		if env[k] != want {
			t.Errorf("images.env %s=%q, Go has %q", k, env[k], want)
		}
	}
	for dir, prop := range map[string]string{"spark": "spark.version", "kafka": "kafka.version", "hdfs": "hadoop.version"} {
		pom, err := os.ReadFile(filepath.Join(root, "docker", dir, "pom.xml"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<` + regexp.QuoteMeta(prop) + `>([^<]+)<`).FindSubmatch(pom)
		want := map[string]string{"spark": SparkVersion, "kafka": KafkaVersion, "hdfs": HDFSVersion}[dir]
		if m == nil || string(m[1]) != want {
			t.Errorf("docker/%s/pom.xml %s = %q, want %q", dir, prop, m, want)
		}
	}
	compose, err := os.ReadFile(filepath.Join(root, "docker", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []string{SparkImage, KafkaImage, HDFSImage} {
		if !strings.Contains(string(compose), img) {
			t.Errorf("compose.yaml does not name %s", img)
		}
	}
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return env
}

// TestInputsHashMatchesScript checks inputsHash against the shell pipeline of images.sh, run
// on a scratch directory shaped like docker/kafka.
func TestInputsHashMatchesScript(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not installed")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Dockerfile":          "FROM x\n",
		"entrypoint.sh":       "#!/bin/sh\n",
		"conf/a b.properties": "k=v\n",
		"B-upper":             "",
		"target/jars/x.jar":   "ignored",
		"sub/target/kept":     "kept: only the top-level target is skipped",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := inputsHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "docker", "scripts", "images.sh")
	// Run the script's inputs_hash function alone.
	cmd := exec.Command("bash", "-c", `eval "$(sed -n '/^inputs_hash()/,/^}/p' "$1")"; inputs_hash "$2"`, "bash", script, dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("inputsHash = %s, images.sh computes %s", got, want)
	}
	// Any change to an input changes the hash; files under target/ do not.
	if err := os.WriteFile(filepath.Join(dir, "target", "jars", "y.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _ := inputsHash(dir); again != got {
		t.Error("a file under target/ changed the hash")
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _ := inputsHash(dir); again == got {
		t.Error("changing the Dockerfile left the hash unchanged")
	}
}
