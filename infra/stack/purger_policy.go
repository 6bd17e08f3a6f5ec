package stack

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
)

// The only signing the purger's role may do with the certificate key
// (kms:SigningAlgorithm, kms:MessageType): shared/certificate signs the
// SHA-256 digest of the canonical certificate with ECDSA.
const (
	SigningAlgorithm   = "ECDSA_SHA_256"
	SigningMessageType = "DIGEST"
)

// purgeQueueConcurrency is how many purges run at once: the event source
// mapping's MaximumConcurrency, which SQS sets at 2 or more.
func purgeQueueConcurrency(cfg config.Config) int { return max(2, cfg.Tenants.Concurrency) }

// fromSender limits SES sending to the configured sender address
// (ses:FromAddress), whatever identity (the address or its domain) SES
// authorises it under.
func fromSender(cfg config.Config) map[string]interface{} {
	return map[string]interface{}{"StringEquals": map[string]interface{}{"ses:FromAddress": cfg.Notifications.Sender}}
}

// deadlineAlarm alarms when an unfinished purge has fewer than
// DeadlineAlarmDays left, and when the sweep stops reporting. The sweep
// reports PurgeDeadlineDaysLeftMin once a run (DeadlineDays when nothing
// is due), so the alarm looks at twice the sweep's interval
// (staleAlarmShape) and needs every period of it to breach: one late
// sweep is not an alarm. A falling value then alarms one period later
// than a single-period alarm would, so the threshold is raised by the
// periods' length in days beyond the first, to keep the warning
// DeadlineAlarmDays ahead of the deadline.
func (f *function) deadlineAlarm(cfg config.Config) error {
	s, err := schedule.Parse(cfg.Tenants.Schedule)
	if err != nil {
		return fmt.Errorf("tenants.schedule: %w", err)
	}
	interval := s.Interval(time.Now(), cfg.Location())
	if interval <= 0 {
		return fmt.Errorf("tenants.schedule: %q has no interval to alarm on", cfg.Tenants.Schedule)
	}
	period, n := staleAlarmShape(interval)
	threshold := float64(cfg.Tenants.DeadlineAlarmDays) + float64(n-1)*period.Hours()/24
	_, err = f.alarm(alarmSpec{
		id: "DeadlineAlarm", name: "deadline",
		what:      fmt.Sprintf("an unfinished tenant purge is fewer than %d days from its promised deadline, or the daily sweep stopped reporting.", cfg.Tenants.DeadlineAlarmDays),
		metric:    f.pledgeMetric("PurgeDeadlineDaysLeftMin", "Minimum", period, nil),
		threshold: threshold, comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		periods: n, datapoints: n,
		missing: MissingIsFailure,
	})
	return err
}
