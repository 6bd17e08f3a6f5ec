package notify_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/notify"
)

// stopLogging is cloudtrail-stop-logging.json as call i of a burst: its own
// event id, i seconds after the first.
func stopLogging(t testing.TB, i int) []byte {
	t.Helper()
	at := time.Date(2026, 11, 21, 9, 12, 3, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return withDetail(t, fixture(t, "cloudtrail-stop-logging.json"), map[string]any{
		"eventID": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "eventTime": at.Format(time.RFC3339),
	})
}

// TestNotifier_BurstOfFiftyIsOneNotice: fifty identical StopLogging calls
// (same rule, principal and trail) within the quiet period give each tenant
// one notice, which says 50 times, from the first call to the last; ops
// hear once.
func TestNotifier_BurstOfFiftyIsOneNotice(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 9, 13, 0, 0, time.UTC))
	var ids []string
	for i := range 50 {
		res := r.event(t, stopLogging(t, i))
		ids = append(ids, res.FindingID)
		if i > 0 && len(res.Queued) != 0 {
			t.Fatalf("call %d queued %v: a burst is one notice", i, res.Queued)
		}
		if res.Count != i+1 {
			t.Errorf("call %d: count %d", i, res.Count)
		}
	}
	if u := slices.Compact(ids); len(u) != 1 {
		t.Fatalf("the burst became %d findings", len(u))
	}
	batch := r.queue.take()
	if len(batch.Records) != 4 || r.topic.count() != 1 {
		t.Fatalf("queued %d notices and %d ops messages, want one per active tenant (4) and one", len(batch.Records), r.topic.count())
	}
	if resp := r.batch(t, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	if got := r.mail.count(); got != 5 { // tenant-1 has two groups
		t.Fatalf("%d e-mails, want 5", got)
	}
	for _, m := range r.mail.sent {
		text := aws.ToString(m.Content.Simple.Body.Text.Data)
		if !strings.Contains(text, "50") {
			t.Errorf("notice does not say the call was seen 50 times:\n%s", text)
		}
	}
	rec := r.ev.notices()[0].Body.(*notify.NoticeRecord)
	first, last := time.Date(2026, 11, 21, 9, 12, 3, 0, time.UTC), time.Date(2026, 11, 21, 9, 12, 52, 0, time.UTC)
	if rec.Count != 50 || !rec.FirstSeen.Equal(first) || !rec.LastSeen.Equal(last) {
		t.Errorf("evidence count %d, %s to %s; want 50, %s to %s", rec.Count, rec.FirstSeen, rec.LastSeen, first, last)
	}
	// A burst after the quiet period is a new notice, counted afresh.
	r.now = r.now.Add(testQuiet + time.Hour)
	late := withDetail(t, stopLogging(t, 100), map[string]any{"eventTime": r.now.Add(-time.Minute).Format(time.RFC3339)})
	res := r.event(t, late)
	if len(res.Queued) != 4 || res.Queued[0].Kind != notify.KindReminder || res.Count != 1 {
		t.Errorf("after the quiet period: queued %+v count %d, want a reminder to each tenant with a fresh count", res.Queued, res.Count)
	}
}

// TestNotifier_ReplayedCallSendsNothing: a CloudTrail event handled before
// and delivered again (an archive replay) sends nothing and tells nobody.
func TestNotifier_ReplayedCallSendsNothing(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 9, 13, 0, 0, time.UTC))
	r.event(t, stopLogging(t, 0))
	r.queue.take()
	ops := r.topic.count()
	for _, after := range []time.Duration{time.Minute, 3 * testQuiet, 400 * 24 * time.Hour} {
		r.now = r.now.Add(after)
		res := r.event(t, stopLogging(t, 0))
		if res.Outcome != notify.OutcomeReplayed || len(res.Queued) != 0 {
			t.Errorf("replay after %s: outcome %s queued %v", after, res.Outcome, res.Queued)
		}
	}
	if r.queue.len() != 0 || r.topic.count() != ops {
		t.Errorf("a replay queued %d notices and %d ops messages", r.queue.len(), r.topic.count()-ops)
	}
	if got := sum(r.metricValues(t, "EventsReplayed", nil)); got != 3 {
		t.Errorf("EventsReplayed = %v, want 3", got)
	}
}

// signInFailure is a failed console sign-in of IAM user alice, call i.
func signInFailure(t testing.TB, i int) []byte {
	t.Helper()
	at := time.Date(2026, 11, 21, 10, 5, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	ev := map[string]any{
		"version": "0", "id": fmt.Sprintf("ev-%d", i), "detail-type": "AWS Console Sign In via CloudTrail", "source": "aws.signin",
		"account": "111122223333", "time": at.Format(time.RFC3339), "region": "ap-northeast-1", "resources": []any{},
		"detail": map[string]any{
			"eventVersion": "1.08", "eventTime": at.Format(time.RFC3339), "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
			"awsRegion": "ap-northeast-1", "sourceIPAddress": "198.51.100.7", "eventID": fmt.Sprintf("10000000-0000-4000-8000-%012d", i),
			"eventType": "AwsConsoleSignIn", "recipientAccountId": "111122223333",
			"userIdentity":        map[string]any{"type": "IAMUser", "accountId": "111122223333", "userName": "alice", "arn": "arn:aws:iam::111122223333:user/alice"},
			"responseElements":    map[string]any{"ConsoleLogin": "Failure"},
			"additionalEventData": map[string]any{"MFAUsed": "No"},
			"errorMessage":        "Failed authentication",
		},
	}
	b, _ := json.Marshal(ev)
	return b
}

// TestNotifier_CountedRuleBecomesOneFindingAtItsThreshold: four failed
// sign-ins of one user in an hour are counted; the fifth makes one finding
// (unrouted: alice is nobody's, so ops only); the sixth adds to it.
func TestNotifier_CountedRuleBecomesOneFindingAtItsThreshold(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC))
	for i := range 4 {
		if res := r.event(t, signInFailure(t, i)); res.Outcome != notify.OutcomeCounted || res.Count != i+1 || res.Threshold != 5 {
			t.Fatalf("failure %d: outcome %s count %d threshold %d, want counted", i, res.Outcome, res.Count, res.Threshold)
		}
	}
	if r.topic.count() != 0 {
		t.Fatalf("ops heard of %d failures below the threshold", r.topic.count())
	}
	res := r.event(t, signInFailure(t, 4))
	if res.Outcome != notify.OutcomeAccepted || res.Type != "signin/ConsoleSignInFailures" || res.Count != 5 || !res.Route.Unrouted {
		t.Fatalf("fifth failure: %+v", res)
	}
	if r.topic.count() != 1 || r.queue.len() != 0 {
		t.Fatalf("ops messages %d, notices %d; want one ops message and no tenant notice", r.topic.count(), r.queue.len())
	}
	var body notify.OpsMessage
	if err := json.Unmarshal([]byte(aws.ToString(r.topic.msgs[0].Message)), &body); err != nil {
		t.Fatal(err)
	}
	if body.Count != 5 || body.Threshold != 5 || !slices.Contains(body.UnroutedResources, "arn:aws:iam::111122223333:user/alice") {
		t.Errorf("ops message count %d threshold %d unrouted %v", body.Count, body.Threshold, body.UnroutedResources)
	}
	if res := r.event(t, signInFailure(t, 5)); res.Outcome != notify.OutcomeAccepted || res.Ops != "suppressed" || res.Count != 6 {
		t.Errorf("sixth failure: outcome %s ops %s count %d", res.Outcome, res.Ops, res.Count)
	}
}
