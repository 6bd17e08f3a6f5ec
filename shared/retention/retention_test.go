package retention_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/retention"
	"github.com/pledge-dev/pledge/shared/span"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// snap makes a snapshot from "id@RFC3339".
func snap(t testing.TB, s string) retention.Snapshot {
	t.Helper()
	id, at, ok := strings.Cut(s, "@")
	if !ok {
		t.Fatalf("bad fixture %q: want id@time", s)
	}
	tm, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatalf("bad fixture %q: %v", s, err)
	}
	return retention.Snapshot{ID: id, Created: tm}
}

func snaps(t testing.TB, ss ...string) []retention.Snapshot {
	t.Helper()
	out := make([]retention.Snapshot, len(ss))
	for i, s := range ss {
		out[i] = snap(t, s)
	}
	return out
}

// dailyAt3 makes snapshots "dNN" at 03:00 JST on November NN of 2026, for
// the days first to last except those skipped.
func dailyAt3(t testing.TB, first, last int, skip ...int) []string {
	t.Helper()
	var out []string
	for d := first; d <= last; d++ {
		if !slices.Contains(skip, d) {
			out = append(out, fmt.Sprintf("d%02d@2026-11-%02dT03:00:00+09:00", d, d))
		}
	}
	return out
}

// render writes a plan as "id: reason, reason" lines for kept snapshots and
// "id" for deleted ones, so tables can state whole plans.
func render(p retention.Plan) (keep []string, del []string) {
	for _, k := range p.Keep {
		rs := make([]string, len(k.Reasons))
		for i, r := range k.Reasons {
			rs[i] = r.String()
		}
		keep = append(keep, k.ID+": "+strings.Join(rs, ", "))
	}
	for _, d := range p.Delete {
		del = append(del, d.ID)
	}
	return keep, del
}

