// Command finding-notifier routes GuardDuty findings and security-relevant
// CloudTrail calls to the tenants they concern and e-mails each tenant once
// per change of a finding, within the promised time. In Lambda it receives
// both EventBridge events and batches from its own notice queue; outside
// Lambda, `finding-notifier invoke -event FILE` handles one of either (the
// default event is a GuardDuty sample finding, which reaches ops only).
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/tenant"
)

const name = "finding-notifier"

func main() {
	runner.Main(runner.Function{
		Name:  name,
		Setup: setup,
		// A sample finding: safe to run anywhere (ops only, never tenants)
		// and it exercises the whole path; pass -event FILE for others.
		DefaultEvent: notify.SampleEvent,
	})
}

func setup(ctx context.Context, env runner.Env) (runner.Handler, error) {
	cfg, err := config.FromEnv(env.Getenv, config.SectionNotifications, config.SectionTenants)
	if err != nil {
		return nil, err
	}
	settings, err := notify.SettingsFrom(cfg)
	if err != nil {
		return nil, err
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	db := newDynamodbCalls(dynamodb.NewFromConfig(aws))
	registry, err := tenant.New(db, env.Getenv("PLEDGE_REGISTRY_TABLE"), cfg.Tenants)
	if err != nil {
		return nil, fmt.Errorf("PLEDGE_REGISTRY_TABLE: %w", err)
	}
	bucket := env.Getenv("PLEDGE_EVIDENCE_BUCKET")
	if bucket == "" && !env.DryRun {
		return nil, fmt.Errorf("PLEDGE_EVIDENCE_BUCKET is not set: every sent notice leaves an evidence record")
	}
	registry.Now, registry.Logger = env.Now, env.Logger
	n := &notify.Notifier{
		Settings:    settings,
		Directory:   notify.Registry{Registry: registry},
		Tags:        newTagLookup(aws),
		Ledger:      &notify.Ledger{DB: db, Table: env.Getenv("PLEDGE_LEDGER_TABLE"), QuietPeriod: settings.QuietPeriod},
		Queue:       newSqsCalls(sqs.NewFromConfig(aws)),
		QueueURL:    env.Getenv("PLEDGE_NOTICE_QUEUE_URL"),
		Ops:         newSnsCalls(sns.NewFromConfig(aws)),
		OpsTopicARN: env.Getenv("PLEDGE_OPS_TOPIC_ARN"),
		Mail:        newSesv2Calls(sesv2.NewFromConfig(aws)),
		Evidence:    &evidence.Store{S3: newS3Calls(awsconfig.NewS3(aws)), Bucket: bucket, DryRun: env.DryRun},
		Metrics:     metrics.New(env.Metrics, map[string]string{"Function": name}, env.Now),
		Log:         env.Logger,
		Now:         env.Now,
		DryRun:      env.DryRun,
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n.Handle, nil
}
