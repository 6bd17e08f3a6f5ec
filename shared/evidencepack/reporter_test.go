package evidencepack_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/evidencepack"
)

func reporter(w *world, now time.Time, dry bool) *evidencepack.Reporter {
	return &evidencepack.Reporter{
		Collector: &evidencepack.Collector{S3: w.bucket, Bucket: "evidence", NoticeHours: w.cfg.Notifications.NoticeHours},
		Evidence:  w.store,
		Signer:    certificate.Signer{KMS: w.kms, KeyID: "alias/pledge-deletion-certificates"},
		Render:    evidencepack.RenderHTML,
		Config:    w.cfg,
		Now:       func() time.Time { return now },
		DryRun:    dry,
	}
}

// download writes every object of the bucket under its key in a new
// directory, as `aws s3 sync` would.
func download(t *testing.T, b *bucket) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range b.keys("") {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.objects[k], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, dir string, name string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed for this test (apt-get install openssl coreutils): %v", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestReporter_PackVerifiesOffline stores November's pack, then checks it
// as an auditor would with the README's commands: openssl verifies the
// signed index, sha256sum re-hashes every object it lists; a changed
// object or a changed index is caught.
func TestReporter_PackVerifiesOffline(t *testing.T) {
	w := november(t)
	res, err := reporter(w, at(time.December, 1, 0, 15), false).Run(context.Background(), evidencepack.MonthBefore(at(time.December, 1, 0, 15), jst), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Prefix != "evidence-pack/2026-11/20261130T151500Z/" {
		t.Errorf("prefix %s", res.Prefix)
	}
	var names []string
	for _, k := range res.Written {
		names = append(names, strings.TrimPrefix(k, res.Prefix))
	}
	if want := []string{"pack.json", "pack.ja.html", "pack.en.html", "SHA256SUMS", "public-key.pem", "SHA256SUMS.sig"}; !slices.Equal(names, want) {
		t.Errorf("written %v, want %v (the signature last)", names, want)
	}
	index := w.bucket.objects[res.Prefix+"SHA256SUMS"]
	lines := strings.Split(strings.TrimSpace(string(index)), "\n")
	if len(lines) != res.Objects {
		t.Errorf("index has %d lines, result says %d objects", len(lines), res.Objects)
	}
	for _, want := range []string{"snapshot-run/2026/11/14/", "deletion-manifest/tenant-1/", "deletion-certificate/tenant-2/", "notice/2026/11/15/", res.Prefix + "pack.ja.html", "verification-report/2026/10/31/20261031T153000.000Z"} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("the index lists nothing under %s", want)
		}
	}
	for _, notWant := range []string{"snapshot-run/2026/10/30/", "notice/2026/10/30/", "deletion-certificate/tenant-4/", "verification-report/2026/10/31/20261031T093000.000Z"} {
		if bytes.Contains(index, []byte(notWant)) {
			t.Errorf("the index lists %s, outside November in Asia/Tokyo", notWant)
		}
	}
	for _, k := range res.Written {
		if strings.HasSuffix(k, "SHA256SUMS") || strings.HasSuffix(k, ".sig") || strings.HasSuffix(k, ".pem") {
			continue
		}
		if !bytes.Contains(index, []byte("  "+k+"\n")) {
			t.Errorf("the index does not list the pack's own %s", k)
		}
	}

	dir := download(t, w.bucket)
	p := res.Prefix
	out, err := run(t, dir, "openssl", "dgst", "-sha256", "-verify", p+"public-key.pem", "-signature", p+"SHA256SUMS.sig", p+"SHA256SUMS")
	if err != nil || strings.TrimSpace(out) != "Verified OK" {
		t.Fatalf("openssl: %v %s", err, out)
	}
	if out, err := run(t, dir, "sha256sum", "-c", "--quiet", p+"SHA256SUMS"); err != nil {
		t.Fatalf("sha256sum -c: %v %s", err, out)
	}
	// A changed report is caught by the index, a changed index by the
	// signature.
	victim := filepath.Join(dir, "verification-report", "2026", "11", "10")
	entries, _ := os.ReadDir(victim)
	if err := os.WriteFile(filepath.Join(victim, entries[0].Name()), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, dir, "sha256sum", "-c", "--quiet", p+"SHA256SUMS"); err == nil || !strings.Contains(out, "FAILED") {
		t.Errorf("sha256sum -c passed a changed report: %s", out)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(p+"SHA256SUMS")), append(index, []byte("0000  x\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, dir, "openssl", "dgst", "-sha256", "-verify", p+"public-key.pem", "-signature", p+"SHA256SUMS.sig", p+"SHA256SUMS"); err == nil || !strings.Contains(out, "Verification failure") {
		t.Errorf("openssl verified a changed index: %s", out)
	}
	if err := certificate.VerifyBytes(index, w.bucket.objects[p+"SHA256SUMS.sig"], w.bucket.objects[p+"public-key.pem"]); err != nil {
		t.Errorf("VerifyBytes: %v", err)
	}
}

func TestReporter_OncePerMonthDryRunAndUnfinishedMonth(t *testing.T) {
	w := newWorld(t)
	w.notices(t)
	dec1 := at(time.December, 1, 0, 15)
	nov := evidencepack.MonthBefore(dec1, jst)

	dry, err := reporter(w, dec1, true).Run(context.Background(), nov, false)
	if err != nil || !dry.DryRun || len(dry.Written) != 0 || w.kms.signs != 0 || len(w.bucket.keys("evidence-pack/")) != 0 {
		t.Fatalf("dry run: %+v %v, %d signs, pack keys %v", dry, err, w.kms.signs, w.bucket.keys("evidence-pack/"))
	}
	first, err := reporter(w, dec1, false).Run(context.Background(), nov, false)
	if err != nil || len(first.Written) != 6 {
		t.Fatalf("first: %+v %v", first, err)
	}
	if first.Objects != dry.Objects || first.Problems != dry.Problems {
		t.Errorf("dry run planned %d objects, the run indexed %d", dry.Objects, first.Objects)
	}
	again, err := reporter(w, dec1.Add(time.Hour), false).Run(context.Background(), nov, false)
	if err != nil || again.Existing != first.Prefix+"SHA256SUMS.sig" || len(again.Written) != 0 {
		t.Errorf("second run: %+v %v", again, err)
	}
	forced, err := reporter(w, dec1.Add(time.Hour), false).Run(context.Background(), nov, true)
	if err != nil || len(forced.Written) != 6 || forced.Prefix == first.Prefix {
		t.Errorf("forced run: %+v %v", forced, err)
	}
	if _, err := reporter(w, at(time.November, 30, 23, 0), false).Run(context.Background(), nov, false); err == nil || !strings.Contains(err.Error(), "month 2026-11 is not over until 2026-12-01T00:00:00+09:00") {
		t.Errorf("a month not over: %v", err)
	}
}

func TestIndex_RefusesWhatSha256sumCannotRead(t *testing.T) {
	sum := strings.Repeat("a", 64)
	for _, tc := range []struct {
		objects []evidencepack.Object
		want    string
	}{
		{[]evidencepack.Object{{Key: "a\nb", SHA256: sum}}, "cannot be listed"},
		{[]evidencepack.Object{{Key: `a\b`, SHA256: sum}}, "cannot be listed"},
		{[]evidencepack.Object{{Key: "a", SHA256: "x"}}, "has no SHA-256"},
		{[]evidencepack.Object{{Key: "a", SHA256: sum}, {Key: "a", SHA256: sum}}, "listed twice"},
	} {
		if _, err := evidencepack.Index(tc.objects); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Index(%v) = %v, want %q", tc.objects, err, tc.want)
		}
	}
	b, err := evidencepack.Index([]evidencepack.Object{{Key: "z", SHA256: sum}, {Key: "a b", SHA256: sum}})
	if err != nil || string(b) != sum+"  a b\n"+sum+"  z\n" {
		t.Errorf("Index = %q, %v", b, err)
	}
}
