package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// Names of the verifier's part of the scenario.
const (
	// EC2 instances. The first three carry the time-sync tag of Config's
	// verification section; the last does not, and is never asked.
	InstanceSynced   = "i-0c10c4000000000a1" // chrony follows Amazon Time Sync (169.254.169.123)
	InstanceDrifting = "i-0c10c4000000000a2" // chrony follows the PTP hardware clock, 0.35 s off
	InstanceUnsynced = "i-0c10c4000000000a3" // chronyd has no source: "Not synchronised"
	InstanceNICT     = "i-0c10c4000000000a5" // chrony follows NICT's ntp.nict.jp (133.243.238.164)
	InstanceUntagged = "i-0c10c4000000000a4" // a bastion on public NTP, not selected

	// RDS parameter groups: orders-db forces TLS 1.2, analytics-db is on
	// a legacy MySQL group, billing-aurora's cluster group forces TLS 1.2.
	OrdersParameterGroup    = "orders-pg16-tls"
	AnalyticsParameterGroup = "analytics-mysql80-legacy"
	BillingClusterGroup     = "billing-apg16-tls"

	// KMS keys: one rotating, one not.
	KeyRotating = "5c0f2d4e-7a1b-4c3d-8e9f-0a1b2c3d4e01"
	KeyStatic   = "5c0f2d4e-7a1b-4c3d-8e9f-0a1b2c3d4e02"

	// TimeSyncDocument is the stack's own SSM document that runs chronyc
	// and nothing else (as infra/stack names it for stage "prod"); the
	// verifier sends its command with it.
	TimeSyncDocument = "pledge-prod-chronyc-tracking"

	// Trail is the organisation's CloudTrail trail, logging as promised.
	Trail       = "pledge-org-trail"
	TrailBucket = "pledge-cloudtrail-111122223333"

	// Load balancers with one HTTPS listener each: the tenants' on a TLS
	// 1.2+ policy, the legacy API on ELBSecurityPolicy-2016-08.
	BalancerModern = "tenants-web"
	BalancerLegacy = "legacy-api"
	PolicyModern   = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	PolicyLegacy   = "ELBSecurityPolicy-2016-08"

	// Log groups: one kept 30 days (an application log group: fewer than
	// Config's 180 for the class), one never expiring, one kept 400 days
	// (Config's logRetentionDays for groups in no class).
	LogGroupShort   = "/pledge/app/access"
	LogGroupForever = "/pledge/audit"
	LogGroupKept    = "/aws/lambda/compliance-verifier"

	// ExportsBucket holds tenants' export archives: encrypted, but with no
	// bucket policy denying requests sent without TLS, and unversioned. It
	// is not in Config's tenant buckets (the purger would purge it too);
	// VerifierConfig adds it for the verifier.
	ExportsBucket = "pledge-tenant-exports-111122223333"
)

// DeniedOperation is the scenario's missing permission: the verifier's
// role may read DB parameter groups but not DB cluster parameter groups,
// so the TLS check of the Aurora cluster cannot be evaluated.
var DeniedOperation = awssim.Fault{Service: "rds", Operation: "DescribeDBClusterParameters", Kind: awssim.FaultAccessDenied}

// LambdaFunctions are the functions the verifier reports as running on
// clocks AWS manages.
var LambdaFunctions = []string{"snapshot-rotator", "tenant-purger", "finding-notifier", "compliance-verifier"}

// Chrony fixtures (shared/chrony/testdata) each instance answers
// `chronyc -c tracking` with.
const (
	chronySynced   = "amazon-ipv4.csv"
	chronyDrifting = "phc-large-offset.csv"
	chronyFixed    = "phc.csv"
	chronyUnsynced = "unsynchronised.csv"
	chronyUntagged = "public-ntp.csv"
	chronyNICT     = "public-ntp.csv"
)

// Expectation is one verdict the verifier must reach on the scenario.
type Expectation struct {
	CheckID  string       `json:"checkId"`
	Resource string       `json:"resource"`
	Status   check.Status `json:"status"`
	// Reason is a fragment the result's reason must contain.
	Reason string `json:"reason"`
	// Why says what the scenario seeded, for people reading a summary.
	Why string `json:"why"`
}

