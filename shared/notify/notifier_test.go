package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/pledge-dev/pledge/shared/notify"
)

// detectedMalware is when guardduty-ec2-malicious-file.json was detected.
var detectedMalware = time.Date(2026, 11, 22, 2, 11, 9, 330e6, time.UTC)

// malwareID is its finding id.
const malwareID = "802ae1f2a3b4c5d6e7f8091a2b3c4d5e"

func malware(t testing.TB) []byte { return fixture(t, "guardduty-ec2-malicious-file.json") }

func TestNotifier_TenantFindingQueuesOneNoticeAndOneOpsMessage(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	res := r.event(t, malware(t))

	if res.Outcome != notify.OutcomeAccepted {
		t.Fatalf("outcome = %s (%s), want accepted", res.Outcome, res.Reason)
	}
	if got := r.queue.len(); got != 1 {
		t.Fatalf("queued %d messages, want 1", got)
	}
	if got, want := len(res.Queued), 1; got != want || res.Queued[0].TenantID != "tenant-1" || res.Queued[0].Kind != notify.KindFirst || res.Queued[0].Seq != 1 {
		t.Fatalf("queued = %+v, want one first notice #1 for tenant-1", res.Queued)
	}
	batch := r.queue.take()
	m, err := notify.DecodeMessage(batch.Records[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	if m.TenantID != "tenant-1" || m.Finding.ID != malwareID || m.Seq != 1 || m.Kind != notify.KindFirst {
		t.Errorf("message = %+v", m)
	}
	if !m.PromiseFrom.Equal(detectedMalware) {
		t.Errorf("promise from %s, want detection %s", m.PromiseFrom, detectedMalware)
	}
	if (len(m.Finding.Raw) > 0 && string(m.Finding.Raw) != "null") || m.Finding.Resources != nil {
		t.Errorf("queued finding carries raw event or all resources; want them stripped")
	}
	if len(m.Resources) == 0 {
		t.Errorf("queued notice has none of tenant-1's resources")
	}
	if strings.Contains(batch.Records[0].Body, "@") {
		t.Errorf("queue message carries an e-mail address: %s", batch.Records[0].Body)
	}

	if got := r.topic.count(); got != 1 {
		t.Fatalf("ops messages = %d, want 1", got)
	}
	ops := r.topic.msgs[0]
	var body notify.OpsMessage
	if err := json.Unmarshal([]byte(aws.ToString(ops.Message)), &body); err != nil {
		t.Fatalf("ops message is not JSON: %v", err)
	}
	if body.FindingID != m.Finding.ID || body.Type != m.Finding.Type || body.Band.String() != "High" {
		t.Errorf("ops message = %+v", body)
	}
	if !slices.Equal(body.Concerned, []string{"tenant-1"}) || !slices.Equal(body.Queued, []string{"tenant-1"}) {
		t.Errorf("ops tenants concerned %v, queued %v; want [tenant-1] both", body.Concerned, body.Queued)
	}
	if strings.Contains(aws.ToString(ops.Message), "@") || strings.Contains(aws.ToString(ops.Subject), "@") {
		t.Errorf("ops message carries an e-mail address")
	}
	if s := aws.ToString(ops.Subject); len(s) > 100 || !strings.Contains(s, "High") {
		t.Errorf("ops subject %q: want at most 100 characters naming the band", s)
	}
	if got := sum(r.metricValues(t, "NoticesQueued", map[string]string{"Function": "finding-notifier"})); got != 1 {
		t.Errorf("NoticesQueued = %v, want 1", got)
	}
	if got := r.metricValues(t, "NoticeAtRisk", nil); !slices.Equal(got, []float64{0}) {
		t.Errorf("NoticeAtRisk at queue time = %v, want [0]", got)
	}
	// The raw event is kept as evidence, byte for byte.
	var kept []notify.FindingRecord
	for _, rec := range r.ev.records {
		if rec.Kind == notify.FindingEvidenceKind {
			kept = append(kept, rec.Body.(notify.FindingRecord))
		}
	}
	var want bytes.Buffer
	if err := json.Compact(&want, malware(t)); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || !bytes.Equal(kept[0].Finding.Raw, want.Bytes()) || !slices.Equal(kept[0].Concerned, []string{"tenant-1"}) {
		t.Errorf("finding evidence = %d records; want one holding the raw event and the tenants concerned", len(kept))
	}
}

func TestNotifier_DuplicateDeliveryProducesNothingMore(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	first := r.queue.take()

	// EventBridge delivers the same event again, and GuardDuty re-emits the
	// finding with a higher count in the same band.
	r.now = r.now.Add(time.Minute)
	again := r.event(t, malware(t))
	r.now = r.now.Add(6 * time.Hour)
	recount := r.event(t, withDetail(t, malware(t), map[string]any{"service.count": 7, "updatedAt": "2026-11-22T08:11:09.330Z"}))

	if got := r.queue.len(); got != 0 {
		t.Errorf("duplicate deliveries queued %d more messages, want 0", got)
	}
	if got := r.topic.count(); got != 1 {
		t.Errorf("ops messages = %d, want 1 (duplicates tell ops nothing new)", got)
	}
	for _, res := range []notify.EventResult{again, recount} {
		if len(res.Queued) != 0 || !slices.Equal(res.Suppressed, []string{"tenant-1"}) || res.Ops != "suppressed" {
			t.Errorf("duplicate: queued %v, suppressed %v, ops %s; want nothing queued, tenant-1 suppressed, ops suppressed", res.Queued, res.Suppressed, res.Ops)
		}
	}
	if got := sum(r.metricValues(t, "NoticesSuppressed", nil)); got != 2 {
		t.Errorf("NoticesSuppressed = %v, want 2", got)
	}

	// SQS delivers the notice message twice: one e-mail per group, once.
	dup := events.SQSEvent{Records: append(slices.Clone(first.Records), first.Records...)}
	dup.Records[1].MessageId = "redelivered"
	resp := r.batch(t, dup)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures = %v", resp.BatchItemFailures)
	}
	if got := r.mail.count(); got != 2 {
		t.Errorf("SES sends = %d, want 2 (two contact groups, once each)", got)
	}
	if got := len(r.ev.notices()); got != 1 {
		t.Errorf("evidence records = %d, want 1", got)
	}
	if got := sum(r.metricValues(t, "NoticesSent", nil)); got != 1 {
		t.Errorf("NoticesSent = %v, want 1", got)
	}
}

func TestNotifier_SeverityUpgradeSendsFollowUp(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	medium := withDetail(t, malware(t), map[string]any{"severity": 5})
	if res := r.event(t, medium); len(res.Queued) != 1 || res.Band.String() != "Medium" {
		t.Fatalf("medium finding: %+v", res)
	}
	r.batch(t, r.queue.take())

	updated := detectedMalware.Add(3 * time.Hour)
	r.now = updated.Add(2 * time.Minute)
	high := withDetail(t, malware(t), map[string]any{"severity": 8, "updatedAt": updated.Format(time.RFC3339Nano), "service.count": 4})
	res := r.event(t, high)
	if len(res.Queued) != 1 || res.Queued[0].Kind != notify.KindUpgrade || res.Queued[0].Seq != 2 {
		t.Fatalf("upgrade queued %+v, want one upgrade notice #2", res.Queued)
	}
	if res.Ops != "published" || r.topic.count() != 2 {
		t.Errorf("ops = %s with %d messages, want a second ops message", res.Ops, r.topic.count())
	}
	if subj := aws.ToString(r.topic.msgs[1].Subject); !strings.HasPrefix(subj, "[upgrade]") {
		t.Errorf("ops subject %q, want [upgrade] prefix", subj)
	}
	batch := r.queue.take()
	m, err := notify.DecodeMessage(batch.Records[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	if !m.PromiseFrom.Equal(updated) {
		t.Errorf("upgrade promise from %s, want the update %s", m.PromiseFrom, updated)
	}
	sentBefore := r.mail.count()
	r.now = r.now.Add(time.Minute)
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	if got := r.mail.count() - sentBefore; got != 2 {
		t.Errorf("follow-up e-mails = %d, want 2 (one per contact group)", got)
	}
	subj := aws.ToString(r.mail.sent[len(r.mail.sent)-1].Content.Simple.Subject.Data)
	if !strings.Contains(subj, "High") {
		t.Errorf("follow-up subject %q does not name the new band", subj)
	}
	lat := r.metricValues(t, "NoticeLatencySeconds", nil)
	if len(lat) != 2 || math.Abs(lat[1]-(3*time.Minute).Seconds()) > 0.001 {
		t.Errorf("latencies %v: want the follow-up's measured from the update, 180 s", lat)
	}

	// The finding falls back to Medium: nothing to tell.
	r.now = r.now.Add(time.Hour)
	if res := r.event(t, medium); len(res.Queued) != 0 {
		t.Errorf("a lower band queued %+v", res.Queued)
	}
}

func TestNotifier_QuietPeriod(t *testing.T) {
	tests := []struct {
		name    string
		after   time.Duration
		updated bool        // GuardDuty re-emits the finding with a later updatedAt
		want    notify.Kind // "" for nothing queued
	}{
		{"WithinQuietPeriod", testQuiet - time.Second, true, ""},
		{"QuietPeriodOver", testQuiet, true, notify.KindReminder},
		{"LongAfter", 3 * testQuiet, true, notify.KindReminder},
		// The same finding delivered again unchanged, however late, is a
		// replay: nothing is sent again.
		{"ReplayAfterQuietPeriod", testQuiet, false, ""},
		{"ReplayLongAfter", 30 * testQuiet, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := detectedMalware.Add(time.Minute)
			r := newRig(t, start)
			r.event(t, malware(t))
			r.batch(t, r.queue.take())
			r.now = start.Add(tt.after)
			ev := malware(t)
			if tt.updated {
				ev = withDetail(t, ev, map[string]any{"updatedAt": r.now.Add(-time.Minute).Format(time.RFC3339Nano), "service.count": 9})
			}
			res := r.event(t, ev)
			var got notify.Kind
			if len(res.Queued) == 1 {
				got = res.Queued[0].Kind
			}
			if got != tt.want || len(res.Queued) > 1 {
				t.Fatalf("after %s: queued %+v, want kind %q", tt.after, res.Queued, tt.want)
			}
			if tt.want == "" {
				if res.Ops != "suppressed" {
					t.Errorf("ops = %q, want suppressed: ops heard of this change already", res.Ops)
				}
				return
			}
			// A reminder is not promised: its lateness raises no alarm.
			r.batch(t, r.queue.take())
			if risk := r.metricValues(t, "NoticeAtRisk", nil); risk[len(risk)-1] != 0 {
				t.Errorf("reminder NoticeAtRisk = %v, want 0", risk)
			}
			rec := r.ev.notices()[len(r.ev.notices())-1].Body.(*notify.NoticeRecord)
			if rec.Kind != notify.KindReminder || rec.Promised || rec.Seq != 2 {
				t.Errorf("reminder evidence kind %s promised %v seq %d", rec.Kind, rec.Promised, rec.Seq)
			}
		})
	}
}

func TestNotifier_SESThrottlingRetriesNeverDrops(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	r.event(t, withDetail(t, fixture(t, "guardduty-ec2-backdoor.json"), nil)) // tenant-2
	batch := r.queue.take()
	if len(batch.Records) != 2 {
		t.Fatalf("queued %d, want 2", len(batch.Records))
	}
	r.mail.fail = func(n int) error {
		if n == 0 {
			return &sestypes.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded.")}
		}
		return nil
	}
	resp := r.batch(t, batch)
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	// The throttled message fails, and the rest of the batch is deferred
	// rather than throttled in turn.
	if want := []string{batch.Records[0].MessageId, batch.Records[1].MessageId}; !slices.Equal(failed, want) {
		t.Fatalf("batch item failures = %v, want %v", failed, want)
	}
	if r.mail.count() != 0 || len(r.ev.notices()) != 0 {
		t.Errorf("sent %d, evidence %d; want nothing", r.mail.count(), len(r.ev.notices()))
	}
	for _, tenant := range []string{"tenant-1", "tenant-2"} {
		m, _ := notify.DecodeMessage(batch.Records[slices.IndexFunc(batch.Records, func(x events.SQSMessage) bool { return strings.Contains(x.Body, `"tenantId":"`+tenant+`"`) })].Body)
		e, _ := r.ledger.Get(context.Background(), m.Finding.ID, tenant)
		if !e.Sent.IsZero() || !e.Sending.IsZero() {
			t.Errorf("%s ledger after throttling: sent %s, lease %s; want neither", tenant, e.Sent, e.Sending)
		}
	}
	if got := r.metricValues(t, "NoticeSendFailures", map[string]string{"Reason": "throttled"}); sum(got) != 1 {
		t.Errorf("throttled failures = %v, want 1", got)
	}
	if got := r.metricValues(t, "NoticeSendFailures", map[string]string{"Reason": "deferred"}); sum(got) != 1 {
		t.Errorf("deferred failures = %v, want 1", got)
	}

	// SQS redelivers both; SES has recovered.
	r.now = r.now.Add(6 * time.Minute)
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery failures = %v", resp.BatchItemFailures)
	}
	if got := r.mail.count(); got != 3 {
		t.Errorf("SES sends after redelivery = %d, want 3 (tenant-1's two groups, tenant-2's one)", got)
	}
}

func TestNotifier_InterruptedSendResumesWithoutRepeatingGroups(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	batch := r.queue.take()
	r.mail.fail = func(n int) error {
		if n == 1 {
			return errInjected
		}
		return nil
	}
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures = %v, want the message", resp.BatchItemFailures)
	}
	if got := r.mail.count(); got != 1 {
		t.Fatalf("first attempt sent %d groups, want 1", got)
	}
	r.now = r.now.Add(time.Minute)
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry failures = %v", resp.BatchItemFailures)
	}
	if got := r.mail.count(); got != 2 {
		t.Errorf("sends after retry = %d, want 2: the group mailed first is not mailed again", got)
	}
	to := func(i int) string { return strings.Join(r.mail.sent[i].Destination.ToAddresses, ",") }
	if to(0) == to(1) {
		t.Errorf("the same group was mailed twice: %s", to(0))
	}
	rec := r.ev.notices()[0].Body.(*notify.NoticeRecord)
	if len(rec.MessageIDs) != 2 || len(rec.Groups) != 2 {
		t.Errorf("evidence message ids %v, groups %d; want both e-mails", rec.MessageIDs, len(rec.Groups))
	}
}

