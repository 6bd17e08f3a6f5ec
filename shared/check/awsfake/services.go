package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/check"
)

// DBInstance is an RDS DB instance; Cluster names its Aurora cluster.
type DBInstance struct {
	ID, Engine, Cluster string
	Encrypted           bool
	RetentionDays       int32
	ParameterGroup      string
	// ApplyStatus is the parameter group's status ("in-sync" when empty).
	ApplyStatus string
	Tags        map[string]string
}

// DBCluster is an Aurora DB cluster; its first member is the writer.
type DBCluster struct {
	ID, Engine     string
	Encrypted      bool
	RetentionDays  int32
	ParameterGroup string
	Members        []string
	Tags           map[string]string
}

// DBSnapshot is a DB snapshot, or a DB cluster snapshot when Cluster is set.
type DBSnapshot struct {
	ID, Database string
	Cluster      bool
	Encrypted    bool
	Created      time.Time
	// Status is "available" when empty; Type "manual" when empty.
	Status, Type string
	Tags         map[string]string
	// Source is the snapshot a copy was made from (RDS's
	// SourceDBSnapshotIdentifier or SourceDBClusterSnapshotArn);
	// OriginalCreated a DB snapshot's OriginalSnapshotCreateTime, when set.
	Source          string
	OriginalCreated time.Time
}

// Instance is an EC2 instance; State is "running" when empty.
type Instance struct {
	ID    string
	State string
	Tags  map[string]string
}

// Outcome is what running the chronyc command on an instance gives.
type Outcome struct {
	// Status is "Success", "Failed", "TimedOut" or "Cancelled".
	Status string
	// Output is standard output, Stderr standard error.
	Output, Stderr string
	Code           int32
}

// Bucket is an S3 bucket's settings; empty fields are "not configured".
type Bucket struct {
	Algorithm, KMSKeyID string
	Policy              string
	// Versioning is "Enabled", "Suspended" or empty (never enabled).
	Versioning string
	// Lifecycle are the bucket's lifecycle rules; nil answers
	// NoSuchLifecycleConfiguration, as S3 does for a bucket without one.
	Lifecycle []s3types.LifecycleRule
}

// Key is a KMS key.
type Key struct {
	ID                           string
	Manager, Spec, State, Origin string
	Rotation                     bool
	PeriodDays                   int32
}

// Trail is a CloudTrail trail.
type Trail struct {
	Name, HomeRegion string
	MultiRegion      bool
	Validation       bool
	KMSKeyID         string
	Logging          bool
}

// LoadBalancer is an ELBv2 load balancer; Type is "application" when empty.
type LoadBalancer struct {
	Name, Type string
	Listeners  []Listener
}

// Listener is an ELBv2 listener.
type Listener struct {
	Protocol string
	Port     int32
	Policy   string
}

// LogGroup is a CloudWatch Logs group; 0 days never expires.
type LogGroup struct {
	Name          string
	RetentionDays int32
}

// ---- RDS ----

// RDS returns the account's RDS client.
func (a *Account) RDS() check.RDSAPI { return &rdsFake{a: a} }

type rdsFake struct {
	check.RDSAPI
	a *Account
}

func rdsTags(m map[string]string) []rdstypes.Tag {
	var tl []rdstypes.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		tl = append(tl, rdstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return tl
}

func (f *rdsFake) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	done, err := f.a.enter(ctx, "rds", "DescribeDBInstances", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.DBInstances, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &rds.DescribeDBInstancesOutput{Marker: next}
	for _, d := range items {
		status := d.ApplyStatus
		if status == "" {
			status = "in-sync"
		}
		db := rdstypes.DBInstance{DBInstanceIdentifier: aws.String(d.ID), DBInstanceArn: aws.String(f.a.arn("rds", "db:"+d.ID)), Engine: aws.String(d.Engine),
			StorageEncrypted: aws.Bool(d.Encrypted), BackupRetentionPeriod: aws.Int32(d.RetentionDays), TagList: rdsTags(d.Tags),
			DBParameterGroups: []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: aws.String(d.ParameterGroup), ParameterApplyStatus: aws.String(status)}}}
		if d.Encrypted {
			db.KmsKeyId = aws.String(f.a.arn("kms", "key/rds"))
		}
		if d.Cluster != "" {
			db.DBClusterIdentifier = aws.String(d.Cluster)
		}
		out.DBInstances = append(out.DBInstances, db)
	}
	return out, nil
}

