package evidencepack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pledge-dev/pledge/shared/chrony"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/control"
	"github.com/pledge-dev/pledge/shared/span"
)

// controlDef says which evidence speaks to a control.
type controlDef struct {
	id    string
	title Text
	// The evidence behind it: snapshot runs, certificates, manifests,
	// notices, findings, verification reports.
	backups, purges, segregation, notices, findings, verified bool
}

func title(id string) Text {
	c, _ := control.ByID(id)
	return Text{JA: c.Japanese, EN: c.English}
}

// controlDefs are the controls of a pack, in the standard's order.
var controlDefs = []controlDef{
	{id: "CLD.8.1.5", title: title("CLD.8.1.5"), purges: true},
	{id: "CLD.9.5.1", title: title("CLD.9.5.1"), segregation: true},
	{id: "A.10.1.1", title: title("A.10.1.1"), verified: true},
	{id: "A.10.1.2", title: title("A.10.1.2"), verified: true},
	{id: "A.12.3.1", title: title("A.12.3.1"), backups: true, verified: true},
	{id: "A.12.4.1", title: title("A.12.4.1"), verified: true},
	{id: "A.12.4.2", title: title("A.12.4.2"), verified: true},
	{id: "A.12.4.4", title: title("A.12.4.4"), verified: true},
	{id: "CLD.12.4.5", title: title("CLD.12.4.5"), findings: true, verified: true},
	{id: "A.13.1.1", title: title("A.13.1.1"), verified: true},
	{id: "A.14.1.2", title: title("A.14.1.2"), verified: true},
	{id: "A.14.1.3", title: title("A.14.1.3"), verified: true},
	{id: "A.16.1.1", title: title("A.16.1.1"), notices: true},
}

// timeSources names the configured time sources as the clock check does
// (Amazon Time Sync Service when none is configured).
func timeSources(list []config.TimeSource) []chrony.Source {
	var out []chrony.Source
	for _, s := range list {
		switch s.Service {
		case config.TimeServiceAmazon:
			out = append(out, chrony.AmazonTimeSync)
		case config.TimeServiceNICT:
			out = append(out, chrony.NICT())
		case config.TimeServiceAny:
			out = append(out, chrony.AnySource)
		default:
			out = append(out, chrony.Server(s.Server))
		}
	}
	if len(out) == 0 {
		out = []chrony.Source{chrony.AmazonTimeSync}
	}
	return out
}

// ControlIDs are the controls a pack reports, in order.
func ControlIDs() []string {
	ids := make([]string, len(controlDefs))
	for i, d := range controlDefs {
		ids[i] = d.id
	}
	return ids
}

