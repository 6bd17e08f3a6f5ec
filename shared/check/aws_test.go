package check_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/check/awsfake"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

const (
	acct   = "123456789012"
	region = "ap-northeast-1"
)

func arnOf(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, acct, resource)
}

// byKey indexes results by "check-id resource" and fails on a duplicate:
// a check reports at most one result per resource.
func byKey(t *testing.T, rs []check.Result) map[string]check.Result {
	t.Helper()
	m := map[string]check.Result{}
	for _, r := range rs {
		k := r.CheckID + " " + r.Resource
		if _, dup := m[k]; dup {
			t.Errorf("two results for %s", k)
		}
		m[k] = r
	}
	return m
}

type expect struct {
	checkID, resource string
	status            check.Status
	reason            string // a substring of the reason
}

func assertResults(t *testing.T, rs []check.Result, want []expect) {
	t.Helper()
	got := byKey(t, rs)
	for _, w := range want {
		r, ok := got[w.checkID+" "+w.resource]
		if !ok {
			t.Errorf("no %s result for %s", w.checkID, w.resource)
			continue
		}
		if r.Status != w.status {
			t.Errorf("%s %s: status %s, want %s (%s)", w.checkID, w.resource, r.Status, w.status, r.Reason)
		}
		if !strings.Contains(r.Reason, w.reason) {
			t.Errorf("%s %s: reason %q does not contain %q", w.checkID, w.resource, r.Reason, w.reason)
		}
		if !r.EvaluatedAt.Equal(now) {
			t.Errorf("%s %s: evaluated at %v, want %v", w.checkID, w.resource, r.EvaluatedAt, now)
		}
	}
}

func countFor(rs []check.Result, checkID string) int {
	n := 0
	for _, r := range rs {
		if r.CheckID == checkID {
			n++
		}
	}
	return n
}

// stage is the stage of the verifier under test.
const stage = "prod"

// rotated is the snapshot stage's rotator makes of db under the hourly
// policy gfs, created at created (its slot is the hour it falls in).
func rotated(db string, cluster bool, created time.Time, status string) awsfake.DBSnapshot {
	slot := created.Truncate(time.Hour)
	return awsfake.DBSnapshot{ID: snapshot.Name(stage, "gfs", db, slot), Database: db, Cluster: cluster, Encrypted: true, Created: created, Status: status,
		Tags: snapshot.Tags(stage, "gfs", db, slot)}
}

