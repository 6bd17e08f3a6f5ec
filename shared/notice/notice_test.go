package notice_test

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notice"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func load(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// routedTo is routed for a fixture whose resources carry the tenant tag.
func routedTo(t testing.TB, fixture, tenant string) (finding.Finding, []finding.Resource) {
	return routed(t, fixture, tenant)
}

// routed parses a fixture and routes it, returning the finding and the
// resources of the given tenant, as the notifier does.
func routed(t testing.TB, fixture, tenant string) (finding.Finding, []finding.Resource) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../events", fixture))
	if err != nil {
		t.Fatal(err)
	}
	f, err := finding.Parse(raw, finding.Default())
	if err != nil {
		t.Fatal(err)
	}
	tenants := []finding.Tenant{
		{ID: "tenant-1", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: "pledge-tenant-data-111122223333", Prefix: "tenants/tenant-1/"}}},
		{ID: "tenant-2", Status: finding.StatusActive},
	}
	route := finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High}.Route(f, tenants)
	for _, r := range route.Recipients {
		if r.TenantID == tenant {
			return f, r.Resources
		}
	}
	t.Fatalf("%s: tenant %s is not a recipient: %+v", fixture, tenant, route)
	return finding.Finding{}, nil
}

var operator = notice.Localized{"ja": "株式会社プレッジ クラウド会計サービス", "en": "Pledge Cloud Accounting"}

var action = notice.Localized{
	"ja": "該当インスタンスをネットワークから隔離し、調査を開始しました。\n調査結果は 24 時間以内にご報告いたします。",
	"en": "We have isolated the instance from the network and started an investigation.\nWe will report our findings within 24 hours.",
}

func cases(t testing.TB) map[string]notice.Input {
	backdoor, backdoorRes := routed(t, "guardduty-ec2-backdoor.json", "tenant-2")
	s3, s3Res := routed(t, "guardduty-s3-exfiltration.json", "tenant-1")
	stop, stopRes := routed(t, "cloudtrail-stop-logging.json", "tenant-1")

	script := backdoor
	script.Title = `<script>alert("pwned")</script> & <b>bold</b>` + "\r\nBcc: victim@example.com"
	script.Type = `Backdoor:EC2/<img src=x onerror=alert(1)>`
	scriptRes := []finding.Resource{{Kind: finding.KindInstance, ID: `i-0"><script>x()</script>`}}

	burst := stop
	burst.Count = 50
	burst.FirstSeen, burst.LastSeen = stop.Detected, stop.Detected.Add(49*time.Second)
	late, lateRes := backdoor, backdoorRes
	late.Detected = time.Date(2022, 3, 1, 4, 0, 0, 0, time.UTC)
	late.FirstSeen = late.Detected
	ecs, ecsRes := routedTo(t, "guardduty-ecs-reverse-shell.json", "tenant-2")

	return map[string]notice.Input{
		"cloudtrail-burst-with-due": {
			TenantID: "tenant-1", TenantName: "株式会社サンプル商事", Location: load(t, "Asia/Tokyo"),
			Finding: burst, Resources: stopRes, Operator: operator, Contact: "security@pledge.example", Action: action,
			Due: time.Date(2026, 11, 21, 15, 12, 3, 0, time.UTC),
		},
		"late-arrival": {
			TenantID: "tenant-2", TenantName: "株式会社サンプル商事", Location: load(t, "Asia/Tokyo"),
			Finding: late, Resources: lateRes, Operator: operator, Contact: "security@pledge.example", Action: action,
			Due: late.Detected.Add(72 * time.Hour), Late: true, Received: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		},
		"ecs-container-guardduty-japanese": {
			TenantID: "tenant-2", TenantName: "株式会社サンプル商事", Location: load(t, "Asia/Tokyo"),
			Finding: ecs, Resources: ecsRes, Operator: operator, Contact: "security@pledge.example", Action: action,
		},
		"ec2-tag-tokyo": {
			TenantID: "tenant-2", TenantName: "株式会社サンプル商事", Location: load(t, "Asia/Tokyo"),
			Finding: backdoor, Resources: backdoorRes, Operator: operator, Contact: "security@pledge.example / 03-1234-5678", Action: action,
		},
		"s3-prefix-los-angeles": {
			TenantID: "tenant-1", TenantName: "Example Corp.", Location: load(t, "America/Los_Angeles"),
			Finding: s3, Resources: s3Res, Operator: operator, Contact: "https://support.pledge.example/security",
			Action: notice.Localized{
				"ja": "該当の IAM ユーザーの認証情報を無効化し、アクセスログを調査しています。",
				"en": "We have revoked the IAM user's credentials and are reviewing the access logs.",
			},
		},
		"script-title-escaped": {
			TenantID: "tenant-2", TenantName: "<Evil & Co>", Location: load(t, "Asia/Tokyo"),
			Finding: script, Resources: scriptRes, Operator: operator, Contact: "security@pledge.example", Action: action,
		},
		"platform-wide-english-first": {
			TenantID: "tenant-1", Languages: []string{"en", "ja"}, Location: load(t, "Europe/London"),
			Finding: stop, Resources: stopRes, Operator: operator, Contact: "security@pledge.example",
			Action: notice.Localized{
				"ja": "CloudTrail の記録を再開し、停止操作を行った認証情報を無効化しました。",
				"en": "We have restarted CloudTrail logging and revoked the credentials that stopped it.",
			},
		},
		"english-only-default-zone": {
			TenantID: "tenant-1", Languages: []string{"en"},
			Finding: backdoor, Resources: backdoorRes, Operator: operator, Contact: "security@pledge.example", Action: action,
		},
	}
}