// promises says what the configuration promises under a control: what
// its fields set and, for what the verifier checks, only what its checks
// (verification.checks; every check when empty) look at.
func promises(id string, cfg config.Config) []Text {
	v := cfg.Verification
	checked := func(ids ...string) bool {
		if len(v.Checks) == 0 {
			return true
		}
		for _, id := range ids {
			if slices.Contains(v.Checks, id) {
				return true
			}
		}
		return false
	}
	switch id {
	case "A.10.1.1":
		var out []Text
		var ja, en []string
		for _, c := range []struct{ id, ja, en string }{
			{"rds.storage-encrypted", "RDS のインスタンス・クラスター", "RDS instances and clusters"},
			{"rds.snapshot-encrypted", "RDS のスナップショット", "RDS snapshots"},
			{"ec2.ebs-encryption-by-default", "EBS の既定", "EBS by default"},
			{"s3.default-encryption", "S3 バケット", "S3 buckets"},
		} {
			if checked(c.id) {
				ja, en = append(ja, c.ja), append(en, c.en)
			}
		}
		if len(en) > 0 {
			out = append(out, Text{JA: "保存データ (" + strings.Join(ja, "、") + ") を暗号化します。", EN: "Data at rest is encrypted (" + strings.Join(en, ", ") + ")."})
		}
		ja, en = nil, nil
		for _, c := range []struct{ id, ja, en string }{
			{"elb.tls12-policy", "ロードバランサー", "load balancers"},
			{"s3.tls-only", "S3", "S3"},
			{"rds.tls-enforced", "RDS", "RDS"},
		} {
			if checked(c.id) {
				ja, en = append(ja, c.ja), append(en, c.en)
			}
		}
		if len(en) > 0 {
			out = append(out, Text{JA: "通信 (" + strings.Join(ja, "、") + ") は TLS 1.2 以上で保護します。", EN: "Data in transit (" + strings.Join(en, ", ") + ") is protected with TLS 1.2 or newer."})
		}
		return out
	case "A.10.1.2":
		var out []Text
		if checked("kms.key-rotation") {
			out = append(out, Text{JA: "カスタマー管理の KMS キーを自動ローテーションします。", EN: "Customer-managed KMS keys rotate automatically."})
			if v.KeyRotationMaxDays > 0 {
				out[0] = Text{JA: fmt.Sprintf("カスタマー管理の KMS キーを %d 日以内の間隔で自動ローテーションします。", v.KeyRotationMaxDays),
					EN: fmt.Sprintf("Customer-managed KMS keys rotate automatically at least every %d days.", v.KeyRotationMaxDays)}
			}
		}
		return append(out, Text{JA: "削除証明書とこの証跡パックの索引は KMS の鍵 (ECDSA P-256) で署名します。",
			EN: "Deletion certificates and this pack's index are signed with a KMS key (ECDSA P-256)."})
	case "A.12.3.1":
		var out []Text
		for _, p := range cfg.Backup.Policies {
			if p.TakesSnapshots() {
				out = append(out, Text{
					JA: fmt.Sprintf("バックアップポリシー %s: %s を %s (%s) で取得し、%s を保管します。", p.Name, targetsText(p.Targets, "ja"), p.Schedule, cfg.Timezone, keepText(p.Keep, "ja")),
					EN: fmt.Sprintf("Backup policy %s: %s, on %s (%s), keeping %s.", p.Name, targetsText(p.Targets, "en"), p.Schedule, cfg.Timezone, keepText(p.Keep, "en")),
				})
			} else {
				out = append(out, Text{
					JA: fmt.Sprintf("バックアップポリシー %s: %s は RDS の自動バックアップ (ポイントインタイムリカバリ) で保護します。", p.Name, targetsText(p.Targets, "ja")),
					EN: fmt.Sprintf("Backup policy %s: %s, protected by RDS automated backups (point-in-time recovery).", p.Name, targetsText(p.Targets, "en")),
				})
			}
			if p.PointInTimeRecoveryDays > 0 {
				out = append(out, Text{JA: fmt.Sprintf("ポイントインタイムリカバリを %d 日間保持します。", p.PointInTimeRecoveryDays),
					EN: fmt.Sprintf("Point-in-time recovery is kept %d days.", p.PointInTimeRecoveryDays)})
			}
		}
		if v.NoncurrentVersionDays > 0 {
			out = append(out, Text{JA: fmt.Sprintf("テナントのファイルは変更・削除後 %d 日間、以前の版を保管します。", v.NoncurrentVersionDays),
				EN: fmt.Sprintf("Earlier versions of changed or deleted tenant files are kept %d days.", v.NoncurrentVersionDays)})
		}
		return out
	case "A.12.4.1":
		var out []Text
		if checked("logs.retention") {
			var ja, en []string
			for _, c := range v.LogClasses {
				ja = append(ja, fmt.Sprintf("%s ログ %d 日", c.Name, c.MinDays))
				en = append(en, fmt.Sprintf("%s logs %d days", c.Name, c.MinDays))
			}
			ja = append(ja, fmt.Sprintf("その他 %d 日", cfg.LogRetentionDays))
			en = append(en, fmt.Sprintf("other log groups %d days", cfg.LogRetentionDays))
			out = append(out, Text{JA: "ログを次の期間以上保管します: " + strings.Join(ja, "、") + "。", EN: "Logs are kept at least: " + strings.Join(en, ", ") + "."})
		}
		if checked("cloudtrail.encrypted-validated-multiregion") {
			out = append(out, Text{JA: "CloudTrail で全リージョンの操作を記録します。", EN: "CloudTrail records every region."})
		}
		return out
	case "A.12.4.2":
		if !checked("cloudtrail.encrypted-validated-multiregion") {
			return nil
		}
		return []Text{{JA: "CloudTrail のログファイルを KMS で暗号化し、改ざん検証を有効にします。", EN: "CloudTrail log files are encrypted with KMS and validated."}}
	case "A.12.4.4":
		var ja, en []string
		for _, s := range timeSources(v.TimeSources) {
			en = append(en, s.Name)
			ja = append(ja, cmpOr(s.NameJA, s.Name))
		}
		return []Text{
			{JA: fmt.Sprintf("時計を %s に同期し、誤差を %s 未満に保ちます。", strings.Join(ja, "、"), v.ClockOffsetThreshold),
				EN: fmt.Sprintf("Clocks follow %s with an error below %s.", strings.Join(en, " or "), v.ClockOffsetThreshold)},
			{JA: fmt.Sprintf("お客様に示す時刻はすべて %s で表示します。", cfg.Timezone), EN: fmt.Sprintf("Every customer-facing time is shown in %s.", cfg.Timezone)},
		}
	case "A.13.1.1":
		if !checked("s3.tls-only", "rds.tls-enforced") {
			return nil
		}
		return []Text{{JA: "保存データへの接続に TLS を必須とします (S3 バケットポリシー、RDS パラメータ)。", EN: "Connections to stored data must use TLS (S3 bucket policies, RDS parameters)."}}
	case "A.14.1.2", "A.14.1.3":
		if !checked("elb.tls12-policy") {
			return nil
		}
		return []Text{{JA: "公開エンドポイント (ロードバランサー) は TLS 1.2 以上のみを受け付けます。", EN: "Public endpoints (load balancers) accept TLS 1.2 or newer only."}}
	case "A.16.1.1":
		return []Text{noticePromise(cfg.Notifications.Promise())}
	case "CLD.8.1.5":
		return []Text{purgePromise(cfg.Tenants)}
	case "CLD.9.5.1":
		return []Text{{JA: fmt.Sprintf("各テナントのデータは専用のプレフィックス (%s) に置き、削除は他テナントのプレフィックスに及びません。", cfg.Tenants.PrefixTemplate),
			EN: fmt.Sprintf("Each tenant's data lies under its own prefix (%s), and a purge deletes nothing outside it.", cfg.Tenants.PrefixTemplate)}}
	case "CLD.12.4.5":
		return []Text{{JA: "GuardDuty でアカウントを監視し、検知した事象を影響を受けるテナントに振り分けます。", EN: "GuardDuty monitors the account, and security findings are routed to the tenants they concern."}}
	}
	return nil
}

