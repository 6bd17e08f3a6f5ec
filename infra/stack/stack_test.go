package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/config"
)

// codeRoot holds a dummy bootstrap per function for the whole test run.
var codeRoot string

func TestMain(m *testing.M) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	dir, err := os.MkdirTemp("", "pledge-infra-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, n := range stack.FunctionNames {
		err := os.MkdirAll(filepath.Join(dir, n), 0o755)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, n, "bootstrap"), []byte("#!/bin/sh\n"), 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	codeRoot = dir
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cdkContext is cdk.json's context (feature flags and configuration), so
// that the tests synthesize what `cdk synth` would.
func cdkContext(t *testing.T) map[string]interface{} {
	t.Helper()
	b, err := os.ReadFile("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Context
}

func exampleConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load("../config/example.json")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// idsOnlyConfig targets databases by id only, daily, in another zone, with
// an imported registry table and evidence bucket, and runs only the bucket
// and point-in-time-recovery checks.
func idsOnlyConfig(t *testing.T) config.Config {
	cfg := exampleConfig(t)
	cfg.Timezone = "America/New_York"
	cfg.Backup.Policies = []config.BackupPolicy{{
		Name: "daily-7", Schedule: "cron(0 3 * * ? *)", MinAvailable: 1,
		Targets: config.Targets{Instances: []string{"orders-db", "users-db"}, Clusters: []string{"ledger-aurora"}},
		Keep:    config.Keep{Daily: 7},
	}}
	cfg.Tenants.RegistryTable = "existing-registry"
	cfg.Evidence.Bucket = "existing-evidence"
	cfg.Verification.Checks = []string{"s3.default-encryption", "s3.tls-only", "rds.pitr-retention", "s3.noncurrent-version-retention"}
	cfg.Verification.NoncurrentVersionDays = 31
	return cfg
}

// noInstanceTagsConfig is the example with every check but no
// verification.instanceTags.
func noInstanceTagsConfig(t *testing.T) config.Config {
	cfg := exampleConfig(t)
	cfg.Verification.InstanceTags = nil
	return cfg
}

type synthesized struct {
	stack    stack.PledgeStack
	template assertions.Template
	json     map[string]interface{}
}

func synth(t *testing.T, cfg config.Config) *synthesized {
	t.Helper()
	ctx := cdkContext(t)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	st, err := stack.NewPledgeStack(app, "Pledge", &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
	if err != nil {
		t.Fatalf("NewPledgeStack: %v", err)
	}
	stack.ApplyNag(app)
	tmpl := assertions.Template_FromStack(st, nil)
	return &synthesized{stack: st, template: tmpl, json: *tmpl.ToJSON()}
}

var (
	exampleOnce, idsOnce, noTagsOnce sync.Once
	exampleSynth, idsSyn, noTagsSyn  *synthesized
)

func noInstanceTags(t *testing.T) *synthesized {
	noTagsOnce.Do(func() { noTagsSyn = synth(t, noInstanceTagsConfig(t)) })
	if noTagsSyn == nil {
		t.Fatal("no-instance-tags stack did not synthesize")
	}
	return noTagsSyn
}

func example(t *testing.T) *synthesized {
	exampleOnce.Do(func() { exampleSynth = synth(t, exampleConfig(t)) })
	if exampleSynth == nil {
		t.Fatal("example stack did not synthesize")
	}
	return exampleSynth
}

func idsOnly(t *testing.T) *synthesized {
	idsOnce.Do(func() { idsSyn = synth(t, idsOnlyConfig(t)) })
	if idsSyn == nil {
		t.Fatal("ids-only stack did not synthesize")
	}
	return idsSyn
}

// check runs a CDK assertion, which panics on failure, and reports the
// failure through t instead of crashing the test binary.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

// resources returns the template's resources of one type by logical id.
func (s *synthesized) resources(typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, r := range s.json["Resources"].(map[string]interface{}) {
		m := r.(map[string]interface{})
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// idOf returns the logical id of a construct's CloudFormation resource.
func (s *synthesized) idOf(c awscdk.IResource) string {
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// statement is one IAM statement, resources flattened to strings.
type statement struct {
	Sid        string
	Actions    []string
	Resources  []string
	Conditions map[string]interface{}
}

// roleStatements returns every Allow statement of the policies attached to
// the role with the given logical id.
func (s *synthesized) roleStatements(t *testing.T, roleID string) []statement {
	t.Helper()
	var out []statement
	for _, p := range s.resources("AWS::IAM::Policy") {
		props := p["Properties"].(map[string]interface{})
		attached := false
		for _, r := range props["Roles"].([]interface{}) {
			if ref, ok := r.(map[string]interface{})["Ref"]; ok && ref == roleID {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, raw := range props["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
			st := raw.(map[string]interface{})
			if st["Effect"] != "Allow" {
				continue
			}
			var s statement
			s.Sid, _ = st["Sid"].(string)
			s.Actions = flattenList(st["Action"])
			s.Resources = flattenList(st["Resource"])
			s.Conditions, _ = st["Condition"].(map[string]interface{})
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy statements for role %s", roleID)
	}
	return out
}

func (st statement) allows(action string) bool { return slices.Contains(st.Actions, action) }

// flatten renders a template value as text: Fn::Join is joined, pseudo
// parameters and attributes become <AWS::AccountId> and <Id.Attr>.
func flatten(v interface{}) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]interface{}:
		if j, ok := v["Fn::Join"].([]interface{}); ok {
			var parts []string
			for _, p := range j[1].([]interface{}) {
				parts = append(parts, flatten(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if r, ok := v["Ref"].(string); ok {
			return "<" + r + ">"
		}
		if g, ok := v["Fn::GetAtt"].([]interface{}); ok {
			return fmt.Sprintf("<%s.%s>", g[0], g[1])
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func flattenList(v interface{}) []string {
	if l, ok := v.([]interface{}); ok {
		var out []string
		for _, x := range l {
			out = append(out, flatten(x))
		}
		return out
	}
	return []string{flatten(v)}
}

func TestPledgeStack_FunctionsRunBootstrapOnArmWithJSONLogs(t *testing.T) {
	s := example(t)
	cfg := exampleConfig(t)
	cases := []struct {
		name     string
		fn       awscdk.IResource
		sections []config.Section
		env      []string
		timeout  float64
	}{
		{stack.SnapshotRotatorName, s.stack.SnapshotRotator().Function(), []config.Section{config.SectionBackup},
			[]string{"PLEDGE_CONFIG", "PLEDGE_EVIDENCE_BUCKET"}, 300},
		{stack.TenantPurgerName, s.stack.TenantPurger().Function(), []config.Section{config.SectionTenants, config.SectionBackup, config.SectionNotifications},
			[]string{"PLEDGE_CONFIG", "PLEDGE_EVIDENCE_BUCKET", "PLEDGE_OPS_TOPIC_ARN", "PLEDGE_PURGE_QUEUE_URL", "PLEDGE_REGISTRY_TABLE", "PLEDGE_SIGNING_KEY_ID"}, 900},
		{stack.FindingNotifierName, s.stack.FindingNotifier().Function(), []config.Section{config.SectionNotifications, config.SectionTenants},
			[]string{"PLEDGE_CONFIG", "PLEDGE_EVIDENCE_BUCKET", "PLEDGE_LEDGER_TABLE", "PLEDGE_NOTICE_QUEUE_URL", "PLEDGE_OPS_TOPIC_ARN", "PLEDGE_REGISTRY_TABLE"}, 60},
		{stack.ComplianceVerifierName, s.stack.ComplianceVerifier().Function(), []config.Section{config.SectionVerification, config.SectionBackup, config.SectionTenants},
			[]string{"PLEDGE_CONFIG", "PLEDGE_EVIDENCE_BUCKET", "PLEDGE_OPS_TOPIC_ARN", "PLEDGE_TIMESYNC_DOCUMENT"}, 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "function properties", func() {
				s.template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]interface{}{
					"Runtime":       "provided.al2023",
					"Architectures": []interface{}{"arm64"},
					"Handler":       "bootstrap",
					"Timeout":       tc.timeout,
					"LoggingConfig": assertions.Match_ObjectLike(&map[string]interface{}{"LogFormat": "JSON"}),
					"Environment":   map[string]interface{}{"Variables": assertions.Match_AnyValue()},
					"Description":   assertions.Match_StringLikeRegexp(jsii.String("^Pledge " + tc.name + ":")),
				}))
			})
			if t.Failed() {
				return
			}
			// The environment is read from this function's own resource: a
			// Capture in the match above would also capture from the other
			// functions it tries first (Go map order decides which), so
			// which function's variables it held varied from run to run.
			fn, ok := s.resources("AWS::Lambda::Function")[s.idOf(tc.fn)]
			if !ok {
				t.Fatalf("no function resource %s", s.idOf(tc.fn))
			}
			vars := fn["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			var keys []string
			for k := range vars {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, tc.env) {
				t.Errorf("environment = %v, want %v", keys, tc.env)
			}
			raw, _ := vars[config.EnvVar].(string)
			if want := cfg.Only(tc.sections...).Encode(); raw != want {
				t.Errorf("PLEDGE_CONFIG = %s\nwant %s", raw, want)
			}
			got, err := config.FromEnv(func(string) string { return raw }, tc.sections...)
			if err != nil {
				t.Fatalf("the function could not start with its PLEDGE_CONFIG: %v", err)
			}
			if !slices.Contains(tc.sections, config.SectionBackup) && len(got.Backup.Policies) > 0 {
				t.Errorf("%s receives the backup section it does not need", tc.name)
			}
			if !slices.Contains(tc.sections, config.SectionNotifications) && got.Notifications.Sender != "" {
				t.Errorf("%s receives the notifications section it does not need", tc.name)
			}
		})
	}
	check(t, "rotator runs one at a time", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]interface{}{
			"Description": assertions.Match_StringLikeRegexp(jsii.String("^Pledge snapshot-rotator:")), "ReservedConcurrentExecutions": 1,
		}))
	})
}

func TestPledgeStack_LogGroupsKeepConfiguredRetention(t *testing.T) {
	s := example(t)
	groups := s.resources("AWS::Logs::LogGroup")
	if len(groups) != len(stack.FunctionNames) {
		t.Fatalf("%d log groups, want one per function (%d)", len(groups), len(stack.FunctionNames))
	}
	for id, g := range groups {
		if got := g["Properties"].(map[string]interface{})["RetentionInDays"]; got != float64(400) {
			t.Errorf("%s: RetentionInDays = %v, want the configured 400", id, got)
		}
		if g["DeletionPolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy = %v, want Retain", id, g["DeletionPolicy"])
		}
	}
}

func TestPledgeStack_SchedulesRunInConfiguredTimezone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     func(*testing.T) *synthesized
		zone  string
		count int
	}{
		{"Tokyo", example, "Asia/Tokyo", 4},
		{"NewYork", idsOnly, "America/New_York", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s(t)
			check(t, "every schedule", func() {
				s.template.AllResourcesProperties(jsii.String("AWS::Scheduler::Schedule"), assertions.Match_ObjectLike(&map[string]interface{}{
					"ScheduleExpressionTimezone": tc.zone,
					"FlexibleTimeWindow":         map[string]interface{}{"Mode": "OFF"},
					"Target": assertions.Match_ObjectLike(&map[string]interface{}{
						"RetryPolicy":      assertions.Match_ObjectLike(&map[string]interface{}{"MaximumRetryAttempts": 3}),
						"DeadLetterConfig": map[string]interface{}{"Arn": assertions.Match_AnyValue()},
					}),
				}))
			})
			schedules := s.resources("AWS::Scheduler::Schedule")
			if len(schedules) != tc.count {
				t.Errorf("%d schedules, want %d (one per backup policy, the purge sweep, the verifier, the evidence reporter)", len(schedules), tc.count)
			}
			var policies []string
			for id, sc := range schedules {
				in := flatten(sc["Properties"].(map[string]interface{})["Target"].(map[string]interface{})["Input"])
				var ev struct {
					DetailType string            `json:"detail-type"`
					Time       string            `json:"time"`
					Account    string            `json:"account"`
					Region     string            `json:"region"`
					Resources  []string          `json:"resources"`
					Detail     map[string]string `json:"detail"`
				}
				if err := json.Unmarshal([]byte(in), &ev); err != nil {
					t.Fatalf("%s: input is not JSON: %v\n%s", id, err, in)
				}
				if ev.DetailType != "Scheduled Event" || ev.Time != "<aws.scheduler.scheduled-time>" || ev.Region != "ap-northeast-1" ||
					ev.Account != "<AWS::AccountId>" || !slices.Equal(ev.Resources, []string{"<aws.scheduler.schedule-arn>"}) || ev.Detail["schedule"] == "" {
					t.Errorf("%s: input %s is not a scheduled event carrying Scheduler's context", id, in)
				}
				if p := ev.Detail["policy"]; p != "" {
					policies = append(policies, p)
				}
			}
			var want []string
			for _, p := range s.stack.Foundation().Config().Backup.Policies {
				want = append(want, p.Name)
			}
			if !slices.Equal(policies, want) {
				t.Errorf("rotator schedules for policies %v, want %v", policies, want)
			}
		})
	}
}

