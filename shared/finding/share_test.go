package finding_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
)

// TestFixtures_RoutingPaths routes every fixture in events/ over the test
// directory and reports the share that takes each path (go test -v prints
// the table). Every path is a known one, and no resource-scoped fixture
// reaches every tenant.
func TestFixtures_RoutingPaths(t *testing.T) {
	policy := finding.Policy{Threshold: finding.Medium, PlatformSeverity: finding.High}
	paths := map[string][]string{}
	files := fixtures(t)
	for _, path := range files {
		name := filepath.Base(path)
		f, err := finding.Parse(readFixture(t, name), finding.Default())
		if errors.Is(err, finding.ErrIgnored) {
			paths["ignored (outside the catalogue)"] = append(paths["ignored (outside the catalogue)"], name)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := policy.Route(f, directory())
		var p string
		switch {
		case !r.OpsOnly && slices.ContainsFunc(r.Recipients, func(x finding.Recipient) bool { return x.Reasons[0].Kind == finding.ReasonPlatform }):
			p = "every active tenant (platform-wide)"
			if f.Scope != finding.ScopePlatform {
				t.Errorf("%s: a resource finding reached every tenant", name)
			}
		case !r.OpsOnly:
			var kinds []string
			for _, x := range r.Recipients {
				for _, why := range x.Reasons {
					if !slices.Contains(kinds, string(why.Kind)) {
						kinds = append(kinds, string(why.Kind))
					}
				}
			}
			sort.Strings(kinds)
			p = "tenants concerned, by " + strings.Join(kinds, "+")
		default:
			p = "ops only: " + string(r.OpsReason)
		}
		paths[p] = append(paths[p], name)
	}
	var keys []string
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d fixtures in events/:\n", len(files))
	for _, k := range keys {
		fmt.Fprintf(&b, "  %5.1f%% %2d  %s: %s\n", 100*float64(len(paths[k]))/float64(len(files)), len(paths[k]), k, strings.Join(paths[k], ", "))
	}
	t.Log(b.String())
}
