package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
)

// FoundationProps configures the resources every function shares.
type FoundationProps struct {
	// Config is the validated configuration.
	Config config.Config
}

// Foundation is what every function construct builds on: the configuration,
// the ops topic and the evidence bucket.
type Foundation interface {
	constructs.Construct
	// Config returns the validated configuration.
	Config() config.Config
	// Naming derives the stage's physical names.
	Naming() Naming
	// OpsTopic is the SNS topic that alarms and functions report to: the
	// stack's own, or the one config.Notifications.OpsTopicArn names.
	OpsTopic() awssns.ITopic
	// OpsTopicKey is the customer-managed KMS key that encrypts OpsTopic;
	// publishers need kms:GenerateDataKey and kms:Decrypt on it. Nil when
	// the topic is imported (its key, if any, is the operator's).
	OpsTopicKey() awskms.IKey
	// ScheduleGroup holds every schedule of the stage.
	ScheduleGroup() awsscheduler.CfnScheduleGroup
	// EvidenceBucket holds evidence under Object Lock (created or imported).
	EvidenceBucket() awss3.IBucket
	// AccessLogBucket receives the evidence bucket's server access logs; nil
	// when the evidence bucket is imported.
	AccessLogBucket() awss3.IBucket
}

type foundation struct {
	constructs.Construct
	cfg       config.Config
	topic     awssns.ITopic
	key       awskms.Key
	group     awsscheduler.CfnScheduleGroup
	evidence  awss3.IBucket
	accessLog awss3.IBucket
}

func (f *foundation) Config() config.Config                        { return f.cfg }
func (f *foundation) Naming() Naming                               { return NamingFor(f.cfg) }
func (f *foundation) OpsTopic() awssns.ITopic                      { return f.topic }
func (f *foundation) ScheduleGroup() awsscheduler.CfnScheduleGroup { return f.group }
func (f *foundation) OpsTopicKey() awskms.IKey {
	if f.key == nil {
		return nil
	}
	return f.key
}
func (f *foundation) EvidenceBucket() awss3.IBucket  { return f.evidence }
func (f *foundation) AccessLogBucket() awss3.IBucket { return f.accessLog }

// NewFoundation creates the stage's schedule group, the ops topic
// (encrypted with a rotating customer-managed key, TLS-only, with the
// configured e-mail subscriptions) unless config.Notifications.OpsTopicArn
// names one, and the evidence bucket, or imports the bucket
// config.Evidence.Bucket names.
//
// The evidence bucket has Object Lock in compliance mode for
// config.Evidence.RetentionDays, versioning, blocked public access, a
// TLS-1.2-only policy, server access logs to a separate bucket, and S3-managed
// encryption (SSE-S3): evidence must stay readable for the whole lock period,
// and with a customer-managed key a disabled or deleted key would leave
// records that can neither be read nor removed, while every writer would
// also need key grants. Integrity comes from Object Lock, not from the key.
func NewFoundation(scope constructs.Construct, id string, props *FoundationProps) Foundation {
	cfg := props.Config
	f := &foundation{cfg: cfg}
	constructs.NewConstruct_Override(f, scope, jsii.String(id))
	c := f

	f.group = awsscheduler.NewCfnScheduleGroup(c, jsii.String("ScheduleGroup"), &awsscheduler.CfnScheduleGroupProps{
		Name: jsii.String(f.Naming().ScheduleGroup()),
	})
	if arn := cfg.Notifications.OpsTopicArn; arn != "" {
		// The operator's topic: its subscriptions, policy and key are
		// theirs (preflight checks it has confirmed subscribers).
		f.topic = awssns.Topic_FromTopicArn(c, jsii.String("OpsTopic"), jsii.String(arn))
	} else {
		f.newOpsTopic(c)
	}

	if cfg.Evidence.Bucket != "" {
		f.evidence = awss3.Bucket_FromBucketName(c, jsii.String("EvidenceBucket"), jsii.String(cfg.Evidence.Bucket))
		return f
	}
	f.accessLog = awss3.NewBucket(c, jsii.String("AccessLogBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("expire-access-logs-with-evidence"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(float64(cfg.Evidence.RetentionDays))),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	f.evidence = awss3.NewBucket(c, jsii.String("EvidenceBucket"), &awss3.BucketProps{
		ObjectLockEnabled:          jsii.Bool(true),
		ObjectLockDefaultRetention: awss3.ObjectLockRetention_Compliance(awscdk.Duration_Days(jsii.Number(float64(cfg.Evidence.RetentionDays)))),
		Versioned:                  jsii.Bool(true),
		Encryption:                 awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:          awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:                 jsii.Bool(true),
		MinimumTLSVersion:          jsii.Number(1.2),
		ObjectOwnership:            awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket:     f.accessLog,
		ServerAccessLogsPrefix:     jsii.String("evidence/"),
		RemovalPolicy:              awscdk.RemovalPolicy_RETAIN,
	})
	return f
}

// newOpsTopic creates the stack's ops topic, its key, and the configured
// e-mail subscriptions.
func (f *foundation) newOpsTopic(c constructs.Construct) {
	f.topic, f.key = newEmailTopic(c, f.cfg, "Pledge ops ("+f.cfg.Stage+")")
}

// newEmailTopic creates an SNS topic encrypted with a rotating
// customer-managed key that CloudWatch alarms may use, TLS-only, with a
// subscription for each notifications.opsEmails address.
func newEmailTopic(c constructs.Construct, cfg config.Config, display string) (awssns.Topic, awskms.Key) {
	key := awskms.NewKey(c, jsii.String("OpsTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Pledge " + cfg.Stage + ": encrypts the ops SNS topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	// CloudWatch alarms publish to the encrypted topic as the service.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
	}), nil)
	topic := awssns.NewTopic(c, jsii.String("OpsTopic"), &awssns.TopicProps{
		DisplayName: jsii.String(display),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
	}))
	for _, email := range cfg.Notifications.OpsEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	suppress(topic, true, suppression{id: "Serverless-SNSRedrivePolicy",
		reason: "The subscriptions are ops e-mail addresses: SNS retries e-mail delivery itself, and a dead-letter queue of undelivered alarms would need a watcher of its own that could only alert through this same topic; preflight checks every subscription is confirmed."})
	return topic, key
}
