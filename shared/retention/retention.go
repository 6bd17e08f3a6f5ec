package retention

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/span"
)

// Snapshot is one snapshot the planner chooses about: an id and the instant
// it was created.
type Snapshot struct {
	// ID identifies the snapshot, e.g. an RDS DB snapshot identifier.
	ID string
	// Created is when the snapshot was taken.
	Created time.Time
}

// Tier is one of a policy's twelve tiers: six that keep a number of periods
// (TierLast to TierYearly) and six that keep the periods within a span of
// the newest snapshot (TierWithin to TierWithinYearly).
type Tier int

// The tiers, in the order a kept snapshot's reasons list them.
const (
	TierLast Tier = iota
	TierHourly
	TierDaily
	TierWeekly
	TierMonthly
	TierYearly
	TierWithin
	TierWithinHourly
	TierWithinDaily
	TierWithinWeekly
	TierWithinMonthly
	TierWithinYearly
)

// tiers is the number of tiers.
const tiers = int(TierWithinYearly) + 1

var tierNames = [tiers]string{"last", "hourly", "daily", "weekly", "monthly", "yearly",
	"within", "withinHourly", "withinDaily", "withinWeekly", "withinMonthly", "withinYearly"}

// String returns the tier's name as the configuration spells it: "last",
// "hourly", "daily", "weekly", "monthly", "yearly", "within",
// "withinHourly", "withinDaily", "withinWeekly", "withinMonthly" or
// "withinYearly".
func (t Tier) String() string {
	if t < 0 || int(t) >= len(tierNames) {
		return "tier(" + strconv.Itoa(int(t)) + ")"
	}
	return tierNames[t]
}

// IsWithin reports whether t keeps the periods within a span of the newest
// snapshot rather than a number of periods.
func (t Tier) IsWithin() bool { return t >= TierWithin && t <= TierWithinYearly }

// Periods returns the counted tier whose periods t cuts time into:
// TierWithinDaily cuts days as TierDaily does, TierWithin makes every
// snapshot its own period as TierLast does. A counted tier is its own.
func (t Tier) Periods() Tier {
	if t.IsWithin() {
		return t - TierWithin
	}
	return t
}

// Policy is what each tier keeps. A counted tier (Last to Yearly) keeps
// the newest snapshot of each of the N most recent periods that have one:
// -1 means unlimited, 0 turns the tier off. A within tier (Within to
// WithinYearly, restic's --keep-within-*) keeps the newest snapshot of each
// period among the snapshots made within the span before the newest
// snapshot (Within: every such snapshot); the zero span turns it off.
type Policy struct {
	Last    int
	Hourly  int
	Daily   int
	Weekly  int
	Monthly int
	Yearly  int

	Within        span.Span
	WithinHourly  span.Span
	WithinDaily   span.Span
	WithinWeekly  span.Span
	WithinMonthly span.Span
	WithinYearly  span.Span
}

// PolicyFromKeep returns the policy that a configuration's keep section
// describes. A within tier that is not a span is an error naming the field
// ("keep.withinDaily"); configuration validation refuses it first.
func PolicyFromKeep(k config.Keep) (Policy, error) {
	p := Policy{Last: k.Last, Hourly: k.Hourly, Daily: k.Daily, Weekly: k.Weekly, Monthly: k.Monthly, Yearly: k.Yearly}
	var errs []error
	for _, w := range []struct {
		tier Tier
		text string
		to   *span.Span
	}{
		{TierWithin, k.Within, &p.Within}, {TierWithinHourly, k.WithinHourly, &p.WithinHourly}, {TierWithinDaily, k.WithinDaily, &p.WithinDaily},
		{TierWithinWeekly, k.WithinWeekly, &p.WithinWeekly}, {TierWithinMonthly, k.WithinMonthly, &p.WithinMonthly}, {TierWithinYearly, k.WithinYearly, &p.WithinYearly},
	} {
		sp, err := span.Parse(w.text)
		if err != nil {
			errs = append(errs, config.FieldError{Field: "keep." + w.tier.String(), Value: w.text, Want: `a span such as "11d" or "1y6m" (` + err.Error() + ")"})
			continue
		}
		*w.to = sp
	}
	return p, errors.Join(errs...)
}

// Count returns the count of a counted tier t, or 0 for a within tier or
// an unknown one.
func (p Policy) Count(t Tier) int {
	if t >= 0 && t < TierWithin {
		return p.counts()[t]
	}
	return 0
}

