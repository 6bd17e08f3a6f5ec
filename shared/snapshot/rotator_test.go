package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// memSource is an in-memory RDS for the rotator.
type memSource struct {
	mu      sync.Mutex
	targets []snapshot.Target
	snaps   map[string]snapshot.Snapshot
	quota   snapshot.Quota
	created []string
	deleted []string
	recheck func(s *snapshot.Snapshot)
	listed  map[string]int
	// appear are added just before the next Create, as if another
	// invocation had made them in the meantime.
	appear []snapshot.Snapshot
}

func (m *memSource) Targets(context.Context, config.Targets) ([]snapshot.Target, []snapshot.Unselected, error) {
	return m.targets, nil, nil
}

// Snapshots lists a target's snapshots; from the second listing of a
// target on (the re-check before deleting), recheck may alter them.
func (m *memSource) Snapshots(_ context.Context, t snapshot.Target) ([]snapshot.Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listed == nil {
		m.listed = map[string]int{}
	}
	m.listed[t.ID]++
	var out []snapshot.Snapshot
	for _, s := range m.snaps {
		if s.Target == t.ID {
			if m.listed[t.ID] > 1 && m.recheck != nil {
				m.recheck(&s)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memSource) Quotas(context.Context) (snapshot.Quotas, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.quota
	q.Used = int64(len(m.snaps))
	return snapshot.Quotas{snapshot.Instance: q, snapshot.Cluster: q}, nil
}

func (m *memSource) Create(_ context.Context, t snapshot.Target, name string, tags map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.appear {
		m.snaps[a.ID] = a
	}
	m.appear = nil
	if _, ok := m.snaps[name]; ok {
		return snapshot.ErrExists
	}
	m.snaps[name] = snapshot.Snapshot{ID: name, Target: t.ID, Kind: t.Kind, Type: "manual", Status: "creating", Encrypted: true, Tags: maps.Clone(tags)}
	m.created = append(m.created, name)
	return nil
}

func (m *memSource) Delete(_ context.Context, _ snapshot.Target, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.snaps, id)
	m.deleted = append(m.deleted, id)
	return nil
}

type memEvidence struct{ records []evidence.Record }

func (e *memEvidence) Put(_ context.Context, r evidence.Record) (string, error) {
	e.records = append(e.records, r)
	return "snapshot-run/key", nil
}

func newSource(end time.Time) *memSource {
	m := &memSource{snaps: map[string]snapshot.Snapshot{}, quota: snapshot.Quota{Max: 10000}}
	for _, id := range []string{"orders-db", "reports-db"} {
		m.targets = append(m.targets, snapshot.Target{Kind: snapshot.Instance, ID: id, Encrypted: true, BackupRetentionDays: 7})
		for i := range 60 * 24 {
			at := end.Add(-time.Duration(i) * time.Hour)
			name := snapshot.Name(stage, "gfs", id, at)
			m.snaps[name] = snapshot.Snapshot{ID: name, Target: id, Kind: snapshot.Instance, Type: "manual", Status: "available", Created: at, Encrypted: true, Tags: snapshot.Tags(stage, "gfs", id, at)}
		}
		m.snaps["keep-me-"+id] = snapshot.Snapshot{ID: "keep-me-" + id, Target: id, Type: "manual", Status: "available", Created: end.AddDate(-1, 0, 0)}
	}
	return m
}

func newRotator(src *memSource, now time.Time, dry bool) (*snapshot.Rotator, *memEvidence, *bytes.Buffer) {
	var emf bytes.Buffer
	ev := &memEvidence{}
	return &snapshot.Rotator{Stage: stage, Source: src, Evidence: ev, Metrics: metrics.New(&emf, map[string]string{"Function": "snapshot-rotator"}, func() time.Time { return now }),
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: func() time.Time { return now }, WallClock: func() time.Time { return now }, Location: tokyo, DryRun: dry}, ev, &emf
}

func planOnly(t *testing.T, res snapshot.Result) string {
	t.Helper()
	var plans []snapshot.Plan
	for _, o := range res.Targets {
		plans = append(plans, o.Plan)
	}
	b, err := json.Marshal(plans)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRotator_DryRunAndRealRunSamePlan(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)
	dry := newSource(end)
	r, _, _ := newRotator(dry, now, true)
	dryRes, err := r.Run(context.Background(), policy, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.created)+len(dry.deleted) != 0 {
		t.Fatalf("dry run changed things: created %v deleted %v", dry.created, dry.deleted)
	}
	real := newSource(end)
	r2, ev, emf := newRotator(real, now, false)
	realRes, err := r2.Run(context.Background(), policy, now)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := planOnly(t, dryRes), planOnly(t, realRes); a != b {
		t.Errorf("dry-run plan differs from the real run's plan")
	}
	var planned []string
	for _, o := range realRes.Targets {
		for _, d := range o.Delete {
			planned = append(planned, d.ID)
		}
	}
	slices.Sort(planned)
	slices.Sort(real.deleted)
	if !slices.Equal(planned, real.deleted) || len(planned) == 0 {
		t.Errorf("deleted %d, planned %d: a real run deletes exactly the plan", len(real.deleted), len(planned))
	}
	for _, id := range []string{"keep-me-orders-db", "keep-me-reports-db"} {
		if _, ok := real.snaps[id]; !ok {
			t.Errorf("unmanaged snapshot %s was deleted", id)
		}
	}
	if len(real.created) != 2 || !strings.HasPrefix(real.created[0], "pledge-4-prod-3-gfs-") {
		t.Errorf("created %v, want one per target", real.created)
	}
	if len(ev.records) != 1 || ev.records[0].Kind != "snapshot-run" {
		t.Errorf("evidence = %+v, want one snapshot-run record", ev.records)
	}
	if err := r2.Metrics.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"SnapshotsCreated", "SnapshotsDeleted", "SnapshotsKept", "SnapshotsUnrecognised", "SnapshotQuotaHeadroom", "NewestSnapshotAgeSeconds"} {
		if !strings.Contains(emf.String(), `"`+m+`"`) {
			t.Errorf("metric %s not emitted", m)
		}
	}
}

func TestRotator_DuplicateInvocationCreatesNothing(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour + time.Minute)
	src := newSource(end)
	r, _, _ := newRotator(src, now, false)
	if _, err := r.Run(context.Background(), policy, now); err != nil {
		t.Fatal(err)
	}
	deletedFirst := len(src.deleted)
	// A retry of the same firing, 5 minutes later: same slot.
	r.WallClock = func() time.Time { return now.Add(5 * time.Minute) }
	res, err := r.Run(context.Background(), policy, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.created) != 2 {
		t.Errorf("created %d snapshots over two invocations in one slot, want 2 (one per target)", len(src.created))
	}
	for _, o := range res.Targets {
		if o.Create != nil || o.Existing == "" {
			t.Errorf("second run for %s: create %+v existing %q", o.Target.ID, o.Create, o.Existing)
		}
		if o.Halted == "" {
			t.Errorf("the slot's snapshot is still creating: deletion must halt for %s", o.Target.ID)
		}
	}
	if len(src.deleted) != deletedFirst {
		t.Errorf("second run deleted %d more", len(src.deleted)-deletedFirst)
	}
}

