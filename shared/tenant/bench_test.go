package tenant_test

import (
	"testing"

	"github.com/pledge-dev/pledge/shared/tenant"
)

// BenchmarkParse measures parsing the registration fixture, the largest
// lifecycle event.
func BenchmarkParse(b *testing.B) {
	raw := readFixture(b, "tenant-registered.json")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := tenant.Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransition measures deciding a termination (including the
// re-validation of the event).
func BenchmarkTransition(b *testing.B) {
	cur, _, err := tenant.Transition(nil, event(tenant.EventRegistered, "tenant-1", t0), testCfg, at(100))
	if err != nil {
		b.Fatal(err)
	}
	ev := event(tenant.EventTerminated, "tenant-1", at(10))
	for b.Loop() {
		if _, _, err := tenant.Transition(&cur, ev, testCfg, at(100)); err != nil {
			b.Fatal(err)
		}
	}
}
