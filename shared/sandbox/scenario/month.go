package scenario

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/snapshot"
	"github.com/pledge-dev/pledge/shared/verify"
)

// MonthWorld is the simulated month SeedMonth wrote, and what the monthly
// evidence pack must find in it.
type MonthWorld struct {
	// Month is "2026-11": the calendar month before Now, in the zone.
	Month string
	// MissedSlot is the one backup slot whose run never happened.
	MissedSlot time.Time
	// LateNotice is the finding whose notice went out after its deadline.
	LateNotice string
	// NearPurge is the tenant whose purge finished within the deadline
	// alarm's days of its deadline; Purges are every tenant purged.
	NearPurge string
	Purges    []string
	// Runs counts what was written: rotator runs, verifier runs, notices.
	RotatorRuns, VerifierRuns, Notices int
	// Took says how long each part took to simulate.
	Took map[string]time.Duration
}

// simulated clock: every writer below takes Now from it.
type simClock struct{ t time.Time }

func (c *simClock) now() time.Time { return c.t }

// SeedMonth writes a month of evidence into the evidence bucket as the
// functions would have over the calendar month before now (in the
// configuration's zone), fast-forwarding a clock instead of waiting:
//   - the snapshot rotator (its real code, on an in-memory RDS with the
//     scenario's two targets) every hour, from a week before the month to
//     its end, except one slot (MissedSlot) that never ran;
//   - the compliance verifier (its real code, against the simulator as
//     SeedVerification left it) once a day at 09:00, with the drifting
//     clock fixed on the 12th;
//   - notices and findings as the notifier records them, one sent after its
//     72-hour deadline (LateNotice) and a reminder;
//   - three completed purges: manifests, certificates signed by the
//     simulator's KMS key, purge-run records; one finished a day and a
//     half before its deadline (NearPurge); the certificates state their
//     promised window as the purger's do.
//
// The functions' binaries cannot be run for a past month: destructive runs
// use the real clock. The evidence-reporter then runs as a binary on it.
func SeedMonth(ctx context.Context, sb *sandbox.Sandbox, d TenantDeps, cfg config.Config, signingKey string, now time.Time) (MonthWorld, error) {
	if d.S3 == nil || sb == nil {
		return MonthWorld{}, errors.New("seed month: the scenario needs S3 and the simulator")
	}
	loc := cfg.Location()
	local := now.In(loc)
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0)
	end := start.AddDate(0, 1, 0)
	w := MonthWorld{Month: start.Format("2006-01"), MissedSlot: start.AddDate(0, 0, 13).Add(3 * time.Hour), LateNotice: "demo-finding-late", NearPurge: "tenant-31"}
	// Evidence is written by a pool, as fast as MinIO takes it; every
	// write's error is checked before SeedMonth returns.
	writes := newPutPool(d.S3, 16)
	defer writes.close()
	store := &evidence.Store{S3: writes, Bucket: EvidenceBucket}
	clock := &simClock{}
	w.Took = map[string]time.Duration{}
	lap := time.Now()
	took := func(part string) {
		w.Took[part] = time.Since(lap).Round(time.Millisecond)
		lap = time.Now()
	}

	// Backups.
	src := &monthRDS{now: clock.now, snapshots: map[string][]snapshot.Snapshot{}}
	// The rotator's wall clock is the simulated one: a real run acts for
	// the slot of the real time, which is what fast-forwarding replaces.
	rot := &snapshot.Rotator{Stage: cfg.Stage, Source: src, Evidence: store, Metrics: metrics.New(io.Discard, nil, clock.now), Log: slog.New(slog.DiscardHandler),
		Now: clock.now, WallClock: clock.now, Location: loc}
	// A day of history before the month, unrecorded: the first slots of
	// the month then find snapshots to keep.
	for slot := start.AddDate(0, 0, -1); slot.Before(end); slot = slot.Add(time.Hour) {
		if slot.Equal(w.MissedSlot) {
			continue
		}
		rot.Evidence = store
		if slot.Before(start) {
			rot.Evidence = nil
		}
		clock.t = slot.Add(2 * time.Minute)
		if _, err := rot.Run(ctx, cfg.Backup.Policies[0], slot); err != nil {
			return w, fmt.Errorf("seed month: rotator at %s: %w", slot, err)
		}
		if !slot.Before(start) {
			w.RotatorRuns++
		}
	}

	took("rotator")

	// Notices and findings.
	type n struct {
		id, tenant string
		kind       notify.Kind
		detected   time.Time
		after      time.Duration
	}
	notices := []n{
		{"demo-finding-1", "tenant-5", notify.KindFirst, start.AddDate(0, 0, 2).Add(10 * time.Hour), 25 * time.Minute},
		{"demo-finding-1", "tenant-10", notify.KindFirst, start.AddDate(0, 0, 2).Add(10 * time.Hour), 27 * time.Minute},
		{w.LateNotice, "tenant-5", notify.KindFirst, start.AddDate(0, 0, 11).Add(8 * time.Hour), 78 * time.Hour},
		{"demo-finding-3", "tenant-10", notify.KindFirst, start.AddDate(0, 0, 19).Add(22 * time.Hour), 2 * time.Hour},
		{"demo-finding-3", "tenant-10", notify.KindReminder, start.AddDate(0, 0, 19).Add(22 * time.Hour), 26 * time.Hour},
		{"demo-finding-4", "tenant-5", notify.KindFirst, start.AddDate(0, 0, 24).Add(14 * time.Hour), 3 * time.Hour},
	}
	var seen []string
	for i, x := range notices {
		sent := x.detected.Add(x.after)
		rec := notify.NoticeRecord{FindingID: x.id, TenantID: x.tenant, FindingType: "UnauthorizedAccess:EC2/SSHBruteForce", Band: finding.High, Severity: 8, Count: 1, Seq: 1,
			Kind: x.kind, Detected: x.detected.UTC(), PromiseFrom: x.detected.UTC(), Queued: x.detected.UTC(), Sent: sent.UTC(), LatencySeconds: x.after.Seconds(),
			PromiseHours: float64(cfg.Notifications.NoticeHours), Promised: x.kind != notify.KindReminder, MessageIDs: []string{fmt.Sprintf("demo-%d", i)}}
		rec.WithinPromise = !rec.Promised || x.after <= time.Duration(cfg.Notifications.NoticeHours)*time.Hour
		rec.Deadline = fmt.Sprintf("%dh", cfg.Notifications.NoticeHours)
		if rec.Promised {
			rec.Due = x.detected.Add(time.Duration(cfg.Notifications.NoticeHours) * time.Hour).UTC()
		}
		if _, err := store.Put(ctx, evidence.Record{Kind: notify.EvidenceKind, Time: sent, Subject: x.id + "/" + x.tenant, Body: rec}); err != nil {
			return w, fmt.Errorf("seed month: notice: %w", err)
		}
		w.Notices++
		if x.kind == notify.KindFirst && !slices.Contains(seen, x.id) {
			seen = append(seen, x.id)
			f := finding.Finding{ID: x.id, Type: rec.FindingType, Band: finding.High, Severity: 8, Detected: x.detected.UTC(), Count: 1}
			if _, err := store.Put(ctx, evidence.Record{Kind: notify.FindingEvidenceKind, Time: x.detected, Subject: x.id, Body: notify.FindingRecord{Finding: f, Concerned: []string{x.tenant}}}); err != nil {
				return w, fmt.Errorf("seed month: finding: %w", err)
			}
		}
	}

	took("notices")

	// Purges.
	simCfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""),
		BaseEndpoint: aws.String(sb.SimURL), HTTPClient: awssim.HTTPClient(nil)}
	signer := certificate.Signer{KMS: kms.NewFromConfig(simCfg), KeyID: signingKey}
	grace, deadline := cfg.Tenants.GracePeriodDays, cfg.Tenants.DeadlineDays
	for _, p := range []struct {
		tenant   string
		issued   time.Time
		deadline time.Time
	}{
		{"tenant-21", start.AddDate(0, 0, 4).Add(3*time.Hour + 40*time.Minute), start.AddDate(0, 0, 4+26)},
		{w.NearPurge, start.AddDate(0, 0, 16).Add(3*time.Hour + 15*time.Minute), start.AddDate(0, 0, 17).Add(12 * time.Hour)},
		{"tenant-42", start.AddDate(0, 0, 23).Add(3*time.Hour + 5*time.Minute), start.AddDate(0, 0, 23+19)},
	} {
		terminated := p.deadline.AddDate(0, 0, -(grace + deadline))
		if err := seedPurge(ctx, store, signer, cfg, p.tenant, p.issued, terminated, p.deadline); err != nil {
			return w, err
		}
		w.Purges = append(w.Purges, p.tenant)
	}

	took("purges")

	// Verification, once a day against the simulator. The checks of the
	// days before the drifting clock is fixed (the 12th) run concurrently,
	// then those after; each day's run then compares, alerts and stores in
	// order, as the schedule would.
	v, results, err := monthVerifier(ctx, sb, d, cfg, &evidence.Store{S3: d.S3, Bucket: EvidenceBucket}, clock)
	if err != nil {
		return w, err
	}
	var days []time.Time
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		days = append(days, day.Add(9*time.Hour))
	}
	fix := slices.IndexFunc(days, func(t time.Time) bool { return t.Day() == 12 })
	results.collect(ctx, v.Checks, v.Request, days[:fix])
	if err := FixDriftingClock(sb.Sim); err != nil {
		return w, err
	}
	results.collect(ctx, v.Checks, v.Request, days[fix:])
	took("checks")
	v.Checks = results
	for _, t := range days {
		clock.t = t
		if _, err := v.Run(ctx); err != nil {
			return w, fmt.Errorf("seed month: verifier at %s: %w", clock.t, err)
		}
		w.VerifierRuns++
	}
	took("reports")
	if err := writes.close(); err != nil {
		return w, fmt.Errorf("seed month: %w", err)
	}
	took("writes")
	return w, nil
}

