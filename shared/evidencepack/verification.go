package evidencepack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Verification is the month of verification runs for one control: the
// pass rate of each day, and the failures still open at the month's last
// run, similar ones grouped.
type Verification struct {
	Runs     int        `json:"runs"`
	Checks   []string   `json:"checks"`
	Days     []CheckDay `json:"days"`
	Results  int        `json:"results"`
	Passes   int        `json:"passes"`
	Failures int        `json:"failures"`
	Errors   int        `json:"errors"`
	// Open counts the (check, resource) pairs not passing at the last
	// run; Resolved those that failed during the month and passed (or
	// were no longer reported) at the end.
	Open     int `json:"open"`
	Resolved int `json:"resolved"`
	// Sources counts, for the clock check, the clocks by the source they
	// followed at the last run.
	Sources map[string]int `json:"sources,omitempty"`
	open    []openResult
	keys    []string
}

// CheckDay is one day's runs for a control.
type CheckDay struct {
	Runs     int `json:"runs"`
	Results  int `json:"results"`
	Passes   int `json:"passes"`
	Failures int `json:"failures"`
	Errors   int `json:"errors"`
}

// Rate is the day's pass rate, 0 to 1; -1 when nothing ran.
func (d CheckDay) Rate() float64 {
	if d.Results == 0 {
		return -1
	}
	return float64(d.Passes) / float64(d.Results)
}

type openResult struct {
	CheckResult
	since time.Time
	key   string
}

// verificationIndex holds the month's reports in time order.
type verificationIndex struct {
	month   Month
	reports []Report
}

func buildVerification(ev *Evidence) *verificationIndex {
	rs := slices.Clone(ev.Reports)
	slices.SortFunc(rs, func(a, b Report) int { return cmp.Or(a.GeneratedAt.Compare(b.GeneratedAt), cmp.Compare(a.Key, b.Key)) })
	return &verificationIndex{month: ev.Month, reports: rs}
}

// forControl gathers the results that evidence one control.
func (v *verificationIndex) forControl(id string) *Verification {
	out := &Verification{Days: make([]CheckDay, len(v.month.Days())), Checks: []string{}}
	type state struct {
		status string
		since  time.Time
		failed bool
	}
	states := map[string]*state{}
	var last map[string]openResult
	for _, r := range v.reports {
		day := v.month.Day(r.GeneratedAt)
		if day < 0 {
			continue
		}
		var mine []CheckResult
		for _, res := range r.Results {
			if slices.Contains(res.Controls, id) {
				mine = append(mine, res)
			}
		}
		if len(mine) == 0 {
			continue
		}
		out.Runs++
		out.keys = append(out.keys, r.Key)
		d := &out.Days[day]
		d.Runs++
		last = map[string]openResult{}
		for _, res := range mine {
			if !slices.Contains(out.Checks, res.CheckID) {
				out.Checks = append(out.Checks, res.CheckID)
			}
			d.Results++
			out.Results++
			switch res.Status {
			case statusPass:
				d.Passes++
				out.Passes++
			case statusFail:
				d.Failures++
				out.Failures++
			default:
				d.Errors++
				out.Errors++
			}
			k := res.CheckID + " " + res.Resource
			st := states[k]
			if st == nil {
				st = &state{}
				states[k] = st
			}
			if res.Status != statusPass && (st.status == statusPass || st.status == "") {
				st.since = r.GeneratedAt
			}
			st.status = res.Status
			st.failed = st.failed || res.Status != statusPass
			last[k] = openResult{CheckResult: res, since: st.since, key: r.Key}
		}
	}
	slices.Sort(out.Checks)
	for k, st := range states {
		if !st.failed {
			continue
		}
		if o, ok := last[k]; ok && o.Status != statusPass {
			out.open = append(out.open, o)
		} else {
			out.Resolved++
		}
	}
	out.Open = len(out.open)
	slices.SortFunc(out.open, func(a, b openResult) int {
		return cmp.Or(cmp.Compare(a.CheckID, b.CheckID), cmp.Compare(a.Resource, b.Resource))
	})
	for _, o := range last {
		if o.CheckID == checkTimeSync {
			if out.Sources == nil {
				out.Sources = map[string]int{}
			}
			out.Sources[cmpOr(o.Group, "unknown")]++
		}
	}
	return out
}

