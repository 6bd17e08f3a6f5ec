package purger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// LifecycleResult is what handling one lifecycle event did (or, in dry run,
// would do).
type LifecycleResult struct {
	TenantID string           `json:"tenant_id"`
	EventID  string           `json:"event_id"`
	Event    tenant.EventType `json:"event"`
	Result   tenant.Result    `json:"result"`
	Reason   string           `json:"reason,omitempty"`
	From     tenant.Status    `json:"from,omitempty"`
	To       tenant.Status    `json:"to"`
	DryRun   bool             `json:"dry_run,omitempty"`
}

// HandleLifecycle applies one tenant lifecycle event to the registry. See
// the package documentation for which failures are errors and why.
func (p *Purger) HandleLifecycle(ctx context.Context, raw json.RawMessage) (*LifecycleResult, error) {
	var cw events.CloudWatchEvent
	if err := json.Unmarshal(raw, &cw); err != nil {
		p.rejected("malformed")
		return nil, fmt.Errorf("tenant lifecycle event: %w: %w", tenant.ErrInvalid, err)
	}
	ev, err := tenant.FromCloudWatchEvent(cw)
	if err != nil {
		p.rejected("invalid")
		p.log().Error("tenant lifecycle event rejected", "event_id", cw.ID, logging.KeyEventType, cw.DetailType, logging.KeyError, err)
		return nil, fmt.Errorf("tenant lifecycle event %s rejected (it will not become valid on retry; fix the control plane and replay it from the dead-letter queue): %w", cw.ID, err)
	}
	log := p.log().With(logging.KeyTenantID, ev.TenantID, "event_id", ev.ID, logging.KeyEventType, string(ev.Type))
	var out tenant.Outcome
	if p.DryRun {
		out, err = p.previewLifecycle(ctx, ev)
	} else {
		out, err = p.Registry.Apply(ctx, ev)
	}
	if err != nil {
		reason := "error"
		switch {
		case errors.Is(err, tenant.ErrInvalid):
			reason = "invalid"
		case errors.Is(err, tenant.ErrConflict):
			reason = "conflict"
		case errors.Is(err, tenant.ErrNotFound):
			reason = "unknown-tenant"
		}
		p.rejected(reason)
		log.Error("tenant lifecycle event not applied", "reason", reason, logging.KeyError, err)
		return nil, fmt.Errorf("apply %s for tenant %s (event %s): %w", ev.Type, ev.TenantID, ev.ID, err)
	}
	res := &LifecycleResult{TenantID: ev.TenantID, EventID: ev.ID, Event: ev.Type, Result: out.Result, Reason: out.Reason, From: out.From, To: out.To, DryRun: p.DryRun}
	log.Info("tenant lifecycle event handled", "result", string(out.Result), "reason", out.Reason, "from", string(out.From), "to", string(out.To), logging.KeyDryRun, p.DryRun)
	return res, nil
}

// previewLifecycle decides as Apply would, without writing.
func (p *Purger) previewLifecycle(ctx context.Context, ev tenant.Event) (tenant.Outcome, error) {
	var cur *tenant.Tenant
	t, err := p.Registry.Get(ctx, ev.TenantID)
	switch {
	case err == nil:
		cur = &t
	case !errors.Is(err, tenant.ErrNotFound):
		return tenant.Outcome{}, err
	}
	_, out, err := tenant.Transition(cur, ev, p.Tenants, p.now())
	return out, err
}

func (p *Purger) rejected(reason string) {
	if p.Metrics != nil {
		p.Metrics.Put("LifecycleEventsRejected", 1, metrics.Count, map[string]string{"Reason": reason})
	}
}
