package purge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// CheckpointVersion is the version of the checkpoint format this package
// writes and reads.
const CheckpointVersion = 1

// Phases of a purge, as recorded in its checkpoint.
const (
	PhaseDeleting  = "deleting"
	PhaseVerifying = "verifying"
	PhaseDone      = "done"
)

// Checkpoint is the serialisable state of a purge: enough for a fresh
// invocation to carry on where the last one stopped.
type Checkpoint struct {
	Version  int    `json:"version"`
	TenantID string `json:"tenant_id"`
	// Locations are the job's locations; a resume with other locations is
	// refused.
	Locations []Location `json:"locations"`
	// StartedAt is when the first invocation started; it names the
	// manifest's keys.
	StartedAt time.Time `json:"started_at"`
	// Invocation counts the Apply calls that worked on this purge.
	Invocation int    `json:"invocation"`
	Phase      string `json:"phase"`
	// Location is the index of the location being purged; its listing
	// resumes after KeyMarker. There is no version-id marker: it would
	// name a version this purge has deleted, which S3 stand-ins do not
	// resolve reliably. Every key up to KeyMarker is done, and the
	// versions of later keys that were already deleted are gone, so a
	// listing of the keys after KeyMarker is exactly the work left.
	Location  int    `json:"location"`
	KeyMarker string `json:"key_marker,omitempty"`
	// LastKey is the last deleted key, for counting distinct keys across
	// pages and invocations.
	LastKey       string    `json:"last_key,omitempty"`
	Counts        Counts    `json:"counts"`
	FirstDeletion time.Time `json:"first_deletion,omitzero"`
	LastDeletion  time.Time `json:"last_deletion,omitzero"`
	// HashState is crypto/sha256's marshalled state over every manifest
	// line written so far.
	HashState []byte `json:"hash_state,omitempty"`
	// ManifestKeys are the evidence keys of the manifest parts written so
	// far, in order.
	ManifestKeys []string  `json:"manifest_keys,omitempty"`
	Locked       []Locked  `json:"locked,omitempty"`
	Failed       []Failure `json:"failed,omitempty"`
}

// Encode returns the checkpoint as JSON.
func (c Checkpoint) Encode() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode purge checkpoint for tenant %s: %w", c.TenantID, err)
	}
	return b, nil
}

// DecodeCheckpoint parses a checkpoint written by Encode, rejecting
// unknown fields, another format version and inconsistent state.
func DecodeCheckpoint(b []byte) (Checkpoint, error) {
	var c Checkpoint
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
	case len(c.Locations) == 0:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: no locations")
	case c.Phase != PhaseDeleting && c.Phase != PhaseVerifying && c.Phase != PhaseDone:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: unknown phase %q", c.Phase)
	case c.Location < 0 || c.Location > len(c.Locations):
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: location index %d out of range 0-%d", c.Location, len(c.Locations))
	case c.Counts.Objects < 0 || c.Counts.Versions < 0 || c.Counts.DeleteMarkers < 0 || c.Counts.Bytes < 0:
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: negative counts %+v", c.Counts)
	case c.StartedAt.IsZero():
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: no start time")
	}
	if _, err := newManifest(c.HashState); err != nil {
		return Checkpoint{}, fmt.Errorf("decode purge checkpoint: %w", err)
	}
	return c, nil
}

// checkpoint writes the manifest part in progress, if any, then saves the
// state that covers it.
func (r *run) checkpoint(ctx context.Context) error {
	part, err := r.man.take()
	if err != nil {
		return err
	}
	if part != nil {
		key := fmt.Sprintf("%s/%s/%s/part-%06d-i%d.jsonl.gz", r.opt.ManifestPrefix, r.job.TenantID, r.st.StartedAt.UTC().Format("20060102T150405.000Z"), len(r.st.ManifestKeys)+1, r.st.Invocation)
		if err := r.e.Evidence.PutObject(ctx, key, "application/gzip", part); err != nil {
			return fmt.Errorf("purge tenant %s: write manifest part: %w", r.job.TenantID, err)
		}
		r.st.ManifestKeys = append(r.st.ManifestKeys, key)
	}
	if r.st.HashState, err = r.man.hashState(); err != nil {
		return err
	}
	blob, err := r.st.Encode()
	if err != nil {
		return err
	}
	if err := r.e.Checkpointer.Save(ctx, blob); err != nil {
		return fmt.Errorf("purge tenant %s: save checkpoint: %w", r.job.TenantID, err)
	}
	r.pagesSincePart = 0
	return nil
}
