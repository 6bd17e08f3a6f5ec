package evidencepack

import (
	"fmt"
	"time"
)

// Month is one calendar month in the operator's zone: the period a pack
// covers.
type Month struct {
	Year  int
	Month time.Month
	Zone  *time.Location
}

// MonthBefore returns the calendar month before the one holding now, in
// zone: the month a pack made on the 1st reports.
func MonthBefore(now time.Time, zone *time.Location) Month {
	t := now.In(zone)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, zone).AddDate(0, -1, 0)
	return Month{Year: first.Year(), Month: first.Month(), Zone: zone}
}

// ParseMonth reads "2026-11" as a month in zone.
func ParseMonth(s string, zone *time.Location) (Month, error) {
	t, err := time.ParseInLocation("2006-01", s, zone)
	if err != nil {
		return Month{}, fmt.Errorf("month %q is not valid: want YYYY-MM such as \"2026-11\"", s)
	}
	return Month{Year: t.Year(), Month: t.Month(), Zone: zone}, nil
}

// String returns the month as "2026-11".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is the month's first instant (local midnight on the 1st).
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, m.Zone) }

// End is the first instant after the month.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, 0) }

// Contains reports whether t falls in the month.
func (m Month) Contains(t time.Time) bool { return !t.Before(m.Start()) && t.Before(m.End()) }

// Days returns the local midnight of each day of the month.
func (m Month) Days() []time.Time {
	var out []time.Time
	for d := m.Start(); d.Before(m.End()); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// Day returns the index (0 for the 1st) of the local day holding t, or -1
// outside the month.
func (m Month) Day(t time.Time) int {
	if !m.Contains(t) {
		return -1
	}
	return t.In(m.Zone).Day() - 1
}

// Ended reports whether the month is over at now: a pack of a month not
// yet over would report part of it as if it were all.
func (m Month) Ended(now time.Time) bool { return !now.Before(m.End()) }

// utcDays returns the UTC dates (as "2006/01/02") the month's instants fall
// on: evidence keys are dated in UTC, so a month in UTC+9 begins on the
// previous UTC day.
func (m Month) utcDays() []string {
	var out []string
	start := m.Start().UTC()
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	for ; day.Before(m.End()); day = day.AddDate(0, 0, 1) {
		out = append(out, day.Format("2006/01/02"))
	}
	return out
}
