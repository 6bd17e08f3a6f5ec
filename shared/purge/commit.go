package purge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/pledge-dev/pledge/shared/evidence"
)

// MaxFailures bounds the failures a Result lists; FailedCount counts all.
const MaxFailures = 100

// commit records a finished page, in listing order: its manifest lines
// (stored already, in the page's part), its index entry, counts, deletion
// times and markers; then it saves the checkpoint. A page with versions
// that have no outcome (the run halted) is not committed, and neither is
// any page after it: its part stays beyond the checkpoint, and the next
// attempt replays it.
func (r *run) commit(ctx context.Context, p *page) error {
	if r.frozen {
		return nil
	}
	var keep []byte // the deleted versions' lines, when not all went
	all := true
	for i := range p.entries {
		en := &p.entries[i]
		switch en.state {
		case deleted, locked, failed:
		default:
			r.frozen = true
			return nil
		}
		if en.state != deleted {
			all = false
		}
	}
	for i := range p.entries {
		en := &p.entries[i]
		switch en.state {
		case deleted:
			start := 0
			if i > 0 {
				start = p.ends[i-1]
			}
			if !all {
				keep = append(keep, p.lines[start:p.ends[i]]...)
			}
			if Key(en.key) != r.st.LastKey {
				r.st.Counts.Objects++
				r.st.LastKey = Key(en.key)
			}
			if en.marker {
				r.st.Counts.DeleteMarkers++
			} else {
				r.st.Counts.Versions++
				r.st.Counts.Bytes += en.size
			}
			if r.st.FirstDeletion.IsZero() || en.at.Before(r.st.FirstDeletion) {
				r.st.FirstDeletion = en.at
			}
			if en.at.After(r.st.LastDeletion) {
				r.st.LastDeletion = en.at
			}
		case locked:
			r.st.Locked++
		case failed:
			r.failedCount++
			if len(r.failures) < MaxFailures {
				r.failures = append(r.failures, Failure{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Code: en.code, Message: en.message, Attempts: en.attempts})
			}
		}
	}
	if len(p.entries) > 0 {
		if all {
			r.addIndex(IndexEntry{Key: p.key, Lines: int64(len(p.entries)), SHA256: p.sum})
			r.hash.write(p.lines)
		} else if err := r.correct(ctx, p, keep); err != nil {
			return err
		}
	}
	switch {
	case p.last:
		r.st.Location++
		r.st.KeyMarker, r.st.LastKey = "", ""
	case p.resumeKey != "":
		r.st.KeyMarker = Key(p.resumeKey)
	}
	if p.replayed {
		r.st.Replay.Next = p.seq + 1
		if r.st.Replay.Next > r.st.Replay.Last {
			r.st.Replay = nil
		}
	} else if p.seq > 0 {
		r.st.Parts = p.seq
	}
	if err := r.checkpoint(ctx); err != nil {
		return err
	}
	return r.flushIndex(ctx, false)
}

// correct commits a page whose versions were not all deleted: its part is
// superseded by a correction part holding the deleted versions' lines
// only. A replayed page's correction may already have been written by an
// attempt that replayed it before and was stopped: identical, it is
// adopted; otherwise it is listed as superseded (or fenced, when absent).
func (r *run) correct(ctx context.Context, p *page, keep []byte) error {
	n := int64(bytes.Count(keep, []byte("\n")))
	var entries []IndexEntry
	var gz []byte
	if n > 0 {
		var err error
		if gz, err = gzipLines(keep); err != nil {
			return err
		}
	}
	adopted := ""
	if p.replayed {
		for _, by := range append([]string{p.attempt}, r.st.Replay.By...) {
			key := r.layout.Correction(p.attempt, p.seq, by)
			b, err := r.e.Evidence.GetObject(ctx, key)
			switch {
			case errors.Is(err, evidence.ErrNotFound):
				if err := r.e.Evidence.PutObject(ctx, key, "application/gzip", fence()); err != nil && !errors.Is(err, evidence.ErrExists) {
					return fmt.Errorf("purge tenant %s: fence %s: %w", r.job.TenantID, key, err)
				}
				entries = append(entries, IndexEntry{Key: key, SHA256: fenceSum, Superseded: SupersededFence})
			case err != nil:
				return fmt.Errorf("purge tenant %s: look for correction %s: %w", r.job.TenantID, key, err)
			case adopted == "" && n > 0 && bytes.Equal(b, gz):
				adopted = key
			default:
				lines, _ := gunzipLines(b)
				sum := sha256.Sum256(lines)
				entries = append(entries, IndexEntry{Key: key, Lines: int64(bytes.Count(lines, []byte("\n"))), SHA256: hex.EncodeToString(sum[:]), Superseded: SupersededStale})
			}
		}
	}
	why := SupersededNoneDeleted
	var tail []IndexEntry
	if n > 0 {
		key := adopted
		if key == "" {
			key = r.layout.Correction(p.attempt, p.seq, r.st.Attempt)
			if err := putOnce(ctx, r.e.Evidence, key, "application/gzip", gz); err != nil {
				return fmt.Errorf("purge tenant %s: write correction part: %w", r.job.TenantID, err)
			}
		}
		why = SupersededReplaced
		sum := sha256.Sum256(keep)
		tail = append(tail, IndexEntry{Key: key, Lines: n, SHA256: hex.EncodeToString(sum[:])})
	}
	r.addIndex(IndexEntry{Key: p.key, Lines: int64(len(p.entries)), SHA256: p.sum, Superseded: why})
	for _, e := range append(entries, tail...) {
		r.addIndex(e)
	}
	r.hash.write(keep)
	return nil
}
