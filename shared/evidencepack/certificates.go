package evidencepack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/certificate"
)

// Certificate is what the pack reads of a deletion certificate. Its layout
// grows, so the reader takes the fields it needs and ignores the rest; the
// deadline is read from the promised window ("promise": {"purge_deadline"})
// or whichever other known place states it, and left zero when none does
// (certificates issued before the window was stated).
type Certificate struct {
	// Key is the certificate.json key; the signature and public key are
	// beside it.
	Key      string     `json:"key"`
	TenantID string     `json:"tenantId"`
	Issued   time.Time  `json:"issued"`
	First    time.Time  `json:"firstDeletion"`
	Last     time.Time  `json:"lastDeletion"`
	Prefixes []Location `json:"locations"`
	Versions int64      `json:"versions"`
	Markers  int64      `json:"deleteMarkers"`
	Bytes    int64      `json:"bytes"`
	// Deadline is when the purge had to be done by, as the certificate
	// states it; zero when it does not.
	Deadline time.Time `json:"deadline,omitzero"`
	// Terminated is when the contract ended, when stated.
	Terminated time.Time `json:"terminated,omitzero"`
	// ManifestSHA256 and ManifestLines describe the manifest of deleted
	// versions; its parts are listed by the index object IndexKey (whose
	// SHA-256 is IndexSHA256), or, in the first certificate layout,
	// directly as ManifestKeys.
	ManifestSHA256 string   `json:"manifestSha256"`
	ManifestLines  int64    `json:"manifestLines"`
	IndexKey       string   `json:"indexKey,omitempty"`
	IndexSHA256    string   `json:"indexSha256,omitempty"`
	ManifestKeys   []string `json:"manifestKeys,omitempty"`
	// SignatureOK is true when certificate.sig verifies the JSON under
	// public-key.pem, both read from beside it.
	SignatureOK bool `json:"signatureVerified"`
	// PublicKeySHA256 is the signing key's public key hash it names.
	PublicKeySHA256 string `json:"publicKeySha256"`
}

// Location is a deleted prefix.
type Location struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
}

// deadlineFields are where a certificate may state its deadline: at the top
// level or inside a window object, under these names.
var (
	deadlineNames = []string{"purge_deadline", "deadline", "deadline_at", "must_complete_by"}
	windowNames   = []string{"promise", "window", "promised_window", "purge_window"}
	windowEnds    = []string{"purge_deadline", "deadline", "closes", "closes_at", "end", "to", "until"}
	terminatedAt  = []string{"terminated", "terminated_at", "contract_end", "contract_ended"}
)

