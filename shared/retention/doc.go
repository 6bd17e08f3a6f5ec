// Package retention provides the grandfather-father-son (GFS) retention
// planner: given the snapshots that exist and a policy, it decides which to
// keep, why, and which to delete. It is pure: it reads no clock, calls no
// service and does not change its input.
//
// The rules are those of restic's forget --keep-last, --keep-hourly,
// --keep-daily, --keep-weekly, --keep-monthly and --keep-yearly:
//
//   - A policy has six counted tiers: last, hourly, daily, weekly, monthly,
//     yearly. Each has a count: -1 means unlimited, 0 turns the tier off,
//     N > 0 keeps N periods.
//   - It has six within tiers too, restic's --keep-within,
//     --keep-within-hourly ... --keep-within-yearly: each has a span (package
//     span, "11d", "1y6m") and keeps the newest snapshot of each period (for
//     within: every snapshot) among those made strictly after the instant the
//     span reaches back to from the newest snapshot, counted on the zone's
//     calendar. "Daily, kept 11 days" is withinDaily 11d: each day's snapshot
//     stays 11 days whether or not a day was missed, where daily 11 would keep
//     the eleventh day that has a snapshot, however old. The zero span turns
//     a within tier off. (restic looks for the newest snapshot among those
//     not dated after its own clock; the planner reads no clock and takes the
//     newest it is given.)
//   - Each tier cuts time into periods: every snapshot is its own period for
//     last; hours, days, ISO weeks (Monday to Sunday), calendar months and
//     calendar years for the others, all cut in the plan's time zone, so a
//     Tokyo operator's "day" is a JST day.
//   - Walking from the newest snapshot to the oldest, a tier keeps the newest
//     snapshot of each of the N most recent periods that have a snapshot.
//     Periods without a snapshot are not counted: a gap in the backups does
//     not use up a tier.
//   - A snapshot kept by several tiers counts in each of them and carries
//     every reason, e.g. "hourly snapshot 2026-11-21T10:00+09:00" and
//     "daily snapshot 2026-11-21". A snapshot that no tier keeps is deleted.
//   - Snapshots with equal creation times are ordered by id, the smaller id
//     counting as the newer, so the same input always gives the same plan.
//   - An hour is a real hour of the zone's clock: when clocks fall back, the
//     repeated hour (01:00 EDT and 01:00 EST) is two periods, not one; when
//     they spring forward, the skipped hour is simply absent.
//   - A policy whose tiers are all off is an error, never "delete everything"
//     and never a silent "keep everything": restic refuses an empty policy
//     too, and configuration validation rejects one.
//
// Unlike restic 0.17 and later, the oldest snapshot is not kept merely
// because a tier still has periods to spare: every kept snapshot is the
// newest of a period it stands for, which makes a plan idempotent (planning
// again over the kept snapshots deletes nothing).
//
// When a zone's clock steps back across a period boundary (rare; e.g. a
// fall-back just after midnight), the local periods are not monotonic in
// time; a period already passed in the walk is then never counted twice.
package retention
