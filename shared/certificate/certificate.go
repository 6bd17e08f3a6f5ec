package certificate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/lazyregexp"
	"github.com/pledge-dev/pledge/shared/purge"
)

// Format names this certificate format and its version.
const Format = "pledge-deletion-certificate/2"

// File names under which a certificate, its signature and the public key
// are published and attached; the verification command uses them.
const (
	FileJSON      = "certificate.json"
	FileSignature = "certificate.sig"
	FilePublicKey = "public-key.pem"
)

// VerifyCommand is the openssl command that verifies a certificate saved
// under the file names above.
const VerifyCommand = "openssl dgst -sha256 -verify " + FilePublicKey + " -signature " + FileSignature + " " + FileJSON

// Time is a time in a certificate: RFC 3339, UTC, whole seconds.
type Time struct{ time.Time }

// At returns t as a certificate Time (UTC, truncated to the second).
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

const timeLayout = "2006-01-02T15:04:05Z"

// MarshalJSON writes the time as "2006-01-02T15:04:05Z".
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Truncate(time.Second).Format(timeLayout))
}

// UnmarshalJSON reads a time written by MarshalJSON and nothing else.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("certificate time: %w", err)
	}
	v, err := time.Parse(timeLayout, s)
	if err != nil {
		return fmt.Errorf("certificate time %q: want RFC 3339 UTC with whole seconds such as 2026-11-22T01:02:03Z", s)
	}
	t.Time = v
	return nil
}

// Certificate is a deletion certificate. Field names are its JSON keys.
type Certificate struct {
	Format        string           `json:"format"`
	TenantID      string           `json:"tenant_id"`
	Locations     []purge.Location `json:"locations"`
	Counts        purge.Counts     `json:"counts"`
	FirstDeletion Time             `json:"first_deletion"`
	LastDeletion  Time             `json:"last_deletion"`
	Manifest      Manifest         `json:"manifest"`
	// Retained lists the versions left in place, with why.
	Retained []Retained   `json:"retained"`
	Backups  BackupExpiry `json:"backups"`
	// Promise is the promised purge window, when known.
	Promise  *Promise `json:"promise,omitempty"`
	Issuer   string   `json:"issuer"`
	IssuedAt Time     `json:"issued_at"`
	// Signing names the key and algorithm; Signer.Sign fills it in before
	// signing, so the signature covers it.
	Signing Signing `json:"signing"`
}

// Manifest points at the manifest of deleted versions.
type Manifest struct {
	// SHA256 is the hex SHA-256 of the uncompressed JSON lines, every
	// part in index order.
	SHA256 string `json:"sha256"`
	// Lines is the number of lines: versions plus delete markers deleted.
	Lines int64 `json:"lines"`
	// Parts is the number of parts that hold them.
	Parts int64 `json:"parts"`
	// Encoding describes the stored parts.
	Encoding string `json:"encoding"`
	// Index names the index of the parts; its SHA-256 ties every part to
	// this signed certificate.
	Index Index `json:"index"`
}

// Index is the evidence object that lists a manifest's parts, one JSON
// line each (purge.IndexEntry): key, lines, SHA-256 of the uncompressed
// lines, and for parts that are not part of the manifest why they were
// superseded.
type Index struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// ManifestEncoding describes the manifest parts.
const ManifestEncoding = "gzip members of JSON lines; the parts the index lists without \"superseded\", concatenated in index order"

// Reasons a version was retained.
const (
	ReasonRetention = "object_lock_retention"
	ReasonLegalHold = "legal_hold"
)

