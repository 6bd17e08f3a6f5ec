package snapshot_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// cutLength reads "<n>-<n characters>-" from the front of s.
func cutLength(s string) (word, rest string, ok bool) {
	digits, rest, found := strings.Cut(s, "-")
	n, err := strconv.Atoi(digits)
	if !found || err != nil || n < 1 || strconv.Itoa(n) != digits || len(rest) < n+1 || rest[n] != '-' {
		return "", "", false
	}
	return rest[:n], rest[n+1:], true
}

// parseName decodes a name of Name's form; its existence (and the round
// trip below) is what makes Name unambiguous.
func parseName(id string) (stage, policy, target string, slot time.Time, ok bool) {
	rest, found := strings.CutPrefix(id, "pledge-")
	if !found {
		return "", "", "", time.Time{}, false
	}
	stage, rest, ok1 := cutLength(rest)
	policy, rest, ok2 := cutLength(rest)
	cut := len(rest) - 13
	if !ok1 || !ok2 || cut < 1 || rest[cut] != '-' {
		return "", "", "", time.Time{}, false
	}
	slot, err := time.Parse("200601021504", rest[cut+1:])
	return stage, policy, rest[:cut], slot, err == nil
}

var (
	stageRE   = regexp.MustCompile(`^[a-z](-?[a-z0-9]){0,15}$`)                                 // config's rule for stage names
	policyRE  = regexp.MustCompile(`^[a-z](-?[a-z0-9]){0,29}$`)                                 // config's rule for policy names
	dbRE      = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,62}$`)                         // RDS's rule, as stored (lower case)
	slot0     = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)                                   // a slot
	everyHour = func() schedule.Schedule { s, _ := schedule.Parse("rate(1 hour)"); return s }() // the test policy's schedule
)

// words returns every string of up to n characters over alphabet.
func words(alphabet string, n int) []string {
	out := []string{""}
	prev := []string{""}
	for range n {
		var next []string
		for _, w := range prev {
			for _, c := range alphabet {
				next = append(next, w+string(c))
			}
		}
		out = append(out, next...)
		prev = next
	}
	return out
}

// TestName_Unambiguous: over every valid stage of up to three characters
// and every valid policy and database name of up to four from "ab1-", no
// two (stage, policy, database) triples share a name, none shares a name
// with any stageless or legacy name, every name starts with its stage's
// NamePrefix and no other stage's, and each name decodes back. The legacy
// form, for comparison, collides (policy a-b with database c and policy a
// with database b-c).
func TestName_Unambiguous(t *testing.T) {
	var stages, policies, dbs []string
	for _, w := range words("ab1-", 4) {
		if stageRE.MatchString(w) && len(w) <= 3 {
			stages = append(stages, w)
		}
		if policyRE.MatchString(w) {
			policies = append(policies, w)
		}
		if dbRE.MatchString(w) {
			dbs = append(dbs, w)
		}
	}
	old := map[string]bool{}
	legacyCollisions := 0
	for _, p := range policies {
		for _, d := range dbs {
			if l := snapshot.LegacyName(p, d, slot0); old[l] {
				legacyCollisions++
			} else {
				old[l] = true
			}
			old[snapshot.StagelessName(p, d, slot0)] = true
		}
	}
	names := map[string][3]string{}
	for _, st := range stages {
		for _, p := range policies {
			for _, d := range dbs {
				n := snapshot.Name(st, p, d, slot0)
				if prev, dup := names[n]; dup {
					t.Fatalf("%v and %s/%s/%s both give %s", prev, st, p, d, n)
				}
				names[n] = [3]string{st, p, d}
				if old[n] {
					t.Fatalf("%s is both a name and a stageless or legacy name", n)
				}
				gst, gp, gd, gs, ok := parseName(n)
				if !ok || gst != st || gp != p || gd != d || !gs.Equal(slot0) {
					t.Fatalf("%s decodes to %q %q %q %s %v", n, gst, gp, gd, gs, ok)
				}
			}
		}
	}
	for n, who := range names {
		for _, st := range stages {
			if strings.HasPrefix(n, snapshot.NamePrefix(st)) != (st == who[0]) {
				t.Fatalf("%s (stage %s) and the prefix %s of stage %s", n, who[0], snapshot.NamePrefix(st), st)
			}
		}
	}
	if len(names) < 100000 || legacyCollisions == 0 || len(stages) < 10 {
		t.Errorf("%d names over %d stages, %d legacy collisions: the test covers too little", len(names), len(stages), legacyCollisions)
	}
	a, b := snapshot.Name("prod", "a-b", "c", slot0), snapshot.Name("prod", "a", "b-c", slot0)
	if a != "pledge-4-prod-3-a-b-c-202611220000" || b != "pledge-4-prod-1-a-b-c-202611220000" {
		t.Errorf("names %s, %s", a, b)
	}
	// Staging beside prod, same policy, same database: two names.
	if got, want := snapshot.Name("staging", "gfs", "orders-db", slot0), "pledge-7-staging-3-gfs-orders-db-202611220000"; got != want {
		t.Errorf("staging's name %s, want %s", got, want)
	}
	if got, want := snapshot.StagelessName("a-b", "c", slot0), "pledge-3-a-b-c-202611220000"; got != want {
		t.Errorf("stageless name %s, want %s", got, want)
	}
}

// FuzzName: any valid stage, policy and database name round-trips through
// the name.
func FuzzName(f *testing.F) {
	f.Add("prod", "a-b", "c", int64(0))
	f.Add("staging-2", "gfs-24h-7d-4w", "billing-aurora", int64(123456))
	f.Fuzz(func(t *testing.T, stage, policy, db string, minutes int64) {
		db = strings.ToLower(db)
		if !stageRE.MatchString(stage) || !policyRE.MatchString(policy) || !dbRE.MatchString(db) || minutes < 0 || minutes > 500*365*24*60 {
			t.Skip()
		}
		slot := slot0.Add(time.Duration(minutes) * time.Minute)
		n := snapshot.Name(stage, policy, db, slot)
		st, p, d, s, ok := parseName(n)
		if !ok || st != stage || p != policy || d != db || !s.Equal(slot) {
			t.Fatalf("%s decodes to %q %q %q %s", n, st, p, d, s)
		}
		if len(n) > 255 || strings.Contains(n, "--") || strings.HasSuffix(n, "-") || !strings.HasPrefix(n, snapshot.NamePrefix(stage)) {
			t.Fatalf("%s is not a valid RDS snapshot identifier with its stage's prefix", n)
		}
	})
}

// TestName_LengthAsConfigComputesIt: configuration validation measures
// names without making them; the two must agree.
func TestName_LengthAsConfigComputesIt(t *testing.T) {
	for _, w := range words("ab-", 5) {
		for _, st := range []string{"a", "prod", strings.Repeat("s", 16)} {
			for _, p := range []string{"a", "gfs-24h-7d-4w", strings.Repeat("p", 30)} {
				if !dbRE.MatchString(w) {
					continue
				}
				if got, want := config.SnapshotNameLength(st, p, w), len(snapshot.Name(st, p, w, slot0)); got != want {
					t.Fatalf("%s/%s/%s: config says %d characters, Name has %d", st, p, w, got, want)
				}
			}
		}
	}
}

// TestPlanTarget_ClusterNameTooLong: a cluster selected by tag whose
// snapshot name would exceed RDS's 63 characters is reported, not tried.
func TestPlanTarget_ClusterNameTooLong(t *testing.T) {
	long := snapshot.Target{Kind: snapshot.Cluster, ID: "billing-aurora-primary-cluster-in-tokyo-region", Encrypted: true, BackupRetentionDays: 7}
	plan, err := snapshot.PlanTarget(stage, policy, long, nil, slot0, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Create != nil || !strings.Contains(plan.Blocked, "has 79 characters, more than the 63 RDS allows a cluster snapshot: shorten the policy or the stage name") {
		t.Errorf("create %+v, blocked %q", plan.Create, plan.Blocked)
	}
	long.Kind = snapshot.Instance
	if plan, _ := snapshot.PlanTarget(stage, policy, long, nil, slot0, tokyo); plan.Create == nil {
		t.Errorf("an instance snapshot may have 255 characters: blocked %q", plan.Blocked)
	}
}

// managedAt is the snapshot the rotator of stage makes of orders-db for slot.
func managedAt(slot time.Time) snapshot.Snapshot {
	return snapshot.Snapshot{ID: snapshot.Name(stage, "gfs", "orders-db", slot), Target: "orders-db", Kind: snapshot.Instance, Type: "manual", Status: "available",
		Created: slot.Add(20 * time.Second), OriginalCreated: slot.Add(20 * time.Second), Encrypted: true, Tags: snapshot.Tags(stage, "gfs", "orders-db", slot)}
}

// legacyAt is managedAt as the rotator made it before stages: no stage
// tag, and the name given (StagelessName or LegacyName).
func legacyAt(slot time.Time, name func(policy, target string, slot time.Time) string) snapshot.Snapshot {
	s := managedAt(slot)
	delete(s.Tags, snapshot.TagStage)
	s.ID = name("gfs", "orders-db", slot)
	return s
}

func TestRecognize(t *testing.T) {
	daily, _ := schedule.Parse("cron(0 3 * * ? *)")
	unstage := func(s *snapshot.Snapshot) { delete(s.Tags, snapshot.TagStage) }
	for _, tc := range []struct {
		name       string
		edit       func(*snapshot.Snapshot)
		sched      schedule.Schedule
		legacy     bool
		want       string // error substring; "" when recognised
		otherStage bool   // the error wraps ErrOtherStage
	}{
		{"made by the rotator", func(*snapshot.Snapshot) {}, everyHour, false, "", false},
		{"still being created", func(s *snapshot.Snapshot) {
			s.Created, s.OriginalCreated, s.Status = time.Time{}, time.Time{}, "creating"
		}, everyHour, false, "", false},
		{"legacy: no stage tag, the first name", func(s *snapshot.Snapshot) { unstage(s); s.ID = snapshot.LegacyName("gfs", "orders-db", slot0) }, everyHour, true, "", false},
		{"legacy: no stage tag, the stageless name", func(s *snapshot.Snapshot) { unstage(s); s.ID = snapshot.StagelessName("gfs", "orders-db", slot0) }, everyHour, true, "", false},
		{"clock a little behind", func(s *snapshot.Snapshot) { s.Created, s.OriginalCreated = slot0.Add(-4*time.Minute), time.Time{} }, everyHour, false, "", false},
		{"requested at the end of the slot", func(s *snapshot.Snapshot) { s.Created, s.OriginalCreated = slot0.Add(64*time.Minute), time.Time{} }, everyHour, false, "", false},
		{"the schedule went from hourly to daily", func(*snapshot.Snapshot) {}, daily, false, "", false},

		{"another stage's, as its rotator made it", func(s *snapshot.Snapshot) {
			s.ID, s.Tags = snapshot.Name("staging", "gfs", "orders-db", slot0), snapshot.Tags("staging", "gfs", "orders-db", slot0)
		}, everyHour, false, `it is tagged pledge:stage="staging", another stage's snapshot, which stage prod never deletes nor counts`, true},
		{"another stage's tag on this stage's name", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagStage] = "staging" }, everyHour, false, `pledge:stage="staging"`, true},
		{"an empty stage tag", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagStage] = "" }, everyHour, false, `pledge:stage=""`, true},
		{"the stage tag in capitals", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagStage] = "Prod" }, everyHour, false, `pledge:stage="Prod"`, true},
		{"stage tag removed from this stage's snapshot", unstage, everyHour, false,
			"it has no pledge:stage tag, and its name is neither of the ones policy gfs gave orders-db for slot 2026-11-22T00:00:00Z before stages (pledge-3-gfs-orders-db-202611220000, pledge-gfs-orders-db-202611220000)", false},
		{"stage tag on a legacy name", func(s *snapshot.Snapshot) { s.ID = snapshot.LegacyName("gfs", "orders-db", slot0) }, everyHour, false,
			"its name is not the one stage prod's policy gfs gives orders-db for slot 2026-11-22T00:00:00Z (pledge-4-prod-3-gfs-orders-db-202611220000)", false},
		{"stage tag on a stageless name", func(s *snapshot.Snapshot) { s.ID = snapshot.StagelessName("gfs", "orders-db", slot0) }, everyHour, false, "its name is not the one stage prod's", false},
		{"another stage's name with this stage's tag", func(s *snapshot.Snapshot) { s.ID = snapshot.Name("staging", "gfs", "orders-db", slot0) }, everyHour, false, "its name is not the one stage prod's", false},

		{"same-region copy with the tags", func(s *snapshot.Snapshot) { s.ID = "copy-of-" + s.ID; s.Created = slot0.Add(48 * time.Hour) }, everyHour, false, "its name is not the one stage prod's policy gfs gives orders-db for slot 2026-11-22T00:00:00Z (pledge-4-prod-3-gfs-orders-db-202611220000)", false},
		{"same-region copy of a legacy snapshot", func(s *snapshot.Snapshot) { unstage(s); s.ID = "copy-of-pledge-gfs-orders-db-202611220000" }, everyHour, false, "it has no pledge:stage tag, and its name is neither", false},
		{"cross-region copy", func(s *snapshot.Snapshot) { s.SourceARN = "arn:aws:rds:us-east-1:111122223333:snapshot:" + s.ID }, everyHour, false, "it is a copy of arn:aws:rds:us-east-1", false},
		{"cross-region copy of a legacy snapshot", func(s *snapshot.Snapshot) {
			unstage(s)
			s.ID = snapshot.LegacyName("gfs", "orders-db", slot0)
			s.SourceARN = "arn:aws:rds:us-east-1:111122223333:snapshot:" + s.ID
		}, everyHour, false, "it is a copy of arn:aws:rds:us-east-1", false},
		{"copy of a copy given the name back", func(s *snapshot.Snapshot) { s.Created = slot0.Add(72 * time.Hour) }, everyHour, false, "it was created at 2026-11-25T00:00:00Z, outside its slot 2026-11-22T00:00:00Z to 2026-11-22T01:00:00Z", false},
		{"original time elsewhere", func(s *snapshot.Snapshot) { s.OriginalCreated = slot0.Add(-72 * time.Hour) }, everyHour, false, "it was originally created at 2026-11-19T00:00:00Z, outside its slot", false},
		{"made too early for its slot", func(s *snapshot.Snapshot) { s.Created, s.OriginalCreated = slot0.Add(-6*time.Minute), time.Time{} }, everyHour, false, "outside its slot", false},
		{"made in the next slot", func(s *snapshot.Snapshot) { s.Created, s.OriginalCreated = slot0.Add(66*time.Minute), time.Time{} }, everyHour, false, "outside its slot", false},
		{"another database's tags", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagTarget] = "reports-db" }, everyHour, false, `its pledge:target tag is "reports-db", not orders-db`, false},
		{"a snapshot of another database", func(s *snapshot.Snapshot) { s.Target = "reports-db" }, everyHour, false, `it is a snapshot of "reports-db", not of orders-db`, false},
		{"slot tag not a time", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagSlot] = "yesterday" }, everyHour, false, `its pledge:slot tag "yesterday" is not an RFC 3339 time`, false},
		{"slot tag moved", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagSlot] = slot0.Add(time.Hour).Format(time.RFC3339) }, everyHour, false, "its name is not the one", false},
		{"automated", func(s *snapshot.Snapshot) { s.Type = "automated" }, everyHour, false, "it is not a manual snapshot tagged", false},
		{"another policy", func(s *snapshot.Snapshot) { s.Tags[snapshot.TagPolicy] = "daily" }, everyHour, false, "it is not a manual snapshot tagged pledge:managed=true and pledge:policy=gfs", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := managedAt(slot0)
			tc.edit(&s)
			id, err := snapshot.Recognize(s, stage, "gfs", target, tc.sched, tokyo)
			if tc.want == "" {
				if err != nil || !id.Slot.Equal(slot0) || id.Legacy != tc.legacy {
					t.Fatalf("Recognize = %+v, %v; want slot %s, legacy %v", id, err, slot0, tc.legacy)
				}
				return
			}
			if !errors.Is(err, snapshot.ErrUnrecognised) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Recognize = %v, want ErrUnrecognised containing %q", err, tc.want)
			}
			if errors.Is(err, snapshot.ErrOtherStage) != tc.otherStage {
				t.Errorf("Recognize = %v: wraps ErrOtherStage %v, want %v", err, errors.Is(err, snapshot.ErrOtherStage), tc.otherStage)
			}
		})
	}
	// The legacy names of colliding policies are told apart by their tags.
	collTags := snapshot.Tags(stage, "a-b", "c", slot0)
	delete(collTags, snapshot.TagStage)
	coll := snapshot.Snapshot{ID: snapshot.LegacyName("a-b", "c", slot0), Target: "c", Type: "manual", Created: slot0, Tags: collTags}
	if _, err := snapshot.Recognize(coll, stage, "a", snapshot.Target{ID: "c"}, everyHour, tokyo); err == nil {
		t.Error("policy a recognised policy a-b's legacy snapshot of c")
	}
	if _, err := snapshot.Recognize(coll, stage, "a-b", snapshot.Target{ID: "c"}, everyHour, tokyo); err != nil {
		t.Errorf("policy a-b does not recognise its own legacy snapshot of c: %v", err)
	}
	// A legacy snapshot says nothing of its stage: every stage recognises it.
	if _, err := snapshot.Recognize(legacyAt(slot0, snapshot.StagelessName), "staging", "gfs", target, everyHour, tokyo); err != nil {
		t.Errorf("stage staging does not recognise a legacy snapshot: %v", err)
	}
}

