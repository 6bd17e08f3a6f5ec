package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/verify"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	subject  = "123456789012-ap-northeast-1"
	topicARN = "arn:aws:sns:ap-northeast-1:123456789012:pledge-ops"
)

var (
	start   = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tokyo   = mustZone("Asia/Tokyo")
	bucket1 = "arn:aws:s3:::tenant-data"
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func result(id, resource string, s check.Status, reason string) check.Result {
	return check.Result{CheckID: id, Resource: resource, Status: s, Reason: reason}
}

type rig struct {
	v   *verify.Verifier
	c   *collector
	b   *bucket
	t   *topic
	clk *clock
	emf *bytes.Buffer
	rec *metrics.Recorder
}

func newRig(results ...check.Result) *rig {
	r := &rig{c: &collector{results: results}, b: newBucket(), t: &topic{}, clk: &clock{t: start}, emf: &bytes.Buffer{}}
	r.rec = metrics.New(r.emf, map[string]string{"Function": "compliance-verifier"}, r.clk.now)
	r.v = &verify.Verifier{
		Checks: r.c, Subject: subject,
		Evidence: &evidence.Store{S3: r.b, Bucket: "evidence"}, Reports: r.b, Bucket: "evidence",
		Ops: r.t, OpsTopicARN: topicARN, Metrics: r.rec, Location: tokyo, Now: r.clk.now,
	}
	return r
}

func (r *rig) run(t *testing.T) verify.Result {
	t.Helper()
	res, err := r.v.Run(context.Background())
	if err != nil {
		t.Fatalf("run at %s: %v", r.clk.t, err)
	}
	return res
}

func TestVerifier_AlertsOnlyWhenAResultChanges(t *testing.T) {
	r := newRig(
		result(check.S3TLSOnly, bucket1, check.Fail, "Bucket tenant-data has no bucket policy."),
		result(check.GuardDutyEnabled, "arn:aws:guardduty:ap-northeast-1:123456789012:", check.Pass, "Enabled."),
	)

	first := r.run(t)
	if !first.Alerted || len(r.t.sent()) != 1 {
		t.Fatalf("first run: alerted %v, %d messages; want one alert for the open failure", first.Alerted, len(r.t.sent()))
	}
	if first.PreviousReportKey != "" || len(first.Changes) != 1 || first.Changes[0].Current != check.Fail {
		t.Errorf("first run: previous %q, changes %+v", first.PreviousReportKey, first.Changes)
	}
	msg := r.t.sent()[0]
	if aws.ToString(msg.TopicArn) != topicARN || !strings.Contains(aws.ToString(msg.Message), "s3.tls-only "+bucket1+": now FAIL") {
		t.Errorf("alert %q to %s", aws.ToString(msg.Message), aws.ToString(msg.TopicArn))
	}
	if !strings.Contains(aws.ToString(msg.Message), "s3://evidence/"+first.ReportKey) {
		t.Errorf("alert does not name the report %s:\n%s", first.ReportKey, aws.ToString(msg.Message))
	}
	if keys := r.b.keys(verify.Kind + "/"); len(keys) != 2 || keys[0] != first.HTMLKey || keys[1] != first.ReportKey {
		t.Errorf("stored %v, want the report %s and its HTML %s", keys, first.ReportKey, first.HTMLKey)
	}
	if got := r.b.types[first.HTMLKey]; got != "text/html; charset=utf-8" {
		t.Errorf("HTML stored as %q", got)
	}
	if !strings.HasPrefix(first.ReportKey, "verification-report/2026/11/22/20261122T000000.000Z_"+subject+"_") {
		t.Errorf("report key %s", first.ReportKey)
	}

	// An hour later, nothing changed: no alert, compared with the first report.
	r.clk.t = start.Add(time.Hour)
	second := r.run(t)
	if second.Alerted || len(r.t.sent()) != 1 || len(second.Changes) != 0 {
		t.Errorf("second identical run: alerted %v, %d messages in all, changes %+v; want silence", second.Alerted, len(r.t.sent()), second.Changes)
	}
	if second.PreviousReportKey != first.ReportKey {
		t.Errorf("second run compared with %q, want %q", second.PreviousReportKey, first.ReportKey)
	}
	if len(second.Failures) != 1 || second.Failures[0].CheckID != check.S3TLSOnly || second.Totals.Failures != 1 {
		t.Errorf("second run still reports the failure: %+v", second.Failures)
	}

	// The bucket is fixed: one alert for the recovery.
	r.clk.t = start.Add(2 * time.Hour)
	r.c.results[0] = result(check.S3TLSOnly, bucket1, check.Pass, "Denies.")
	third := r.run(t)
	if !third.Alerted || len(r.t.sent()) != 2 || len(third.Changes) != 1 || !third.Changes[0].Recovered() {
		t.Fatalf("recovery: alerted %v, changes %+v", third.Alerted, third.Changes)
	}
	if m := aws.ToString(r.t.sent()[1].Message); !strings.Contains(m, "Recovered") || !strings.Contains(m, "FAIL -> PASS") {
		t.Errorf("recovery alert:\n%s", m)
	}
	if third.PreviousReportKey != second.ReportKey {
		t.Errorf("third run compared with %q, want the second report %q", third.PreviousReportKey, second.ReportKey)
	}
}

func TestVerifier_StoredReportIsTheRecord(t *testing.T) {
	r := newRig(result(check.LogsRetention, "arn:aws:logs:ap-northeast-1:123456789012:log-group:/app", check.Fail, "Too short."))
	res := r.run(t)
	var rec struct {
		Kind    string       `json:"kind"`
		Subject string       `json:"subject"`
		Time    time.Time    `json:"time"`
		Body    check.Report `json:"body"`
	}
	if err := json.Unmarshal(r.b.objects[res.ReportKey], &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Kind != verify.Kind || rec.Subject != subject || !rec.Time.Equal(start) || len(rec.Body.Results) != 1 || rec.Body.Results[0].Controls[0] != "A.12.4.1" {
		t.Errorf("stored record %+v", rec)
	}
	html := string(r.b.objects[res.HTMLKey])
	if !strings.Contains(html, "/app") || !strings.Contains(html, "Too short.") {
		t.Errorf("HTML report lacks the result:\n%.500s", html)
	}
}

func TestVerifier_DryRunWritesAndPublishesNothing(t *testing.T) {
	r := newRig(result(check.S3TLSOnly, bucket1, check.Fail, "No policy."))
	r.v.DryRun = true
	r.v.Evidence = &evidence.Store{S3: r.b, Bucket: "evidence", DryRun: true}
	res := r.run(t)
	if len(res.Changes) != 1 || res.Alerted || !res.DryRun {
		t.Errorf("dry run: changes %+v, alerted %v", res.Changes, res.Alerted)
	}
	if len(r.t.sent()) != 0 || r.b.calls["PutObject"] != 0 || res.ReportKey != "" {
		t.Errorf("dry run wrote %d objects, published %d messages, report key %q", r.b.calls["PutObject"], len(r.t.sent()), res.ReportKey)
	}
	if r.b.calls["ListObjectsV2"] == 0 {
		t.Error("dry run did not look for the previous report")
	}
}

func TestVerifier_FindsThePreviousReport(t *testing.T) {
	fail := result(check.S3TLSOnly, bucket1, check.Fail, "No policy.")

	t.Run("AcrossMidnight", func(t *testing.T) {
		r := newRig(fail)
		r.clk.t = time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC)
		first := r.run(t)
		r.clk.t = time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC)
		second := r.run(t)
		if second.PreviousReportKey != first.ReportKey || second.Alerted {
			t.Errorf("after midnight: previous %q (want %q), alerted %v", second.PreviousReportKey, first.ReportKey, second.Alerted)
		}
		// The first run finds nothing in 21, 20 and 19 November (48 hours
		// back from 23:30 reach into the 19th); the second lists the 22nd,
		// empty, then the 21st.
		if got := r.b.calls["ListObjectsV2"]; got != 3+2 {
			t.Errorf("ListObjectsV2 called %d times, want 5", got)
		}
	})

	t.Run("OverSeveralPages", func(t *testing.T) {
		r := newRig(fail)
		r.b.pageSize = 3
		var last string
		for i := range 7 {
			r.clk.t = start.Add(time.Duration(i) * time.Hour)
			last = r.run(t).ReportKey
		}
		r.clk.t = start.Add(7 * time.Hour)
		before := r.b.calls["ListObjectsV2"]
		res := r.run(t)
		if res.PreviousReportKey != last {
			t.Errorf("previous %q, want the newest %q", res.PreviousReportKey, last)
		}
		// 7 reports and 7 HTML pages in the day: 14 keys, pages of 3.
		if got := r.b.calls["ListObjectsV2"] - before; got != 5 {
			t.Errorf("listed %d pages, want 5", got)
		}
	})

	t.Run("IgnoresOtherSubjectsAndLaterReports", func(t *testing.T) {
		r := newRig(fail)
		first := r.run(t)
		// Another region's verifier reports to the same bucket, later.
		other := *r.v
		other.Subject = "123456789012-us-east-1"
		other.Checks = &collector{}
		r.clk.t = start.Add(30 * time.Minute)
		if _, err := other.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A report from the future (an invoke run with -now ahead).
		r.clk.t = start.Add(5 * time.Hour)
		r.run(t)
		r.clk.t = start.Add(time.Hour)
		res := r.run(t)
		if res.PreviousReportKey != first.ReportKey {
			t.Errorf("previous %q, want %q", res.PreviousReportKey, first.ReportKey)
		}
	})

	t.Run("NotBeyondLookback", func(t *testing.T) {
		r := newRig(fail)
		r.run(t)
		r.clk.t = start.Add(72 * time.Hour)
		res := r.run(t)
		if res.PreviousReportKey != "" || !res.Alerted {
			t.Errorf("three days later with a 48h lookback: previous %q, alerted %v; want a fresh start that alerts", res.PreviousReportKey, res.Alerted)
		}
		r.clk.t = start.Add(72*time.Hour + 168*time.Hour)
		r.v.Lookback = 8 * 24 * time.Hour
		if res := r.run(t); res.PreviousReportKey == "" || res.Alerted {
			t.Errorf("a weekly schedule's lookback: previous %q, alerted %v", res.PreviousReportKey, res.Alerted)
		}
	})
}

