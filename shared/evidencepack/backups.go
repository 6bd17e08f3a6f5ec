package evidencepack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
)

// Backups is the month of snapshot rotation: per policy and database, the
// scheduled slots and the snapshots taken, day by day, and the generations
// kept at the month's end against the promise.
type Backups struct {
	Targets []BackupTarget `json:"targets"`
	keys    []string
}

// BackupTarget is one database under one policy.
type BackupTarget struct {
	Policy   string `json:"policy"`
	Target   string `json:"target"`
	Schedule string `json:"schedule"`
	// Expected is how many slots the schedule had in the month, Taken how
	// many got their snapshot; Missed are the slots (UTC) that did not.
	Expected int         `json:"expected"`
	Taken    int         `json:"taken"`
	Missed   []time.Time `json:"missed"`
	// Errors are what the month's runs reported for this database.
	Errors []string    `json:"errors,omitempty"`
	Days   []BackupDay `json:"days"`
	// Tiers are the generations kept after the month's last run, against
	// the promise.
	Tiers []TierCount `json:"tiers"`
}

// BackupDay is one day of one database's backups.
type BackupDay struct {
	Expected int `json:"expected"`
	Taken    int `json:"taken"`
	// Kept is how many managed snapshots the day's last run left.
	Kept int `json:"kept"`
}

// TierCount is one retention tier: generations kept and promised (-1:
// all). A within tier ("daily within 11d") promises a span, not a count:
// Within holds it and Promised is 0 (its missed snapshots show as missed
// slots instead).
type TierCount struct {
	Tier     string `json:"tier"`
	TierJA   string `json:"tierJa"`
	Kept     int    `json:"kept"`
	Promised int    `json:"promised"`
	Within   string `json:"within,omitempty"`
}

// Short reports whether fewer generations were kept than promised.
func (t TierCount) Short() bool { return t.Promised > 0 && t.Kept < t.Promised }

// slots returns the schedule's slots in the month, oldest first.
func slots(s schedule.Schedule, m Month) []time.Time {
	var out []time.Time
	for t := s.Slot(m.End().Add(-time.Nanosecond), m.Zone); !t.IsZero() && !t.Before(m.Start()); t = s.Slot(t.Add(-time.Nanosecond), m.Zone) {
		out = append(out, t.UTC())
	}
	slices.Reverse(out)
	return out
}

func buildBackups(ev *Evidence, cfg config.Config) *Backups {
	b := &Backups{Targets: []BackupTarget{}}
	m := ev.Month
	for _, p := range cfg.Backup.SnapshotPolicies() {
		sched, err := schedule.Parse(p.Schedule)
		if err != nil {
			continue // validated configurations always parse
		}
		expected := slots(sched, m)
		var runs []SnapshotRun
		targets := map[string]bool{}
		for _, r := range ev.SnapshotRuns {
			if r.Policy == p.Name && m.Contains(r.Slot) {
				runs = append(runs, r)
				b.keys = append(b.keys, r.Key)
				for _, t := range r.Targets {
					targets[t.ID] = true
				}
			}
		}
		slices.SortFunc(runs, func(a, b SnapshotRun) int { return cmp.Or(a.Slot.Compare(b.Slot), a.Time.Compare(b.Time)) })
		ids := make([]string, 0, len(targets))
		for id := range targets {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			bt := BackupTarget{Policy: p.Name, Target: id, Schedule: p.Schedule, Expected: len(expected), Missed: []time.Time{}, Days: make([]BackupDay, len(m.Days()))}
			taken := map[time.Time]bool{}
			var last *TargetRun
			for _, r := range runs {
				for i, t := range r.Targets {
					if t.ID != id {
						continue
					}
					if t.Snapshot != "" {
						taken[r.Slot] = true
					}
					bt.Errors = append(bt.Errors, t.Errors...)
					day := m.Day(r.Slot)
					bt.Days[day].Kept = t.Kept
					if t.Created {
						bt.Days[day].Kept++
					}
					last = &r.Targets[i]
				}
			}
			for _, s := range expected {
				day := m.Day(s)
				bt.Days[day].Expected++
				if taken[s] {
					bt.Taken++
					bt.Days[day].Taken++
				} else {
					bt.Missed = append(bt.Missed, s)
				}
			}
			for _, t := range tiers(p.Keep) {
				tc := TierCount{Tier: t.name, TierJA: t.ja, Promised: t.n, Within: t.within}
				if last != nil {
					tc.Kept = last.Tiers[t.name]
				}
				bt.Tiers = append(bt.Tiers, tc)
			}
			b.Targets = append(b.Targets, bt)
		}
	}
	return b
}

