package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// MessageVersion is the version of the notice-queue message format.
const MessageVersion = 1

// MaxMessageBytes is SQS's limit on a message body.
const MaxMessageBytes = 256 << 10

// ErrBadMessage is wrapped by every error about a notice-queue message that
// cannot be read.
var ErrBadMessage = errors.New("malformed notice message")

// Message is one notice-queue message: one tenant's notice about one
// finding. It carries no e-mail address: contacts are read at send time.
type Message struct {
	Version  int    `json:"version"`
	TenantID string `json:"tenantId"`
	// Seq is the ledger's number of this notice (Claim.Seq).
	Seq  int  `json:"seq"`
	Kind Kind `json:"kind"`
	// Queued is when the notice was claimed and queued.
	Queued time.Time `json:"queued"`
	// PromiseFrom is when the promised time started to run: the finding's
	// detection for a first notice, its update for an upgrade; zero for a
	// reminder, which is not promised.
	PromiseFrom time.Time `json:"promiseFrom,omitzero"`
	// Finding is the finding without Raw and Resources, which the notice
	// does not show (it shows the tenant's own Resources below); this keeps
	// the message small and another tenant's object keys out of it.
	Finding finding.Finding `json:"finding"`
	// Resources are this tenant's resources the finding concerns
	// (finding.Recipient.Resources); empty for a platform-wide finding.
	Resources []finding.Resource `json:"resources,omitempty"`
	// Reasons say why the finding concerns the tenant.
	Reasons []finding.Reason `json:"reasons,omitempty"`
	// Due is when the notice is due by the promised deadline (zero for a
	// reminder; messages queued before deadlines existed have none, and the
	// sender computes it).
	Due time.Time `json:"due,omitzero"`
	// Late: the finding arrived after Due; the notice is sent but not
	// measured as a broken promise.
	Late bool `json:"late,omitempty"`
}

// promised reports whether a promise covers the notice: first notices and
// upgrades, unless the finding arrived after its deadline.
func (m Message) promised() bool { return m.Kind != KindReminder && !m.Late }

// Encode returns the message body. It fails when the body would not fit in
// an SQS message.
func (m Message) Encode() (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode notice %s/%s: %w", m.Finding.ID, m.TenantID, err)
	}
	if len(b) > MaxMessageBytes {
		return "", fmt.Errorf("encode notice %s/%s: %d bytes is more than an SQS message holds (%d)", m.Finding.ID, m.TenantID, len(b), MaxMessageBytes)
	}
	return string(b), nil
}

// DecodeMessage reads a notice-queue message body. Unknown fields, a missing
// tenant id, finding id, band or detection time, a sequence number below 1
// or an unknown kind are errors wrapping ErrBadMessage that name the field.
func DecodeMessage(body string) (Message, error) {
	var m Message
	bad := func(field, problem string, args ...any) (Message, error) {
		return Message{}, fmt.Errorf("%w: %s: %s", ErrBadMessage, field, fmt.Sprintf(problem, args...))
	}
	if len(body) > MaxMessageBytes {
		return bad("body", "%d bytes is more than an SQS message holds", len(body))
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return bad("body", "%v", err)
	}
	if dec.More() {
		return bad("body", "more than one JSON value")
	}
	switch {
	case m.Version != MessageVersion:
		return bad("version", "%d: want %d", m.Version, MessageVersion)
	case m.TenantID == "":
		return bad("tenantId", "missing")
	case m.Seq < 1:
		return bad("seq", "%d: want 1 or more", m.Seq)
	case m.Kind != KindFirst && m.Kind != KindUpgrade && m.Kind != KindReminder:
		return bad("kind", "%q: want first, upgrade or reminder", m.Kind)
	case m.Queued.IsZero():
		return bad("queued", "missing")
	case m.Finding.ID == "":
		return bad("finding.id", "missing")
	case !m.Finding.Band.Valid():
		return bad("finding.band", "missing")
	case m.Finding.Detected.IsZero():
		return bad("finding.detected", "missing")
	case m.Kind != KindReminder && m.PromiseFrom.IsZero():
		return bad("promiseFrom", "missing for a %s notice", m.Kind)
	}
	return m, nil
}

