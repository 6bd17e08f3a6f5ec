package purge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pledge-dev/pledge/shared/evidence"
)

// IndexSegmentParts is how many index entries one segment holds; at most
// this many (and what one commit adds, MaxPending) wait in the checkpoint.
const IndexSegmentParts = 16

// IndexEntry is one stored manifest part, one JSON line of the index.
type IndexEntry struct {
	// Key is the part's evidence key.
	Key string `json:"key"`
	// Lines counts its manifest lines; SHA256 is the hex SHA-256 of its
	// uncompressed lines.
	Lines  int64  `json:"lines"`
	SHA256 string `json:"sha256"`
	// Superseded, when set, says why the part is not part of the
	// manifest: one of the Superseded* codes.
	Superseded string `json:"superseded,omitempty"`
}

// Why an index entry is not part of the manifest.
const (
	// SupersededReplaced: a page part whose versions were not all deleted
	// (locked or failed); the entry after it holds the lines of those that
	// were.
	SupersededReplaced = "replaced"
	// SupersededNoneDeleted: a page part none of whose versions was
	// deleted (the certificate lists what Object Lock retained).
	SupersededNoneDeleted = "none-deleted"
	// SupersededFence: an empty part stored under a name a stopped attempt
	// was writing, so that its write cannot land later unnoticed.
	SupersededFence = "fence"
	// SupersededStale: a correction a stopped attempt wrote for a page that
	// a later attempt committed with its own outcome.
	SupersededStale = "stale-correction"
)

// IndexState is a purge's (or shard's) index so far: segments written to
// the evidence bucket and the entries not yet written.
type IndexState struct {
	Segments int   `json:"segments"`
	Parts    int64 `json:"parts"`
	// Lines counts the manifest lines of the entries written or pending,
	// superseded ones excepted.
	Lines   int64        `json:"lines"`
	Pending []IndexEntry `json:"pending,omitempty"`
}

func appendIndexLine(b []byte, e IndexEntry) []byte {
	j, _ := json.Marshal(e) // strings and integers only
	return append(append(b, j...), '\n')
}

// ErrEvidenceConflict reports an evidence key that already holds other
// content than the engine is about to write there.
var ErrEvidenceConflict = errors.New("evidence key already holds other content")

// putOnce writes body under key, write-once. A key that already holds
// exactly body (written by an attempt that was stopped before it could
// record it) is fine; one that holds anything else is ErrEvidenceConflict.
func putOnce(ctx context.Context, store EvidenceStore, key, contentType string, body []byte) error {
	err := store.PutObject(ctx, key, contentType, body)
	if !errors.Is(err, evidence.ErrExists) {
		return err
	}
	got, gerr := store.GetObject(ctx, key)
	if gerr != nil {
		return fmt.Errorf("%w; reading it back: %w", err, gerr)
	}
	if !bytes.Equal(got, body) {
		return fmt.Errorf("%s: %w", key, ErrEvidenceConflict)
	}
	return nil
}

func (r *run) addIndex(e IndexEntry) {
	r.st.Index.Pending = append(r.st.Index.Pending, e)
	if e.Superseded == "" {
		r.st.Index.Lines += e.Lines
	}
}

// flushIndex writes the pending entries as the next segment when there
// are IndexSegmentParts of them (or any, with force), then saves the
// checkpoint. The checkpoint saved before holds the same entries, so a
// retry after a kill writes the same bytes under the same key.
func (r *run) flushIndex(ctx context.Context, force bool) error {
	n := len(r.st.Index.Pending)
	if n == 0 || (!force && n < IndexSegmentParts) {
		return nil
	}
	var body []byte
	for _, e := range r.st.Index.Pending {
		body = appendIndexLine(body, e)
	}
	key := r.layout.Segment(r.st.Index.Segments + 1)
	if err := putOnce(ctx, r.e.Evidence, key, "application/x-ndjson", body); err != nil {
		return fmt.Errorf("purge tenant %s: write index segment: %w", r.job.TenantID, err)
	}
	r.st.Index.Segments++
	r.st.Index.Parts += int64(n)
	r.st.Index.Pending = nil
	return r.checkpoint(ctx)
}
