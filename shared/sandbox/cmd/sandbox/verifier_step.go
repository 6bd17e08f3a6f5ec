package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/verify"
)

// verifierShown is how many failures of one check the summary lists before
// it counts the rest.
const verifierShown = 2

// verifierStep runs the compliance verifier's binary three times: once on
// the seeded scenario, once more with nothing changed (no alert), and once
// after the drifting clock is fixed (one alert, the recovery). It prints
// which checks failed and why, the counts, where the report is, and the
// alerts, and compares the report with the scenario's expectations.
func verifierStep(ctx context.Context, d *demoRun) ([]string, error) {
	if _, err := os.Stat(filepath.Join(d.bin, "compliance-verifier")); err != nil {
		return nil, fmt.Errorf("compliance-verifier not built in %s: run `make build-local`", d.bin)
	}
	// The verifier also checks the exports bucket, which the purger's
	// configuration leaves out.
	cfgPath := filepath.Join(d.out, "results", "compliance-verifier-config.json")
	if err := os.WriteFile(cfgPath, []byte(scenario.VerifierConfig(d.w.cfg).Encode()+"\n"), 0o644); err != nil {
		return nil, err
	}
	ev, err := d.writeEvent("compliance-verifier", runner.ScheduledEventJSON(d.w.now, nil))
	if err != nil {
		return nil, err
	}
	run := func(label string) (verify.Result, int, map[string]int, error) {
		before := d.opsAlerts()
		d.w.sb.Sim.ResetCounts()
		out, runErr := d.invoke(ctx, "compliance-verifier", label, "-config", cfgPath, "-event", ev)
		var res verify.Result
		if err := json.Unmarshal(out, &res); err != nil {
			if runErr != nil {
				return res, 0, nil, runErr
			}
			return res, 0, nil, fmt.Errorf("%s result: %w", label, err)
		}
		return res, d.opsAlerts() - before, d.w.sb.Sim.Counts(), runErr
	}

	var lines, wrong []string
	first, alerts, counts, err := run("compliance-verifier")
	if err != nil {
		return lines, err
	}
	report, err := d.verificationReport(ctx, first.ReportKey)
	if err != nil {
		return lines, err
	}
	t := first.Totals
	lines = append(lines, fmt.Sprintf("%d results over %d checks: %d PASS, %d FAIL, %d ERROR", t.Results, len(check.Definitions), t.Passes, t.Failures, t.Errors))
	lines = append(lines, "failed and why (check [controls] resource: reason):")
	lines = append(lines, failureLines(first.Failures)...)

	expected := scenario.VerificationExpectations(d.w.sb.Sim)
	met, unexpected := compareVerdicts(report, expected)
	lines = append(lines, fmt.Sprintf("matches the scenario: %d of %d expected verdicts, %d FAIL or ERROR the scenario did not seed", met, len(expected), len(unexpected)))
	for _, u := range unexpected {
		lines = append(lines, "  unexpected: "+u)
	}
	if met != len(expected) || len(unexpected) > 0 {
		wrong = append(wrong, "the report does not match the scenario")
	}

	lines = append(lines, fmt.Sprintf("report: s3://%s/%s (+ .html)", scenario.EvidenceBucket, first.ReportKey))
	if html, err := d.copyEvidence(ctx, first.HTMLKey, "verification-report.html"); err != nil {
		wrong = append(wrong, err.Error())
	} else {
		lines = append(lines, "HTML report (Japanese and English): "+html)
	}
	if _, err := d.copyEvidence(ctx, first.ReportKey, "verification-report.json"); err != nil {
		wrong = append(wrong, err.Error())
	}
	lines = append(lines, fmt.Sprintf("ops alerts: %d (%d changes against no previous report)", alerts, len(first.Changes)))
	lines = append(lines, "API calls: "+callsLine(counts))
	if alerts != 1 {
		wrong = append(wrong, fmt.Sprintf("the first run sent %d alerts, want 1", alerts))
	}

	second, alerts, _, err := run("compliance-verifier-unchanged")
	if err != nil {
		return lines, err
	}
	lines = append(lines, fmt.Sprintf("second run, nothing changed: %d changes, %d alerts", len(second.Changes), alerts))
	if len(second.Changes) != 0 || alerts != 0 {
		wrong = append(wrong, "an unchanged run alerted")
	}

	if err := scenario.FixDriftingClock(d.w.sb.Sim); err != nil {
		return lines, err
	}
	third, alerts, _, err := run("compliance-verifier-fixed")
	if err != nil {
		return lines, err
	}
	var changed []string
	for _, c := range third.Changes {
		changed = append(changed, fmt.Sprintf("%s %s %s -> %s", c.CheckID, shortResource(c.Resource), c.Previous, c.Current))
	}
	lines = append(lines, fmt.Sprintf("after fixing %s's clock: %d alert naming [%s]", scenario.InstanceDrifting, alerts, strings.Join(changed, "; ")))
	if alerts != 1 || len(third.Changes) != 1 || !third.Changes[0].Recovered() {
		wrong = append(wrong, "fixing the drifting clock did not give one recovery alert")
	}
	if len(wrong) > 0 {
		return lines, fmt.Errorf("%s", strings.Join(wrong, "; "))
	}
	return lines, nil
}