// TestPlanTarget_OnlyRecognisedSnapshotsAreManaged: copies and impostors
// with this policy's tags, however old and however many, are never deleted
// and never count; legacy-named snapshots rotate like the others.
func TestPlanTarget_OnlyRecognisedSnapshotsAreManaged(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	snaps := hourly(24*40, end)
	// The oldest 20 days carry legacy names, as an account upgraded from them would.
	var legacyIDs []string
	for i := 24 * 20; i < len(snaps); i++ {
		at := snaps[i].Created
		snaps[i].ID = snapshot.LegacyName("gfs", "orders-db", at)
		delete(snaps[i].Tags, snapshot.TagStage)
		legacyIDs = append(legacyIDs, snaps[i].ID)
	}
	old := end.AddDate(0, 0, -200)
	impostors := []snapshot.Snapshot{}
	for i := range 30 {
		at := old.Add(time.Duration(i) * time.Hour)
		orig := snapshot.Snapshot{ID: snapshot.Name(stage, "gfs", "orders-db", at), Target: "orders-db", Type: "manual", Status: "available", Encrypted: true, Tags: snapshot.Tags(stage, "gfs", "orders-db", at)}
		copy1 := orig
		copy1.ID, copy1.Created = "keep-"+orig.ID, at.Add(30*time.Minute) // a same-region copy, tags inherited
		copy2 := orig
		copy2.Created, copy2.SourceARN = at, "arn:aws:rds:ap-southeast-1:111122223333:snapshot:"+orig.ID // a cross-region copy
		copy3 := orig
		copy3.Created, copy3.OriginalCreated = at.AddDate(0, 0, 3), at // a copy of a copy that took the name back
		impostors = append(impostors, copy1, copy2, copy3)
	}
	plan, err := snapshot.PlanTarget(stage, policy, target, append(slices.Clone(snaps), impostors...), end.Add(time.Hour), tokyo)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := ids(plan)
	for _, s := range impostors {
		if slices.Contains(del, s.ID) || slices.Contains(keep, s.ID) {
			t.Errorf("%s (not the rotator's) is in the plan", s.ID)
		}
	}
	if len(plan.Unrecognised) != len(impostors) {
		t.Errorf("%d unrecognised reported, want %d", len(plan.Unrecognised), len(impostors))
	}
	n := 0
	for _, w := range plan.Warnings {
		if w.Kind == "unrecognised-snapshot" && strings.Contains(w.Message, "it is never deleted") {
			n++
		}
	}
	if n != len(impostors) {
		t.Errorf("%d unrecognised-snapshot warnings, want %d", n, len(impostors))
	}
	// Every legacy-named snapshot is managed: in the plan, deleted past the tiers.
	deletedLegacy := 0
	for _, id := range legacyIDs {
		switch {
		case slices.Contains(del, id):
			deletedLegacy++
		case !slices.Contains(keep, id):
			t.Errorf("legacy %s is neither kept nor deleted", id)
		}
	}
	if deletedLegacy == 0 {
		t.Error("no legacy-named snapshot was deleted: they would be orphaned")
	}
	if len(keep)+len(del) != len(snaps) {
		t.Errorf("keep %d + delete %d, want all %d of the rotator's", len(keep), len(del), len(snaps))
	}
}

