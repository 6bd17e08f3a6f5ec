package purger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// MaxMessageBytes bounds a purge-queue message body.
const MaxMessageBytes = 4 << 10

// Why a tenant was put on the purge queue.
const (
	ReasonDue    = "due"    // the daily sweep found it due
	ReasonResume = "resume" // a paused purge carries on
	ReasonShard  = "shard"  // one shard of a sharded purge (Message.Shard)
)

// shardNameRE matches purge.ShardName's names.
var shardNameRE = lazyregexp.New(`^l[0-9]{1,3}-shard-[0-9]{2}-of-[0-9]{2}$`)

// Message is one purge-queue message: one tenant to purge.
type Message struct {
	TenantID string `json:"tenant_id"`
	// Reason is ReasonDue or ReasonResume.
	Reason string `json:"reason"`
	// Enqueued is when the message was sent.
	Enqueued time.Time `json:"enqueued"`
	// Round counts the messages of one purge: 1 from the sweep, one more
	// each time a paused purge is sent on.
	Round int `json:"round"`
	// Shard names the shard to purge (ReasonShard, or ReasonResume of a
	// shard); empty for the whole tenant.
	Shard string `json:"shard,omitempty"`
}

// Encode returns the message body.
func (m Message) Encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// ParseMessage reads a purge-queue message body, rejecting unknown fields,
// an invalid tenant id and an unknown reason. Errors wrap tenant.ErrInvalid
// when the tenant id is the problem and name the field otherwise.
func ParseMessage(body string) (Message, error) {
	if len(body) > MaxMessageBytes {
		return Message{}, fmt.Errorf("purge message: %d bytes, more than %d", len(body), MaxMessageBytes)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.DisallowUnknownFields()
	var m Message
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("purge message: not a JSON object of tenant_id, reason, enqueued, round: %w", err)
	}
	if dec.More() {
		return Message{}, fmt.Errorf("purge message: more than one JSON value")
	}
	if err := tenant.ValidateID(m.TenantID); err != nil {
		return Message{}, fmt.Errorf("purge message: tenant_id: %w", err)
	}
	if m.Reason != ReasonDue && m.Reason != ReasonResume && m.Reason != ReasonShard {
		return Message{}, fmt.Errorf("purge message: reason %q: want %q, %q or %q", m.Reason, ReasonDue, ReasonResume, ReasonShard)
	}
	switch {
	case m.Shard != "" && !shardNameRE.MatchString(m.Shard):
		return Message{}, fmt.Errorf("purge message: shard %q: want a name such as l0-shard-02-of-04", m.Shard)
	case m.Reason == ReasonShard && m.Shard == "":
		return Message{}, fmt.Errorf("purge message: reason %q without a shard", ReasonShard)
	case m.Reason == ReasonDue && m.Shard != "":
		return Message{}, fmt.Errorf("purge message: reason %q names shard %q", ReasonDue, m.Shard)
	}
	if m.Round < 1 {
		return Message{}, fmt.Errorf("purge message: round %d: want 1 or more", m.Round)
	}
	if m.Enqueued.IsZero() {
		return Message{}, fmt.Errorf("purge message: enqueued is missing")
	}
	return m, nil
}
