package retention_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/retention"
)

// BenchmarkApply_1M plans 1,000,000 hourly snapshots (about 114 years) in
// Tokyo with a typical GFS policy and unlimited yearly snapshots.
func BenchmarkApply_1M(b *testing.B) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	snaps := make([]retention.Snapshot, n)
	start := time.Date(1912, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range snaps {
		snaps[i] = retention.Snapshot{ID: "snap-" + strconv.Itoa(i), Created: start.Add(time.Duration(i) * time.Hour)}
	}
	policy := retention.Policy{Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: -1}
	b.ReportAllocs()
	b.ResetTimer()
	var kept int
	for b.Loop() {
		p, err := retention.Apply(snaps, policy, tokyo)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(p.Keep)
	}
	b.ReportMetric(float64(kept), "kept")
}