func TestPlanTarget_SlotNameTaken(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	slot := end.Add(time.Hour)
	for name, squatter := range map[string]snapshot.Snapshot{
		"untagged": {ID: snapshot.Name(stage, "gfs", "orders-db", slot), Target: "orders-db", Type: "manual", Status: "available", Created: slot.Add(-48 * time.Hour)},
		"tagged, made two days early": {ID: snapshot.Name(stage, "gfs", "orders-db", slot), Target: "orders-db", Type: "manual", Status: "available",
			Created: slot.Add(-48 * time.Hour), Tags: snapshot.Tags(stage, "gfs", "orders-db", slot)},
	} {
		t.Run(name, func(t *testing.T) {
			plan, err := snapshot.PlanTarget(stage, policy, target, append(hourly(30, end), squatter), slot, tokyo)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Create != nil || plan.Existing != "" || !strings.Contains(plan.Blocked, "the slot's name pledge-4-prod-3-gfs-orders-db-202611220100 is taken") {
				t.Errorf("create %+v, existing %q, blocked %q; want no create and the name reported as taken", plan.Create, plan.Existing, plan.Blocked)
			}
		})
	}
	// The slot's legacy-named snapshot, made by the old code in this slot, is
	// the slot's snapshot: nothing new is made.
	legacy := legacyAt(slot.UTC(), snapshot.LegacyName)
	plan, _ := snapshot.PlanTarget(stage, policy, target, append(hourly(30, end), legacy), slot, tokyo)
	if plan.Create != nil || plan.Existing != legacy.ID || plan.Blocked != "" {
		t.Errorf("legacy slot snapshot: create %+v, existing %q, blocked %q", plan.Create, plan.Existing, plan.Blocked)
	}
}

