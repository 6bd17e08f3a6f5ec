package stack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/pledge-dev/pledge/shared/metrics"
)

// The functions' names: the directory under CodeRoot that holds each
// bootstrap, the value of the EMF "Function" dimension, and the construct
// ids.
const (
	SnapshotRotatorName    = "snapshot-rotator"
	TenantPurgerName       = "tenant-purger"
	FindingNotifierName    = "finding-notifier"
	ComplianceVerifierName = "compliance-verifier"
)

// FunctionNames lists every function, in build order.
var FunctionNames = []string{SnapshotRotatorName, TenantPurgerName, FindingNotifierName, ComplianceVerifierName, EvidenceReporterName}

// Environment variables the stack sets, besides config.EnvVar.
const (
	EnvEvidenceBucket = "PLEDGE_EVIDENCE_BUCKET"
	EnvOpsTopicArn    = "PLEDGE_OPS_TOPIC_ARN"
	EnvRegistryTable  = "PLEDGE_REGISTRY_TABLE"
	EnvPurgeQueueURL  = "PLEDGE_PURGE_QUEUE_URL"
	EnvSigningKeyID   = "PLEDGE_SIGNING_KEY_ID"
	EnvLedgerTable    = "PLEDGE_LEDGER_TABLE"
	EnvNoticeQueueURL = "PLEDGE_NOTICE_QUEUE_URL"
)

// FunctionProps is what every function construct takes.
type FunctionProps struct {
	// Foundation supplies configuration, the ops topic and evidence bucket.
	Foundation Foundation
	// CodeDir is the directory holding the function's arm64 `bootstrap`
	// (the Makefile builds bin/<name>/bootstrap). It must exist at synth.
	CodeDir string
	// EvidenceKinds are the evidence record kinds (top-level key prefixes
	// in the evidence bucket, see shared/evidence) the function may write;
	// nil means the construct's default.
	EvidenceKinds []string
}

// function is one Pledge Lambda function with what every function owns: an
// execution role, a log group, a dead-letter queue and an error alarm.
type function struct {
	construct constructs.Construct
	name      string
	found     Foundation
	fn        awslambda.Function
	role      awsiam.Role
	logGroup  awslogs.LogGroup
	dlq       awssqs.Queue
	// scheduleRole is created with the first schedule.
	scheduleRole awsiam.Role
	alarms       []awscloudwatch.Alarm
}

type functionSpec struct {
	name        string
	description string
	memoryMB    float64
	timeout     time.Duration
	// reserved concurrency; 0 leaves the function unreserved.
	reserved float64
	env      map[string]string
	envToken map[string]*string
}

func newFunction(c constructs.Construct, p *FunctionProps, s functionSpec) (*function, error) {
	if p == nil || p.Foundation == nil {
		return nil, fmt.Errorf("%s: no foundation", s.name)
	}
	if st, err := os.Stat(p.CodeDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: code directory %q does not exist: build the function first (make build), or pass an existing directory", s.name, p.CodeDir)
	}
	if _, err := os.Stat(filepath.Join(p.CodeDir, "bootstrap")); err != nil {
		return nil, fmt.Errorf("%s: %s has no bootstrap executable: build the function first (make build)", s.name, p.CodeDir)
	}
	cfg := p.Foundation.Config()
	retention, err := logRetention(cfg.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	f := &function{construct: c, name: s.name, found: p.Foundation}
	f.logGroup = awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	f.role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Pledge " + s.name + ": execution role"),
	})
	f.logGroup.GrantWrite(f.role)
	f.dlq = awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})

	env := map[string]*string{EnvEvidenceBucket: p.Foundation.EvidenceBucket().BucketName()}
	for k, v := range s.env {
		env[k] = jsii.String(v)
	}
	for k, v := range s.envToken {
		env[k] = v
	}
	var reserved *float64
	if s.reserved > 0 {
		reserved = jsii.Number(s.reserved)
	}
	f.fn = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String("Pledge " + s.name + ": " + s.description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(p.CodeDir), nil),
		MemorySize:                   jsii.Number(s.memoryMB),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(s.timeout.Seconds())),
		ReservedConcurrentExecutions: reserved,
		Role:                         f.role,
		LogGroup:                     f.logGroup,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:             awslambda.SystemLogLevel_WARN,
		DeadLetterQueue:              f.dlq,
		Environment:                  &env,
	})

	if _, err := f.alarm(alarmSpec{
		id: "ErrorsAlarm", name: "errors", what: s.name + " returned an error: read its log group.",
		metric:    f.fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}),
		threshold: 0, comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		missing: MissingIsSilence,
	}); err != nil {
		return nil, err
	}
	if err := f.alarmOnQueue("DeadLetterQueueAlarm", "dead-letters", f.dlq, "an invocation of Pledge "+s.name+" failed every retry and waits in its dead-letter queue"); err != nil {
		return nil, err
	}
	suppress(f.fn, true,
		suppression{id: "Serverless-LambdaTracing",
			reason: "The functions carry no X-Ray SDK, so active tracing would record only Lambda's own segment, for X-Ray's price and a wildcard xray:Put* grant; each run is traced by its JSON logs with the request id, EMF metrics and its evidence record."})
	return f, nil
}