// checkTimeSync is the clock check's id (config.CheckIDs).
const checkTimeSync = "timesync.chrony"

// noun names failed results' resources: Japanese, English plural and
// singular.
type noun struct{ JA, EN, One string }

// failing names, per check (config.CheckIDs), the resources a failed
// result is about.
var failing = map[string]noun{
	"timesync.chrony":                            {JA: "約束どおり同期していない時計", EN: "clocks not synchronised as promised", One: "clock not synchronised as promised"},
	"timesync.managed":                           {JA: "確認できない AWS 管理の時計", EN: "AWS-managed clocks not confirmed", One: "AWS-managed clock not confirmed"},
	"rds.storage-encrypted":                      {JA: "ストレージが暗号化されていないデータベース", EN: "databases with unencrypted storage", One: "database with unencrypted storage"},
	"rds.snapshot-encrypted":                     {JA: "暗号化されていないスナップショット", EN: "unencrypted snapshots", One: "unencrypted snapshot"},
	"ec2.ebs-encryption-by-default":              {JA: "EBS の既定の暗号化が無効なリージョン", EN: "regions without EBS encryption by default", One: "region without EBS encryption by default"},
	"s3.default-encryption":                      {JA: "約束した既定の暗号化のないバケット", EN: "buckets without the promised default encryption", One: "bucket without the promised default encryption"},
	"s3.tls-only":                                {JA: "TLS なしのリクエストを拒否しないバケット", EN: "buckets that do not refuse requests without TLS", One: "bucket that does not refuse requests without TLS"},
	"kms.key-rotation":                           {JA: "約束どおりローテーションされないキー", EN: "keys not rotated as promised", One: "key not rotated as promised"},
	"cloudtrail.encrypted-validated-multiregion": {JA: "約束どおり保護されていない証跡", EN: "trails not protected as promised", One: "trail not protected as promised"},
	"rds.tls-enforced":                           {JA: "TLS 1.2 以上を強制していないデータベース", EN: "databases that do not force TLS 1.2 or newer", One: "database that does not force TLS 1.2 or newer"},
	"elb.tls12-policy":                           {JA: "TLS 1.2 未満を許可するリスナー", EN: "listeners allowing TLS older than 1.2", One: "listener allowing TLS older than 1.2"},
	"guardduty.enabled":                          {JA: "GuardDuty が監視していないリージョン", EN: "regions GuardDuty does not monitor", One: "region GuardDuty does not monitor"},
	"rds.snapshot-fresh":                         {JA: "新しいスナップショットがないデータベース", EN: "databases without a fresh snapshot", One: "database without a fresh snapshot"},
	"rds.pitr-retention":                         {JA: "ポイントインタイムリカバリが約束より短いデータベース", EN: "databases keeping point-in-time recovery shorter than promised", One: "database keeping point-in-time recovery shorter than promised"},
	"logs.retention":                             {JA: "約束より保持期間が短いロググループ", EN: "log groups kept shorter than promised", One: "log group kept shorter than promised"},
	"s3.noncurrent-version-retention":            {JA: "以前の版を約束どおり保管していないテナントバケット", EN: "tenant buckets not keeping earlier versions as promised", One: "tenant bucket not keeping earlier versions as promised"},
}

// groupTitle is a row's title: "41 unencrypted snapshots of analytics-db".
func groupTitle(checkID, status, group string, n int) Text {
	what, ok := failing[checkID]
	if !ok {
		what = noun{JA: checkID + " の不合格", EN: "failing " + checkID + " results", One: "failing " + checkID + " result"}
	}
	if status != statusFail {
		what = noun{JA: checkID + " を評価できなかった項目", EN: checkID + " results not evaluated", One: checkID + " result not evaluated"}
	}
	en := what.EN
	if n == 1 {
		en = what.One
	}
	t := Text{JA: fmt.Sprintf("%s %d 件", what.JA, n), EN: fmt.Sprintf("%d %s", n, en)}
	switch {
	case group == "":
	case checkID == checkTimeSync:
		t = Text{JA: t.JA + " (" + group + ")", EN: t.EN + " (" + group + ")"}
	default:
		t = Text{JA: fmt.Sprintf("%s の%s", group, t.JA), EN: fmt.Sprintf("%s of %s", t.EN, group)}
	}
	return t
}

