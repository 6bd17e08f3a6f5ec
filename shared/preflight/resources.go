package preflight

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/span"
)

// RDSAPI is the part of the RDS client the checks call.
type RDSAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	DescribeAccountAttributes(ctx context.Context, in *rds.DescribeAccountAttributesInput, optFns ...func(*rds.Options)) (*rds.DescribeAccountAttributesOutput, error)
}

// S3API is the part of the S3 client the checks call.
type S3API interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetObjectLockConfiguration(ctx context.Context, in *s3.GetObjectLockConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
}

// EC2API is the part of the EC2 client the checks call.
type EC2API interface {
	ec2.DescribeInstancesAPIClient
}

// SSMAPI is the part of the SSM client the checks call.
type SSMAPI interface {
	ssm.DescribeInstanceInformationAPIClient
}

// KMSAPI is the part of the KMS client the checks call.
type KMSAPI interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// managedPrefix starts the names of the rotator's snapshots.
const managedPrefix = "pledge-"

// target is one database a policy backs up.
type target struct {
	id      string
	cluster bool
	// keep is how many snapshots the policy can hold of it at most.
	keep int
	// unlimited is set when a tier keeps -1 (no bound).
	unlimited bool
}

// generations bounds the snapshots a policy holds of one database: every
// counted tier's count and every within tier's periods in its span (a
// snapshot may count in several tiers, so this is an upper bound), at least
// MinAvailable, plus the one being created. A policy that promises only
// point-in-time recovery holds none.
func generations(p config.BackupPolicy) (int, bool) {
	if !p.TakesSnapshots() {
		return 0, false
	}
	n, unlimited := 0, false
	for _, k := range p.Keep.Counts() {
		if k.Count < 0 {
			unlimited = true
		}
		n += max(0, k.Count)
	}
	interval := time.Hour
	if s, err := schedule.Parse(p.Schedule); err == nil {
		interval = max(interval, s.Interval(time.Now(), time.UTC))
	}
	for _, w := range p.Keep.Spans() {
		sp, err := span.Parse(w.Span)
		if err != nil || sp.IsZero() {
			continue
		}
		// The longest the span can be on any calendar, and the shortest
		// period of its tier (a snapshot per schedule interval at most).
		longest := time.Duration(sp.Years)*366*24*time.Hour + time.Duration(sp.Months)*31*24*time.Hour + time.Duration(sp.Days)*25*time.Hour + time.Duration(sp.Hours)*time.Hour
		period := map[string]time.Duration{"within": interval, "withinHourly": time.Hour, "withinDaily": 23 * time.Hour, "withinWeekly": 7 * 24 * time.Hour,
			"withinMonthly": 28 * 24 * time.Hour, "withinYearly": 365 * 24 * time.Hour}[w.Name]
		period = max(period, interval)
		n += int((longest+period-1)/period) + 1
	}
	return max(n, p.MinAvailable) + 1, unlimited
}

// databases: each configured instance and cluster exists; each tag target
// selects at least one database; the manual-snapshot quotas have room for
// the policies' generations.
func (r *run) databases(ctx context.Context) {
	instances, clusters, members, err := r.listDatabases(ctx)
	if err != nil {
		return
	}
	var targets []target
	for i, p := range r.cfg.Backup.Policies {
		keep, unlimited := generations(p)
		for j, id := range p.Targets.Instances {
			field := fmt.Sprintf("backup.policies[%d].targets.instances[%d]", i, j)
			if _, ok := instances[id]; !ok {
				r.fail("rds.target-exists", "db:"+id, "no DB instance "+id+" in "+r.cfg.Region, "Create it or correct "+field+".")
				continue
			}
			r.pass("rds.target-exists", "db:"+id, "DB instance found ("+field+")")
			targets = append(targets, target{id, false, keep, unlimited})
		}
		for j, id := range p.Targets.Clusters {
			field := fmt.Sprintf("backup.policies[%d].targets.clusters[%d]", i, j)
			if _, ok := clusters[id]; !ok {
				r.fail("rds.target-exists", "cluster:"+id, "no DB cluster "+id+" in "+r.cfg.Region, "Create it or correct "+field+".")
				continue
			}
			r.pass("rds.target-exists", "cluster:"+id, "DB cluster found ("+field+")")
			targets = append(targets, target{id, true, keep, unlimited})
		}
		if len(p.Targets.Tags) > 0 {
			var matched []string
			for id, tags := range instances {
				// A cluster's member instances are backed up with the
				// cluster, as the rotator does.
				if carries(tags, p.Targets.Tags) && !members[id] {
					matched = append(matched, "db:"+id)
					targets = append(targets, target{id, false, keep, unlimited})
				}
			}
			for id, tags := range clusters {
				if carries(tags, p.Targets.Tags) {
					matched = append(matched, "cluster:"+id)
					targets = append(targets, target{id, true, keep, unlimited})
				}
			}
			subject := "tags " + tagList(p.Targets.Tags)
			if len(matched) == 0 {
				r.fail("rds.target-exists", subject, fmt.Sprintf("no database carries every tag of backup.policies[%d].targets.tags: policy %s would back up nothing", i, p.Name),
					"Tag the databases to back up, or correct the policy's tags.")
			} else {
				slices.Sort(matched)
				r.pass("rds.target-exists", subject, "selects "+strings.Join(matched, ", "))
			}
		}
	}
	r.snapshotQuota(ctx, targets)
}

