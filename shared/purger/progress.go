package purger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// progressFormat names the purger's checkpoint format.
const progressFormat = "pledge-purger-progress/2"

// MaxProgressBytes bounds the progress kept on a tenant's registry item,
// whatever the tenant's size: the engine's checkpoint (purge.MaxCheckpointBytes)
// and a few pointers.
const MaxProgressBytes = 24 << 10

// progress is what the purger keeps on the tenant's registry item: the
// engine's checkpoint and how far the final steps got. It never holds
// the manifest, its index or the certificate, only pointers to them.
type progress struct {
	Format string `json:"format"`
	// Purge is the engine's checkpoint (purge.Checkpoint).
	Purge json.RawMessage `json:"purge,omitempty"`
	// Certificate is set once the certificate is stored.
	Certificate *issued `json:"certificate,omitempty"`
	// Mailing are the SHA-256 hashes of the contact addresses a mail was
	// about to be sent to; Mailed those SES accepted it for. A hash in
	// Mailing only is a mail that may or may not have gone out.
	Mailing []string `json:"mailing,omitempty"`
	Mailed  []string `json:"mailed,omitempty"`
}

// issued points at the stored certificate, so that a retried final step
// mails the same one.
type issued struct {
	IssuedAt time.Time `json:"issued_at"`
	// Keys are the evidence keys of certificate.json, certificate.sig and
	// public-key.pem; SHA256 is certificate.json's digest.
	Keys   []string `json:"keys"`
	SHA256 string   `json:"sha256"`
}

func decodeProgress(b []byte) (progress, error) {
	p := progress{Format: progressFormat}
	if len(b) == 0 {
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return progress{}, fmt.Errorf("decode purger checkpoint: %w", err)
	}
	if p.Format != progressFormat {
		return progress{}, fmt.Errorf("decode purger checkpoint: format %q, want %q", p.Format, progressFormat)
	}
	return p, nil
}

func (p *progress) mailed(addr string) bool { return slices.Contains(p.Mailed, hashAddress(addr)) }

func (p *progress) mailing(addr string) bool { return slices.Contains(p.Mailing, hashAddress(addr)) }

// hashAddress identifies an address in checkpoints and evidence without
// storing it.
func hashAddress(addr string) string {
	s := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return hex.EncodeToString(s[:])
}

// saver stores progress on the registry item while owner holds the purge;
// it is the engine's Checkpointer.
type saver struct {
	reg       Registry
	id, owner string
	prog      *progress
	// largest is the largest progress saved, in bytes.
	largest int
}

// Save stores the engine's checkpoint inside the purger's progress.
func (s *saver) Save(ctx context.Context, blob []byte) error {
	s.prog.Purge = slices.Clone(blob)
	return s.persist(ctx)
}

func (s *saver) persist(ctx context.Context) error {
	b, err := json.Marshal(s.prog)
	if err != nil {
		return fmt.Errorf("encode purger checkpoint: %w", err)
	}
	if len(b) > MaxProgressBytes {
		return fmt.Errorf("purger checkpoint of tenant %s is %d bytes, more than %d", s.id, len(b), MaxProgressBytes)
	}
	s.largest = max(s.largest, len(b))
	return s.reg.SaveCheckpointAs(ctx, s.id, s.owner, b)
}
