package evidencepack_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/chrony"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/snapshot"
	"github.com/pledge-dev/pledge/shared/verify"
)

var jst = time.FixedZone("JST", 9*3600)

// exampleConfig is the shipped example: hourly x24 + daily x7 + weekly x4,
// 30 days' grace then 30 to delete, notice within 72 hours, Asia/Tokyo.
func exampleConfig(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// at returns a time in JST.
func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, jst)
}

// missedSlot is the one hourly slot of November 2026 whose run never
// happened.
var missedSlot = at(time.November, 14, 3, 0)

// world is a month of evidence written by the code that writes it, with
// the figures the pack must find in it.
type world struct {
	bucket *bucket
	store  *evidence.Store
	kms    *fakeKMS
	cfg    config.Config
}

func newWorld(t *testing.T) *world {
	b := newBucket()
	return &world{bucket: b, store: &evidence.Store{S3: b, Bucket: "evidence"}, kms: newFakeKMS(t), cfg: exampleConfig(t)}
}

// rotate runs the real rotator every hour from October 1 to November 30
// (JST), skipping missedSlot: October gives the tiers their history, and
// its records lie outside the month.
func (w *world) rotate(t *testing.T) {
	t.Helper()
	var clock time.Time
	now := func() time.Time { return clock }
	src := newRDS(now)
	// The wall clock is fast-forwarded too: a real run acts for the slot of
	// the real time.
	r := &snapshot.Rotator{Stage: w.cfg.Stage, Source: src, Evidence: w.store, Metrics: metrics.New(io.Discard, nil, now), Log: slog.New(slog.DiscardHandler),
		Now: now, WallClock: now, Location: w.cfg.Location()}
	p := w.cfg.Backup.Policies[0]
	for slot := at(time.October, 1, 0, 0); slot.Before(at(time.December, 1, 0, 0)); slot = slot.Add(time.Hour) {
		if slot.Equal(missedSlot) {
			continue
		}
		clock = slot.Add(5 * time.Minute)
		if _, err := r.Run(context.Background(), p, slot); err != nil {
			t.Fatalf("rotator at %s: %v", slot, err)
		}
	}
}

