package evidencepack

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// Notices is the month of incident notices: every notice sent, against its
// deadline, with the latency's maximum and 95th percentile.
type Notices struct {
	// LimitHours is the configured promise (notices may state their own
	// deadline, which then decides).
	LimitHours int `json:"limitHours"`
	// Sent counts the notices sent in the month; Promised those a promise
	// covers (reminders are not); Breached those sent after their
	// deadline; Late those about findings that arrived already past their
	// deadline, counted apart and not as this month's broken promise.
	Sent     int `json:"sent"`
	Promised int `json:"promised"`
	Breached int `json:"breached"`
	Late     int `json:"late"`
	// MaxHours and P95Hours are the latency (from the start of the
	// promise to sending) over promised notices that were not late.
	MaxHours float64      `json:"maxHours"`
	P95Hours float64      `json:"p95Hours"`
	Items    []NoticeItem `json:"items"`
	keys     []string
}

// NoticeItem is one notice.
type NoticeItem struct {
	FindingID    string    `json:"findingId"`
	TenantID     string    `json:"tenantId"`
	FindingType  string    `json:"findingType"`
	PromiseFrom  time.Time `json:"promiseFrom"`
	Sent         time.Time `json:"sent"`
	Deadline     time.Time `json:"deadline"`
	DeadlineFrom string    `json:"deadlineFrom"`
	LatencyHours float64   `json:"latencyHours"`
	Promised     bool      `json:"promised"`
	Late         bool      `json:"late,omitempty"`
	Status       Status    `json:"status"`
	Evidence     string    `json:"evidence"`
}

// percentile returns the nearest-rank p-th percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func buildNotices(ev *Evidence, cfg config.Config) *Notices {
	n := &Notices{LimitHours: cfg.Notifications.Promise().Hours, Items: []NoticeItem{}}
	var lat []float64
	for _, x := range ev.Notices {
		it := NoticeItem{FindingID: x.FindingID, TenantID: x.TenantID, FindingType: x.FindingType, PromiseFrom: x.PromiseFrom, Sent: x.Sent,
			Deadline: x.Deadline, DeadlineFrom: x.DeadlineFrom, LatencyHours: x.Latency().Hours(), Promised: x.Promised, Late: x.Late, Evidence: x.Key}
		n.keys = append(n.keys, x.Key)
		n.Sent++
		switch {
		case x.Late:
			it.Status = None
			n.Late++
			n.Promised++
		case !x.Promised:
			it.Status = None
		case x.Breached():
			it.Status = Breached
			n.Breached++
			n.Promised++
			lat = append(lat, it.LatencyHours)
		default:
			it.Status = Kept
			n.Promised++
			lat = append(lat, it.LatencyHours)
		}
		n.Items = append(n.Items, it)
	}
	slices.SortFunc(n.Items, func(a, b NoticeItem) int {
		return cmp.Or(a.Sent.Compare(b.Sent), cmp.Compare(a.FindingID, b.FindingID), cmp.Compare(a.TenantID, b.TenantID))
	})
	slices.Sort(lat)
	if len(lat) > 0 {
		n.MaxHours, n.P95Hours = lat[len(lat)-1], percentile(lat, 95)
	}
	return n
}

func hours(h float64) string {
	if h < 1 {
		return fmt.Sprintf("%.0f min", h*60)
	}
	return fmt.Sprintf("%.1f h", h)
}

