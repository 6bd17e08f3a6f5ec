package main_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// reportEvent is the sample report request for tenant id and request.
func (w *world) reportEvent(t *testing.T, id, request string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "deletion-report-requested.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(strings.Replace(string(b), `"tenant-1"`, `"`+id+`"`, 1), "support-2027-0042", request, 1)
	s = strings.Replace(s, "2027-01-15T10:00:00+09:00", time.Now().Format(time.RFC3339), 1)
	return w.writeFile(t, "report-"+id+"-"+strings.ReplaceAll(request, "/", "_")+".json", []byte(s))
}

// TestPurger_DeletionReportSentAgainOnRequest: a Tenant Deletion Report
// Requested event mails the stored certificate again to every current
// contact, marked, once per request id, with the request recorded in
// evidence; a tenant still in its grace period gets nothing yet, an active
// one is an error.
func TestPurger_DeletionReportSentAgainOnRequest(t *testing.T) {
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	id := scenario.TenantPurgeable
	o := w.purge(t, w.forged(t, id), nil)
	if o.Action != purger.ActionPurged {
		t.Fatalf("purge: %+v", o)
	}
	cert := w.evidence(t, w.deps.S3, o.Certificate[0])
	contacts := w.tw.Contacts[id]
	report := func(id, request string) (purger.ReportResult, int) {
		before := len(w.mail(t).Emails)
		var r purger.ReportResult
		w.invoke(t, nil, "-event", w.reportEvent(t, id, request)).Decode(t, &r)
		return r, len(w.mail(t).Emails) - before
	}
	r, mailed := report(id, "req-1")
	if r.Result != purger.ReportSent || mailed != len(contacts) || len(r.Emailed) != len(contacts) {
		t.Fatalf("first request: %+v, %d mails; want sent to %d contacts", r, mailed, len(contacts))
	}
	store := w.mail(t)
	for _, e := range store.Emails[len(store.Emails)-mailed:] {
		if !strings.HasPrefix(e.Subject, purger.ReportSubject) {
			t.Errorf("subject %q is not marked as sent again on request", e.Subject)
		}
		var attached bool
		for _, a := range e.Attachments {
			attached = attached || a.Filename == "certificate.json"
		}
		if !attached {
			t.Errorf("no certificate attached to %q", e.Subject)
		}
	}
	for _, k := range r.Evidence {
		var rec struct {
			RequestID   string   `json:"request_id"`
			Certificate string   `json:"certificate_key"`
			Contacts    []string `json:"contacts_sha256"`
		}
		if err := json.Unmarshal(w.evidence(t, w.deps.S3, k), &rec); err != nil || rec.RequestID != "req-1" || rec.Certificate != o.Certificate[0] || len(rec.Contacts) != len(contacts) {
			t.Errorf("evidence %s: %+v (%v)", k, rec, err)
		}
	}
	if r, mailed := report(id, "req-1"); r.Result != purger.ReportAlreadySent || mailed != 0 {
		t.Errorf("the same request again: %+v, %d mails; want already sent, none", r, mailed)
	}
	if r, mailed := report(id, "req-2"); r.Result != purger.ReportSent || mailed != len(contacts) {
		t.Errorf("another request: %+v, %d mails", r, mailed)
	}
	// A request whose earlier attempt recorded its intent and died before
	// recording it sent: every contact is mailed again, marked as a resend.
	dir := strings.TrimSuffix(o.Certificate[0], "certificate.json") + "report-requests/"
	if _, err := w.deps.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(scenario.EvidenceBucket),
		Key: aws.String(dir + "req-cut.requested.json"), Body: strings.NewReader(`{"request_id":"req-cut"}`)}); err != nil {
		t.Fatal(err)
	}
	r, mailed = report(id, "req-cut")
	if r.Result != purger.ReportSent || mailed != len(contacts) {
		t.Errorf("interrupted request: %+v, %d mails; want sent to %d contacts", r, mailed, len(contacts))
	}
	store = w.mail(t)
	for _, e := range store.Emails[len(store.Emails)-mailed:] {
		if !strings.HasPrefix(e.Subject, purger.ResendSubject) || !strings.Contains(e.Subject, purger.ReportSubject) {
			t.Errorf("interrupted request: subject %q, want it marked as a resend of a report sent on request", e.Subject)
		}
	}
	w.evidence(t, w.deps.S3, dir+"req-cut.sent.json")
	if got := w.evidence(t, w.deps.S3, o.Certificate[0]); string(got) != string(cert) {
		t.Error("the certificate changed")
	}
	if r, mailed := report(scenario.TenantInGrace, "req-3"); r.Result != purger.ReportPending || mailed != 0 {
		t.Errorf("tenant in grace: %+v, %d mails; want pending, none", r, mailed)
	}
	res := sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-event", w.reportEvent(t, scenario.TenantActive, "req-4"))
	if res.Code != 1 || !strings.Contains(res.Stderr, "no deletion certificate") {
		t.Errorf("active tenant: exit %d, %s", res.Code, res.Stderr)
	}
	res = sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-event", w.reportEvent(t, id, "bad/id"))
	if res.Code != 1 || !strings.Contains(res.Stderr, "requestId") {
		t.Errorf("bad request id: exit %d, %s", res.Code, res.Stderr)
	}
}
