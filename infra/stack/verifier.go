package stack

import (
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
)

// DefaultVerifierEvidenceKinds are the evidence kinds the verifier writes
// and reads (it compares each run with the previous report).
var DefaultVerifierEvidenceKinds = []string{"verification-report"}

// ComplianceVerifier is the compliance-verifier function and what it owns.
type ComplianceVerifier interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Alarms are its alarms.
	Alarms() []awscloudwatch.Alarm
}

type complianceVerifier struct {
	constructs.Construct
	f *function
}

func (v *complianceVerifier) Function() awslambda.Function  { return v.f.fn }
func (v *complianceVerifier) Role() awsiam.Role             { return v.f.role }
func (v *complianceVerifier) Alarms() []awscloudwatch.Alarm { return v.f.alarms }

// NewComplianceVerifier creates the verifier: a schedule (hourly by default,
// in the configured timezone), read-only IAM for the checks, and
// ssm:SendCommand limited to the AWS-RunShellScript document on instances
// carrying the configured verification.instanceTags.
func NewComplianceVerifier(scope constructs.Construct, id string, props *FunctionProps) (ComplianceVerifier, error) {
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

	f.allow("ReadWithoutResourceTypes", []string{
		"ec2:GetEbsEncryptionByDefault", "ec2:DescribeInstances",
		"kms:ListKeys", "cloudtrail:DescribeTrails", "guardduty:ListDetectors",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeSSLPolicies",
		"logs:DescribeLogGroups", "ssm:GetCommandInvocation", "ssm:ListCommandInvocations",
	}, jsii.Strings("*"), nil)
	f.allow("ReadDatabases", []string{
		"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
		"rds:DescribeDBParameters", "rds:DescribeDBClusterParameters",
	}, arns(pat("arn:{partition}:rds:"+region+":{account}:*")), nil)
	f.allow("ReadKeys", []string{"kms:DescribeKey", "kms:GetKeyRotationStatus"}, arns(pat("arn:{partition}:kms:"+region+":{account}:key/*")), nil)
	// A multi-region trail may live in another home region.
	f.allow("ReadTrails", []string{"cloudtrail:GetTrailStatus"}, arns(pat("arn:{partition}:cloudtrail:*:{account}:trail/*")), nil)
	f.allow("ReadDetectors", []string{"guardduty:GetDetector"}, arns(pat("arn:{partition}:guardduty:"+region+":{account}:detector/*")), nil)

	buckets := []*string{props.Foundation.EvidenceBucket().BucketArn()}
	for _, b := range cfg.Tenants.Buckets {
		buckets = append(buckets, arnPattern("arn:{partition}:s3:::"+b).ptr())
	}
	f.allow("ReadBucketSettings", []string{"s3:GetEncryptionConfiguration", "s3:GetBucketPolicy"}, &buckets, nil)

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
		f.allow("RunChronycWithShellDocument", []string{"ssm:SendCommand"}, arns(arnPattern("arn:{partition}:ssm:"+region+"::document/AWS-RunShellScript")), nil)
		f.allow("RunChronycOnTaggedInstances", []string{"ssm:SendCommand"}, arns(pat("arn:{partition}:ec2:"+region+":{account}:instance/*")),
			map[string]interface{}{"StringEquals": cond})
	}
	f.allowOpsPublish()
	kinds := props.EvidenceKinds
	if kinds == nil {
		kinds = DefaultVerifierEvidenceKinds
	}
	evidenceNag := f.allowEvidence(kinds, true)

	suppress(f.role, true, suppression{
		id: "AwsSolutions-IAM5",
		reason: fmt.Sprintf("The verifier is read-only and must see every database, key, trail, detector and load balancer in the account to check them; the listed EC2, KMS, CloudTrail, GuardDuty, ELB, Logs and SSM read calls support no resource types; "+
			"SendCommand reaches only instances tagged %v and only with AWS-RunShellScript; evidence access is limited to the verifier's kinds.", cfg.Verification.InstanceTags),
		appliesTo: append(append(strs("Resource::*"), strs(nagRes...)...), evidenceNag...),
	})
	return v, nil
}
