package evidencepack_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/evidencepack"
)

var (
	novOnce sync.Once
	novW    *world
	novEv   *evidencepack.Evidence
	novPack evidencepack.Pack
)

// built collects and builds November's pack once for the tests that read
// it.
func built(t *testing.T) (*world, *evidencepack.Evidence, evidencepack.Pack) {
	t.Helper()
	novOnce.Do(func() {
		w := november(t)
		c := &evidencepack.Collector{S3: w.bucket, Bucket: "evidence", NoticeHours: w.cfg.Notifications.NoticeHours}
		ev, err := c.Collect(context.Background(), evidencepack.Month{Year: 2026, Month: time.November, Zone: w.cfg.Location()})
		if err != nil {
			t.Fatal(err)
		}
		novW, novEv, novPack = w, ev, evidencepack.Build(ev, w.cfg, at(time.December, 1, 0, 15))
	})
	if novW == nil {
		t.Fatal("the November fixture was not built")
	}
	return novW, novEv, novPack
}

func control(t *testing.T, p evidencepack.Pack, id string) evidencepack.Control {
	t.Helper()
	for _, c := range p.Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no control %s", id)
	return evidencepack.Control{}
}

func figure(t *testing.T, c evidencepack.Control, label string) evidencepack.Figure {
	t.Helper()
	for _, f := range c.Figures {
		if strings.Contains(f.Label.EN, label) {
			return f
		}
	}
	t.Fatalf("%s has no figure %q: %+v", c.ID, label, c.Figures)
	return evidencepack.Figure{}
}

func TestCollect_TheMonthOnly(t *testing.T) {
	_, ev, p := built(t)
	// 30 days x 24 slots, one missed: 719 run records; November JST
	// starts at 15:00 UTC on October 31, so keys of that UTC day count
	// from then on only.
	if got := len(ev.SnapshotRuns); got != 719 {
		t.Errorf("%d snapshot runs, want 719", got)
	}
	for _, r := range ev.SnapshotRuns {
		if !ev.Month.Contains(r.Time) {
			t.Errorf("run %s at %s is outside November", r.Key, r.Time)
		}
	}
	// Every six hours from 00:30 JST: 4 a day for 30 days.
	if got := len(ev.Reports); got != 120 {
		t.Errorf("%d verification reports, want 120", got)
	}
	if got := len(ev.Notices); got != 5 {
		t.Errorf("%d notices, want 5 (the October one is outside)", got)
	}
	if got := len(ev.Certificates); got != 3 {
		t.Errorf("%d certificates, want 3 (tenant-4's is October's)", got)
	}
	if got, want := p.Objects["verification-report"], 240; got != want {
		t.Errorf("%d verification-report objects indexed, want %d (JSON and HTML)", got, want)
	}
	if got, want := p.Objects["deletion-certificate"], 9; got != want {
		t.Errorf("%d certificate files indexed, want %d", got, want)
	}
	if got, want := p.Objects["deletion-manifest"], 9; got != want {
		t.Errorf("%d manifest objects indexed, want %d (two parts and the index per purge)", got, want)
	}
	if len(ev.Problems) != 0 {
		t.Errorf("problems: %+v", ev.Problems)
	}
	for _, c := range ev.Certificates {
		if !c.SignatureOK {
			t.Errorf("certificate %s: signature not verified", c.Key)
		}
	}
	for _, m := range ev.Manifests {
		if !m.DigestOK || m.OutsideCount != 0 || m.Error != "" {
			t.Errorf("manifest of %s: %+v", m.TenantID, m)
		}
	}
}

func TestBuild_Backups(t *testing.T) {
	_, _, p := built(t)
	c := control(t, p, "A.12.3.1")
	if c.Status != evidencepack.Breached {
		t.Errorf("status %s, want breached (one missed backup)", c.Status)
	}
	for _, target := range []string{"orders-db", "billing-aurora"} {
		if f := figure(t, c, "Snapshots of "+target); f.Value != "719 / 720" || f.Status != evidencepack.Breached {
			t.Errorf("%s: %+v", target, f)
		}
		if f := figure(t, c, "Generations of "+target); f.Value != "hourly 24/24 · daily 7/7 · weekly 4/4" || f.Status != evidencepack.Kept {
			t.Errorf("%s generations: %+v", target, f)
		}
	}
	if got := c.Days[13]; got != evidencepack.Breached {
		t.Errorf("November 14: %s, want breached", got)
	}
	if got := c.Days[12]; got != evidencepack.Breached {
		t.Errorf("November 13: %s, want breached: the analytics-db snapshots fail every verification", got)
	}
	var missed *evidencepack.Group
	for i, g := range c.Findings {
		if strings.Contains(g.Title.EN, "missed backup") {
			missed = &c.Findings[i]
		}
	}
	if missed == nil || missed.Count != 2 || !strings.Contains(missed.Items[0].Reason.EN, "2026-11-14 03:00 JST") || !strings.Contains(missed.Items[0].Reason.JA, "2026-11-14 03:00 JST") {
		t.Errorf("missed-backup group: %+v", missed)
	}
	if !strings.Contains(c.Summary.EN, "1438 of 1440 scheduled snapshots taken (2 missed).") {
		t.Errorf("summary %q", c.Summary.EN)
	}
	if len(c.Backups.Targets) != 2 || c.Backups.Targets[0].Days[13].Expected != 24 || c.Backups.Targets[0].Days[13].Taken != 23 {
		t.Errorf("backup days: %+v", c.Backups.Targets)
	}
	if len(c.Evidence) < 719 {
		t.Errorf("%d evidence keys behind the backups", len(c.Evidence))
	}
}

