package main_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

const opsTopic = "arn:aws:sns:ap-northeast-1:000000000000:pledge-ops"

type world struct {
	sb       *sandbox.Sandbox
	bin      string
	env      []string
	queue    *sqs.Client
	queueURL string
}

// setup starts the sandbox and seeds what the stack would create: the
// tenant registry with tenant-1 registered (events/tenant-registered.json),
// the ledger, the evidence bucket, the notice queue and the ops topic.
func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	sb := sandboxtest.Start(t, sandbox.Options{})
	awsCfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""),
		HTTPClient: &http.Client{Transport: awssim.BufferingTransport{}}}
	cfg := scenario.Config()

	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(sb.DynamoDB.URL) })
	if err := tenant.CreateTable(ctx, db, "tenants"); err != nil {
		t.Fatal(err)
	}
	if err := notify.CreateLedgerTable(ctx, db, "ledger"); err != nil {
		t.Fatal(err)
	}
	reg, err := tenant.New(db, "tenants", cfg.Tenants)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../events/tenant-registered.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := tenant.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Apply(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := scenario.SeedEvidence(ctx, sandboxtest.S3(sb), 1); err != nil {
		t.Fatal(err)
	}
	if err := sb.Sim.SNS().Seed(awssim.SNSSeed{Topics: []string{opsTopic}}); err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(sb.SimURL) })
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("notices")})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(created.QueueUrl)
	return &world{
		sb: sb, bin: sandboxtest.Build(t, "finding-notifier"), queue: q, queueURL: url,
		env: []string{
			sandboxtest.ConfigEnv(cfg.Only(config.SectionNotifications, config.SectionTenants)),
			"PLEDGE_REGISTRY_TABLE=tenants", "PLEDGE_LEDGER_TABLE=ledger", "PLEDGE_NOTICE_QUEUE_URL=" + url,
			"PLEDGE_OPS_TOPIC_ARN=" + opsTopic, "PLEDGE_EVIDENCE_BUCKET=" + scenario.EvidenceBucket,
		},
	}
}

func (w *world) invoke(t *testing.T, v any, args ...string) sandboxtest.Result {
	t.Helper()
	r := sandboxtest.Invoke(t, w.sb, w.bin, w.env, append([]string{"invoke"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	r.Decode(t, v)
	if strings.Contains(r.Stderr, "@tenant-1.example") {
		t.Errorf("logs carry a tenant's address:\n%s", r.Stderr)
	}
	return r
}

// receive takes the queue's messages as Lambda's event source mapping
// would, and writes them as an SQS event file.
func (w *world) receive(t *testing.T) (string, int) {
	t.Helper()
	out, err := w.queue.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(w.queueURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), EventSource: "aws:sqs"})
	}
	b, _ := json.Marshal(ev)
	f := filepath.Join(t.TempDir(), "batch.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f, len(ev.Records)
}

func TestFindingNotifier_Sandbox(t *testing.T) {
	w := setup(t)

	// Without -event: a GuardDuty sample finding, which reaches ops only.
	var sample notify.EventResult
	w.invoke(t, &sample)
	if sample.Outcome != notify.OutcomeAccepted || sample.Route == nil || !sample.Route.OpsOnly || sample.Ops != "published" {
		t.Fatalf("default event: %+v", sample)
	}

	// A malware finding on tenant-1's instance, delivered twice.
	const finding = "../../events/guardduty-ec2-malicious-file.json"
	var first, again notify.EventResult
	w.invoke(t, &first, "-event", finding, "-now", "2026-11-22T02:15:00Z")
	w.invoke(t, &again, "-event", finding, "-now", "2026-11-22T02:16:00Z")
	if len(first.Queued) != 1 || first.Queued[0].TenantID != "tenant-1" || len(again.Queued) != 0 || again.Ops != "suppressed" {
		t.Fatalf("first %+v, again %+v: want one notice for tenant-1, then nothing", first, again)
	}
	if ops := w.sb.Sim.SNS().Messages(); len(ops) != 2 {
		t.Errorf("ops messages = %d, want 2 (sample and finding)", len(ops))
	}

	// The queue's batch, handled as Lambda would deliver it.
	batch, n := w.receive(t)
	if n != 1 {
		t.Fatalf("queue held %d messages, want 1", n)
	}
	var resp events.SQSEventResponse
	r := w.invoke(t, &resp, "-event", batch, "-now", "2026-11-22T02:20:00Z")
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v:\n%s", resp.BatchItemFailures, r.Stderr)
	}
	if !strings.Contains(r.Stderr, `"NoticeLatencySeconds"`) || !strings.Contains(r.Stderr, `"NoticesSent":1`) {
		t.Errorf("no latency / sent metrics in:\n%s", r.Stderr)
	}
	// Redelivered: nothing more.
	w.invoke(t, &resp, "-event", batch, "-now", "2026-11-22T02:21:00Z")

	res, err := http.Get(w.sb.SES.URL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var store struct {
		Emails []struct {
			Destination struct{ To []string } `json:"destination"`
			Subject     string                `json:"subject"`
		} `json:"emails"`
	}
	if err := json.NewDecoder(res.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range store.Emails {
		to = append(to, m.Destination.To...)
	}
	slices.Sort(to)
	if want := []string{"it-ops@tenant-1.example.com", "security@tenant-1.example.jp"}; !slices.Equal(to, want) || len(store.Emails) != 2 {
		t.Fatalf("mails to %v (%d), want one each to %v", to, len(store.Emails), want)
	}

	objs, err := sandboxtest.S3(w.sb).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String("notice/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) != 1 {
		t.Fatalf("notice evidence objects = %d, want 1", len(objs.Contents))
	}
	obj, err := sandboxtest.S3(w.sb).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: objs.Contents[0].Key})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if strings.Contains(string(body), "@") || !strings.Contains(string(body), notify.HashEmail("security@tenant-1.example.jp")) || !strings.Contains(string(body), `"within_promise": true`) {
		t.Errorf("evidence record:\n%s", body)
	}
}
