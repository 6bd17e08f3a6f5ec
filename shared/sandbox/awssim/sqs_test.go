package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func newSQS(t *testing.T, clock *testClock) (*awssim.Server, *sqs.Client, string) {
	t.Helper()
	srv, url := start(t, awssim.Options{Now: clock.Now, MaxLongPoll: 300 * time.Millisecond})
	client := sqs.NewFromConfig(sdkConfig(url, 1)) // checksum validation stays on
	out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("purge"), Attributes: map[string]string{"VisibilityTimeout": "60"}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, aws.ToString(out.QueueUrl)
}

func TestSQS_SendReceiveDeleteWithChecksums(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	srv, client, queue := newSQS(t, clock)
	if got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("purge")}); err != nil || aws.ToString(got.QueueUrl) != queue {
		t.Fatalf("GetQueueUrl = %v, %v; want %s", got, err, queue)
	}

	body := `{"tenant_id":"tenant-10","note":"日本語 ✓"}`
	sent, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(queue), MessageBody: aws.String(body),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"tenant":  {DataType: aws.String("String"), StringValue: aws.String("tenant-10")},
			"attempt": {DataType: aws.String("Number"), StringValue: aws.String("1")},
			"raw":     {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		},
	})
	if err != nil {
		t.Fatalf("send (the SDK checks MD5OfMessageBody): %v", err)
	}
	// The SDK does not check attribute checksums; the receive below must at
	// least report the same one the send did.
	if len(aws.ToString(sent.MD5OfMessageAttributes)) != 32 {
		t.Errorf("MD5OfMessageAttributes = %q, want an MD5 hex digest", aws.ToString(sent.MD5OfMessageAttributes))
	}

	recv := func(vis int32) []sqstypes.Message {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queue), MaxNumberOfMessages: 10, VisibilityTimeout: vis,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"ApproximateReceiveCount"},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			t.Fatalf("receive (the SDK checks MD5OfBody): %v", err)
		}
		return out.Messages
	}
	msgs := recv(0)
	if len(msgs) != 1 || aws.ToString(msgs[0].Body) != body || msgs[0].Attributes["ApproximateReceiveCount"] != "1" ||
		aws.ToString(msgs[0].MD5OfMessageAttributes) != aws.ToString(sent.MD5OfMessageAttributes) ||
		aws.ToString(msgs[0].MessageAttributes["tenant"].StringValue) != "tenant-10" {
		t.Fatalf("received %+v", msgs)
	}
	if again := recv(0); len(again) != 0 {
		t.Errorf("in-flight message received again: %+v", again)
	}
	clock.Advance(61 * time.Second) // past the queue's 60 s visibility timeout
	msgs2 := recv(0)
	if len(msgs2) != 1 || msgs2[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %+v", msgs2)
	}
	// The first receipt handle is stale: deleting with it succeeds but keeps the message.
	if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.SQS().Messages("purge"); len(m) != 1 {
		t.Fatalf("a stale handle deleted the message: %+v", m)
	}
	if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: msgs2[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.SQS().Messages("purge"); len(m) != 0 {
		t.Errorf("messages left after delete: %+v", m)
	}
}

func TestSQS_BatchesAndQueueAttributes(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	_, client, queue := newSQS(t, clock)
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i := range 10 {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprintf("e%d", i)), MessageBody: aws.String(fmt.Sprintf("tenant-%d", i))})
	}
	entries[9].MessageBody = aws.String("bad \x01 char")
	out, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queue), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 9 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "e9" || aws.ToString(out.Failed[0].Code) != "InvalidMessageContents" {
		t.Fatalf("batch result: %d ok, failed %+v", len(out.Successful), out.Failed)
	}

	attrs := func() map[string]string {
		a, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queue), AttributeNames: []sqstypes.QueueAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return a.Attributes
	}
	if a := attrs(); a["ApproximateNumberOfMessages"] != "9" || a["VisibilityTimeout"] != "60" || a["QueueArn"] != "arn:aws:sqs:ap-northeast-1:000000000000:purge" {
		t.Errorf("attributes = %v", a)
	}
	r, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), MaxNumberOfMessages: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) != 4 {
		t.Fatalf("received %d, want 4", len(r.Messages))
	}
	if a := attrs(); a["ApproximateNumberOfMessages"] != "5" || a["ApproximateNumberOfMessagesNotVisible"] != "4" {
		t.Errorf("after receiving 4: %v", a)
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range r.Messages {
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String("junk"), ReceiptHandle: aws.String("not-a-handle")})
	d, err := client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queue), Entries: del})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Successful) != 4 || len(d.Failed) != 1 || aws.ToString(d.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("delete batch: %+v", d)
	}
	if a := attrs(); a["ApproximateNumberOfMessages"] != "5" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after deleting 4: %v", a)
	}

	// ChangeMessageVisibility to 0 makes a received message visible again.
	r, _ = client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue)})
	if _, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queue), ReceiptHandle: r.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	if a := attrs(); a["ApproximateNumberOfMessages"] != "5" {
		t.Errorf("after visibility 0: %v", a)
	}
	_, err = client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queue), ReceiptHandle: r.Messages[0].ReceiptHandle, VisibilityTimeout: 30})
	var notInflight *sqstypes.MessageNotInflight
	if !errors.As(err, &notInflight) {
		t.Errorf("changing a visible message: err = %v, want MessageNotInflight", err)
	}
}

