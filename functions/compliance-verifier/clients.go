package main

// This file holds the SDK operations the compliance-verifier calls, as method values.
//
// Why not pass the SDK clients themselves: if anything in the binary calls
// reflect.Value.MethodByName (html/template did, until the HTML moved to
// templ), the linker keeps every exported method of every type that is ever
// converted to an interface, and of the types such a value refers to.
// Passing *ec2.Client to a consumer interface then linked all of EC2's ~600
// operations (14 MB). Method values hold no reference to the client's type,
// so only the operations listed here are linked, whatever else is linked.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// stsCalls holds the sts operations the compliance-verifier calls.
type stsCalls struct {
	getCallerIdentity func(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

func newStsCalls(c *sts.Client) stsCalls {
	return stsCalls{getCallerIdentity: c.GetCallerIdentity}
}

func (c stsCalls) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, o ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return c.getCallerIdentity(ctx, in, o...)
}

// rdsCalls holds the rds operations the compliance-verifier calls.
type rdsCalls struct {
	describeDBInstances         func(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	describeDBClusters          func(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	describeDBSnapshots         func(context.Context, *rds.DescribeDBSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error)
	describeDBClusterSnapshots  func(context.Context, *rds.DescribeDBClusterSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error)
	describeDBParameters        func(context.Context, *rds.DescribeDBParametersInput, ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error)
	describeDBClusterParameters func(context.Context, *rds.DescribeDBClusterParametersInput, ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error)
}

func newRdsCalls(c *rds.Client) rdsCalls {
	return rdsCalls{describeDBInstances: c.DescribeDBInstances, describeDBClusters: c.DescribeDBClusters, describeDBSnapshots: c.DescribeDBSnapshots, describeDBClusterSnapshots: c.DescribeDBClusterSnapshots, describeDBParameters: c.DescribeDBParameters, describeDBClusterParameters: c.DescribeDBClusterParameters}
}

func (c rdsCalls) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, o ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return c.describeDBInstances(ctx, in, o...)
}

func (c rdsCalls) DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, o ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	return c.describeDBClusters(ctx, in, o...)
}

func (c rdsCalls) DescribeDBSnapshots(ctx context.Context, in *rds.DescribeDBSnapshotsInput, o ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	return c.describeDBSnapshots(ctx, in, o...)
}

func (c rdsCalls) DescribeDBClusterSnapshots(ctx context.Context, in *rds.DescribeDBClusterSnapshotsInput, o ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error) {
	return c.describeDBClusterSnapshots(ctx, in, o...)
}

func (c rdsCalls) DescribeDBParameters(ctx context.Context, in *rds.DescribeDBParametersInput, o ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error) {
	return c.describeDBParameters(ctx, in, o...)
}

func (c rdsCalls) DescribeDBClusterParameters(ctx context.Context, in *rds.DescribeDBClusterParametersInput, o ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error) {
	return c.describeDBClusterParameters(ctx, in, o...)
}

// ec2Calls holds the ec2 operations the compliance-verifier calls.
type ec2Calls struct {
	describeInstances         func(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	getEbsEncryptionByDefault func(context.Context, *ec2.GetEbsEncryptionByDefaultInput, ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error)
	getEbsDefaultKmsKeyId     func(context.Context, *ec2.GetEbsDefaultKmsKeyIdInput, ...func(*ec2.Options)) (*ec2.GetEbsDefaultKmsKeyIdOutput, error)
}

func newEc2Calls(c *ec2.Client) ec2Calls {
	return ec2Calls{describeInstances: c.DescribeInstances, getEbsEncryptionByDefault: c.GetEbsEncryptionByDefault, getEbsDefaultKmsKeyId: c.GetEbsDefaultKmsKeyId}
}

func (c ec2Calls) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return c.describeInstances(ctx, in, o...)
}

func (c ec2Calls) GetEbsEncryptionByDefault(ctx context.Context, in *ec2.GetEbsEncryptionByDefaultInput, o ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error) {
	return c.getEbsEncryptionByDefault(ctx, in, o...)
}

func (c ec2Calls) GetEbsDefaultKmsKeyId(ctx context.Context, in *ec2.GetEbsDefaultKmsKeyIdInput, o ...func(*ec2.Options)) (*ec2.GetEbsDefaultKmsKeyIdOutput, error) {
	return c.getEbsDefaultKmsKeyId(ctx, in, o...)
}

// ssmCalls holds the ssm operations the compliance-verifier calls.
type ssmCalls struct {
	describeInstanceInformation func(context.Context, *ssm.DescribeInstanceInformationInput, ...func(*ssm.Options)) (*ssm.DescribeInstanceInformationOutput, error)
	listCommandInvocations      func(context.Context, *ssm.ListCommandInvocationsInput, ...func(*ssm.Options)) (*ssm.ListCommandInvocationsOutput, error)
	sendCommand                 func(context.Context, *ssm.SendCommandInput, ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
}

func newSsmCalls(c *ssm.Client) ssmCalls {
	return ssmCalls{describeInstanceInformation: c.DescribeInstanceInformation, listCommandInvocations: c.ListCommandInvocations, sendCommand: c.SendCommand}
}

func (c ssmCalls) DescribeInstanceInformation(ctx context.Context, in *ssm.DescribeInstanceInformationInput, o ...func(*ssm.Options)) (*ssm.DescribeInstanceInformationOutput, error) {
	return c.describeInstanceInformation(ctx, in, o...)
}

func (c ssmCalls) ListCommandInvocations(ctx context.Context, in *ssm.ListCommandInvocationsInput, o ...func(*ssm.Options)) (*ssm.ListCommandInvocationsOutput, error) {
	return c.listCommandInvocations(ctx, in, o...)
}

func (c ssmCalls) SendCommand(ctx context.Context, in *ssm.SendCommandInput, o ...func(*ssm.Options)) (*ssm.SendCommandOutput, error) {
	return c.sendCommand(ctx, in, o...)
}

// s3Calls holds the s3 operations the compliance-verifier calls.
type s3Calls struct {
	getBucketEncryption func(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	getBucketPolicy     func(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	listObjectsV2       func(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	getObject           func(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	putObject           func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	getBucketVersioning func(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	getBucketLifecycle  func(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
}

func newS3Calls(c *s3.Client) s3Calls {
	return s3Calls{getBucketEncryption: c.GetBucketEncryption, getBucketPolicy: c.GetBucketPolicy, listObjectsV2: c.ListObjectsV2, getObject: c.GetObject, putObject: c.PutObject,
		getBucketVersioning: c.GetBucketVersioning, getBucketLifecycle: c.GetBucketLifecycleConfiguration}
}

func (c s3Calls) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, o ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	return c.getBucketVersioning(ctx, in, o...)
}

func (c s3Calls) GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, o ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	return c.getBucketLifecycle(ctx, in, o...)
}

func (c s3Calls) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, o ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return c.getBucketEncryption(ctx, in, o...)
}

func (c s3Calls) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, o ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	return c.getBucketPolicy(ctx, in, o...)
}

func (c s3Calls) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return c.listObjectsV2(ctx, in, o...)
}

func (c s3Calls) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return c.getObject(ctx, in, o...)
}

func (c s3Calls) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return c.putObject(ctx, in, o...)
}

// kmsCalls holds the kms operations the compliance-verifier calls.
type kmsCalls struct {
	listKeys             func(context.Context, *kms.ListKeysInput, ...func(*kms.Options)) (*kms.ListKeysOutput, error)
	describeKey          func(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	getKeyRotationStatus func(context.Context, *kms.GetKeyRotationStatusInput, ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error)
}

func newKmsCalls(c *kms.Client) kmsCalls {
	return kmsCalls{listKeys: c.ListKeys, describeKey: c.DescribeKey, getKeyRotationStatus: c.GetKeyRotationStatus}
}

func (c kmsCalls) ListKeys(ctx context.Context, in *kms.ListKeysInput, o ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	return c.listKeys(ctx, in, o...)
}

func (c kmsCalls) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, o ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return c.describeKey(ctx, in, o...)
}

func (c kmsCalls) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, o ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return c.getKeyRotationStatus(ctx, in, o...)
}