func (v *Verification) apply(c *Control) Status {
	c.Evidence = append(c.Evidence, v.keys...)
	if v.Runs == 0 {
		for i := range c.Days {
			c.Days[i] = worse(c.Days[i], Unverified)
		}
		addSummary(c, Text{JA: "この管理策を検証した記録がありません。", EN: "No verification run covered this control."})
		return Unverified
	}
	for i, d := range v.Days {
		switch {
		case d.Runs == 0:
			c.Days[i] = worse(c.Days[i], Unverified)
		case d.Failures > 0:
			c.Days[i] = worse(c.Days[i], Breached)
		case d.Errors > 0:
			c.Days[i] = worse(c.Days[i], Unverified)
		default:
			c.Days[i] = worse(c.Days[i], Kept)
		}
	}
	type key struct {
		check  string
		status string
		group  string
	}
	groups := map[key]*Group{}
	var order []key
	for _, o := range v.open {
		k := key{o.CheckID, o.Status, o.Group}
		g := groups[k]
		if g == nil {
			st := Breached
			if o.Status != statusFail {
				st = Unverified
			}
			g = &Group{Status: st, Items: []Item{}}
			groups[k] = g
			order = append(order, k)
		}
		g.Count++
		if g.Since.IsZero() || o.since.Before(g.Since) {
			g.Since = o.since
		}
		g.Items = append(g.Items, Item{Subject: o.Resource, Since: o.since, Evidence: o.key, Reason: Text{JA: o.ReasonIn("ja"), EN: o.Reason}})
	}
	for _, k := range order {
		g := groups[k]
		g.Title = groupTitle(k.check, k.status, k.group, g.Count)
		c.Findings = append(c.Findings, *g)
	}
	days, passing := 0, 0
	for _, d := range v.Days {
		if d.Runs > 0 {
			days++
			if d.Failures == 0 && d.Errors == 0 {
				passing++
			}
		}
	}
	c.Figures = append(c.Figures,
		Figure{Label: Text{JA: "検証の実行", EN: "Verification runs"}, Value: fmt.Sprint(v.Runs)},
		Figure{Label: Text{JA: "合格率 (月間)", EN: "Pass rate (month)"}, Value: pct(v.Passes, v.Results)},
		Figure{Label: Text{JA: "すべて合格した日", EN: "Days with every check passing"}, Value: fmt.Sprintf("%d / %d", passing, len(v.Days)),
			Status: map[bool]Status{true: Kept, false: Breached}[passing == len(v.Days)]},
		Figure{Label: Text{JA: "月末に未解決の不適合・評価不能", EN: "Failures and errors open at month end"}, Value: fmt.Sprint(v.Open),
			Status: map[bool]Status{true: Kept, false: Breached}[v.Open == 0]},
		Figure{Label: Text{JA: "月内に解決した不適合", EN: "Failures resolved during the month"}, Value: fmt.Sprint(v.Resolved)},
	)
	if len(v.Sources) > 0 {
		names := make([]string, 0, len(v.Sources))
		for n := range v.Sources {
			names = append(names, n)
		}
		slices.Sort(names)
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%s: %d", n, v.Sources[n]))
		}
		c.Figures = append(c.Figures, Figure{Label: Text{JA: "時計の同期先 (月末)", EN: "Sources clocks follow (month end)"}, Value: strings.Join(parts, "; ")})
	}
	addSummary(c, Text{JA: fmt.Sprintf("検証 %d 回、合格率 %s、月末に未解決 %d 件、月内に解決 %d 件。", v.Runs, pct(v.Passes, v.Results), v.Open, v.Resolved),
		EN: fmt.Sprintf("%d verification run%s, %s passed; %d open at month end, %d resolved.", v.Runs, plural(v.Runs), pct(v.Passes, v.Results), v.Open, v.Resolved)})
	switch {
	case v.Failures > 0:
		return Breached
	case v.Errors > 0 || days < len(v.Days):
		return Unverified
	}
	return Kept
}
