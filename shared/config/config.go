package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo.
)

// DefaultTimezone is the zone periods and customer-facing times use when
// the configuration names none: the whitepapers promise logs in JST.
const DefaultTimezone = "Asia/Tokyo"

// DefaultLogRetentionDays is the retention of the functions' own log groups
// when none is configured: six months or more, as promised (promises.md, 001).
const DefaultLogRetentionDays = 180

// Config is the whole of one operator's configuration.
type Config struct {
	// Stage names this deployment ("prod", "staging"): the stack's name and
	// every physical name it gives (key alias, schedule group and
	// schedules, alarms, SSM document) derive from it, so that several
	// stages deploy side by side in one account and region. Required at
	// synth (ValidateDeployment) and wherever the backup section is (every
	// snapshot the rotator makes carries the stage in its name and tags, and
	// only its own stage's snapshots are the rotator's or count for the
	// verifier's freshness check); Only passes it to every function.
	Stage string `json:"stage,omitempty"`
	// Region is the AWS region the stack is deployed to, e.g. "ap-northeast-1".
	Region string `json:"region"`
	// ForwardGlobalEvents adds a second stack in us-east-1 that forwards the
	// CloudTrail events of global services (IAM, console sign-in) that the
	// notifier's catalogue covers to this region's default event bus: AWS
	// delivers them to EventBridge in us-east-1 only.
	ForwardGlobalEvents bool `json:"forwardGlobalEvents,omitempty"`
	// Timezone is an IANA zone name for schedules and customer-facing times.
	Timezone string `json:"timezone,omitempty"`
	// LogRetentionDays is how long the functions' log groups keep logs.
	LogRetentionDays int `json:"logRetentionDays,omitempty"`

	Backup        Backup        `json:"backup"`
	Tenants       Tenants       `json:"tenants"`
	Notifications Notifications `json:"notifications"`
	Verification  Verification  `json:"verification"`
	Evidence      Evidence      `json:"evidence"`

	// Profile documents the whitepaper promises the configuration keeps
	// and those it cannot (profile.go); no function receives it.
	Profile *Profile `json:"profile,omitempty"`
}

// Backup holds the snapshot rotator's policies.
type Backup struct {
	Policies []BackupPolicy `json:"policies"`
}

// BackupPolicy is one backup promise applied to a set of databases: the
// snapshots the rotator takes on Schedule and keeps by Keep's tiers, and
// the point-in-time-recovery retention the verifier holds the databases
// to. A policy with no tiers and no schedule takes no snapshots and
// promises only point-in-time recovery (operator 003's "every 5 minutes,
// kept 30 days" is RDS's continuous backup, not a snapshot tier).
type BackupPolicy struct {
	// Name identifies the policy; it is written into every snapshot's tags
	// and name, so it is restricted to lower-case letters, digits and '-'.
	Name    string  `json:"name"`
	Targets Targets `json:"targets"`
	Keep    Keep    `json:"keep"`
	// Schedule is an EventBridge Scheduler expression, rate(...) or cron(...),
	// evaluated in the configuration's Timezone. Empty for a policy that
	// promises only point-in-time recovery.
	Schedule string `json:"schedule,omitempty"`
	// MinAvailable is how many of the newest available managed snapshots are
	// always kept, whatever the tiers say. Defaults to 1.
	MinAvailable int `json:"minAvailable,omitempty"`
	// PointInTimeRecoveryDays is the promised automated-backup (PITR)
	// retention; shorter retention is reported. 0 means nothing is promised.
	PointInTimeRecoveryDays int `json:"pointInTimeRecoveryDays,omitempty"`
}

// TakesSnapshots reports whether the rotator takes snapshots for the
// policy: whether it has a schedule or any tier (a valid one has both). A
// policy with neither promises only point-in-time recovery, and nothing
// runs for it but the verifier's check of its targets' retention.
func (p BackupPolicy) TakesSnapshots() bool { return p.Schedule != "" || !p.Keep.IsZero() }

// SnapshotPolicies returns the policies the rotator takes snapshots for,
// leaving out those that promise only point-in-time recovery.
func (b Backup) SnapshotPolicies() []BackupPolicy {
	var out []BackupPolicy
	for _, p := range b.Policies {
		if p.TakesSnapshots() {
			out = append(out, p)
		}
	}
	return out
}