func TestPledgeStack_SchedulerRoleOnlyInvokesItsFunction(t *testing.T) {
	s := example(t)
	fnID := s.idOf(s.stack.SnapshotRotator().Function())
	var roleID string
	for id, sc := range s.resources("AWS::Scheduler::Schedule") {
		target := sc["Properties"].(map[string]interface{})["Target"].(map[string]interface{})
		if flatten(target["Arn"]) == "<"+fnID+".Arn>" {
			roleID = strings.TrimSuffix(strings.TrimPrefix(flatten(target["RoleArn"]), "<"), ".Arn>")
			_ = id
		}
	}
	if roleID == "" {
		t.Fatal("no schedule targets the rotator")
	}
	for _, st := range s.roleStatements(t, roleID) {
		switch {
		case slices.Equal(st.Actions, []string{"lambda:InvokeFunction"}):
			if !slices.Equal(st.Resources, []string{"<" + fnID + ".Arn>"}) {
				t.Errorf("scheduler may invoke %v, want only the rotator", st.Resources)
			}
		case slices.Equal(st.Actions, []string{"sqs:SendMessage"}):
		default:
			t.Errorf("scheduler role allows %v on %v", st.Actions, st.Resources)
		}
	}
}

func TestFoundation_EvidenceBucketLocksInComplianceModeOverTLS(t *testing.T) {
	s := example(t)
	bucket := s.stack.Foundation().EvidenceBucket()
	logs := s.idOf(s.stack.Foundation().AccessLogBucket())
	check(t, "evidence bucket", func() {
		s.template.HasResource(jsii.String("AWS::S3::Bucket"), assertions.Match_ObjectLike(&map[string]interface{}{
			"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]interface{}{
				"ObjectLockEnabled": true,
				"ObjectLockConfiguration": map[string]interface{}{
					"ObjectLockEnabled": "Enabled",
					"Rule":              map[string]interface{}{"DefaultRetention": map[string]interface{}{"Mode": "COMPLIANCE", "Days": 2557}},
				},
				"VersioningConfiguration": map[string]interface{}{"Status": "Enabled"},
				"PublicAccessBlockConfiguration": map[string]interface{}{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"BucketEncryption": map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{
					map[string]interface{}{"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "AES256"}},
				}},
				"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{"DestinationBucketName": map[string]interface{}{"Ref": logs}}),
			}),
		}))
	})
	check(t, "evidence bucket policy denies plain HTTP and TLS < 1.2", func() {
		s.template.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]interface{}{
			"Bucket": map[string]interface{}{"Ref": s.idOf(bucket)},
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Deny", "Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Deny", "Condition": map[string]interface{}{"NumericLessThan": map[string]interface{}{"s3:TlsVersion": 1.2}}}),
			})}),
		})
	})
	// No role in the stack may delete, re-lock or reconfigure evidence, and
	// listing is only of the verifier's reports, or (the evidence reporter)
	// of the kinds it reports on.
	reporter := s.idOf(s.stack.EvidenceReporter().Role())
	for id := range s.resources("AWS::IAM::Role") {
		for _, st := range s.roleStatementsIfAny(id) {
			for _, r := range st.Resources {
				if !strings.HasPrefix(r, "<"+s.idOf(bucket)+".Arn>") {
					continue
				}
				for _, a := range st.Actions {
					switch {
					case a == "s3:ListBucket":
						like, _ := st.Conditions["StringLike"].(map[string]interface{})
						if id == reporter && len(st.Conditions) == 1 && len(like) == 1 {
							continue // its prefixes: TestEvidenceReporter_LeastPrivilege
						}
						if len(st.Conditions) != 1 || len(like) != 1 || like["s3:prefix"] != "verification-report/*" {
							t.Errorf("role %s may list evidence (%s) with condition %v, want only s3:prefix verification-report/*", id, r, st.Conditions)
						}
					case !slices.Contains([]string{"s3:PutObject", "s3:GetObject", "s3:GetBucketPolicy", "s3:GetEncryptionConfiguration"}, a):
						t.Errorf("role %s may %s evidence (%s)", id, a, r)
					}
				}
			}
		}
	}
}