// collected holds each day's check results, gathered ahead of the run
// that reports them.
type collected struct {
	mu sync.Mutex
	at map[time.Time][]check.Result
}

// collect runs the checks for each time, six at a time.
func (c *collected) collect(ctx context.Context, checks verify.Collector, req check.Request, times []time.Time) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for _, t := range times {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rs := checks.Collect(ctx, req, t.UTC().Truncate(time.Millisecond))
			c.mu.Lock()
			c.at[t.UTC().Truncate(time.Millisecond)] = rs
			c.mu.Unlock()
		})
	}
	wg.Wait()
}

// Collect returns the results gathered for now.
func (c *collected) Collect(_ context.Context, _ check.Request, now time.Time) []check.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at[now]
}

// monthVerifier is the compliance verifier's run with SDK clients on the
// simulator and MinIO, polling SSM without waiting.
func monthVerifier(ctx context.Context, sb *sandbox.Sandbox, d TenantDeps, cfg config.Config, store *evidence.Store, clock *simClock) (*verify.Verifier, *collected, error) {
	simCfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""),
		BaseEndpoint: aws.String(sb.SimURL), HTTPClient: awssim.HTTPClient(nil)}
	scope, err := check.ResolveScope(ctx, sts.NewFromConfig(simCfg), simCfg.Region)
	if err != nil {
		return nil, nil, fmt.Errorf("seed month: %w", err)
	}
	return &verify.Verifier{
		Checks: &check.AWS{RDS: rds.NewFromConfig(simCfg), EC2: ec2.NewFromConfig(simCfg), SSM: ssm.NewFromConfig(simCfg), S3: d.S3, KMS: kms.NewFromConfig(simCfg),
			CloudTrail: cloudtrail.NewFromConfig(simCfg), GuardDuty: guardduty.NewFromConfig(simCfg), ELB: elbv2.NewFromConfig(simCfg),
			Logs: cloudwatchlogs.NewFromConfig(simCfg), Lambda: lambda.NewFromConfig(simCfg), Scope: scope, CommandPoll: 5 * time.Millisecond},
		Request: check.RequestFromConfig(VerifierConfig(cfg), EvidenceBucket), Subject: scope.Account + "-" + scope.Region,
		Evidence: store, Reports: d.S3, Bucket: EvidenceBucket, Ops: sns.NewFromConfig(simCfg), OpsTopicARN: OpsTopicARN,
		Location: cfg.Location(), Now: clock.now,
	}, &collected{at: map[time.Time][]check.Result{}}, nil
}

