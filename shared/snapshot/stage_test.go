package snapshot_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/snapshot"
)

// neighbour is the stage beside the tests' stage in the same account.
const neighbour = "staging"

// staged returns n snapshots of orders-db, one an hour, newest at end, as
// the rotator of stage st makes them (its names, its tags, created a
// minute into their slots).
func staged(st string, n int, end time.Time) []snapshot.Snapshot {
	var out []snapshot.Snapshot
	for i := range n {
		slot := end.Add(-time.Duration(i) * time.Hour)
		out = append(out, snapshot.Snapshot{ID: snapshot.Name(st, "gfs", "orders-db", slot), Target: "orders-db", Kind: snapshot.Instance, Type: "manual", Status: "available",
			Created: slot.Add(time.Minute), Encrypted: true, Tags: snapshot.Tags(st, "gfs", "orders-db", slot)})
	}
	return out
}

func idSet(snaps []snapshot.Snapshot) map[string]bool {
	out := map[string]bool{}
	for _, s := range snaps {
		out[s.ID] = true
	}
	return out
}

// TestPlanTarget_NeighbourStageSurvives: staging's snapshots of the same
// database under the same policy name sit beside prod's. Planned as
// staging's, the tiers delete most of them (so a rotation that took them
// for its own would); planned as prod's, none is kept, deleted or counted,
// all are listed, and prod's own plan is exactly what it is without them.
func TestPlanTarget_NeighbourStageSurvives(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	slot := end.Add(time.Hour)
	mine, theirs := staged(stage, 40*24, end), staged(neighbour, 40*24, end)
	both := append(slices.Clone(mine), theirs...)

	asTheirs, err := snapshot.PlanTarget(neighbour, policy, target, both, slot, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	theirIDs := idSet(theirs)
	_, del := ids(asTheirs)
	if len(del) < 30*24 || !theirIDs[del[0]] {
		t.Fatalf("planned as staging's, %d deleted: the neighbour's snapshots must be ones a rotation deletes, or this test proves nothing", len(del))
	}

	alone, err := snapshot.PlanTarget(stage, policy, target, mine, slot, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := snapshot.PlanTarget(stage, policy, target, both, slot, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := ids(plan)
	for _, id := range append(slices.Clone(keep), del...) {
		if theirIDs[id] {
			t.Errorf("prod's plan keeps or deletes staging's %s", id)
		}
	}
	ak, ad := ids(alone)
	if !slices.Equal(keep, ak) || !slices.Equal(del, ad) {
		t.Errorf("staging's snapshots changed prod's plan: keep %d/%d, delete %d/%d", len(keep), len(ak), len(del), len(ad))
	}
	if got := len(plan.OtherStages); got != len(theirs) {
		t.Errorf("%d other-stage snapshots listed, want %d", got, len(theirs))
	}
	for _, o := range plan.OtherStages {
		if !theirIDs[o.ID] || !strings.Contains(o.Why, `tagged pledge:stage="staging": another stage's snapshot, never deleted nor counted by stage prod`) {
			t.Errorf("other stage %+v", o)
		}
	}
	if len(plan.Unrecognised) != 0 || len(plan.Warnings) != 0 || plan.Unmanaged != 0 {
		t.Errorf("a neighbour's snapshots are listed, not warned about: unrecognised %d, warnings %v, unmanaged %d", len(plan.Unrecognised), plan.Warnings, plan.Unmanaged)
	}
	if plan.Create == nil || plan.Create.Name != "pledge-4-prod-3-gfs-orders-db-202611220100" || plan.Create.Tags[snapshot.TagStage] != stage {
		t.Errorf("create %+v, want prod's name and stage tag", plan.Create)
	}
	if plan.Stage != stage || asTheirs.Create.Name != "pledge-7-staging-3-gfs-orders-db-202611220100" {
		t.Errorf("plan stage %q; staging would create %s", plan.Stage, asTheirs.Create.Name)
	}
}

// TestPlanTarget_LegacySnapshotsRotateBesideStages: snapshots without a
// stage tag, named as before stages, rotate in prod's plan with prod's own;
// a legacy snapshot is every stage's (nothing says whose it is).
func TestPlanTarget_LegacySnapshotsRotateBesideStages(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	snaps := staged(stage, 40*24, end)
	legacy := map[string]bool{}
	for i := 10 * 24; i < len(snaps); i++ {
		slot := end.Add(-time.Duration(i) * time.Hour)
		name := snapshot.StagelessName
		if i >= 25*24 {
			name = snapshot.LegacyName
		}
		snaps[i].ID = name("gfs", "orders-db", slot)
		delete(snaps[i].Tags, snapshot.TagStage)
		legacy[snaps[i].ID] = true
	}
	plan, err := snapshot.PlanTarget(stage, policy, target, snaps, end.Add(time.Hour), tokyo)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := ids(plan)
	if len(keep)+len(del) != len(snaps) || len(plan.Unrecognised)+len(plan.OtherStages) != 0 {
		t.Fatalf("keep %d + delete %d of %d; unrecognised %d, other stages %d", len(keep), len(del), len(snaps), len(plan.Unrecognised), len(plan.OtherStages))
	}
	stageless, first := 0, 0
	for _, id := range del {
		switch {
		case legacy[id] && strings.HasPrefix(id, "pledge-3-"):
			stageless++
		case legacy[id]:
			first++
		}
	}
	if stageless == 0 || first == 0 {
		t.Errorf("deleted %d stageless and %d first-named legacy snapshots: both must rotate out", stageless, first)
	}
	other, _ := snapshot.PlanTarget(neighbour, policy, target, snaps, end.Add(time.Hour), tokyo)
	ok, od := ids(other)
	if n := len(ok) + len(od); n != len(legacy) {
		t.Errorf("staging manages %d of prod's snapshots, want exactly the %d legacy ones", n, len(legacy))
	}
}

// TestPlanTarget_SlotNameTakenByAnotherStage: a snapshot tagged as another
// stage's that carries this slot's name blocks the slot, loudly.
func TestPlanTarget_SlotNameTakenByAnotherStage(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	slot := end.Add(time.Hour)
	squatter := staged(stage, 1, slot)[0]
	squatter.Tags[snapshot.TagStage] = neighbour
	plan, err := snapshot.PlanTarget(stage, policy, target, append(staged(stage, 30, end), squatter), slot, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Create != nil || plan.Existing != "" || !strings.Contains(plan.Blocked, `the slot's name pledge-4-prod-3-gfs-orders-db-202611220100 is taken by snapshot pledge-4-prod-3-gfs-orders-db-202611220100, which is tagged as stage "staging"'s`) {
		t.Errorf("create %+v, existing %q, blocked %q", plan.Create, plan.Existing, plan.Blocked)
	}
}

// withNeighbour is newSource with staging's snapshots of both databases
// under the same policy, as staging's rotator makes them.
func withNeighbour(end time.Time) (*memSource, map[string]bool) {
	src := newSource(end)
	theirs := map[string]bool{}
	for _, id := range []string{"orders-db", "reports-db"} {
		for i := range 60 * 24 {
			slot := end.Add(-time.Duration(i) * time.Hour)
			s := snapshot.Snapshot{ID: snapshot.Name(neighbour, "gfs", id, slot), Target: id, Kind: snapshot.Instance, Type: "manual", Status: "available",
				Created: slot.Add(time.Minute), Encrypted: true, Tags: snapshot.Tags(neighbour, "gfs", id, slot)}
			src.snaps[s.ID] = s
			theirs[s.ID] = true
		}
	}
	return src, theirs
}

// TestRotator_NeighbourStageSurvivesARealRun: a real run of prod's rotator
// over an account that also holds staging's snapshots deletes prod's old
// generations and none of staging's, and staging's run then does the same
// the other way round.
func TestRotator_NeighbourStageSurvivesARealRun(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)
	src, theirs := withNeighbour(end)
	r, _, _ := newRotator(src, now, false)
	res, err := r.Run(context.Background(), policy, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.deleted) == 0 {
		t.Fatal("prod deleted nothing: the test needs a rotation that deletes")
	}
	for _, id := range src.deleted {
		if theirs[id] {
			t.Errorf("prod deleted staging's %s", id)
		}
	}
	for id := range theirs {
		if _, ok := src.snaps[id]; !ok {
			t.Errorf("staging's %s is gone", id)
		}
	}
	for _, o := range res.Targets {
		if len(o.OtherStages) != 60*24 || !strings.HasPrefix(o.Created, snapshot.NamePrefix(stage)) {
			t.Errorf("%s: %d other-stage snapshots listed, created %q", o.Target.ID, len(o.OtherStages), o.Created)
		}
	}
	if res.Stage != stage {
		t.Errorf("result stage %q", res.Stage)
	}
	// Staging's rotator, now, leaves prod's alone in turn.
	mine := map[string]bool{}
	for id, s := range src.snaps {
		if s.Tags[snapshot.TagStage] == stage {
			mine[id] = true
		}
	}
	deletedByProd := len(src.deleted)
	r.Stage = neighbour
	if _, err := r.Run(context.Background(), policy, now); err != nil {
		t.Fatal(err)
	}
	if len(src.deleted) == deletedByProd {
		t.Error("staging deleted nothing of its own")
	}
	for _, id := range src.deleted[deletedByProd:] {
		if mine[id] {
			t.Errorf("staging deleted prod's %s", id)
		}
	}
}

// TestRotator_RecheckRefusesASnapshotNowTaggedAnotherStage: a snapshot
// whose stage tag changes between the plan and the delete is not deleted.
func TestRotator_RecheckRefusesASnapshotNowTaggedAnotherStage(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour)
	src := newSource(end)
	src.recheck = func(s *snapshot.Snapshot) {
		if s.Tags != nil {
			s.Tags = maps.Clone(s.Tags)
			s.Tags[snapshot.TagStage] = neighbour
		}
	}
	r, _, _ := newRotator(src, now, false)
	_, err := r.Run(context.Background(), policy, now)
	if err == nil || !strings.Contains(err.Error(), "is no longer tagged as managed by policy gfs of stage prod: not deleted") {
		t.Fatalf("err = %v", err)
	}
	if len(src.deleted) != 0 {
		t.Errorf("deleted %d snapshots now tagged as staging's", len(src.deleted))
	}
}

// TestRotator_CreateFindsAnotherStagesSnapshot: a create that fails because
// the name exists and the snapshot there is tagged as another stage's is a
// failure that says so, never success.
func TestRotator_CreateFindsAnotherStagesSnapshot(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)
	slot := end.Add(time.Hour)
	src := newSource(end)
	name := snapshot.Name(stage, "gfs", "orders-db", slot)
	squatter := snapshot.Snapshot{ID: name, Target: "orders-db", Kind: snapshot.Instance, Type: "manual", Status: "creating", Tags: snapshot.Tags(neighbour, "gfs", "orders-db", slot)}
	src.appear = append(src.appear, squatter)
	r, _, _ := newRotator(src, now, false)
	res, err := r.Run(context.Background(), policy, now)
	want := "create snapshot " + name + " of orders-db: the name is taken by another stage's snapshot"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "this slot has no backup") {
		t.Fatalf("err = %v\nwant %s ... this slot has no backup", err, want)
	}
	if o := res.Targets[0]; o.Created != "" || o.Existing != "" {
		t.Errorf("outcome: created %q existing %q, want neither", o.Created, o.Existing)
	}
}

// TestRotator_RefusesToRunWithoutAStage: without a stage the rotator could
// not tell its snapshots from another stage's; it does nothing.
func TestRotator_RefusesToRunWithoutAStage(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour)
	src := newSource(end)
	r, _, _ := newRotator(src, now, false)
	r.Stage = ""
	_, err := r.Run(context.Background(), policy, now)
	if err == nil || !strings.Contains(err.Error(), "the rotator has no stage") || len(src.created)+len(src.deleted) != 0 {
		t.Fatalf("err = %v, created %v, deleted %d", err, src.created, len(src.deleted))
	}
	if _, err := snapshot.PlanTarget("", policy, target, nil, end, tokyo); err == nil || !strings.Contains(err.Error(), "no stage") {
		t.Errorf("PlanTarget without a stage: %v", err)
	}
}
