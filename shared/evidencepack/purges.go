package evidencepack

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// Purges is the month of tenant purges: every purge completed (a
// certificate issued in the month) against its deadline, and the purge
// runs recorded.
type Purges struct {
	Completed []PurgeDone `json:"completed"`
	// Runs counts the purge-run records (one per purge message handled
	// and one per daily sweep); Failed lists those that failed and were
	// retried.
	Runs   int        `json:"runs"`
	Failed []PurgeRun `json:"failed"`
	keys   []string
}

// PurgeDone is one completed purge.
type PurgeDone struct {
	TenantID    string    `json:"tenantId"`
	Certificate string    `json:"certificate"`
	Completed   time.Time `json:"completed"`
	// Deadline is the certificate's; zero when it states none.
	Deadline time.Time `json:"deadline,omitzero"`
	// MarginHours is Deadline minus Completed: negative when late.
	MarginHours   float64 `json:"marginHours"`
	Versions      int64   `json:"versions"`
	DeleteMarkers int64   `json:"deleteMarkers"`
	Bytes         int64   `json:"bytes"`
	SignatureOK   bool    `json:"signatureVerified"`
	Status        Status  `json:"status"`
	// Near is true when it finished within the deadline alarm's days of
	// the deadline.
	Near bool `json:"near,omitempty"`
}

func buildPurges(ev *Evidence, cfg config.Config) *Purges {
	p := &Purges{Completed: []PurgeDone{}, Failed: []PurgeRun{}}
	near := time.Duration(cfg.Tenants.DeadlineAlarmDays) * 24 * time.Hour
	for _, c := range ev.Certificates {
		d := PurgeDone{TenantID: c.TenantID, Certificate: c.Key, Completed: c.Issued, Deadline: c.Deadline, Versions: c.Versions,
			DeleteMarkers: c.Markers, Bytes: c.Bytes, SignatureOK: c.SignatureOK}
		switch {
		case !c.SignatureOK || c.Deadline.IsZero():
			d.Status = Unverified
		case c.Issued.After(c.Deadline):
			d.Status = Breached
		default:
			d.Status = Kept
		}
		if !c.Deadline.IsZero() {
			margin := c.Deadline.Sub(c.Issued)
			d.MarginHours = margin.Hours()
			d.Near = margin >= 0 && margin < near
		}
		p.Completed = append(p.Completed, d)
		p.keys = append(p.keys, c.Key, sibling(c.Key, "certificate.sig"), sibling(c.Key, "public-key.pem"))
	}
	slices.SortFunc(p.Completed, func(a, b PurgeDone) int {
		return cmp.Or(a.Completed.Compare(b.Completed), cmp.Compare(a.TenantID, b.TenantID))
	})
	for _, r := range ev.PurgeRuns {
		p.Runs++
		p.keys = append(p.keys, r.Key)
		if r.Action == "failed" {
			p.Failed = append(p.Failed, r)
		}
	}
	return p
}

