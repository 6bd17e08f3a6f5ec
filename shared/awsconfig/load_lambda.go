//go:build pledge_lambda

package awsconfig

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// loadBase, in the Lambda build, reads only what Lambda provides: see
// FromEnvironment.
func loadBase(ctx context.Context) (aws.Config, error) {
	return FromEnvironment(ctx)
}
