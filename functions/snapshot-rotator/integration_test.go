package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

type world struct {
	sb     *sandbox.Sandbox
	bin    string
	env    []string
	keep   scenario.Untouchable
	now    time.Time
	evFile string
}

func setup(t *testing.T) *world {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	now := time.Now()
	keep, err := scenario.SeedRDS(sb.Sim, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := scenario.SeedEvidence(context.Background(), sandboxtest.S3(sb), 1); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(ev, runner.ScheduledEventJSON(now, map[string]string{"policy": scenario.Policy}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &world{sb: sb, bin: sandboxtest.Build(t, "snapshot-rotator"), keep: keep, now: now, evFile: ev,
		env: []string{sandboxtest.ConfigEnv(scenario.Config().Only("backup")), "PLEDGE_EVIDENCE_BUCKET=" + scenario.EvidenceBucket}}
}

func (w *world) invoke(t *testing.T, args ...string) []snapshot.Result {
	t.Helper()
	r := sandboxtest.Invoke(t, w.sb, w.bin, w.env, append([]string{"invoke", "-event", w.evFile}, args...)...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var res []snapshot.Result
	r.Decode(t, &res)
	return res
}

func (w *world) snapshots() map[string]bool {
	st := w.sb.Sim.RDS().State()
	ids := map[string]bool{}
	for _, s := range st.Snapshots {
		ids[s.DBSnapshotIdentifier] = true
	}
	for _, s := range st.ClusterSnapshots {
		ids[s.DBClusterSnapshotIdentifier] = true
	}
	return ids
}

func TestRotator_Sandbox(t *testing.T) {
	w := setup(t)
	before := w.snapshots()

	// Dry run: the same plan, nothing changed, nothing written.
	dry := w.invoke(t, "-dry-run")
	if got := w.snapshots(); len(got) != len(before) {
		t.Fatalf("dry run changed the snapshot count: %d → %d", len(before), len(got))
	}
	w.sb.Sim.ResetCounts()

	res := w.invoke(t)
	if len(res) != 1 || len(res[0].Targets) != 2 {
		t.Fatalf("want one policy over two targets (orders-db by tag, billing-aurora by id), got %+v", res)
	}
	counts := w.sb.Sim.Counts()
	after := w.snapshots()

	for i, o := range res[0].Targets {
		d := dry[0].Targets[i]
		if fmt.Sprint(d.Keep) != fmt.Sprint(o.Keep) || fmt.Sprint(d.Delete) != fmt.Sprint(o.Delete) {
			t.Errorf("%s: dry-run plan differs from the real run's", o.Target.ID)
		}
		if o.Created == "" || !after[o.Created] {
			t.Errorf("%s: created %q, not found in RDS", o.Target.ID, o.Created)
		}
		if len(o.Deleted) != len(o.Delete) || len(o.Deleted) == 0 {
			t.Errorf("%s: deleted %d of %d planned", o.Target.ID, len(o.Deleted), len(o.Delete))
		}
		for _, id := range o.Deleted {
			if after[id] {
				t.Errorf("%s still exists after deletion", id)
			}
		}
		for _, k := range o.Keep {
			if !after[k.ID] {
				t.Errorf("kept %s is gone", k.ID)
			}
		}
		// 24 hourly, 7 daily, 4 weekly overlap: between 24 and 35 kept.
		if n := len(o.Keep); n < 24 || n > 35 {
			t.Errorf("%s kept %d", o.Target.ID, n)
		}
	}
	for _, id := range w.keep {
		if !after[id] {
			t.Errorf("snapshot %s is not Pledge's to delete, but it is gone", id)
		}
	}
	// Copies and impostors tagged as the policy's are reported every run,
	// with why (the copy's source comes from RDS's answer), never deleted.
	var unrecognised []string
	for _, o := range res[0].Targets {
		for _, u := range o.Unrecognised {
			unrecognised = append(unrecognised, u.ID)
			if !slices.Contains(w.keep, u.ID) {
				t.Errorf("unrecognised %s is not one of the seeded impostors", u.ID)
			}
		}
	}
	if len(unrecognised) != 4 {
		t.Errorf("unrecognised %v, want the 3 instance and 1 cluster impostors", unrecognised)
	}
	var whys string
	for _, o := range res[0].Targets {
		for _, u := range o.Unrecognised {
			whys += u.Why + "\n"
		}
	}
	for _, want := range []string{"it is a copy of arn:aws:rds:us-west-2:111122223333:snapshot:", "it is a copy of arn:aws:rds:us-west-2:111122223333:cluster-snapshot:", "its name is not the one stage prod's policy", "it was originally created at"} {
		if !strings.Contains(whys, want) {
			t.Errorf("no impostor reported with %q:\n%s", want, whys)
		}
	}
	// Legacy snapshots (no stage tag; stageless or first names) rotate with
	// the stage's own: the old ones past the tiers are gone.
	deletedAs := map[string]int{}
	for _, o := range res[0].Targets {
		for _, id := range o.Deleted {
			switch {
			case strings.HasPrefix(id, snapshot.NamePrefix(scenario.Stage)):
				deletedAs["staged"]++
			case strings.HasPrefix(id, "pledge-"+strconv.Itoa(len(scenario.Policy))+"-"):
				deletedAs["stageless"]++
			default:
				deletedAs["legacy"]++
			}
		}
	}
	if deletedAs["stageless"] == 0 || deletedAs["legacy"] == 0 || deletedAs["staged"] == 0 {
		t.Errorf("deleted by form %v: every form must rotate out, or legacy snapshots would be orphaned", deletedAs)
	}
	// The neighbouring stage's snapshots are listed, never touched.
	for _, o := range res[0].Targets {
		want := scenario.NeighbourDays * 24
		if o.Target.ID == scenario.OrdersDB {
			want++ // and the one tagged as the neighbour's under a prod name
		}
		if len(o.OtherStages) != want {
			t.Errorf("%s: %d other-stage snapshots listed, want %d", o.Target.ID, len(o.OtherStages), want)
		}
		if o.Stage != scenario.Stage || (o.Created != "" && !strings.HasPrefix(o.Created, snapshot.NamePrefix(scenario.Stage))) {
			t.Errorf("%s: stage %q, created %q", o.Target.ID, o.Stage, o.Created)
		}
	}
	if unsel := res[0].Unselected; len(unsel) != 1 || unsel[0].ID != "billing-aurora-1" {
		t.Errorf("unselected = %+v, want the Aurora member instance", unsel)
	}
	var warnings []string
	for _, o := range res[0].Targets {
		for _, wn := range o.Warnings {
			warnings = append(warnings, wn.Message)
		}
	}
	if !slices.ContainsFunc(warnings, func(s string) bool {
		return strings.Contains(s, "billing-aurora keeps point-in-time recovery for 3 days; 7 days are promised")
	}) {
		t.Errorf("PITR shortfall not reported: %v", warnings)
	}
	// No per-snapshot tag lookups: listing reads TagList from Describe.
	if n := counts["rds:ListTagsForResource"]; n != 0 {
		t.Errorf("ListTagsForResource called %d times", n)
	}
	t.Logf("requests per run: %v", counts)

	// Evidence: one run record in the bucket.
	out, err := sandboxtest.S3(w.sb).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String("snapshot-run/")})
	if err != nil || len(out.Contents) != 1 || !strings.HasSuffix(aws.ToString(out.Contents[0].Key), ".json") {
		t.Errorf("evidence: %v, %v; want one snapshot-run record", out, err)
	}

	// A duplicated invocation of the same firing creates nothing new. (It
	// may trim one more snapshot: the slot's new snapshot, now available,
	// counts in this run's plan.)
	again := w.invoke(t)
	final := w.snapshots()
	for _, o := range again[0].Targets {
		if o.Created != "" || o.Existing == "" {
			t.Errorf("duplicate invocation for %s created %q", o.Target.ID, o.Created)
		}
		if !final[o.Existing] {
			t.Errorf("the slot's snapshot %s is gone", o.Existing)
		}
	}
	for id := range final {
		if !after[id] {
			t.Errorf("duplicate invocation added %s", id)
		}
	}
}

func TestRotator_Sandbox_Throttling(t *testing.T) {
	w := setup(t)
	for _, op := range []string{"DescribeDBSnapshots", "DeleteDBSnapshot", "CreateDBSnapshot"} {
		if err := w.sb.Sim.SetFault(awssim.Fault{Service: "rds", Operation: op, Kind: awssim.FaultThrottle, Count: 2}); err != nil {
			t.Fatal(err)
		}
	}
	res := w.invoke(t)
	for _, o := range res[0].Targets {
		if len(o.Errors) != 0 {
			t.Errorf("%s: errors under throttling: %v", o.Target.ID, o.Errors)
		}
	}
	if len(w.sb.Sim.Faults()) != 0 {
		t.Errorf("faults left unconsumed: %+v", w.sb.Sim.Faults())
	}
	for _, id := range w.keep {
		if !w.snapshots()[id] {
			t.Errorf("%s deleted under throttling", id)
		}
	}
}

func TestRotator_Sandbox_NewestStillCreatingHaltsDeletion(t *testing.T) {
	w := setup(t)
	// The previous slot's snapshots are still being created when this slot
	// fires. (A real run always acts for the real clock's slot, so the
	// test cannot fire a later slot instead.)
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hourly, _ := schedule.Parse("rate(1 hour)")
	prev := hourly.Slot(w.now, loc).Add(-time.Hour)
	if err := w.sb.Sim.RDS().SetSnapshotStatus(snapshot.Name(scenario.Stage, scenario.Policy, scenario.OrdersDB, prev), "creating"); err != nil {
		t.Fatal(err)
	}
	if err := w.sb.Sim.RDS().SetClusterSnapshotStatus(snapshot.Name(scenario.Stage, scenario.Policy, scenario.BillingDB, prev), "creating"); err != nil {
		t.Fatal(err)
	}
	before := len(w.snapshots())
	res := w.invoke(t)
	for _, o := range res[0].Targets {
		if len(o.Deleted) != 0 || !strings.Contains(o.Halted, "is creating") {
			t.Errorf("%s: deleted %d, halted %q", o.Target.ID, len(o.Deleted), o.Halted)
		}
	}
	if got := len(w.snapshots()); got != before+2 {
		t.Errorf("snapshots %d → %d, want only the two new slot snapshots added", before, got)
	}
}

// TestRotator_Sandbox_FutureEventCreatesNothing: an event for a slot an hour
// ahead (invoke -event with a future time) is refused by a real run and
// previewed by a dry run; -now without -dry-run is refused before anything.
func TestRotator_Sandbox_FutureEventCreatesNothing(t *testing.T) {
	w := setup(t)
	before := w.snapshots()
	if err := os.WriteFile(w.evFile, runner.ScheduledEventJSON(w.now.Add(time.Hour), map[string]string{"policy": scenario.Policy}), 0o600); err != nil {
		t.Fatal(err)
	}
	r := sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-event", w.evFile)
	if r.Code != 1 || !strings.Contains(r.Stderr, "ahead of the real clock") {
		t.Errorf("future event: exit %d, stderr %s", r.Code, r.Stderr)
	}
	r = sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-now", w.now.Add(time.Hour).Format(time.RFC3339))
	if r.Code != 2 || !strings.Contains(r.Stderr, "-now needs -dry-run") {
		t.Errorf("-now without -dry-run: exit %d, stderr %s", r.Code, r.Stderr)
	}
	dry := w.invoke(t, "-dry-run")
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hourly, _ := schedule.Parse("rate(1 hour)")
	if want := hourly.Slot(w.now.Add(time.Hour), loc).UTC(); !dry[0].Slot.Equal(want) {
		t.Errorf("dry run previews slot %s, want %s", dry[0].Slot, want)
	}
	if after := w.snapshots(); len(after) != len(before) {
		t.Errorf("snapshots %d → %d: nothing may change", len(before), len(after))
	}
}

// ofStage fingerprints the snapshots (instance and cluster) tagged
// pledge:stage=stage: id → identity, tags, times and status as JSON.
func (w *world) ofStage(t *testing.T, stage string) map[string]string {
	t.Helper()
	st := w.sb.Sim.RDS().State()
	out := map[string]string{}
	add := func(id string, tags []awssim.Tag, v any) {
		for _, tg := range tags {
			if tg.Key == snapshot.TagStage && tg.Value == stage {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				out[id] = string(b)
			}
		}
	}
	for _, s := range st.Snapshots {
		add(s.DBSnapshotIdentifier, s.TagList, s)
	}
	for _, s := range st.ClusterSnapshots {
		add(s.DBClusterSnapshotIdentifier, s.TagList, s)
	}
	return out
}

// TestRotator_Sandbox_TwoStagesOneAccount: staging and prod back up the
// same databases under the same policy name in one account. Staging's own
// dry run shows that the tiers delete most of its seeded snapshots, so a
// prod rotation that took them for its own would delete them too; prod's
// real run, through the binary, deletes its own old generations and leaves
// every one of staging's exactly as it was, and staging's real run then
// leaves every one of prod's.
func TestRotator_Sandbox_TwoStagesOneAccount(t *testing.T) {
	w := setup(t)
	staging := scenario.Config()
	staging.Stage = scenario.NeighbourStage
	stagingEnv := []string{sandboxtest.ConfigEnv(staging.Only("backup")), "PLEDGE_EVIDENCE_BUCKET=" + scenario.EvidenceBucket}
	run := func(env []string, args ...string) []snapshot.Result {
		t.Helper()
		r := sandboxtest.Invoke(t, w.sb, w.bin, env, append([]string{"invoke", "-event", w.evFile}, args...)...)
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		var res []snapshot.Result
		r.Decode(t, &res)
		return res
	}

	theirs := w.ofStage(t, scenario.NeighbourStage)
	if len(theirs) != 2*scenario.NeighbourDays*24+1 {
		t.Fatalf("%d snapshots tagged as staging's seeded, want %d", len(theirs), 2*scenario.NeighbourDays*24+1)
	}
	wouldGo := 0
	for _, o := range run(stagingEnv, "-dry-run")[0].Targets {
		for _, d := range o.Delete {
			if _, ok := theirs[d.ID]; ok {
				wouldGo++
			}
		}
	}
	if wouldGo < scenario.NeighbourDays*24 {
		t.Fatalf("staging's own rotation would delete only %d of its snapshots: the test needs ones a rotation deletes", wouldGo)
	}

	res := run(w.env)
	deleted := 0
	for _, o := range res[0].Targets {
		deleted += len(o.Deleted)
		for _, id := range o.Deleted {
			if _, ok := theirs[id]; ok {
				t.Errorf("prod deleted staging's %s", id)
			}
		}
	}
	if deleted == 0 {
		t.Fatal("prod's run deleted nothing")
	}
	after := w.ofStage(t, scenario.NeighbourStage)
	for id, before := range theirs {
		if after[id] != before {
			t.Errorf("staging's %s changed in prod's run:\n  before %s\n  after  %s", id, before, after[id])
		}
	}
	if len(after) != len(theirs) {
		t.Errorf("staging's snapshots %d → %d", len(theirs), len(after))
	}

	// Prod's new snapshots reached RDS tagged with prod's stage (in the
	// create request: the rotator never tags afterwards).
	mine := w.ofStage(t, scenario.Stage)
	for _, o := range res[0].Targets {
		if _, ok := mine[o.Created]; o.Created == "" || !ok {
			t.Errorf("prod's new snapshot %q of %s is not tagged %s=%s in RDS", o.Created, o.Target.ID, snapshot.TagStage, scenario.Stage)
		}
	}
	if n := w.sb.Sim.Count("rds", "AddTagsToResource"); n != 0 {
		t.Errorf("the rotator called AddTagsToResource %d times", n)
	}

	// Staging's rotator, for real: its own old generations go, prod's stay.
	res = run(stagingEnv)
	deleted = 0
	for _, o := range res[0].Targets {
		deleted += len(o.Deleted)
		if o.Created == "" || !strings.HasPrefix(o.Created, snapshot.NamePrefix(scenario.NeighbourStage)) {
			t.Errorf("staging created %q for %s", o.Created, o.Target.ID)
		}
	}
	if deleted < wouldGo {
		t.Errorf("staging deleted %d, its dry run planned at least %d", deleted, wouldGo)
	}
	now := w.ofStage(t, scenario.Stage)
	for id, before := range mine {
		if now[id] != before {
			t.Errorf("prod's %s changed in staging's run", id)
		}
	}
}
