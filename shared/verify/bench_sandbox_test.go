package verify_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/snapshot"
	"github.com/pledge-dev/pledge/shared/verify"
)

// countingTransport counts the requests a client sends.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// simSweep is a sandbox seeded with about 1,000 resources and a verifier
// over it: the simulator for every AWS service but S3, MinIO for the
// buckets and the evidence store.
type simSweep struct {
	sb      *sandbox.Sandbox
	v       *verify.Verifier
	checks  *check.AWS
	s3Calls *countingTransport
}

// Shape of the swept account: 200 EC2 instances tagged for time-sync
// checks (SSM-managed, answering chronyc), 100 DB instances on 6 parameter
// groups, 200 managed snapshots, 100 KMS keys, 50 load balancers with an
// HTTP and an HTTPS listener each, 100 log groups, 100 Lambda functions,
// 20 buckets, a trail and a detector: 1,071 resources. One in ten of each
// kind is misconfigured.
const (
	sweepInstances, sweepDatabases, sweepSnapshots, sweepKeys = 200, 100, 200, 100
	sweepBalancers, sweepLogGroups, sweepFunctions, sweepBkts = 50, 100, 100, 20
)

func newSimSweep(b *testing.B, now time.Time) *simSweep {
	b.Helper()
	sb := sandboxtest.Start(b, sandbox.Options{Only: []string{"s3"}})
	sim := sb.Sim
	ctx := context.Background()
	bad := func(i int) bool { return i%10 == 0 }
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	synced, err := scenario.ChronyFixture("amazon-ipv4.csv")
	must(err)
	drifting, err := scenario.ChronyFixture("phc-large-offset.csv")
	must(err)

	tag := []awssim.Tag{{Key: "pledge:timesync", Value: "check"}}
	ec2Seed := awssim.EC2Seed{EbsEncryptionByDefault: aws.Bool(true)}
	var ssmSeed awssim.SSMSeed
	for i := range sweepInstances {
		id := fmt.Sprintf("i-%017x", i+1)
		ec2Seed.Instances = append(ec2Seed.Instances, awssim.EC2Instance{InstanceId: id, Tags: tag})
		out := synced
		if bad(i) {
			out = drifting
		}
		ssmSeed.Instances = append(ssmSeed.Instances, awssim.SSMManagedInstance{InstanceId: id, Commands: map[string]awssim.SSMCommandResult{check.ChronycCommand: {Stdout: out}}})
	}
	must(sim.EC2().Seed(ec2Seed))
	must(sim.SSM().Seed(ssmSeed))

	rdsSeed := awssim.RDSSeed{Quotas: map[string]int64{"ManualSnapshots": 1000}}
	groups := []string{"pg-a", "pg-b", "pg-c", "pg-d", "pg-e"}
	for _, g := range groups {
		rdsSeed.ParameterGroups = append(rdsSeed.ParameterGroups, awssim.RDSParameterGroup{DBParameterGroupName: g, DBParameterGroupFamily: "postgres16",
			Parameters: map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}})
	}
	rdsSeed.ParameterGroups = append(rdsSeed.ParameterGroups, awssim.RDSParameterGroup{DBParameterGroupName: "pg-weak", DBParameterGroupFamily: "postgres16",
		Parameters: map[string]string{"rds.force_ssl": "0"}})
	for i := range sweepDatabases {
		g := groups[i%len(groups)]
		if bad(i) {
			g = "pg-weak"
		}
		rdsSeed.Instances = append(rdsSeed.Instances, awssim.RDSInstance{DBInstanceIdentifier: fmt.Sprintf("db-%04d", i), Engine: "postgres", EngineVersion: "16.4",
			StorageEncrypted: !bad(i), BackupRetentionPeriod: 7, DBParameterGroups: []string{g}, TagList: []awssim.Tag{{Key: "pledge:backup", Value: "gfs"}}})
	}
	for i := range sweepSnapshots {
		db := fmt.Sprintf("db-%04d", i%sweepDatabases)
		at := now.Add(-time.Duration(i/sweepDatabases+1) * 20 * time.Minute)
		var tl []awssim.Tag
		for k, v := range snapshot.Tags("prod", "gfs", db, at) {
			tl = append(tl, awssim.Tag{Key: k, Value: v})
		}
		rdsSeed.Snapshots = append(rdsSeed.Snapshots, awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name("prod", "gfs", db, at), DBInstanceIdentifier: db,
			Status: "available", SnapshotCreateTime: at, TagList: tl})
	}
	must(sim.RDS().Seed(rdsSeed))

	var keys awssim.KMSSeed
	for i := range sweepKeys {
		keys.Keys = append(keys.Keys, awssim.KMSKey{KeyId: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), KeyRotationEnabled: !bad(i)})
	}
	must(sim.KMS().Seed(keys))
	var lbs awssim.ELBSeed
	for i := range sweepBalancers {
		policy := "ELBSecurityPolicy-TLS13-1-2-2021-06"
		if bad(i) {
			policy = "ELBSecurityPolicy-2016-08"
		}
		lbs.LoadBalancers = append(lbs.LoadBalancers, awssim.ELBLoadBalancer{LoadBalancerName: fmt.Sprintf("lb-%04d", i),
			Listeners: []awssim.ELBListener{{Port: 80, Protocol: "HTTP"}, {Port: 443, Protocol: "HTTPS", SslPolicy: policy}}})
	}
	must(sim.ELB().Seed(lbs))
	var logs awssim.LogsSeed
	for i := range sweepLogGroups {
		days := 400
		if bad(i) {
			days = 30
		}
		logs.LogGroups = append(logs.LogGroups, awssim.LogGroup{LogGroupName: fmt.Sprintf("/app/g-%04d", i), RetentionInDays: days})
	}
	must(sim.Logs().Seed(logs))
	var fns awssim.LambdaSeed
	for i := range sweepFunctions {
		fns.Functions = append(fns.Functions, awssim.LambdaFunction{FunctionName: fmt.Sprintf("fn-%04d", i)})
	}
	must(sim.Lambda().Seed(fns))
	must(sim.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{{Name: "main", S3BucketName: "trail", IsMultiRegionTrail: true,
		LogFileValidationEnabled: true, KmsKeyId: "arn:aws:kms:ap-northeast-1:000000000000:key/00000000-0000-4000-8000-000000000001"}}}))
	must(sim.GuardDuty().Seed(awssim.GuardDutySeed{Detectors: []awssim.GuardDutyDetector{{}}}))
	must(sim.SNS().Seed(awssim.SNSSeed{Topics: []string{scenario.OpsTopicARN}}))

	counted := &countingTransport{base: awssim.BufferingTransport{}}
	s3c := s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""),
		HTTPClient: &http.Client{Transport: counted}}, func(o *s3.Options) { o.BaseEndpoint = aws.String(sb.S3.URL); o.UsePathStyle = true })
	must(scenario.SeedEvidence(ctx, s3c, 1))
	req := check.Request{
		MaxClockOffset: 100 * time.Millisecond, Location: time.UTC, LogRetentionDays: 180, Stage: "prod",
		InstanceTags: map[string]string{"pledge:timesync": "check"},
		Policies: []config.BackupPolicy{{Name: "gfs", Schedule: "rate(1 hour)", PointInTimeRecoveryDays: 7,
			Targets: config.Targets{Tags: map[string]string{"pledge:backup": "gfs"}}}},
		Buckets: []check.Bucket{{Name: scenario.EvidenceBucket}},
	}
	for i := range sweepBkts - 1 {
		name := fmt.Sprintf("sweep-tenant-%04d", i)
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		must(err)
		_, err = s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(name), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}})
		must(err)
		if !bad(i) {
			_, err = s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(scenario.TLSOnlyPolicy(name))})
			must(err)
		}
		req.Buckets = append(req.Buckets, check.Bucket{Name: name})
	}

	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""),
		BaseEndpoint: aws.String(sb.SimURL), HTTPClient: awssim.HTTPClient(nil)}
	scope, err := check.ResolveScope(ctx, sts.NewFromConfig(cfg), cfg.Region)
	must(err)
	checks := &check.AWS{
		RDS: rds.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), S3: s3c, KMS: kms.NewFromConfig(cfg),
		CloudTrail: cloudtrail.NewFromConfig(cfg), GuardDuty: guardduty.NewFromConfig(cfg), ELB: elbv2.NewFromConfig(cfg),
		Logs: cloudwatchlogs.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg), Scope: scope,
	}
	return &simSweep{sb: sb, checks: checks, s3Calls: counted, v: &verify.Verifier{
		Checks: checks, Request: req, Subject: scope.Account + "-" + scope.Region,
		Evidence: &evidence.Store{S3: s3c, Bucket: scenario.EvidenceBucket}, Reports: s3c, Bucket: scenario.EvidenceBucket,
		Ops: sns.NewFromConfig(cfg), OpsTopicARN: scenario.OpsTopicARN, Location: time.UTC,
	}}
}