func TestVerifier_FailedAlertIsSentAgainNextRun(t *testing.T) {
	r := newRig(result(check.S3TLSOnly, bucket1, check.Fail, "No policy."))
	r.t.fail = errors.New("sns down")
	res, err := r.v.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "publish alert of 1 changes: sns down") {
		t.Fatalf("err = %v", err)
	}
	if res.Alerted || res.ReportKey != "" || len(r.b.keys("")) != 0 {
		t.Errorf("a failed alert stored %v (alerted %v); the report must wait for the alert", r.b.keys(""), res.Alerted)
	}
	r.t.fail = nil
	r.clk.t = start.Add(time.Hour)
	again := r.run(t)
	if !again.Alerted || len(r.t.sent()) != 1 {
		t.Errorf("next run: alerted %v with %d messages, want the change alerted", again.Alerted, len(r.t.sent()))
	}
}

func TestVerifier_UnreadablePreviousReportAlertsAndFails(t *testing.T) {
	r := newRig(result(check.S3TLSOnly, bucket1, check.Fail, "No policy."))
	r.run(t)
	r.b.deny["ListObjectsV2"] = true
	r.clk.t = start.Add(time.Hour)
	res, err := r.v.Run(context.Background())
	if err == nil || !check.IsAccessDenied(err) || !strings.Contains(err.Error(), "list earlier reports under s3://evidence/verification-report/2026/11/22/") {
		t.Fatalf("err = %v, want the denied listing", err)
	}
	if !res.Alerted || res.ReportKey == "" {
		t.Errorf("alerted %v, report %q: an unreadable history must not hide failures nor skip the report", res.Alerted, res.ReportKey)
	}
}

