package proof

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// Profiles are the seed operators' ready profiles, by file name in
// infra/config.
var Profiles = []string{"tracpath", "my-redmine", "ecai", "sotas", "isgc"}

// Load reads infra/config/<name>.json from the repository and validates it
// as the CDK app does.
func Load(name string) (config.Config, error) {
	root, err := sandbox.Root()
	if err != nil {
		return config.Config{}, err
	}
	path := filepath.Join(root, "infra", "config", name+".json")
	if _, err := os.Stat(path); err != nil {
		return config.Config{}, fmt.Errorf("no profile %q: %w (profiles: %s)", name, err, strings.Join(Profiles, ", "))
	}
	c, err := config.Load(path)
	if err != nil {
		return config.Config{}, err
	}
	if err := c.Validate(); err != nil {
		return config.Config{}, fmt.Errorf("profile %s: %w", name, err)
	}
	if err := c.ValidateDeployment(); err != nil {
		return config.Config{}, fmt.Errorf("profile %s: %w", name, err)
	}
	if c.Profile == nil {
		return config.Config{}, fmt.Errorf("profile %s has no profile block: nothing says which promises it keeps", name)
	}
	return c, nil
}

// Database names the sandbox database that stands for a profile's backup
// policy i; ShortDatabase the one kept a day less than promised.
func Database(profile string, i int) string {
	return fmt.Sprintf("%s-db-%d", profile, i)
}

// ShortDatabase names the database whose point-in-time recovery is kept a
// day less than policy i promises.
func ShortDatabase(profile string, i int) string {
	return fmt.Sprintf("%s-db-%d-short", profile, i)
}

// Sandboxed returns the profile's configuration pointed at the sandbox:
// the scenario's buckets, evidence bucket, sender and instance tags, each
// backup policy on the profile's own databases (Database, and
// ShortDatabase where point-in-time recovery is promised), Object Lock of
// a day, no profile block. Every promise (tiers, schedules, windows,
// deadlines, time sources, classes, checks) is the profile's.
func Sandboxed(profile string, c config.Config) config.Config {
	out := c
	out.Profile = nil
	out.Tenants.Buckets = []string{scenario.TenantBucket}
	out.Tenants.RegistryTable = ""
	out.Evidence = config.Evidence{Bucket: scenario.EvidenceBucket, RetentionDays: 1}
	out.Notifications.Sender = scenario.Sender
	out.Notifications.OpsEmails = nil
	out.Notifications.OpsTopicArn = ""
	out.Notifications.NoOpsDestination = true
	out.Verification.InstanceTags = scenario.Config().Verification.InstanceTags
	out.Backup.Policies = slices.Clone(c.Backup.Policies)
	for i := range out.Backup.Policies {
		p := &out.Backup.Policies[i]
		p.Targets = config.Targets{Instances: []string{Database(profile, i)}}
		if p.PointInTimeRecoveryDays > 0 {
			p.Targets.Instances = append(p.Targets.Instances, ShortDatabase(profile, i))
		}
	}
	return out
}

// Outcome is one promise's proof.
type Outcome struct {
	Kind    string `json:"kind"`
	Control string `json:"control"`
	Promise string `json:"promise"`
	// OK is true when every assertion held; Failures say which did not.
	OK       bool     `json:"ok"`
	Failures []string `json:"failures,omitempty"`
	// Shown is what the proof saw, for people: "due 2027-03-01 00:00 JST".
	Shown []string `json:"shown,omitempty"`
}

// Report is a profile's proof.
type Report struct {
	Profile  string    `json:"profile"`
	Outcomes []Outcome `json:"outcomes"`
}

// OK reports whether every promise was proven.
func (r Report) OK() bool {
	for _, o := range r.Outcomes {
		if !o.OK {
			return false
		}
	}
	return len(r.Outcomes) > 0
}

// proofs are the proofs by kind. A proof reports what it saw and what did
// not hold; it returns an error only when it could not run.
var proofs = map[string]func(ctx context.Context, r *run) (shown, failures []string, err error){
	"backup-tiers":          proveBackupTiers,
	"pitr":                  provePITR,
	"noncurrent-versions":   proveNoncurrent,
	"log-retention":         proveLogRetention,
	"time-source":           proveTimeSource,
	"encryption-at-rest":    proveAtRest,
	"encryption-in-transit": proveInTransit,
	"monitoring":            proveMonitoring,
	"purge-window":          provePurgeWindow,
	"segregation":           proveSegregation,
	"deletion-certificate":  proveCertificate,
	"notice-deadline":       proveNoticeDeadline,
	"customer-time-zone":    proveTimeZone,
	"data-location":         proveDataLocation,
}

// Run proves every promise the profile says it keeps, in the world. Each
// kind's proof runs once however many promises share it (the verifier's
// proofs share one verifier run).
func Run(ctx context.Context, w *World, name string) (Report, error) {
	prof, err := Load(name)
	if err != nil {
		return Report{}, err
	}
	r := &run{w: w, name: name, profile: prof, cfg: Sandboxed(name, prof), done: map[string]kindResult{}}
	if err := r.seed(ctx); err != nil {
		return Report{}, fmt.Errorf("seed %s: %w", name, err)
	}
	rep := Report{Profile: name}
	for _, p := range prof.Profile.Promises {
		res, ok := r.done[p.Kind]
		if !ok {
			prove, known := proofs[p.Kind]
			if !known {
				res = kindResult{failures: []string{"no proof for promises of kind " + p.Kind}}
			} else {
				shown, failures, err := prove(ctx, r)
				if err != nil {
					failures = append(failures, "the proof could not run: "+err.Error())
				}
				res = kindResult{shown: shown, failures: failures}
			}
			r.done[p.Kind] = res
		}
		rep.Outcomes = append(rep.Outcomes, Outcome{Kind: p.Kind, Control: p.Control, Promise: p.Promise, OK: len(res.failures) == 0, Failures: res.failures, Shown: res.shown})
	}
	return rep, nil
}

type kindResult struct {
	shown, failures []string
}

// run is one profile's proof in progress.
type run struct {
	w       *World
	name    string
	profile config.Config // as written
	cfg     config.Config // Sandboxed
	done    map[string]kindResult
	// verified is the verifier's run under the profile, made once.
	verified *verification
	// noticed holds what the notice-deadline proof queued, for the time
	// zone's proof to send.
	noticed []string
	// rotated is set once the rotator ran; copies counts the snapshot
	// copies the simulator saw requested during its run.
	rotated bool
	copies  int
}

// checks reports whether the profile's verifier runs check id.
func (r *run) checks(id string) bool {
	return len(r.cfg.Verification.Checks) == 0 || slices.Contains(r.cfg.Verification.Checks, id)
}
