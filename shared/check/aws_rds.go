package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// RDSAPI is the part of the RDS client the checks call: DescribeDBInstances,
// DescribeDBClusters, DescribeDBSnapshots, DescribeDBClusterSnapshots,
// DescribeDBParameters and DescribeDBClusterParameters, all through their
// paginators.
type RDSAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	rds.DescribeDBParametersAPIClient
	rds.DescribeDBClusterParametersAPIClient
}

// tlsEngines are the engines DatabaseTLS knows; parameter groups are read
// only for these.
var tlsEngines = []string{"postgres", "aurora-postgresql", "mysql", "mariadb", "aurora-mysql"}

type rdsFacts struct {
	instances []rdstypes.DBInstance
	clusters  []rdstypes.DBCluster
}

type snapFact struct {
	Snapshot
	cluster bool
	// rotator is the snapshot as the rotator sees it, for
	// snapshot.Recognize: its type, tags, source and original time.
	rotator snapshot.Snapshot
}

func instanceDB(i rdstypes.DBInstance) Database {
	return Database{Kind: "DB instance", ID: aws.ToString(i.DBInstanceIdentifier), ARN: aws.ToString(i.DBInstanceArn), Engine: aws.ToString(i.Engine),
		StorageEncrypted: aws.ToBool(i.StorageEncrypted), KMSKeyID: aws.ToString(i.KmsKeyId), BackupRetentionDays: int(aws.ToInt32(i.BackupRetentionPeriod))}
}

func clusterDB(c rdstypes.DBCluster) Database {
	return Database{Kind: "DB cluster", ID: aws.ToString(c.DBClusterIdentifier), ARN: aws.ToString(c.DBClusterArn), Engine: aws.ToString(c.Engine),
		StorageEncrypted: aws.ToBool(c.StorageEncrypted), KMSKeyID: aws.ToString(c.KmsKeyId), BackupRetentionDays: int(aws.ToInt32(c.BackupRetentionPeriod))}
}

func rdsTags(tl []rdstypes.Tag) map[string]string {
	m := make(map[string]string, len(tl))
	for _, t := range tl {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func (r *run) listDatabases(ctx context.Context) (rdsFacts, error) {
	var f rdsFacts
	pi := rds.NewDescribeDBInstancesPaginator(r.a.RDS, &rds.DescribeDBInstancesInput{})
	for pi.HasMorePages() {
		var page *rds.DescribeDBInstancesOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = pi.NextPage(ctx); return err }); err != nil {
			return f, fmt.Errorf("rds:DescribeDBInstances: %w", err)
		}
		f.instances = append(f.instances, page.DBInstances...)
	}
	pc := rds.NewDescribeDBClustersPaginator(r.a.RDS, &rds.DescribeDBClustersInput{})
	for pc.HasMorePages() {
		var page *rds.DescribeDBClustersOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = pc.NextPage(ctx); return err }); err != nil {
			return f, fmt.Errorf("rds:DescribeDBClusters: %w", err)
		}
		f.clusters = append(f.clusters, page.DBClusters...)
	}
	return f, nil
}

