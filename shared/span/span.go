package span

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxUnit bounds each number of a span (10,000 years is far beyond any
// promise, and far within what time.Time can add).
const MaxUnit = 10000

// Span is a calendar span: years, months, days and hours.
type Span struct {
	Years, Months, Days, Hours int
}

// units in the order a span is written.
var units = []byte{'y', 'm', 'd', 'h'}

// Parse reads a span such as "11d" or "1y2m3d4h" (see the package rules).
// The empty string is the zero span.
func Parse(s string) (Span, error) {
	var sp Span
	if s == "" {
		return sp, nil
	}
	rest, next := s, 0
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return Span{}, fmt.Errorf("span %q: want a whole number before each unit (y, m, d, h), as in \"11d\" or \"1y6m\"", s)
		}
		if i == len(rest) {
			return Span{}, fmt.Errorf("span %q: the number %s has no unit: add y (years), m (months), d (days) or h (hours)", s, rest)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > MaxUnit {
			return Span{}, fmt.Errorf("span %q: %s is more than %d", s, rest[:i], MaxUnit)
		}
		u := rest[i]
		at := strings.IndexByte(string(units), u)
		switch {
		case at < 0:
			return Span{}, fmt.Errorf("span %q: %q is not a unit: want y (years), m (months), d (days) or h (hours)", s, string(u))
		case at < next:
			return Span{}, fmt.Errorf("span %q: units must come once each, in the order y, m, d, h", s)
		}
		next = at + 1
		switch u {
		case 'y':
			sp.Years = n
		case 'm':
			sp.Months = n
		case 'd':
			sp.Days = n
		case 'h':
			sp.Hours = n
		}
		rest = rest[i+1:]
	}
	if sp.IsZero() {
		return Span{}, fmt.Errorf("span %q: is zero: leave it out (or empty) to set no span", s)
	}
	return sp, nil
}

// MustParse is Parse for spans known to be valid, such as constants in
// tests; it panics on an error.
func MustParse(s string) Span {
	sp, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// IsZero reports whether every unit is 0.
func (s Span) IsZero() bool { return s == Span{} }

// String writes the span as Parse reads it ("1y2m3d4h"); the zero span is
// "".
func (s Span) String() string {
	var b strings.Builder
	for _, p := range []struct {
		n int
		u string
	}{{s.Years, "y"}, {s.Months, "m"}, {s.Days, "d"}, {s.Hours, "h"}} {
		if p.n != 0 {
			b.WriteString(strconv.Itoa(p.n) + p.u)
		}
	}
	return b.String()
}

// Before returns the instant the span reaches back to from t, counted on
// loc's calendar (nil: UTC).
func (s Span) Before(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).AddDate(-s.Years, -s.Months, -s.Days).Add(-time.Duration(s.Hours) * time.Hour)
}

// After returns the instant the span reaches forward to from t, counted on
// loc's calendar (nil: UTC).
func (s Span) After(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).AddDate(s.Years, s.Months, s.Days).Add(time.Duration(s.Hours) * time.Hour)
}

// Japanese writes the span in Japanese, e.g. "11日" or "1年6か月".
func (s Span) Japanese() string {
	var b strings.Builder
	for _, p := range []struct {
		n int
		u string
	}{{s.Years, "年"}, {s.Months, "か月"}, {s.Days, "日"}, {s.Hours, "時間"}} {
		if p.n != 0 {
			b.WriteString(strconv.Itoa(p.n) + p.u)
		}
	}
	return b.String()
}
