package stack

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
)

// Tenant lifecycle events the SaaS control plane puts on the default bus.
const (
	TenantLifecycleSource = "pledge.tenant-lifecycle"
	// RegistryStatusIndex is the registry's index by status and purge due date.
	RegistryStatusIndex = "by_status"
)

// TenantLifecycleDetailTypes are the lifecycle events the purger consumes.
var TenantLifecycleDetailTypes = []string{"Tenant Registered", "Tenant Terminated", "Tenant Reinstated", "Tenant Contact Changed"}

// DefaultPurgerEvidenceKinds are the evidence kinds the purger writes.
var DefaultPurgerEvidenceKinds = []string{"deletion-certificate", "deletion-manifest", "purge-run"}

// TenantPurger is the tenant-purger function and what it owns.
type TenantPurger interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Registry is the tenant registry table (created or imported).
	Registry() awsdynamodb.ITable
	// PurgeQueue carries one tenant per message.
	PurgeQueue() awssqs.Queue
	// SigningKey signs deletion certificates (ECDSA P-256).
	SigningKey() awskms.Key
	// Alarms are its alarms.
	Alarms() []awscloudwatch.Alarm
}

type tenantPurger struct {
	constructs.Construct
	f        *function
	registry awsdynamodb.ITable
	queue    awssqs.Queue
	key      awskms.Key
}

func (p *tenantPurger) Function() awslambda.Function  { return p.f.fn }
func (p *tenantPurger) Role() awsiam.Role             { return p.f.role }
func (p *tenantPurger) Registry() awsdynamodb.ITable  { return p.registry }
func (p *tenantPurger) PurgeQueue() awssqs.Queue      { return p.queue }
func (p *tenantPurger) SigningKey() awskms.Key        { return p.key }
func (p *tenantPurger) Alarms() []awscloudwatch.Alarm { return p.f.alarms }

