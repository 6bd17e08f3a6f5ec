//go:build !pledge_lambda

package awsconfig

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// loadBase, outside the Lambda build, follows the SDK's whole default chain
// (environment, profiles, SSO, assume-role, instance metadata, ...), so a
// local run can use AWS_PROFILE.
func loadBase(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}
