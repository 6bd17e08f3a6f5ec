package stack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/finding"
)

// GlobalEventSources are the CloudTrail event sources of global services:
// AWS delivers their events to EventBridge in us-east-1 only, whatever the
// home region.
var GlobalEventSources = []string{
	"iam.amazonaws.com", "signin.amazonaws.com", "organizations.amazonaws.com",
	"cloudfront.amazonaws.com", "route53.amazonaws.com", "sts.amazonaws.com",
}

// GlobalCalls returns the calls of the notifier's catalogue (CatalogueCalls,
// console sign-in excluded: it has a rule of its own) whose events are
// delivered in us-east-1 only.
func GlobalCalls(n config.Notifications) ([]CloudTrailCall, error) {
	calls, err := CatalogueCalls(n)
	if err != nil {
		return nil, err
	}
	var out []CloudTrailCall
	for _, c := range calls {
		if slices.Contains(GlobalEventSources, c.EventSource) {
			out = append(out, c)
		}
	}
	return out, nil
}

// GlobalAnyCallPatterns returns, for each any-call rule of the notifier's
// catalogue (root activity, refused calls: rules that match a call of any
// service), the pattern that forwards its global services' calls from
// us-east-1: the rule's own filter, limited to the global services' event
// sources (console sign-in has a rule of its own). Name is the rule's
// type. An event that also matches the catalogue's calls is forwarded
// twice; the notifier's ledger makes that one notice (one finding per
// CloudTrail event id).
func GlobalAnyCallPatterns(n config.Notifications) ([]finding.EventPattern, error) {
	pats, err := CataloguePatterns(n)
	if err != nil {
		return nil, err
	}
	var sources, eventSources []string
	for _, es := range GlobalEventSources {
		if es != "signin.amazonaws.com" {
			sources = append(sources, "aws."+serviceOf(es))
			eventSources = append(eventSources, es)
		}
	}
	var out []finding.EventPattern
	for _, p := range pats {
		if len(p.Source) > 0 || !slices.Contains(p.DetailType, finding.DetailTypeAPICall) {
			continue
		}
		d := map[string]any{"eventSource": eventSources}
		for k, v := range p.Detail {
			if k == "eventSource" {
				return nil, fmt.Errorf("any-call rule %s filters on eventSource: it is not an any-call rule", p.Name)
			}
			d[k] = v
		}
		out = append(out, finding.EventPattern{Name: p.Name, Source: sources, DetailType: p.DetailType, Detail: d})
	}
	return out, nil
}

