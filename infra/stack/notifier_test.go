package stack_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
)

// TestFindingNotifier_AlarmsOnUnroutedFindings: a finding about resources
// that are no tenant's reaches ops only, and an alarm says so.
func TestFindingNotifier_AlarmsOnUnroutedFindings(t *testing.T) {
	s := example(t)
	check(t, "unrouted alarm", func() {
		s.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]interface{}{
			"Namespace":          "Pledge",
			"MetricName":         "FindingsUnrouted",
			"Dimensions":         []interface{}{map[string]interface{}{"Name": "Function", "Value": "finding-notifier"}},
			"Statistic":          "Sum",
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       assertions.Match_AnyValue(),
		}))
	})
}

// TestFindingNotifier_TagLookupsAreReadOnlyPerService: each lookup call is
// granted on its own service's resource type in the stack's account, and
// nothing that writes.
func TestFindingNotifier_TagLookupsAreReadOnlyPerService(t *testing.T) {
	s := example(t)
	stmts := s.roleStatements(t, s.idOf(s.stack.FindingNotifier().Role()))
	want := map[string][]string{
		"ec2:DescribeTags":         {"*"},
		"eks:DescribeCluster":      {"arn:<AWS::Partition>:eks:ap-northeast-1:<AWS::AccountId>:cluster/*"},
		"lambda:ListTags":          {"arn:<AWS::Partition>:lambda:ap-northeast-1:<AWS::AccountId>:function:*"},
		"iam:ListUserTags":         {"arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*"},
		"iam:GetAccessKeyLastUsed": {"arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*"},
		"iam:ListRoleTags":         {"arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*"},
		"ecs:ListTagsForResource": {
			"arn:<AWS::Partition>:ecs:ap-northeast-1:<AWS::AccountId>:cluster/*",
			"arn:<AWS::Partition>:ecs:ap-northeast-1:<AWS::AccountId>:task/*",
		},
		"rds:ListTagsForResource": {
			"arn:<AWS::Partition>:rds:ap-northeast-1:<AWS::AccountId>:db:*",
			"arn:<AWS::Partition>:rds:ap-northeast-1:<AWS::AccountId>:cluster:*",
			"arn:<AWS::Partition>:rds:ap-northeast-1:<AWS::AccountId>:snapshot:*",
			"arn:<AWS::Partition>:rds:ap-northeast-1:<AWS::AccountId>:cluster-snapshot:*",
		},
	}
	for action, resources := range want {
		got := resourcesFor(stmts, action)
		if !slicesEqualSorted(got, resources) {
			t.Errorf("%s on %v, want %v", action, got, resources)
		}
	}
	for _, st := range stmts {
		for _, a := range st.Actions {
			for _, svc := range []string{"ec2:", "eks:", "lambda:", "ecs:", "iam:"} {
				if strings.HasPrefix(a, svc) && !slices.Contains(stack.TagLookupActions, a) {
					t.Errorf("the notifier may %s: only the tag lookups are granted on %s", a, svc)
				}
			}
		}
	}
}

func slicesEqualSorted(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// strs is a JSON array of strings as the template holds it.
func strs(ss ...string) []interface{} {
	out := make([]interface{}, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
