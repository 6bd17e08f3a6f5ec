package finding_test

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
)

// FuzzParse feeds arbitrary bytes, seeded with every fixture, to Parse.
// Parse must not panic; it either returns a complete finding or an error
// that is exactly one of ignored, malformed or unsupported; and routing any
// finding it returns must not panic either.
func FuzzParse(f *testing.F) {
	for _, path := range fixtures(f) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{}}`))
	f.Add([]byte(`{"detail-type":"AWS API Call via CloudTrail","detail":{"eventID":"x","eventSource":"s3.amazonaws.com","eventName":"PutBucketAcl","eventTime":"2026-01-01T00:00:00Z","requestParameters":{"AccessControlPolicy":{"AccessControlList":{"Grant":7}}}}}`))
	cat := finding.Default()
	policy := finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.High}
	tenants := []finding.Tenant{{ID: "tenant-1", Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: "pledge-tenant-data-111122223333", Prefix: "tenants/tenant-1/"}}}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := finding.Parse(raw, cat)
		if err != nil {
			n := 0
			for _, target := range []error{finding.ErrIgnored, finding.ErrMalformed, finding.ErrUnsupported} {
				if errors.Is(err, target) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %q is %d of ignored/malformed/unsupported, want exactly one", err, n)
			}
			return
		}
		if got.ID == "" || got.Type == "" || !got.Band.Valid() || got.Detected.IsZero() || got.Count < 0 || got.Account == "" || got.Region == "" {
			t.Fatalf("incomplete finding without an error: %+v", got)
		}
		if math.IsNaN(got.Severity) || got.Severity < 0 || got.Severity > 10 {
			t.Fatalf("severity %v out of range", got.Severity)
		}
		if b, want := got.Band, mustBand(got.Severity); b != want {
			t.Fatalf("band %v for severity %v, want %v", b, got.Severity, want)
		}
		_ = policy.Route(got, tenants)
	})
}

func mustBand(s float64) finding.Band {
	b, err := finding.BandOf(s)
	if err != nil {
		panic(err)
	}
	return b
}