// Span returns the span of a within tier t, or the zero span for a counted
// tier or an unknown one.
func (p Policy) Span(t Tier) span.Span {
	if t.IsWithin() {
		return p.spans()[t-TierWithin]
	}
	return span.Span{}
}

func (p Policy) counts() [6]int {
	return [6]int{p.Last, p.Hourly, p.Daily, p.Weekly, p.Monthly, p.Yearly}
}

func (p Policy) spans() [6]span.Span {
	return [6]span.Span{p.Within, p.WithinHourly, p.WithinDaily, p.WithinWeekly, p.WithinMonthly, p.WithinYearly}
}

// Validate reports every count below -1, every span with a negative unit,
// and a policy whose tiers are all off, naming the field ("keep.daily"),
// the bad value and what would be valid. The errors are config.FieldError
// values joined with errors.Join.
func (p Policy) Validate() error {
	var errs []error
	nonZero := false
	for t, n := range p.counts() {
		if n < -1 {
			errs = append(errs, config.FieldError{Field: "keep." + Tier(t).String(), Value: n, Want: "-1 (unlimited), 0 (tier off) or a positive count"})
		}
		nonZero = nonZero || n != 0
	}
	for i, sp := range p.spans() {
		if sp.Years < 0 || sp.Months < 0 || sp.Days < 0 || sp.Hours < 0 {
			errs = append(errs, config.FieldError{Field: "keep." + (TierWithin + Tier(i)).String(), Value: fmt.Sprintf("%+v", sp), Want: "a span without negative units"})
		}
		nonZero = nonZero || !sp.IsZero()
	}
	if !nonZero {
		errs = append(errs, config.FieldError{Field: "keep", Value: "all tiers 0", Want: "at least one non-zero tier (an empty policy would keep nothing)"})
	}
	return errors.Join(errs...)
}

