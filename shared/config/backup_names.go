package config

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxClusterSnapshotName is the longest DB cluster snapshot identifier RDS
// accepts (instance snapshots may have 255 characters).
const MaxClusterSnapshotName = 63

// SnapshotNameLength is the length of the snapshot names the rotator gives
// a stage's policy's snapshots of a database (snapshot.Name:
// "pledge-<m>-<stage>-<n>-<policy>-<database>-<yyyymmddhhmm>", m and n the
// lengths of the stage and policy names).
func SnapshotNameLength(stage, policy, database string) int {
	return len("pledge-") + len(strconv.Itoa(len(stage))) + 1 + len(stage) + 1 + len(strconv.Itoa(len(policy))) + 1 + len(policy) + 1 + len(database) + 1 + len("200601021504")
}

// validateSnapshotNames refuses listed databases whose snapshot names would
// collide or could not be created. Names are unambiguous in the stage, the
// policy and the database (snapshot.Name), so two stages, two policies or
// two databases never share one; what remains is the same database listed
// twice in a policy (RDS identifiers ignore case, so "App" and "app" are one
// database), as an instance and as a cluster, or a cluster whose snapshot
// name would be longer than RDS allows.
func (b Backup) validateSnapshotNames(k *checker, stage string) {
	for i, p := range b.Policies {
		seen := map[string]string{}
		check := func(kind string, ids []string) {
			for j, id := range ids {
				f := fmt.Sprintf("backup.policies[%d].targets.%s[%d]", i, kind, j)
				key := strings.ToLower(id)
				if prev, dup := seen[key]; dup {
					k.fail(f, id, fmt.Sprintf("a database listed once per policy: it is the same database as %s (RDS identifiers ignore case), and both would get the same snapshot names", prev))
					continue
				}
				seen[key] = f
				if n := SnapshotNameLength(stage, p.Name, key); kind == "clusters" && p.TakesSnapshots() && n > MaxClusterSnapshotName {
					k.fail(f, id, fmt.Sprintf("a cluster whose snapshot names fit the %d characters RDS allows a cluster snapshot: in stage %q with policy %q they would have %d (pledge-%d-%s-%d-%s-%s-yyyymmddhhmm); shorten the policy or the stage name", MaxClusterSnapshotName, stage, p.Name, n, len(stage), stage, len(p.Name), p.Name, key))
				}
			}
		}
		check("instances", p.Targets.Instances)
		check("clusters", p.Targets.Clusters)
	}
}