// cloudtrailCalls holds the cloudtrail operations the compliance-verifier calls.
type cloudtrailCalls struct {
	describeTrails func(context.Context, *cloudtrail.DescribeTrailsInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	getTrailStatus func(context.Context, *cloudtrail.GetTrailStatusInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
}

func newCloudtrailCalls(c *cloudtrail.Client) cloudtrailCalls {
	return cloudtrailCalls{describeTrails: c.DescribeTrails, getTrailStatus: c.GetTrailStatus}
}

func (c cloudtrailCalls) DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, o ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	return c.describeTrails(ctx, in, o...)
}

func (c cloudtrailCalls) GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, o ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	return c.getTrailStatus(ctx, in, o...)
}

// guarddutyCalls holds the guardduty operations the compliance-verifier calls.
type guarddutyCalls struct {
	listDetectors func(context.Context, *guardduty.ListDetectorsInput, ...func(*guardduty.Options)) (*guardduty.ListDetectorsOutput, error)
	getDetector   func(context.Context, *guardduty.GetDetectorInput, ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error)
}

func newGuarddutyCalls(c *guardduty.Client) guarddutyCalls {
	return guarddutyCalls{listDetectors: c.ListDetectors, getDetector: c.GetDetector}
}

func (c guarddutyCalls) ListDetectors(ctx context.Context, in *guardduty.ListDetectorsInput, o ...func(*guardduty.Options)) (*guardduty.ListDetectorsOutput, error) {
	return c.listDetectors(ctx, in, o...)
}