func TestVerifier_NoTopicIsAnError(t *testing.T) {
	r := newRig(result(check.S3TLSOnly, bucket1, check.Fail, "No policy."))
	r.v.OpsTopicARN = ""
	if _, err := r.v.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "PLEDGE_OPS_TOPIC_ARN") {
		t.Errorf("err = %v", err)
	}
	// Without changes no topic is needed.
	r = newRig(result(check.S3TLSOnly, bucket1, check.Pass, "Denies."))
	r.v.OpsTopicARN = ""
	r.run(t)
}

func TestVerifier_Metrics(t *testing.T) {
	r := newRig(
		result(check.S3TLSOnly, bucket1, check.Fail, "No policy."),
		result(check.S3TLSOnly, "arn:aws:s3:::evidence", check.Pass, "Denies."),
		result(check.KMSKeyRotation, "arn:aws:kms:ap-northeast-1:123456789012:key/k", check.Error, "Denied."),
	)
	r.v.Request.Checks = []string{check.S3TLSOnly, check.KMSKeyRotation, check.GuardDutyEnabled}
	r.run(t)
	if err := r.rec.Flush(); err != nil {
		t.Fatal(err)
	}
	type line struct {
		CheckID  string
		Function string
		Passed   float64 `json:"ChecksPassed"`
		Failed   float64 `json:"ChecksFailed"`
		Errored  float64 `json:"ChecksErrored"`
		AWS      struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
			}
		} `json:"_aws"`
	}
	got := map[string]line{}
	for _, raw := range strings.Split(strings.TrimSpace(r.emf.String()), "\n") {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		if l.AWS.CloudWatchMetrics[0].Namespace != "Pledge" || l.Function != "compliance-verifier" {
			t.Errorf("line %s", raw)
		}
		got[l.CheckID] = l
	}
	for id, want := range map[string][3]float64{
		check.S3TLSOnly: {1, 1, 0}, check.KMSKeyRotation: {0, 0, 1}, check.GuardDutyEnabled: {0, 0, 0}, "": {1, 1, 1},
	} {
		l, ok := got[id]
		if !ok {
			t.Errorf("no metrics for %q", id)
			continue
		}
		if [3]float64{l.Passed, l.Failed, l.Errored} != want {
			t.Errorf("%q: passed/failed/errored %v/%v/%v, want %v", id, l.Passed, l.Failed, l.Errored, want)
		}
	}
	if len(got) != 4 {
		t.Errorf("metric lines for %d dimension sets, want 3 checks and the total", len(got))
	}
}

