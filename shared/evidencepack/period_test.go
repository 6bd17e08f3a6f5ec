package evidencepack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/evidencepack"
)

func TestMonth(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	ny, _ := time.LoadLocation("America/New_York")
	// 2026-12-01 00:15 JST is still November 30 in UTC.
	m := evidencepack.MonthBefore(time.Date(2026, 11, 30, 15, 15, 0, 0, time.UTC), tokyo)
	if m.String() != "2026-11" || len(m.Days()) != 30 || !m.Start().Equal(time.Date(2026, 10, 31, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("month %s, %d days, start %s", m, len(m.Days()), m.Start().UTC())
	}
	if !m.Contains(time.Date(2026, 10, 31, 15, 0, 0, 0, time.UTC)) || m.Contains(time.Date(2026, 10, 31, 14, 59, 59, 0, time.UTC)) || m.Contains(m.End()) {
		t.Error("Contains does not follow local midnights")
	}
	if m.Day(time.Date(2026, 11, 14, 18, 0, 0, 0, time.UTC)) != 14 { // 03:00 JST on the 15th
		t.Errorf("day of 2026-11-14T18:00Z = %d, want 14 (the 15th in Tokyo)", m.Day(time.Date(2026, 11, 14, 18, 0, 0, 0, time.UTC)))
	}
	if m.Ended(time.Date(2026, 11, 30, 14, 59, 0, 0, time.UTC)) || !m.Ended(m.End()) {
		t.Error("Ended")
	}
	// January's month before is December of the year before; a month
	// with a daylight-saving change keeps calendar days.
	if got := evidencepack.MonthBefore(time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC), tokyo).String(); got != "2026-12" {
		t.Errorf("before January: %s", got)
	}
	nov, err := evidencepack.ParseMonth("2026-11", ny)
	if err != nil || len(nov.Days()) != 30 || nov.Days()[1].Sub(nov.Days()[0]) != 25*time.Hour {
		t.Errorf("New York November: %v, %d days, first day %s long", err, len(nov.Days()), nov.Days()[1].Sub(nov.Days()[0]))
	}
	if _, err := evidencepack.ParseMonth("2026-13", tokyo); err == nil || !strings.Contains(err.Error(), `want YYYY-MM such as "2026-11"`) {
		t.Errorf("bad month: %v", err)
	}
}
