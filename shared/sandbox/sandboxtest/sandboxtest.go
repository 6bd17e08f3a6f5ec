// Package sandboxtest provides helpers for integration tests that run the
// functions' real binaries against the sandbox's stand-ins.
package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox"
)

// Start starts a sandbox for the test and stops it when the test ends. A
// stand-in that cannot start fails the test, naming it.
func Start(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(sb.Stop)
	return sb
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// Build compiles functions/<name> for this machine once per test binary and
// returns its path.
func Build(t testing.TB, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[name]; ok {
		return p
	}
	root, err := sandbox.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "pledge-bin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "./functions/"+name)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	built[name] = out
	return out
}

// Result is one invocation of a binary.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Decode unmarshals the invocation's JSON result.
func (r Result) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("result is not JSON (%v): %s\nstderr: %s", err, r.Stdout, r.Stderr)
	}
}

// Invoke runs bin with args in the sandbox's environment plus extra.
func Invoke(t testing.TB, sb *sandbox.Sandbox, bin string, extra []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = sb.ChildEnv(extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// ConfigEnv returns PLEDGE_CONFIG=<c as JSON>.
func ConfigEnv(c config.Config) string { return config.EnvVar + "=" + c.Encode() }

// S3 returns an S3 client for the sandbox's MinIO.
func S3(sb *sandbox.Sandbox) *s3.Client {
	return s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")},
		func(o *s3.Options) { o.BaseEndpoint = aws.String(sb.S3.URL); o.UsePathStyle = true })
}