func rdsAccount() *awsfake.Account {
	a := awsfake.New()
	a.DBInstances = []awsfake.DBInstance{
		{ID: "orders-db", Engine: "postgres", Encrypted: true, RetentionDays: 7, ParameterGroup: "pg-tls"},
		{ID: "legacy-db", Engine: "mysql", RetentionDays: 0, ParameterGroup: "default.mysql8.0"},
		{ID: "billing-1", Engine: "aurora-postgresql", Cluster: "billing", Encrypted: true, ParameterGroup: "apg-instance"},
		{ID: "extra", Engine: "postgres", Encrypted: true, RetentionDays: 14, ParameterGroup: "pg-tls", ApplyStatus: "pending-reboot", Tags: map[string]string{"pledge:backup": "gfs"}},
		{ID: "oracle-db", Engine: "oracle-ee", Encrypted: true, ParameterGroup: "default.oracle-ee-19"},
	}
	a.DBClusters = []awsfake.DBCluster{{ID: "billing", Engine: "aurora-postgresql", Encrypted: true, RetentionDays: 1, ParameterGroup: "apg-tls", Members: []string{"billing-1"}}}
	a.DBParameters = map[string]map[string]string{
		"pg-tls":           {"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2", "work_mem": "4096", "log_connections": ""},
		"default.mysql8.0": {"require_secure_transport": "", "tls_version": "TLSv1.2,TLSv1.3"},
		// The writer's DB parameter group says TLSv1; the cluster group,
		// where Aurora keeps the setting, wins.
		"apg-instance": {"ssl_min_protocol_version": "TLSv1", "log_min_duration_statement": "100"},
	}
	a.ClusterParameters = map[string]map[string]string{"apg-tls": {"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}}
	a.DBSnapshots = []awsfake.DBSnapshot{
		rotated("orders-db", false, now.Add(-61*time.Minute), ""),
		rotated("orders-db", false, now.Add(-121*time.Minute), ""),
		// A fresher snapshot that is still being created, and an automated
		// one: neither counts for freshness.
		rotated("orders-db", false, now.Add(-30*time.Minute), "creating"),
		{ID: "rds:extra-2026-11-21", Database: "extra", Encrypted: true, Created: now.Add(-10 * time.Minute), Type: "automated"},
		{ID: "legacy-manual", Database: "legacy-db", Created: now.Add(-48 * time.Hour)},
		rotated("billing", true, now.Add(-5*time.Hour), ""),
	}
	return a
}

func rdsRequest() check.Request {
	return check.Request{
		Location: time.UTC,
		Stage:    stage,
		Policies: []config.BackupPolicy{{
			Name: "gfs", Schedule: "rate(1 hour)", PointInTimeRecoveryDays: 7,
			Targets: config.Targets{Instances: []string{"orders-db", "gone-db"}, Clusters: []string{"billing"}, Tags: map[string]string{"pledge:backup": "gfs"}},
		}},
	}
}

func TestAWS_Databases(t *testing.T) {
	a := rdsAccount()
	rs := a.AWS().Collect(context.Background(), rdsRequest(), now)
	db := func(id string) string { return arnOf("rds", "db:"+id) }
	cluster := arnOf("rds", "cluster:billing")
	assertResults(t, rs, []expect{
		{check.RDSStorageEncrypted, db("orders-db"), check.Pass, "DB instance orders-db encrypts its storage"},
		{check.RDSStorageEncrypted, db("legacy-db"), check.Fail, "StorageEncrypted is false"},
		{check.RDSStorageEncrypted, cluster, check.Pass, "DB cluster billing encrypts its storage"},

		{check.RDSPITRRetention, db("orders-db"), check.Pass, "7 days, at least the 7 days promised"},
		{check.RDSPITRRetention, cluster, check.Fail, "1 day, fewer than the 7 days promised"},
		{check.RDSPITRRetention, db("extra"), check.Pass, "14 days"},

		{check.RDSSnapshotFresh, db("orders-db"), check.Pass, "pledge-4-prod-3-gfs-orders-db-202611212200, is 1h1m old, younger than 2h0m"},
		{check.RDSSnapshotFresh, cluster, check.Fail, "pledge-4-prod-3-gfs-billing-202611211900, is 5h0m old, not younger than 2h0m"},
		{check.RDSSnapshotFresh, db("extra"), check.Fail, "DB instance extra (backup policy gfs) has no available snapshot"},
		{check.RDSSnapshotFresh, db("gone-db"), check.Fail, "DB instance gone-db is a target of backup policy gfs but does not exist"},

		{check.RDSSnapshotEncrypted, arnOf("rds", "snapshot:legacy-manual"), check.Fail, "is not encrypted"},
		{check.RDSSnapshotEncrypted, arnOf("rds", "snapshot:pledge-4-prod-3-gfs-orders-db-202611212200"), check.Pass, "is encrypted"},
		{check.RDSSnapshotEncrypted, arnOf("rds", "cluster-snapshot:pledge-4-prod-3-gfs-billing-202611211900"), check.Pass, "DB cluster snapshot pledge-4-prod-3-gfs-billing-202611211900 of billing is encrypted"},

		{check.RDSTLSEnforced, db("orders-db"), check.Pass, "with a minimum of TLSv1.2 (parameter groups pg-tls)"},
		{check.RDSTLSEnforced, db("legacy-db"), check.Fail, "require_secure_transport is not set, not ON"},
		{check.RDSTLSEnforced, cluster, check.Pass, "(parameter groups apg-instance, apg-tls (cluster))"},
		{check.RDSTLSEnforced, db("extra"), check.Pass, "pg-tls (pending-reboot)"},
		{check.RDSTLSEnforced, db("oracle-db"), check.Error, `runs engine "oracle-ee", whose TLS parameters this check does not know`},

		{check.TimeSyncManaged, db("billing-1"), check.Pass, "RDS runs the database on hosts AWS operates"},
	})
	// Members of a cluster are judged through the cluster; databases no
	// policy protects have no freshness or PITR result.
	got := byKey(t, rs)
	for _, k := range []string{check.RDSStorageEncrypted + " " + db("billing-1"), check.RDSPITRRetention + " " + db("legacy-db"), check.RDSSnapshotFresh + " " + db("legacy-db")} {
		if r, ok := got[k]; ok {
			t.Errorf("unexpected result %s: %s", k, r.Reason)
		}
	}
	if n := countFor(rs, check.TimeSyncManaged); n != 5 {
		t.Errorf("%d managed-clock results, want one per DB instance (5)", n)
	}

	calls := a.Calls()
	for op, want := range map[string]int{
		"rds:DescribeDBInstances": 3, // 5 instances, 2 a page
		"rds:DescribeDBClusters":  1,
		"rds:DescribeDBSnapshots": 3, // 5 DB snapshots
		// Each parameter group is read once, however many databases use
		// it: pg-tls (4 parameters, 2 pages) serves orders-db and extra.
		"rds:DescribeDBParameters":        2 + 1 + 1,
		"rds:DescribeDBClusterParameters": 1,
	} {
		if calls[op] != want {
			t.Errorf("%s called %d times, want %d (all calls: %v)", op, calls[op], want, calls)
		}
	}
}

func TestAWS_Databases_SeveralPoliciesKeepTheWorst(t *testing.T) {
	a := rdsAccount()
	req := rdsRequest()
	req.Policies = append(req.Policies, config.BackupPolicy{Name: "daily", Schedule: "cron(0 3 * * ? *)", PointInTimeRecoveryDays: 14,
		Targets: config.Targets{Instances: []string{"orders-db"}}})
	req.Checks = []string{check.RDSSnapshotFresh, check.RDSPITRRetention}
	rs := a.AWS().Collect(context.Background(), req, now)
	assertResults(t, rs, []expect{
		// Fresh under gfs, but the daily policy has no snapshot at all.
		{check.RDSSnapshotFresh, arnOf("rds", "db:orders-db"), check.Fail, "DB instance orders-db (backup policy daily) has no available snapshot"},
		// The longest promise applies.
		{check.RDSPITRRetention, arnOf("rds", "db:orders-db"), check.Fail, "7 days, fewer than the 14 days promised"},
	})
	if c := a.Calls(); c["rds:DescribeDBParameters"] != 0 {
		t.Errorf("parameter groups read though rds.tls-enforced was not requested: %v", c)
	}
}

// TestAWS_Databases_PointInTimeRecoveryOnly: a policy that promises only
// point-in-time recovery (operator 003's 30 days) has its targets' retention
// checked and no freshness result, and a target that does not exist fails
// the retention check, not freshness.
func TestAWS_Databases_PointInTimeRecoveryOnly(t *testing.T) {
	a := rdsAccount()
	req := rdsRequest()
	req.Policies = []config.BackupPolicy{{Name: "pitr-30d", PointInTimeRecoveryDays: 30,
		Targets: config.Targets{Instances: []string{"orders-db", "gone-db"}}}}
	req.Checks = []string{check.RDSSnapshotFresh, check.RDSPITRRetention}
	rs := a.AWS().Collect(context.Background(), req, now)
	assertResults(t, rs, []expect{
		{check.RDSPITRRetention, arnOf("rds", "db:orders-db"), check.Fail, "7 days, fewer than the 30 days promised"},
		{check.RDSPITRRetention, arnOf("rds", "db:gone-db"), check.Fail, "DB instance gone-db is a target of backup policy pitr-30d but does not exist"},
	})
	if n := countFor(rs, check.RDSSnapshotFresh); n != 0 {
		t.Errorf("%d freshness results for a policy that takes no snapshots", n)
	}
}

// TestAWS_SnapshotFreshness_CountsOnlyTheRotatorsOwn: orders-db's own
// newest snapshot is five hours old. Fresh snapshots tagged as the
// policy's that the rotator would not recognise (a same-region copy that
// inherited the tags, a cross-region copy under the exact name, a copy of
// an older snapshot that took a slot's name, another stage's) must not
// make it look backed up; a fresh legacy snapshot (no stage tag, named as
// before stages), which the rotator does recognise, does.
func TestAWS_SnapshotFreshness_CountsOnlyTheRotatorsOwn(t *testing.T) {
	own := rotated("orders-db", false, now.Add(-5*time.Hour), "")
	fresh := rotated("orders-db", false, now.Add(-20*time.Minute), "")
	sameRegionCopy := fresh
	sameRegionCopy.ID = "copy-of-" + fresh.ID
	crossRegionCopy := fresh
	crossRegionCopy.Source = "arn:aws:rds:us-west-2:123456789012:snapshot:" + fresh.ID
	oldCopyNamedForTheSlot := fresh
	oldCopyNamedForTheSlot.OriginalCreated = now.AddDate(0, 0, -3)
	slot := fresh.Created.Truncate(time.Hour)
	staging := awsfake.DBSnapshot{ID: snapshot.Name("staging", "gfs", "orders-db", slot), Database: "orders-db", Encrypted: true, Created: fresh.Created,
		Tags: snapshot.Tags("staging", "gfs", "orders-db", slot)}
	legacyTags := snapshot.Tags(stage, "gfs", "orders-db", slot)
	delete(legacyTags, snapshot.TagStage)
	legacy := awsfake.DBSnapshot{ID: snapshot.StagelessName("gfs", "orders-db", slot), Database: "orders-db", Encrypted: true, Created: fresh.Created, Tags: legacyTags}

	req := check.Request{Checks: []string{check.RDSSnapshotFresh}, Location: time.UTC, Stage: stage,
		Policies: []config.BackupPolicy{{Name: "gfs", Schedule: "rate(1 hour)", Targets: config.Targets{Instances: []string{"orders-db"}}}}}
	for _, tc := range []struct {
		name   string
		snaps  []awsfake.DBSnapshot
		status check.Status
		reason string
	}{
		{"copies and another stage's do not count", []awsfake.DBSnapshot{own, sameRegionCopy, crossRegionCopy, oldCopyNamedForTheSlot, staging}, check.Fail,
			"The newest snapshot of DB instance orders-db (backup policy gfs), pledge-4-prod-3-gfs-orders-db-202611211900, is 5h0m old, not younger than 2h0m (twice the 1h0m schedule). " +
				`4 more snapshots tagged as the policy's were not counted: copies, another stage's, or ones the rotator of stage "prod" did not make.`},
		{"another stage's alone", []awsfake.DBSnapshot{staging}, check.Fail,
			`DB instance orders-db (backup policy gfs) has no available snapshot; one is due every 1h0m. 1 more snapshot tagged as the policy's was not counted: a copy, another stage's, or one the rotator of stage "prod" did not make.`},
		{"the rotator's own fresh one counts", []awsfake.DBSnapshot{own, fresh, staging}, check.Pass, "pledge-4-prod-3-gfs-orders-db-202611212300, is 20m old"},
		{"a legacy one counts", []awsfake.DBSnapshot{own, legacy}, check.Pass, "pledge-3-gfs-orders-db-202611212300, is 20m old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := rdsAccount()
			a.DBSnapshots = tc.snaps
			rs := a.AWS().Collect(context.Background(), req, now)
			r, ok := byKey(t, rs)[check.RDSSnapshotFresh+" "+arnOf("rds", "db:orders-db")]
			if !ok || r.Status != tc.status || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %v %q\nwant %s containing %q", r.Status, r.Reason, tc.status, tc.reason)
			}
		})
	}
}

