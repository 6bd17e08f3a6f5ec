package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/sandbox"
)

func awsCfg() aws.Config {
	return aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")}
}

// TestStandIns starts each stand-in, talks to it with the real SDK, and
// stops it.
func TestStandIns(t *testing.T) {
	ctx := context.Background()
	t.Run("MinIO", func(t *testing.T) {
		p, err := sandbox.StartMinIO(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
		c := s3.NewFromConfig(awsCfg(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL); o.UsePathStyle = true })
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("locked")})
		if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
			t.Errorf("object-lock bucket versioning = %v, %v; want Enabled", v, err)
		}
		if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("locked"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(sandbox.MinIOKMSKey)}}}}}); err != nil {
			t.Errorf("bucket encryption needs MinIO's KMS key: %v", err)
		}
	})
	t.Run("dynalite", func(t *testing.T) {
		p, err := sandbox.StartDynalite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
		c := dynamodb.NewFromConfig(awsCfg(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(p.URL) })
		if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("SES", func(t *testing.T) {
		p, err := sandbox.StartSES(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(p.URL + "/store")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		p.Stop()
		if _, err := http.Get(p.URL + "/store"); err == nil {
			t.Error("SES stand-in still answers after Stop")
		}
	})
}

func TestTool_MissingNamesFix(t *testing.T) {
	_, err := sandbox.Tool("no-such-tool")
	if err == nil || !strings.Contains(err.Error(), "run `make tools`") {
		t.Errorf("got %v", err)
	}
}
