package purge

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"sync"
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

func (en *entry) line(bucket string) ManifestLine {
	return ManifestLine{Bucket: bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Size: en.size, LastModified: formatTime(en.modified)}
}

// hasher is the running SHA-256 of every committed manifest line, across
// parts and invocations; its state travels in the checkpoint.
type hasher struct{ h hash.Hash }

func newHasher(state []byte) (*hasher, error) {
	h := sha256.New()
	if len(state) > 0 {
		u, ok := h.(encoding.BinaryUnmarshaler)
		if !ok {
			return nil, fmt.Errorf("restore manifest hash: sha256 cannot restore its state")
		}
		if err := u.UnmarshalBinary(state); err != nil {
			return nil, fmt.Errorf("restore manifest hash from checkpoint: %w", err)
		}
	}
	return &hasher{h: h}, nil
}

func (m *hasher) write(lines []byte) { m.h.Write(lines) }

func (m *hasher) state() ([]byte, error) {
	b, err := m.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("save manifest hash state: %w", err)
	}
	return b, nil
}

func (m *hasher) digest() string { return hex.EncodeToString(m.h.Sum(nil)) }

// gzipWriters keeps compressors: each holds about a megabyte of tables,
// too much to allocate for every part.
var gzipWriters = sync.Pool{New: func() any { zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return zw }}

// gzipLines compresses manifest lines into one gzip member, so that parts
// concatenated in order form one valid gzip stream of the manifest.
func gzipLines(lines []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(lines); err != nil {
		return nil, fmt.Errorf("compress manifest part: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress manifest part: %w", err)
	}
	return buf.Bytes(), nil
}

// MaxPartBytes bounds a manifest part's uncompressed lines when it is
// read back: 1,000 lines of at most a 1,024-byte key each, JSON-escaped.
const MaxPartBytes = 8 << 20

// gunzipLines decompresses a stored part.
func gunzipLines(part []byte) ([]byte, error) {
	if len(part) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(part))
	if err != nil {
		return nil, fmt.Errorf("manifest part is not gzip: %w", err)
	}
	lines, err := io.ReadAll(io.LimitReader(zr, MaxPartBytes+1))
	if err != nil {
		return nil, fmt.Errorf("decompress manifest part: %w", err)
	}
	if len(lines) > MaxPartBytes {
		return nil, fmt.Errorf("manifest part holds more than %d bytes of lines", MaxPartBytes)
	}
	return lines, nil
}

// parseLines reads manifest lines back into entries, checking each line
// re-encodes to exactly its stored bytes.
func parseLines(lines []byte) ([]ManifestLine, error) {
	var out []ManifestLine
	sc := bufio.NewScanner(bytes.NewReader(lines))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var again []byte
	for n := 1; sc.Scan(); n++ {
		var l ManifestLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", n, err)
		}
		var err error
		if again, err = AppendManifestLine(again[:0], l); err != nil {
			return nil, err
		}
		if !bytes.Equal(again[:len(again)-1], sc.Bytes()) {
			return nil, fmt.Errorf("manifest line %d is not in the form the engine writes", n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read manifest lines: %w", err)
	}
	return out, nil
}
