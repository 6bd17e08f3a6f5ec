package retention_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/retention"
	"github.com/pledge-dev/pledge/shared/span"
)

// propertyZones are zones with whole-hour DST (New York, Berlin), none
// (Tokyo, UTC), a half-hour offset (Kolkata) and a half-hour DST shift
// (Lord Howe).
var propertyZones = []string{"UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"}

// genSnapshots makes n snapshots with unique ids: runs of regular snapshots
// (every 5 min to every 3 days) with gaps, some sharing a timestamp, over
// spans that cross DST switches and year ends.
func genSnapshots(rng *rand.Rand, n int, loc *time.Location) []retention.Snapshot {
	steps := []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}
	at := time.Date(2019+rng.IntN(9), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, 0, time.UTC)
	if _, end := at.In(loc).ZoneBounds(); !end.IsZero() && rng.IntN(2) == 0 {
		// Start a few hours before the zone's next offset change.
		at = end.Add(-time.Duration(rng.IntN(6*60)) * time.Minute)
	}
	out := make([]retention.Snapshot, 0, n)
	step := steps[rng.IntN(len(steps))]
	for i := range n {
		switch r := rng.IntN(20); {
		case r == 0:
			step = steps[rng.IntN(len(steps))]
		case r == 1:
			at = at.Add(time.Duration(rng.IntN(90*24)) * time.Hour) // a gap
		case r == 2:
			// same timestamp as the previous snapshot
		default:
			at = at.Add(step + time.Duration(rng.IntN(60))*time.Second)
		}
		out = append(out, retention.Snapshot{ID: fmt.Sprintf("s%05d", rng.IntN(100000)*10+i%10), Created: at})
	}
	// Make ids unique without making their order follow time.
	seen := map[string]bool{}
	for i := range out {
		for seen[out[i].ID] {
			out[i].ID += "x"
		}
		seen[out[i].ID] = true
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func genPolicy(rng *rand.Rand) retention.Policy {
	c := func() int {
		switch r := rng.IntN(10); {
		case r < 4:
			return 0
		case r == 4:
			return -1
		default:
			return 1 + rng.IntN(8)
		}
	}
	// A within tier is on a third of the time, with a span of hours to
	// years (restic's --keep-within-*).
	w := func() span.Span {
		switch r := rng.IntN(12); {
		case r < 8:
			return span.Span{}
		case r == 8:
			return span.Span{Hours: 1 + rng.IntN(72)}
		case r == 9:
			return span.Span{Days: 1 + rng.IntN(40)}
		case r == 10:
			return span.Span{Months: 1 + rng.IntN(14), Days: rng.IntN(3)}
		default:
			return span.Span{Years: 1 + rng.IntN(3), Hours: rng.IntN(5)}
		}
	}
	for {
		p := retention.Policy{Last: c(), Hourly: c(), Daily: c(), Weekly: c(), Monthly: c(), Yearly: c(),
			Within: w(), WithinHourly: w(), WithinDaily: w(), WithinWeekly: w(), WithinMonthly: w(), WithinYearly: w()}
		if p != (retention.Policy{}) {
			return p
		}
	}
}

// oracle plans by the definition, the slow way: for each tier, group the
// snapshots by the period's name as time.Format and time.ISOWeek spell it,
// rank the periods by their newest snapshot, and keep the newest snapshot of
// the first N. It returns, per kept id, the reasons' strings.
func oracle(in []retention.Snapshot, p retention.Policy, loc *time.Location) map[string][]string {
	sorted := slices.Clone(in)
	slices.SortStableFunc(sorted, func(a, b retention.Snapshot) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	name := func(t retention.Tier, s retention.Snapshot, i int) (key, label string) {
		lt := s.Created.In(loc)
		switch t {
		case retention.TierLast:
			return fmt.Sprint(i), fmt.Sprintf("#%d", i+1)
		case retention.TierHourly:
			// The offset tells the repeated hour of a fall-back apart.
			start := lt.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second - time.Duration(lt.Nanosecond()))
			if zs, _ := lt.ZoneBounds(); !zs.IsZero() && start.Before(zs) {
				start = zs // the hour is cut by an offset change inside it
			}
			return lt.Format("2006-01-02T15Z07:00"), start.Format("2006-01-02T15:04Z07:00")
		case retention.TierDaily:
			return lt.Format("2006-01-02"), lt.Format("2006-01-02")
		case retention.TierWeekly:
			y, w := lt.ISOWeek()
			return fmt.Sprintf("%04d-W%02d", y, w), fmt.Sprintf("%04d-W%02d", y, w)
		case retention.TierMonthly:
			return lt.Format("2006-01"), lt.Format("2006-01")
		default:
			return lt.Format("2006"), lt.Format("2006")
		}
	}
	got := map[string][]string{}
	for t := retention.TierLast; t <= retention.TierYearly; t++ {
		n := p.Count(t)
		if n == 0 {
			continue
		}
		seen := map[string]bool{}
		for i, s := range sorted {
			key, label := name(t, s, i)
			if seen[key] {
				continue
			}
			if n != -1 && len(seen) == n {
				break
			}
			seen[key] = true
			got[s.ID] = append(got[s.ID], t.String()+" snapshot "+label)
		}
	}
	// restic's --keep-within-*: among the snapshots made after the span
	// reaches back from the newest one (on the zone's calendar), the newest
	// of each period; --keep-within keeps every one of them.
	for t := retention.TierWithin; t <= retention.TierWithinYearly; t++ {
		sp := p.Span(t)
		if sp.IsZero() || len(sorted) == 0 {
			continue
		}
		latest := sorted[0].Created.In(loc)
		cut := latest.AddDate(-sp.Years, -sp.Months, -sp.Days).Add(-time.Duration(sp.Hours) * time.Hour)
		words := t.Periods().String() + " within " + sp.String()
		if t == retention.TierWithin {
			words = "within " + sp.String()
		}
		seen := map[string]bool{}
		for i, s := range sorted {
			if !s.Created.After(cut) {
				break
			}
			key, label := name(t.Periods(), s, i)
			if seen[key] {
				continue
			}
			seen[key] = true
			got[s.ID] = append(got[s.ID], words+" snapshot "+label)
		}
	}
	// Reasons in tier order: counted tiers first, then within tiers, each
	// tier's reason once per snapshot, so the order of the loops above is
	// the order of the reasons.
	return got
}

// checkPlan asserts what holds for every plan, and that the plan is the
// oracle's.
func checkPlan(t *testing.T, in []retention.Snapshot, p retention.Policy, loc *time.Location) retention.Plan {
	t.Helper()
	before := slices.Clone(in)
	plan, err := retention.Apply(in, p, loc)
	if err != nil {
		t.Fatalf("Apply(%v): %v", p, err)
	}
	if !slices.Equal(in, before) {
		t.Fatalf("Apply changed its input")
	}
	ctx := fmt.Sprintf("policy %v, zone %s, %d snapshots", p, loc, len(in))

	// keep ∪ delete = input, disjoint.
	count := map[string]int{}
	for _, s := range in {
		count[s.ID]++
	}
	var all []retention.Snapshot
	for _, k := range plan.Keep {
		all = append(all, k.Snapshot)
		if len(k.Reasons) == 0 {
			t.Errorf("%s: %s kept without a reason", ctx, k.ID)
		}
	}
	all = append(all, plan.Delete...)
	for _, s := range all {
		count[s.ID]--
	}
	for id, c := range count {
		if c != 0 {
			t.Fatalf("%s: snapshot %s appears %d times too few in keep ∪ delete", ctx, id, c)
		}
	}

	// Both lists newest first (equal times by id).
	newestFirst := func(a, b retention.Snapshot) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	kept := make([]retention.Snapshot, len(plan.Keep))
	for i, k := range plan.Keep {
		kept[i] = k.Snapshot
	}
	if !slices.IsSortedFunc(kept, newestFirst) || !slices.IsSortedFunc(plan.Delete, newestFirst) {
		t.Fatalf("%s: keep or delete not newest first", ctx)
	}

	// Never more than the sum of the tiers.
	sum, unlimited := 0, false
	for tr := retention.TierLast; tr <= retention.TierYearly; tr++ {
		if p.Count(tr) == -1 {
			unlimited = true
		}
		sum += max(p.Count(tr), 0)
	}
	for tr := retention.TierWithin; tr <= retention.TierWithinYearly; tr++ {
		// A within tier's bound is the snapshots its span holds.
		unlimited = unlimited || !p.Span(tr).IsZero()
	}
	if !unlimited && len(plan.Keep) > sum {
		t.Fatalf("%s: kept %d, more than the tiers' sum %d", ctx, len(plan.Keep), sum)
	}

	// The newest snapshot is kept.
	if len(in) > 0 {
		newest := slices.MinFunc(in, newestFirst)
		if len(plan.Keep) == 0 || plan.Keep[0].ID != newest.ID {
			t.Fatalf("%s: newest snapshot %s not kept first", ctx, newest.ID)
		}
	}

	// The same plan as the definition, reason by reason.
	want := oracle(in, p, loc)
	if len(want) != len(plan.Keep) {
		t.Errorf("%s: kept %d, the definition keeps %d", ctx, len(plan.Keep), len(want))
	}
	for _, k := range plan.Keep {
		got := make([]string, len(k.Reasons))
		for i, r := range k.Reasons {
			got[i] = r.String()
		}
		if !slices.Equal(got, want[k.ID]) {
			t.Errorf("%s: %s (%s) kept for %q, the definition says %q", ctx, k.ID, k.Created.In(loc), got, want[k.ID])
		}
	}

	// Idempotence: planning over the kept snapshots deletes nothing.
	again, err := retention.Apply(kept, p, loc)
	if err != nil {
		t.Fatalf("Apply again: %v", err)
	}
	if len(again.Delete) != 0 {
		t.Fatalf("%s: planning again over the kept snapshots deletes %d, first %s", ctx, len(again.Delete), again.Delete[0].ID)
	}
	return plan
}

func TestApply_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261121, 27017))
	for i := range 400 {
		loc := zone(t, propertyZones[rng.IntN(len(propertyZones))])
		in := genSnapshots(rng, rng.IntN(400), loc)
		p := genPolicy(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := checkPlan(t, in, p, loc)
			// Sorted input takes a shortcut past the sort: same plan.
			for _, dir := range []int{1, -1} {
				sorted := slices.Clone(in)
				slices.SortFunc(sorted, func(a, b retention.Snapshot) int {
					if c := a.Created.Compare(b.Created); c != 0 {
						return dir * c
					}
					return -dir * strings.Compare(a.ID, b.ID)
				})
				got := checkPlan(t, sorted, p, loc)
				gk, gd := render(got)
				wk, wd := render(want)
				if !slices.Equal(gk, wk) || !slices.Equal(gd, wd) {
					t.Fatalf("sorted input (dir %d) changed the plan", dir)
				}
			}
		})
	}
}

