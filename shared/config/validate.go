package config

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/span"
)

// FieldError is one invalid field: its path, the bad value, and what would
// be valid.
type FieldError struct {
	Field string
	Value any
	Want  string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s: %s is not valid: want %s", e.Field, show(e.Value), e.Want)
}

func show(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// ValidationError holds every invalid field of a configuration.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		lines[i] = f.Error()
	}
	return "invalid configuration: " + strings.Join(lines, "; ")
}

type checker struct{ errs []FieldError }

func (c *checker) fail(field string, value any, want string) {
	c.errs = append(c.errs, FieldError{Field: field, Value: value, Want: want})
}

var (
	regionRE     = lazyregexp.New(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
	policyNameRE = lazyregexp.New(`^[a-z](-?[a-z0-9]){0,29}$`)
	// dbIDRE is RDS's rule for instance and cluster identifiers, in the
	// lower case RDS stores them in (and IAM ARNs and snapshot names use).
	dbIDRE    = lazyregexp.New(`^[a-z](-?[a-z0-9])*$`)
	bucketRE  = lazyregexp.New(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	tableRE   = lazyregexp.New(`^[A-Za-z0-9_.-]{3,255}$`)
	checkIDRE = lazyregexp.New(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
)

// validTagKey says whether key is a tag key AWS accepts and not a reserved
// aws: one: 1 to 128 letters, numbers, white space and _.:/=+-@ (AWS's
// pattern ^([\p{L}\p{N}\s_.:/=+\-@]*)$, where \s is ASCII white space).
// It is a loop rather than a regular expression: compiling the Unicode
// classes (and the bound) cost every function 30-50 ms and 5 MB at init.
func validTagKey(key string) bool {
	n := 0
	for _, r := range key {
		n++
		if n > 128 || !(unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune("\t\n\f\r _.:/=+-@", r)) {
			return false
		}
	}
	return n > 0 && !strings.HasPrefix(key, "aws:")
}

// Severities are the bands GuardDuty defines, lowest first.
var Severities = []string{"Low", "Medium", "High", "Critical"}

// Languages a notice can be written in.
var Languages = []string{"ja", "en"}

// Validate checks the common fields, evidence, and the named sections (every
// section when none is named). It returns a *ValidationError listing every
// problem, or nil.
func (c Config) Validate(sections ...Section) error {
	if len(sections) == 0 {
		sections = []Section{SectionBackup, SectionTenants, SectionNotifications, SectionVerification}
	}
	var k checker
	if !regionRE.MatchString(c.Region) {
		k.fail("region", c.Region, `an AWS region name such as "ap-northeast-1"`)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" || c.Timezone == "Local" {
		k.fail("timezone", c.Timezone, `an IANA time zone name such as "Asia/Tokyo"`)
		loc = time.UTC
	}
	if !slices.Contains(logRetentionDays, c.LogRetentionDays) || c.LogRetentionDays < 180 {
		k.fail("logRetentionDays", c.LogRetentionDays, "a CloudWatch Logs retention of at least 180 days (six months, as promised): one of 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653")
	}
	if c.Evidence.Bucket != "" && !bucketRE.MatchString(c.Evidence.Bucket) {
		k.fail("evidence.bucket", c.Evidence.Bucket, "an S3 bucket name (3-63 lower-case letters, digits, '.', '-'), or empty to let the stack create one")
	}
	if c.Evidence.RetentionDays < 1 || c.Evidence.RetentionDays > 36500 {
		k.fail("evidence.retentionDays", c.Evidence.RetentionDays, "a number of days from 1 to 36500 for Object Lock retention")
	}
	if c.Stage != "" {
		checkStage(&k, c.Stage)
	}
	c.validateProfile(&k)
	for _, s := range sections {
		switch s {
		case SectionBackup:
			if c.Stage == "" {
				k.fail("stage", c.Stage, `a stage name such as "prod" or "staging": every snapshot the rotator makes carries it in its name and tags, so that two stages in one account never take each other's snapshots for their own`)
			}
			c.Backup.validate(&k, loc, c.Stage)
		case SectionTenants:
			c.Tenants.validate(&k)
			if c.Evidence.Bucket != "" && slices.Contains(c.Tenants.Buckets, c.Evidence.Bucket) {
				k.fail("evidence.bucket", c.Evidence.Bucket, "a bucket that is not also a tenant bucket: the purger would delete evidence under the tenant prefixes, which Object Lock then refuses, or worse")
			}
		case SectionNotifications:
			c.Notifications.validate(&k, loc.String())
		case SectionVerification:
			c.Verification.validate(&k)
		default:
			k.fail("section", string(s), "one of backup, tenants, notifications, verification")
		}
	}
	if len(k.errs) > 0 {
		return &ValidationError{Fields: k.errs}
	}
	return nil
}

// logRetentionDays are the values CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func checkSchedule(k *checker, field, expr string) {
	s, err := schedule.Parse(expr)
	if err != nil {
		k.fail(field, expr, "an EventBridge Scheduler expression such as \"rate(1 hour)\" or \"cron(0 3 * * ? *)\" ("+err.Error()+")")
		return
	}
	if !firesSoon(s, time.Now()) {
		k.fail(field, expr, fmt.Sprintf("a schedule that fires within the next %d years: this one never does (a date that does not exist, such as 31 February, or a year that is past or further ahead)", scheduleHorizonYears))
	}
}

// scheduleHorizonYears is how far ahead a schedule must fire at least once.
const scheduleHorizonYears = 5

// firesSoon reports whether s fires after now and within
// scheduleHorizonYears. The slot of a time is the latest fire at or before
// it (looked for up to five years back), so a slot after now at the
// horizon is a fire in between.
func firesSoon(s schedule.Schedule, now time.Time) bool {
	if s.IsRate() {
		return true
	}
	horizon := now.AddDate(scheduleHorizonYears, 0, 0)
	return s.Slot(horizon, time.UTC).After(now)
}

func (b Backup) validate(k *checker, loc *time.Location, stage string) {
	if len(b.Policies) == 0 {
		k.fail("backup.policies", nil, "at least one backup policy")
	}
	seen := map[string]bool{}
	for i, p := range b.Policies {
		f := fmt.Sprintf("backup.policies[%d]", i)
		if !policyNameRE.MatchString(p.Name) {
			k.fail(f+".name", p.Name, "1-30 lower-case letters, digits and single '-', starting with a letter and not ending with '-' (it becomes part of snapshot names)")
		} else if seen[p.Name] {
			k.fail(f+".name", p.Name, "a name no other policy uses")
		}
		seen[p.Name] = true
		t := p.Targets
		if len(t.Instances)+len(t.Clusters)+len(t.Tags) == 0 {
			k.fail(f+".targets", nil, "at least one of instances, clusters or tags")
		}
		for j, id := range t.Instances {
			if !dbIDRE.MatchString(id) || len(id) > 63 {
				k.fail(fmt.Sprintf("%s.targets.instances[%d]", f, j), id, "a DB instance identifier as RDS stores it: a lower-case letter, then up to 62 lower-case letters, digits or single '-', not ending in '-' (RDS lower-cases identifiers, so IAM and snapshot names never match capitals)")
			}
		}
		for j, id := range t.Clusters {
			if !dbIDRE.MatchString(id) || len(id) > 63 {
				k.fail(fmt.Sprintf("%s.targets.clusters[%d]", f, j), id, "a DB cluster identifier as RDS stores it: a lower-case letter, then up to 62 lower-case letters, digits or single '-', not ending in '-' (RDS lower-cases identifiers, so IAM and snapshot names never match capitals)")
			}
		}
		for key := range t.Tags {
			if !validTagKey(key) {
				k.fail(f+".targets.tags", key, "tag keys of 1-128 characters not starting with \"aws:\"")
			}
		}
		any := false
		for _, t := range p.Keep.Counts() {
			if t.Count < -1 {
				k.fail(f+".keep."+t.Name, t.Count, "-1 (unlimited), 0 (tier off) or a positive count")
			}
			any = any || t.Count != 0
		}
		for _, t := range p.Keep.Spans() {
			if _, err := span.Parse(t.Span); err != nil {
				k.fail(f+".keep."+t.Name, t.Span, `a span as restic writes it, such as "11d" or "1y6m" (units y, m, d, h, each once, in that order), or nothing to turn the tier off: `+err.Error())
			}
			any = any || t.Span != ""
		}
		switch {
		case !any && p.Schedule == "" && p.PointInTimeRecoveryDays > 0:
			// Point-in-time recovery only: no snapshots, no schedule.
		case !any && p.Schedule == "":
			k.fail(f+".keep", "all tiers 0", "at least one non-zero tier, e.g. {\"hourly\": 24, \"daily\": 7, \"weekly\": 4} or {\"withinDaily\": \"11d\"}; or, with no schedule, pointInTimeRecoveryDays for a policy that promises only point-in-time recovery")
		case !any:
			k.fail(f+".keep", "all tiers 0", "at least one non-zero tier, e.g. {\"hourly\": 24, \"daily\": 7, \"weekly\": 4} or {\"withinDaily\": \"11d\"}: a policy with a schedule takes snapshots (leave the schedule out for one that promises only point-in-time recovery)")
		}
		if any || p.Schedule != "" {
			checkSchedule(k, f+".schedule", p.Schedule)
		}
		if s, err := schedule.Parse(p.Schedule); err == nil {
			if iv := s.Interval(time.Now(), loc); iv > 0 && iv < time.Hour {
				k.fail(f+".schedule", p.Schedule, "an interval of at least one hour: RDS snapshots are not made more often (use point-in-time recovery for finer recovery points)")
			}
		}
		if p.MinAvailable < 1 {
			k.fail(f+".minAvailable", p.MinAvailable, "at least 1: the newest available snapshot is never deleted")
		}
		if p.PointInTimeRecoveryDays < 0 || p.PointInTimeRecoveryDays > 35 {
			k.fail(f+".pointInTimeRecoveryDays", p.PointInTimeRecoveryDays, "0 (nothing promised) to 35, the longest automated-backup retention RDS allows")
		}
	}
	b.validateSnapshotNames(k, stage)
}

// TenantPlaceholder is replaced by a tenant's id in PrefixTemplate.
const TenantPlaceholder = "{tenant}"

func (t Tenants) validate(k *checker) {
	if t.RegistryTable != "" && !tableRE.MatchString(t.RegistryTable) {
		k.fail("tenants.registryTable", t.RegistryTable, "a DynamoDB table name (3-255 letters, digits, '_', '-', '.'), or empty to let the stack create one")
	}
	if len(t.Buckets) == 0 {
		k.fail("tenants.buckets", nil, "at least one S3 bucket that holds tenant data")
	}
	for i, b := range t.Buckets {
		switch {
		case !bucketRE.MatchString(b) || strings.Contains(b, ".."):
			k.fail(fmt.Sprintf("tenants.buckets[%d]", i), b, "an S3 bucket name (3-63 lower-case letters, digits, '.', '-')")
		case slices.Index(t.Buckets, b) != i:
			k.fail(fmt.Sprintf("tenants.buckets[%d]", i), b, "each bucket listed once: a bucket listed twice is purged twice and its permissions granted twice")
		}
	}
	p := t.PrefixTemplate
	switch {
	case strings.Count(p, TenantPlaceholder) != 1:
		k.fail("tenants.prefixTemplate", p, `a template with "{tenant}" exactly once, e.g. "tenants/{tenant}/"`)
	case !strings.HasSuffix(p, TenantPlaceholder+"/"):
		k.fail("tenants.prefixTemplate", p, `a template ending in "{tenant}/" so that one tenant's prefix can never match another's (tenant-1/ vs tenant-10/)`)
	case strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsAny(p, "*?\\ \t\n") || strings.Contains(p, ".."):
		k.fail("tenants.prefixTemplate", p, `a plain S3 key prefix without leading '/', '//', '..', wildcards or whitespace`)
	case strings.ContainsFunc(p, unicode.IsControl) || !utf8.ValidString(p):
		k.fail("tenants.prefixTemplate", p, "a prefix of printable UTF-8 characters: S3 listings cannot return control characters in XML, and IAM resource ARNs cannot match them")
	case slices.Contains(strings.Split(p, "/"), "."):
		k.fail("tenants.prefixTemplate", p, `a prefix without "." segments such as "./{tenant}/": S3 keys are not paths, so "./t1/" and "t1/" are different keys and the purger would look in the wrong place`)
	}
	if t.GracePeriodDays < 0 || t.GracePeriodDays > 3650 {
		k.fail("tenants.gracePeriodDays", t.GracePeriodDays, "0 to 3650 days after termination before the purge may start")
	}
	if t.DeadlineDays < 1 || t.DeadlineDays > 3650 {
		k.fail("tenants.deadlineDays", t.DeadlineDays, "1 to 3650 days after the grace period by which the purge must finish")
	}
	checkSchedule(k, "tenants.schedule", t.Schedule)
	if g := t.MinGraceDays(); t.AdvanceNoticeDays < 0 || (g >= 0 && t.AdvanceNoticeDays > g) {
		k.fail("tenants.advanceNoticeDays", t.AdvanceNoticeDays, fmt.Sprintf("0 (off) to the grace period (%s)", t.graceText()))
	}
	t.validateWindow(k)
	if t.DeadlineAlarmDays < 1 || (t.DeadlineDays >= 1 && t.DeadlineAlarmDays >= t.DeadlineDays) {
		k.fail("tenants.deadlineAlarmDays", t.DeadlineAlarmDays, fmt.Sprintf("1 to %d days, fewer than deadlineDays, so the alarm comes before the deadline", max(1, t.DeadlineDays-1)))
	}
	if t.Concurrency < 1 || t.Concurrency > 100 {
		k.fail("tenants.concurrency", t.Concurrency, "1 to 100 tenants purged in parallel")
	}
	t.validateShards(k)
}

func (n Notifications) validate(k *checker, zone string) {
	if _, err := mail.ParseAddress(n.Sender); err != nil {
		k.fail("notifications.sender", n.Sender, "an email address verified in SES, e.g. \"security@example.co.jp\"")
	}
	if len(n.Languages) == 0 {
		k.fail("notifications.languages", nil, `one or more of "ja", "en"`)
	}
	for i, l := range n.Languages {
		if !slices.Contains(Languages, l) || slices.Index(n.Languages, l) != i {
			k.fail(fmt.Sprintf("notifications.languages[%d]", i), l, `"ja" or "en", each at most once`)
		}
	}
	if !slices.Contains(Severities, n.SeverityThreshold) {
		k.fail("notifications.severityThreshold", n.SeverityThreshold, "one of Low, Medium, High, Critical")
	}
	if !slices.Contains(Severities, n.PlatformSeverity) {
		k.fail("notifications.platformSeverity", n.PlatformSeverity, "one of Low, Medium, High, Critical")
	}
	n.validatePromise(k, zone) // deadline.go
	if n.QuietPeriodHours < 1 || n.QuietPeriodHours > 8760 {
		k.fail("notifications.quietPeriodHours", n.QuietPeriodHours, "1 to 8760 hours before an unchanged finding is notified again")
	}
	if n.SendRatePerSecond < 1 || n.SendRatePerSecond > 1000 {
		k.fail("notifications.sendRatePerSecond", n.SendRatePerSecond, "1 to 1000, at most the account's SES sending rate")
	}
	for i, e := range n.OpsEmails {
		if _, err := mail.ParseAddress(e); err != nil {
			k.fail(fmt.Sprintf("notifications.opsEmails[%d]", i), e, "an email address")
		}
	}
	for _, f := range []struct {
		name string
		m    map[string]string
	}{{"operator", n.Operator}, {"action", n.Action}} {
		for lang, text := range f.m {
			switch {
			case !slices.Contains(Languages, lang):
				k.fail("notifications."+f.name, lang, `texts keyed by "ja" or "en"`)
			case strings.TrimSpace(text) == "" || len(text) > 2000:
				k.fail("notifications."+f.name+"."+lang, text, "a non-empty text of at most 2000 bytes")
			}
		}
		if len(f.m) > 0 {
			for _, lang := range n.Languages {
				if _, ok := f.m[lang]; !ok && slices.Contains(Languages, lang) {
					k.fail("notifications."+f.name, lang+" missing", "a text for every notice language ("+strings.Join(n.Languages, ", ")+")")
				}
			}
		}
	}
	if len(n.Contact) > 500 || strings.ContainsAny(n.Contact, "\r\n") {
		k.fail("notifications.contact", n.Contact, "one line of at most 500 bytes")
	}
	for i, t := range n.Catalogue.Disable {
		if strings.TrimSpace(t) == "" {
			k.fail(fmt.Sprintf("notifications.catalogue.disable[%d]", i), t, "a catalogue rule type such as \"cloudtrail/LoggingStopped\"")
		}
	}
	for t, sev := range n.Catalogue.Severities {
		if sev < 1 || sev > 10 {
			k.fail("notifications.catalogue.severities."+t, sev, "a severity from 1.0 to 10.0 (GuardDuty's scale)")
		}
	}
}

// CheckIDs are the compliance checks the verifier knows; Verification.Checks
// may name only these. The verifier registers its checks under these ids.
var CheckIDs = []string{
	"timesync.chrony",
	"timesync.managed",
	"rds.storage-encrypted",
	"rds.snapshot-encrypted",
	"ec2.ebs-encryption-by-default",
	"s3.default-encryption",
	"s3.tls-only",
	"kms.key-rotation",
	"cloudtrail.encrypted-validated-multiregion",
	"rds.tls-enforced",
	"elb.tls12-policy",
	"guardduty.enabled",
	"rds.snapshot-fresh",
	"rds.pitr-retention",
	"logs.retention",
	"s3.noncurrent-version-retention",
}

// The clock-offset thresholds verification.clockOffsetThreshold accepts.
const (
	MinClockOffset = time.Millisecond
	MaxClockOffset = time.Second
)

func (v Verification) validate(k *checker) {
	for i, id := range v.Checks {
		if !checkIDRE.MatchString(id) || !slices.Contains(CheckIDs, id) {
			k.fail(fmt.Sprintf("verification.checks[%d]", i), id, "one of "+strings.Join(CheckIDs, ", "))
		}
	}
	d, err := time.ParseDuration(v.ClockOffsetThreshold)
	if err != nil || d < MinClockOffset || d > MaxClockOffset {
		k.fail("verification.clockOffsetThreshold", v.ClockOffsetThreshold, fmt.Sprintf(`a duration from %s to %s, e.g. "100ms": a larger threshold passes clocks far enough off to misorder logs (Amazon Time Sync keeps them within a millisecond), a smaller one fails every clock on chrony's own error bound`, MinClockOffset, MaxClockOffset))
	}
	checkSchedule(k, "verification.schedule", v.Schedule)
	for key := range v.InstanceTags {
		if !validTagKey(key) {
			k.fail("verification.instanceTags", key, "tag keys of 1-128 characters not starting with \"aws:\"")
		}
	}
	v.validatePromises(k)
}

// Location returns the configured zone. Call after Validate.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ClockOffset returns the parsed clock-offset threshold. Call after Validate.
func (v Verification) ClockOffset() time.Duration {
	d, _ := time.ParseDuration(v.ClockOffsetThreshold)
	return d
}

// Prefix returns the S3 prefix of a tenant under the template. The tenant id
// must already be valid (see the tenant package); Prefix does no checking.
func (t Tenants) Prefix(tenantID string) string {
	return strings.Replace(t.PrefixTemplate, TenantPlaceholder, tenantID, 1)
}
