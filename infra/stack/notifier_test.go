package stack_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
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
