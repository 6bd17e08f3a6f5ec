package jpholiday

import (
	"math"
	"sort"
	"sync"
	"time"
)

// Kind says why a day is a holiday.
type Kind int

// The kinds of day off.
const (
	// National is a national holiday (国民の祝日) or a day made one by a
	// special act.
	National Kind = iota + 1
	// Substitute is a substitute holiday (振替休日).
	Substitute
	// Citizens is a citizens' holiday (国民の休日) between two national
	// holidays.
	Citizens
)

// Holiday is one day off.
type Holiday struct {
	// Date is midnight of the day, in UTC (a calendar date, not an
	// instant).
	Date time.Time
	Kind Kind
	// Name and NameEN are the day's names, e.g. "春分の日", "Vernal Equinox Day".
	Name, NameEN string
}

// FirstYear and LastYear bound the years the package computes.
const (
	FirstYear = 1949
	LastYear  = 2099
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// nthMonday returns the n-th Monday of the month.
func nthMonday(y int, m time.Month, n int) int {
	first := date(y, m, 1).Weekday()
	d := 1 + (int(time.Monday)-int(first)+7)%7
	return d + 7*(n-1)
}

// VernalEquinox and AutumnalEquinox return the day of March or September
// of the equinox in Japan (see the package doc), or 0 outside 1900-2099.
func VernalEquinox(y int) int {
	switch {
	case y >= 1900 && y <= 1979:
		return int(math.Floor(20.8357 + 0.242194*float64(y-1980) - math.Trunc(float64(y-1983)/4)))
	case y >= 1980 && y <= 2099:
		return int(math.Floor(20.8431 + 0.242194*float64(y-1980) - math.Floor(float64(y-1980)/4)))
	}
	return 0
}

// AutumnalEquinox: see VernalEquinox.
func AutumnalEquinox(y int) int {
	switch {
	case y >= 1900 && y <= 1979:
		return int(math.Floor(23.2588 + 0.242194*float64(y-1980) - math.Trunc(float64(y-1983)/4)))
	case y >= 1980 && y <= 2099:
		return int(math.Floor(23.2488 + 0.242194*float64(y-1980) - math.Floor(float64(y-1980)/4)))
	}
	return 0
}

// national returns the year's national holidays (and special-act days),
// before substitute and citizens' holidays.
func national(y int) []Holiday {
	var out []Holiday
	add := func(m time.Month, d int, name, en string) {
		if d > 0 {
			out = append(out, Holiday{Date: date(y, m, d), Kind: National, Name: name, NameEN: en})
		}
	}
	add(time.January, 1, "元日", "New Year's Day")
	if y <= 1999 {
		add(time.January, 15, "成人の日", "Coming of Age Day")
	} else {
		add(time.January, nthMonday(y, time.January, 2), "成人の日", "Coming of Age Day")
	}
	if y >= 1967 {
		add(time.February, 11, "建国記念の日", "National Foundation Day")
	}
	if y >= 2020 {
		add(time.February, 23, "天皇誕生日", "Emperor's Birthday")
	}
	add(time.March, VernalEquinox(y), "春分の日", "Vernal Equinox Day")
	switch {
	case y <= 1988:
		add(time.April, 29, "天皇誕生日", "Emperor's Birthday")
	case y <= 2006:
		add(time.April, 29, "みどりの日", "Greenery Day")
	default:
		add(time.April, 29, "昭和の日", "Showa Day")
	}
	add(time.May, 3, "憲法記念日", "Constitution Memorial Day")
	if y >= 2007 {
		add(time.May, 4, "みどりの日", "Greenery Day")
	}
	add(time.May, 5, "こどもの日", "Children's Day")
	switch {
	case y == 2020:
		add(time.July, 23, "海の日", "Marine Day")
	case y == 2021:
		add(time.July, 22, "海の日", "Marine Day")
	case y >= 2003:
		add(time.July, nthMonday(y, time.July, 3), "海の日", "Marine Day")
	case y >= 1996:
		add(time.July, 20, "海の日", "Marine Day")
	}
	switch {
	case y == 2020:
		add(time.August, 10, "山の日", "Mountain Day")
	case y == 2021:
		add(time.August, 8, "山の日", "Mountain Day")
	case y >= 2016:
		add(time.August, 11, "山の日", "Mountain Day")
	}
	switch {
	case y >= 2003:
		add(time.September, nthMonday(y, time.September, 3), "敬老の日", "Respect for the Aged Day")
	case y >= 1966:
		add(time.September, 15, "敬老の日", "Respect for the Aged Day")
	}
	add(time.September, AutumnalEquinox(y), "秋分の日", "Autumnal Equinox Day")
	switch {
	case y == 2020:
		add(time.July, 24, "スポーツの日", "Sports Day")
	case y == 2021:
		add(time.July, 23, "スポーツの日", "Sports Day")
	case y >= 2020:
		add(time.October, nthMonday(y, time.October, 2), "スポーツの日", "Sports Day")
	case y >= 2000:
		add(time.October, nthMonday(y, time.October, 2), "体育の日", "Health and Sports Day")
	case y >= 1966:
		add(time.October, 10, "体育の日", "Health and Sports Day")
	}
	add(time.November, 3, "文化の日", "Culture Day")
	add(time.November, 23, "勤労感謝の日", "Labour Thanksgiving Day")
	if y >= 1989 && y <= 2018 {
		add(time.December, 23, "天皇誕生日", "Emperor's Birthday")
	}
	for _, s := range specialDays {
		if s.Date.Year() == y {
			out = append(out, s)
		}
	}
	return out
}

// specialDays are days made holidays by special acts.
var specialDays = []Holiday{
	{date(1959, time.April, 10), National, "皇太子明仁親王の結婚の儀", "Wedding of Crown Prince Akihito"},
	{date(1989, time.February, 24), National, "昭和天皇の大喪の礼", "Funeral of Emperor Showa"},
	{date(1990, time.November, 12), National, "即位礼正殿の儀", "Enthronement Ceremony"},
	{date(1993, time.June, 9), National, "皇太子徳仁親王の結婚の儀", "Wedding of Crown Prince Naruhito"},
	{date(2019, time.May, 1), National, "天皇の即位の日", "Emperor's Accession Day"},
	{date(2019, time.October, 22), National, "即位礼正殿の儀の行われる日", "Enthronement Ceremony Day"},
}

var (
	substituteFrom = date(1973, time.April, 12)
	citizensFrom   = date(1985, time.December, 27)
)

// Year returns every holiday of year y in date order: national holidays,
// substitute holidays and citizens' holidays. Outside FirstYear-LastYear
// it returns nil.
func Year(y int) []Holiday {
	if y < FirstYear || y > LastYear {
		return nil
	}
	nat := national(y)
	isNat := map[time.Time]bool{}
	for _, h := range nat {
		isNat[h.Date] = true
	}
	out := append([]Holiday(nil), nat...)
	taken := map[time.Time]bool{}
	for d := range isNat {
		taken[d] = true
	}
	// Substitute holidays.
	for _, h := range nat {
		if h.Date.Weekday() != time.Sunday || h.Date.Before(substituteFrom) {
			continue
		}
		next := h.Date.AddDate(0, 0, 1)
		if y >= 2007 {
			for isNat[next] {
				next = next.AddDate(0, 0, 1)
			}
		} else if isNat[next] {
			continue
		}
		if next.Year() == y && !taken[next] {
			taken[next] = true
			out = append(out, Holiday{Date: next, Kind: Substitute, Name: "振替休日", NameEN: "Substitute Holiday"})
		}
	}
	// Citizens' holidays: a day between two national holidays.
	for d := date(y, time.January, 2); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if d.Before(citizensFrom) || taken[d] || d.Weekday() == time.Sunday {
			continue
		}
		if isNat[d.AddDate(0, 0, -1)] && isNat[d.AddDate(0, 0, 1)] {
			taken[d] = true
			out = append(out, Holiday{Date: d, Kind: Citizens, Name: "国民の休日", NameEN: "Citizens' Holiday"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

var (
	mu    sync.Mutex
	years = map[int]map[time.Time]Holiday{}
)

// On reports whether the calendar date of t (in t's own location) is a
// holiday, and which. Each year is computed once and kept.
func On(t time.Time) (Holiday, bool) {
	y, m, d := t.Date()
	if y < FirstYear || y > LastYear {
		return Holiday{}, false
	}
	mu.Lock()
	defer mu.Unlock()
	byDay, ok := years[y]
	if !ok {
		byDay = map[time.Time]Holiday{}
		for _, h := range Year(y) {
			byDay[h.Date] = h
		}
		years[y] = byDay
	}
	h, ok := byDay[date(y, m, d)]
	return h, ok
}

// IsHoliday reports whether year-month-day is a holiday.
func IsHoliday(y int, m time.Month, d int) bool {
	_, ok := On(date(y, m, d))
	return ok
}
