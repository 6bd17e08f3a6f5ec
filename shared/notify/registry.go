package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// RegistryAPI is the part of the tenant registry (tenant.Registry) the
// directory uses.
type RegistryAPI interface {
	List(ctx context.Context, status tenant.Status) ([]tenant.Tenant, error)
	Get(ctx context.Context, id string) (tenant.Tenant, error)
}

// Registry is the Directory over the tenant registry.
type Registry struct {
	Registry RegistryAPI
}

// holding are the registry statuses in which the operator still holds a
// tenant's data, so findings about it must reach the tenant.
var holding = []tenant.Status{tenant.StatusActive, tenant.StatusTerminated, tenant.StatusPurging}

// Tenants lists the tenants whose data is still held, ordered by id.
func (r Registry) Tenants(ctx context.Context) ([]Tenant, error) {
	var out []Tenant
	for _, s := range holding {
		ts, err := r.Registry.List(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("list %s tenants: %w", s, err)
		}
		for _, t := range ts {
			out = append(out, fromRegistry(t))
		}
	}
	slices.SortFunc(out, func(a, b Tenant) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

// Tenant reads one tenant with its current contacts.
func (r Registry) Tenant(ctx context.Context, id string) (Tenant, error) {
	t, err := r.Registry.Get(ctx, id)
	if errors.Is(err, tenant.ErrNotFound) {
		return Tenant{}, fmt.Errorf("tenant %s: %w", id, ErrUnknownTenant)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant %s: %w", id, err)
	}
	return fromRegistry(t), nil
}

func fromRegistry(t tenant.Tenant) Tenant {
	out := Tenant{
		Tenant: finding.Tenant{ID: t.ID, Status: finding.Status(t.Status), SharedResources: slices.Clone(t.SharedResources)},
		Name:   t.Name,
	}
	for _, l := range t.Locations {
		out.Prefixes = append(out.Prefixes, finding.Location{Bucket: l.Bucket, Prefix: l.Prefix})
	}
	for _, c := range t.Contacts {
		out.Contacts = append(out.Contacts, Contact{Email: c.Email, Language: c.Language, Timezone: c.Timezone, Name: c.Name})
	}
	return out
}
