package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Credentials the stand-ins accept.
const (
	AccessKey = "pledgesandbox"
	SecretKey = "pledgesandbox-secret"
	Region    = "ap-northeast-1"
)

// Process is one running stand-in.
type Process struct {
	Name string
	URL  string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	once sync.Once
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		l.b.Reset()
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Stop kills the stand-in's process group and waits for it.
func (p *Process) Stop() {
	p.once.Do(func() {
		if p.cmd.Process != nil {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(3 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
	})
}

// Output returns what the stand-in printed (for error messages).
func (p *Process) Output() string { return p.out.String() }

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Root returns the repository root: the directory holding go.mod, found
// from the working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// Tool returns the path of a pinned tool: Go tools in .tools/bin
// ($PLEDGE_TOOLS), Node tools in infra/node_modules/.bin ($PLEDGE_NODE_BIN).
func Tool(name string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	dirs := []string{os.Getenv("PLEDGE_TOOLS"), os.Getenv("PLEDGE_NODE_BIN"), filepath.Join(root, ".tools", "bin"), filepath.Join(root, "infra", "node_modules", ".bin")}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed in .tools/bin or infra/node_modules/.bin: run `make tools`", name)
}

func start(ctx context.Context, name, bin string, args, env []string, url string, ready func() error) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &Process{Name: name, URL: url, cmd: cmd, out: out, done: make(chan struct{})}
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready()
		if err == nil {
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v): %s", name, waitErr, lastLines(out.String()))
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s did not become ready at %s within 30s (%v): %s", name, url, err, lastLines(out.String()))
		}
	}
}

func lastLines(s string) string {
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}

func httpReady(url string) func() error {
	c := &http.Client{Timeout: time.Second}
	return func() error {
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("%s answered %s", url, resp.Status)
		}
		return nil
	}
}

func tcpReady(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// StartMinIO starts MinIO for S3, storing data under dir. Bucket encryption
// needs a KMS key, so a fresh static one is generated.
func StartMinIO(ctx context.Context, dir string) (*Process, error) {
	bin, err := Tool("minio")
	if err != nil {
		return nil, fmt.Errorf("S3 stand-in: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	console, err := FreePort()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	url := "http://" + addr
	env := []string{
		"MINIO_ROOT_USER=" + AccessKey, "MINIO_ROOT_PASSWORD=" + SecretKey,
		"MINIO_KMS_SECRET_KEY=" + MinIOKMSKey + ":" + base64.StdEncoding.EncodeToString(key),
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1", "HOME=" + dir,
	}
	args := []string{"server", "--quiet", "--address", addr, "--console-address", "127.0.0.1:" + strconv.Itoa(console), "--certs-dir", filepath.Join(dir, "certs"), filepath.Join(dir, "data")}
	return start(ctx, "MinIO (S3)", bin, args, env, url, httpReady(url+"/minio/health/ready"))
}

// StartDynalite starts dynalite for DynamoDB, in memory, with tables usable
// as soon as they are created.
func StartDynalite(ctx context.Context) (*Process, error) {
	bin, err := Tool("dynalite")
	if err != nil {
		return nil, fmt.Errorf("DynamoDB stand-in: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
	return start(ctx, "dynalite (DynamoDB)", bin, args, nil, "http://"+addr, tcpReady(addr))
}

// StartSES starts aws-ses-v2-local for SES v2. Sent mail is readable as
// JSON at URL+"/store" and in a web inbox at URL.
func StartSES(ctx context.Context) (*Process, error) {
	bin, err := Tool("aws-ses-v2-local")
	if err != nil {
		return nil, fmt.Errorf("SES stand-in: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	return start(ctx, "aws-ses-v2-local (SES v2)", bin, []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port)}, nil, url, httpReady(url+"/store"))
}

// MinIOKMSKey is the name of MinIO's static KMS key. Unlike S3, MinIO wants
// it named in an SSE-KMS bucket-encryption rule.
const MinIOKMSKey = "pledge-sandbox-key"