func (f *rdsFake) DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	done, err := f.a.enter(ctx, "rds", "DescribeDBClusters", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.DBClusters, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &rds.DescribeDBClustersOutput{Marker: next}
	for _, c := range items {
		cl := rdstypes.DBCluster{DBClusterIdentifier: aws.String(c.ID), DBClusterArn: aws.String(f.a.arn("rds", "cluster:"+c.ID)), Engine: aws.String(c.Engine),
			StorageEncrypted: aws.Bool(c.Encrypted), BackupRetentionPeriod: aws.Int32(c.RetentionDays), TagList: rdsTags(c.Tags), DBClusterParameterGroup: aws.String(c.ParameterGroup)}
		for i, m := range c.Members {
			cl.DBClusterMembers = append(cl.DBClusterMembers, rdstypes.DBClusterMember{DBInstanceIdentifier: aws.String(m), IsClusterWriter: aws.Bool(i == 0)})
		}
		out.DBClusters = append(out.DBClusters, cl)
	}
	return out, nil
}

func (s DBSnapshot) status() string {
	if s.Status == "" {
		return "available"
	}
	return s.Status
}

func (s DBSnapshot) kind() string {
	if s.Type == "" {
		return "manual"
	}
	return s.Type
}

func (f *rdsFake) DescribeDBSnapshots(ctx context.Context, in *rds.DescribeDBSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	done, err := f.a.enter(ctx, "rds", "DescribeDBSnapshots", "")
	if err != nil {
		return nil, err
	}
	defer done()
	var all []DBSnapshot
	for _, s := range f.a.DBSnapshots {
		if !s.Cluster {
			all = append(all, s)
		}
	}
	items, next, err := page(all, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &rds.DescribeDBSnapshotsOutput{Marker: next}
	for _, s := range items {
		out.DBSnapshots = append(out.DBSnapshots, rdstypes.DBSnapshot{DBSnapshotIdentifier: aws.String(s.ID), DBSnapshotArn: aws.String(f.a.arn("rds", "snapshot:"+s.ID)),
			DBInstanceIdentifier: aws.String(s.Database), Encrypted: aws.Bool(s.Encrypted), SnapshotCreateTime: aws.Time(s.Created), Status: aws.String(s.status()),
			SnapshotType: aws.String(s.kind()), TagList: rdsTags(s.Tags), SourceDBSnapshotIdentifier: optString(s.Source), OriginalSnapshotCreateTime: optTime(s.OriginalCreated)})
	}
	return out, nil
}

func (f *rdsFake) DescribeDBClusterSnapshots(ctx context.Context, in *rds.DescribeDBClusterSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error) {
	done, err := f.a.enter(ctx, "rds", "DescribeDBClusterSnapshots", "")
	if err != nil {
		return nil, err
	}
	defer done()
	var all []DBSnapshot
	for _, s := range f.a.DBSnapshots {
		if s.Cluster {
			all = append(all, s)
		}
	}
	items, next, err := page(all, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &rds.DescribeDBClusterSnapshotsOutput{Marker: next}
	for _, s := range items {
		out.DBClusterSnapshots = append(out.DBClusterSnapshots, rdstypes.DBClusterSnapshot{DBClusterSnapshotIdentifier: aws.String(s.ID),
			DBClusterSnapshotArn: aws.String(f.a.arn("rds", "cluster-snapshot:"+s.ID)), DBClusterIdentifier: aws.String(s.Database),
			StorageEncrypted: aws.Bool(s.Encrypted), SnapshotCreateTime: aws.Time(s.Created), Status: aws.String(s.status()), SnapshotType: aws.String(s.kind()), TagList: rdsTags(s.Tags),
			SourceDBClusterSnapshotArn: optString(s.Source)})
	}
	return out, nil
}

func parameters(values map[string]string) []rdstypes.Parameter {
	var ps []rdstypes.Parameter
	for _, k := range slices.Sorted(maps.Keys(values)) {
		p := rdstypes.Parameter{ParameterName: aws.String(k), Source: aws.String("engine-default")}
		if v := values[k]; v != "" {
			p.ParameterValue = aws.String(v)
			p.Source = aws.String("user")
		}
		ps = append(ps, p)
	}
	return ps
}

func notFound(code, what string) error {
	return &smithy.GenericAPIError{Code: code, Message: what + " not found"}
}

func (f *rdsFake) DescribeDBParameters(ctx context.Context, in *rds.DescribeDBParametersInput, _ ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error) {
	name := aws.ToString(in.DBParameterGroupName)
	done, err := f.a.enter(ctx, "rds", "DescribeDBParameters", name)
	if err != nil {
		return nil, err
	}
	defer done()
	values, ok := f.a.DBParameters[name]
	if !ok {
		return nil, notFound("DBParameterGroupNotFound", "DB parameter group "+name)
	}
	items, next, err := page(parameters(values), in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	return &rds.DescribeDBParametersOutput{Parameters: items, Marker: next}, nil
}

func (f *rdsFake) DescribeDBClusterParameters(ctx context.Context, in *rds.DescribeDBClusterParametersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error) {
	name := aws.ToString(in.DBClusterParameterGroupName)
	done, err := f.a.enter(ctx, "rds", "DescribeDBClusterParameters", name)
	if err != nil {
		return nil, err
	}
	defer done()
	values, ok := f.a.ClusterParameters[name]
	if !ok {
		return nil, notFound("DBParameterGroupNotFound", "DB cluster parameter group "+name)
	}
	items, next, err := page(parameters(values), in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	return &rds.DescribeDBClusterParametersOutput{Parameters: items, Marker: next}, nil
}

// ---- EC2 ----

// EC2 returns the account's EC2 client.
func (a *Account) EC2() check.EC2API { return &ec2Fake{a: a} }

type ec2Fake struct {
	check.EC2API
	a *Account
}

func (f *ec2Fake) GetEbsEncryptionByDefault(ctx context.Context, _ *ec2.GetEbsEncryptionByDefaultInput, _ ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error) {
	done, err := f.a.enter(ctx, "ec2", "GetEbsEncryptionByDefault", "")
	if err != nil {
		return nil, err
	}
	defer done()
	return &ec2.GetEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: aws.Bool(f.a.EBSByDefault)}, nil
}

func (f *ec2Fake) GetEbsDefaultKmsKeyId(ctx context.Context, _ *ec2.GetEbsDefaultKmsKeyIdInput, _ ...func(*ec2.Options)) (*ec2.GetEbsDefaultKmsKeyIdOutput, error) {
	done, err := f.a.enter(ctx, "ec2", "GetEbsDefaultKmsKeyId", "")
	if err != nil {
		return nil, err
	}
	defer done()
	key := f.a.EBSKey
	if key == "" {
		key = "alias/aws/ebs"
	}
	return &ec2.GetEbsDefaultKmsKeyIdOutput{KmsKeyId: aws.String(key)}, nil
}

func (f *ec2Fake) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	done, err := f.a.enter(ctx, "ec2", "DescribeInstances", "")
	if err != nil {
		return nil, err
	}
	defer done()
	var match []Instance
	for _, i := range f.a.Instances {
		ok := true
		for _, flt := range in.Filters {
			name := aws.ToString(flt.Name)
			var have string
			switch {
			case name == "instance-state-name":
				have = i.State
				if have == "" {
					have = "running"
				}
			case strings.HasPrefix(name, "tag:"):
				v, found := i.Tags[strings.TrimPrefix(name, "tag:")]
				if !found {
					ok = false
					continue
				}
				have = v
			default:
				return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "The filter '" + name + "' is invalid"}
			}
			ok = ok && slices.Contains(flt.Values, have)
		}
		if ok {
			match = append(match, i)
		}
	}
	items, next, err := page(match, in.NextToken, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstancesOutput{NextToken: next}
	for _, i := range items {
		state := i.State
		if state == "" {
			state = "running"
		}
		out.Reservations = append(out.Reservations, ec2types.Reservation{Instances: []ec2types.Instance{{InstanceId: aws.String(i.ID),
			State: &ec2types.InstanceState{Name: ec2types.InstanceStateName(state)}}}})
	}
	return out, nil
}

// ---- SSM ----

// SSM returns the account's SSM client.
func (a *Account) SSM() check.SSMAPI { return &ssmFake{a: a} }

type ssmFake struct {
	check.SSMAPI
	a *Account
}

func (f *ssmFake) DescribeInstanceInformation(ctx context.Context, in *ssm.DescribeInstanceInformationInput, _ ...func(*ssm.Options)) (*ssm.DescribeInstanceInformationOutput, error) {
	done, err := f.a.enter(ctx, "ssm", "DescribeInstanceInformation", "")
	if err != nil {
		return nil, err
	}
	defer done()
	var ids []string
	for _, flt := range in.Filters {
		if aws.ToString(flt.Key) != "InstanceIds" {
			return nil, &smithy.GenericAPIError{Code: "InvalidInstanceInformationFilterValue", Message: "filter key " + aws.ToString(flt.Key)}
		}
		ids = append(ids, flt.Values...)
	}
	f.a.mu.Lock()
	var infos []ssmtypes.InstanceInformation
	for _, id := range ids {
		if ping, ok := f.a.Ping[id]; ok {
			infos = append(infos, ssmtypes.InstanceInformation{InstanceId: aws.String(id), PingStatus: ssmtypes.PingStatus(ping)})
		}
	}
	f.a.mu.Unlock()
	items, next, err := page(infos, in.NextToken, f.a.size())
	if err != nil {
		return nil, err
	}
	return &ssm.DescribeInstanceInformationOutput{InstanceInformationList: items, NextToken: next}, nil
}

func (f *ssmFake) SendCommand(ctx context.Context, in *ssm.SendCommandInput, _ ...func(*ssm.Options)) (*ssm.SendCommandOutput, error) {
	done, err := f.a.enter(ctx, "ssm", "SendCommand", "")
	if err != nil {
		return nil, err
	}
	defer done()
	ownDocument := f.a.TimeSyncDocument != "" && aws.ToString(in.DocumentName) == f.a.TimeSyncDocument && len(in.Parameters) == 0
	shell := f.a.TimeSyncDocument == "" && aws.ToString(in.DocumentName) == check.ShellDocument && slices.Equal(in.Parameters["commands"], []string{check.ChronycCommand})
	if !ownDocument && !shell {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameters", Message: fmt.Sprintf("unexpected document %s with commands %q", aws.ToString(in.DocumentName), in.Parameters["commands"])}
	}
	if n := len(in.InstanceIds); n == 0 || n > 50 {
		return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: fmt.Sprintf("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50 (got %d)", n)}
	}
	f.a.mu.Lock()
	defer f.a.mu.Unlock()
	for _, id := range in.InstanceIds {
		if f.a.Ping[id] != "Online" {
			return nil, &smithy.GenericAPIError{Code: "InvalidInstanceId", Message: "Instances [[" + id + "]] not in a valid state for account " + f.a.AccountID}
		}
	}
	f.a.nextCommand++
	id := fmt.Sprintf("cmd-%04d", f.a.nextCommand)
	if f.a.commands == nil {
		f.a.commands, f.a.polls = map[string][]string{}, map[string]int{}
	}
	f.a.commands[id] = slices.Clone(in.InstanceIds)
	f.a.sent = append(f.a.sent, slices.Clone(in.InstanceIds))
	return &ssm.SendCommandOutput{Command: &ssmtypes.Command{CommandId: aws.String(id), DocumentName: in.DocumentName, InstanceIds: in.InstanceIds}}, nil
}

func (f *ssmFake) ListCommandInvocations(ctx context.Context, in *ssm.ListCommandInvocationsInput, _ ...func(*ssm.Options)) (*ssm.ListCommandInvocationsOutput, error) {
	done, err := f.a.enter(ctx, "ssm", "ListCommandInvocations", "")
	if err != nil {
		return nil, err
	}
	defer done()
	id := aws.ToString(in.CommandId)
	f.a.mu.Lock()
	ids, ok := f.a.commands[id]
	if in.NextToken == nil {
		f.a.polls[id]++
	}
	pending := f.a.polls[id] <= f.a.PendingPolls
	f.a.mu.Unlock()
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "InvalidCommandId", Message: "command " + id}
	}
	var invs []ssmtypes.CommandInvocation
	for _, inst := range ids {
		inv := ssmtypes.CommandInvocation{CommandId: aws.String(id), InstanceId: aws.String(inst), DocumentName: aws.String(check.ShellDocument)}
		o, ok := f.a.Chrony[inst]
		if !ok {
			o = f.a.DefaultChrony
		}
		switch {
		case pending:
			inv.Status = ssmtypes.CommandInvocationStatusInProgress
			inv.StatusDetails = aws.String("InProgress")
		default:
			inv.Status = ssmtypes.CommandInvocationStatus(o.Status)
			inv.StatusDetails = aws.String(o.Status)
			if in.Details {
				output := o.Output
				if o.Stderr != "" {
					output += "\n----------ERROR-------\n" + o.Stderr
				}
				inv.CommandPlugins = []ssmtypes.CommandPlugin{{Name: aws.String("aws:runShellScript"), Output: aws.String(output), ResponseCode: o.Code,
					Status: ssmtypes.CommandPluginStatus(o.Status)}}
			}
		}
		invs = append(invs, inv)
	}
	items, next, err := page(invs, in.NextToken, f.a.size())
	if err != nil {
		return nil, err
	}
	return &ssm.ListCommandInvocationsOutput{CommandInvocations: items, NextToken: next}, nil
}

