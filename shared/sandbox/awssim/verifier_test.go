package awssim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// Resources of the verifier scenario.
const (
	vGood, vDrifting, vUnsynced, vUnmanaged, vUntagged = "i-0a0000000000000a1", "i-0a0000000000000a2", "i-0a0000000000000a3", "i-0a0000000000000a4", "i-0a0000000000000a5"
	cmkRotating, cmkStatic                             = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
)

// seedVerifierScenario seeds one account with a good and a bad resource for
// every check the verifier makes outside S3.
func seedVerifierScenario(t *testing.T, srv *awssim.Server, now time.Time) {
	t.Helper()
	tag := []awssim.Tag{{Key: "pledge:timesync", Value: "check"}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.EC2().Seed(awssim.EC2Seed{
		EbsEncryptionByDefault: aws.Bool(true),
		Instances: []awssim.EC2Instance{
			{InstanceId: vGood, Tags: tag}, {InstanceId: vDrifting, Tags: tag}, {InstanceId: vUnsynced, Tags: tag},
			{InstanceId: vUnmanaged, Tags: tag}, {InstanceId: vUntagged},
		},
	}))
	out := func(fixture string) map[string]awssim.SSMCommandResult {
		return map[string]awssim.SSMCommandResult{check.ChronycCommand: {Stdout: chronyFixture(t, fixture)}}
	}
	must(srv.SSM().Seed(awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{
		{InstanceId: vGood, Commands: out("amazon-ipv4.csv")},
		{InstanceId: vDrifting, Commands: out("phc-large-offset.csv")},
		{InstanceId: vUnsynced, Commands: out("unsynchronised.csv")},
		{InstanceId: vUntagged, Commands: out("amazon-ipv4.csv")},
	}}))
	key := "arn:aws:kms:ap-northeast-1:000000000000:key/" + cmkRotating
	must(srv.RDS().Seed(awssim.RDSSeed{
		ParameterGroups:        []awssim.RDSParameterGroup{{DBParameterGroupName: "pg14-legacy", DBParameterGroupFamily: "postgres14", Parameters: map[string]string{"ssl_min_protocol_version": "TLSv1"}}},
		ClusterParameterGroups: []awssim.RDSParameterGroup{{DBParameterGroupName: "apg16-tls", DBParameterGroupFamily: "aurora-postgresql16", Parameters: map[string]string{"rds.force_ssl": "1"}}},
		Instances: []awssim.RDSInstance{
			{DBInstanceIdentifier: "orders", StorageEncrypted: true, KmsKeyId: key, BackupRetentionPeriod: 7},
			{DBInstanceIdentifier: "legacy", EngineVersion: "14.12", DBParameterGroups: []string{"pg14-legacy"}, BackupRetentionPeriod: 1},
			{DBInstanceIdentifier: "billing-1", DBClusterIdentifier: "billing"},
		},
		Clusters: []awssim.RDSCluster{{DBClusterIdentifier: "billing", StorageEncrypted: true, KmsKeyId: key, DBClusterParameterGroup: "apg16-tls", BackupRetentionPeriod: 35}},
		Snapshots: []awssim.RDSSnapshot{
			{DBSnapshotIdentifier: "orders-manual", DBInstanceIdentifier: "orders", SnapshotCreateTime: now.Add(-2 * time.Hour)},
			{DBSnapshotIdentifier: "legacy-before-upgrade", DBInstanceIdentifier: "legacy", SnapshotCreateTime: now.Add(-48 * time.Hour)},
		},
	}))
	must(srv.KMS().Seed(awssim.KMSSeed{Keys: []awssim.KMSKey{
		{KeyId: cmkRotating, KeyRotationEnabled: true},
		{KeyId: cmkStatic},
		{KeyId: "33333333-3333-4333-8333-333333333333", KeyManager: "AWS", Aliases: []string{"alias/aws/ebs"}},
	}}))
	must(srv.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{
		{Name: "org-audit", S3BucketName: "audit", IsMultiRegionTrail: true, LogFileValidationEnabled: true, KmsKeyId: key},
	}}))
	must(srv.GuardDuty().Seed(awssim.GuardDutySeed{Detectors: []awssim.GuardDutyDetector{{}}}))
	must(srv.ELB().Seed(awssim.ELBSeed{LoadBalancers: []awssim.ELBLoadBalancer{
		{LoadBalancerName: "tenants", Listeners: []awssim.ELBListener{{Port: 80, Protocol: "HTTP"}, {Port: 443, Protocol: "HTTPS", SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"}}},
		{LoadBalancerName: "legacy-api", Listeners: []awssim.ELBListener{{Port: 443, Protocol: "HTTPS", SslPolicy: "ELBSecurityPolicy-2016-08"}}},
	}}))
	must(srv.Logs().Seed(awssim.LogsSeed{LogGroups: []awssim.LogGroup{
		{LogGroupName: "/pledge/evidence", RetentionInDays: 3653},
		{LogGroupName: "/aws/lambda/compliance-verifier"},
		{LogGroupName: "/app/short", RetentionInDays: 30},
	}}))
	must(srv.Lambda().Seed(awssim.LambdaSeed{Functions: []awssim.LambdaFunction{{FunctionName: "compliance-verifier"}, {FunctionName: "snapshot-rotator"}}}))
}

// verifier builds check.AWS on the real SDK clients pointed at url.
func verifier(t *testing.T, url string) *check.AWS {
	t.Helper()
	cfg := sdkConfig(url, 3)
	scope, err := check.ResolveScope(context.Background(), sts.NewFromConfig(cfg), cfg.Region)
	if err != nil {
		t.Fatal(err)
	}
	return &check.AWS{
		RDS: rds.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), KMS: kms.NewFromConfig(cfg),
		CloudTrail: cloudtrail.NewFromConfig(cfg), GuardDuty: guardduty.NewFromConfig(cfg), ELB: elbv2.NewFromConfig(cfg),
		Logs: cloudwatchlogs.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg), Scope: scope,
		CommandPoll: time.Millisecond, CommandWait: 50 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	}
}

