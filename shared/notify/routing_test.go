package notify_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
)

// stripTags returns a GuardDuty event whose resource tags are all removed.
func stripTags(t testing.TB, raw []byte, paths ...string) []byte {
	t.Helper()
	set := map[string]any{}
	for _, p := range paths {
		set[p] = []any{}
	}
	return withDetail(t, raw, set)
}

// TestNotifier_UnroutedFindingReachesOpsOnly: six High findings about one
// EKS cluster that no tenant owns once went to every active tenant. Now
// they reach ops only, naming the cluster, and count as unrouted.
func TestNotifier_UnroutedFindingReachesOpsOnly(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC))
	base := withDetail(t, stripTags(t, fixture(t, "guardduty-kubernetes-exec-kube-system.json"), "resource.eksClusterDetails.tags"), map[string]any{"severity": 8})
	for i := range 6 {
		res := r.event(t, withDetail(t, base, map[string]any{"id": "eks-" + string(rune('a'+i))}))
		if !res.Route.OpsOnly || res.Route.OpsReason != finding.OpsUnrouted || len(res.Queued) != 0 {
			t.Fatalf("finding %d: route %+v, queued %v; want ops only, unrouted", i, res.Route, res.Queued)
		}
	}
	if got := r.queue.len(); got != 0 {
		t.Errorf("%d tenant notices queued, want none", got)
	}
	if got := r.topic.count(); got != 6 {
		t.Fatalf("ops messages = %d, want 6", got)
	}
	var body notify.OpsMessage
	if err := json.Unmarshal([]byte(aws.ToString(r.topic.msgs[0].Message)), &body); err != nil {
		t.Fatal(err)
	}
	if !body.Unrouted || !slices.Contains(body.UnroutedResources, "arn:aws:eks:ap-northeast-1:111122223333:cluster/tenant-3-cluster") {
		t.Errorf("ops message unrouted=%v resources=%v; want the cluster named", body.Unrouted, body.UnroutedResources)
	}
	if s := aws.ToString(r.topic.msgs[0].Subject); !strings.Contains(s, "unrouted") {
		t.Errorf("ops subject %q does not say unrouted", s)
	}
	if got := sum(r.metricValues(t, "FindingsUnrouted", nil)); got != 6 {
		t.Errorf("FindingsUnrouted = %v, want 6", got)
	}
}

// TestNotifier_TaggedResourceReachesOnlyItsTenant: the same finding with
// the cluster tagged for tenant-3 reaches tenant-3 and nobody else.
func TestNotifier_TaggedResourceReachesOnlyItsTenant(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC))
	res := r.event(t, fixture(t, "guardduty-kubernetes-exec-kube-system.json"))
	if len(res.Queued) != 1 || res.Queued[0].TenantID != "tenant-3" || res.Route.Unrouted {
		t.Errorf("queued %+v, route %+v; want tenant-3 only", res.Queued, res.Route)
	}
	if got := sum(r.metricValues(t, "FindingsUnrouted", nil)); got != 0 {
		t.Errorf("FindingsUnrouted = %v, want 0", got)
	}
}
