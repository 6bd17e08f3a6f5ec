package scenario

import (
	"fmt"
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// BackupDays of hourly managed snapshots are seeded per targeted database.
const BackupDays = 60

// Databases of the scenario.
const (
	OrdersDB    = "orders-db"      // instance, targeted by tag
	BillingDB   = "billing-aurora" // Aurora cluster, targeted by id
	AnalyticsDB = "analytics-db"   // instance, not targeted
)

// Untouchable lists the snapshots that must survive every rotation: they
// are not Pledge's (unmanaged manual, automated, AWS Backup, another
// database's, copies and impostors that carry the policy's tags, or
// another stage's).
type Untouchable []string

func tags(kv ...string) []awssim.Tag {
	var out []awssim.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, awssim.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func simTags(m map[string]string) []awssim.Tag {
	var out []awssim.Tag
	for k, v := range m {
		out = append(out, awssim.Tag{Key: k, Value: v})
	}
	return out
}

// SeedRDS seeds the three databases and their snapshots, ending one slot
// before now so that a run at now creates the current slot's snapshot; the
// managed snapshots older than StagedDays are legacy ones (no stage tag,
// earlier names: see StagedDays). It returns the snapshots that must never
// be deleted, among them the copies and impostors that carry the policy's
// tags and NeighbourStage's snapshots of the same databases.
func SeedRDS(sim *awssim.Server, now time.Time) (Untouchable, error) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	s, _ := schedule.Parse("rate(1 hour)")
	last := s.Slot(now, loc).Add(-time.Hour)
	seed := awssim.RDSSeed{
		Instances: []awssim.RDSInstance{
			{DBInstanceIdentifier: OrdersDB, Engine: "postgres", EngineVersion: "16.4", StorageEncrypted: true, KmsKeyId: "alias/aws/rds", BackupRetentionPeriod: 7,
				TagList: tags(BackupTagKey, BackupTagValue, "pledge:tenants", "shared")},
			{DBInstanceIdentifier: "billing-aurora-1", Engine: "aurora-postgresql", EngineVersion: "16.4", StorageEncrypted: true, DBClusterIdentifier: BillingDB,
				TagList: tags(BackupTagKey, BackupTagValue)},
			{DBInstanceIdentifier: AnalyticsDB, Engine: "mysql", EngineVersion: "8.0.39", StorageEncrypted: false, BackupRetentionPeriod: 1},
		},
		Clusters: []awssim.RDSCluster{
			// PITR of 3 days where 7 are promised: reported, not changed.
			{DBClusterIdentifier: BillingDB, Engine: "aurora-postgresql", EngineVersion: "16.4", StorageEncrypted: true, BackupRetentionPeriod: 3},
		},
		Quotas: map[string]int64{"ManualSnapshots": 5000, "ManualClusterSnapshots": 5000},
	}
	for i := range BackupDays * 24 {
		at := last.Add(-time.Duration(i) * time.Hour)
		id, tl := seedManaged(Policy, OrdersDB, at, i)
		seed.Snapshots = append(seed.Snapshots, awssim.RDSSnapshot{DBSnapshotIdentifier: id, DBInstanceIdentifier: OrdersDB,
			Status: "available", SnapshotCreateTime: at.UTC(), TagList: tl})
		id, tl = seedManaged(Policy, BillingDB, at, i)
		seed.ClusterSnapshots = append(seed.ClusterSnapshots, awssim.RDSClusterSnapshot{DBClusterSnapshotIdentifier: id, DBClusterIdentifier: BillingDB,
			Status: "available", SnapshotCreateTime: at.UTC(), TagList: tl})
	}
	keep := Untouchable{}
	// Copies and impostors tagged as the policy's: reported, never deleted.
	keep = append(keep, identityCases(&seed, last)...)
	// The neighbouring stage's: listed, never deleted nor counted.
	keep = append(keep, neighbourStage(&seed, last)...)
	old := last.AddDate(0, 0, -BackupDays-30)
	add := func(s awssim.RDSSnapshot) {
		seed.Snapshots = append(seed.Snapshots, s)
		keep = append(keep, s.DBSnapshotIdentifier)
	}
	add(awssim.RDSSnapshot{DBSnapshotIdentifier: "orders-db-before-migration", DBInstanceIdentifier: OrdersDB, Status: "available", SnapshotCreateTime: old.UTC()})
	// Looks managed but belongs to another policy.
	add(awssim.RDSSnapshot{DBSnapshotIdentifier: "pledge-nightly-orders-db-202601010000", DBInstanceIdentifier: OrdersDB, Status: "available", SnapshotCreateTime: old.UTC(),
		TagList: tags(snapshot.TagManaged, "true", snapshot.TagPolicy, "nightly")})
	add(awssim.RDSSnapshot{DBSnapshotIdentifier: "awsbackup:job-0f3c9a7e-1b2d-4c5e-8f90-123456789abc", DBInstanceIdentifier: OrdersDB, SnapshotType: "awsbackup", Status: "available", SnapshotCreateTime: old.UTC()})
	for d := range 7 {
		at := time.Date(last.Year(), last.Month(), last.Day(), 18, 5, 0, 0, time.UTC).AddDate(0, 0, -d-1)
		add(awssim.RDSSnapshot{DBSnapshotIdentifier: fmt.Sprintf("rds:%s-%s", OrdersDB, at.Format("2006-01-02-15-04")), DBInstanceIdentifier: OrdersDB, SnapshotType: "automated", Status: "available", SnapshotCreateTime: at})
		add(awssim.RDSSnapshot{DBSnapshotIdentifier: fmt.Sprintf("rds:%s-%s", AnalyticsDB, at.Format("2006-01-02-15-04")), DBInstanceIdentifier: AnalyticsDB, SnapshotType: "automated", Status: "available", SnapshotCreateTime: at})
	}
	// The untargeted database has old snapshots tagged as managed by this
	// very policy: they must survive because the database is not a target.
	for i := range 30 {
		at := old.Add(time.Duration(i) * time.Hour)
		add(awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(Stage, Policy, AnalyticsDB, at), DBInstanceIdentifier: AnalyticsDB, Status: "available", SnapshotCreateTime: at.UTC(),
			TagList: simTags(snapshot.Tags(Stage, Policy, AnalyticsDB, at))})
	}
	if err := sim.RDS().Seed(seed); err != nil {
		return nil, fmt.Errorf("seed RDS: %w", err)
	}
	return keep, nil
}