// seedPurge writes what a completed purge leaves, in the purger's layout:
// two manifest parts and their index under deletion-manifest/<tenant>/<purge
// id>/ (the purge began a day before it was issued), the signed certificate
// (stating its promised window) under deletion-certificate/<tenant>/<purge
// id>/, and a purge-run record.
func seedPurge(ctx context.Context, store *evidence.Store, signer certificate.Signer, cfg config.Config, tenant string, issued, terminated, deadline time.Time) error {
	prefix := cfg.Tenants.Prefix(tenant)
	layout := purge.Layout{Prefix: purger.KindManifest, TenantID: tenant, PurgeID: purge.PurgeIDAt(issued.Add(-24 * time.Hour))}
	const n = 12
	var all, index []byte
	for p := range 2 {
		var lines []byte
		for i := p * n / 2; i < (p+1)*n/2; i++ {
			var err error
			lines, err = purge.AppendManifestLine(lines, purge.ManifestLine{Bucket: TenantBucket, Key: fmt.Sprintf("%sdata/%04d.json", prefix, i), VersionID: fmt.Sprintf("v-%s-%d", tenant, i),
				Size: int64(100 + i), LastModified: issued.AddDate(0, -3, 0).UTC().Format(time.RFC3339)})
			if err != nil {
				return err
			}
		}
		all = append(all, lines...)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		if _, err := zw.Write(lines); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		key := layout.Part("a1", p+1)
		if err := store.PutObject(ctx, key, "application/gzip", gz.Bytes()); err != nil {
			return fmt.Errorf("seed month: manifest: %w", err)
		}
		e, err := json.Marshal(purge.IndexEntry{Key: key, Lines: n / 2, SHA256: purge.ManifestDigest(lines)})
		if err != nil {
			return err
		}
		index = append(append(index, e...), '\n')
	}
	if err := store.PutObject(ctx, layout.Index(), "application/x-ndjson", index); err != nil {
		return fmt.Errorf("seed month: manifest index: %w", err)
	}
	sealed := purge.Sealed{IndexKey: layout.Index(), IndexSHA256: purge.ManifestDigest(index), SHA256: purge.ManifestDigest(all), Lines: n, Parts: 2}
	res := purge.Result{TenantID: tenant, Locations: []purge.Location{{Bucket: TenantBucket, Prefix: prefix}}, Status: purge.StatusPurged, Layout: layout,
		Counts: purge.Counts{Objects: n, Versions: n, Bytes: int64(n*100 + n*(n-1)/2)}, FirstDeletion: issued.Add(-20 * time.Minute), LastDeletion: issued.Add(-time.Minute),
		ManifestSHA256: sealed.SHA256}
	cert, err := certificate.New(certificate.Input{Result: res, Manifest: sealed, Policies: cfg.Backup.Policies, Zone: cfg.Location(), Issuer: "Pledge tenant-purger (" + cfg.Region + ")", IssuedAt: issued,
		Promise: certificate.PromiseOf(terminated, deadline.AddDate(0, 0, -cfg.Tenants.DeadlineDays), deadline)})
	if err != nil {
		return err
	}
	signed, err := signer.Sign(ctx, cert)
	if err != nil {
		return fmt.Errorf("seed month: sign certificate: %w", err)
	}
	base := fmt.Sprintf("%s/%s/%s/", purger.KindCertificate, tenant, layout.PurgeID)
	for _, f := range []struct {
		name string
		b    []byte
	}{{certificate.FileJSON, signed.JSON}, {certificate.FileSignature, signed.Signature}, {certificate.FilePublicKey, signed.PublicKeyPEM}} {
		if err := store.PutObject(ctx, base+f.name, "application/octet-stream", f.b); err != nil {
			return fmt.Errorf("seed month: certificate: %w", err)
		}
	}
	_, err = store.Put(ctx, evidence.Record{Kind: purger.KindRun, Time: issued, Subject: tenant, Body: purger.Outcome{TenantID: tenant, Action: purger.ActionPurged,
		Status: purge.StatusPurged, Counts: res.Counts, ManifestSHA256: res.ManifestSHA256, Certificate: []string{base + certificate.FileJSON}, Emailed: 1}})
	return err
}