func carries(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// listDatabases returns every instance and cluster of the region with
// their tags, and which instances are members of a cluster; on error it
// has recorded it.
func (r *run) listDatabases(ctx context.Context) (instances, clusters map[string]map[string]string, members map[string]bool, err error) {
	instances, clusters, members = map[string]map[string]string{}, map[string]map[string]string{}, map[string]bool{}
	ip := rds.NewDescribeDBInstancesPaginator(r.c.RDS, &rds.DescribeDBInstancesInput{})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			r.errored("rds.target-exists", r.cfg.Region, "rds:DescribeDBInstances", err)
			return nil, nil, nil, err
		}
		for _, d := range page.DBInstances {
			instances[aws.ToString(d.DBInstanceIdentifier)] = tagMap(d.TagList)
			members[aws.ToString(d.DBInstanceIdentifier)] = aws.ToString(d.DBClusterIdentifier) != ""
		}
	}
	cp := rds.NewDescribeDBClustersPaginator(r.c.RDS, &rds.DescribeDBClustersInput{})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			r.errored("rds.target-exists", r.cfg.Region, "rds:DescribeDBClusters", err)
			return nil, nil, nil, err
		}
		for _, c := range page.DBClusters {
			clusters[aws.ToString(c.DBClusterIdentifier)] = tagMap(c.TagList)
		}
	}
	return instances, clusters, members, nil
}

// tagList writes tags as "k=v, k2=v2", sorted.
func tagList(tags map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

func tagMap(tags []rdstypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// snapshotQuota: the account's manual-snapshot quotas (instance and
// cluster) hold what the policies keep, counting the rotator's own
// snapshots already there as room (they are part of what is kept).
func (r *run) snapshotQuota(ctx context.Context, targets []target) {
	const check = "rds.snapshot-quota"
	attrs, err := r.c.RDS.DescribeAccountAttributes(ctx, &rds.DescribeAccountAttributesInput{})
	if err != nil {
		r.errored(check, r.cfg.Region, "rds:DescribeAccountAttributes", err)
		return
	}
	quota := map[string]rdstypes.AccountQuota{}
	for _, q := range attrs.AccountQuotas {
		quota[aws.ToString(q.AccountQuotaName)] = q
	}
	for _, kind := range []struct {
		quota   string
		cluster bool
		label   string
	}{{"ManualSnapshots", false, "instance"}, {"ManualClusterSnapshots", true, "cluster"}} {
		need, unlimited := 0, false
		seen := map[string]bool{}
		for _, t := range targets {
			if t.cluster != kind.cluster || seen[t.id] {
				continue
			}
			seen[t.id] = true
			need += t.keep
			unlimited = unlimited || t.unlimited
		}
		if len(seen) == 0 {
			continue
		}
		q, ok := quota[kind.quota]
		if !ok {
			r.fail(check, kind.quota, "RDS reported no "+kind.quota+" quota", "Check the account's RDS quotas in Service Quotas.")
			continue
		}
		managed, err := r.managedSnapshots(ctx, kind.cluster)
		if err != nil {
			continue
		}
		qmax, used := int(aws.ToInt64(q.Max)), int(aws.ToInt64(q.Used))
		room := qmax - used + managed
		subject := fmt.Sprintf("%s (%d databases)", kind.quota, len(seen))
		switch {
		case unlimited:
			r.fail(check, subject, fmt.Sprintf("a policy keeps a tier without limit (-1): its snapshots would fill the quota of %d", qmax),
				"Give every keep tier a count, or raise the RDS "+kind.quota+" quota and watch it.")
		case need > room:
			r.fail(check, subject, fmt.Sprintf("the policies keep up to %d %s snapshots; the quota is %d, %d used (%d of them Pledge's), room for %d", need, kind.label, qmax, used, managed, room),
				fmt.Sprintf("Request an RDS %s quota of at least %d, or keep fewer generations.", kind.quota, used-managed+need))
		default:
			r.pass(check, subject, fmt.Sprintf("up to %d %s snapshots kept; quota %d, %d used (%d of them Pledge's)", need, kind.label, qmax, used, managed))
		}
	}
}

// managedSnapshots counts the manual snapshots named like the rotator's.
func (r *run) managedSnapshots(ctx context.Context, cluster bool) (int, error) {
	n := 0
	if cluster {
		p := rds.NewDescribeDBClusterSnapshotsPaginator(r.c.RDS, &rds.DescribeDBClusterSnapshotsInput{SnapshotType: aws.String("manual")})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				r.errored("rds.snapshot-quota", "ManualClusterSnapshots", "rds:DescribeDBClusterSnapshots", err)
				return 0, err
			}
			for _, s := range page.DBClusterSnapshots {
				if strings.HasPrefix(aws.ToString(s.DBClusterSnapshotIdentifier), managedPrefix) {
					n++
				}
			}
		}
		return n, nil
	}
	p := rds.NewDescribeDBSnapshotsPaginator(r.c.RDS, &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.errored("rds.snapshot-quota", "ManualSnapshots", "rds:DescribeDBSnapshots", err)
			return 0, err
		}
		for _, s := range page.DBSnapshots {
			if strings.HasPrefix(aws.ToString(s.DBSnapshotIdentifier), managedPrefix) {
				n++
			}
		}
	}
	return n, nil
}

