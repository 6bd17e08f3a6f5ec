package check_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/check/awsfake"
	"github.com/pledge-dev/pledge/shared/config"
)

// TestAWS_TimeSources: each clock is judged against the configured sources,
// and the result names the source it follows.
func TestAWS_TimeSources(t *testing.T) {
	a := fleet(t, 4)
	ids := []string{"i-00000000000000000", "i-00000000000000001", "i-00000000000000002", "i-00000000000000003"}
	a.Chrony[ids[1]] = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "public-ntp.csv")}
	a.Chrony[ids[2]] = awsfake.Outcome{Status: "Success", Output: "C000020A,192.0.2.10,3,1795305343.506320427,0.000100000,0.000000000,0.000000000,0.000,0.000,0.000,0.001000000,0.001000000,64.0,Normal"}
	a.Chrony[ids[3]] = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "loopback.csv")}
	cfg := config.Verification{TimeSources: []config.TimeSource{{Service: "nict"}, {Server: "ntp.example.co.jp", Addresses: []string{"192.0.2.10"}}}}
	req := check.Request{Checks: []string{check.TimeSyncChrony}, MaxClockOffset: 100 * time.Millisecond, TimeSources: check.TimeSources(cfg.TimeSources)}
	got := byKey(t, a.AWS().Collect(context.Background(), req, now))
	for _, tc := range []struct {
		id, source, group string
		status            check.Status
		reason            string
	}{
		// Amazon is not listed, so an Amazon clock now fails.
		{ids[0], "169.254.169.123 (reference ID A9FEA97B)", "not an accepted source", check.Fail,
			"which is not an accepted source (NICT's public NTP service (ntp.nict.jp); NTP server ntp.example.co.jp)"},
		{ids[1], "NICT's public NTP service (ntp.nict.jp) (133.243.238.164)", "NICT's public NTP service (ntp.nict.jp)", check.Pass, "Synchronised to NICT's public NTP service"},
		{ids[2], "NTP server ntp.example.co.jp (192.0.2.10)", "NTP server ntp.example.co.jp", check.Pass, "Synchronised to NTP server ntp.example.co.jp (192.0.2.10)"},
		{ids[3], "127.0.0.1 (reference ID 7F000001)", "not an accepted source", check.Fail, "The clock follows 127.0.0.1"},
	} {
		r, ok := got[check.TimeSyncChrony+" "+arnOf("ec2", "instance/"+tc.id)]
		if !ok {
			t.Errorf("no result for %s", tc.id)
			continue
		}
		if r.Status != tc.status || r.TimeSource != tc.source || r.Group != tc.group || !strings.Contains(r.Reason, tc.reason) {
			t.Errorf("%s: %s, source %q, group %q, reason %q; want %s, %q, %q, containing %q", tc.id, r.Status, r.TimeSource, r.Group, r.Reason, tc.status, tc.source, tc.group, tc.reason)
		}
		if r.ReasonJA == "" {
			t.Errorf("%s: no Japanese reason", tc.id)
		}
	}
}

// TestAWS_TimeSources_Any: a promise that says only "NTP" (operators 001
// and 004) accepts a clock on any server, names the server it follows, and
// still fails a clock that follows the host itself.
func TestAWS_TimeSources_Any(t *testing.T) {
	a := fleet(t, 3)
	ids := []string{"i-00000000000000000", "i-00000000000000001", "i-00000000000000002"}
	a.Chrony[ids[1]] = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "public-ntp.csv")}
	a.Chrony[ids[2]] = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "loopback.csv")}
	cfg := config.Verification{TimeSources: []config.TimeSource{{Service: config.TimeServiceAmazon}, {Service: config.TimeServiceAny}}}
	req := check.Request{Checks: []string{check.TimeSyncChrony}, MaxClockOffset: 100 * time.Millisecond, TimeSources: check.TimeSources(cfg.TimeSources)}
	got := byKey(t, a.AWS().Collect(context.Background(), req, now))
	for _, tc := range []struct {
		id, source, group string
		status            check.Status
	}{
		{ids[0], "Amazon Time Sync Service (169.254.169.123)", "Amazon Time Sync Service", check.Pass},
		{ids[1], "NTP source 133.243.238.164", "NTP source 133.243.238.164", check.Pass},
		{ids[2], "127.0.0.1 (reference ID 7F000001)", "not an accepted source", check.Fail},
	} {
		r := got[check.TimeSyncChrony+" "+arnOf("ec2", "instance/"+tc.id)]
		if r.Status != tc.status || r.TimeSource != tc.source || r.Group != tc.group {
			t.Errorf("%s: %s, source %q, group %q (%s); want %s, %q, %q", tc.id, r.Status, r.TimeSource, r.Group, r.Reason, tc.status, tc.source, tc.group)
		}
	}
}

