package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed expression.
type Schedule struct {
	expr     string
	interval time.Duration // rate only
	cron     *cronSpec
}

// String returns the expression as written.
func (s Schedule) String() string { return s.expr }

// IsRate reports whether s is a rate(...) expression.
func (s Schedule) IsRate() bool { return s.cron == nil }

// Parse parses a rate(...) or cron(...) expression. Errors say what is wrong
// and what would be valid.
func Parse(expr string) (Schedule, error) {
	e := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(e, "rate(") && strings.HasSuffix(e, ")"):
		d, err := parseRate(e[len("rate(") : len(e)-1])
		if err != nil {
			return Schedule{}, err
		}
		return Schedule{expr: e, interval: d}, nil
	case strings.HasPrefix(e, "cron(") && strings.HasSuffix(e, ")"):
		c, err := parseCron(e[len("cron(") : len(e)-1])
		if err != nil {
			return Schedule{}, err
		}
		return Schedule{expr: e, cron: c}, nil
	}
	return Schedule{}, fmt.Errorf("%q is not a schedule: want rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year)", expr)
}

func parseRate(body string) (time.Duration, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return 0, fmt.Errorf("rate(%s): want rate(N unit), e.g. rate(1 hour)", body)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("rate(%s): %q is not a positive whole number", body, f[0])
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[f[1]]
	if unit == 0 {
		return 0, fmt.Errorf("rate(%s): unit %q is not one of minute(s), hour(s), day(s)", body, f[1])
	}
	if (n == 1) != !strings.HasSuffix(f[1], "s") {
		return 0, fmt.Errorf("rate(%s): EventBridge wants the singular unit for 1 and the plural otherwise", body)
	}
	return time.Duration(n) * unit, nil
}

// epoch anchors rate slots.
func epoch(loc *time.Location) time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, loc) }

// Slot returns the start of the slot that holds t, in loc: the latest fire
// time at or before t.
func (s Schedule) Slot(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	if s.cron == nil {
		e := epoch(loc)
		// Work in wall-clock terms for day-sized rates so that a JST "day"
		// starts at local midnight even in zones with daylight saving time.
		if s.interval%(24*time.Hour) == 0 {
			days := int(s.interval / (24 * time.Hour))
			d := int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
			d -= ((d % days) + days) % days
			return e.AddDate(0, 0, d)
		}
		n := t.Sub(e) / s.interval
		if t.Before(e) && t.Sub(e)%s.interval != 0 {
			n--
		}
		return e.Add(n * s.interval)
	}
	return s.cron.prev(t)
}

// Next returns the first fire time after t (strictly), in loc: the end of
// the slot that holds t. For a cron expression with no fire in the five
// years after t it returns the zero time.
func (s Schedule) Next(t time.Time, loc *time.Location) time.Time {
	if s.cron == nil {
		slot := s.Slot(t, loc)
		if s.interval%(24*time.Hour) == 0 {
			return slot.AddDate(0, 0, int(s.interval/(24*time.Hour)))
		}
		return slot.Add(s.interval)
	}
	return s.cron.next(t.In(loc))
}

// Interval returns the nominal time between two fires: the rate, or for a
// cron expression the gap between the two fires before t.
func (s Schedule) Interval(t time.Time, loc *time.Location) time.Duration {
	if s.cron == nil {
		return s.interval
	}
	last := s.cron.prev(t.In(loc))
	before := s.cron.prev(last.Add(-time.Minute))
	if before.IsZero() || last.IsZero() {
		return 0
	}
	return last.Sub(before)
}

type cronSpec struct {
	minutes, hours, months [64]bool
	dom, dow               [64]bool
	domAny, dowAny         bool
	years                  map[int]bool // nil: any
}