func verifierRequest() check.Request {
	var ids []string
	for _, d := range check.Definitions {
		if !strings.HasPrefix(d.ID, "s3.") { // S3 is MinIO's part of the sandbox
			ids = append(ids, d.ID)
		}
	}
	return check.Request{Checks: ids, InstanceTags: map[string]string{"pledge:timesync": "check"}, MaxClockOffset: 100 * time.Millisecond,
		Location: time.UTC, LogRetentionDays: 180, Policies: []config.BackupPolicy(nil)}
}

// TestVerifier_CollectsFromTheSimulator runs the compliance verifier's AWS
// adapters, on the real SDK clients, against the simulator: every seeded
// misconfiguration must come back FAIL, every good resource PASS.
func TestVerifier_CollectsFromTheSimulator(t *testing.T) {
	now := t0
	srv, url := start(t, awssim.Options{Now: func() time.Time { return now }})
	seedVerifierScenario(t, srv, now)
	results := verifier(t, url).Collect(context.Background(), verifierRequest(), now)

	got := map[string]check.Result{}
	for _, r := range results {
		k := r.CheckID + " " + r.Resource
		if _, dup := got[k]; dup {
			t.Errorf("two results for %s", k)
		}
		got[k] = r
	}
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:ap-northeast-1:000000000000:%s", service, resource)
	}
	want := []struct {
		check, resource string
		status          check.Status
		reason          string // a fragment of the reason
	}{
		{check.TimeSyncChrony, arn("ec2", "instance/"+vGood), check.Pass, "169.254.169.123"},
		{check.TimeSyncChrony, arn("ec2", "instance/"+vDrifting), check.Fail, ""},
		{check.TimeSyncChrony, arn("ec2", "instance/"+vUnsynced), check.Fail, "not synchronised"},
		{check.TimeSyncChrony, arn("ec2", "instance/"+vUnmanaged), check.Error, "not managed by SSM"},
		{check.EBSEncryptionByDefault, arn("ec2", ""), check.Pass, ""},
		{check.RDSStorageEncrypted, arn("rds", "db:orders"), check.Pass, ""},
		{check.RDSStorageEncrypted, arn("rds", "db:legacy"), check.Fail, ""},
		{check.RDSStorageEncrypted, arn("rds", "cluster:billing"), check.Pass, ""},
		{check.RDSSnapshotEncrypted, arn("rds", "snapshot:orders-manual"), check.Pass, ""},
		{check.RDSSnapshotEncrypted, arn("rds", "snapshot:legacy-before-upgrade"), check.Fail, ""},
		{check.RDSTLSEnforced, arn("rds", "db:orders"), check.Pass, "default.postgres16"},
		{check.RDSTLSEnforced, arn("rds", "db:legacy"), check.Fail, "rds.force_ssl"},
		{check.RDSTLSEnforced, arn("rds", "cluster:billing"), check.Pass, "apg16-tls"},
		{check.KMSKeyRotation, arn("kms", "key/"+cmkRotating), check.Pass, ""},
		{check.KMSKeyRotation, arn("kms", "key/"+cmkStatic), check.Fail, ""},
		{check.CloudTrailProtected, arn("cloudtrail", "trail/org-audit"), check.Pass, ""},
		{check.GuardDutyEnabled, arn("guardduty", ""), check.Pass, ""},
		{check.LogsRetention, arn("logs", "log-group:/pledge/evidence"), check.Pass, ""},
		{check.LogsRetention, arn("logs", "log-group:/aws/lambda/compliance-verifier"), check.Pass, ""},
		{check.LogsRetention, arn("logs", "log-group:/app/short"), check.Fail, "30"},
		{check.TimeSyncManaged, arn("lambda", "function:compliance-verifier"), check.Pass, ""},
	}
	for _, w := range want {
		r, ok := got[w.check+" "+w.resource]
		if !ok {
			t.Errorf("no %s result for %s", w.check, w.resource)
			continue
		}
		if r.Status != w.status || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("%s %s = %s (%s), want %s mentioning %q", w.check, w.resource, r.Status, r.Reason, w.status, w.reason)
		}
	}
	listeners := map[check.Status]int{}
	for _, r := range results {
		if r.CheckID == check.ELBTLS12Policy {
			listeners[r.Status]++
			if r.Status == check.Fail && !strings.Contains(r.Reason, "ELBSecurityPolicy-2016-08") {
				t.Errorf("old-policy listener reason: %s", r.Reason)
			}
		}
		if r.CheckID == check.TimeSyncChrony && strings.Contains(r.Resource, vUntagged) {
			t.Errorf("untagged instance %s was checked", vUntagged)
		}
	}
	if listeners[check.Pass] != 1 || listeners[check.Fail] != 1 || len(listeners) != 2 {
		t.Errorf("listener verdicts = %v, want one PASS (TLS13-1-2) and one FAIL (2016-08); HTTP listeners are not judged", listeners)
	}
	if n := srv.Count("ssm", "SendCommand"); n != 1 {
		t.Errorf("SendCommand calls = %d, want 1 batch for the 3 managed instances", n)
	}
	if t.Failed() {
		for _, r := range results {
			t.Logf("%s %s %s: %s", r.Status, r.CheckID, r.Resource, r.Reason)
		}
	}
}

