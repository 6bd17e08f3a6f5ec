package stack

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
)

// VerificationReportKind is the evidence kind of the verifier's reports
// (JSON and HTML). The verifier finds the previous report by listing it.
const VerificationReportKind = "verification-report"

// DefaultVerifierEvidenceKinds are the evidence kinds the verifier writes
// and reads (it compares each run with the previous report).
var DefaultVerifierEvidenceKinds = []string{VerificationReportKind}

// TimeSyncCheckID is the verifier's check (one of config.CheckIDs) that runs
// chronyc on EC2 instances through SSM; it alone needs ssm:SendCommand.
const TimeSyncCheckID = "timesync.chrony"

// WarningNoInstanceTags is the id of the synth-time warning the verifier
// construct adds when TimeSyncCheckID runs but
// config.Verification.InstanceTags is empty.
const WarningNoInstanceTags = "pledge:verifierNoInstanceTags"

// The verifier's checks by the IAM they need (ids as in config.CheckIDs).
// Each family's grants are made only when one of its checks runs, so a
// configuration that leaves out a check leaves out its permissions.
var (
	verifierTimeSyncChecks = []string{TimeSyncCheckID}
	verifierFunctionChecks = []string{"timesync.managed"}
	verifierDatabaseChecks = []string{"timesync.managed", "rds.storage-encrypted", "rds.snapshot-encrypted", "rds.tls-enforced", "rds.snapshot-fresh", "rds.pitr-retention"}
	verifierEBSChecks      = []string{"ec2.ebs-encryption-by-default"}
	verifierBucketChecks   = []string{"s3.default-encryption", "s3.tls-only"}
	verifierVersionChecks  = []string{"s3.noncurrent-version-retention"}
	verifierKeyChecks      = []string{"kms.key-rotation"}
	verifierTrailChecks    = []string{"cloudtrail.encrypted-validated-multiregion"}
	verifierDetectorChecks = []string{"guardduty.enabled"}
	verifierListenerChecks = []string{"elb.tls12-policy"}
	verifierLogGroupChecks = []string{"logs.retention"}
	verifierFamilies       = [][]string{
		verifierTimeSyncChecks, verifierFunctionChecks, verifierDatabaseChecks, verifierEBSChecks, verifierBucketChecks, verifierVersionChecks,
		verifierKeyChecks, verifierTrailChecks, verifierDetectorChecks, verifierListenerChecks, verifierLogGroupChecks,
	}
)

// checkVerifierFamilies returns an error naming every check the verifier
// knows (config.CheckIDs) that no family above grants IAM for, so that a new
// check cannot ship without its permissions.
func checkVerifierFamilies() error {
	var missing []string
	for _, id := range config.CheckIDs {
		if !slices.ContainsFunc(verifierFamilies, func(f []string) bool { return slices.Contains(f, id) }) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: the stack grants no IAM for checks %v: add them to a check family in infra/stack/verifier.go", ComplianceVerifierName, missing)
	}
	return nil
}

// ComplianceVerifier is the compliance-verifier function and what it owns.
type ComplianceVerifier interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Alarms are its alarms.
	Alarms() []awscloudwatch.Alarm
	// TimeSyncDocument is the name of the SSM document that runs chronyc,
	// or "" when the stack grants no ssm:SendCommand.
	TimeSyncDocument() string
}

type complianceVerifier struct {
	constructs.Construct
	f   *function
	doc string
}

func (v *complianceVerifier) TimeSyncDocument() string { return v.doc }

func (v *complianceVerifier) Function() awslambda.Function  { return v.f.fn }
func (v *complianceVerifier) Role() awsiam.Role             { return v.f.role }
func (v *complianceVerifier) Alarms() []awscloudwatch.Alarm { return v.f.alarms }

