package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

type tagsEKS struct {
	resourcetag.EKSAPI
	tags  map[string]map[string]string
	calls int
}

func (f *tagsEKS) DescribeCluster(_ context.Context, in *eks.DescribeClusterInput, _ ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	f.calls++
	return &eks.DescribeClusterOutput{Cluster: &ekstypes.Cluster{Name: in.Name, Tags: f.tags[aws.ToString(in.Name)]}}, nil
}

type tagsEC2 struct {
	resourcetag.EC2API
	tags map[string]string // instance id -> tenant
	err  error
}

func (f *tagsEC2) DescribeTags(_ context.Context, in *ec2.DescribeTagsInput, _ ...func(*ec2.Options)) (*ec2.DescribeTagsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := &ec2.DescribeTagsOutput{}
	for _, id := range in.Filters[0].Values {
		if t, ok := f.tags[id]; ok {
			out.Tags = append(out.Tags, ec2types.TagDescription{ResourceId: aws.String(id), Key: aws.String("pledge:tenant"), Value: aws.String(t)})
		}
	}
	return out, nil
}

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

// TestNotifier_TagLookupPlacesTheFinding: the cluster's own tags (read with
// eks:DescribeCluster) name tenant-3, so the finding reaches tenant-3 and
// no one else, and the route says it was a lookup.
func TestNotifier_TagLookupPlacesTheFinding(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC))
	e := &tagsEKS{tags: map[string]map[string]string{"tenant-3-cluster": {"pledge:tenant": "tenant-3"}}}
	r.n.Tags = &resourcetag.Lookup{EKS: e}
	ev := stripTags(t, fixture(t, "guardduty-kubernetes-exec-kube-system.json"), "resource.eksClusterDetails.tags")
	res := r.event(t, ev)
	if len(res.Queued) != 1 || res.Queued[0].TenantID != "tenant-3" || res.Route.Unrouted {
		t.Fatalf("queued %+v route %+v; want tenant-3 only", res.Queued, res.Route)
	}
	if got := res.Route.Recipients[0].Reasons[0].Kind; got != finding.ReasonTagLookup {
		t.Errorf("reason %q, want %q", got, finding.ReasonTagLookup)
	}
	if e.calls != 1 || res.TagLookup == nil || res.TagLookup.Calls != 1 {
		t.Errorf("DescribeCluster calls %d, report %+v", e.calls, res.TagLookup)
	}
}

// TestNotifier_TagLookupIsExact: an instance tagged tenant-10 reaches
// tenant-10, never tenant-1.
func TestNotifier_TagLookupIsExact(t *testing.T) {
	r := newRig(t, detectedMalware.Add(time.Minute))
	r.n.Tags = &resourcetag.Lookup{EC2: &tagsEC2{tags: map[string]string{"i-0d4e5f60718293a4b": "tenant-10"}}}
	ev := stripTags(t, malware(t), "resource.instanceDetails.tags")
	res := r.event(t, ev)
	if len(res.Queued) != 1 || res.Queued[0].TenantID != "tenant-10" {
		t.Errorf("queued %+v, want tenant-10 only", res.Queued)
	}
	batch := r.queue.take()
	if resp := r.batch(t, events.SQSEvent{Records: batch.Records}); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	for _, m := range r.mail.sent {
		for _, to := range m.Destination.ToAddresses {
			if !strings.HasSuffix(to, "@tenant10.example.co.jp") {
				t.Errorf("mail to %s: only tenant-10 may hear of it", to)
			}
		}
	}
}

// TestNotifier_TagLookupFailures: a refusal (access denied) is recorded and
// the finding goes on unrouted; a throttled lookup fails the event before
// anything is written, so that EventBridge retries it.
func TestNotifier_TagLookupFailures(t *testing.T) {
	r := newRig(t, detectedMalware.Add(time.Minute))
	r.n.Tags = &resourcetag.Lookup{EC2: &tagsEC2{err: &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "denied", Fault: smithy.FaultClient}}}
	ev := stripTags(t, malware(t), "resource.instanceDetails.tags")
	res := r.event(t, ev)
	if !res.Route.Unrouted || len(res.TagLookup.Failed) == 0 {
		t.Errorf("denied lookup: route %+v, report %+v; want unrouted with the failure named", res.Route, res.TagLookup)
	}
	if got := sum(r.metricValues(t, "TagLookupFailures", map[string]string{"Reason": "refused"})); got == 0 {
		t.Errorf("TagLookupFailures{refused} = %v", got)
	}

	r2 := newRig(t, detectedMalware.Add(time.Minute))
	r2.n.Tags = &resourcetag.Lookup{EC2: &tagsEC2{err: &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "slow down"}}}
	_, err := r2.n.Handle(context.Background(), ev)
	if !errors.Is(err, resourcetag.ErrTransient) {
		t.Fatalf("throttled lookup: err = %v, want ErrTransient so that EventBridge retries", err)
	}
	if r2.queue.len() != 0 || r2.topic.count() != 0 || len(r2.ev.records) != 0 || r2.ledger.claims != 0 {
		t.Errorf("a failed lookup wrote something: queue %d, ops %d, evidence %d, claims %d", r2.queue.len(), r2.topic.count(), len(r2.ev.records), r2.ledger.claims)
	}
}

// TestNotifier_UnroutedBelowThresholdRaisesNoAlarm: a Low finding about a
// resource no tenant owns is marked unrouted to ops but does not count
// towards the alarm, which is for findings that would have reached tenants.
func TestNotifier_UnroutedBelowThresholdRaisesNoAlarm(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 21, 3, 20, 0, 0, time.UTC))
	res := r.event(t, stripTags(t, fixture(t, "guardduty-ec2-ssh-brute-force.json"), "resource.instanceDetails.tags"))
	if !res.Route.Unrouted || res.Route.OpsReason != finding.OpsBelowThreshold || res.Ops != "published" {
		t.Fatalf("route %+v ops %s", res.Route, res.Ops)
	}
	if got := sum(r.metricValues(t, "FindingsUnrouted", nil)); got != 0 {
		t.Errorf("FindingsUnrouted = %v, want 0 below the threshold", got)
	}
}
