package tenant

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// Result says what applying a lifecycle event did.
type Result string

// The results of applying an event. ResultApplied and ResultRedundant write
// the record; the others leave it as it was.
const (
	// ResultApplied: the record changed as the event says.
	ResultApplied Result = "applied"
	// ResultDuplicate: the event was applied before (same id, or same kind
	// and occurredAt); nothing changed.
	ResultDuplicate Result = "duplicate"
	// ResultOutOfOrder: the event is no newer than the state it would
	// change; it is reported and not applied.
	ResultOutOfOrder Result = "out-of-order"
	// ResultRedundant: the tenant's status already is what the event says,
	// or is past it (terminating a purging tenant). Only the event's time is
	// recorded, so that older status events are recognised as out of order.
	ResultRedundant Result = "redundant"
)

// Outcome reports what applying one lifecycle event did.
type Outcome struct {
	TenantID string
	EventID  string
	Event    EventType
	Result   Result
	// Reason explains a result other than applied, for logs.
	Reason string
	// From and To are the status before and after; From is empty for a
	// registration.
	From, To Status
	// Tenant is the record after the event (before it, when not applied).
	Tenant Tenant
}

// MaxClockSkew is how far in the future (by the registry's clock) an event's
// occurredAt may be. A later time is rejected: it would make every genuine
// event after it look out of order.
const MaxClockSkew = time.Hour

// Transition is the pure rule behind Registry.Apply: given the current
// record (nil when the tenant is unknown), it returns the record after ev
// and the outcome. For a duplicate or out-of-order event the returned record
// is cur unchanged, and so it is with an error. Errors wrap ErrInvalid (bad locations, a time in the
// future), ErrNotFound (an event for an unknown tenant) or ErrConflict (a
// change the tenant's status forbids).
func Transition(cur *Tenant, ev Event, cfg config.Tenants, now time.Time) (Tenant, Outcome, error) {
	out := Outcome{TenantID: ev.TenantID, EventID: ev.ID, Event: ev.Type}
	fail := func(base error, format string, args ...any) (Tenant, Outcome, error) {
		var t Tenant
		if cur != nil {
			t = *cur
		}
		out.Tenant = t
		return t, out, fmt.Errorf("apply %s event %s for tenant %s: %w: %s", ev.Type, ev.ID, ev.TenantID, base, fmt.Sprintf(format, args...))
	}
	failErr := func(err error) (Tenant, Outcome, error) {
		var t Tenant
		if cur != nil {
			t = *cur
		}
		out.Tenant = t
		return t, out, fmt.Errorf("apply %s event %s for tenant %s: %w", ev.Type, ev.ID, ev.TenantID, err)
	}
	// An event built in code passes the same checks as a parsed one, and
	// gets the same defaults.
	norm, err := ev.Normalize()
	if err != nil {
		return failErr(err)
	}
	ev = norm
	if ev.OccurredAt.After(now.Add(MaxClockSkew)) {
		return fail(ErrInvalid, "occurredAt %s is more than %s after now (%s)", stamp(ev.OccurredAt), MaxClockSkew, stamp(now))
	}
	skip := func(r Result, format string, args ...any) (Tenant, Outcome, error) {
		out.Result, out.Reason, out.From, out.To, out.Tenant = r, fmt.Sprintf(format, args...), cur.Status, cur.Status, *cur
		return *cur, out, nil
	}
	if cur == nil {
		if ev.Type != EventRegistered {
			return fail(ErrNotFound, "the registry has no such tenant (its registration may not have arrived yet)")
		}
		t := Tenant{ID: ev.TenantID, Name: ev.Name, Status: StatusActive, Registered: ev.OccurredAt, StatusEventAt: ev.OccurredAt, DetailsEventAt: ev.OccurredAt}
		t.Contacts = slices.Clone(ev.Contacts)
		locs, err := resolveLocations(ev.TenantID, ev.Locations, cfg)
		if err != nil {
			return failErr(err)
		}
		t.Locations = locs
		if len(ev.SharedResources) > 0 {
			t.SharedResources = slices.Clone(ev.SharedResources)
		}
		return applied(t, ev, now, &out, "", ResultApplied, "")
	}
	if cur.ID != ev.TenantID {
		return fail(ErrInvalid, "the record given is tenant %s's", cur.ID)
	}
	if cur.seen(ev) || (ev.Type == EventRegistered && ev.OccurredAt.Equal(cur.Registered)) {
		return skip(ResultDuplicate, "already applied")
	}
	t := *cur
	result, reason := ResultApplied, ""
	switch ev.Type {
	case EventRegistered, EventTerminated, EventReinstated:
		if !ev.OccurredAt.After(cur.StatusEventAt) {
			return skip(ResultOutOfOrder, "occurred at %s, not after the last status event (%s)", stamp(ev.OccurredAt), stamp(cur.StatusEventAt))
		}
	case EventContactChanged:
		if !ev.OccurredAt.After(cur.DetailsEventAt) {
			return skip(ResultOutOfOrder, "occurred at %s, not after the last contact change (%s)", stamp(ev.OccurredAt), stamp(cur.DetailsEventAt))
		}
	}
	switch ev.Type {
	case EventRegistered:
		return fail(ErrConflict, "already registered at %s (status %s); a tenant id is never registered twice", stamp(cur.Registered), cur.Status)
	case EventTerminated:
		t.StatusEventAt = ev.OccurredAt
		switch cur.Status {
		case StatusActive, StatusTerminated:
			// A newer termination of a terminated tenant re-dates it: either
			// the control plane says the contract ended later, or a
			// reinstatement in between is still on its way (and will be out of
			// order). Purging later is recoverable; purging early is not.
			if cur.Status == StatusTerminated {
				reason = fmt.Sprintf("termination re-dated from %s", stamp(cur.Terminated))
			}
			// A re-dated termination keeps the time of the advance notice:
			// ops were told of this purge, which now comes later.
			t.Status = StatusTerminated
			t.Terminated = ev.OccurredAt
			t.PurgeDue, t.PurgeDeadline = cfg.PurgeWindow(ev.OccurredAt)
		default:
			result, reason = ResultRedundant, fmt.Sprintf("already %s after the termination at %s", cur.Status, stamp(cur.Terminated))
		}
	case EventReinstated:
		switch cur.Status {
		case StatusPurging, StatusPurged:
			return fail(ErrConflict, "status is %s: reinstatement is allowed only before the purge starts (it started at %s)", cur.Status, stamp(cur.PurgeStarted))
		case StatusActive:
			result, reason = ResultRedundant, "already active"
		}
		// A later termination is a new purge, with a notice of its own.
		t.Status = StatusActive
		t.Terminated, t.PurgeDue, t.PurgeDeadline, t.NoticeSent = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		t.StatusEventAt = ev.OccurredAt
	case EventContactChanged:
		if cur.Status == StatusPurged {
			return fail(ErrConflict, "status is purged: the tenant's data is gone and its record is evidence")
		}
		if ev.Name != "" {
			t.Name = ev.Name
		}
		if ev.Contacts != nil {
			t.Contacts = slices.Clone(ev.Contacts)
		}
		if ev.SharedResources != nil {
			t.SharedResources = nil
			if len(ev.SharedResources) > 0 {
				t.SharedResources = slices.Clone(ev.SharedResources)
			}
		}
		if ev.Locations != nil {
			locs, err := resolveLocations(ev.TenantID, ev.Locations, cfg)
			if err != nil {
				return failErr(err)
			}
			if !slices.Equal(locs, cur.Locations) && cur.Status == StatusPurging {
				return fail(ErrConflict, "status is purging: locations cannot change once the purge has begun (it would purge a different set than planned)")
			}
			t.Locations = locs
		}
		t.DetailsEventAt = ev.OccurredAt
	default:
		return fail(ErrInvalid, "unknown event type %q", ev.Type)
	}
	return applied(t, ev, now, &out, cur.Status, result, reason)
}