func TestNoncurrentRetention(t *testing.T) {
	rule := func(id, prefix string, days int, f ...func(*check.NoncurrentRule)) check.NoncurrentRule {
		r := check.NoncurrentRule{ID: id, Enabled: true, Prefix: prefix, Days: days}
		for _, fn := range f {
			fn(&r)
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		v      check.Versioning
		want   check.Status
		reason string
	}{
		{"whole bucket, as promised", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("keep-31", "", 31)}}, check.Pass,
			`Bucket b is versioned and lifecycle rule "keep-31" expires noncurrent versions of the whole bucket after 31 days, at least the 31 days promised for tenant data (tenants/).`},
		{"tenant prefix, longer than promised", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("t", "tenants/", 60)}}, check.Pass,
			`expires noncurrent versions of "tenants/" after 60 days, at least the 31 days promised`},
		{"newer versions kept is said", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("t", "", 31, func(r *check.NoncurrentRule) { r.NewerVersions = 3 })}}, check.Pass,
			"(the 3 newest noncurrent versions of each object are kept whatever their age)"},
		{"versioning suspended", check.Versioning{Status: "Suspended", Rules: []check.NoncurrentRule{rule("keep-31", "", 31)}}, check.Fail,
			"Bucket b has versioning suspended, so a changed or deleted object keeps no earlier version; 31 days are promised."},
		{"versioning never on", check.Versioning{}, check.Fail, "has versioning never enabled"},
		{"no rule", check.Versioning{Status: "Enabled"}, check.Fail,
			"No enabled lifecycle rule of bucket b expires noncurrent versions of all tenant data (tenants/), so earlier versions of changed and deleted objects are kept indefinitely instead of the 31 days promised."},
		{"too short", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("week", "", 7)}}, check.Fail,
			`Lifecycle rule "week" of bucket b expires noncurrent versions under "" after 7 days, sooner than the 31 days promised for tenant data (tenants/).`},
		{"a shorter rule for one tenant breaks it", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("all", "", 31), rule("t1", "tenants/t1/", 1)}}, check.Fail,
			`Lifecycle rule "t1" of bucket b expires noncurrent versions under "tenants/t1/" after 1 day, sooner`},
		{"a shorter rule elsewhere does not", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("all", "", 31), rule("logs", "logs/", 1)}}, check.Pass, `rule "all"`},
		{"disabled rule does not count", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("off", "", 31, func(r *check.NoncurrentRule) { r.Enabled = false })}}, check.Fail, "No enabled lifecycle rule"},
		{"tag-filtered rule covers only some", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("tagged", "", 31, func(r *check.NoncurrentRule) { r.Narrowed = true })}}, check.Fail, "No enabled lifecycle rule"},
		{"rule for one tenant only", check.Versioning{Status: "Enabled", Rules: []check.NoncurrentRule{rule("t1", "tenants/t1/", 31)}}, check.Fail, "No enabled lifecycle rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.v.Bucket = "b"
			r := check.NoncurrentRetention(tc.v, 31, "tenants/", now)
			if r.CheckID != check.S3NoncurrentRetention || r.Resource != "arn:aws:s3:::b" || r.Status != tc.want || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %s %s %s: %s\nwant %s containing %q", r.CheckID, r.Resource, r.Status, r.Reason, tc.want, tc.reason)
			}
			if r.ReasonJA == "" || !strings.Contains(r.ReasonJA, "バケット b") {
				t.Errorf("Japanese reason %q", r.ReasonJA)
			}
		})
	}
}