// roleStatementsIfAny is roleStatements for roles that may have no policy.
func (s *synthesized) roleStatementsIfAny(roleID string) []statement {
	var out []statement
	for _, p := range s.resources("AWS::IAM::Policy") {
		props := p["Properties"].(map[string]interface{})
		for _, r := range props["Roles"].([]interface{}) {
			if ref, ok := r.(map[string]interface{})["Ref"]; ok && ref == roleID {
				for _, raw := range props["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
					st := raw.(map[string]interface{})
					cond, _ := st["Condition"].(map[string]interface{})
					out = append(out, statement{Actions: flattenList(st["Action"]), Resources: flattenList(st["Resource"]), Conditions: cond})
				}
			}
		}
	}
	return out
}

const rdsArn = "arn:<AWS::Partition>:rds:ap-northeast-1:<AWS::AccountId>:"

func TestSnapshotRotator_DeletesOnlyManagedSnapshots(t *testing.T) {
	s := example(t)
	stmts := s.roleStatements(t, s.idOf(s.stack.SnapshotRotator().Role()))
	deletes := 0
	for _, st := range stmts {
		for _, a := range st.Actions {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s has wildcard action %s", st.Sid, a)
			}
			if !strings.HasPrefix(a, "rds:Delete") {
				continue
			}
			deletes++
			if a != "rds:DeleteDBSnapshot" && a != "rds:DeleteDBClusterSnapshot" {
				t.Errorf("rotator may %s", a)
			}
			eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
			if eq["aws:ResourceTag/pledge:managed"] != "true" {
				t.Errorf("%s (%s) lacks the condition aws:ResourceTag/pledge:managed = true: %v", a, st.Sid, st.Conditions)
			}
			// The RDS key of the resource type, for both tags.
			rdsKey := map[string]string{"rds:DeleteDBSnapshot": "rds:snapshot-tag/", "rds:DeleteDBClusterSnapshot": "rds:cluster-snapshot-tag/"}[a]
			if eq[rdsKey+"pledge:managed"] != "true" {
				t.Errorf("%s (%s) lacks the condition %spledge:managed = true: %v", a, st.Sid, rdsKey, st.Conditions)
			}
			// Another stage's snapshot (tagged with its stage) is not this
			// role's to delete; a legacy one (no stage tag) stays deletable.
			ifExists, _ := st.Conditions["StringEqualsIfExists"].(map[string]interface{})
			if len(ifExists) != 2 || ifExists["aws:ResourceTag/pledge:stage"] != "prod" || ifExists[rdsKey+"pledge:stage"] != "prod" {
				t.Errorf("%s (%s) lacks StringEqualsIfExists aws:ResourceTag/pledge:stage and %spledge:stage = prod: %v", a, st.Sid, rdsKey, st.Conditions)
			}
			if len(st.Conditions) != 2 {
				t.Errorf("%s (%s) has conditions %v, want StringEquals and StringEqualsIfExists only", a, st.Sid, st.Conditions)
			}
			for _, r := range st.Resources {
				if !strings.HasPrefix(r, rdsArn+"snapshot:pledge-") && !strings.HasPrefix(r, rdsArn+"cluster-snapshot:pledge-") {
					t.Errorf("%s allowed on %s, want only pledge-* snapshots", a, r)
				}
			}
		}
	}
	if deletes != 2 {
		t.Errorf("%d delete grants, want 2 (instance and cluster snapshots)", deletes)
	}
}