func (p *Purges) apply(c *Control, cfg config.Config) Status {
	c.Evidence = append(c.Evidence, p.keys...)
	status := None
	onTime, late, unknown := 0, 0, 0
	var lateItems, unknownItems, nearItems []Item
	minMargin := 0.0
	for i, d := range p.Completed {
		if day := c.dayOf(d.Completed); day >= 0 {
			c.Days[day] = worse(c.Days[day], d.Status)
		}
		status = worse(status, d.Status)
		when := d.Completed.In(c.zone()).Format("2006-01-02 15:04 MST")
		switch d.Status {
		case Kept:
			onTime++
		case Breached:
			late++
			lateItems = append(lateItems, Item{Subject: d.TenantID, Evidence: d.Certificate, Since: d.Deadline,
				Reason: Text{JA: fmt.Sprintf("テナント %s の削除完了 (%s) が期限 %s を %.1f 日過ぎています。", d.TenantID, when, d.Deadline.In(c.zone()).Format("2006-01-02 15:04 MST"), -d.MarginHours/24),
					EN: fmt.Sprintf("Tenant %s's purge completed %s, %.1f days after its deadline %s.", d.TenantID, when, -d.MarginHours/24, d.Deadline.In(c.zone()).Format("2006-01-02 15:04 MST"))}})
		default:
			unknown++
			why := Text{JA: "証明書に期限が記載されていません。", EN: "the certificate states no deadline."}
			if !d.SignatureOK {
				why = Text{JA: "証明書の署名を検証できません。", EN: "the certificate's signature does not verify."}
			}
			unknownItems = append(unknownItems, Item{Subject: d.TenantID, Evidence: d.Certificate,
				Reason: Text{JA: fmt.Sprintf("テナント %s の削除 (%s 完了) は期限との比較ができません: %s", d.TenantID, when, why.JA), EN: fmt.Sprintf("Tenant %s's purge (completed %s) cannot be judged against its deadline: %s", d.TenantID, when, why.EN)}})
		}
		if d.Near {
			nearItems = append(nearItems, Item{Subject: d.TenantID, Evidence: d.Certificate,
				Reason: Text{JA: fmt.Sprintf("テナント %s の削除は期限の %.1f 日前 (%s) に完了しました。", d.TenantID, d.MarginHours/24, when),
					EN: fmt.Sprintf("Tenant %s's purge completed %.1f days before its deadline (%s).", d.TenantID, d.MarginHours/24, when)}})
		}
		if !d.Deadline.IsZero() && (i == 0 || d.MarginHours < minMargin) {
			minMargin = d.MarginHours
		}
	}
	n := len(p.Completed)
	c.Figures = append(c.Figures,
		Figure{Label: Text{JA: "完了した削除 (証明書発行)", EN: "Purges completed (certificates issued)"}, Value: fmt.Sprint(n)},
		Figure{Label: Text{JA: "期限内に完了", EN: "Completed before the deadline"}, Value: fmt.Sprintf("%d / %d", onTime, n), Status: map[bool]Status{true: Kept, false: Breached}[late == 0]},
	)
	if n > 0 && onTime+late > 0 {
		c.Figures = append(c.Figures, Figure{Label: Text{JA: "期限までの最小余裕", EN: "Smallest margin to a deadline"}, Value: fmt.Sprintf("%.1f d", minMargin/24)})
	}
	c.Figures = append(c.Figures, Figure{Label: Text{JA: "削除処理の実行記録 (失敗して再試行)", EN: "Purge runs recorded (failed and retried)"}, Value: fmt.Sprintf("%d (%d)", p.Runs, len(p.Failed))})
	if len(lateItems) > 0 {
		c.Findings = append(c.Findings, Group{Status: Breached, Count: len(lateItems), Items: lateItems,
			Title: Text{JA: fmt.Sprintf("期限を過ぎて完了した削除 %d 件", len(lateItems)), EN: fmt.Sprintf("%d purge%s completed after the deadline", len(lateItems), plural(len(lateItems)))}})
	}
	if len(unknownItems) > 0 {
		c.Findings = append(c.Findings, Group{Status: Unverified, Count: len(unknownItems), Items: unknownItems,
			Title: Text{JA: fmt.Sprintf("期限と比較できない削除 %d 件", len(unknownItems)), EN: fmt.Sprintf("%d purge%s not judged against a deadline", len(unknownItems), plural(len(unknownItems)))}})
	}
	if len(nearItems) > 0 {
		c.Findings = append(c.Findings, Group{Status: Kept, Count: len(nearItems), Items: nearItems,
			Title: Text{JA: fmt.Sprintf("期限間際 (%d 日以内) に完了した削除 %d 件", cfg.Tenants.DeadlineAlarmDays, len(nearItems)),
				EN: fmt.Sprintf("%d purge%s completed within %d days of the deadline", len(nearItems), plural(len(nearItems)), cfg.Tenants.DeadlineAlarmDays)}})
	}
	if n == 0 {
		addSummary(c, Text{JA: "この月に完了した削除はありません。", EN: "No purge was completed this month."})
		return status
	}
	addSummary(c, Text{JA: fmt.Sprintf("削除 %d 件が完了し、%d 件が期限内、%d 件が期限超過、%d 件が判定不能。", n, onTime, late, unknown),
		EN: fmt.Sprintf("%d purge%s completed: %d before the deadline, %d late, %d not judged.", n, plural(n), onTime, late, unknown)})
	return status
}