func TestNotifier_RejectsAndIgnoresWithoutError(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		outcome notify.Outcome
		reason  string // EventsRejected Reason dimension; "" for ignored
	}{
		{"NotJSON", `{"detail-type": "GuardDuty Finding", `, notify.OutcomeRejected, "malformed"},
		{"Empty", `{}`, notify.OutcomeRejected, "malformed"},
		{"NoSeverity", "", notify.OutcomeRejected, "malformed"},
		{"ScheduledEvent", `{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.scheduler","account":"1","time":"2026-11-21T00:00:00Z","region":"ap-northeast-1","resources":[],"detail":{}}`, notify.OutcomeRejected, "unsupported"},
		{"UncataloguedCall", "cloudtrail-describe-instances.json", notify.OutcomeIgnored, ""},
		{"UncataloguedWrite", "", notify.OutcomeIgnored, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, detectedMalware)
			raw := []byte(tt.event)
			switch {
			case tt.name == "UncataloguedWrite":
				raw = withDetail(t, fixture(t, "cloudtrail-put-bucket-policy-private.json"), map[string]any{"eventName": "PutBucketTagging"})
			case tt.name == "NoSeverity":
				var ev map[string]any
				_ = json.Unmarshal(malware(t), &ev)
				delete(ev["detail"].(map[string]any), "severity")
				raw, _ = json.Marshal(ev)
			case strings.HasSuffix(tt.event, ".json"):
				raw = fixture(t, tt.event)
			}
			out, err := r.n.Handle(context.Background(), raw)
			if err != nil {
				t.Fatalf("error %v: a bad event must not make EventBridge retry", err)
			}
			res := out.(notify.EventResult)
			if res.Outcome != tt.outcome {
				t.Fatalf("outcome %s (%s), want %s", res.Outcome, res.Reason, tt.outcome)
			}
			if r.queue.len() != 0 || r.topic.count() != 0 || r.ledger.claims != 0 {
				t.Errorf("a %s event queued, published or claimed something", tt.outcome)
			}
			if tt.reason != "" {
				if got := r.metricValues(t, "EventsRejected", map[string]string{"Reason": tt.reason}); !slices.Equal(got, []float64{1}) {
					t.Errorf("EventsRejected{Reason=%s} = %v, want [1]", tt.reason, got)
				}
				if !strings.Contains(r.logs.String(), `"message":"event rejected"`) || !strings.Contains(r.logs.String(), "pass one with -event FILE") {
					t.Errorf("log has no clear rejection line: %s", r.logs.String())
				}
			} else if got := r.metricValues(t, "EventsIgnored", nil); !slices.Equal(got, []float64{1}) {
				t.Errorf("EventsIgnored = %v, want [1]", got)
			}
		})
	}
}

