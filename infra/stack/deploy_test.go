package stack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// templateOf synthesizes any stack of an app that has ApplyNag.
func templateOf(st awscdk.Stack) (assertions.Template, map[string]interface{}) {
	tmpl := assertions.Template_FromStack(st, nil)
	return tmpl, *tmpl.ToJSON()
}

func resourcesOf(tmpl map[string]interface{}, typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, r := range tmpl["Resources"].(map[string]interface{}) {
		if m := r.(map[string]interface{}); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	return p
}

func TestPledgeStack_NoShellDocumentOnlyChronyc(t *testing.T) {
	s := example(t)
	b, _ := json.Marshal(s.json)
	if strings.Contains(string(b), "AWS-RunShellScript") {
		t.Error("the template still names AWS-RunShellScript")
	}
	docs := s.resources("AWS::SSM::Document")
	if len(docs) != 1 {
		t.Fatalf("%d SSM documents, want 1", len(docs))
	}
	for _, d := range docs {
		p := props(d)
		if p["Name"] != "pledge-prod-chronyc-tracking" || p["DocumentType"] != "Command" {
			t.Errorf("document %v %v", p["Name"], p["DocumentType"])
		}
		content := p["Content"].(map[string]interface{})
		if _, ok := content["parameters"]; ok {
			t.Errorf("the document takes parameters: %v", content["parameters"])
		}
		steps := content["mainSteps"].([]interface{})
		if len(steps) != 1 {
			t.Fatalf("%d steps, want 1", len(steps))
		}
		step := steps[0].(map[string]interface{})
		run := step["inputs"].(map[string]interface{})["runCommand"]
		if step["action"] != "aws:runShellScript" || fmt.Sprint(run) != "[chronyc -c tracking]" {
			t.Errorf("the document runs %v %v, want only chronyc -c tracking", step["action"], run)
		}
	}
	if n := len(noInstanceTags(t).resources("AWS::SSM::Document")); n != 0 {
		t.Errorf("without instance tags the stack still makes %d documents", n)
	}
}

func TestSnapshotRotator_CreateAndTagRequireTheManagedTags(t *testing.T) {
	// The IAM tag set is the one the rotator creates snapshots with.
	keys := slices.Sorted(maps.Keys(snapshot.Tags("prod", "p", "db", time.Now())))
	if !slices.Equal(keys, stack.RotatorTagKeys) {
		t.Fatalf("IAM allows tags %v, the rotator writes %v", stack.RotatorTagKeys, keys)
	}
	for name, s := range map[string]func(*testing.T) *synthesized{"ByTag": example, "ById": idsOnly} {
		t.Run(name, func(t *testing.T) {
			s := s(t)
			policies := []string{}
			for _, p := range s.stack.Foundation().Config().Backup.Policies {
				policies = append(policies, p.Name)
			}
			n := 0
			for _, st := range s.roleStatements(t, s.idOf(s.stack.SnapshotRotator().Role())) {
				if !st.allows("rds:CreateDBSnapshot") && !st.allows("rds:CreateDBClusterSnapshot") && !st.allows("rds:AddTagsToResource") {
					continue
				}
				n++
				eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
				all, _ := st.Conditions["ForAllValues:StringEquals"].(map[string]interface{})
				null, _ := st.Conditions["Null"].(map[string]interface{})
				if eq["aws:RequestTag/pledge:managed"] != "true" {
					t.Errorf("%s: pledge:managed=true not required: %v", st.Sid, st.Conditions)
				}
				if eq["aws:RequestTag/pledge:stage"] != "prod" {
					t.Errorf("%s: pledge:stage=prod (the stage) not required: %v", st.Sid, st.Conditions)
				}
				// Snapshots only under this stage's names.
				for _, r := range st.Resources {
					if (strings.Contains(r, ":snapshot:") || strings.Contains(r, ":cluster-snapshot:")) && !strings.HasSuffix(r, ":pledge-4-prod-*") {
						t.Errorf("%s: %v allowed on %s, want only this stage's names pledge-4-prod-*", st.Sid, st.Actions, r)
					}
				}
				pol := fmt.Sprint(eq["aws:RequestTag/pledge:policy"])
				if !strings.HasPrefix(pol, "[") {
					pol = "[" + pol + "]"
				}
				if pol == "[<nil>]" || !slices.ContainsFunc(policies, func(p string) bool { return strings.Contains(pol, p) }) {
					t.Errorf("%s: pledge:policy not limited to the configured policies: %v", st.Sid, eq["aws:RequestTag/pledge:policy"])
				}
				if fmt.Sprint(all["aws:TagKeys"]) != fmt.Sprint(stack.RotatorTagKeys) {
					t.Errorf("%s: tag keys not limited to %v: %v", st.Sid, stack.RotatorTagKeys, all)
				}
				for _, k := range stack.RotatorTagKeys {
					if null["aws:RequestTag/"+k] != "false" {
						t.Errorf("%s: tag %s not required in the request: %v", st.Sid, k, null)
					}
				}
				if st.allows("rds:AddTagsToResource") {
					for _, r := range st.Resources {
						if !strings.HasSuffix(r, ":snapshot:pledge-4-prod-*") && !strings.HasSuffix(r, ":cluster-snapshot:pledge-4-prod-*") {
							t.Errorf("tagging allowed on %s", r)
						}
					}
				}
			}
			if n < 3 {
				t.Errorf("%d create/tag statements checked, want the creates and the tag-on-create grant", n)
			}
			for _, st := range s.roleStatements(t, s.idOf(s.stack.SnapshotRotator().Role())) {
				if st.allows("rds:RemoveTagsFromResource") {
					t.Error("the rotator may remove tags")
				}
			}
		})
	}
}

func TestPledgeStack_SESOnlyFromTheSender(t *testing.T) {
	s := example(t)
	for _, role := range []awscdk.IResource{s.stack.TenantPurger().Role(), s.stack.FindingNotifier().Role()} {
		found := 0
		for _, st := range s.roleStatements(t, s.idOf(role)) {
			if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.HasPrefix(a, "ses:") }) {
				continue
			}
			found++
			eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
			if len(st.Conditions) != 1 || eq["ses:FromAddress"] != "security@example.co.jp" {
				t.Errorf("%s: %v without ses:FromAddress = the sender: %v", st.Sid, st.Actions, st.Conditions)
			}
		}
		if found == 0 {
			t.Errorf("role %s has no SES grant", s.idOf(role))
		}
	}
}

