package proof

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
	"github.com/pledge-dev/pledge/shared/span"
)

// stamp is a snapshot as the promise sees it: when it was made.
type stamp struct {
	id      string
	created time.Time
}

// naiveKept is what a policy keeps of snaps, written from restic's
// definitions the slow way (not with package retention): per counted tier,
// the newest snapshot of each of the N most recent periods that have one;
// per within tier, the newest of each period among those made after the
// span reaches back from the newest snapshot; and the MinAvailable newest.
// Periods are named in loc as time.Format and ISOWeek name them.
func naiveKept(p config.BackupPolicy, snaps []stamp, loc *time.Location) (map[string]bool, error) {
	sorted := slices.Clone(snaps)
	slices.SortFunc(sorted, func(a, b stamp) int { return cmp.Or(b.created.Compare(a.created), strings.Compare(a.id, b.id)) })
	period := map[string]func(t time.Time, i int) string{
		"last":    func(_ time.Time, i int) string { return fmt.Sprint(i) },
		"hourly":  func(t time.Time, _ int) string { return t.In(loc).Format("2006-01-02T15Z07:00") },
		"daily":   func(t time.Time, _ int) string { return t.In(loc).Format("2006-01-02") },
		"weekly":  func(t time.Time, _ int) string { y, w := t.In(loc).ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) },
		"monthly": func(t time.Time, _ int) string { return t.In(loc).Format("2006-01") },
		"yearly":  func(t time.Time, _ int) string { return t.In(loc).Format("2006") },
	}
	kept := map[string]bool{}
	for _, c := range p.Keep.Counts() {
		if c.Count == 0 {
			continue
		}
		seen := map[string]bool{}
		for i, s := range sorted {
			k := period[c.Name](s.created, i)
			if seen[k] {
				continue
			}
			if c.Count > 0 && len(seen) == c.Count {
				break
			}
			seen[k] = true
			kept[s.id] = true
		}
	}
	for _, w := range p.Keep.Spans() {
		sp, err := span.Parse(w.Span)
		if err != nil {
			return nil, err
		}
		if sp.IsZero() || len(sorted) == 0 {
			continue
		}
		latest := sorted[0].created.In(loc)
		cut := latest.AddDate(-sp.Years, -sp.Months, -sp.Days).Add(-time.Duration(sp.Hours) * time.Hour)
		base := strings.ToLower(strings.TrimPrefix(w.Name, "within"))
		if base == "" {
			base = "last"
		}
		seen := map[string]bool{}
		for i, s := range sorted {
			if !s.created.After(cut) {
				break
			}
			if k := period[base](s.created, i); !seen[k] {
				seen[k] = true
				kept[s.id] = true
			}
		}
	}
	for i := 0; i < len(sorted) && i < p.MinAvailable; i++ {
		kept[sorted[i].id] = true
	}
	return kept, nil
}

// promised states a policy's promise over the snapshots left after a run
// (newest first not required), as the whitepaper words it: each counted
// tier has N distinct periods available; nothing else.
func promised(p config.BackupPolicy, left []stamp, loc *time.Location) []string {
	var bad []string
	for _, c := range p.Keep.Counts() {
		if c.Count <= 0 || c.Name == "last" {
			continue
		}
		periods := map[string]bool{}
		for _, s := range left {
			t := s.created.In(loc)
			switch c.Name {
			case "hourly":
				periods[t.Format("2006-01-02T15")] = true
			case "daily":
				periods[t.Format("2006-01-02")] = true
			case "weekly":
				y, w := t.ISOWeek()
				periods[fmt.Sprintf("%d-W%02d", y, w)] = true
			case "monthly":
				periods[t.Format("2006-01")] = true
			case "yearly":
				periods[t.Format("2006")] = true
			}
		}
		if len(periods) < c.Count {
			bad = append(bad, fmt.Sprintf("%d %s generations available, %d promised", len(periods), c.Name, c.Count))
		}
	}
	return bad
}

// SimulatedDays is how long the planner runs over simulated time, and
// WarmUpDays after which the promises must hold at every run.
const (
	SimulatedDays = 120
	WarmUpDays    = 35
)

