// Command compliance-verifier proves on a schedule that clocks are
// synchronised and data is encrypted, retained and monitored as promised,
// and reports each check against its ISO/IEC 27017 controls. In Lambda it
// runs on EventBridge Scheduler events; outside Lambda, `compliance-verifier
// invoke` runs it once (with -dry-run, it writes and publishes nothing).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pledge-dev/pledge/shared/awsconfig"
	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/verify"
)

const name = "compliance-verifier"

func main() {
	runner.Main(runner.Function{
		Name:         name,
		Setup:        setup,
		DefaultEvent: func(now time.Time) []byte { return runner.ScheduledEventJSON(now, nil) },
	})
}

func setup(ctx context.Context, env runner.Env) (runner.Handler, error) {
	cfg, err := config.FromEnv(env.Getenv, config.SectionVerification, config.SectionBackup, config.SectionTenants)
	if err != nil {
		return nil, err
	}
	aws, err := awsconfig.Load(ctx, cfg.Region)
	if err != nil {
		return nil, err
	}
	bucket := env.Getenv("PLEDGE_EVIDENCE_BUCKET")
	s3c := newS3Calls(awsconfig.NewS3(aws))
	rec := metrics.New(env.Metrics, map[string]string{"Function": name}, env.Now)
	checks := &check.AWS{
		RDS: newRdsCalls(rds.NewFromConfig(aws)), EC2: newEc2Calls(ec2.NewFromConfig(aws)), SSM: newSsmCalls(ssm.NewFromConfig(aws)), S3: s3c,
		KMS: newKmsCalls(kms.NewFromConfig(aws)), CloudTrail: newCloudtrailCalls(cloudtrail.NewFromConfig(aws)), GuardDuty: newGuarddutyCalls(guardduty.NewFromConfig(aws)),
		ELB: newElbv2Calls(elbv2.NewFromConfig(aws)), Logs: newCloudwatchlogsCalls(cloudwatchlogs.NewFromConfig(aws)), Lambda: newLambdaCalls(lambda.NewFromConfig(aws)),
		Log: env.Logger, TimeSyncDocument: env.Getenv("PLEDGE_TIMESYNC_DOCUMENT"),
	}
	v := &verify.Verifier{
		Checks:      checks,
		Request:     check.RequestFromConfig(cfg, bucket),
		Evidence:    &evidence.Store{S3: s3c, Bucket: bucket, DryRun: env.DryRun},
		Reports:     s3c,
		Bucket:      bucket,
		Lookback:    lookback(cfg, env.Now()),
		Ops:         newSnsCalls(sns.NewFromConfig(aws)),
		OpsTopicARN: env.Getenv("PLEDGE_OPS_TOPIC_ARN"),
		Metrics:     rec,
		Log:         env.Logger,
		Location:    cfg.Location(),
		Now:         env.Now,
		DryRun:      env.DryRun,
	}
	// The account comes from STS on the first invocation rather than at
	// init: a call at init would add a round trip to every cold start and,
	// if it failed, make Lambda retry the whole init. A failed lookup fails
	// that invocation and is tried again on the next.
	stsc := newStsCalls(sts.NewFromConfig(aws))
	var mu sync.Mutex // one run at a time: the scope is set once, and runs must not overlap
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var ev runner.ScheduledEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("event is not a scheduled event: %w", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if checks.Scope.Account == "" {
			scope, err := check.ResolveScope(ctx, stsc, aws.Region)
			if err != nil {
				return nil, err
			}
			checks.Scope, v.Subject = scope, scope.Account+"-"+scope.Region
		}
		res, err := v.Run(ctx)
		if ferr := rec.Flush(); ferr != nil {
			env.Logger.Error("flush metrics", "error", ferr)
		}
		return res, err
	}, nil
}

// lookback is how far back the previous report is looked for: two days,
// or twice the verification schedule's interval when that is longer.
func lookback(cfg config.Config, now time.Time) time.Duration {
	s, err := schedule.Parse(cfg.Verification.Schedule)
	if err != nil {
		return verify.DefaultLookback
	}
	return max(verify.DefaultLookback, 2*s.Interval(now, cfg.Location()))
}