func (r *run) listSnapshots(ctx context.Context) ([]snapFact, error) {
	var out []snapFact
	ps := rds.NewDescribeDBSnapshotsPaginator(r.a.RDS, &rds.DescribeDBSnapshotsInput{})
	for ps.HasMorePages() {
		var page *rds.DescribeDBSnapshotsOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = ps.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("rds:DescribeDBSnapshots: %w", err)
		}
		for _, s := range page.DBSnapshots {
			f := snapFact{Snapshot: Snapshot{Kind: "DB snapshot", ID: aws.ToString(s.DBSnapshotIdentifier), ARN: aws.ToString(s.DBSnapshotArn),
				Database: aws.ToString(s.DBInstanceIdentifier), Encrypted: aws.ToBool(s.Encrypted), KMSKeyID: aws.ToString(s.KmsKeyId),
				Created: aws.ToTime(s.SnapshotCreateTime), Status: aws.ToString(s.Status)}}
			f.rotator = snapshot.Snapshot{ID: f.ID, ARN: f.ARN, Target: f.Database, Kind: snapshot.Instance, Type: aws.ToString(s.SnapshotType), Status: f.Status, Created: f.Created,
				Encrypted: f.Encrypted, Tags: rdsTags(s.TagList), SourceARN: aws.ToString(s.SourceDBSnapshotIdentifier), OriginalCreated: aws.ToTime(s.OriginalSnapshotCreateTime)}
			out = append(out, f)
		}
	}
	pc := rds.NewDescribeDBClusterSnapshotsPaginator(r.a.RDS, &rds.DescribeDBClusterSnapshotsInput{})
	for pc.HasMorePages() {
		var page *rds.DescribeDBClusterSnapshotsOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = pc.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("rds:DescribeDBClusterSnapshots: %w", err)
		}
		for _, s := range page.DBClusterSnapshots {
			f := snapFact{Snapshot: Snapshot{Kind: "DB cluster snapshot", ID: aws.ToString(s.DBClusterSnapshotIdentifier), ARN: aws.ToString(s.DBClusterSnapshotArn),
				Database: aws.ToString(s.DBClusterIdentifier), Encrypted: aws.ToBool(s.StorageEncrypted), KMSKeyID: aws.ToString(s.KmsKeyId),
				Created: aws.ToTime(s.SnapshotCreateTime), Status: aws.ToString(s.Status)}, cluster: true}
			f.rotator = snapshot.Snapshot{ID: f.ID, ARN: f.ARN, Target: f.Database, Kind: snapshot.Cluster, Type: aws.ToString(s.SnapshotType), Status: f.Status, Created: f.Created,
				Encrypted: f.Encrypted, Tags: rdsTags(s.TagList), SourceARN: aws.ToString(s.SourceDBClusterSnapshotArn)}
			out = append(out, f)
		}
	}
	return out, nil
}

// databases runs the checks that read RDS: managed clocks of DB instances,
// storage and snapshot encryption, TLS parameters, snapshot freshness and
// point-in-time recovery.
func (r *run) databases(ctx context.Context, want func(string) bool) {
	scope := r.a.Scope.ARN("rds", "")
	dbChecks := []string{TimeSyncManaged, RDSStorageEncrypted, RDSTLSEnforced, RDSSnapshotFresh, RDSPITRRetention}
	snapChecks := []string{RDSSnapshotEncrypted, RDSSnapshotFresh}
	if r.a.RDS == nil {
		for _, id := range append(dbChecks, RDSSnapshotEncrypted) {
			if want(id) {
				r.add(r.errored(id, scope, missingClient("RDS")))
			}
		}
		return
	}
	var (
		facts            rdsFacts
		snaps            []snapFact
		dbErr, snapErr   error
		needDB, needSnap = slices.ContainsFunc(dbChecks, want), slices.ContainsFunc(snapChecks, want)
	)
	g, gctx := r.group(ctx)
	if needDB {
		g.Go(func() error { facts, dbErr = r.listDatabases(gctx); return nil })
	}
	if needSnap {
		g.Go(func() error { snaps, snapErr = r.listSnapshots(gctx); return nil })
	}
	_ = g.Wait()

	if dbErr != nil {
		for _, id := range dbChecks {
			if want(id) {
				r.add(r.errored(id, scope, dbErr))
			}
		}
	}
	if snapErr != nil {
		for _, id := range snapChecks {
			if want(id) && (id != RDSSnapshotFresh || dbErr == nil) {
				r.add(r.errored(id, scope, snapErr))
			}
		}
	}
	if want(RDSSnapshotEncrypted) && snapErr == nil {
		for _, s := range snaps {
			r.add(SnapshotEncryption(s.Snapshot, r.now))
		}
	}
	if dbErr != nil {
		return
	}
	for _, i := range facts.instances {
		if want(TimeSyncManaged) {
			r.add(ManagedClock(RDS, instanceDB(i).resource(), r.now))
		}
		if i.DBClusterIdentifier != nil {
			continue // judged through its cluster
		}
		if want(RDSStorageEncrypted) {
			r.add(StorageEncryption(instanceDB(i), r.now))
		}
	}
	if want(RDSStorageEncrypted) {
		for _, c := range facts.clusters {
			r.add(StorageEncryption(clusterDB(c), r.now))
		}
	}
	if want(RDSTLSEnforced) {
		r.databaseTLS(ctx, facts)
	}
	if want(RDSSnapshotFresh) || want(RDSPITRRetention) {
		r.protection(facts, snaps, snapErr == nil && want(RDSSnapshotFresh), want(RDSPITRRetention))
	}
}

