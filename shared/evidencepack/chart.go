package evidencepack

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// chart is an SVG drawing computed in Go and written by the templ
// component svgChart: rectangles, lines, circles and text, each with a
// CSS class (colours live in the page's style sheet) and a tooltip.
type chart struct {
	W, H   float64
	Label  string // the SVG's accessible name
	Rects  []rect
	Lines  []line
	Dots   []dot
	Texts  []text
	Legend []legendEntry
}

type rect struct {
	X, Y, W, H float64
	Class      string
	Tip        string
}

type line struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

type dot struct {
	X, Y  float64
	Class string
	Tip   string
}

type text struct {
	X, Y   float64
	Anchor string // start, middle, end
	Class  string
	S      string
}

type legendEntry struct {
	Class, Label string
}

// num writes a coordinate for an SVG attribute.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// statusLabel names a status in a language.
func statusLabel(s Status, lang string) string {
	ja := map[Status]string{Kept: "遵守", Breached: "違反あり", Unverified: "未確認", None: "該当なし"}
	en := map[Status]string{Kept: "Kept", Breached: "Breached", Unverified: "Not evidenced", None: "Nothing due"}
	if lang == "ja" {
		return ja[s]
	}
	return en[s]
}

func legend(lang string, ss ...Status) []legendEntry {
	var out []legendEntry
	for _, s := range ss {
		out = append(out, legendEntry{Class: "s-" + string(s), Label: statusLabel(s, lang)})
	}
	return out
}

// dayLabel is the day of month of days[i] ("2026-11-07" -> "7").
func dayLabel(day string) string {
	if len(day) < 10 {
		return day
	}
	n, _ := strconv.Atoi(day[8:10])
	return strconv.Itoa(n)
}

// glance is the month at a glance: one row per control, one cell per day,
// coloured by the day's status.
func glance(p Pack, lang string) chart {
	const left, top, cell, gap = 150.0, 22.0, 22.0, 2.0
	c := chart{W: left + float64(len(p.Days))*(cell+gap) + 10, H: top + float64(len(p.Controls))*(cell+gap) + 8,
		Legend: legend(lang, Kept, Breached, Unverified, None)}
	c.Label = map[string]string{"ja": "管理策ごとの日別の状況", "en": "Each control's status, day by day"}[lang]
	for i, d := range p.Days {
		x := left + float64(i)*(cell+gap)
		if i == 0 || (i+1)%5 == 0 {
			c.Texts = append(c.Texts, text{X: x + cell/2, Y: top - 7, Anchor: "middle", Class: "axis", S: dayLabel(d)})
		}
	}
	for r, ctl := range p.Controls {
		y := top + float64(r)*(cell+gap)
		c.Texts = append(c.Texts, text{X: 0, Y: y + cell*0.7, Anchor: "start", Class: "row", S: ctl.ID})
		for i, st := range ctl.Days {
			c.Rects = append(c.Rects, rect{X: left + float64(i)*(cell+gap), Y: y, W: cell, H: cell, Class: "s-" + string(st),
				Tip: fmt.Sprintf("%s %s: %s", ctl.ID, p.Days[i], statusLabel(st, lang))})
		}
	}
	return c
}

// barChart draws one bar per day: value/max of the plot's height, in the
// day's class; an empty day draws a thin grey mark.
type dayBar struct {
	Value, Max float64
	Class      string
	Tip        string
}

func barChart(days []string, bars []dayBar, label, axisMax string) chart {
	const left, top, plotH, bw, gap = 36.0, 8.0, 90.0, 16.0, 4.0
	c := chart{W: left + float64(len(days))*(bw+gap) + 8, H: top + plotH + 22, Label: label}
	c.Lines = append(c.Lines, line{X1: left - 2, Y1: top + plotH, X2: c.W - 4, Y2: top + plotH, Class: "axis"},
		line{X1: left - 2, Y1: top, X2: c.W - 4, Y2: top, Class: "grid"})
	c.Texts = append(c.Texts, text{X: left - 6, Y: top + 4, Anchor: "end", Class: "axis", S: axisMax}, text{X: left - 6, Y: top + plotH, Anchor: "end", Class: "axis", S: "0"})
	for i, b := range bars {
		x := left + float64(i)*(bw+gap)
		h := 2.0
		if b.Max > 0 {
			h = math.Max(2, plotH*b.Value/b.Max)
		}
		c.Rects = append(c.Rects, rect{X: x, Y: top + plotH - h, W: bw, H: h, Class: b.Class, Tip: b.Tip})
		if i == 0 || (i+1)%5 == 0 {
			c.Texts = append(c.Texts, text{X: x + bw/2, Y: top + plotH + 15, Anchor: "middle", Class: "axis", S: dayLabel(days[i])})
		}
	}
	return c
}