// alarmOnQueue alarms as soon as a message is visible in q, a dead-letter
// queue, and records on q why it has no dead-letter queue of its own. SQS
// stops sending metrics for a queue that stays empty and idle, so missing
// data is silence.
func (f *function) alarmOnQueue(id, name string, q awssqs.IQueue, what string) error {
	suppress(q, true, suppression{id: "Serverless-SQSRedrivePolicy",
		reason: "This is a dead-letter queue: a queue behind it would only move the failed message again; its alarm notifies ops at the first message, which stays 14 days for replay."})
	_, err := f.alarm(alarmSpec{
		id: id, name: name, what: what + ".",
		metric:    q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum")}),
		threshold: 0, comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		missing: MissingIsSilence,
	})
	return err
}

// addQueueSource makes q an event source of the function and records why
// the mapping has no on-failure destination.
func (f *function) addQueueSource(q awssqs.IQueue, props *awslambdaeventsources.SqsEventSourceProps) {
	f.fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(q, props))
	suppress(f.fn, true, suppression{id: "Serverless-LambdaEventSourceMappingDestination",
		reason: "Lambda supports on-failure destinations for stream and Kafka sources only; this SQS source's failed messages go to the queue's redrive dead-letter queue after five receives, which alarms."})
}

// pledgeMetric is an EMF metric the function emits (namespace Pledge,
// dimension Function=<name> plus extra).
func (f *function) pledgeMetric(name, statistic string, period time.Duration, extra map[string]string) awscloudwatch.Metric {
	dims := map[string]interface{}{"Function": f.name}
	for k, v := range extra {
		dims[k] = v
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String(metrics.Namespace),
		MetricName: jsii.String(name),
		DimensionsMap: func() *map[string]*string {
			m := map[string]*string{}
			for k, v := range dims {
				m[k] = jsii.String(v.(string))
			}
			return &m
		}(),
		Statistic: jsii.String(statistic),
		Period:    awscdk.Duration_Seconds(jsii.Number(period.Seconds())),
	})
}

// allow adds a statement to the execution role.
func (f *function) allow(sid string, actions []string, resources *[]*string, conditions map[string]interface{}) {
	props := &awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings(actions...),
		Resources: resources,
	}
	if conditions != nil {
		props.Conditions = &conditions
	}
	f.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
}

// allowOpsPublish lets the function publish to the ops topic, and use the
// key of the stack's own topic (an imported topic's key is the
// operator's to grant).
func (f *function) allowOpsPublish() {
	f.allow("PublishToOps", []string{"sns:Publish"}, &[]*string{f.found.OpsTopic().TopicArn()}, nil)
	if key := f.found.OpsTopicKey(); key != nil {
		f.allow("EncryptForOpsTopic", []string{"kms:GenerateDataKey", "kms:Decrypt"}, &[]*string{key.KeyArn()}, nil)
	}
}