// Matches reports whether r is this expectation's verdict.
func (e Expectation) Matches(r check.Result) bool {
	return r.CheckID == e.CheckID && r.Resource == e.Resource && r.Status == e.Status && strings.Contains(r.Reason, e.Reason)
}

// VerificationWorld is the verifier's seeded state and what must come of it.
type VerificationWorld struct {
	// Now is the time the scenario is seeded for.
	Now time.Time
	// OpsTopicARN is where the verifier alerts.
	OpsTopicARN string
	// Expected are the verdicts the verifier must reach (see
	// VerificationExpectations).
	Expected []Expectation
}

// VerifierConfig returns base with ExportsBucket added to the tenant
// buckets: the verifier's configuration in the sandbox. Only the verifier
// gets it, so the purger's scenario stays on TenantBucket alone.
func VerifierConfig(base config.Config) config.Config {
	c := base
	c.Tenants.Buckets = slices.Clone(base.Tenants.Buckets)
	if !slices.Contains(c.Tenants.Buckets, ExportsBucket) {
		c.Tenants.Buckets = append(c.Tenants.Buckets, ExportsBucket)
	}
	return c
}

// Env returns the variables the verifier needs besides the sandbox's own
// (sandbox.Sandbox.Env) and PLEDGE_CONFIG: the evidence bucket, the ops
// topic and the time-sync document.
func (w VerificationWorld) Env() []string {
	return []string{
		"PLEDGE_EVIDENCE_BUCKET=" + EvidenceBucket,
		"PLEDGE_OPS_TOPIC_ARN=" + w.OpsTopicARN,
		"PLEDGE_TIMESYNC_DOCUMENT=" + TimeSyncDocument,
	}
}

