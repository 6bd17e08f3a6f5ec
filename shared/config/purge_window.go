package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Weekdays are the names tenants.purgeDays accepts (in any case), in
// time.Weekday order.
var Weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// MaxGracePeriodMonths bounds tenants.gracePeriodMonths (ten years, as
// gracePeriodDays is bounded).
const MaxGracePeriodMonths = 120

// Location returns the zone in which purge dates are counted: Zone, or
// DefaultTimezone when Zone is empty. Call after Validate.
func (t Tenants) Location() *time.Location {
	name := t.Zone
	if name == "" {
		name = DefaultTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// PurgeWeekdays returns PurgeDays as weekdays, in the order given. Call
// after Validate (unknown names are left out).
func (t Tenants) PurgeWeekdays() []time.Weekday {
	var out []time.Weekday
	for _, d := range t.PurgeDays {
		if wd, ok := weekday(d); ok {
			out = append(out, wd)
		}
	}
	return out
}

func weekday(name string) (time.Weekday, bool) {
	for i, w := range Weekdays {
		if strings.EqualFold(name, w) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// PurgeWindow returns when the purge of a tenant whose contract ended at
// terminated falls due, and by when it must be done. Everything is counted
// in Location:
//
//   - With GracePeriodDays, due is that many days after terminated, at the
//     same wall-clock time.
//   - With GracePeriodMonths, the grace period starts on the day after the
//     day the contract ended and runs that many calendar months, counted as
//     Japanese civil law counts months (Civil Code articles 140 and 143): it
//     has passed at 00:00 on the day that corresponds, that many months
//     later, to its first day; when that month has no such day (a period
//     from 31 January), at 00:00 on the first day of the month after. A
//     contract that ends at exactly 00:00 ended on the previous day.
//   - With PurgeDays, due moves to 00:00 of the first of those weekdays
//     that begins at or after the due time above.
//   - deadline is DeadlineDays after due, at the same wall-clock time.
//
// Both are returned in UTC. Call after Validate.
func (t Tenants) PurgeWindow(terminated time.Time) (due, deadline time.Time) {
	loc := t.Location()
	if t.GracePeriodMonths > 0 {
		y, m, d := terminated.Add(-time.Nanosecond).In(loc).Date()
		due = monthsAfter(time.Date(y, m, d+1, 0, 0, 0, 0, loc), t.GracePeriodMonths)
	} else {
		due = terminated.In(loc).AddDate(0, 0, t.GracePeriodDays)
	}
	if days := t.PurgeWeekdays(); len(days) > 0 {
		l := due.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		if day.Before(due) {
			day = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
		}
		for !slices.Contains(days, day.Weekday()) {
			day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		}
		due = day
	}
	deadline = due.In(loc).AddDate(0, 0, t.DeadlineDays)
	return due.UTC(), deadline.UTC()
}

// monthsAfter returns 00:00 of the day on which a period of n calendar
// months that starts on first (00:00) has passed: the corresponding day n
// months later, or the first of the month after when that month is too
// short to have one.
func monthsAfter(first time.Time, n int) time.Time {
	loc := first.Location()
	y, m, d := first.Date()
	target := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, loc)
	if d > daysIn(target.Year(), target.Month()) {
		return time.Date(target.Year(), target.Month()+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(target.Year(), target.Month(), d, 0, 0, 0, 0, loc)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// MinGraceDays is the fewest whole days the grace period can last:
// GracePeriodDays, or the fewest days GracePeriodMonths calendar months
// span (28 for one month, 59 for two).
func (t Tenants) MinGraceDays() int {
	if t.GracePeriodMonths <= 0 {
		return t.GracePeriodDays
	}
	fewest := -1
	// Every start day of a four-year cycle, leap day included.
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 4*366; i++ {
		first := start.AddDate(0, 0, i)
		n := int(monthsAfter(first, t.GracePeriodMonths).Sub(first) / (24 * time.Hour))
		if fewest < 0 || n < fewest {
			fewest = n
		}
	}
	return fewest
}

// graceText describes the grace period for error messages.
func (t Tenants) graceText() string {
	if t.GracePeriodMonths > 0 {
		return fmt.Sprintf("%d calendar months, at least %d days", t.GracePeriodMonths, t.MinGraceDays())
	}
	return fmt.Sprintf("%d days", t.GracePeriodDays)
}

// validateWindow checks the calendar-month grace period and the purge days.
func (t Tenants) validateWindow(k *checker) {
	switch {
	case t.GracePeriodMonths < 0 || t.GracePeriodMonths > MaxGracePeriodMonths:
		k.fail("tenants.gracePeriodMonths", t.GracePeriodMonths, fmt.Sprintf("0 to %d calendar months, counted from the day after the contract ended", MaxGracePeriodMonths))
	case t.GracePeriodMonths > 0 && t.GracePeriodDays != 0:
		k.fail("tenants.gracePeriodMonths", t.GracePeriodMonths, fmt.Sprintf("0 while tenants.gracePeriodDays is %d: give the grace period in days or in calendar months, not both", t.GracePeriodDays))
	}
	seen := map[time.Weekday]bool{}
	for i, d := range t.PurgeDays {
		wd, ok := weekday(d)
		if !ok || seen[wd] {
			k.fail(fmt.Sprintf("tenants.purgeDays[%d]", i), d, "one of Mon, Tue, Wed, Thu, Fri, Sat, Sun (in any case), each at most once")
			continue
		}
		seen[wd] = true
	}
}
