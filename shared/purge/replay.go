package purge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pledge-dev/pledge/shared/evidence"
)

// fence is what the engine stores under a part name that a stopped
// attempt may still have a write in flight for: an empty gzip member, so
// the late write fails (write-once) instead of landing unnoticed. Made on
// first use: a gzip writer at init costs every cold start about 1 MB.
var fence = sync.OnceValue(func() []byte { b, _ := gzipLines(nil); return b })

var fenceSum = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

// findOrphans looks for the page parts the previous attempt wrote ahead
// but did not commit (it was killed, or stopped before they finished):
// its parts after the last committed one, up to the first name not
// stored, which is then fenced. They are replayed before anything new is
// listed. Parts are written one at a time, so there is nothing after that
// name.
func (r *run) findOrphans(ctx context.Context) error {
	st := &r.st
	if st.Replay != nil {
		// The previous attempt was replaying and wrote no page parts of
		// its own; it may have written corrections.
		if st.Attempt != "" && st.Attempt != st.Replay.Attempt && !slices.Contains(st.Replay.By, st.Attempt) {
			st.Replay.By = append(st.Replay.By, st.Attempt)
			if len(st.Replay.By) > MaxReplayers {
				st.Replay.By = st.Replay.By[1:]
			}
		}
		return nil
	}
	if st.Attempt == "" {
		return nil
	}
	last := st.Parts
	for seq := st.Parts + 1; ; seq++ {
		key := r.layout.Part(st.Attempt, seq)
		b, err := r.e.Evidence.GetObject(ctx, key)
		if err == nil && !bytes.Equal(b, fence()) {
			last = seq
			continue
		}
		if err != nil && !errors.Is(err, evidence.ErrNotFound) {
			return fmt.Errorf("purge tenant %s: look for parts attempt %s wrote ahead: %w", r.job.TenantID, st.Attempt, err)
		}
		if err != nil {
			err = r.e.Evidence.PutObject(ctx, key, "application/gzip", fence())
			if errors.Is(err, evidence.ErrExists) {
				// The stopped attempt's write landed just now: it is
				// one more part. Look again.
				seq--
				continue
			}
			if err != nil {
				return fmt.Errorf("purge tenant %s: fence %s: %w", r.job.TenantID, key, err)
			}
		}
		r.addIndex(IndexEntry{Key: key, SHA256: fenceSum, Superseded: SupersededFence})
		break
	}
	if last > st.Parts {
		st.Replay = &Replay{Attempt: st.Attempt, Next: st.Parts + 1, Last: last}
		r.logger().Warn("replaying the parts a stopped attempt wrote ahead", "stopped_attempt", st.Attempt, "parts", last-st.Parts)
	}
	return nil
}

// replay works through the stopped attempt's parts, page by page, as they
// were written: their versions are deleted (again: S3 deletes are
// idempotent) and their lines committed in the same order, so the
// manifest is the one an uninterrupted purge writes.
func (r *run) replay(ctx context.Context) {
	rp := r.st.Replay
	loc := r.job.Locations[r.st.Location]
	pl := r.startPipeline(ctx)
	for seq := rp.Next; seq <= rp.Last; seq++ {
		if r.haltError() != nil || !pl.admit() {
			break
		}
		p, err := r.loadPart(ctx, loc, rp.Attempt, seq)
		if err != nil {
			pl.release()
			r.halt(err)
			break
		}
		pl.send(p)
	}
	pl.finish()
}

// loadPart reads a stored page part back into a page, checking every line
// against the location (and shard) as a listing is checked.
func (r *run) loadPart(ctx context.Context, loc Location, attempt string, seq int) (*page, error) {
	key := r.layout.Part(attempt, seq)
	gz, err := r.e.Evidence.GetObject(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("purge tenant %s: read part %s to replay it: %w", r.job.TenantID, key, err)
	}
	lines, err := gunzipLines(gz)
	if err != nil {
		return nil, fmt.Errorf("purge tenant %s: part %s: %w", r.job.TenantID, key, err)
	}
	ls, err := parseLines(lines)
	if err != nil {
		return nil, fmt.Errorf("purge tenant %s: part %s: %w", r.job.TenantID, key, err)
	}
	p := &page{bucket: loc.Bucket, prefix: loc.Prefix, attempt: attempt, seq: seq, key: key, replayed: true, lines: lines, done: make(chan struct{})}
	for _, l := range ls {
		if l.Bucket != loc.Bucket || !strings.HasPrefix(l.Key, loc.Prefix) {
			return nil, fmt.Errorf("purge tenant %s: part %s: %w: it names s3://%s/%s, outside %s", r.job.TenantID, key, ErrOutsidePrefix, l.Bucket, l.Key, loc)
		}
		if sh := r.job.Shard; sh != nil && !sh.Contains(l.Key) {
			return nil, fmt.Errorf("purge tenant %s: part %s: %w: %q is outside shard %s", r.job.TenantID, key, ErrOutsideShard, l.Key, sh.Name)
		}
		var mod time.Time
		if l.LastModified != "" {
			if mod, err = time.Parse(time.RFC3339Nano, l.LastModified); err != nil {
				return nil, fmt.Errorf("purge tenant %s: part %s: last_modified %q: %w", r.job.TenantID, key, l.LastModified, err)
			}
		}
		p.entries = append(p.entries, entry{key: l.Key, versionID: l.VersionID, marker: l.IsDeleteMarker, size: l.Size, modified: mod})
	}
	p.ends = make([]int, 0, len(p.entries))
	for i, b := range lines {
		if b == '\n' {
			p.ends = append(p.ends, i+1)
		}
	}
	s := sha256.Sum256(lines)
	p.sum = hex.EncodeToString(s[:])
	p.setResumeKey()
	return p, nil
}