func TestNotifier_EvidenceHashesRecipients(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	r.now = detectedMalware.Add(2 * time.Hour)
	r.batch(t, r.queue.take())
	if len(r.ev.notices()) != 1 {
		t.Fatalf("evidence records = %d, want 1", len(r.ev.notices()))
	}
	e := r.ev.notices()[0]
	if e.Kind != "notice" || !strings.HasSuffix(e.Subject, "/tenant-1") || !e.Time.Equal(r.now) {
		t.Errorf("record kind %q subject %q time %s", e.Kind, e.Subject, e.Time)
	}
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{emailA, emailB, emailC, "tenant1.example"} {
		if strings.Contains(string(raw), addr) {
			t.Errorf("evidence contains %q in clear", addr)
		}
	}
	rec := e.Body.(*notify.NoticeRecord)
	want := []string{notify.HashEmail(emailA), notify.HashEmail(emailB), notify.HashEmail(emailC)}
	if got := slices.Sorted(slices.Values(rec.Recipients)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("recipients %v, want hashes %v", got, want)
	}
	if got := notify.HashEmail("  SEC-A@Tenant1.Example.co.jp "); got != notify.HashEmail(emailA) || len(got) != 64 {
		t.Errorf("HashEmail does not normalise case and space: %s", got)
	}
	if math.Abs(rec.LatencySeconds-r.now.Sub(detectedMalware).Seconds()) > 0.001 {
		t.Errorf("latency %v s", rec.LatencySeconds)
	}
	if !rec.WithinPromise || !rec.Promised || rec.Band.String() != "High" || !rec.Detected.Equal(detectedMalware) || !rec.Sent.Equal(r.now) {
		t.Errorf("record %+v", rec)
	}
	if !slices.EqualFunc(rec.Languages, [][]string{{"ja", "en"}, {"en", "ja"}}, slices.Equal) {
		t.Errorf("languages %v", rec.Languages)
	}
	if !slices.Equal(rec.MessageIDs, []string{"ses-1", "ses-2"}) {
		t.Errorf("message ids %v", rec.MessageIDs)
	}
	if got := r.metricValues(t, "NoticeLatencySeconds", map[string]string{"Function": "finding-notifier"}); len(got) != 1 || math.Abs(got[0]-r.now.Sub(detectedMalware).Seconds()) > 0.001 {
		t.Errorf("NoticeLatencySeconds = %v", got)
	}
}

