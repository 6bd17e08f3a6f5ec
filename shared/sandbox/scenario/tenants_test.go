package scenario_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

func TestSeedTenants_RegistryDataAndResources(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Only: []string{"s3", "dynamodb"}})
	ctx := context.Background()
	d := scenario.DepsFor(sb)
	now := time.Now().UTC()
	shape := scenario.TenantShape{Keys: 7, Versions: 3, MarkerEvery: 3}
	w, err := scenario.SeedTenants(ctx, d, now, shape)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := tenant.New(d.DynamoDB, w.Table, scenario.Config().Tenants)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[string]tenant.Status{
		scenario.TenantPurgeable: tenant.StatusTerminated, scenario.TenantNeighbour: tenant.StatusActive,
		scenario.TenantPurgeable2: tenant.StatusTerminated, scenario.TenantInGrace: tenant.StatusTerminated,
		scenario.TenantReinstated: tenant.StatusActive, scenario.TenantActive: tenant.StatusActive,
	}
	for id, want := range wantStatus {
		got, err := reg.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want {
			t.Errorf("%s: status %s, want %s", id, got.Status, want)
		}
		if len(got.Locations) != 1 || got.Locations[0].Prefix != "tenants/"+id+"/" {
			t.Errorf("%s: locations %+v", id, got.Locations)
		}
	}
	t1, _ := reg.Get(ctx, scenario.TenantPurgeable)
	if len(t1.Contacts) != 2 || t1.Contacts[0].Language != "ja" || t1.Contacts[1].Timezone != "America/Los_Angeles" {
		t.Errorf("tenant-1 contacts: %+v", t1.Contacts)
	}
	if got, want := t1.PurgeDue, now.Add(-15*24*time.Hour).Truncate(time.Millisecond); !got.Equal(want) {
		t.Errorf("tenant-1 purge due %s, want %s (terminated 45 days ago, 30 days' grace)", got, want)
	}

	// The past sweeps' advance notices: 7 + 1 days before each due date.
	for _, id := range []string{scenario.TenantPurgeable, scenario.TenantPurgeable2, scenario.TenantInGrace} {
		got, _ := reg.Get(ctx, id)
		if want := got.PurgeDue.AddDate(0, 0, -8); !got.NoticeSent.Equal(want) {
			t.Errorf("%s: notice sent %s, want %s", id, got.NoticeSent, want)
		}
	}

	due, err := reg.Due(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var dueIDs []string
	for _, x := range due {
		dueIDs = append(dueIDs, x.ID)
	}
	slices.Sort(dueIDs)
	if !slices.Equal(dueIDs, w.Purged) {
		t.Errorf("due = %v, want %v", dueIDs, w.Purged)
	}
	up, err := reg.Upcoming(ctx, now, scenario.Config().Tenants.AdvanceNoticeDays)
	if err != nil || len(up) != 1 || up[0].ID != scenario.TenantInGrace {
		t.Errorf("upcoming = %+v, %v; want tenant-3 only", up, err)
	}

	// Every tenant has its versions and markers; the stray key is counted
	// apart; the fingerprints are stable on a second listing.
	perTenant := shape.Keys*shape.Versions + (shape.Keys+shape.MarkerEvery-1)/shape.MarkerEvery
	for _, id := range scenario.TenantIDs {
		if got := w.Fingerprints[id].Versions; got != perTenant {
			t.Errorf("%s: %d versions and markers, want %d", id, got, perTenant)
		}
	}
	if got := w.Fingerprints[""].Versions; got != 1 {
		t.Errorf("stray keys: %d, want 1 (%s)", got, scenario.TenantPrefixStray)
	}
	again, err := scenario.TenantFingerprints(ctx, d.S3)
	if err != nil {
		t.Fatal(err)
	}
	for id, fp := range w.Fingerprints {
		if again[id] != fp {
			t.Errorf("%q: fingerprint changed between two listings", id)
		}
	}
	if w.Fingerprints[scenario.TenantPurgeable].SHA256 == w.Fingerprints[scenario.TenantNeighbour].SHA256 {
		t.Error("tenant-1 and tenant-10 have the same fingerprint: contents must differ per tenant")
	}

	// The resources exist in the simulator.
	if _, err := sb.Sim.SQS().Messages(scenario.PurgeQueue); err != nil {
		t.Errorf("purge queue: %v", err)
	}
	if _, err := sb.Sim.KMS().PublicKey(w.SigningKeyID); err != nil {
		t.Errorf("signing key: %v", err)
	}
	if len(w.Env()) != 4 {
		t.Errorf("env: %v", w.Env())
	}
}