// NewTenantPurger creates the purger: the tenant registry (unless
// config.Tenants.RegistryTable names one), the purge queue and its
// dead-letter queue, the daily sweep schedule, the lifecycle-event rule, the
// certificate signing key, IAM that deletes only under the configured
// buckets' tenant prefixes, and an alarm days before a purge deadline.
func NewTenantPurger(scope constructs.Construct, id string, props *FunctionProps) (TenantPurger, error) {
	p := &tenantPurger{}
	constructs.NewConstruct_Override(p, scope, jsii.String(id))
	c := p
	cfg := props.Foundation.Config()

	if cfg.Tenants.RegistryTable != "" {
		p.registry = awsdynamodb.Table_FromTableAttributes(c, jsii.String("Registry"), &awsdynamodb.TableAttributes{
			TableName:     jsii.String(cfg.Tenants.RegistryTable),
			GlobalIndexes: jsii.Strings(RegistryStatusIndex),
		})
	} else {
		t := awsdynamodb.NewTable(c, jsii.String("Registry"), &awsdynamodb.TableProps{
			PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("tenant_id"), Type: awsdynamodb.AttributeType_STRING},
			BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
			Encryption:                       awsdynamodb.TableEncryption_AWS_MANAGED,
			DeletionProtection:               jsii.Bool(true),
			RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
		})
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(RegistryStatusIndex),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("status"), Type: awsdynamodb.AttributeType_STRING},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String("purge_due"), Type: awsdynamodb.AttributeType_STRING},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
		p.registry = t
	}

	const timeout = 15 * time.Minute
	queueDLQ := awssqs.NewQueue(c, jsii.String("PurgeDeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	p.queue = awssqs.NewQueue(c, jsii.String("PurgeQueue"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number((timeout + time.Minute).Seconds())),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(14)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: queueDLQ, MaxReceiveCount: jsii.Number(5)},
	})
	p.key = awskms.NewKey(c, jsii.String("SigningKey"), &awskms.KeyProps{
		Description:   jsii.String("Pledge: signs tenant deletion certificates (ECDSA P-256, SHA-256)"),
		KeySpec:       awskms.KeySpec_ECC_NIST_P256,
		KeyUsage:      awskms.KeyUsage_SIGN_VERIFY,
		Alias:         jsii.String(props.Foundation.Naming().SigningKeyAlias()),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	f, err := newFunction(c, props, functionSpec{
		name:        TenantPurgerName,
		description: "purges terminated tenants' data after the grace period and issues signed deletion certificates",
		memoryMB:    1024,
		timeout:     timeout,
		// The purge queue's consumers plus one for the sweep and
		// lifecycle events (config.Config.ReservedConcurrency).
		reserved: float64(cfg.ReservedConcurrency()[TenantPurgerName]),
		env:      map[string]string{config.EnvVar: cfg.Only(config.SectionTenants, config.SectionBackup, config.SectionNotifications).Encode()},
		envToken: map[string]*string{
			EnvRegistryTable: p.registry.TableName(),
			EnvPurgeQueueURL: p.queue.QueueUrl(),
			EnvSigningKeyID:  p.key.KeyId(),
			EnvOpsTopicArn:   props.Foundation.OpsTopic().TopicArn(),
		},
	})
	if err != nil {
		return nil, err
	}
	p.f = f

	concurrency := purgeQueueConcurrency(cfg)
	f.addQueueSource(p.queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(float64(concurrency)),
	})
	if _, err := f.addSchedule("Schedule", TenantPurgerName+"/sweep", cfg.Tenants.Schedule, nil); err != nil {
		return nil, err
	}
	awsevents.NewRule(c, jsii.String("LifecycleRule"), &awsevents.RuleProps{
		Description: jsii.String("Pledge: tenant lifecycle events from the SaaS control plane feed the tenant registry"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(TenantLifecycleSource),
			DetailType: jsii.Strings(TenantLifecycleDetailTypes...),
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: f.dlq,
			RetryAttempts:   jsii.Number(8),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})

	// Registry (shared/tenant): conditional state transitions and
	// checkpoints on the tenant's item; the sweep queries the by_status
	// index.
	f.allow("Registry", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, &[]*string{p.registry.TableArn()}, nil)
	f.allow("SweepRegistry", []string{"dynamodb:Query"}, &[]*string{jsii.String(*p.registry.TableArn() + "/index/" + RegistryStatusIndex)}, nil)

	// Tenant data (shared/purge): ListObjectVersions only under the
	// template's tenant prefixes; GetObjectLockConfiguration on the bucket;
	// GetObjectRetention, GetObjectLegalHold and DeleteObjects (versions and
	// delete markers by version id) only on keys under them.
	tenantKeys := strings.Replace(cfg.Tenants.PrefixTemplate, config.TenantPlaceholder, "*", 1) + "*"
	var buckets, objects []arnPattern
	for _, b := range cfg.Tenants.Buckets {
		buckets = append(buckets, arnPattern("arn:{partition}:s3:::"+b))
		objects = append(objects, arnPattern("arn:{partition}:s3:::"+b+"/"+tenantKeys))
	}
	f.allow("ListTenantPrefixes", []string{"s3:ListBucketVersions"}, arns(buckets...),
		map[string]interface{}{"StringLike": map[string]interface{}{"s3:prefix": tenantKeys}})
	f.allow("ReadTenantBucketLock", []string{"s3:GetBucketObjectLockConfiguration"}, arns(buckets...), nil)
	f.allow("DeleteTenantObjects", []string{
		"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold",
	}, arns(objects...), nil)
	// shared/certificate signs the manifest's SHA-256 digest with
	// ECDSA_SHA_256: nothing else may be signed with the key.
	f.allow("SignCertificates", []string{"kms:Sign"}, &[]*string{p.key.KeyArn()}, map[string]interface{}{
		"StringEquals": map[string]interface{}{"kms:SigningAlgorithm": SigningAlgorithm, "kms:MessageType": SigningMessageType},
	})
	f.allow("ReadSigningKey", []string{"kms:GetPublicKey"}, &[]*string{p.key.KeyArn()}, nil)
	// SendMessageBatch (the sweep) is authorised as sqs:SendMessage.
	f.allow("EnqueuePurges", []string{"sqs:SendMessage"}, &[]*string{p.queue.QueueArn()}, nil)
	sesIdentities, err := sesIdentityArns(cfg)
	if err != nil {
		return nil, err
	}
	// Certificates go out as SES v2 SendEmail with raw MIME content (the
	// certificate attached), which SES authorises as ses:SendRawEmail;
	// ses:SendEmail is the operation itself.
	f.allow("MailCertificates", []string{"ses:SendEmail", "ses:SendRawEmail"}, arns(sesIdentities...), fromSender(cfg))
	f.allowOpsPublish()
	kinds := props.EvidenceKinds
	if kinds == nil {
		kinds = DefaultPurgerEvidenceKinds
	}
	evidenceNag := f.allowEvidence(kinds, false)

	if err := f.deadlineAlarm(cfg); err != nil {
		return nil, err
	}
	if err := f.alarmOnQueue("PurgeDeadLetterQueueAlarm", "purge-dead-letters", queueDLQ, "a tenant purge failed five times and waits in the purge dead-letter queue"); err != nil {
		return nil, err
	}

	var objectNag []string
	for _, o := range objects {
		objectNag = append(objectNag, o.nagResource())
	}
	suppress(f.role, true, suppression{
		id: "AwsSolutions-IAM5",
		reason: "Tenant ids are only known at run time, so object permissions name every configured tenant bucket but only keys under the prefix template (" +
			cfg.Tenants.PrefixTemplate + " with the tenant as the wildcard), never a neighbouring prefix or the bucket root; evidence writes are limited to the purger's kinds.",
		appliesTo: append(strs(objectNag...), evidenceNag...),
	})
	return p, nil
}

// sesIdentityArns returns the SES identities the sender may be verified
// under: the address and its domain.
func sesIdentityArns(cfg config.Config) ([]arnPattern, error) {
	a, err := mail.ParseAddress(cfg.Notifications.Sender)
	if err != nil {
		return nil, fmt.Errorf("notifications.sender: %q is not an address: %w", cfg.Notifications.Sender, err)
	}
	at := strings.LastIndex(a.Address, "@")
	base := "arn:{partition}:ses:" + cfg.Region + ":{account}:identity/"
	return []arnPattern{arnPattern(base + a.Address), arnPattern(base + a.Address[at+1:])}, nil
}