// messageFor builds the queue message of a claimed notice.
func messageFor(f finding.Finding, r finding.Recipient, c Claim) Message {
	slim := f
	slim.Raw, slim.Resources = nil, nil
	return Message{
		Version: MessageVersion, TenantID: r.TenantID, Seq: c.Seq, Kind: c.Kind, Queued: c.Queued,
		PromiseFrom: promiseFrom(f, c.Kind), Finding: slim, Resources: r.Resources, Reasons: r.Reasons,
	}
}

// promiseFrom is when the promised time starts for a notice of kind k.
func promiseFrom(f finding.Finding, k Kind) time.Time {
	switch k {
	case KindFirst:
		return f.Detected
	case KindUpgrade:
		if f.Updated.After(f.Detected) {
			return f.Updated
		}
		return f.Detected
	}
	return time.Time{}
}

// OpsMessage is the body of the ops message about one finding (JSON). It
// names tenants by id only.
type OpsMessage struct {
	FindingID string         `json:"findingId"`
	Source    finding.Source `json:"source"`
	Type      string         `json:"type"`
	Band      finding.Band   `json:"band"`
	Severity  float64        `json:"severity"`
	Title     string         `json:"title"`
	Account   string         `json:"account"`
	Region    string         `json:"region"`
	Detected  time.Time      `json:"detected"`
	Updated   time.Time      `json:"updated"`
	Count     int            `json:"count"`
	Sample    bool           `json:"sample,omitempty"`
	// Kind is why ops hear of the finding now: first, upgrade or reminder.
	Kind      Kind               `json:"kind"`
	Resources []finding.Resource `json:"resources,omitempty"`
	// OpsOnly and OpsReason: no tenant is notified, and why.
	OpsOnly   bool              `json:"opsOnly"`
	OpsReason finding.OpsReason `json:"opsReason,omitempty"`
	// Concerned are the tenants the finding concerns.
	Concerned []string `json:"tenantsConcerned"`
	// UnknownTenants are tenant tags that name no known tenant.
	UnknownTenants []string `json:"unknownTenants,omitempty"`
	// Unrouted: the finding is about resources that are no known tenant's;
	// UnroutedResources names them so that ops can tag or register them.
	Unrouted          bool     `json:"unrouted,omitempty"`
	UnroutedResources []string `json:"unroutedResources,omitempty"`
	// TagLookup says which resources' tags were looked up, and which could
	// not be read (and why).
	TagLookup *resourcetag.Report `json:"tagLookup,omitempty"`
	// FirstSeen and LastSeen bound the activity; for CloudTrail, the first
	// and last of the identical calls grouped into the finding (Count of
	// them). Threshold is set for a counted rule.
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Threshold int       `json:"threshold,omitempty"`
	// Deadline is the promise; Due when this change's notices are due.
	Deadline string    `json:"deadline"`
	Due      time.Time `json:"due,omitzero"`
	// Late: the finding arrived after its notices were due. They are sent,
	// and counted as NoticesLate, not as a broken promise.
	Late bool `json:"late,omitempty"`
	// Queued, Suppressed and Failed are the tenant notices this delivery
	// queued, found already notified, or could not queue (to be retried).
	Queued     []string `json:"noticesQueued"`
	Suppressed []string `json:"noticesSuppressed,omitempty"`
	Failed     []string `json:"noticesFailed,omitempty"`
}

// maxSubject is SNS's limit on a subject.
const maxSubject = 100

// Subject is the ops message's subject: ASCII, one line, at most 100
// characters, as SNS requires.
func (o OpsMessage) Subject() string {
	s := fmt.Sprintf("Pledge %s finding %s: %d tenant(s) notified", o.Band, o.Type, len(o.Queued))
	if o.OpsOnly {
		s = fmt.Sprintf("Pledge %s finding %s: ops only (%s)", o.Band, o.Type, o.OpsReason)
	}
	if o.Kind == KindUpgrade {
		s = "[upgrade] " + s
	} else if o.Kind == KindReminder {
		s = "[reminder] " + s
	}
	if o.Late {
		s = "[late] " + s
	}
	var b bytes.Buffer
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	out := b.String()
	if len(out) > maxSubject {
		out = out[:maxSubject-3] + "..."
	}
	return out
}