// anyCallRuleName is the forwarding rule's name part for an any-call rule
// type: "iam/RootActivity" is "any-root-activity".
func anyCallRuleName(ruleType string) string {
	name := ruleType[strings.LastIndex(ruleType, "/")+1:]
	var b strings.Builder
	b.WriteString("any")
	for i, r := range name {
		switch {
		case r >= 'A' && r <= 'Z':
			if i == 0 || !(name[i-1] >= 'A' && name[i-1] <= 'Z') {
				b.WriteByte('-')
			}
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// GlobalEventsStackProps configures the us-east-1 stack.
type GlobalEventsStackProps struct {
	awscdk.StackProps
	// Config is the validated configuration; its Region is the home region
	// the events are forwarded to.
	Config config.Config
}

// GlobalEventsStack forwards global services' events to the home region.
type GlobalEventsStack interface {
	awscdk.Stack
	// Rules are the forwarding rules.
	Rules() []awsevents.Rule
	// Role is the role EventBridge assumes to put events on the home bus.
	Role() awsiam.Role
	// DeadLetterQueue keeps events the home bus did not take.
	DeadLetterQueue() awssqs.Queue
}

type globalEventsStack struct {
	awscdk.Stack
	rules []awsevents.Rule
	role  awsiam.Role
	dlq   awssqs.Queue
}

func (s *globalEventsStack) Rules() []awsevents.Rule       { return s.rules }
func (s *globalEventsStack) Role() awsiam.Role             { return s.role }
func (s *globalEventsStack) DeadLetterQueue() awssqs.Queue { return s.dlq }

// NewGlobalEventsStack creates, in us-east-1, rules that pass the global
// services' CloudTrail calls of the notifier's catalogue (GlobalCalls) and
// root console sign-in to the home region's default event bus, where the
// home stack's notifier rules match them as they match regional events
// (the events keep their source, detail and region "us-east-1"). A
// same-account bus accepts events from a rule that may put them there, so
// the home bus needs no resource policy; the role may put events on that
// bus alone, and trusts EventBridge only for these rules. Undeliverable
// events wait in a dead-letter queue in us-east-1, which alarms to a topic
// in us-east-1 (alarmOnDeadLetters).
func NewGlobalEventsStack(scope constructs.Construct, id string, props *GlobalEventsStackProps) (GlobalEventsStack, error) {
	if props == nil {
		return nil, fmt.Errorf("global events stack %s: no props", id)
	}
	cfg := props.Config
	if cfg.Region == config.GlobalEventsRegion {
		return nil, fmt.Errorf("global events stack %s: the home region is %s already", id, config.GlobalEventsRegion)
	}
	calls, err := GlobalCalls(cfg.Notifications)
	if err != nil {
		return nil, err
	}
	anyCalls, err := GlobalAnyCallPatterns(cfg.Notifications)
	if err != nil {
		return nil, err
	}
	n := NamingFor(cfg)
	sp := props.StackProps
	if sp.Env == nil {
		sp.Env = &awscdk.Environment{}
	}
	sp.Env.Region = jsii.String(config.GlobalEventsRegion)
	if sp.Description == nil {
		sp.Description = jsii.String("Pledge " + cfg.Stage + ": forwards global services' security events from us-east-1 to " + cfg.Region)
	}
	s := &globalEventsStack{}
	awscdk.NewStack_Override(s, scope, jsii.String(id), &sp)
	homeBus := awsevents.EventBus_FromEventBusArn(s, jsii.String("HomeBus"),
		arnPattern("arn:{partition}:events:"+cfg.Region+":{account}:event-bus/default").ptr())

	s.dlq = awssqs.NewQueue(s, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	ruleName := func(what string) string { return n.Name("forward", what) }
	var ruleArns []*string
	rulesWhat := []string{"cloudtrail", "root-sign-in"}
	for _, p := range anyCalls {
		rulesWhat = append(rulesWhat, anyCallRuleName(p.Name))
	}
	for _, what := range rulesWhat {
		ruleArns = append(ruleArns, arnPattern("arn:{partition}:events:"+config.GlobalEventsRegion+":{account}:rule/"+ruleName(what)).ptr())
	}
	s.role = awsiam.NewRole(s, jsii.String("ForwardRole"), &awsiam.RoleProps{
		Description: jsii.String("Pledge " + cfg.Stage + ": lets EventBridge put global events on " + cfg.Region + "'s default bus"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnEquals":    map[string]interface{}{"aws:SourceArn": ruleArns},
		}}),
	})
	s.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PutOnHomeBus"),
		Actions:   jsii.Strings("events:PutEvents"),
		Resources: &[]*string{homeBus.EventBusArn()},
	}))
	target := func() *[]awsevents.IRuleTarget {
		return &[]awsevents.IRuleTarget{awseventstargets.NewEventBus(homeBus, &awseventstargets.EventBusProps{
			Role: s.role, DeadLetterQueue: s.dlq,
		})}
	}
	rule := func(id, what, desc string, pattern *awsevents.EventPattern) {
		s.rules = append(s.rules, awsevents.NewRule(s, jsii.String(id), &awsevents.RuleProps{
			RuleName:     jsii.String(ruleName(what)),
			Description:  jsii.String("Pledge " + cfg.Stage + ": " + desc + ", forwarded to " + cfg.Region),
			EventPattern: pattern,
			Targets:      target(),
		}))
	}
	if len(calls) > 0 {
		var sources, eventSources, names []string
		for _, c := range calls {
			sources = appendUnique(sources, "aws."+serviceOf(c.EventSource))
			eventSources = appendUnique(eventSources, c.EventSource)
			names = appendUnique(names, c.EventName)
		}
		rule("ForwardCloudTrail", "cloudtrail", "global services' security-relevant API calls", &awsevents.EventPattern{
			Source:     jsii.Strings(sources...),
			DetailType: jsii.Strings("AWS API Call via CloudTrail"),
			Detail:     &map[string]interface{}{"eventSource": eventSources, "eventName": names},
		})
	}
	rule("ForwardRootSignIn", "root-sign-in", "console sign-in (the root user's and IAM users')", rootSignInPattern())
	for _, p := range anyCalls {
		what := anyCallRuleName(p.Name)
		detail := map[string]interface{}(p.Detail)
		id := "Forward"
		for _, w := range strings.Split(what, "-") {
			id += strings.ToUpper(w[:1]) + w[1:]
		}
		rule(id, what, "global services' calls matching the notifier's "+p.Name+" rule", &awsevents.EventPattern{
			Source:     jsii.Strings(p.Source...),
			DetailType: jsii.Strings(p.DetailType...),
			Detail:     &detail,
		})
	}
	if err := s.alarmOnDeadLetters(cfg, n); err != nil {
		return nil, err
	}
	// The queue receives from EventBridge only (the target adds the
	// queue policy); nothing reads it but an operator replaying events.
	suppress(s.dlq, true,
		suppression{id: "AwsSolutions-SQS3", reason: "This queue is the dead-letter queue of the forwarding rules' targets; it has none of its own."},
		suppression{id: "Serverless-SQSRedrivePolicy", reason: "This queue is the dead-letter queue of the forwarding rules' targets: a queue behind it would only move the failed event again."})
	return s, nil
}

