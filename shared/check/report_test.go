package check_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/chrony"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleResults is one run over a small account: every kind of verdict,
// including a denied permission.
func sampleResults(t *testing.T) []check.Result {
	t.Helper()
	denied := check.Errored(check.KMSKeyRotation, "arn:aws:kms:ap-northeast-1:123456789012:key/k9", errDenied, now)
	return []check.Result{
		check.LogRetention(check.LogGroup{Name: "/aws/lambda/app", ARN: "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/app", RetentionDays: 90}, 180, "", now),
		check.TimeSync("i-0aaa", chronyFixture(t, "amazon-ipv4.csv"), chrony.Rule{MaxOffset: 100 * time.Millisecond}, now),
		check.TimeSync("i-0bbb", chronyFixture(t, "phc-large-offset.csv"), chrony.Rule{MaxOffset: 100 * time.Millisecond}, now),
		check.ManagedClock(check.Lambda, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", now),
		check.SnapshotEncryption(check.Snapshot{Kind: "DB snapshot", ID: "manual-1", ARN: "arn:aws:rds:ap-northeast-1:123456789012:snapshot:manual-1", Database: "app-db"}, now),
		check.BucketPolicyTLS("arn:aws:s3:::tenant-data", policy(denyBoth), now),
		check.BucketPolicyTLS("arn:aws:s3:::evidence", "", now),
		check.ListenerTLS(check.Listener{ARN: "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/web/1/2", LoadBalancer: "web", Protocol: "HTTPS", Port: 443, SSLPolicy: "ELBSecurityPolicy-2016-08"}, nil, now),
		denied,
		check.GuardDuty("arn:aws:guardduty:ap-northeast-1:123456789012:", []check.Detector{{ID: "d1", Status: "ENABLED"}}, now),
		check.PITR(check.Database{Kind: "DB instance", ID: "app-db", ARN: "arn:aws:rds:ap-northeast-1:123456789012:db:app-db", BackupRetentionDays: 7}, 7, now),
	}
}

func TestBuild_SummarisesPerControl(t *testing.T) {
	r := check.Build(sampleResults(t), now)
	if got, want := r.Totals, (check.Counts{Checks: 9, Results: 11, Passes: 5, Failures: 5, Errors: 1}); got != want {
		t.Errorf("Totals = %+v, want %+v", got, want)
	}
	var ids []string
	byID := map[string]check.ControlSummary{}
	for _, c := range r.Controls {
		ids = append(ids, c.ID)
		byID[c.ID] = c
	}
	if want := []string{"A.10.1.1", "A.10.1.2", "A.12.3.1", "A.12.4.1", "A.12.4.4", "CLD.12.4.5", "A.13.1.1", "A.14.1.2", "A.14.1.3"}; !slices.Equal(ids, want) {
		t.Errorf("controls = %v, want %v", ids, want)
	}
	tests := []struct {
		id     string
		counts check.Counts
		checks []string
	}{
		// snapshot (FAIL), two buckets' TLS (PASS, FAIL), listener (FAIL)
		{"A.10.1.1", check.Counts{Checks: 3, Results: 4, Passes: 1, Failures: 3}, []string{check.RDSSnapshotEncrypted, check.S3TLSOnly, check.ELBTLS12Policy}},
		{"A.10.1.2", check.Counts{Checks: 1, Results: 1, Errors: 1}, []string{check.KMSKeyRotation}},
		{"A.12.3.1", check.Counts{Checks: 2, Results: 2, Passes: 1, Failures: 1}, []string{check.RDSSnapshotEncrypted, check.RDSPITRRetention}},
		{"A.12.4.4", check.Counts{Checks: 2, Results: 3, Passes: 2, Failures: 1}, []string{check.TimeSyncChrony, check.TimeSyncManaged}},
		{"A.13.1.1", check.Counts{Checks: 1, Results: 2, Passes: 1, Failures: 1}, []string{check.S3TLSOnly}},
	}
	for _, tt := range tests {
		s := byID[tt.id]
		if s.Counts != tt.counts {
			t.Errorf("%s counts = %+v, want %+v", tt.id, s.Counts, tt.counts)
		}
		if !slices.Equal(s.CheckIDs, tt.checks) {
			t.Errorf("%s checks = %v, want %v", tt.id, s.CheckIDs, tt.checks)
		}
		if s.Japanese == "" || s.English == "" {
			t.Errorf("%s untitled", tt.id)
		}
	}
	// Results are in Definitions order, then by resource.
	var order []string
	for _, res := range r.Results {
		order = append(order, res.CheckID+" "+res.Resource)
	}
	if !slices.IsSortedFunc(r.Results, func(a, b check.Result) int {
		ia := slices.IndexFunc(check.Definitions, func(d check.Definition) bool { return d.ID == a.CheckID })
		ib := slices.IndexFunc(check.Definitions, func(d check.Definition) bool { return d.ID == b.CheckID })
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a.Resource, b.Resource)
	}) {
		t.Errorf("results out of order: %v", order)
	}
	if order[0] != "timesync.chrony i-0aaa" || order[len(order)-1] != "logs.retention arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/app" {
		t.Errorf("order = %v", order)
	}
}

