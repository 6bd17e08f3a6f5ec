package notify_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/businesshours"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/notify"
)

// TestNotifier_LateFindingIsNotifiedButMeasuredApart: a finding detected
// years before it arrives still reaches its tenant, marked late to ops; it
// counts as NoticesLate, not as a broken promise of this run (no
// NoticeAtRisk, no NoticeLatencySeconds), and a replay sends nothing.
func TestNotifier_LateFindingIsNotifiedButMeasuredApart(t *testing.T) {
	detected := time.Date(2022, 3, 1, 4, 0, 0, 0, time.UTC)
	r := newRig(t, time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	old := withDetail(t, malware(t), map[string]any{"createdAt": detected.Format(time.RFC3339), "updatedAt": detected.Format(time.RFC3339),
		"service.eventFirstSeen": detected.Format(time.RFC3339), "service.eventLastSeen": detected.Format(time.RFC3339)})
	res := r.event(t, old)
	if len(res.Queued) != 1 || !res.Queued[0].Late || !res.Queued[0].Due.Equal(detected.Add(testPromise)) || res.Queued[0].AtRisk {
		t.Fatalf("queued %+v: want one late notice due %s, not at risk", res.Queued, detected.Add(testPromise))
	}
	var body notify.OpsMessage
	if err := json.Unmarshal([]byte(aws.ToString(r.topic.msgs[0].Message)), &body); err != nil {
		t.Fatal(err)
	}
	if !body.Late || !body.Due.Equal(detected.Add(testPromise)) || body.Deadline != "24h" || !strings.HasPrefix(aws.ToString(r.topic.msgs[0].Subject), "[late]") {
		t.Errorf("ops message late %v due %s deadline %q subject %q", body.Late, body.Due, body.Deadline, aws.ToString(r.topic.msgs[0].Subject))
	}
	if resp := r.batch(t, r.queue.take()); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	if got := sum(r.metricValues(t, "NoticeAtRisk", nil)); got != 0 {
		t.Errorf("NoticeAtRisk = %v: a late arrival is not this run's risk", got)
	}
	if got := r.metricValues(t, "NoticeLatencySeconds", nil); len(got) != 0 {
		t.Errorf("NoticeLatencySeconds = %v: a late arrival is measured apart", got)
	}
	if got := r.metricValues(t, "LateNoticeLatencySeconds", nil); len(got) != 1 || got[0] < 4*365*24*3600 {
		t.Errorf("LateNoticeLatencySeconds = %v, want about 4.7 years", got)
	}
	if got := sum(r.metricValues(t, "NoticesLate", nil)); got != 1 {
		t.Errorf("NoticesLate = %v, want 1", got)
	}
	rec := r.ev.notices()[0].Body.(*notify.NoticeRecord)
	if !rec.LateArrival || rec.Promised || !rec.Due.Equal(detected.Add(testPromise)) || rec.Deadline != "24h" {
		t.Errorf("evidence late %v promised %v due %s deadline %q", rec.LateArrival, rec.Promised, rec.Due, rec.Deadline)
	}
	// Replayed the next day, and a year later: nothing more.
	for _, after := range []time.Duration{24 * time.Hour, 365 * 24 * time.Hour} {
		r.now = r.now.Add(after)
		if res := r.event(t, old); len(res.Queued) != 0 || res.Ops != "suppressed" {
			t.Errorf("replay after %s: queued %v ops %s", after, res.Queued, res.Ops)
		}
	}
}

// TestNotifier_BusinessHoursDeadline: under operator 003's promise a
// finding detected Friday 19:00 JST before a Monday national holiday is due
// Tuesday 09:00; the due time reaches the queue, ops and the evidence, and
// NoticeAtRisk runs against it.
func TestNotifier_BusinessHoursDeadline(t *testing.T) {
	jst, _ := time.LoadLocation("Asia/Tokyo")
	d, err := businesshours.FromConfig(config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{
		Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Holidays: "jp"}}, "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	detected := time.Date(2027, 1, 8, 19, 0, 0, 0, jst) // Friday; Monday 2027-01-11 is 成人の日
	due := time.Date(2027, 1, 12, 9, 0, 0, 0, jst)
	ev := withDetail(t, malware(t), map[string]any{"createdAt": detected.UTC().Format(time.RFC3339), "updatedAt": detected.UTC().Format(time.RFC3339)})

	r := newRig(t, detected.Add(10*time.Minute))
	r.n.Deadline = d
	res := r.event(t, ev)
	if len(res.Queued) != 1 || !res.Queued[0].Due.Equal(due) || res.Queued[0].Late || res.Queued[0].AtRisk {
		t.Fatalf("queued %+v: want one notice due %s", res.Queued, due)
	}
	var body notify.OpsMessage
	if err := json.Unmarshal([]byte(aws.ToString(r.topic.msgs[0].Message)), &body); err != nil {
		t.Fatal(err)
	}
	if !body.Due.Equal(due) || !strings.Contains(body.Deadline, "business hours Mon,Tue,Wed,Thu,Fri 09:00-18:00 Asia/Tokyo, closed on jp holidays") {
		t.Errorf("ops due %s deadline %q", body.Due, body.Deadline)
	}
	// Sent Monday (the holiday) at 23:00: 10 hours left of 86, at risk.
	r.now = time.Date(2027, 1, 11, 23, 0, 0, 0, jst)
	if resp := r.batch(t, r.queue.take()); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	if got := r.metricValues(t, "NoticeAtRisk", nil); !slices.Equal(got, []float64{0, 1, 1}) {
		t.Errorf("NoticeAtRisk = %v, want queued 0, then at send 1 and 1", got)
	}
	rec := r.ev.notices()[0].Body.(*notify.NoticeRecord)
	if !rec.Due.Equal(due) || !rec.WithinPromise || !rec.Promised {
		t.Errorf("evidence due %s within %v promised %v", rec.Due, rec.WithinPromise, rec.Promised)
	}
}