// Retained is a version left in place.
type Retained struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"version_id"`
	Size      int64  `json:"size"`
	// Reasons are ReasonRetention and/or ReasonLegalHold.
	Reasons []string `json:"reasons"`
	// Mode and RetainUntil describe the retention, when there is one.
	Mode        string `json:"mode,omitempty"`
	RetainUntil *Time  `json:"retain_until,omitempty"`
}

// Signing names the key that signs a certificate.
type Signing struct {
	// KeyID is the KMS key's ARN.
	KeyID string `json:"key_id"`
	// Algorithm is the KMS signing algorithm, ECDSA_SHA_256.
	Algorithm string `json:"algorithm"`
	// PublicKeySHA256 is the hex SHA-256 of the DER public key, so a
	// reader can tell which published key to use.
	PublicKeySHA256 string `json:"public_key_sha256"`
}

// Input is what New needs.
type Input struct {
	// Result is the completed purge; for a sharded purge, the shards'
	// results combined (counts summed, deletion times spanning all).
	Result purge.Result
	// Manifest is the sealed manifest (purge.Seal).
	Manifest purge.Sealed
	// Policies are the backup policies whose snapshots may still hold the
	// tenant's data; Zone is the configured time zone their periods and
	// schedules use.
	Policies []config.BackupPolicy
	Zone     *time.Location
	Issuer   string
	IssuedAt time.Time
	// Promise is the tenant's promised purge window (optional).
	Promise *Promise
}

var hexSHA256 = lazyregexp.New(`^[0-9a-f]{64}$`)

// New builds an unsigned certificate from a completed purge.
func New(in Input) (Certificate, error) {
	r := in.Result
	switch {
	case r.Status != purge.StatusPurged:
		return Certificate{}, fmt.Errorf("certificate for tenant %s: purge status is %q, not %q", r.TenantID, r.Status, purge.StatusPurged)
	case r.TenantID == "":
		return Certificate{}, errors.New("certificate: purge result has no tenant id")
	case len(r.Locations) == 0:
		return Certificate{}, fmt.Errorf("certificate for tenant %s: no locations", r.TenantID)
	case !hexSHA256.MatchString(in.Manifest.SHA256) || !hexSHA256.MatchString(in.Manifest.IndexSHA256) || in.Manifest.IndexKey == "":
		return Certificate{}, fmt.Errorf("certificate for tenant %s: sealed manifest %+v lacks a digest or its index", r.TenantID, in.Manifest)
	case r.ManifestSHA256 != "" && r.ManifestSHA256 != in.Manifest.SHA256:
		return Certificate{}, fmt.Errorf("certificate for tenant %s: the stored manifest hashes to %s, the purge counted %s", r.TenantID, in.Manifest.SHA256, r.ManifestSHA256)
	case in.Manifest.Lines != r.Counts.Versions+r.Counts.DeleteMarkers:
		return Certificate{}, fmt.Errorf("certificate for tenant %s: the stored manifest has %d lines, the purge deleted %d versions and delete markers", r.TenantID, in.Manifest.Lines, r.Counts.Versions+r.Counts.DeleteMarkers)
	case in.Issuer == "":
		return Certificate{}, fmt.Errorf("certificate for tenant %s: no issuer", r.TenantID)
	case in.IssuedAt.IsZero():
		return Certificate{}, fmt.Errorf("certificate for tenant %s: no issue time", r.TenantID)
	}
	if err := in.Promise.check(); err != nil {
		return Certificate{}, fmt.Errorf("certificate for tenant %s: %w", r.TenantID, err)
	}
	zone := in.Zone
	if zone == nil {
		zone = time.UTC
	}
	basis := r.LastDeletion
	if basis.IsZero() {
		// Nothing was deleted (an empty prefix): backups taken up to the
		// purge may still hold whatever was there before.
		basis = in.IssuedAt
	}
	backups, err := BackupExpiryFor(in.Policies, basis, zone)
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate for tenant %s: %w", r.TenantID, err)
	}
	c := Certificate{
		Format: Format, TenantID: r.TenantID, Locations: slices.Clone(r.Locations), Counts: r.Counts,
		FirstDeletion: At(r.FirstDeletion), LastDeletion: At(r.LastDeletion),
		Manifest: Manifest{SHA256: in.Manifest.SHA256, Lines: in.Manifest.Lines, Parts: in.Manifest.Parts, Encoding: ManifestEncoding, Index: Index{Key: in.Manifest.IndexKey, SHA256: in.Manifest.IndexSHA256}},
		Retained: []Retained{}, Backups: backups, Issuer: in.Issuer, IssuedAt: At(in.IssuedAt),
		Promise: in.Promise,
	}
	if r.Counts.Versions+r.Counts.DeleteMarkers == 0 {
		c.FirstDeletion, c.LastDeletion = At(in.IssuedAt), At(in.IssuedAt)
	}
	for _, l := range r.Locked {
		rt := Retained{Bucket: l.Bucket, Key: l.Key, VersionID: l.VersionID, Size: l.Size, Reasons: []string{}, Mode: l.Mode}
		if !l.RetainUntil.IsZero() {
			u := At(l.RetainUntil)
			rt.RetainUntil = &u
			rt.Reasons = append(rt.Reasons, ReasonRetention)
		}
		if l.LegalHold {
			rt.Reasons = append(rt.Reasons, ReasonLegalHold)
		}
		c.Retained = append(c.Retained, rt)
	}
	return c, nil
}

// Canonical returns the certificate's canonical JSON bytes (see the
// package documentation), the bytes that are signed.
func (c Certificate) Canonical() ([]byte, error) {
	c.normalise()
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode certificate for tenant %s: %w", c.TenantID, err)
	}
	return canonicalize(raw)
}

// normalise turns nil lists into empty ones, so absent and empty encode
// alike.
func (c *Certificate) normalise() {
	if c.Locations == nil {
		c.Locations = []purge.Location{}
	}
	if c.Retained == nil {
		c.Retained = []Retained{}
	}
	for i := range c.Retained {
		if c.Retained[i].Reasons == nil {
			c.Retained[i].Reasons = []string{}
		}
	}
	if c.Backups.Policies == nil {
		c.Backups.Policies = []PolicyExpiry{}
	}
}

// canonicalize re-encodes JSON with sorted keys, no whitespace and no HTML
// escaping. Numbers pass through as written; only integers occur.
func canonicalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonicalize certificate: %w", err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonicalize certificate: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// Parse reads a certificate, rejecting unknown fields, another format and
// JSON that is not in canonical form.
func Parse(b []byte) (Certificate, error) {
	var c Certificate
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Certificate{}, fmt.Errorf("parse certificate: %w", err)
	}
	if dec.More() {
		return Certificate{}, errors.New("parse certificate: more than one JSON value")
	}
	if c.Format != Format {
		return Certificate{}, fmt.Errorf("parse certificate: format %q, want %q", c.Format, Format)
	}
	canon, err := c.Canonical()
	if err != nil {
		return Certificate{}, err
	}
	if !bytes.Equal(canon, b) {
		return Certificate{}, errors.New("parse certificate: not in canonical form (sorted keys, no whitespace, RFC 3339 UTC seconds)")
	}
	return c, nil
}

func hexString(b []byte) string { return hex.EncodeToString(b) }
