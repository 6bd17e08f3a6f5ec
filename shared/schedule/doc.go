// Package schedule provides EventBridge Scheduler expressions: rate(...) and
// cron(...), evaluated in a time zone.
//
// A schedule cuts time into slots: the slot of an instant is the latest fire
// time at or before it, and the slot ends at the next fire time (Next). Functions name their work by slot so that a retried
// or duplicated invocation in the same slot does the same work, not more.
//
// cron expressions have AWS's six fields (minutes hours day-of-month month
// day-of-week year) with *, ?, lists, ranges, steps and names (JAN-DEC,
// SUN-SAT, day-of-week 1-7 = SUN-SAT). The L, W and # forms are rejected.
// rate expressions are anchored at midnight of 1 January 2000 in the zone,
// so their slots are the same in every invocation.
package schedule