func TestApply_Plans(t *testing.T) {
	tests := []struct {
		name   string
		zone   string
		policy retention.Policy
		snaps  []string
		keep   []string
		delete []string
	}{
		{
			name:   "keep last",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Last: 2},
			snaps:  []string{"a@2026-11-21T01:00:00Z", "c@2026-11-21T03:00:00Z", "b@2026-11-21T02:00:00Z"},
			keep:   []string{"c: last snapshot #1", "b: last snapshot #2"},
			delete: []string{"a"},
		},
		{
			name:   "newest of each hour",
			zone:   "UTC",
			policy: retention.Policy{Hourly: 2},
			snaps:  []string{"a@2026-11-21T09:10:00Z", "b@2026-11-21T09:50:00Z", "c@2026-11-21T10:05:00Z", "d@2026-11-21T10:40:00Z"},
			keep:   []string{"d: hourly snapshot 2026-11-21T10:00Z", "b: hourly snapshot 2026-11-21T09:00Z"},
			delete: []string{"c", "a"},
		},
		{
			name:   "gaps do not use up a tier",
			zone:   "UTC",
			policy: retention.Policy{Daily: 3},
			snaps:  []string{"d1@2026-11-01T12:00:00Z", "d5@2026-11-05T12:00:00Z", "d9@2026-11-09T12:00:00Z", "d10@2026-11-10T12:00:00Z"},
			keep:   []string{"d10: daily snapshot 2026-11-10", "d9: daily snapshot 2026-11-09", "d5: daily snapshot 2026-11-05"},
			delete: []string{"d1"},
		},
		{
			name:   "a JST day is not a UTC day (Tokyo)",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Daily: 2},
			// 23:00 JST on the 20th, 01:00 JST on the 21st: two JST days, one UTC day.
			snaps:  []string{"late@2026-11-20T14:00:00Z", "early@2026-11-20T16:00:00Z"},
			keep:   []string{"early: daily snapshot 2026-11-21", "late: daily snapshot 2026-11-20"},
			delete: nil,
		},
		{
			name:   "a JST day is not a UTC day (UTC)",
			zone:   "UTC",
			policy: retention.Policy{Daily: 2},
			snaps:  []string{"late@2026-11-20T14:00:00Z", "early@2026-11-20T16:00:00Z"},
			keep:   []string{"early: daily snapshot 2026-11-20"},
			delete: []string{"late"},
		},
		{
			name:   "several tiers keep one snapshot and each counts it",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Last: 1, Hourly: 2, Daily: 2, Weekly: 1, Monthly: 1, Yearly: 1},
			snaps: []string{
				"h1@2026-11-21T10:30:00+09:00", "h2@2026-11-21T09:30:00+09:00", "h3@2026-11-21T08:30:00+09:00",
				"y1@2026-11-20T23:30:00+09:00",
			},
			keep: []string{
				"h1: last snapshot #1, hourly snapshot 2026-11-21T10:00+09:00, daily snapshot 2026-11-21, weekly snapshot 2026-W47, monthly snapshot 2026-11, yearly snapshot 2026",
				"h2: hourly snapshot 2026-11-21T09:00+09:00",
				"y1: daily snapshot 2026-11-20",
			},
			delete: []string{"h3"},
		},
		{
			name:   "ISO week 53 of 2026 spans the new year",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Weekly: 2, Monthly: 2, Yearly: 2},
			snaps: []string{
				"w52@2026-12-27T12:00:00+09:00", // Sunday, 2026-W52
				"dec@2026-12-29T12:00:00+09:00", // Tuesday, 2026-W53
				"jan@2027-01-02T12:00:00+09:00", // Saturday, still 2026-W53
			},
			keep: []string{
				"jan: weekly snapshot 2026-W53, monthly snapshot 2027-01, yearly snapshot 2027",
				"dec: monthly snapshot 2026-12, yearly snapshot 2026",
				"w52: weekly snapshot 2026-W52",
			},
		},
		{
			name:   "ISO week 53 of 2020 ends on 3 January 2021",
			zone:   "UTC",
			policy: retention.Policy{Weekly: -1},
			snaps: []string{
				"w53a@2020-12-28T00:00:00Z", "w53b@2021-01-03T23:59:59Z", "w01@2021-01-04T00:00:00Z", "w52@2020-12-27T23:59:59Z",
			},
			keep: []string{
				"w01: weekly snapshot 2021-W01",
				"w53b: weekly snapshot 2020-W53",
				"w52: weekly snapshot 2020-W52",
			},
			delete: []string{"w53a"},
		},
		{
			name:   "the year turns in the zone, not in UTC",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Yearly: -1},
			// 2026-12-31T15:30Z is 00:30 on 1 January 2027 in Tokyo.
			snaps:  []string{"new@2026-12-31T15:30:00Z", "old@2026-12-31T14:30:00Z"},
			keep:   []string{"new: yearly snapshot 2027", "old: yearly snapshot 2026"},
			delete: nil,
		},
		{
			name:   "New York fall-back: the repeated 01:00 hour is two hours",
			zone:   "America/New_York",
			policy: retention.Policy{Hourly: -1},
			snaps: []string{
				"e0000@2026-11-01T04:00:00Z", "e0030@2026-11-01T04:30:00Z", // 00:00, 00:30 EDT
				"e0100@2026-11-01T05:00:00Z", "e0130@2026-11-01T05:30:00Z", // 01:00, 01:30 EDT
				"s0100@2026-11-01T06:00:00Z", "s0130@2026-11-01T06:30:00Z", // 01:00, 01:30 EST
				"s0200@2026-11-01T07:00:00Z", "s0230@2026-11-01T07:30:00Z", // 02:00, 02:30 EST
			},
			keep: []string{
				"s0230: hourly snapshot 2026-11-01T02:00-05:00",
				"s0130: hourly snapshot 2026-11-01T01:00-05:00",
				"e0130: hourly snapshot 2026-11-01T01:00-04:00",
				"e0030: hourly snapshot 2026-11-01T00:00-04:00",
			},
			delete: []string{"s0200", "s0100", "e0100", "e0000"},
		},
		{
			name:   "New York spring-forward: 01:59 EST and 03:00 EDT are next hours",
			zone:   "America/New_York",
			policy: retention.Policy{Hourly: -1},
			snaps: []string{
				"a@2026-03-08T06:30:00Z", // 01:30 EST
				"b@2026-03-08T06:59:00Z", // 01:59 EST
				"c@2026-03-08T07:00:00Z", // 03:00 EDT
				"d@2026-03-08T07:59:00Z", // 03:59 EDT
				"e@2026-03-08T08:00:00Z", // 04:00 EDT
			},
			keep: []string{
				"e: hourly snapshot 2026-03-08T04:00-04:00",
				"d: hourly snapshot 2026-03-08T03:00-04:00",
				"b: hourly snapshot 2026-03-08T01:00-05:00",
			},
			delete: []string{"c", "a"},
		},
		{
			name:   "New York's 23-hour day is one day",
			zone:   "America/New_York",
			policy: retention.Policy{Daily: -1},
			snaps: []string{
				"start@2026-03-08T05:00:00Z", // 00:00 EST on the 8th
				"end@2026-03-09T03:59:00Z",   // 23:59 EDT on the 8th
				"next@2026-03-09T04:00:00Z",  // 00:00 EDT on the 9th
			},
			keep:   []string{"next: daily snapshot 2026-03-09", "end: daily snapshot 2026-03-08"},
			delete: []string{"start"},
		},
		{
			name:   "Berlin fall-back: 02:00 CEST and 02:00 CET are two hours",
			zone:   "Europe/Berlin",
			policy: retention.Policy{Hourly: 3},
			snaps: []string{
				"cest@2026-10-25T00:15:00Z", // 02:15 CEST
				"cet@2026-10-25T01:15:00Z",  // 02:15 CET
				"three@2026-10-25T02:15:00Z",
				"one@2026-10-24T23:15:00Z", // 01:15 CEST
			},
			keep: []string{
				"three: hourly snapshot 2026-10-25T03:00+01:00",
				"cet: hourly snapshot 2026-10-25T02:00+01:00",
				"cest: hourly snapshot 2026-10-25T02:00+02:00",
			},
			delete: []string{"one"},
		},
		{
			name:   "hours of a half-hour zone start at local :00",
			zone:   "Asia/Kolkata",
			policy: retention.Policy{Hourly: -1},
			// 04:29Z is 09:59 IST, 04:31Z is 10:01 IST: one UTC hour, two local hours.
			snaps:  []string{"a@2026-11-21T04:29:00Z", "b@2026-11-21T04:31:00Z"},
			keep:   []string{"b: hourly snapshot 2026-11-21T10:00+05:30", "a: hourly snapshot 2026-11-21T09:00+05:30"},
			delete: nil,
		},
		{
			name:   "equal times: the smaller id counts as the newer",
			zone:   "UTC",
			policy: retention.Policy{Last: 1, Daily: 1},
			snaps:  []string{"c@2026-11-21T10:00:00Z", "a@2026-11-21T10:00:00Z", "b@2026-11-21T10:00:00Z"},
			keep:   []string{"a: last snapshot #1, daily snapshot 2026-11-21"},
			delete: []string{"b", "c"},
		},
		{
			name:   "before 1970 and far ahead",
			zone:   "UTC",
			policy: retention.Policy{Monthly: -1},
			snaps:  []string{"a@1969-12-31T23:59:59Z", "b@1969-12-01T00:00:00Z", "c@1900-02-28T12:00:00Z", "d@2400-02-29T12:00:00Z"},
			keep:   []string{"d: monthly snapshot 2400-02", "a: monthly snapshot 1969-12", "c: monthly snapshot 1900-02"},
			delete: []string{"b"},
		},
		{
			// Operator 004's promise, "daily, kept 11 days": with a day
			// missed, the within tier keeps 10 snapshots (each stays 11
			// days), where a count of 11 days would keep the 9th a day
			// longer. The cut is strict, as restic's: the snapshot made
			// exactly 11 days before the newest is not within.
			name:   "daily within 11d: a missed day does not stretch retention",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{WithinDaily: span.MustParse("11d")},
			snaps:  dailyAt3(t, 1, 20, 15),
			keep: []string{
				"d20: daily within 11d snapshot 2026-11-20", "d19: daily within 11d snapshot 2026-11-19",
				"d18: daily within 11d snapshot 2026-11-18", "d17: daily within 11d snapshot 2026-11-17",
				"d16: daily within 11d snapshot 2026-11-16", "d14: daily within 11d snapshot 2026-11-14",
				"d13: daily within 11d snapshot 2026-11-13", "d12: daily within 11d snapshot 2026-11-12",
				"d11: daily within 11d snapshot 2026-11-11", "d10: daily within 11d snapshot 2026-11-10",
			},
			delete: []string{"d09", "d08", "d07", "d06", "d05", "d04", "d03", "d02", "d01"},
		},
		{
			name:   "daily 11 over the same days keeps the 9th too",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{Daily: 11},
			snaps:  dailyAt3(t, 1, 20, 15),
			keep: []string{
				"d20: daily snapshot 2026-11-20", "d19: daily snapshot 2026-11-19", "d18: daily snapshot 2026-11-18",
				"d17: daily snapshot 2026-11-17", "d16: daily snapshot 2026-11-16", "d14: daily snapshot 2026-11-14",
				"d13: daily snapshot 2026-11-13", "d12: daily snapshot 2026-11-12", "d11: daily snapshot 2026-11-11",
				"d10: daily snapshot 2026-11-10", "d09: daily snapshot 2026-11-09",
			},
			delete: []string{"d08", "d07", "d06", "d05", "d04", "d03", "d02", "d01"},
		},
		{
			name:   "within keeps every snapshot in the span, several an hour",
			zone:   "UTC",
			policy: retention.Policy{Within: span.MustParse("2h")},
			snaps:  []string{"a@2026-11-21T10:00:00Z", "b@2026-11-21T09:45:00Z", "c@2026-11-21T09:15:00Z", "d@2026-11-21T08:00:01Z", "e@2026-11-21T08:00:00Z"},
			keep:   []string{"a: within 2h snapshot #1", "b: within 2h snapshot #2", "c: within 2h snapshot #3", "d: within 2h snapshot #4"},
			delete: []string{"e"},
		},
		{
			name:   "counted and within tiers each keep and count",
			zone:   "UTC",
			policy: retention.Policy{Last: 1, WithinDaily: span.MustParse("2d"), WithinWeekly: span.MustParse("1m")},
			snaps: []string{
				"mon@2026-11-23T12:00:00Z", "sun@2026-11-22T12:00:00Z", "sat@2026-11-21T12:00:00Z",
				"prevsun@2026-11-15T12:00:00Z", "old@2026-10-18T12:00:00Z",
			},
			keep: []string{
				"mon: last snapshot #1, daily within 2d snapshot 2026-11-23, weekly within 1m snapshot 2026-W48",
				"sun: daily within 2d snapshot 2026-11-22, weekly within 1m snapshot 2026-W47",
				"prevsun: weekly within 1m snapshot 2026-W46",
			},
			delete: []string{"sat", "old"},
		},
		{
			// A month back from 31 March 2027 is "31 February", 3 March
			// after normalising (Go's AddDate, as restic computes it).
			name:   "the span reaches back on the calendar",
			zone:   "Asia/Tokyo",
			policy: retention.Policy{WithinDaily: span.MustParse("1m")},
			snaps:  []string{"new@2027-03-31T00:00:00+09:00", "in@2027-03-03T00:00:01+09:00", "cut@2027-03-03T00:00:00+09:00"},
			keep:   []string{"new: daily within 1m snapshot 2027-03-31", "in: daily within 1m snapshot 2027-03-03"},
			delete: []string{"cut"},
		},
		{
			name:   "no snapshots",
			zone:   "UTC",
			policy: retention.Policy{Daily: 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := snaps(t, tt.snaps...)
			before := slices.Clone(in)
			p, err := retention.Apply(in, tt.policy, zone(t, tt.zone))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			keep, del := render(p)
			if !slices.Equal(keep, tt.keep) {
				t.Errorf("keep:\n got %q\nwant %q", keep, tt.keep)
			}
			if !slices.Equal(del, tt.delete) {
				t.Errorf("delete:\n got %q\nwant %q", del, tt.delete)
			}
			if !slices.Equal(in, before) {
				t.Errorf("Apply changed its input: %v, was %v", in, before)
			}
		})
	}
}

