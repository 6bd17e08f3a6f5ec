// Package snapshot provides the snapshot rotator's domain: which RDS and
// Aurora snapshots Pledge creates, keeps and deletes to keep a backup
// promise such as "hourly x24, daily x7, weekly x4".
//
// Rules:
//   - A target is a DB instance or an Aurora cluster selected by identifier
//     or by tags. Aurora member instances are never targets themselves: their
//     data is snapshotted through the cluster.
//   - Each schedule slot gets one manual snapshot with a deterministic,
//     unambiguous name, pledge-<n>-<policy>-<target>-<slot UTC
//     yyyymmddhhmm>, where n is the length of the policy name (Name), so a
//     retried or duplicated invocation in the same slot creates nothing new
//     and no two policies or databases share a name (policy a-b with
//     database c and policy a with database b-c no longer do). It is tagged
//     at creation pledge:managed=true, pledge:policy=<policy>,
//     pledge:target=<target>, pledge:slot=<slot>.
//   - A real run acts for the slot of the real clock, not of the event: a
//     scheduled time more than ClockTolerance ahead of the wall clock is
//     refused (a snapshot for a future slot would stand in for the real
//     one), and a late retry makes the current slot's snapshot. So a
//     snapshot is only ever created in the slot it is named for. A dry run
//     previews the event's slot.
//   - A snapshot is deleted only when it is recognised (Recognize): a manual
//     snapshot of the target, tagged pledge:managed=true with this policy,
//     this target and a slot; not a copy (RDS names no source, and its
//     original creation time is its own); whose identifier is exactly the
//     deterministic name for those tags (or exactly the legacy name,
//     pledge-<policy>-<target>-<slot>, that snapshots made before names
//     became unambiguous carry); and whose creation time falls in that slot
//     (from the slot to the schedule's next fire, give or take
//     ClockTolerance). The check is made when planning and again on a fresh
//     listing just before each delete. Tags alone are never enough: a copy
//     inherits them, and anyone who may tag can add them.
//   - Snapshots tagged as this policy's that are not recognised (copies,
//     re-tagged or renamed snapshots, ones made outside their slot) are
//     never deleted and never counted towards retention; each run reports
//     them (warning unrecognised-snapshot, metric SnapshotsUnrecognised),
//     so that they are not silently left behind. Automated snapshots,
//     unmanaged manual snapshots and AWS Backup's are never touched (nor
//     even listed as candidates).
//   - A create that fails because the name exists is success only when the
//     existing snapshot is recognised as this slot's; otherwise the slot has
//     no backup and the run fails saying why. A slot whose name is taken by
//     a snapshot that is not its own is reported the same way without
//     trying.
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
