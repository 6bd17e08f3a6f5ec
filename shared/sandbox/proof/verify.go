package proof

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/verify"
)

// verification is the verifier's report under the profile, by check and
// resource.
type verification struct {
	results map[string]check.Result
	byCheck map[string]int
	key     string
	err     error
}

// verified runs the verifier binary once under the profile (with the
// scenario's exports bucket among the tenant buckets, as the demo does)
// and reads the report it stored.
func (r *run) verification(ctx context.Context) (*verification, error) {
	if r.verified != nil {
		return r.verified, r.verified.err
	}
	v := &verification{results: map[string]check.Result{}, byCheck: map[string]int{}}
	r.verified = v
	ev, err := r.w.file(r.name+"-verifier-event.json", runner.ScheduledEventJSON(time.Now(), nil))
	if err != nil {
		v.err = err
		return v, err
	}
	out, runErr := r.w.invoke(ctx, "compliance-verifier", scenario.VerifierConfig(r.cfg), r.name+"-compliance-verifier", "-event", ev)
	var res verify.Result
	if err := json.Unmarshal(out, &res); err != nil || res.ReportKey == "" {
		v.err = fmt.Errorf("verifier result: %v (%v)", err, runErr)
		return v, v.err
	}
	obj, err := r.w.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(res.ReportKey)})
	if err != nil {
		v.err = fmt.Errorf("read the report: %w", err)
		return v, v.err
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	if err != nil {
		v.err = err
		return v, err
	}
	var rec struct {
		Body check.Report `json:"body"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		v.err = fmt.Errorf("report %s: %w", res.ReportKey, err)
		return v, v.err
	}
	for _, x := range rec.Body.Results {
		v.results[x.CheckID+" "+x.Resource] = x
		v.byCheck[x.CheckID]++
	}
	v.key = res.ReportKey
	return v, nil
}

// expect is one verdict a promise implies.
type expect struct {
	check, resource string
	status          check.Status
	reason          string // a fragment the reason contains
	why             string
}

// judge compares the verdicts with what the promise implies, and checks
// that a check the profile does not run reported nothing.
func (r *run) judge(ctx context.Context, ids []string, want []expect) (shown, bad []string, err error) {
	v, err := r.verification(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if !r.checks(id) && v.byCheck[id] > 0 {
			bad = append(bad, fmt.Sprintf("%s reported %d results though the profile does not promise it", id, v.byCheck[id]))
		}
	}
	for _, e := range want {
		got, ok := v.results[e.check+" "+e.resource]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("no %s verdict on %s (%s)", e.check, short(e.resource), e.why))
		case got.Status != e.status || !strings.Contains(got.Reason, e.reason):
			bad = append(bad, fmt.Sprintf("%s on %s: %s %q, want %s containing %q (%s)", e.check, short(e.resource), got.Status, got.Reason, e.status, e.reason, e.why))
		default:
			shown = append(shown, fmt.Sprintf("%s %s %s: %s", e.status, e.check, short(e.resource), e.why))
		}
	}
	return shown, bad, nil
}

func arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, scenario.Config().Region, awssim.DefaultAccountID, resource)
}

func short(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) == 6 && parts[5] != "" {
		return parts[5]
	}
	return a
}

func verdict(ok bool) check.Status {
	if ok {
		return check.Pass
	}
	return check.Fail
}

func provePITR(ctx context.Context, r *run) ([]string, []string, error) {
	var want []expect
	for i, p := range r.cfg.Backup.Policies {
		if p.PointInTimeRecoveryDays == 0 {
			continue
		}
		want = append(want,
			expect{check.RDSPITRRetention, arn("rds", "db:"+Database(r.name, i)), check.Pass, fmt.Sprintf("at least the %d days promised", p.PointInTimeRecoveryDays),
				fmt.Sprintf("kept %d days, as promised", p.PointInTimeRecoveryDays)},
			expect{check.RDSPITRRetention, arn("rds", "db:"+ShortDatabase(r.name, i)), check.Fail, fmt.Sprintf("fewer than the %d days promised", p.PointInTimeRecoveryDays),
				fmt.Sprintf("kept %d days, a day short", p.PointInTimeRecoveryDays-1)})
	}
	if len(want) == 0 {
		return nil, []string{"no backup policy promises point-in-time recovery"}, nil
	}
	if !r.checks(check.RDSPITRRetention) {
		return nil, []string{"the profile does not run " + check.RDSPITRRetention}, nil
	}
	shown, bad, err := r.judge(ctx, nil, want)
	if err != nil || len(r.cfg.Backup.SnapshotPolicies()) > 0 {
		return shown, bad, err
	}
	// No snapshot tier: the rotator, were it run, takes no snapshot.
	s, b, err := r.rotateNothing(ctx)
	return append(shown, s...), append(bad, b...), err
}

// rotateNothing runs the rotator binary under a profile whose policies
// promise only point-in-time recovery: it must say it has nothing to do,
// and ask RDS to create or delete nothing.
func (r *run) rotateNothing(ctx context.Context) (shown, bad []string, err error) {
	ev, err := r.w.file(r.name+"-rotator-event.json", runner.ScheduledEventJSON(time.Now(), nil))
	if err != nil {
		return nil, nil, err
	}
	sim := r.w.SB.Sim
	sim.ResetCounts()
	_, runErr := r.w.invoke(ctx, "snapshot-rotator", r.cfg, r.name+"-snapshot-rotator", "-event", ev)
	r.rotated = true
	writes := 0
	for k, n := range sim.Counts() {
		if strings.HasPrefix(k, "rds:Create") || strings.HasPrefix(k, "rds:Delete") || strings.HasPrefix(k, "rds:Copy") {
			writes += n
		}
	}
	if runErr == nil || !strings.Contains(runErr.Error(), "no backup policy takes snapshots") {
		bad = append(bad, fmt.Sprintf("the rotator under a point-in-time-recovery-only profile: %v, want it to say no policy takes snapshots", runErr))
	}
	if writes > 0 {
		bad = append(bad, fmt.Sprintf("the rotator asked RDS for %d snapshot creations, deletions or copies", writes))
	}
	shown = append(shown, "rotator binary under the profile: no policy takes snapshots, nothing created or deleted (and the stack deploys no rotator)")
	return shown, bad, nil
}

func proveNoncurrent(ctx context.Context, r *run) ([]string, []string, error) {
	days := r.cfg.Verification.NoncurrentVersionDays
	if days == 0 || !r.checks(check.S3NoncurrentRetention) {
		return nil, []string{"the profile promises no noncurrent-version retention, or does not check it"}, nil
	}
	// The scenario's tenant bucket expires noncurrent versions after 31
	// days (scenario.NoncurrentRule); the exports bucket is unversioned.
	return r.judge(ctx, nil, []expect{
		{check.S3NoncurrentRetention, "arn:aws:s3:::" + scenario.TenantBucket, verdict(days <= 31), scenario.NoncurrentRule,
			fmt.Sprintf("the tenant bucket expires earlier versions after 31 days; %d promised", days)},
		{check.S3NoncurrentRetention, "arn:aws:s3:::" + scenario.ExportsBucket, check.Fail, "versioning never enabled", "an unversioned bucket keeps no earlier version"},
	})
}

// cloudWatchDays are the retentions CloudWatch Logs accepts.
var cloudWatchDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// logGroups are the profile's log groups: per class, one kept the least
// CloudWatch retention that meets the promise, one kept the most that does
// not, one never expiring.
func (r *run) logGroups() []awssim.LogGroup {
	var out []awssim.LogGroup
	for _, c := range r.cfg.Verification.LogClasses {
		meets := cloudWatchDays[slices.IndexFunc(cloudWatchDays, func(d int) bool { return d >= c.MinDays })]
		short := 0
		for _, d := range cloudWatchDays {
			if d < c.MinDays {
				short = d
			}
		}
		base := c.Prefixes[0] + "proof-"
		out = append(out, awssim.LogGroup{LogGroupName: base + "kept", RetentionInDays: meets}, awssim.LogGroup{LogGroupName: base + "forever"})
		if short > 0 {
			out = append(out, awssim.LogGroup{LogGroupName: base + "short", RetentionInDays: short})
		}
	}
	return out
}

func proveLogRetention(ctx context.Context, r *run) ([]string, []string, error) {
	if len(r.cfg.Verification.LogClasses) == 0 || !r.checks(check.LogsRetention) {
		return nil, []string{"the profile promises no log retention, or does not check it"}, nil
	}
	var want []expect
	for _, g := range r.logGroups() {
		class, _ := r.cfg.Verification.LogClassOf(g.LogGroupName)
		ok := g.RetentionInDays == 0 || g.RetentionInDays >= class.MinDays
		why := fmt.Sprintf("%s logs kept %d days, %d promised", class.Name, g.RetentionInDays, class.MinDays)
		if g.RetentionInDays == 0 {
			why = class.Name + " logs never expire"
		}
		want = append(want, expect{check.LogsRetention, arn("logs", "log-group:"+g.LogGroupName), verdict(ok), "", why})
	}
	// A group in no class is held to logRetentionDays.
	want = append(want, expect{check.LogsRetention, arn("logs", "log-group:"+scenario.LogGroupKept), verdict(r.cfg.LogRetentionDays <= 400), "",
		fmt.Sprintf("a group in no class kept 400 days, %d promised", r.cfg.LogRetentionDays)})
	return r.judge(ctx, nil, want)
}

// accepts reports whether the profile's time sources accept service.
func accepts(v config.Verification, service string) bool {
	for _, s := range v.TimeSources {
		if s.Service == service || s.Service == config.TimeServiceAny {
			return true
		}
	}
	return len(v.TimeSources) == 0 && service == config.TimeServiceAmazon
}

func proveTimeSource(ctx context.Context, r *run) ([]string, []string, error) {
	v := r.cfg.Verification
	inst := func(id string) string { return arn("ec2", "instance/"+id) }
	return r.judge(ctx, nil, []expect{
		{check.TimeSyncChrony, inst(scenario.InstanceSynced), verdict(accepts(v, config.TimeServiceAmazon)), "",
			fmt.Sprintf("a clock on Amazon Time Sync: accepted %v", accepts(v, config.TimeServiceAmazon))},
		{check.TimeSyncChrony, inst(scenario.InstanceNICT), verdict(accepts(v, config.TimeServiceNICT)), "133.243.238.164",
			fmt.Sprintf("a clock on NICT's ntp.nict.jp: accepted %v", accepts(v, config.TimeServiceNICT))},
		{check.TimeSyncChrony, inst(scenario.InstanceDrifting), check.Fail, "350ms fast", "a clock 0.35 s off fails whatever it follows"},
		{check.TimeSyncChrony, inst(scenario.InstanceUnsynced), check.Fail, "not synchronised", "a clock that follows nothing fails"},
	})
}

func proveAtRest(ctx context.Context, r *run) ([]string, []string, error) {
	ids := []string{check.RDSStorageEncrypted, check.RDSSnapshotEncrypted, check.S3DefaultEncryption, check.EBSEncryptionByDefault}
	var want []expect
	if r.checks(check.RDSStorageEncrypted) {
		want = append(want,
			expect{check.RDSStorageEncrypted, arn("rds", "db:"+scenario.OrdersDB), check.Pass, "", "an encrypted database"},
			expect{check.RDSStorageEncrypted, arn("rds", "db:"+scenario.AnalyticsDB), check.Fail, "", "an unencrypted database is caught"})
	}
	if r.checks(check.RDSSnapshotEncrypted) {
		for _, sn := range r.w.SB.Sim.RDS().State().Snapshots {
			if sn.DBInstanceIdentifier == scenario.AnalyticsDB {
				want = append(want, expect{check.RDSSnapshotEncrypted, sn.DBSnapshotArn, check.Fail, "", "a snapshot of the unencrypted database is caught"})
				break
			}
		}
	}
	if r.checks(check.S3DefaultEncryption) {
		want = append(want, expect{check.S3DefaultEncryption, "arn:aws:s3:::" + scenario.TenantBucket, check.Pass, "aws:kms", "the tenant bucket encrypts with SSE-KMS"})
	}
	if r.checks(check.EBSEncryptionByDefault) {
		want = append(want, expect{check.EBSEncryptionByDefault, arn("ec2", ""), check.Pass, "", "EBS encrypts by default"})
	}
	if len(want) == 0 {
		return nil, []string{"the profile runs no encryption-at-rest check"}, nil
	}
	return r.judge(ctx, ids, want)
}

func proveInTransit(ctx context.Context, r *run) ([]string, []string, error) {
	ids := []string{check.ELBTLS12Policy, check.S3TLSOnly, check.RDSTLSEnforced}
	var want []expect
	if r.checks(check.ELBTLS12Policy) {
		for _, lb := range r.w.SB.Sim.ELB().State().LoadBalancers {
			for _, l := range lb.Listeners {
				switch {
				case l.Protocol != "HTTPS":
				case lb.LoadBalancerName == scenario.BalancerModern:
					want = append(want, expect{check.ELBTLS12Policy, l.ListenerArn, check.Pass, scenario.PolicyModern, "HTTPS on TLS 1.2 and 1.3 only"})
				case lb.LoadBalancerName == scenario.BalancerLegacy:
					want = append(want, expect{check.ELBTLS12Policy, l.ListenerArn, check.Fail, scenario.PolicyLegacy, "a listener allowing TLS 1.0 is caught"})
				}
			}
		}
	}
	if r.checks(check.S3TLSOnly) {
		want = append(want,
			expect{check.S3TLSOnly, "arn:aws:s3:::" + scenario.TenantBucket, check.Pass, "", "the tenant bucket refuses requests without TLS"},
			expect{check.S3TLSOnly, "arn:aws:s3:::" + scenario.ExportsBucket, check.Fail, "no bucket policy", "a bucket taking plain HTTP is caught"})
	}
	if r.checks(check.RDSTLSEnforced) {
		want = append(want,
			expect{check.RDSTLSEnforced, arn("rds", "db:"+scenario.OrdersDB), check.Pass, scenario.OrdersParameterGroup, "the database forces TLS 1.2"},
			expect{check.RDSTLSEnforced, arn("rds", "db:"+scenario.AnalyticsDB), check.Fail, "require_secure_transport", "a database taking plain text is caught"})
	}
	if len(want) == 0 {
		return nil, []string{"the profile runs no encryption-in-transit check"}, nil
	}
	return r.judge(ctx, ids, want)
}

func proveMonitoring(ctx context.Context, r *run) ([]string, []string, error) {
	var want []expect
	if r.checks(check.GuardDutyEnabled) {
		want = append(want, expect{check.GuardDutyEnabled, arn("guardduty", ""), check.Pass, "", "GuardDuty watches the account"})
	}
	if r.checks(check.CloudTrailProtected) {
		want = append(want, expect{check.CloudTrailProtected, arn("cloudtrail", "trail/"+scenario.Trail), check.Pass, "", "the trail records every region, encrypted and validated"})
	}
	if len(want) == 0 {
		return nil, []string{"the profile checks no monitoring"}, nil
	}
	shown, bad, err := r.judge(ctx, nil, want)
	if err != nil {
		return shown, bad, err
	}
	// And a finding reaches the tenant it concerns: the notice proof's
	// deliveries, when the profile promises notices.
	if s, b, err := r.notices(ctx); err == nil && len(b) == 0 && len(s) > 0 {
		shown = append(shown, "a GuardDuty finding on a tenant's instance was routed to that tenant (notifier binary)")
	} else if err != nil || len(b) > 0 {
		bad = append(bad, "the notifier did not route the finding to its tenant")
	}
	return shown, bad, nil
}
