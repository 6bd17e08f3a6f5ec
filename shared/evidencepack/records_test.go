package evidencepack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/evidencepack"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/verify"
)

// TestKinds_AreTheWriters: the pack reads the kinds its writers write.
func TestKinds_AreTheWriters(t *testing.T) {
	for got, want := range map[string]string{
		evidencepack.KindPurgeRun:     purger.KindRun,
		evidencepack.KindCertificate:  purger.KindCertificate,
		evidencepack.KindManifest:     purger.KindManifest,
		evidencepack.KindNotice:       notify.EvidenceKind,
		evidencepack.KindFinding:      notify.FindingEvidenceKind,
		evidencepack.KindVerification: verify.Kind,
	} {
		if got != want {
			t.Errorf("pack reads %q, the writer writes %q", got, want)
		}
	}
	w := newWorld(t)
	w.rotate(t)
	if keys := w.bucket.keys(evidencepack.KindSnapshotRun + "/"); len(keys) == 0 {
		t.Errorf("the rotator wrote no %s record: %v", evidencepack.KindSnapshotRun, w.bucket.keys(""))
	}
}

func body(t *testing.T, w *world, prefix string) []byte {
	t.Helper()
	for _, k := range w.bucket.keys(prefix) {
		if strings.HasSuffix(k, ".json") {
			return w.bucket.objects[k]
		}
	}
	t.Fatalf("no JSON record under %s", prefix)
	return nil
}

func TestReadSnapshotRun_RealRecord(t *testing.T) {
	w := newWorld(t)
	w.rotate(t)
	run, dry, err := evidencepack.ReadSnapshotRun(body(t, w, "snapshot-run/2026/11/20/"))
	if err != nil || dry {
		t.Fatal(err, dry)
	}
	if run.Policy != w.cfg.Backup.Policies[0].Name || run.Slot.IsZero() || len(run.Targets) != 2 {
		t.Fatalf("run %+v", run)
	}
	for _, tr := range run.Targets {
		if tr.Snapshot == "" || !tr.Created || tr.Kept != 24+7+4-2 && tr.Kept < 30 {
			t.Errorf("target %+v", tr)
		}
		if tr.Tiers["hourly"] != 24 || tr.Tiers["daily"] != 7 || tr.Tiers["weekly"] != 4 {
			t.Errorf("tiers %v", tr.Tiers)
		}
	}
	if _, _, err := evidencepack.ReadSnapshotRun([]byte(`{"kind":"notice","body":{}}`)); err == nil || !strings.Contains(err.Error(), `kind "notice", want "snapshot-run"`) {
		t.Errorf("wrong kind: %v", err)
	}
	if _, _, err := evidencepack.ReadSnapshotRun([]byte(`{"kind":"snapshot-run","body":{"targets":[]}}`)); err == nil || !strings.Contains(err.Error(), "no policy or slot") {
		t.Errorf("no policy: %v", err)
	}
}