func TestTenantPurger_SignsOnlyDigestsWithECDSA(t *testing.T) {
	s := example(t)
	sign := granting(s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role())), "kms:Sign")
	if len(sign) != 1 {
		t.Fatalf("%d statements allow kms:Sign, want 1", len(sign))
	}
	eq, _ := sign[0].Conditions["StringEquals"].(map[string]interface{})
	if len(sign[0].Conditions) != 1 || eq["kms:SigningAlgorithm"] != "ECDSA_SHA_256" || eq["kms:MessageType"] != "DIGEST" {
		t.Errorf("kms:Sign conditions %v, want SigningAlgorithm ECDSA_SHA_256 and MessageType DIGEST", sign[0].Conditions)
	}
	check(t, "alias from the stage", func() {
		s.template.HasResourceProperties(jsii.String("AWS::KMS::Alias"), map[string]interface{}{
			"AliasName": "alias/pledge-prod-deletion-certificates", "TargetKeyId": assertions.Match_AnyValue(),
		})
	})
}

// trustConditions returns the Allow statements' conditions of a role's
// trust policy.
func trustConditions(role map[string]interface{}) []map[string]interface{} {
	var out []map[string]interface{}
	doc := props(role)["AssumeRolePolicyDocument"].(map[string]interface{})
	for _, raw := range doc["Statement"].([]interface{}) {
		st := raw.(map[string]interface{})
		c, _ := st["Condition"].(map[string]interface{})
		out = append(out, c)
	}
	return out
}