func TestRender_Golden(t *testing.T) {
	for name, in := range cases(t) {
		t.Run(name, func(t *testing.T) {
			m, err := notice.Render(in)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			got := "Subject: " + m.Subject + "\n\n===== text =====\n" + m.Text + "\n===== html =====\n" + m.HTML
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(want) != got {
				t.Errorf("notice differs from %s (run go test -update to accept):\n%s", path, got)
			}
		})
	}
}

// TestRender_CountDueLateAndResources: what issue 12 added to a notice:
// the rule's explanation, a burst's count with its first and last times,
// the promised deadline, a late arrival said plainly, a GuardDuty title in
// Japanese in the Japanese part, and container resources with their image.
func TestRender_CountDueLateAndResources(t *testing.T) {
	c := cases(t)
	for name, wants := range map[string][]string{
		"cloudtrail-burst-with-due": {
			"この事象は 50 回観測されています（最初: 2026-11-21 18:12 JST (UTC+09:00)、最後: 2026-11-21 18:12 JST (UTC+09:00)）。",
			"This event has been observed 50 times (first at 2026-11-21 18:12 JST (UTC+09:00), last at 2026-11-21 18:12 JST (UTC+09:00)).",
			"本件のご連絡期限（弊社のお約束）: 2026-11-22 00:12 JST (UTC+09:00)", "We committed to notify you of it by: 2026-11-22 00:12 JST (UTC+09:00)",
			"すべての操作の記録が停止されました。", "The record of every operation on the service's AWS account was switched off.",
		},
		"late-arrival": {
			"この事象は 2022-03-01 13:00 JST (UTC+09:00) に検知されたものですが、弊社の監視に届いたのは 2026-11-22 12:00 JST (UTC+09:00) でした。",
			"This event was detected at 2022-03-01 13:00 JST (UTC+09:00) but reached our monitoring only at 2026-11-22 12:00 JST (UTC+09:00).",
		},
		"ecs-container-guardduty-japanese": {
			"リバースシェルが作成されたおそれがあります", "A reverse shell was created in a container of ECS cluster tenant-2-workers.",
			"ECS クラスター: tenant-2-workers", "ECS タスク: 5c2e8f1a9b7d4c3e8f6a2b1c0d9e8f7a (service:report-worker)",
			"コンテナ: report-worker (111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/report-worker:2026.11.3)",
			"Container: report-worker (111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/report-worker:2026.11.3)",
		},
	} {
		m, err := notice.Render(c[name])
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", html.UnescapeString(m.HTML)}} {
			for _, want := range wants {
				if !strings.Contains(part.body, want) {
					t.Errorf("%s %s: missing %q", name, part.name, want)
				}
			}
		}
		ja := strings.Index(m.Text, "Dear ")
		if title := m.Subject; name == "ecs-container-guardduty-japanese" && (!strings.HasPrefix(title, "【") || !strings.Contains(title[:strings.Index(title, " / ")], "リバースシェル") || strings.Index(m.Text, "リバースシェル") > ja) {
			t.Errorf("the Japanese part does not carry the Japanese GuardDuty title: subject %q", title)
		}
	}
}

