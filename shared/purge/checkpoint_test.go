package purge_test

import (
	"crypto/sha256"
	"encoding"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purge"
)

// TestCheckpoint_BoundedAtWorst fills every field of a checkpoint to its
// largest (S3's 1,024-byte keys of characters JSON escapes six-fold, the
// longest tenant id, the most pending index entries with the longest part
// names, the most replayers, the largest counts) and checks it still fits
// MaxCheckpointBytes: the bound holds at any tenant size and key shape.
func TestCheckpoint_BoundedAtWorst(t *testing.T) {
	tenant := strings.Repeat("t", 63)
	prefix := "tenants/" + tenant + "/"
	key := func(c string) purge.Key { return purge.Key(prefix + strings.Repeat(c, 1024-len(prefix))) }
	attempt := "a0123456789ab"
	l := purge.Layout{Prefix: "deletion-manifest", TenantID: tenant, PurgeID: purge.PurgeIDAt(time.Now()), Shard: purge.ShardName(9, 64, 64)}
	var pending []purge.IndexEntry
	for range purge.MaxPending {
		pending = append(pending, purge.IndexEntry{Key: l.Correction(attempt, 999999, attempt), Lines: 1000, SHA256: strings.Repeat("f", 64), Superseded: purge.SupersededStale})
	}
	var by []string
	for range purge.MaxReplayers {
		by = append(by, attempt)
	}
	loc := purge.Location{Bucket: strings.Repeat("b", 63), Prefix: prefix}
	c := purge.Checkpoint{
		Version: purge.CheckpointVersion, TenantID: tenant, PurgeID: l.PurgeID, Locations: []purge.Location{loc},
		Shard:     &purge.Shard{Name: l.Shard, After: key("\x01"), Upto: key("<")},
		StartedAt: time.Now(), Invocation: math.MaxInt32, Attempt: attempt, Parts: 999999,
		Replay: &purge.Replay{Attempt: attempt, Next: 999990, Last: 999999, By: by},
		Phase:  purge.PhaseDeleting, Location: 0, KeyMarker: key("\x02"), LastKey: key("&"),
		Counts:        purge.Counts{Objects: math.MaxInt64, Versions: math.MaxInt64, DeleteMarkers: math.MaxInt64, Bytes: math.MaxInt64},
		FirstDeletion: time.Now(), LastDeletion: time.Now(), HashState: hashState(t),
		Index:  purge.IndexState{Segments: math.MaxInt32, Parts: math.MaxInt64, Lines: math.MaxInt64, Pending: pending},
		Locked: math.MaxInt64,
	}
	b, err := c.Encode()
	if err != nil {
		t.Fatalf("the largest checkpoint does not encode: %v", err)
	}
	t.Logf("largest checkpoint: %d bytes of %d", len(b), purge.MaxCheckpointBytes)
	if _, err := purge.DecodeCheckpoint(b); err != nil {
		t.Errorf("it does not decode: %v", err)
	}
	// One entry more than a checkpoint may hold is refused.
	c.Index.Pending = append(c.Index.Pending, pending[0])
	if b, err := c.Encode(); err == nil {
		if _, err := purge.DecodeCheckpoint(b); err == nil {
			t.Errorf("a checkpoint with %d pending entries decodes", len(c.Index.Pending))
		}
	}
}

func hashState(t *testing.T) []byte {
	h := sha256.New()
	h.Write([]byte("some lines\n"))
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