// failureLines lists the FAIL and ERROR results, at most verifierShown
// per check, then how many more.
func failureLines(fs []verify.Failure) []string {
	var lines []string
	shown := map[string]int{}
	total := map[string]int{}
	for _, f := range fs {
		total[f.CheckID]++
	}
	for _, f := range fs {
		shown[f.CheckID]++
		switch n := shown[f.CheckID]; {
		case n <= verifierShown:
			lines = append(lines, fmt.Sprintf("  %-5s %s [%s] %s: %s", f.Status, f.CheckID, strings.Join(f.Controls, " "), shortResource(f.Resource), f.Reason))
		case n == verifierShown+1:
			lines = append(lines, fmt.Sprintf("        ... and %d more %s results like these", total[f.CheckID]-verifierShown, f.CheckID))
		}
	}
	return lines
}

// shortResource drops the partition, region and account from an ARN.
func shortResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return arn
	}
	if parts[5] == "" {
		return parts[2] + " (account-wide)"
	}
	if parts[2] == "s3" {
		return "s3://" + parts[5]
	}
	return parts[5]
}

// compareVerdicts counts the expectations the report meets and lists the
// FAIL and ERROR results nobody expected.
func compareVerdicts(r check.Report, expected []scenario.Expectation) (int, []string) {
	byKey := map[string][]check.Result{}
	for _, res := range r.Results {
		k := res.CheckID + " " + res.Resource
		byKey[k] = append(byKey[k], res)
	}
	met := 0
	known := map[string]bool{}
	for _, e := range expected {
		k := e.CheckID + " " + e.Resource
		known[k] = true
		if got := byKey[k]; len(got) == 1 && e.Matches(got[0]) {
			met++
		}
	}
	var unexpected []string
	for _, res := range r.Results {
		if k := res.CheckID + " " + res.Resource; !known[k] && res.Status != check.Pass {
			unexpected = append(unexpected, fmt.Sprintf("%s %s: %s", res.Status, k, res.Reason))
		}
	}
	slices.Sort(unexpected)
	return met, unexpected
}

// callsLine sums the simulator's request counts per service.
func callsLine(counts map[string]int) string {
	per := map[string]int{}
	total := 0
	for k, n := range counts {
		svc, _, _ := strings.Cut(k, ":")
		per[svc] += n
		total += n
	}
	var parts []string
	for _, svc := range slices.Sorted(maps.Keys(per)) {
		parts = append(parts, fmt.Sprintf("%s %d", svc, per[svc]))
	}
	return fmt.Sprintf("%d to the simulator (%s), plus S3 on MinIO", total, strings.Join(parts, ", "))
}

// opsAlerts counts the messages published to the ops topic so far.
func (d *demoRun) opsAlerts() int {
	n := 0
	for _, m := range d.w.sb.Sim.SNS().Messages() {
		if m.TopicArn == scenario.OpsTopicARN && strings.HasPrefix(m.Subject, "Pledge compliance") {
			n++
		}
	}
	return n
}

func (d *demoRun) evidenceObject(ctx context.Context, key string) ([]byte, error) {
	if key == "" {
		return nil, fmt.Errorf("the verifier stored no report")
	}
	out, err := d.w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", scenario.EvidenceBucket, key, err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// verificationReport reads a stored report.
func (d *demoRun) verificationReport(ctx context.Context, key string) (check.Report, error) {
	b, err := d.evidenceObject(ctx, key)
	if err != nil {
		return check.Report{}, err
	}
	var rec struct {
		Body check.Report `json:"body"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return check.Report{}, fmt.Errorf("report %s: %w", key, err)
	}
	return rec.Body, nil
}

// copyEvidence copies an evidence object to out/NAME and returns the path.
func (d *demoRun) copyEvidence(ctx context.Context, key, name string) (string, error) {
	b, err := d.evidenceObject(ctx, key)
	if err != nil {
		return "", err
	}
	p := filepath.Join(d.out, name)
	return p, os.WriteFile(p, b, 0o644)
}

// appendMissing appends the KEY=VALUE pairs whose key env does not set yet.
func appendMissing(env []string, kv ...string) []string {
	for _, v := range kv {
		k, _, _ := strings.Cut(v, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			env = append(env, v)
		}
	}
	return env
}
