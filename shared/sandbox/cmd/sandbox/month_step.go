package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/evidencepack"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// monthStep simulates last month (scenario.SeedMonth: the rotator, the
// verifier, notices and purges with a fast-forwarded clock), runs the
// evidence-reporter's binary on it, and verifies the stored pack as an
// auditor would: openssl on the signed index, sha256sum -c on every object
// it lists. It checks the pack found the month's missed backup, late
// notice and purge near its deadline.
func monthStep(ctx context.Context, d *demoRun) ([]string, error) {
	if _, err := os.Stat(filepath.Join(d.bin, "evidence-reporter")); err != nil {
		return nil, fmt.Errorf("evidence-reporter not built in %s: run `make build-local`", d.bin)
	}
	began := time.Now()
	mw, err := scenario.SeedMonth(ctx, d.w.sb, scenario.DepsFor(d.w.sb), d.w.cfg, d.w.tenants.SigningKeyID, d.w.now)
	if err != nil {
		return nil, err
	}
	var lines, wrong []string
	lines = append(lines, fmt.Sprintf("simulated %s in %.1fs: %d rotator runs (one slot skipped), %d verifier runs, %d notices, %d purges (took %v)",
		mw.Month, time.Since(began).Seconds(), mw.RotatorRuns, mw.VerifierRuns, mw.Notices, len(mw.Purges), mw.Took))
	ev, err := d.writeEvent("evidence-reporter", runner.ScheduledEventJSON(d.w.now, map[string]string{"month": mw.Month}))
	if err != nil {
		return lines, err
	}
	out, runErr := d.invoke(ctx, "evidence-reporter", "evidence-reporter", "-event", ev)
	var res evidencepack.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return lines, fmt.Errorf("evidence-reporter: %v %v", runErr, err)
	}
	if runErr != nil {
		return lines, runErr
	}
	lines = append(lines, fmt.Sprintf("pack %s: %d objects indexed and signed (the month's evidence and the pack's own 3 files), %d problems", res.Prefix, res.Objects, res.Problems))
	if _, err := d.saveEvidence(ctx); err != nil {
		return lines, err
	}
	dir := filepath.Join(d.out, "evidence")
	var pack evidencepack.Pack
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(res.Prefix+evidencepack.FileJSON)))
	if err != nil {
		return lines, err
	}
	if err := json.Unmarshal(b, &pack); err != nil {
		return lines, fmt.Errorf("pack.json: %w", err)
	}
	for _, c := range pack.Controls {
		lines = append(lines, fmt.Sprintf("%-10s %-10s %s", c.ID, c.Status, c.Summary.EN))
	}
	for _, fig := range []struct{ control, label string }{
		{"A.12.3.1", "Snapshots of orders-db"}, {"A.16.1.1", "Longest latency"}, {"A.16.1.1", "95th percentile"}, {"A.16.1.1", "Sent before the deadline"},
		{"CLD.8.1.5", "Smallest margin"}, {"CLD.9.5.1", "Manifest lines"}, {"A.12.4.4", "Sources clocks follow"},
	} {
		lines = append(lines, fmt.Sprintf("  %s %s: %s", fig.control, fig.label, figureValue(pack, fig.control, fig.label)))
	}
	// The month's seeded events must show.
	if v := figureValue(pack, "A.12.3.1", "Snapshots of orders-db"); !strings.HasSuffix(v, "/ "+fmt.Sprint(len(pack.Days)*24)) || strings.HasPrefix(v, fmt.Sprint(len(pack.Days)*24)) {
		wrong = append(wrong, "the missed backup is not in the pack: "+v)
	}
	if c := controlOf(pack, "A.16.1.1"); c == nil || c.Notices == nil || c.Notices.Breached != 1 {
		wrong = append(wrong, "the late notice is not in the pack")
	}
	if c := controlOf(pack, "CLD.8.1.5"); c == nil || c.Purges == nil || !nearPurge(c.Purges, mw.NearPurge) {
		wrong = append(wrong, "the purge near its deadline is not in the pack")
	}

	// Verify as an auditor would, with the README's commands.
	p := res.Prefix
	verify := exec.CommandContext(ctx, "openssl", "dgst", "-sha256", "-verify", p+evidencepack.FilePublicKey, "-signature", p+evidencepack.FileSignature, p+evidencepack.FileIndex)
	verify.Dir = dir
	o, err := verify.CombinedOutput()
	lines = append(lines, fmt.Sprintf("(cd %s && openssl dgst -sha256 -verify %s%s -signature %s%s %s%s): %s", dir, p, evidencepack.FilePublicKey, p, evidencepack.FileSignature, p, evidencepack.FileIndex, strings.TrimSpace(string(o))))
	if err != nil || strings.TrimSpace(string(o)) != "Verified OK" {
		wrong = append(wrong, "openssl did not verify the signed index")
	}
	sums := exec.CommandContext(ctx, "sha256sum", "-c", "--quiet", p+evidencepack.FileIndex)
	sums.Dir = dir
	o, err = sums.CombinedOutput()
	status := fmt.Sprintf("all %d objects match", res.Objects)
	if err != nil {
		status = "FAILED: " + strings.TrimSpace(string(o))
		wrong = append(wrong, "sha256sum -c found objects that do not match the index")
	}
	lines = append(lines, fmt.Sprintf("(cd %s && sha256sum -c --quiet %s%s): %s", dir, p, evidencepack.FileIndex, status))
	lines = append(lines, fmt.Sprintf("HTML: %s, %s", filepath.Join(dir, filepath.FromSlash(p+evidencepack.FileHTMLJA)), filepath.Join(dir, filepath.FromSlash(p+evidencepack.FileHTMLEN))))
	lines = append(lines, fmt.Sprintf("this step took %.1fs (simulating the month, the reporter's run, copying the evidence out and verifying it)", time.Since(began).Seconds()))
	if len(wrong) > 0 {
		return lines, fmt.Errorf("%s", strings.Join(wrong, "; "))
	}
	return lines, nil
}

func controlOf(p evidencepack.Pack, id string) *evidencepack.Control {
	for i := range p.Controls {
		if p.Controls[i].ID == id {
			return &p.Controls[i]
		}
	}
	return nil
}

func figureValue(p evidencepack.Pack, control, label string) string {
	if c := controlOf(p, control); c != nil {
		for _, f := range c.Figures {
			if strings.Contains(f.Label.EN, label) {
				return f.Value
			}
		}
	}
	return "(none)"
}

func nearPurge(p *evidencepack.Purges, tenant string) bool {
	for _, d := range p.Completed {
		if d.TenantID == tenant && d.Near && d.Status == evidencepack.Kept {
			return true
		}
	}
	return false
}