func chronyLine(t *testing.T, name string) string {
	return strings.TrimSpace(chronyFixture(t, name))
}

func fleet(t *testing.T, n int) *awsfake.Account {
	a := awsfake.New()
	a.DefaultChrony = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "amazon-ipv4.csv") + "\n"}
	for i := range n {
		id := fmt.Sprintf("i-%017d", i)
		a.Instances = append(a.Instances, awsfake.Instance{ID: id, Tags: map[string]string{"pledge:timesync": "check"}})
		a.Ping[id] = "Online"
	}
	return a
}

func TestAWS_TimeSync_SendsCommandsInBatchesOf50(t *testing.T) {
	a := fleet(t, 120)
	// Not selected: other tags, or not running.
	a.Instances = append(a.Instances,
		awsfake.Instance{ID: "i-untagged", Tags: map[string]string{"team": "web"}},
		awsfake.Instance{ID: "i-stopped", State: "stopped", Tags: map[string]string{"pledge:timesync": "check"}})
	a.Ping["i-untagged"], a.Ping["i-stopped"] = "Online", "Online"
	drift, down := fmt.Sprintf("i-%017d", 7), fmt.Sprintf("i-%017d", 99)
	a.Chrony[drift] = awsfake.Outcome{Status: "Success", Output: chronyLine(t, "phc-large-offset.csv")}
	a.Chrony[down] = awsfake.Outcome{Status: "Failed", Stderr: chronyLine(t, "daemon-down.txt"), Code: 1}
	a.PendingPolls = 2

	req := check.Request{Checks: []string{check.TimeSyncChrony}, InstanceTags: map[string]string{"pledge:timesync": "check"}, MaxClockOffset: 100 * time.Millisecond}
	rs := a.AWS().Collect(context.Background(), req, now)

	sent := a.SentCommands()
	var sizes []int
	seen := map[string]int{}
	for _, ids := range sent {
		sizes = append(sizes, len(ids))
		for _, id := range ids {
			seen[id]++
		}
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{20, 50, 50}) {
		t.Errorf("SendCommand batch sizes %v, want [20 50 50]", sizes)
	}
	if len(seen) != 120 || seen["i-untagged"] > 0 || seen["i-stopped"] > 0 {
		t.Errorf("commands reached %d distinct instances (untagged %d, stopped %d), want the 120 tagged running ones", len(seen), seen["i-untagged"], seen["i-stopped"])
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("instance %s got %d commands", id, n)
		}
	}
	if n := countFor(rs, check.TimeSyncChrony); n != 120 {
		t.Errorf("%d time-sync results, want 120", n)
	}
	assertResults(t, rs, []expect{
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000000"), check.Pass, "Synchronised to Amazon Time Sync Service (169.254.169.123)"},
		{check.TimeSyncChrony, arnOf("ec2", "instance/"+drift), check.Fail, "The clock is 350ms fast"},
		{check.TimeSyncChrony, arnOf("ec2", "instance/"+down), check.Error, `"chronyc -c tracking" failed on instance ` + down + ` (exit code 1, SSM command cmd-`},
		{check.TimeSyncChrony, arnOf("ec2", "instance/"+down), check.Error, "506 Cannot talk to daemon"},
	})
	// Two reads report InProgress, the third the outcome: 3 polls a batch.
	if got, want := a.Calls()["ssm:ListCommandInvocations"], 3*(25+25+10); got != want {
		t.Errorf("ListCommandInvocations called %d times, want %d (3 polls of each batch, 2 invocations a page)", got, want)
	}
}

