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

// MaxAttempts is how many times a call is tried before its error is returned.
const MaxAttempts = 6

// MaxBackoff bounds the wait between two tries.
const MaxBackoff = 10 * time.Second

// Load returns the SDK configuration. region is used when the environment
// names none (AWS_REGION, AWS_DEFAULT_REGION or the profile's region).
func Load(ctx context.Context, region string) (aws.Config, error) {
	cfg, err := loadBase(ctx, func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = MaxAttempts
			o.MaxBackoff = MaxBackoff
		})
	})
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	if anyEndpointSet(os.Environ()) {
		cfg.HTTPClient = HTTPClient(cfg.HTTPClient)
	}
	return cfg, nil
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
