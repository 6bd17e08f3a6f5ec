package stack

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/finding"
)

// CloudTrailCall is one security-relevant API call the notifier is told of.
type CloudTrailCall struct {
	// EventSource is CloudTrail's eventSource, e.g. "s3.amazonaws.com".
	EventSource string
	// EventName is the API call, e.g. "PutBucketPolicy".
	EventName string
}

// CatalogueCalls returns the named calls of the notifier's catalogue
// (package finding, less the rules the configuration disables), console
// sign-in excluded (it has a pattern of its own) and so are the rules over
// calls of any service. The global-events stack forwards the global
// services' ones.
func CatalogueCalls(n config.Notifications) ([]CloudTrailCall, error) {
	cat, err := finding.Default().Without(n.Catalogue.Disable...)
	if err != nil {
		return nil, fmt.Errorf("notifications.catalogue.disable: %w", err)
	}
	var out []CloudTrailCall
	for _, r := range cat.Rules {
		if r.AnyCall || r.EventSource == "signin.amazonaws.com" {
			continue
		}
		for _, name := range r.EventNames {
			if c := (CloudTrailCall{EventSource: r.EventSource, EventName: name}); !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// CataloguePatterns returns the EventBridge patterns that deliver findings
// to the notifier: GuardDuty findings, and every call of the notifier's own
// catalogue (package finding, less the rules the configuration disables),
// one pattern per service and one per any-call rule, so that the rules and
// the notifier can never disagree.
func CataloguePatterns(n config.Notifications) ([]finding.EventPattern, error) {
	cat, err := finding.Default().Without(n.Catalogue.Disable...)
	if err != nil {
		return nil, fmt.Errorf("notifications.catalogue.disable: %w", err)
	}
	return cat.Patterns(), nil
}

// DefaultNotifierEvidenceKinds are the evidence kinds the notifier writes:
// "notice" for every notice sent and "finding" for the raw event of every
// finding it accepts.
var DefaultNotifierEvidenceKinds = []string{"notice", "finding"}

// FindingNotifierProps configures the notifier.
type FindingNotifierProps struct {
	FunctionProps
	// Registry is the tenant registry (the purger's table), read to route
	// findings to tenants.
	Registry awsdynamodb.ITable
	// Patterns deliver findings; nil means CataloguePatterns of the
	// configuration.
	Patterns []finding.EventPattern
}

// FindingNotifier is the finding-notifier function and what it owns.
type FindingNotifier interface {
	constructs.Construct
	// Function is the Lambda function.
	Function() awslambda.Function
	// Role is its execution role.
	Role() awsiam.Role
	// Ledger records each notice per finding and tenant.
	Ledger() awsdynamodb.Table
	// NoticeQueue carries one tenant notice per message.
	NoticeQueue() awssqs.Queue
	// Rules are the EventBridge rules that deliver findings.
	Rules() []awsevents.Rule
	// Alarms are its alarms.
	Alarms() []awscloudwatch.Alarm
}

type findingNotifier struct {
	constructs.Construct
	f      *function
	ledger awsdynamodb.Table
	queue  awssqs.Queue
	rules  []awsevents.Rule
}

func (n *findingNotifier) Function() awslambda.Function  { return n.f.fn }
func (n *findingNotifier) Role() awsiam.Role             { return n.f.role }
func (n *findingNotifier) Ledger() awsdynamodb.Table     { return n.ledger }
func (n *findingNotifier) NoticeQueue() awssqs.Queue     { return n.queue }
func (n *findingNotifier) Rules() []awsevents.Rule       { return n.rules }
func (n *findingNotifier) Alarms() []awscloudwatch.Alarm { return n.f.alarms }

// NewFindingNotifier creates the notifier: rules for GuardDuty findings,
// catalogued CloudTrail calls and root console sign-in; the notice ledger;
// the notice queue (one tenant notice per message) with its dead-letter
// queue; and an alarm when a notice is at risk of missing the promised time.
func NewFindingNotifier(scope constructs.Construct, id string, props *FindingNotifierProps) (FindingNotifier, error) {
	n := &findingNotifier{}
	constructs.NewConstruct_Override(n, scope, jsii.String(id))
	c := n
	cfg := props.Foundation.Config()
	n.ledger = awsdynamodb.NewTable(c, jsii.String("Ledger"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("finding_id"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:                          &awsdynamodb.Attribute{Name: jsii.String("tenant_id"), Type: awsdynamodb.AttributeType_STRING},
		TimeToLiveAttribute:              jsii.String("expires_at"),
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		Encryption:                       awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	})
	const timeout = time.Minute
	noticeDLQ := awssqs.NewQueue(c, jsii.String("NoticeDeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	n.queue = awssqs.NewQueue(c, jsii.String("NoticeQueue"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL: jsii.Bool(true),
		// Six times the timeout, as Lambda recommends for SQS sources.
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number((6 * timeout).Seconds())),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: noticeDLQ, MaxReceiveCount: jsii.Number(5)},
	})
	f, err := newFunction(c, &props.FunctionProps, functionSpec{
		name:        FindingNotifierName,
		description: "routes GuardDuty and CloudTrail findings to the affected tenants and notifies them within the promised time",
		memoryMB:    512,
		timeout:     timeout,
		// The notice queue's consumers plus room for finding events
		// (config.Config.ReservedConcurrency); a burst beyond it waits in
		// Lambda's asynchronous queue (retried for up to six hours).
		reserved: float64(cfg.ReservedConcurrency()[FindingNotifierName]),
		env:      map[string]string{config.EnvVar: cfg.Only(config.SectionNotifications, config.SectionTenants).Encode()},
		envToken: map[string]*string{
			EnvRegistryTable:  props.Registry.TableName(),
			EnvLedgerTable:    n.ledger.TableName(),
			EnvNoticeQueueURL: n.queue.QueueUrl(),
			EnvOpsTopicArn:    props.Foundation.OpsTopic().TopicArn(),
		},
	})
	if err != nil {
		return nil, err
	}
	n.f = f
	f.addQueueSource(n.queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(10),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(2),
	})

	patterns := props.Patterns
	if patterns == nil {
		var err error
		if patterns, err = CataloguePatterns(props.Foundation.Config().Notifications); err != nil {
			return nil, err
		}
	}
	target := func() *[]awsevents.IRuleTarget {
		return &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: f.dlq,
			RetryAttempts:   jsii.Number(8),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
		})}
	}
	for _, p := range patterns {
		pattern := &awsevents.EventPattern{DetailType: jsii.Strings(p.DetailType...)}
		if len(p.Source) > 0 {
			pattern.Source = jsii.Strings(p.Source...)
		}
		if len(p.Detail) > 0 {
			d := map[string]interface{}{}
			for k, v := range p.Detail {
				d[k] = v
			}
			pattern.Detail = &d
		}
		id := "Rule-" + ruleID(p.Name)
		n.rules = append(n.rules, awsevents.NewRule(c, jsii.String(id), &awsevents.RuleProps{
			Description: jsii.String("Pledge: findings for the notifier (" + p.Name + ")"), EventPattern: pattern, Targets: target(),
		}))
	}

	// Routing reads the registry through shared/tenant: GetItem for one
	// tenant, Query on the by_status index to list the tenants whose data is
	// still held (no Scan). Read-only.
	f.allow("ReadTenant", []string{"dynamodb:GetItem"}, &[]*string{props.Registry.TableArn()}, nil)
	f.allow("ListTenantsByStatus", []string{"dynamodb:Query"}, &[]*string{jsii.String(*props.Registry.TableArn() + "/index/" + RegistryStatusIndex)}, nil)
	// The notice ledger (shared/notify/ledger.go): conditional claims and
	// marks.
	f.allow("Ledger", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, &[]*string{n.ledger.TableArn()}, nil)
	// SendMessageBatch is authorised as sqs:SendMessage.
	f.allow("EnqueueNotices", []string{"sqs:SendMessage"}, &[]*string{n.queue.QueueArn()}, nil)
	sesIdentities, err := sesIdentityArns(cfg)
	if err != nil {
		return nil, err
	}
	// Notices are SES v2 SendEmail with simple content: ses:SendEmail.
	f.allow("SendNotices", []string{"ses:SendEmail"}, arns(sesIdentities...), fromSender(cfg))
	f.allowOpsPublish()
	kinds := props.EvidenceKinds
	if kinds == nil {
		kinds = DefaultNotifierEvidenceKinds
	}
	evidenceNag := f.allowEvidence(kinds, false)
	lookupNag := allowTagLookups(f, cfg.Region)

	if _, err := f.alarm(alarmSpec{
		id: "NoticeAtRiskAlarm", name: "notice-at-risk", what: "a tenant notice is at risk of missing the promised notice time.",
		metric:    f.pledgeMetric("NoticeAtRisk", "Maximum", 5*time.Minute, nil),
		threshold: 0, comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		missing: MissingIsSilence,
	}); err != nil {
		return nil, err
	}
	if _, err := f.alarm(alarmSpec{
		id: "UnroutedFindingAlarm", name: "findings-unrouted",
		what: "a finding about resources that are no known tenant's reached ops only (unrouted); " +
			"tag the resources with the tenant tag or register them as a tenant's shared resources. The ops message names them.",
		metric:    f.pledgeMetric("FindingsUnrouted", "Sum", 5*time.Minute, nil),
		threshold: 0, comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		missing: MissingIsSilence,
	}); err != nil {
		return nil, err
	}
	if err := f.alarmOnQueue("NoticeDeadLetterQueueAlarm", "notice-dead-letters", noticeDLQ, "a tenant notice failed five times and waits in the notice dead-letter queue"); err != nil {
		return nil, err
	}

	suppress(f.role, true, suppression{
		id: "AwsSolutions-IAM5",
		reason: "Evidence writes are limited to keys under the notifier's own evidence kinds, whose names are only known at run time. " +
			"Tag lookups are read-only and must reach whichever resource a finding names, so they name each service's resource type " +
			"in the stack's region and account (ec2:DescribeTags supports no resource type).",
		appliesTo: append(evidenceNag, lookupNag...),
	})
	return n, nil
}

