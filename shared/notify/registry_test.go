package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/tenant"
)

type fakeRegistry struct {
	notify.RegistryAPI
	byStatus map[tenant.Status][]tenant.Tenant
	listed   []tenant.Status
	listErr  error
}

func (f *fakeRegistry) List(_ context.Context, s tenant.Status) ([]tenant.Tenant, error) {
	f.listed = append(f.listed, s)
	return f.byStatus[s], f.listErr
}

func (f *fakeRegistry) Get(_ context.Context, id string) (tenant.Tenant, error) {
	for _, ts := range f.byStatus {
		for _, t := range ts {
			if t.ID == id {
				return t, nil
			}
		}
	}
	return tenant.Tenant{}, fmt.Errorf("tenant %q: %w", id, tenant.ErrNotFound)
}

func TestRegistry_ListsTenantsWhoseDataIsHeld(t *testing.T) {
	reg := &fakeRegistry{byStatus: map[tenant.Status][]tenant.Tenant{
		tenant.StatusActive: {{ID: "tenant-2", Name: "B", Status: tenant.StatusActive,
			Contacts:        []tenant.Contact{{Email: "b@x.example", Language: "en", Timezone: "Europe/London", Name: "IT"}},
			Locations:       []tenant.Location{{Bucket: "data", Prefix: "tenants/tenant-2/"}},
			SharedResources: []string{"arn:aws:rds:ap-northeast-1:1:cluster:shared"}}},
		tenant.StatusTerminated: {{ID: "tenant-1", Status: tenant.StatusTerminated}},
		tenant.StatusPurging:    {{ID: "tenant-3", Status: tenant.StatusPurging}},
		tenant.StatusPurged:     {{ID: "tenant-0", Status: tenant.StatusPurged}},
	}}
	d := notify.Registry{Registry: reg}
	ts, err := d.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range ts {
		ids = append(ids, x.ID)
	}
	if !slices.Equal(ids, []string{"tenant-1", "tenant-2", "tenant-3"}) || slices.Contains(reg.listed, tenant.StatusPurged) {
		t.Errorf("tenants %v (listed %v): want those whose data is held, by id", ids, reg.listed)
	}
	b := ts[1]
	if b.Status != finding.StatusActive || b.Name != "B" || !slices.Equal(b.Prefixes, []finding.Location{{Bucket: "data", Prefix: "tenants/tenant-2/"}}) ||
		!slices.Equal(b.SharedResources, []string{"arn:aws:rds:ap-northeast-1:1:cluster:shared"}) ||
		!slices.Equal(b.Contacts, []notify.Contact{{Email: "b@x.example", Language: "en", Timezone: "Europe/London", Name: "IT"}}) {
		t.Errorf("tenant-2 = %+v", b)
	}
	if _, err := d.Tenant(context.Background(), "tenant-9"); !errors.Is(err, notify.ErrUnknownTenant) {
		t.Errorf("unknown tenant: %v", err)
	}
	reg.listErr = errors.New("throttled")
	if _, err := d.Tenants(context.Background()); err == nil {
		t.Errorf("a registry error was swallowed")
	}
}
