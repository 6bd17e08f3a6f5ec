package tenant_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/tenant"
)

var testCfg = config.Tenants{
	Buckets:         []string{"tenant-data", "tenant-uploads"},
	PrefixTemplate:  "tenants/{tenant}/",
	GracePeriodDays: 30,
	DeadlineDays:    30,
}

var t0 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus d days.
func at(d float64) time.Time { return t0.Add(time.Duration(d * 24 * float64(time.Hour))) }

var evSeq int

func event(typ tenant.EventType, id string, occurred time.Time) tenant.Event {
	evSeq++
	e := tenant.Event{ID: fmt.Sprintf("ev-%d", evSeq), Type: typ, TenantID: id, OccurredAt: occurred}
	if typ == tenant.EventRegistered {
		e.Name = "テナント " + id
		e.Contacts = []tenant.Contact{{Email: "security@" + id + ".example.jp", Language: "ja", Timezone: "Asia/Tokyo"}}
	}
	return e
}

func contactChange(id string, occurred time.Time, edit func(*tenant.Event)) tenant.Event {
	e := event(tenant.EventContactChanged, id, occurred)
	edit(&e)
	return e
}

// mustApply runs Transition and fails the test on error.
func mustApply(t *testing.T, cur *tenant.Tenant, ev tenant.Event, now time.Time) (tenant.Tenant, tenant.Outcome) {
	t.Helper()
	next, out, err := tenant.Transition(cur, ev, testCfg, now)
	if err != nil {
		t.Fatalf("apply %s at %s: %v", ev.Type, ev.OccurredAt, err)
	}
	return next, out
}

func TestTransition_Registration(t *testing.T) {
	got, out := mustApply(t, nil, event(tenant.EventRegistered, "tenant-1", t0), at(1))
	if out.Result != tenant.ResultApplied || out.To != tenant.StatusActive || got.Status != tenant.StatusActive {
		t.Fatalf("outcome %+v, status %s", out, got.Status)
	}
	want := []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-1/"}, {Bucket: "tenant-uploads", Prefix: "tenants/tenant-1/"}}
	if fmt.Sprint(got.Locations) != fmt.Sprint(want) {
		t.Errorf("default locations = %v, want %v", got.Locations, want)
	}
	if !got.Registered.Equal(t0) || !got.PurgeDue.IsZero() || got.Version != 1 || len(got.Events) != 1 {
		t.Errorf("record = %+v", got)
	}
}

