package snapshot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/schedule"
)

// Source is what the rotator needs from RDS; RDS implements it.
type Source interface {
	Targets(ctx context.Context, sel config.Targets) ([]Target, []Unselected, error)
	Snapshots(ctx context.Context, t Target) ([]Snapshot, error)
	Quotas(ctx context.Context) (Quotas, error)
	Create(ctx context.Context, t Target, name string, tags map[string]string) error
	Delete(ctx context.Context, t Target, id string) error
}

// EvidenceStore keeps the run record.
type EvidenceStore interface {
	Put(ctx context.Context, r evidence.Record) (string, error)
}

// Rotator applies one stage's backup policies.
type Rotator struct {
	// Stage is the deployment's stage (config.Config.Stage): it names and
	// tags every snapshot the rotator creates, and only snapshots of this
	// stage (or legacy ones, without a stage tag) are its own.
	Stage    string
	Source   Source
	Evidence EvidenceStore
	Metrics  *metrics.Recorder
	Log      *slog.Logger
	// Now is the clock of the run record and the age metrics.
	Now      func() time.Time
	Location *time.Location
	DryRun   bool
	// WallClock is the real clock, which decides the slot a real run
	// creates a snapshot for, whatever Now says; time.Now when nil. Only
	// tests replace it.
	WallClock func() time.Time
}

func (r *Rotator) wall() time.Time {
	if r.WallClock == nil {
		return time.Now()
	}
	return r.WallClock()
}

// slot returns the slot a run acts for. A dry run previews the slot of the
// scheduled time, whatever it is. A real run acts for the slot of the wall
// clock, so that a snapshot is only ever created in the slot it is named
// for: a scheduled time more than ClockTolerance ahead of the wall clock is
// refused (a snapshot named for a future slot would stand in for the real
// one), one slightly ahead (the scheduler firing a moment before this clock
// reads the hour) counts, and an old one (a retry hours later) acts for the
// current slot.
func (r *Rotator) slot(s schedule.Schedule, scheduled time.Time) (time.Time, error) {
	if r.DryRun {
		return s.Slot(scheduled, r.Location), nil
	}
	wall := r.wall()
	if scheduled.After(wall.Add(ClockTolerance)) {
		return time.Time{}, fmt.Errorf("the scheduled time %s is %s ahead of the real clock (%s): a real run creates snapshots only for the current slot (preview a future slot with -dry-run)",
			scheduled.UTC().Format(time.RFC3339), scheduled.Sub(wall).Round(time.Second), wall.UTC().Format(time.RFC3339))
	}
	if scheduled.After(wall) {
		wall = scheduled
	}
	return s.Slot(wall, r.Location), nil
}

// Outcome is what happened to one target.
type Outcome struct {
	Plan
	Created  string   `json:"created,omitempty"`
	Deleted  []string `json:"deleted"`
	Errors   []string `json:"errors,omitempty"`
	NewestAt string   `json:"newest_available,omitempty"`
}

// Result is one policy's run.
type Result struct {
	Stage      string       `json:"stage"`
	Policy     string       `json:"policy"`
	Slot       time.Time    `json:"slot"`
	DryRun     bool         `json:"dry_run"`
	Quotas     Quotas       `json:"quotas"`
	Targets    []Outcome    `json:"targets"`
	Unselected []Unselected `json:"unselected,omitempty"`
	Evidence   string       `json:"evidence_key,omitempty"`
}

