package jpholiday_test

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/jpholiday"
)

// official reads the Cabinet Office's list (testdata/syukujitsu-dates.txt):
// year -> dates "M/D" in order.
func official(t *testing.T) map[int][]string {
	t.Helper()
	f, err := os.Open("testdata/syukujitsu-dates.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		y, rest, ok := strings.Cut(line, ":")
		year, err := strconv.Atoi(y)
		if !ok || err != nil {
			t.Fatalf("bad line %q", line)
		}
		out[year] = strings.Fields(rest)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestYear_MatchesTheOfficialList: every year the Cabinet Office publishes,
// date by date, in order.
func TestYear_MatchesTheOfficialList(t *testing.T) {
	ref := official(t)
	if len(ref) != 2027-1955+1 {
		t.Fatalf("reference has %d years, want 1955-2027", len(ref))
	}
	total := 0
	for y := 1955; y <= 2027; y++ {
		var got []string
		for _, h := range jpholiday.Year(y) {
			got = append(got, strconv.Itoa(int(h.Date.Month()))+"/"+strconv.Itoa(h.Date.Day()))
		}
		if !slices.Equal(got, ref[y]) {
			t.Errorf("%d:\n got %v\nwant %v", y, got, ref[y])
		}
		total += len(ref[y])
	}
	if total != 1067 {
		t.Errorf("compared %d days, want the list's 1067", total)
	}
}

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

// TestOn_Kinds: the law's special cases, by kind.
func TestOn_Kinds(t *testing.T) {
	tests := []struct {
		date time.Time
		kind jpholiday.Kind
		name string
	}{
		{d(2019, 4, 30), jpholiday.Citizens, "国民の休日"},  // between 昭和の日 and 即位の日
		{d(2019, 5, 1), jpholiday.National, "天皇の即位の日"}, // special act
		{d(2019, 5, 2), jpholiday.Citizens, "国民の休日"},
		{d(2019, 5, 6), jpholiday.Substitute, "振替休日"}, // こどもの日 on a Sunday
		{d(2026, 9, 22), jpholiday.Citizens, "国民の休日"},
		{d(2026, 5, 6), jpholiday.Substitute, "振替休日"},  // 5/3 Sunday, 5/4 and 5/5 holidays: the next free day (since 2007)
		{d(2020, 7, 24), jpholiday.National, "スポーツの日"}, // Olympic move
		{d(2021, 8, 9), jpholiday.Substitute, "振替休日"},  // 山の日 moved to Sunday 8/8
		{d(1973, 4, 30), jpholiday.Substitute, "振替休日"}, // the first substitute holiday
		{d(1988, 5, 4), jpholiday.Citizens, "国民の休日"},
		{d(2024, 3, 20), jpholiday.National, "春分の日"},
		{d(2024, 9, 22), jpholiday.National, "秋分の日"},
		{d(2027, 3, 22), jpholiday.Substitute, "振替休日"},
	}
	for _, tt := range tests {
		h, ok := jpholiday.On(tt.date.In(time.FixedZone("JST", 9*3600)))
		if !ok || h.Kind != tt.kind || h.Name != tt.name || h.NameEN == "" {
			t.Errorf("%s: %+v %v, want %v %s", tt.date.Format("2006-01-02"), h, ok, tt.kind, tt.name)
		}
	}
	for _, no := range []time.Time{d(2019, 12, 23), d(1972, 4, 30), d(2026, 12, 23), d(2026, 5, 7), d(1986, 5, 4)} {
		if h, ok := jpholiday.On(no); ok {
			t.Errorf("%s is not a holiday, got %+v", no.Format("2006-01-02"), h)
		}
	}
}

// TestYear_Properties holds for every year the package computes.
func TestYear_Properties(t *testing.T) {
	for y := jpholiday.FirstYear; y <= jpholiday.LastYear; y++ {
		hs := jpholiday.Year(y)
		nat := map[time.Time]bool{}
		for _, h := range hs {
			if h.Kind == jpholiday.National {
				nat[h.Date] = true
			}
		}
		for i, h := range hs {
			if h.Date.Year() != y {
				t.Fatalf("%d: holiday %s in another year", y, h.Date)
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Fatalf("%d: %s after %s: not in order or twice", y, h.Date, hs[i-1].Date)
			}
			switch h.Kind {
			case jpholiday.Substitute:
				if h.Date.Weekday() == time.Sunday || nat[h.Date] {
					t.Errorf("%s: substitute holiday on a Sunday or a national holiday", h.Date)
				}
				// The national holiday it stands in for is the Sunday of
				// the run of holidays just before it.
				p := h.Date.AddDate(0, 0, -1)
				for nat[p] && p.Weekday() != time.Sunday {
					p = p.AddDate(0, 0, -1)
				}
				if !nat[p] || p.Weekday() != time.Sunday {
					t.Errorf("%s: substitute holiday with no Sunday holiday before it", h.Date)
				}
			case jpholiday.Citizens:
				if !nat[h.Date.AddDate(0, 0, -1)] || !nat[h.Date.AddDate(0, 0, 1)] || h.Date.Weekday() == time.Sunday {
					t.Errorf("%s: citizens' holiday not between two national holidays", h.Date)
				}
			}
			if _, ok := jpholiday.On(h.Date); !ok {
				t.Errorf("On(%s) disagrees with Year", h.Date)
			}
		}
		// Every national holiday on a Sunday since 1973/4/12 has a
		// substitute holiday.
		for _, h := range hs {
			if h.Kind != jpholiday.National || h.Date.Weekday() != time.Sunday || h.Date.Before(d(1973, 4, 12)) {
				continue
			}
			next := h.Date.AddDate(0, 0, 1)
			for nat[next] {
				next = next.AddDate(0, 0, 1)
			}
			if y < 2007 && next.Sub(h.Date) > 24*time.Hour {
				continue // before 2007 only the very next day could be one
			}
			if hol, ok := jpholiday.On(next); next.Year() == y && (!ok || hol.Kind != jpholiday.Substitute) {
				t.Errorf("%s (%s) on a Sunday has no substitute holiday on %s", h.Date.Format("2006-01-02"), h.Name, next.Format("2006-01-02"))
			}
		}
		if v, a := jpholiday.VernalEquinox(y), jpholiday.AutumnalEquinox(y); v < 19 || v > 22 || a < 21 || a > 24 {
			t.Errorf("%d: equinoxes March %d, September %d out of their range", y, v, a)
		}
	}
	if jpholiday.Year(1948) != nil || jpholiday.Year(2100) != nil {
		t.Error("years outside 1949-2099 must report none")
	}
}

// FuzzOn: any instant, in any zone, gives an answer that agrees with Year
// and never panics.
func FuzzOn(f *testing.F) {
	f.Add(int64(1556668800), int32(9*3600))
	f.Add(int64(-1<<40), int32(0))
	f.Fuzz(func(t *testing.T, unix int64, offset int32) {
		tm := time.Unix(unix, 0).In(time.FixedZone("z", int(offset%(26*3600))))
		h, ok := jpholiday.On(tm)
		y, m, day := tm.Date()
		if ok && (h.Date.Year() != y || h.Date.Month() != m || h.Date.Day() != day) {
			t.Fatalf("On(%s) = %s", tm, h.Date)
		}
		if ok != slices.ContainsFunc(jpholiday.Year(y), func(x jpholiday.Holiday) bool { return x.Date.Equal(d(y, m, day)) }) {
			t.Fatalf("On and Year disagree on %s", tm)
		}
	})
}