// SeedVerification seeds the verifier's part of the scenario on top of
// SeedRDS and SeedEvidence (and, when they ran, SeedTenants), changing
// none of their snapshots or objects:
//   - EC2 instances tagged for time-sync checks whose chronyc output is
//     synced to Amazon Time Sync, drifting 0.35 s on the PTP hardware clock,
//     or unsynchronised, plus one untagged instance; EBS encryption by
//     default on;
//   - RDS parameter groups: orders-db forcing TLS 1.2, analytics-db (the
//     unencrypted MySQL instance, with unencrypted snapshots) on a legacy
//     group, billing-aurora's cluster group forcing TLS 1.2;
//   - a rotating and a non-rotating KMS key, a protected CloudTrail trail,
//     an enabled GuardDuty detector, an HTTPS listener on a TLS 1.2+ policy
//     and one on ELBSecurityPolicy-2016-08, log groups kept 30 days, 400
//     days and forever, the Lambda functions;
//   - in S3: TenantBucket (created when missing) with SSE-KMS and a TLS-only
//     policy, the evidence bucket with SSE-S3 and a TLS-only policy (as the
//     stack makes it), and ExportsBucket with SSE-S3 and no policy;
//   - the ops topic, and DeniedOperation.
func SeedVerification(ctx context.Context, d TenantDeps, now time.Time) (VerificationWorld, error) {
	w := VerificationWorld{Now: now, OpsTopicARN: OpsTopicARN}
	if d.Sim == nil || d.S3 == nil {
		return w, errors.New("seed verification: the scenario needs the simulator and S3")
	}
	sim := d.Sim
	tags := simTags(Config().Verification.InstanceTags)
	if len(tags) == 0 {
		return w, errors.New("seed verification: the scenario's configuration selects no instances by tag")
	}
	if err := sim.EC2().Seed(awssim.EC2Seed{
		EbsEncryptionByDefault: aws.Bool(true),
		Instances: []awssim.EC2Instance{
			{InstanceId: InstanceSynced, Tags: slices.Concat(tags, []awssim.Tag{{Key: "Name", Value: "app-1"}})},
			{InstanceId: InstanceDrifting, Tags: slices.Concat(tags, []awssim.Tag{{Key: "Name", Value: "app-2"}})},
			{InstanceId: InstanceUnsynced, Tags: slices.Concat(tags, []awssim.Tag{{Key: "Name", Value: "batch-1"}})},
			{InstanceId: InstanceNICT, Tags: slices.Concat(tags, []awssim.Tag{{Key: "Name", Value: "onprem-gw"}})},
			{InstanceId: InstanceUntagged, Tags: []awssim.Tag{{Key: "Name", Value: "bastion"}}},
		},
	}); err != nil {
		return w, fmt.Errorf("seed EC2 instances: %w", err)
	}
	ssm := awssim.SSMSeed{Documents: []awssim.SSMDocument{{Name: TimeSyncDocument, Commands: []string{check.ChronycCommand}}}}
	for id, fixture := range map[string]string{InstanceSynced: chronySynced, InstanceDrifting: chronyDrifting, InstanceUnsynced: chronyUnsynced, InstanceUntagged: chronyUntagged, InstanceNICT: chronyNICT} {
		inst, err := chronyInstance(id, fixture)
		if err != nil {
			return w, err
		}
		ssm.Instances = append(ssm.Instances, inst)
	}
	if err := sim.SSM().Seed(ssm); err != nil {
		return w, fmt.Errorf("seed SSM managed instances: %w", err)
	}
	if err := seedParameterGroups(sim); err != nil {
		return w, err
	}

	keyARN := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", Config().Region, awssim.DefaultAccountID, KeyRotating)
	if err := sim.KMS().Seed(awssim.KMSSeed{Keys: []awssim.KMSKey{
		{KeyId: KeyRotating, Description: "orders data key", KeyRotationEnabled: true, Aliases: []string{"alias/pledge-orders"}},
		{KeyId: KeyStatic, Description: "legacy exports key", Aliases: []string{"alias/legacy-exports"}},
	}}); err != nil {
		return w, fmt.Errorf("seed KMS keys: %w", err)
	}
	if err := sim.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{
		{Name: Trail, S3BucketName: TrailBucket, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true, KmsKeyId: keyARN},
	}}); err != nil {
		return w, fmt.Errorf("seed CloudTrail: %w", err)
	}
	if err := sim.GuardDuty().Seed(awssim.GuardDutySeed{Detectors: []awssim.GuardDutyDetector{{}}}); err != nil {
		return w, fmt.Errorf("seed GuardDuty: %w", err)
	}
	if err := sim.ELB().Seed(awssim.ELBSeed{LoadBalancers: []awssim.ELBLoadBalancer{
		{LoadBalancerName: BalancerModern, Listeners: []awssim.ELBListener{{Port: 80, Protocol: "HTTP"}, {Port: 443, Protocol: "HTTPS", SslPolicy: PolicyModern}}},
		{LoadBalancerName: BalancerLegacy, Listeners: []awssim.ELBListener{{Port: 443, Protocol: "HTTPS", SslPolicy: PolicyLegacy}}},
	}}); err != nil {
		return w, fmt.Errorf("seed ELBv2: %w", err)
	}
	if err := sim.Logs().Seed(awssim.LogsSeed{LogGroups: []awssim.LogGroup{
		{LogGroupName: LogGroupShort, RetentionInDays: 30},
		{LogGroupName: LogGroupForever},
		{LogGroupName: LogGroupKept, RetentionInDays: 400},
	}}); err != nil {
		return w, fmt.Errorf("seed CloudWatch Logs: %w", err)
	}
	var fns []awssim.LambdaFunction
	for _, f := range LambdaFunctions {
		fns = append(fns, awssim.LambdaFunction{FunctionName: f})
	}
	if err := sim.Lambda().Seed(awssim.LambdaSeed{Functions: fns}); err != nil {
		return w, fmt.Errorf("seed Lambda: %w", err)
	}
	if err := sim.SNS().Seed(awssim.SNSSeed{Topics: []string{OpsTopicARN}}); err != nil {
		return w, fmt.Errorf("create the ops topic: %w", err)
	}

	if err := CreateTenantBucket(ctx, d.S3); err != nil {
		return w, err
	}
	if _, err := d.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(ExportsBucket)}); err != nil {
		var owned *s3types.BucketAlreadyOwnedByYou
		if !errors.As(err, &owned) {
			return w, fmt.Errorf("create %s: %w", ExportsBucket, err)
		}
	}
	for _, b := range []struct {
		name, algorithm, key string
		tlsOnly              bool
	}{
		{TenantBucket, "aws:kms", sandbox.MinIOKMSKey, true},
		{EvidenceBucket, "AES256", "", true},
		{ExportsBucket, "AES256", "", false},
	} {
		if err := encryptBucket(ctx, d.S3, b.name, b.algorithm, b.key); err != nil {
			return w, err
		}
		if b.tlsOnly {
			if _, err := d.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b.name), Policy: aws.String(TLSOnlyPolicy(b.name))}); err != nil {
				return w, fmt.Errorf("put the TLS-only policy on %s: %w", b.name, err)
			}
		}
	}

	// Noncurrent versions of tenant data expire after the promised 31
	// days; the exports bucket stays unversioned.
	if _, err := d.S3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(TenantBucket),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String(NoncurrentRule), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tenants/")},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(int32(Config().Verification.NoncurrentVersionDays))},
		}}}}); err != nil {
		return w, fmt.Errorf("lifecycle of %s: %w", TenantBucket, err)
	}

	if err := sim.SetFault(DeniedOperation); err != nil {
		return w, fmt.Errorf("deny %s:%s: %w", DeniedOperation.Service, DeniedOperation.Operation, err)
	}
	w.Expected = VerificationExpectations(sim)
	return w, nil
}