func (n *Notices) apply(c *Control) Status {
	c.Evidence = append(c.Evidence, n.keys...)
	status := None
	var breached, late []Item
	for _, it := range n.Items {
		if day := c.dayOf(it.Sent); day >= 0 {
			c.Days[day] = worse(c.Days[day], it.Status)
		}
		status = worse(status, it.Status)
		sent := it.Sent.In(c.zone()).Format("2006-01-02 15:04 MST")
		due := it.Deadline.In(c.zone()).Format("2006-01-02 15:04 MST")
		switch {
		case it.Status == Breached:
			breached = append(breached, Item{Subject: it.TenantID + " / " + it.FindingID, Evidence: it.Evidence, Since: it.Deadline,
				Reason: Text{JA: fmt.Sprintf("%s への通知 (%s) は %s に送信され、期限 %s を %s 過ぎました (検知から %s)。", it.TenantID, it.FindingType, sent, due, hours(it.Sent.Sub(it.Deadline).Hours()), hours(it.LatencyHours)),
					EN: fmt.Sprintf("The notice to %s (%s) was sent %s, %s after its deadline %s (%s after detection).", it.TenantID, it.FindingType, sent, hours(it.Sent.Sub(it.Deadline).Hours()), due, hours(it.LatencyHours))}})
		case it.Late:
			late = append(late, Item{Subject: it.TenantID + " / " + it.FindingID, Evidence: it.Evidence,
				Reason: Text{JA: fmt.Sprintf("%s への通知 (%s) は %s に送信されました。事象は期限 %s を過ぎてから届いたため、別に集計します。", it.TenantID, it.FindingType, sent, due),
					EN: fmt.Sprintf("The notice to %s (%s) was sent %s; the finding arrived after its deadline %s, so it is counted apart.", it.TenantID, it.FindingType, sent, due)}})
		}
	}
	onTime := n.Promised - n.Breached - n.Late
	c.Figures = append(c.Figures,
		Figure{Label: Text{JA: "送信した通知", EN: "Notices sent"}, Value: fmt.Sprint(n.Sent)},
		Figure{Label: Text{JA: fmt.Sprintf("期限内 (%d 時間) の通知", n.LimitHours), EN: fmt.Sprintf("Sent before the deadline (%d h)", n.LimitHours)},
			Value: fmt.Sprintf("%d / %d", onTime, n.Promised-n.Late), Status: map[bool]Status{true: Kept, false: Breached}[n.Breached == 0]},
		Figure{Label: Text{JA: "最大の遅延 (検知から送信まで)", EN: "Longest latency (detection to notice)"}, Value: hours(n.MaxHours)},
		Figure{Label: Text{JA: "遅延の 95 パーセンタイル", EN: "95th percentile latency"}, Value: hours(n.P95Hours)},
	)
	if n.Late > 0 {
		c.Figures = append(c.Figures, Figure{Label: Text{JA: "期限後に届いた事象の通知 (別集計)", EN: "Notices of findings that arrived past their deadline (apart)"}, Value: fmt.Sprint(n.Late)})
	}
	if len(breached) > 0 {
		c.Findings = append(c.Findings, Group{Status: Breached, Count: len(breached), Since: breached[0].Since, Items: breached,
			Title: Text{JA: fmt.Sprintf("期限を過ぎた通知 %d 件", len(breached)), EN: fmt.Sprintf("%d notice%s sent after the deadline", len(breached), plural(len(breached)))}})
	}
	if len(late) > 0 {
		c.Findings = append(c.Findings, Group{Status: None, Count: len(late), Items: late,
			Title: Text{JA: fmt.Sprintf("期限後に届いた事象の通知 %d 件", len(late)), EN: fmt.Sprintf("%d notice%s of findings that arrived past their deadline", len(late), plural(len(late)))}})
	}
	if n.Sent == 0 {
		addSummary(c, Text{JA: "この月に送信した通知はありません。", EN: "No notice was sent this month."})
		return status
	}
	addSummary(c, Text{JA: fmt.Sprintf("通知 %d 件のうち期限超過 %d 件。遅延は最大 %s、95 パーセンタイル %s (約束 %d 時間)。", n.Sent, n.Breached, hours(n.MaxHours), hours(n.P95Hours), n.LimitHours),
		EN: fmt.Sprintf("%d notice%s, %d after the deadline; latency at most %s, 95th percentile %s (promise: %d h).", n.Sent, plural(n.Sent), n.Breached, hours(n.MaxHours), hours(n.P95Hours), n.LimitHours)})
	return status
}

// applyFindings counts the findings received in the month by band, the
// monitoring's own evidence; it decides no status.
func applyFindings(ev *Evidence, c *Control) Status {
	bands := map[string]int{}
	routed := 0
	for _, f := range ev.Findings {
		bands[f.Band]++
		if len(f.Concerned) > 0 {
			routed++
		}
		c.Evidence = append(c.Evidence, f.Key)
	}
	var parts []string
	for _, b := range []string{"Critical", "High", "Medium", "Low"} {
		if bands[b] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", b, bands[b]))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = " (" + strings.Join(parts, ", ") + ")"
	}
	c.Figures = append(c.Figures,
		Figure{Label: Text{JA: "受け付けた検知事象", EN: "Findings received"}, Value: fmt.Sprintf("%d%s", len(ev.Findings), detail)},
		Figure{Label: Text{JA: "テナントに振り分けた事象", EN: "Findings routed to tenants"}, Value: fmt.Sprint(routed)},
	)
	addSummary(c, Text{JA: fmt.Sprintf("検知事象 %d 件を受け付け、%d 件をテナントに振り分けました。", len(ev.Findings), routed),
		EN: fmt.Sprintf("%d finding%s received, %d routed to tenants.", len(ev.Findings), plural(len(ev.Findings)), routed)})
	return None
}