// WarningGlobalAlarmUnheard is the id of the synth warning the global
// stack adds when its dead-letter alarm has nobody to notify in us-east-1.
const WarningGlobalAlarmUnheard = "pledge:globalAlarmUnheard"

// alarmOnDeadLetters alarms as soon as a forwarded event waits in the
// dead-letter queue. CloudWatch notifies topics of its own region only, so
// the alarm needs a topic in us-east-1: the configured ops topic when it is
// there, else a topic of this stack with the ops e-mail subscriptions.
// With neither (an ops topic in another region, or no destination), the
// alarm has no action and synth warns.
func (s *globalEventsStack) alarmOnDeadLetters(cfg config.Config, n Naming) error {
	alarm := awscloudwatch.NewAlarm(s, jsii.String("DeadLetterQueueAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(n.Name("global", "forward-dead-letters")),
		AlarmDescription:   jsii.String("Pledge: a global service's event could not be forwarded to " + cfg.Region + " and waits in the dead-letter queue in us-east-1. " + MissingIsSilence.Why),
		Metric:             s.dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum")}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   MissingIsSilence.Treat,
	})
	var topic awssns.ITopic
	switch arn := cfg.Notifications.OpsTopicArn; {
	case arn != "" && strings.Split(arn, ":")[3] == config.GlobalEventsRegion:
		topic = awssns.Topic_FromTopicArn(s, jsii.String("OpsTopic"), jsii.String(arn))
	case len(cfg.Notifications.OpsEmails) > 0:
		topic, _ = newEmailTopic(s, cfg, "Pledge ops ("+cfg.Stage+", us-east-1)")
	default:
		awscdk.Annotations_Of(s).AddWarningV2(jsii.String(WarningGlobalAlarmUnheard), jsii.String(
			"the global stack's dead-letter alarm notifies nobody: CloudWatch alarms notify topics in their own region, and no ops topic or e-mail is configured for "+
				config.GlobalEventsRegion+"; set notifications.opsEmails, or watch the alarm "+n.Name("global", "forward-dead-letters")+" yourself"))
		return nil
	}
	alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	return nil
}

// rootSignInPattern matches console sign-ins: the root user's, and since
// the notifier's catalogue counts IAM users' failures and sign-ins without
// MFA, everyone's (shared/finding: signin rules).
func rootSignInPattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.signin"),
		DetailType: jsii.Strings("AWS Console Sign In via CloudTrail"),
		Detail:     &map[string]interface{}{"eventSource": []string{"signin.amazonaws.com"}, "eventName": []string{"ConsoleLogin"}},
	}
}
