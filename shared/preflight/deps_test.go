package preflight_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctions_NoPreflightLinked keeps preflight (and its SES, GuardDuty,
// CloudTrail, Lambda... clients) out of the functions' bootstraps: it is an
// operator's command, not a Lambda path.
func TestFunctions_NoPreflightLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/pledge-dev/pledge/shared/preflight") {
			t.Errorf("a function depends on %s", pkg)
		}
	}
}