func TestPledgeStack_SchedulerRolesTrustOnlyTheirSchedules(t *testing.T) {
	s := example(t)
	roles := s.resources("AWS::IAM::Role")
	byRole := map[string][]string{}
	for _, sc := range s.resources("AWS::Scheduler::Schedule") {
		p := props(sc)
		if p["GroupName"] == nil || !strings.HasPrefix(flatten(p["GroupName"]), "<") && p["GroupName"] != "pledge-prod" {
			t.Errorf("schedule %v is not in the stage's group: %v", p["Name"], p["GroupName"])
		}
		name, _ := p["Name"].(string)
		target := p["Target"].(map[string]interface{})
		role := strings.TrimSuffix(strings.TrimPrefix(flatten(target["RoleArn"]), "<"), ".Arn>")
		byRole[role] = append(byRole[role], "arn:<AWS::Partition>:scheduler:ap-northeast-1:<AWS::AccountId>:schedule/pledge-prod/"+name)
	}
	if len(byRole) != 4 {
		t.Fatalf("%d scheduler roles, want one per scheduled function (4: rotator, purger, verifier, evidence reporter)", len(byRole))
	}
	for role, want := range byRole {
		var got []string
		for _, c := range trustConditions(roles[role]) {
			arnEq, _ := c["ArnEquals"].(map[string]interface{})
			eq, _ := c["StringEquals"].(map[string]interface{})
			if arnEq == nil || eq["aws:SourceAccount"] == nil {
				t.Errorf("role %s trusts the scheduler with %v, want aws:SourceArn and aws:SourceAccount", role, c)
				continue
			}
			got = append(got, flattenList(arnEq["aws:SourceArn"])...)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("role %s trusts schedules %v, want exactly its own %v", role, got, want)
		}
	}
}

func TestPledgeStack_ReservedConcurrency(t *testing.T) {
	s := example(t)
	want := map[string]interface{}{
		s.idOf(s.stack.SnapshotRotator().Function()):    float64(1),
		s.idOf(s.stack.TenantPurger().Function()):       float64(5), // 4 purges + the sweep
		s.idOf(s.stack.FindingNotifier().Function()):    float64(5),
		s.idOf(s.stack.ComplianceVerifier().Function()): nil,
		s.idOf(s.stack.EvidenceReporter().Function()):   float64(1), // one pack at a time
	}
	total := 0.0
	for id, fn := range s.resources("AWS::Lambda::Function") {
		got := props(fn)["ReservedConcurrentExecutions"]
		if got != want[id] {
			t.Errorf("%s: reserved concurrency %v, want %v", id, got, want[id])
		}
		if n, ok := got.(float64); ok {
			total += n
		}
	}
	// Preflight checks the account's room for what the configuration
	// says the stack reserves: the two must agree.
	sum := 0
	for _, n := range exampleConfig(t).ReservedConcurrency() {
		sum += n
	}
	if float64(sum) != total {
		t.Errorf("config.ReservedConcurrency sums to %d, the template reserves %v", sum, total)
	}
}

// missingByMetric is the missing-data treatment each metric's alarms must
// have; a new alarm on another metric fails until it is chosen here.
var missingByMetric = map[string]string{
	"NewestSnapshotAgeSecondsMax":        "breaching",    // reported every run
	"PurgeDeadlineDaysLeftMin":           "breaching",    // reported every sweep
	"Errors":                             "notBreaching", // Lambda emits only on invocations
	"ApproximateNumberOfMessagesVisible": "notBreaching", // dead-letter queues: idle queues stop reporting
	"NoticeAtRisk":                       "notBreaching", // reported only while notices are processed
	"PrefixGuardTripped":                 "notBreaching", // emitted only when a listing held a foreign key
	"FindingsUnrouted":                   "notBreaching", // emitted only when a finding is unrouted
}

