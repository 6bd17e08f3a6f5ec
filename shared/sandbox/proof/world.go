package proof

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// Functions are the binaries the proofs run.
var Functions = []string{"snapshot-rotator", "tenant-purger", "finding-notifier", "compliance-verifier"}

// World is a started sandbox seeded with the scenario (databases,
// tenants, the notifier's and the verifier's resources) that the profiles'
// proofs share.
type World struct {
	SB   *sandbox.Sandbox
	S3   *s3.Client
	Deps scenario.TenantDeps
	// Now is the time the scenario was seeded for.
	Now time.Time
	// Bins holds each function's binary, by name (Functions).
	Bins map[string]string
	// Dir keeps the events and configurations the proofs write, and the
	// binaries' output.
	Dir string
	// Events is the repository's events/ directory.
	Events string
	// Untouchable are the scenario's snapshots no rotator may delete.
	Untouchable scenario.Untouchable
	env         []string
}

// Seed seeds a started sandbox for the proofs. bins holds the functions'
// binaries by name; dir is a scratch directory.
func Seed(ctx context.Context, sb *sandbox.Sandbox, bins map[string]string, dir string) (*World, error) {
	for _, f := range Functions {
		if _, err := os.Stat(bins[f]); err != nil {
			return nil, fmt.Errorf("%s is not built (%v): run `make build-local`", f, err)
		}
	}
	root, err := sandbox.Root()
	if err != nil {
		return nil, err
	}
	d := scenario.DepsFor(sb)
	w := &World{SB: sb, S3: d.S3, Deps: d, Now: time.Now(), Bins: bins, Dir: dir, Events: filepath.Join(root, "events")}
	if err := scenario.SeedEvidence(ctx, d.S3, 1); err != nil {
		return nil, err
	}
	if w.Untouchable, err = scenario.SeedRDS(sb.Sim, w.Now); err != nil {
		return nil, err
	}
	tw, err := scenario.SeedTenants(ctx, d, w.Now, scenario.DefaultTenantShape)
	if err != nil {
		return nil, err
	}
	nw, err := scenario.SeedNotices(ctx, d)
	if err != nil {
		return nil, err
	}
	vw, err := scenario.SeedVerification(ctx, d, w.Now)
	if err != nil {
		return nil, err
	}
	w.env = []string{"PLEDGE_EVIDENCE_BUCKET=" + scenario.EvidenceBucket}
	for _, kv := range slices.Concat(tw.Env(), nw.Env(), vw.Env()) {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(w.env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			w.env = append(w.env, kv)
		}
	}
	return w, nil
}

// invoke runs a function's binary with `invoke` and args under cfg, and
// returns its standard output. A failed run is an error naming its last
// log line; its output is returned too.
func (w *World) invoke(ctx context.Context, fn string, cfg config.Config, label string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, w.Bins[fn], append([]string{"invoke"}, args...)...)
	cmd.Env = w.SB.ChildEnv(append([]string{config.EnvVar + "=" + cfg.Encode()}, w.env...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	_ = os.WriteFile(filepath.Join(w.Dir, label+".log"), errb.Bytes(), 0o644)
	_ = os.WriteFile(filepath.Join(w.Dir, label+".json"), out.Bytes(), 0o644)
	if err != nil {
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		return out.Bytes(), fmt.Errorf("%s: %v: %s", fn, err, lines[len(lines)-1])
	}
	return out.Bytes(), nil
}

// file writes a file into the scratch directory and returns its path.
func (w *World) file(name string, b []byte) (string, error) {
	p := filepath.Join(w.Dir, name)
	return p, os.WriteFile(p, b, 0o644)
}

// HistoryDays of managed snapshots are seeded for each policy that takes
// snapshots: more than the longest tier of the profiles (4 weeks).
const HistoryDays = 35

// missedAgo is how many slots before the newest seeded one the history
// misses (a backup that did not happen).
const missedAgo = 5

// seed gives the profile its own databases, with a history of managed
// snapshots at the policy's slots (one slot missed) ending one slot before
// now, so the rotator's run creates the current slot's snapshot; and, for
// a promise of point-in-time recovery, one database kept as long as
// promised and one a day less; and its log groups.
func (r *run) seed(ctx context.Context) error {
	var seed awssim.RDSSeed
	for i, p := range r.cfg.Backup.Policies {
		retention := int32(max(p.PointInTimeRecoveryDays, 1))
		seed.Instances = append(seed.Instances, awssim.RDSInstance{DBInstanceIdentifier: Database(r.name, i), Engine: "postgres", EngineVersion: "16.4",
			StorageEncrypted: true, KmsKeyId: "alias/aws/rds", BackupRetentionPeriod: retention})
		if p.PointInTimeRecoveryDays > 0 {
			seed.Instances = append(seed.Instances, awssim.RDSInstance{DBInstanceIdentifier: ShortDatabase(r.name, i), Engine: "postgres", EngineVersion: "16.4",
				StorageEncrypted: true, KmsKeyId: "alias/aws/rds", BackupRetentionPeriod: retention - 1})
		}
		if !p.TakesSnapshots() {
			continue
		}
		for _, slot := range r.history(p) {
			id := snapshot.Name(r.cfg.Stage, p.Name, Database(r.name, i), slot)
			var tags []awssim.Tag
			for k, v := range snapshot.Tags(r.cfg.Stage, p.Name, Database(r.name, i), slot) {
				tags = append(tags, awssim.Tag{Key: k, Value: v})
			}
			seed.Snapshots = append(seed.Snapshots, awssim.RDSSnapshot{DBSnapshotIdentifier: id, DBInstanceIdentifier: Database(r.name, i),
				Status: "available", Encrypted: true, SnapshotCreateTime: slot.Add(2 * time.Minute).UTC(), TagList: tags})
		}
	}
	if err := r.w.SB.Sim.RDS().Seed(seed); err != nil {
		return fmt.Errorf("seed the profile's databases: %w", err)
	}
	if len(r.cfg.Verification.LogClasses) > 0 {
		if err := r.w.SB.Sim.Logs().Seed(awssim.LogsSeed{LogGroups: r.logGroups()}); err != nil {
			return fmt.Errorf("seed the profile's log groups: %w", err)
		}
	}
	return nil
}

// history returns the slots of a policy's seeded snapshots, oldest first:
// every slot of HistoryDays up to the one before now's, but the one
// missedAgo slots before that.
func (r *run) history(p config.BackupPolicy) []time.Time {
	s, _ := schedule.Parse(p.Schedule)
	loc := r.cfg.Location()
	last := s.Slot(s.Slot(r.w.Now, loc).Add(-time.Nanosecond), loc)
	var slots []time.Time
	for t, n := last, 0; !t.Before(r.w.Now.AddDate(0, 0, -HistoryDays)); t, n = s.Slot(t.Add(-time.Nanosecond), loc), n+1 {
		if n != missedAgo {
			slots = append(slots, t)
		}
	}
	slices.Reverse(slots)
	return slots
}