// simulate runs the rotator's planning (snapshot.PlanTarget, what the
// binary runs) at every slot of the policy's schedule over SimulatedDays,
// missing every 97th run of an hourly schedule and every 13th of a daily
// one, and checks each plan against naiveKept, the promise after
// WarmUpDays, and, for a within tier, every snapshot's lifetime: at least
// the span, at most the span plus two intervals plus the runs missed
// meanwhile.
func simulate(stage string, p config.BackupPolicy, loc *time.Location, start time.Time) (shown, bad []string, err error) {
	s, err := schedule.Parse(p.Schedule)
	if err != nil {
		return nil, nil, err
	}
	iv := s.Interval(start, loc)
	every := 13
	if iv < 24*time.Hour {
		every = 97
	}
	target := snapshot.Target{Kind: snapshot.Instance, ID: "simulated-db", Encrypted: true, BackupRetentionDays: 7}
	var live []snapshot.Snapshot
	born := map[string]time.Time{}
	var lifetimes []time.Duration
	runs, missed, deleted := 0, 0, 0
	end := start.AddDate(0, 0, SimulatedDays)
	var maxSpan time.Duration
	for _, w := range p.Keep.Spans() {
		if sp, _ := span.Parse(w.Span); !sp.IsZero() {
			maxSpan = max(maxSpan, sp.After(start, loc).Sub(start))
		}
	}
	for slot := s.Slot(start, loc); slot.Before(end); slot = s.Next(slot, loc) {
		runs++
		if runs%every == 0 {
			missed++
			continue
		}
		now := slot.Add(2 * time.Minute)
		plan, err := snapshot.PlanTarget(stage, p, target, live, slot, loc)
		if err != nil {
			return nil, nil, err
		}
		var stamps []stamp
		for _, sn := range live {
			stamps = append(stamps, stamp{sn.ID, sn.Created})
		}
		want, err := naiveKept(p, stamps, loc)
		if err != nil {
			return nil, nil, err
		}
		got := map[string]bool{}
		for _, k := range plan.Keep {
			got[k.ID] = true
		}
		if len(got) != len(want) || len(plan.Keep)+len(plan.Delete) != len(live) {
			bad = append(bad, fmt.Sprintf("run at %s keeps %d of %d, restic's rules keep %d", slot.In(loc).Format("2006-01-02 15:04"), len(got), len(live), len(want)))
		} else {
			for id := range want {
				if !got[id] {
					bad = append(bad, fmt.Sprintf("run at %s deletes %s, which restic's rules keep", slot.In(loc).Format("2006-01-02 15:04"), id))
				}
			}
		}
		doomed := map[string]bool{}
		for _, d := range plan.Delete {
			doomed[d.ID] = true
			lifetimes = append(lifetimes, now.Sub(born[d.ID]))
			deleted++
		}
		live = slices.DeleteFunc(live, func(sn snapshot.Snapshot) bool { return doomed[sn.ID] })
		if slot.Sub(start) > WarmUpDays*24*time.Hour {
			var left []stamp
			for _, sn := range live {
				left = append(left, stamp{sn.ID, sn.Created})
			}
			for _, b := range promised(p, left, loc) {
				bad = append(bad, fmt.Sprintf("after the run at %s: %s", slot.In(loc).Format("2006-01-02 15:04"), b))
			}
		}
		if plan.Create != nil {
			sn := snapshot.Snapshot{ID: plan.Create.Name, Target: target.ID, Kind: snapshot.Instance, Type: "manual", Status: snapshot.StatusAvailable,
				Created: now, Encrypted: true, Tags: plan.Create.Tags}
			live = append(live, sn)
			born[sn.ID] = now
		}
		if len(bad) > 5 {
			break
		}
	}
	if maxSpan > 0 {
		// A snapshot goes at the first run whose newest available
		// snapshot is the span younger: one interval after the span, one
		// more when that run's predecessor was missed, and one for the
		// seconds creation takes.
		slack := 3 * iv
		for _, l := range lifetimes {
			if l < maxSpan || l > maxSpan+slack {
				bad = append(bad, fmt.Sprintf("a snapshot lived %s: the promise keeps it %s, and not more than %s longer", l, maxSpan, slack))
				break
			}
		}
	}
	shown = append(shown, fmt.Sprintf("planner over %d simulated days of %s (%d runs, %d missed): %d deleted, %d kept at the end, each plan as restic's rules%s",
		SimulatedDays, p.Schedule, runs, missed, deleted, len(live), lifetimeNote(lifetimes, maxSpan)))
	return shown, bad, nil
}

func lifetimeNote(ls []time.Duration, span time.Duration) string {
	if span == 0 || len(ls) == 0 {
		return ""
	}
	lo, hi := slices.Min(ls), slices.Max(ls)
	return fmt.Sprintf("; every snapshot lived %s to %s (promised %s)", lo.Round(time.Minute), hi.Round(time.Minute), span)
}