func TestNotifier_ContactsGroupedByLanguageAndZone(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	r.batch(t, r.queue.take())
	if r.mail.count() != 2 {
		t.Fatalf("sends = %d, want 2", r.mail.count())
	}
	ja, en := r.mail.sent[0], r.mail.sent[1]
	if got := ja.Destination.ToAddresses; !slices.Equal(got, []string{emailA, emailB}) {
		t.Errorf("Japanese group to %v", got)
	}
	if got := en.Destination.ToAddresses; !slices.Equal(got, []string{emailC}) {
		t.Errorf("English group to %v", got)
	}
	jaSubj, enSubj := aws.ToString(ja.Content.Simple.Subject.Data), aws.ToString(en.Content.Simple.Subject.Data)
	if !strings.HasPrefix(jaSubj, "【") || !strings.HasPrefix(enSubj, "[Security notice") {
		t.Errorf("subjects %q / %q: want Japanese first for the ja group, English first for the en group", jaSubj, enSubj)
	}
	if txt := aws.ToString(ja.Content.Simple.Body.Text.Data); !strings.Contains(txt, "2026-11-22 11:11 JST (UTC+09:00)") {
		t.Errorf("Tokyo group text lacks the detection time in JST:\n%s", txt)
	}
	if txt := aws.ToString(en.Content.Simple.Body.Text.Data); !strings.Contains(txt, "2026-11-21 18:11 PST (UTC-08:00)") {
		t.Errorf("Los Angeles group text lacks the detection time in PST:\n%s", txt)
	}
	for _, s := range r.mail.sent {
		c := s.Content.Simple
		if aws.ToString(c.Subject.Charset) != "UTF-8" || aws.ToString(c.Body.Text.Charset) != "UTF-8" || aws.ToString(c.Body.Html.Charset) != "UTF-8" {
			t.Errorf("charsets are not UTF-8")
		}
		if !strings.Contains(aws.ToString(c.Body.Html.Data), "<html") || aws.ToString(s.FromEmailAddress) != "security@pledge.example" {
			t.Errorf("html body or sender wrong")
		}
	}
}