// ---- S3 ----

// S3 returns the account's S3 client.
func (a *Account) S3() check.S3API { return &s3Fake{a: a} }

type s3Fake struct {
	check.S3API
	a *Account
}

func (f *s3Fake) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	name := aws.ToString(in.Bucket)
	done, err := f.a.enter(ctx, "s3", "GetBucketEncryption", name)
	if err != nil {
		return nil, err
	}
	defer done()
	b, ok := f.a.Buckets[name]
	switch {
	case !ok:
		return nil, notFound("NoSuchBucket", "bucket "+name)
	case b.Algorithm == "":
		return nil, &smithy.GenericAPIError{Code: "ServerSideEncryptionConfigurationNotFoundError", Message: "The server side encryption configuration was not found"}
	}
	rule := s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(b.Algorithm)}}
	if b.KMSKeyID != "" {
		rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID = aws.String(b.KMSKeyID)
	}
	return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}}, nil
}

func (f *s3Fake) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, _ ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	name := aws.ToString(in.Bucket)
	done, err := f.a.enter(ctx, "s3", "GetBucketPolicy", name)
	if err != nil {
		return nil, err
	}
	defer done()
	b, ok := f.a.Buckets[name]
	switch {
	case !ok:
		return nil, notFound("NoSuchBucket", "bucket "+name)
	case b.Policy == "":
		return nil, &smithy.GenericAPIError{Code: "NoSuchBucketPolicy", Message: "The bucket policy does not exist"}
	}
	return &s3.GetBucketPolicyOutput{Policy: aws.String(b.Policy)}, nil
}

