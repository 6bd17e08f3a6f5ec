package scenario

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// SeedEvidence creates the evidence bucket as the stack does: versioned,
// Object Lock in compliance mode for the configured days.
func SeedEvidence(ctx context.Context, c *s3.Client, days int32) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(EvidenceBucket), ObjectLockEnabledForBucket: aws.Bool(true)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create evidence bucket: %w", err)
	}
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(EvidenceBucket), ObjectLockConfiguration: &s3types.ObjectLockConfiguration{
		ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
		Rule:              &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeCompliance, Days: aws.Int32(days)}},
	}})
	if err != nil {
		return fmt.Errorf("evidence bucket object lock: %w", err)
	}
	return nil
}
