package tenant

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// NoticePeriod is how long ops must have had the advance notice before a
// purge starts: AdvanceNoticeDays whole days of 24 hours, so "at least N
// days" holds whatever the zone's daylight saving time does.
func NoticePeriod(cfg config.Tenants) time.Duration {
	return time.Duration(cfg.AdvanceNoticeDays) * 24 * time.Hour
}

// Blocked says why the tenant's purge may not start at now under cfg, or
// returns "" when it may. A purge that has begun may always resume. A
// terminated tenant's purge may start only when all of these hold:
//
//   - now is at or after PurgeDue;
//   - with tenants.advanceNoticeDays set, ops received the advance notice
//     (NoticeSent) at least NoticePeriod before now, however long ago the
//     contract ended: a replayed or backdated termination waits for it;
//   - with tenants.purgeDays set, now falls on one of those weekdays in the
//     operator's zone.
//
// Registry.StartPurge enforces the same rules in its conditional write.
func (t Tenant) Blocked(cfg config.Tenants, now time.Time) string {
	switch t.Status {
	case StatusPurging:
		return ""
	case StatusTerminated:
	default:
		return fmt.Sprintf("status is %s: only a terminated tenant past its purge due date, or one already purging, can be purged", t.Status)
	}
	if t.PurgeDue.IsZero() || now.Before(t.PurgeDue) {
		return fmt.Sprintf("its purge is not due until %s (now %s)", stamp(t.PurgeDue), stamp(now))
	}
	if cfg.AdvanceNoticeDays > 0 {
		if t.NoticeSent.IsZero() {
			return fmt.Sprintf("ops have not had the advance notice of this purge yet (tenants.advanceNoticeDays is %d): the next sweep sends it, and the purge waits %d days after it", cfg.AdvanceNoticeDays, cfg.AdvanceNoticeDays)
		}
		if ready := t.NoticeSent.Add(NoticePeriod(cfg)); now.Before(ready) {
			return fmt.Sprintf("ops have had the advance notice only since %s: the purge waits until %s (tenants.advanceNoticeDays is %d)", stamp(t.NoticeSent), stamp(ready), cfg.AdvanceNoticeDays)
		}
	}
	if !PurgeDay(cfg, now) {
		return fmt.Sprintf("%s is not a purge day (tenants.purgeDays: %s)", now.In(cfg.Location()).Format("Mon 2006-01-02 MST"), strings.Join(cfg.PurgeDays, ", "))
	}
	return ""
}

// PurgeDay reports whether a purge may start on the day that holds now in
// the operator's zone: always, unless tenants.purgeDays is set and does not
// list that day's weekday.
func PurgeDay(cfg config.Tenants, now time.Time) bool {
	days := cfg.PurgeWeekdays()
	return len(days) == 0 || slices.Contains(days, now.In(cfg.Location()).Weekday())
}

// EarliestStart returns the earliest time at which the tenant's purge may
// start, as far as the registry knows at now: PurgeDue, or, with the
// advance notice on, NoticePeriod after the notice (after now when it has
// not gone out yet), whichever is later, and never before now; moved to the
// start of the next purge day when it does not fall on one. For a tenant
// already purging it is now.
func (t Tenant) EarliestStart(cfg config.Tenants, now time.Time) time.Time {
	if t.Status == StatusPurging {
		return now
	}
	at := t.PurgeDue
	if cfg.AdvanceNoticeDays > 0 {
		sent := t.NoticeSent
		if sent.IsZero() {
			sent = now
		}
		if ready := sent.Add(NoticePeriod(cfg)); ready.After(at) {
			at = ready
		}
	}
	if at.Before(now) {
		at = now
	}
	if !PurgeDay(cfg, at) {
		loc := cfg.Location()
		l := at.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
		for i := 0; i < 7 && !PurgeDay(cfg, day); i++ {
			day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		}
		at = day
	}
	return at.UTC()
}
