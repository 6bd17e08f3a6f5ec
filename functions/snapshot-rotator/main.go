// Command snapshot-rotator creates and rotates RDS and Aurora snapshots under
// grandfather-father-son backup policies. In Lambda it runs on EventBridge
// Scheduler events; outside Lambda, `snapshot-rotator invoke` runs it once
// and `snapshot-rotator plan` previews a policy on a list of snapshots.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

const name = "snapshot-rotator"

func main() {
	runner.Main(runner.Function{
		Name:         name,
		Setup:        setup,
		DefaultEvent: func(now time.Time) []byte { return runner.ScheduledEventJSON(now, nil) },
		RealTimeOnly: true, // snapshots are created and deleted by the real clock
		Commands: map[string]runner.Command{
			"plan": {Usage: "[--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--tz ZONE] < snapshots.json", Run: func(args []string, stdin io.Reader, stdout, _ io.Writer) error { return runPlan(args, stdin, stdout) }},
		},
	})
}

func setup(ctx context.Context, env runner.Env) (runner.Handler, error) {
	cfg, err := config.FromEnv(env.Getenv, config.SectionBackup)
	if err != nil {
		return nil, err
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	rec := metrics.New(env.Metrics, map[string]string{"Function": name}, env.Now)
	rot := &snapshot.Rotator{
		Stage:    cfg.Stage,
		Source:   snapshot.RDS{API: rds.NewFromConfig(aws)},
		Evidence: &evidence.Store{S3: awsconfig.NewS3(aws), Bucket: env.Getenv("PLEDGE_EVIDENCE_BUCKET"), DryRun: env.DryRun},
		Metrics:  rec,
		Log:      env.Logger,
		Now:      env.Now,
		Location: cfg.Location(),
		DryRun:   env.DryRun,
	}
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var ev runner.ScheduledEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("event is not a scheduled event: %w", err)
		}
		if ev.Time.IsZero() {
			return nil, fmt.Errorf("scheduled event has no time: the schedule's input must carry <aws.scheduler.scheduled-time>")
		}
		results, err := rot.RunPolicies(ctx, cfg.Backup.Policies, ev.Detail["policy"], ev.Time)
		if ferr := rec.Flush(); ferr != nil {
			env.Logger.Error("flush metrics", "error", ferr)
		}
		return results, err
	}, nil
}
