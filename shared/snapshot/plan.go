package snapshot

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/retention"
	"github.com/pledge-dev/pledge/shared/schedule"
)

// Tags Pledge writes on the snapshots it manages.
const (
	TagManaged = "pledge:managed"
	TagPolicy  = "pledge:policy"
	TagSlot    = "pledge:slot"
	// TagStage names the stage (config.Config.Stage) whose rotator made the
	// snapshot; a snapshot without it is a legacy one (see Recognize).
	TagStage  = "pledge:stage"
	TagTarget = "pledge:target"
)

// StatusAvailable is the status of a usable snapshot.
const StatusAvailable = "available"

// Kind says whether a target is a DB instance or an Aurora cluster.
type Kind string

// The kinds of target.
const (
	Instance Kind = "instance"
	Cluster  Kind = "cluster"
)

// Target is a database a policy protects.
type Target struct {
	Kind      Kind   `json:"kind"`
	ID        string `json:"id"`
	ARN       string `json:"arn"`
	Engine    string `json:"engine"`
	Status    string `json:"status"`
	Encrypted bool   `json:"encrypted"`
	// BackupRetentionDays is the automated-backup (point-in-time recovery)
	// retention.
	BackupRetentionDays int `json:"backup_retention_days"`
}

// Snapshot is one manual snapshot of a target.
type Snapshot struct {
	ID        string            `json:"id"`
	ARN       string            `json:"arn"`
	Target    string            `json:"target"`
	Kind      Kind              `json:"kind"`
	Type      string            `json:"type"`
	Status    string            `json:"status"`
	Created   time.Time         `json:"created"`
	Encrypted bool              `json:"encrypted"`
	Tags      map[string]string `json:"tags,omitempty"`
	// SourceARN is the snapshot this one was copied from, when RDS says so
	// (cross-region and cross-account copies of instance snapshots, every
	// copy of a cluster snapshot).
	SourceARN string `json:"source_arn,omitempty"`
	// OriginalCreated is when the snapshot was first made (instance
	// snapshots): a copy keeps its source's, while Created is the copy's.
	OriginalCreated time.Time `json:"original_created,omitzero"`
}

// Tags returns the tags a stage's managed snapshot is created with, all in
// the create request (the rotator never tags a snapshot afterwards).
func Tags(stage, policy, target string, slot time.Time) map[string]string {
	return map[string]string{TagManaged: "true", TagStage: stage, TagPolicy: policy, TagTarget: target, TagSlot: slot.UTC().Format(time.RFC3339)}
}

// Create is a snapshot to create.
type Create struct {
	Name string            `json:"name"`
	Tags map[string]string `json:"tags"`
}

// Kept is a snapshot the plan keeps, with why.
type Kept struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Reasons []string  `json:"reasons"`
}

// Doomed is a snapshot the plan deletes.
type Doomed struct {
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
}

// Skipped is a managed snapshot left alone this run, with why.
type Skipped struct {
	ID  string `json:"id"`
	Why string `json:"why"`
}

// Warning is something reported, not changed.
type Warning struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Message string `json:"message"`
}

// Plan is what one stage's policy will do to one target in one slot.
type Plan struct {
	Stage  string    `json:"stage"`
	Policy string    `json:"policy"`
	Target Target    `json:"target"`
	Slot   time.Time `json:"slot"`
	// Create is nil when the slot already has its snapshot.
	Create   *Create   `json:"create,omitempty"`
	Existing string    `json:"existing,omitempty"`
	Keep     []Kept    `json:"keep"`
	Delete   []Doomed  `json:"delete"`
	Skipped  []Skipped `json:"skipped,omitempty"`
	// Halted says why nothing is deleted this run, when that is so.
	Halted string `json:"halted,omitempty"`
	// Blocked says why the slot's snapshot cannot be made: its name is
	// taken by a snapshot that is not this slot's.
	Blocked string `json:"blocked,omitempty"`
	// Unrecognised are snapshots tagged as this policy's that Recognize
	// does not accept (copies, renamed or re-tagged snapshots, ones made
	// outside their slot): never deleted, never counted, reported each run.
	Unrecognised []Skipped `json:"unrecognised,omitempty"`
	// OtherStages are snapshots tagged as this policy's in another stage
	// (pledge:stage names another stage): that stage's rotator made them,
	// so they are never deleted and never counted here, only listed.
	OtherStages []Skipped `json:"other_stages,omitempty"`
	// Unmanaged counts manual snapshots of the target that are not this
	// policy's and are therefore never touched.
	Unmanaged int       `json:"unmanaged"`
	Warnings  []Warning `json:"warnings,omitempty"`
}