// apply writes the backups' figures, days and findings into c.
func (b *Backups) apply(c *Control) Status {
	status := None
	c.Evidence = append(c.Evidence, b.keys...)
	expected, taken := 0, 0
	var missed []Item
	for _, t := range b.Targets {
		expected += t.Expected
		taken += t.Taken
		for i, d := range t.Days {
			switch {
			case d.Expected > 0 && d.Taken < d.Expected:
				c.Days[i] = worse(c.Days[i], Breached)
			case d.Expected > 0:
				c.Days[i] = worse(c.Days[i], Kept)
			}
		}
		st := Kept
		if len(t.Missed) > 0 {
			st = Breached
		}
		c.Figures = append(c.Figures, Figure{Label: Text{JA: fmt.Sprintf("%s (%s) のスナップショット取得", t.Target, t.Policy), EN: fmt.Sprintf("Snapshots of %s (%s) taken", t.Target, t.Policy)},
			Value: fmt.Sprintf("%d / %d", t.Taken, t.Expected), Status: st})
		var ja, en []string
		tierStatus := Kept
		for _, tc := range t.Tiers {
			p := fmt.Sprint(tc.Promised)
			if tc.Promised < 0 {
				p = "∞"
			}
			if tc.Within != "" {
				ja = append(ja, fmt.Sprintf("%s %d", tc.TierJA, tc.Kept))
				en = append(en, fmt.Sprintf("%s %d", tc.Tier, tc.Kept))
			} else {
				ja = append(ja, fmt.Sprintf("%s %d/%s", tc.TierJA, tc.Kept, p))
				en = append(en, fmt.Sprintf("%s %d/%s", tc.Tier, tc.Kept, p))
			}
			if tc.Short() {
				tierStatus = Breached
			}
		}
		if len(t.Tiers) > 0 {
			c.Figures = append(c.Figures, Figure{Label: Text{JA: fmt.Sprintf("%s の月末の保管世代", t.Target), EN: fmt.Sprintf("Generations of %s kept at month end", t.Target)},
				Value: strings.Join(en, " · "), Status: tierStatus})
			c.Figures[len(c.Figures)-1].Label.JA += " (" + strings.Join(ja, "・") + ")"
		}
		status = worse(status, worse(st, tierStatus))
		for _, s := range t.Missed {
			local := s.In(c.zone())
			missed = append(missed, Item{Subject: t.Target, Since: s,
				Reason: Text{JA: fmt.Sprintf("%s のスナップショット (%s の枠) が取得されていません。", t.Target, local.Format("2006-01-02 15:04 MST")),
					EN: fmt.Sprintf("No snapshot of %s was taken for the %s slot.", t.Target, local.Format("2006-01-02 15:04 MST"))}})
		}
		if tierStatus == Breached {
			c.Findings = append(c.Findings, Group{Status: Breached, Count: 1,
				Title: Text{JA: fmt.Sprintf("%s の保管世代が約束に足りません (%s)", t.Target, strings.Join(ja, "、")), EN: fmt.Sprintf("Fewer generations of %s kept than promised (%s)", t.Target, strings.Join(en, ", "))},
				Items: []Item{}})
		}
	}
	if len(missed) > 0 {
		c.Findings = append(c.Findings, Group{Status: Breached, Count: len(missed), Since: missed[0].Since, Items: missed,
			Title: Text{JA: fmt.Sprintf("取得されなかったバックアップ %d 件", len(missed)), EN: fmt.Sprintf("%d missed backup%s", len(missed), plural(len(missed)))}})
	}
	if expected > 0 {
		addSummary(c, Text{JA: fmt.Sprintf("予定されたスナップショット %d 件中 %d 件を取得 (取得漏れ %d 件)。", expected, taken, expected-taken),
			EN: fmt.Sprintf("%d of %d scheduled snapshots taken (%d missed).", taken, expected, expected-taken)})
	} else {
		addSummary(c, Text{JA: "スナップショットの実行記録がありません。", EN: "No snapshot run was recorded."})
		status = worse(status, Unverified)
	}
	return status
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
