package awsconfig_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