// PlanTarget plans one target for policy p of stage: snaps are the
// target's manual snapshots (managed or not, of any stage), slot the
// schedule slot of this run, loc the zone periods are cut in. Only
// snapshots that Recognize accepts for stage are managed: kept or deleted
// by the tiers. Another stage's are listed in OtherStages and otherwise
// left alone. It is pure.
func PlanTarget(stage string, p config.BackupPolicy, t Target, snaps []Snapshot, slot time.Time, loc *time.Location) (Plan, error) {
	plan := Plan{Stage: stage, Policy: p.Name, Target: t, Slot: slot.UTC(), Keep: []Kept{}, Delete: []Doomed{}}
	if stage == "" {
		return Plan{}, fmt.Errorf("plan %s for %s: no stage: every managed snapshot's name and tags carry its stage", p.Name, t.ID)
	}
	sched, err := schedule.Parse(p.Schedule)
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s for %s: %w", p.Name, t.ID, err)
	}
	name := Name(stage, p.Name, t.ID, slot)
	var managed []Snapshot
	for _, s := range snaps {
		if other, ok := s.OtherStage(stage, p.Name); ok {
			plan.OtherStages = append(plan.OtherStages, Skipped{ID: s.ID, Why: fmt.Sprintf("tagged %s=%q: another stage's snapshot, never deleted nor counted by stage %s", TagStage, other, stage)})
			if s.ID == name {
				plan.Blocked = fmt.Sprintf("the slot's name %s is taken by snapshot %s, which is tagged as stage %q's", name, s.ID, other)
			}
			continue
		}
		if !s.ClaimedBy(stage, p.Name) {
			plan.Unmanaged++
			if s.ID == name {
				plan.Blocked = fmt.Sprintf("the slot's name %s is taken by snapshot %s, which is not tagged as policy %s's", name, s.ID, p.Name)
			}
			continue
		}
		id, err := Recognize(s, stage, p.Name, t, sched, loc)
		if err != nil {
			plan.Unrecognised = append(plan.Unrecognised, Skipped{ID: s.ID, Why: err.Error()})
			plan.Warnings = append(plan.Warnings, Warning{Kind: "unrecognised-snapshot", Subject: s.ID, Message: err.Error() + "; it is never deleted: delete it by hand if it is not needed"})
			if s.ID == name {
				plan.Blocked = fmt.Sprintf("the slot's name %s is taken: %v", name, err)
			}
			continue
		}
		managed = append(managed, s)
		if id.Slot.Equal(slot.UTC()) {
			// This slot's snapshot: made by an earlier or concurrent run of
			// the slot (or, legacy, by the code before stages).
			plan.Existing = s.ID
		}
	}
	if t.Kind == Cluster && len(name) > config.MaxClusterSnapshotName && plan.Existing == "" {
		plan.Blocked = fmt.Sprintf("the slot's name %s has %d characters, more than the %d RDS allows a cluster snapshot: shorten the policy or the stage name", name, len(name), config.MaxClusterSnapshotName)
	}
	if plan.Existing == "" && plan.Blocked == "" {
		plan.Create = &Create{Name: name, Tags: Tags(stage, p.Name, t.ID, slot)}
	}
	// Newest first; a snapshot with no creation time yet is in progress and
	// counts as the newest.
	slices.SortFunc(managed, func(a, b Snapshot) int {
		switch {
		case a.Created.IsZero() != b.Created.IsZero():
			if a.Created.IsZero() {
				return -1
			}
			return 1
		case !a.Created.Equal(b.Created):
			return b.Created.Compare(a.Created)
		}
		// Equal times: the smaller id counts as newer, as in package retention.
		return cmp.Compare(a.ID, b.ID)
	})
	var available []retention.Snapshot
	byID := map[string]Snapshot{}
	for _, s := range managed {
		if !s.Encrypted {
			plan.Warnings = append(plan.Warnings, Warning{Kind: "unencrypted-snapshot", Subject: s.ID, Message: fmt.Sprintf("snapshot %s of %s is not encrypted; the promise is AES-256 encrypted snapshots", s.ID, t.ID)})
		}
		if s.Status != StatusAvailable {
			plan.Skipped = append(plan.Skipped, Skipped{ID: s.ID, Why: "status is " + s.Status + ", not available"})
			continue
		}
		available = append(available, retention.Snapshot{ID: s.ID, Created: s.Created})
		byID[s.ID] = s
	}
	if !t.Encrypted {
		plan.Warnings = append(plan.Warnings, Warning{Kind: "unencrypted-target", Subject: t.ID, Message: fmt.Sprintf("%s %s stores data unencrypted, so its snapshots are unencrypted too", t.Kind, t.ID)})
	}
	if p.PointInTimeRecoveryDays > 0 && t.BackupRetentionDays < p.PointInTimeRecoveryDays {
		plan.Warnings = append(plan.Warnings, Warning{Kind: "pitr-retention", Subject: t.ID, Message: fmt.Sprintf("%s keeps point-in-time recovery for %d days; %d days are promised", t.ID, t.BackupRetentionDays, p.PointInTimeRecoveryDays)})
	}
	if len(managed) > 0 && managed[0].Status != StatusAvailable {
		plan.Halted = fmt.Sprintf("the newest managed snapshot %s is %s: nothing is deleted until it is available", managed[0].ID, managed[0].Status)
	}
	if len(available) == 0 {
		return plan, nil
	}
	policy, err := retention.PolicyFromKeep(p.Keep)
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s for %s: %w", p.Name, t.ID, err)
	}
	rp, err := retention.Apply(available, policy, loc)
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s for %s: %w", p.Name, t.ID, err)
	}
	reasons := map[string][]string{}
	for _, k := range rp.Keep {
		for _, r := range k.Reasons {
			reasons[k.ID] = append(reasons[k.ID], r.String())
		}
	}
	// available is newest first; the newest MinAvailable are always kept.
	for i := 0; i < len(available) && i < p.MinAvailable; i++ {
		reasons[available[i].ID] = append(reasons[available[i].ID], fmt.Sprintf("newest available #%d (minAvailable %d)", i+1, p.MinAvailable))
	}
	for _, s := range available {
		switch {
		case len(reasons[s.ID]) > 0:
			plan.Keep = append(plan.Keep, Kept{ID: s.ID, Created: s.Created, Reasons: reasons[s.ID]})
		case plan.Halted != "":
			plan.Keep = append(plan.Keep, Kept{ID: s.ID, Created: s.Created, Reasons: []string{"deletion halted"}})
		default:
			plan.Delete = append(plan.Delete, Doomed{ID: s.ID, ARN: byID[s.ID].ARN, Created: s.Created})
		}
	}
	return plan, nil
}
