// Command evidence-reporter makes the monthly evidence pack: on the 1st of
// each month (EventBridge Scheduler, in the configured zone) it reads the
// previous month's evidence, reports per ISO/IEC 27017 control what was
// promised and what happened, writes JSON and Japanese and English HTML,
// and an index of every evidence object signed with the stack's KMS key
// (see shared/evidencepack). Outside Lambda, `evidence-reporter invoke`
// runs it once; with -dry-run it signs and writes nothing.
//
// The event's detail may name the month ("month": "2026-11") and ask for a
// second pack of a month that has one ("force": "true").
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/evidencepack"
	"github.com/pledge-dev/pledge/shared/runner"
)

const name = "evidence-reporter"

func main() {
	runner.Main(runner.Function{
		Name:         name,
		Setup:        setup,
		DefaultEvent: func(now time.Time) []byte { return runner.ScheduledEventJSON(now, nil) },
	})
}

func setup(ctx context.Context, env runner.Env) (runner.Handler, error) {
	// Every section: the pack states every promise.
	cfg, err := config.FromEnv(env.Getenv)
	if err != nil {
		return nil, err
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	bucket := env.Getenv("PLEDGE_EVIDENCE_BUCKET")
	if bucket == "" {
		return nil, fmt.Errorf("PLEDGE_EVIDENCE_BUCKET is not set: the reporter reads and writes the evidence bucket")
	}
	s3c := newS3Calls(awsconfig.NewS3(aws))
	r := &evidencepack.Reporter{
		Collector: &evidencepack.Collector{S3: s3c, Bucket: bucket, NoticeHours: cfg.Notifications.Promise().Hours},
		Evidence:  &evidence.Store{S3: s3c, Bucket: bucket, DryRun: env.DryRun},
		Render:    evidencepack.RenderHTML,
		Config:    cfg,
		Now:       env.Now,
		DryRun:    env.DryRun,
		Log:       env.Logger,
	}
	key := env.Getenv("PLEDGE_SIGNING_KEY_ID")
	if key == "" && !env.DryRun {
		return nil, fmt.Errorf("PLEDGE_SIGNING_KEY_ID is not set: the pack's index is signed with the stack's signing key (a dry run needs none)")
	}
	if key != "" {
		r.Signer = certificate.Signer{KMS: newKmsCalls(kms.NewFromConfig(aws)), KeyID: key}
	}
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var ev runner.ScheduledEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("event is not a scheduled event: %w", err)
		}
		month := evidencepack.MonthBefore(env.Now(), cfg.Location())
		if m := ev.Detail["month"]; m != "" {
			if month, err = evidencepack.ParseMonth(m, cfg.Location()); err != nil {
				return nil, fmt.Errorf("event detail: %w", err)
			}
		}
		force := false
		switch ev.Detail["force"] {
		case "", "false":
		case "true":
			force = true
		default:
			return nil, fmt.Errorf("event detail: force %q is not valid: want \"true\" or \"false\"", ev.Detail["force"])
		}
		return r.Run(ctx, month, force)
	}, nil
}