// paramKey names a parameter group: cluster groups and DB groups are
// different namespaces.
type paramKey struct {
	cluster bool
	name    string
}

type paramFacts struct {
	values map[string]string
	err    error
}

// databaseTLS reads every parameter group in use once, then judges each
// database: a DB instance by its DB parameter group, a DB cluster by its
// writer's DB parameter group overlaid with the cluster parameter group
// (where Aurora keeps rds.force_ssl and require_secure_transport).
// DescribeDBParameters without a Source returns user, system and
// engine-default parameters, so engine defaults are included.
func (r *run) databaseTLS(ctx context.Context, f rdsFacts) {
	byID := map[string]rdstypes.DBInstance{}
	for _, i := range f.instances {
		byID[aws.ToString(i.DBInstanceIdentifier)] = i
	}
	type plan struct {
		db     Database
		groups []paramKey
		notes  map[paramKey]string
	}
	var plans []plan
	instanceGroups := func(i rdstypes.DBInstance, p *plan) {
		for _, g := range i.DBParameterGroups {
			k := paramKey{false, aws.ToString(g.DBParameterGroupName)}
			p.groups = append(p.groups, k)
			if s := aws.ToString(g.ParameterApplyStatus); s != "" && s != "in-sync" {
				p.notes[k] = s
			}
		}
	}
	for _, i := range f.instances {
		if i.DBClusterIdentifier != nil {
			continue
		}
		p := plan{db: instanceDB(i), notes: map[paramKey]string{}}
		instanceGroups(i, &p)
		plans = append(plans, p)
	}
	for _, c := range f.clusters {
		p := plan{db: clusterDB(c), notes: map[paramKey]string{}}
		for _, m := range c.DBClusterMembers {
			if aws.ToBool(m.IsClusterWriter) {
				if i, ok := byID[aws.ToString(m.DBInstanceIdentifier)]; ok {
					instanceGroups(i, &p)
				}
			}
		}
		if name := aws.ToString(c.DBClusterParameterGroup); name != "" {
			p.groups = append(p.groups, paramKey{true, name})
		}
		plans = append(plans, p)
	}

	params := map[paramKey]*paramFacts{}
	for _, p := range plans {
		if !slices.Contains(tlsEngines, p.db.Engine) {
			continue
		}
		for _, k := range p.groups {
			if params[k] == nil {
				params[k] = &paramFacts{}
			}
		}
	}
	g, gctx := r.group(ctx)
	for k, pf := range params {
		g.Go(func() error {
			pf.values, pf.err = r.readParameters(gctx, k)
			return nil
		})
	}
	_ = g.Wait()

	for _, p := range plans {
		dp := DBParameters{Database: p.db.resource(), Name: p.db.name(), Engine: p.db.Engine, Values: map[string]string{}}
		var names []string
		var failed error
		// DB parameter groups first, then the cluster group, whose values win.
		for _, k := range p.groups {
			if pf := params[k]; pf != nil {
				if pf.err != nil {
					failed = pf.err
					break
				}
				for n, v := range pf.values {
					dp.Values[n] = v
				}
			}
			label := k.name
			if k.cluster {
				label += " (cluster)"
			}
			if note := p.notes[k]; note != "" {
				label += " (" + note + ")"
			}
			names = append(names, label)
		}
		if failed != nil {
			r.add(r.errored(RDSTLSEnforced, dp.Database, failed))
			continue
		}
		dp.Groups = strings.Join(names, ", ")
		if dp.Groups == "" {
			dp.Groups = "none reported"
		}
		r.add(DatabaseTLS(dp, r.now))
	}
}