// noticePromise words the notice deadline: a plain limit, or operator
// 003's business-hours rule.
func noticePromise(d config.Deadline) Text {
	b := d.BusinessHours
	if b == nil {
		return Text{JA: fmt.Sprintf("影響を受けるテナントに、検知から %d 時間以内に通知します。", d.Hours),
			EN: fmt.Sprintf("Affected tenants are notified within %d hours of detection.", d.Hours)}
	}
	days := strings.Join(b.Days, ", ")
	closedJA, closedEN := "", ""
	if b.Holidays == "jp" {
		closedJA, closedEN = " (国民の祝日を除く)", ", not on Japanese national holidays"
	}
	zone := cmpOr(b.Timezone, "the configured zone")
	return Text{
		JA: fmt.Sprintf("影響を受けるテナントに、営業時間内 (%s の %s-%s%s、%s) の検知は %d 時間以内に、営業時間外の検知は次の営業時間の開始と検知から %d 時間後の遅い方までに通知します。", days, b.Start, b.End, closedJA, zone, d.Hours, d.Hours),
		EN: fmt.Sprintf("Affected tenants are notified within %d hours of a detection in business hours (%s, %s-%s %s%s); of one outside them, by the later of the next start of business hours and %d hours after detection.", d.Hours, days, b.Start, b.End, zone, closedEN, d.Hours),
	}
}

