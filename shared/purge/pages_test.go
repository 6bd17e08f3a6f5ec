package purge_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purge"
)

func FuzzDecodeCheckpoint(f *testing.F) {
	good, _ := purge.Checkpoint{Version: purge.CheckpointVersion, TenantID: "t", PurgeID: "p1", Attempt: "a1", Parts: 3, Replay: &purge.Replay{Attempt: "a0", Next: 2, Last: 4, By: []string{"a9"}},
		Locations: []purge.Location{{"b", "p/"}}, Shard: &purge.Shard{Name: "s1", After: "p/a", Upto: "p/m"}, StartedAt: time.Unix(1, 0), Phase: purge.PhaseDeleting, KeyMarker: "p/a\x01",
		Index: purge.IndexState{Segments: 1, Parts: 32, Lines: 90, Pending: []purge.IndexEntry{{Key: "k", Lines: 3, SHA256: strings.Repeat("0", 64)}}}}.Encode()
	f.Add(good)
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":2,"tenant_id":"t","purge_id":"p","locations":[{"bucket":"b","prefix":"p/"}],"started_at":"2026-01-01T00:00:00Z","phase":"deleting","hash_state":"AAAA","index":{"segments":0,"parts":0,"lines":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := purge.DecodeCheckpoint(b)
		if err != nil {
			return
		}
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("decoded checkpoint does not encode: %v", err)
		}
		if _, err := purge.DecodeCheckpoint(again); err != nil {
			t.Fatalf("re-encoded checkpoint does not decode: %v", err)
		}
	})
}

// TestEngine_ThousandsOfPagesStayBounded purges more than 5,000 pages (one
// version a page) and checks that the checkpoint never grows with them,
// and that the sealed manifest is exact.
func TestEngine_ThousandsOfPagesStayBounded(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	f := seedFake(2500)
	want, wantCounts := expectedLines(f, prefix)
	store := &memStore{}
	sizes := &memCheckpointer{}
	largest := 0
	sizes.onSave = func(int) { largest = max(largest, len(sizes.last)) }
	opt := fastOptions()
	opt.PageSize, opt.BatchSize = 1, 1
	e := &purge.Engine{S3: f, Evidence: store, Checkpointer: sizes, Recheck: func(context.Context) error { return nil }, Options: opt}
	res, err := e.Apply(context.Background(), fakeJob(prefix), nil)
	if err != nil || res.Status != purge.StatusPurged {
		t.Fatalf("%s %v", res.Status, err)
	}
	pages := int(res.Counts.Versions + res.Counts.DeleteMarkers)
	if pages < 5000 {
		t.Fatalf("only %d pages", pages)
	}
	if res.Index.Parts != int64(pages) || res.Index.Segments != (pages+purge.IndexSegmentParts-1)/purge.IndexSegmentParts {
		t.Errorf("index: %+v for %d pages", res.Index, pages)
	}
	if got := store.sealed(t, res); !bytes.Equal(got, want) || res.Counts != wantCounts {
		t.Errorf("manifest of %d bytes, counts %+v; want %d bytes, %+v", len(got), res.Counts, len(want), wantCounts)
	}
	// The checkpoint holds at most a segment's worth of index entries,
	// whatever the number of pages.
	if largest > 8<<10 {
		t.Errorf("largest checkpoint %d bytes after %d pages, want at most 8 KiB", largest, pages)
	}
	t.Logf("%d pages, %d checkpoints, largest %d bytes, %d index segments", pages, sizes.saves, largest, res.Index.Segments)
}

// TestEngine_DeletionTimesFollowTheInjectedClock: deletion times come from
// the engine's clock (the purger's, which also dates the certificate), so
// a certificate never shows deletions after its issue time; the deadline
// is measured on the same clock.
func TestEngine_DeletionTimesFollowTheInjectedClock(t *testing.T) {
	clk := &clock{}
	then := time.Date(2030, 4, 1, 9, 0, 0, 0, time.UTC)
	clk.jumpTo(then)
	e := &purge.Engine{S3: seedFake(50), Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Now: clk.Now, Options: fastOptions()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := e.Apply(ctx, fakeJob("tenants/tenant-1/"), nil)
	if err != nil || res.Status != purge.StatusPurged {
		t.Fatalf("%s %v (the deadline must be measured on the injected clock too)", res.Status, err)
	}
	if res.FirstDeletion.Before(then) || res.LastDeletion.After(clk.Now()) || res.FirstDeletion.Year() != 2030 {
		t.Errorf("deletion times %s..%s, want on the injected clock from %s", res.FirstDeletion, res.LastDeletion, then)
	}
}