func (f *s3Fake) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, _ ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	name := aws.ToString(in.Bucket)
	done, err := f.a.enter(ctx, "s3", "GetBucketVersioning", name)
	if err != nil {
		return nil, err
	}
	defer done()
	b, ok := f.a.Buckets[name]
	if !ok {
		return nil, notFound("NoSuchBucket", "bucket "+name)
	}
	return &s3.GetBucketVersioningOutput{Status: s3types.BucketVersioningStatus(b.Versioning)}, nil
}

func (f *s3Fake) GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, _ ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	name := aws.ToString(in.Bucket)
	done, err := f.a.enter(ctx, "s3", "GetBucketLifecycleConfiguration", name)
	if err != nil {
		return nil, err
	}
	defer done()
	b, ok := f.a.Buckets[name]
	switch {
	case !ok:
		return nil, notFound("NoSuchBucket", "bucket "+name)
	case b.Lifecycle == nil:
		return nil, &smithy.GenericAPIError{Code: "NoSuchLifecycleConfiguration", Message: "The lifecycle configuration does not exist"}
	}
	return &s3.GetBucketLifecycleConfigurationOutput{Rules: b.Lifecycle}, nil
}

// NoncurrentRule returns an enabled lifecycle rule that expires noncurrent
// versions under prefix after days.
func NoncurrentRule(id, prefix string, days int32) s3types.LifecycleRule {
	return s3types.LifecycleRule{ID: aws.String(id), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String(prefix)},
		NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(days)}}
}

