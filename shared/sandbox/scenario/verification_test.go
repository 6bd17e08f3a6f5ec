package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// TestSeedVerification_SeedsWithoutDisturbingTheOtherParts seeds the
// verifier's part on top of the rotator's and the purger's and proves that
// it changes none of their snapshots or objects, that the functions can
// still read and write the buckets it puts TLS-only policies on, and that
// the resources carry the settings the expectations describe.
func TestSeedVerification_SeedsWithoutDisturbingTheOtherParts(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	ctx := context.Background()
	d := scenario.DepsFor(sb)
	now := time.Now().UTC()
	if _, err := scenario.SeedRDS(sb.Sim, now); err != nil {
		t.Fatal(err)
	}
	if err := scenario.SeedEvidence(ctx, d.S3, 1); err != nil {
		t.Fatal(err)
	}
	if err := scenario.CreateTenantBucket(ctx, d.S3); err != nil {
		t.Fatal(err)
	}
	if err := scenario.SeedTenantObjects(ctx, d.S3, scenario.TenantPurgeable, scenario.TenantShape{Keys: 4, Versions: 2, MarkerEvery: 2}); err != nil {
		t.Fatal(err)
	}
	before := sb.Sim.RDS().State()
	prints, err := scenario.TenantFingerprints(ctx, d.S3)
	if err != nil {
		t.Fatal(err)
	}

	w, err := scenario.SeedVerification(ctx, d, now)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("RotatorScenarioUnchanged", func(t *testing.T) {
		after := sb.Sim.RDS().State()
		if got, want := snapshotLines(after), snapshotLines(before); !slices.Equal(got, want) {
			t.Errorf("snapshots changed: %d before, %d after", len(want), len(got))
		}
		groups := map[string][]string{}
		for i, in := range after.Instances {
			groups[in.DBInstanceIdentifier] = in.DBParameterGroups
			b := before.Instances[i]
			if in.DBInstanceIdentifier != b.DBInstanceIdentifier || in.StorageEncrypted != b.StorageEncrypted || in.BackupRetentionPeriod != b.BackupRetentionPeriod ||
				fmt.Sprint(in.TagList) != fmt.Sprint(b.TagList) || in.DBInstanceArn != b.DBInstanceArn {
				t.Errorf("instance %s changed beyond its parameter group:\n%+v\n%+v", in.DBInstanceIdentifier, b, in)
			}
		}
		if g := groups[scenario.OrdersDB]; !slices.Equal(g, []string{scenario.OrdersParameterGroup}) {
			t.Errorf("orders-db groups %v", g)
		}
		if g := groups[scenario.AnalyticsDB]; !slices.Equal(g, []string{scenario.AnalyticsParameterGroup}) {
			t.Errorf("analytics-db groups %v", g)
		}
		if len(after.Clusters) != 1 || after.Clusters[0].DBClusterParameterGroup != scenario.BillingClusterGroup || after.Clusters[0].BackupRetentionPeriod != 3 {
			t.Errorf("clusters %+v, want billing-aurora on %s with 3 days of PITR", after.Clusters, scenario.BillingClusterGroup)
		}
	})

	t.Run("TenantDataUnchangedAndWritable", func(t *testing.T) {
		got, err := scenario.TenantFingerprints(ctx, d.S3)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(prints) {
			t.Errorf("tenant fingerprints changed:\n%v\n%v", prints, got)
		}
		// The stand-ins are reached over plain HTTP: MinIO must not apply
		// the TLS-only policies to the owner's requests, or the purger
		// and the evidence store would stop working in the sandbox.
		for _, b := range []string{scenario.TenantBucket, scenario.EvidenceBucket, scenario.ExportsBucket} {
			key := "verification-seed-probe/" + b
			if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: strings.NewReader("probe")}); err != nil {
				t.Fatalf("put into %s after the policy: %v", b, err)
			}
			out, err := d.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("get from %s after the policy: %v", b, err)
			}
			body, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(body) != "probe" {
				t.Errorf("%s: read back %q", b, body)
			}
		}
		store := &evidence.Store{S3: d.S3, Bucket: scenario.EvidenceBucket}
		if _, err := store.Put(ctx, evidence.Record{Kind: "probe", Time: now, Subject: "seed", Body: map[string]string{"a": "b"}}); err != nil {
			t.Errorf("evidence store write after the policy: %v", err)
		}
	})

	t.Run("Buckets", func(t *testing.T) {
		for _, tc := range []struct {
			bucket, algorithm string
			policy            bool
		}{
			{scenario.TenantBucket, "aws:kms", true},
			{scenario.EvidenceBucket, "AES256", true},
			{scenario.ExportsBucket, "AES256", false},
		} {
			enc, err := d.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(tc.bucket)})
			if err != nil {
				t.Fatalf("%s encryption: %v", tc.bucket, err)
			}
			if got := string(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm); got != tc.algorithm {
				t.Errorf("%s: algorithm %s, want %s", tc.bucket, got, tc.algorithm)
			}
			pol, err := d.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(tc.bucket)})
			var api smithy.APIError
			switch {
			case tc.policy && err != nil:
				t.Errorf("%s policy: %v", tc.bucket, err)
			case tc.policy:
				r := check.BucketPolicyTLS("arn:aws:s3:::"+tc.bucket, aws.ToString(pol.Policy), now)
				if r.Status != check.Pass {
					t.Errorf("%s: the policy MinIO returns is judged %s: %s\n%s", tc.bucket, r.Status, r.Reason, aws.ToString(pol.Policy))
				}
			case !errors.As(err, &api) || api.ErrorCode() != "NoSuchBucketPolicy":
				t.Errorf("%s: GetBucketPolicy = %v, want NoSuchBucketPolicy", tc.bucket, err)
			}
		}
	})

	t.Run("NoncurrentVersions", func(t *testing.T) {
		// The adapter reads MinIO's versioning and lifecycle as S3's.
		cfg := scenario.VerifierConfig(scenario.Config())
		req := check.RequestFromConfig(cfg, scenario.EvidenceBucket)
		req.Checks = []string{check.S3NoncurrentRetention}
		rs := (&check.AWS{S3: d.S3}).Collect(ctx, req, now)
		got := map[string]check.Result{}
		for _, r := range rs {
			got[r.Resource] = r
		}
		if r := got["arn:aws:s3:::"+scenario.TenantBucket]; r.Status != check.Pass || !strings.Contains(r.Reason, scenario.NoncurrentRule) {
			t.Errorf("tenant bucket: %s %s", r.Status, r.Reason)
		}
		if r := got["arn:aws:s3:::"+scenario.ExportsBucket]; r.Status != check.Fail {
			t.Errorf("exports bucket: %s %s", r.Status, r.Reason)
		}
		if len(rs) != 2 {
			t.Errorf("%d results, want 2 (the evidence bucket is not a tenant bucket)", len(rs))
		}
	})

	t.Run("Clocks", func(t *testing.T) {
		want := map[string]string{scenario.InstanceSynced: "amazon-ipv4.csv", scenario.InstanceDrifting: "phc-large-offset.csv",
			scenario.InstanceUnsynced: "unsynchronised.csv", scenario.InstanceUntagged: "public-ntp.csv", scenario.InstanceNICT: "public-ntp.csv"}
		assertChrony(t, sb.Sim, want)
		tagged := 0
		for _, in := range sb.Sim.EC2().State().Instances {
			for _, tag := range in.Tags {
				if tag.Key == "pledge:timesync" && tag.Value == "check" {
					tagged++
					if in.InstanceId == scenario.InstanceUntagged {
						t.Errorf("%s is tagged", in.InstanceId)
					}
				}
			}
		}
		if tagged != 4 {
			t.Errorf("%d instances tagged for time-sync checks, want 4", tagged)
		}
		if err := scenario.FixDriftingClock(sb.Sim); err != nil {
			t.Fatal(err)
		}
		want[scenario.InstanceDrifting] = "phc.csv"
		assertChrony(t, sb.Sim, want)
	})

	t.Run("MissingPermission", func(t *testing.T) {
		if !slices.Contains(sb.Sim.Faults(), scenario.DeniedOperation) {
			t.Errorf("faults %v, want %v", sb.Sim.Faults(), scenario.DeniedOperation)
		}
	})

	t.Run("Expectations", func(t *testing.T) {
		if fmt.Sprint(w.Expected) != fmt.Sprint(scenario.VerificationExpectations(sb.Sim)) {
			t.Error("the world's expectations are not the simulator's")
		}
		covered := map[string]map[check.Status]int{}
		seen := map[string]bool{}
		for _, e := range w.Expected {
			k := e.CheckID + " " + e.Resource
			if seen[k] {
				t.Errorf("two expectations for %s", k)
			}
			seen[k] = true
			if covered[e.CheckID] == nil {
				covered[e.CheckID] = map[check.Status]int{}
			}
			covered[e.CheckID][e.Status]++
			if e.Why == "" || e.Resource == "" {
				t.Errorf("expectation %+v says nothing", e)
			}
		}
		for _, def := range check.Definitions {
			if len(covered[def.ID]) == 0 {
				t.Errorf("no expectation for %s", def.ID)
			}
		}
		// The misconfigurations the issue asks for: a drifting and an
		// unsynchronised clock (and two on accepted sources: Amazon and
		// NICT), unencrypted storage and snapshots, a bucket without a TLS
		// policy or versions, a listener on an old policy, and the rest;
		// and one missing permission.
		for id, want := range map[string]map[check.Status]int{
			check.TimeSyncChrony:        {check.Pass: 2, check.Fail: 2},
			check.S3NoncurrentRetention: {check.Pass: 1, check.Fail: 1},
			check.RDSStorageEncrypted:   {check.Pass: 2, check.Fail: 1},
			check.RDSTLSEnforced:        {check.Pass: 1, check.Fail: 1, check.Error: 1},
			check.S3TLSOnly:             {check.Pass: 2, check.Fail: 1},
			check.ELBTLS12Policy:        {check.Pass: 1, check.Fail: 1},
			check.KMSKeyRotation:        {check.Pass: 1, check.Fail: 1},
			check.LogsRetention:         {check.Pass: 2, check.Fail: 1},
			check.RDSPITRRetention:      {check.Pass: 1, check.Fail: 1},
		} {
			if fmt.Sprint(covered[id]) != fmt.Sprint(want) {
				t.Errorf("%s: expected verdicts %v, want %v", id, covered[id], want)
			}
		}
		if n := covered[check.RDSSnapshotEncrypted][check.Fail]; n != 37 {
			t.Errorf("%d unencrypted snapshots expected, want analytics-db's 37 (7 automated, 30 tagged)", n)
		}
	})

	t.Run("Config", func(t *testing.T) {
		base := scenario.Config()
		c := scenario.VerifierConfig(base)
		if !slices.Equal(c.Tenants.Buckets, []string{scenario.TenantBucket, scenario.ExportsBucket}) {
			t.Errorf("verifier's buckets %v", c.Tenants.Buckets)
		}
		if !slices.Equal(base.Tenants.Buckets, []string{scenario.TenantBucket}) {
			t.Errorf("base config changed: %v", base.Tenants.Buckets)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("verifier's config: %v", err)
		}
		if got, want := strings.Join(w.Env(), " "), "PLEDGE_EVIDENCE_BUCKET="+scenario.EvidenceBucket+" PLEDGE_OPS_TOPIC_ARN="+scenario.OpsTopicARN+" PLEDGE_TIMESYNC_DOCUMENT="+scenario.TimeSyncDocument; got != want {
			t.Errorf("env %q, want %q", got, want)
		}
		// The verifier lists Lambda functions: the sandbox must point the
		// SDK's Lambda client at the simulator.
		if !slices.Contains(sb.Env(), "AWS_ENDPOINT_URL_LAMBDA="+sb.SimURL) {
			t.Error("the sandbox's environment does not point Lambda at the simulator")
		}
	})
}