// TestRotator_CreateAlreadyExists: a create that fails because the name
// exists is success only when the existing snapshot is this slot's.
func TestRotator_CreateAlreadyExists(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)
	slot := end.Add(time.Hour)

	t.Run("made meanwhile by a concurrent run of the slot", func(t *testing.T) {
		src := newSource(end)
		for _, id := range []string{"orders-db", "reports-db"} {
			s := snapshot.Snapshot{ID: snapshot.Name(stage, "gfs", id, slot), Target: id, Kind: snapshot.Instance, Type: "manual", Status: "creating", Tags: snapshot.Tags(stage, "gfs", id, slot)}
			src.appear = append(src.appear, s)
		}
		r, _, _ := newRotator(src, now, false)
		res, err := r.Run(context.Background(), policy, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Targets[0]; got.Created != "" || got.Existing != snapshot.Name(stage, "gfs", "orders-db", slot) {
			t.Errorf("created %q existing %q", got.Created, got.Existing)
		}
	})
	t.Run("the name is another database's snapshot", func(t *testing.T) {
		src := newSource(end)
		name := snapshot.Name(stage, "gfs", "orders-db", slot)
		src.snaps[name] = snapshot.Snapshot{ID: name, Target: "someone-elses-db", Type: "manual", Status: "available", Created: now}
		r, _, _ := newRotator(src, now, false)
		res, err := r.Run(context.Background(), policy, now)
		want := "create snapshot " + name + " of orders-db: the name is taken by a snapshot that is not one of orders-db's (snapshot names are unique per account and region): this slot has no backup"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
		o := res.Targets[0]
		if o.Created != "" || o.Existing != "" || !slices.ContainsFunc(o.Errors, func(e string) bool { return strings.Contains(e, want) }) {
			t.Errorf("outcome: created %q existing %q errors %v", o.Created, o.Existing, o.Errors)
		}
		if res.Targets[1].Created == "" {
			t.Error("the other target's snapshot was not made")
		}
	})
}

