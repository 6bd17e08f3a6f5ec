package runtimeapi_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/runtimeapi"
)

// peer is the bare aws-lambda-go bootstrap (testdata/echo) the functions'
// figures are compared with.
const peer = "peer-echo"

// coldStartCase is how the stack runs one function: its configuration
// sections and resource variables (as infra/stack sets them), and the event
// measured.
type coldStartCase struct {
	sections []config.Section
	env      map[string]string
	event    func(now time.Time) []byte
}

func scheduled(now time.Time) []byte { return runner.ScheduledEventJSON(now, nil) }

// coldStartCases has one entry per functions/<name>; a function without
// one fails the benchmark. Every event's AWS calls go to DenyAll.
var coldStartCases = map[string]coldStartCase{
	"snapshot-rotator": {[]config.Section{config.SectionBackup},
		map[string]string{"PLEDGE_EVIDENCE_BUCKET": "pledge-evidence-111122223333"}, scheduled},
	"tenant-purger": {[]config.Section{config.SectionTenants, config.SectionBackup, config.SectionNotifications},
		map[string]string{"PLEDGE_EVIDENCE_BUCKET": "pledge-evidence-111122223333", "PLEDGE_OPS_TOPIC_ARN": "arn:aws:sns:ap-northeast-1:111122223333:pledge-ops",
			"PLEDGE_PURGE_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/111122223333/pledge-purge", "PLEDGE_REGISTRY_TABLE": "pledge-tenants",
			"PLEDGE_SIGNING_KEY_ID": "arn:aws:kms:ap-northeast-1:111122223333:key/00000000-0000-0000-0000-000000000000"}, scheduled},
	"finding-notifier": {[]config.Section{config.SectionNotifications, config.SectionTenants},
		map[string]string{"PLEDGE_EVIDENCE_BUCKET": "pledge-evidence-111122223333", "PLEDGE_LEDGER_TABLE": "pledge-notice-ledger",
			"PLEDGE_NOTICE_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/111122223333/pledge-notice", "PLEDGE_OPS_TOPIC_ARN": "arn:aws:sns:ap-northeast-1:111122223333:pledge-ops",
			"PLEDGE_REGISTRY_TABLE": "pledge-tenants"}, notify.SampleEvent},
	"compliance-verifier": {[]config.Section{config.SectionVerification, config.SectionBackup, config.SectionTenants},
		map[string]string{"PLEDGE_EVIDENCE_BUCKET": "pledge-evidence-111122223333", "PLEDGE_OPS_TOPIC_ARN": "arn:aws:sns:ap-northeast-1:111122223333:pledge-ops"}, scheduled},
	// Every section: the pack states every promise.
	"evidence-reporter": {[]config.Section{config.SectionBackup, config.SectionTenants, config.SectionNotifications, config.SectionVerification},
		map[string]string{"PLEDGE_EVIDENCE_BUCKET": "pledge-evidence-111122223333",
			"PLEDGE_SIGNING_KEY_ID": "arn:aws:kms:ap-northeast-1:111122223333:key/00000000-0000-0000-0000-000000000000"}, scheduled},
}

// lambdaEnv is the environment Lambda gives a provided.al2023 function,
// with dummy credentials and every AWS endpoint on endpoint.
func lambdaEnv(name, endpoint string) []string {
	return []string{
		"AWS_LAMBDA_FUNCTION_NAME=pledge-" + name, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/pledge-" + name, "AWS_LAMBDA_LOG_STREAM_NAME=2026/12/02/[$LATEST]0", "AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=INFO",
		"AWS_REGION=ap-northeast-1", "AWS_DEFAULT_REGION=ap-northeast-1", "AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN=cold-start-dummy",
		"_HANDLER=bootstrap", "TZ=:UTC", "LANG=en_US.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin",
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_EC2_METADATA_DISABLED=true",
	}
}

func median(ds []float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else if n > 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return 0
}

// BenchmarkColdStart starts each function's bootstrap b.N times as Lambda
// would and reports medians: init-ms (process start to the first /next),
// invoke-ms and warm-ms (the first and second invocation of the case's
// event), rss-MB (peak resident set), aws-calls (requests of the first
// invocation, all denied at once), and init/peer (init against the bare
// aws-lambda-go peer measured in the same run). make bench builds the
// bootstraps for this machine with the Lambda flags and runs it with
// -benchtime 20x.
func BenchmarkColdStart(b *testing.B) {
	dir := os.Getenv("PLEDGE_BOOTSTRAPS")
	if dir == "" {
		b.Skip("PLEDGE_BOOTSTRAPS is not set: run make bench, which builds the bootstraps with the Lambda flags")
	}
	cfg, err := config.Load("../../cdk.json")
	if err != nil {
		b.Fatal(err)
	}
	mains, err := filepath.Glob("../../functions/*/main.go")
	if err != nil || len(mains) == 0 {
		b.Fatalf("no functions found: %v", err)
	}
	names := []string{peer}
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		if _, ok := coldStartCases[name]; !ok {
			b.Fatalf("functions/%s has no entry in coldStartCases (shared/runtimeapi/bench_test.go): add its sections, variables and event", name)
		}
		names = append(names, name)
	}
	deny, err := runtimeapi.NewDenyAll()
	if err != nil {
		b.Fatal(err)
	}
	defer deny.Close()

	var peerInit float64
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(dir, name, "bootstrap")
			if _, err := os.Stat(path); err != nil {
				b.Fatalf("%v (make bench builds it)", err)
			}
			env := lambdaEnv(name, deny.URL())
			event := []byte(`{"cold":"start"}`)
			if c, ok := coldStartCases[name]; ok {
				env = append(env, config.EnvVar+"="+cfg.Only(c.sections...).Encode())
				for k, v := range c.env {
					env = append(env, k+"="+v)
				}
				event = c.event(time.Now())
			}
			var inits, firsts, warms, rss, calls []float64
			for i := 0; i < b.N; i++ {
				before := deny.Calls()
				s, err := runtimeapi.ColdStart(context.Background(), path, env, event, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				if name != peer && deny.Calls() == before {
					b.Fatalf("%s made no AWS call: the invocation did not get past its setup: %s", name, s.FirstResult.Body)
				}
				if i == 0 {
					b.Logf("%s: first invocation failed=%v: %.200s", name, s.FirstResult.Failed, strings.TrimSpace(string(s.FirstResult.Body)))
				}
				inits = append(inits, s.Init.Seconds()*1e3)
				firsts = append(firsts, s.First.Seconds()*1e3)
				warms = append(warms, s.Warm.Seconds()*1e3)
				rss = append(rss, float64(s.PeakRSS)/1e6)
				calls = append(calls, float64(deny.Calls()-before)/2)
			}
			b.ReportMetric(median(inits), "init-ms")
			b.ReportMetric(median(firsts), "invoke-ms")
			b.ReportMetric(median(warms), "warm-ms")
			b.ReportMetric(median(rss), "rss-MB")
			b.ReportMetric(median(calls), "aws-calls")
			if name == peer {
				peerInit = median(inits)
			} else if peerInit > 0 {
				b.ReportMetric(median(inits)/peerInit, "init/peer")
			}
		})
	}
}