func TestNotifier_QueueFailureReleasesClaimForRetry(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.queue.fail = func(string) bool { return true }
	_, err := r.n.Handle(context.Background(), malware(t))
	if err == nil || !strings.Contains(err.Error(), "queue notice for tenant-1") {
		t.Fatalf("error = %v, want the queueing failure so EventBridge retries", err)
	}
	if e, _ := r.ledger.Get(context.Background(), malwareID, "tenant-1"); e != nil {
		t.Errorf("ledger keeps a claim whose notice was never queued: %+v", e)
	}
	// The ops message went out, naming the failure; the retry queues the
	// notice and does not repeat the ops message.
	if r.topic.count() != 1 {
		t.Fatalf("ops messages = %d, want 1", r.topic.count())
	}
	var ops notify.OpsMessage
	_ = json.Unmarshal([]byte(aws.ToString(r.topic.msgs[0].Message)), &ops)
	if !slices.Equal(ops.Failed, []string{"tenant-1"}) {
		t.Errorf("ops message failed = %v, want [tenant-1]", ops.Failed)
	}
	r.queue.fail = nil
	res := r.event(t, malware(t))
	if len(res.Queued) != 1 || res.Queued[0].Seq != 1 || res.Queued[0].Kind != notify.KindFirst {
		t.Errorf("retry queued %+v, want the first notice #1", res.Queued)
	}
	if r.topic.count() != 1 {
		t.Errorf("retry published ops again")
	}
}