func TestApply_InputOrderDoesNotMatter(t *testing.T) {
	base := snaps(t,
		"c@2026-11-21T10:00:00Z", "a@2026-11-21T10:00:00Z", "b@2026-11-21T10:00:00Z",
		"d@2026-11-20T10:00:00Z", "e@2026-11-20T11:00:00Z", "f@2026-11-13T10:00:00Z",
	)
	policy := retention.Policy{Last: 2, Daily: 2, Weekly: 2}
	want, err := retention.Apply(base, policy, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		in := slices.Clone(base)
		rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		got, err := retention.Apply(in, policy, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		gk, gd := render(got)
		wk, wd := render(want)
		if !slices.Equal(gk, wk) || !slices.Equal(gd, wd) {
			t.Fatalf("input order %v changed the plan:\n got %q %q\nwant %q %q", in, gk, gd, wk, wd)
		}
	}
}

func TestApply_ReasonsCarryRankAndStart(t *testing.T) {
	loc := zone(t, "Asia/Tokyo")
	in := snaps(t, "a@2026-11-21T10:30:00+09:00", "b@2026-11-20T08:00:00+09:00")
	p, err := retention.Apply(in, retention.Policy{Daily: 2, Weekly: 1}, loc)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.Keep), 2; got != want {
		t.Fatalf("kept %d, want %d", got, want)
	}
	r := p.Keep[1].Reasons[0]
	if got, want := r.Tier, retention.TierDaily; got != want {
		t.Errorf("tier %v, want %v", got, want)
	}
	if got, want := r.Rank, 2; got != want {
		t.Errorf("rank %d, want %d", got, want)
	}
	if got, want := r.Start, time.Date(2026, 11, 20, 0, 0, 0, 0, loc); !got.Equal(want) || got.Location() != loc {
		t.Errorf("start %v, want %v", got, want)
	}
	w := p.Keep[0].Reasons[1]
	if got, want := w.Start, time.Date(2026, 11, 16, 0, 0, 0, 0, loc); w.Tier != retention.TierWeekly || !got.Equal(want) {
		t.Errorf("weekly reason %+v, want start %v (the Monday)", w, want)
	}
}