func TestTransition_Locations(t *testing.T) {
	tests := []struct {
		name string
		locs []tenant.Location
		want string // error substring, "" for success
	}{
		{"one configured bucket", []tenant.Location{{Bucket: "tenant-uploads", Prefix: "tenants/tenant-1/"}}, ""},
		{"other bucket", []tenant.Location{{Bucket: "someone-else", Prefix: "tenants/tenant-1/"}}, `bucket "someone-else" is not one of the configured tenant buckets`},
		{"parent prefix", []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/"}}, `tenant tenant-1's prefix is exactly "tenants/tenant-1/"`},
		{"neighbour", []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-10/"}}, `is exactly "tenants/tenant-1/"`},
		{"deeper", []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-1/a/"}}, `is exactly "tenants/tenant-1/"`},
		{"one good one bad", []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-1/"}, {Bucket: "tenant-data", Prefix: "x/"}}, `location s3://tenant-data/x/ is invalid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(tenant.EventRegistered, "tenant-1", t0)
			ev.Locations = tt.locs
			got, _, err := tenant.Transition(nil, ev, testCfg, at(1))
			if tt.want == "" {
				if err != nil || fmt.Sprint(got.Locations) != fmt.Sprint(tt.locs) {
					t.Fatalf("got %v, %v; want locations %v", got.Locations, err, tt.locs)
				}
				return
			}
			if !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrInvalid containing %q", err, tt.want)
			}
			// The same location in a contact change is rejected too.
			reg, _ := mustApply(t, nil, event(tenant.EventRegistered, "tenant-1", t0), at(1))
			_, _, err = tenant.Transition(&reg, contactChange("tenant-1", at(0.5), func(e *tenant.Event) { e.Locations = tt.locs }), testCfg, at(1))
			if !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("contact change: error %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// state builds a tenant in the given status by applying events (and, for
// purging and purged, setting what the registry's purge calls set).
func state(t *testing.T, s tenant.Status) tenant.Tenant {
	t.Helper()
	cur, _ := mustApply(t, nil, event(tenant.EventRegistered, "tenant-1", t0), at(100))
	if s == tenant.StatusActive {
		return cur
	}
	cur, _ = mustApply(t, &cur, event(tenant.EventTerminated, "tenant-1", at(10)), at(100))
	switch s {
	case tenant.StatusPurging:
		cur.Status, cur.PurgeStarted = tenant.StatusPurging, at(40)
	case tenant.StatusPurged:
		cur.Status, cur.PurgeStarted, cur.Purged = tenant.StatusPurged, at(40), at(41)
	}
	return cur
}

func TestTransition_Events(t *testing.T) {
	later := at(50)
	tests := []struct {
		name   string
		from   tenant.Status
		ev     tenant.Event
		result tenant.Result
		to     tenant.Status
		err    error
	}{
		{"terminate active", tenant.StatusActive, event(tenant.EventTerminated, "tenant-1", later), tenant.ResultApplied, tenant.StatusTerminated, nil},
		{"re-terminate terminated", tenant.StatusTerminated, event(tenant.EventTerminated, "tenant-1", later), tenant.ResultApplied, tenant.StatusTerminated, nil},
		{"terminate purging", tenant.StatusPurging, event(tenant.EventTerminated, "tenant-1", later), tenant.ResultRedundant, tenant.StatusPurging, nil},
		{"terminate purged", tenant.StatusPurged, event(tenant.EventTerminated, "tenant-1", later), tenant.ResultRedundant, tenant.StatusPurged, nil},
		{"reinstate terminated", tenant.StatusTerminated, event(tenant.EventReinstated, "tenant-1", later), tenant.ResultApplied, tenant.StatusActive, nil},
		{"reinstate terminated after purge due", tenant.StatusTerminated, event(tenant.EventReinstated, "tenant-1", at(45)), tenant.ResultApplied, tenant.StatusActive, nil},
		{"reinstate active", tenant.StatusActive, event(tenant.EventReinstated, "tenant-1", later), tenant.ResultRedundant, tenant.StatusActive, nil},
		{"reinstate purging", tenant.StatusPurging, event(tenant.EventReinstated, "tenant-1", later), "", "", tenant.ErrConflict},
		{"reinstate purged", tenant.StatusPurged, event(tenant.EventReinstated, "tenant-1", later), "", "", tenant.ErrConflict},
		{"register again", tenant.StatusActive, event(tenant.EventRegistered, "tenant-1", later), "", "", tenant.ErrConflict},
		{"register purged id", tenant.StatusPurged, event(tenant.EventRegistered, "tenant-1", later), "", "", tenant.ErrConflict},
		{"contacts while active", tenant.StatusActive, contactChange("tenant-1", later, func(e *tenant.Event) { e.Name = "新社名" }), tenant.ResultApplied, tenant.StatusActive, nil},
		{"contacts while terminated", tenant.StatusTerminated, contactChange("tenant-1", later, func(e *tenant.Event) { e.Name = "新社名" }), tenant.ResultApplied, tenant.StatusTerminated, nil},
		{"contacts while purging", tenant.StatusPurging, contactChange("tenant-1", later, func(e *tenant.Event) { e.Name = "新社名" }), tenant.ResultApplied, tenant.StatusPurging, nil},
		{"contacts when purged", tenant.StatusPurged, contactChange("tenant-1", later, func(e *tenant.Event) { e.Name = "新社名" }), "", "", tenant.ErrConflict},
		{"locations while terminated", tenant.StatusTerminated, contactChange("tenant-1", later, func(e *tenant.Event) {
			e.Locations = []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-1/"}}
		}), tenant.ResultApplied, tenant.StatusTerminated, nil},
		{"locations while purging", tenant.StatusPurging, contactChange("tenant-1", later, func(e *tenant.Event) {
			e.Locations = []tenant.Location{{Bucket: "tenant-data", Prefix: "tenants/tenant-1/"}}
		}), "", "", tenant.ErrConflict},
		{"same locations while purging", tenant.StatusPurging, contactChange("tenant-1", later, func(e *tenant.Event) {
			e.Locations = tenant.DefaultLocations("tenant-1", testCfg)
		}), tenant.ResultApplied, tenant.StatusPurging, nil},
		{"terminate older than registration", tenant.StatusActive, event(tenant.EventTerminated, "tenant-1", t0.Add(-time.Hour)), tenant.ResultOutOfOrder, tenant.StatusActive, nil},
		{"terminate older than termination", tenant.StatusTerminated, event(tenant.EventTerminated, "tenant-1", at(5)), tenant.ResultOutOfOrder, tenant.StatusTerminated, nil},
		{"reinstate older than termination", tenant.StatusTerminated, event(tenant.EventReinstated, "tenant-1", at(5)), tenant.ResultOutOfOrder, tenant.StatusTerminated, nil},
		{"contact change older than registration", tenant.StatusActive, contactChange("tenant-1", t0.Add(-time.Minute), func(e *tenant.Event) { e.Name = "x" }), tenant.ResultOutOfOrder, tenant.StatusActive, nil},
		{"event from the future", tenant.StatusActive, event(tenant.EventTerminated, "tenant-1", at(100).Add(2*time.Hour)), "", "", tenant.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := state(t, tt.from)
			next, out, err := tenant.Transition(&cur, tt.ev, testCfg, at(100))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				if next.Version != cur.Version || next.Status != cur.Status {
					t.Errorf("a rejected event changed the record: %+v", next)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Result != tt.result || out.To != tt.to || next.Status != tt.to {
				t.Fatalf("result %s, to %s (record %s); want %s, %s (reason %q)", out.Result, out.To, next.Status, tt.result, tt.to, out.Reason)
			}
			changed := out.Result == tenant.ResultApplied || out.Result == tenant.ResultRedundant
			if got, want := next.Version, cur.Version+map[bool]int64{true: 1, false: 0}[changed]; got != want {
				t.Errorf("version %d, want %d", got, want)
			}
		})
	}
}

func TestTransition_TerminationDates(t *testing.T) {
	cur := state(t, tenant.StatusActive)
	terminated := time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)
	got, _ := mustApply(t, &cur, event(tenant.EventTerminated, "tenant-1", terminated), terminated)
	if want := time.Date(2026, 10, 31, 3, 0, 0, 0, time.UTC); !got.PurgeDue.Equal(want) {
		t.Errorf("purge due = %s, want %s (terminated + 30 days grace)", got.PurgeDue, want)
	}
	if want := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC); !got.PurgeDeadline.Equal(want) {
		t.Errorf("purge deadline = %s, want %s (due + 30 days)", got.PurgeDeadline, want)
	}
	if !got.Terminated.Equal(terminated) {
		t.Errorf("terminated = %s", got.Terminated)
	}
	back, _ := mustApply(t, &got, event(tenant.EventReinstated, "tenant-1", terminated.Add(time.Hour)), terminated.Add(time.Hour))
	if !back.Terminated.IsZero() || !back.PurgeDue.IsZero() || !back.PurgeDeadline.IsZero() {
		t.Errorf("reinstatement kept purge dates: %+v", back)
	}
}

// TestTransition_Reordered delivers terminate(T1), reinstate(T2) in the
// wrong order: the tenant must end active, not terminated.
func TestTransition_Reordered(t *testing.T) {
	cur := state(t, tenant.StatusActive)
	term := event(tenant.EventTerminated, "tenant-1", at(20))
	rein := event(tenant.EventReinstated, "tenant-1", at(21))
	cur, out := mustApply(t, &cur, rein, at(30))
	if out.Result != tenant.ResultRedundant {
		t.Fatalf("reinstatement of an active tenant: %s", out.Result)
	}
	cur, out = mustApply(t, &cur, term, at(30))
	if out.Result != tenant.ResultOutOfOrder || cur.Status != tenant.StatusActive {
		t.Fatalf("late termination: result %s, status %s; want out-of-order, active", out.Result, cur.Status)
	}
	// terminate(T1), reinstate(T2), terminate(T3) delivered T1, T3, T2: the
	// purge is due from T3, never from T1.
	cur = state(t, tenant.StatusActive)
	cur, _ = mustApply(t, &cur, event(tenant.EventTerminated, "tenant-1", at(20)), at(30))
	t3 := event(tenant.EventTerminated, "tenant-1", at(25))
	cur, _ = mustApply(t, &cur, t3, at(30))
	cur, out = mustApply(t, &cur, event(tenant.EventReinstated, "tenant-1", at(22)), at(30))
	if out.Result != tenant.ResultOutOfOrder || cur.Status != tenant.StatusTerminated || !cur.PurgeDue.Equal(at(55)) {
		t.Fatalf("result %s, status %s, due %s; want out-of-order, terminated, due %s", out.Result, cur.Status, cur.PurgeDue, at(55))
	}
}

func TestTransition_Duplicates(t *testing.T) {
	reg := event(tenant.EventRegistered, "tenant-1", t0)
	cur, _ := mustApply(t, nil, reg, at(1))
	term := event(tenant.EventTerminated, "tenant-1", at(10))
	cur, _ = mustApply(t, &cur, term, at(11))
	resent := term
	resent.ID = "re-put-by-the-control-plane"
	for _, ev := range []tenant.Event{reg, term, resent} {
		next, out := mustApply(t, &cur, ev, at(12))
		if out.Result != tenant.ResultDuplicate {
			t.Errorf("%s %s: result %s, want duplicate", ev.Type, ev.ID, out.Result)
		}
		if next.Version != cur.Version {
			t.Errorf("a duplicate changed the record")
		}
	}
	// The history is bounded: after many contact changes it keeps the last
	// MaxEventHistory, yet the registration stays a duplicate (by time).
	for i := range 40 {
		cur, _ = mustApply(t, &cur, contactChange("tenant-1", at(12+float64(i)/100), func(e *tenant.Event) { e.Name = fmt.Sprint("n", i) }), at(13))
	}
	if len(cur.Events) != tenant.MaxEventHistory {
		t.Errorf("history holds %d events, want %d", len(cur.Events), tenant.MaxEventHistory)
	}
	if _, out := mustApply(t, &cur, reg, at(13)); out.Result != tenant.ResultDuplicate {
		t.Errorf("old registration: %s, want duplicate", out.Result)
	}
}

func TestTransition_UnknownTenant(t *testing.T) {
	for _, ev := range []tenant.Event{
		event(tenant.EventTerminated, "tenant-9", t0),
		event(tenant.EventReinstated, "tenant-9", t0),
		contactChange("tenant-9", t0, func(e *tenant.Event) { e.Name = "x" }),
	} {
		_, _, err := tenant.Transition(nil, ev, testCfg, at(1))
		if !errors.Is(err, tenant.ErrNotFound) || !strings.Contains(err.Error(), "tenant-9") {
			t.Errorf("%s of an unknown tenant: %v, want ErrNotFound naming it", ev.Type, err)
		}
	}
}

// TestTransition_ChecksEventsBuiltInCode: an Event made in code, not
// parsed, gets the parser's checks and defaults.
func TestTransition_ChecksEventsBuiltInCode(t *testing.T) {
	ev := event(tenant.EventRegistered, "tenant-1", t0.Add(123456789))
	ev.Contacts = []tenant.Contact{{Email: "a@example.jp"}}
	got, _ := mustApply(t, nil, ev, at(1))
	if c := got.Contacts[0]; c.Language != "ja" || c.Timezone != "Asia/Tokyo" {
		t.Errorf("defaults not applied: %+v", c)
	}
	if !got.Registered.Equal(t0.Add(123 * time.Millisecond)) {
		t.Errorf("registered = %s, want truncated to the millisecond", got.Registered)
	}
	bad := []struct {
		name string
		edit func(*tenant.Event)
		want string
	}{
		{"bad zone", func(e *tenant.Event) { e.Contacts = []tenant.Contact{{Email: "a@example.jp", Timezone: "JST"}} }, `detail.contacts[0].timezone: "JST"`},
		{"bad id", func(e *tenant.Event) { e.TenantID = "../x" }, `tenant id "../x" is invalid`},
		{"no contacts", func(e *tenant.Event) { e.Contacts = nil }, "detail.contacts: missing"},
		{"no time", func(e *tenant.Event) { e.OccurredAt = time.Time{} }, "detail.occurredAt"},
		{"no id", func(e *tenant.Event) { e.ID = "" }, "id: missing"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(tenant.EventRegistered, "tenant-1", t0)
			tt.edit(&ev)
			_, _, err := tenant.Transition(nil, ev, testCfg, at(1))
			if !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}