func TestPledgeStack_AlarmsReachAPersonAndTreatMissingDataOnPurpose(t *testing.T) {
	s := example(t)
	topic := "<" + s.idOf(s.stack.Foundation().OpsTopic()) + ">"
	alarms := s.resources("AWS::CloudWatch::Alarm")
	if len(alarms) < 13 {
		t.Errorf("%d alarms, want at least 13", len(alarms))
	}
	for id, a := range alarms {
		p := props(a)
		name, _ := p["AlarmName"].(string)
		if !strings.HasPrefix(name, "pledge-prod-") {
			t.Errorf("%s: alarm name %q does not derive from the stage", id, name)
		}
		metric, _ := p["MetricName"].(string)
		want, ok := missingByMetric[metric]
		if !ok {
			t.Errorf("%s: alarm on %s has no missing-data treatment chosen in this test", id, metric)
		} else if p["TreatMissingData"] != want {
			t.Errorf("%s (%s): TreatMissingData %v, want %s", id, metric, p["TreatMissingData"], want)
		}
		if acts := flattenList(p["AlarmActions"]); !slices.Equal(acts, []string{topic}) {
			t.Errorf("%s: actions %v, want the ops topic %s", id, acts, topic)
		}
	}
	check(t, "ops e-mail subscription", func() {
		s.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]interface{}{
			"Protocol": "email", "Endpoint": "ops@example.co.jp", "TopicArn": map[string]interface{}{"Ref": s.idOf(s.stack.Foundation().OpsTopic())},
		})
	})
}

func TestNewPledgeStack_OpsDestination(t *testing.T) {
	t.Run("ErrNone", func(t *testing.T) {
		cfg := exampleConfig(t)
		cfg.Notifications.OpsEmails = nil
		app := awscdk.NewApp(nil)
		_, err := stack.NewPledgeStack(app, "Pledge", &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
		if err == nil || !strings.Contains(err.Error(), "notifications.opsEmails: nothing is not valid: want at least one address") {
			t.Errorf("err = %v, want one naming notifications.opsEmails", err)
		}
		if n := len(*app.Node().Children()); n != 0 {
			t.Errorf("a stack without an ops destination added %d constructs", n)
		}
	})
	t.Run("OptedOut", func(t *testing.T) {
		cfg := exampleConfig(t)
		cfg.Notifications.OpsEmails, cfg.Notifications.NoOpsDestination = nil, true
		s := synth(t, cfg)
		if n := len(s.resources("AWS::SNS::Subscription")); n != 0 {
			t.Errorf("%d subscriptions, want none", n)
		}
	})
	t.Run("ExistingTopic", func(t *testing.T) {
		const arn = "arn:aws:sns:ap-northeast-1:111122223333:ops-pager"
		cfg := exampleConfig(t)
		cfg.Notifications.OpsEmails, cfg.Notifications.OpsTopicArn = nil, arn
		s := synth(t, cfg)
		if n := len(s.resources("AWS::SNS::Topic")); n != 0 {
			t.Errorf("%d topics created, want none: the operator's topic is used", n)
		}
		for id, a := range s.resources("AWS::CloudWatch::Alarm") {
			if acts := flattenList(props(a)["AlarmActions"]); !slices.Equal(acts, []string{arn}) {
				t.Errorf("%s: actions %v, want %s", id, acts, arn)
			}
		}
		stmts := s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role()))
		if got := resourcesFor(stmts, "sns:Publish"); !slices.Equal(got, []string{arn}) {
			t.Errorf("purger publishes to %v, want %s", got, arn)
		}
		if g := granting(stmts, "kms:GenerateDataKey"); len(g) != 0 {
			t.Errorf("a key grant for a topic the stack does not own: %v", g[0].Resources)
		}
	})
}

// snapshotGrant is one snapshot resource an IAM statement allows an RDS
// snapshot action on: name is the snapshot-name part of the ARN pattern.
type snapshotGrant struct {
	name       string
	conditions map[string]interface{}
}

// snapshotGrants returns, by action, the snapshot and cluster-snapshot
// resources every IAM policy of a template allows.
func snapshotGrants(tmpl map[string]interface{}) map[string][]snapshotGrant {
	out := map[string][]snapshotGrant{}
	for _, r := range resourcesOf(tmpl, "AWS::IAM::Policy") {
		for _, raw := range props(r)["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
			st := raw.(map[string]interface{})
			cond, _ := st["Condition"].(map[string]interface{})
			for _, res := range flattenList(st["Resource"]) {
				_, name, found := strings.Cut(res, ":snapshot:")
				if !found {
					_, name, found = strings.Cut(res, ":cluster-snapshot:")
				}
				if !found {
					continue
				}
				for _, a := range flattenList(st["Action"]) {
					out[a] = append(out[a], snapshotGrant{name: name, conditions: cond})
				}
			}
		}
	}
	return out
}

