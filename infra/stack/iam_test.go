package stack_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/config"
)

// actions returns the distinct actions of stmts, sorted.
func actions(stmts []statement) []string {
	var out []string
	for _, st := range stmts {
		for _, a := range st.Actions {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

// granting returns the statements that allow action.
func granting(stmts []statement, action string) []statement {
	var out []statement
	for _, st := range stmts {
		if st.allows(action) {
			out = append(out, st)
		}
	}
	return out
}

// resourcesFor returns every resource on which action is allowed, sorted.
func resourcesFor(stmts []statement, action string) []string {
	var out []string
	for _, st := range granting(stmts, action) {
		out = append(out, st.Resources...)
	}
	sort.Strings(out)
	return out
}

// Every role gets what every function needs: writing its log group and
// dead-lettering failed asynchronous invocations.
var functionBase = []string{"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"}

// The SDK operations each function calls (functions/*/main.go and the
// shared packages they wire, see each construct's doc comment) as IAM
// actions, plus what every function and queue source needs.
func TestPledgeStack_RolesGrantExactlyTheCallsTheFunctionsMake(t *testing.T) {
	s := example(t)
	opsTopic := []string{"kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"}
	// The notifier's notice queue and the purger's purge queue are event
	// sources: Lambda polls them with the function's role.
	queueSource := []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}
	cases := []struct {
		name string
		role awscdk.IResource
		want [][]string
	}{
		{stack.SnapshotRotatorName, s.stack.SnapshotRotator().Role(), [][]string{functionBase, {
			// shared/snapshot/rds.go; tags come from Describe's TagList.
			"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
			"rds:DescribeAccountAttributes", "rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot",
			"rds:AddTagsToResource", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
			"s3:PutObject", // evidence
		}}},
		{stack.TenantPurgerName, s.stack.TenantPurger().Role(), [][]string{functionBase, opsTopic, queueSource, {
			"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", // shared/tenant
			"s3:ListBucketVersions", "s3:GetBucketObjectLockConfiguration", "s3:GetObjectRetention", "s3:GetObjectLegalHold",
			"s3:DeleteObject", "s3:DeleteObjectVersion", // shared/purge
			"kms:Sign", "kms:GetPublicKey", // shared/certificate
			"ses:SendEmail", "ses:SendRawEmail", // certificate mail, raw MIME
			"s3:PutObject", "s3:GetObject", // evidence, and reading back its manifests and certificates
		}}},
		{stack.FindingNotifierName, s.stack.FindingNotifier().Role(), [][]string{functionBase, opsTopic, queueSource, {
			"dynamodb:GetItem", "dynamodb:Query", // shared/tenant: Get and List by status, no Scan
			"dynamodb:PutItem", "dynamodb:UpdateItem", // shared/notify/ledger.go
			"ses:SendEmail",
			"s3:PutObject", // evidence
		}, stack.TagLookupActions}}, // shared/resourcetag
		{stack.ComplianceVerifierName, s.stack.ComplianceVerifier().Role(), [][]string{functionBase, opsTopic, {
			"ec2:DescribeInstances", "ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId",
			"ssm:DescribeInstanceInformation", "ssm:SendCommand", "ssm:ListCommandInvocations",
			"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
			"rds:DescribeDBParameters", "rds:DescribeDBClusterParameters",
			"lambda:ListFunctions",
			"s3:GetEncryptionConfiguration", "s3:GetBucketPolicy",
			"kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus",
			"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus",
			"guardduty:ListDetectors", "guardduty:GetDetector",
			"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeSSLPolicies",
			"logs:DescribeLogGroups",
			"s3:ListBucket", "s3:GetObject", "s3:PutObject", // previous report and evidence
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, w := range tc.want {
				for _, a := range w {
					if !slices.Contains(want, a) {
						want = append(want, a)
					}
				}
			}
			sort.Strings(want)
			got := actions(s.roleStatements(t, s.idOf(tc.role)))
			for _, a := range got {
				if !slices.Contains(want, a) {
					t.Errorf("grants %s, which the function never calls", a)
				}
			}
			for _, a := range want {
				if !slices.Contains(got, a) {
					t.Errorf("lacks %s, which the function calls", a)
				}
			}
		})
	}
}

func TestComplianceVerifier_ListsEvidenceOnlyUnderItsReports(t *testing.T) {
	for _, tc := range []struct {
		name   string
		s      func(*testing.T) *synthesized
		bucket func(*synthesized) string
	}{
		{"CreatedBucket", example, func(s *synthesized) string { return "<" + s.idOf(s.stack.Foundation().EvidenceBucket()) + ".Arn>" }},
		{"ImportedBucket", idsOnly, func(*synthesized) string { return "arn:<AWS::Partition>:s3:::existing-evidence" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s(t)
			bucket := tc.bucket(s)
			stmts := s.roleStatements(t, s.idOf(s.stack.ComplianceVerifier().Role()))
			list := granting(stmts, "s3:ListBucket")
			if len(list) != 1 {
				t.Fatalf("%d statements allow s3:ListBucket, want 1", len(list))
			}
			st := list[0]
			if !slices.Equal(st.Actions, []string{"s3:ListBucket"}) || !slices.Equal(st.Resources, []string{bucket}) {
				t.Errorf("ListBucket statement allows %v on %v, want only s3:ListBucket on %s", st.Actions, st.Resources, bucket)
			}
			like, _ := st.Conditions["StringLike"].(map[string]interface{})
			if len(st.Conditions) != 1 || len(like) != 1 || like["s3:prefix"] != stack.VerificationReportKind+"/*" {
				t.Errorf("ListBucket condition %v, want only StringLike s3:prefix = verification-report/*", st.Conditions)
			}
			for _, a := range []string{"s3:GetObject", "s3:PutObject"} {
				if got, want := resourcesFor(stmts, a), []string{bucket + "/verification-report/*"}; !slices.Equal(got, want) {
					t.Errorf("%s on %v, want only %v", a, got, want)
				}
			}
		})
	}
}

func TestComplianceVerifier_WithoutInstanceTagsSendsNoCommandAndWarns(t *testing.T) {
	warning := assertions.Match_StringLikeRegexp(jsii.String("verification.instanceTags is empty.*timesync.chrony.*grants none"))
	t.Run("NoTags", func(t *testing.T) {
		s := noInstanceTags(t)
		stmts := s.roleStatements(t, s.idOf(s.stack.ComplianceVerifier().Role()))
		if g := granting(stmts, "ssm:SendCommand"); len(g) != 0 {
			t.Errorf("ssm:SendCommand granted on %v without instance tags", resourcesFor(stmts, "ssm:SendCommand"))
		}
		// The instances are still listed, so the report names each one
		// that could not be checked.
		for _, a := range []string{"ec2:DescribeInstances", "ssm:DescribeInstanceInformation"} {
			if len(granting(stmts, a)) == 0 {
				t.Errorf("%s not granted: the report could not name the instances", a)
			}
		}
		ann := assertions.Annotations_FromStack(s.stack)
		found := messages(ann.FindWarning(jsii.String("*"), warning))
		if len(found) != 1 {
			t.Fatalf("%d instance-tag warnings, want 1: %v", len(found), found)
		}
		if !strings.Contains(found[0], "/Pledge/ComplianceVerifier") || !strings.Contains(found[0], stack.WarningNoInstanceTags) {
			t.Errorf("warning %q is not the verifier's %s", found[0], stack.WarningNoInstanceTags)
		}
	})
	t.Run("Tagged", func(t *testing.T) {
		s := example(t)
		if found := messages(assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"), warning)); len(found) != 0 {
			t.Errorf("instance tags are configured, yet the stack warns: %v", found)
		}
	})
}

func TestComplianceVerifier_GrantsOnlyForConfiguredChecks(t *testing.T) {
	s := idsOnly(t) // checks: s3.default-encryption, s3.tls-only, rds.pitr-retention, s3.noncurrent-version-retention
	stmts := s.roleStatements(t, s.idOf(s.stack.ComplianceVerifier().Role()))
	want := []string{
		"kms:Decrypt", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents",
		"rds:DescribeDBClusterParameters", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusters",
		"rds:DescribeDBInstances", "rds:DescribeDBParameters", "rds:DescribeDBSnapshots",
		"s3:GetBucketPolicy", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetObject", "s3:ListBucket", "s3:PutObject",
		"sns:Publish", "sqs:SendMessage",
	}
	if got := actions(stmts); !slices.Equal(got, want) {
		t.Errorf("verifier running four checks grants\n%v\nwant\n%v", got, want)
	}
	if got, want := resourcesFor(stmts, "s3:GetLifecycleConfiguration"), []string{"arn:<AWS::Partition>:s3:::example-saas-tenant-data"}; !slices.Equal(got, want) {
		t.Errorf("lifecycle read on %v, want the tenant buckets only %v", got, want)
	}
	for _, st := range stmts {
		if slices.Contains(st.Resources, "*") {
			t.Errorf("statement %s allows %v on every resource, though no configured check needs that", st.Sid, st.Actions)
		}
	}
	if got, want := resourcesFor(stmts, "s3:GetBucketPolicy"), []string{
		"arn:<AWS::Partition>:s3:::example-saas-tenant-data", "arn:<AWS::Partition>:s3:::existing-evidence",
	}; !slices.Equal(got, want) {
		t.Errorf("bucket settings read on %v, want the tenant and evidence buckets %v", got, want)
	}
}

func TestComplianceVerifier_RefusesACheckWithoutIAM(t *testing.T) {
	orig := config.CheckIDs
	config.CheckIDs = append(slices.Clone(orig), "timesync.sundial")
	defer func() { config.CheckIDs = orig }()
	app := awscdk.NewApp(nil)
	_, err := stack.NewPledgeStack(app, "Pledge", &stack.PledgeStackProps{Config: exampleConfig(t), CodeRoot: codeRoot})
	if err == nil || !strings.Contains(err.Error(), "grants no IAM for checks [timesync.sundial]") {
		t.Errorf("err = %v, want one naming the check without IAM", err)
	}
}

func TestFindingNotifier_ReadsRegistryByIndexWithoutScan(t *testing.T) {
	s := example(t)
	registry := "<" + s.idOf(s.stack.TenantPurger().Registry()) + ".Arn>"
	stmts := s.roleStatements(t, s.idOf(s.stack.FindingNotifier().Role()))
	if g := granting(stmts, "dynamodb:Scan"); len(g) != 0 {
		t.Errorf("the notifier may Scan %v; it lists tenants through the by_status index", resourcesFor(stmts, "dynamodb:Scan"))
	}
	if got, want := resourcesFor(stmts, "dynamodb:Query"), []string{registry + "/index/by_status"}; !slices.Equal(got, want) {
		t.Errorf("Query on %v, want only %v", got, want)
	}
	ledger := "<" + s.idOf(s.stack.FindingNotifier().Ledger()) + ".Arn>"
	if got, want := resourcesFor(stmts, "dynamodb:GetItem"), []string{ledger, registry}; !slices.Equal(got, want) {
		t.Errorf("GetItem on %v, want %v (the registry and the ledger)", got, want)
	}
	for _, a := range []string{"dynamodb:PutItem", "dynamodb:UpdateItem"} {
		if got, want := resourcesFor(stmts, a), []string{ledger}; !slices.Equal(got, want) {
			t.Errorf("%s on %v, want only the ledger %v", a, got, want)
		}
	}
}

func TestPledgeStack_EvidenceGrantsFollowEachFunctionsKinds(t *testing.T) {
	s := example(t)
	bucket := "<" + s.idOf(s.stack.Foundation().EvidenceBucket()) + ".Arn>"
	for _, tc := range []struct {
		name  string
		role  awscdk.IResource
		kinds []string
	}{
		{stack.SnapshotRotatorName, s.stack.SnapshotRotator().Role(), []string{"snapshot-run"}},
		{stack.TenantPurgerName, s.stack.TenantPurger().Role(), []string{"deletion-certificate", "deletion-manifest", "purge-run"}},
		{stack.FindingNotifierName, s.stack.FindingNotifier().Role(), []string{"finding", "notice"}},
		{stack.ComplianceVerifierName, s.stack.ComplianceVerifier().Role(), []string{"verification-report"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, k := range tc.kinds {
				want = append(want, bucket+"/"+k+"/*")
			}
			if got := resourcesFor(s.roleStatements(t, s.idOf(tc.role)), "s3:PutObject"); !slices.Equal(got, want) {
				t.Errorf("PutObject on %v, want only %v", got, want)
			}
		})
	}
}

func TestTenantPurger_ChecksLocksOnlyInTenantBuckets(t *testing.T) {
	s := example(t)
	stmts := s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role()))
	const bucket = "arn:<AWS::Partition>:s3:::example-saas-tenant-data"
	if got, want := resourcesFor(stmts, "s3:GetBucketObjectLockConfiguration"), []string{bucket}; !slices.Equal(got, want) {
		t.Errorf("GetBucketObjectLockConfiguration on %v, want %v", got, want)
	}
	for _, a := range []string{"s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:DeleteObjectVersion"} {
		if got, want := resourcesFor(stmts, a), []string{bucket + "/tenants/*/*"}; !slices.Equal(got, want) {
			t.Errorf("%s on %v, want only tenant keys %v", a, got, want)
		}
	}
	for _, a := range []string{"s3:ListBucket", "s3:GetObjectVersion"} {
		if g := granting(stmts, a); len(g) != 0 {
			t.Errorf("the purger may %s on %v; it never reads tenant data", a, resourcesFor(stmts, a))
		}
	}
	// GetObject only reads back its own evidence (purger_test.go).
	for _, r := range resourcesFor(stmts, "s3:GetObject") {
		if strings.HasPrefix(r, bucket) {
			t.Errorf("the purger may s3:GetObject on %s; it never reads tenant data", r)
		}
	}
	registry := "<" + s.idOf(s.stack.TenantPurger().Registry()) + ".Arn>"
	if got, want := resourcesFor(stmts, "dynamodb:Query"), []string{registry + "/index/by_status"}; !slices.Equal(got, want) {
		t.Errorf("Query on %v, want only %v", got, want)
	}
	for _, a := range []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} {
		if got, want := resourcesFor(stmts, a), []string{registry}; !slices.Equal(got, want) {
			t.Errorf("%s on %v, want only the registry table %v", a, got, want)
		}
	}
	ses := "arn:<AWS::Partition>:ses:ap-northeast-1:<AWS::AccountId>:identity/"
	for _, a := range []string{"ses:SendEmail", "ses:SendRawEmail"} {
		if got, want := resourcesFor(stmts, a), []string{ses + "example.co.jp", ses + "security@example.co.jp"}; !slices.Equal(got, want) {
			t.Errorf("%s on %v, want only the sender's identities %v", a, got, want)
		}
	}
}