// Targets selects databases by identifier or by tag. A database matches when
// its identifier is listed or when it carries every listed tag.
type Targets struct {
	Instances []string          `json:"instances,omitempty"`
	Clusters  []string          `json:"clusters,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// Keep holds the grandfather-father-son tiers, with restic's meaning. A
// counted tier (last to yearly, restic's --keep-*) keeps the newest
// snapshot of each of the N most recent periods that have one: -1 means
// unlimited, 0 turns the tier off. A within tier (restic's --keep-within-*)
// keeps the newest snapshot of each period among those made within a span
// before the newest snapshot, written as restic writes it ("11d", "1y6m";
// package span): "withinDaily": "11d" keeps every day's snapshot for 11
// days, however many days had one. "within" keeps every snapshot made in
// the span. Empty turns a within tier off.
type Keep struct {
	Last    int `json:"last,omitempty"`
	Hourly  int `json:"hourly,omitempty"`
	Daily   int `json:"daily,omitempty"`
	Weekly  int `json:"weekly,omitempty"`
	Monthly int `json:"monthly,omitempty"`
	Yearly  int `json:"yearly,omitempty"`

	Within        string `json:"within,omitempty"`
	WithinHourly  string `json:"withinHourly,omitempty"`
	WithinDaily   string `json:"withinDaily,omitempty"`
	WithinWeekly  string `json:"withinWeekly,omitempty"`
	WithinMonthly string `json:"withinMonthly,omitempty"`
	WithinYearly  string `json:"withinYearly,omitempty"`
}

// Spans returns the within tiers as the configuration names them
// ("withinDaily") with their text, in tier order.
func (k Keep) Spans() []NamedSpan {
	return []NamedSpan{{"within", k.Within}, {"withinHourly", k.WithinHourly}, {"withinDaily", k.WithinDaily},
		{"withinWeekly", k.WithinWeekly}, {"withinMonthly", k.WithinMonthly}, {"withinYearly", k.WithinYearly}}
}

// Counts returns the counted tiers as the configuration names them
// ("daily") with their count, in tier order.
func (k Keep) Counts() []NamedCount {
	return []NamedCount{{"last", k.Last}, {"hourly", k.Hourly}, {"daily", k.Daily}, {"weekly", k.Weekly}, {"monthly", k.Monthly}, {"yearly", k.Yearly}}
}

// NamedSpan is one within tier of a Keep: its field name and its span text.
type NamedSpan struct {
	Name string
	Span string
}

// NamedCount is one counted tier of a Keep: its field name and its count.
type NamedCount struct {
	Name  string
	Count int
}

// IsZero reports whether every tier is off.
func (k Keep) IsZero() bool { return k == Keep{} }

// Tenants describes where tenant data lives and when it must be deleted.
type Tenants struct {
	// RegistryTable names the tenant registry table. Empty: the stack
	// creates one and names it.
	RegistryTable string `json:"registryTable,omitempty"`
	// Buckets are the S3 buckets that hold tenant data.
	Buckets []string `json:"buckets"`
	// PrefixTemplate makes a tenant's prefix from its id; it must contain
	// "{tenant}" and end with "/", e.g. "tenants/{tenant}/".
	PrefixTemplate string `json:"prefixTemplate"`
	// GracePeriodDays after termination before the purge may start.
	GracePeriodDays int `json:"gracePeriodDays"`
	// DeadlineDays after the grace period by which the purge must be done.
	DeadlineDays int `json:"deadlineDays"`
	// GracePeriodMonths gives the grace period in calendar months instead
	// of days: the purge falls due once this many months have passed from
	// the day after the contract ended (see PurgeWindow). At most one of
	// GracePeriodDays and GracePeriodMonths is non-zero.
	GracePeriodMonths int `json:"gracePeriodMonths,omitempty"`
	// PurgeDays are the weekdays ("Mon" to "Sun") on which a purge may
	// start: it falls due on the first of them that begins after the grace
	// period. Empty: any day.
	PurgeDays []string `json:"purgeDays,omitempty"`
	// Zone is the configuration's Timezone, in which grace periods, purge
	// days and deadlines are counted. It is not part of the section's JSON:
	// Decode copies it in. Empty means DefaultTimezone.
	Zone string `json:"-"`
	// Schedule of the daily sweep for due tenants.
	Schedule string `json:"schedule"`
	// AdvanceNoticeDays before the purge, ops receive the dry-run summary.
	// 0 turns the notice off.
	AdvanceNoticeDays int `json:"advanceNoticeDays,omitempty"`
	// DeadlineAlarmDays before the deadline an unfinished purge alarms.
	DeadlineAlarmDays int `json:"deadlineAlarmDays,omitempty"`
	// Concurrency bounds how many tenants are purged in parallel.
	Concurrency int `json:"concurrency,omitempty"`
	// Shards splits a large tenant's purge into this many key ranges,
	// purged in parallel (up to Concurrency at once); 1 turns it off. See
	// shards.go.
	Shards int `json:"shards,omitempty"`
	// ShardMinVersions is the size from which a tenant is sharded.
	ShardMinVersions int `json:"shardMinVersions,omitempty"`
}

// Notifications describes how findings reach tenants and ops.
type Notifications struct {
	// Sender is the verified SES identity notices are sent from.
	Sender string `json:"sender"`
	// Languages of a notice, in order; Japanese first by default.
	Languages []string `json:"languages,omitempty"`
	// SeverityThreshold is the lowest band that reaches tenants (Low,
	// Medium, High, Critical); lower findings go to ops only.
	SeverityThreshold string `json:"severityThreshold"`
	// PlatformSeverity is the lowest band at which a platform-wide finding
	// (package finding: ScopePlatform) that names no tenant's resource goes
	// to every active tenant. A finding about resources that are no
	// tenant's never does: it goes to ops only, unrouted.
	PlatformSeverity string `json:"platformSeverity,omitempty"`
	// NoticeHours is the promised time from detection to notice, in
	// hours: a plain limit. Deadline replaces it (give one of the two).
	NoticeHours int `json:"noticeHours,omitempty"`
	// Deadline is the promised time from detection to notice, plain or in
	// business hours (see Deadline).
	Deadline *Deadline `json:"deadline,omitempty"`
	// QuietPeriodHours after which an unchanged finding is notified again.
	QuietPeriodHours int `json:"quietPeriodHours,omitempty"`
	// SendRatePerSecond paces SES sending.
	SendRatePerSecond int `json:"sendRatePerSecond,omitempty"`
	// OpsEmails receive the ops topic by email. The stack needs an ops
	// destination (OpsEmails or OpsTopicArn) unless NoOpsDestination says
	// otherwise.
	OpsEmails []string `json:"opsEmails,omitempty"`
	// OpsTopicArn names an existing SNS topic (a pager, a chat bridge) that
	// alarms and ops messages go to instead of a topic the stack creates.
	OpsTopicArn string `json:"opsTopicArn,omitempty"`
	// NoOpsDestination, when true, lets the stack deploy with neither
	// OpsEmails nor OpsTopicArn: alarms then reach nobody until someone
	// subscribes to the ops topic by hand.
	NoOpsDestination bool `json:"noOpsDestination,omitempty"`
	// Operator names the operator or service in notices, by language
	// ("ja", "en"). Empty: a generic "our service".
	Operator map[string]string `json:"operator,omitempty"`
	// Contact is whom tenants contact about a notice (an address, a URL or
	// a telephone number). Empty: the sender address.
	Contact string `json:"contact,omitempty"`
	// Action says what the operator does about a finding, by language.
	// Empty: that the operator is investigating and will report.
	Action map[string]string `json:"action,omitempty"`
	// Catalogue adjusts the curated catalogue of CloudTrail calls.
	Catalogue CatalogueOverrides `json:"catalogue,omitempty"`
}

// CatalogueOverrides changes the built-in catalogue of security-relevant
// CloudTrail calls: Disable removes rules by type, Severities re-rates them
// (GuardDuty's 1.0-10.0 scale).
type CatalogueOverrides struct {
	Disable    []string           `json:"disable,omitempty"`
	Severities map[string]float64 `json:"severities,omitempty"`
}

// Verification describes the compliance checks.
type Verification struct {
	// Checks lists check ids to run; empty runs every check.
	Checks []string `json:"checks,omitempty"`
	// ClockOffsetThreshold is the largest acceptable absolute clock offset,
	// a Go duration such as "100ms".
	ClockOffsetThreshold string `json:"clockOffsetThreshold"`
	// Schedule of the verification run.
	Schedule string `json:"schedule"`
	// InstanceTags select the EC2 instances whose clocks are checked.
	InstanceTags map[string]string `json:"instanceTags,omitempty"`
	// TimeSources, NoncurrentVersionDays, LogClasses and KeyRotationMaxDays
	// are further promises the checks hold the account to; see
	// verification.go in this package.
	TimeSources           []TimeSource `json:"timeSources,omitempty"`
	NoncurrentVersionDays int          `json:"noncurrentVersionDays,omitempty"`
	LogClasses            []LogClass   `json:"logClasses,omitempty"`
	KeyRotationMaxDays    int          `json:"keyRotationMaxDays,omitempty"`
}

// Evidence describes where evidence is kept.
type Evidence struct {
	// Bucket names an existing evidence bucket. Empty: the stack creates one
	// with Object Lock in compliance mode.
	Bucket string `json:"bucket,omitempty"`
	// RetentionDays of Object Lock on every evidence object.
	RetentionDays int `json:"retentionDays"`
}

// Decode reads a Config from JSON, rejecting unknown fields so that a
// misspelt promise is an error rather than silently ignored, and fills in
// defaults. It does not validate; call Validate.
func Decode(r io.Reader) (Config, error) {
	var c Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decode configuration: %w", err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("decode configuration: more than one JSON value")
	}
	c.applyDefaults()
	return c, nil
}

// Load reads a configuration file. The file is either a configuration
// object or a cdk.json whose context holds one under ContextKey (following
// ContextFileKey to a per-environment file when that is set).
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read configuration: %w", err)
	}
	var probe struct {
		Context map[string]json.RawMessage `json:"context"`
	}
	if json.Unmarshal(b, &probe) == nil && probe.Context != nil {
		if f, ok := probe.Context[ContextFileKey]; ok {
			var name string
			if err := json.Unmarshal(f, &name); err == nil && name != "" {
				return Load(name)
			}
		}
		raw, ok := probe.Context[ContextKey]
		if !ok {
			return Config{}, fmt.Errorf("%s: context has no %q key", path, ContextKey)
		}
		b = raw
	}
	c, err := Decode(bytes.NewReader(b))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ContextKey is the cdk.json context key that holds the configuration.
const ContextKey = "pledge"

// ContextFileKey is the context key whose value names a per-environment
// configuration file that replaces the inline one:
// `cdk synth -c pledge:configFile=infra/config/prod.json`.
const ContextFileKey = "pledge:configFile"

func (c *Config) applyDefaults() {
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	c.Tenants.Zone = c.Timezone
	if c.LogRetentionDays == 0 {
		c.LogRetentionDays = DefaultLogRetentionDays
	}
	for i := range c.Backup.Policies {
		if c.Backup.Policies[i].MinAvailable == 0 {
			c.Backup.Policies[i].MinAvailable = 1
		}
	}
	if c.Tenants.Concurrency == 0 {
		c.Tenants.Concurrency = 4
	}
	if c.Tenants.DeadlineAlarmDays == 0 {
		c.Tenants.DeadlineAlarmDays = 7
	}
	c.Tenants.applyShardDefaults()
	if len(c.Notifications.Languages) == 0 {
		c.Notifications.Languages = []string{"ja", "en"}
	}
	if c.Notifications.PlatformSeverity == "" {
		c.Notifications.PlatformSeverity = "High"
	}
	if c.Notifications.QuietPeriodHours == 0 {
		c.Notifications.QuietPeriodHours = 24
	}
	if c.Notifications.SendRatePerSecond == 0 {
		c.Notifications.SendRatePerSecond = 1
	}
}

// Section names one part of the configuration a function needs.
type Section string

// The sections, one per function's concern.
const (
	SectionBackup        Section = "backup"
	SectionTenants       Section = "tenants"
	SectionNotifications Section = "notifications"
	SectionVerification  Section = "verification"
)

// Only returns a copy that keeps the common fields (the stage among them),
// evidence, and the named sections, zeroing the rest: what CDK hands one
// function.
func (c Config) Only(sections ...Section) Config {
	out := Config{Stage: c.Stage, Region: c.Region, Timezone: c.Timezone, LogRetentionDays: c.LogRetentionDays, Evidence: c.Evidence}
	for _, s := range sections {
		switch s {
		case SectionBackup:
			out.Backup = c.Backup
		case SectionTenants:
			out.Tenants = c.Tenants
		case SectionNotifications:
			out.Notifications = c.Notifications
		case SectionVerification:
			out.Verification = c.Verification
		}
	}
	return out
}

// EnvVar is the environment variable that carries a function's sections.
const EnvVar = "PLEDGE_CONFIG"

// Encode returns the compact JSON of c, as placed in EnvVar.
func (c Config) Encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		// Config holds only strings, numbers, slices and maps of strings.
		panic(fmt.Sprintf("config: marshal: %v", err))
	}
	return string(b)
}

// FromEnv decodes the configuration in EnvVar and validates the common
// fields and the named sections.
func FromEnv(getenv func(string) string, sections ...Section) (Config, error) {
	v := getenv(EnvVar)
	if strings.TrimSpace(v) == "" {
		return Config{}, fmt.Errorf("%s is not set: it must hold the JSON configuration (run with -config FILE outside Lambda)", EnvVar)
	}
	c, err := Decode(strings.NewReader(v))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvVar, err)
	}
	if err := c.Validate(sections...); err != nil {
		return Config{}, err
	}
	return c, nil
}