// buckets: each tenant bucket exists and has versioning enabled (the purge
// deletes versions and delete markers; on an unversioned bucket it would
// keep a different promise).
func (r *run) buckets(ctx context.Context) {
	const check = "s3.tenant-bucket-versioned"
	for i, b := range r.cfg.Tenants.Buckets {
		out, err := r.c.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
		switch {
		case errorCode(err) == "NoSuchBucket":
			r.fail(check, b, "the bucket does not exist", fmt.Sprintf("Create it or correct tenants.buckets[%d].", i))
		case err != nil:
			r.errored(check, b, "s3:GetBucketVersioning", err)
		case out.Status != s3types.BucketVersioningStatusEnabled:
			status := string(out.Status)
			if status == "" {
				status = "never enabled"
			}
			r.fail(check, b, "versioning is "+status+": the purge deletes object versions and would not be the promised complete deletion",
				"Enable versioning (aws s3api put-bucket-versioning --bucket "+b+" --versioning-configuration Status=Enabled).")
		default:
			r.pass(check, b, "exists, versioning enabled")
		}
	}
}

// evidence: the evidence bucket has Object Lock, in compliance mode by
// default, for at least the configured retention.
func (r *run) evidence(ctx context.Context) {
	const check = "s3.evidence-object-lock"
	b := r.res.EvidenceBucket
	if b == "" {
		r.notChecked(check + ": the stack creates the evidence bucket with Object Lock; run again with -outputs after deploying to check it")
		return
	}
	out, err := r.c.S3.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(b)})
	switch code := errorCode(err); {
	case code == "NoSuchBucket":
		r.fail(check, b, "the bucket does not exist", "Create it with Object Lock, or leave evidence.bucket empty to let the stack create it.")
		return
	case code == "ObjectLockConfigurationNotFoundError":
		r.fail(check, b, "the bucket has no Object Lock: evidence could be overwritten or deleted", "Use a bucket created with Object Lock, or leave evidence.bucket empty to let the stack create one.")
		return
	case err != nil:
		r.errored(check, b, "s3:GetObjectLockConfiguration", err)
		return
	}
	c := out.ObjectLockConfiguration
	if c == nil || c.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled {
		r.fail(check, b, "Object Lock is not enabled", "Use a bucket created with Object Lock.")
		return
	}
	want := r.cfg.Evidence.RetentionDays
	if c.Rule == nil || c.Rule.DefaultRetention == nil || c.Rule.DefaultRetention.Mode != s3types.ObjectLockRetentionModeCompliance {
		r.fail(check, b, "no default retention in compliance mode: evidence could be deleted by anyone allowed to bypass governance",
			fmt.Sprintf("Set a default retention in COMPLIANCE mode of %s.", days(want)))
		return
	}
	dr := c.Rule.DefaultRetention
	got := int(aws.ToInt32(dr.Days)) + 365*int(aws.ToInt32(dr.Years))
	if got < want {
		r.fail(check, b, fmt.Sprintf("default retention is %s, evidence.retentionDays is %d", days(got), want),
			fmt.Sprintf("Raise the bucket's default retention to %s.", days(want)))
		return
	}
	r.pass(check, b, fmt.Sprintf("Object Lock, compliance mode, %s", days(got)))
}

