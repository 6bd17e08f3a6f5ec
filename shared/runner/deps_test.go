package runner_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctions_NoCDKLinked keeps the CDK out of the functions' dependency
// graph: it would add ~100 MB to every bootstrap and minutes to every build.
func TestFunctions_NoCDKLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/aws/aws-cdk-go", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go", "github.com/cdklabs/"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("a function depends on %s", pkg)
			}
		}
	}
}
