package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// FromEnvironment returns the SDK configuration as Lambda provides it: the
// region, the execution role's credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the rest of the SDK's
// environment variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// FIPS and dual-stack endpoints, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, app id,
// checksum settings), read by the
// SDK's own config.NewEnvConfig. It reads no shared config or credentials
// file and knows no other credential source.
//
// The Lambda build (tag pledge_lambda, see load_lambda.go) loads its
// configuration this way because config.LoadDefaultConfig links the whole
// default credential chain (SSO, SSO-OIDC, Sign-In, STS assume-role and web
// identity, EC2 and container metadata, credential processes), about
// 1.5 MB of a bootstrap, none of which Lambda uses.
//
// It fails when the environment holds no credentials, naming the variables,
// and when AWS_PROFILE is set, since a profile is not read here.
func FromEnvironment(_ context.Context) (aws.Config, error) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Config{}, err
	}
	if env.SharedConfigProfile != "" {
		return aws.Config{}, fmt.Errorf("AWS_PROFILE=%s: this Lambda build reads credentials from the environment only; use the local build (make build-local) for profiles", env.SharedConfigProfile)
	}
	if !env.Credentials.HasKeys() {
		return aws.Config{}, errors.New("no AWS credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for a role), as Lambda sets them, are required by this Lambda build")
	}
	creds := env.Credentials
	cfg := aws.Config{
		Region:      env.Region,
		Credentials: aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: creds}),
		// Load's ApplyDefaultRetryer gives way to these, as with
		// config.LoadDefaultConfig.
		RetryMaxAttempts: env.RetryMaxAttempts,
		RetryMode:        env.RetryMode,
		Logger:           logging.NewStandardLogger(os.Stderr),
		ConfigSources:    []any{env},
		AppID:            env.AppID,

		AccountIDEndpointMode:      env.AccountIDEndpointMode,
		RequestChecksumCalculation: env.RequestChecksumCalculation,
		ResponseChecksumValidation: env.ResponseChecksumValidation,
	}
	if env.BaseEndpoint != "" && (env.IgnoreConfiguredEndpoints == nil || !*env.IgnoreConfiguredEndpoints) {
		cfg.BaseEndpoint = aws.String(env.BaseEndpoint)
	}
	if env.DisableRequestCompression != nil {
		cfg.DisableRequestCompression = *env.DisableRequestCompression
	}
	if env.RequestMinCompressSizeBytes != nil {
		cfg.RequestMinCompressSizeBytes = *env.RequestMinCompressSizeBytes
	}
	return cfg, nil
}
