package purge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// CheckpointVersion is the version of the checkpoint format this package
// writes and reads.
const CheckpointVersion = 2

// MaxCheckpointBytes bounds an encoded checkpoint, whatever the tenant's
// size: the manifest and its index live in the evidence bucket, and the
// checkpoint holds only markers, counts, the hash state and the index
// entries not yet written as a segment.
const MaxCheckpointBytes = 16 << 10

// Phases of a purge, as recorded in its checkpoint.
const (
	PhaseDeleting  = "deleting"
	PhaseVerifying = "verifying"
	PhaseDone      = "done"
)

// Key is an S3 key in a checkpoint. It is stored as base64, so that a key
// of control characters or markup (which JSON escapes to six bytes each)
// cannot push a checkpoint past MaxCheckpointBytes.
type Key string

// MarshalJSON writes the key's bytes as base64.
func (k Key) MarshalJSON() ([]byte, error) { return json.Marshal([]byte(k)) }

// UnmarshalJSON reads a key written by MarshalJSON.
func (k *Key) UnmarshalJSON(b []byte) error {
	var v []byte
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("checkpoint key: %w", err)
	}
	*k = Key(v)
	return nil
}

// Replay is a killed attempt's page parts that were written ahead but not
// committed: the next attempt works through them again, page by page,
// before it lists anything new.
type Replay struct {
	// Attempt wrote parts Next to Last (inclusive).
	Attempt string `json:"attempt"`
	Next    int    `json:"next"`
	Last    int    `json:"last"`
	// By are the attempts that replayed these parts before and were
	// themselves stopped; their correction parts are looked for.
	By []string `json:"by,omitempty"`
}

// MaxReplayers bounds Replay.By.
const MaxReplayers = 8

// Checkpoint is the serialisable state of a purge (or of one shard of it):
// enough for a fresh invocation to carry on where the last one stopped. Its
// size is bounded (MaxCheckpointBytes) at any tenant size.
type Checkpoint struct {
	Version  int    `json:"version"`
	TenantID string `json:"tenant_id"`
	PurgeID  string `json:"purge_id"`
	// Locations and Shard are the job's; a resume with others is refused.
	Locations []Location `json:"locations"`
	Shard     *Shard     `json:"shard,omitempty"`
	// StartedAt is when the first invocation started.
	StartedAt time.Time `json:"started_at"`
	// Invocation counts the Apply calls that worked on this purge.
	Invocation int `json:"invocation"`
	// Attempt is the id of the Apply call that writes page parts now; it
	// is saved before that call writes its first part. Parts counts its
	// parts whose pages are committed: parts it wrote beyond that were
	// written ahead of deletes that may or may not have happened.
	Attempt string  `json:"attempt"`
	Parts   int     `json:"parts"`
	Replay  *Replay `json:"replay,omitempty"`
	Phase   string  `json:"phase"`
	// Location is the index of the location being purged; its listing
	// resumes after KeyMarker. There is no version-id marker: it would
	// name a version this purge has deleted. Every key up to KeyMarker is
	// done, and the versions of later keys that were already deleted are
	// gone, so a listing of the keys after KeyMarker is the work left.
	Location  int `json:"location"`
	KeyMarker Key `json:"key_marker,omitempty"`
	// LastKey is the last deleted key, for counting distinct keys across
	// pages and invocations.
	LastKey       Key       `json:"last_key,omitempty"`
	Counts        Counts    `json:"counts"`
	FirstDeletion time.Time `json:"first_deletion,omitzero"`
	LastDeletion  time.Time `json:"last_deletion,omitzero"`
	// HashState is crypto/sha256's marshalled state over every committed
	// manifest line. Lines are committed only once the part holding them
	// is stored, so the state never covers a line that is not.
	HashState []byte `json:"hash_state,omitempty"`
	// Index is the manifest index so far.
	Index IndexState `json:"index"`
	// Locked counts versions found locked while deleting (the final
	// verification checks them again).
	Locked int64 `json:"locked,omitempty"`
}

// Layout returns the checkpoint's evidence layout under prefix.
func (c Checkpoint) Layout(prefix string) Layout {
	l := Layout{Prefix: prefix, TenantID: c.TenantID, PurgeID: c.PurgeID}
	if c.Shard != nil {
		l.Shard = c.Shard.Name
	}
	return l
}

// Encode returns the checkpoint as JSON, or an error when it is larger than
// MaxCheckpointBytes.
func (c Checkpoint) Encode() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode purge checkpoint for tenant %s: %w", c.TenantID, err)
	}
	if len(b) > MaxCheckpointBytes {
		return nil, fmt.Errorf("encode purge checkpoint for tenant %s: %d bytes, more than %d", c.TenantID, len(b), MaxCheckpointBytes)
	}
	return b, nil
}

// DecodeCheckpoint parses a checkpoint written by Encode, rejecting
// unknown fields, another format version and inconsistent state.
func DecodeCheckpoint(b []byte) (Checkpoint, error) {
	var c Checkpoint
	if len(b) > MaxCheckpointBytes {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %d bytes, more than %d", len(b), MaxCheckpointBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %w", err)
	}
	if dec.More() {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: more than one JSON value")
	}
	switch {
	case c.Version != CheckpointVersion:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: version %d, want %d", c.Version, CheckpointVersion)
	case c.TenantID == "":
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: no tenant id")
	case validName("purge id", c.PurgeID) != nil:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %v", validName("purge id", c.PurgeID))
	case c.Attempt != "" && validName("attempt", c.Attempt) != nil:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %v", validName("attempt", c.Attempt))
	case len(c.Locations) == 0:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: no locations")
	case c.Phase != PhaseDeleting && c.Phase != PhaseVerifying && c.Phase != PhaseDone:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: unknown phase %q", c.Phase)
	case c.Location < 0 || c.Location > len(c.Locations):
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: location index %d out of range 0-%d", c.Location, len(c.Locations))
	case c.Counts.Objects < 0 || c.Counts.Versions < 0 || c.Counts.DeleteMarkers < 0 || c.Counts.Bytes < 0 || c.Locked < 0:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: negative counts %+v", c.Counts)
	case c.Parts < 0 || c.Index.Segments < 0 || c.Index.Parts < 0 || c.Index.Lines < 0 || len(c.Index.Pending) > IndexSegmentParts:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: index state %d segments, %d parts, %d pending out of range", c.Index.Segments, c.Index.Parts, len(c.Index.Pending))
	case c.StartedAt.IsZero():
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: no start time")
	}
	if r := c.Replay; r != nil && (validName("attempt", r.Attempt) != nil || r.Next < 1 || r.Last < r.Next-1 || len(r.By) > MaxReplayers) {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: replay %+v out of range", *r)
	}
	if c.Shard != nil {
		if err := c.Shard.validate(c.Locations); err != nil {
			return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %w", err)
		}
	}
	if _, err := newHasher(c.HashState); err != nil {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %w", err)
	}
	return c, nil
}

// checkpoint saves the state: the committed pages, their manifest lines
// (already stored) and the index entries.
func (r *run) checkpoint(ctx context.Context) error {
	var err error
	if r.st.HashState, err = r.hash.state(); err != nil {
		return err
	}
	blob, err := r.st.Encode()
	if err != nil {
		return err
	}
	if err := r.e.Checkpointer.Save(ctx, blob); err != nil {
		return fmt.Errorf("purge tenant %s: save checkpoint: %w", r.job.TenantID, err)
	}
	r.saved = slices.Clone(blob)
	return nil
}