// TLSOnlyPolicy returns a bucket policy that denies every request not sent
// over TLS.
func TLSOnlyPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, bucket, bucket)
}

// ---- KMS ----

// KMS returns the account's KMS client.
func (a *Account) KMS() check.KMSAPI { return &kmsFake{a: a} }

type kmsFake struct {
	check.KMSAPI
	a *Account
}

func (f *kmsFake) find(id string) (Key, error) {
	for _, k := range f.a.Keys {
		if k.ID == id {
			return k, nil
		}
	}
	return Key{}, notFound("NotFoundException", "key "+id)
}

func (f *kmsFake) ListKeys(ctx context.Context, in *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	done, err := f.a.enter(ctx, "kms", "ListKeys", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.Keys, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &kms.ListKeysOutput{NextMarker: next, Truncated: next != nil}
	for _, k := range items {
		out.Keys = append(out.Keys, kmstypes.KeyListEntry{KeyId: aws.String(k.ID), KeyArn: aws.String(f.a.arn("kms", "key/"+k.ID))})
	}
	return out, nil
}

func (f *kmsFake) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	id := aws.ToString(in.KeyId)
	done, err := f.a.enter(ctx, "kms", "DescribeKey", id)
	if err != nil {
		return nil, err
	}
	defer done()
	k, err := f.find(id)
	if err != nil {
		return nil, err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{KeyId: aws.String(k.ID), Arn: aws.String(f.a.arn("kms", "key/"+k.ID)),
		KeyManager: kmstypes.KeyManagerType(k.Manager), KeySpec: kmstypes.KeySpec(k.Spec), KeyState: kmstypes.KeyState(k.State), Origin: kmstypes.OriginType(k.Origin)}}, nil
}

