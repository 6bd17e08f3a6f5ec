package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/pledge-dev/pledge/shared/tenant"
)

// recordPastNotices records the advance notices that the daily sweeps
// before now would have sent: for every terminated tenant whose purge fell
// due within the notice period (plus the day the sweep looks further), the
// notice went out advanceNoticeDays + 1 days before its due date, or at its
// termination if that was later. Without them the purgeable tenants would
// wait for a notice first (see tenant.Tenant.Blocked).
func recordPastNotices(ctx context.Context, reg *tenant.Registry, ids []string, now time.Time) error {
	n := reg.Config.AdvanceNoticeDays
	if n == 0 {
		return nil
	}
	wall := reg.WallClock
	defer func() { reg.WallClock = wall }()
	for _, id := range ids {
		t, err := reg.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("record the past notice of tenant %s: %w", id, err)
		}
		if t.Status != tenant.StatusTerminated {
			continue
		}
		at := t.PurgeDue.AddDate(0, 0, -n-1)
		if at.Before(t.Terminated) {
			at = t.Terminated
		}
		if at.After(now) {
			continue // the sweeps have not noticed it yet
		}
		reg.WallClock = func() time.Time { return at }
		if _, err := reg.RecordNotice(ctx, id, t.Terminated); err != nil {
			return fmt.Errorf("record the past notice of tenant %s: %w", id, err)
		}
	}
	return nil
}
