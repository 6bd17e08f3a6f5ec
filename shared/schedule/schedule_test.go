package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/schedule"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParse_Errors(t *testing.T) {
	for expr, want := range map[string]string{
		"every hour":            "want rate(N minutes|hours|days) or cron(",
		"rate(0 hours)":         `"0" is not a positive whole number`,
		"rate(2 hour)":          "singular unit for 1 and the plural otherwise",
		"rate(1 fortnight)":     `unit "fortnight" is not one of`,
		"cron(0 * * * *)":       "want six fields",
		"cron(0 * * * * *)":     "exactly one of day-of-month and day-of-week must be ?",
		"cron(61 * * * ? *)":    `minutes: "61": "61" is not a value from 0 to 59`,
		"cron(0 3 L * ? *)":     "the L, W and # forms are not supported",
		"cron(0 3 ? * MON#1 *)": "the L, W and # forms are not supported",
		"cron(0 5-3 * * ? *)":   "range 5-3 runs backwards",
		"cron(0/0 * * * ? *)":   `step "0" is not a positive number`,
		"cron(0 0 * * ? 1900)":  "year",
	} {
		_, err := schedule.Parse(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", expr, err, want)
		}
	}
}

func TestSchedule_Slot(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	ny := mustLoc(t, "America/New_York")
	for _, tc := range []struct {
		expr string
		loc  *time.Location
		at   string
		want string
	}{
		{"rate(1 hour)", tokyo, "2026-11-21T23:59:59Z", "2026-11-22T08:00:00+09:00"},
		{"rate(1 hour)", tokyo, "2026-11-22T00:00:00Z", "2026-11-22T09:00:00+09:00"},
		{"rate(6 hours)", tokyo, "2026-11-22T00:30:00Z", "2026-11-22T06:00:00+09:00"},
		{"rate(1 day)", tokyo, "2026-11-21T16:00:00Z", "2026-11-22T00:00:00+09:00"},
		{"rate(1 day)", tokyo, "2026-11-21T14:59:59Z", "2026-11-21T00:00:00+09:00"},
		{"rate(1 day)", ny, "2026-03-08T12:00:00Z", "2026-03-08T00:00:00-05:00"},
		{"rate(15 minutes)", tokyo, "2026-11-22T00:29:00Z", "2026-11-22T09:15:00+09:00"},
		{"cron(0 3 * * ? *)", tokyo, "2026-11-21T17:59:00Z", "2026-11-21T03:00:00+09:00"},
		{"cron(0 3 * * ? *)", tokyo, "2026-11-21T18:00:00Z", "2026-11-22T03:00:00+09:00"},
		{"cron(30 */6 * * ? *)", tokyo, "2026-11-22T00:00:00Z", "2026-11-22T06:30:00+09:00"},
		{"cron(0 9 ? * MON-FRI *)", tokyo, "2026-11-22T00:00:00Z", "2026-11-20T09:00:00+09:00"},
		{"cron(0 0 1 JAN ? *)", tokyo, "2026-11-22T00:00:00Z", "2026-01-01T00:00:00+09:00"},
		// 02:30 does not exist in New York on 2026-03-08; the previous day's fire is the slot.
		{"cron(30 2 * * ? *)", ny, "2026-03-08T08:00:00Z", "2026-03-07T02:30:00-05:00"},
	} {
		s, err := schedule.Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		at, _ := time.Parse(time.RFC3339, tc.at)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := s.Slot(at, tc.loc); !got.Equal(want) {
			t.Errorf("%s at %s: slot %s, want %s", tc.expr, tc.at, got.Format(time.RFC3339), tc.want)
		}
	}
}

func TestSchedule_Interval(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for expr, want := range map[string]time.Duration{
		"rate(1 hour)":          time.Hour,
		"rate(7 days)":          7 * 24 * time.Hour,
		"cron(0 3 * * ? *)":     24 * time.Hour,
		"cron(0 */4 * * ? *)":   4 * time.Hour,
		"cron(15,45 * * * ? *)": 30 * time.Minute,
	} {
		s, err := schedule.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Interval(at, tokyo); got != want {
			t.Errorf("%s: interval %v, want %v", expr, got, want)
		}
	}
}