func (f *kmsFake) GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	id := aws.ToString(in.KeyId)
	done, err := f.a.enter(ctx, "kms", "GetKeyRotationStatus", id)
	if err != nil {
		return nil, err
	}
	defer done()
	k, err := f.find(id)
	if err != nil {
		return nil, err
	}
	out := &kms.GetKeyRotationStatusOutput{KeyId: aws.String(k.ID), KeyRotationEnabled: k.Rotation}
	if k.Rotation {
		out.RotationPeriodInDays = aws.Int32(max(k.PeriodDays, 365*boolInt(k.PeriodDays == 0)))
	}
	return out, nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// ---- CloudTrail ----

// CloudTrail returns the account's CloudTrail client.
func (a *Account) CloudTrail() check.CloudTrailAPI { return &ctFake{a: a} }

type ctFake struct {
	check.CloudTrailAPI
	a *Account
}

func (f *ctFake) trailARN(t Trail) string {
	region := t.HomeRegion
	if region == "" {
		region = f.a.Region
	}
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", region, f.a.AccountID, t.Name)
}

func (f *ctFake) DescribeTrails(ctx context.Context, _ *cloudtrail.DescribeTrailsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error) {
	done, err := f.a.enter(ctx, "cloudtrail", "DescribeTrails", "")
	if err != nil {
		return nil, err
	}
	defer done()
	out := &cloudtrail.DescribeTrailsOutput{}
	for _, t := range f.a.Trails {
		ct := cttypes.Trail{Name: aws.String(t.Name), TrailARN: aws.String(f.trailARN(t)), HomeRegion: aws.String(t.HomeRegion),
			IsMultiRegionTrail: aws.Bool(t.MultiRegion), LogFileValidationEnabled: aws.Bool(t.Validation)}
		if t.KMSKeyID != "" {
			ct.KmsKeyId = aws.String(t.KMSKeyID)
		}
		out.TrailList = append(out.TrailList, ct)
	}
	return out, nil
}

