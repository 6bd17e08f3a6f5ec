package check

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

var statusJA = map[Status]string{Pass: "合格", Fail: "不合格", Error: "評価不能"}

type htmlRow struct {
	Result
	StatusJA string
	CheckJA  string
}

type htmlControl struct {
	ControlSummary
	Rows []htmlRow
}

type htmlReport struct {
	Generated string
	Totals    Counts
	Controls  []htmlControl
}

// statusRank puts failures first, then errors, then passes.
func statusRank(s Status) int {
	switch s {
	case Fail:
		return 0
	case Pass:
		return 2
	default:
		return 1
	}
}

// RenderHTML writes the report as a bilingual (Japanese, then English) HTML
// page a person would read: a summary per control, then per control every
// result, failures and errors first, with its reason. Times are shown in
// loc (the configured zone, Asia/Tokyo by default).
func RenderHTML(w io.Writer, r Report, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	v := htmlReport{
		Generated: r.GeneratedAt.In(loc).Format("2006-01-02 15:04:05 MST (UTC-07:00)"),
		Totals:    r.Totals,
	}
	for _, c := range r.Controls {
		hc := htmlControl{ControlSummary: c}
		for _, res := range r.ResultsFor(c.ID) {
			ja := res.CheckID
			if d, ok := Lookup(res.CheckID); ok {
				ja = d.Japanese
			}
			sj, ok := statusJA[res.Status]
			if !ok {
				sj = statusJA[Error]
			}
			hc.Rows = append(hc.Rows, htmlRow{Result: res, StatusJA: sj, CheckJA: ja})
		}
		slices.SortStableFunc(hc.Rows, func(a, b htmlRow) int { return statusRank(a.Status) - statusRank(b.Status) })
		v.Controls = append(v.Controls, hc)
	}
	if err := reportHTML(v).Render(context.Background(), w); err != nil {
		return fmt.Errorf("render report HTML: %w", err)
	}
	return nil
}
