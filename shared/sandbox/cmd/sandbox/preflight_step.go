package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pledge-dev/pledge/shared/preflight"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// preflightStep runs the preflight command as an operator would before
// deploying, against the sandbox (SES v2's account reads go to the
// simulator, which implements them), and compares its table with the
// scenario: every check passes but the one prerequisite the scenario left
// missing.
func preflightStep(ctx context.Context, d *demoRun) ([]string, error) {
	bin := filepath.Join(d.bin, "preflight")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("preflight not built in %s: run `make build-local`", d.bin)
	}
	cfgFile, err := d.w.writeConfig(d.out)
	if err != nil {
		return nil, err
	}
	r := d.w.preflight.Resources
	cmd := exec.CommandContext(ctx, bin, "-config", cfgFile, "-signing-key", r.SigningKey, "-ops-topic", r.OpsTopicArn, "-json")
	cmd.Env = append(d.w.env(), "AWS_ENDPOINT_URL_SESV2="+d.w.sb.SimURL)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	_ = os.WriteFile(filepath.Join(d.out, "results", "preflight.json"), out.Bytes(), 0o644)
	_ = os.WriteFile(filepath.Join(d.out, "logs", "preflight.log"), errb.Bytes(), 0o644)
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return nil, fmt.Errorf("preflight: %w", runErr)
	}
	var rep preflight.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("preflight report: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	var table bytes.Buffer
	if err := rep.Write(&table); err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(table.String(), "\n"), "\n")
	lines = append(lines, fmt.Sprintf("exit code %d; the scenario leaves %s missing on purpose", cmd.ProcessState.ExitCode(), scenario.PreflightMissing))

	var wrong []string
	seen := map[string]bool{}
	for _, res := range rep.Results {
		seen[res.Check] = true
		if want, ok := d.w.preflight.Expected[res.Check]; !ok || res.Status != want {
			wrong = append(wrong, fmt.Sprintf("%s %s is %s, want %s", res.Check, res.Subject, res.Status, want))
		}
	}
	var missing []string
	for c := range d.w.preflight.Expected {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	sort.Strings(missing)
	for _, c := range missing {
		wrong = append(wrong, c+" did not run")
	}
	if cmd.ProcessState.ExitCode() != 1 {
		wrong = append(wrong, fmt.Sprintf("exit code %d, want 1 (a FAIL)", cmd.ProcessState.ExitCode()))
	}
	if len(wrong) > 0 {
		return lines, fmt.Errorf("the table does not match the seeded prerequisites: %s", strings.Join(wrong, "; "))
	}
	return lines, nil
}
