package check_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/chrony"
)

type want struct {
	status   check.Status
	resource string
	reason   string
}

func assertResult(t *testing.T, got check.Result, checkID string, w want) {
	t.Helper()
	if got.CheckID != checkID {
		t.Errorf("CheckID = %s, want %s", got.CheckID, checkID)
	}
	if got.Status != w.status {
		t.Errorf("Status = %s, want %s (%s)", got.Status, w.status, got.Reason)
	}
	if got.Resource != w.resource {
		t.Errorf("Resource = %q, want %q", got.Resource, w.resource)
	}
	if got.Reason != w.reason {
		t.Errorf("Reason =\n%s\nwant\n%s", got.Reason, w.reason)
	}
	if !got.EvaluatedAt.Equal(now) {
		t.Errorf("EvaluatedAt = %v", got.EvaluatedAt)
	}
	if len(got.Controls) == 0 {
		t.Error("no controls")
	}
}

func chronyFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "chrony", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTimeSync(t *testing.T) {
	tests := []struct {
		fixture string
		want    want
	}{
		{"amazon-ipv4.csv", want{check.Pass, "i-0123456789abcdef0", "Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 4, leap status Normal; the clock is 626ns slow and chrony bounds its error at 1.366ms, below the 100ms limit."}},
		{"phc-large-offset.csv", want{check.Fail, "i-0123456789abcdef0", "The clock is 350ms fast and chrony bounds its error at 350.01ms (offset, root dispersion and half the root delay), not below the 100ms limit."}},
		{"unsynchronised.csv", want{check.Fail, "i-0123456789abcdef0", "chronyd is not synchronised to any source (leap status Not synchronised, reference ID 00000000, stratum 0)."}},
		{"daemon-down.txt", want{check.Error, "i-0123456789abcdef0", `The chronyc output could not be read, so the clock's state is unknown: chronyc tracking: chronyc reported "506 Cannot talk to daemon" instead of a report.`}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got := check.TimeSync("i-0123456789abcdef0", chronyFixture(t, tt.fixture), chrony.Rule{MaxOffset: 100 * time.Millisecond}, now)
			assertResult(t, got, check.TimeSyncChrony, tt.want)
		})
	}
	t.Run("command not found", func(t *testing.T) {
		got := check.TimeSync("i-1", "bash: line 1: chronyc: command not found\n", chrony.Rule{MaxOffset: 100 * time.Millisecond}, now)
		assertResult(t, got, check.TimeSyncChrony, want{check.Error, "i-1", `The chronyc output could not be read, so the clock's state is unknown: chronyc tracking: "bash: line 1: chronyc: command not found" is neither a CSV line from chronyc -c nor a report starting "Reference ID".`})
	})
}

