package scenario

import (
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// StagedDays and LegacyDays: the managed snapshots of the newest StagedDays
// days carry the stage (snapshot.Name, tagged pledge:stage); older ones,
// up to LegacyDays, are stageless (snapshot.StagelessName, no stage tag),
// and older still carry the first names (snapshot.LegacyName, no stage
// tag), as in an account upgraded twice. The rotator rotates them all.
const (
	StagedDays = 10
	LegacyDays = 30
)

// NeighbourDays of hourly snapshots of OrdersDB and BillingDB are seeded as
// NeighbourStage's, under the scenario's policy name: prod's rotator must
// leave every one of them alone, though it would delete most of them if it
// took them for its own.
const NeighbourDays = 10

// unstaged returns a stage's tags for a snapshot without the stage tag, as
// the rotator wrote them before the stage was part of a snapshot's identity.
func unstaged(policy, db string, at time.Time) map[string]string {
	t := snapshot.Tags(Stage, policy, db, at)
	delete(t, snapshot.TagStage)
	return t
}

// seedManaged returns the name and tags of the managed snapshot of slot
// at, i slots before the newest.
func seedManaged(policy, db string, at time.Time, i int) (string, []awssim.Tag) {
	switch {
	case i < StagedDays*24:
		return snapshot.Name(Stage, policy, db, at), simTags(snapshot.Tags(Stage, policy, db, at))
	case i < LegacyDays*24:
		return snapshot.StagelessName(policy, db, at), simTags(unstaged(policy, db, at))
	}
	return snapshot.LegacyName(policy, db, at), simTags(unstaged(policy, db, at))
}

// neighbourStage adds NeighbourStage's snapshots of OrdersDB and BillingDB
// under the scenario's policy, as its rotator makes them (its names, its
// stage tag, created in their slots), and one tagged as NeighbourStage's
// that carries a prod name. last is the newest seeded slot.
func neighbourStage(seed *awssim.RDSSeed, last time.Time) []string {
	var out []string
	for i := range NeighbourDays * 24 {
		at := last.Add(-time.Duration(i) * time.Hour).Add(2 * time.Minute)
		slot := last.Add(-time.Duration(i) * time.Hour)
		inst := awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(NeighbourStage, Policy, OrdersDB, slot), DBInstanceIdentifier: OrdersDB, Status: "available",
			SnapshotCreateTime: at.UTC(), TagList: simTags(snapshot.Tags(NeighbourStage, Policy, OrdersDB, slot))}
		cl := awssim.RDSClusterSnapshot{DBClusterSnapshotIdentifier: snapshot.Name(NeighbourStage, Policy, BillingDB, slot), DBClusterIdentifier: BillingDB, Status: "available",
			SnapshotCreateTime: at.UTC(), TagList: simTags(snapshot.Tags(NeighbourStage, Policy, BillingDB, slot))}
		seed.Snapshots = append(seed.Snapshots, inst)
		seed.ClusterSnapshots = append(seed.ClusterSnapshots, cl)
		out = append(out, inst.DBSnapshotIdentifier, cl.DBClusterSnapshotIdentifier)
	}
	// Tagged as the neighbour's, named as prod's for a slot prod no longer
	// holds: the stage tag decides, and it is not prod's.
	at := last.AddDate(0, 0, -BackupDays-12)
	tl := snapshot.Tags(NeighbourStage, Policy, OrdersDB, at)
	inst := awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(Stage, Policy, OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available", SnapshotCreateTime: at.UTC(), TagList: simTags(tl)}
	seed.Snapshots = append(seed.Snapshots, inst)
	return append(out, inst.DBSnapshotIdentifier)
}

// identityCases adds the copies and impostors of the scenario to seed:
// a same-region copy of a managed snapshot (its tags inherited), a
// cross-region copy and a copy of an older snapshot that carry a managed
// snapshot's exact name, and a copy of an Aurora cluster snapshot. Each survives every
// rotation and is reported as unrecognised. last is the newest seeded slot.
func identityCases(seed *awssim.RDSSeed, last time.Time) []string {
	var out []string
	inst := func(s awssim.RDSSnapshot) {
		seed.Snapshots = append(seed.Snapshots, s)
		out = append(out, s.DBSnapshotIdentifier)
	}
	name := func(db string, at time.Time) string { return snapshot.Name(Stage, Policy, db, at) }
	tagged := func(db string, at time.Time) []awssim.Tag { return simTags(snapshot.Tags(Stage, Policy, db, at)) }
	// Copied in this region a day after it was made: another name, same tags.
	at := last.Add(-50 * time.Hour)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: "copy-of-" + name(OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at.Add(24 * time.Hour), OriginalSnapshotCreateTime: at, TagList: tagged(OrdersDB, at)})
	// Copied in from another region under the exact name of a slot the
	// rotator no longer holds (beyond the seeded days).
	at = last.AddDate(0, 0, -BackupDays-10)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: name(OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at, SourceDBSnapshotIdentifier: "arn:aws:rds:us-west-2:111122223333:snapshot:" + name(OrdersDB, at),
		TagList: tagged(OrdersDB, at)})
	// A copy of a three-day-older snapshot, made during a slot and named and
	// tagged for it: only its original creation time gives it away.
	at = last.AddDate(0, 0, -BackupDays-11)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: name(OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at.Add(10 * time.Minute), OriginalSnapshotCreateTime: at.AddDate(0, 0, -3), TagList: tagged(OrdersDB, at)})
	// An Aurora cluster snapshot copied in under a managed name.
	at = last.AddDate(0, 0, -BackupDays-10)
	c := awssim.RDSClusterSnapshot{DBClusterSnapshotIdentifier: name(BillingDB, at), DBClusterIdentifier: BillingDB, Status: "available",
		SnapshotCreateTime: at, SourceDBClusterSnapshotArn: "arn:aws:rds:us-west-2:111122223333:cluster-snapshot:" + name(BillingDB, at),
		TagList: tagged(BillingDB, at)}
	seed.ClusterSnapshots = append(seed.ClusterSnapshots, c)
	out = append(out, c.DBClusterSnapshotIdentifier)
	return out
}