func TestNotifier_OpsPublishFailureIsRetried(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.topic.err = fmt.Errorf("sns: %w", errInjected)
	if _, err := r.n.Handle(context.Background(), malware(t)); !errors.Is(err, errInjected) {
		t.Fatalf("error = %v, want the publish failure", err)
	}
	r.topic.err = nil
	res := r.event(t, malware(t))
	if res.Ops != "published" || r.topic.count() != 1 {
		t.Errorf("retry: ops %s, %d messages; want published once", res.Ops, r.topic.count())
	}
	if len(res.Queued) != 0 || r.queue.len() != 1 {
		t.Errorf("retry queued the tenant notice again: %+v", res.Queued)
	}
}

func TestNotifier_NoticeAtRisk(t *testing.T) {
	tests := []struct {
		name     string
		queuedAt time.Duration // after detection
		sentAt   time.Duration
		want     []float64 // at queue, at send attempt, at send
		within   bool
	}{
		{"Prompt", time.Minute, 2 * time.Minute, []float64{0, 0, 0}, true},
		{"QueuedLateInThePromise", testPromise - testPromise/4 + time.Second, testPromise - time.Hour, []float64{1, 1, 1}, true},
		{"SentJustBeforeRisk", time.Hour, testPromise - testPromise/4 - time.Second, []float64{0, 0, 0}, true},
		{"Missed", time.Hour, testPromise + time.Hour, []float64{0, 1, 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, detectedMalware.Add(tt.queuedAt))
			r.event(t, malware(t))
			r.now = detectedMalware.Add(tt.sentAt)
			r.batch(t, r.queue.take())
			if got := r.metricValues(t, "NoticeAtRisk", map[string]string{"Function": "finding-notifier"}); !slices.Equal(got, tt.want) {
				t.Errorf("NoticeAtRisk = %v, want %v", got, tt.want)
			}
			if rec := r.ev.notices()[0].Body.(*notify.NoticeRecord); rec.WithinPromise != tt.within {
				t.Errorf("within promise = %v, want %v", rec.WithinPromise, tt.within)
			}
		})
	}
}