func TestSQS_Errors(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	_, client, queue := newSQS(t, clock)
	for _, tc := range []struct {
		name string
		call func() error
		want any
		code string
	}{
		{"missing queue", func() error {
			_, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
			return err
		}, new(*sqstypes.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue"},
		{"send to missing queue", func() error {
			_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queue + "-x"), MessageBody: aws.String("x")})
			return err
		}, new(*sqstypes.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue"},
		{"queue exists with other attributes", func() error {
			_, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("purge"), Attributes: map[string]string{"VisibilityTimeout": "5"}})
			return err
		}, new(*sqstypes.QueueNameExists), "QueueAlreadyExists"},
		{"invalid receipt handle", func() error {
			_, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: aws.String("garbage")})
			return err
		}, new(*sqstypes.ReceiptHandleIsInvalid), "ReceiptHandleIsInvalid"},
		{"too many to receive", func() error {
			_, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), MaxNumberOfMessages: 11})
			return err
		}, nil, "InvalidParameterValue"},
		{"empty batch", func() error {
			_, err := client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queue), Entries: []sqstypes.DeleteMessageBatchRequestEntry{}})
			return err
		}, new(*sqstypes.EmptyBatchRequest), "AWS.SimpleQueueService.EmptyBatchRequest"},
		{"unknown attribute", func() error {
			_, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q2"), Attributes: map[string]string{"Colour": "blue"}})
			return err
		}, new(*sqstypes.InvalidAttributeName), "InvalidAttributeName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var api smithy.APIError
			if err == nil || !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
			if tc.want != nil && !errors.As(err, tc.want) {
				t.Errorf("err %v is not a %T", err, tc.want)
			}
		})
	}
}

func TestSQS_LongPollWakesOnSend(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	srv, client, queue := newSQS(t, clock)

	began := time.Now()
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); len(out.Messages) != 0 || d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("empty long poll returned %d messages after %s, want none after the 300ms cap", len(out.Messages), d)
	}

	go func() {
		time.Sleep(50 * time.Millisecond)
		srv.SQS().Seed(awssim.SQSSeed{Queues: []awssim.SQSQueueSeed{{QueueName: "purge", Messages: []awssim.SQSMessageSeed{{Body: "late"}}}}})
	}()
	out, err = client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "late" {
		t.Errorf("long poll got %+v, want the message sent while it waited", out.Messages)
	}
}

func TestSQS_RedrivesToDeadLetterQueue(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	srv, client, _ := newSQS(t, clock)
	if err := srv.SQS().CreateQueue("purge-dlq", nil); err != nil {
		t.Fatal(err)
	}
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work"), Attributes: map[string]string{
		"VisibilityTimeout": "10",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:ap-northeast-1:000000000000:purge-dlq","maxReceiveCount":"2"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	q := out.QueueUrl
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q, MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q})
		if err != nil {
			t.Fatal(err)
		}
		if want := i < 2; (len(r.Messages) == 1) != want {
			t.Fatalf("receive %d got %d messages", i+1, len(r.Messages))
		}
		clock.Advance(11 * time.Second)
	}
	if dlq, _ := srv.SQS().Messages("purge-dlq"); len(dlq) != 1 || dlq[0].Body != "poison" {
		t.Errorf("dead-letter queue = %+v, want the poison message after 2 receives", dlq)
	}
}
