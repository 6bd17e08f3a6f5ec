package stack_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/config"
)

// TestProfiles_SynthesizeNagClean synthesizes every seed operator's ready
// profile (infra/config) as a stack of one app, with cdk-nag on the app,
// and checks each: no unsuppressed finding, a rotator schedule per policy
// that takes snapshots (none, and no rotator, for a profile that promises
// only point-in-time recovery), in the profile's zone, and the verifier
// granted only what the profile's checks read.
func TestProfiles_SynthesizeNagClean(t *testing.T) {
	ctx := cdkContext(t)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	names := []string{"tracpath", "my-redmine", "ecai", "sotas", "isgc"}
	stacks := map[string]stack.PledgeStack{}
	for _, name := range names {
		cfg, err := config.Load("../config/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		st, err := stack.NewPledgeStack(app, "Pledge-"+name, &stack.PledgeStackProps{Config: cfg, CodeRoot: codeRoot})
		if err != nil {
			t.Fatalf("%s: NewPledgeStack: %v", name, err)
		}
		stacks[name] = st
	}
	stack.ApplyNag(app)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			st := stacks[name]
			cfg := st.Foundation().Config()
			ann := assertions.Annotations_FromStack(st)
			pattern := assertions.Match_StringLikeRegexp(jsii.String("(AwsSolutions|Serverless)-.*"))
			for _, m := range messages(ann.FindError(jsii.String("*"), pattern)) {
				t.Errorf("unsuppressed cdk-nag error: %s", m)
			}
			for _, m := range messages(ann.FindWarning(jsii.String("*"), pattern)) {
				t.Errorf("unsuppressed cdk-nag warning: %s", m)
			}
			tmpl := assertions.Template_FromStack(st, nil)
			s := &synthesized{stack: st, template: tmpl, json: *tmpl.ToJSON()}

			var rotatorSchedules []string
			for id, sc := range s.resources("AWS::Scheduler::Schedule") {
				props := sc["Properties"].(map[string]interface{})
				if props["ScheduleExpressionTimezone"] != "Asia/Tokyo" {
					t.Errorf("%s: schedule in %v, want Asia/Tokyo", id, props["ScheduleExpressionTimezone"])
				}
				var ev struct {
					Detail map[string]string `json:"detail"`
				}
				_ = json.Unmarshal([]byte(flatten(props["Target"].(map[string]interface{})["Input"])), &ev)
				if p := ev.Detail["policy"]; p != "" {
					rotatorSchedules = append(rotatorSchedules, p+" "+props["ScheduleExpression"].(string))
				}
			}
			var want []string
			for _, p := range cfg.Backup.SnapshotPolicies() {
				want = append(want, p.Name+" "+p.Schedule)
			}
			slices.Sort(rotatorSchedules)
			if !slices.Equal(rotatorSchedules, want) {
				t.Errorf("rotator schedules %v, want %v", rotatorSchedules, want)
			}
			if got, want := st.SnapshotRotator() != nil, len(want) > 0; got != want {
				t.Errorf("rotator deployed: %v, want %v", got, want)
			}
			// No grant to create snapshots where no policy takes them.
			creates := false
			for _, pol := range s.resources("AWS::IAM::Policy") {
				if strings.Contains(flatten(pol["Properties"].(map[string]interface{})["PolicyDocument"]), "rds:CreateDBSnapshot") {
					creates = true
				}
			}
			if creates != (len(want) > 0) {
				t.Errorf("a role may create snapshots: %v, want %v", creates, len(want) > 0)
			}

			// The verifier reads listeners only when the profile checks
			// TLS on load balancers, bucket lifecycles only when it
			// promises noncurrent versions, key rotation and log groups
			// only when it checks them.
			verifier := s.idOf(st.ComplianceVerifier().Role())
			var actions []string
			for _, stmt := range s.roleStatements(t, verifier) {
				actions = append(actions, stmt.Actions...)
			}
			for action, check := range map[string]string{
				"elasticloadbalancing:DescribeListeners": "elb.tls12-policy",
				"s3:GetLifecycleConfiguration":           "s3.noncurrent-version-retention",
				"kms:GetKeyRotationStatus":               "kms.key-rotation",
				"logs:DescribeLogGroups":                 "logs.retention",
			} {
				if got, want := slices.Contains(actions, action), slices.Contains(cfg.Verification.Checks, check); got != want {
					t.Errorf("verifier granted %s: %v, want %v (check %s configured: %v)", action, got, want, check, want)
				}
			}
		})
	}
}
