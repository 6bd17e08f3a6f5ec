package preflight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/preflight"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

type world struct {
	sb  *sandbox.Sandbox
	pw  scenario.PreflightWorld
	cfg config.Config
	dir string
}

// setup seeds the scenario's backups, evidence, verification and
// preflight parts (S3 in MinIO, the rest in the simulator) and points
// this process's SDK environment at them, SES v2 at the simulator.
func setup(t *testing.T) *world {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	ctx := context.Background()
	now := time.Now()
	if _, err := scenario.SeedRDS(sb.Sim, now); err != nil {
		t.Fatal(err)
	}
	c := sandboxtest.S3(sb)
	if err := scenario.SeedEvidence(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.SeedVerification(ctx, scenario.DepsFor(sb), now); err != nil {
		t.Fatal(err)
	}
	pw, err := scenario.SeedPreflight(sb.Sim, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_ENDPOINT_URL_SESV2", sb.SimURL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	dir := t.TempDir()
	cfg := scenario.Config()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg.Encode()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &world{sb: sb, pw: pw, cfg: cfg, dir: dir}
}

func (w *world) command(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := preflight.Command(context.Background(), append([]string{"-c", "pledge:configFile=" + filepath.Join(w.dir, "config.json")}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func (w *world) flags() []string {
	r := w.pw.Resources
	return []string{"-signing-key", r.SigningKey, "-ops-topic", r.OpsTopicArn}
}

// statuses reads the JSON report: every check's results, by check.
func statuses(t *testing.T, out string) (preflight.Report, map[string][]preflight.Result) {
	t.Helper()
	var rep preflight.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	by := map[string][]preflight.Result{}
	for _, r := range rep.Results {
		by[r.Check] = append(by[r.Check], r)
	}
	return rep, by
}

func TestPreflight_Sandbox(t *testing.T) {
	w := setup(t)

	t.Run("SeededMissingPrerequisiteFails", func(t *testing.T) {
		code, out, stderr := w.command(t, append(w.flags(), "-json")...)
		if code != 1 {
			t.Fatalf("exit %d, want 1 for the FAIL: %s", code, stderr)
		}
		rep, by := statuses(t, out)
		for check, want := range w.pw.Expected {
			rs := by[check]
			if len(rs) == 0 {
				t.Errorf("%s: no result", check)
			}
			for _, r := range rs {
				if r.Status != want {
					t.Errorf("%s %s: %s (%s), want %s", check, r.Subject, r.Status, r.Detail, want)
				}
				if r.Status != preflight.Pass && (r.Fix == "" || strings.Count(r.Fix, ". ") > 0) {
					t.Errorf("%s: fix %q is not one sentence", check, r.Fix)
				}
			}
		}
		if len(by) != len(w.pw.Expected) || len(rep.NotChecked) != 0 {
			t.Errorf("checks %d (not checked %v), want exactly the %d expected", len(by), rep.NotChecked, len(w.pw.Expected))
		}
		if got := by[scenario.PreflightMissing][0]; !strings.Contains(got.Detail, "selects no write management events") {
			t.Errorf("trail detail %q", got.Detail)
		}
	})

	t.Run("TableOneLinePerResult", func(t *testing.T) {
		code, out, _ := w.command(t, w.flags()...)
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		fails := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "FAIL ") {
				fails++
				if !strings.Contains(l, scenario.PreflightMissing) || !strings.Contains(l, "-> Create or fix a multi-region trail") {
					t.Errorf("FAIL line %q", l)
				}
			}
		}
		if fails != 1 || !strings.HasSuffix(out, "preflight: 14 PASS, 1 FAIL, 0 ERROR\n") {
			t.Errorf("table:\n%s", out)
		}
	})

	t.Run("FixedAllPassFromTheStacksOutputs", func(t *testing.T) {
		if err := scenario.FixPreflight(w.sb.Sim); err != nil {
			t.Fatal(err)
		}
		outputs := filepath.Join(w.dir, "outputs.json")
		b, _ := json.Marshal(map[string]map[string]string{"Pledge-prod": {
			"EvidenceBucket": scenario.EvidenceBucket, "SigningKeyArn": w.pw.Resources.SigningKey, "OpsTopicArn": w.pw.Resources.OpsTopicArn,
		}})
		if err := os.WriteFile(outputs, b, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := w.command(t, "-outputs", outputs, "-json")
		if code != 0 {
			t.Fatalf("exit %d after the fix: %s\n%s", code, stderr, out)
		}
		if rep, _ := statuses(t, out); rep.Count(preflight.Pass) != 15 {
			t.Errorf("%d PASS, want 15", rep.Count(preflight.Pass))
		}
		if code, _, stderr := w.command(t, "-outputs", outputs, "-stack", "Pledge-staging"); code != 1 || !strings.Contains(stderr, "no outputs of stack Pledge-staging") {
			t.Errorf("a stack missing from the outputs: exit %d %s", code, stderr)
		}
	})

	t.Run("BrokenPrerequisitesEachFail", func(t *testing.T) {
		ctx := context.Background()
		// An unversioned tenant bucket, a database that is not there, an
		// instance whose agent went away, a key of the wrong kind, the SES
		// sandbox, GuardDuty off, a small Lambda quota, a topic nobody
		// confirmed.
		c := sandboxtest.S3(w.sb)
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pledge-unversioned")}); err != nil {
			t.Fatal(err)
		}
		cfg := w.cfg
		cfg.Tenants.Buckets = append(cfg.Tenants.Buckets, "pledge-unversioned", "pledge-no-such-bucket")
		cfg.Backup.Policies[0].Targets.Instances = []string{"ghost-db"}
		if err := os.WriteFile(filepath.Join(w.dir, "config.json"), []byte(cfg.Encode()), 0o600); err != nil {
			t.Fatal(err)
		}
		sim := w.sb.Sim
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(sim.SSM().Seed(awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{{InstanceId: scenario.InstanceDrifting, PingStatus: "ConnectionLost"}}}))
		must(sim.KMS().Seed(awssim.KMSSeed{Keys: []awssim.KMSKey{{KeyId: "0c0c0c0c-0000-4000-8000-000000000001", Description: "a data key"}}}))
		must(sim.SES().Seed(awssim.SESSeed{ProductionAccessEnabled: aws.Bool(false), MaxSendRate: aws.Float64(1)}))
		must(sim.GuardDuty().Seed(awssim.GuardDutySeed{Delete: true}))
		must(sim.Lambda().Seed(awssim.LambdaSeed{ConcurrentExecutions: 10}))
		must(sim.SNS().Seed(awssim.SNSSeed{Topics: []string{"arn:aws:sns:ap-northeast-1:000000000000:unconfirmed"},
			Subscriptions: []awssim.SNSSubscription{{TopicArn: "arn:aws:sns:ap-northeast-1:000000000000:unconfirmed", Protocol: "email", Endpoint: "x@example.com", Pending: true}}}))
		code, out, _ := w.command(t, "-signing-key", "0c0c0c0c-0000-4000-8000-000000000001", "-ops-topic", "arn:aws:sns:ap-northeast-1:000000000000:unconfirmed", "-json")
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		_, by := statuses(t, out)
		for _, want := range []struct{ check, subject, detail string }{
			{"s3.tenant-bucket-versioned", "pledge-unversioned", "versioning is never enabled"},
			{"s3.tenant-bucket-versioned", "pledge-no-such-bucket", "does not exist"},
			{"rds.target-exists", "db:ghost-db", "no DB instance ghost-db"},
			{"ssm.instances-online", "tags pledge:timesync=check", scenario.InstanceDrifting + " (ConnectionLost)"},
			{"kms.signing-key", "0c0c0c0c-0000-4000-8000-000000000001", "SYMMETRIC_DEFAULT"},
			{"ses.production-access", "ap-northeast-1", "SES sandbox"},
			{"ses.send-rate", "ap-northeast-1", "SES allows 1 messages a second, notifications.sendRatePerSecond is 50"},
			{"guardduty.enabled", "ap-northeast-1", "no GuardDuty detector"},
			{"lambda.concurrency", "ap-northeast-1", "the stack reserves 12 concurrent executions; the account's quota is 10"},
			{"sns.ops-subscribed", "arn:aws:sns:ap-northeast-1:000000000000:unconfirmed", "no confirmed subscription (1 pending)"},
		} {
			found := false
			for _, r := range by[want.check] {
				if r.Subject == want.subject {
					found = true
					if r.Status != preflight.Fail || !strings.Contains(r.Detail, want.detail) || r.Fix == "" {
						t.Errorf("%s %s: %s %q (fix %q), want FAIL with %q", want.check, want.subject, r.Status, r.Detail, r.Fix, want.detail)
					}
				}
			}
			if !found {
				t.Errorf("%s: no result for %s among %+v", want.check, want.subject, by[want.check])
			}
		}
	})

	t.Run("DeniedIsAnError", func(t *testing.T) {
		if err := w.sb.Sim.SetFault(awssim.Fault{Service: "guardduty", Operation: "ListDetectors", Kind: awssim.FaultAccessDenied}); err != nil {
			t.Fatal(err)
		}
		code, out, _ := w.command(t, append(w.flags(), "-json")...)
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		_, by := statuses(t, out)
		r := by["guardduty.enabled"]
		if len(r) != 1 || r[0].Status != preflight.Error || !r[0].Denied || !strings.Contains(r[0].Fix, "guardduty:ListDetectors") {
			t.Errorf("denied GuardDuty: %+v", r)
		}
	})
}

func TestCommand_Usage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := preflight.Command(context.Background(), []string{"-c", "novalue"}, &out, &errb); code != 2 {
		t.Errorf("-c without KEY=VALUE: exit %d", code)
	}
	if code := preflight.Command(context.Background(), []string{"-config", "/nonexistent.json"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "read configuration") {
		t.Errorf("missing configuration: exit %d %s", code, errb.String())
	}
}