// ruleID turns a pattern name ("s3", "api/UnauthorizedCalls") into a
// construct id.
func ruleID(name string) string {
	var b []rune
	up := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z' && up:
			b, up = append(b, r-'a'+'A'), false
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b, up = append(b, r), false
		default:
			up = true
		}
	}
	return string(b)
}

// TagLookupActions are the read-only calls shared/resourcetag makes to read
// the tags of a finding's resources, each granted on its service's resource
// type only.
var TagLookupActions = []string{
	"ec2:DescribeTags", "eks:DescribeCluster", "rds:ListTagsForResource", "lambda:ListTags",
	"ecs:ListTagsForResource", "iam:ListUserTags", "iam:ListRoleTags", "iam:GetAccessKeyLastUsed",
}

// allowTagLookups grants the tag lookups (shared/resourcetag) and returns
// the cdk-nag IAM5 findings they cause.
func allowTagLookups(f *function, region string) []interface{} {
	var nag []string
	pat := func(p string) arnPattern {
		a := arnPattern(p)
		nag = append(nag, a.nagResource())
		return a
	}
	// DescribeTags supports no resource-level permissions.
	f.allow("LookUpEC2Tags", []string{"ec2:DescribeTags"}, jsii.Strings("*"), nil)
	nag = append(nag, "Resource::*")
	f.allow("LookUpEKSClusterTags", []string{"eks:DescribeCluster"}, arns(pat("arn:{partition}:eks:"+region+":{account}:cluster/*")), nil)
	f.allow("LookUpRDSTags", []string{"rds:ListTagsForResource"}, arns(
		pat("arn:{partition}:rds:"+region+":{account}:db:*"), pat("arn:{partition}:rds:"+region+":{account}:cluster:*"),
		pat("arn:{partition}:rds:"+region+":{account}:snapshot:*"), pat("arn:{partition}:rds:"+region+":{account}:cluster-snapshot:*"),
	), nil)
	f.allow("LookUpLambdaTags", []string{"lambda:ListTags"}, arns(pat("arn:{partition}:lambda:"+region+":{account}:function:*")), nil)
	f.allow("LookUpECSTags", []string{"ecs:ListTagsForResource"}, arns(
		pat("arn:{partition}:ecs:"+region+":{account}:cluster/*"), pat("arn:{partition}:ecs:"+region+":{account}:task/*"),
	), nil)
	// IAM is global: its ARNs have no region.
	f.allow("LookUpIAMUserTags", []string{"iam:ListUserTags", "iam:GetAccessKeyLastUsed"}, arns(pat("arn:{partition}:iam::{account}:user/*")), nil)
	f.allow("LookUpIAMRoleTags", []string{"iam:ListRoleTags"}, arns(pat("arn:{partition}:iam::{account}:role/*")), nil)
	return strs(nag...)
}

// serviceOf returns "s3" for "s3.amazonaws.com".
func serviceOf(eventSource string) string {
	for i := 0; i < len(eventSource); i++ {
		if eventSource[i] == '.' {
			return eventSource[:i]
		}
	}
	return eventSource
}

func appendUnique(ss []string, s string) []string {
	if slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}