func TestAlert_Golden(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	prev := check.Build([]check.Result{
		check.NewResult(check.S3TLSOnly, bucket1, check.Fail, "Bucket tenant-data has no bucket policy, so nothing denies requests sent without TLS.", now.Add(-time.Hour)),
		check.NewResult(check.RDSSnapshotEncrypted, "arn:aws:rds:ap-northeast-1:123456789012:snapshot:old", check.Fail, "DB snapshot old of orders-db is not encrypted.", now.Add(-time.Hour)),
		check.NewResult(check.GuardDutyEnabled, "arn:aws:guardduty:ap-northeast-1:123456789012:", check.Pass, "GuardDuty detector d-1 is enabled.", now.Add(-time.Hour)),
	}, now.Add(-time.Hour))
	cur := check.Build([]check.Result{
		check.NewResult(check.S3TLSOnly, bucket1, check.Pass, "The policy of bucket tenant-data denies all S3 actions on the bucket and its objects when aws:SecureTransport is false.", now),
		check.NewResult(check.GuardDutyEnabled, "arn:aws:guardduty:ap-northeast-1:123456789012:", check.Error, "The verifier was denied permission, so this could not be evaluated.", now),
		check.NewResult(check.TimeSyncChrony, "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123456789abcdef0", check.Fail, "The clock is 350ms fast and chrony bounds its error at 350.01ms, not below the 100ms limit.", now),
	}, now)
	subjectLine, msg := verify.Alert(cur, check.Changes(prev, cur), subject, "evidence", "verification-report/2026/11/21/prev.json", "verification-report/2026/11/22/cur.json", tokyo)
	if want := "Pledge compliance 123456789012-ap-northeast-1: 2 new failures or errors, 2 recovered"; subjectLine != want {
		t.Errorf("subject %q, want %q", subjectLine, want)
	}
	golden := filepath.Join("testdata", "alert.golden.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if msg != string(want) {
		t.Errorf("alert differs from %s (run with -update):\n%s", golden, msg)
	}
}

