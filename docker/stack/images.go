package stack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/testcontainers/testcontainers-go"
)

// Image names and versions. docker/images.env holds the same values for the shell scripts; a
// unit test keeps the two in step.
const (
	// SparkVersion is the Apache Spark release of [SparkImage].
	SparkVersion = "4.1.2"
	// KafkaVersion is the Apache Kafka release of [KafkaImage].
	KafkaVersion = "4.3.1"
	// SparkImage is the Spark Connect server image that docker/scripts/images.sh builds.
	SparkImage = "sparkwire/spark:" + SparkVersion
	// KafkaImage is the single-node Kafka (KRaft) image that docker/scripts/images.sh builds.
	KafkaImage = "sparkwire/kafka:" + KafkaVersion
	// HDFSVersion is the Apache Hadoop release of [HDFSImage].
	HDFSVersion = "3.4.1"
	// HDFSImage is the HDFS image (NameNode or DataNode, see [WithHDFS]) that
	// docker/scripts/images.sh builds.
	HDFSImage = "sparkwire/hdfs:" + HDFSVersion
)

// modulePath identifies the sparkwire checkout when looking for the repository root.
const modulePath = "github.com/sparkwire/sparkwire"

// inputsLabel is the image label holding the hash of the image's build inputs (inputsHash).
const inputsLabel = "io.sparkwire.inputs"

// EnsureImages makes sure [SparkImage], [KafkaImage] and [HDFSImage] exist and are built from the current
// files under docker/. When any is missing, or its io.sparkwire.inputs label differs from
// the hash of its build inputs, it runs docker/scripts/images.sh of the sparkwire checkout
// (found by walking up from the working directory, or given by [WithRepoRoot]) and forwards
// the script's progress lines to the logger ([WithLogger]). When all are up to date it
// only inspects them and returns quickly. Without a checkout it can only check that the images
// exist. Only [WithRepoRoot] and [WithLogger] apply here.
func EnsureImages(ctx context.Context, opts ...Option) error {
	cfg := newConfig(opts)
	applyEnvDefaults()

	root, rootErr := cfg.repoRoot()
	stale, err := staleImages(ctx, root)
	if err != nil {
		return err
	}
	if len(stale) == 0 {
		return nil
	}
	if rootErr != nil {
		return fmt.Errorf("images %s missing and no sparkwire checkout to build them from: %w",
			strings.Join(stale, ", "), rootErr)
	}
	cfg.logger.Printf("stack: building %s with docker/scripts/images.sh", strings.Join(stale, ", "))
	return runImagesScript(ctx, root, cfg.logger)
}

// staleImages returns the images that are missing or, when root names a checkout, built from
// other inputs than the files there.
func staleImages(ctx context.Context, root string) ([]string, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()

	var stale []string
	for _, img := range []struct{ name, dir string }{{SparkImage, "spark"}, {KafkaImage, "kafka"}, {HDFSImage, "hdfs"}} {
		res, err := cli.ImageInspect(ctx, img.name)
		if errdefs.IsNotFound(err) {
			stale = append(stale, img.name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inspect image %s: %w", img.name, err)
		}
		if root == "" {
			continue
		}
		want, err := inputsHash(filepath.Join(root, "docker", img.dir))
		if err != nil {
			return nil, err
		}
		var have string
		if res.Config != nil {
			have = res.Config.Labels[inputsLabel]
		}
		if have != want {
			stale = append(stale, img.name)
		}
	}
	return stale, nil
}

// runImagesScript runs docker/scripts/images.sh and logs its output line by line.
func runImagesScript(ctx context.Context, root string, logger Logger) error {
	script := filepath.Join(root, "docker", "scripts", "images.sh")
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = root
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("images.sh: %w", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", script, err)
	}
	var tail []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		logger.Printf("%s", sc.Text())
		tail = append(tail, sc.Text())
		if len(tail) > 20 {
			tail = tail[1:]
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w\n%s", script, err, strings.Join(tail, "\n"))
	}
	return nil
}

// inputsHash returns the hash docker/scripts/images.sh stores in an image's io.sparkwire.inputs
// label: the SHA-256 of the `sha256sum` output lines ("<hex>  <path>\n") of every regular file
// under dir, except the top-level target directory, sorted by slash-separated relative path.
func inputsHash(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() && rel == "target" {
			return fs.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash image inputs in %s: %w", dir, err)
	}
	slices.Sort(files)
	var lines bytes.Buffer
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return "", fmt.Errorf("hash image inputs: %w", err)
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(&lines, "%s  %s\n", hex.EncodeToString(sum[:]), rel)
	}
	sum := sha256.Sum256(lines.Bytes())
	return hex.EncodeToString(sum[:]), nil
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