func TestSnapshotRotator_CreatesSnapshotsOnlyOfConfiguredTargets(t *testing.T) {
	t.Run("ById", func(t *testing.T) {
		s := idsOnly(t)
		var got []string
		for _, st := range s.roleStatements(t, s.idOf(s.stack.SnapshotRotator().Role())) {
			if st.allows("rds:CreateDBSnapshot") || st.allows("rds:CreateDBClusterSnapshot") {
				// Only the managed-tag conditions (tested on their own).
				eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
				for k := range eq {
					if !strings.HasPrefix(k, "aws:RequestTag/") {
						t.Errorf("unexpected create condition %s in %s: %v", k, st.Sid, st.Conditions)
					}
				}
				got = append(got, st.Resources...)
			}
		}
		sort.Strings(got)
		want := []string{
			rdsArn + "cluster-snapshot:pledge-4-prod-*", rdsArn + "cluster:ledger-aurora",
			rdsArn + "db:orders-db", rdsArn + "db:users-db", rdsArn + "snapshot:pledge-4-prod-*",
		}
		if !slices.Equal(got, want) {
			t.Errorf("create grants on\n%v\nwant only\n%v", got, want)
		}
	})
	t.Run("ByTag", func(t *testing.T) {
		s := example(t)
		tagged := 0
		for _, st := range s.roleStatements(t, s.idOf(s.stack.SnapshotRotator().Role())) {
			if !st.allows("rds:CreateDBSnapshot") && !st.allows("rds:CreateDBClusterSnapshot") {
				continue
			}
			for _, r := range st.Resources {
				if r != rdsArn+"db:*" && r != rdsArn+"cluster:*" {
					continue
				}
				tagged++
				key := "rds:db-tag/pledge:backup"
				if r == rdsArn+"cluster:*" {
					key = "rds:cluster-tag/pledge:backup"
				}
				eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
				var dbConds []string
				for k := range eq {
					if !strings.HasPrefix(k, "aws:RequestTag/") {
						dbConds = append(dbConds, k)
					}
				}
				if len(dbConds) != 1 || eq[key] != "gfs-24h-7d-4w" {
					t.Errorf("%s on %s: condition %v, want only %s = gfs-24h-7d-4w (besides the managed tags)", st.Sid, r, st.Conditions, key)
				}
				if fmt.Sprint(eq["aws:RequestTag/pledge:policy"]) != "[gfs-24h-7d-4w]" && eq["aws:RequestTag/pledge:policy"] != "gfs-24h-7d-4w" {
					t.Errorf("%s: tag-selected databases of policy gfs-24h-7d-4w may be snapshotted for policy %v", st.Sid, eq["aws:RequestTag/pledge:policy"])
				}
			}
		}
		if tagged != 2 {
			t.Errorf("%d tag-conditioned create grants, want 2", tagged)
		}
	})
}

