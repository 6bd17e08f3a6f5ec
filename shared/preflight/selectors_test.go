package preflight

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/pledge-dev/pledge/shared/config"
)

func TestLogsWriteManagementEvents(t *testing.T) {
	adv := func(fields ...cttypes.AdvancedFieldSelector) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{FieldSelectors: fields}}}
	}
	field := func(name string, values ...string) cttypes.AdvancedFieldSelector {
		return cttypes.AdvancedFieldSelector{Field: aws.String(name), Equals: values}
	}
	basic := func(rw cttypes.ReadWriteType, mgmt bool) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{ReadWriteType: rw, IncludeManagementEvents: aws.Bool(mgmt)}}}
	}
	for name, tc := range map[string]struct {
		in   *cloudtrail.GetEventSelectorsOutput
		want bool
	}{
		"BasicAll":          {basic(cttypes.ReadWriteTypeAll, true), true},
		"BasicWriteOnly":    {basic(cttypes.ReadWriteTypeWriteOnly, true), true},
		"BasicReadOnly":     {basic(cttypes.ReadWriteTypeReadOnly, true), false},
		"BasicDataOnly":     {basic(cttypes.ReadWriteTypeAll, false), false},
		"AdvancedAll":       {adv(field("eventCategory", "Management")), true},
		"AdvancedWrites":    {adv(field("eventCategory", "Management"), field("readOnly", "false")), true},
		"AdvancedReadsOnly": {adv(field("eventCategory", "Management"), field("readOnly", "true")), false},
		"AdvancedData":      {adv(field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object")), false},
		"None":              {&cloudtrail.GetEventSelectorsOutput{}, false},
	} {
		if got := logsWriteManagementEvents(tc.in); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestGenerations(t *testing.T) {
	for name, tc := range map[string]struct {
		p         config.BackupPolicy
		want      int
		unlimited bool
	}{
		"GFS":              {config.BackupPolicy{Keep: config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, MinAvailable: 3}, 36, false},
		"MinAvailableWins": {config.BackupPolicy{Keep: config.Keep{Daily: 2}, MinAvailable: 5}, 6, false},
		"Unlimited":        {config.BackupPolicy{Keep: config.Keep{Daily: 7, Monthly: -1}, MinAvailable: 1}, 8, true},
		// Daily snapshots kept 11 days: at most 12 calendar days hold one
		// (13 counting a day of 25 hours), plus the one being created.
		"WithinDaily":  {config.BackupPolicy{Schedule: "cron(0 3 * * ? *)", Keep: config.Keep{WithinDaily: "11d"}, MinAvailable: 1}, 14, false},
		"WithinHourly": {config.BackupPolicy{Schedule: "rate(1 hour)", Keep: config.Keep{Within: "6h", Daily: 2}, MinAvailable: 1}, 10, false},
		"PITROnly":     {config.BackupPolicy{PointInTimeRecoveryDays: 30, MinAvailable: 1}, 0, false},
	} {
		got, unlimited := generations(tc.p)
		if got != tc.want || unlimited != tc.unlimited {
			t.Errorf("%s: %d %v, want %d %v", name, got, unlimited, tc.want, tc.unlimited)
		}
	}
}