// TestRotator_RealClockDecidesTheSlot: a real run never creates a snapshot
// for a slot the real clock is not in.
func TestRotator_RealClockDecidesTheSlot(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)

	// A scheduled time a day ahead (invoke -event with a future time): refused.
	src := newSource(end)
	r, _, _ := newRotator(src, now, false)
	_, err := r.Run(context.Background(), policy, now.Add(24*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "is 24h0m0s ahead of the real clock") || len(src.created)+len(src.deleted) != 0 {
		t.Fatalf("future slot: err %v, created %v, deleted %d", err, src.created, len(src.deleted))
	}
	// The same as a dry run previews that slot.
	dry, _, _ := newRotator(newSource(end), now, true)
	res, err := dry.Run(context.Background(), policy, now.Add(24*time.Hour))
	if err != nil || !res.Slot.Equal(end.Add(25*time.Hour).UTC()) {
		t.Errorf("dry run of a future slot: slot %s, %v", res.Slot, err)
	}
	// The scheduler firing a moment before this clock reads the hour: the
	// fired slot.
	src = newSource(end)
	r, _, _ = newRotator(src, end.Add(time.Hour-2*time.Second), false)
	if res, err := r.Run(context.Background(), policy, end.Add(time.Hour)); err != nil || !res.Slot.Equal(end.Add(time.Hour).UTC()) {
		t.Errorf("early clock: slot %s, %v", res.Slot, err)
	}
	// A retry three hours late acts for the current slot, and its snapshot
	// is recognised in that slot.
	src = newSource(end)
	r, _, _ = newRotator(src, now.Add(3*time.Hour), false)
	res, err = r.Run(context.Background(), policy, now)
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Name(stage, "gfs", "orders-db", end.Add(4*time.Hour))
	if !res.Slot.Equal(end.Add(4*time.Hour).UTC()) || !slices.Contains(src.created, want) {
		t.Errorf("late retry: slot %s, created %v; want %s", res.Slot, src.created, want)
	}
}

// TestRotator_RecheckRecognises: a snapshot that stops being recognisable
// between the plan and the delete (its name tag moved) is not deleted.
func TestRotator_RecheckRecognises(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour)
	src := newSource(end)
	src.recheck = func(s *snapshot.Snapshot) {
		if s.Tags != nil {
			s.Tags = map[string]string{snapshot.TagManaged: "true", snapshot.TagPolicy: "gfs", snapshot.TagTarget: s.Target, snapshot.TagSlot: "2020-01-01T00:00:00Z"}
		}
	}
	r, _, _ := newRotator(src, now, false)
	_, err := r.Run(context.Background(), policy, now)
	if err == nil || !strings.Contains(err.Error(), "is not recognised as a snapshot this policy made") || !strings.Contains(err.Error(), "not deleted") {
		t.Fatalf("err = %v", err)
	}
	if len(src.deleted) != 0 {
		t.Errorf("deleted %d snapshots that were no longer recognisable", len(src.deleted))
	}
}