func TestSnapshotRotator_AlarmsWhenNewestSnapshotIsStale(t *testing.T) {
	s := example(t)
	check(t, "hourly policy: one two-hour period", func() {
		s.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]interface{}{
			"Namespace":          "Pledge",
			"MetricName":         "NewestSnapshotAgeSecondsMax",
			"Dimensions":         assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Name": "Policy", "Value": "gfs-24h-7d-4w"}}),
			"Threshold":          7200,
			"Period":             7200,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "breaching",
		}))
	})
	check(t, "daily policy: two consecutive one-day periods", func() {
		idsOnly(t).template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]interface{}{
			"MetricName":         "NewestSnapshotAgeSecondsMax",
			"Dimensions":         assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Name": "Policy", "Value": "daily-7"}}),
			"Threshold":          172800,
			"Period":             86400,
			"EvaluationPeriods":  2,
			"DatapointsToAlarm":  2,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "breaching",
		}))
	})
}

func TestTenantPurger_DeletesOnlyUnderTenantPrefixes(t *testing.T) {
	s := example(t)
	objects := "arn:<AWS::Partition>:s3:::example-saas-tenant-data/tenants/*/*"
	stmts := s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role()))
	found := false
	for _, st := range stmts {
		for _, a := range st.Actions {
			if !strings.HasPrefix(a, "s3:Delete") {
				continue
			}
			found = true
			if !slices.Equal(st.Resources, []string{objects}) {
				t.Errorf("%s allowed on %v, want only %s", a, st.Resources, objects)
			}
		}
		if st.allows("s3:ListBucketVersions") {
			like, _ := st.Conditions["StringLike"].(map[string]interface{})
			if like["s3:prefix"] != "tenants/*/*" {
				t.Errorf("listing is not limited to tenant prefixes: %v", st.Conditions)
			}
		}
	}
	if !found {
		t.Fatal("purger has no delete grant")
	}
	// Nothing else in the stack may delete objects.
	for id := range s.resources("AWS::IAM::Role") {
		if id == s.idOf(s.stack.TenantPurger().Role()) {
			continue
		}
		for _, st := range s.roleStatementsIfAny(id) {
			for _, a := range st.Actions {
				if strings.HasPrefix(a, "s3:Delete") {
					t.Errorf("role %s may %s on %v", id, a, st.Resources)
				}
			}
		}
	}
	check(t, "purge queue feeds one tenant at a time", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), assertions.Match_ObjectLike(&map[string]interface{}{
			"BatchSize": 1, "FunctionResponseTypes": []interface{}{"ReportBatchItemFailures"},
			"ScalingConfig": map[string]interface{}{"MaximumConcurrency": 4},
		}))
	})
	check(t, "purge queue outlives the function timeout", func() {
		s.template.HasResourceProperties(jsii.String("AWS::SQS::Queue"), assertions.Match_ObjectLike(&map[string]interface{}{
			"VisibilityTimeout": 960, "RedrivePolicy": assertions.Match_ObjectLike(&map[string]interface{}{"maxReceiveCount": 5}),
		}))
	})
	check(t, "registry", func() {
		s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), assertions.Match_ObjectLike(&map[string]interface{}{
			"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]interface{}{
				"KeySchema":                        []interface{}{map[string]interface{}{"AttributeName": "tenant_id", "KeyType": "HASH"}},
				"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
				"GlobalSecondaryIndexes": []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
					"IndexName": "by_status",
					"KeySchema": []interface{}{
						map[string]interface{}{"AttributeName": "status", "KeyType": "HASH"},
						map[string]interface{}{"AttributeName": "purge_due", "KeyType": "RANGE"},
					},
				})},
			}),
		}))
	})
	check(t, "signing key", func() {
		s.template.HasResource(jsii.String("AWS::KMS::Key"), assertions.Match_ObjectLike(&map[string]interface{}{
			"DeletionPolicy": "Retain",
			"Properties":     assertions.Match_ObjectLike(&map[string]interface{}{"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
		}))
	})
	// A daily sweep: two one-day periods must both breach (one late sweep
	// is no alarm), so the threshold is one day higher to warn 7 days
	// ahead; silence alarms.
	check(t, "deadline alarm", func() {
		s.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]interface{}{
			"MetricName": "PurgeDeadlineDaysLeftMin", "Threshold": 8, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
			"Period": 86400, "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "AlarmName": "pledge-prod-tenant-purger-deadline",
		}))
	})
}