func TestManagedClock(t *testing.T) {
	tests := []struct {
		service check.ManagedService
		want    want
	}{
		{check.Lambda, want{check.Pass, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", "AWS manages this clock: a Lambda function runs on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the function can neither configure nor change it."}},
		{check.Fargate, want{check.Pass, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", "AWS manages this clock: a Fargate task runs on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the task can neither configure nor change it."}},
		{check.RDS, want{check.Pass, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", "AWS manages this clock: RDS runs the database on hosts AWS operates, and keeping their clocks synchronised is AWS's part of the shared responsibility model; the database owner can neither configure nor change it."}},
		{"EC2", want{check.Error, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", `"EC2" is not a service whose clock AWS is known to manage (Lambda, Fargate, RDS).`}},
	}
	for _, tt := range tests {
		t.Run(string(tt.service), func(t *testing.T) {
			assertResult(t, check.ManagedClock(tt.service, "arn:aws:lambda:ap-northeast-1:123456789012:function:pledge-verifier", now), check.TimeSyncManaged, tt.want)
		})
	}
}

func TestStorageEncryption(t *testing.T) {
	const arn = "arn:aws:rds:ap-northeast-1:123456789012:db:app-db"
	tests := []struct {
		name string
		db   check.Database
		want want
	}{
		{"encrypted instance", check.Database{Kind: "DB instance", ID: "app-db", ARN: arn, StorageEncrypted: true, KMSKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd"},
			want{check.Pass, arn, "DB instance app-db encrypts its storage (AES-256) with KMS key arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd."}},
		{"unencrypted cluster without ARN", check.Database{Kind: "DB cluster", ID: "orders"},
			want{check.Fail, "orders", "DB cluster orders does not encrypt its storage (StorageEncrypted is false); encryption can only be turned on by restoring an encrypted copy of a snapshot."}},
		{"encrypted, key not reported", check.Database{Kind: "DB cluster", ID: "orders", StorageEncrypted: true},
			want{check.Pass, "orders", "DB cluster orders encrypts its storage (AES-256) with KMS key (not reported)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.StorageEncryption(tt.db, now), check.RDSStorageEncrypted, tt.want)
		})
	}
}

func TestSnapshotEncryption(t *testing.T) {
	tests := []struct {
		name string
		s    check.Snapshot
		want want
	}{
		{"encrypted", check.Snapshot{Kind: "DB snapshot", ID: "pledge-daily-2026-11-21", ARN: "arn:aws:rds:ap-northeast-1:123456789012:snapshot:pledge-daily-2026-11-21", Database: "app-db", Encrypted: true, KMSKeyID: "key-1"},
			want{check.Pass, "arn:aws:rds:ap-northeast-1:123456789012:snapshot:pledge-daily-2026-11-21", "DB snapshot pledge-daily-2026-11-21 of app-db is encrypted with KMS key key-1."}},
		{"unencrypted cluster snapshot", check.Snapshot{Kind: "DB cluster snapshot", ID: "manual-1", Database: "orders"},
			want{check.Fail, "manual-1", "DB cluster snapshot manual-1 of orders is not encrypted; copy it with a KMS key and delete the unencrypted one."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.SnapshotEncryption(tt.s, now), check.RDSSnapshotEncrypted, tt.want)
		})
	}
}

func TestEBSDefaultEncryption(t *testing.T) {
	const scope = "arn:aws:ec2:ap-northeast-1:123456789012:"
	assertResult(t, check.EBSDefaultEncryption(scope, true, "alias/aws/ebs", now), check.EBSEncryptionByDefault,
		want{check.Pass, scope, "EBS encryption by default is on; new volumes are encrypted with KMS key alias/aws/ebs."})
	assertResult(t, check.EBSDefaultEncryption(scope, false, "alias/aws/ebs", now), check.EBSEncryptionByDefault,
		want{check.Fail, scope, "EBS encryption by default is off, so new volumes can be created unencrypted."})
}

func TestBucketDefaultEncryption(t *testing.T) {
	const res = "arn:aws:s3:::tenant-data"
	tests := []struct {
		name       string
		b          check.BucketEncryption
		requireKMS bool
		key        string
		want       want
	}{
		{"sse-s3", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "AES256"}, false, "",
			want{check.Pass, res, "Bucket tenant-data encrypts new objects with SSE-S3 (AES-256)."}},
		{"sse-kms", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "aws:kms", KMSKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/k1", BucketKeyEnabled: true}, true, "arn:aws:kms:ap-northeast-1:123456789012:key/k1",
			want{check.Pass, res, "Bucket tenant-data encrypts new objects with SSE-KMS (aws:kms) using KMS key arn:aws:kms:ap-northeast-1:123456789012:key/k1."}},
		{"dsse-kms", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "aws:kms:dsse", KMSKeyID: "k1"}, true, "",
			want{check.Pass, res, "Bucket tenant-data encrypts new objects with SSE-KMS (aws:kms:dsse) using KMS key k1."}},
		{"sse-s3 where kms configured", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "AES256"}, true, "",
			want{check.Fail, res, "Bucket tenant-data encrypts with SSE-S3 (AES256), but SSE-KMS is configured for it."}},
		{"wrong key", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "aws:kms", KMSKeyID: "k2"}, true, "k1",
			want{check.Fail, res, "Bucket tenant-data encrypts with KMS key k2, not the configured key k1."}},
		{"no configuration", check.BucketEncryption{Bucket: "tenant-data"}, false, "",
			want{check.Fail, res, "Bucket tenant-data has no default encryption configuration."}},
		{"unknown algorithm", check.BucketEncryption{Bucket: "tenant-data", Configured: true, Algorithm: "rot13"}, false, "",
			want{check.Fail, res, `Bucket tenant-data uses default encryption "rot13", which is not SSE-S3 (AES256) or SSE-KMS (aws:kms).`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.BucketDefaultEncryption(tt.b, tt.requireKMS, tt.key, now), check.S3DefaultEncryption, tt.want)
		})
	}
}

func TestKeyRotation(t *testing.T) {
	const arn = "arn:aws:kms:ap-northeast-1:123456789012:key/k1"
	base := check.KMSKey{ID: "k1", ARN: arn, Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS"}
	with := func(f func(*check.KMSKey)) check.KMSKey { k := base; f(&k); return k }
	tests := []struct {
		name string
		k    check.KMSKey
		want want
	}{
		{"rotating, default period", with(func(k *check.KMSKey) { k.RotationEnabled = true }),
			want{check.Pass, arn, "Customer-managed key k1 rotates automatically every 365 days."}},
		{"rotating, custom period", with(func(k *check.KMSKey) { k.RotationEnabled = true; k.RotationPeriodDays = 90 }),
			want{check.Pass, arn, "Customer-managed key k1 rotates automatically every 90 days."}},
		{"not rotating", base,
			want{check.Fail, arn, "Customer-managed key k1 does not rotate automatically."}},
		{"asymmetric signing key", with(func(k *check.KMSKey) { k.Spec = "ECC_NIST_P256" }),
			want{check.Error, arn, "Key k1 cannot be judged for automatic rotation: it is not an enabled, customer-managed symmetric key with KMS-generated material (manager CUSTOMER, spec ECC_NIST_P256, origin AWS_KMS, state Enabled)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.KeyRotation(tt.k, 0, now), check.KMSKeyRotation, tt.want)
		})
	}
	for name, k := range map[string]check.KMSKey{
		"aws managed": with(func(k *check.KMSKey) { k.Manager = "AWS" }),
		"imported":    with(func(k *check.KMSKey) { k.Origin = "EXTERNAL" }),
		"hmac":        with(func(k *check.KMSKey) { k.Spec = "HMAC_256" }),
		"disabled":    with(func(k *check.KMSKey) { k.State = "Disabled" }),
		"pending":     with(func(k *check.KMSKey) { k.State = "PendingDeletion" }),
	} {
		if k.Rotatable() {
			t.Errorf("%s key is Rotatable", name)
		}
	}
	if !base.Rotatable() {
		t.Error("customer-managed symmetric key is not Rotatable")
	}
}

func TestTrails(t *testing.T) {
	good := check.Trail{Name: "main", ARN: "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/main", HomeRegion: "ap-northeast-1", MultiRegion: true, LogFileValidation: true, KMSKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/k1", Logging: true}
	bad := check.Trail{Name: "old", HomeRegion: "ap-northeast-1"}
	got := check.Trails([]check.Trail{good, bad}, "arn:aws:cloudtrail:ap-northeast-1:123456789012:", now)
	if len(got) != 2 {
		t.Fatalf("%d results, want 2", len(got))
	}
	assertResult(t, got[0], check.CloudTrailProtected, want{check.Pass, good.ARN, "Trail main is logging all regions, encrypts its log files with KMS key arn:aws:kms:ap-northeast-1:123456789012:key/k1 and validates them."})
	assertResult(t, got[1], check.CloudTrailProtected, want{check.Fail, "old", "Trail old is not logging, records only its home region ap-northeast-1, does not encrypt its log files with a KMS key and has log file validation off."})

	oneFault := good
	oneFault.LogFileValidation = false
	assertResult(t, check.Trails([]check.Trail{oneFault}, "x", now)[0], check.CloudTrailProtected, want{check.Fail, good.ARN, "Trail main has log file validation off."})

	none := check.Trails(nil, "arn:aws:cloudtrail:ap-northeast-1:123456789012:", now)
	if len(none) != 1 {
		t.Fatalf("no trails: %d results, want 1", len(none))
	}
	assertResult(t, none[0], check.CloudTrailProtected, want{check.Fail, "arn:aws:cloudtrail:ap-northeast-1:123456789012:", "No CloudTrail trail exists, so management events are kept only 90 days in the event history, unencrypted by a customer key and unvalidated."})
}

func TestGuardDuty(t *testing.T) {
	const scope = "arn:aws:guardduty:ap-northeast-1:123456789012:"
	tests := []struct {
		name string
		ds   []check.Detector
		want want
	}{
		{"enabled", []check.Detector{{ID: "d1", Status: "ENABLED"}}, want{check.Pass, scope, "GuardDuty detector d1 is enabled."}},
		{"disabled", []check.Detector{{ID: "d1", Status: "DISABLED"}}, want{check.Fail, scope, "GuardDuty detector d1 is disabled, so nothing monitors the region for threats."}},
		{"none", nil, want{check.Fail, scope, "GuardDuty has no detector in this region, so nothing monitors it for threats."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.GuardDuty(scope, tt.ds, now), check.GuardDutyEnabled, tt.want)
		})
	}
}

func TestSnapshotFreshness(t *testing.T) {
	const db = "arn:aws:rds:ap-northeast-1:123456789012:db:app-db"
	snap := func(id string, age time.Duration, status string) check.Snapshot {
		return check.Snapshot{Kind: "DB snapshot", ID: id, Database: "app-db", Created: now.Add(-age), Status: status}
	}
	tests := []struct {
		name     string
		snaps    []check.Snapshot
		interval time.Duration
		want     want
	}{
		{"fresh", []check.Snapshot{snap("s-old", 30*time.Hour, "available"), snap("s-new", 90*time.Minute, "available")}, time.Hour,
			want{check.Pass, db, "The newest snapshot of DB instance app-db, s-new, is 1h30m old, younger than 2h0m (twice the 1h0m schedule)."}},
		{"stale", []check.Snapshot{snap("s-1", 49*time.Hour+13*time.Minute, "available")}, 24 * time.Hour,
			want{check.Fail, db, "The newest snapshot of DB instance app-db, s-1, is 49h13m old, not younger than 48h0m (twice the 24h0m schedule)."}},
		{"exactly twice is stale", []check.Snapshot{snap("s-1", 2*time.Hour, "available")}, time.Hour,
			want{check.Fail, db, "The newest snapshot of DB instance app-db, s-1, is 2h0m old, not younger than 2h0m (twice the 1h0m schedule)."}},
		{"creating one does not count", []check.Snapshot{snap("s-creating", time.Minute, "creating"), snap("s-old", 5*time.Hour, "available")}, time.Hour,
			want{check.Fail, db, "The newest snapshot of DB instance app-db, s-old, is 5h0m old, not younger than 2h0m (twice the 1h0m schedule)."}},
		{"none", nil, time.Hour,
			want{check.Fail, db, "DB instance app-db has no available snapshot; one is due every 1h0m."}},
		{"bad interval", nil, 0,
			want{check.Error, db, "The schedule interval 0s is not positive, so freshness cannot be judged."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.SnapshotFreshness(db, "DB instance app-db", tt.snaps, tt.interval, now), check.RDSSnapshotFresh, tt.want)
		})
	}
}

func TestPITR(t *testing.T) {
	db := func(days int) check.Database {
		return check.Database{Kind: "DB cluster", ID: "orders", ARN: "arn:aws:rds:ap-northeast-1:123456789012:cluster:orders", BackupRetentionDays: days}
	}
	const arn = "arn:aws:rds:ap-northeast-1:123456789012:cluster:orders"
	tests := []struct {
		name     string
		db       check.Database
		promised int
		want     want
	}{
		{"meets", db(30), 30, want{check.Pass, arn, "DB cluster orders keeps point-in-time recovery for 30 days, at least the 30 days promised."}},
		{"short", db(7), 30, want{check.Fail, arn, "DB cluster orders keeps point-in-time recovery for 7 days, fewer than the 30 days promised."}},
		{"off", db(0), 7, want{check.Fail, arn, "DB cluster orders has automated backups off, so there is no point-in-time recovery; 7 days are promised."}},
		{"nothing promised", db(1), 0, want{check.Pass, arn, "DB cluster orders keeps point-in-time recovery for 1 day; no retention is promised."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.PITR(tt.db, tt.promised, now), check.RDSPITRRetention, tt.want)
		})
	}
}

func TestLogRetention(t *testing.T) {
	const arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/app"
	g := func(days int) check.LogGroup {
		return check.LogGroup{Name: "/aws/lambda/app", ARN: arn, RetentionDays: days}
	}
	tests := []struct {
		name string
		g    check.LogGroup
		want want
	}{
		{"never expires", g(0), want{check.Pass, arn, "Log group /aws/lambda/app never expires its events, so it keeps them at least the 180 days promised."}},
		{"longer", g(365), want{check.Pass, arn, "Log group /aws/lambda/app keeps events for 365 days, at least the 180 days promised."}},
		{"equal", g(180), want{check.Pass, arn, "Log group /aws/lambda/app keeps events for 180 days, at least the 180 days promised."}},
		{"short", g(90), want{check.Fail, arn, "Log group /aws/lambda/app keeps events for 90 days, fewer than the 180 days promised."}},
		{"negative", g(-1), want{check.Error, arn, "Log group /aws/lambda/app reports a negative retention (-1 days)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.LogRetention(tt.g, 180, "", now), check.LogsRetention, tt.want)
		})
	}
}

func TestListenerTLS(t *testing.T) {
	const arn = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	l := func(proto, policy string) check.Listener {
		return check.Listener{ARN: arn, LoadBalancer: "web", Protocol: proto, Port: 443, SSLPolicy: policy}
	}
	tests := []struct {
		name      string
		l         check.Listener
		protocols []string
		want      want
	}{
		{"tls13 default, by list", l("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06"), nil,
			want{check.Pass, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-TLS13-1-2-2021-06, which allows TLS 1.2 and newer only."}},
		{"tls 1.2 2017, by list", l("HTTPS", "ELBSecurityPolicy-TLS-1-2-2017-01"), nil,
			want{check.Pass, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-TLS-1-2-2017-01, which allows TLS 1.2 and newer only."}},
		{"fs-1-2, by list, NLB", l("TLS", "ELBSecurityPolicy-FS-1-2-Res-2020-10"), nil,
			want{check.Pass, arn, "TLS listener web:443 uses security policy ELBSecurityPolicy-FS-1-2-Res-2020-10, which allows TLS 1.2 and newer only."}},
		{"2016-08, by list", l("HTTPS", "ELBSecurityPolicy-2016-08"), nil,
			want{check.Fail, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-2016-08, which is not one of the policies known to allow TLS 1.2 and newer only (ELBSecurityPolicy-2016-08, the default outside the console, allows TLS 1.0)."}},
		{"tls13-1-1, by list", l("HTTPS", "ELBSecurityPolicy-TLS13-1-1-2021-06"), nil,
			want{check.Fail, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-TLS13-1-1-2021-06, which is not one of the policies known to allow TLS 1.2 and newer only (ELBSecurityPolicy-2016-08, the default outside the console, allows TLS 1.0)."}},
		{"2016-08, by protocols", l("HTTPS", "ELBSecurityPolicy-2016-08"), []string{"TLSv1", "TLSv1.1", "TLSv1.2"},
			want{check.Fail, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-2016-08, which allows TLSv1 and TLSv1.1; use a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-Res-2021-06."}},
		{"new policy, by protocols", l("HTTPS", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2030-01"), []string{"TLSv1.2", "TLSv1.3"},
			want{check.Pass, arn, "HTTPS listener web:443 uses security policy ELBSecurityPolicy-TLS13-1-2-Res-PQ-2030-01, which allows only TLSv1.2, TLSv1.3."}},
		{"empty protocol list", l("HTTPS", "Custom"), []string{},
			want{check.Fail, arn, "HTTPS listener web:443 uses security policy Custom, which offers neither TLS 1.2 nor TLS 1.3 (protocols: )."}},
		{"no policy", l("HTTPS", ""), nil,
			want{check.Fail, arn, "HTTPS listener web:443 reports no security policy."}},
		{"http listener", l("HTTP", ""), nil,
			want{check.Error, arn, "HTTP listener web:443 is not an HTTPS or TLS listener, so it has no security policy to judge."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.ListenerTLS(tt.l, tt.protocols, now), check.ELBTLS12Policy, tt.want)
		})
	}
}