// backupChart draws the snapshots one database got each day against the
// slots its schedule had.
func backupChart(days []string, t BackupTarget, lang string) chart {
	var bars []dayBar
	most := 0
	for _, d := range t.Days {
		most = max(most, d.Expected)
	}
	for i, d := range t.Days {
		b := dayBar{Value: float64(d.Taken), Max: float64(most), Class: "s-" + string(Kept)}
		switch {
		case d.Expected == 0:
			b.Class = "s-" + string(None)
		case d.Taken < d.Expected:
			b.Class = "s-" + string(Breached)
		}
		if lang == "ja" {
			b.Tip = fmt.Sprintf("%s: 予定 %d 件中 %d 件取得、保管 %d 件", days[i], d.Expected, d.Taken, d.Kept)
		} else {
			b.Tip = fmt.Sprintf("%s: %d of %d taken, %d kept", days[i], d.Taken, d.Expected, d.Kept)
		}
		bars = append(bars, b)
	}
	label := map[string]string{"ja": t.Target + " の日別スナップショット取得数", "en": "Snapshots of " + t.Target + " taken per day"}[lang]
	c := barChart(days, bars, label, strconv.Itoa(most))
	c.Legend = []legendEntry{{"s-kept", map[string]string{"ja": "すべて取得", "en": "all taken"}[lang]}, {"s-breached", map[string]string{"ja": "取得漏れあり", "en": "some missed"}[lang]}}
	return c
}

// passRateChart draws each day's pass rate of a control's checks.
func passRateChart(days []string, v *Verification, lang string) chart {
	var bars []dayBar
	for i, d := range v.Days {
		b := dayBar{Value: math.Max(0, d.Rate()), Max: 1, Class: "s-" + string(Kept)}
		switch {
		case d.Runs == 0:
			b.Class = "s-" + string(Unverified)
		case d.Failures > 0:
			b.Class = "s-" + string(Breached)
		case d.Errors > 0:
			b.Class = "s-" + string(Unverified)
		}
		if lang == "ja" {
			b.Tip = fmt.Sprintf("%s: 検証 %d 回、結果 %d 件、合格 %d、不合格 %d、評価不能 %d", days[i], d.Runs, d.Results, d.Passes, d.Failures, d.Errors)
		} else {
			b.Tip = fmt.Sprintf("%s: %d runs, %d results, %d passed, %d failed, %d errors", days[i], d.Runs, d.Results, d.Passes, d.Failures, d.Errors)
		}
		bars = append(bars, b)
	}
	c := barChart(days, bars, map[string]string{"ja": "日別の合格率", "en": "Pass rate per day"}[lang], "100%")
	c.Legend = legend(lang, Kept, Breached, Unverified)
	c.Legend[0].Label = map[string]string{"ja": "すべて合格", "en": "all passed"}[lang]
	c.Legend[1].Label = map[string]string{"ja": "不合格あり", "en": "some failed"}[lang]
	c.Legend[2].Label = map[string]string{"ja": "評価不能・未実行", "en": "errors or no run"}[lang]
	return c
}