// physicalNames returns every name a template gives a resource, as
// "region type name", with the schedule group as part of a schedule's name.
func physicalNames(t *testing.T, region string, tmpl map[string]interface{}) []string {
	t.Helper()
	keys := []string{"AlarmName", "AliasName", "Name", "RuleName", "TableName", "QueueName", "TopicName", "BucketName", "FunctionName", "RoleName", "LogGroupName"}
	var out []string
	for id, r := range tmpl["Resources"].(map[string]interface{}) {
		m := r.(map[string]interface{})
		p := props(m)
		for _, k := range keys {
			v, ok := p[k]
			if !ok {
				continue
			}
			name, isString := v.(string)
			if !isString {
				// A reference to another resource, not a name given here.
				_ = id
				continue
			}
			if m["Type"] == "AWS::Scheduler::Schedule" {
				name = flatten(p["GroupName"]) + "/" + name
			}
			out = append(out, fmt.Sprintf("%s %s %s", region, m["Type"], name))
		}
	}
	return out
}

func TestPledgeStack_TwoStagesSideBySide(t *testing.T) {
	ctx := cdkContext(t)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	type built struct {
		stage, region string
		s             awscdk.Stack
	}
	var stacks []built
	for _, stage := range []string{"prod", "staging"} {
		cfg := exampleConfig(t)
		cfg.Stage = stage
		n := stack.NamingFor(cfg)
		home, err := stack.NewPledgeStack(app, n.StackName(), &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
		if err != nil {
			t.Fatal(err)
		}
		global, err := stack.NewGlobalEventsStack(app, n.GlobalStackName(), &stack.GlobalEventsStackProps{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		stacks = append(stacks, built{stage, cfg.Region, home}, built{stage, config.GlobalEventsRegion, global})
	}
	// Synthesize only once the app holds all four stacks.
	seen := map[string]string{}
	perStage := map[string][]string{}
	for _, st := range stacks {
		stage := st.stage
		key := st.region + " stack " + *st.s.StackName()
		if prev, dup := seen[key]; dup {
			t.Errorf("%s and %s both name %s", prev, stage, key)
		}
		seen[key] = stage
		_, tmpl := templateOf(st.s)
		for _, name := range physicalNames(t, st.region, tmpl) {
			if prev, dup := seen[name]; dup {
				t.Errorf("stages %s and %s both name %s", prev, stage, name)
			}
			seen[name] = stage
			perStage[stage] = append(perStage[stage], name)
		}
	}
	// Each stage names the same kinds of things, so the comparison above
	// covered them all: key alias, schedule group and schedules, alarms,
	// the SSM document, the forwarding rules.
	if len(perStage["prod"]) != len(perStage["staging"]) || len(perStage["prod"]) < 20 {
		t.Errorf("prod names %d resources, staging %d; want the same, at least 20", len(perStage["prod"]), len(perStage["staging"]))
	}
	// Each stage's rotator creates, tags and deletes only its own stage's
	// snapshots: the other stage's names fall outside its create and tag
	// grants, and its deletes require its own stage tag where there is one.
	slot := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for _, st := range stacks {
		if st.region == config.GlobalEventsRegion {
			continue
		}
		other := map[string]string{"prod": "staging", "staging": "prod"}[st.stage]
		_, tmpl := templateOf(st.s)
		grants := snapshotGrants(tmpl)
		for _, a := range []string{"rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"} {
			if len(grants[a]) == 0 {
				t.Fatalf("%s: no snapshot resource for %s", st.stage, a)
			}
			for _, g := range grants[a] {
				own, theirs := snapshot.Name(st.stage, "gfs-24h-7d-4w", "orders-db", slot), snapshot.Name(other, "gfs-24h-7d-4w", "orders-db", slot)
				if ok, _ := path.Match(g.name, own); !ok {
					t.Errorf("%s: %s on %s does not cover its own name %s", st.stage, a, g.name, own)
				}
				if ok, _ := path.Match(g.name, theirs); ok {
					t.Errorf("%s: %s on %s covers %s's name %s", st.stage, a, g.name, other, theirs)
				}
			}
		}
		for _, a := range []string{"rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"} {
			if len(grants[a]) != 1 {
				t.Fatalf("%s: %d grants for %s", st.stage, len(grants[a]), a)
			}
			ifExists, _ := grants[a][0].conditions["StringEqualsIfExists"].(map[string]interface{})
			if ifExists["aws:ResourceTag/pledge:stage"] != st.stage {
				t.Errorf("%s: %s without aws:ResourceTag/pledge:stage = %s where present: %v", st.stage, a, st.stage, grants[a][0].conditions)
			}
		}
	}
	for _, want := range []string{
		"ap-northeast-1 AWS::KMS::Alias alias/pledge-staging-deletion-certificates",
		"ap-northeast-1 AWS::Scheduler::ScheduleGroup pledge-staging",
		"ap-northeast-1 AWS::Scheduler::Schedule pledge-staging/snapshot-rotator-gfs-24h-7d-4w",
		"ap-northeast-1 AWS::SSM::Document pledge-staging-chronyc-tracking",
		"ap-northeast-1 AWS::CloudWatch::Alarm pledge-staging-tenant-purger-deadline",
		"us-east-1 AWS::Events::Rule pledge-staging-forward-cloudtrail",
	} {
		if !slices.Contains(perStage["staging"], want) {
			t.Errorf("staging does not name %s", want)
		}
	}
}

func TestGlobalEventsStack_ForwardsCatalogueGlobalCallsHome(t *testing.T) {
	cfg := exampleConfig(t)
	ctx := cdkContext(t)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	gs, err := stack.NewGlobalEventsStack(app, "Pledge-prod-global", &stack.GlobalEventsStackProps{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	home, err := stack.NewPledgeStack(app, "Pledge-prod", &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
	if err != nil {
		t.Fatal(err)
	}
	stack.ApplyNag(app)
	tmpl, raw := templateOf(gs)
	if r := *gs.Region(); r != "us-east-1" {
		t.Errorf("global stack in %s", r)
	}
	calls, err := stack.GlobalCalls(cfg.Notifications)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(calls, stack.CloudTrailCall{EventSource: "iam.amazonaws.com", EventName: "CreateAccessKey"}) {
		t.Fatalf("the catalogue's global calls %v lack IAM CreateAccessKey", calls)
	}
	for _, c := range calls {
		if !slices.Contains(stack.GlobalEventSources, c.EventSource) {
			t.Errorf("%v is not a global service's call", c)
		}
	}
	homeBus := "arn:<AWS::Partition>:events:ap-northeast-1:<AWS::AccountId>:event-bus/default"
	rules := resourcesOf(raw, "AWS::Events::Rule")
	if len(rules) != 4 {
		t.Fatalf("%d rules, want the CloudTrail, root sign-in, root activity and refused calls rules", len(rules))
	}
	var ruleNames []string
	for id, r := range rules {
		p := props(r)
		ruleNames = append(ruleNames, p["Name"].(string))
		targets := p["Targets"].([]interface{})
		if len(targets) != 1 {
			t.Fatalf("%s: %d targets", id, len(targets))
		}
		tg := targets[0].(map[string]interface{})
		if flatten(tg["Arn"]) != homeBus || tg["RoleArn"] == nil || tg["DeadLetterConfig"] == nil {
			t.Errorf("%s: target %v, want the home bus with a role and a dead-letter queue", id, tg)
		}
	}
	check(t, "CloudTrail pattern", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"source":      assertions.Match_ArrayWith(&[]interface{}{"aws.iam"}),
				"detail-type": []interface{}{"AWS API Call via CloudTrail"},
				"detail": map[string]interface{}{
					"eventSource": assertions.Match_ArrayWith(&[]interface{}{"iam.amazonaws.com"}),
					"eventName":   assertions.Match_ArrayWith(&[]interface{}{"CreateAccessKey"}),
				},
			},
		}))
	})
	check(t, "console sign-in pattern (root and IAM users: the notifier counts failures and sign-ins without MFA)", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"source": []interface{}{"aws.signin"}, "detail-type": []interface{}{"AWS Console Sign In via CloudTrail"},
				"detail": map[string]interface{}{"eventSource": []interface{}{"signin.amazonaws.com"}, "eventName": []interface{}{"ConsoleLogin"}},
			},
		}))
	})
	// The catalogue's any-call rules (root activity, refused calls: CIS
	// 4.3 and 4.1) see the global services' calls too, and only theirs.
	globalSources := []interface{}{"iam.amazonaws.com", "organizations.amazonaws.com", "cloudfront.amazonaws.com", "route53.amazonaws.com", "sts.amazonaws.com"}
	for _, tc := range []struct {
		name   string
		filter map[string]interface{}
	}{
		{"pledge-prod-forward-any-root-activity", map[string]interface{}{"userIdentity": map[string]interface{}{"type": []interface{}{"Root"}}}},
		{"pledge-prod-forward-any-unauthorized-calls", map[string]interface{}{"errorCode": []interface{}{map[string]interface{}{"prefix": "AccessDenied"}, map[string]interface{}{"suffix": "UnauthorizedOperation"}}}},
	} {
		detail := map[string]interface{}{"eventSource": globalSources}
		for k, v := range tc.filter {
			detail[k] = v
		}
		check(t, tc.name, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]interface{}{
				"Name": tc.name,
				"EventPattern": map[string]interface{}{
					"source":      []interface{}{"aws.iam", "aws.organizations", "aws.cloudfront", "aws.route53", "aws.sts"},
					"detail-type": []interface{}{"AWS API Call via CloudTrail"},
					"detail":      detail,
				},
				"State":       assertions.Match_AnyValue(),
				"Targets":     assertions.Match_AnyValue(),
				"Description": assertions.Match_AnyValue(),
			})
		})
	}
	// The role may only put events on the home bus, and trusts EventBridge
	// only for these rules.
	roles := resourcesOf(raw, "AWS::IAM::Role")
	if len(roles) != 1 {
		t.Fatalf("%d roles", len(roles))
	}
	for id, role := range roles {
		for _, c := range trustConditions(role) {
			arnEq, _ := c["ArnEquals"].(map[string]interface{})
			got := flattenList(arnEq["aws:SourceArn"])
			var want []string
			for _, n := range ruleNames {
				want = append(want, "arn:<AWS::Partition>:events:us-east-1:<AWS::AccountId>:rule/"+n)
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("role trusts EventBridge for %v, want the forwarding rules %v", got, want)
			}
		}
		for _, p := range resourcesOf(raw, "AWS::IAM::Policy") {
			for _, st := range props(p)["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
				m := st.(map[string]interface{})
				if acts, res := flattenList(m["Action"]), flattenList(m["Resource"]); !slices.Equal(acts, []string{"events:PutEvents"}) || !slices.Equal(res, []string{homeBus}) {
					if !slices.ContainsFunc(acts, func(a string) bool { return strings.HasPrefix(a, "sqs:") }) {
						t.Errorf("role %s may %v on %v", id, acts, res)
					}
				}
			}
		}
	}
	// A forwarded event that could not be delivered alarms, in us-east-1,
	// to a topic there with the ops e-mail subscriptions.
	alarms := resourcesOf(raw, "AWS::CloudWatch::Alarm")
	topics := resourcesOf(raw, "AWS::SNS::Topic")
	if len(alarms) != 1 || len(topics) != 1 {
		t.Fatalf("%d alarms and %d topics in the global stack, want 1 and 1", len(alarms), len(topics))
	}
	for id, a := range alarms {
		p := props(a)
		var topic string
		for tid := range topics {
			topic = "<" + tid + ">"
		}
		if p["AlarmName"] != "pledge-prod-global-forward-dead-letters" || p["TreatMissingData"] != "notBreaching" ||
			!slices.Equal(flattenList(p["AlarmActions"]), []string{topic}) || p["MetricName"] != "ApproximateNumberOfMessagesVisible" {
			t.Errorf("%s: %v", id, p)
		}
	}
	check(t, "global ops subscription", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]interface{}{
			"Protocol": "email", "Endpoint": "ops@example.co.jp", "TopicArn": assertions.Match_AnyValue(),
		})
	})
	// The home stack's rule accepts what arrives: it names the same calls.
	hs := assertions.Template_FromStack(home, nil)
	check(t, "home rule matches forwarded IAM calls", func() {
		hs.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": assertions.Match_ObjectLike(&map[string]interface{}{
				"source": assertions.Match_ArrayWith(&[]interface{}{"aws.iam"}),
				"detail": assertions.Match_ObjectLike(&map[string]interface{}{
					"eventSource": assertions.Match_ArrayWith(&[]interface{}{"iam.amazonaws.com"}),
					"eventName":   assertions.Match_ArrayWith(&[]interface{}{"CreateAccessKey"}),
				}),
			}),
		}))
	})
	check(t, "home rule matches forwarded root activity (no source filter)", func() {
		hs.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"detail-type": []interface{}{"AWS API Call via CloudTrail"},
				"detail":      map[string]interface{}{"userIdentity": map[string]interface{}{"type": []interface{}{"Root"}}},
			},
		}))
	})
	ann := assertions.Annotations_FromStack(gs)
	pattern := assertions.Match_StringLikeRegexp(jsii.String("(AwsSolutions|Serverless)-.*"))
	for _, m := range append(messages(ann.FindError(jsii.String("*"), pattern)), messages(ann.FindWarning(jsii.String("*"), pattern))...) {
		t.Errorf("unsuppressed cdk-nag finding in the global stack: %s", m)
	}
}