func TestRotator_QuotaExceededFailsLoudly(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour)
	src := newSource(end)
	src.quota.Max = int64(len(src.snaps)) // no headroom
	// Keep everything so that no deletion frees room.
	p := policy
	p.Keep = config.Keep{Last: -1}
	r, _, emf := newRotator(src, now, false)
	_, err := r.Run(context.Background(), p, now)
	if err == nil || !strings.Contains(err.Error(), "manual instance snapshot quota would be exceeded") {
		t.Fatalf("err = %v, want a quota error", err)
	}
	if len(src.created) != 0 {
		t.Errorf("created %v despite the quota", src.created)
	}
	if err := r.Metrics.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(emf.String(), `"SnapshotQuotaHeadroom":0`) {
		t.Errorf("headroom metric missing: %s", emf.String())
	}
}

func TestRotator_RecheckBeforeDelete(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, tokyo)
	now := end.Add(time.Hour)
	src := newSource(end)
	// Someone removes the managed tag between planning and deleting.
	src.recheck = func(s *snapshot.Snapshot) { s.Tags = map[string]string{} }
	r, _, _ := newRotator(src, now, false)
	_, err := r.Run(context.Background(), policy, now)
	if err == nil || !strings.Contains(err.Error(), "no longer tagged as managed by policy gfs of stage prod: not deleted") {
		t.Fatalf("err = %v", err)
	}
	if len(src.deleted) != 0 {
		t.Errorf("deleted %d snapshots that were no longer managed", len(src.deleted))
	}
	if len(src.created) != 2 {
		t.Errorf("one target's deletion trouble must not stop creation: created %v", src.created)
	}
}

func TestRotator_RunPolicies_UnknownPolicy(t *testing.T) {
	r, _, _ := newRotator(newSource(time.Now()), time.Now(), true)
	_, err := r.RunPolicies(context.Background(), []config.BackupPolicy{policy}, "nightly", time.Now())
	if err == nil || !strings.Contains(err.Error(), `event names policy "nightly", which is not configured (known: [gfs])`) {
		t.Errorf("err = %v", err)
	}
}

// TestRotator_RunPolicies_PointInTimeRecoveryOnly: a policy that promises
// only point-in-time recovery is never run; named, it is an error that
// says why, and with no policy that takes snapshots the rotator says it
// has nothing to do, creating and deleting nothing.
func TestRotator_RunPolicies_PointInTimeRecoveryOnly(t *testing.T) {
	pitr := config.BackupPolicy{Name: "pitr-30d", PointInTimeRecoveryDays: 30, MinAvailable: 1, Targets: policy.Targets}
	src := newSource(time.Now())
	r, _, _ := newRotator(src, time.Now(), false)
	for _, tc := range []struct {
		name     string
		policies []config.BackupPolicy
		want     string
	}{
		{"pitr-30d", []config.BackupPolicy{policy, pitr}, "policy pitr-30d promises only point-in-time recovery: it takes no snapshots"},
		{"", []config.BackupPolicy{pitr}, "no backup policy takes snapshots ([pitr-30d] promise only point-in-time recovery"},
	} {
		if _, err := r.RunPolicies(context.Background(), tc.policies, tc.name, time.Now()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("RunPolicies(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
	if len(src.created)+len(src.deleted) != 0 {
		t.Errorf("created %v, deleted %v", src.created, src.deleted)
	}
	res, err := r.RunPolicies(context.Background(), []config.BackupPolicy{pitr, policy}, "", time.Now())
	if err != nil || len(res) != 1 || res[0].Policy != policy.Name {
		t.Errorf("mixed policies: %v, %+v; want the snapshot policy alone", err, res)
	}
}
