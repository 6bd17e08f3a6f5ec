package main_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/evidencepack"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

var keep = flag.String("keep", "", "copy the evidence bucket, pack included, into this directory (for make screenshots)")

// TestReporter_Sandbox simulates last month in the sandbox (MinIO and the
// simulator: the rotator, the verifier against the simulator, notices,
// purges signed by the simulator's KMS key), runs the real binary on it,
// and checks the stored pack: a dry run writes nothing; the pack holds the
// missed backup, the late notice and the purge near its deadline; its
// index verifies with openssl and every object with sha256sum -c; a second
// run makes no second pack.
func TestReporter_Sandbox(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	ctx := context.Background()
	now := time.Now().UTC()
	c := sandboxtest.S3(sb)
	if err := scenario.SeedEvidence(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.SeedRDS(sb.Sim, now); err != nil {
		t.Fatal(err)
	}
	vw, err := scenario.SeedVerification(ctx, scenario.DepsFor(sb), now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sb.Sim.KMS().CreateSigningKey("alias/pledge-deletion-certificates")
	if err != nil {
		t.Fatal(err)
	}
	cfg := scenario.Config()
	began := time.Now()
	mw, err := scenario.SeedMonth(ctx, sb, scenario.DepsFor(sb), cfg, key, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("simulated %s in %s: %+v", mw.Month, time.Since(began).Round(time.Millisecond), mw)

	bin := sandboxtest.Build(t, "evidence-reporter")
	env := append([]string{sandboxtest.ConfigEnv(cfg), "PLEDGE_SIGNING_KEY_ID=" + key}, vw.Env()...)
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, runner.ScheduledEventJSON(now, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) evidencepack.Result {
		t.Helper()
		r := sandboxtest.Invoke(t, sb, bin, env, append([]string{"invoke", "-event", event}, args...)...)
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		var res evidencepack.Result
		r.Decode(t, &res)
		return res
	}

	dry := run("-dry-run")
	if dry.Month != mw.Month || len(dry.Written) != 0 || len(keys(t, c, "evidence-pack/")) != 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	res := run()
	if res.Month != mw.Month || len(res.Written) != 6 || res.Problems != 0 || res.Objects != dry.Objects {
		t.Fatalf("run: %+v (dry run indexed %d)", res, dry.Objects)
	}
	// The month's evidence: every rotator and verifier run (JSON and
	// HTML), notices, findings, certificates (3 files each), manifests
	// (2 parts and the index each), purge runs, and the pack's own three
	// files.
	if want := mw.RotatorRuns + 2*mw.VerifierRuns + mw.Notices + 4 + 3*len(mw.Purges) + 3*len(mw.Purges) + len(mw.Purges) + 3; res.Objects != want {
		t.Errorf("%d objects indexed, want %d", res.Objects, want)
	}

	// Download the bucket and verify as the README says.
	local := t.TempDir()
	for _, k := range keys(t, c, "") {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		p := filepath.Join(local, filepath.FromSlash(k))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *keep != "" {
		if err := os.CopyFS(*keep, os.DirFS(local)); err != nil {
			t.Fatal(err)
		}
	}
	p := res.Prefix
	for _, cmd := range [][]string{
		{"openssl", "dgst", "-sha256", "-verify", p + "public-key.pem", "-signature", p + "SHA256SUMS.sig", p + "SHA256SUMS"},
		{"sha256sum", "-c", "--quiet", p + "SHA256SUMS"},
	} {
		x := exec.Command(cmd[0], cmd[1:]...)
		x.Dir = local
		if out, err := x.CombinedOutput(); err != nil || (cmd[0] == "openssl" && strings.TrimSpace(string(out)) != "Verified OK") {
			t.Errorf("%s: %v %s", strings.Join(cmd, " "), err, out)
		}
	}
	var pack evidencepack.Pack
	b, err := os.ReadFile(filepath.Join(local, filepath.FromSlash(p+"pack.json")))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pack); err != nil {
		t.Fatal(err)
	}
	byID := map[string]evidencepack.Control{}
	for _, c := range pack.Controls {
		byID[c.ID] = c
	}
	backups := byID["A.12.3.1"].Backups
	if backups == nil || len(backups.Targets) != 2 || len(backups.Targets[0].Missed) != 1 || !backups.Targets[0].Missed[0].Equal(mw.MissedSlot) {
		t.Errorf("backups: %+v", backups)
	}
	if n := byID["A.16.1.1"].Notices; n == nil || n.Breached != 1 || n.MaxHours != 78 || n.Sent != mw.Notices {
		t.Errorf("notices: %+v", n)
	}
	var near []string
	for _, d := range byID["CLD.8.1.5"].Purges.Completed {
		if d.Near {
			near = append(near, d.TenantID)
		}
		if !d.SignatureOK || d.Status != evidencepack.Kept {
			t.Errorf("purge %+v", d)
		}
	}
	if strings.Join(near, ",") != mw.NearPurge {
		t.Errorf("near-deadline purges %v, want %s", near, mw.NearPurge)
	}
	if v := byID["A.12.4.4"].Verification; v == nil || v.Runs != mw.VerifierRuns || v.Resolved != 1 || v.Sources["NICT's public NTP service (ntp.nict.jp)"] != 1 {
		t.Errorf("clocks: %+v", v)
	}
	if byID["CLD.9.5.1"].Status != evidencepack.Kept {
		t.Errorf("segregation %s", byID["CLD.9.5.1"].Status)
	}

	again := run()
	if again.Existing != p+"SHA256SUMS.sig" || len(again.Written) != 0 {
		t.Errorf("second run: %+v", again)
	}
}

func keys(t *testing.T, c *s3.Client, prefix string) []string {
	t.Helper()
	var out []string
	pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String(prefix)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out
}