// NoncurrentRule is the tenant bucket's lifecycle rule that expires
// noncurrent versions as promised.
const NoncurrentRule = "tenant-versions-31d"

// TLSOnlyPolicy is the bucket policy the stack's EnforceSSL writes: deny
// every S3 action on the bucket and its objects to everyone when the
// request was not sent over TLS.
func TLSOnlyPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],`+
		`"Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}`, bucket)
}

func encryptBucket(ctx context.Context, c *s3.Client, bucket, algorithm, key string) error {
	def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(algorithm)}
	if key != "" {
		def.KMSMasterKeyID = aws.String(key)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: def}},
	}}); err != nil {
		return fmt.Errorf("default encryption %s on %s: %w", algorithm, bucket, err)
	}
	return nil
}

// seedParameterGroups creates the parameter groups and puts the
// scenario's databases (as SeedRDS made them) on them.
func seedParameterGroups(sim *awssim.Server) error {
	st := sim.RDS().State()
	seed := awssim.RDSSeed{
		ParameterGroups: []awssim.RDSParameterGroup{
			{DBParameterGroupName: OrdersParameterGroup, DBParameterGroupFamily: "postgres16", Description: "orders: TLS 1.2 or newer only",
				Parameters: map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}},
			{DBParameterGroupName: AnalyticsParameterGroup, DBParameterGroupFamily: "mysql8.0", Description: "analytics: carried over from MySQL 5.7",
				Parameters: map[string]string{"require_secure_transport": "0", "tls_version": "TLSv1,TLSv1.1,TLSv1.2"}},
		},
		ClusterParameterGroups: []awssim.RDSParameterGroup{
			{DBParameterGroupName: BillingClusterGroup, DBParameterGroupFamily: "aurora-postgresql16", Description: "billing: TLS 1.2 or newer only",
				Parameters: map[string]string{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}},
		},
	}
	groups := map[string]string{OrdersDB: OrdersParameterGroup, AnalyticsDB: AnalyticsParameterGroup}
	for _, in := range st.Instances {
		if g, ok := groups[in.DBInstanceIdentifier]; ok {
			in.DBParameterGroups = []string{g}
			seed.Instances = append(seed.Instances, in)
			delete(groups, in.DBInstanceIdentifier)
		}
	}
	for _, cl := range st.Clusters {
		if cl.DBClusterIdentifier == BillingDB {
			cl.DBClusterParameterGroup = BillingClusterGroup
			seed.Clusters = append(seed.Clusters, cl)
		}
	}
	if len(groups) > 0 || len(seed.Clusters) != 1 {
		return errors.New("seed verification: run SeedRDS first (orders-db, analytics-db and billing-aurora must exist)")
	}
	if err := sim.RDS().Seed(seed); err != nil {
		return fmt.Errorf("seed RDS parameter groups: %w", err)
	}
	return nil
}

// chronyInstance is an SSM managed instance answering `chronyc -c
// tracking` with a fixture.
func chronyInstance(id, fixture string) (awssim.SSMManagedInstance, error) {
	out, err := ChronyFixture(fixture)
	if err != nil {
		return awssim.SSMManagedInstance{}, err
	}
	return awssim.SSMManagedInstance{InstanceId: id, Commands: map[string]awssim.SSMCommandResult{check.ChronycCommand: {Stdout: out}}}, nil
}