// BenchmarkRun_SandboxSweep1000 is one verification run over the sandbox
// seeded with 1,071 resources (see newSimSweep), through the real SDK
// clients: the simulator answers every AWS service but S3, MinIO the
// buckets and the evidence store (the run reads the previous report and
// writes the JSON and HTML reports). Each run is one second after the
// last, so every run after the first finds nothing changed and sends no
// alert. calls/run counts the simulator's requests, s3calls/run MinIO's.
//
//   - poll=none: SSM's results are read without waiting (the simulator
//     finishes commands at once), so the time is the API calls';
//   - poll=2s: the deployed wait before reading SSM's results, which
//     every run pays once (the batches wait concurrently);
//   - latency=5ms: the simulator delays every request by 5 ms, a nearer
//     picture of calls to AWS in the same region, showing the effect of
//     the concurrency bound (10 calls in flight).
func BenchmarkRun_SandboxSweep1000(b *testing.B) {
	for _, bc := range []struct {
		name    string
		poll    time.Duration
		latency time.Duration
	}{
		{"poll=none/latency=0", 0, 0},
		{"poll=none/latency=5ms", 0, 5 * time.Millisecond},
		{"poll=2s/latency=0", check.DefaultCommandPoll, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			at := time.Now().UTC().Truncate(time.Minute)
			s := newSimSweep(b, at)
			if bc.poll == 0 {
				s.checks.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
			}
			if bc.latency > 0 {
				for _, svc := range s.sb.Sim.ServiceNames() {
					if err := s.sb.Sim.SetFault(awssim.Fault{Service: svc, Kind: awssim.FaultLatency, Latency: bc.latency}); err != nil {
						b.Fatal(err)
					}
				}
			}
			s.v.Now = func() time.Time { return at }
			first, err := s.v.Run(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if first.Totals.Errors != 0 || first.Totals.Failures == 0 || !first.Alerted {
				b.Fatalf("first run: %+v alerted %v; want failures, no errors, one alert", first.Totals, first.Alerted)
			}
			s.sb.Sim.ResetCounts()
			s.s3Calls.n.Store(0)
			var last verify.Result
			for b.Loop() {
				at = at.Add(time.Second)
				if last, err = s.v.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			if last.Totals != first.Totals || last.Alerted || len(last.Changes) != 0 {
				b.Fatalf("unchanged run: %+v (first %+v), alerted %v, %d changes", last.Totals, first.Totals, last.Alerted, len(last.Changes))
			}
			total := 0
			perService := map[string]int{}
			for k, n := range s.sb.Sim.Counts() {
				total += n
				svc, _, _ := strings.Cut(k, ":")
				perService[svc] += n
			}
			b.Logf("simulator requests in %d runs, by service: %v", b.N, perService)
			b.ReportMetric(float64(total)/float64(b.N), "calls/run")
			b.ReportMetric(float64(s.s3Calls.n.Load())/float64(b.N), "s3calls/run")
			b.ReportMetric(float64(last.Totals.Results), "results/run")
		})
	}
}