// NewComplianceVerifier creates the verifier: a schedule (hourly by default,
// in the configured timezone) and read-only IAM for the checks the
// configuration runs (config.Verification.Checks; empty runs all).
//
// The calls and their grants, by check family: time sync
// (ec2:DescribeInstances, ssm:DescribeInstanceInformation,
// ssm:ListCommandInvocations, and ssm:SendCommand limited to the stack's
// own SSM document, which runs `chronyc -c tracking` and nothing else and
// takes no parameters, on instances carrying every
// config.Verification.InstanceTags); managed clocks (lambda:ListFunctions
// and the database reads); databases (rds:Describe* in the region); EBS
// (ec2:GetEbsEncryptionByDefault, ec2:GetEbsDefaultKmsKeyId); buckets
// (s3:GetEncryptionConfiguration, s3:GetBucketPolicy on the tenant and
// evidence buckets; s3:GetBucketVersioning and s3:GetLifecycleConfiguration
// on the tenant buckets when verification.noncurrentVersionDays is set); keys, trails, detectors, listeners and log groups
// (their List/Describe/Get calls). sts:GetCallerIdentity, which names the
// account, needs no permission. Always: s3:ListBucket on the evidence bucket
// only under verification-report/ (it finds its previous report by
// listing), s3:GetObject and s3:PutObject on verification-report/*, and
// publishing to the ops topic.
//
// When the time-sync check runs but no instance tags are configured, the
// verifier would select every running instance; the stack does not grant
// ssm:SendCommand on every instance, so it grants none, the check reports
// ERROR for each instance, and synthesis carries a warning
// (WarningNoInstanceTags) saying so.
func NewComplianceVerifier(scope constructs.Construct, id string, props *FunctionProps) (ComplianceVerifier, error) {
	if err := checkVerifierFamilies(); err != nil {
		return nil, err
	}
	v := &complianceVerifier{}
	constructs.NewConstruct_Override(v, scope, jsii.String(id))
	c := v
	cfg := props.Foundation.Config()
	f, err := newFunction(c, props, functionSpec{
		name:        ComplianceVerifierName,
		description: "verifies time sync, encryption and retention promises and reports them per ISO/IEC 27017 control",
		memoryMB:    512,
		timeout:     5 * time.Minute,
		env:         map[string]string{config.EnvVar: cfg.Only(config.SectionVerification, config.SectionBackup, config.SectionTenants).Encode()},
		envToken:    map[string]*string{EnvOpsTopicArn: props.Foundation.OpsTopic().TopicArn()},
	})
	if err != nil {
		return nil, err
	}
	v.f = f
	if _, err := f.addSchedule("Schedule", ComplianceVerifierName+"/run", cfg.Verification.Schedule, nil); err != nil {
		return nil, err
	}
	region := cfg.Region
	var nagRes []string
	pat := func(p string) arnPattern {
		a := arnPattern(p)
		nagRes = append(nagRes, a.nagResource())
		return a
	}
	runs := func(family []string) bool {
		return len(cfg.Verification.Checks) == 0 || slices.ContainsFunc(family, func(id string) bool { return slices.Contains(cfg.Verification.Checks, id) })
	}

	// Calls that support no resource types (or only "*").
	var anyResource []string
	if runs(verifierTimeSyncChecks) {
		anyResource = append(anyResource, "ec2:DescribeInstances", "ssm:DescribeInstanceInformation", "ssm:ListCommandInvocations")
	}
	if runs(verifierFunctionChecks) {
		anyResource = append(anyResource, "lambda:ListFunctions")
	}
	if runs(verifierEBSChecks) {
		anyResource = append(anyResource, "ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId")
	}
	if runs(verifierKeyChecks) {
		anyResource = append(anyResource, "kms:ListKeys")
	}
	if runs(verifierTrailChecks) {
		anyResource = append(anyResource, "cloudtrail:DescribeTrails")
	}
	if runs(verifierDetectorChecks) {
		anyResource = append(anyResource, "guardduty:ListDetectors")
	}
	if runs(verifierListenerChecks) {
		anyResource = append(anyResource, "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeSSLPolicies")
	}
	if runs(verifierLogGroupChecks) {
		anyResource = append(anyResource, "logs:DescribeLogGroups")
	}
	if len(anyResource) > 0 {
		f.allow("ReadWithoutResourceTypes", anyResource, jsii.Strings("*"), nil)
	}
	if runs(verifierDatabaseChecks) {
		f.allow("ReadDatabases", []string{
			"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
			"rds:DescribeDBParameters", "rds:DescribeDBClusterParameters",
		}, arns(pat("arn:{partition}:rds:"+region+":{account}:*")), nil)
	}
	if runs(verifierKeyChecks) {
		f.allow("ReadKeys", []string{"kms:DescribeKey", "kms:GetKeyRotationStatus"}, arns(pat("arn:{partition}:kms:"+region+":{account}:key/*")), nil)
	}
	if runs(verifierTrailChecks) {
		// A multi-region trail may live in another home region.
		f.allow("ReadTrails", []string{"cloudtrail:GetTrailStatus"}, arns(pat("arn:{partition}:cloudtrail:*:{account}:trail/*")), nil)
	}
	if runs(verifierDetectorChecks) {
		f.allow("ReadDetectors", []string{"guardduty:GetDetector"}, arns(pat("arn:{partition}:guardduty:"+region+":{account}:detector/*")), nil)
	}
	if runs(verifierBucketChecks) {
		buckets := []*string{props.Foundation.EvidenceBucket().BucketArn()}
		for _, b := range cfg.Tenants.Buckets {
			buckets = append(buckets, arnPattern("arn:{partition}:s3:::"+b).ptr())
		}
		f.allow("ReadBucketSettings", []string{"s3:GetEncryptionConfiguration", "s3:GetBucketPolicy"}, &buckets, nil)
	}
	// Noncurrent versions are promised of tenant data only, and read only
	// when a retention is promised.
	if runs(verifierVersionChecks) && cfg.Verification.NoncurrentVersionDays > 0 {
		var buckets []*string
		for _, b := range cfg.Tenants.Buckets {
			buckets = append(buckets, arnPattern("arn:{partition}:s3:::"+b).ptr())
		}
		f.allow("ReadTenantBucketVersioning", []string{"s3:GetBucketVersioning", "s3:GetLifecycleConfiguration"}, &buckets, nil)
	}

	sendCommand := "no instance (verification.instanceTags is empty)"
	if runs(verifierTimeSyncChecks) {
		if len(cfg.Verification.InstanceTags) > 0 {
			keys := make([]string, 0, len(cfg.Verification.InstanceTags))
			for k := range cfg.Verification.InstanceTags {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			cond := map[string]interface{}{}
			for _, k := range keys {
				cond["ssm:resourceTag/"+k] = cfg.Verification.InstanceTags[k]
			}
			doc := newTimeSyncDocument(c, props.Foundation.Naming())
			v.doc = props.Foundation.Naming().TimeSyncDocument()
			f.fn.AddEnvironment(jsii.String(EnvTimeSyncDocument), doc.Name(), nil)
			f.allow("RunChronycDocument", []string{"ssm:SendCommand"}, arns(arnPattern("arn:{partition}:ssm:"+region+":{account}:document/"+props.Foundation.Naming().TimeSyncDocument())), nil)
			f.allow("RunChronycOnTaggedInstances", []string{"ssm:SendCommand"}, arns(pat("arn:{partition}:ec2:"+region+":{account}:instance/*")),
				map[string]interface{}{"StringEquals": cond})
			sendCommand = fmt.Sprintf("only instances tagged %v and only with the stack's document %s, which runs %q and nothing else", cfg.Verification.InstanceTags, props.Foundation.Naming().TimeSyncDocument(), check.ChronycCommand)
		} else {
			awscdk.Annotations_Of(v).AddWarningV2(jsii.String(WarningNoInstanceTags), jsii.String(
				"verification.instanceTags is empty, so the verifier's "+TimeSyncCheckID+" check would run chronyc on every running EC2 instance; "+
					"the stack grants ssm:SendCommand only on tag-selected instances, so it grants none and the check reports ERROR for each instance. "+
					"Set verification.instanceTags to the instances whose clocks to check, or leave "+TimeSyncCheckID+" out of verification.checks."))
		}
	}

	// The previous report: listed day by day under verification-report/,
	// then read.
	f.allow("FindPreviousReport", []string{"s3:ListBucket"}, &[]*string{props.Foundation.EvidenceBucket().BucketArn()},
		map[string]interface{}{"StringLike": map[string]interface{}{"s3:prefix": VerificationReportKind + "/*"}})
	f.allowOpsPublish()
	kinds := props.EvidenceKinds
	if kinds == nil {
		kinds = DefaultVerifierEvidenceKinds
	}
	evidenceNag := f.allowEvidence(kinds, true)

	appliesTo := append(strs(nagRes...), evidenceNag...)
	if len(anyResource) > 0 {
		appliesTo = append(strs("Resource::*"), appliesTo...)
	}
	suppress(f.role, true, suppression{
		id: "AwsSolutions-IAM5",
		reason: "The verifier is read-only and must see every database, key, trail, detector, load balancer and instance of the checks it runs; the listed EC2, SSM, Lambda, KMS, CloudTrail, GuardDuty, ELB and Logs list calls support no resource types; " +
			"SendCommand reaches " + sendCommand + "; evidence access is limited to the verifier's kinds.",
		appliesTo: appliesTo,
	})
	return v, nil
}

// EnvTimeSyncDocument names the SSM document the verifier sends chronyc
// with (check.AWS.TimeSyncDocument).
const EnvTimeSyncDocument = "PLEDGE_TIMESYNC_DOCUMENT"

// newTimeSyncDocument creates the SSM Command document that runs
// check.ChronycCommand and nothing else: no parameters, one
// aws:runShellScript step. Its output (the tracking report: reference id
// and name, offsets, leap status) is all the time-sync check reads,
// including which source the clock follows.
func newTimeSyncDocument(scope constructs.Construct, n Naming) awsssm.CfnDocument {
	return awsssm.NewCfnDocument(scope, jsii.String("TimeSyncDocument"), &awsssm.CfnDocumentProps{
		Name:           jsii.String(n.TimeSyncDocument()),
		DocumentType:   jsii.String("Command"),
		DocumentFormat: jsii.String("JSON"),
		UpdateMethod:   jsii.String("NewVersion"),
		TargetType:     jsii.String("/AWS::EC2::Instance"),
		Content: map[string]interface{}{
			"schemaVersion": "2.2",
			"description":   "Pledge " + n.Stage + ": prints chrony's tracking report for the compliance verifier (ISO/IEC 27017 A.12.4.4). Runs nothing else and takes no parameters.",
			"mainSteps": []interface{}{map[string]interface{}{
				"action":       "aws:runShellScript",
				"name":         "chronycTracking",
				"precondition": map[string]interface{}{"StringEquals": []interface{}{"platformType", "Linux"}},
				"inputs":       map[string]interface{}{"runCommand": []interface{}{check.ChronycCommand}, "timeoutSeconds": "30"},
			}},
		},
	})
}
