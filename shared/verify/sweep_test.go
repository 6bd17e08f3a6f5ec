package verify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/check/awsfake"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

const amazonChrony = "A9FEA97B,169.254.169.123,4,1511356714.000000000,0.000000626,0.002852759,0.002852759,1.187,0.020,24.388,0.000504752,0.001112565,64.4,Normal\n"

// account makes a fake account of about n resources spread over every
// check, one in every failEvery of them misconfigured (none when 0).
func account(n, failEvery int) (*awsfake.Account, check.Request) {
	a := awsfake.New()
	bad := func(i int) bool { return failEvery > 0 && i%failEvery == 0 }
	a.DefaultChrony = awsfake.Outcome{Status: "Success", Output: amazonChrony}
	req := check.Request{
		MaxClockOffset: 100 * time.Millisecond, Location: time.UTC, LogRetentionDays: 180, Stage: "prod",
		InstanceTags: map[string]string{"pledge:timesync": "check"},
		Policies: []config.BackupPolicy{{Name: "gfs", Schedule: "rate(1 hour)", PointInTimeRecoveryDays: 7,
			Targets: config.Targets{Tags: map[string]string{"pledge:backup": "gfs"}}}},
	}
	share := func(p int) int { return max(1, n*p/100) }
	for i := range share(20) {
		id := fmt.Sprintf("i-%017d", i)
		a.Instances = append(a.Instances, awsfake.Instance{ID: id, Tags: map[string]string{"pledge:timesync": "check"}})
		a.Ping[id] = "Online"
		if bad(i) {
			a.Chrony[id] = awsfake.Outcome{Status: "Success", Output: "50484330,PHC0,1,1795305334.326623592,-0.349999994,0.000000000,0.000000000,0.000,0.000,0.000,0.000000001,0.000009873,2.0,Normal\n"}
		}
	}
	groups := []string{"pg-a", "pg-b", "pg-c", "pg-d", "pg-e"}
	for _, g := range groups {
		a.DBParameters[g] = map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2", "work_mem": "4096", "shared_buffers": "{DBInstanceClassMemory/32768}"}
	}
	a.DBParameters["pg-weak"] = map[string]string{"rds.force_ssl": "0"}
	for i := range share(10) {
		id := fmt.Sprintf("db-%04d", i)
		g := groups[i%len(groups)]
		if bad(i) {
			g = "pg-weak"
		}
		a.DBInstances = append(a.DBInstances, awsfake.DBInstance{ID: id, Engine: "postgres", Encrypted: !bad(i), RetentionDays: 7, ParameterGroup: g, Tags: map[string]string{"pledge:backup": "gfs"}})
	}
	for i := range share(20) {
		db := a.DBInstances[i%len(a.DBInstances)]
		at := start.Add(-time.Duration(i%3) * 20 * time.Minute)
		a.DBSnapshots = append(a.DBSnapshots, awsfake.DBSnapshot{ID: snapshot.Name("prod", "gfs", db.ID, at), Database: db.ID, Encrypted: !bad(i),
			Created: at, Tags: snapshot.Tags("prod", "gfs", db.ID, at)})
	}
	for i := range share(10) {
		a.Keys = append(a.Keys, awsfake.Key{ID: fmt.Sprintf("k-%04d", i), Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Origin: "AWS_KMS", Rotation: !bad(i)})
	}
	a.SSLPolicies = map[string][]string{"ELBSecurityPolicy-TLS13-1-2-2021-06": {"TLSv1.2", "TLSv1.3"}, "ELBSecurityPolicy-2016-08": {"TLSv1", "TLSv1.1", "TLSv1.2"}}
	for i := range share(5) {
		p := "ELBSecurityPolicy-TLS13-1-2-2021-06"
		if bad(i) {
			p = "ELBSecurityPolicy-2016-08"
		}
		a.LoadBalancers = append(a.LoadBalancers, awsfake.LoadBalancer{Name: fmt.Sprintf("lb-%04d", i), Listeners: []awsfake.Listener{{Protocol: "HTTP", Port: 80}, {Protocol: "HTTPS", Port: 443, Policy: p}}})
	}
	for i := range share(10) {
		days := int32(400)
		if bad(i) {
			days = 30
		}
		a.LogGroups = append(a.LogGroups, awsfake.LogGroup{Name: fmt.Sprintf("/app/g-%04d", i), RetentionDays: days})
	}
	for i := range share(10) {
		a.Functions = append(a.Functions, fmt.Sprintf("fn-%04d", i))
	}
	for i := range share(2) {
		name := fmt.Sprintf("tenant-%04d", i)
		b := awsfake.Bucket{Algorithm: "AES256", Policy: awsfake.TLSOnlyPolicy(name)}
		if bad(i) {
			b.Policy = ""
		}
		a.Buckets[name] = b
		req.Buckets = append(req.Buckets, check.Bucket{Name: name})
	}
	a.EBSByDefault = true
	a.Trails = []awsfake.Trail{{Name: "main", HomeRegion: a.Region, MultiRegion: true, Validation: true, KMSKeyID: "k-0001", Logging: true}}
	a.Detectors["d-1"] = "ENABLED"
	return a, req
}

