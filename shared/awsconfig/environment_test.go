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

// lambdaEnv sets what Lambda sets, and clears what would let a test pass
// by reading a developer's own files or profile.
func lambdaEnv(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_REGION": "ap-northeast-1", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_SDK_UA_APP_ID": "", "AWS_MAX_ATTEMPTS": "", "AWS_RETRY_MODE": "",
	} {
		t.Setenv(k, v)
	}
}

func TestFromEnvironment_LambdaVariables(t *testing.T) {
	lambdaEnv(t)
	t.Setenv("AWS_SDK_UA_APP_ID", "pledge")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	cfg, err := awsconfig.FromEnvironment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKIAEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("credentials = %+v, want the environment's", creds)
	}
	if cfg.Region != "ap-northeast-1" || cfg.AppID != "pledge" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:9" {
		t.Errorf("region %q, app id %q, base endpoint %q: want the environment's", cfg.Region, cfg.AppID, aws.ToString(cfg.BaseEndpoint))
	}
	if cfg.RetryMaxAttempts != 0 || cfg.RetryMode != "" {
		t.Errorf("retry settings %d %q without AWS_MAX_ATTEMPTS or AWS_RETRY_MODE", cfg.RetryMaxAttempts, cfg.RetryMode)
	}
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	t.Setenv("AWS_RETRY_MODE", "adaptive")
	if cfg, err = awsconfig.FromEnvironment(context.Background()); err != nil || cfg.RetryMaxAttempts != 2 || cfg.RetryMode != aws.RetryModeAdaptive {
		t.Errorf("retry settings %d %q (%v), want the environment's 2 adaptive", cfg.RetryMaxAttempts, cfg.RetryMode, err)
	}
}

// A per-service endpoint (what the sandbox sets) reaches the client through
// the configuration sources, as it does with config.LoadDefaultConfig.
func TestFromEnvironment_ServiceEndpoint(t *testing.T) {
	lambdaEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !strings.Contains(r.Header.Get("Authorization"), "Credential=AKIAEXAMPLE/") {
			t.Errorf("request not signed with the environment's key: %q", r.Header.Get("Authorization"))
		}
		w.Write([]byte(`<?xml version="1.0"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	cfg, err := awsconfig.FromEnvironment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsconfig.NewS3(cfg).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("the S3 endpoint from AWS_ENDPOINT_URL_S3 got %d calls, want 1", calls.Load())
	}
}

func TestFromEnvironment_Errors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"NoCredentials", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "no AWS credentials in the environment"},
		{"NoSecret", map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, "no AWS credentials in the environment"},
		{"Profile", map[string]string{"AWS_PROFILE": "prod-readonly"}, "AWS_PROFILE=prod-readonly: this Lambda build reads credentials from the environment only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambdaEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := awsconfig.FromEnvironment(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
