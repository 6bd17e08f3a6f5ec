package tenant_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// FuzzParse feeds arbitrary bytes, seeded with every fixture, to Parse.
// Parse must not panic; an error must be a *FieldError wrapping ErrInvalid;
// an event it accepts must be complete and valid, must survive a round trip
// through Detail unchanged, and must be decidable by Transition without
// panicking.
func FuzzParse(f *testing.F) {
	for _, path := range fixtures(f) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(envelope("Tenant Registered", `{"tenantId":"t-1","occurredAt":"2026-04-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","timezone":"UTC"}],"locations":[{"bucket":"tenant-data","prefix":"tenants/t-1/"}]}`))
	f.Add(envelope("Tenant Contact Changed", `{"tenantId":"t-1","occurredAt":"2026-04-01T00:00:00Z","sharedResources":[]}`))
	f.Add(envelope("Tenant Terminated", `{"tenantId":"t-1","tenantId":"t-2","occurredAt":"2026-04-01T00:00:00Z"}`))
	cfg := config.Tenants{Buckets: []string{"tenant-data"}, PrefixTemplate: "tenants/{tenant}/", GracePeriodDays: 30, DeadlineDays: 30}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := tenant.Parse(raw)
		if err != nil {
			var fe *tenant.FieldError
			if !errors.Is(err, tenant.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError wrapping ErrInvalid", err)
			}
			return
		}
		if err := tenant.ValidateID(ev.TenantID); err != nil {
			t.Fatalf("accepted an invalid tenant id: %v", err)
		}
		if ev.ID == "" || ev.OccurredAt.IsZero() || ev.OccurredAt.Location() != time.UTC {
			t.Fatalf("incomplete event accepted: %+v", ev)
		}
		for _, c := range ev.Contacts {
			if c.Email == "" || (c.Language != "ja" && c.Language != "en") {
				t.Fatalf("bad contact accepted: %+v", c)
			}
			if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" || c.Timezone == "Local" {
				t.Fatalf("bad zone accepted: %q", c.Timezone)
			}
		}
		if ev.Type == tenant.EventRegistered && (ev.Name == "" || len(ev.Contacts) == 0) {
			t.Fatalf("registration without name or contacts accepted: %+v", ev)
		}
		env, err := json.Marshal(ev.CloudWatchEvent("123456789012", "ap-northeast-1", now))
		if err != nil {
			t.Fatal(err)
		}
		again, err := tenant.Parse(env)
		if err != nil {
			t.Fatalf("re-encoded event does not parse: %v\n%s", err, env)
		}
		if !reflect.DeepEqual(again, ev) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, again)
		}
		next, out, err := tenant.Transition(nil, ev, cfg, now)
		if err == nil && out.Result == tenant.ResultApplied {
			for _, l := range next.Locations {
				if l.Prefix != cfg.Prefix(ev.TenantID) || l.Bucket != "tenant-data" {
					t.Fatalf("registered a location outside the template: %+v", l)
				}
			}
		}
	})
}
