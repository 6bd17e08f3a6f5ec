package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func sandboxCfg() aws.Config {
	return aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")}
}

// startDynalite starts dynalite for one test and returns a ledger over a
// fresh table in it.
func startDynalite(t testing.TB) (*dynamodb.Client, *notify.Ledger) {
	t.Helper()
	if testing.Short() {
		t.Skip("stand-in test; -short skips it")
	}
	p, err := sandbox.StartDynalite(context.Background())
	if err != nil {
		t.Skipf("DynamoDB stand-in unavailable: %v", err)
	}
	t.Cleanup(p.Stop)
	db := dynamodb.NewFromConfig(sandboxCfg(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(p.URL) })
	if err := notify.CreateLedgerTable(context.Background(), db, "ledger"); err != nil {
		t.Fatal(err)
	}
	return db, &notify.Ledger{DB: db, Table: "ledger", QuietPeriod: testQuiet}
}

func startSES(t testing.TB) (*sesv2.Client, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("stand-in test; -short skips it")
	}
	p, err := sandbox.StartSES(context.Background())
	if err != nil {
		t.Skipf("SES stand-in unavailable: %v", err)
	}
	t.Cleanup(p.Stop)
	return sesv2.NewFromConfig(sandboxCfg(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(p.URL) }), p.URL
}

type storedMail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
}

