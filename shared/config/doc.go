// Package config provides Pledge's typed configuration: the operator's
// whitepaper promises expressed as data.
//
// One Config is written in cdk.json context (key "pledge") or in a
// per-environment JSON file named with `cdk synth -c pledge:configFile=FILE`.
// The CDK app validates the whole of it at synth; each Lambda function
// receives only the sections it needs, JSON-encoded in the PLEDGE_CONFIG
// environment variable, and validates them again when it starts.
//
// Rules:
//   - Stored times are UTC; periods (a backup "day", a notice's local time)
//     are cut in Timezone, which defaults to Asia/Tokyo.
//   - A keep count of -1 means unlimited, 0 means the tier is off. A within
//     tier (keep.withinDaily "11d", restic's --keep-within-daily) is a span
//     as package span reads it; empty means the tier is off.
//   - A backup policy with no tiers and no schedule promises only
//     point-in-time recovery (pointInTimeRecoveryDays, required then): the
//     rotator takes no snapshots for it; the verifier checks its targets'
//     retention.
//   - The tenant purge window opens GracePeriodDays after termination (or
//     once GracePeriodMonths calendar months have passed from the day after
//     the contract ended), moved to the first of PurgeDays when those are
//     set, and closes DeadlineDays after that: a purge must finish inside
//     the window. Tenants.PurgeWindow computes it, in Timezone.
//   - The verification section holds the promises the checks measure:
//     accepted time sources (Amazon Time Sync Service by default; NICT's
//     ntp.nict.jp; any NTP server by name and address), the days noncurrent
//     versions of tenant objects are kept, the minimum retention of each log
//     class (log groups chosen by name prefix, the longest prefix deciding;
//     other groups are held to LogRetentionDays), and the longest KMS key
//     rotation period allowed (verification.go).
//   - Every validation error names the field, the bad value, and what would
//     be valid.
//   - Validation refuses what could only fail later or silently: a bucket
//     listed twice, an evidence bucket that is also a tenant bucket, "."
//     segments or control characters in the prefix template, RDS
//     identifiers in capitals (RDS stores them lower-case), a schedule that
//     does not fire within five years (31 February, a past year), a clock
//     threshold outside 1 ms to 1 s.
//   - Validate covers what every function reads. ValidateDeployment adds
//     what only the CDK app needs: a Stage, an ops destination for alarms
//     (or the explicit NoOpsDestination), a region global events can be
//     forwarded to.
//   - The backup section needs the Stage too: it is part of every managed
//     snapshot's name and tags (package snapshot), so that two stages in
//     one account never take each other's snapshots for their own. Only
//     keeps the Stage in every function's sections.
package config