func TestBuild_Notices(t *testing.T) {
	_, _, p := built(t)
	c := control(t, p, "A.16.1.1")
	n := c.Notices
	if c.Status != evidencepack.Breached || n.Sent != 5 || n.Promised != 4 || n.Breached != 1 || n.Late != 1 {
		t.Errorf("status %s, notices %+v", c.Status, n)
	}
	// Latencies of the promised, not late notices: 20 min, 80 h, 2 h.
	if n.MaxHours != 80 || n.P95Hours != 80 {
		t.Errorf("max %v h, p95 %v h; want 80 and 80", n.MaxHours, n.P95Hours)
	}
	var deadlineFrom []string
	for _, it := range n.Items {
		deadlineFrom = append(deadlineFrom, it.DeadlineFrom)
	}
	if got := strings.Join(deadlineFrom, ","); got != "promise_hours,promise_hours,record,promise_hours,promise_hours" {
		t.Errorf("deadlines read from %s", got)
	}
	if got := c.Days[14]; got != evidencepack.Breached {
		t.Errorf("November 15 (the late notice): %s", got)
	}
	if got := c.Days[1]; got != evidencepack.None {
		t.Errorf("November 2, no notice: %s, want none", got)
	}
	if figure(t, c, "Sent before the deadline").Value != "2 / 3" {
		t.Errorf("on time: %+v", figure(t, c, "Sent before the deadline"))
	}
}

func TestBuild_Purges(t *testing.T) {
	_, _, p := built(t)
	c := control(t, p, "CLD.8.1.5")
	if c.Status != evidencepack.Unverified {
		t.Errorf("status %s, want unverified: tenant-3's certificate states no deadline", c.Status)
	}
	done := c.Purges.Completed
	if len(done) != 3 || done[0].TenantID != "tenant-1" || !done[0].Near || done[0].Status != evidencepack.Kept || done[2].Status != evidencepack.Unverified {
		t.Fatalf("completed: %+v", done)
	}
	if h := done[0].MarginHours; h != 36 {
		t.Errorf("tenant-1 margin %v h, want 36", h)
	}
	if figure(t, c, "Smallest margin").Value != "1.5 d" {
		t.Errorf("smallest margin %+v", figure(t, c, "Smallest margin"))
	}
	if c.Purges.Runs != 4 || len(c.Purges.Failed) != 1 {
		t.Errorf("runs %d, failed %d; want 4 and 1", c.Purges.Runs, len(c.Purges.Failed))
	}
	var near bool
	for _, g := range c.Findings {
		near = near || strings.Contains(g.Title.EN, "within 7 days of the deadline")
	}
	if !near {
		t.Errorf("no near-deadline group: %+v", c.Findings)
	}
	seg := control(t, p, "CLD.9.5.1")
	if seg.Status != evidencepack.Kept || figure(t, seg, "Manifest lines").Value != "7" || figure(t, seg, "outside").Value != "0" {
		t.Errorf("segregation: %s %+v", seg.Status, seg.Figures)
	}
}

func TestBuild_Verification(t *testing.T) {
	_, _, p := built(t)
	c := control(t, p, "A.10.1.1")
	v := c.Verification
	if v.Runs != 120 || v.Open != 3 || v.Resolved != 1 {
		t.Errorf("runs %d open %d resolved %d; want 120, 3, 1", v.Runs, v.Open, v.Resolved)
	}
	var group *evidencepack.Group
	for i, g := range c.Findings {
		if strings.Contains(g.Title.EN, "unencrypted snapshots") {
			group = &c.Findings[i]
		}
	}
	if group == nil || group.Title.EN != "3 unencrypted snapshots of analytics-db" || group.Title.JA != "analytics-db の暗号化されていないスナップショット 3 件" || group.Count != 3 || len(group.Items) != 3 {
		t.Fatalf("snapshot group: %+v", group)
	}
	if !strings.Contains(group.Items[0].Reason.JA, "暗号化されていません") || group.Since.IsZero() {
		t.Errorf("item %+v", group.Items[0])
	}
	// November 6: the exports bucket's policy was gone all day.
	if d := v.Days[5]; d.Runs != 4 || d.Failures != 4*4 {
		t.Errorf("November 6: %+v", d)
	}
	key := control(t, p, "A.10.1.2")
	if key.Status != evidencepack.Unverified || key.Days[19] != evidencepack.Unverified || key.Days[18] != evidencepack.Kept {
		t.Errorf("key management: %s, Nov 19 %s, Nov 20 %s", key.Status, key.Days[18], key.Days[19])
	}
	clock := control(t, p, "A.12.4.4")
	if clock.Status != evidencepack.Kept || figure(t, clock, "Sources").Value != "Amazon Time Sync Service: 1; NICT's public NTP service (ntp.nict.jp): 1" {
		t.Errorf("clocks: %s %+v", clock.Status, clock.Figures)
	}
}

