package main_test

import (
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// TestPurger_WrongSigningKeyDeletesNothing: with a signing key that cannot
// sign certificates (ECC_NIST_P384, or a symmetric key), a purge message
// fails before the tenant is claimed: nothing is deleted, the tenant stays
// terminated, and the error names the key spec needed. With the right key,
// the same message purges.
func TestPurger_WrongSigningKeyDeletesNothing(t *testing.T) {
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	if err := w.sb.Sim.KMS().Seed(awssim.KMSSeed{Keys: []awssim.KMSKey{
		{KeyId: "11111111-2222-3333-4444-555555555384", KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY"},
		{KeyId: "11111111-2222-3333-4444-5555555555ee", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT"},
	}}); err != nil {
		t.Fatal(err)
	}
	before := w.fingerprints(t)
	msg := w.forged(t, scenario.TenantPurgeable)
	for _, tc := range []struct{ key, want string }{
		{"11111111-2222-3333-4444-555555555384", "ECC_NIST_P384"},
		{"11111111-2222-3333-4444-5555555555ee", "SYMMETRIC_DEFAULT"},
	} {
		var res purger.BatchResult
		w.invoke(t, []string{"PLEDGE_SIGNING_KEY_ID=" + tc.key}, "-event", msg).Decode(t, &res)
		o := res.Purges[0]
		if o.Action != purger.ActionFailed || len(res.BatchItemFailures) != 1 {
			t.Fatalf("key %s: %s, want failed and redelivered", tc.key, o.Action)
		}
		for _, want := range []string{tc.want, "KeySpec ECC_NIST_P256", "KeyUsage SIGN_VERIFY", "ECDSA_SHA_256", "PLEDGE_SIGNING_KEY_ID"} {
			if !strings.Contains(o.Error, want) {
				t.Errorf("key %s: error %q does not say %q", tc.key, o.Error, want)
			}
		}
		if st := w.status(t, scenario.TenantPurgeable); st.Status != tenant.StatusTerminated || st.PurgeAttempts != 0 {
			t.Errorf("key %s: tenant %s after %d attempts, want terminated and unclaimed", tc.key, st.Status, st.PurgeAttempts)
		}
		if after := w.fingerprints(t); after[scenario.TenantPurgeable] != before[scenario.TenantPurgeable] {
			t.Errorf("key %s: tenant-1's data changed", tc.key)
		}
	}
	if o := w.purge(t, msg, nil); o.Action != purger.ActionPurged {
		t.Errorf("with the stack's key: %+v", o)
	}
}