// proveBackupTiers simulates each policy that takes snapshots and runs the
// real rotator once on the seeded history.
func proveBackupTiers(ctx context.Context, r *run) (shown, bad []string, err error) {
	loc := r.cfg.Location()
	for i, p := range r.cfg.Backup.Policies {
		if !p.TakesSnapshots() {
			continue
		}
		s, b, err := simulate(r.cfg.Stage, p, loc, time.Date(2026, 1, 1, 0, 0, 0, 0, loc))
		if err != nil {
			return shown, bad, err
		}
		shown, bad = append(shown, s...), append(bad, b...)
		s, b, err = r.rotateOnce(ctx, i, p)
		if err != nil {
			return shown, bad, err
		}
		shown, bad = append(shown, s...), append(bad, b...)
	}
	if len(shown) == 0 {
		bad = append(bad, "no backup policy takes snapshots")
	}
	return shown, bad, nil
}

// rotateOnce runs the rotator binary for policy i at the current slot and
// judges what it left of the database's seeded history.
func (r *run) rotateOnce(ctx context.Context, i int, p config.BackupPolicy) (shown, bad []string, err error) {
	db := Database(r.name, i)
	sim := r.w.SB.Sim
	before := map[string]stamp{}
	for _, sn := range sim.RDS().State().Snapshots {
		if sn.DBInstanceIdentifier == db {
			before[sn.DBSnapshotIdentifier] = stamp{sn.DBSnapshotIdentifier, sn.SnapshotCreateTime}
		}
	}
	history := slices.Collect(func(yield func(stamp) bool) {
		for _, s := range before {
			if !yield(s) {
				return
			}
		}
	})
	want, err := naiveKept(p, history, r.cfg.Location())
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	ev, err := r.w.file(r.name+"-rotator-event.json", runner.ScheduledEventJSON(now, map[string]string{"policy": p.Name}))
	if err != nil {
		return nil, nil, err
	}
	sim.ResetCounts()
	out, runErr := r.w.invoke(ctx, "snapshot-rotator", r.cfg, r.name+"-snapshot-rotator", "-event", ev)
	r.copies = 0
	for k, n := range sim.Counts() {
		if strings.HasPrefix(k, "rds:Copy") {
			r.copies += n
		}
	}
	r.rotated = true
	var res []snapshot.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, nil, fmt.Errorf("rotator result: %v (%v)", err, runErr)
	}
	if runErr != nil {
		bad = append(bad, runErr.Error())
	}
	after := map[string]bool{}
	for _, sn := range sim.RDS().State().Snapshots {
		if sn.DBInstanceIdentifier == db {
			after[sn.DBSnapshotIdentifier] = true
		}
	}
	s, _ := schedule.Parse(p.Schedule)
	slot := s.Slot(now, r.cfg.Location())
	if name := snapshot.Name(r.cfg.Stage, p.Name, db, slot); !after[name] {
		bad = append(bad, "the current slot's snapshot "+name+" was not created")
	}
	kept, gone := 0, 0
	for id := range before {
		switch {
		case want[id] && !after[id]:
			bad = append(bad, "deleted "+id+", which the promise keeps")
		case !want[id] && after[id]:
			bad = append(bad, "kept "+id+", which the promise does not keep")
		case after[id]:
			kept++
		default:
			gone++
		}
	}
	if gone == 0 {
		bad = append(bad, "the run deleted nothing: the seeded history holds more than the tiers keep, so the rotation was not shown")
	}
	var left []stamp
	for id := range after {
		if s, ok := before[id]; ok {
			left = append(left, s)
		}
	}
	bad = append(bad, promised(p, left, r.cfg.Location())...)
	missing := 0
	have := map[string]bool{}
	st := sim.RDS().State()
	for _, sn := range st.Snapshots {
		have[sn.DBSnapshotIdentifier] = true
	}
	for _, sn := range st.ClusterSnapshots {
		have[sn.DBClusterSnapshotIdentifier] = true
	}
	for _, id := range r.w.Untouchable {
		if !have[id] {
			missing++
		}
	}
	if missing > 0 {
		bad = append(bad, fmt.Sprintf("%d snapshots that are not this policy's were deleted", missing))
	}
	shown = append(shown, fmt.Sprintf("rotator binary on %s (%d seeded snapshots of %s, one slot missed): created %s, kept %d, deleted %d, as the promise's tiers say; %d other snapshots untouched",
		db, len(before), p.Schedule, slot.In(r.cfg.Location()).Format("2006-01-02 15:04 MST"), kept, gone, len(r.w.Untouchable)-missing))
	return shown, bad, nil
}
