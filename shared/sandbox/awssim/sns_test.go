package awssim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

const opsTopic = "arn:aws:sns:ap-northeast-1:000000000000:pledge-ops"

func TestSNS_PublishRecordsMessages(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	if err := srv.SNS().Seed(awssim.SNSSeed{Topics: []string{opsTopic}}); err != nil {
		t.Fatal(err)
	}
	client := sns.NewFromConfig(sdkConfig(url, 1))
	out, err := client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(opsTopic), Subject: aws.String("検証結果が変わりました"), Message: aws.String("encryption check failed\nline 2 & <xml>"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"severity": {DataType: aws.String("String"), StringValue: aws.String("high")},
			"blob":     {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.SNS().Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %+v, want one", msgs)
	}
	m := msgs[0]
	if m.MessageId != aws.ToString(out.MessageId) || m.TopicArn != opsTopic || m.Subject != "検証結果が変わりました" ||
		m.Message != "encryption check failed\nline 2 & <xml>" || m.MessageAttributes["severity"].StringValue != "high" ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x00\x01\x02" {
		t.Errorf("recorded %+v", m)
	}

	for _, tc := range []struct {
		name string
		in   *sns.PublishInput
		want any
		code string
	}{
		{"unknown topic", &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:ap-northeast-1:000000000000:other"), Message: aws.String("x")}, new(*snstypes.NotFoundException), "NotFound"},
		{"empty message", &sns.PublishInput{TopicArn: aws.String(opsTopic), Message: aws.String("")}, new(*snstypes.InvalidParameterException), "InvalidParameter"},
		{"subject too long", &sns.PublishInput{TopicArn: aws.String(opsTopic), Message: aws.String("x"), Subject: aws.String(string(make([]byte, 101)))}, new(*snstypes.InvalidParameterException), "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.Publish(ctx, tc.in)
			var api smithy.APIError
			if !errors.As(err, tc.want) || !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
	if n := len(srv.SNS().Messages()); n != 1 {
		t.Errorf("failed publishes recorded messages: %d", n)
	}

	if err := srv.SNS().Seed(awssim.SNSSeed{Topics: []string{awssim.SNSAnyTopic}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:ap-northeast-1:000000000000:other"), Message: aws.String("x")}); err != nil {
		t.Errorf("with \"*\" seeded any topic should be accepted: %v", err)
	}
	if err := srv.SNS().Seed(awssim.SNSSeed{Topics: []string{"pledge-ops"}}); err == nil {
		t.Error("seeding a topic name that is not an ARN should fail")
	}
}
