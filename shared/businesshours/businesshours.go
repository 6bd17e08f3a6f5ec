package businesshours

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/jpholiday"
)

// Calendar is a weekly business-hours calendar.
type Calendar struct {
	// Location is the zone the hours are in.
	Location *time.Location
	// Days are the weekdays it opens on.
	Days []time.Weekday
	// Start and End are minutes after midnight; End > Start.
	Start, End int
	// Holiday, when set, reports the calendar dates it stays closed.
	Holiday func(y int, m time.Month, d int) bool
	// HolidayName names the holiday calendar ("jp"), for String.
	HolidayName string
}

// Validate reports a calendar that can never open or is malformed.
func (c Calendar) Validate() error {
	switch {
	case c.Location == nil:
		return errors.New("business hours: no time zone")
	case len(c.Days) == 0:
		return errors.New("business hours: no weekday")
	case c.Start < 0 || c.End > 24*60 || c.End <= c.Start:
		return fmt.Errorf("business hours: %d-%d minutes: want start before end within one day", c.Start, c.End)
	}
	return nil
}

// businessDay reports whether the calendar opens on the date of t (in the
// calendar's zone).
func (c Calendar) businessDay(t time.Time) bool {
	t = t.In(c.Location)
	if !slices.Contains(c.Days, t.Weekday()) {
		return false
	}
	y, m, d := t.Date()
	return c.Holiday == nil || !c.Holiday(y, m, d)
}

// at returns the instant minutes after midnight of t's date in the zone.
func (c Calendar) at(t time.Time, minutes int) time.Time {
	y, m, d := t.In(c.Location).Date()
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, c.Location)
}

// Open reports whether t is within business hours.
func (c Calendar) Open(t time.Time) bool {
	if !c.businessDay(t) {
		return false
	}
	return !t.Before(c.at(t, c.Start)) && t.Before(c.at(t, c.End))
}

// NextOpen returns the first moment at or after t when business hours
// start: that day's opening if it is a business day not yet open, else the
// opening of the next business day. It looks ahead at most two years (a
// calendar that never opens is rejected by Validate) and returns the zero
// time past that.
func (c Calendar) NextOpen(t time.Time) time.Time {
	day := t.In(c.Location)
	for i := 0; i < 2*366; i++ {
		if c.businessDay(day) {
			if open := c.at(day, c.Start); !open.Before(t) {
				return open
			}
		}
		y, m, d := day.Date()
		day = time.Date(y, m, d+1, 12, 0, 0, 0, c.Location) // noon: safe across DST changes
	}
	return time.Time{}
}

// Deadline is a promised notice deadline.
type Deadline struct {
	// Limit is the promised time after detection.
	Limit time.Duration
	// Calendar, when set, makes it a business-hours deadline.
	Calendar *Calendar
}

// Plain returns a plain deadline of d.
func Plain(d time.Duration) Deadline { return Deadline{Limit: d} }

// Due returns when a notice about something detected at detected is due
// (see the package doc).
func (d Deadline) Due(detected time.Time) time.Time {
	due := detected.Add(d.Limit)
	if d.Calendar == nil {
		return due
	}
	due = due.In(d.Calendar.Location)
	if d.Calendar.Open(detected) {
		return due
	}
	if next := d.Calendar.NextOpen(detected); next.After(due) {
		return next
	}
	return due
}

// Validate reports a deadline that cannot be computed.
func (d Deadline) Validate() error {
	if d.Limit <= 0 {
		return fmt.Errorf("deadline %s: want a positive limit", d.Limit)
	}
	if d.Calendar != nil {
		return d.Calendar.Validate()
	}
	return nil
}

// String describes the deadline for ops: "72h" or
// "6h; business hours Mon-Fri 09:00-18:00 Asia/Tokyo, closed on jp holidays".
func (d Deadline) String() string {
	s := strings.TrimSuffix(strings.TrimSuffix(d.Limit.String(), "0s"), "0m")
	c := d.Calendar
	if c == nil {
		return s
	}
	var days []string
	for _, w := range c.Days {
		days = append(days, config.Weekdays[w])
	}
	s += fmt.Sprintf("; business hours %s %02d:%02d-%02d:%02d %s", strings.Join(days, ","), c.Start/60, c.Start%60, c.End/60, c.End%60, c.Location)
	if c.HolidayName != "" {
		s += ", closed on " + c.HolidayName + " holidays"
	}
	return s
}

// FromConfig builds the deadline a validated configuration promises
// (config.Notifications.Promise); zone is the configuration's timezone,
// used when the business hours name none.
func FromConfig(p config.Deadline, zone string) (Deadline, error) {
	d := Deadline{Limit: time.Duration(p.Hours) * time.Hour}
	if b := p.BusinessHours; b != nil {
		name := b.Timezone
		if name == "" {
			name = zone
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return Deadline{}, fmt.Errorf("notifications.deadline.businessHours.timezone: %w", err)
		}
		c := &Calendar{Location: loc, HolidayName: b.Holidays}
		for _, day := range b.Days {
			if i := slices.Index(config.Weekdays, day); i >= 0 {
				c.Days = append(c.Days, time.Weekday(i))
			}
		}
		var ok1, ok2 bool
		c.Start, ok1 = config.Minutes(b.Start)
		c.End, ok2 = config.Minutes(b.End)
		if !ok1 || !ok2 {
			return Deadline{}, fmt.Errorf("notifications.deadline.businessHours: start %q, end %q: want HH:MM", b.Start, b.End)
		}
		switch b.Holidays {
		case "jp":
			c.Holiday = jpholiday.IsHoliday
		case "":
		default:
			return Deadline{}, fmt.Errorf("notifications.deadline.businessHours.holidays: %q: want \"jp\" or none", b.Holidays)
		}
		d.Calendar = c
	}
	return d, d.Validate()
}
