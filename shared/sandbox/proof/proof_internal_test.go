package proof

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

func days(first, last int, skip ...int) []stamp {
	var out []stamp
	for d := first; d <= last; d++ {
		if !slices.Contains(skip, d) {
			out = append(out, stamp{fmt.Sprintf("d%02d", d), time.Date(2026, 11, d, 3, 2, 0, 0, jst)})
		}
	}
	return out
}

func keptIDs(m map[string]bool) []string {
	var out []string
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// TestNaiveKept: the proofs' own reading of restic's rules, on the days
// the retention package's table tests use: a missed day reaches a count
// tier a day further back, not a within tier.
func TestNaiveKept(t *testing.T) {
	snaps := days(1, 20, 15)
	within, err := naiveKept(config.BackupPolicy{Keep: config.Keep{WithinDaily: "11d"}, MinAvailable: 1}, snaps, jst)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keptIDs(within), []string{"d10", "d11", "d12", "d13", "d14", "d16", "d17", "d18", "d19", "d20"}; !slices.Equal(got, want) {
		t.Errorf("withinDaily 11d keeps %v, want %v", got, want)
	}
	count, _ := naiveKept(config.BackupPolicy{Keep: config.Keep{Daily: 11}, MinAvailable: 1}, snaps, jst)
	if got := keptIDs(count); len(got) != 11 || got[0] != "d09" {
		t.Errorf("daily 11 keeps %v, want d09 to d20 without d15", got)
	}
	min3, _ := naiveKept(config.BackupPolicy{Keep: config.Keep{Weekly: 1}, MinAvailable: 3}, snaps, jst)
	if got := keptIDs(min3); !slices.Equal(got, []string{"d18", "d19", "d20"}) {
		t.Errorf("weekly 1 with minAvailable 3 keeps %v", got)
	}
}

// TestPromised_CatchesAShortfall: the promise's own statement fails when
// fewer generations are left than promised.
func TestPromised_CatchesAShortfall(t *testing.T) {
	p := config.BackupPolicy{Keep: config.Keep{Daily: 7}}
	if bad := promised(p, days(14, 20), jst); len(bad) != 0 {
		t.Errorf("7 days left: %v", bad)
	}
	if bad := promised(p, days(15, 20), jst); len(bad) != 1 || !strings.Contains(bad[0], "6 daily generations available, 7 promised") {
		t.Errorf("6 days left: %v", bad)
	}
}

// TestSimulate: the planner keeps each profile's tiers over simulated
// time; a within tier's snapshots live the span plus the run after it (12
// days for 11d), never less than the span.
func TestSimulate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    config.BackupPolicy
	}{
		{"gfs", config.BackupPolicy{Name: "gfs", Schedule: "rate(1 hour)", Keep: config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, MinAvailable: 3}},
		{"daily7", config.BackupPolicy{Name: "daily-7", Schedule: "cron(0 3 * * ? *)", Keep: config.Keep{Daily: 7}, MinAvailable: 1}},
		{"within11d", config.BackupPolicy{Name: "daily-11d", Schedule: "cron(0 3 * * ? *)", Keep: config.Keep{WithinDaily: "11d"}, MinAvailable: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shown, bad, err := simulate("prod", tc.p, jst, time.Date(2026, 1, 1, 0, 0, 0, 0, jst))
			if err != nil || len(bad) > 0 {
				t.Fatalf("simulate: %v %v", err, bad)
			}
			if tc.name == "within11d" && !strings.Contains(shown[0], "every snapshot lived 288h0m0s to 312h0m0s") {
				t.Errorf("lifetimes: %s", shown[0])
			}
		})
	}
	// The planner's plans are judged against naiveKept at every run: a
	// policy whose plan deleted what the promise keeps would be caught,
	// as a shortfall of generations is by promised.
	if len(promised(config.BackupPolicy{Keep: config.Keep{Daily: 7}}, days(1, 6), jst)) == 0 {
		t.Error("six days left pass a promise of seven")
	}
}

// TestExpectedDue: a plain limit counts hours; operator 003's rule gives
// the hand-worked times; another business-hours rule has no reference.
func TestExpectedDue(t *testing.T) {
	got, err := expectedDue(config.Deadline{Hours: 24})
	if err != nil || !got[0].Equal(jstAt("2026-11-21 19:00")) || !got[2].Equal(jstAt("2027-01-01 20:00")) {
		t.Errorf("24 h: %v %v", got, err)
	}
	if got, err := expectedDue(operator003); err != nil || !got[2].Equal(jstAt("2027-01-04 09:00")) {
		t.Errorf("operator 003: %v %v", got, err)
	}
	other := operator003
	other.Hours = 4
	if _, err := expectedDue(other); err == nil {
		t.Error("an unknown business-hours rule got reference times")
	}
}

// TestPurgeWindows_EveryProfile: every ready profile has hand-worked
// dates, and they are the configuration's window (the purger's own
// computation is judged by the sandbox run).
func TestPurgeWindows_EveryProfile(t *testing.T) {
	for _, name := range Profiles {
		ref, ok := purgeWindows[name]
		if !ok {
			t.Errorf("%s: no hand-worked window", name)
			continue
		}
		c, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		due, deadline := c.Tenants.PurgeWindow(Terminated)
		if !due.Equal(ref[0]) || !deadline.Equal(ref[1]) {
			t.Errorf("%s: configuration gives %s / %s, the words %s / %s", name, due.In(jst), deadline.In(jst), ref[0], ref[1])
		}
	}
}
