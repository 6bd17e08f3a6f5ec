package purge

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"time"
)

// ManifestLine is one deleted version as written to the manifest, one JSON
// object a line, fields in this order.
type ManifestLine struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsDeleteMarker bool   `json:"is_delete_marker"`
	Size           int64  `json:"size"`
	// LastModified is the version's S3 last-modified time, RFC 3339 UTC.
	LastModified string `json:"last_modified"`
}

// AppendManifestLine appends l's JSON encoding and a newline to b.
func AppendManifestLine(b []byte, l ManifestLine) ([]byte, error) {
	j, err := json.Marshal(l)
	if err != nil {
		return b, fmt.Errorf("encode manifest line for %s: %w", l.Key, err)
	}
	b = append(b, j...)
	return append(b, '\n'), nil
}

// ManifestDigest returns the hex SHA-256 of the uncompressed manifest
// lines, as Result.ManifestSHA256 reports it.
func ManifestDigest(lines []byte) string {
	s := sha256.Sum256(lines)
	return hex.EncodeToString(s[:])
}

// formatTime renders an S3 time for manifests: RFC 3339 UTC, with
// fractional seconds only when S3 gave them.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// manifest accumulates one part's lines, gzipped, and the running hash of
// every line written so far, across parts and invocations.
type manifest struct {
	h     hash.Hash
	buf   bytes.Buffer
	gz    *gzip.Writer
	lines int
	line  []byte
}

func newManifest(state []byte) (*manifest, error) {
	m := &manifest{h: sha256.New()}
	if len(state) > 0 {
		u, ok := m.h.(encoding.BinaryUnmarshaler)
		if !ok {
			return nil, fmt.Errorf("restore manifest hash: sha256 cannot restore its state")
		}
		if err := u.UnmarshalBinary(state); err != nil {
			return nil, fmt.Errorf("restore manifest hash from checkpoint: %w", err)
		}
	}
	m.gz, _ = gzip.NewWriterLevel(&m.buf, gzip.BestSpeed)
	return m, nil
}

func (m *manifest) add(l ManifestLine) error {
	var err error
	m.line, err = AppendManifestLine(m.line[:0], l)
	if err != nil {
		return err
	}
	m.h.Write(m.line)
	if _, err := m.gz.Write(m.line); err != nil {
		return fmt.Errorf("compress manifest: %w", err)
	}
	m.lines++
	return nil
}

// take closes the current part and returns its gzip bytes (nil when it
// holds no lines), starting a new part.
func (m *manifest) take() ([]byte, error) {
	if m.lines == 0 {
		return nil, nil
	}
	if err := m.gz.Close(); err != nil {
		return nil, fmt.Errorf("compress manifest: %w", err)
	}
	out := bytes.Clone(m.buf.Bytes())
	m.buf.Reset()
	m.gz.Reset(&m.buf)
	m.lines = 0
	return out, nil
}

func (m *manifest) hashState() ([]byte, error) {
	b, err := m.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("save manifest hash state: %w", err)
	}
	return b, nil
}

func (m *manifest) digest() string { return hex.EncodeToString(m.h.Sum(nil)) }