// purgePromise words the purge window: the grace period in days or
// calendar months, the purge days, the deadline.
func purgePromise(t config.Tenants) Text {
	graceJA := fmt.Sprintf("終了から %d 日後", t.GracePeriodDays)
	graceEN := fmt.Sprintf("from %d days after termination", t.GracePeriodDays)
	if t.GracePeriodMonths > 0 {
		graceJA = fmt.Sprintf("契約終了日の翌日から %d か月を経過した時点", t.GracePeriodMonths)
		graceEN = fmt.Sprintf("once %d calendar months have passed from the day after the contract ended", t.GracePeriodMonths)
	}
	if len(t.PurgeDays) > 0 {
		graceJA += fmt.Sprintf("以降の最初の %s", strings.Join(t.PurgeDays, "・"))
		graceEN += fmt.Sprintf(", on the first %s after that", strings.Join(t.PurgeDays, " or "))
	}
	return Text{JA: fmt.Sprintf("契約終了したテナントのデータは、%sに削除を始め、その後 %d 日以内に完全に削除し、署名付きの削除証明書を発行します。", graceJA, t.DeadlineDays),
		EN: fmt.Sprintf("A terminated tenant's data is deleted %s, completely within %d days after that, with a signed deletion certificate.", graceEN, t.DeadlineDays)}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func targetsText(t config.Targets, lang string) string {
	var parts []string
	parts = append(parts, t.Instances...)
	parts = append(parts, t.Clusters...)
	keys := make([]string, 0, len(t.Tags))
	for k := range t.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if lang == "ja" {
			parts = append(parts, fmt.Sprintf("タグ %s=%s のデータベース", k, t.Tags[k]))
		} else {
			parts = append(parts, fmt.Sprintf("databases tagged %s=%s", k, t.Tags[k]))
		}
	}
	if lang == "ja" {
		return strings.Join(parts, "、")
	}
	return strings.Join(parts, ", ")
}

// keepText lists the promised generations: "hourly 24, daily 7, weekly 4",
// "daily within 11d".
func keepText(k config.Keep, lang string) string {
	var parts []string
	for _, t := range tiers(k) {
		n := fmt.Sprint(t.n)
		if t.n < 0 {
			n = map[string]string{"ja": "無制限", "en": "all"}[lang]
		}
		switch {
		case t.within != "" && lang == "ja":
			parts = append(parts, t.ja)
		case t.within != "":
			parts = append(parts, t.name)
		case lang == "ja":
			parts = append(parts, fmt.Sprintf("%s %s 世代", t.ja, n))
		default:
			parts = append(parts, fmt.Sprintf("%s %s", t.name, n))
		}
	}
	if lang == "ja" {
		return strings.Join(parts, "、")
	}
	return strings.Join(parts, ", ")
}

type tier struct {
	name, ja string
	n        int
	// within is a within tier's span ("11d"); its name is restic's
	// wording, as the rotator's reasons give it ("daily within 11d").
	within string
}

// tiers are a policy's non-zero tiers, in order: counted, then within.
func tiers(k config.Keep) []tier {
	var out []tier
	for _, t := range []tier{{"last", "最新", k.Last, ""}, {"hourly", "毎時", k.Hourly, ""}, {"daily", "日次", k.Daily, ""}, {"weekly", "週次", k.Weekly, ""}, {"monthly", "月次", k.Monthly, ""}, {"yearly", "年次", k.Yearly, ""}} {
		if t.n != 0 {
			out = append(out, t)
		}
	}
	ja := map[string]string{"within": "すべて", "withinHourly": "毎時", "withinDaily": "日次", "withinWeekly": "週次", "withinMonthly": "月次", "withinYearly": "年次"}
	for _, w := range k.Spans() {
		sp, err := span.Parse(w.Span)
		if err != nil || sp.IsZero() {
			continue
		}
		name := strings.ToLower(strings.TrimPrefix(w.Name, "within")) + " within " + sp.String()
		if w.Name == "within" {
			name = "within " + sp.String()
		}
		out = append(out, tier{name: name, ja: fmt.Sprintf("%s (最新から %s 以内)", ja[w.Name], sp.Japanese()), within: sp.String()})
	}
	return out
}

// addSummary appends a sentence to the control's one-line summary.
func addSummary(c *Control, t Text) {
	if c.Summary.EN == "" {
		c.Summary = t
		return
	}
	c.Summary = Text{JA: c.Summary.JA + " " + t.JA, EN: c.Summary.EN + " " + t.EN}
}

// summarise returns the summary the sections wrote, or says there was no
// evidence.
func summarise(c Control) Text {
	if c.Summary.EN != "" {
		return c.Summary
	}
	return Text{JA: "この月の証跡はありません。", EN: "No evidence this month."}
}

func pct(n, d int) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}