// noticeChart plots each notice's latency over the month against the
// promised limit.
func noticeChart(p Pack, n *Notices, lang string) chart {
	const left, top, plotW, plotH = 40.0, 10.0, 600.0, 120.0
	c := chart{W: left + plotW + 12, H: top + plotH + 24, Label: map[string]string{"ja": "通知ごとの遅延と約束の期限", "en": "Each notice's latency against the promise"}[lang]}
	top95 := float64(n.LimitHours) * 1.3
	for _, it := range n.Items {
		top95 = math.Max(top95, it.LatencyHours*1.1)
	}
	span := p.To.Sub(p.From).Hours()
	y := func(h float64) float64 { return top + plotH - plotH*math.Min(h, top95)/top95 }
	x := func(t time.Time) float64 { return left + plotW*math.Min(math.Max(t.Sub(p.From).Hours()/span, 0), 1) }
	c.Lines = append(c.Lines, line{X1: left, Y1: top + plotH, X2: left + plotW, Y2: top + plotH, Class: "axis"},
		line{X1: left, Y1: y(float64(n.LimitHours)), X2: left + plotW, Y2: y(float64(n.LimitHours)), Class: "limit"})
	c.Texts = append(c.Texts, text{X: left - 4, Y: y(float64(n.LimitHours)) + 4, Anchor: "end", Class: "axis", S: fmt.Sprintf("%dh", n.LimitHours)},
		text{X: left - 4, Y: top + plotH, Anchor: "end", Class: "axis", S: "0"})
	for i, d := range p.Days {
		if i == 0 || (i+1)%5 == 0 {
			c.Texts = append(c.Texts, text{X: left + plotW*(float64(i)+0.5)/float64(len(p.Days)), Y: top + plotH + 16, Anchor: "middle", Class: "axis", S: dayLabel(d)})
		}
	}
	for _, it := range n.Items {
		cls := "s-" + string(it.Status)
		tip := fmt.Sprintf("%s → %s: %s (%s)", it.FindingID, it.TenantID, hours(it.LatencyHours), statusLabel(it.Status, lang))
		c.Dots = append(c.Dots, dot{X: x(it.Sent), Y: y(it.LatencyHours), Class: cls, Tip: tip})
	}
	c.Legend = []legendEntry{{"s-kept", map[string]string{"ja": "期限内", "en": "on time"}[lang]}, {"s-breached", map[string]string{"ja": "期限超過", "en": "late"}[lang]},
		{"s-none", map[string]string{"ja": "約束の対象外 (再通知・遅着)", "en": "not promised (reminder, late arrival)"}[lang]}, {"limit", map[string]string{"ja": "約束の期限", "en": "promised limit"}[lang]}}
	return c
}

// purgeChart draws each completed purge's margin to its deadline, in days.
func purgeChart(p *Purges, lang string) chart {
	const left, top, plotW, row = 110.0, 8.0, 480.0, 22.0
	c := chart{W: left + plotW + 70, H: top + float64(max(1, len(p.Completed)))*row + 20, Label: map[string]string{"ja": "削除ごとの期限までの余裕 (日)", "en": "Each purge's margin to its deadline (days)"}[lang]}
	most := 1.0
	for _, d := range p.Completed {
		most = math.Max(most, math.Abs(d.MarginHours/24))
	}
	zero := left + plotW/2
	scale := (plotW / 2) / most
	c.Lines = append(c.Lines, line{X1: zero, Y1: top - 4, X2: zero, Y2: c.H - 16, Class: "limit"})
	c.Texts = append(c.Texts, text{X: zero, Y: c.H - 4, Anchor: "middle", Class: "axis", S: map[string]string{"ja": "期限", "en": "deadline"}[lang]})
	for i, d := range p.Completed {
		y := top + float64(i)*row
		c.Texts = append(c.Texts, text{X: 0, Y: y + 14, Anchor: "start", Class: "row", S: d.TenantID})
		if d.Deadline.IsZero() {
			c.Texts = append(c.Texts, text{X: zero + 6, Y: y + 14, Anchor: "start", Class: "axis", S: map[string]string{"ja": "期限の記載なし", "en": "no deadline stated"}[lang]})
			continue
		}
		days := d.MarginHours / 24
		w := math.Max(2, math.Abs(days)*scale)
		cls := "s-" + string(d.Status)
		if d.Near {
			cls = "near"
		}
		// Time runs left to right: a purge done before its deadline ends
		// left of the deadline line, a late one right of it.
		r := rect{X: zero - w, Y: y + 3, W: w, H: row - 8, Class: cls, Tip: fmt.Sprintf("%s: %.1f d", d.TenantID, days)}
		label := text{X: zero - w - 4, Y: y + 14, Anchor: "end", Class: "axis", S: fmt.Sprintf("%.1f", days)}
		if days < 0 {
			r.X = zero
			label = text{X: zero + w + 4, Y: y + 14, Anchor: "start", Class: "axis", S: fmt.Sprintf("%.1f", days)}
		}
		c.Rects = append(c.Rects, r)
		c.Texts = append(c.Texts, label)
	}
	c.Legend = []legendEntry{{"s-kept", map[string]string{"ja": "期限内", "en": "before the deadline"}[lang]}, {"near", map[string]string{"ja": "期限間際", "en": "near the deadline"}[lang]},
		{"s-breached", map[string]string{"ja": "期限超過", "en": "late"}[lang]}}
	return c
}