func TestAlert_BoundsTheMessage(t *testing.T) {
	now := start
	var rs []check.Result
	for i := range 250 {
		rs = append(rs, check.NewResult(check.LogsRetention, "arn:aws:logs:ap-northeast-1:123456789012:log-group:/g/"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), check.Fail, "Too short.", now))
	}
	cur := check.Build(rs, now)
	subj, msg := verify.Alert(cur, check.Changes(check.Report{}, cur), "a\u00e9\n"+strings.Repeat("s", 200), "evidence", "", "k.json", time.UTC)
	if len(subj) >= 100 || strings.ContainsAny(subj, "\n\u00e9") {
		t.Errorf("subject %q is not SNS-safe", subj)
	}
	if n := strings.Count(msg, "\n- "); n != 101 || !strings.Contains(msg, "... and 150 more changes; see the report.") {
		t.Errorf("%d lines listed; message tail:\n%s", n, msg[len(msg)-300:])
	}
	if !strings.Contains(msg, "No previous report was found") {
		t.Error("a first run does not say why every failure is listed")
	}
}

// FuzzVerifier_PreviousReport feeds the verifier whatever the newest
// stored report holds: it must compare with it, or fail naming the key,
// never panic or alert silently on garbage.
func FuzzVerifier_PreviousReport(f *testing.F) {
	good, _ := json.Marshal(evidence.Record{Kind: verify.Kind, Time: start, Subject: subject, Body: check.Build([]check.Result{
		check.NewResult(check.S3TLSOnly, bucket1, check.Fail, "No policy.", start)}, start)})
	f.Add(good)
	f.Add([]byte(`{"kind":"snapshot-run","body":{}}`))
	f.Add([]byte(`{"kind":"verification-report","body":{"results":[{"checkId":"s3.tls-only","status":7}]}}`))
	f.Add([]byte(`not json`))
	f.Add([]byte{})
	const key = "verification-report/2026/11/22/20261121T230000.000Z_" + subject + "_000000000000.json"
	f.Fuzz(func(t *testing.T, stored []byte) {
		r := newRig(result(check.S3TLSOnly, bucket1, check.Fail, "No policy."))
		r.b.objects[key] = stored
		r.clk.t = start.Add(time.Hour)
		res, err := r.v.Run(context.Background())
		switch {
		case err != nil:
			if !strings.Contains(err.Error(), key) {
				t.Errorf("error does not name the report: %v", err)
			}
			if !res.Alerted {
				t.Error("an unreadable previous report hid the open failure")
			}
		case res.PreviousReportKey != key:
			t.Errorf("compared with %q, want %q", res.PreviousReportKey, key)
		}
	})
}