func TestSeedVerification_NeedsTheRDSScenario(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3"}})
	_, err := scenario.SeedVerification(context.Background(), scenario.DepsFor(sb), time.Now())
	if err == nil || !strings.Contains(err.Error(), "SeedRDS") {
		t.Errorf("err = %v, want one asking for SeedRDS first", err)
	}
	_, err = scenario.SeedVerification(context.Background(), scenario.TenantDeps{Sim: sb.Sim}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "S3") {
		t.Errorf("err = %v, want one naming S3", err)
	}
}

func snapshotLines(st awssim.RDSState) []string {
	var out []string
	for _, s := range st.Snapshots {
		out = append(out, fmt.Sprintf("%s %s %v %s %s", s.DBSnapshotArn, s.DBInstanceIdentifier, s.Encrypted, s.SnapshotCreateTime, s.Status))
	}
	for _, s := range st.ClusterSnapshots {
		out = append(out, fmt.Sprintf("%s %s %v %s %s", s.DBClusterSnapshotArn, s.DBClusterIdentifier, s.StorageEncrypted, s.SnapshotCreateTime, s.Status))
	}
	return out
}

func assertChrony(t *testing.T, sim *awssim.Server, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, in := range sim.SSM().State().Instances {
		got[in.InstanceId] = in.Commands[check.ChronycCommand].Stdout
	}
	for id, fixture := range want {
		out, err := scenario.ChronyFixture(fixture)
		if err != nil {
			t.Fatal(err)
		}
		if got[id] != out {
			t.Errorf("%s answers chronyc with %q, want %s (%q)", id, got[id], fixture, out)
		}
	}
}