func (f *ctFake) GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error) {
	name := aws.ToString(in.Name)
	done, err := f.a.enter(ctx, "cloudtrail", "GetTrailStatus", name)
	if err != nil {
		return nil, err
	}
	defer done()
	for _, t := range f.a.Trails {
		if name == t.Name || name == f.trailARN(t) {
			return &cloudtrail.GetTrailStatusOutput{IsLogging: aws.Bool(t.Logging)}, nil
		}
	}
	return nil, notFound("TrailNotFoundException", "trail "+name)
}

// ---- GuardDuty ----

// GuardDuty returns the account's GuardDuty client.
func (a *Account) GuardDuty() check.GuardDutyAPI { return &gdFake{a: a} }

type gdFake struct {
	check.GuardDutyAPI
	a *Account
}

func (f *gdFake) ListDetectors(ctx context.Context, in *guardduty.ListDetectorsInput, _ ...func(*guardduty.Options)) (*guardduty.ListDetectorsOutput, error) {
	done, err := f.a.enter(ctx, "guardduty", "ListDetectors", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(slices.Sorted(maps.Keys(f.a.Detectors)), in.NextToken, f.a.size())
	if err != nil {
		return nil, err
	}
	return &guardduty.ListDetectorsOutput{DetectorIds: items, NextToken: next}, nil
}

func (f *gdFake) GetDetector(ctx context.Context, in *guardduty.GetDetectorInput, _ ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error) {
	id := aws.ToString(in.DetectorId)
	done, err := f.a.enter(ctx, "guardduty", "GetDetector", id)
	if err != nil {
		return nil, err
	}
	defer done()
	s, ok := f.a.Detectors[id]
	if !ok {
		return nil, notFound("BadRequestException", "detector "+id)
	}
	return &guardduty.GetDetectorOutput{Status: gdtypes.DetectorStatus(s)}, nil
}

// ---- ELBv2 ----

// ELB returns the account's Elastic Load Balancing v2 client.
func (a *Account) ELB() check.ELBAPI { return &elbFake{a: a} }

type elbFake struct {
	check.ELBAPI
	a *Account
}

func (f *elbFake) lbARN(lb LoadBalancer) string {
	kind := "app"
	if lb.Type == "network" {
		kind = "net"
	}
	return f.a.arn("elasticloadbalancing", "loadbalancer/"+kind+"/"+lb.Name+"/0123456789abcdef")
}

func (f *elbFake) DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	done, err := f.a.enter(ctx, "elasticloadbalancing", "DescribeLoadBalancers", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.LoadBalancers, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeLoadBalancersOutput{NextMarker: next}
	for _, lb := range items {
		t := lb.Type
		if t == "" {
			t = "application"
		}
		out.LoadBalancers = append(out.LoadBalancers, elbtypes.LoadBalancer{LoadBalancerArn: aws.String(f.lbARN(lb)), LoadBalancerName: aws.String(lb.Name), Type: elbtypes.LoadBalancerTypeEnum(t)})
	}
	return out, nil
}

func (f *elbFake) DescribeListeners(ctx context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	lbARN := aws.ToString(in.LoadBalancerArn)
	done, err := f.a.enter(ctx, "elasticloadbalancing", "DescribeListeners", lbARN)
	if err != nil {
		return nil, err
	}
	defer done()
	for _, lb := range f.a.LoadBalancers {
		if f.lbARN(lb) != lbARN {
			continue
		}
		items, next, err := page(lb.Listeners, in.Marker, f.a.size())
		if err != nil {
			return nil, err
		}
		out := &elbv2.DescribeListenersOutput{NextMarker: next}
		for _, l := range items {
			el := elbtypes.Listener{ListenerArn: aws.String(strings.Replace(lbARN, ":loadbalancer/", ":listener/", 1) + "/" + strconv.Itoa(int(l.Port))),
				LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(l.Port), Protocol: elbtypes.ProtocolEnum(l.Protocol)}
			if l.Policy != "" {
				el.SslPolicy = aws.String(l.Policy)
			}
			out.Listeners = append(out.Listeners, el)
		}
		return out, nil
	}
	return nil, notFound("LoadBalancerNotFound", "load balancer "+lbARN)
}

func (f *elbFake) DescribeSSLPolicies(ctx context.Context, in *elbv2.DescribeSSLPoliciesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeSSLPoliciesOutput, error) {
	done, err := f.a.enter(ctx, "elasticloadbalancing", "DescribeSSLPolicies", "")
	if err != nil {
		return nil, err
	}
	defer done()
	out := &elbv2.DescribeSSLPoliciesOutput{}
	for _, n := range in.Names {
		protocols, ok := f.a.SSLPolicies[n]
		if !ok {
			return nil, &smithy.GenericAPIError{Code: "SSLPolicyNotFound", Message: "SSL policy '" + n + "' not found"}
		}
		out.SslPolicies = append(out.SslPolicies, elbtypes.SslPolicy{Name: aws.String(n), SslProtocols: protocols})
	}
	return out, nil
}

// ---- CloudWatch Logs ----

// Logs returns the account's CloudWatch Logs client.
func (a *Account) Logs() check.LogsAPI { return &logsFake{a: a} }

type logsFake struct {
	check.LogsAPI
	a *Account
}

func (f *logsFake) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	done, err := f.a.enter(ctx, "logs", "DescribeLogGroups", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.LogGroups, in.NextToken, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &cloudwatchlogs.DescribeLogGroupsOutput{NextToken: next}
	for _, g := range items {
		lg := logstypes.LogGroup{LogGroupName: aws.String(g.Name), Arn: aws.String(f.a.arn("logs", "log-group:"+g.Name+":*")), LogGroupArn: aws.String(f.a.arn("logs", "log-group:"+g.Name))}
		if g.RetentionDays > 0 {
			lg.RetentionInDays = aws.Int32(g.RetentionDays)
		}
		out.LogGroups = append(out.LogGroups, lg)
	}
	return out, nil
}

// ---- Lambda ----

// Lambda returns the account's Lambda client.
func (a *Account) Lambda() check.LambdaAPI { return &lambdaFake{a: a} }

type lambdaFake struct {
	check.LambdaAPI
	a *Account
}

func (f *lambdaFake) ListFunctions(ctx context.Context, in *lambda.ListFunctionsInput, _ ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error) {
	done, err := f.a.enter(ctx, "lambda", "ListFunctions", "")
	if err != nil {
		return nil, err
	}
	defer done()
	items, next, err := page(f.a.Functions, in.Marker, f.a.size())
	if err != nil {
		return nil, err
	}
	out := &lambda.ListFunctionsOutput{NextMarker: next}
	for _, n := range items {
		out.Functions = append(out.Functions, lambdatypes.FunctionConfiguration{FunctionName: aws.String(n), FunctionArn: aws.String(f.a.arn("lambda", "function:"+n))})
	}
	return out, nil
}

// ---- STS ----

// STS returns the account's STS client.
func (a *Account) STS() check.STSAPI { return &stsFake{a: a} }

type stsFake struct {
	check.STSAPI
	a *Account
}

func (f *stsFake) GetCallerIdentity(ctx context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	done, err := f.a.enter(ctx, "sts", "GetCallerIdentity", "")
	if err != nil {
		return nil, err
	}
	defer done()
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.a.AccountID), Arn: aws.String("arn:aws:sts::" + f.a.AccountID + ":assumed-role/verifier/session")}, nil
}

// AWS returns a check.AWS wired to every client of the account, with
// commands polled without waiting.
func (a *Account) AWS() *check.AWS {
	return &check.AWS{
		RDS: a.RDS(), EC2: a.EC2(), SSM: a.SSM(), S3: a.S3(), KMS: a.KMS(), CloudTrail: a.CloudTrail(), GuardDuty: a.GuardDuty(),
		ELB: a.ELB(), Logs: a.Logs(), Lambda: a.Lambda(),
		Scope:       check.Scope{Partition: "aws", Region: a.Region, Account: a.AccountID},
		CommandPoll: time.Second, CommandWait: 10 * time.Second,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
}

// optString is nil for "", as RDS leaves an absent field out.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// optTime is nil for the zero time, as RDS leaves an absent field out.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return aws.Time(t)
}
