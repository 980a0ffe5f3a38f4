package stack

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// imagesEnv is images.env, the one place where the images' names and versions are written
// down (see the comment at its top for who reads it, and why it lives in this directory).
//
//go:embed images.env
var imagesEnv string

// Image returns the reference of the image built from docker/<name> ("spark", "kafka"),
// such as "sparkwire/spark:4.1.2": the <NAME>_IMAGE line of images.env, which
// docker/scripts/images.sh also builds from. It returns "" for a name images.env does not
// know.
func Image(name string) string {
	key := strings.ToUpper(name) + "_IMAGE"
	for line := range strings.Lines(imagesEnv) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && k == key {
			return v
		}
	}
	return ""
}

// Version returns the release an image carries, its tag: Version("spark") is the Apache
// Spark release of the Connect server, Version("kafka") the Apache Kafka release. It
// returns "" for a name images.env does not know.
func Version(name string) string {
	ref := Image(name)
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && !strings.Contains(ref[i:], "/") {
		return ref[i+1:]
	}
	return ""
}

// modulePath identifies the sparkwire checkout when looking for the repository root.
const modulePath = "github.com/sparkwire/sparkwire"

// ErrImagesMissing is wrapped by the [*MissingImagesError] that [Start] and [BuildImages]
// return when an image the stack needs does not exist.
var ErrImagesMissing = errors.New("stack: images missing")

// MissingImagesError reports images that [Start] needs and the Docker engine does not have.
// Start never builds them: building takes minutes and may install packages, so it is the
// caller's explicit choice ([BuildImages], or docker/scripts/images.sh).
type MissingImagesError struct {
	// Images are the missing image references.
	Images []string
	// NoCheckout is set when [BuildImages] found no sparkwire checkout to build them from.
	NoCheckout error
}

func (e *MissingImagesError) Error() string {
	msg := "stack: images " + strings.Join(e.Images, ", ") + " missing"
	if e.NoCheckout != nil {
		return msg + " and no sparkwire checkout to build them from (" + e.NoCheckout.Error() + "): run 'bash docker/scripts/images.sh' in a checkout of " + modulePath
	}
	return msg + ": build them with 'bash docker/scripts/images.sh' (or 'make images') in the sparkwire checkout, or call stack.BuildImages"
}

// Unwrap returns [ErrImagesMissing].
func (e *MissingImagesError) Unwrap() error { return ErrImagesMissing }

// requireImages returns a *MissingImagesError naming those of the images that do not exist.
func requireImages(ctx context.Context, cli client.APIClient, refs []string) error {
	var missing []string
	for _, ref := range refs {
		_, err := cli.ImageInspect(ctx, ref)
		if errdefs.IsNotFound(err) {
			missing = append(missing, ref)
			continue
		}
		if err != nil {
			return fmt.Errorf("inspect image %s: %w", ref, err)
		}
	}
	if len(missing) > 0 {
		return &MissingImagesError{Images: missing}
	}
	return nil
}

// stackImages returns the images a stack of cfg runs.
func (c *config) stackImages() []string {
	refs := []string{Image("spark")}
	if !c.withoutKafka {
		refs = append(refs, Image("kafka"))
	}
	if c.datanodes > 0 {
		refs = append(refs, Image("hdfs"))
	}
	return refs
}

// BuildProgress is a progress report of [BuildImages]: one line of docker/scripts/images.sh.
type BuildProgress struct {
	// Line is the script's line without its "images: " prefix, such as
	// "[2/4] spark: building sparkwire/spark:4.1.2 from sparkwire/jre:17" or
	// "spark: build step 5/13: COPY target/jars/ /opt/spark/jars/".
	Line string
	// Step and Steps are the step under way and how many the build has ("[2/4]"); both are 0
	// before the first step, and stay 0 when every image is up to date.
	Step, Steps int
	// Done and Total count the parts of the step that Line reports on, when it does ("build
	// step 5/13"), else 0.
	Done, Total int
	// Elapsed is the time since BuildImages started.
	Elapsed time.Duration
}

