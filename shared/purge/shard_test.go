package purge_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pledge-dev/pledge/shared/purge"
)

// treeFake holds tenant-1 keys under dirs sub-prefixes ("data/NNN/"), or
// flat keys when dirs is 0, plus neighbours.
func treeFake(keys, dirs int) *fakeS3 {
	f := newFakeS3(fakeBucket)
	for i := range keys {
		k := fmt.Sprintf("tenants/tenant-1/flat-%05d", i)
		if dirs > 0 {
			k = fmt.Sprintf("tenants/tenant-1/data/%03d/obj-%05d", i%dirs, i)
		}
		f.add(k, 1+i%2, i%5 == 0, int64(i))
	}
	for i := range 10 {
		f.add(fmt.Sprintf("tenants/tenant-10/data/%03d/obj", i), 2, false, 1)
		f.add(fmt.Sprintf("tenants/tenant-1-archive/k%d", i), 1, true, 1)
	}
	return f.index()
}

func TestEngine_PlanShards(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	for _, tc := range []struct {
		name       string
		keys, dirs int
		n          int
		want       int
		balanced   bool
	}{
		{"SubPrefixes", 2000, 500, 4, 4, true},
		{"FewSubPrefixes", 300, 3, 4, 3, false},
		{"Flat", 3000, 0, 4, 4, false},
		{"One", 100, 10, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := treeFake(tc.keys, tc.dirs)
			e := &purge.Engine{S3: f, Options: fastOptions()}
			shards, err := e.PlanShards(context.Background(), fakeJob(prefix), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(shards) != tc.want {
				t.Fatalf("%d shards %+v, want %d", len(shards), shards, tc.want)
			}
			// The ranges partition the prefix: every key in exactly one.
			per := make([]int, len(shards))
			for _, v := range f.live() {
				if !strings.HasPrefix(v.key, prefix) {
					continue
				}
				in := 0
				for i, sh := range shards {
					if sh.Contains(v.key) {
						in++
						per[i]++
					}
				}
				if in != 1 {
					t.Fatalf("%s is in %d shards", v.key, in)
				}
			}
			if tc.balanced {
				total := 0
				for _, n := range per {
					total += n
				}
				for i, n := range per {
					if n*tc.n < total*3/4 || n*tc.n > total*5/4 {
						t.Errorf("shard %d holds %d of %d versions: not within a quarter of an even share", i, n, total)
					}
				}
			}
		})
	}
}

// TestEngine_ShardsJoinToTheUnshardedManifest purges 4 shards concurrently
// (each its own checkpoint and parts), seals them together, and compares
// with an unsharded purge of an identical copy: the same manifest, byte for
// byte, and neighbours untouched.
func TestEngine_ShardsJoinToTheUnshardedManifest(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	whole := treeFake(1200, 40)
	want, wantCounts := expectedLines(whole, prefix)
	f := treeFake(1200, 40)
	before := neighbours(f, prefix)
	store := &memStore{}
	e := &purge.Engine{S3: f, Options: fastOptions()}
	shards, err := e.PlanShards(context.Background(), fakeJob(prefix), 4)
	if err != nil || len(shards) != 4 {
		t.Fatalf("plan: %v %+v", err, shards)
	}
	results := make([]purge.Result, len(shards))
	var wg sync.WaitGroup
	for i, sh := range shards {
		wg.Go(func() {
			job := fakeJob(prefix)
			job.PurgeID, job.Shard = "p1", &sh
			se := &purge.Engine{S3: f, Evidence: store, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: fastOptions()}
			res, err := se.Apply(context.Background(), job, nil)
			if err != nil || res.Status != purge.StatusPurged {
				t.Errorf("shard %s: %s %v", sh.Name, res.Status, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	var idx []purge.Indexed
	var counts purge.Counts
	for _, r := range results {
		idx = append(idx, purge.Indexed{Layout: r.Layout, Segments: r.Index.Segments})
		counts.Objects += r.Counts.Objects
		counts.Versions += r.Counts.Versions
		counts.DeleteMarkers += r.Counts.DeleteMarkers
		counts.Bytes += r.Counts.Bytes
	}
	sealed, err := purge.Seal(context.Background(), store, idx)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.readManifest(t, sealed.IndexKey); !bytes.Equal(got, want) || sealed.SHA256 != purge.ManifestDigest(want) {
		t.Errorf("joined manifest differs from the unsharded one (%d vs %d bytes)", len(got), len(want))
	}
	if counts != wantCounts {
		t.Errorf("counts %+v, want %+v", counts, wantCounts)
	}
	for _, v := range f.live() {
		if strings.HasPrefix(v.key, prefix) {
			t.Errorf("%s left", v.key)
		}
	}
	if after := neighbours(f, prefix); len(after) != len(before) {
		t.Errorf("neighbours changed")
	}
}
