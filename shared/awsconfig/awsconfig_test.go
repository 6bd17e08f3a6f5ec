package awsconfig_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/awsconfig"
)

// TestLoad_EndpointRetryAndPathStyle runs a real S3 client against a local
// server that throttles twice: the standard retryer must retry, the request
// must use path-style addressing, and it must go to AWS_ENDPOINT_URL_S3.
func TestLoad_EndpointRetryAndPathStyle(t *testing.T) {
	var calls atomic.Int32
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
			return
		}
		path = r.URL.Path
		w.Write([]byte(`<?xml version="1.0"?><ListBucketResult><Name>tenant-data</Name><IsTruncated>false</IsTruncated></ListBucketResult>`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg, err := awsconfig.Load(context.Background(), "ap-northeast-1")
	if err != nil {
		t.Fatal(err)
	}
	if hc, ok := cfg.HTTPClient.(*http.Client); !ok {
		t.Errorf("HTTP client = %T, want the buffering client when an endpoint is set", cfg.HTTPClient)
	} else if _, ok := hc.Transport.(awsconfig.BufferingTransport); !ok {
		t.Errorf("transport = %T, want BufferingTransport", hc.Transport)
	}
	if cfg.Region != "ap-northeast-1" {
		t.Errorf("region = %q, want the configured fallback", cfg.Region)
	}
	_, err = awsconfig.NewS3(cfg).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("tenant-data")})
	if err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("calls = %d, want 2 throttled + 1 success", got)
	}
	if !strings.HasPrefix(path, "/tenant-data") {
		t.Errorf("path = %q, want path-style /tenant-data", path)
	}
}

func TestEndpointSet(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL_RDS": "http://127.0.0.1:1"}
	get := func(k string) string { return env[k] }
	if !awsconfig.EndpointSet(get, "rds") || awsconfig.EndpointSet(get, "S3") {
		t.Error("EndpointSet should follow the per-service variable")
	}
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:2"
	if !awsconfig.EndpointSet(get, "S3") {
		t.Error("AWS_ENDPOINT_URL applies to every service")
	}
}

// TestLoad_RetrySettings proves that the environment's and the profile's
// retry settings reach the clients, and that Pledge's default applies only
// when none is set. It reads each client's retryer as the SDK built it.
func TestLoad_RetrySettings(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(profile, []byte("[default]\nmax_attempts = 2\n\n[profile adaptive]\nretry_mode = adaptive\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		env          map[string]string
		wantAttempts int
		wantAdaptive bool
	}{
		{"NothingSetPledgeDefault", nil, awsconfig.MaxAttempts, false},
		{"EnvMaxAttempts", map[string]string{"AWS_MAX_ATTEMPTS": "1"}, 1, false},
		{"EnvRetryModeOnlyKeepsSDKDefaultAttempts", map[string]string{"AWS_RETRY_MODE": "adaptive"}, 3, true},
		{"EnvBoth", map[string]string{"AWS_MAX_ATTEMPTS": "4", "AWS_RETRY_MODE": "standard"}, 4, false},
		{"ProfileMaxAttempts", map[string]string{"AWS_CONFIG_FILE": profile}, 2, false},
		{"ProfileRetryMode", map[string]string{"AWS_CONFIG_FILE": profile, "AWS_PROFILE": "adaptive"}, 3, true},
		{"EnvWinsOverProfile", map[string]string{"AWS_CONFIG_FILE": profile, "AWS_MAX_ATTEMPTS": "5"}, 5, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg, err := awsconfig.Load(context.Background(), "ap-northeast-1")
			if err != nil {
				t.Fatal(err)
			}
			r := s3.NewFromConfig(cfg).Options().Retryer
			if got := r.MaxAttempts(); got != tc.wantAttempts {
				t.Errorf("max attempts = %d, want %d", got, tc.wantAttempts)
			}
			if _, adaptive := r.(*retry.AdaptiveMode); adaptive != tc.wantAdaptive {
				t.Errorf("retryer %T, adaptive = %v, want %v", r, adaptive, tc.wantAdaptive)
			}
		})
	}
}

// TestLoad_MaxAttemptsOneFailsAtOnce sends a real request to a server that
// always throttles: with AWS_MAX_ATTEMPTS=1 the client gives up after one
// request instead of backing off through Pledge's six.
func TestLoad_MaxAttemptsOneFailsAtOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
	}))
	defer srv.Close()
	isolate(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	cfg, err := awsconfig.Load(context.Background(), "ap-northeast-1")
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = awsconfig.NewS3(cfg).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("tenant-data")})
	if err == nil {
		t.Fatal("a throttled request succeeded")
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("failing took %s, want no backoff", d)
	}
}

// isolate clears every variable and file that could carry retry settings
// or credentials from the machine running the test.
func isolate(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}