func (w *world) notice(t *testing.T, id, tenant string, kind notify.Kind, detected, sent time.Time, deadline *time.Time, late bool) {
	t.Helper()
	rec := notify.NoticeRecord{FindingID: id, TenantID: tenant, FindingType: "UnauthorizedAccess:EC2/SSHBruteForce", Band: finding.High, Severity: 8, Count: 1, Seq: 1,
		Kind: kind, Detected: detected.UTC(), PromiseFrom: detected.UTC(), Queued: detected.UTC(), Sent: sent.UTC(),
		LatencySeconds: sent.Sub(detected).Seconds(), PromiseHours: float64(w.cfg.Notifications.NoticeHours), Promised: kind != notify.KindReminder}
	rec.WithinPromise = !rec.Promised || !sent.After(detected.Add(72*time.Hour))
	rec.Deadline = "72h"
	if deadline != nil {
		rec.Due, rec.Deadline = *deadline, "6h; business hours"
	}
	if late {
		// A finding that arrived after its notice was due: the notifier
		// records it as not promised, late arrival.
		rec.Promised, rec.LateArrival = false, true
	}
	if _, err := w.store.Put(context.Background(), evidence.Record{Kind: notify.EvidenceKind, Time: sent, Subject: id + "/" + tenant, Body: rec}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) notices(t *testing.T) {
	sooner := at(time.November, 21, 10, 0) // a business-hours deadline, sooner than 72 h
	w.notice(t, "f-1", "tenant-5", notify.KindFirst, at(time.November, 3, 10, 0), at(time.November, 3, 10, 20), nil, false)
	w.notice(t, "f-2", "tenant-5", notify.KindFirst, at(time.November, 12, 8, 0), at(time.November, 15, 16, 0), nil, false) // 80 h: late
	w.notice(t, "f-3", "tenant-10", notify.KindFirst, at(time.November, 20, 22, 0), at(time.November, 21, 0, 0), &sooner, false)
	w.notice(t, "f-3", "tenant-10", notify.KindReminder, at(time.November, 20, 22, 0), at(time.November, 22, 0, 0), nil, false)
	w.notice(t, "f-4", "tenant-5", notify.KindFirst, at(time.July, 1, 0, 0), at(time.November, 25, 9, 0), nil, true)     // arrived long after
	w.notice(t, "f-0", "tenant-5", notify.KindFirst, at(time.October, 30, 0, 0), at(time.October, 30, 1, 0), nil, false) // October
	for i, band := range []finding.Band{finding.High, finding.High, finding.Medium} {
		f := finding.Finding{ID: fmt.Sprintf("f-%d", i+1), Type: "UnauthorizedAccess:EC2/SSHBruteForce", Band: band, Detected: at(time.November, 3+i, 10, 0).UTC()}
		if _, err := w.store.Put(context.Background(), evidence.Record{Kind: notify.FindingEvidenceKind, Time: f.Detected, Subject: f.ID,
			Body: notify.FindingRecord{Finding: f, Concerned: []string{"tenant-5"}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// purge writes what a completed purge leaves, in the purger's layout:
// manifest parts and their index under deletion-manifest/<tenant>/<purge
// id>/, the certificate signed by the certificate signer under
// deletion-certificate/<tenant>/<purge id>/ (stating its promised window
// when deadline is not zero), and a purge-run record. The purge began a
// day before it was issued.
func (w *world) purge(t *testing.T, tenant string, issued, deadline time.Time, keys ...string) string {
	t.Helper()
	ctx := context.Background()
	cert, err := writeManifest(ctx, w.store, certificate.Signer{KMS: w.kms, KeyID: "alias/pledge-deletion-certificates"}, w.cfg, tenant, "tenant-data", issued, deadline, keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Put(ctx, evidence.Record{Kind: purger.KindRun, Time: issued, Subject: tenant,
		Body: purger.Outcome{TenantID: tenant, Action: purger.ActionPurged, Status: purge.StatusPurged, Certificate: []string{cert}}}); err != nil {
		t.Fatal(err)
	}
	return cert
}

// writeManifest writes a purge's manifest (two parts and the index, as
// purge.Seal leaves them) and its signed certificate, and returns the
// certificate's key.
func writeManifest(ctx context.Context, store *evidence.Store, signer certificate.Signer, cfg config.Config, tenant, bucket string, issued, deadline time.Time, keys []string) (string, error) {
	layout := purge.Layout{Prefix: purger.KindManifest, TenantID: tenant, PurgeID: purge.PurgeIDAt(issued.Add(-24 * time.Hour))}
	var all []byte
	var index []byte
	parts := [][]string{keys[:len(keys)/2], keys[len(keys)/2:]}
	for i, part := range parts {
		var lines []byte
		for j, k := range part {
			var err error
			lines, err = purge.AppendManifestLine(lines, purge.ManifestLine{Bucket: bucket, Key: k, VersionID: fmt.Sprintf("v%d-%d", i, j), Size: 10, LastModified: "2026-09-01T00:00:00Z"})
			if err != nil {
				return "", err
			}
		}
		all = append(all, lines...)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(lines)
		zw.Close()
		key := layout.Part("a1", i+1)
		if err := store.PutObject(ctx, key, "application/gzip", gz.Bytes()); err != nil {
			return "", err
		}
		e, err := json.Marshal(purge.IndexEntry{Key: key, Lines: int64(len(part)), SHA256: purge.ManifestDigest(lines)})
		if err != nil {
			return "", err
		}
		index = append(append(index, e...), '\n')
	}
	if err := store.PutObject(ctx, layout.Index(), "application/x-ndjson", index); err != nil {
		return "", err
	}
	sealed := purge.Sealed{IndexKey: layout.Index(), IndexSHA256: purge.ManifestDigest(index), SHA256: purge.ManifestDigest(all), Lines: int64(len(keys)), Parts: int64(len(parts))}
	res := purge.Result{TenantID: tenant, Locations: []purge.Location{{Bucket: bucket, Prefix: cfg.Tenants.Prefix(tenant)}}, Status: purge.StatusPurged, Layout: layout,
		Counts: purge.Counts{Objects: int64(len(keys)), Versions: int64(len(keys)), Bytes: int64(10 * len(keys))}, FirstDeletion: issued.Add(-time.Hour), LastDeletion: issued.Add(-time.Minute),
		ManifestSHA256: sealed.SHA256}
	in := certificate.Input{Result: res, Manifest: sealed, Policies: cfg.Backup.Policies, Zone: cfg.Location(), Issuer: "Pledge test", IssuedAt: issued}
	if !deadline.IsZero() {
		in.Promise = certificate.PromiseOf(deadline.AddDate(0, 0, -60), deadline.AddDate(0, 0, -30), deadline)
	}
	cert, err := certificate.New(in)
	if err != nil {
		return "", err
	}
	signed, err := signer.Sign(ctx, cert)
	if err != nil {
		return "", err
	}
	body, sig := signed.JSON, signed.Signature
	base := fmt.Sprintf("%s/%s/%s/", purger.KindCertificate, tenant, layout.PurgeID)
	for name, b := range map[string][]byte{certificate.FileJSON: body, certificate.FileSignature: sig, certificate.FilePublicKey: signed.PublicKeyPEM} {
		if err := store.PutObject(ctx, base+name, "application/octet-stream", b); err != nil {
			return "", err
		}
	}
	return base + certificate.FileJSON, nil
}

func (w *world) purges(t *testing.T) {
	// tenant-1 finished 1.5 days before its deadline; tenant-2 with weeks
	// to spare; tenant-3's certificate states no deadline; tenant-4 in
	// October.
	w.purge(t, "tenant-1", at(time.November, 10, 12, 0), at(time.November, 12, 0, 0), "tenants/tenant-1/a.json", "tenants/tenant-1/b.json", "tenants/tenant-1/c/d.json")
	w.purge(t, "tenant-2", at(time.November, 20, 3, 0), at(time.December, 25, 0, 0), "tenants/tenant-2/x", "tenants/tenant-2/y")
	w.purge(t, "tenant-3", at(time.November, 25, 3, 0), time.Time{}, "tenants/tenant-3/x", "tenants/tenant-3/y")
	w.purge(t, "tenant-4", at(time.October, 25, 3, 0), at(time.November, 30, 0, 0), "tenants/tenant-4/x", "tenants/tenant-4/y")
	if _, err := w.store.Put(context.Background(), evidence.Record{Kind: purger.KindRun, Time: at(time.November, 10, 11, 0), Subject: "tenant-1",
		Body: purger.Outcome{TenantID: "tenant-1", Action: purger.ActionFailed, Error: "throttled"}}); err != nil {
		t.Fatal(err)
	}
}

// checks is a verifier's collector: what the account looks like at a time.
type checks struct{}

func (checks) Collect(_ context.Context, _ check.Request, now time.Time) []check.Result {
	amazon := "A9FEA97B,169.254.169.123,4,1511356714.000000000,0.000000626,0.002852759,0.002852759,1.187,0.020,24.388,0.000504752,0.001112565,64.4,Normal"
	nict := "85F3EEA4,133.243.238.164,2,1795305343.506320427,0.000731412,-0.000120012,0.000410027,-12.032,-0.004,0.131,0.008105277,0.000621601,1031.6,Normal"
	rule := chrony.Rule{MaxOffset: 100 * time.Millisecond, Sources: []chrony.Source{chrony.AmazonTimeSync, chrony.NICT()}}
	out := []check.Result{
		check.TimeSync("i-1", amazon, rule, now),
		check.TimeSync("i-2", nict, rule, now),
	}
	for i := 1; i <= 3; i++ {
		out = append(out, check.SnapshotEncryption(check.Snapshot{Kind: "DB snapshot", ID: fmt.Sprintf("analytics-%d", i), ARN: fmt.Sprintf("arn:aws:rds:ap-northeast-1:111122223333:snapshot:analytics-%d", i),
			Database: "analytics-db"}, now))
	}
	out = append(out, check.SnapshotEncryption(check.Snapshot{Kind: "DB snapshot", ID: "orders-1", ARN: "arn:aws:rds:ap-northeast-1:111122223333:snapshot:orders-1", Database: "orders-db", Encrypted: true, KMSKeyID: "k"}, now))
	policy := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::exports","arn:aws:s3:::exports/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if now.After(at(time.November, 5, 0, 0)) && now.Before(at(time.November, 7, 12, 0)) {
		policy = "" // removed for two and a half days, then restored
	}
	out = append(out, check.BucketPolicyTLS("arn:aws:s3:::exports", policy, now))
	key := check.KMSKey{ID: "k-1", ARN: "arn:aws:kms:ap-northeast-1:111122223333:key/k-1", Manager: "CUSTOMER", Spec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS", State: "Enabled", RotationEnabled: true}
	if now.In(jst).Day() == 20 && now.In(jst).Month() == time.November {
		out = append(out, check.Errored(check.KMSKeyRotation, key.ARN, fmt.Errorf("kms:GetKeyRotationStatus: throttled"), now))
	} else {
		out = append(out, check.KeyRotation(key, 365, now))
	}
	return out
}

// verify runs the real verifier every six hours from October 31 to
// December 1 (JST), writing its JSON and HTML reports.
func (w *world) verify(t *testing.T) {
	t.Helper()
	var clock time.Time
	v := &verify.Verifier{Checks: checks{}, Subject: "111122223333-ap-northeast-1", Evidence: w.store, Reports: w.bucket, Bucket: "evidence",
		Ops: &ops{}, OpsTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:ops", Location: jst, Now: func() time.Time { return clock }}
	for clock = at(time.October, 31, 0, 30); clock.Before(at(time.December, 1, 6, 0)); clock = clock.Add(6 * time.Hour) {
		if _, err := v.Run(context.Background()); err != nil {
			t.Fatalf("verifier at %s: %v", clock, err)
		}
	}
}

// november writes the whole fixture once per test binary.
func november(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	w.rotate(t)
	w.notices(t)
	w.purges(t)
	w.verify(t)
	return w
}