func TestGlobalEventsStack_AlarmDestination(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		topics int
		action string
		warns  bool
	}{
		{"PagerInUSEast1", func(c *config.Config) {
			c.Notifications.OpsEmails, c.Notifications.OpsTopicArn = nil, "arn:aws:sns:us-east-1:111122223333:pager"
		}, 0, "arn:aws:sns:us-east-1:111122223333:pager", false},
		{"PagerInHomeRegion", func(c *config.Config) {
			c.Notifications.OpsEmails, c.Notifications.OpsTopicArn = nil, "arn:aws:sns:ap-northeast-1:111122223333:pager"
		}, 0, "", true},
		{"NoDestination", func(c *config.Config) { c.Notifications.OpsEmails, c.Notifications.NoOpsDestination = nil, true }, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := exampleConfig(t)
			tc.mutate(&cfg)
			gs, err := stack.NewGlobalEventsStack(awscdk.NewApp(nil), "G", &stack.GlobalEventsStackProps{Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			_, raw := templateOf(gs)
			if n := len(resourcesOf(raw, "AWS::SNS::Topic")); n != tc.topics {
				t.Errorf("%d topics, want %d", n, tc.topics)
			}
			for _, a := range resourcesOf(raw, "AWS::CloudWatch::Alarm") {
				acts := flattenList(props(a)["AlarmActions"])
				if tc.action == "" && props(a)["AlarmActions"] != nil || tc.action != "" && !slices.Equal(acts, []string{tc.action}) {
					t.Errorf("alarm actions %v, want %q", props(a)["AlarmActions"], tc.action)
				}
			}
			warned := len(messages(assertions.Annotations_FromStack(gs).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("dead-letter alarm notifies nobody.*"))))) > 0
			if warned != tc.warns {
				t.Errorf("warned %v, want %v", warned, tc.warns)
			}
		})
	}
}

func TestNewGlobalEventsStack_RefusesHomeInUSEast1(t *testing.T) {
	cfg := exampleConfig(t)
	cfg.Region = "us-east-1"
	if _, err := stack.NewGlobalEventsStack(awscdk.NewApp(nil), "G", &stack.GlobalEventsStackProps{Config: cfg}); err == nil {
		t.Error("a global stack forwarding us-east-1 to itself was built")
	}
}

func TestPledgeStack_OutputsNameWhatPreflightNeeds(t *testing.T) {
	outs := example(t).json["Outputs"].(map[string]interface{})
	for _, k := range []string{stack.OutputStage, stack.OutputEvidenceBucket, stack.OutputOpsTopicArn, stack.OutputSigningKeyArn, stack.OutputRegistryTable, stack.OutputTimeSyncDocument} {
		if _, ok := outs[k]; !ok {
			t.Errorf("no output %s", k)
		}
	}
}