func TestRender_JapaneseFirstInTokyoTime(t *testing.T) {
	m, err := notice.Render(cases(t)["ec2-tag-tokyo"])
	if err != nil {
		t.Fatal(err)
	}
	// createdAt 2026-11-21T09:04:10Z is 18:04 in Tokyo.
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", html.UnescapeString(m.HTML)}} {
		if !strings.Contains(part.body, "2026-11-21 18:04 JST (UTC+09:00)") {
			t.Errorf("%s: no detection time in JST with offset", part.name)
		}
		ja, en := strings.Index(part.body, "ご担当者様"), strings.Index(part.body, "Dear ")
		if ja < 0 || en < 0 || ja > en {
			t.Errorf("%s: Japanese at %d, English at %d: want Japanese first", part.name, ja, en)
		}
		for _, want := range []string{"重要度: 高（High、8.0）", "Severity: High (8.0)", "EC2 インスタンス: i-0a1b2c3d4e5f60718", "EC2 instance: i-0a1b2c3d4e5f60718", "この事象は 3 回観測されています（最初: 2026-11-21 17:58 JST (UTC+09:00)、最後: 2026-11-21 18:03 JST (UTC+09:00)）。",
			"EC2 インスタンスが既知のコマンド＆コントロールサーバーの IP アドレスと通信しています", "参照番号 16c4f1e8a2b64c0f9d4b3a2e1f0c9d8b"} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s: missing %q", part.name, want)
			}
		}
	}
	if !strings.HasPrefix(m.Subject, "【セキュリティに関するお知らせ／重要度: 高】") || !strings.Contains(m.Subject, " / [Security notice / severity: High] ") {
		t.Errorf("Subject = %q", m.Subject)
	}
	if !strings.Contains(m.HTML, `<section lang="ja">`) || !strings.Contains(m.HTML, `<html lang="ja">`) {
		t.Error("HTML sections are not marked with their language")
	}
}

