package stack_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/pledge-dev/pledge/infra/stack"
	"github.com/pledge-dev/pledge/shared/purger"
)

func TestTenantPurger_ReadsBackOnlyItsManifestsAndCertificates(t *testing.T) {
	s := example(t)
	bucket := "<" + s.idOf(s.stack.Foundation().EvidenceBucket()) + ".Arn>"
	var want []string
	for _, k := range stack.PurgerReadsBack {
		want = append(want, bucket+"/"+k+"/*")
	}
	if got := resourcesFor(s.roleStatements(t, s.idOf(s.stack.TenantPurger().Role())), "s3:GetObject"); !slices.Equal(got, want) {
		t.Errorf("GetObject on %v, want only %v (never purge-run, never tenant data)", got, want)
	}
}

func TestTenantPurger_AlarmsWhenThePrefixGuardTrips(t *testing.T) {
	s := example(t)
	check(t, "prefix guard alarm", func() {
		s.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]interface{}{
			"MetricName": "PrefixGuardTripped", "Statistic": "Sum", "Period": 300, "Threshold": 0,
			"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
			"AlarmName": "pledge-prod-tenant-purger-prefix-guard", "AlarmActions": assertions.Match_AnyValue(),
		}))
	})
}

func TestTenantPurger_ReceivesDeletionReportRequests(t *testing.T) {
	s := example(t)
	want := []interface{}{}
	for _, d := range []string{"Tenant Registered", "Tenant Terminated", "Tenant Reinstated", "Tenant Contact Changed", purger.ReportRequested} {
		want = append(want, d)
	}
	check(t, "lifecycle rule", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]interface{}{
			"EventPattern": map[string]interface{}{"source": []interface{}{stack.TenantLifecycleSource}, "detail-type": want},
		}))
	})
}
