// Package awsconfig provides the AWS SDK configuration every function uses.
//
// Credentials, region and endpoints come from the standard SDK environment
// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), so
// the same binary talks to AWS in Lambda, to an account from a laptop, or to
// the sandbox's local stand-ins, without a code change. Calls are retried by
// the SDK's standard retryer, which backs off on throttling and 5xx errors:
// as AWS_MAX_ATTEMPTS / AWS_RETRY_MODE or the profile's max_attempts /
// retry_mode say when any of them is set, otherwise with Pledge's default
// of MaxAttempts tries and at most MaxBackoff between them.
// When an endpoint is set for S3, clients use path-style addressing, which
// local stand-ins need; when any endpoint is set, small request bodies are
// buffered (BufferingTransport) to avoid an SDK race that only a server on
// loopback exposes.
//
// The Lambda build (tag pledge_lambda, set by make build) reads credentials
// only from the environment Lambda provides (FromEnvironment); other builds
// use the SDK's whole default chain (profiles, SSO, assume-role, ...).
package awsconfig