// ReadCertificate reads certificate.json.
func ReadCertificate(b []byte) (Certificate, error) {
	var c struct {
		TenantID  string     `json:"tenant_id"`
		Locations []Location `json:"locations"`
		Counts    struct {
			Versions      int64 `json:"versions"`
			DeleteMarkers int64 `json:"delete_markers"`
			Bytes         int64 `json:"bytes"`
		} `json:"counts"`
		First    time.Time `json:"first_deletion"`
		Last     time.Time `json:"last_deletion"`
		IssuedAt time.Time `json:"issued_at"`
		Manifest struct {
			SHA256 string   `json:"sha256"`
			Lines  int64    `json:"lines"`
			Keys   []string `json:"keys"`
			Index  struct {
				Key    string `json:"key"`
				SHA256 string `json:"sha256"`
			} `json:"index"`
		} `json:"manifest"`
		Signing struct {
			PublicKeySHA256 string `json:"public_key_sha256"`
		} `json:"signing"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	if c.TenantID == "" || c.IssuedAt.IsZero() {
		return Certificate{}, errors.New("certificate names no tenant or issue time")
	}
	out := Certificate{TenantID: c.TenantID, Issued: c.IssuedAt.UTC(), First: c.First.UTC(), Last: c.Last.UTC(), Prefixes: c.Locations,
		Versions: c.Counts.Versions, Markers: c.Counts.DeleteMarkers, Bytes: c.Counts.Bytes,
		ManifestSHA256: c.Manifest.SHA256, ManifestLines: c.Manifest.Lines, ManifestKeys: c.Manifest.Keys, IndexKey: c.Manifest.Index.Key, IndexSHA256: c.Manifest.Index.SHA256,
		PublicKeySHA256: c.Signing.PublicKeySHA256}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(b, &all)
	out.Deadline = firstTime(all, deadlineNames)
	for _, w := range windowNames {
		var win map[string]json.RawMessage
		if out.Deadline.IsZero() && json.Unmarshal(all[w], &win) == nil {
			out.Deadline = firstTime(win, windowEnds)
			if out.Terminated.IsZero() {
				out.Terminated = firstTime(win, terminatedAt)
			}
		}
	}
	if out.Terminated.IsZero() {
		out.Terminated = firstTime(all, terminatedAt)
	}
	return out, nil
}

func firstTime(m map[string]json.RawMessage, names []string) time.Time {
	for _, n := range names {
		var t time.Time
		if raw, ok := m[n]; ok && json.Unmarshal(raw, &t) == nil && !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// certificateTime reads the time in a deletion-certificate key:
// deletion-certificate/<tenant>/<20060102T150405Z>/<file>, the purge's
// start (its purge id), or in the first layout its issue.
func certificateTime(key string) (time.Time, bool) {
	for _, seg := range strings.Split(key, "/") {
		if t, err := time.Parse("20060102T150405Z", seg); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// verifyCertificate checks the certificate's signature with the files
// stored beside it.
func verifyCertificate(cert, sig, pub []byte) error {
	if sig == nil || pub == nil {
		return errors.New("its signature or public key is not stored beside it")
	}
	if err := certificate.VerifyBytes(cert, sig, pub); err != nil {
		return err
	}
	return nil
}

// sibling returns the key of another file in key's folder.
func sibling(key, name string) string { return path.Join(path.Dir(key), name) }

// ManifestCheck is what re-reading a certificate's manifest found: every
// deleted version listed once, under the tenant's prefixes, and the lines
// hashing to the certified digest.
type ManifestCheck struct {
	Certificate string `json:"certificate"`
	TenantID    string `json:"tenantId"`
	Lines       int64  `json:"lines"`
	// Outside lists deleted keys (up to 20) that lie outside every
	// certified location: a purge that reached a neighbour.
	Outside      []string `json:"outside,omitempty"`
	OutsideCount int64    `json:"outsideCount"`
	// DigestOK is true when the uncompressed lines hash to the certified
	// manifest SHA-256 and their count matches.
	DigestOK bool   `json:"digestOk"`
	SHA256   string `json:"sha256"`
	// Error says why the manifest could not be checked.
	Error string `json:"error,omitempty"`
}

// manifestChecker re-reads the manifest parts of one certificate in order.
type manifestChecker struct {
	cert  Certificate
	h     hashWriter
	check ManifestCheck
	// part hashes the current part's lines alone.
	part      hashWriter
	partLines int64
}

// indexEntry is one line of a manifest index (purge.IndexEntry).
type indexEntry struct {
	Key        string `json:"key"`
	Lines      int64  `json:"lines"`
	SHA256     string `json:"sha256"`
	Superseded string `json:"superseded,omitempty"`
}

// readIndex reads a manifest index: one JSON entry a line.
func readIndex(b []byte) ([]indexEntry, error) {
	var out []indexEntry
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var e indexEntry
		if err := json.Unmarshal(line, &e); err != nil || e.Key == "" {
			return nil, fmt.Errorf("index line %d is not an index entry", i+1)
		}
		out = append(out, e)
	}
	return out, nil
}

// checkPart compares the part just added with its index entry.
func (m *manifestChecker) checkPart(e indexEntry) error {
	if sum := hex.EncodeToString(m.part.Sum(nil)); sum != e.SHA256 || m.partLines != e.Lines {
		return fmt.Errorf("part %s has %d lines hashing to %s, the index says %d lines hashing to %s", e.Key, m.partLines, sum, e.Lines, e.SHA256)
	}
	return nil
}

type hashWriter interface {
	io.Writer
	Sum(b []byte) []byte
}

func newManifestChecker(c Certificate) *manifestChecker {
	return &manifestChecker{cert: c, h: sha256.New(), check: ManifestCheck{Certificate: c.Key, TenantID: c.TenantID}}
}

// add reads one gzip part: each line is hashed as stored and its bucket
// and key checked against the certified locations.
func (m *manifestChecker) add(part io.Reader) error {
	m.part, m.partLines = sha256.New(), 0
	zr, err := gzip.NewReader(part)
	if err != nil {
		return fmt.Errorf("not gzip: %w", err)
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			m.h.Write(line)
			m.part.Write(line)
			m.partLines++
			m.check.Lines++
			var l struct {
				Bucket string `json:"bucket"`
				Key    string `json:"key"`
			}
			if jerr := json.Unmarshal(line, &l); jerr != nil {
				return fmt.Errorf("line %d is not a manifest line: %w", m.check.Lines, jerr)
			}
			if !m.inside(l.Bucket, l.Key) {
				m.check.OutsideCount++
				if len(m.check.Outside) < 20 {
					m.check.Outside = append(m.check.Outside, "s3://"+l.Bucket+"/"+l.Key)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (m *manifestChecker) inside(bucket, key string) bool {
	for _, l := range m.cert.Prefixes {
		if l.Bucket == bucket && l.Prefix != "" && strings.HasPrefix(key, l.Prefix) {
			return true
		}
	}
	return false
}

func (m *manifestChecker) finish(err error) ManifestCheck {
	m.check.SHA256 = hex.EncodeToString(m.h.Sum(nil))
	if err != nil {
		m.check.Error = err.Error()
		return m.check
	}
	m.check.DigestOK = m.check.SHA256 == m.cert.ManifestSHA256 && m.check.Lines == m.cert.ManifestLines
	return m.check
}