func TestReadNotice_Deadlines(t *testing.T) {
	w := newWorld(t)
	deadline := at(time.November, 3, 12, 0)
	w.notice(t, "f-own", "t", notify.KindFirst, at(time.November, 3, 10, 0), at(time.November, 3, 13, 0), &deadline, false)
	w.notice(t, "f-hours", "t", notify.KindFirst, at(time.November, 3, 10, 0), at(time.November, 3, 13, 0), nil, false)
	w.notice(t, "f-rem", "t", notify.KindReminder, at(time.November, 3, 10, 0), at(time.November, 5, 13, 0), nil, true)
	read := func(id string) evidencepack.Notice {
		for _, k := range w.bucket.keys("notice/") {
			if strings.Contains(k, id) {
				n, err := evidencepack.ReadNotice(w.bucket.objects[k], 24)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatalf("no notice %s", id)
		return evidencepack.Notice{}
	}
	own := read("f-own")
	if own.DeadlineFrom != "record" || !own.Deadline.Equal(deadline) || own.Rule != "6h; business hours" || !own.Breached() || own.Latency() != 3*time.Hour {
		t.Errorf("own deadline: %+v", own)
	}
	hours := read("f-hours")
	if hours.DeadlineFrom != "promise_hours" || !hours.Deadline.Equal(at(time.November, 6, 10, 0)) || hours.Breached() {
		t.Errorf("promise hours (72, not the 24 passed): %+v", hours)
	}
	rem := read("f-rem")
	if rem.Promised || rem.Breached() || !rem.Late {
		t.Errorf("reminder: %+v", rem)
	}
	// A record stating neither falls back to the configured hours.
	n, err := evidencepack.ReadNotice([]byte(`{"kind":"notice","body":{"finding_id":"f","promise_from":"2026-11-01T00:00:00Z","sent":"2026-11-02T01:00:00Z"}}`), 24)
	if err != nil || n.DeadlineFrom != "configuration" || !n.Deadline.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) || !n.Breached() || !n.Promised {
		t.Errorf("configured fallback: %+v %v", n, err)
	}
	if _, err := evidencepack.ReadNotice([]byte(`{"kind":"notice","body":{"tenant_id":"t"}}`), 24); err == nil {
		t.Error("a notice without finding or sending time was read")
	}
}

func TestReadCertificate_Defensive(t *testing.T) {
	base := `{"tenant_id":"t-1","issued_at":"2026-11-10T03:00:00Z","locations":[{"bucket":"b","prefix":"tenants/t-1/"}],"counts":{"versions":3,"delete_markers":1,"bytes":30},` +
		`"manifest":{"sha256":"ab","lines":4,"keys":["deletion-manifest/x"]},"signing":{"public_key_sha256":"cd"},"some_future_field":{"x":[1,2]}`
	for _, tc := range []struct {
		name, extra string
		deadline    time.Time
		terminated  time.Time
	}{
		{"no deadline", "", time.Time{}, time.Time{}},
		{"the purger's promise", `,"promise":{"terminated":"2026-09-13T00:00:00Z","purge_due":"2026-10-13T00:00:00Z","purge_deadline":"2026-11-12T00:00:00Z"}`, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 13, 0, 0, 0, 0, time.UTC)},
		{"top level", `,"purge_deadline":"2026-11-12T00:00:00Z","terminated_at":"2026-09-13T00:00:00Z"`, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 13, 0, 0, 0, 0, time.UTC)},
		{"window", `,"window":{"opens":"2026-10-13T00:00:00Z","deadline":"2026-11-12T00:00:00Z","terminated":"2026-09-13T00:00:00Z"}`, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 13, 0, 0, 0, 0, time.UTC)},
		{"promised window closes", `,"promised_window":{"closes":"2026-11-12T09:00:00+09:00"}`, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC), time.Time{}},
		{"unreadable deadline is none", `,"deadline":"next week"`, time.Time{}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := evidencepack.ReadCertificate([]byte(base + tc.extra + "}"))
			if err != nil {
				t.Fatal(err)
			}
			if c.TenantID != "t-1" || c.Versions != 3 || c.Markers != 1 || c.ManifestLines != 4 || len(c.ManifestKeys) != 1 || c.Prefixes[0].Prefix != "tenants/t-1/" {
				t.Errorf("fields %+v", c)
			}
			if !c.Deadline.Equal(tc.deadline) || !c.Terminated.Equal(tc.terminated) {
				t.Errorf("deadline %v terminated %v; want %v %v", c.Deadline, c.Terminated, tc.deadline, tc.terminated)
			}
		})
	}
	if _, err := evidencepack.ReadCertificate([]byte(`{"tenant_id":"t"}`)); err == nil {
		t.Error("a certificate without issue time was read")
	}
}

func TestReadReportFindingPurgeRun_RealRecords(t *testing.T) {
	w := newWorld(t)
	w.verify(t)
	w.notices(t)
	w.purges(t)
	r, err := evidencepack.ReadReport(body(t, w, "verification-report/2026/11/10/"))
	if err != nil || len(r.Results) != 8 || r.Subject != "111122223333-ap-northeast-1" || r.GeneratedAt.IsZero() || r.Results[0].ReasonJA == "" {
		t.Fatalf("report %+v %v", r, err)
	}
	f, err := evidencepack.ReadFinding(body(t, w, "finding/"))
	if err != nil || f.ID == "" || f.Band != "High" || len(f.Concerned) != 1 {
		t.Errorf("finding %+v %v", f, err)
	}
	pr, err := evidencepack.ReadPurgeRun(body(t, w, "purge-run/2026/11/10/"))
	if err != nil || pr.TenantID != "tenant-1" || pr.Action == "" {
		t.Errorf("purge run %+v %v", pr, err)
	}
	// A sweep record has no tenant.
	store := &evidence.Store{S3: w.bucket, Bucket: "evidence"}
	if _, err := store.Put(context.Background(), evidence.Record{Kind: purger.KindRun, Time: at(time.November, 2, 3, 0), Subject: "sweep", Body: map[string]any{"due": []string{}}}); err != nil {
		t.Fatal(err)
	}
	sweep, err := evidencepack.ReadPurgeRun(body(t, w, "purge-run/2026/11/01/"))
	if err != nil || sweep.TenantID != "" {
		t.Errorf("sweep %+v %v", sweep, err)
	}
}

func FuzzReaders(f *testing.F) {
	f.Add([]byte(`{"kind":"notice","body":{"finding_id":"f","sent":"2026-11-02T01:00:00Z","deadline":"2026-11-01T00:00:00Z"}}`))
	f.Add([]byte(`{"kind":"snapshot-run","body":{"policy":"p","slot":"2026-11-02T01:00:00Z","targets":[{"keep":[{"reasons":["hourly snapshot x"]}]}]}}`))
	f.Add([]byte(`{"tenant_id":"t","issued_at":"2026-11-10T03:00:00Z","window":{"deadline":"2026-11-12T00:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// None panics; each either reads or says why not.
		if _, _, err := evidencepack.ReadSnapshotRun(b); err != nil && err.Error() == "" {
			t.Error("empty error")
		}
		evidencepack.ReadNotice(b, 72)
		evidencepack.ReadFinding(b)
		evidencepack.ReadPurgeRun(b)
		evidencepack.ReadReport(b)
		if c, err := evidencepack.ReadCertificate(b); err == nil && (c.TenantID == "" || c.Issued.IsZero()) {
			t.Errorf("read a certificate without tenant or issue time: %+v", c)
		}
	})
}