func TestPolicy_Validate(t *testing.T) {
	tests := []struct {
		name   string
		policy retention.Policy
		want   string
	}{
		{"valid", retention.Policy{Hourly: 24, Daily: 7, Weekly: 4}, ""},
		{"unlimited", retention.Policy{Yearly: -1}, ""},
		{"negative", retention.Policy{Daily: -2, Hourly: 1}, `keep.daily: -2 is not valid: want -1 (unlimited), 0 (tier off) or a positive count`},
		{"two bad", retention.Policy{Last: -3, Yearly: -9}, "keep.last: -3 is not valid: want -1 (unlimited), 0 (tier off) or a positive count\nkeep.yearly: -9 is not valid: want -1 (unlimited), 0 (tier off) or a positive count"},
		{"empty", retention.Policy{}, `keep: "all tiers 0" is not valid: want at least one non-zero tier (an empty policy would keep nothing)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
			if err != nil {
				var fe config.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("error %v holds no config.FieldError", err)
				}
			}
		})
	}
}

func TestApply_RefusesEmptyPolicyAndNilZone(t *testing.T) {
	in := snaps(t, "a@2026-11-21T10:00:00Z")
	if _, err := retention.Apply(in, retention.Policy{}, time.UTC); err == nil || !strings.Contains(err.Error(), "all tiers 0") {
		t.Errorf("empty policy: err = %v, want an error naming all tiers 0", err)
	}
	if _, err := retention.Apply(in, retention.Policy{Daily: -5}, time.UTC); err == nil || !strings.Contains(err.Error(), "keep.daily: -5") {
		t.Errorf("bad policy: err = %v, want keep.daily: -5", err)
	}
	if _, err := retention.Apply(in, retention.Policy{Daily: 1}, nil); err == nil || !strings.Contains(err.Error(), "time zone") {
		t.Errorf("nil zone: err = %v, want an error naming the time zone", err)
	}
}

func TestPolicyFromKeep(t *testing.T) {
	k := config.Keep{Last: 1, Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: -1,
		Within: "2h", WithinHourly: "1d", WithinDaily: "11d", WithinWeekly: "1m", WithinMonthly: "1y", WithinYearly: "75y"}
	got, err := retention.PolicyFromKeep(k)
	want := retention.Policy{Last: 1, Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: -1,
		Within: span.Span{Hours: 2}, WithinHourly: span.Span{Days: 1}, WithinDaily: span.Span{Days: 11},
		WithinWeekly: span.Span{Months: 1}, WithinMonthly: span.Span{Years: 1}, WithinYearly: span.Span{Years: 75}}
	if err != nil || got != want {
		t.Errorf("PolicyFromKeep(%+v) = %+v, %v; want %+v", k, got, err, want)
	}
	_, err = retention.PolicyFromKeep(config.Keep{WithinDaily: "11 days", WithinHourly: "1w"})
	for _, field := range []string{"keep.withinDaily", "keep.withinHourly"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("bad spans: err = %v, want one naming %s", err, field)
		}
	}
}

func TestPolicy_String(t *testing.T) {
	if got, want := (retention.Policy{Hourly: 24, Daily: 7, Yearly: -1}).String(), "24 hourly, 7 daily, all yearly"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (retention.Policy{Last: 3, Within: span.MustParse("2h"), WithinDaily: span.MustParse("11d")}).String(), "3 last, within 2h, daily within 11d"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func ExampleApply() {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	var snaps []retention.Snapshot
	start := time.Date(2026, 11, 19, 0, 0, 0, 0, tokyo)
	for h := range 72 { // three days of hourly snapshots
		at := start.Add(time.Duration(h) * time.Hour)
		snaps = append(snaps, retention.Snapshot{ID: at.Format("snap-0102-15"), Created: at})
	}
	plan, err := retention.Apply(snaps, retention.Policy{Hourly: 2, Daily: 3}, tokyo)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range plan.Keep {
		fmt.Println(k.ID, k.Reasons)
	}
	fmt.Println(len(plan.Delete), "to delete")
	// Output:
	// snap-1121-23 [hourly snapshot 2026-11-21T23:00+09:00 daily snapshot 2026-11-21]
	// snap-1121-22 [hourly snapshot 2026-11-21T22:00+09:00]
	// snap-1120-23 [daily snapshot 2026-11-20]
	// snap-1119-23 [daily snapshot 2026-11-19]
	// 68 to delete
}
