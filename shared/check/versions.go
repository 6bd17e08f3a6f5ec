package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Versioning is what the noncurrent-version check needs of a tenant
// bucket: its versioning status and its lifecycle rules that expire
// noncurrent versions.
type Versioning struct {
	Bucket string `json:"bucket"`
	// Status is "Enabled", "Suspended", or empty when versioning was never
	// turned on.
	Status string `json:"status"`
	// Rules are the lifecycle rules with a NoncurrentVersionExpiration.
	Rules []NoncurrentRule `json:"rules"`
}

// NoncurrentRule is one lifecycle rule that expires noncurrent versions.
type NoncurrentRule struct {
	ID      string `json:"id"`
	Enabled bool   `json:"enabled"`
	// Prefix is the rule's key prefix; empty for the whole bucket.
	Prefix string `json:"prefix"`
	// Narrowed is true when the rule also selects by tag or object size,
	// so it applies to some objects under Prefix only.
	Narrowed bool `json:"narrowed,omitempty"`
	// Days is NoncurrentDays: how long after becoming noncurrent a version
	// is expired.
	Days int `json:"days"`
	// NewerVersions is NewerNoncurrentVersions: how many newer noncurrent
	// versions are kept whatever their age (0: none).
	NewerVersions int `json:"newerVersions,omitempty"`
}

func overlaps(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// NoncurrentRetention judges a tenant bucket against the promise that a
// changed or deleted tenant object's earlier versions are kept promisedDays
// (operator 001: "attachments kept 31 days after change or deletion"):
//   - versioning must be Enabled, or there are no earlier versions to keep;
//   - no enabled rule that reaches tenant data (its prefix and
//     tenantPrefix overlap) may expire noncurrent versions sooner than
//     promised;
//   - an enabled rule must cover all tenant data (no tag or size filter,
//     its prefix a prefix of tenantPrefix) and expire noncurrent versions
//     after at least promisedDays: without one, deleted data is never
//     removed, which is not the retention promised either.
//
// The result reports the days the covering rule keeps them.
func NoncurrentRetention(v Versioning, promisedDays int, tenantPrefix string, now time.Time) Result {
	res := "arn:aws:s3:::" + v.Bucket
	where := "tenant data"
	whereJA := "テナントデータ"
	if tenantPrefix != "" {
		where = fmt.Sprintf("tenant data (%s)", tenantPrefix)
		whereJA = fmt.Sprintf("テナントデータ (%s)", tenantPrefix)
	}
	if v.Status != "Enabled" {
		st := v.Status
		if st == "" {
			st = "never enabled"
		}
		return verdict(S3NoncurrentRetention, res, false, fmt.Sprintf("Bucket %s has versioning %s, so a changed or deleted object keeps no earlier version; %s are promised.", v.Bucket, strings.ToLower(st), days(promisedDays)), now).
			ja("バケット %s のバージョニングが有効ではない (%s) ため、変更・削除されたオブジェクトの以前の版が残りません。約束は %d 日間の保管です。", v.Bucket, st, promisedDays)
	}
	rules := slices.Clone(v.Rules)
	slices.SortFunc(rules, func(a, b NoncurrentRule) int { return cmp.Or(cmp.Compare(a.Days, b.Days), cmp.Compare(a.ID, b.ID)) })
	var covering *NoncurrentRule
	for i, r := range rules {
		if !r.Enabled || r.Days <= 0 || !overlaps(r.Prefix, tenantPrefix) {
			continue
		}
		if r.Days < promisedDays {
			return verdict(S3NoncurrentRetention, res, false, fmt.Sprintf("Lifecycle rule %q of bucket %s expires noncurrent versions under %q after %s, sooner than the %s promised for %s.", r.ID, v.Bucket, r.Prefix, days(r.Days), days(promisedDays), where), now).
				ja("バケット %s のライフサイクルルール %q は %q 配下の以前の版を %d 日で失効させており、%sについて約束した %d 日より短くなっています。", v.Bucket, r.ID, r.Prefix, r.Days, whereJA, promisedDays)
		}
		if covering == nil && !r.Narrowed && strings.HasPrefix(tenantPrefix, r.Prefix) {
			covering = &rules[i]
		}
	}
	if covering == nil {
		return verdict(S3NoncurrentRetention, res, false, fmt.Sprintf("No enabled lifecycle rule of bucket %s expires noncurrent versions of all %s, so earlier versions of changed and deleted objects are kept indefinitely instead of the %s promised.", v.Bucket, where, days(promisedDays)), now).
			ja("バケット %s には%s全体の以前の版を失効させる有効なライフサイクルルールがないため、変更・削除されたオブジェクトの以前の版が約束の %d 日を過ぎても無期限に残ります。", v.Bucket, whereJA, promisedDays)
	}
	scope := "the whole bucket"
	if covering.Prefix != "" {
		scope = fmt.Sprintf("%q", covering.Prefix)
	}
	extra, extraJA := "", ""
	if covering.NewerVersions > 0 {
		extra = fmt.Sprintf(" (the %d newest noncurrent versions of each object are kept whatever their age)", covering.NewerVersions)
		extraJA = fmt.Sprintf(" (各オブジェクトの新しい以前の版 %d 個は経過日数にかかわらず保持)", covering.NewerVersions)
	}
	return verdict(S3NoncurrentRetention, res, true, fmt.Sprintf("Bucket %s is versioned and lifecycle rule %q expires noncurrent versions of %s after %s%s, at least the %s promised for %s.", v.Bucket, covering.ID, scope, days(covering.Days), extra, days(promisedDays), where), now).
		ja("バケット %s はバージョニングが有効で、ライフサイクルルール %q が以前の版を %d 日後に失効させます%s。%sについて約束した %d 日以上です。", v.Bucket, covering.ID, covering.Days, extraJA, whereJA, promisedDays)
}