func applied(t Tenant, ev Event, now time.Time, out *Outcome, from Status, result Result, reason string) (Tenant, Outcome, error) {
	t.Events = append(slices.Clone(t.Events), EventRef{ID: ev.ID, Type: ev.Type, OccurredAt: ev.OccurredAt})
	if n := len(t.Events) - MaxEventHistory; n > 0 {
		t.Events = t.Events[n:]
	}
	t.Version++
	t.Updated = now.UTC().Truncate(time.Millisecond)
	out.Result, out.Reason, out.From, out.To, out.Tenant = result, reason, from, t.Status, t
	return t, *out, nil
}

// DefaultLocations returns the tenant's location in every configured bucket.
// The id must be valid.
func DefaultLocations(id string, cfg config.Tenants) []Location {
	out := make([]Location, 0, len(cfg.Buckets))
	for _, b := range cfg.Buckets {
		out = append(out, Location{Bucket: b, Prefix: cfg.Prefix(id)})
	}
	return out
}

// CheckLocation reports whether l is exactly the tenant's prefix under the
// configured template in one of the configured buckets. The error wraps
// ErrInvalid and names what is wrong.
func CheckLocation(id string, l Location, cfg config.Tenants) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	want := cfg.Prefix(id)
	if !strings.Contains(cfg.PrefixTemplate, config.TenantPlaceholder) || !strings.HasSuffix(want, "/") {
		return fmt.Errorf("location s3://%s/%s: the prefix template %q is %w: want one ending in %q", l.Bucket, l.Prefix, cfg.PrefixTemplate, ErrInvalid, config.TenantPlaceholder+"/")
	}
	if !slices.Contains(cfg.Buckets, l.Bucket) {
		return fmt.Errorf("location s3://%s/%s is %w: bucket %q is not one of the configured tenant buckets (%s)", l.Bucket, l.Prefix, ErrInvalid, l.Bucket, strings.Join(cfg.Buckets, ", "))
	}
	if l.Prefix != want {
		return fmt.Errorf("location s3://%s/%s is %w: tenant %s's prefix is exactly %q under the configured template %q", l.Bucket, l.Prefix, ErrInvalid, id, want, cfg.PrefixTemplate)
	}
	return nil
}

func resolveLocations(id string, given []Location, cfg config.Tenants) ([]Location, error) {
	if given == nil {
		if len(cfg.Buckets) == 0 {
			return nil, fmt.Errorf("tenant %s has no default location: the configuration is %w: it lists no tenant buckets", id, ErrInvalid)
		}
		given = DefaultLocations(id, cfg)
	}
	for _, l := range given {
		if err := CheckLocation(id, l, cfg); err != nil {
			return nil, err
		}
	}
	return slices.Clone(given), nil
}

// stamp formats a time as stored: UTC, RFC 3339, fixed millisecond width.
func stamp(t time.Time) string { return t.UTC().Format(storeLayout) }

// storeLayout is the fixed-width layout of stored times: lexical order is
// time order.
const storeLayout = "2006-01-02T15:04:05.000Z"
