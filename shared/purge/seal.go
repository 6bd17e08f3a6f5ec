package purge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Indexed is one purge's (or shard's) index as Seal reads it: its layout
// and how many segments it wrote (Result.Layout and Result.Index).
type Indexed struct {
	Layout   Layout
	Segments int
}

// Sealed is a purge's manifest as its certificate states it.
type Sealed struct {
	// IndexKey and IndexSHA256 name the index object and its digest.
	IndexKey    string `json:"index_key"`
	IndexSHA256 string `json:"index_sha256"`
	// SHA256 is the digest of every manifest line, re-read from the
	// stored parts in order; Lines counts them, Parts counts the parts.
	SHA256 string `json:"sha256"`
	Lines  int64  `json:"lines"`
	Parts  int64  `json:"parts"`
	// Superseded counts the index entries that are not manifest parts.
	Superseded int64 `json:"superseded"`
}

// SealWindow is how many parts Seal reads ahead.
const SealWindow = 16

// Seal joins the index segments of one purge's shards (in key order; one
// for an unsharded purge) into the purge's index object, write-once at
// Layout.Index, and re-reads every manifest part it lists to compute the
// manifest digest from what is stored: each part must hash to its entry's
// SHA-256 and hold its entry's line count. Sealing again writes the same
// index (the segments are write-once), so a retry after a kill is safe.
func Seal(ctx context.Context, store EvidenceStore, shards []Indexed) (Sealed, error) {
	if len(shards) == 0 {
		return Sealed{}, fmt.Errorf("seal manifest: no shards")
	}
	base := shards[0].Layout
	var index []byte
	var entries []IndexEntry
	for _, sh := range shards {
		if sh.Layout.Prefix != base.Prefix || sh.Layout.TenantID != base.TenantID || sh.Layout.PurgeID != base.PurgeID {
			return Sealed{}, fmt.Errorf("seal manifest: shard %q belongs to another purge", sh.Layout.Shard)
		}
		for n := 1; n <= sh.Segments; n++ {
			key := sh.Layout.Segment(n)
			b, err := store.GetObject(ctx, key)
			if err != nil {
				return Sealed{}, fmt.Errorf("seal manifest of tenant %s: read index segment: %w", base.TenantID, err)
			}
			es, err := parseIndex(b)
			if err != nil {
				return Sealed{}, fmt.Errorf("seal manifest of tenant %s: index segment %s: %w", base.TenantID, key, err)
			}
			entries = append(entries, es...)
			index = append(index, b...)
		}
	}
	s := Sealed{IndexKey: base.Index()}
	sum := sha256.Sum256(index)
	s.IndexSHA256 = hex.EncodeToString(sum[:])
	var parts []IndexEntry
	for _, e := range entries {
		if e.Superseded != "" {
			s.Superseded++
			continue
		}
		parts = append(parts, e)
	}
	h := sha256.New()
	type fetched struct {
		lines []byte
		err   error
	}
	queue := make(chan chan fetched, SealWindow)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(queue)
		for _, e := range parts {
			ch := make(chan fetched, 1)
			select {
			case queue <- ch:
			case <-done:
				return
			}
			go func() {
				if err := base.Holds(e.Key); err != nil {
					ch <- fetched{err: err}
					return
				}
				gz, err := store.GetObject(ctx, e.Key)
				if err != nil {
					ch <- fetched{err: err}
					return
				}
				lines, err := gunzipLines(gz)
				ch <- fetched{lines, err}
			}()
		}
	}()
	i := 0
	for ch := range queue {
		e := parts[i]
		i++
		f := <-ch
		if f.err != nil {
			return Sealed{}, fmt.Errorf("seal manifest of tenant %s: part %s: %w", base.TenantID, e.Key, f.err)
		}
		ps := sha256.Sum256(f.lines)
		if got := hex.EncodeToString(ps[:]); got != e.SHA256 {
			return Sealed{}, fmt.Errorf("seal manifest of tenant %s: part %s hashes to %s, its index entry says %s", base.TenantID, e.Key, got, e.SHA256)
		}
		if n := int64(bytes.Count(f.lines, []byte("\n"))); n != e.Lines {
			return Sealed{}, fmt.Errorf("seal manifest of tenant %s: part %s holds %d lines, its index entry says %d", base.TenantID, e.Key, n, e.Lines)
		}
		h.Write(f.lines)
		s.Lines += e.Lines
		s.Parts++
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	if err := putOnce(ctx, store, s.IndexKey, "application/x-ndjson", index); err != nil {
		return Sealed{}, fmt.Errorf("seal manifest of tenant %s: write index: %w", base.TenantID, err)
	}
	return s, nil
}

// parseIndex reads index lines.
func parseIndex(b []byte) ([]IndexEntry, error) {
	var out []IndexEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for n := 1; sc.Scan(); n++ {
		var e IndexEntry
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("index line %d: %w", n, err)
		}
		if e.Key == "" || e.Lines < 0 || len(e.SHA256) != 64 {
			return nil, fmt.Errorf("index line %d: incomplete entry %+v", n, e)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
