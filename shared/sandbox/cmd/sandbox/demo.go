package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// step runs one function of the demo and returns summary lines.
type step struct {
	title string
	run   func(ctx context.Context, d *demoRun) ([]string, error)
}

type demoRun struct {
	w      *world
	bin    string
	out    string
	stderr io.Writer
}

var steps = []step{
	{"Prerequisites (preflight, as an operator runs it before deploying)", preflightStep},
	{"Backups (snapshot-rotator)", rotatorStep},
	{"Tenant data purge (tenant-purger)", purgerStep},
	{"Incident notices (finding-notifier)", notifierStep},
	{"Incident notices: unrouted, tag lookup, burst, late, business hours (finding-notifier)", notifierCasesStep},
	{"Compliance verification (compliance-verifier)", verifierStep},
	{"Late termination waits for the advance notice (tenant-purger)", lifecycleStep},
	{"Monthly evidence pack (evidence-reporter)", monthStep},
}

func demo(ctx context.Context, bin, out string, stdout, stderr io.Writer) error {
	began := time.Now()
	for _, s := range []string{"snapshot-rotator"} {
		if _, err := os.Stat(filepath.Join(bin, s)); err != nil {
			return fmt.Errorf("%s not built in %s: run `make build-local`", s, bin)
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for _, d := range []string{"logs", "results", "evidence"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.MkdirTemp("", "pledge-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	w, err := startWorld(ctx, data)
	if err != nil {
		return err
	}
	defer w.sb.Stop()
	if _, err := w.writeConfig(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Pledge demo — sandbox started and seeded in %.1fs (stand-ins on 127.0.0.1)\n\n", time.Since(began).Seconds())
	d := &demoRun{w: w, bin: bin, out: out, stderr: stderr}
	var failed []string
	total := 0
	for _, s := range steps {
		w.sb.Sim.ResetCounts()
		lines, err := s.run(ctx, d)
		counts := w.sb.Sim.Counts()
		n := 0
		for _, v := range counts {
			n += v
		}
		total += n
		lines = append(lines, fmt.Sprintf("simulator requests in this step's last run: %d (%s)", n, byService(counts)))
		fmt.Fprintf(stdout, "%s\n", s.title)
		for _, l := range lines {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
		if err != nil {
			fmt.Fprintf(stdout, "  FAILED: %v\n", err)
			failed = append(failed, s.title)
		}
		fmt.Fprintln(stdout)
	}
	n, err := d.saveEvidence(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Artifacts in %s/: results/, logs/, evidence/ (%d evidence objects), sandbox-config.json\n", out, n)
	fmt.Fprintf(stdout, "Simulator requests by the functions: %d (S3, DynamoDB and SES requests go to their own stand-ins and are not counted)\n", total)
	fmt.Fprintf(stdout, "Demo finished in %.1fs\n", time.Since(began).Seconds())
	if len(failed) > 0 {
		return fmt.Errorf("%d step(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// byService sums simulator request counts ("rds:DeleteDBSnapshot") by
// service: "rds 2851, sts 1".
func byService(m map[string]int) string {
	sums := map[string]int{}
	for k, v := range m {
		svc, _, _ := strings.Cut(k, ":")
		sums[svc] += v
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, sums[k])
	}
	return strings.Join(parts, ", ")
}

// invoke runs a function's binary once and keeps its result and log.
func (d *demoRun) invoke(ctx context.Context, fn, label string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(d.bin, fn), append([]string{"invoke"}, args...)...)
	cmd.Env = d.w.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	_ = os.WriteFile(filepath.Join(d.out, "logs", label+".log"), errb.Bytes(), 0o644)
	_ = os.WriteFile(filepath.Join(d.out, "results", label+".json"), out.Bytes(), 0o644)
	if runErr != nil {
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		return out.Bytes(), fmt.Errorf("%s: %v: %s", fn, runErr, lines[len(lines)-1])
	}
	return out.Bytes(), nil
}

// writeEvent writes an event file for a step and returns its path.
func (d *demoRun) writeEvent(name string, body []byte) (string, error) {
	p := filepath.Join(d.out, "results", name+"-event.json")
	return p, os.WriteFile(p, body, 0o644)
}

// saveEvidence copies every evidence object into out/evidence/.
func (d *demoRun) saveEvidence(ctx context.Context) (int, error) {
	n := 0
	p := s3.NewListObjectsV2Paginator(d.w.s3, &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("list evidence: %w", err)
		}
		for _, o := range page.Contents {
			obj, err := d.w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: o.Key})
			if err != nil {
				return n, fmt.Errorf("get evidence %s: %w", aws.ToString(o.Key), err)
			}
			b, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil {
				return n, err
			}
			dst := filepath.Join(d.out, "evidence", filepath.FromSlash(aws.ToString(o.Key)))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return n, err
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func rotatorStep(ctx context.Context, d *demoRun) ([]string, error) {
	ev, err := d.writeEvent("snapshot-rotator", runner.ScheduledEventJSON(d.w.now, map[string]string{"policy": scenario.Policy}))
	if err != nil {
		return nil, err
	}
	d.w.sb.Sim.ResetCounts()
	out, runErr := d.invoke(ctx, "snapshot-rotator", "snapshot-rotator", "-event", ev)
	var res []snapshot.Result
	if err := json.Unmarshal(out, &res); err != nil {
		if runErr != nil {
			return nil, runErr
		}
		return nil, fmt.Errorf("snapshot-rotator result: %w", err)
	}
	var lines []string
	for _, r := range res {
		lines = append(lines, fmt.Sprintf("policy %s, slot %s (JST), headroom: %d instance / %d cluster snapshots", r.Policy, r.Slot.In(d.w.cfg.Location()).Format("2006-01-02 15:04"),
			r.Quotas[snapshot.Instance].Headroom(), r.Quotas[snapshot.Cluster].Headroom()))
		for _, o := range r.Targets {
			lines = append(lines, fmt.Sprintf("%-15s %-8s created %s, kept %d, deleted %d (%d of them legacy), never touched %d unmanaged, %d unrecognised and %d of other stages", o.Target.ID, o.Target.Kind, o.Created, len(o.Keep), len(o.Deleted), legacyNamed(o.Deleted), o.Unmanaged, len(o.Unrecognised), len(o.OtherStages)))
			for _, wn := range o.Warnings {
				lines = append(lines, "  reported: "+wn.Message)
			}
		}
		for _, u := range r.Unselected {
			lines = append(lines, fmt.Sprintf("%-15s skipped: %s", u.ID, u.Why))
		}
	}
	st := d.w.sb.Sim.RDS().State()
	have := map[string]bool{}
	for _, s := range st.Snapshots {
		have[s.DBSnapshotIdentifier] = true
	}
	for _, s := range st.ClusterSnapshots {
		have[s.DBClusterSnapshotIdentifier] = true
	}
	missing := 0
	for _, id := range d.w.seed.untouchable {
		if !have[id] {
			missing++
		}
	}
	lines = append(lines, fmt.Sprintf("%s (not targeted), unmanaged, automated and AWS Backup snapshots, copies tagged as the policy's, and stage %s's of the same databases: %d, of which %d deleted (must be 0)", scenario.AnalyticsDB, scenario.NeighbourStage, len(d.w.seed.untouchable), missing))
	lines = append(lines, "RDS requests: "+requests(d.w.sb.Sim.Counts(), "rds:"))
	if missing > 0 {
		return lines, fmt.Errorf("%d snapshots that are not Pledge's were deleted", missing)
	}
	return lines, runErr
}

func requests(m map[string]int, prefix string) string {
	var parts []string
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(k, prefix), v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// legacyNamed counts the snapshot ids in a legacy form (the rotator's
// names before the stage became part of them).
func legacyNamed(ids []string) int {
	n := 0
	for _, id := range ids {
		if !strings.HasPrefix(id, snapshot.NamePrefix(scenario.Stage)) {
			n++
		}
	}
	return n
}