// TestAWS_NoncurrentVersions reads versioning and lifecycle through the
// adapter: filters (prefix, And, tag) are read as S3 defines them, only
// tenant buckets are judged, and a missing configuration is not an error.
func TestAWS_NoncurrentVersions(t *testing.T) {
	a := awsfake.New()
	tagged := awsfake.NoncurrentRule("tagged", "", 31)
	tagged.Filter = &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{Prefix: aws.String(""), Tags: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
	legacy := awsfake.NoncurrentRule("legacy", "", 40)
	//lint:ignore SA1019 a rule written before Filter existed, as S3 still returns one
	legacy.Filter, legacy.Prefix = nil, aws.String("tenants/")
	a.Buckets["good"] = awsfake.Bucket{Versioning: "Enabled", Lifecycle: []s3types.LifecycleRule{awsfake.NoncurrentRule("keep", "tenants/", 31)}}
	a.Buckets["legacy-prefix"] = awsfake.Bucket{Versioning: "Enabled", Lifecycle: []s3types.LifecycleRule{legacy}}
	a.Buckets["tag-only"] = awsfake.Bucket{Versioning: "Enabled", Lifecycle: []s3types.LifecycleRule{tagged}}
	a.Buckets["no-lifecycle"] = awsfake.Bucket{Versioning: "Enabled"}
	a.Buckets["unversioned"] = awsfake.Bucket{}
	a.Buckets["evidence"] = awsfake.Bucket{}
	a.Deny["s3:GetBucketLifecycleConfiguration denied"] = true
	a.Buckets["denied"] = awsfake.Bucket{Versioning: "Enabled"}
	var buckets []check.Bucket
	for _, b := range []string{"good", "legacy-prefix", "tag-only", "no-lifecycle", "unversioned", "denied"} {
		buckets = append(buckets, check.Bucket{Name: b, Tenant: true})
	}
	buckets = append(buckets, check.Bucket{Name: "evidence"})
	req := check.Request{Checks: []string{check.S3NoncurrentRetention}, Buckets: buckets, NoncurrentVersionDays: 31, TenantPrefix: "tenants/"}
	rs := a.AWS().Collect(context.Background(), req, now)
	assertResults(t, rs, []expect{
		{check.S3NoncurrentRetention, "arn:aws:s3:::good", check.Pass, `lifecycle rule "keep" expires noncurrent versions of "tenants/" after 31 days`},
		{check.S3NoncurrentRetention, "arn:aws:s3:::legacy-prefix", check.Pass, `rule "legacy" expires noncurrent versions of "tenants/" after 40 days`},
		{check.S3NoncurrentRetention, "arn:aws:s3:::tag-only", check.Fail, "No enabled lifecycle rule"},
		{check.S3NoncurrentRetention, "arn:aws:s3:::no-lifecycle", check.Fail, "No enabled lifecycle rule"},
		{check.S3NoncurrentRetention, "arn:aws:s3:::unversioned", check.Fail, "versioning never enabled"},
		{check.S3NoncurrentRetention, "arn:aws:s3:::denied", check.Error, "denied permission"},
	})
	if n := countFor(rs, check.S3NoncurrentRetention); n != 6 {
		t.Errorf("%d results, want 6: the evidence bucket holds no tenant data and is not judged", n)
	}
	req.NoncurrentVersionDays = 0
	if n := countFor(a.AWS().Collect(context.Background(), req, now), check.S3NoncurrentRetention); n != 0 {
		t.Errorf("%d results with nothing promised, want 0", n)
	}
}

func TestKeyRotation_PeriodLimit(t *testing.T) {
	key := check.KMSKey{ID: "k", ARN: "arn:aws:kms:ap-northeast-1:123456789012:key/k", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS", State: "Enabled", RotationEnabled: true}
	for _, tc := range []struct {
		period, max int
		want        check.Status
		reason      string
	}{
		{2560, 0, check.Pass, "Customer-managed key k rotates automatically every 2560 days."},
		{2560, 365, check.Fail, "Customer-managed key k rotates automatically every 2560 days, longer than the 365 days allowed."},
		{366, 365, check.Fail, "every 366 days, longer than the 365 days allowed"},
		{365, 365, check.Pass, "every 365 days, within the 365 days allowed."},
		{0, 365, check.Pass, "every 365 days, within"}, // no period reported: KMS's default yearly rotation
		{0, 90, check.Fail, "every 365 days, longer than the 90 days allowed"},
		{90, 90, check.Pass, "every 90 days"},
	} {
		k := key
		k.RotationPeriodDays = tc.period
		r := check.KeyRotation(k, tc.max, now)
		if r.Status != tc.want || !strings.Contains(r.Reason, tc.reason) || r.ReasonJA == "" {
			t.Errorf("period %d, max %d: %s %q (ja %q); want %s containing %q", tc.period, tc.max, r.Status, r.Reason, r.ReasonJA, tc.want, tc.reason)
		}
	}
}

// TestAWS_KeyRotationLimitThroughAdapter: the rotation period KMS reports
// reaches the rule.
func TestAWS_KeyRotationLimitThroughAdapter(t *testing.T) {
	a := awsfake.New()
	a.Keys = []awsfake.Key{
		{ID: "k-yearly", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true},
		{ID: "k-slow", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true, PeriodDays: 2560},
	}
	rs := a.AWS().Collect(context.Background(), check.Request{Checks: []string{check.KMSKeyRotation}, KeyRotationMaxDays: 400}, now)
	assertResults(t, rs, []expect{
		{check.KMSKeyRotation, arnOf("kms", "key/k-yearly"), check.Pass, "every 365 days, within the 400 days allowed"},
		{check.KMSKeyRotation, arnOf("kms", "key/k-slow"), check.Fail, "every 2560 days, longer than the 400 days allowed"},
	})
}

// TestAWS_LogClasses: each log group is held to its class's minimum (the
// longest prefix wins) and the rest to LogRetentionDays.
func TestAWS_LogClasses(t *testing.T) {
	a := awsfake.New()
	a.LogGroups = []awsfake.LogGroup{
		{Name: "/os/messages", RetentionDays: 180},
		{Name: "/app/access/web", RetentionDays: 150},
		{Name: "/app/orders", RetentionDays: 150},
		{Name: "/aws/lambda/x", RetentionDays: 365},
		{Name: "/aws/lambda/y", RetentionDays: 180},
	}
	req := check.Request{Checks: []string{check.LogsRetention}, LogRetentionDays: 400, LogClasses: []config.LogClass{
		{Name: "os", Prefixes: []string{"/os/"}, MinDays: 180},
		{Name: "access", Prefixes: []string{"/app/access"}, MinDays: 180},
		{Name: "application", Prefixes: []string{"/app/"}, MinDays: 150},
	}}
	rs := a.AWS().Collect(context.Background(), req, now)
	lg := func(n string) string { return arnOf("logs", "log-group:"+n) }
	assertResults(t, rs, []expect{
		{check.LogsRetention, lg("/os/messages"), check.Pass, "keeps events for 180 days, at least the 180 days promised for os logs."},
		{check.LogsRetention, lg("/app/access/web"), check.Fail, "keeps events for 150 days, fewer than the 180 days promised for access logs."},
		{check.LogsRetention, lg("/app/orders"), check.Pass, "at least the 150 days promised for application logs."},
		{check.LogsRetention, lg("/aws/lambda/x"), check.Fail, "keeps events for 365 days, fewer than the 400 days promised."},
		{check.LogsRetention, lg("/aws/lambda/y"), check.Fail, "fewer than the 400 days promised."},
	})
	groups := map[string]string{}
	for _, r := range rs {
		groups[r.Resource] = r.Group
	}
	if groups[lg("/app/access/web")] != "access" || groups[lg("/os/messages")] != "os" || groups[lg("/aws/lambda/x")] != "" {
		t.Errorf("groups = %v", groups)
	}
}

// TestResults_HaveJapaneseReasons: every result a good and a bad account
// produce carries a Japanese reason.
func TestResults_HaveJapaneseReasons(t *testing.T) {
	for name, a := range map[string]*awsfake.Account{"good": goodAccount(t), "empty": awsfake.New()} {
		req := goodRequest()
		for _, r := range a.AWS().Collect(context.Background(), req, now) {
			if r.ReasonJA == "" {
				t.Errorf("%s account: %s %s %s has no Japanese reason (%s)", name, r.CheckID, r.Resource, r.Status, r.Reason)
			}
			if r.ReasonIn("ja") != r.ReasonJA || r.ReasonIn("en") != r.Reason {
				t.Errorf("ReasonIn does not pick the language")
			}
		}
	}
}

// TestRenderHTML_ReasonsInBothLanguages: the verifier's page shows each
// result's Japanese reason and then its English one.
func TestRenderHTML_ReasonsInBothLanguages(t *testing.T) {
	r := check.Build([]check.Result{check.KeyRotation(check.KMSKey{ID: "k", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS", State: "Enabled"}, 0, now)}, now)
	var b strings.Builder
	if err := check.RenderHTML(&b, r, time.UTC); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"カスタマー管理キー k は自動ローテーションされません。", "Customer-managed key k does not rotate automatically.", "Reasons are given in Japanese and English."} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