func parseCron(body string) (*cronSpec, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want six fields (minutes hours day-of-month month day-of-week year), got %d", body, len(f))
	}
	c := &cronSpec{}
	var err error
	if err = parseField(f[0], 0, 59, nil, c.minutes[:]); err != nil {
		return nil, fmt.Errorf("cron(%s): minutes: %w", body, err)
	}
	if err = parseField(f[1], 0, 23, nil, c.hours[:]); err != nil {
		return nil, fmt.Errorf("cron(%s): hours: %w", body, err)
	}
	months := map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	if err = parseField(f[3], 1, 12, months, c.months[:]); err != nil {
		return nil, fmt.Errorf("cron(%s): month: %w", body, err)
	}
	c.domAny = f[2] == "?"
	c.dowAny = f[4] == "?"
	if c.domAny == c.dowAny {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", body)
	}
	if !c.domAny {
		if err = parseField(f[2], 1, 31, nil, c.dom[:]); err != nil {
			return nil, fmt.Errorf("cron(%s): day-of-month: %w", body, err)
		}
	}
	if !c.dowAny {
		days := map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
		if err = parseField(f[4], 1, 7, days, c.dow[:]); err != nil {
			return nil, fmt.Errorf("cron(%s): day-of-week: %w", body, err)
		}
	}
	if f[5] != "*" {
		// Years 1970-2199 are mapped into the field by offset.
		set := make([]bool, 230)
		if err = parseField(f[5], 1970, 2199, nil, set); err != nil {
			return nil, fmt.Errorf("cron(%s): year: %w", body, err)
		}
		c.years = map[int]bool{}
		for i, ok := range set {
			if ok {
				c.years[i+1970] = true
			}
		}
	}
	return c, nil
}

// parseField fills set (indexed by value, or value-lo when the range does not
// fit, as for years) from one cron field.
func parseField(field string, lo, hi int, names map[string]int, set []bool) error {
	idx := func(v int) int {
		if hi >= len(set) {
			return v - lo
		}
		return v
	}
	if strings.ContainsAny(field, "LW#") && names == nil || strings.ContainsAny(field, "#") {
		return fmt.Errorf("%q: the L, W and # forms are not supported; use lists, ranges and steps", field)
	}
	for _, part := range strings.Split(field, ",") {
		step := 1
		if i := strings.Index(part, "/"); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n < 1 {
				return fmt.Errorf("%q: step %q is not a positive number", field, part[i+1:])
			}
			step = n
			part = part[:i]
		}
		from, to := lo, hi
		switch {
		case part == "*":
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			var err error
			if from, err = value(a, lo, hi, names); err != nil {
				return fmt.Errorf("%q: %w", field, err)
			}
			if to, err = value(b, lo, hi, names); err != nil {
				return fmt.Errorf("%q: %w", field, err)
			}
			if from > to {
				return fmt.Errorf("%q: range %d-%d runs backwards", field, from, to)
			}
		default:
			v, err := value(part, lo, hi, names)
			if err != nil {
				return fmt.Errorf("%q: %w", field, err)
			}
			from = v
			if step == 1 {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			set[idx(v)] = true
		}
	}
	return nil
}

func value(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

func (c *cronSpec) dayMatches(t time.Time) bool {
	if !c.months[int(t.Month())] {
		return false
	}
	if c.years != nil && !c.years[t.Year()] {
		return false
	}
	if c.domAny {
		return c.dow[int(t.Weekday())+1]
	}
	return c.dom[t.Day()]
}

// prev returns the latest fire time at or before t (in t's zone), searching
// back at most five years; the zero time when there is none.
func (c *cronSpec) prev(t time.Time) time.Time {
	loc := t.Location()
	t = t.Truncate(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	first := true
	for i := 0; i < 5*366; i++ {
		if c.dayMatches(day) {
			hStart, mStart := 23, 59
			if first {
				hStart, mStart = t.Hour(), t.Minute()
			}
			for h := hStart; h >= 0; h-- {
				if !c.hours[h] {
					continue
				}
				m0 := 59
				if first && h == hStart {
					m0 = mStart
				}
				for m := m0; m >= 0; m-- {
					if c.minutes[m] {
						cand := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
						// A wall time that does not exist (a daylight-saving
						// gap) never fires.
						if cand.Hour() == h && cand.Minute() == m && !cand.After(t) {
							return cand
						}
					}
				}
			}
		}
		first = false
		day = time.Date(day.Year(), day.Month(), day.Day()-1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

// next returns the earliest fire time after t (in t's zone), searching
// forward at most five years; the zero time when there is none.
func (c *cronSpec) next(t time.Time) time.Time {
	loc := t.Location()
	start := t.Truncate(time.Minute).Add(time.Minute)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	first := true
	for i := 0; i < 5*366; i++ {
		if c.dayMatches(day) {
			h0, m0 := 0, 0
			if first {
				h0, m0 = start.Hour(), start.Minute()
			}
			for h := h0; h < 24; h++ {
				if !c.hours[h] {
					continue
				}
				mStart := 0
				if first && h == h0 {
					mStart = m0
				}
				for m := mStart; m < 60; m++ {
					if c.minutes[m] {
						cand := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
						// A wall time that does not exist (a daylight-saving
						// gap) never fires.
						if cand.Hour() == h && cand.Minute() == m && cand.After(t) {
							return cand
						}
					}
				}
			}
		}
		first = false
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}