// String describes the policy for logs, e.g. "24 hourly, 7 daily, all
// yearly, daily within 11d".
func (p Policy) String() string {
	var parts []string
	for t, n := range p.counts() {
		switch {
		case n == -1:
			parts = append(parts, "all "+Tier(t).String())
		case n != 0:
			parts = append(parts, strconv.Itoa(n)+" "+Tier(t).String())
		}
	}
	for i, sp := range p.spans() {
		if !sp.IsZero() {
			parts = append(parts, withinWords(TierWithin+Tier(i), sp))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// withinWords is restic's wording of a within tier: "within 11d",
// "daily within 11d".
func withinWords(t Tier, sp span.Span) string {
	if t == TierWithin {
		return "within " + sp.String()
	}
	return t.Periods().String() + " within " + sp.String()
}

// Reason is why a snapshot is kept: it is the newest snapshot of a period of
// one tier.
type Reason struct {
	// Tier is the tier that keeps the snapshot.
	Tier Tier
	// Rank counts the tier's periods from the newest: 1 is the most recent
	// period that has a snapshot. For TierLast and TierWithin, 1 is the
	// newest snapshot.
	Rank int
	// Start is when the period begins, in the plan's zone: the start of the
	// hour, day, ISO week (Monday), month or year. For TierLast and
	// TierWithin it is the snapshot's own creation time.
	Start time.Time
	// Within is the span of a within tier; zero for a counted tier.
	Within span.Span
}

// Period names the period the reason stands for, in the plan's zone:
// "2026-11-21T10:00+09:00" (hour), "2026-11-21" (day), "2026-W47" (ISO week),
// "2026-11" (month), "2026" (year), or "#1" (the rank, for TierLast and
// TierWithin).
func (r Reason) Period() string {
	switch r.Tier.Periods() {
	case TierLast:
		return "#" + strconv.Itoa(r.Rank)
	case TierHourly:
		return r.Start.Format("2006-01-02T15:04Z07:00")
	case TierDaily:
		return r.Start.Format("2006-01-02")
	case TierWeekly:
		y, w := r.Start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case TierMonthly:
		return r.Start.Format("2006-01")
	case TierYearly:
		return r.Start.Format("2006")
	}
	return ""
}

// String returns restic's wording followed by the period, e.g.
// "last snapshot #1", "daily snapshot 2026-11-21" or, for a within tier,
// "daily within 11d snapshot 2026-11-21".
func (r Reason) String() string {
	if r.Tier.IsWithin() {
		return withinWords(r.Tier, r.Within) + " snapshot " + r.Period()
	}
	return r.Tier.String() + " snapshot " + r.Period()
}

// Kept is a snapshot the plan keeps, with every reason to keep it, in tier
// order (last, hourly, daily, weekly, monthly, yearly).
type Kept struct {
	Snapshot
	Reasons []Reason
}

// Plan is the outcome of a policy: what to keep and what to delete, both
// newest first. Every input snapshot is in exactly one of the two.
type Plan struct {
	Keep   []Kept
	Delete []Snapshot
}

// Apply plans which of snaps the policy p keeps, cutting periods in loc. It
// does not change snaps. It returns an error, and no plan, when the policy
// is invalid (see Policy.Validate), including when every tier is off, or
// when loc is nil.
//
// The within tiers reach back from the newest snapshot of snaps, counting
// the span on loc's calendar; a snapshot is within when it was made after
// that instant. (restic leaves out snapshots dated after its own clock when
// it looks for the newest; Apply reads no clock, so the caller passes only
// snapshots it has seen made.)
func Apply(snaps []Snapshot, p Policy, loc *time.Location) (Plan, error) {
	if err := p.Validate(); err != nil {
		return Plan{}, fmt.Errorf("plan retention: %w", err)
	}
	if loc == nil {
		return Plan{}, errors.New("plan retention: no time zone given")
	}

	order, dir := newestFirst(snaps)

	type tier struct {
		left int   // periods still to keep; -1: unlimited
		last int64 // key of the last period kept
		rank int
		used bool
		// within tiers: only snapshots made after cut are kept.
		within bool
		cut    time.Time
	}
	var (
		tiersOf [tiers]tier
		active  []int // the tiers that are on, in tier order
	)
	n := len(snaps)
	at := func(i int) int {
		switch {
		case order != nil:
			return int(order[i].idx)
		case dir < 0:
			return n - 1 - i
		}
		return i
	}
	for t := range tiers {
		tr := &tiersOf[t]
		switch {
		case Tier(t).IsWithin():
			sp := p.Span(Tier(t))
			if sp.IsZero() {
				continue
			}
			tr.left, tr.within = -1, true
			if n > 0 {
				tr.cut = sp.Before(snaps[at(0)].Created, loc)
			}
		default:
			tr.left = p.Count(Tier(t))
			if tr.left == 0 {
				continue
			}
		}
		active = append(active, t)
	}
	dates := p.Monthly != 0 || p.Yearly != 0 || !p.WithinMonthly.IsZero() || !p.WithinYearly.IsZero()

	var (
		z       zoneCache
		civ     civilCache
		keys    [6]int64
		reasons []Reason
		ends    []int // reasons[ends[i-1]:ends[i]] are the reasons of keep[i]
		keep    []Kept
		deleted = make([]Snapshot, 0, len(snaps))
	)
	z.loc = loc
	open := len(active) // tiers with periods left to keep
	for i := range n {
		if open == 0 {
			// Every tier is used up: the rest is deleted.
			for ; i < n; i++ {
				deleted = append(deleted, snaps[at(i)])
			}
			break
		}
		s := snaps[at(i)]
		sec := s.Created.Unix()
		off := z.offset(s.Created, sec)
		local := sec + off
		day := floorDiv(local, secondsPerDay)
		keys[TierLast] = -int64(i) // strictly decreasing: each snapshot is its own period
		keys[TierHourly] = floorDiv(local, 3600)*3600 - off
		keys[TierDaily] = day
		keys[TierWeekly] = day - floorMod(day+3, 7) // the Monday; 1970-01-01 was a Thursday
		if dates {
			y, m, _ := civ.date(day)
			keys[TierMonthly] = y*12 + int64(m) - 1
			keys[TierYearly] = y
		}

		start := len(reasons)
		for _, t := range active {
			tr := &tiersOf[t]
			if tr.left == 0 {
				continue
			}
			if tr.within && !s.Created.After(tr.cut) {
				// Newest first: every snapshot from here on is older.
				tr.left = 0
				open--
				continue
			}
			base := Tier(t).Periods()
			k := keys[base]
			if tr.used && k >= tr.last {
				// The same period as the last one kept (or, when the zone's
				// clock stepped back, one already passed in the walk).
				continue
			}
			tr.used, tr.last = true, k
			tr.rank++
			if tr.left > 0 {
				tr.left--
				if tr.left == 0 {
					open--
				}
			}
			reasons = append(reasons, Reason{Tier: Tier(t), Rank: tr.rank, Start: periodStart(base, k, s.Created, day, &z, &civ), Within: p.Span(Tier(t))})
		}
		if len(reasons) > start {
			keep = append(keep, Kept{Snapshot: s})
			ends = append(ends, len(reasons))
		} else {
			deleted = append(deleted, s)
		}
	}
	prev := 0
	for i, end := range ends {
		keep[i].Reasons = reasons[prev:end:end]
		prev = end
	}
	return Plan{Keep: keep, Delete: deleted}, nil
}

// periodStart returns when the period with key k of tier t begins, in the
// zone; z holds the offset in effect at the snapshot, civ the date of day.
func periodStart(t Tier, k int64, created time.Time, day int64, z *zoneCache, civ *civilCache) time.Time {
	loc := z.loc
	switch t {
	case TierHourly:
		if z.hasStart && k < z.start {
			// The offset changed within the hour (e.g. Lord Howe's
			// half-hour shift): this part of the hour begins at the change.
			k = z.start
		}
		return time.Unix(k, 0).In(loc)
	case TierDaily:
		y, m, d := civ.date(day)
		return time.Date(int(y), time.Month(m), d, 0, 0, 0, 0, loc)
	case TierWeekly:
		y, m, d := civilFromDays(k)
		return time.Date(int(y), time.Month(m), d, 0, 0, 0, 0, loc)
	case TierMonthly:
		return time.Date(int(floorDiv(k, 12)), time.Month(floorMod(k, 12)+1), 1, 0, 0, 0, 0, loc)
	case TierYearly:
		return time.Date(int(k), time.January, 1, 0, 0, 0, 0, loc)
	}
	return created.In(loc)
}

// ordered is one snapshot's place in the newest-first walk.
type ordered struct {
	sec  int64
	nsec int32
	idx  int32 // a slice of 2^31 snapshots would not fit in memory anyway
}

// newer orders snapshots newest first, equal times by id, smaller first.
func newer(a, b *Snapshot) int {
	if c := b.Created.Compare(a.Created); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// newestFirst returns the walk over snaps, newest first, equal times by id
// (smaller first) and then by input position: dir 1 when snaps already are
// in that order, -1 when they are in the opposite order (listings usually
// come sorted one way or the other, and checking costs less than sorting),
// otherwise dir 0 and the order to walk.
func newestFirst(snaps []Snapshot) (order []ordered, dir int) {
	down, up := true, true // newest first, oldest first
	for i := 1; i < len(snaps) && (down || up); i++ {
		c := newer(&snaps[i-1], &snaps[i])
		down = down && c <= 0
		up = up && c >= 0
	}
	switch {
	case down:
		return nil, 1
	case up:
		return nil, -1
	}
	order = make([]ordered, len(snaps))
	for i, s := range snaps {
		order[i] = ordered{sec: s.Created.Unix(), nsec: int32(s.Created.Nanosecond()), idx: int32(i)}
	}
	slices.SortFunc(order, func(a, b ordered) int {
		if c := cmp.Compare(b.sec, a.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(b.nsec, a.nsec); c != 0 {
			return c
		}
		if c := strings.Compare(snaps[a.idx].ID, snaps[b.idx].ID); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	return order, 0
}

const secondsPerDay = 86400

// zoneCache remembers the zone offset in effect over a span of instants, so
// that walking sorted snapshots looks the zone up once per offset change.
type zoneCache struct {
	loc        *time.Location
	valid      bool
	start, end int64 // the offset holds for start <= sec < end
	hasStart   bool
	hasEnd     bool
	off        int64
}

func (z *zoneCache) offset(t time.Time, sec int64) int64 {
	if z.valid && (!z.hasStart || sec >= z.start) && (!z.hasEnd || sec < z.end) {
		return z.off
	}
	lt := t.In(z.loc)
	_, off := lt.Zone()
	start, end := lt.ZoneBounds()
	z.valid = true
	z.off = int64(off)
	z.hasStart, z.hasEnd = !start.IsZero(), !end.IsZero()
	z.start, z.end = start.Unix(), end.Unix()
	return z.off
}

// civilCache remembers the last day converted to a calendar date.
type civilCache struct {
	valid bool
	day   int64
	y     int64
	m, d  int
}

func (c *civilCache) date(day int64) (int64, int, int) {
	if !c.valid || c.day != day {
		c.y, c.m, c.d = civilFromDays(day)
		c.day, c.valid = day, true
	}
	return c.y, c.m, c.d
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (Howard Hinnant's days_from_civil, inverted).
func civilFromDays(days int64) (year int64, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // [0, 11], March first
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, int(m), int(d)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}
