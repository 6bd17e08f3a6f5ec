package purge_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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

// slowStore delays every write, as an evidence bucket over the network.
type slowStore struct {
	*memStore
	delay time.Duration
}

func (s slowStore) PutObject(ctx context.Context, key, ct string, body []byte) error {
	time.Sleep(s.delay)
	return s.memStore.PutObject(ctx, key, ct, body)
}

// BenchmarkEngine_Shards purges the same tenant (40,000 keys under 500
// sub-prefixes, 100,000 versions and delete markers) whole and in 4 shards
// run at once (as 4 invocations would), against the in-memory fake with a
// round trip of 10 ms on every listing, delete and evidence write: the
// regime of S3 over a network, where one purge is bound by its sequential
// listing and part writes, not by the server. MinIO on a shared 2-core
// machine is bound by its own CPU instead, so bench.sh shards shows no gain
// there; this shows what sharding buys when the server is not the limit.
func BenchmarkEngine_Shards(b *testing.B) {
	const prefix = "tenants/tenant-1/"
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("shards=%d", n), func(b *testing.B) {
			var versions int64
			for b.Loop() {
				b.StopTimer()
				f := treeFake(40000, 500)
				f.listDelay, f.delay = 10*time.Millisecond, 10*time.Millisecond
				store := slowStore{&memStore{}, 10 * time.Millisecond}
				opt := purge.Options{MaxConcurrency: 32, ManifestPrefix: "deletion-manifest"}
				plan := []*purge.Shard{nil}
				if n > 1 {
					shards, err := (&purge.Engine{S3: f}).PlanShards(context.Background(), fakeJob(prefix), n)
					if err != nil || len(shards) != n {
						b.Fatalf("plan: %v %d", err, len(shards))
					}
					plan = plan[:0]
					for i := range shards {
						plan = append(plan, &shards[i])
					}
				}
				b.StartTimer()
				var wg sync.WaitGroup
				results := make([]purge.Result, len(plan))
				for i, sh := range plan {
					wg.Go(func() {
						job := fakeJob(prefix)
						job.PurgeID, job.Shard = "bench", sh
						e := &purge.Engine{S3: f, Evidence: store, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: opt}
						res, err := e.Apply(context.Background(), job, nil)
						if err != nil || res.Status != purge.StatusPurged {
							b.Errorf("%s: %v", res.Status, err)
						}
						results[i] = res
					})
				}
				wg.Wait()
				var idx []purge.Indexed
				versions = 0
				for _, r := range results {
					idx = append(idx, purge.Indexed{Layout: r.Layout, Segments: r.Index.Segments})
					versions += r.Counts.Versions + r.Counts.DeleteMarkers
				}
				if _, err := purge.Seal(context.Background(), store, idx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(versions)*float64(b.N)/b.Elapsed().Seconds(), "versions/s")
		})
	}
}