func FuzzApply(f *testing.F) {
	f.Add(uint64(1), uint16(50), int8(0), int8(24), int8(7), int8(4), int8(12), int8(-1), uint8(1), uint16(0), uint8(0))
	f.Add(uint64(2), uint16(300), int8(3), int8(0), int8(-1), int8(0), int8(0), int8(2), uint8(2), uint16(11*24), uint8(2))
	f.Add(uint64(3), uint16(0), int8(1), int8(0), int8(0), int8(0), int8(0), int8(0), uint8(0), uint16(0), uint8(0))
	f.Add(uint64(4), uint16(200), int8(0), int8(0), int8(0), int8(0), int8(0), int8(0), uint8(4), uint16(30*24+5), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, last, hourly, daily, weekly, monthly, yearly int8, z uint8, withinHours uint16, withinTier uint8) {
		p := retention.Policy{Last: int(last), Hourly: int(hourly), Daily: int(daily), Weekly: int(weekly), Monthly: int(monthly), Yearly: int(yearly)}
		if withinHours > 0 {
			// One within tier, its span in days and hours.
			sp := span.Span{Days: int(withinHours) / 24, Hours: int(withinHours) % 24}
			switch retention.TierWithin + retention.Tier(withinTier%6) {
			case retention.TierWithin:
				p.Within = sp
			case retention.TierWithinHourly:
				p.WithinHourly = sp
			case retention.TierWithinDaily:
				p.WithinDaily = sp
			case retention.TierWithinWeekly:
				p.WithinWeekly = sp
			case retention.TierWithinMonthly:
				p.WithinMonthly = sp
			default:
				p.WithinYearly = sp
			}
		}
		loc := zone(t, propertyZones[int(z)%len(propertyZones)])
		in := genSnapshots(rand.New(rand.NewPCG(seed, 1)), int(n%1000), loc)
		if p.Validate() != nil {
			if _, err := retention.Apply(in, p, loc); err == nil {
				t.Fatalf("Apply accepted invalid policy %+v", p)
			}
			return
		}
		checkPlan(t, in, p, loc)
	})
}
