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

// Rotator applies backup policies.
type Rotator struct {
	Source   Source
	Evidence EvidenceStore
	Metrics  *metrics.Recorder
	Log      *slog.Logger
	Now      func() time.Time
	Location *time.Location
	DryRun   bool
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
	Policy     string       `json:"policy"`
	Slot       time.Time    `json:"slot"`
	DryRun     bool         `json:"dry_run"`
	Quotas     Quotas       `json:"quotas"`
	Targets    []Outcome    `json:"targets"`
	Unselected []Unselected `json:"unselected,omitempty"`
	Evidence   string       `json:"evidence_key,omitempty"`
}

// Run applies policy p for the slot that holds scheduled (the time the
// schedule fired, so retries of one firing share a slot). It plans every
// target, then, unless DryRun, deletes and creates; one target's failure
// does not stop the others, and every error is returned joined.
func (r *Rotator) Run(ctx context.Context, p config.BackupPolicy, scheduled time.Time) (Result, error) {
	s, err := schedule.Parse(p.Schedule)
	if err != nil {
		return Result{}, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	slot := s.Slot(scheduled, r.Location)
	res := Result{Policy: p.Name, Slot: slot.UTC(), DryRun: r.DryRun, Targets: []Outcome{}}
	log := r.Log.With(logging.KeyPolicy, p.Name, logging.KeyDryRun, r.DryRun)

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
			res.Targets = append(res.Targets, Outcome{Plan: Plan{Policy: p.Name, Target: t, Slot: slot.UTC()}, Errors: []string{err.Error()}})
			continue
		}
		plan, err := PlanTarget(p, t, snaps, slot, r.Location)
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
		if !r.DryRun && len(pl.Delete) > 0 {
			deleted, derrs := r.deleteAll(ctx, pl)
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
					switch {
					case errors.Is(err, ErrExists):
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

// deleteAll re-reads the target's snapshots just before deleting (one
// listing, not one call per snapshot) and deletes only those that still
// exist, are still this policy's, and are still available.
func (r *Rotator) deleteAll(ctx context.Context, pl Plan) (deleted []string, errs []error) {
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
		case !s.ManagedBy(pl.Policy):
			errs = append(errs, fmt.Errorf("snapshot %s is no longer tagged as managed by policy %s: not deleted", d.ID, pl.Policy))
			continue
		case s.Status != StatusAvailable:
			errs = append(errs, fmt.Errorf("snapshot %s became %s: not deleted", d.ID, s.Status))
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

// RunPolicies runs the named policy, or every policy when name is empty.
// An unknown name is an error that lists the known ones.
func (r *Rotator) RunPolicies(ctx context.Context, policies []config.BackupPolicy, name string, scheduled time.Time) ([]Result, error) {
	var chosen []config.BackupPolicy
	var known []string
	for _, p := range policies {
		known = append(known, p.Name)
		if name == "" || p.Name == name {
			chosen = append(chosen, p)
		}
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