func TestPledgeStack_ImportsConfiguredRegistryAndEvidence(t *testing.T) {
	s := idsOnly(t)
	if n := len(s.resources("AWS::DynamoDB::Table")); n != 1 {
		t.Errorf("%d tables, want only the ledger when the registry is imported", n)
	}
	if n := len(s.resources("AWS::S3::Bucket")); n != 0 {
		t.Errorf("%d buckets, want none when the evidence bucket is imported", n)
	}
	const table = "arn:<AWS::Partition>:dynamodb:ap-northeast-1:<AWS::AccountId>:table/existing-registry"
	for _, st := range s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role())) {
		if st.allows("dynamodb:UpdateItem") {
			if want := []string{table}; !slices.Equal(st.Resources, want) {
				t.Errorf("registry grant on %v, want %v", st.Resources, want)
			}
		}
		if st.allows("dynamodb:Query") {
			if want := []string{table + "/index/by_status"}; !slices.Equal(st.Resources, want) {
				t.Errorf("registry query on %v, want %v", st.Resources, want)
			}
		}
	}
}

func TestFindingNotifier_RulesFilterTheCatalogue(t *testing.T) {
	s := example(t)
	patterns, err := stack.CataloguePatterns(exampleConfig(t).Notifications)
	if err != nil {
		t.Fatal(err)
	}
	// One rule per pattern of the notifier's catalogue: every service's
	// calls, with CloudTrail's real names, and the any-call rules.
	rules := s.resources("AWS::Events::Rule")
	var toNotifier int
	for _, r := range rules {
		if strings.Contains(fmt.Sprint(r), "findings for the notifier") {
			toNotifier++
		}
	}
	if toNotifier != len(patterns) {
		t.Errorf("%d notifier rules, want one per catalogue pattern (%d)", toNotifier, len(patterns))
	}
	for _, p := range patterns[1:] {
		p := p
		if names, ok := p.Detail["eventName"].([]string); ok {
			check(t, "CloudTrail rule for "+p.Name, func() {
				s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
					"EventPattern": map[string]interface{}{
						"source": strs(p.Source...), "detail-type": strs(p.DetailType...),
						"detail": map[string]interface{}{"eventSource": strs(p.Detail["eventSource"].([]string)...), "eventName": strs(names...)},
					},
				}))
			})
		}
	}
	check(t, "console sign-in rule, IAM users too", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"source": []interface{}{"aws.signin"}, "detail-type": []interface{}{"AWS Console Sign In via CloudTrail"},
				"detail": map[string]interface{}{"eventSource": []interface{}{"signin.amazonaws.com"}, "eventName": []interface{}{"ConsoleLogin"}},
			},
		}))
	})
	check(t, "refused calls of any service", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"detail-type": []interface{}{"AWS API Call via CloudTrail"},
				"detail": map[string]interface{}{"errorCode": []interface{}{
					map[string]interface{}{"prefix": "AccessDenied"}, map[string]interface{}{"suffix": "UnauthorizedOperation"}}},
			},
		}))
	})
	check(t, "root activity", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{
				"detail-type": []interface{}{"AWS API Call via CloudTrail"},
				"detail":      map[string]interface{}{"userIdentity": map[string]interface{}{"type": []interface{}{"Root"}}},
			},
		}))
	})
	check(t, "GuardDuty rule", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{"source": []interface{}{"aws.guardduty"}, "detail-type": []interface{}{"GuardDuty Finding"}},
		}))
	})
	check(t, "notice queue source", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), assertions.Match_ObjectLike(&map[string]interface{}{
			"BatchSize": 10, "FunctionResponseTypes": []interface{}{"ReportBatchItemFailures"},
			"ScalingConfig": map[string]interface{}{"MaximumConcurrency": 2},
		}))
	})
	check(t, "ledger", func() {
		s.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), assertions.Match_ObjectLike(&map[string]interface{}{
			"KeySchema": []interface{}{
				map[string]interface{}{"AttributeName": "finding_id", "KeyType": "HASH"},
				map[string]interface{}{"AttributeName": "tenant_id", "KeyType": "RANGE"},
			},
			"TimeToLiveSpecification": map[string]interface{}{"AttributeName": "expires_at", "Enabled": true},
		}))
	})
}

