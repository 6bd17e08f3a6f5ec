package stack

import (
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// ManagedTagKey is the tag the rotator puts on every snapshot it creates,
// with ManagedTagValue. IAM lets the rotator delete only snapshots that
// carry it.
const (
	ManagedTagKey   = "pledge:managed"
	ManagedTagValue = "true"
)

// SnapshotPrefix starts the name of every snapshot a rotator of any stage
// creates, and of the legacy ones (made before the stage was part of a
// snapshot's name); IAM lets the rotator delete only snapshots so named.
// It creates and tags only snapshots named with its own stage's
// snapshot.NamePrefix, "pledge-<m>-<stage>-".
const SnapshotPrefix = "pledge-"

// StageTagKey is the tag that names the stage whose rotator made a
// snapshot (snapshot.TagStage): required, with the stage, in every create
// request, and where a snapshot carries it, equal to the stage for a
// delete.
const StageTagKey = "pledge:stage"

// DefaultRotatorEvidenceKinds are the evidence kinds the rotator writes.
var DefaultRotatorEvidenceKinds = []string{"snapshot-run"}

// SnapshotRotator is the snapshot-rotator function and what it owns.
type SnapshotRotator interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Alarms are its alarms (errors, dead letters, stale snapshots).
	Alarms() []awscloudwatch.Alarm
}

type snapshotRotator struct {
	constructs.Construct
	f *function
}

func (r *snapshotRotator) Function() awslambda.Function  { return r.f.fn }
func (r *snapshotRotator) Role() awsiam.Role             { return r.f.role }
func (r *snapshotRotator) Alarms() []awscloudwatch.Alarm { return r.f.alarms }

