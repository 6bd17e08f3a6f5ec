package snapshot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

// stage is the stage the tests' rotator runs in.
const stage = "prod"

var policy = config.BackupPolicy{Name: "gfs", Keep: config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, Schedule: "rate(1 hour)", MinAvailable: 3, PointInTimeRecoveryDays: 7}

var target = snapshot.Target{Kind: snapshot.Instance, ID: "orders-db", Encrypted: true, BackupRetentionDays: 7}

// hourly returns n managed, available snapshots, one an hour, newest at end.
func hourly(n int, end time.Time) []snapshot.Snapshot {
	var out []snapshot.Snapshot
	for i := range n {
		at := end.Add(-time.Duration(i) * time.Hour)
		out = append(out, snapshot.Snapshot{ID: snapshot.Name(stage, "gfs", "orders-db", at), Target: "orders-db", Type: "manual", Status: "available", Created: at, Encrypted: true,
			Tags: snapshot.Tags(stage, "gfs", "orders-db", at)})
	}
	return out
}

func ids(p snapshot.Plan) (keep, del []string) {
	for _, k := range p.Keep {
		keep = append(keep, k.ID)
	}
	for _, d := range p.Delete {
		del = append(del, d.ID)
	}
	return keep, del
}

func TestPlanTarget_GFSOverSixtyDays(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	snaps := hourly(60*24, end)
	plan, err := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(time.Hour), tokyo)
	if err != nil {
		t.Fatal(err)
	}
	// 24 hourly + the newest of 7 JST days (today's is among the hourly ones,
	// as are yesterday's after 09:00) + 4 ISO weeks, overlapping.
	if n := len(plan.Keep); n < 24 || n > 24+7+4 {
		t.Errorf("kept %d snapshots, want between 24 and 35", n)
	}
	if got, want := len(plan.Keep)+len(plan.Delete), len(snaps); got != want {
		t.Errorf("keep+delete = %d, want every snapshot (%d) in exactly one", got, want)
	}
	if plan.Create == nil || plan.Create.Name != "pledge-4-prod-3-gfs-orders-db-202611220100" {
		t.Errorf("create = %+v, want the next slot's deterministic name", plan.Create)
	}
	// The daily tier keeps the newest of each JST day: 23:00 JST = 14:00 UTC.
	keep, _ := ids(plan)
	if !slices.Contains(keep, snapshot.Name(stage, "gfs", "orders-db", time.Date(2026, 11, 20, 23, 0, 0, 0, tokyo))) {
		t.Errorf("the newest snapshot of JST day 2026-11-20 (23:00 JST) is not kept: %v", keep)
	}
	for _, k := range plan.Keep {
		if len(k.Reasons) == 0 {
			t.Errorf("%s kept without a reason", k.ID)
		}
	}
}

func TestPlanTarget_NeverTouchesOthers(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	snaps := hourly(100, end)
	old := end.Add(-1000 * time.Hour)
	others := []snapshot.Snapshot{
		{ID: "manual-before-migration", Type: "manual", Status: "available", Created: old},
		{ID: "other-policy", Type: "manual", Status: "available", Created: old, Tags: map[string]string{snapshot.TagManaged: "true", snapshot.TagPolicy: "daily"}},
		{ID: "tag-says-false", Type: "manual", Status: "available", Created: old, Tags: map[string]string{snapshot.TagManaged: "false", snapshot.TagPolicy: "gfs"}},
		{ID: "rds:orders-db-2026-11-01-00-00", Type: "automated", Status: "available", Created: old, Tags: snapshot.Tags(stage, "gfs", "orders-db", old)},
		{ID: "awsbackup:job-1234", Type: "awsbackup", Status: "available", Created: old},
	}
	plan, err := snapshot.PlanTarget(stage, policy, target, append(snaps, others...), end.Add(time.Hour), tokyo)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := ids(plan)
	for _, o := range others {
		if slices.Contains(del, o.ID) || slices.Contains(keep, o.ID) {
			t.Errorf("%s is not this policy's but the plan considers it", o.ID)
		}
	}
	if plan.Unmanaged != len(others) {
		t.Errorf("unmanaged = %d, want %d", plan.Unmanaged, len(others))
	}
	if len(del) == 0 {
		t.Error("expected old managed snapshots to be deleted")
	}
}