func TestComplianceVerifier_SendCommandOnlyOwnDocumentOnTaggedInstances(t *testing.T) {
	s := example(t)
	var got []string
	for _, st := range s.roleStatements(t, s.idOf(s.stack.ComplianceVerifier().Role())) {
		if !st.allows("ssm:SendCommand") {
			continue
		}
		if len(st.Actions) != 1 {
			t.Errorf("SendCommand shares statement %s with %v", st.Sid, st.Actions)
		}
		for _, r := range st.Resources {
			got = append(got, r)
			if strings.Contains(r, ":instance/") {
				eq, _ := st.Conditions["StringEquals"].(map[string]interface{})
				if len(st.Conditions) != 1 || len(eq) != 1 || eq["ssm:resourceTag/pledge:timesync"] != "check" {
					t.Errorf("instances not limited to the configured tag: %v", st.Conditions)
				}
			}
		}
	}
	sort.Strings(got)
	want := []string{
		"arn:<AWS::Partition>:ec2:ap-northeast-1:<AWS::AccountId>:instance/*",
		"arn:<AWS::Partition>:ssm:ap-northeast-1:<AWS::AccountId>:document/pledge-prod-chronyc-tracking",
	}
	if !slices.Equal(got, want) {
		t.Errorf("SendCommand on %v, want %v", got, want)
	}
}

