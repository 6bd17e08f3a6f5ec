package evidencepack

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// page is what the HTML template shows: the pack in one language.
type page struct {
	P        Pack
	Lang     string
	Zone     *time.Location
	Title    string
	Glance   chart
	Sections []section
	// Kept, Breached and Unverified count the controls by status.
	Kept, Breached, Unverified int
	Objects                    int
}

// section is one control with its charts.
type section struct {
	C      Control
	Charts []chart
}

// ui holds the page's own words.
var ui = map[string]map[string]string{
	"ja": {
		"title": "月次証跡パック %s", "period": "対象期間", "generated": "作成", "objects": "証跡オブジェクト", "problems": "読めない・成り立たない証跡",
		"glance": "月間の概況", "control": "管理策", "status": "状況", "summary": "概要", "promise": "約束", "happened": "結果", "figures": "数値",
		"findings": "違反・未解決の項目", "nofindings": "違反・未解決の項目はありません。", "evidence": "根拠となる証跡オブジェクト", "subject": "対象", "reason": "理由", "since": "開始",
		"verify": "この証跡パックの検証", "verifyText": "証跡バケットのオブジェクトをキーのとおりに保存したフォルダで、次のコマンドを実行します。openssl が Verified OK と表示し、sha256sum が失敗を報告しなければ、索引 (SHA256SUMS) は署名されたとおりで、索引に載ったすべてのオブジェクトは作成時のままです。",
		"key": "署名鍵", "keyHash": "公開鍵の SHA-256", "unsigned": "このパックは署名されていません (ドライラン)。", "counts": "管理策 %d 件: 遵守 %d、違反あり %d、未確認 %d",
		"dryruns": "ドライランの記録 (数値に含めず)", "chartBackups": "日別のスナップショット取得", "chartChecks": "日別の検証合格率", "chartNotices": "通知の遅延", "chartPurges": "削除の期限までの余裕",
		"legend": "凡例", "none": "なし",
	},
	"en": {
		"title": "Monthly evidence pack %s", "period": "Period", "generated": "Generated", "objects": "Evidence objects", "problems": "Evidence that could not be read or did not hold",
		"glance": "The month at a glance", "control": "Control", "status": "Status", "summary": "Summary", "promise": "Promised", "happened": "What happened", "figures": "Figures",
		"findings": "Breaches and open items", "nofindings": "No breach and no open item.", "evidence": "Evidence objects behind the figures", "subject": "Subject", "reason": "Reason", "since": "Since",
		"verify": "Verifying this pack", "verifyText": "In a folder holding the evidence bucket's objects under their keys, run the commands below. When openssl prints Verified OK and sha256sum reports no failure, the index (SHA256SUMS) is as signed and every object it lists is as it was when the pack was made.",
		"key": "Signing key", "keyHash": "Public key SHA-256", "unsigned": "This pack is not signed (dry run).", "counts": "%d controls: %d kept, %d breached, %d not evidenced",
		"dryruns": "Dry-run records (in no figure)", "chartBackups": "Snapshots taken per day", "chartChecks": "Verification pass rate per day", "chartNotices": "Notice latency", "chartPurges": "Purge margins to the deadline",
		"legend": "Legend", "none": "none",
	},
}

func (v page) t(key string) string { return ui[v.Lang][key] }

// when formats a time in the pack's zone.
func (v page) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.Zone).Format("2006-01-02 15:04 MST")
}

func (v page) in(t Text) string { return t.In(v.Lang) }

func (v page) status(s Status) string { return statusLabel(s, v.Lang) }

// verifyCommands are the README's commands for this pack.
func (v page) verifyCommands() string {
	p := Prefix(v.P.Month, v.P.GeneratedAt.UTC().Format("20060102T150405Z"))
	return fmt.Sprintf("openssl dgst -sha256 -verify %[1]s%[2]s -signature %[1]s%[3]s %[1]s%[4]s\nsha256sum -c --quiet %[1]s%[4]s", p, FilePublicKey, FileSignature, FileIndex)
}

// RenderHTML writes the pack as a page in one language ("ja" or "en"):
// the month at a glance (a day-by-control grid), a summary row per
// control, then per control what was promised, what happened (figures,
// inline SVG charts, the breaches and open items, similar ones grouped in
// <details>), and the evidence behind it; last, how to verify the pack.
// Times are shown in the pack's zone. No script and no external asset.
func RenderHTML(p Pack, lang string) ([]byte, error) {
	if lang != "ja" && lang != "en" {
		return nil, fmt.Errorf("render evidence pack: language %q, want ja or en", lang)
	}
	zone, err := time.LoadLocation(p.Zone)
	if err != nil {
		zone = time.UTC
	}
	v := page{P: p, Lang: lang, Zone: zone, Title: fmt.Sprintf(ui[lang]["title"], p.Month), Glance: glance(p, lang)}
	for _, n := range p.Objects {
		v.Objects += n
	}
	for _, c := range p.Controls {
		switch c.Status {
		case Kept:
			v.Kept++
		case Breached:
			v.Breached++
		default:
			v.Unverified++
		}
		s := section{C: c}
		if c.Backups != nil {
			for _, t := range c.Backups.Targets {
				s.Charts = append(s.Charts, backupChart(p.Days, t, lang))
			}
		}
		if c.Notices != nil && len(c.Notices.Items) > 0 {
			s.Charts = append(s.Charts, noticeChart(p, c.Notices, lang))
		}
		if c.Purges != nil && len(c.Purges.Completed) > 0 {
			s.Charts = append(s.Charts, purgeChart(c.Purges, lang))
		}
		if c.Verification != nil && c.Verification.Runs > 0 {
			s.Charts = append(s.Charts, passRateChart(p.Days, c.Verification, lang))
		}
		v.Sections = append(v.Sections, s)
	}
	var b bytes.Buffer
	if err := packPage(v).Render(context.Background(), &b); err != nil {
		return nil, fmt.Errorf("render evidence pack: %w", err)
	}
	return b.Bytes(), nil
}

// anchor makes a control id usable in a fragment ("A.12.3.1" stays).
func anchor(id string) string { return strings.ReplaceAll(id, " ", "-") }
