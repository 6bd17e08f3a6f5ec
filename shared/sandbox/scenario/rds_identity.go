package scenario

import (
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// LegacyDays: the managed snapshots older than this many days carry the
// legacy names (snapshot.LegacyName), as in an account upgraded from them;
// the rotator rotates them like the others.
const LegacyDays = 30

// seedName is the name of the managed snapshot of slot at, i slots before
// the newest.
func seedName(policy, db string, at time.Time, i int) string {
	if i >= LegacyDays*24 {
		return snapshot.LegacyName(policy, db, at)
	}
	return snapshot.Name(policy, db, at)
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
	// Copied in this region a day after it was made: another name, same tags.
	at := last.Add(-50 * time.Hour)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: "copy-of-" + snapshot.Name(Policy, OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at.Add(24 * time.Hour), OriginalSnapshotCreateTime: at, TagList: simTags(snapshot.Tags(Policy, OrdersDB, at))})
	// Copied in from another region under the exact name of a slot the
	// rotator no longer holds (beyond the seeded days).
	at = last.AddDate(0, 0, -BackupDays-10)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(Policy, OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at, SourceDBSnapshotIdentifier: "arn:aws:rds:us-west-2:111122223333:snapshot:" + snapshot.Name(Policy, OrdersDB, at),
		TagList: simTags(snapshot.Tags(Policy, OrdersDB, at))})
	// A copy of a three-day-older snapshot, made during a slot and named and
	// tagged for it: only its original creation time gives it away.
	at = last.AddDate(0, 0, -BackupDays-11)
	inst(awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(Policy, OrdersDB, at), DBInstanceIdentifier: OrdersDB, Status: "available",
		SnapshotCreateTime: at.Add(10 * time.Minute), OriginalSnapshotCreateTime: at.AddDate(0, 0, -3), TagList: simTags(snapshot.Tags(Policy, OrdersDB, at))})
	// An Aurora cluster snapshot copied in under a managed name.
	at = last.AddDate(0, 0, -BackupDays-10)
	c := awssim.RDSClusterSnapshot{DBClusterSnapshotIdentifier: snapshot.Name(Policy, BillingDB, at), DBClusterIdentifier: BillingDB, Status: "available",
		SnapshotCreateTime: at, SourceDBClusterSnapshotArn: "arn:aws:rds:us-west-2:111122223333:cluster-snapshot:" + snapshot.Name(Policy, BillingDB, at),
		TagList: simTags(snapshot.Tags(Policy, BillingDB, at))}
	seed.ClusterSnapshots = append(seed.ClusterSnapshots, c)
	out = append(out, c.DBClusterSnapshotIdentifier)
	return out
}
