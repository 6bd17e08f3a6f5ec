package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/verify"
)

type world struct {
	sb  *sandbox.Sandbox
	s3  *s3.Client
	bin string
	env []string
	vw  scenario.VerificationWorld
	now time.Time
}

// setup seeds the backup scenario, the evidence bucket and the verifier's
// part. now is a quarter past the previous hour, so that the seeded
// managed snapshots stay fresh (under two hours old) for every run the
// tests make within the next 40 minutes.
func setup(t *testing.T) *world {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Hour).Add(-45 * time.Minute)
	if _, err := scenario.SeedRDS(sb.Sim, now); err != nil {
		t.Fatal(err)
	}
	c := sandboxtest.S3(sb)
	if err := scenario.SeedEvidence(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	vw, err := scenario.SeedVerification(ctx, scenario.DepsFor(sb), now)
	if err != nil {
		t.Fatal(err)
	}
	env := append([]string{sandboxtest.ConfigEnv(scenario.VerifierConfig(scenario.Config()))}, vw.Env()...)
	return &world{sb: sb, s3: c, bin: sandboxtest.Build(t, "compliance-verifier"), env: env, vw: vw, now: now}
}

// invoke runs the binary once at now+after and returns its result.
func (w *world) invoke(t *testing.T, after time.Duration, args ...string) verify.Result {
	t.Helper()
	at := w.now.Add(after).Format(time.RFC3339Nano)
	r := sandboxtest.Invoke(t, w.sb, w.bin, w.env, append([]string{"invoke", "-now", at}, args...)...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var res verify.Result
	r.Decode(t, &res)
	return res
}

func (w *world) get(t *testing.T, key string) ([]byte, string) {
	t.Helper()
	out, err := w.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", scenario.EvidenceBucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, aws.ToString(out.ContentType)
}

// report reads a stored report record.
func (w *world) report(t *testing.T, key string) check.Report {
	t.Helper()
	b, _ := w.get(t, key)
	var rec struct {
		Kind string       `json:"kind"`
		Body check.Report `json:"body"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("report %s: %v", key, err)
	}
	if rec.Kind != verify.Kind {
		t.Fatalf("report %s has kind %q", key, rec.Kind)
	}
	return rec.Body
}

func (w *world) evidenceKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(w.s3, &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String(verify.Kind + "/")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func (w *world) alerts() []awssim.SNSMessage {
	var out []awssim.SNSMessage
	for _, m := range w.sb.Sim.SNS().Messages() {
		if m.TopicArn == w.vw.OpsTopicARN {
			out = append(out, m)
		}
	}
	return out
}

// verdicts compares a report with the scenario's expectations: every
// expectation met by exactly one result, and no FAIL or ERROR the scenario
// did not seed.
func verdicts(t *testing.T, r check.Report, want []scenario.Expectation) {
	t.Helper()
	byKey := map[string][]check.Result{}
	for _, res := range r.Results {
		k := res.CheckID + " " + res.Resource
		byKey[k] = append(byKey[k], res)
	}
	expected := map[string]bool{}
	for _, e := range want {
		k := e.CheckID + " " + e.Resource
		expected[k] = true
		got := byKey[k]
		switch {
		case len(got) != 1:
			t.Errorf("%s (%s): %d results, want 1", k, e.Why, len(got))
		case !e.Matches(got[0]):
			t.Errorf("%s (%s): %s %q, want %s mentioning %q", k, e.Why, got[0].Status, got[0].Reason, e.Status, e.Reason)
		case e.Status != check.Pass && (len(got[0].Controls) == 0 || got[0].Reason == ""):
			t.Errorf("%s: %s without controls or reason: %+v", k, got[0].Status, got[0])
		}
	}
	for _, res := range r.Results {
		if k := res.CheckID + " " + res.Resource; !expected[k] && res.Status != check.Pass {
			t.Errorf("unexpected %s %s: %s", res.Status, k, res.Reason)
		}
	}
}

// TestVerifier_Sandbox runs the real binary against the sandbox: a dry run
// writes and sends nothing; the first run reports every seeded
// misconfiguration FAIL with its control and reason, every good resource
// PASS, the denied call ERROR, stores the JSON and HTML reports and sends
// one alert; a second run without changes sends none; throttling on
// several operations still gives the complete report; fixing the drifting
// clock gives one alert naming the recovery.
func TestVerifier_Sandbox(t *testing.T) {
	w := setup(t)

	dry := w.invoke(t, 0, "-dry-run")
	if !dry.DryRun || dry.ReportKey != "" || dry.Alerted || len(w.evidenceKeys(t)) != 0 || len(w.alerts()) != 0 {
		t.Fatalf("dry run wrote or sent something: %+v, evidence %v, alerts %d", dry, w.evidenceKeys(t), len(w.alerts()))
	}

	first := w.invoke(t, time.Minute)
	if first.PreviousReportKey != "" || !first.Alerted || first.ReportKey == "" || first.HTMLKey == "" {
		t.Fatalf("first run: %+v", first)
	}
	report := w.report(t, first.ReportKey)
	verdicts(t, report, w.vw.Expected)
	// chronyc went out with the stack's own document, never the shell one.
	invs := w.sb.Sim.SSM().State().Invocations
	if len(invs) == 0 {
		t.Error("no SSM command was sent")
	}
	for _, inv := range invs {
		if inv.DocumentName != scenario.TimeSyncDocument {
			t.Errorf("command %s sent with document %s, want %s", inv.CommandId, inv.DocumentName, scenario.TimeSyncDocument)
		}
	}
	if dry.Totals != first.Totals {
		t.Errorf("dry run totals %+v, real run %+v", dry.Totals, first.Totals)
	}
	if report.Totals != first.Totals || first.Totals.Failures == 0 || first.Totals.Errors != 1 {
		t.Errorf("totals: report %+v, result %+v; want failures and exactly one error (the denied call)", report.Totals, first.Totals)
	}
	notPass := 0
	for _, e := range w.vw.Expected {
		if e.Status != check.Pass {
			notPass++
		}
	}
	if len(first.Failures) != notPass || len(first.Changes) != notPass {
		t.Errorf("first run: %d failures and %d changes, want the %d seeded", len(first.Failures), len(first.Changes), notPass)
	}
	for _, f := range first.Failures {
		if len(f.Controls) == 0 || f.Reason == "" {
			t.Errorf("failure without control or reason: %+v", f)
		}
	}

	t.Run("HTMLReport", func(t *testing.T) {
		page, ctype := w.get(t, first.HTMLKey)
		if !strings.HasPrefix(ctype, "text/html") {
			t.Errorf("content type %q", ctype)
		}
		html := string(page)
		for _, s := range []string{scenario.InstanceDrifting, scenario.ExportsBucket, scenario.PolicyLegacy, scenario.LogGroupShort, "A.12.4.4", "クロックの同期", "Clock synchronisation"} {
			if !strings.Contains(html, s) {
				t.Errorf("the HTML report does not mention %q", s)
			}
		}
	})

	alerts := w.alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts after the first run, want 1", len(alerts))
	}
	for _, e := range w.vw.Expected {
		if e.Status != check.Pass && !strings.Contains(alerts[0].Message, e.Resource) {
			t.Errorf("the first alert does not name %s (%s)", e.Resource, e.Why)
		}
	}
	if !strings.Contains(alerts[0].Message, first.ReportKey) {
		t.Errorf("the alert does not say where the report is:\n%s", alerts[0].Message)
	}

	// A second run, nothing changed: no alert, compared with the first.
	w.sb.Sim.ResetCounts()
	second := w.invoke(t, 5*time.Minute)
	if second.PreviousReportKey != first.ReportKey || len(second.Changes) != 0 || second.Alerted || second.ReportKey == first.ReportKey {
		t.Errorf("second run: previous %q changes %v alerted %v key %q", second.PreviousReportKey, second.Changes, second.Alerted, second.ReportKey)
	}
	if n := len(w.alerts()); n != 1 {
		t.Errorf("%d alerts after an unchanged run, want still 1", n)
	}
	calm := w.sb.Sim.Counts()

	// Throttling: the SDK retries, and the report is complete.
	throttled := []awssim.Fault{
		{Service: "ec2", Operation: "DescribeInstances", Kind: awssim.FaultThrottle, Count: 2},
		{Service: "rds", Operation: "DescribeDBSnapshots", Kind: awssim.FaultThrottle, Count: 2},
		{Service: "kms", Operation: "ListKeys", Kind: awssim.FaultThrottle, Count: 2},
		{Service: "logs", Operation: "DescribeLogGroups", Kind: awssim.FaultThrottle, Count: 2},
		{Service: "ssm", Operation: "SendCommand", Kind: awssim.FaultThrottle, Count: 1},
		{Service: "elasticloadbalancing", Operation: "DescribeLoadBalancers", Kind: awssim.FaultThrottle, Count: 1},
	}
	for _, f := range throttled {
		if err := w.sb.Sim.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	w.sb.Sim.ResetCounts()
	third := w.invoke(t, 10*time.Minute)
	counts := w.sb.Sim.Counts()
	if third.Totals != first.Totals || len(third.Changes) != 0 || third.Alerted || third.PreviousReportKey != second.ReportKey {
		t.Errorf("throttled run: totals %+v (want %+v), changes %v, alerted %v", third.Totals, first.Totals, third.Changes, third.Alerted)
	}
	verdicts(t, w.report(t, third.ReportKey), w.vw.Expected)
	for _, f := range throttled {
		k := f.Service + ":" + f.Operation
		if counts[k] != calm[k]+f.Count {
			t.Errorf("%s: %d calls under throttling, want %d (%d + %d retried)", k, counts[k], calm[k]+f.Count, calm[k], f.Count)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(calm)) {
		if !slices.ContainsFunc(throttled, func(f awssim.Fault) bool { return f.Service+":"+f.Operation == k }) && counts[k] != calm[k] {
			t.Errorf("%s: %d calls in the throttled run, %d in the calm one", k, counts[k], calm[k])
		}
	}
	if n := len(w.alerts()); n != 1 {
		t.Errorf("%d alerts after the throttled run, want still 1", n)
	}

	// The drifting clock is fixed: one alert, naming the recovery.
	if err := scenario.FixDriftingClock(w.sb.Sim); err != nil {
		t.Fatal(err)
	}
	fourth := w.invoke(t, 15*time.Minute)
	drifting := fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", sandbox.Region, awssim.DefaultAccountID, scenario.InstanceDrifting)
	if len(fourth.Changes) != 1 || fourth.Changes[0].Resource != drifting || !fourth.Changes[0].Recovered() || fourth.Changes[0].Previous != check.Fail || !fourth.Alerted {
		t.Fatalf("after the fix: changes %+v alerted %v, want the drifting clock recovered", fourth.Changes, fourth.Alerted)
	}
	alerts = w.alerts()
	if len(alerts) != 2 {
		t.Fatalf("%d alerts after the fix, want 2", len(alerts))
	}
	last := alerts[1]
	if !strings.Contains(last.Subject, "0 new failures or errors, 1 recovered") || !strings.Contains(last.Message, drifting+": FAIL -> PASS") {
		t.Errorf("recovery alert:\n%s\n%s", last.Subject, last.Message)
	}
	if got, want := len(w.evidenceKeys(t)), 8; got != want {
		t.Errorf("%d report objects in the evidence bucket, want %d (JSON and HTML for 4 runs)", got, want)
	}
}