func TestAWS_TimeSync_AgentsNotOnline(t *testing.T) {
	a := fleet(t, 3)
	a.Ping["i-00000000000000001"] = "ConnectionLost"
	delete(a.Ping, "i-00000000000000002")
	rs := a.AWS().Collect(context.Background(), check.Request{Checks: []string{check.TimeSyncChrony}, MaxClockOffset: 100 * time.Millisecond}, now)
	assertResults(t, rs, []expect{
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000000"), check.Pass, "Amazon Time Sync"},
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000001"), check.Error, "is not online (ping status ConnectionLost)"},
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000002"), check.Error, "is not managed by SSM"},
	})
	if sent := a.SentCommands(); len(sent) != 1 || !slices.Equal(sent[0], []string{"i-00000000000000000"}) {
		t.Errorf("SendCommand got %v, want only the online instance", sent)
	}
}

func TestAWS_TimeSync_GivesUpAfterCommandWait(t *testing.T) {
	a := fleet(t, 2)
	a.PendingPolls = 1000
	aws := a.AWS()
	var slept []time.Duration
	aws.CommandPoll, aws.CommandWait = 500*time.Millisecond, 2*time.Second
	aws.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	rs := aws.Collect(context.Background(), check.Request{Checks: []string{check.TimeSyncChrony}}, now)
	assertResults(t, rs, []expect{
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000001"), check.Error, "did not finish within 2s (status InProgress)"},
	})
	if !slices.Equal(slept, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}) {
		t.Errorf("slept %v, want 4 polls of 500ms", slept)
	}
}

