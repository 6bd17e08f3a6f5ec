package awssim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// The reads preflight makes, through the real SDK clients.

func TestSES_AccountAndIdentities(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	c := sesv2.NewFromConfig(sdkConfig(url, 1))
	ctx := context.Background()
	acct, err := c.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if acct.ProductionAccessEnabled || !acct.SendingEnabled || acct.SendQuota.MaxSendRate != 1 {
		t.Errorf("a new account: production %v sending %v rate %v, want the SES sandbox", acct.ProductionAccessEnabled, acct.SendingEnabled, acct.SendQuota.MaxSendRate)
	}
	if err := srv.SES().Seed(awssim.SESSeed{ProductionAccessEnabled: aws.Bool(true), MaxSendRate: aws.Float64(14),
		Identities: []awssim.SESIdentity{{Name: "example.co.jp", Verified: true}, {Name: "new@example.org"}}}); err != nil {
		t.Fatal(err)
	}
	acct, err = c.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil || !acct.ProductionAccessEnabled || acct.SendQuota.MaxSendRate != 14 {
		t.Errorf("after seeding: %+v %v", acct, err)
	}
	id, err := c.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.co.jp")})
	if err != nil || !id.VerifiedForSendingStatus || id.IdentityType != sestypes.IdentityTypeDomain {
		t.Errorf("domain identity: %+v %v", id, err)
	}
	id, err = c.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("new@example.org")})
	if err != nil || id.VerifiedForSendingStatus || id.IdentityType != sestypes.IdentityTypeEmailAddress {
		t.Errorf("pending address: %+v %v", id, err)
	}
	_, err = c.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("nobody@example.net")})
	var nf *sestypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown identity: %v, want NotFoundException", err)
	}
}

func TestCloudTrail_GetEventSelectors(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	if err := srv.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{
		{Name: "org", S3BucketName: "b", IsMultiRegionTrail: true},
		{Name: "data-only", S3BucketName: "b", EventSelectors: []awssim.CloudTrailEventSelector{{ReadWriteType: "All"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	c := cloudtrail.NewFromConfig(sdkConfig(url, 1))
	for name, want := range map[string]bool{"org": true, "data-only": false} {
		out, err := c.GetEventSelectors(context.Background(), &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.EventSelectors) != 1 || aws.ToBool(out.EventSelectors[0].IncludeManagementEvents) != want {
			t.Errorf("%s: selectors %+v, want management events %v", name, out.EventSelectors, want)
		}
	}
	if _, err := c.GetEventSelectors(context.Background(), &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("nope")}); err == nil {
		t.Error("an unknown trail has selectors")
	}
}

func TestSNS_GetTopicAttributesCountsSubscriptions(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	const topic = "arn:aws:sns:ap-northeast-1:000000000000:ops"
	if err := srv.SNS().Seed(awssim.SNSSeed{Topics: []string{topic}, Subscriptions: []awssim.SNSSubscription{
		{TopicArn: topic, Protocol: "email", Endpoint: "a@example.com"}, {TopicArn: topic, Protocol: "email", Endpoint: "b@example.com", Pending: true},
	}}); err != nil {
		t.Fatal(err)
	}
	c := sns.NewFromConfig(sdkConfig(url, 1))
	out, err := c.GetTopicAttributes(context.Background(), &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attributes["SubscriptionsConfirmed"] != "1" || out.Attributes["SubscriptionsPending"] != "1" || out.Attributes["TopicArn"] != topic {
		t.Errorf("attributes %v", out.Attributes)
	}
	if _, err := c.GetTopicAttributes(context.Background(), &sns.GetTopicAttributesInput{TopicArn: aws.String(topic + "-x")}); err == nil {
		t.Error("an unknown topic has attributes")
	}
}

func TestLambda_GetAccountSettings(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	c := lambda.NewFromConfig(sdkConfig(url, 1))
	out, err := c.GetAccountSettings(context.Background(), &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.AccountLimit.ConcurrentExecutions != 1000 || aws.ToInt32(out.AccountLimit.UnreservedConcurrentExecutions) != 1000 {
		t.Errorf("default limits %+v", out.AccountLimit)
	}
	if err := srv.Lambda().Seed(awssim.LambdaSeed{ConcurrentExecutions: 10, ReservedConcurrentExecutions: 0}); err != nil {
		t.Fatal(err)
	}
	out, err = c.GetAccountSettings(context.Background(), &lambda.GetAccountSettingsInput{})
	if err != nil || out.AccountLimit.ConcurrentExecutions != 10 {
		t.Errorf("a new account's quota: %+v %v", out, err)
	}
}
