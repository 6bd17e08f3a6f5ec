// Command tenant-purger keeps the promise to delete a terminated tenant's
// data on time and to prove it. In Lambda it receives tenant lifecycle
// events (which feed the tenant registry), the daily scheduled sweep (which
// enqueues due tenants, sends ops the advance notice and reports the
// deadline metric) and purge-queue batches (which purge one tenant, issue a
// signed deletion certificate and mail it to the tenant's contacts).
// Outside Lambda, `tenant-purger invoke -event FILE` handles any of them;
// without -event it runs the sweep for now (use -dry-run to only look).
package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/tenant"
)

const name = "tenant-purger"

func main() {
	runner.Main(runner.Function{
		Name:         name,
		Setup:        setup,
		DefaultEvent: func(now time.Time) []byte { return runner.ScheduledEventJSON(now, nil) },
		RealTimeOnly: true, // claims and deletions follow the real clock
	})
}

func setup(ctx context.Context, env runner.Env) (runner.Handler, error) {
	// The notifications section gives the certificate email its sender.
	cfg, err := config.FromEnv(env.Getenv, config.SectionTenants, config.SectionBackup, config.SectionNotifications)
	if err != nil {
		return nil, err
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	registry, err := tenant.New(dynamodb.NewFromConfig(aws), env.Getenv("PLEDGE_REGISTRY_TABLE"), cfg.Tenants)
	if err != nil {
		return nil, fmt.Errorf("PLEDGE_REGISTRY_TABLE: %w", err)
	}
	registry.Now, registry.Logger = env.Now, env.Logger
	s3c := awsconfig.NewS3(aws)
	p := &purger.Purger{
		Registry:    registry,
		S3:          s3c,
		Evidence:    &evidence.Store{S3: s3c, Bucket: env.Getenv("PLEDGE_EVIDENCE_BUCKET"), DryRun: env.DryRun},
		Queue:       sqs.NewFromConfig(aws),
		QueueURL:    env.Getenv("PLEDGE_PURGE_QUEUE_URL"),
		Ops:         sns.NewFromConfig(aws),
		OpsTopicARN: env.Getenv("PLEDGE_OPS_TOPIC_ARN"),
		Mail:        sesv2.NewFromConfig(aws),
		Sender:      cfg.Notifications.Sender,
		Metrics:     metrics.New(env.Metrics, map[string]string{"Function": name}, env.Now),
		Log:         env.Logger,
		Tenants:     cfg.Tenants,
		Backups:     cfg.Backup.Policies,
		Zone:        cfg.Location(),
		Issuer:      "Pledge tenant-purger (" + cfg.Region + ")",
		Now:         env.Now,
		DryRun:      env.DryRun,
	}
	if v := env.Getenv("PLEDGE_PURGE_PAGE_SIZE"); v != "" {
		// Smaller pages checkpoint more often (each page is one manifest
		// part and one checkpoint); the default and maximum is 1,000.
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, fmt.Errorf("PLEDGE_PURGE_PAGE_SIZE %q: want 1 to 1000 versions a page", v)
		}
		p.Options.PageSize, p.Options.BatchSize = int32(n), n
	}
	if key := env.Getenv("PLEDGE_SIGNING_KEY_ID"); key != "" {
		p.Signer = certificate.Signer{KMS: kms.NewFromConfig(aws), KeyID: key}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p.Handle, nil
}
