// Package snapshot provides the snapshot rotator's domain: which RDS and
// Aurora snapshots Pledge creates, keeps and deletes to keep a backup
// promise such as "hourly x24, daily x7, weekly x4".
//
// Rules:
//   - A target is a DB instance or an Aurora cluster selected by identifier
//     or by tags. Aurora member instances are never targets themselves: their
//     data is snapshotted through the cluster.
//   - A rotator belongs to a stage (config.Config.Stage): staging and prod
//     may share an account, and even back up the same database under the
//     same policy name, without either touching the other's snapshots.
//   - Each schedule slot gets one manual snapshot with a deterministic,
//     unambiguous name, pledge-<m>-<stage>-<n>-<policy>-<target>-<slot UTC
//     yyyymmddhhmm>, where m and n are the lengths of the stage and policy
//     names (Name), so a retried or duplicated invocation in the same slot
//     creates nothing new and no two stages, policies or databases share a
//     name (policy a-b with database c and policy a with database b-c do
//     not; staging's snapshot of a database is not prod's). It is tagged in
//     the create request (never afterwards) pledge:managed=true,
//     pledge:stage=<stage>, pledge:policy=<policy>, pledge:target=<target>,
//     pledge:slot=<slot>.
//   - A real run acts for the slot of the real clock, not of the event: a
//     scheduled time more than ClockTolerance ahead of the wall clock is
//     refused (a snapshot for a future slot would stand in for the real
//     one), and a late retry makes the current slot's snapshot. So a
//     snapshot is only ever created in the slot it is named for. A dry run
//     previews the event's slot.
//   - A snapshot is deleted only when it is recognised (Recognize): a manual
//     snapshot of the target, tagged pledge:managed=true with this policy,
//     this target and a slot, and this stage; not a copy (RDS names no
//     source, and its original creation time is its own); whose identifier
//     is exactly the deterministic name for those tags; and whose creation
//     time falls in that slot (from the slot to the schedule's next fire,
//     give or take ClockTolerance). The check is made when planning and
//     again on a fresh listing just before each delete. Tags alone are
//     never enough: a copy inherits them, and anyone who may tag can add
//     them.
//   - A snapshot tagged with another stage is that stage's: listed in the
//     plan (OtherStages), never deleted, never counted, never warned about.
//   - Legacy snapshots, made before the stage was part of a snapshot's
//     identity, have no pledge:stage tag. They are recognised by the rules
//     above with one of the earlier names instead: pledge-<n>-<policy>-
//     <target>-<slot> (StagelessName) or pledge-<policy>-<target>-<slot>
//     (LegacyName), and rotated out by their policy's tiers. Nothing says
//     which stage made one, so every stage whose policy of that name backs
//     up that database counts and may delete it (as before stages); IAM
//     forbids creating a snapshot without the stage tag, so legacy ones
//     only age out.
//   - Snapshots tagged as this policy's that are not recognised (copies,
//     re-tagged or renamed snapshots, ones made outside their slot) are
//     never deleted and never counted towards retention; each run reports
//     them (warning unrecognised-snapshot, metric SnapshotsUnrecognised),
//     so that they are not silently left behind. Automated snapshots,
//     unmanaged manual snapshots and AWS Backup's are never touched (nor
//     even listed as candidates).
//   - A create that fails because the name exists is success only when the
//     existing snapshot is recognised as this slot's; otherwise (another
//     stage's snapshot among them) the slot has no backup and the run fails
//     saying why. A slot whose name is taken by a snapshot that is not its
//     own is reported the same way without trying.
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
