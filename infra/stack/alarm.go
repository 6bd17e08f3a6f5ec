package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/jsii-runtime-go"
)

// MissingData is an alarm's treatment of periods without data, chosen on
// purpose for each alarm: the metric's nature decides it.
type MissingData struct {
	// Treat is what CloudWatch does with a missing period.
	Treat awscloudwatch.TreatMissingData
	// Why says in one sentence why, for the alarm's description.
	Why string
}

// The two treatments Pledge's alarms use.
var (
	// MissingIsSilence is for metrics that only exist when something went
	// wrong (errors, messages in a dead-letter queue, notices at risk):
	// no data means nothing to report.
	MissingIsSilence = MissingData{awscloudwatch.TreatMissingData_NOT_BREACHING,
		"No data means nothing went wrong: this metric is only emitted when it did."}
	// MissingIsFailure is for metrics a healthy function reports every
	// run (the newest snapshot's age, the purge deadline): silence means
	// the function stopped keeping the promise, which must alarm.
	MissingIsFailure = MissingData{awscloudwatch.TreatMissingData_BREACHING,
		"No data alarms too: the function reports this every run, so silence means it stopped running or reporting."}
)

// alarmSpec is one alarm of a function.
type alarmSpec struct {
	// id is the construct id; name ends the alarm's physical name
	// (Naming.Name(function, name)).
	id, name string
	// what the alarm means, one sentence, for the operator reading it.
	what       string
	metric     awscloudwatch.IMetric
	threshold  float64
	comparison awscloudwatch.ComparisonOperator
	// periods to evaluate and datapoints among them that must breach
	// (both 1 when 0).
	periods, datapoints int
	missing             MissingData
}

// alarm creates a named alarm that notifies the ops topic. Every alarm of
// the stack goes through here, so that each has a stage-derived name, an
// action, and a missing-data treatment chosen with its reason.
func (f *function) alarm(s alarmSpec) (awscloudwatch.Alarm, error) {
	if s.missing.Why == "" {
		return nil, fmt.Errorf("%s: alarm %s has no missing-data treatment", f.name, s.id)
	}
	periods, datapoints := max(1, s.periods), max(1, s.datapoints)
	a := awscloudwatch.NewAlarm(f.construct, jsii.String(s.id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(f.found.Naming().Name(f.name, s.name)),
		AlarmDescription:   jsii.String("Pledge: " + s.what + " " + s.missing.Why),
		Metric:             s.metric,
		Threshold:          jsii.Number(s.threshold),
		ComparisonOperator: s.comparison,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		DatapointsToAlarm:  jsii.Number(float64(datapoints)),
		TreatMissingData:   s.missing.Treat,
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(f.found.OpsTopic()))
	f.alarms = append(f.alarms, a)
	return a, nil
}
