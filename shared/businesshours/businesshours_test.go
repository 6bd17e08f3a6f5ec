package businesshours_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/businesshours"
	"github.com/pledge-dev/pledge/shared/config"
)

var jst = mustZone("Asia/Tokyo")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// operator003 is operator 003's promise (seeds/003): 6 hours in business
// hours 9-18 JST on weekdays except national holidays; otherwise the later
// of the next business-hours start and 6 hours.
func operator003(t testing.TB) businesshours.Deadline {
	t.Helper()
	d, err := businesshours.FromConfig(config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{
		Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Timezone: "Asia/Tokyo", Holidays: "jp"}}, "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, jst) }

func TestDeadline_Operator003(t *testing.T) {
	d := operator003(t)
	tests := []struct {
		name     string
		detected time.Time
		want     time.Time
	}{
		// The three cases issue 12 names.
		{"FridayInHours", at(2026, 12, 4, 17, 30), at(2026, 12, 4, 23, 30)},
		{"FridayEveningBeforeMondayHoliday", at(2027, 1, 8, 19, 0), at(2027, 1, 12, 9, 0)}, // 2027-01-11 成人の日
		{"TuesdayBeforeOpening", at(2026, 12, 8, 8, 0), at(2026, 12, 8, 14, 0)},
		// And around them.
		{"AtOpening", at(2026, 12, 8, 9, 0), at(2026, 12, 8, 15, 0)},
		{"AtClosing", at(2026, 12, 8, 18, 0), at(2026, 12, 9, 9, 0)},
		{"BeforeDawnSixHoursWins", at(2026, 12, 8, 2, 0), at(2026, 12, 8, 9, 0)},
		{"EarlyMorningSixHoursLater", at(2026, 12, 8, 4, 0), at(2026, 12, 8, 10, 0)},
		{"Saturday", at(2026, 12, 5, 10, 0), at(2026, 12, 7, 9, 0)},
		{"FridayEveningBeforeHolidayWeekInSeptember", at(2026, 9, 18, 20, 0), at(2026, 9, 24, 9, 0)}, // 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日
		{"OnAHoliday", at(2026, 11, 3, 11, 0), at(2026, 11, 4, 9, 0)},
		{"NewYear", at(2026, 12, 31, 23, 0), at(2027, 1, 4, 9, 0)},
		{"DetectedInUTC", time.Date(2026, 12, 4, 8, 30, 0, 0, time.UTC), at(2026, 12, 4, 23, 30)}, // 17:30 JST
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Due(tt.detected)
			if !got.Equal(tt.want) {
				t.Errorf("Due(%s) = %s, want %s", tt.detected.In(jst).Format("Mon 2006-01-02 15:04"), got.In(jst).Format("Mon 2006-01-02 15:04"), tt.want.Format("Mon 2006-01-02 15:04"))
			}
			if got.Location().String() != "Asia/Tokyo" {
				t.Errorf("Due is in %s, want the calendar's zone", got.Location())
			}
		})
	}
}

func TestDeadline_Plain(t *testing.T) {
	d, err := businesshours.FromConfig(config.Deadline{Hours: 72}, "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	det := at(2027, 1, 8, 19, 0)
	if got := d.Due(det); !got.Equal(det.Add(72 * time.Hour)) {
		t.Errorf("Due = %s, want 72 hours later", got)
	}
	if got, want := d.String(), "72h"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := operator003(t).String(), "6h; business hours Mon,Tue,Wed,Thu,Fri 09:00-18:00 Asia/Tokyo, closed on jp holidays"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// TestDeadline_Properties: for random detections over 2025-2028, the due
// time is never earlier than the limit, a detection while closed is never
// due before the next opening, the due time is either the limit or that
// opening, and NextOpen is the first opening (the calendar is closed at
// every half hour before it).
func TestDeadline_Properties(t *testing.T) {
	d := operator003(t)
	c := d.Calendar
	r := rand.New(rand.NewPCG(1, 2))
	start := at(2025, 1, 1, 0, 0)
	for range 3000 {
		det := start.Add(time.Duration(r.Int64N(int64(4 * 365 * 24 * time.Hour))))
		due := d.Due(det)
		limit := det.Add(6 * time.Hour)
		if due.Before(limit) {
			t.Fatalf("%s: due %s before the limit", det, due)
		}
		if c.Open(det) {
			if !due.Equal(limit) {
				t.Fatalf("%s (open): due %s, want %s", det, due, limit)
			}
			continue
		}
		next := c.NextOpen(det)
		if !c.Open(next) || next.Before(det) {
			t.Fatalf("%s: NextOpen %s is not an opening after it", det, next)
		}
		for probe := det.Truncate(30 * time.Minute).Add(30 * time.Minute); probe.Before(next); probe = probe.Add(30 * time.Minute) {
			if c.Open(probe) {
				t.Fatalf("%s: open at %s, before NextOpen %s", det, probe, next)
			}
		}
		if due.Before(next) || (!due.Equal(next) && !due.Equal(limit)) {
			t.Fatalf("%s (closed): due %s, want the later of %s and %s", det, due, next, limit)
		}
	}
}

func TestCalendar_Validate(t *testing.T) {
	for _, c := range []businesshours.Calendar{
		{Days: []time.Weekday{time.Monday}, Start: 540, End: 1080},
		{Location: jst, Start: 540, End: 1080},
		{Location: jst, Days: []time.Weekday{time.Monday}, Start: 1080, End: 540},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (businesshours.Deadline{}).Validate(); err == nil {
		t.Error("zero limit: no error")
	}
}
