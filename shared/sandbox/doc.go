// Package sandbox provides local stand-ins for AWS so the functions' real
// binaries can run end to end without an account: MinIO for S3, dynalite for
// DynamoDB, aws-ses-v2-local for SES v2, and Pledge's own control-plane
// simulator (package awssim) for RDS, EC2, SSM, KMS, GuardDuty, CloudTrail,
// ELBv2, STS, SNS and SQS.
//
// Rules:
//   - Every stand-in binds 127.0.0.1 on a free port and runs in its own
//     process group, killed when the sandbox stops or its parent dies.
//   - The functions reach the stand-ins only through the standard
//     AWS_ENDPOINT_URL_<SERVICE> variables (Env), never through code paths
//     of their own.
//   - A stand-in that cannot start is an error that names it and says why
//     (typically: run `make tools`); nothing is skipped silently.
//
// Package scenario seeds the sandbox's world; package proof runs it under a
// seed operator's ready profile and proves each promise the profile keeps.
package sandbox
