package finding_test

import (
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
)

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"guardduty-s3-exfiltration.json", "cloudtrail-put-bucket-policy-public.json", "cloudtrail-describe-instances.json"} {
		raw := readFixture(b, name)
		cat := finding.Default()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = finding.Parse(raw, cat)
			}
		})
	}
}

func BenchmarkRoute(b *testing.B) {
	raw := readFixture(b, "guardduty-s3-exfiltration.json")
	f, err := finding.Parse(raw, finding.Default())
	if err != nil {
		b.Fatal(err)
	}
	// 1,000 tenants in one shared bucket.
	tenants := make([]finding.Tenant, 1000)
	for i := range tenants {
		id := "tenant-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		tenants[i] = finding.Tenant{ID: id, Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: "pledge-tenant-data-111122223333", Prefix: "tenants/" + id + "/"}}}
	}
	tenants[0].ID = "tenant-1"
	tenants[0].Prefixes[0].Prefix = "tenants/tenant-1/"
	p := finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High}
	b.ReportAllocs()
	for b.Loop() {
		if r := p.Route(f, tenants); len(r.Recipients) != 1 {
			b.Fatalf("recipients %d", len(r.Recipients))
		}
	}
}
