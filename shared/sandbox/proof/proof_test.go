package proof_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/proof"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
)

// TestProfiles_KeepTheirPromises runs the sandbox scenario under each seed
// operator's profile, in one sandbox, and requires every promise the
// profile says it keeps to be proven by its kind's proof (see the package
// documentation for what each asserts).
func TestProfiles_KeepTheirPromises(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox and runs the functions' binaries")
	}
	began := time.Now()
	sb := sandboxtest.Start(t, sandbox.Options{})
	bins := map[string]string{}
	for _, f := range proof.Functions {
		bins[f] = sandboxtest.Build(t, f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	w, err := proof.Seed(ctx, sb, bins, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sandbox started, binaries built and scenario seeded in %s", time.Since(began).Round(time.Millisecond))
	for _, name := range proof.Profiles {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rep, err := proof.Run(ctx, w, name)
			if err != nil {
				t.Fatal(err)
			}
			prof, err := proof.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Outcomes) != len(prof.Profile.Promises) {
				t.Errorf("%d outcomes for %d promises", len(rep.Outcomes), len(prof.Profile.Promises))
			}
			for _, o := range rep.Outcomes {
				for _, s := range o.Shown {
					t.Logf("%s %s: %s", o.Control, o.Kind, s)
				}
				if !o.OK {
					t.Errorf("%s %s NOT proven (%s): %v", o.Control, o.Kind, o.Promise, o.Failures)
				}
			}
			t.Logf("%s proven in %s", name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestRun_RefusesAnUnknownProfile: a name with no profile file is an error
// that lists the profiles.
func TestRun_RefusesAnUnknownProfile(t *testing.T) {
	_, err := proof.Load("nope")
	if err == nil || !slices.ContainsFunc(proof.Profiles, func(p string) bool { return strings.Contains(err.Error(), p) }) {
		t.Errorf("Load(nope) = %v, want an error listing the profiles", err)
	}
}

// TestSandboxed_KeepsEveryPromise: pointing a profile at the sandbox
// changes where, never what is promised.
func TestSandboxed_KeepsEveryPromise(t *testing.T) {
	for _, name := range proof.Profiles {
		p, err := proof.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		s := proof.Sandboxed(name, p)
		if err := s.Validate(); err != nil {
			t.Errorf("%s sandboxed: %v", name, err)
		}
		for i := range p.Backup.Policies {
			a, b := p.Backup.Policies[i], s.Backup.Policies[i]
			if a.Keep != b.Keep || a.Schedule != b.Schedule || a.PointInTimeRecoveryDays != b.PointInTimeRecoveryDays || a.MinAvailable != b.MinAvailable {
				t.Errorf("%s: policy %d changed: %+v -> %+v", name, i, a, b)
			}
		}
		same := func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
		if !same(p.Notifications.Promise(), s.Notifications.Promise()) || p.Tenants.GracePeriodDays != s.Tenants.GracePeriodDays ||
			p.Tenants.GracePeriodMonths != s.Tenants.GracePeriodMonths || !same(p.Tenants.PurgeDays, s.Tenants.PurgeDays) || p.Tenants.DeadlineDays != s.Tenants.DeadlineDays ||
			!same(p.Verification.TimeSources, s.Verification.TimeSources) || !same(p.Verification.Checks, s.Verification.Checks) ||
			!same(p.Verification.LogClasses, s.Verification.LogClasses) || p.Verification.NoncurrentVersionDays != s.Verification.NoncurrentVersionDays ||
			p.Timezone != s.Timezone || p.Region != s.Region || p.Stage != s.Stage {
			t.Errorf("%s: a promise changed in the sandbox", name)
		}
		if s.Profile != nil || s.Evidence.Bucket == "" {
			t.Errorf("%s: sandboxed configuration keeps the profile block or has no evidence bucket", name)
		}
	}
}
