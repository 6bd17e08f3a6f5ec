package awssim_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// FuzzServer_Request sends arbitrary requests: the simulator must answer
// every one with a well-formed AWS error or result, never panic or hang.
func FuzzServer_Request(f *testing.F) {
	seeds := []struct{ service, target, body string }{
		{"rds", "", "Action=DescribeDBSnapshots&Version=2014-10-31&MaxRecords=20&Marker=abc"},
		{"rds", "", "Action=CreateDBSnapshot&DBInstanceIdentifier=orders&DBSnapshotIdentifier=s1&Tags.Tag.1.Key=k&Tags.Tag.1.Value=v"},
		{"rds", "", "Action=DescribeDBInstances&Filters.Filter.1.Name=db-cluster-id&Filters.Filter.1.Values.Value.1=x"},
		{"rds", "", "Action=AddTagsToResource&ResourceName=arn:aws:rds:ap-northeast-1:0:snapshot:s1"},
		{"sns", "", "Action=Publish&TopicArn=arn:aws:sns:ap-northeast-1:000000000000:t&Message=m&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.BinaryValue=%%%"},
		{"sts", "", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"sqs", "AmazonSQS.SendMessage", `{"QueueUrl":"http://x/000000000000/q","MessageBody":"hi","MessageAttributes":{"a":{"DataType":"Binary"}}}`},
		{"sqs", "AmazonSQS.CreateQueue", `{"QueueName":"q","Attributes":{"RedrivePolicy":"{\"deadLetterTargetArn\":\"x\",\"maxReceiveCount\":1}"}}`},
		{"sqs", "AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://x/000000000000/q","MaxNumberOfMessages":10,"WaitTimeSeconds":0}`},
		{"sqs", "AmazonSQS.DeleteMessageBatch", `{"QueueUrl":"http://x/000000000000/q","Entries":[{"Id":"a","ReceiptHandle":"cQBhAGI"}]}`},
		{"kms", "TrentService.Sign", `{"KeyId":"alias/x","Message":"aGk=","SigningAlgorithm":"ECDSA_SHA_256"}`},
		{"kms", "TrentService.ListKeys", `{"Limit":0,"Marker":"zz"}`},
		{"kms", "TrentService.CreateKey", `{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}`},
	}
	for _, s := range seeds {
		f.Add(s.service, s.target, s.body)
	}
	f.Fuzz(func(t *testing.T, service, target, body string) {
		srv := awssim.New(awssim.Options{MaxLongPoll: 1})
		if err := srv.SQS().CreateQueue("q", nil); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261120/ap-northeast-1/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code >= 600 || rec.Code == http.StatusOK && rec.Body.Len() == 0 {
			t.Errorf("status %d body %q", rec.Code, rec.Body.String())
		}
	})
}