func (c guarddutyCalls) GetDetector(ctx context.Context, in *guardduty.GetDetectorInput, o ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error) {
	return c.getDetector(ctx, in, o...)
}

// elbv2Calls holds the elasticloadbalancingv2 operations the compliance-verifier calls.
type elbv2Calls struct {
	describeLoadBalancers func(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	describeListeners     func(context.Context, *elbv2.DescribeListenersInput, ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	describeSSLPolicies   func(context.Context, *elbv2.DescribeSSLPoliciesInput, ...func(*elbv2.Options)) (*elbv2.DescribeSSLPoliciesOutput, error)
}

func newElbv2Calls(c *elbv2.Client) elbv2Calls {
	return elbv2Calls{describeLoadBalancers: c.DescribeLoadBalancers, describeListeners: c.DescribeListeners, describeSSLPolicies: c.DescribeSSLPolicies}
}

func (c elbv2Calls) DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, o ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	return c.describeLoadBalancers(ctx, in, o...)
}

func (c elbv2Calls) DescribeListeners(ctx context.Context, in *elbv2.DescribeListenersInput, o ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	return c.describeListeners(ctx, in, o...)
}

func (c elbv2Calls) DescribeSSLPolicies(ctx context.Context, in *elbv2.DescribeSSLPoliciesInput, o ...func(*elbv2.Options)) (*elbv2.DescribeSSLPoliciesOutput, error) {
	return c.describeSSLPolicies(ctx, in, o...)
}

// cloudwatchlogsCalls holds the cloudwatchlogs operations the compliance-verifier calls.
type cloudwatchlogsCalls struct {
	describeLogGroups func(context.Context, *cloudwatchlogs.DescribeLogGroupsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
}

func newCloudwatchlogsCalls(c *cloudwatchlogs.Client) cloudwatchlogsCalls {
	return cloudwatchlogsCalls{describeLogGroups: c.DescribeLogGroups}
}

func (c cloudwatchlogsCalls) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	return c.describeLogGroups(ctx, in, o...)
}

// lambdaCalls holds the lambda operations the compliance-verifier calls.
type lambdaCalls struct {
	listFunctions func(context.Context, *lambda.ListFunctionsInput, ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error)
}

func newLambdaCalls(c *lambda.Client) lambdaCalls {
	return lambdaCalls{listFunctions: c.ListFunctions}
}

func (c lambdaCalls) ListFunctions(ctx context.Context, in *lambda.ListFunctionsInput, o ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error) {
	return c.listFunctions(ctx, in, o...)
}

// snsCalls holds the sns operations the compliance-verifier calls.
type snsCalls struct {
	publish func(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

func newSnsCalls(c *sns.Client) snsCalls {
	return snsCalls{publish: c.Publish}
}

func (c snsCalls) Publish(ctx context.Context, in *sns.PublishInput, o ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return c.publish(ctx, in, o...)
}