// TestVerifier_DeniedCallIsError proves a missing permission on the
// simulator reaches the verifier as AccessDenied and is reported ERROR,
// never PASS.
func TestVerifier_DeniedCallIsError(t *testing.T) {
	now := t0
	srv, url := start(t, awssim.Options{Now: func() time.Time { return now }})
	seedVerifierScenario(t, srv, now)
	for _, f := range []awssim.Fault{
		{Service: "guardduty", Operation: "ListDetectors", Kind: awssim.FaultAccessDenied},
		{Service: "rds", Operation: "DescribeDBParameters", Kind: awssim.FaultAccessDenied},
		{Service: "ec2", Operation: "GetEbsEncryptionByDefault", Kind: awssim.FaultAccessDenied},
		{Service: "ssm", Operation: "SendCommand", Kind: awssim.FaultAccessDenied},
	} {
		if err := srv.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	results := verifier(t, url).Collect(context.Background(), verifierRequest(), now)
	denied := map[string]int{}
	for _, r := range results {
		switch r.CheckID {
		case check.GuardDutyEnabled, check.RDSTLSEnforced, check.EBSEncryptionByDefault, check.TimeSyncChrony:
			if r.Status == check.Pass {
				t.Errorf("%s %s passed despite the denied call", r.CheckID, r.Resource)
			}
			if r.Status == check.Error && strings.Contains(r.Reason, "denied permission") {
				denied[r.CheckID]++
			}
		}
	}
	// Every TLS-judged database's parameters were denied; the unmanaged
	// instance is an ERROR for its own reason.
	for id, want := range map[string]int{check.GuardDutyEnabled: 1, check.EBSEncryptionByDefault: 1, check.RDSTLSEnforced: 3, check.TimeSyncChrony: 3} {
		if denied[id] != want {
			t.Errorf("%s: %d ERROR results naming the denied permission, want %d", id, denied[id], want)
		}
	}
}
