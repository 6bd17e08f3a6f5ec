package finding_test

import (
	"reflect"
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
)

const dataBucket = "pledge-tenant-data-111122223333"

// directory is the tenant set the routing tests share: tenant-1 and
// tenant-10 whose prefixes differ by one character, a terminated tenant
// whose data is still held, a purged one, and tenant-3 with a dedicated
// bucket and a shared database.
func directory() []finding.Tenant {
	return []finding.Tenant{
		{ID: "tenant-1", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: dataBucket, Prefix: "tenants/tenant-1/"}}},
		{ID: "tenant-10", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: dataBucket, Prefix: "tenants/tenant-10"}}}, // no trailing slash on purpose
		{ID: "tenant-2", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: dataBucket, Prefix: "tenants/tenant-2/"}},
			SharedResources: []string{"arn:aws:rds:ap-northeast-1:111122223333:cluster:pledge-shared-db", "ec2-security-group:sg-0dd44ee55ff66aa77"}},
		{ID: "tenant-3", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: "pledge-tenant-3-exports", Prefix: ""}},
			SharedResources: []string{"arn:aws:rds:ap-northeast-1:111122223333:cluster:pledge-shared-db", "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{ID: "tenant-7", Status: finding.StatusTerminated, Prefixes: []finding.Location{{Bucket: dataBucket, Prefix: "tenants/tenant-7/"}}},
		{ID: "tenant-8", Status: finding.StatusPurged, Prefixes: []finding.Location{{Bucket: dataBucket, Prefix: "tenants/tenant-8/"}}},
	}
}