func (r *run) readParameters(ctx context.Context, k paramKey) (map[string]string, error) {
	values := map[string]string{}
	if k.cluster {
		p := rds.NewDescribeDBClusterParametersPaginator(r.a.RDS, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: aws.String(k.name)})
		for p.HasMorePages() {
			var page *rds.DescribeDBClusterParametersOutput
			if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
				return nil, fmt.Errorf("rds:DescribeDBClusterParameters %s: %w", k.name, err)
			}
			for _, prm := range page.Parameters {
				if prm.ParameterValue != nil {
					values[aws.ToString(prm.ParameterName)] = *prm.ParameterValue
				}
			}
		}
		return values, nil
	}
	p := rds.NewDescribeDBParametersPaginator(r.a.RDS, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String(k.name)})
	for p.HasMorePages() {
		var page *rds.DescribeDBParametersOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("rds:DescribeDBParameters %s: %w", k.name, err)
		}
		for _, prm := range page.Parameters {
			if prm.ParameterValue != nil {
				values[aws.ToString(prm.ParameterName)] = *prm.ParameterValue
			}
		}
	}
	return values, nil
}

// protected is a database some backup policies target.
type protected struct {
	db       Database
	cluster  bool
	policies []config.BackupPolicy
}

// protectedDatabases returns the databases the backup policies target, matched as
// the snapshot rotator matches them: by identifier, or by carrying every
// tag of a policy's targets. Aurora member instances are never targets
// (their cluster is). It also returns the configured identifiers that
// match nothing, as "DB instance ID" or "DB cluster ID" with their policy.
func protectedDatabases(policies []config.BackupPolicy, f rdsFacts) ([]protected, []missingTarget) {
	var out []protected
	index := map[string]int{}
	add := func(key string, db Database, cluster bool, p config.BackupPolicy) {
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, protected{db: db, cluster: cluster})
		}
		out[i].policies = append(out[i].policies, p)
	}
	var missing []missingTarget
	for _, p := range policies {
		found := map[string]bool{}
		for _, i := range f.instances {
			id := aws.ToString(i.DBInstanceIdentifier)
			if i.DBClusterIdentifier != nil {
				continue
			}
			if slices.Contains(p.Targets.Instances, id) || hasAllTags(rdsTags(i.TagList), p.Targets.Tags) {
				found[id] = true
				add("instance/"+id, instanceDB(i), false, p)
			}
		}
		foundC := map[string]bool{}
		for _, c := range f.clusters {
			id := aws.ToString(c.DBClusterIdentifier)
			if slices.Contains(p.Targets.Clusters, id) || hasAllTags(rdsTags(c.TagList), p.Targets.Tags) {
				foundC[id] = true
				add("cluster/"+id, clusterDB(c), true, p)
			}
		}
		for _, id := range p.Targets.Instances {
			if !found[id] && !isMember(f, id) {
				missing = append(missing, missingTarget{kind: "DB instance", resource: "db:" + id, id: id, policy: p.Name})
			}
		}
		for _, id := range p.Targets.Clusters {
			if !foundC[id] {
				missing = append(missing, missingTarget{kind: "DB cluster", resource: "cluster:" + id, id: id, policy: p.Name})
			}
		}
	}
	return out, missing
}

type missingTarget struct {
	kind, resource, id, policy string
}

func isMember(f rdsFacts, id string) bool {
	return slices.ContainsFunc(f.instances, func(i rdstypes.DBInstance) bool {
		return aws.ToString(i.DBInstanceIdentifier) == id && i.DBClusterIdentifier != nil
	})
}