// monthRDS is an in-memory RDS for the simulated month's rotator: the
// scenario's two targets, snapshots dated by the simulated clock.
type monthRDS struct {
	now       func() time.Time
	snapshots map[string][]snapshot.Snapshot
}

var monthTargets = []snapshot.Target{
	{Kind: snapshot.Instance, ID: OrdersDB, Encrypted: true, Status: "available", BackupRetentionDays: 7},
	{Kind: snapshot.Cluster, ID: BillingDB, Encrypted: true, Status: "available", BackupRetentionDays: 3},
}

func (r *monthRDS) Targets(context.Context, config.Targets) ([]snapshot.Target, []snapshot.Unselected, error) {
	return monthTargets, nil, nil
}

func (r *monthRDS) Snapshots(_ context.Context, t snapshot.Target) ([]snapshot.Snapshot, error) {
	return slices.Clone(r.snapshots[t.ID]), nil
}

func (r *monthRDS) Quotas(context.Context) (snapshot.Quotas, error) {
	return snapshot.Quotas{snapshot.Instance: {Max: 1000}, snapshot.Cluster: {Max: 1000}}, nil
}

func (r *monthRDS) Create(_ context.Context, t snapshot.Target, name string, tags map[string]string) error {
	r.snapshots[t.ID] = append(r.snapshots[t.ID], snapshot.Snapshot{ID: name, Target: t.ID, Kind: t.Kind, Type: "manual", Status: snapshot.StatusAvailable,
		Created: r.now(), Encrypted: true, Tags: tags})
	return nil
}

func (r *monthRDS) Delete(_ context.Context, t snapshot.Target, id string) error {
	r.snapshots[t.ID] = slices.DeleteFunc(r.snapshots[t.ID], func(s snapshot.Snapshot) bool { return s.ID == id })
	return nil
}