func TestSchedule_Next(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	ny := mustLoc(t, "America/New_York")
	for _, tc := range []struct {
		expr string
		loc  *time.Location
		at   string
		want string
	}{
		{"rate(1 hour)", tokyo, "2026-11-21T23:59:59Z", "2026-11-22T09:00:00+09:00"},
		{"rate(1 hour)", tokyo, "2026-11-22T00:00:00Z", "2026-11-22T10:00:00+09:00"},
		{"rate(1 day)", tokyo, "2026-11-21T14:59:59Z", "2026-11-22T00:00:00+09:00"},
		// The day after 8 March 2026 in New York is 23 hours long.
		{"rate(1 day)", ny, "2026-03-08T12:00:00Z", "2026-03-09T00:00:00-04:00"},
		// Seven-day slots are anchored at Saturday 1 January 2000.
		{"rate(7 days)", tokyo, "2026-11-22T00:00:00Z", "2026-11-28T00:00:00+09:00"},
		{"cron(0 3 * * ? *)", tokyo, "2026-11-21T17:59:00Z", "2026-11-22T03:00:00+09:00"},
		{"cron(0 3 * * ? *)", tokyo, "2026-11-21T18:00:00Z", "2026-11-23T03:00:00+09:00"},
		{"cron(0 9 ? * MON-FRI *)", tokyo, "2026-11-20T00:00:01Z", "2026-11-23T09:00:00+09:00"},
		{"cron(0 0 1 JAN ? *)", tokyo, "2026-11-22T00:00:00Z", "2027-01-01T00:00:00+09:00"},
		{"cron(0 0 31 DEC ? *)", tokyo, "2026-12-31T00:00:00+09:00", "2027-12-31T00:00:00+09:00"},
		// 02:30 does not exist in New York on 2026-03-08: the next fire is the day after.
		{"cron(30 2 * * ? *)", ny, "2026-03-07T08:00:00Z", "2026-03-09T02:30:00-04:00"},
	} {
		s, err := schedule.Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		at, _ := time.Parse(time.RFC3339, tc.at)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := s.Next(at, tc.loc); !got.Equal(want) {
			t.Errorf("%s after %s: next %s, want %s", tc.expr, tc.at, got.Format(time.RFC3339), tc.want)
		}
	}
}

// Next and Slot agree: Next(t) is a fire after t, and no fire lies between
// Slot(t) and Next(t).
func TestSchedule_NextEndsTheSlot(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	ny := mustLoc(t, "America/New_York")
	for _, expr := range []string{"rate(1 hour)", "rate(6 hours)", "rate(1 day)", "rate(15 minutes)", "cron(0 3 * * ? *)", "cron(30 */6 * * ? *)", "cron(0 9 ? * MON-FRI *)", "cron(30 2 * * ? *)"} {
		s, err := schedule.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range []*time.Location{tokyo, ny} {
			at := time.Date(2026, 1, 1, 0, 7, 13, 0, time.UTC)
			for i := 0; i < 500; i++ {
				at = at.Add(17*time.Hour + 41*time.Minute + 7*time.Second)
				next := s.Next(at, loc)
				if !next.After(at) {
					t.Fatalf("%s %s: Next(%s) = %s, not after it", expr, loc, at, next)
				}
				if got := s.Slot(next, loc); !got.Equal(next) {
					t.Fatalf("%s %s: Next(%s) = %s is not a fire time (its slot is %s)", expr, loc, at, next, got)
				}
				if got, want := s.Slot(next.Add(-time.Second), loc), s.Slot(at, loc); !got.Equal(want) {
					t.Fatalf("%s %s: a fire between Slot(%s) = %s and Next = %s (at %s)", expr, loc, at, want, next, got)
				}
			}
		}
	}
}