func sweepRig(a *awsfake.Account, req check.Request) *rig {
	r := newRig()
	checks := a.AWS()
	r.v.Checks = checks
	r.v.Request = req
	return r
}

func TestVerifier_SweepOverTheFakeAccount(t *testing.T) {
	a, req := account(200, 10)
	r := sweepRig(a, req)
	first := r.run(t)
	if first.Totals.Results < 150 || first.Totals.Failures == 0 || first.Totals.Errors != 0 {
		t.Fatalf("first sweep totals %+v", first.Totals)
	}
	if !first.Alerted || len(first.Changes) != first.Totals.Failures {
		t.Errorf("first sweep: alerted %v with %d changes for %d failures", first.Alerted, len(first.Changes), first.Totals.Failures)
	}
	for _, want := range []string{check.TimeSyncChrony, check.RDSStorageEncrypted, check.RDSSnapshotEncrypted, check.RDSTLSEnforced, check.KMSKeyRotation, check.ELBTLS12Policy, check.LogsRetention, check.S3TLSOnly} {
		found := false
		for _, f := range first.Failures {
			found = found || f.CheckID == want
		}
		if !found {
			t.Errorf("no failure of %s in the sweep", want)
		}
	}

	// Nothing changed: the second run publishes nothing.
	r.clk.t = start.Add(time.Hour)
	second := r.run(t)
	if second.Alerted || len(second.Changes) != 0 || len(r.t.sent()) != 1 {
		t.Errorf("second identical sweep: alerted %v, %d changes, %d messages in all", second.Alerted, len(second.Changes), len(r.t.sent()))
	}

	// A permission is withdrawn: the keys become ERROR, one alert says so.
	a.Deny["kms:ListKeys"] = true
	r.clk.t = start.Add(2 * time.Hour)
	third := r.run(t)
	if !third.Alerted || len(r.t.sent()) != 2 {
		t.Fatalf("denied ListKeys: alerted %v", third.Alerted)
	}
	msg := aws.ToString(r.t.sent()[1].Message)
	if !strings.Contains(msg, "kms.key-rotation arn:aws:kms:ap-northeast-1:123456789012:: now ERROR: The verifier was denied permission") {
		t.Errorf("alert does not report the denied call:\n%.2000s", msg)
	}
}

func TestVerifier_SweepDryRunOverTheFakeAccount(t *testing.T) {
	a, req := account(100, 10)
	r := sweepRig(a, req)
	r.v.DryRun = true
	r.v.Evidence = &evidence.Store{S3: r.b, Bucket: "evidence", DryRun: true}
	res := r.run(t)
	if res.Totals.Failures == 0 || len(res.Changes) == 0 {
		t.Errorf("dry run evaluated nothing: %+v", res.Totals)
	}
	if len(r.t.sent()) != 0 || r.b.calls["PutObject"] != 0 {
		t.Errorf("dry run published %d and wrote %d", len(r.t.sent()), r.b.calls["PutObject"])
	}
	// The dry run still asked SSM for the clocks: reading is not acting.
	if a.Calls()["ssm:SendCommand"] == 0 {
		t.Error("dry run skipped the time-sync check")
	}
}

// BenchmarkRun_1000Resources is a verification sweep over a fake account
// of about 1,000 resources (200 instances, 100 databases, 200 snapshots,
// 100 keys, 50 load balancers, 100 log groups, 100 functions, 20 buckets),
// one in ten misconfigured, pages of 50 items. "latency" adds a simulated
// per-call round trip, so that the time shows the effect of the
// concurrency bound (10 calls in flight) rather than only CPU.
func BenchmarkRun_1000Resources(b *testing.B) {
	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", lat), func(b *testing.B) {
			a, req := account(1000, 10)
			a.PageSize = 50
			a.Latency = lat
			a.PendingPolls = 1
			r := sweepRig(a, req)
			results := 0
			a.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				r.clk.t = r.clk.t.Add(time.Hour)
				res, err := r.v.Run(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				results = res.Totals.Results
			}
			b.ReportMetric(float64(a.TotalCalls())/float64(b.N), "calls/run")
			b.ReportMetric(float64(results), "results/run")
		})
	}
}