// NewSnapshotRotator creates the rotator: one schedule per backup policy
// that takes snapshots (config.Backup.SnapshotPolicies; it is an error when
// none does),
// reserved concurrency 1 (two runs never race on the same databases), IAM
// that creates snapshots only of the configured targets, only under this
// stage's names and with this stage's managed tags, and deletes only
// snapshots tagged ManagedTagKey=ManagedTagValue and (where they carry
// StageTagKey) this stage, and an alarm per policy when the newest
// available snapshot is older than twice its interval.
func NewSnapshotRotator(scope constructs.Construct, id string, props *FunctionProps) (SnapshotRotator, error) {
	cfg := props.Foundation.Config()
	// Policies that promise only point-in-time recovery take no snapshots:
	// they get no schedule and no grant (the verifier checks them).
	policies := cfg.Backup.SnapshotPolicies()
	if len(policies) == 0 {
		return nil, fmt.Errorf("snapshot rotator: no backup policy takes snapshots (every one promises only point-in-time recovery), so there is nothing for the rotator to do")
	}
	r := &snapshotRotator{}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	c := r
	f, err := newFunction(c, props, functionSpec{
		name:        SnapshotRotatorName,
		description: "creates and rotates RDS and Aurora snapshots under the backup policies",
		memoryMB:    256,
		timeout:     5 * time.Minute,
		reserved:    float64(cfg.ReservedConcurrency()[SnapshotRotatorName]),
		env:         map[string]string{config.EnvVar: cfg.Only(config.SectionBackup).Encode()},
	})
	if err != nil {
		return nil, err
	}
	r.f = f
	region := cfg.Region
	rds := func(resource string) arnPattern {
		return arnPattern("arn:{partition}:rds:" + region + ":{account}:" + resource)
	}
	var nagRes []string
	nagOf := func(ps ...arnPattern) {
		for _, p := range ps {
			nagRes = append(nagRes, p.nagResource())
		}
	}

	all := rds("*")
	// Tags come from the TagList the Describe calls return
	// (shared/snapshot/rds.go), so no rds:ListTagsForResource.
	f.allow("DescribeDatabasesAndSnapshots", []string{
		"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
	}, arns(all), nil)
	nagOf(all)
	f.allow("DescribeQuota", []string{"rds:DescribeAccountAttributes"}, jsii.Strings("*"), nil)

	var instances, clusters []string
	type tagTarget struct {
		policy string
		tags   map[string]string
	}
	var tagged []tagTarget
	for _, p := range policies {
		instances = append(instances, p.Targets.Instances...)
		clusters = append(clusters, p.Targets.Clusters...)
		if len(p.Targets.Tags) > 0 {
			tagged = append(tagged, tagTarget{p.Name, p.Targets.Tags})
		}
	}
	instances, clusters = uniqueSorted(instances), uniqueSorted(clusters)
	var names []string
	for _, p := range policies {
		names = append(names, p.Name)
	}
	// Every create (and the tagging RDS authorises with it) must carry
	// exactly the managed tags, pledge:managed=true, this stage and a
	// configured policy: a snapshot made without them could never be
	// deleted, and one made with other tags could pass for another
	// policy's, or another stage's.
	withTags := func(extra map[string]interface{}, names ...string) map[string]interface{} {
		return managedTagConditions(extra, cfg.Stage, names)
	}
	if len(instances) > 0 {
		var res []arnPattern
		for _, id := range instances {
			res = append(res, rds("db:"+id))
		}
		f.allow("SnapshotConfiguredInstances", []string{"rds:CreateDBSnapshot"}, arns(res...), withTags(nil, names...))
	}
	if len(clusters) > 0 {
		var res []arnPattern
		for _, id := range clusters {
			res = append(res, rds("cluster:"+id))
		}
		f.allow("SnapshotConfiguredClusters", []string{"rds:CreateDBClusterSnapshot"}, arns(res...), withTags(nil, names...))
	}
	for i, t := range tagged {
		// A database matches a tag target when it carries every listed tag.
		dbCond, clCond := map[string]interface{}{}, map[string]interface{}{}
		for k, v := range t.tags {
			dbCond["rds:db-tag/"+k] = v
			clCond["rds:cluster-tag/"+k] = v
		}
		f.allow(fmt.Sprintf("SnapshotTaggedInstances%d", i), []string{"rds:CreateDBSnapshot"}, arns(rds("db:*")), withTags(dbCond, t.policy))
		f.allow(fmt.Sprintf("SnapshotTaggedClusters%d", i), []string{"rds:CreateDBClusterSnapshot"}, arns(rds("cluster:*")), withTags(clCond, t.policy))
	}
	if len(tagged) > 0 {
		nagOf(rds("db:*"), rds("cluster:*"))
	}
	// Creates and tags: only names of this stage's form, which no other
	// stage's names share. Deletes: any pledge-* name, for the legacy
	// snapshots (no stage tag, stageless or first names) are this stage's
	// to rotate out too.
	own := snapshot.NamePrefix(cfg.Stage) + "*"
	ownSnap, ownClSnap := rds("snapshot:"+own), rds("cluster-snapshot:"+own)
	snap, clSnap := rds("snapshot:"+SnapshotPrefix+"*"), rds("cluster-snapshot:"+SnapshotPrefix+"*")
	nagOf(ownSnap, ownClSnap, snap, clSnap)
	f.allow("CreateManagedSnapshots", []string{"rds:CreateDBSnapshot"}, arns(ownSnap), withTags(nil, names...))
	f.allow("CreateManagedClusterSnapshots", []string{"rds:CreateDBClusterSnapshot"}, arns(ownClSnap), withTags(nil, names...))
	// RDS authorises tags given to a create as rds:AddTagsToResource on
	// the new snapshot. The rotator never tags otherwise, and this grant
	// allows only the managed tag set of this stage on this stage's names
	// (see doc.go for what IAM cannot tell apart here, and what the code
	// does about it).
	f.allow("TagManagedSnapshotsOnCreate", []string{"rds:AddTagsToResource"}, arns(ownSnap, ownClSnap), withTags(nil, names...))
	// The service authorization reference lists both keys for the snapshot
	// and cluster-snapshot resource types; both must say "managed", and
	// where the snapshot has a stage tag (every snapshot made since the
	// stage became part of its identity), this stage. A legacy snapshot,
	// without the tag, stays deletable: the code decides (snapshot.Recognize).
	f.allow("DeleteOnlyManagedSnapshots", []string{"rds:DeleteDBSnapshot"}, arns(snap), deleteConditions("rds:snapshot-tag/", cfg.Stage))
	f.allow("DeleteOnlyManagedClusterSnapshots", []string{"rds:DeleteDBClusterSnapshot"}, arns(clSnap), deleteConditions("rds:cluster-snapshot-tag/", cfg.Stage))
	kinds := props.EvidenceKinds
	if kinds == nil {
		kinds = DefaultRotatorEvidenceKinds
	}
	evidenceNag := f.allowEvidence(kinds, false)

	loc := cfg.Location()
	for _, p := range policies {
		s, err := schedule.Parse(p.Schedule)
		if err != nil {
			return nil, fmt.Errorf("backup policy %s: schedule: %w", p.Name, err)
		}
		if _, err := f.addSchedule("Schedule-"+p.Name, SnapshotRotatorName+"/"+p.Name, p.Schedule, map[string]string{"policy": p.Name}); err != nil {
			return nil, err
		}
		interval := s.Interval(time.Now(), loc)
		if interval <= 0 {
			return nil, fmt.Errorf("backup policy %s: schedule %q has no interval to alarm on", p.Name, p.Schedule)
		}
		period, n := staleAlarmShape(interval)
		if _, err := f.alarm(alarmSpec{
			id: "StaleSnapshotAlarm-" + p.Name, name: "stale-" + p.Name,
			what:      fmt.Sprintf("the newest available snapshot under backup policy %s is older than twice its schedule interval (%s).", p.Name, 2*interval),
			metric:    f.pledgeMetric("NewestSnapshotAgeSecondsMax", "Maximum", period, map[string]string{"Policy": p.Name}),
			threshold: (2 * interval).Seconds(), comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			periods: n, datapoints: n,
			missing: MissingIsFailure,
		}); err != nil {
			return nil, err
		}
	}

	suppress(f.role, true, suppression{
		id: "AwsSolutions-IAM5",
		reason: "Describe calls must see every database and snapshot in the region to find tag-selected targets and managed snapshots; DescribeAccountAttributes has no resource type; " +
			"creating and tagging is limited to snapshots named " + own + " with this stage's managed tags in the request, deleting to snapshots named " + SnapshotPrefix + "* tagged " + ManagedTagKey + "=" + ManagedTagValue + " and, where they have one, " + StageTagKey + "=" + cfg.Stage + ", and db:*/cluster:* only under the configured tag conditions; evidence writes are limited to the rotator's kinds.",
		appliesTo: append(append(strs("Resource::*"), strs(nagRes...)...), evidenceNag...),
	})
	return r, nil
}