func parseFixture(t *testing.T, name string) finding.Finding {
	t.Helper()
	f, err := finding.Parse(readFixture(t, name), finding.Default())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func s3Finding(band finding.Band, keys ...string) finding.Finding {
	return finding.Finding{ID: "f", Band: band, Resources: []finding.Resource{{Kind: finding.KindS3Bucket, ID: dataBucket, ARN: "arn:aws:s3:::" + dataBucket, Bucket: dataBucket, Keys: keys}}}
}

// untagged returns a fixture's finding at band b with every resource tag
// removed: a resource no tenant is known to own.
func untagged(t *testing.T, name string, b finding.Band) finding.Finding {
	t.Helper()
	f := withBand(parseFixture(t, name), b)
	for i := range f.Resources {
		f.Resources[i].Tags = nil
	}
	return f
}

func withBand(f finding.Finding, b finding.Band) finding.Finding { f.Band = b; return f }

func withScope(f finding.Finding, s finding.Scope) finding.Finding { f.Scope = s; return f }

func TestPolicy_Route(t *testing.T) {
	policy := finding.Policy{Threshold: finding.Medium, PlatformSeverity: finding.High}
	type recipient struct {
		id      string
		reasons []finding.ReasonKind
		keys    []string // keys of the recipient's S3 resource, if any
	}
	tests := []struct {
		name      string
		f         finding.Finding
		policy    finding.Policy
		want      []recipient
		opsReason finding.OpsReason
		concerned []string
		unknown   []string
		unrouted  []string
	}{
		{name: "TagOnInstance", f: parseFixture(t, "guardduty-ec2-backdoor.json"),
			want: []recipient{{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonTag}}}, concerned: []string{"tenant-2"}},
		{name: "LowBelowThresholdOpsOnly", f: parseFixture(t, "guardduty-ec2-ssh-brute-force.json"),
			opsReason: finding.OpsBelowThreshold, concerned: []string{"tenant-1"}},
		{name: "LowReachesTenantWhenThresholdLow", f: parseFixture(t, "guardduty-ec2-ssh-brute-force.json"), policy: finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High},
			want: []recipient{{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonTag}}}, concerned: []string{"tenant-1"}},
		{name: "S3KeysUnderPrefix", f: parseFixture(t, "guardduty-s3-exfiltration.json"),
			want:      []recipient{{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-1/invoices/2026-10.csv", "tenants/tenant-1/invoices/2026-11.csv"}}},
			concerned: []string{"tenant-1"}},
		{name: "Tenant10KeyNeverReachesTenant1", f: parseFixture(t, "guardduty-s3-attack-sequence.json"),
			want:      []recipient{{id: "tenant-10", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-10/exports/customers.json"}}},
			concerned: []string{"tenant-10"}},
		{name: "MixedKeysNarrowedPerTenant", f: s3Finding(finding.High, "tenants/tenant-1/a", "tenants/tenant-10/b", "tenants/tenant-2/c", "tenants/tenant-1x/d", "other/e"),
			want: []recipient{
				{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-1/a"}},
				{id: "tenant-10", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-10/b"}},
				{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-2/c"}},
			},
			concerned: []string{"tenant-1", "tenant-10", "tenant-2"}},
		// A finding about a resource that is no tenant's reaches ops only,
		// naming the resource, and never every tenant (issue 12: six High
		// EKS findings once went to every active tenant).
		{name: "S3KeysOfNoTenantAreUnrouted", f: s3Finding(finding.High, "shared/assets/logo.png"),
			opsReason: finding.OpsUnrouted, unrouted: []string{"arn:aws:s3:::" + dataBucket}},
		{name: "EKSClusterOfNoTenantIsUnrouted", f: untagged(t, "guardduty-kubernetes-exec-kube-system.json", finding.High),
			opsReason: finding.OpsUnrouted, unrouted: []string{"arn:aws:eks:ap-northeast-1:111122223333:cluster/tenant-3-cluster", "kubernetes-workload:kube-system/coredns-6c9f8b7d5-x2k4p"}},
		{name: "EC2InstanceOfNoTenantIsUnrouted", f: untagged(t, "guardduty-ec2-backdoor.json", finding.Critical),
			opsReason: finding.OpsUnrouted, unrouted: []string{"arn:aws:ec2:ap-northeast-1:111122223333:instance/i-0a1b2c3d4e5f60718"}},
		{name: "AccessKeyOfNoTenantIsUnrouted", f: parseFixture(t, "guardduty-iam-credential-exfiltration.json"),
			opsReason: finding.OpsUnrouted, unrouted: []string{"iam-access-key:ASIAEXAMPLEEXFIL0001", "arn:aws:iam::111122223333:role/pledge-app-role"}},
		{name: "UnroutedBelowThresholdStillMarked", f: untagged(t, "guardduty-ec2-backdoor.json", finding.Low),
			opsReason: finding.OpsBelowThreshold, unrouted: []string{"arn:aws:ec2:ap-northeast-1:111122223333:instance/i-0a1b2c3d4e5f60718"}},
		{name: "PublicSnapshotOfNoTenantIsUnrouted", f: parseFixture(t, "cloudtrail-rds-snapshot-public.json"),
			opsReason: finding.OpsUnrouted, unrouted: []string{"arn:aws:rds:ap-northeast-1:111122223333:snapshot:pledge-shared-db-2026-11-21-09"}},
		{name: "WholeBucketConcernsEveryTenantWithDataThere", f: parseFixture(t, "cloudtrail-put-bucket-policy-public.json"),
			want: []recipient{
				{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonBucket}},
				{id: "tenant-10", reasons: []finding.ReasonKind{finding.ReasonBucket}},
				{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonBucket}},
				{id: "tenant-7", reasons: []finding.ReasonKind{finding.ReasonBucket}}, // terminated, data still held
			},
			concerned: []string{"tenant-1", "tenant-10", "tenant-2", "tenant-7", "tenant-8"}},
		{name: "DedicatedBucketByTagAndBucket", f: parseFixture(t, "guardduty-s3-block-public-access-disabled.json"), policy: finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High},
			want:      []recipient{{id: "tenant-3", reasons: []finding.ReasonKind{finding.ReasonTag, finding.ReasonBucket}}},
			concerned: []string{"tenant-3"}},
		{name: "SharedDatabase", f: parseFixture(t, "cloudtrail-rds-deletion-protection-off.json"),
			want: []recipient{
				{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonShared}},
				{id: "tenant-3", reasons: []finding.ReasonKind{finding.ReasonShared}},
			},
			concerned: []string{"tenant-2", "tenant-3"}},
		{name: "SharedByID", f: parseFixture(t, "cloudtrail-sg-ingress-postgres-world.json"),
			want: []recipient{{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonShared}}}, concerned: []string{"tenant-2"}},
		{name: "PlatformWideHighGoesToActiveOnly", f: parseFixture(t, "cloudtrail-stop-logging.json"),
			want: []recipient{
				{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-10", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-3", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
			}},
		{name: "PlatformWideBelowPlatformSeverityOpsOnly", f: parseFixture(t, "cloudtrail-stop-logging.json"), policy: finding.Policy{Threshold: finding.Medium, PlatformSeverity: finding.Critical},
			opsReason: finding.OpsPlatformBelowSeverity},
		{name: "PlatformWideCritical", f: withBand(parseFixture(t, "cloudtrail-stop-logging.json"), finding.Critical), policy: finding.Policy{Threshold: finding.Medium, PlatformSeverity: finding.Critical},
			want: []recipient{
				{id: "tenant-1", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-10", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-2", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
				{id: "tenant-3", reasons: []finding.ReasonKind{finding.ReasonPlatform}},
			}},
		{name: "PlatformSeverityUnsetMeansNever", f: parseFixture(t, "cloudtrail-stop-logging.json"), policy: finding.Policy{Threshold: finding.Medium},
			opsReason: finding.OpsPlatformBelowSeverity},
		{name: "PlatformWideNamingATenantsKeyGoesToThatTenant", f: withScope(parseFixture(t, "cloudtrail-kms-schedule-key-deletion.json"), finding.ScopePlatform),
			want:      []recipient{{id: "tenant-3", reasons: []finding.ReasonKind{finding.ReasonShared}}},
			concerned: []string{"tenant-3"}},
		{name: "SampleNeverReachesTenants", f: parseFixture(t, "guardduty-sample-finding.json"),
			opsReason: finding.OpsSample, concerned: []string{"tenant-1"}},
		{name: "PurgedTenantNotNotified", f: s3Finding(finding.High, "tenants/tenant-8/x"),
			opsReason: finding.OpsNoTenant, concerned: []string{"tenant-8"}},
		{name: "TerminatedTenantNotified", f: s3Finding(finding.High, "tenants/tenant-7/x"),
			want: []recipient{{id: "tenant-7", reasons: []finding.ReasonKind{finding.ReasonPrefix}, keys: []string{"tenants/tenant-7/x"}}}, concerned: []string{"tenant-7"}},
		{name: "UnknownTagValue", f: finding.Finding{Band: finding.High, Resources: []finding.Resource{{Kind: finding.KindInstance, ID: "i-1", Tags: map[string]string{"pledge:tenant": "tenant-99"}}}},
			opsReason: finding.OpsUnknownTenant, unknown: []string{"tenant-99"},
			// An unknown tag is not platform-wide: the resource is somebody's.
		},
		{name: "OtherTagKey", f: parseFixture(t, "guardduty-ec2-backdoor.json"), policy: finding.Policy{TagKey: "Name", Threshold: finding.Low, PlatformSeverity: finding.High},
			opsReason: finding.OpsUnknownTenant, unknown: []string{"tenant-2-worker-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy != (finding.Policy{}) {
				p = tt.policy
			}
			tenants := directory()
			before := directory()
			route := p.Route(tt.f, tenants)
			if !reflect.DeepEqual(tenants, before) {
				t.Error("Route modified the tenant slice")
			}
			var got []recipient
			for _, r := range route.Recipients {
				rc := recipient{id: r.TenantID}
				for _, why := range r.Reasons {
					rc.reasons = append(rc.reasons, why.Kind)
				}
				for _, res := range r.Resources {
					if res.Kind == finding.KindS3Bucket && len(res.Keys) > 0 {
						rc.keys = res.Keys
					}
				}
				got = append(got, rc)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("recipients:\n got %+v\nwant %+v", got, tt.want)
			}
			if got, want := route.OpsOnly, tt.want == nil; got != want {
				t.Errorf("OpsOnly = %v, want %v", got, want)
			}
			if got, want := route.OpsReason, tt.opsReason; got != want {
				t.Errorf("OpsReason = %q, want %q", got, want)
			}
			if !reflect.DeepEqual(route.Concerned, tt.concerned) {
				t.Errorf("Concerned = %v, want %v", route.Concerned, tt.concerned)
			}
			if !reflect.DeepEqual(route.UnknownTenants, tt.unknown) {
				t.Errorf("UnknownTenants = %v, want %v", route.UnknownTenants, tt.unknown)
			}
			if got, want := route.Unrouted, tt.unrouted != nil; got != want {
				t.Errorf("Unrouted = %v, want %v", got, want)
			}
			if !reflect.DeepEqual(route.UnroutedResources, tt.unrouted) {
				t.Errorf("UnroutedResources = %v, want %v", route.UnroutedResources, tt.unrouted)
			}
		})
	}
}

// TestPolicy_Route_NoLeak: whatever a finding names, a recipient's resources
// hold only keys under that recipient's own prefixes (or of a resource
// tagged with it).
func TestPolicy_Route_NoLeak(t *testing.T) {
	f := s3Finding(finding.Critical, "tenants/tenant-1/a", "tenants/tenant-10/b", "tenants/tenant-2/c", "tenants/tenant-7/d", "tenants/tenant-8/e")
	route := finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High}.Route(f, directory())
	prefixes := map[string]string{}
	for _, tn := range directory() {
		for _, l := range tn.Prefixes {
			prefixes[tn.ID] = l.Prefix
		}
	}
	if len(route.Recipients) != 4 {
		t.Fatalf("recipients = %+v, want tenant-1, tenant-10, tenant-2, tenant-7", route.Recipients)
	}
	for _, r := range route.Recipients {
		for _, res := range r.Resources {
			for _, k := range res.Keys {
				p := prefixes[r.TenantID]
				if p[len(p)-1] != '/' {
					p += "/"
				}
				if len(k) < len(p) || k[:len(p)] != p {
					t.Errorf("tenant %s is shown key %s outside its prefix %s", r.TenantID, k, p)
				}
			}
			if res.Tags != nil {
				t.Errorf("tenant %s is shown tags %v", r.TenantID, res.Tags)
			}
		}
	}
}

func TestStatus_HoldsData(t *testing.T) {
	for s, want := range map[finding.Status]bool{
		finding.StatusActive: true, finding.StatusSuspended: true, finding.StatusTerminated: true, finding.StatusPurging: true,
		finding.StatusPurged: false, "": false, "deleted": false,
	} {
		if got := s.HoldsData(); got != want {
			t.Errorf("Status(%q).HoldsData() = %v, want %v", s, got, want)
		}
	}
}