func hasAllTags(have, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// severity orders statuses for keeping the worst of several verdicts on
// one resource: FAIL (a broken promise) over ERROR over PASS.
func severity(s Status) int {
	switch s {
	case Fail:
		return 2
	case Pass:
		return 0
	default:
		return 1
	}
}

// protection judges snapshot freshness and PITR retention of every
// protected database. Freshness counts only the snapshots the stage's
// rotator recognises as its policy's (snapshot.Recognize, the rule the
// rotator deletes by): not automated snapshots, which follow RDS's backup
// window, not the policy's schedule; not copies that inherited the managed
// tags, snapshots someone else named and tagged, or another stage's. None
// of these may hide a rotator that stopped; the reason says how many
// tagged as the policy's were left out. A database several policies target
// gets one result per check: the worst verdict for freshness, and the
// longest promised PITR retention.
func (r *run) protection(f rdsFacts, snaps []snapFact, fresh, pitr bool) {
	dbs, missing := protectedDatabases(r.req.Policies, f)
	loc := r.req.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, p := range dbs {
		if pitr {
			promised := 0
			for _, pol := range p.policies {
				promised = max(promised, pol.PointInTimeRecoveryDays)
			}
			r.add(PITR(p.db, promised, r.now))
		}
		if !fresh {
			continue
		}
		var worst *Result
		for _, pol := range p.policies {
			if !pol.TakesSnapshots() {
				// Point-in-time recovery only: no snapshots to be fresh.
				continue
			}
			var res Result
			s, err := schedule.Parse(pol.Schedule)
			if err != nil {
				res = NewResult(RDSSnapshotFresh, p.db.resource(), Error, fmt.Sprintf("Backup policy %s has a schedule that cannot be read (%v), so the freshness of %s cannot be judged.", pol.Name, err, p.db.name()), r.now).
					ja("バックアップポリシー %s のスケジュールを読み取れない (%v) ため、%s の鮮度を判定できません。", pol.Name, err, p.db.nameJA())
			} else {
				var mine []Snapshot
				ignored := 0
				t := snapshot.Target{ID: p.db.ID}
				for _, sn := range snaps {
					if sn.cluster != p.cluster || sn.Database != p.db.ID {
						continue
					}
					if _, err := snapshot.Recognize(sn.rotator, r.req.Stage, pol.Name, t, s, loc); err == nil {
						mine = append(mine, sn.Snapshot)
					} else if sn.rotator.Type == "manual" && sn.rotator.Tags[snapshot.TagManaged] == "true" && sn.rotator.Tags[snapshot.TagPolicy] == pol.Name {
						ignored++
					}
				}
				res = SnapshotFreshness(p.db.resource(), fmt.Sprintf("%s (backup policy %s)", p.db.name(), pol.Name), mine, s.Interval(r.now, loc), r.now)
				switch {
				case ignored == 1:
					res.Reason += fmt.Sprintf(" 1 more snapshot tagged as the policy's was not counted: a copy, another stage's, or one the rotator of stage %q did not make.", r.req.Stage)
				case ignored > 1:
					res.Reason += fmt.Sprintf(" %d more snapshots tagged as the policy's were not counted: copies, another stage's, or ones the rotator of stage %q did not make.", ignored, r.req.Stage)
				}
			}
			if worst == nil || severity(res.Status) > severity(worst.Status) {
				worst = &res
			}
		}
		if worst != nil {
			r.add(*worst)
		}
	}
	takes := map[string]bool{}
	for _, pol := range r.req.Policies {
		takes[pol.Name] = pol.TakesSnapshots()
	}
	seen := map[string]bool{}
	for _, m := range missing {
		// A missing target of a snapshot policy fails freshness; one of a
		// policy that promises only point-in-time recovery fails that.
		id := RDSSnapshotFresh
		if !takes[m.policy] {
			id = RDSPITRRetention
		}
		if (id == RDSSnapshotFresh && !fresh) || (id == RDSPITRRetention && !pitr) || seen[id+m.resource] {
			continue
		}
		seen[id+m.resource] = true
		r.add(NewResult(id, r.a.Scope.ARN("rds", m.resource), Fail,
			fmt.Sprintf("%s %s is a target of backup policy %s but does not exist, so nothing backs it up.", m.kind, m.id, m.policy), r.now).
			ja("%s %s はバックアップポリシー %s の対象ですが存在しないため、何もバックアップされていません。", kindJA(m.kind), m.id, m.policy))
	}
}
