package scenario

import (
	"github.com/pledge-dev/pledge/shared/config"
)

// Names the scenario uses.
const (
	// Stage is the scenario's deployment; NeighbourStage is another stage
	// in the same account whose rotator backs up the same databases under
	// the same policy name (SeedRDS seeds its snapshots).
	Stage          = "prod"
	NeighbourStage = "staging"
	Policy         = "gfs-24h-7d-4w"
	BackupTagKey   = "pledge:backup"
	BackupTagValue = "gfs"
	EvidenceBucket = "pledge-evidence"
	TenantBucket   = "pledge-tenant-data-111122223333" // as in the GuardDuty fixtures in events/
	Sender         = "security@pledge-demo.example"
)

// Config returns the sandbox operator's configuration: the example
// operator's promises (hourly x24 + daily x7 + weekly x4; 30 days' grace
// then 30 days to delete; notice within 72 hours) pointed at the scenario's
// resources.
func Config() config.Config {
	return config.Config{
		Stage:            Stage,
		Region:           "ap-northeast-1",
		Timezone:         "Asia/Tokyo",
		LogRetentionDays: 400,
		Backup: config.Backup{Policies: []config.BackupPolicy{{
			Name:                    Policy,
			Targets:                 config.Targets{Tags: map[string]string{BackupTagKey: BackupTagValue}, Clusters: []string{"billing-aurora"}},
			Keep:                    config.Keep{Hourly: 24, Daily: 7, Weekly: 4},
			Schedule:                "rate(1 hour)",
			MinAvailable:            3,
			PointInTimeRecoveryDays: 7,
		}}},
		Tenants: config.Tenants{
			Buckets:           []string{TenantBucket},
			PrefixTemplate:    "tenants/{tenant}/",
			GracePeriodDays:   30,
			DeadlineDays:      30,
			Schedule:          "cron(0 3 * * ? *)",
			AdvanceNoticeDays: 7,
			DeadlineAlarmDays: 7,
			Concurrency:       4,
		},
		Notifications: config.Notifications{
			Sender:            Sender,
			Languages:         []string{"ja", "en"},
			SeverityThreshold: "Medium",
			PlatformSeverity:  "High",
			NoticeHours:       72,
			QuietPeriodHours:  24,
			SendRatePerSecond: 50,
			Operator:          map[string]string{"ja": "Pledge デモクラウド", "en": "Pledge Demo Cloud"},
			Contact:           "security@pledge-demo.example",
		},
		Verification: config.Verification{
			ClockOffsetThreshold: "100ms",
			Schedule:             "rate(1 hour)",
			InstanceTags:         map[string]string{"pledge:timesync": "check"},
			// Amazon Time Sync and NICT's ntp.nict.jp (operator 002's
			// promise); tenants' attachments kept 31 days after change or
			// deletion and application logs six months (operator 001's);
			// keys rotated at least yearly.
			TimeSources:           []config.TimeSource{{Service: config.TimeServiceAmazon}, {Service: config.TimeServiceNICT}},
			NoncurrentVersionDays: 31,
			LogClasses:            []config.LogClass{{Name: "application", Prefixes: []string{"/pledge/app/"}, MinDays: 180}},
			KeyRotationMaxDays:    365,
		},
		Evidence: config.Evidence{Bucket: EvidenceBucket, RetentionDays: 1},
	}
}