func TestRender_LosAngelesOffsetAndOnlyOwnKeys(t *testing.T) {
	m, err := notice.Render(cases(t)["s3-prefix-los-angeles"])
	if err != nil {
		t.Fatal(err)
	}
	// createdAt 2026-11-21T14:05:51Z is 06:05 PST; first seen 13:40:18Z is 05:40 PST.
	for _, want := range []string{"2026-11-21 06:05 PST (UTC-08:00)", "2026-11-21 05:40 PST (UTC-08:00)",
		"s3://pledge-tenant-data-111122223333/tenants/tenant-1/invoices/2026-10.csv"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(html.UnescapeString(m.HTML), want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(m.Text, "JST") {
		t.Error("a Los Angeles tenant is shown JST")
	}
	if strings.Contains(m.Text, "ASIAEXAMPLEEXFIL0002") {
		t.Error("the notice shows a resource that was not passed in")
	}
}

func TestRender_NoMarkupInjection(t *testing.T) {
	m, err := notice.Render(cases(t)["script-title-escaped"])
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>", "<Evil", `i-0"`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML contains %q from the event", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", "&lt;Evil &amp; Co&gt;", "i-0&#34;&gt;&lt;script&gt;x()&lt;/script&gt;"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks escaped %q", want)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("Subject has a line break: %q", m.Subject)
	}
	if strings.Contains(m.Text, "\nBcc:") {
		t.Error("text has an injected line")
	}
}

func TestRender_PlatformWideEnglishFirst(t *testing.T) {
	m, err := notice.Render(cases(t)["platform-wide-english-first"])
	if err != nil {
		t.Fatal(err)
	}
	if en, ja := strings.Index(m.Text, "Dear "), strings.Index(m.Text, "ご担当者様"); en < 0 || ja < 0 || en > ja {
		t.Errorf("English at %d, Japanese at %d: want English first", en, ja)
	}
	for _, want := range []string{"service as a whole", "サービス全体に関わる事象", "CloudTrail による操作ログの記録が停止されました", "CloudTrail logging was stopped",
		"2026-11-21 09:12 GMT (UTC+00:00)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("missing %q", want)
		}
	}
	if !strings.HasPrefix(m.Subject, "[Security notice / severity: High] CloudTrail logging was stopped / 【") {
		t.Errorf("Subject = %q", m.Subject)
	}
}

func TestRender_DefaultZoneIsTokyo(t *testing.T) {
	m, err := notice.Render(cases(t)["english-only-default-zone"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "18:04 JST (UTC+09:00)") {
		t.Error("nil Location is not Asia/Tokyo")
	}
	if strings.Contains(m.Text, "ご担当者様") {
		t.Error("English-only notice has Japanese")
	}
}

func TestRender_Errors(t *testing.T) {
	base := cases(t)["ec2-tag-tokyo"]
	tests := []struct {
		name    string
		mod     func(in *notice.Input)
		wantErr string
	}{
		{"UnknownLanguage", func(in *notice.Input) { in.Languages = []string{"ja", "fr"} }, `notice: languages[1]: "fr" is not one of [ja en]`},
		{"RepeatedLanguage", func(in *notice.Input) { in.Languages = []string{"en", "en"} }, `notice: languages[1]: "en" is repeated`},
		{"NoContact", func(in *notice.Input) { in.Contact = " " }, "notice: contact: missing"},
		{"NoTenant", func(in *notice.Input) { in.TenantID, in.TenantName = "", "" }, "notice: tenant: neither id nor name given"},
		{"NoAction", func(in *notice.Input) { in.Action = notice.Localized{"ja": "対応中です。"} }, `notice: action: no text for language "en"`},
		{"NoOperator", func(in *notice.Input) { in.Operator = nil }, `notice: operator: no name for language "ja"`},
		{"NoFinding", func(in *notice.Input) { in.Finding = finding.Finding{} }, "notice: finding: id, band and detection time are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.mod(&in)
			_, err := notice.Render(in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRender_ManyKeysAreCounted(t *testing.T) {
	in := cases(t)["s3-prefix-los-angeles"]
	var keys []string
	for i := range notice.MaxKeysShown + 5 {
		keys = append(keys, "tenants/tenant-1/k"+string(rune('a'+i)))
	}
	in.Resources = []finding.Resource{{Kind: finding.KindS3Bucket, ID: "b", Bucket: "b", Keys: keys}}
	m, err := notice.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(m.Text, "s3://b/"); got != 2*notice.MaxKeysShown {
		t.Errorf("%d keys listed over two languages, want %d", got, 2*notice.MaxKeysShown)
	}
	if !strings.Contains(m.Text, "and 5 more objects") || !strings.Contains(m.Text, "ほか 5 件のオブジェクト") {
		t.Error("the remaining keys are not counted")
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)
	for zone, want := range map[string]string{
		"Asia/Tokyo":          "2026-07-01 09:30 JST (UTC+09:00)",
		"America/Los_Angeles": "2026-06-30 17:30 PDT (UTC-07:00)",
		"Asia/Kolkata":        "2026-07-01 06:00 IST (UTC+05:30)",
		"UTC":                 "2026-07-01 00:30 UTC (UTC+00:00)",
	} {
		if got := notice.FormatTime(at, load(t, zone)); got != want {
			t.Errorf("FormatTime in %s = %q, want %q", zone, got, want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	in := cases(b)["ec2-tag-tokyo"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := notice.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
