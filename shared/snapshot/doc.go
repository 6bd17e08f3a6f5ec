// Package snapshot provides the snapshot rotator's domain: which RDS and
// Aurora snapshots Pledge creates, keeps and deletes to keep a backup
// promise such as "hourly x24, daily x7, weekly x4".
//
// Rules:
//   - A target is a DB instance or an Aurora cluster selected by identifier
//     or by tags. Aurora member instances are never targets themselves: their
//     data is snapshotted through the cluster.
//   - Each schedule slot gets one manual snapshot with a deterministic name,
//     pledge-<policy>-<target>-<slot UTC yyyymmddhhmm>, so a retried or
//     duplicated invocation in the same slot creates nothing new. It is
//     tagged pledge:managed=true, pledge:policy=<policy>, pledge:slot=<slot>.
//   - Only snapshots tagged pledge:managed=true with this policy's name are
//     ever considered for deletion. Automated snapshots, unmanaged manual
//     snapshots and AWS Backup's are never touched (nor even listed as
//     candidates).
//   - Safety rails: nothing is deleted while the newest managed snapshot is
//     not available; the newest MinAvailable available snapshots are always
//     kept; snapshots that are creating, copying or otherwise busy are
//     skipped. Each deletion is preceded by a re-check of the snapshot.
//   - Retention follows restic's forget semantics (package retention) over
//     the available managed snapshots, in the configured time zone. The
//     snapshot being created in this run is not counted, so a run never
//     deletes on the strength of a backup that does not exist yet.
//   - Unencrypted snapshots and a point-in-time-recovery retention shorter
//     than promised are reported, never changed.
//   - Planning is pure (PlanTarget); applying is separate and a dry run
//     produces the same plan and changes nothing.
package snapshot
