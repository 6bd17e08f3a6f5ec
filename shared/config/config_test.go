package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// example loads the shipped example, the one in cdk.json.
func example(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantOneFieldError fails unless err is a *config.ValidationError with
// exactly one field error, whose text contains want.
func wantOneFieldError(t *testing.T, err error, want string) {
	t.Helper()
	var verr *config.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	if len(verr.Fields) != 1 {
		t.Errorf("want exactly one field error, got %d: %v", len(verr.Fields), err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error\n  %v\nwant it to contain\n  %s", err, want)
	}
}

func TestLoad_ExampleExpressesOperatorPromises(t *testing.T) {
	c := example(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("example configuration is invalid: %v", err)
	}
	p := c.Backup.Policies[0]
	if got, want := p.Keep, (config.Keep{Hourly: 24, Daily: 7, Weekly: 4}); got != want {
		t.Errorf("keep = %+v, want %+v", got, want)
	}
	if c.Tenants.GracePeriodDays != 30 || c.Tenants.DeadlineDays != 30 {
		t.Errorf("grace/deadline = %d/%d, want 30/30", c.Tenants.GracePeriodDays, c.Tenants.DeadlineDays)
	}
	if c.Notifications.NoticeHours != 72 {
		t.Errorf("noticeHours = %d, want 72", c.Notifications.NoticeHours)
	}
	if c.Timezone != "Asia/Tokyo" {
		t.Errorf("timezone = %q", c.Timezone)
	}
	file, err := config.Load(filepath.Join("..", "..", "infra", "config", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Validate(); err != nil {
		t.Fatalf("infra/config/example.json is invalid: %v", err)
	}
}

func TestLoad_FollowsConfigFileContext(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "prod.json")
	if err := os.WriteFile(env, []byte(`{"region":"us-east-1","evidence":{"retentionDays":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(dir, "cdk.json")
	if err := os.WriteFile(cdk, []byte(`{"context":{"pledge":{"region":"ap-northeast-1"},"pledge:configFile":"`+env+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cdk)
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "us-east-1" {
		t.Errorf("region = %q, want the per-environment file's us-east-1", c.Region)
	}
}

func TestDecode_Defaults(t *testing.T) {
	c, err := config.Decode(strings.NewReader(`{"region":"ap-northeast-1","backup":{"policies":[{"name":"a"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Timezone, "Asia/Tokyo"; got != want {
		t.Errorf("timezone = %q, want %q", got, want)
	}
	if got, want := c.LogRetentionDays, 180; got != want {
		t.Errorf("logRetentionDays = %d, want %d", got, want)
	}
	if got, want := c.Backup.Policies[0].MinAvailable, 1; got != want {
		t.Errorf("minAvailable = %d, want %d", got, want)
	}
	if got := strings.Join(c.Notifications.Languages, ","); got != "ja,en" {
		t.Errorf("languages = %q, want Japanese first", got)
	}
}

func TestDecode_Errors(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"ErrUnknownField": {`{"regoin":"x"}`, `unknown field "regoin"`},
		"ErrWrongType":    {`{"backup":{"policies":[{"keep":{"daily":"7"}}]}}`, "cannot unmarshal string"},
		"ErrTwoValues":    {`{} {}`, "more than one JSON value"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Decode(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// TestValidate_Errors checks every validation message: it names the field,
// the bad value and what would be valid.
func TestValidate_Errors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		want   string
	}{
		{"region", func(c *config.Config) { c.Region = "tokyo" }, `region: "tokyo" is not valid: want an AWS region name such as "ap-northeast-1"`},
		{"timezone", func(c *config.Config) { c.Timezone = "Asia/Tokio" }, `timezone: "Asia/Tokio" is not valid: want an IANA time zone name such as "Asia/Tokyo"`},
		{"logRetention short", func(c *config.Config) { c.LogRetentionDays = 90 }, `logRetentionDays: 90 is not valid: want a CloudWatch Logs retention of at least 180 days`},
		{"logRetention odd", func(c *config.Config) { c.LogRetentionDays = 200 }, `logRetentionDays: 200 is not valid`},
		{"evidence bucket", func(c *config.Config) { c.Evidence.Bucket = "Bad_Bucket" }, `evidence.bucket: "Bad_Bucket" is not valid: want an S3 bucket name`},
		{"evidence retention", func(c *config.Config) { c.Evidence.RetentionDays = 0 }, `evidence.retentionDays: 0 is not valid: want a number of days from 1 to 36500`},
		{"no policies", func(c *config.Config) { c.Backup.Policies = nil }, `backup.policies: nothing is not valid: want at least one backup policy`},
		{"policy name", func(c *config.Config) { c.Backup.Policies[0].Name = "GFS Policy" }, `backup.policies[0].name: "GFS Policy" is not valid: want 1-30 lower-case letters`},
		{"duplicate policy", func(c *config.Config) { c.Backup.Policies = append(c.Backup.Policies, c.Backup.Policies[0]) }, `backup.policies[1].name: "gfs-24h-7d-4w" is not valid: want a name no other policy uses`},
		{"no targets", func(c *config.Config) { c.Backup.Policies[0].Targets = config.Targets{} }, `backup.policies[0].targets: nothing is not valid: want at least one of instances, clusters or tags`},
		{"instance id", func(c *config.Config) { c.Backup.Policies[0].Targets.Instances = []string{"1db"} }, `backup.policies[0].targets.instances[0]: "1db" is not valid: want a DB instance identifier`},
		{"cluster id", func(c *config.Config) { c.Backup.Policies[0].Targets.Clusters = []string{"a_b"} }, `backup.policies[0].targets.clusters[0]: "a_b" is not valid: want a DB cluster identifier`},
		{"tag key", func(c *config.Config) { c.Backup.Policies[0].Targets.Tags = map[string]string{"aws:x": "y"} }, `backup.policies[0].targets.tags: "aws:x" is not valid: want tag keys`},
		{"keep negative", func(c *config.Config) { c.Backup.Policies[0].Keep.Daily = -2 }, `backup.policies[0].keep.daily: -2 is not valid: want -1 (unlimited), 0 (tier off) or a positive count`},
		{"keep none", func(c *config.Config) { c.Backup.Policies[0].Keep = config.Keep{} }, `backup.policies[0].keep: "all tiers 0" is not valid: want at least one non-zero tier`},
		{"keep none with a schedule", func(c *config.Config) {
			c.Backup.Policies[0].Keep = config.Keep{}
			c.Backup.Policies[0].PointInTimeRecoveryDays = 30
		}, `backup.policies[0].keep: "all tiers 0" is not valid: want at least one non-zero tier, e.g. {"hourly": 24, "daily": 7, "weekly": 4} or {"withinDaily": "11d"}: a policy with a schedule takes snapshots`},
		{"keep none without a promise", func(c *config.Config) {
			c.Backup.Policies[0].Keep = config.Keep{}
			c.Backup.Policies[0].Schedule = ""
			c.Backup.Policies[0].PointInTimeRecoveryDays = 0
		}, `or, with no schedule, pointInTimeRecoveryDays for a policy that promises only point-in-time recovery`},
		{"tiers without a schedule", func(c *config.Config) { c.Backup.Policies[0].Schedule = "" }, `backup.policies[0].schedule: "" is not valid`},
		{"keep within not a span", func(c *config.Config) { c.Backup.Policies[0].Keep.WithinDaily = "11 days" }, `backup.policies[0].keep.withinDaily: "11 days" is not valid: want a span as restic writes it, such as "11d"`},
		{"keep within a week", func(c *config.Config) { c.Backup.Policies[0].Keep.Within = "1w" }, `backup.policies[0].keep.within: "1w" is not valid: want a span as restic writes it`},
		{"keep within zero", func(c *config.Config) { c.Backup.Policies[0].Keep.WithinYearly = "0y" }, `backup.policies[0].keep.withinYearly: "0y" is not valid`},
		{"schedule", func(c *config.Config) { c.Backup.Policies[0].Schedule = "hourly" }, `backup.policies[0].schedule: "hourly" is not valid: want an EventBridge Scheduler expression`},
		{"schedule too often", func(c *config.Config) { c.Backup.Policies[0].Schedule = "rate(5 minutes)" }, `backup.policies[0].schedule: "rate(5 minutes)" is not valid: want an interval of at least one hour`},
		{"minAvailable", func(c *config.Config) { c.Backup.Policies[0].MinAvailable = 0 }, `backup.policies[0].minAvailable: 0 is not valid: want at least 1`},
		{"pitr", func(c *config.Config) { c.Backup.Policies[0].PointInTimeRecoveryDays = 36 }, `backup.policies[0].pointInTimeRecoveryDays: 36 is not valid: want 0 (nothing promised) to 35`},
		{"table", func(c *config.Config) { c.Tenants.RegistryTable = "t!" }, `tenants.registryTable: "t!" is not valid: want a DynamoDB table name`},
		{"no buckets", func(c *config.Config) { c.Tenants.Buckets = nil }, `tenants.buckets: nothing is not valid: want at least one S3 bucket`},
		{"bucket", func(c *config.Config) { c.Tenants.Buckets = []string{"a..b"} }, `tenants.buckets[0]: "a..b" is not valid: want an S3 bucket name`},
		{"prefix no placeholder", func(c *config.Config) { c.Tenants.PrefixTemplate = "tenants/" }, `tenants.prefixTemplate: "tenants/" is not valid: want a template with "{tenant}" exactly once`},
		{"prefix no delimiter", func(c *config.Config) { c.Tenants.PrefixTemplate = "tenants/{tenant}" }, `tenants.prefixTemplate: "tenants/{tenant}" is not valid: want a template ending in "{tenant}/"`},
		{"prefix wildcard", func(c *config.Config) { c.Tenants.PrefixTemplate = "*/{tenant}/" }, `tenants.prefixTemplate: "*/{tenant}/" is not valid: want a plain S3 key prefix`},
		{"prefix leading slash", func(c *config.Config) { c.Tenants.PrefixTemplate = "/{tenant}/" }, `tenants.prefixTemplate: "/{tenant}/" is not valid: want a plain S3 key prefix`},
		{"grace", func(c *config.Config) { c.Tenants.GracePeriodDays = -1 }, `tenants.gracePeriodDays: -1 is not valid: want 0 to 3650 days`},
		{"deadline", func(c *config.Config) { c.Tenants.DeadlineDays = 0 }, `tenants.deadlineDays: 0 is not valid: want 1 to 3650 days`},
		{"tenant schedule", func(c *config.Config) { c.Tenants.Schedule = "" }, `tenants.schedule: "" is not valid: want an EventBridge Scheduler expression`},
		{"advance notice", func(c *config.Config) { c.Tenants.AdvanceNoticeDays = 31 }, `tenants.advanceNoticeDays: 31 is not valid: want 0 (off) to the grace period (30 days)`},
		{"deadline alarm", func(c *config.Config) { c.Tenants.DeadlineAlarmDays = 30 }, `tenants.deadlineAlarmDays: 30 is not valid: want 1 to 29 days, fewer than deadlineDays`},
		{"concurrency", func(c *config.Config) { c.Tenants.Concurrency = 0 }, `tenants.concurrency: 0 is not valid: want 1 to 100`},
		{"sender", func(c *config.Config) { c.Notifications.Sender = "security" }, `notifications.sender: "security" is not valid: want an email address verified in SES`},
		{"no languages", func(c *config.Config) { c.Notifications.Languages = nil }, `notifications.languages: nothing is not valid: want one or more of "ja", "en"`},
		{"language", func(c *config.Config) { c.Notifications.Languages = []string{"ja", "fr"} }, `notifications.languages[1]: "fr" is not valid: want "ja" or "en", each at most once`},
		{"severity", func(c *config.Config) { c.Notifications.SeverityThreshold = "medium" }, `notifications.severityThreshold: "medium" is not valid: want one of Low, Medium, High, Critical`},
		{"platform severity", func(c *config.Config) { c.Notifications.PlatformSeverity = "Severe" }, `notifications.platformSeverity: "Severe" is not valid: want one of Low, Medium, High, Critical`},
		{"notice hours", func(c *config.Config) { c.Notifications.NoticeHours = 0 }, `notifications.noticeHours: 0 is not valid: want the promised hours from detection to notice`},
		{"quiet period", func(c *config.Config) { c.Notifications.QuietPeriodHours = -1 }, `notifications.quietPeriodHours: -1 is not valid: want 1 to 8760 hours`},
		{"send rate", func(c *config.Config) { c.Notifications.SendRatePerSecond = 0 }, `notifications.sendRatePerSecond: 0 is not valid: want 1 to 1000`},
		{"ops email", func(c *config.Config) { c.Notifications.OpsEmails = []string{"ops"} }, `notifications.opsEmails[0]: "ops" is not valid: want an email address`},
		{"operator language", func(c *config.Config) {
			c.Notifications.Operator = map[string]string{"ja": "例", "en": "Ex", "fr": "Ex"}
		}, `notifications.operator: "fr" is not valid: want texts keyed by "ja" or "en"`},
		{"operator missing language", func(c *config.Config) { c.Notifications.Operator = map[string]string{"ja": "例"} }, `notifications.operator: "en missing" is not valid: want a text for every notice language (ja, en)`},
		{"action empty", func(c *config.Config) { c.Notifications.Action = map[string]string{"ja": " ", "en": "x"} }, `notifications.action.ja: " " is not valid: want a non-empty text`},
		{"contact newline", func(c *config.Config) { c.Notifications.Contact = "a\nBcc: x" }, `notifications.contact: "a\nBcc: x" is not valid: want one line`},
		{"catalogue severity", func(c *config.Config) {
			c.Notifications.Catalogue.Severities = map[string]float64{"cloudtrail/LoggingStopped": 11}
		}, `notifications.catalogue.severities.cloudtrail/LoggingStopped: 11 is not valid: want a severity from 1.0 to 10.0`},
		{"check id", func(c *config.Config) { c.Verification.Checks = []string{"rds.encrypted"} }, `verification.checks[0]: "rds.encrypted" is not valid: want one of timesync.chrony`},
		{"clock offset", func(c *config.Config) { c.Verification.ClockOffsetThreshold = "100" }, `verification.clockOffsetThreshold: "100" is not valid: want a duration from 1ms to 1s`},
		{"verification schedule", func(c *config.Config) { c.Verification.Schedule = "cron(0 * * * *)" }, `verification.schedule: "cron(0 * * * *)" is not valid: want an EventBridge Scheduler expression`},
		{"instance tag", func(c *config.Config) { c.Verification.InstanceTags = map[string]string{"": "x"} }, `verification.instanceTags: "" is not valid: want tag keys`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c)
			err := c.Validate()
			wantOneFieldError(t, err, tc.want)
		})
	}
}

func TestValidate_OnlyNamedSections(t *testing.T) {
	c := example(t).Only(config.SectionBackup)
	if err := c.Validate(config.SectionBackup); err != nil {
		t.Errorf("backup-only config: %v", err)
	}
	if err := c.Validate(config.SectionTenants); err == nil || !strings.Contains(err.Error(), "tenants.buckets") {
		t.Errorf("validating the missing tenants section: got %v, want a tenants.buckets error", err)
	}
}

func TestFromEnv(t *testing.T) {
	c := example(t)
	env := map[string]string{config.EnvVar: c.Only(config.SectionBackup).Encode()}
	got, err := config.FromEnv(func(k string) string { return env[k] }, config.SectionBackup)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != "prod" {
		t.Errorf("FromEnv lost the stage: %q (the rotator names and tags snapshots with it)", got.Stage)
	}
	if got.Backup.Policies[0].Name != c.Backup.Policies[0].Name || len(got.Tenants.Buckets) != 0 {
		t.Errorf("FromEnv did not round-trip only the backup section: %+v", got)
	}
	_, err = config.FromEnv(func(string) string { return "" }, config.SectionBackup)
	if err == nil || !strings.Contains(err.Error(), "PLEDGE_CONFIG is not set") {
		t.Errorf("missing env: got %v", err)
	}
	_, err = config.FromEnv(func(string) string { return `{"region":"nowhere"}` }, config.SectionBackup)
	if err == nil || !strings.Contains(err.Error(), `region: "nowhere" is not valid`) {
		t.Errorf("invalid env: got %v", err)
	}
}

func TestTenants_Prefix(t *testing.T) {
	tn := config.Tenants{PrefixTemplate: "tenants/{tenant}/"}
	if got, want := tn.Prefix("tenant-1"), "tenants/tenant-1/"; got != want {
		t.Errorf("Prefix = %q, want %q", got, want)
	}
}

// TestValidate_RefusesWhatFailsLater covers the values that used to
// validate and then fail only at run time, or silently.
func TestValidate_RefusesWhatFailsLater(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		want   string
	}{
		{"duplicate tenant bucket", func(c *config.Config) { c.Tenants.Buckets = []string{"a-bucket", "b-bucket", "a-bucket"} },
			`tenants.buckets[2]: "a-bucket" is not valid: want each bucket listed once`},
		{"evidence bucket is a tenant bucket", func(c *config.Config) { c.Evidence.Bucket = c.Tenants.Buckets[0] },
			`evidence.bucket: "example-saas-tenant-data" is not valid: want a bucket that is not also a tenant bucket`},
		{"prefix dot segment", func(c *config.Config) { c.Tenants.PrefixTemplate = "./{tenant}/" },
			`tenants.prefixTemplate: "./{tenant}/" is not valid: want a prefix without "." segments`},
		{"prefix inner dot segment", func(c *config.Config) { c.Tenants.PrefixTemplate = "tenants/./{tenant}/" },
			`tenants.prefixTemplate: "tenants/./{tenant}/" is not valid: want a prefix without "." segments`},
		{"prefix control character", func(c *config.Config) { c.Tenants.PrefixTemplate = "tenants\x01/{tenant}/" },
			`tenants.prefixTemplate: "tenants\x01/{tenant}/" is not valid: want a prefix of printable UTF-8 characters`},
		{"prefix DEL", func(c *config.Config) { c.Tenants.PrefixTemplate = "t\x7f/{tenant}/" },
			`tenants.prefixTemplate: "t\x7f/{tenant}/" is not valid: want a prefix of printable UTF-8 characters`},
		{"instance id with capitals", func(c *config.Config) { c.Backup.Policies[0].Targets.Instances = []string{"Orders-DB"} },
			`backup.policies[0].targets.instances[0]: "Orders-DB" is not valid: want a DB instance identifier as RDS stores it`},
		{"cluster id with capitals", func(c *config.Config) { c.Backup.Policies[0].Targets.Clusters = []string{"billingAurora"} },
			`backup.policies[0].targets.clusters[0]: "billingAurora" is not valid: want a DB cluster identifier as RDS stores it`},
		{"instance id double hyphen", func(c *config.Config) { c.Backup.Policies[0].Targets.Instances = []string{"orders--db"} },
			`backup.policies[0].targets.instances[0]: "orders--db" is not valid`},
		{"cron 31 February", func(c *config.Config) { c.Backup.Policies[0].Schedule = "cron(0 3 31 2 ? *)" },
			`backup.policies[0].schedule: "cron(0 3 31 2 ? *)" is not valid: want a schedule that fires within the next 5 years`},
		{"cron past year", func(c *config.Config) { c.Tenants.Schedule = "cron(0 3 * * ? 2020)" },
			`tenants.schedule: "cron(0 3 * * ? 2020)" is not valid: want a schedule that fires within the next 5 years`},
		{"cron far-future year", func(c *config.Config) { c.Verification.Schedule = "cron(0 3 * * ? 2099)" },
			`verification.schedule: "cron(0 3 * * ? 2099)" is not valid: want a schedule that fires within the next 5 years`},
		{"clock offset 59s", func(c *config.Config) { c.Verification.ClockOffsetThreshold = "59s" },
			`verification.clockOffsetThreshold: "59s" is not valid: want a duration from 1ms to 1s`},
		{"clock offset below chrony's bound", func(c *config.Config) { c.Verification.ClockOffsetThreshold = "500us" },
			`verification.clockOffsetThreshold: "500us" is not valid: want a duration from 1ms to 1s`},
		{"stage", func(c *config.Config) { c.Stage = "Prod" }, `stage: "Prod" is not valid: want 1-16 lower-case letters`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c)
			err := c.Validate()
			wantOneFieldError(t, err, tc.want)
		})
	}
	// Values at the edges stay valid.
	c := example(t)
	c.Verification.ClockOffsetThreshold = "1s"
	c.Tenants.Schedule = fmt.Sprintf("cron(0 3 1 1 ? %d)", time.Now().Year()+1)
	c.Tenants.PrefixTemplate = "data.v1/{tenant}/"
	c.Backup.Policies[0].Targets.Instances = []string{"orders-db-2"}
	if err := c.Validate(); err != nil {
		t.Errorf("edge values refused: %v", err)
	}
}

func TestValidateDeployment(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		want   string
	}{
		{"Shipped", func(*config.Config) {}, ""},
		{"TopicInsteadOfEmails", func(c *config.Config) {
			c.Notifications.OpsEmails = nil
			c.Notifications.OpsTopicArn = "arn:aws:sns:ap-northeast-1:111122223333:ops-pager"
		}, ""},
		{"OptedOut", func(c *config.Config) { c.Notifications.OpsEmails = nil; c.Notifications.NoOpsDestination = true }, ""},
		{"ErrNoStage", func(c *config.Config) { c.Stage = "" }, `stage: "" is not valid: want a stage name`},
		{"ErrStageTooLong", func(c *config.Config) { c.Stage = "production-eu-west-1" }, `stage: "production-eu-west-1" is not valid`},
		{"ErrNoDestination", func(c *config.Config) { c.Notifications.OpsEmails = nil },
			`notifications.opsEmails: nothing is not valid: want at least one address (or opsTopicArn naming an existing topic) so that alarms reach a person; if nobody should be told, say so with "noOpsDestination": true`},
		{"ErrBadTopic", func(c *config.Config) { c.Notifications.OpsEmails = nil; c.Notifications.OpsTopicArn = "ops-pager" },
			`notifications.opsTopicArn: "ops-pager" is not valid: want the ARN of an existing SNS topic`},
		{"ErrTopicAndEmails", func(c *config.Config) {
			c.Notifications.OpsTopicArn = "arn:aws:sns:ap-northeast-1:111122223333:ops-pager"
		},
			`notifications.opsEmails: "ops@example.co.jp" is not valid: want no addresses when opsTopicArn names the ops topic`},
		{"ErrOptOutWithDestination", func(c *config.Config) { c.Notifications.NoOpsDestination = true },
			`notifications.noOpsDestination: true is not valid: want false (or left out)`},
		{"ErrForwardFromUSEast1", func(c *config.Config) { c.Region = "us-east-1"; c.ForwardGlobalEvents = true },
			`forwardGlobalEvents: true is not valid: want false in us-east-1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := example(t)
			tc.mutate(&c)
			err := c.ValidateDeployment()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateDeployment() = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tc.want)
			}
		})
	}
}

// TestValidate_PointInTimeRecoveryOnly: a policy without tiers and without
// a schedule promises only point-in-time recovery; it is valid, takes no
// snapshots, and its clusters' names are not held to the snapshot-name
// limit (no snapshot is ever named for them).
func TestValidate_PointInTimeRecoveryOnly(t *testing.T) {
	c := example(t)
	c.Backup.Policies = []config.BackupPolicy{
		{Name: "pitr-30d", PointInTimeRecoveryDays: 30, MinAvailable: 1,
			Targets: config.Targets{Clusters: []string{"a-cluster-whose-name-is-far-too-long-for-a-snapshot-name-x"}}},
		{Name: "daily-11d", Schedule: "cron(0 3 * * ? *)", MinAvailable: 1, Keep: config.Keep{WithinDaily: "11d"},
			Targets: config.Targets{Instances: []string{"orders-db"}}},
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if c.Backup.Policies[0].TakesSnapshots() || !c.Backup.Policies[1].TakesSnapshots() {
		t.Errorf("TakesSnapshots: %v, %v; want false, true", c.Backup.Policies[0].TakesSnapshots(), c.Backup.Policies[1].TakesSnapshots())
	}
	if got := c.Backup.SnapshotPolicies(); len(got) != 1 || got[0].Name != "daily-11d" {
		t.Errorf("SnapshotPolicies() = %+v, want daily-11d alone", got)
	}
}
