package awssim_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// TestServer_EC2QueryProtocol proves the ec2query encoding a future ec2.go
// relies on: results without a Result wrapper, errors in <Response><Errors>.
func TestServer_EC2QueryProtocol(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	type region struct {
		RegionName     string `xml:"regionName"`
		RegionEndpoint string `xml:"regionEndpoint"`
		OptInStatus    string `xml:"optInStatus"`
	}
	srv.Register(&awssim.Service{
		Name: "ec2", Protocol: awssim.ProtocolEC2Query, XMLNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
		Operations: map[string]awssim.Handler{
			"DescribeRegions": func(c *awssim.Call) (any, error) {
				return struct {
					Regions []region `xml:"regionInfo>item"`
				}{[]region{{"ap-northeast-1", "ec2.ap-northeast-1.amazonaws.com", "opt-in-not-required"}}}, nil
			},
		},
	})
	client := ec2.NewFromConfig(sdkConfig(url, 1))
	out, err := client.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Regions) != 1 || aws.ToString(out.Regions[0].RegionName) != "ap-northeast-1" {
		t.Errorf("regions = %+v", out.Regions)
	}
	if err := srv.SetFault(awssim.Fault{Service: "ec2", Kind: awssim.FaultAccessDenied}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "UnauthorizedOperation" {
		t.Errorf("err = %v, want UnauthorizedOperation", err)
	}
}

// TestServer_EndpointVariables reaches every service the way the functions
// do: the SDK's default configuration with AWS_ENDPOINT_URL_<SERVICE>.
func TestServer_EndpointVariables(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	for _, v := range []string{"RDS", "STS", "SNS", "SQS", "KMS"} {
		t.Setenv("AWS_ENDPOINT_URL_"+v, url)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "ap-northeast-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_CA_BUNDLE", "")
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = awssim.HTTPClient(cfg.HTTPClient)
	if _, ok := cfg.HTTPClient.(*http.Client).Transport.(awssim.BufferingTransport).Base.(*http.Transport); !ok {
		t.Errorf("HTTPClient should keep the SDK's own transport underneath")
	}
	if err := srv.SNS().Seed(awssim.SNSSeed{Topics: []string{awssim.SNSAnyTopic}}); err != nil {
		t.Fatal(err)
	}
	calls := []func() error{
		func() error {
			_, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
			return err
		},
		func() error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
		func() error {
			_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(opsTopic), Message: aws.String("m")})
			return err
		},
		func() error {
			_, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("notices")})
			return err
		},
		func() error { _, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{}); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	want := []string{"rds:DescribeDBInstances", "sts:GetCallerIdentity", "sns:Publish", "sqs:CreateQueue", "kms:ListKeys"}
	counts := srv.Counts()
	for _, k := range want {
		if counts[k] != 1 {
			t.Errorf("counts = %v, want one %s", counts, k)
		}
	}
}