func TestPlanTarget_SafetyRails(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)

	t.Run("NewestNotAvailableHaltsDeletion", func(t *testing.T) {
		snaps := hourly(100, end)
		snaps[0].Status = "creating"
		plan, _ := snapshot.PlanTarget(stage, policy, target, snaps, end, tokyo)
		if len(plan.Delete) != 0 || !strings.Contains(plan.Halted, snaps[0].ID+" is creating") {
			t.Errorf("delete %d halted %q; want nothing deleted while the newest is creating", len(plan.Delete), plan.Halted)
		}
		if plan.Create != nil {
			t.Error("the slot's snapshot exists (creating): nothing new may be created")
		}
	})
	t.Run("InProgressWithoutCreateTimeCountsAsNewest", func(t *testing.T) {
		snaps := hourly(100, end)
		next := end.Add(time.Hour)
		snaps = append(snaps, snapshot.Snapshot{ID: snapshot.Name(stage, "gfs", "orders-db", next), Target: "orders-db", Type: "manual", Status: "creating", Tags: snapshot.Tags(stage, "gfs", "orders-db", next)})
		plan, _ := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(time.Hour), tokyo)
		if len(plan.Delete) != 0 || plan.Halted == "" {
			t.Errorf("a snapshot still being created (no create time) must halt deletion; deleted %d", len(plan.Delete))
		}
	})
	t.Run("BusySnapshotsSkipped", func(t *testing.T) {
		snaps := hourly(100, end)
		snaps[50].Status = "copying"
		plan, _ := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(time.Hour), tokyo)
		_, del := ids(plan)
		if slices.Contains(del, snaps[50].ID) {
			t.Error("a copying snapshot was planned for deletion")
		}
		if len(plan.Skipped) != 1 || plan.Skipped[0].ID != snaps[50].ID || !strings.Contains(plan.Skipped[0].Why, "copying") {
			t.Errorf("skipped = %+v", plan.Skipped)
		}
	})
	t.Run("MinAvailableKeepsNewest", func(t *testing.T) {
		p := policy
		p.Keep = config.Keep{Weekly: 1}
		p.MinAvailable = 5
		snaps := hourly(10, end)
		plan, _ := snapshot.PlanTarget(stage, p, target, snaps, end.Add(time.Hour), tokyo)
		keep, _ := ids(plan)
		for _, s := range snaps[:5] {
			if !slices.Contains(keep, s.ID) {
				t.Errorf("%s is among the newest 5 available but not kept", s.ID)
			}
		}
		if len(plan.Delete) != 5 {
			t.Errorf("deleted %d, want the 5 older ones", len(plan.Delete))
		}
	})
	t.Run("SameSlotCreatesNothing", func(t *testing.T) {
		snaps := hourly(5, end)
		plan, _ := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(30*time.Minute).Truncate(time.Hour), tokyo)
		if plan.Create != nil || plan.Existing != snaps[0].ID {
			t.Errorf("create = %+v existing = %q; the slot already has %s", plan.Create, plan.Existing, snaps[0].ID)
		}
	})
	t.Run("ReplanningKeptSetDeletesNothing", func(t *testing.T) {
		snaps := hourly(24*40, end)
		plan, _ := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(time.Hour), tokyo)
		var kept []snapshot.Snapshot
		for _, s := range snaps {
			for _, k := range plan.Keep {
				if k.ID == s.ID {
					kept = append(kept, s)
				}
			}
		}
		again, _ := snapshot.PlanTarget(stage, policy, target, kept, end.Add(time.Hour), tokyo)
		if len(again.Delete) != 0 {
			t.Errorf("re-planning the kept set deletes %d", len(again.Delete))
		}
	})
}

func TestPlanTarget_Warnings(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	snaps := hourly(3, end)
	snaps[1].Encrypted = false
	tg := target
	tg.BackupRetentionDays = 1
	tg.Encrypted = false
	plan, _ := snapshot.PlanTarget(stage, policy, tg, snaps, end, tokyo)
	got := fmt.Sprint(plan.Warnings)
	for _, want := range []string{"unencrypted-snapshot", snaps[1].ID + " of orders-db is not encrypted", "unencrypted-target", "keeps point-in-time recovery for 1 days; 7 days are promised"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %s\nwant %q", got, want)
		}
	}
}

func TestName(t *testing.T) {
	slot := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	if got, want := snapshot.Name("prod-2", "gfs-24h", "Orders-DB", slot), "pledge-6-prod-2-7-gfs-24h-orders-db-202611220000"; got != want {
		t.Errorf("Name = %q, want %q (stage and policy lengths, UTC slot, lower case)", got, want)
	}
	if got, want := snapshot.NamePrefix("prod-2"), "pledge-6-prod-2-"; got != want {
		t.Errorf("NamePrefix = %q, want %q", got, want)
	}
	if got, want := snapshot.StagelessName("gfs-24h", "Orders-DB", slot), "pledge-7-gfs-24h-orders-db-202611220000"; got != want {
		t.Errorf("StagelessName = %q, want %q", got, want)
	}
	if got, want := snapshot.LegacyName("gfs-24h", "Orders-DB", slot), "pledge-gfs-24h-orders-db-202611220000"; got != want {
		t.Errorf("LegacyName = %q, want %q", got, want)
	}
}