// applySegregation judges the tenant separation of the month's purges:
// every deleted key of every certified manifest lies under the purged
// tenant's own locations, and the manifests re-hash to their certified
// digests.
func applySegregation(ev *Evidence, c *Control) Status {
	status := None
	var lines, outside int64
	var items []Item
	for _, m := range ev.Manifests {
		c.Evidence = append(c.Evidence, m.Certificate)
		lines += m.Lines
		outside += m.OutsideCount
		st := Kept
		var why Text
		switch {
		case m.OutsideCount > 0:
			st = Breached
			why = Text{JA: fmt.Sprintf("テナント %s の削除記録に、証明書の対象外の場所のキーが %d 件あります (例: %s)。", m.TenantID, m.OutsideCount, m.Outside[0]),
				EN: fmt.Sprintf("Tenant %s's manifest lists %d deleted keys outside its certified locations, e.g. %s.", m.TenantID, m.OutsideCount, m.Outside[0])}
		case m.Error != "":
			st = Unverified
			why = Text{JA: fmt.Sprintf("テナント %s の削除記録を確認できません: %s", m.TenantID, m.Error), EN: fmt.Sprintf("Tenant %s's manifest could not be checked: %s", m.TenantID, m.Error)}
		case !m.DigestOK:
			st = Unverified
			why = Text{JA: fmt.Sprintf("テナント %s の削除記録のハッシュが証明書と一致しません。", m.TenantID), EN: fmt.Sprintf("Tenant %s's manifest does not re-hash to its certified digest.", m.TenantID)}
		}
		if st != Kept {
			items = append(items, Item{Subject: m.TenantID, Reason: why, Evidence: m.Certificate})
		}
		status = worse(status, st)
	}
	for _, cert := range ev.Certificates {
		c.Evidence = append(c.Evidence, cert.ManifestKeys...)
		if day := c.dayOf(cert.Issued); day >= 0 {
			st := Kept
			for _, m := range ev.Manifests {
				if m.Certificate == cert.Key && (m.OutsideCount > 0 || !m.DigestOK) {
					st = map[bool]Status{true: Breached, false: Unverified}[m.OutsideCount > 0]
				}
			}
			c.Days[day] = worse(c.Days[day], st)
		}
	}
	c.Figures = append(c.Figures,
		Figure{Label: Text{JA: "再確認した削除記録の行 (削除した版)", EN: "Manifest lines re-read (versions deleted)"}, Value: fmt.Sprint(lines)},
		Figure{Label: Text{JA: "対象テナント以外の場所のキー", EN: "Keys outside the purged tenant's locations"}, Value: fmt.Sprint(outside), Status: map[bool]Status{true: Kept, false: Breached}[outside == 0]},
	)
	if len(items) > 0 {
		c.Findings = append(c.Findings, Group{Status: status, Count: len(items), Items: items,
			Title: Text{JA: fmt.Sprintf("分離を確認できない削除 %d 件", len(items)), EN: fmt.Sprintf("%d purge%s whose separation does not hold or cannot be shown", len(items), plural(len(items)))}})
	}
	if len(ev.Manifests) == 0 {
		addSummary(c, Text{JA: "この月に完了した削除はなく、確認する削除記録はありません。", EN: "No purge was completed this month, so there is no deletion to check."})
		return status
	}
	addSummary(c, Text{JA: fmt.Sprintf("削除 %d 件の記録 %d 行を再確認し、他テナントの場所のキーは %d 件でした。", len(ev.Manifests), lines, outside),
		EN: fmt.Sprintf("%d purge manifest%s re-read, %d lines: %d keys outside the purged tenant's locations.", len(ev.Manifests), plural(len(ev.Manifests)), lines, outside)})
	return status
}