// WithBuildProgress makes [BuildImages] call fn for every line of docker/scripts/images.sh,
// in order, on the goroutine that called BuildImages. The lines also go to the logger.
func WithBuildProgress(fn func(BuildProgress)) Option {
	return func(c *config) { c.buildProgress = fn }
}

// BuildImages builds the images the stack runs ([Image]) when they are missing or stale,
// by running docker/scripts/images.sh of the sparkwire checkout (found by walking up from the
// working directory, or given by [WithRepoRoot]). That script decides what is stale, plans
// the steps and reports them: [WithBuildProgress] receives each line, parsed, and the logger
// ([WithLogger]) the text. The first build takes minutes (it may install the Docker engine
// and Debian packages, and resolves jars from Maven Central); when everything is up to date
// it returns within seconds. Without a checkout it can only check that the images exist,
// and returns a [*MissingImagesError] when they do not. Only [WithRepoRoot], [WithLogger]
// and [WithBuildProgress] apply here.
func BuildImages(ctx context.Context, opts ...Option) error {
	cfg := newConfig(opts)
	applyEnvDefaults()
	root, rootErr := cfg.repoRoot()
	if rootErr == nil {
		if err := runImagesScript(ctx, root, cfg.logger, cfg.buildProgress); err != nil {
			return err
		}
	}
	cli, err := dockerClient(cfg.logger)
	if err != nil {
		return err
	}
	defer cli.Close()
	err = requireImages(ctx, cli, []string{Image("spark"), Image("kafka"), Image("hdfs")})
	var missing *MissingImagesError
	if errors.As(err, &missing) && rootErr != nil {
		missing.NoCheckout = rootErr
	}
	return err
}

// EnsureImages builds the images when they are missing or stale.
//
// Deprecated: use [BuildImages], which it calls.
func EnsureImages(ctx context.Context, opts ...Option) error { return BuildImages(ctx, opts...) }

// stepLine matches images.sh's "[i/n] ..." step lines; countLine a "i/n" count in a line.
var (
	stepLine  = regexp.MustCompile(`^\[(\d+)/(\d+)\] `)
	countLine = regexp.MustCompile(`\b(\d+)/(\d+)\b`)
)

// progressParser turns images.sh's lines into BuildProgress reports.
type progressParser struct {
	start       time.Time
	step, steps int
}

func (p *progressParser) parse(line string, now time.Time) BuildProgress {
	line = strings.TrimPrefix(line, "images: ")
	bp := BuildProgress{Line: line, Elapsed: now.Sub(p.start)}
	if m := stepLine.FindStringSubmatch(line); m != nil {
		p.step, _ = strconv.Atoi(m[1])
		p.steps, _ = strconv.Atoi(m[2])
	} else if m := countLine.FindStringSubmatch(line); m != nil {
		bp.Done, _ = strconv.Atoi(m[1])
		bp.Total, _ = strconv.Atoi(m[2])
	}
	bp.Step, bp.Steps = p.step, p.steps
	return bp
}

// runImagesScript runs docker/scripts/images.sh, logs its output line by line and reports
// each line to progress (when not nil).
func runImagesScript(ctx context.Context, root string, logger Logger, progress func(BuildProgress)) error {
	script := filepath.Join(root, "docker", "scripts", "images.sh")
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = root
	// bash and its children (Maven, docker build) end with the context, not minutes later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("images.sh: %w", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", script, err)
	}
	parser := progressParser{start: time.Now()}
	var tail []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		logger.Printf("%s", line)
		if progress != nil {
			progress(parser.parse(line, time.Now()))
		}
		tail = append(tail, line)
		if len(tail) > 20 {
			tail = tail[1:]
		}
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", script, ctx.Err())
		}
		return fmt.Errorf("%s: %w\n%s", script, err, strings.Join(tail, "\n"))
	}
	return nil
}

// findRepoRoot walks up from dir to the directory whose go.mod declares the sparkwire module.
func findRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if isRepoRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of module " + modulePath + " above the working directory (use WithRepoRoot)")
		}
		dir = parent
	}
}

// isRepoRoot reports whether dir holds the go.mod of the sparkwire module.
func isRepoRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == modulePath {
			return true
		}
	}
	return false
}