// Run applies policy p for one slot: in a dry run the slot that holds
// scheduled (the time the schedule fired), in a real run the slot of the
// real clock (see Rotator.slot), so that retries of one firing share a slot
// and a snapshot is created only in the slot it is named for. It plans
// every target, then, unless DryRun, deletes and creates; one target's
// failure does not stop the others, and every error is returned joined.
func (r *Rotator) Run(ctx context.Context, p config.BackupPolicy, scheduled time.Time) (Result, error) {
	if r.Stage == "" {
		return Result{Policy: p.Name, DryRun: r.DryRun, Targets: []Outcome{}}, fmt.Errorf("policy %s: the rotator has no stage: every snapshot it makes carries its stage in its name and tags, and without one it cannot tell its snapshots from another stage's", p.Name)
	}
	s, err := schedule.Parse(p.Schedule)
	if err != nil {
		return Result{}, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	slot, err := r.slot(s, scheduled)
	if err != nil {
		return Result{Stage: r.Stage, Policy: p.Name, DryRun: r.DryRun, Targets: []Outcome{}}, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	res := Result{Stage: r.Stage, Policy: p.Name, Slot: slot.UTC(), DryRun: r.DryRun, Targets: []Outcome{}}
	log := r.Log.With(logging.KeyStage, r.Stage, logging.KeyPolicy, p.Name, logging.KeyDryRun, r.DryRun)
	if fired := s.Slot(scheduled, r.Location); !fired.Equal(slot) {
		log.Warn("acting for the current slot, not the one the schedule fired for", "fired_slot", fired.UTC().Format(time.RFC3339), "slot", slot.UTC().Format(time.RFC3339))
	}

	targets, unselected, terr := r.Source.Targets(ctx, p.Targets)
	res.Unselected = unselected
	if terr != nil && len(targets) == 0 {
		return res, fmt.Errorf("policy %s: %w", p.Name, terr)
	}
	quotas, err := r.Source.Quotas(ctx)
	if err != nil {
		return res, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	res.Quotas = quotas

	errs := []error{terr}
	var plans []Plan
	for _, t := range targets {
		snaps, err := r.Source.Snapshots(ctx, t)
		if err != nil {
			errs = append(errs, err)
			res.Targets = append(res.Targets, Outcome{Plan: Plan{Stage: r.Stage, Policy: p.Name, Target: t, Slot: slot.UTC()}, Errors: []string{err.Error()}})
			continue
		}
		plan, err := PlanTarget(r.Stage, p, t, snaps, slot, r.Location)
		if err != nil {
			return res, err
		}
		plans = append(plans, plan)
	}

	// Quota: deletions free room before creations need it.
	need := map[Kind]int64{}
	freed := map[Kind]int64{}
	for _, pl := range plans {
		if pl.Create != nil {
			need[pl.Target.Kind]++
		}
		freed[pl.Target.Kind] += int64(len(pl.Delete))
	}
	quotaShort := map[Kind]error{}
	for k, n := range need {
		q := quotas[k]
		r.Metrics.Put("SnapshotQuotaHeadroom", float64(q.Headroom()), metrics.Count, map[string]string{"Kind": string(k)})
		if n > q.Headroom()+freed[k] {
			quotaShort[k] = fmt.Errorf("manual %s snapshot quota would be exceeded: %d used of %d, %d to create, %d to delete; raise the RDS quota or shorten the policy", k, q.Used, q.Max, n, freed[k])
			log.Error("snapshot quota would be exceeded", "kind", string(k), "used", q.Used, "max", q.Max, "to_create", n)
			errs = append(errs, quotaShort[k])
		}
	}

	for _, pl := range plans {
		out := Outcome{Plan: pl, Deleted: []string{}}
		tlog := log.With(logging.KeyTarget, pl.Target.ID)
		for _, w := range pl.Warnings {
			tlog.Warn(w.Message, "warning", w.Kind)
		}
		if pl.Halted != "" {
			tlog.Warn("deletion halted", "why", pl.Halted)
		}
		for _, u := range pl.Unrecognised {
			tlog.Warn("snapshot tagged as managed but not recognised: never deleted", logging.KeySnapshotID, u.ID, "why", u.Why)
		}
		if len(pl.OtherStages) > 0 {
			tlog.Info("snapshots of this policy made by other stages: left to them", logging.KeyCount, len(pl.OtherStages))
		}
		if pl.Blocked != "" {
			err := fmt.Errorf("policy %s: %s at slot %s gets no snapshot: %s", p.Name, pl.Target.ID, slot.UTC().Format(time.RFC3339), pl.Blocked)
			out.Errors = append(out.Errors, err.Error())
			errs = append(errs, err)
		}
		if !r.DryRun && len(pl.Delete) > 0 {
			deleted, derrs := r.deleteAll(ctx, pl, s)
			out.Deleted = append(out.Deleted, deleted...)
			for _, err := range derrs {
				out.Errors = append(out.Errors, err.Error())
				errs = append(errs, err)
			}
			for _, id := range deleted {
				tlog.Info("snapshot deleted", logging.KeySnapshotID, id)
			}
		}
		if !r.DryRun {
			if pl.Create != nil {
				switch err := quotaShort[pl.Target.Kind]; {
				case err != nil:
					out.Errors = append(out.Errors, err.Error())
				default:
					err := r.Source.Create(ctx, pl.Target, pl.Create.Name, pl.Create.Tags)
					existing := false
					if errors.Is(err, ErrExists) {
						// Made in the meantime by a concurrent invocation of this
						// slot, or the name is someone else's: only the former is
						// this slot's snapshot.
						err = r.confirmExisting(ctx, pl, s)
						existing = err == nil
					}
					switch {
					case existing:
						out.Existing = pl.Create.Name
						tlog.Info("slot snapshot already exists", logging.KeySnapshotID, pl.Create.Name)
					case err != nil:
						out.Errors = append(out.Errors, err.Error())
						errs = append(errs, err)
					default:
						out.Created = pl.Create.Name
						tlog.Info("snapshot created", logging.KeySnapshotID, pl.Create.Name)
					}
				}
			}
		}
		r.record(pl, &out)
		res.Targets = append(res.Targets, out)
	}

	if r.Evidence != nil {
		key, err := r.Evidence.Put(ctx, evidence.Record{Kind: "snapshot-run", Time: r.Now(), Subject: p.Name + "-" + slot.UTC().Format("200601021504"), DryRun: r.DryRun, Body: res})
		if err != nil && !errors.Is(err, evidence.ErrExists) {
			errs = append(errs, err)
		}
		res.Evidence = key
	}
	return res, errors.Join(errs...)
}

// confirmExisting checks, after a create failed because the slot's name
// exists, that the snapshot with that name is this slot's: a snapshot of the
// target that Recognize accepts for the plan's slot. Otherwise the slot has
// no backup, and the error says why.
func (r *Rotator) confirmExisting(ctx context.Context, pl Plan, s schedule.Schedule) error {
	name := pl.Create.Name
	current, err := r.Source.Snapshots(ctx, pl.Target)
	if err != nil {
		return fmt.Errorf("create snapshot %s of %s: the name exists, and re-reading the target's snapshots failed: %w", name, pl.Target.ID, err)
	}
	for _, sn := range current {
		if sn.ID != name {
			continue
		}
		id, err := Recognize(sn, pl.Stage, pl.Policy, pl.Target, s, r.Location)
		switch {
		case errors.Is(err, ErrOtherStage):
			return fmt.Errorf("create snapshot %s of %s: the name is taken by another stage's snapshot (%w): this slot has no backup", name, pl.Target.ID, err)
		case err != nil:
			return fmt.Errorf("create snapshot %s of %s: the name is taken, and %w: this slot has no backup", name, pl.Target.ID, err)
		case !id.Slot.Equal(pl.Slot):
			return fmt.Errorf("create snapshot %s of %s: the name is taken by the snapshot of slot %s, not %s: this slot has no backup", name, pl.Target.ID, id.Slot.Format(time.RFC3339), pl.Slot.Format(time.RFC3339))
		}
		return nil
	}
	return fmt.Errorf("create snapshot %s of %s: the name is taken by a snapshot that is not one of %s's (snapshot names are unique per account and region): this slot has no backup", name, pl.Target.ID, pl.Target.ID)
}

// deleteAll re-reads the target's snapshots just before deleting (one
// listing, not one call per snapshot) and deletes only those that still
// exist, are still recognised as this policy's (Recognize), and are still
// available.
func (r *Rotator) deleteAll(ctx context.Context, pl Plan, sched schedule.Schedule) (deleted []string, errs []error) {
	current, err := r.Source.Snapshots(ctx, pl.Target)
	if err != nil {
		return nil, []error{fmt.Errorf("re-check snapshots of %s before deleting: %w", pl.Target.ID, err)}
	}
	now := make(map[string]Snapshot, len(current))
	for _, s := range current {
		now[s.ID] = s
	}
	for _, d := range pl.Delete {
		s, found := now[d.ID]
		switch {
		case !found:
			continue // already gone: nothing to do
		case !s.ClaimedBy(pl.Stage, pl.Policy):
			errs = append(errs, fmt.Errorf("snapshot %s is no longer tagged as managed by policy %s of stage %s: not deleted", d.ID, pl.Policy, pl.Stage))
			continue
		case s.Status != StatusAvailable:
			errs = append(errs, fmt.Errorf("snapshot %s became %s: not deleted", d.ID, s.Status))
			continue
		}
		if _, err := Recognize(s, pl.Stage, pl.Policy, pl.Target, sched, r.Location); err != nil {
			errs = append(errs, fmt.Errorf("%w: not deleted", err))
			continue
		}
		if err := r.Source.Delete(ctx, pl.Target, d.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, d.ID)
	}
	return deleted, errs
}

// record emits the target's metrics and sets the newest available time.
func (r *Rotator) record(pl Plan, out *Outcome) {
	dims := map[string]string{"Target": pl.Target.ID}
	created := 0.0
	if out.Created != "" {
		created = 1
	}
	r.Metrics.Put("SnapshotsCreated", created, metrics.Count, dims)
	r.Metrics.Put("SnapshotsDeleted", float64(len(out.Deleted)), metrics.Count, dims)
	r.Metrics.Put("SnapshotsKept", float64(len(pl.Keep)), metrics.Count, dims)
	r.Metrics.Put("SnapshotsUnrecognised", float64(len(pl.Unrecognised)), metrics.Count, dims)
	var newest time.Time
	for _, k := range pl.Keep {
		if k.Created.After(newest) {
			newest = k.Created
		}
	}
	if !newest.IsZero() {
		out.NewestAt = newest.UTC().Format(time.RFC3339)
		age := r.Now().Sub(newest).Seconds()
		r.Metrics.Put("NewestSnapshotAgeSeconds", age, metrics.Seconds, dims)
		r.Metrics.Put("NewestSnapshotAgeSecondsMax", age, metrics.Seconds, map[string]string{"Policy": pl.Policy})
	}
}

// RunPolicies runs the named policy, or every policy that takes snapshots
// when name is empty. An unknown name is an error that lists the known
// ones; so is a policy that promises only point-in-time recovery (it takes
// no snapshots: the compliance verifier checks it), and a configuration in
// which no policy takes snapshots.
func (r *Rotator) RunPolicies(ctx context.Context, policies []config.BackupPolicy, name string, scheduled time.Time) ([]Result, error) {
	var chosen []config.BackupPolicy
	var known []string
	for _, p := range policies {
		known = append(known, p.Name)
		switch {
		case !p.TakesSnapshots() && p.Name == name:
			return nil, fmt.Errorf("policy %s promises only point-in-time recovery: it takes no snapshots (the compliance verifier checks its retention)", name)
		case !p.TakesSnapshots():
		case name == "" || p.Name == name:
			chosen = append(chosen, p)
		}
	}
	if len(chosen) == 0 && name == "" {
		return nil, fmt.Errorf("no backup policy takes snapshots (%v promise only point-in-time recovery, which the compliance verifier checks): the rotator has nothing to do", known)
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("event names policy %q, which is not configured (known: %v)", name, known)
	}
	results := []Result{}
	var errs []error
	for _, p := range chosen {
		res, err := r.Run(ctx, p, scheduled)
		results = append(results, res)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}
