package tenant

import (
	"encoding/json"
	"slices"
	"time"
)

// Status is where a tenant stands in its lifecycle.
type Status string

// The statuses, in lifecycle order.
const (
	// StatusActive: the tenant is a customer; its data is kept.
	StatusActive Status = "active"
	// StatusTerminated: the contract has ended; the data is kept until
	// PurgeDue and the tenant may still be reinstated.
	StatusTerminated Status = "terminated"
	// StatusPurging: the purger has begun deleting the data; there is no way
	// back.
	StatusPurging Status = "purging"
	// StatusPurged: the purge is verified complete; the record remains as
	// evidence.
	StatusPurged Status = "purged"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusTerminated, StatusPurging, StatusPurged:
		return true
	}
	return false
}

// Tenant is one tenant's registry record.
type Tenant struct {
	// ID is the tenant id (see ValidateID).
	ID string `json:"tenantId"`
	// Name is the tenant's display name, e.g. "株式会社サンプル".
	Name   string `json:"name"`
	Status Status `json:"status"`

	// Registered is when the tenant was registered (the event's occurredAt).
	Registered time.Time `json:"registered"`
	// Terminated is when the contract ended; zero unless terminated,
	// purging or purged.
	Terminated time.Time `json:"terminated,omitzero"`
	// PurgeDue is Terminated plus the grace period: the purge may not start
	// earlier.
	PurgeDue time.Time `json:"purgeDue,omitzero"`
	// PurgeDeadline is PurgeDue plus the deadline: the purge must be done by
	// then.
	PurgeDeadline time.Time `json:"purgeDeadline,omitzero"`
	// NoticeSent is when ops first received the advance notice of this
	// tenant's purge (the sweep's SNS digest); zero until then. With
	// tenants.advanceNoticeDays set, the purge may not start until that
	// many days after it, however old the termination (see Blocked).
	NoticeSent time.Time `json:"noticeSent,omitzero"`
	// PurgeStarted is when the purger first moved the tenant to purging.
	PurgeStarted time.Time `json:"purgeStarted,omitzero"`
	// Purged is when the purge was verified complete.
	Purged time.Time `json:"purged,omitzero"`

	// Contacts receive notices and the deletion certificate.
	Contacts []Contact `json:"contacts"`
	// Locations are where the tenant's S3 data lives; never empty.
	Locations []Location `json:"locations"`
	// SharedResources are ARNs of shared resources (databases, keys) that
	// hold some of the tenant's data, for routing findings.
	SharedResources []string `json:"sharedResources,omitempty"`

	// Checkpoint is the purger's progress, opaque to the registry.
	Checkpoint Checkpoint `json:"checkpoint,omitzero"`
	// PurgeOwner names the purge attempt that may write checkpoints (see
	// Registry.StartPurge).
	PurgeOwner string `json:"purgeOwner,omitempty"`
	// PurgeAttempts counts StartPurge calls: 1 for an uninterrupted purge.
	PurgeAttempts int `json:"purgeAttempts,omitempty"`

	// Version increases by one with every write to the record.
	Version int64 `json:"version"`
	// StatusEventAt is the occurredAt of the last applied registration,
	// termination or reinstatement; older status events are out of order.
	StatusEventAt time.Time `json:"statusEventAt"`
	// DetailsEventAt is the occurredAt of the registration or the last
	// applied contact change; older contact changes are out of order.
	DetailsEventAt time.Time `json:"detailsEventAt"`
	// Events are the most recent applied events (at most MaxEventHistory),
	// oldest first, for recognising duplicates.
	Events []EventRef `json:"events,omitempty"`
	// Updated is when the record was last written.
	Updated time.Time `json:"updated"`
}

// MaxEventHistory is how many applied events a record remembers.
const MaxEventHistory = 16

// Contact is a person or mailbox that receives the tenant's notices.
type Contact struct {
	Email string `json:"email"`
	// Language of the notices: "ja" or "en". Notices are bilingual; this
	// chooses which language comes first.
	Language string `json:"language,omitempty"`
	// Timezone is an IANA zone name in which times are shown to this
	// contact; DefaultTimezone when the event names none.
	Timezone string `json:"timezone,omitempty"`
	// Name is optional, e.g. "情報システム部 ご担当者様".
	Name string `json:"name,omitempty"`
}

// Location returns the contact's time zone. Contacts in the registry always
// hold a valid zone; an invalid one yields Asia/Tokyo.
func (c Contact) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" {
		loc, _ = time.LoadLocation(DefaultTimezone)
	}
	return loc
}

// DefaultTimezone is a contact's zone when the event names none.
const DefaultTimezone = "Asia/Tokyo"

// DefaultLanguage is a contact's language when the event names none.
const DefaultLanguage = "ja"

// Location is one S3 bucket and prefix that hold a tenant's data. The prefix
// always ends in "/".
type Location struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
}

// Checkpoint is the purger's saved progress.
type Checkpoint struct {
	// Data is the purger's JSON, stored and returned byte for byte.
	Data json.RawMessage `json:"data,omitempty"`
	// Updated is when it was last saved.
	Updated time.Time `json:"updated,omitzero"`
}

// IsZero reports whether no checkpoint has been saved.
func (c Checkpoint) IsZero() bool { return len(c.Data) == 0 && c.Updated.IsZero() }

// EventRef identifies one applied lifecycle event.
type EventRef struct {
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	OccurredAt time.Time `json:"occurredAt"`
}

// HasLocation reports whether bucket and prefix are exactly one of the
// tenant's locations. A purge deletes under a prefix only when this holds.
func (t Tenant) HasLocation(bucket, prefix string) bool {
	return slices.Contains(t.Locations, Location{Bucket: bucket, Prefix: prefix})
}

// Due reports whether the tenant's purge is due at now by its dates alone:
// it is terminated with PurgeDue at or before now, or its purge has begun
// and is unfinished. Blocked adds what else must hold before a purge
// starts (the advance notice, the purge days).
func (t Tenant) Due(now time.Time) bool {
	switch t.Status {
	case StatusTerminated:
		return !t.PurgeDue.IsZero() && !t.PurgeDue.After(now)
	case StatusPurging:
		return true
	}
	return false
}

func (t Tenant) seen(e Event) bool {
	for _, r := range t.Events {
		if r.ID == e.ID || (r.Type == e.Type && r.OccurredAt.Equal(e.OccurredAt)) {
			return true
		}
	}
	return false
}