func TestNotifier_RedeliveryAfterThePromiseRaisesNoAlarm(t *testing.T) {
	r := newRig(t, detectedMalware.Add(time.Minute))
	r.event(t, malware(t))
	batch := r.queue.take()
	r.batch(t, batch)
	r.now = detectedMalware.Add(testPromise + time.Hour)
	r.batch(t, batch)
	if got := r.metricValues(t, "NoticeAtRisk", nil); slices.Contains(got, 1) {
		t.Errorf("NoticeAtRisk = %v: a redelivered, already sent notice raised the alarm", got)
	}
}

func TestNotifier_LogsNeverCarryAddresses(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	r.mail.fail = func(n int) error {
		if n == 0 {
			return fmt.Errorf("MessageRejected: Email address is not verified. The following identities failed the check: %s", emailA)
		}
		return nil
	}
	batch := r.queue.take()
	r.batch(t, batch)
	r.now = r.now.Add(time.Minute)
	r.batch(t, batch)
	if r.mail.count() != 2 {
		t.Fatalf("sends = %d", r.mail.count())
	}
	if strings.Contains(r.logs.String(), "@tenant1") || strings.Contains(r.metrics.String(), "@") {
		t.Errorf("logs or metrics carry an address:\n%s", r.logs.String())
	}
	if !strings.Contains(r.logs.String(), `"message":"notice sent"`) {
		t.Errorf("no notice sent line")
	}
}

func TestNotifier_DryRunChangesNothing(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.n.DryRun = true
	res := r.event(t, malware(t))
	if len(res.Queued) != 1 || !res.DryRun || res.Ops != "planned" {
		t.Errorf("dry run result %+v, want one planned notice", res)
	}
	if r.queue.len() != 0 || r.topic.count() != 0 || r.ledger.claims != 0 {
		t.Errorf("dry run queued, published or claimed")
	}
	if got := r.metricValues(t, "NoticesQueued", nil); len(got) != 0 {
		t.Errorf("dry run counted queued notices: %v", got)
	}
}

func TestNotifier_PurgedTenantGetsNothing(t *testing.T) {
	r := newRig(t, detectedMalware.Add(5*time.Minute))
	r.event(t, malware(t))
	r.dir.set("tenant-1", func(t *notify.Tenant) { t.Status = "purged" })
	if resp := r.batch(t, r.queue.take()); len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures %v", resp.BatchItemFailures)
	}
	if r.mail.count() != 0 {
		t.Errorf("a purged tenant was mailed")
	}
}