func TestBuild_EveryControlAndDay(t *testing.T) {
	_, _, p := built(t)
	want := []string{"CLD.8.1.5", "CLD.9.5.1", "A.10.1.1", "A.10.1.2", "A.12.3.1", "A.12.4.1", "A.12.4.2", "A.12.4.4", "CLD.12.4.5", "A.13.1.1", "A.14.1.2", "A.14.1.3", "A.16.1.1"}
	if got := strings.Join(evidencepack.ControlIDs(), " "); got != strings.Join(want, " ") {
		t.Errorf("controls %s", got)
	}
	if len(p.Days) != 30 || p.Days[0] != "2026-11-01" || p.Month != "2026-11" || !p.From.Equal(at(time.November, 1, 0, 0)) {
		t.Errorf("period %s %v %v", p.Month, p.Days, p.From)
	}
	for _, c := range p.Controls {
		if len(c.Days) != 30 || c.Title.JA == "" || c.Title.EN == "" || len(c.Promise) == 0 || c.Summary.EN == "" || c.Summary.JA == "" {
			t.Errorf("%s incomplete: %+v", c.ID, c)
		}
	}
	// A.12.4.1 has no results in the fixture: no evidence is not a pass.
	if c := control(t, p, "A.12.4.1"); c.Status != evidencepack.Unverified {
		t.Errorf("A.12.4.1 without evidence: %s", c.Status)
	}
}

func TestGroupTitle(t *testing.T) {
	for _, tc := range []struct {
		check, status, group string
		n                    int
		en, ja               string
	}{
		{"rds.snapshot-encrypted", "FAIL", "analytics-db", 41, "41 unencrypted snapshots of analytics-db", "analytics-db の暗号化されていないスナップショット 41 件"},
		{"elb.tls12-policy", "FAIL", "", 1, "1 listener allowing TLS older than 1.2", "TLS 1.2 未満を許可するリスナー 1 件"},
		{"timesync.chrony", "FAIL", "not an accepted source", 2, "2 clocks not synchronised as promised (not an accepted source)", "約束どおり同期していない時計 2 件 (not an accepted source)"},
		{"rds.tls-enforced", "ERROR", "", 1, "1 rds.tls-enforced result not evaluated", "rds.tls-enforced を評価できなかった項目 1 件"},
		{"x.unknown", "FAIL", "", 3, "3 failing x.unknown results", "x.unknown の不合格 3 件"},
	} {
		got := evidencepack.GroupTitle(tc.check, tc.status, tc.group, tc.n)
		if got.EN != tc.en || got.JA != tc.ja {
			t.Errorf("%s %s %q %d: %q / %q, want %q / %q", tc.check, tc.status, tc.group, tc.n, got.EN, got.JA, tc.en, tc.ja)
		}
	}
}

// TestCollect_CertificateOfAPurgeBegunTheMonthBefore: certificates are
// stored under the purge's start; one issued in the month counts though
// its purge began the month before, and a tampered manifest part shows.
func TestCollect_CertificateOfAPurgeBegunTheMonthBefore(t *testing.T) {
	w := newWorld(t)
	key := w.purge(t, "tenant-7", at(time.November, 1, 0, 30), time.Time{}, "tenants/tenant-7/a", "tenants/tenant-7/b")
	if !strings.Contains(key, "/20261030T153000Z/") {
		t.Fatalf("certificate key %s is not under the purge's October start", key)
	}
	c := &evidencepack.Collector{S3: w.bucket, Bucket: "evidence", NoticeHours: 72}
	nov := evidencepack.Month{Year: 2026, Month: time.November, Zone: jst}
	ev, err := c.Collect(context.Background(), nov)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Certificates) != 1 || len(ev.Manifests) != 1 || !ev.Manifests[0].DigestOK || len(ev.Problems) != 0 {
		t.Fatalf("certificates %d, manifests %+v, problems %+v", len(ev.Certificates), ev.Manifests, ev.Problems)
	}
	oct, _ := evidencepack.ParseMonth("2026-10", jst)
	if ev, _ := c.Collect(context.Background(), oct); len(ev.Certificates) != 0 {
		t.Errorf("October holds a certificate issued in November")
	}
	// A part changed after the purge: its index entry no longer matches.
	for _, k := range w.bucket.keys("deletion-manifest/tenant-7/") {
		if strings.Contains(k, "/parts/") {
			w.bucket.objects[k] = w.bucket.objects[strings.Replace(k, "000001", "000002", 1)]
			break
		}
	}
	ev, err = c.Collect(context.Background(), nov)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Problems) != 1 || !strings.Contains(ev.Problems[0].Reason, "the index says") || ev.Manifests[0].DigestOK {
		t.Errorf("tampered part: problems %+v", ev.Problems)
	}
}
