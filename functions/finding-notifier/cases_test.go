package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// TestFindingNotifier_SandboxCases runs the demo's notifier cases
// (scenario.NoticeCases) through the binary against the stand-ins and the
// simulator: an unrouted finding reaches ops only, a tag looked up with
// ec2:DescribeTags places one with its tenant alone, 50 identical calls are
// one notice per tenant that says 50, a finding from 2024 is notified and
// marked late, and operator 003's business-hours deadlines come out as the
// issue states them. Then the notices are sent and read.
func TestFindingNotifier_SandboxCases(t *testing.T) {
	ctx := context.Background()
	sb := sandboxtest.Start(t, sandbox.Options{})
	cfg := scenario.Config()
	now := time.Now()
	s3c := s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")},
		func(o *s3.Options) { o.BaseEndpoint = aws.String(sb.S3.URL); o.UsePathStyle = true })
	if err := scenario.SeedEvidence(ctx, s3c, 1); err != nil {
		t.Fatal(err)
	}
	tw, err := scenario.SeedTenants(ctx, scenario.DepsFor(sb), now, scenario.DefaultTenantShape)
	if err != nil {
		t.Fatal(err)
	}
	nw, err := scenario.SeedNotices(ctx, scenario.DepsFor(sb))
	if err != nil {
		t.Fatal(err)
	}
	bin := sandboxtest.Build(t, "finding-notifier")
	env := append(append(tw.Env(), nw.Env()...), "PLEDGE_EVIDENCE_BUCKET="+scenario.EvidenceBucket,
		sandboxtest.ConfigEnv(cfg.Only(config.SectionNotifications, config.SectionTenants)))
	invoke := func(t *testing.T, v any, args ...string) {
		t.Helper()
		r := sandboxtest.Invoke(t, sb, bin, env, append([]string{"invoke"}, args...)...)
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		r.Decode(t, v)
	}
	dir := t.TempDir()
	for _, c := range scenario.NoticeCases {
		t.Run(c.Name, func(t *testing.T) {
			ds, err := c.Deliveries("../../events", now)
			if err != nil {
				t.Fatal(err)
			}
			var args []string
			if c.Deadline != nil {
				cc := cfg
				cc.Notifications.NoticeHours, cc.Notifications.Deadline = 0, c.Deadline
				file := filepath.Join(dir, c.Name+"-config.json")
				if err := os.WriteFile(file, []byte(cc.Encode()), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-config", file)
			}
			var rs []notify.EventResult
			for i, d := range ds {
				file := filepath.Join(dir, c.Name+"-"+string(rune('a'+i%26))+".json")
				if err := os.WriteFile(file, d.Event, 0o600); err != nil {
					t.Fatal(err)
				}
				a := append(append([]string{}, args...), "-event", file)
				if !d.Now.IsZero() {
					a = append(a, "-now", d.Now.Format(time.RFC3339))
				}
				var r notify.EventResult
				invoke(t, &r, a...)
				rs = append(rs, r)
			}
			if err := c.Check(rs); err != nil {
				t.Error(err)
			}
		})
	}

	msgs, err := sb.Sim.SQS().Messages(scenario.NoticeQueue)
	if err != nil {
		t.Fatal(err)
	}
	var batch events.SQSEvent
	for _, m := range msgs {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: m.MessageId, Body: m.Body, EventSource: "aws:sqs"})
	}
	file := filepath.Join(dir, "notices.json")
	if err := os.WriteFile(file, mustJSON(t, batch), 0o600); err != nil {
		t.Fatal(err)
	}
	var resp events.SQSEventResponse
	invoke(t, &resp, "-event", file)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	var burst, late, lookup int
	for _, m := range storedMails(t, sb) {
		for _, to := range m.Destination.To {
			if strings.Contains(m.Body.Text, "i-0d4e5f60718293a4b") && strings.Contains(m.Body.Text, "demo0lookup") && !strings.Contains(to, scenario.TenantActive+".") {
				t.Errorf("the looked-up finding reached %s", to)
			}
		}
		switch {
		case strings.Contains(m.Body.Text, "この事象は 50 回観測されています"):
			burst++
		case strings.Contains(m.Body.Text, "弊社の監視に届いたのは"):
			late++
		case strings.Contains(m.Body.Text, "demo0lookup"):
			lookup++
		}
	}
	if burst == 0 || late == 0 || lookup == 0 {
		t.Errorf("mails: %d show the burst's count, %d the late arrival, %d the looked-up finding; want each", burst, late, lookup)
	}
}

type mail struct {
	Destination struct{ To []string } `json:"destination"`
	Subject     string                `json:"subject"`
	Body        struct {
		Text string `json:"text"`
	} `json:"body"`
}

// storedMails reads every e-mail aws-ses-v2-local holds.
func storedMails(t *testing.T, sb *sandbox.Sandbox) []mail {
	t.Helper()
	res, err := http.Get(sb.SES.URL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var store struct {
		Emails []mail `json:"emails"`
	}
	if err := json.NewDecoder(res.Body).Decode(&store); err != nil {
		t.Fatal(err)
	}
	return store.Emails
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