// instances: the running instances with the configured tags are managed by
// SSM and online, so the verifier can run chronyc on them.
func (r *run) instances(ctx context.Context) {
	const check = "ssm.instances-online"
	tags := r.cfg.Verification.InstanceTags
	if len(tags) == 0 {
		r.notChecked(check + ": verification.instanceTags is empty, so the stack grants no ssm:SendCommand")
		return
	}
	subject := "tags " + tagList(tags)
	filters := []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		filters = append(filters, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{tags[k]}})
	}
	var ids []string
	p := ec2.NewDescribeInstancesPaginator(r.c.EC2, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.errored(check, subject, "ec2:DescribeInstances", err)
			return
		}
		for _, res := range page.Reservations {
			for _, i := range res.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
	}
	if len(ids) == 0 {
		r.fail(check, subject, "no running instance carries every tag: the clock check would check nothing",
			"Tag the instances whose clocks to check, or correct verification.instanceTags.")
		return
	}
	ping := map[string]ssmtypes.PingStatus{}
	for batch := range slices.Chunk(ids, 50) {
		sp := ssm.NewDescribeInstanceInformationPaginator(r.c.SSM, &ssm.DescribeInstanceInformationInput{
			Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: batch}},
		})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				r.errored(check, subject, "ssm:DescribeInstanceInformation", err)
				return
			}
			for _, info := range page.InstanceInformationList {
				ping[aws.ToString(info.InstanceId)] = info.PingStatus
			}
		}
	}
	var bad []string
	for _, id := range ids {
		switch s := ping[id]; s {
		case ssmtypes.PingStatusOnline:
		case "":
			bad = append(bad, id+" (not managed by SSM)")
		default:
			bad = append(bad, fmt.Sprintf("%s (%s)", id, s))
		}
	}
	if len(bad) > 0 {
		r.fail(check, subject, fmt.Sprintf("%d of %d tagged instances cannot run chronyc: %s", len(bad), len(ids), strings.Join(bad, ", ")),
			"Run the SSM agent on them with an instance profile that allows it (AmazonSSMManagedInstanceCore).")
		return
	}
	r.pass(check, subject, fmt.Sprintf("%d running instances, all online in SSM", len(ids)))
}

// signingKey: the deletion-certificate key is an enabled ECC_NIST_P256
// SIGN_VERIFY key (the purger checks it again before deleting).
func (r *run) signingKey(ctx context.Context) {
	const check = "kms.signing-key"
	id := r.res.SigningKey
	if id == "" {
		r.notChecked(check + ": the stack creates the signing key; run again with -outputs (or -signing-key) after deploying to check it")
		return
	}
	out, err := r.c.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if errorCode(err) == "NotFoundException" {
		r.fail(check, id, "no such key", "Pass the key the stack created (its SigningKeyArn output).")
		return
	}
	if err != nil {
		r.errored(check, id, "kms:DescribeKey", err)
		return
	}
	m := out.KeyMetadata
	switch {
	case m.KeySpec != kmstypes.KeySpecEccNistP256 || m.KeyUsage != kmstypes.KeyUsageTypeSignVerify:
		r.fail(check, id, fmt.Sprintf("the key is %s for %s; certificates need ECC_NIST_P256 for SIGN_VERIFY", m.KeySpec, m.KeyUsage),
			"Use the key the stack creates (ECC_NIST_P256, SIGN_VERIFY).")
	case m.KeyState != kmstypes.KeyStateEnabled:
		r.fail(check, id, "the key is "+string(m.KeyState)+": no certificate could be signed", "Enable the key (aws kms enable-key).")
	default:
		r.pass(check, id, "ECC_NIST_P256, SIGN_VERIFY, enabled")
	}
}

// days writes n days, singular for one.
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