func TestPledgeStack_HasNoUnsuppressedNagFindings(t *testing.T) {
	for name, s := range map[string]func(*testing.T) *synthesized{"Example": example, "IdsOnly": idsOnly, "NoInstanceTags": noInstanceTags} {
		t.Run(name, func(t *testing.T) {
			st := s(t).stack
			ann := assertions.Annotations_FromStack(st)
			pattern := assertions.Match_StringLikeRegexp(jsii.String("(AwsSolutions|Serverless)-.*"))
			for _, find := range []struct {
				level string
				msgs  func() []string
			}{
				{"error", func() []string { return messages(ann.FindError(jsii.String("*"), pattern)) }},
				{"warning", func() []string { return messages(ann.FindWarning(jsii.String("*"), pattern)) }},
			} {
				for _, m := range find.msgs() {
					t.Errorf("unsuppressed cdk-nag %s: %s", find.level, m)
				}
			}
		})
	}
}

func messages(found interface{}) []string {
	b, _ := json.Marshal(found)
	var ms []struct {
		ID    string `json:"id"`
		Entry struct {
			Data interface{} `json:"data"`
		} `json:"entry"`
	}
	_ = json.Unmarshal(b, &ms)
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s: %v", m.ID, m.Entry.Data))
	}
	return out
}

func TestNewPledgeStack_RejectsInvalidConfiguration(t *testing.T) {
	cfg := exampleConfig(t)
	cfg.Timezone = "Mars/Olympus"
	cfg.Tenants.PrefixTemplate = "tenants/{tenant}"
	app := awscdk.NewApp(nil)
	_, err := stack.NewPledgeStack(app, "Pledge", &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
	if err == nil {
		t.Fatal("an invalid configuration built a stack")
	}
	for _, want := range []string{`timezone: "Mars/Olympus" is not valid`, `tenants.prefixTemplate: "tenants/{tenant}" is not valid`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := len(*app.Node().Children()); n != 0 {
		t.Errorf("an invalid configuration added %d constructs to the app", n)
	}
}

func TestNewPledgeStack_RejectsMissingBootstrap(t *testing.T) {
	app := awscdk.NewApp(nil)
	_, err := stack.NewPledgeStack(app, "Pledge", &stack.PledgeStackProps{Config: exampleConfig(t), CodeRoot: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "snapshot-rotator: code directory") {
		t.Errorf("err = %v, want one naming the missing snapshot-rotator code directory", err)
	}
}

func TestConfigFromContext(t *testing.T) {
	valid := cdkContext(t)[config.ContextKey]
	bad := exampleConfig(t)
	bad.Notifications.NoticeHours = 0
	var badObj map[string]interface{}
	_ = json.Unmarshal([]byte(bad.Encode()), &badObj)
	badFile := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badFile, []byte(bad.Encode()), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		ctx     map[string]interface{}
		wantErr string
	}{
		"Inline":           {map[string]interface{}{config.ContextKey: valid}, ""},
		"InlineJSONString": {map[string]interface{}{config.ContextKey: exampleConfig(t).Encode()}, ""},
		"File":             {map[string]interface{}{config.ContextKey: badObj, config.ContextFileKey: "../config/example.json"}, ""},
		"ErrInline":        {map[string]interface{}{config.ContextKey: badObj}, "notifications.noticeHours: 0 is not valid"},
		"ErrFile":          {map[string]interface{}{config.ContextFileKey: badFile}, "notifications.noticeHours: 0 is not valid"},
		"ErrMissingFile":   {map[string]interface{}{config.ContextFileKey: "nope.json"}, "read configuration"},
		"ErrUnknownField":  {map[string]interface{}{config.ContextKey: map[string]interface{}{"regoin": "x"}}, `unknown field "regoin"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &tc.ctx})
			cfg, err := stack.ConfigFromContext(app.Node())
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if cfg.Notifications.NoticeHours != 72 || cfg.Timezone != "Asia/Tokyo" {
					t.Errorf("read %+v, want the example configuration", cfg.Notifications)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
