package purge_test

import (
	"context"
	"testing"

	"github.com/pledge-dev/pledge/shared/purge"
)

// BenchmarkEngine_ApplyFake measures the engine's own cost per version
// (merging pages, batching, committing in order, JSON lines, gzip, SHA-256,
// checkpoints) against the in-memory fake, with no network. The
// side-by-side comparison with s5cmd against MinIO is bench.sh.
func BenchmarkEngine_ApplyFake(b *testing.B) {
	const keys = 4000 // 4000 keys, 1-3 versions, a marker on every fourth: 9,000 entries
	var versions int64
	for b.Loop() {
		b.StopTimer()
		f := seedFake(keys)
		e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }}
		b.StartTimer()
		res, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), nil)
		if err != nil || res.Status != purge.StatusPurged {
			b.Fatalf("%s: %v", res.Status, err)
		}
		versions = res.Counts.Versions + res.Counts.DeleteMarkers
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*versions), "ns/version")
}
