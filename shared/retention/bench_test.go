package retention_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/retention"
)

// hourlySnapshots returns n snapshots an hour apart from 1912 on (1M is
// about 114 years), oldest first.
func hourlySnapshots(n int) []retention.Snapshot {
	snaps := make([]retention.Snapshot, n)
	start := time.Date(1912, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range snaps {
		snaps[i] = retention.Snapshot{ID: "snap-" + strconv.Itoa(i), Created: start.Add(time.Duration(i) * time.Hour)}
	}
	return snaps
}

func benchmarkApply(b *testing.B, snaps []retention.Snapshot, policy retention.Policy) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkApply_1M plans 1,000,000 hourly snapshots in Tokyo with hourly
// 24, daily 7, weekly 4, monthly 12 and unlimited yearly: every snapshot is
// walked.
func BenchmarkApply_1M(b *testing.B) {
	benchmarkApply(b, hourlySnapshots(1_000_000), retention.Policy{Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: -1})
}

// BenchmarkApply_1M_Shuffled is BenchmarkApply_1M on unsorted input, so the
// sort is paid for.
func BenchmarkApply_1M_Shuffled(b *testing.B) {
	snaps := hourlySnapshots(1_000_000)
	rng := rand.New(rand.NewPCG(1, 1))
	rng.Shuffle(len(snaps), func(i, j int) { snaps[i], snaps[j] = snaps[j], snaps[i] })
	benchmarkApply(b, snaps, retention.Policy{Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: -1})
}

// BenchmarkApply_1M_Bounded has no unlimited tier: once every tier is used
// up, the rest is deleted without computing periods.
func BenchmarkApply_1M_Bounded(b *testing.B) {
	benchmarkApply(b, hourlySnapshots(1_000_000), retention.Policy{Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: 10})
}