// allowEvidence lets the function write (and, with read, read) evidence of
// the given kinds only, and returns the cdk-nag findings those prefix
// wildcards raise.
func (f *function) allowEvidence(kinds []string, read bool) []interface{} {
	var res []*string
	var nag []interface{}
	for _, k := range kinds {
		res = append(res, f.found.EvidenceBucket().ArnForObjects(jsii.String(k+"/*")))
		nag = append(nag, &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::.*\/` + regexp.QuoteMeta(k) + `\/\*$/`)})
	}
	actions := []string{"s3:PutObject"}
	if read {
		actions = append(actions, "s3:GetObject")
	}
	f.allow("Evidence", actions, &res, nil)
	return nag
}

// scheduleInput is the payload a schedule delivers: the shape of an
// EventBridge "Scheduled Event", filled with Scheduler's context attributes
// so that the function knows the slot it runs for.
func scheduleInput(region, schedule string, detail map[string]string) (string, error) {
	d := map[string]string{"schedule": schedule}
	for k, v := range detail {
		d[k] = v
	}
	ev := struct {
		Version    string            `json:"version"`
		ID         string            `json:"id"`
		DetailType string            `json:"detail-type"`
		Source     string            `json:"source"`
		Account    string            `json:"account"`
		Time       string            `json:"time"`
		Region     string            `json:"region"`
		Resources  []string          `json:"resources"`
		Detail     map[string]string `json:"detail"`
	}{"0", "<aws.scheduler.execution-id>", "Scheduled Event", "aws.scheduler", *awscdk.Aws_ACCOUNT_ID(),
		"<aws.scheduler.scheduled-time>", region, []string{"<aws.scheduler.schedule-arn>"}, d}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // Scheduler's placeholders are <...>.
	if err := enc.Encode(ev); err != nil {
		return "", fmt.Errorf("encode schedule input: %w", err)
	}
	return string(bytes.TrimSpace(b.Bytes())), nil
}

// ScheduleName is a schedule's name in the stage's group: the function's
// name and job joined with '-' ("snapshot-rotator-gfs-24h-7d-4w").
func ScheduleName(job string) string { return strings.ReplaceAll(job, "/", "-") }

// addSchedule creates an EventBridge Scheduler schedule named
// ScheduleName(name) in the stage's group, that invokes the function in
// the configured timezone, retrying and then dead-lettering. The role it
// assumes trusts the scheduler service only for this function's schedules
// (aws:SourceArn) in this account (aws:SourceAccount).
func (f *function) addSchedule(id, name, expr string, detail map[string]string) (awsscheduler.CfnSchedule, error) {
	cfg := f.found.Config()
	group := f.found.ScheduleGroup()
	scheduleName := ScheduleName(name)
	arn := arnPattern("arn:{partition}:scheduler:" + cfg.Region + ":{account}:schedule/" + f.found.Naming().ScheduleGroup() + "/" + scheduleName).String()
	trust := func() *map[string]interface{} {
		return &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnEquals":    map[string]interface{}{"aws:SourceArn": arn},
		}
	}
	if f.scheduleRole == nil {
		f.scheduleRole = awsiam.NewRole(f.construct, jsii.String("SchedulerRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{Conditions: trust()}),
			Description: jsii.String("Pledge " + f.name + ": lets EventBridge Scheduler invoke the function"),
		})
		f.scheduleRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeFunction"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{f.fn.FunctionArn()},
		}))
		f.scheduleRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DeadLetter"),
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: &[]*string{f.dlq.QueueArn()},
		}))
	} else {
		// One more schedule of the same function: trust it too.
		f.scheduleRole.AssumeRolePolicy().AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("sts:AssumeRole"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil)},
			Conditions: trust(),
		}))
	}
	input, err := scheduleInput(cfg.Region, name, detail)
	if err != nil {
		return nil, err
	}
	sc := awsscheduler.NewCfnSchedule(f.construct, jsii.String(id), &awsscheduler.CfnScheduleProps{
		Name:                       jsii.String(scheduleName),
		GroupName:                  group.Name(),
		Description:                jsii.String("Pledge " + name),
		ScheduleExpression:         jsii.String(expr),
		ScheduleExpressionTimezone: jsii.String(cfg.Timezone),
		FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:                      jsii.String("ENABLED"),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     f.fn.FunctionArn(),
			RoleArn: f.scheduleRole.RoleArn(),
			Input:   jsii.String(input),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(3),
				MaximumEventAgeInSeconds: jsii.Number(3600),
			},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: f.dlq.QueueArn()},
		},
	})
	sc.AddResourceDependency(group, jsii.String("the schedule lives in the stage's group"))
	return sc, nil
}

// staleAlarmShape returns the period, evaluation periods and datapoints to
// alarm for "no fresh value within 2 x interval": one period of 2 x interval
// when that fits CloudWatch's one-day maximum period, otherwise consecutive
// one-day periods covering 2 x interval (at most 7).
func staleAlarmShape(interval time.Duration) (period time.Duration, n int) {
	window := 2 * interval
	if window < 2*time.Minute {
		window = 2 * time.Minute
	}
	if window <= 24*time.Hour {
		// Whole minutes: CloudWatch periods are multiples of 60 s.
		return window.Truncate(time.Minute), 1
	}
	n = int(math.Ceil(window.Hours() / 24))
	if n > 7 {
		n = 7
	}
	return 24 * time.Hour, n
}