func TestNotifier_BadQueueMessageGoesToDeadLetterQueue(t *testing.T) {
	r := newRig(t, detectedMalware)
	resp := r.batch(t, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "bad", Body: `{"version":1}`, EventSource: "aws:sqs"}}})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "bad" {
		t.Errorf("failures %v: a message that cannot be read must fail (and reach the DLQ), not vanish", resp.BatchItemFailures)
	}
	if got := r.metricValues(t, "EventsRejected", map[string]string{"Reason": "malformed-notice"}); !slices.Equal(got, []float64{1}) {
		t.Errorf("EventsRejected{malformed-notice} = %v", got)
	}
}

func TestNotifier_PlatformWideFindingReachesEveryActiveTenant(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 9, 20, 0, 0, time.UTC))
	res := r.event(t, fixture(t, "cloudtrail-stop-logging.json"))
	var got []string
	for _, q := range res.Queued {
		got = append(got, q.TenantID)
	}
	if want := []string{"tenant-1", "tenant-10", "tenant-2", "tenant-3"}; !slices.Equal(got, want) {
		t.Errorf("platform-wide notices to %v, want %v", got, want)
	}
	if r.queue.calls != 1 || r.topic.count() != 1 {
		t.Errorf("SQS batches %d, ops messages %d; want 1 and 1", r.queue.calls, r.topic.count())
	}
}

func TestNotifier_SampleEventReachesOpsOnly(t *testing.T) {
	r := newRig(t, detectedMalware)
	res := r.event(t, notify.SampleEvent(detectedMalware))
	if res.Outcome != notify.OutcomeAccepted || !res.Route.OpsOnly || len(res.Queued) != 0 || res.Ops != "published" {
		t.Errorf("sample: %+v", res)
	}
}

func TestNotifier_PacesSendsToTheSendingRate(t *testing.T) {
	r := newRig(t, detectedMalware.Add(time.Minute))
	r.n.SendRate = 20
	evs := make([][]byte, 0, 30)
	for i := range 30 {
		evs = append(evs, withDetail(t, fixture(t, "guardduty-ec2-backdoor.json"), map[string]any{"id": fmt.Sprintf("backdoor-%02d", i)})) // tenant-2: one group
	}
	for _, ev := range evs {
		r.event(t, ev)
	}
	all := r.queue.take()
	start := time.Now()
	for i := 0; i < len(all.Records); i += 10 {
		if resp := r.batch(t, events.SQSEvent{Records: all.Records[i : i+10]}); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures %v", resp.BatchItemFailures)
		}
	}
	// 20 a second: the first 20 at once, the next 10 one every 50 ms.
	if elapsed := time.Since(start); elapsed < 450*time.Millisecond || r.mail.count() != 30 {
		t.Errorf("30 sends at 20/s took %s (%d sent), want at least 450ms", elapsed, r.mail.count())
	}
}

// TestNotifier_GlobalEventForwardedTwiceIsOneNotice: the global stack
// forwards a root IAM call by two rules (the catalogue's IAM calls and root
// activity), so the home bus delivers it twice, each with its own envelope
// id; the CloudTrail event id is the same, and only the first is notified.
func TestNotifier_GlobalEventForwardedTwiceIsOneNotice(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 9, 20, 0, 0, time.UTC))
	raw := fixture(t, "cloudtrail-root-create-access-key.json")
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	env["id"] = "forwarded-by-the-root-activity-rule"
	again, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	first := r.event(t, raw)
	if first.Outcome != notify.OutcomeAccepted || len(first.Queued) == 0 || first.Ops != "published" {
		t.Fatalf("first delivery: %+v", first)
	}
	second := r.event(t, again)
	if second.Outcome != notify.OutcomeReplayed || len(second.Queued) != 0 || second.Ops != "none" {
		t.Errorf("second delivery (other envelope id): %+v; want replayed, nothing queued, nothing to ops", second)
	}
	if r.queue.calls != 1 || r.topic.count() != 1 {
		t.Errorf("SQS batches %d, ops messages %d; want 1 and 1", r.queue.calls, r.topic.count())
	}
}