// ChronyFixture returns one of the chrony package's captured `chronyc`
// outputs (shared/chrony/testdata/NAME), found from the repository root.
func ChronyFixture(name string) (string, error) {
	root, err := sandbox.Root()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, "shared", "chrony", "testdata", name))
	if err != nil {
		return "", fmt.Errorf("read chrony fixture: %w", err)
	}
	return string(b), nil
}

// FixDriftingClock is the scenario's change between two runs: the drifting
// instance's chrony follows the PTP hardware clock again, 2.1 µs off.
func FixDriftingClock(sim *awssim.Server) error {
	inst, err := chronyInstance(InstanceDrifting, chronyFixed)
	if err != nil {
		return err
	}
	if err := sim.SSM().Seed(awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{inst}}); err != nil {
		return fmt.Errorf("fix the drifting clock: %w", err)
	}
	return nil
}

// VerificationExpectations returns the verdicts the verifier must reach on
// the scenario as the simulator holds it now (after SeedVerification, and
// after any rotation: snapshots are read from the simulator's state, and
// judged by the database they belong to). Every FAIL and ERROR the
// scenario seeds is here; so are the good resources that must PASS.
func VerificationExpectations(sim *awssim.Server) []Expectation {
	account, region := awssim.DefaultAccountID, Config().Region
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
	}
	pass := func(id, res, reason, why string) Expectation {
		return Expectation{CheckID: id, Resource: res, Status: check.Pass, Reason: reason, Why: why}
	}
	fail := func(id, res, reason, why string) Expectation {
		return Expectation{CheckID: id, Resource: res, Status: check.Fail, Reason: reason, Why: why}
	}
	promised := Config().LogRetentionDays
	out := []Expectation{
		pass(check.TimeSyncChrony, arn("ec2", "instance/"+InstanceSynced), "169.254.169.123", "chrony follows Amazon Time Sync"),
		fail(check.TimeSyncChrony, arn("ec2", "instance/"+InstanceDrifting), "350ms fast", "chrony follows the PTP hardware clock but the clock is 0.35 s fast (threshold 100 ms)"),
		fail(check.TimeSyncChrony, arn("ec2", "instance/"+InstanceUnsynced), "not synchronised", "chronyd has no source"),
		pass(check.TimeSyncChrony, arn("ec2", "instance/"+InstanceNICT), "NICT's public NTP service (ntp.nict.jp) (133.243.238.164)", "chrony follows NICT's ntp.nict.jp, an accepted source"),
		pass(check.EBSEncryptionByDefault, arn("ec2", ""), "", "EBS encryption by default is on"),

		pass(check.RDSStorageEncrypted, arn("rds", "db:"+OrdersDB), "", "orders-db is encrypted"),
		pass(check.RDSStorageEncrypted, arn("rds", "cluster:"+BillingDB), "", "billing-aurora is encrypted"),
		fail(check.RDSStorageEncrypted, arn("rds", "db:"+AnalyticsDB), "", "analytics-db (MySQL) is not encrypted"),
		pass(check.RDSTLSEnforced, arn("rds", "db:"+OrdersDB), OrdersParameterGroup, "orders-db's parameter group forces TLS 1.2"),
		fail(check.RDSTLSEnforced, arn("rds", "db:"+AnalyticsDB), "require_secure_transport", "analytics-db is on a legacy group allowing plain text and TLS 1.0"),
		{CheckID: check.RDSTLSEnforced, Resource: arn("rds", "cluster:"+BillingDB), Status: check.Error, Reason: "DescribeDBClusterParameters",
			Why: "the verifier's role may not read cluster parameter groups (missing permission)"},
		pass(check.RDSPITRRetention, arn("rds", "db:"+OrdersDB), "", "orders-db keeps 7 days of point-in-time recovery, as promised"),
		fail(check.RDSPITRRetention, arn("rds", "cluster:"+BillingDB), "", "billing-aurora keeps 3 days of point-in-time recovery, 7 promised"),
		pass(check.RDSSnapshotFresh, arn("rds", "db:"+OrdersDB), "", "orders-db's newest managed snapshot is within two hours"),
		pass(check.RDSSnapshotFresh, arn("rds", "cluster:"+BillingDB), "", "billing-aurora's newest managed snapshot is within two hours"),

		pass(check.S3DefaultEncryption, "arn:aws:s3:::"+TenantBucket, "aws:kms", "the tenant bucket encrypts with SSE-KMS"),
		pass(check.S3TLSOnly, "arn:aws:s3:::"+TenantBucket, "", "the tenant bucket denies requests without TLS"),
		pass(check.S3DefaultEncryption, "arn:aws:s3:::"+EvidenceBucket, "AES-256", "the evidence bucket encrypts with SSE-S3"),
		pass(check.S3TLSOnly, "arn:aws:s3:::"+EvidenceBucket, "", "the evidence bucket denies requests without TLS"),
		pass(check.S3DefaultEncryption, "arn:aws:s3:::"+ExportsBucket, "AES-256", "the exports bucket encrypts with SSE-S3"),
		fail(check.S3TLSOnly, "arn:aws:s3:::"+ExportsBucket, "no bucket policy", "the exports bucket has no policy denying requests without TLS"),
		pass(check.S3NoncurrentRetention, "arn:aws:s3:::"+TenantBucket, NoncurrentRule, "the tenant bucket keeps noncurrent versions 31 days, as promised"),
		fail(check.S3NoncurrentRetention, "arn:aws:s3:::"+ExportsBucket, "versioning never enabled", "the exports bucket keeps no earlier versions"),

		pass(check.KMSKeyRotation, arn("kms", "key/"+KeyRotating), "within the 365 days allowed", "the orders data key rotates yearly"),
		fail(check.KMSKeyRotation, arn("kms", "key/"+KeyStatic), "", "the legacy exports key does not rotate"),
		pass(check.CloudTrailProtected, arn("cloudtrail", "trail/"+Trail), "", "the trail is multi-region, KMS-encrypted and validated"),
		pass(check.GuardDutyEnabled, arn("guardduty", ""), "", "GuardDuty is enabled"),

		pass(check.LogsRetention, arn("logs", "log-group:"+LogGroupForever), "never expires", "the audit log group never expires"),
		pass(check.LogsRetention, arn("logs", "log-group:"+LogGroupKept), fmt.Sprintf("%d days promised", promised), "the verifier's log group keeps 400 days, as promised for groups in no class"),
		fail(check.LogsRetention, arn("logs", "log-group:"+LogGroupShort), "180 days promised for application logs", "the access log group keeps 30 days, 180 promised for application logs"),
	}
	for _, lb := range sim.ELB().State().LoadBalancers {
		for _, l := range lb.Listeners {
			if l.Protocol != "HTTPS" {
				continue
			}
			switch lb.LoadBalancerName {
			case BalancerModern:
				out = append(out, pass(check.ELBTLS12Policy, l.ListenerArn, PolicyModern, "the tenants' listener allows TLS 1.2 and 1.3 only"))
			case BalancerLegacy:
				out = append(out, fail(check.ELBTLS12Policy, l.ListenerArn, PolicyLegacy, "the legacy API's listener allows TLS 1.0 and 1.1"))
			}
		}
	}
	for _, f := range LambdaFunctions {
		out = append(out, pass(check.TimeSyncManaged, arn("lambda", "function:"+f), "", "Lambda's clock is AWS's"))
	}
	st := sim.RDS().State()
	for _, in := range st.Instances {
		out = append(out, pass(check.TimeSyncManaged, in.DBInstanceArn, "", "RDS's clock is AWS's"))
	}
	for _, sn := range st.Snapshots {
		switch sn.DBInstanceIdentifier {
		case AnalyticsDB:
			out = append(out, fail(check.RDSSnapshotEncrypted, sn.DBSnapshotArn, "", "a snapshot of the unencrypted analytics-db"))
		case OrdersDB:
			out = append(out, pass(check.RDSSnapshotEncrypted, sn.DBSnapshotArn, "", "a snapshot of the encrypted orders-db"))
		}
	}
	for _, sn := range st.ClusterSnapshots {
		if sn.DBClusterIdentifier == BillingDB {
			out = append(out, pass(check.RDSSnapshotEncrypted, sn.DBClusterSnapshotArn, "", "a snapshot of the encrypted billing-aurora"))
		}
	}
	return out
}
