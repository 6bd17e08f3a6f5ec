package certificate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/certificate"
)

// TestNew_StatesThePromisedWindow: the certificate of a purge that started
// late (it waited for the advance notice) states the window promised from
// the real termination, next to the deletion times.
func TestNew_StatesThePromisedWindow(t *testing.T) {
	terminated := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	due, deadline := terminated.AddDate(0, 0, 30), terminated.AddDate(0, 0, 60)
	c, err := certificate.New(certificate.Input{Result: purgedResult(), Manifest: sealed(), Policies: gfs(), Zone: jst, Issuer: "x", IssuedAt: deletedAt,
		Promise: certificate.PromiseOf(terminated, due, deadline)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"promise":{"purge_deadline":"2026-10-31T03:00:00Z","purge_due":"2026-10-01T03:00:00Z","terminated":"2026-09-01T03:00:00Z"}`; !strings.Contains(string(b), want) {
		t.Errorf("certificate lacks %s:\n%s", want, b)
	}

	plain, err := certificate.New(certificate.Input{Result: purgedResult(), Manifest: sealed(), Policies: gfs(), Zone: jst, Issuer: "x", IssuedAt: deletedAt})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := plain.Canonical(); strings.Contains(string(b), `"promise"`) {
		t.Errorf("a certificate without a window states one:\n%s", b)
	}

	for name, p := range map[string]*certificate.Promise{
		"deadline before due": certificate.PromiseOf(terminated, due, due.Add(-time.Hour)),
		"due before the end":  certificate.PromiseOf(terminated, terminated.Add(-time.Hour), deadline),
		"zero":                certificate.PromiseOf(time.Time{}, due, deadline),
	} {
		if _, err := certificate.New(certificate.Input{Result: purgedResult(), Manifest: sealed(), Policies: gfs(), Zone: jst, Issuer: "x", IssuedAt: deletedAt, Promise: p}); err == nil || !strings.Contains(err.Error(), "promised window") {
			t.Errorf("%s: %v, want an error about the promised window", name, err)
		}
	}
}
