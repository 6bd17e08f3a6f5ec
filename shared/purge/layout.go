package purge

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// Layout names a purge's evidence objects. Every name is derived from the
// tenant, the purge, the shard and the attempt that wrote it, so names
// never collide across attempts and the next attempt can find what a
// killed one left.
//
//	<prefix>/<tenant>/<purge>/index.jsonl                           the index (Seal)
//	<prefix>/<tenant>/<purge>[/<shard>]/index/<n>.jsonl             index segments
//	<prefix>/<tenant>/<purge>[/<shard>]/parts/<attempt>-<seq>.jsonl.gz        a page, written ahead
//	<prefix>/<tenant>/<purge>[/<shard>]/parts/<attempt>-<seq>-<by>.jsonl.gz   its deleted lines, when not all went
type Layout struct {
	// Prefix is the evidence kind the parts go under.
	Prefix   string `json:"prefix"`
	TenantID string `json:"tenant_id"`
	PurgeID  string `json:"purge_id"`
	// Shard is empty for an unsharded purge.
	Shard string `json:"shard,omitempty"`
}

func (l Layout) purgeDir() string { return l.Prefix + "/" + l.TenantID + "/" + l.PurgeID }

func (l Layout) dir() string {
	if l.Shard == "" {
		return l.purgeDir()
	}
	return l.purgeDir() + "/" + l.Shard
}

// Part is the key of an attempt's seq-th page part.
func (l Layout) Part(attempt string, seq int) string {
	return fmt.Sprintf("%s/parts/%s-%06d.jsonl.gz", l.dir(), attempt, seq)
}

// Correction is the key of the part that replaces a page part whose
// versions were not all deleted, written by attempt by.
func (l Layout) Correction(attempt string, seq int, by string) string {
	return fmt.Sprintf("%s/parts/%s-%06d-%s.jsonl.gz", l.dir(), attempt, seq, by)
}

// Segment is the key of the n-th index segment (1-based).
func (l Layout) Segment(n int) string { return fmt.Sprintf("%s/index/%06d.jsonl", l.dir(), n) }

// Index is the key of the purge's index (all shards).
func (l Layout) Index() string { return l.purgeDir() + "/index.jsonl" }

// Holds reports whether key is one of this purge's evidence keys (under
// its folder), as every part an index lists must be.
func (l Layout) Holds(key string) error {
	if !strings.HasPrefix(key, l.purgeDir()+"/") || strings.Contains(key, "..") || strings.Contains(key, "//") {
		return fmt.Errorf("index entry %q is not a key under %s/", key, l.purgeDir())
	}
	return nil
}

var nameRE = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// PurgeIDAt is the purge id for a purge that started at t.
func PurgeIDAt(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func validName(what, s string) error {
	if !nameRE.MatchString(s) {
		return fmt.Errorf("%s %q: want 1-64 letters, digits, '.', '_' or '-'", what, s)
	}
	return nil
}

// newAttempt returns a fresh attempt id: random, so that two attempts never
// share part names whatever happened to the checkpoint in between.
func newAttempt() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "a" + hex.EncodeToString(b)
}