func uniqueSorted(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// RotatorTagKeys are the tags a managed snapshot is created with, as
// shared/snapshot.Tags writes them; IAM allows creating a snapshot only
// with exactly these (an infra test compares the two).
var RotatorTagKeys = []string{ManagedTagKey, "pledge:policy", "pledge:slot", StageTagKey, "pledge:target"}

// managedTagConditions returns the conditions of a create or tag-on-create
// grant: the request carries every RotatorTagKeys tag and no other,
// pledge:managed is ManagedTagValue, pledge:stage the stage and
// pledge:policy one of policies; extra are StringEquals conditions of the
// grant's own (database tags).
func managedTagConditions(extra map[string]interface{}, stage string, policies []string) map[string]interface{} {
	eq := map[string]interface{}{
		"aws:RequestTag/" + ManagedTagKey: ManagedTagValue,
		"aws:RequestTag/" + StageTagKey:   stage,
		"aws:RequestTag/pledge:policy":    policies,
	}
	for k, v := range extra {
		eq[k] = v
	}
	present := map[string]interface{}{}
	for _, k := range RotatorTagKeys {
		present["aws:RequestTag/"+k] = "false"
	}
	return map[string]interface{}{
		"StringEquals":              eq,
		"ForAllValues:StringEquals": map[string]interface{}{"aws:TagKeys": RotatorTagKeys},
		"Null":                      present,
	}
}

// deleteConditions returns the conditions of a delete grant: the snapshot
// is tagged ManagedTagValue and, if it has a StageTagKey tag, the stage,
// both through aws:ResourceTag and the RDS key of its resource type
// (tagKeyPrefix, such as "rds:snapshot-tag/").
func deleteConditions(tagKeyPrefix, stage string) map[string]interface{} {
	return map[string]interface{}{
		"StringEquals": map[string]interface{}{
			"aws:ResourceTag/" + ManagedTagKey: ManagedTagValue,
			tagKeyPrefix + ManagedTagKey:       ManagedTagValue,
		},
		"StringEqualsIfExists": map[string]interface{}{
			"aws:ResourceTag/" + StageTagKey: stage,
			tagKeyPrefix + StageTagKey:       stage,
		},
	}
}