func storedMails(t testing.TB, url string) []storedMail {
	t.Helper()
	resp, err := http.Get(url + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Emails []storedMail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.Emails
}

func testFinding(band finding.Band, updated time.Time) finding.Finding {
	return finding.Finding{ID: "f-1", Source: finding.SourceGuardDuty, Type: "Backdoor:EC2/C&CActivity.B", Band: band, Severity: 5, Detected: detectedMalware, Updated: updated, Count: 1}
}

func TestLedger_Dynalite(t *testing.T) {
	ctx := context.Background()
	_, l := startDynalite(t)
	now := detectedMalware.Add(time.Minute)
	claim := func(band finding.Band, at time.Time) (notify.Claim, notify.Decision) {
		t.Helper()
		c, d, err := l.Claim(ctx, testFinding(band, at), "tenant-1", at)
		if err != nil {
			t.Fatal(err)
		}
		return c, d
	}

	c1, d := claim(finding.Medium, now)
	if !d.Due || c1.Kind != notify.KindFirst || c1.Seq != 1 {
		t.Fatalf("first claim: %+v %+v", c1, d)
	}
	e, _ := l.Get(ctx, "f-1", "tenant-1")
	if e.Band != finding.Medium || e.Seq != 1 || !e.Detected.Equal(detectedMalware) || !e.Queued.Equal(now) || e.Type != "Backdoor:EC2/C&CActivity.B" || e.Count != 1 {
		t.Errorf("entry after first claim: %+v", e)
	}
	if _, d := claim(finding.Medium, now.Add(time.Hour)); d.Due {
		t.Errorf("same band within the quiet period claimed again")
	}
	if _, d := claim(finding.Low, now.Add(time.Hour)); d.Due {
		t.Errorf("a lower band claimed")
	}

	// Send notice #1: lease, one group, sent.
	st, _, err := l.BeginSend(ctx, "f-1", "tenant-1", 1, now.Add(time.Minute))
	if err != nil || st != notify.SendGo {
		t.Fatalf("begin send: %s %v", st, err)
	}
	if st, e, _ := l.BeginSend(ctx, "f-1", "tenant-1", 1, now.Add(2*time.Minute)); st != notify.SendBusy || e.Sending.IsZero() {
		t.Errorf("second sender within the lease: %s, want busy", st)
	}
	if err := l.MarkGroupSent(ctx, "f-1", "tenant-1", 1, "group-a", "ses-1"); err != nil {
		t.Fatal(err)
	}
	// The lease expires (the first sender died); a redelivery resumes and
	// sees the group already mailed.
	st, e, err = l.BeginSend(ctx, "f-1", "tenant-1", 1, now.Add(time.Minute+notify.DefaultSendLease))
	if err != nil || st != notify.SendGo || !slices.Equal(e.SentGroups, []string{"group-a"}) {
		t.Fatalf("resume after lease expiry: %s %+v %v", st, e, err)
	}
	sent := now.Add(5 * time.Minute)
	if err := l.MarkSent(ctx, "f-1", "tenant-1", 1, sent, []string{"ses-1", "ses-2"}); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSent(ctx, "f-1", "tenant-1", 1, sent, nil); err == nil {
		t.Errorf("marking a sent notice sent again succeeded")
	}
	e, _ = l.Get(ctx, "f-1", "tenant-1")
	if !e.Sent.Equal(sent) || !e.Sending.IsZero() || !slices.Equal(e.MessageIDs, []string{"ses-1"}) {
		t.Errorf("entry after send: %+v", e)
	}
	if st, _, _ := l.BeginSend(ctx, "f-1", "tenant-1", 1, sent.Add(time.Hour)); st != notify.SendDone {
		t.Errorf("redelivered sent notice: %s, want already-sent", st)
	}

	// Upgrade, released (queueing failed), claimed again.
	up := now.Add(2 * time.Hour)
	c2, d := claim(finding.High, up)
	if !d.Due || c2.Kind != notify.KindUpgrade || c2.Seq != 2 {
		t.Fatalf("upgrade claim: %+v %+v", c2, d)
	}
	if e, _ := l.Get(ctx, "f-1", "tenant-1"); !e.Sent.IsZero() || e.SentGroups != nil {
		t.Errorf("a new claim keeps the last notice's send state: %+v", e)
	}
	if st, _, _ := l.BeginSend(ctx, "f-1", "tenant-1", 1, up); st != notify.SendSuperseded {
		t.Errorf("old notice after upgrade: %s, want superseded", st)
	}
	if err := l.Release(ctx, c2); err != nil {
		t.Fatal(err)
	}
	e, _ = l.Get(ctx, "f-1", "tenant-1")
	if e.Seq != 1 || e.Band != finding.Medium || !e.Sent.Equal(sent) {
		t.Errorf("release did not restore the entry: %+v", e)
	}
	if c, d := claim(finding.High, up.Add(time.Minute)); !d.Due || c.Seq != 2 || c.Kind != notify.KindUpgrade {
		t.Errorf("claim after release: %+v %+v", c, d)
	}

	// Reminder after the quiet period, at the same band.
	if c, d := claim(finding.High, up.Add(time.Minute+testQuiet)); !d.Due || c.Kind != notify.KindReminder || c.Seq != 3 {
		t.Errorf("reminder: %+v %+v", c, d)
	}

	// Releasing a first claim leaves nothing that blocks the next one.
	f2 := testFinding(finding.High, now)
	f2.ID = "f-2"
	c, _, err := l.Claim(ctx, f2, "tenant-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c, d, _ := l.Claim(ctx, f2, "tenant-1", now.Add(time.Second)); !d.Due || c.Seq != 1 || c.Kind != notify.KindFirst {
		t.Errorf("claim after releasing a first claim: %+v %+v", c, d)
	}
}

func TestLedger_DynaliteConcurrentDeliveriesClaimOneNotice(t *testing.T) {
	ctx := context.Background()
	_, l := startDynalite(t)
	const deliveries = 8
	for round, band := range []finding.Band{finding.Medium, finding.Critical} {
		at := detectedMalware.Add(time.Duration(round+1) * time.Minute)
		f := testFinding(band, at)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var claims []notify.Claim
		start := make(chan struct{})
		for i := range deliveries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, d, err := l.Claim(ctx, f, "tenant-1", at.Add(time.Duration(i)*time.Millisecond))
				if err != nil {
					t.Error(err)
					return
				}
				if d.Due {
					mu.Lock()
					claims = append(claims, c)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(claims) != 1 || claims[0].Seq != round+1 {
			t.Errorf("%s: %d concurrent deliveries claimed %+v, want exactly one notice #%d", band, deliveries, claims, round+1)
		}
	}
}

// TestNotifier_SandboxEndToEnd runs the handler against dynalite (ledger)
// and aws-ses-v2-local (mail), with SQS and SNS faked: a GuardDuty finding
// on tenant-1's instance produces one correct bilingual e-mail per contact
// group and one ops message; a duplicate delivery produces nothing more; the
// latency is recorded.
func TestNotifier_SandboxEndToEnd(t *testing.T) {
	_, ledger := startDynalite(t)
	mail, sesURL := startSES(t)
	r := newRig(t, detectedMalware.Add(3*time.Minute))
	r.n.Ledger, r.n.Mail = ledger, mail
	r.dir.set("tenant-1", func(t *notify.Tenant) { t.Contacts = t.Contacts[:2] }) // the Tokyo pair

	r.event(t, malware(t))
	batch := r.queue.take()
	r.now = r.now.Add(2 * time.Minute)
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	// Duplicates: the event again, and the queue message again.
	r.now = r.now.Add(time.Minute)
	if res := r.event(t, malware(t)); len(res.Queued) != 0 || res.Ops != "suppressed" {
		t.Errorf("duplicate event: %+v", res)
	}
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}

	mails := storedMails(t, sesURL)
	if len(mails) != 1 {
		t.Fatalf("stand-in holds %d e-mails, want 1", len(mails))
	}
	m := mails[0]
	if !slices.Equal(m.Destination.To, []string{emailA, emailB}) || m.From != "security@pledge.example" {
		t.Errorf("mail from %s to %v", m.From, m.Destination.To)
	}
	if want := "【セキュリティに関するお知らせ／重要度: 高】"; !strings.HasPrefix(m.Subject, want) || !strings.Contains(m.Subject, "[Security notice / severity: High]") {
		t.Errorf("subject %q: want Japanese then English", m.Subject)
	}
	ja, en := strings.Index(m.Body.Text, "株式会社tenant-1 ご担当者様"), strings.Index(m.Body.Text, "Dear 株式会社tenant-1,")
	if ja < 0 || en < 0 || ja > en {
		t.Errorf("text body is not Japanese first, then English:\n%s", m.Body.Text)
	}
	for _, want := range []string{"2026-11-22 11:11 JST (UTC+09:00)", malwareID, "i-0"} {
		if !strings.Contains(m.Body.Text, want) {
			t.Errorf("text body lacks %q", want)
		}
	}
	if !strings.Contains(m.Body.HTML, "<html") || !strings.Contains(m.Body.HTML, malwareID) {
		t.Errorf("HTML body is not the rendered notice")
	}
	if r.topic.count() != 1 {
		t.Errorf("ops messages = %d, want 1", r.topic.count())
	}
	e, err := ledger.Get(context.Background(), malwareID, "tenant-1")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Sent.Equal(detectedMalware.Add(5*time.Minute)) || !slices.Equal(e.MessageIDs, []string{m.MessageID}) {
		t.Errorf("ledger sent %s ids %v; want the send time and SES's id %s", e.Sent, e.MessageIDs, m.MessageID)
	}
	if got := r.metricValues(t, "NoticeLatencySeconds", nil); !slices.Equal(got, []float64{(5 * time.Minute).Seconds()}) {
		t.Errorf("NoticeLatencySeconds = %v, want [300]", got)
	}
	rec := r.ev.notices()[0].Body.(*notify.NoticeRecord)
	if rec.MessageIDs[0] != m.MessageID || !slices.Equal(rec.Recipients, []string{notify.HashEmail(emailA), notify.HashEmail(emailB)}) {
		t.Errorf("evidence %+v", rec)
	}
}

func ExampleHashEmail() {
	fmt.Println(notify.HashEmail(" Security@Example.co.jp"))
	// Output: 21beeba5bf4e145dafe5c7e0304d4a401b79abc29c42de4ad9ea30df2df03a58
}

// TestNotifier_SandboxWithAWSSim is the sandbox scenario with every AWS call
// real on the wire: ledger in dynalite, mail in aws-ses-v2-local, notice
// queue and ops topic in awssim, reached through the SDK clients the Lambda
// uses. The notice travels through the queue as Lambda's event source
// mapping would carry it (receive, handle, delete what did not fail).
func TestNotifier_SandboxWithAWSSim(t *testing.T) {
	ctx := context.Background()
	_, ledger := startDynalite(t)
	mail, sesURL := startSES(t)
	sim := awssim.New(awssim.Options{})
	base, stop, err := sim.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if err := sim.SNS().Seed(awssim.SNSSeed{Topics: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	cfg := sandboxCfg()
	cfg.HTTPClient = &http.Client{Transport: awssim.BufferingTransport{}}
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(base) })
	topic := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(base) })
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("notices")})
	if err != nil {
		t.Fatal(err)
	}

	r := newRig(t, detectedMalware.Add(3*time.Minute))
	r.n.Ledger, r.n.Mail, r.n.Queue, r.n.QueueURL, r.n.Ops = ledger, mail, q, aws.ToString(created.QueueUrl), topic
	r.dir.set("tenant-1", func(t *notify.Tenant) { t.Contacts = t.Contacts[2:] }) // the Los Angeles contact

	// receive plays Lambda's event source mapping once.
	receive := func() int {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), EventSource: "aws:sqs"})
		}
		if len(ev.Records) == 0 {
			return 0
		}
		resp := r.batch(t, ev)
		for _, rec := range ev.Records {
			if slices.ContainsFunc(resp.BatchItemFailures, func(f events.SQSBatchItemFailure) bool { return f.ItemIdentifier == rec.MessageId }) {
				continue
			}
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: created.QueueUrl, ReceiptHandle: aws.String(rec.ReceiptHandle)}); err != nil {
				t.Fatal(err)
			}
		}
		return len(ev.Records)
	}

	r.event(t, malware(t))
	r.event(t, malware(t)) // EventBridge's duplicate delivery
	if msgs, _ := sim.SQS().Messages("notices"); len(msgs) != 1 {
		t.Fatalf("queue holds %d messages, want 1", len(msgs))
	}
	r.now = r.now.Add(time.Minute)
	if n := receive(); n != 1 {
		t.Fatalf("received %d, want 1", n)
	}
	if msgs, _ := sim.SQS().Messages("notices"); len(msgs) != 0 {
		t.Errorf("queue still holds %d messages after a successful send", len(msgs))
	}
	ops := sim.SNS().Messages()
	if len(ops) != 1 || !strings.Contains(ops[0].Message, `"tenantsConcerned": [`) || strings.Contains(ops[0].Message, "@") {
		t.Fatalf("ops messages %+v, want one without addresses", ops)
	}
	mails := storedMails(t, sesURL)
	if len(mails) != 1 || !slices.Equal(mails[0].Destination.To, []string{emailC}) {
		t.Fatalf("mails %+v, want one to the Los Angeles contact", mails)
	}
	if !strings.HasPrefix(mails[0].Subject, "[Security notice / severity: High]") || !strings.Contains(mails[0].Body.Text, "2026-11-21 18:11 PST (UTC-08:00)") {
		t.Errorf("English-first notice in Pacific time expected; subject %q", mails[0].Subject)
	}
	if got := sim.Count("sqs", "SendMessageBatch"); got != 1 {
		t.Errorf("SendMessageBatch calls = %d, want 1 (the duplicate queued nothing)", got)
	}
}
