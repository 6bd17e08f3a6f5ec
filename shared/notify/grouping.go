package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
)

// tally counts a CloudTrail event into its grouped finding: a replay of an
// event already handled ends here (done), and so does a call of a counted
// rule below its threshold. Otherwise f takes the group's count, first and
// last times.
func (n *Notifier) tally(ctx context.Context, f *finding.Finding, now time.Time) (EventResult, bool, error) {
	window := n.QuietPeriod
	if f.Threshold > 0 {
		window = f.WindowEnd.Sub(f.WindowStart)
	}
	t, err := n.Ledger.Tally(ctx, f.ID, f.EventID, f.Detected, window, now, n.DryRun)
	if err != nil {
		return EventResult{}, true, fmt.Errorf("finding %s: %w", f.ID, err)
	}
	log := n.log().With(logging.KeyFindingID, f.ID)
	res := EventResult{FindingID: f.ID, Type: f.Type, Band: f.Band, DryRun: n.DryRun, Count: t.Count, Threshold: f.Threshold, Ops: "none"}
	if t.Replayed {
		n.put("EventsReplayed", 1, metrics.Count, nil)
		log.Info("event replayed: it was handled before, nothing is sent again", "event_id", f.EventID)
		res.Outcome, res.Reason = OutcomeReplayed, "event "+f.EventID+" was handled before"
		return res, true, nil
	}
	if !t.Recounted || t.Count > 0 {
		f.Count, f.FirstSeen, f.LastSeen, f.Updated = t.Count, t.First, t.Last, t.Last
		if f.Threshold == 0 {
			// A burst is detected when its first call is.
			f.Detected = t.First
		}
	}
	if f.Threshold > 0 && t.Count < f.Threshold {
		n.put("EventsCounted", 1, metrics.Count, nil)
		log.Info("call counted", "count", t.Count, "threshold", f.Threshold, "window_start", f.WindowStart)
		res.Outcome, res.Reason = OutcomeCounted, fmt.Sprintf("%d of %d calls in the window from %s", t.Count, f.Threshold, f.WindowStart.Format(time.RFC3339))
		if !n.DryRun {
			if err := n.Ledger.MarkHandled(ctx, f.ID, f.EventID); err != nil {
				return res, true, fmt.Errorf("finding %s: %w", f.ID, err)
			}
		}
		return res, true, nil
	}
	return EventResult{}, false, nil
}

// setDue sets a notice's deadline from the promised deadline, and marks it
// late when the finding arrived after it.
func (n *Notifier) setDue(m *Message, now time.Time) {
	if m.Kind == KindReminder {
		return
	}
	m.Due = n.Deadline.Due(m.PromiseFrom).UTC()
	m.Late = now.After(m.Due)
}
