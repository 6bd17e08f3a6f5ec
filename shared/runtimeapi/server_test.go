package runtimeapi_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/runtimeapi"
)

var (
	echoOnce sync.Once
	echoPath string
	echoErr  error
)

// echo builds testdata/echo as Lambda runs it (tag lambda.norpc).
func echo(t testing.TB) string {
	t.Helper()
	echoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "runtimeapi-echo")
		if err != nil {
			echoErr = err
			return
		}
		echoPath = filepath.Join(dir, "bootstrap")
		out, err := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", echoPath, "./testdata/echo").CombinedOutput()
		if err != nil {
			echoErr = errors.New(string(out))
		}
	})
	if echoErr != nil {
		t.Fatalf("build echo: %v", echoErr)
	}
	return echoPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if echoPath != "" {
		os.RemoveAll(filepath.Dir(echoPath))
	}
	os.Exit(code)
}

func TestColdStart_Echo(t *testing.T) {
	s, err := runtimeapi.ColdStart(context.Background(), echo(t), nil, []byte(`{"hello":"world"}`), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Init <= 0 || s.Init > 10*time.Second {
		t.Errorf("init = %v, want a positive time", s.Init)
	}
	if s.First <= 0 || s.Warm <= 0 {
		t.Errorf("invocations %v, %v: want positive times", s.First, s.Warm)
	}
	r := s.FirstResult
	if r.Failed || !bytes.Contains(r.Body, []byte(`"event":{"hello":"world"}`)) || !bytes.Contains(r.Body, []byte(runtimeapi.FunctionARN)) {
		t.Errorf("first result = %+v %s: want the event and the function ARN echoed", r, r.Body)
	}
	if s.PeakRSS < 1<<20 || s.PeakRSS > 100<<20 {
		t.Errorf("peak RSS = %d bytes, want a Go process's", s.PeakRSS)
	}
}

func TestColdStart_ErrorIsReported(t *testing.T) {
	s, err := runtimeapi.ColdStart(context.Background(), echo(t), nil, []byte(`{"fail":true}`), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.FirstResult; !r.Failed || !bytes.Contains(r.Body, []byte("asked to fail")) {
		t.Errorf("first result = %+v %s: want the handler's error posted to /error", r, r.Body)
	}
}

func TestColdStart_ProcessExitsEarly(t *testing.T) {
	script := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho broken config >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := runtimeapi.ColdStart(context.Background(), script, nil, []byte(`{}`), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited before asking for an event") || !strings.Contains(err.Error(), "broken config") {
		t.Errorf("err = %v, want the early exit with the process's output", err)
	}
}

func TestColdStart_Timeout(t *testing.T) {
	script := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := runtimeapi.ColdStart(context.Background(), script, nil, []byte(`{}`), 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not ask for an event") {
		t.Errorf("err = %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v: the hung process was not stopped", time.Since(start))
	}
}

func TestServer_Endpoints(t *testing.T) {
	srv, err := runtimeapi.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if host, _, _ := net.SplitHostPort(srv.Addr()); host != "127.0.0.1" {
		t.Errorf("listens on %s, want loopback", srv.Addr())
	}
	base := "http://" + srv.Addr() + "/2018-06-01/runtime/"
	post := func(path, body string) int {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if _, ok := srv.InitError(); ok {
		t.Error("init error before any was posted")
	}
	if got := post("init/error", `{"errorMessage":"boom","errorType":"Setup"}`); got != http.StatusAccepted {
		t.Errorf("init/error: status %d, want 202", got)
	}
	if r, ok := srv.InitError(); !ok || !r.Failed || !bytes.Contains(r.Body, []byte("boom")) {
		t.Errorf("init error = %+v, %v", r, ok)
	}
	if got := post("invocation/unknown-id/response", `{}`); got != http.StatusBadRequest {
		t.Errorf("response for an unknown id: status %d, want 400", got)
	}
	if got := post("invocation/x/other", `{}`); got != http.StatusNotFound {
		t.Errorf("unknown endpoint: status %d, want 404", got)
	}

	// /next hands over a queued event with the documented headers.
	done := make(chan runtimeapi.Result, 1)
	go func() {
		r, err := srv.Invoke(context.Background(), []byte(`{"n":1}`))
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	resp, err := http.Get(base + "invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	deadline := resp.Header.Get("Lambda-Runtime-Deadline-Ms")
	resp.Body.Close()
	if id == "" || deadline == "" || resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn") != runtimeapi.FunctionARN {
		t.Fatalf("next headers = %v", resp.Header)
	}
	if got := post("invocation/"+id+"/error", `{"errorMessage":"no"}`); got != http.StatusAccepted {
		t.Errorf("error: status %d, want 202", got)
	}
	if r := <-done; !r.Failed || r.RequestID != id {
		t.Errorf("result = %+v, want the error of %s", r, id)
	}
}

func TestServer_CloseReleasesNext(t *testing.T) {
	srv, err := runtimeapi.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + srv.Addr() + "/2018-06-01/runtime/invocation/next")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if _, err := srv.WaitNext(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	select {
	case <-errc:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting /next was not released by Close")
	}
}

// DenyAll makes SDK calls fail at once, without retries, in both the JSON
// and the XML protocols.
func TestDenyAll_FailsFastWithoutRetry(t *testing.T) {
	d, err := runtimeapi.NewDenyAll()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cfg := aws.Config{Region: "ap-northeast-1", BaseEndpoint: aws.String(d.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIA", "secret", ""),
		Retryer:     func() aws.Retryer { return retry.NewStandard() }}
	ctx := context.Background()
	_, err = sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.URL() + "/q"), MessageBody: aws.String("x")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("JSON protocol: err = %v, want AccessDeniedException", err)
	}
	_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("XML protocol: err = %v, want AccessDenied", err)
	}
	if d.Calls() != 2 {
		t.Errorf("%d calls, want 2 (no retries)", d.Calls())
	}
}
