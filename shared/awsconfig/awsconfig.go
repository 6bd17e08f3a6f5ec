package awsconfig

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MaxAttempts is how many times a call is tried before its error is
// returned, unless the environment or profile sets its own retry settings.
const MaxAttempts = 6

// MaxBackoff bounds the wait between two tries under Pledge's default
// retryer.
const MaxBackoff = 10 * time.Second

// Load returns the SDK configuration. region is used when the environment
// names none (AWS_REGION, AWS_DEFAULT_REGION or the profile's region).
//
// Retries follow the SDK's own settings when any is given:
// AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, or the profile's max_attempts and
// retry_mode. Only when none is set does Pledge's default apply: the
// standard retryer with MaxAttempts tries and waits of at most MaxBackoff.
func Load(ctx context.Context, region string) (aws.Config, error) {
	cfg, err := loadBase(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	ApplyDefaultRetryer(&cfg)
	if anyEndpointSet(os.Environ()) {
		cfg.HTTPClient = HTTPClient(cfg.HTTPClient)
	}
	return cfg, nil
}

// ApplyDefaultRetryer gives cfg Pledge's retryer (standard mode,
// MaxAttempts tries, MaxBackoff) unless cfg already carries a retryer or
// retry settings from the environment or the shared config profile
// (cfg.RetryMaxAttempts, cfg.RetryMode), which then win, as the SDK's
// documentation promises.
func ApplyDefaultRetryer(cfg *aws.Config) {
	if cfg.Retryer != nil || cfg.RetryMaxAttempts != 0 || cfg.RetryMode != "" {
		return
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.MaxBackoff = MaxBackoff
		})
	}
}

func anyEndpointSet(environ []string) bool {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL") && !strings.HasSuffix(kv, "=") {
			return true
		}
	}
	return false
}

// EndpointSet reports whether the environment points service (the SDK's
// environment name, e.g. "S3") at a custom endpoint.
func EndpointSet(getenv func(string) string, service string) bool {
	return getenv("AWS_ENDPOINT_URL_"+strings.ToUpper(service)) != "" || getenv("AWS_ENDPOINT_URL") != ""
}

// S3Options returns the S3 client options for this environment: path-style
// addressing when a custom endpoint is set.
func S3Options(getenv func(string) string) func(*s3.Options) {
	pathStyle := EndpointSet(getenv, "S3")
	return func(o *s3.Options) { o.UsePathStyle = pathStyle }
}

// NewS3 returns an S3 client for cfg in this process's environment.
func NewS3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, S3Options(os.Getenv))
}
