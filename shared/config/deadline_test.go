package config_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/config"
)

// operator003 is operator 003's promise: within 6 hours in business hours
// (9-18 JST, weekdays, not national holidays), otherwise by the later of
// the next business-hours start and 6 hours after occurrence.
const operator003 = `{"hours": 6, "businessHours": {"days": ["Mon","Tue","Wed","Thu","Fri"], "start": "09:00", "end": "18:00", "timezone": "Asia/Tokyo", "holidays": "jp"}}`

func TestDeadline_Validate(t *testing.T) {
	withDeadline := func(js string, noticeHours int) config.Config {
		c := example(t)
		c.Notifications.NoticeHours = noticeHours
		c.Notifications.Deadline = nil
		if js != "" {
			c.Notifications.Deadline = &config.Deadline{}
			if err := json.Unmarshal([]byte(js), c.Notifications.Deadline); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	ok := []struct {
		name        string
		js          string
		noticeHours int
		want        config.Deadline
	}{
		{"NoticeHoursStillWorks", "", 72, config.Deadline{Hours: 72}},
		{"PlainDeadline", `{"hours": 24}`, 0, config.Deadline{Hours: 24}},
		{"Operator003", operator003, 0, config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{
			Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Timezone: "Asia/Tokyo", Holidays: "jp"}}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			c := withDeadline(tt.js, tt.noticeHours)
			if err := c.Validate(config.SectionNotifications); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(c.Notifications.Promise())
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Errorf("Promise() = %s, want %s", got, want)
			}
		})
	}
	bad := []struct {
		name, js    string
		noticeHours int
		want        string
	}{
		{"Neither", "", 0, "notifications.noticeHours: 0 is not valid: want the promised hours from detection to notice, 1 to 720"},
		{"Both", `{"hours": 6}`, 72, "notifications.noticeHours: 72 is not valid: want nothing when notifications.deadline is set"},
		{"HoursZero", `{"hours": 0}`, 0, "notifications.deadline.hours: 0 is not valid"},
		{"NoDays", `{"hours": 6, "businessHours": {"days": [], "start": "09:00", "end": "18:00"}}`, 0, "notifications.deadline.businessHours.days: nothing is not valid"},
		{"BadDay", `{"hours": 6, "businessHours": {"days": ["Monday"], "start": "09:00", "end": "18:00"}}`, 0, `notifications.deadline.businessHours.days[0]: "Monday" is not valid`},
		{"DayTwice", `{"hours": 6, "businessHours": {"days": ["Mon","Mon"], "start": "09:00", "end": "18:00"}}`, 0, `days[1]: "Mon" is not valid`},
		{"BadStart", `{"hours": 6, "businessHours": {"days": ["Mon"], "start": "9:00", "end": "18:00"}}`, 0, `businessHours.start: "9:00" is not valid: want a time of day "HH:MM"`},
		{"EndBeforeStart", `{"hours": 6, "businessHours": {"days": ["Mon"], "start": "18:00", "end": "09:00"}}`, 0, `businessHours.end: "09:00" is not valid: want a time after start "18:00"`},
		{"BadZone", `{"hours": 6, "businessHours": {"days": ["Mon"], "start": "09:00", "end": "18:00", "timezone": "Asia/Tokio"}}`, 0, `businessHours.timezone: "Asia/Tokio" is not valid`},
		{"BadHolidays", `{"hours": 6, "businessHours": {"days": ["Mon"], "start": "09:00", "end": "18:00", "holidays": "japan"}}`, 0, `businessHours.holidays: "japan" is not valid: want "jp"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := withDeadline(tt.js, tt.noticeHours).Validate(config.SectionNotifications)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