func TestAWS_TimeSync_StopsWhenContextEnds(t *testing.T) {
	a := fleet(t, 1)
	a.PendingPolls = 1000
	aws := a.AWS()
	ctx, cancel := context.WithCancel(context.Background())
	aws.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	rs := aws.Collect(ctx, check.Request{Checks: []string{check.TimeSyncChrony}}, now)
	assertResults(t, rs, []expect{
		{check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000000"), check.Error, "context canceled"},
	})
}

func TestAWS_AccessDeniedIsError(t *testing.T) {
	tests := []struct {
		deny              string
		checkID, resource string
	}{
		{"kms:DescribeKey k-2", check.KMSKeyRotation, arnOf("kms", "key/k-2")},
		{"kms:GetKeyRotationStatus k-1", check.KMSKeyRotation, arnOf("kms", "key/k-1")},
		{"kms:ListKeys", check.KMSKeyRotation, arnOf("kms", "")},
		{"guardduty:ListDetectors", check.GuardDutyEnabled, arnOf("guardduty", "")},
		{"guardduty:GetDetector d-1", check.GuardDutyEnabled, arnOf("guardduty", "")},
		{"s3:GetBucketPolicy tenant-data", check.S3TLSOnly, "arn:aws:s3:::tenant-data"},
		{"s3:GetBucketEncryption tenant-data", check.S3DefaultEncryption, "arn:aws:s3:::tenant-data"},
		{"ec2:GetEbsEncryptionByDefault", check.EBSEncryptionByDefault, arnOf("ec2", "")},
		{"ec2:GetEbsDefaultKmsKeyId", check.EBSEncryptionByDefault, arnOf("ec2", "")},
		{"ec2:DescribeInstances", check.TimeSyncChrony, arnOf("ec2", "")},
		{"ssm:SendCommand", check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000000")},
		{"ssm:ListCommandInvocations", check.TimeSyncChrony, arnOf("ec2", "instance/i-00000000000000000")},
		{"rds:DescribeDBInstances", check.RDSStorageEncrypted, arnOf("rds", "")},
		{"rds:DescribeDBClusterSnapshots", check.RDSSnapshotEncrypted, arnOf("rds", "")},
		{"rds:DescribeDBParameters pg-tls", check.RDSTLSEnforced, arnOf("rds", "db:orders-db")},
		{"cloudtrail:DescribeTrails", check.CloudTrailProtected, arnOf("cloudtrail", "")},
		{"cloudtrail:GetTrailStatus " + arnOf("cloudtrail", "trail/main"), check.CloudTrailProtected, arnOf("cloudtrail", "trail/main")},
		{"elasticloadbalancing:DescribeLoadBalancers", check.ELBTLS12Policy, arnOf("elasticloadbalancing", "")},
		{"elasticloadbalancing:DescribeSSLPolicies", check.ELBTLS12Policy, arnOf("elasticloadbalancing", "listener/app/web/0123456789abcdef/443")},
		{"logs:DescribeLogGroups", check.LogsRetention, arnOf("logs", "")},
		{"lambda:ListFunctions", check.TimeSyncManaged, arnOf("lambda", "")},
	}
	for _, tt := range tests {
		t.Run(tt.deny, func(t *testing.T) {
			a := goodAccount(t)
			a.Deny[tt.deny] = true
			rs := a.AWS().Collect(context.Background(), goodRequest(), now)
			assertResults(t, rs, []expect{{tt.checkID, tt.resource, check.Error, "The verifier was denied permission"}})
			// Before the denial, the same account passes everything.
			a.Deny = map[string]bool{}
			for _, r := range a.AWS().Collect(context.Background(), goodRequest(), now) {
				if r.Status != check.Pass {
					t.Fatalf("without the denial %s %s is %s: %s", r.CheckID, r.Resource, r.Status, r.Reason)
				}
			}
		})
	}
}

// goodAccount keeps every promise, so that each check passes.
func goodAccount(t *testing.T) *awsfake.Account {
	a := fleet(t, 1)
	a.DBInstances = []awsfake.DBInstance{{ID: "orders-db", Engine: "postgres", Encrypted: true, RetentionDays: 7, ParameterGroup: "pg-tls"}}
	a.DBParameters["pg-tls"] = map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}
	a.DBClusters = []awsfake.DBCluster{{ID: "billing", Engine: "aurora-mysql", Encrypted: true, RetentionDays: 7, ParameterGroup: "ams-tls"}}
	a.ClusterParameters["ams-tls"] = map[string]string{"require_secure_transport": "ON", "tls_version": "TLSv1.2,TLSv1.3"}
	a.DBSnapshots = []awsfake.DBSnapshot{
		rotated("orders-db", false, now.Add(-30*time.Minute), ""),
		rotated("billing", true, now.Add(-30*time.Minute), ""),
	}
	a.EBSByDefault = true
	a.Buckets["tenant-data"] = awsfake.Bucket{Algorithm: "aws:kms", KMSKeyID: arnOf("kms", "key/k-1"), Policy: awsfake.TLSOnlyPolicy("tenant-data"),
		Versioning: "Enabled", Lifecycle: []s3types.LifecycleRule{awsfake.NoncurrentRule("attachments-31d", "", 31)}}
	a.Buckets["evidence"] = awsfake.Bucket{Algorithm: "AES256", Policy: awsfake.TLSOnlyPolicy("evidence")}
	a.Keys = []awsfake.Key{
		{ID: "k-1", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true},
		{ID: "k-2", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true, PeriodDays: 90},
		{ID: "k-aws", Manager: "AWS", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS"},
	}
	a.Trails = []awsfake.Trail{{Name: "main", HomeRegion: region, MultiRegion: true, Validation: true, KMSKeyID: arnOf("kms", "key/k-1"), Logging: true}}
	a.Detectors["d-1"] = "ENABLED"
	a.LoadBalancers = []awsfake.LoadBalancer{{Name: "web", Listeners: []awsfake.Listener{{Protocol: "HTTP", Port: 80}, {Protocol: "HTTPS", Port: 443, Policy: "ELBSecurityPolicy-TLS13-1-2-2021-06"}}}}
	a.SSLPolicies["ELBSecurityPolicy-TLS13-1-2-2021-06"] = []string{"TLSv1.2", "TLSv1.3"}
	a.LogGroups = []awsfake.LogGroup{{Name: "/aws/lambda/compliance-verifier", RetentionDays: 400}}
	a.Functions = []string{"compliance-verifier"}
	return a
}

func goodRequest() check.Request {
	return check.Request{
		MaxClockOffset:        100 * time.Millisecond,
		Location:              time.UTC,
		Stage:                 stage,
		Policies:              []config.BackupPolicy{{Name: "gfs", Schedule: "rate(1 hour)", PointInTimeRecoveryDays: 7, Targets: config.Targets{Instances: []string{"orders-db"}, Clusters: []string{"billing"}}}},
		Buckets:               []check.Bucket{{Name: "tenant-data", RequireKMS: true, Tenant: true}, {Name: "evidence"}},
		NoncurrentVersionDays: 31,
		TenantPrefix:          "tenants/",
		LogRetentionDays:      180,
	}
}

func TestAWS_GoodAccountPassesEveryCheck(t *testing.T) {
	a := goodAccount(t)
	rs := a.AWS().Collect(context.Background(), goodRequest(), now)
	for _, d := range check.Definitions {
		if countFor(rs, d.ID) == 0 {
			t.Errorf("check %s gave no result", d.ID)
		}
	}
	for _, r := range rs {
		if r.Status != check.Pass {
			t.Errorf("%s %s: %s: %s", r.CheckID, r.Resource, r.Status, r.Reason)
		}
	}
	if got := countFor(rs, check.KMSKeyRotation); got != 2 {
		t.Errorf("%d key results, want 2: the AWS-managed key is not judged", got)
	}
}

func TestAWS_Buckets(t *testing.T) {
	a := awsfake.New()
	a.Buckets["plain"] = awsfake.Bucket{}
	a.Buckets["sse-s3"] = awsfake.Bucket{Algorithm: "AES256", Policy: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sse-s3/*"}]}`}
	a.Buckets["kms"] = awsfake.Bucket{Algorithm: "aws:kms", KMSKeyID: "k-other", Policy: awsfake.TLSOnlyPolicy("kms")}
	req := check.Request{Buckets: []check.Bucket{{Name: "plain"}, {Name: "sse-s3", RequireKMS: true}, {Name: "kms", RequireKMS: true, KMSKeyID: "k-1"}, {Name: "gone"}}}
	rs := a.AWS().Collect(context.Background(), req, now)
	assertResults(t, rs, []expect{
		// Missing configuration is a FAIL, not an ERROR.
		{check.S3DefaultEncryption, "arn:aws:s3:::plain", check.Fail, "Bucket plain has no default encryption configuration."},
		{check.S3TLSOnly, "arn:aws:s3:::plain", check.Fail, "Bucket plain has no bucket policy"},
		{check.S3DefaultEncryption, "arn:aws:s3:::sse-s3", check.Fail, "but SSE-KMS is configured for it"},
		{check.S3TLSOnly, "arn:aws:s3:::sse-s3", check.Fail, "has no statement that denies"},
		{check.S3DefaultEncryption, "arn:aws:s3:::kms", check.Fail, "not the configured key k-1"},
		{check.S3TLSOnly, "arn:aws:s3:::kms", check.Pass, "denies all S3 actions"},
		{check.S3DefaultEncryption, "arn:aws:s3:::gone", check.Error, "NoSuchBucket"},
		{check.S3TLSOnly, "arn:aws:s3:::gone", check.Error, "NoSuchBucket"},
	})
}

func TestAWS_KeysTrailsDetectorsListenersLogs(t *testing.T) {
	a := awsfake.New()
	a.PageSize = 1
	a.Keys = []awsfake.Key{
		{ID: "k-on", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true},
		{ID: "k-off", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS"},
		{ID: "k-rsa", Manager: "CUSTOMER", Spec: "RSA_2048", State: "Enabled", Origin: "AWS_KMS"},
		{ID: "k-disabled", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Disabled", Origin: "AWS_KMS"},
	}
	a.Trails = []awsfake.Trail{
		{Name: "org", HomeRegion: "us-east-1", MultiRegion: true, Validation: true, KMSKeyID: "k-on", Logging: true},
		{Name: "local", HomeRegion: region, Logging: false},
	}
	a.Detectors = map[string]string{"d-1": "DISABLED"}
	a.LoadBalancers = []awsfake.LoadBalancer{
		{Name: "web", Listeners: []awsfake.Listener{{Protocol: "HTTP", Port: 80}, {Protocol: "HTTPS", Port: 443, Policy: "ELBSecurityPolicy-2016-08"}}},
		{Name: "api", Type: "network", Listeners: []awsfake.Listener{{Protocol: "TLS", Port: 8443, Policy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"}, {Protocol: "TLS", Port: 9443, Policy: "ELBSecurityPolicy-Legacy-Unknown"}}},
		{Name: "gwlb", Type: "gateway"},
	}
	a.SSLPolicies = map[string][]string{
		"ELBSecurityPolicy-2016-08":               {"TLSv1", "TLSv1.1", "TLSv1.2"},
		"ELBSecurityPolicy-TLS13-1-2-Res-2021-06": {"TLSv1.2", "TLSv1.3"},
	}
	a.LogGroups = []awsfake.LogGroup{{Name: "/app/forever"}, {Name: "/app/short", RetentionDays: 30}, {Name: "/app/long", RetentionDays: 400}}
	req := check.Request{Checks: []string{check.KMSKeyRotation, check.CloudTrailProtected, check.GuardDutyEnabled, check.ELBTLS12Policy, check.LogsRetention}, LogRetentionDays: 180}
	rs := a.AWS().Collect(context.Background(), req, now)
	listener := func(kind, lb string, port int) string {
		return arnOf("elasticloadbalancing", fmt.Sprintf("listener/%s/%s/0123456789abcdef/%d", kind, lb, port))
	}
	assertResults(t, rs, []expect{
		{check.KMSKeyRotation, arnOf("kms", "key/k-on"), check.Pass, "rotates automatically every 365 days"},
		{check.KMSKeyRotation, arnOf("kms", "key/k-off"), check.Fail, "does not rotate automatically"},
		{check.CloudTrailProtected, "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/org", check.Pass, "Trail org is logging all regions"},
		{check.CloudTrailProtected, arnOf("cloudtrail", "trail/local"), check.Fail, "Trail local is not logging, records only its home region ap-northeast-1, does not encrypt its log files with a KMS key and has log file validation off."},
		{check.GuardDutyEnabled, arnOf("guardduty", ""), check.Fail, "GuardDuty detector d-1 is disabled"},
		{check.ELBTLS12Policy, listener("app", "web", 443), check.Fail, "allows TLSv1 and TLSv1.1"},
		{check.ELBTLS12Policy, listener("net", "api", 8443), check.Pass, "allows only TLSv1.2, TLSv1.3"},
		// Unknown to DescribeSSLPolicies: judged by the known-policy list.
		{check.ELBTLS12Policy, listener("net", "api", 9443), check.Fail, "not one of the policies known to allow TLS 1.2 and newer only"},
		{check.LogsRetention, arnOf("logs", "log-group:/app/forever"), check.Pass, "never expires"},
		{check.LogsRetention, arnOf("logs", "log-group:/app/short"), check.Fail, "30 days, fewer than the 180 days promised"},
		{check.LogsRetention, arnOf("logs", "log-group:/app/long"), check.Pass, "400 days"},
	})
	if n := countFor(rs, check.KMSKeyRotation); n != 2 {
		t.Errorf("%d key results, want 2 (RSA and disabled keys cannot rotate and are not judged)", n)
	}
	if n := countFor(rs, check.ELBTLS12Policy); n != 3 {
		t.Errorf("%d listener results, want 3 (HTTP listeners have no TLS policy)", n)
	}
	calls := a.Calls()
	for op, want := range map[string]int{
		"kms:ListKeys": 4, "kms:DescribeKey": 4, "kms:GetKeyRotationStatus": 2,
		"logs:DescribeLogGroups":                     3,
		"elasticloadbalancing:DescribeLoadBalancers": 3,
		"elasticloadbalancing:DescribeListeners":     4, // web 2 pages, api 2 pages, none for the gateway
		// One call for the three names fails on the unknown one; then one by one.
		"elasticloadbalancing:DescribeSSLPolicies": 1 + 3,
		"cloudtrail:GetTrailStatus":                2,
	} {
		if calls[op] != want {
			t.Errorf("%s called %d times, want %d", op, calls[op], want)
		}
	}
}

func TestAWS_NoTrailNoDetector(t *testing.T) {
	a := awsfake.New()
	rs := a.AWS().Collect(context.Background(), check.Request{Checks: []string{check.CloudTrailProtected, check.GuardDutyEnabled}}, now)
	assertResults(t, rs, []expect{
		{check.CloudTrailProtected, arnOf("cloudtrail", ""), check.Fail, "No CloudTrail trail exists"},
		{check.GuardDutyEnabled, arnOf("guardduty", ""), check.Fail, "GuardDuty has no detector in this region"},
	})
}

func TestAWS_OnlyRequestedChecksCallAWS(t *testing.T) {
	a := goodAccount(t)
	rs := a.AWS().Collect(context.Background(), check.Request{Checks: []string{check.GuardDutyEnabled}}, now)
	if len(rs) != 1 || rs[0].CheckID != check.GuardDutyEnabled {
		t.Fatalf("results %v, want one guardduty result", rs)
	}
	for op := range a.Calls() {
		if !strings.HasPrefix(op, "guardduty:") {
			t.Errorf("called %s for a guardduty-only run", op)
		}
	}
}

func TestAWS_MissingClientIsError(t *testing.T) {
	aws := &check.AWS{Scope: check.Scope{Region: region, Account: acct}}
	rs := aws.Collect(context.Background(), goodRequest(), now)
	if len(rs) == 0 {
		t.Fatal("no results")
	}
	for _, r := range rs {
		if r.Status != check.Error || !strings.Contains(r.Reason, "client is configured") {
			t.Errorf("%s %s: %s %s, want ERROR naming the missing client", r.CheckID, r.Resource, r.Status, r.Reason)
		}
	}
}

func TestAWS_ConcurrencyIsBounded(t *testing.T) {
	for _, limit := range []int{1, 4} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			a := goodAccount(t)
			a.Latency = 2 * time.Millisecond
			for i := range 40 {
				a.Keys = append(a.Keys, awsfake.Key{ID: fmt.Sprintf("k-%03d", i+10), Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: true})
			}
			aws := a.AWS()
			aws.Concurrency = limit
			aws.Collect(context.Background(), goodRequest(), now)
			if got := a.MaxInFlight(); got > limit || (limit > 1 && got < 2) {
				t.Errorf("%d calls in flight at most, want between 2 and %d", got, limit)
			}
		})
	}
}

func TestResolveScope(t *testing.T) {
	a := awsfake.New()
	s, err := check.ResolveScope(context.Background(), a.STS(), region)
	if err != nil {
		t.Fatal(err)
	}
	if s != (check.Scope{Partition: "aws", Region: region, Account: acct}) {
		t.Errorf("scope %+v", s)
	}
	if got, want := s.ARN("ec2", ""), "arn:aws:ec2:ap-northeast-1:123456789012:"; got != want {
		t.Errorf("ARN = %s, want %s", got, want)
	}
	a.Deny["sts:GetCallerIdentity"] = true
	if _, err := check.ResolveScope(context.Background(), a.STS(), region); err == nil || !check.IsAccessDenied(err) {
		t.Errorf("err = %v, want the access-denied error", err)
	}
}

func TestRequestFromConfig(t *testing.T) {
	c := config.Config{Stage: "prod", Region: region, Timezone: "Asia/Tokyo", LogRetentionDays: 400,
		Tenants:      config.Tenants{Buckets: []string{"tenant-a", "tenant-b", "tenant-a"}},
		Verification: config.Verification{Checks: []string{check.S3TLSOnly}, ClockOffsetThreshold: "250ms", InstanceTags: map[string]string{"k": "v"}},
		Backup:       config.Backup{Policies: []config.BackupPolicy{{Name: "gfs"}}},
	}
	r := check.RequestFromConfig(c, "evidence")
	var names []string
	for _, b := range r.Buckets {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"tenant-a", "tenant-b", "evidence"}) {
		t.Errorf("buckets %v", names)
	}
	if r.Stage != "prod" {
		t.Errorf("stage %q, want the configuration's", r.Stage)
	}
	if r.MaxClockOffset != 250*time.Millisecond || r.LogRetentionDays != 400 || r.Location.String() != "Asia/Tokyo" || len(r.Policies) != 1 || r.InstanceTags["k"] != "v" || !slices.Equal(r.Checks, []string{check.S3TLSOnly}) {
		t.Errorf("request %+v", r)
	}
}

// TestAWS_TimeSync_UsesTheStacksDocument: with a document named, the
// command names it and passes no parameters (the role may send nothing
// else); an account whose document differs refuses the command, and every
// instance reports ERROR.
func TestAWS_TimeSync_UsesTheStacksDocument(t *testing.T) {
	for _, tc := range []struct {
		name, accountDoc, verifierDoc string
		want                          check.Status
	}{
		{"OwnDocument", "pledge-prod-chronyc-tracking", "pledge-prod-chronyc-tracking", check.Pass},
		{"ShellDocumentRefused", "pledge-prod-chronyc-tracking", "", check.Error},
		{"WrongDocument", "pledge-prod-chronyc-tracking", "pledge-staging-chronyc-tracking", check.Error},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fleet(t, 2)
			a.TimeSyncDocument = tc.accountDoc
			c := a.AWS()
			c.TimeSyncDocument = tc.verifierDoc
			rs := c.Collect(context.Background(), check.Request{Checks: []string{check.TimeSyncChrony}, MaxClockOffset: 100 * time.Millisecond}, now)
			if n := countFor(rs, check.TimeSyncChrony); n != 2 {
				t.Fatalf("%d results, want 2", n)
			}
			for _, r := range rs {
				if r.Status != tc.want {
					t.Errorf("%s: %s (%s), want %s", r.Resource, r.Status, r.Reason, tc.want)
				}
			}
		})
	}
}
