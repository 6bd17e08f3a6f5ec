package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// Deadline is the promised time from a finding's detection to its notice
// (notifications.deadline): either a plain limit ({"hours": 72}) or a limit
// that depends on business hours, as operator 003 promises:
//
//	{"hours": 6, "businessHours": {"days": ["Mon","Tue","Wed","Thu","Fri"],
//	  "start": "09:00", "end": "18:00", "timezone": "Asia/Tokyo", "holidays": "jp"}}
//
// With business hours, a finding detected inside them is due Hours after
// detection; one detected outside them is due at the later of the next
// start of business hours and Hours after detection. "The start of the next
// business hours" (翌営業日の開始時間) is read as the next moment business
// hours begin after the detection: a detection at 08:00 on a business day
// is due at 09:00 that same day or six hours after detection, whichever is
// later (14:00), not on the following business day.
type Deadline struct {
	// Hours is the promised limit, 1 to 720.
	Hours int `json:"hours"`
	// BusinessHours, when set, makes the limit depend on them.
	BusinessHours *BusinessHours `json:"businessHours,omitempty"`
}

// BusinessHours is a weekly business-hours calendar in one time zone,
// optionally closed on a country's national holidays.
type BusinessHours struct {
	// Days are the weekdays business hours apply, "Mon" to "Sun" as
	// Weekdays spells them.
	Days []string `json:"days"`
	// Start and End are "HH:MM" in Timezone; End is after Start (business
	// hours do not cross midnight) and is not part of business hours.
	Start string `json:"start"`
	End   string `json:"end"`
	// Timezone is the calendar's IANA zone; empty means the
	// configuration's timezone.
	Timezone string `json:"timezone,omitempty"`
	// Holidays closes business hours on national holidays: "jp" (Japanese
	// national, substitute and citizens' holidays), or "" for none.
	Holidays string `json:"holidays,omitempty"`
}

// HolidayCalendars are the values BusinessHours.Holidays takes.
var HolidayCalendars = []string{"", "jp"}

var clockRE = lazyregexp.New(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Minutes reads an "HH:MM" time of day as minutes after midnight.
func Minutes(hhmm string) (int, bool) {
	if !clockRE.MatchString(hhmm) {
		return 0, false
	}
	h, m := int(hhmm[0]-'0')*10+int(hhmm[1]-'0'), int(hhmm[3]-'0')*10+int(hhmm[4]-'0')
	return h*60 + m, true
}

// Promise returns the deadline the notifications section promises: its
// Deadline, or a plain limit of NoticeHours (the older way to write it).
func (n Notifications) Promise() Deadline {
	if n.Deadline != nil {
		return *n.Deadline
	}
	return Deadline{Hours: n.NoticeHours}
}

// validatePromise checks noticeHours and deadline: exactly one of them, the
// limit 1 to 720 hours, and a well-formed business-hours calendar.
func (n Notifications) validatePromise(k *checker, zone string) {
	switch {
	case n.Deadline == nil:
		if n.NoticeHours < 1 || n.NoticeHours > 720 {
			k.fail("notifications.noticeHours", n.NoticeHours, "the promised hours from detection to notice, 1 to 720 (e.g. 72, 24 or 6), or a notifications.deadline instead")
		}
		return
	case n.NoticeHours != 0:
		k.fail("notifications.noticeHours", n.NoticeHours, "nothing when notifications.deadline is set: give the promise once, as deadline.hours")
	}
	d := n.Deadline
	if d.Hours < 1 || d.Hours > 720 {
		k.fail("notifications.deadline.hours", d.Hours, "the promised hours from detection to notice, 1 to 720 (e.g. 72, 24 or 6)")
	}
	b := d.BusinessHours
	if b == nil {
		return
	}
	const f = "notifications.deadline.businessHours"
	if len(b.Days) == 0 {
		k.fail(f+".days", nil, `one or more of "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"`)
	}
	for i, day := range b.Days {
		if !slices.Contains(Weekdays, day) || slices.Index(b.Days, day) != i {
			k.fail(fmt.Sprintf("%s.days[%d]", f, i), day, `"Mon", "Tue", "Wed", "Thu", "Fri", "Sat" or "Sun", each at most once`)
		}
	}
	start, okStart := Minutes(b.Start)
	if !okStart {
		k.fail(f+".start", b.Start, `a time of day "HH:MM", e.g. "09:00"`)
	}
	end, okEnd := Minutes(b.End)
	if !okEnd {
		k.fail(f+".end", b.End, `a time of day "HH:MM", e.g. "18:00"`)
	}
	if okStart && okEnd && end <= start {
		k.fail(f+".end", b.End, fmt.Sprintf("a time after start %q on the same day (business hours do not cross midnight)", b.Start))
	}
	if b.Timezone != "" {
		if _, err := time.LoadLocation(b.Timezone); err != nil || b.Timezone == "Local" {
			k.fail(f+".timezone", b.Timezone, `an IANA time zone name such as "Asia/Tokyo", or empty for the configuration's timezone (`+zone+`)`)
		}
	}
	if !slices.Contains(HolidayCalendars, b.Holidays) {
		k.fail(f+".holidays", b.Holidays, `"jp" (Japanese national holidays) or "" (none): `+strings.Join(HolidayCalendars[1:], ", "))
	}
}