func TestBuild_Empty(t *testing.T) {
	r := check.Build(nil, now)
	b, err := r.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"results": []`)) || !bytes.Contains(b, []byte(`"controls": []`)) {
		t.Errorf("empty report JSON has null lists:\n%s", b)
	}
}

func TestBuild_UnknownControlListedLast(t *testing.T) {
	r := check.Build([]check.Result{{CheckID: "x.y", Controls: []string{"A.99.1.1"}, Status: check.Pass, Resource: "r"}}, now)
	if len(r.Controls) != 1 || r.Controls[0].ID != "A.99.1.1" || r.Controls[0].English != "A.99.1.1" || r.Controls[0].Passes != 1 {
		t.Errorf("controls = %+v", r.Controls)
	}
}

func TestReport_JSONRoundTrip(t *testing.T) {
	r := check.Build(sampleResults(t), now)
	b, err := r.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	var back check.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip differs:\n%+v\n%+v", back, r)
	}
	for _, key := range []string{`"generatedAt": "2026-11-22T00:00:00Z"`, `"checkId": "timesync.chrony"`, `"status": "ERROR"`, `"configRules": [`, `"id": "A.12.4.4"`, `"ja": "クロックの同期"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	golden(t, "report.golden.json", b)
}

func TestRenderHTML_Golden(t *testing.T) {
	var buf bytes.Buffer
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	if err := check.RenderHTML(&buf, check.Build(sampleResults(t), now), tokyo); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, s := range []string{
		"2026-11-22 09:00:00 JST (UTC+09:00)",
		"クロックの同期", "Clock synchronisation",
		"不合格<br>FAIL", "評価不能<br>ERROR", "合格<br>PASS",
		"The clock is 350ms fast and chrony bounds its error at 350.01ms",
		"The verifier was denied permission",
		"<code>elbv2-predefined-security-policy-ssl-check</code>",
	} {
		if !strings.Contains(html, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	// Within a control, failures come before passes.
	sec := html[strings.Index(html, `<section id="A.12.4.4">`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if f, p := strings.Index(sec, "i-0bbb"), strings.Index(sec, "i-0aaa"); f < 0 || p < 0 || f > p {
		t.Errorf("failure i-0bbb not listed before pass i-0aaa in A.12.4.4")
	}
	golden(t, "report.golden.html", buf.Bytes())
}

func TestRenderHTML_EscapesReasons(t *testing.T) {
	// A stored report is outside input: its status, control ids and config
	// rules reach attributes (class, id, href) as well as text.
	hostile := check.Result{CheckID: `<i>check</i>`, Controls: []string{`"><img src=x onerror=alert(2)>`}, ConfigRules: []string{`<u>rule</u>`},
		Status: `ERROR" onmouseover="alert(3)`, Resource: "r", Reason: "hostile", EvaluatedAt: now}
	r := check.Build([]check.Result{check.NewResult(check.S3TLSOnly, `<script>alert(1)</script>`, check.Fail, `a <b>bold</b> & "quoted" reason`, now), hostile}, now)
	var buf bytes.Buffer
	if err := check.RenderHTML(&buf, r, nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<b>bold", "<img", "<i>", "<u>", `" onmouseover`} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("unescaped %q in HTML:\n%s", bad, buf.String())
		}
	}
	for _, want := range []string{"a &lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34; reason", `<section id="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;">`, "<code>&lt;u&gt;rule&lt;/u&gt;</code>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("HTML lacks escaped %q:\n%s", want, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "2026-11-22 00:00:00 UTC") {
		t.Error("nil location is not UTC")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking the change)\n--- got ---\n%s", name, got)
	}
}

func result(id, resource string, s check.Status, reason string) check.Result {
	return check.NewResult(id, resource, s, reason, now)
}

func TestChanges(t *testing.T) {
	run := func(rs ...check.Result) check.Report { return check.Build(rs, now) }
	a := func(s check.Status, reason string) check.Result {
		return result(check.S3TLSOnly, "arn:aws:s3:::a", s, reason)
	}
	b := func(s check.Status, reason string) check.Result {
		return result(check.TimeSyncChrony, "i-b", s, reason)
	}
	tests := []struct {
		name      string
		prev, cur check.Report
		want      []check.Change
	}{
		{"no change", run(a(check.Pass, "ok"), b(check.Fail, "drift 1")), run(a(check.Pass, "ok"), b(check.Fail, "drift 2")), []check.Change{}},
		{"new failure", run(a(check.Pass, "ok")), run(a(check.Fail, "no policy")),
			[]check.Change{{CheckID: check.S3TLSOnly, Resource: "arn:aws:s3:::a", Previous: check.Pass, Current: check.Fail, Reason: "no policy"}}},
		{"recovery", run(b(check.Fail, "drift")), run(b(check.Pass, "ok")),
			[]check.Change{{CheckID: check.TimeSyncChrony, Resource: "i-b", Previous: check.Fail, Current: check.Pass, Reason: "ok"}}},
		{"fail to error", run(b(check.Fail, "drift")), run(b(check.Error, "denied")),
			[]check.Change{{CheckID: check.TimeSyncChrony, Resource: "i-b", Previous: check.Fail, Current: check.Error, Reason: "denied"}}},
		{"first run reports failures and errors only", check.Report{}, run(a(check.Pass, "ok"), b(check.Error, "denied")),
			[]check.Change{{CheckID: check.TimeSyncChrony, Resource: "i-b", Current: check.Error, Reason: "denied"}}},
		{"failing resource gone", run(a(check.Fail, "no policy"), b(check.Pass, "ok")), run(),
			[]check.Change{{CheckID: check.S3TLSOnly, Resource: "arn:aws:s3:::a", Previous: check.Fail, Reason: "no policy"}}},
		{"passing resource gone is silent", run(a(check.Pass, "ok")), run(), []check.Change{}},
		{"same resource, other check is separate", run(result(check.S3DefaultEncryption, "arn:aws:s3:::a", check.Fail, "x")), run(a(check.Fail, "y")),
			[]check.Change{
				{CheckID: check.S3TLSOnly, Resource: "arn:aws:s3:::a", Current: check.Fail, Reason: "y"},
				{CheckID: check.S3DefaultEncryption, Resource: "arn:aws:s3:::a", Previous: check.Fail, Reason: "x"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check.Changes(tt.prev, tt.cur)
			if got == nil {
				t.Fatal("nil slice")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Changes =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// A second run over unchanged facts, evaluated an hour later, alerts on
// nothing.
func TestChanges_SecondIdenticalRunIsSilent(t *testing.T) {
	first := check.Build(sampleResults(t), now)
	if n := len(check.Changes(check.Report{}, first)); n != 6 {
		t.Errorf("first run: %d changes, want 6 (5 failures, 1 error)", n)
	}
	later := sampleResults(t)
	for i := range later {
		later[i].EvaluatedAt = now.Add(time.Hour)
	}
	second := check.Build(later, now.Add(time.Hour))
	if got := check.Changes(first, second); len(got) != 0 {
		t.Errorf("second identical run: %v", got)
	}
}

func TestChange_String(t *testing.T) {
	tests := []struct {
		c    check.Change
		want string
	}{
		{check.Change{CheckID: "s3.tls-only", Resource: "arn:aws:s3:::a", Previous: check.Pass, Current: check.Fail, Reason: "No policy."}, "s3.tls-only arn:aws:s3:::a: PASS -> FAIL: No policy."},
		{check.Change{CheckID: "s3.tls-only", Resource: "arn:aws:s3:::a", Current: check.Error, Reason: "Denied."}, "s3.tls-only arn:aws:s3:::a: now ERROR: Denied."},
		{check.Change{CheckID: "s3.tls-only", Resource: "arn:aws:s3:::a", Previous: check.Fail, Reason: "No policy."}, "s3.tls-only arn:aws:s3:::a: was FAIL, no longer reported: No policy."},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
	if !(check.Change{Current: check.Pass}).Recovered() || (check.Change{Current: check.Fail}).Recovered() {
		t.Error("Recovered wrong")
	}
}
