package tenant

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table layout, shared with the CDK stack (infra/stack/purger.go) and the
// sandbox seeder.
const (
	// KeyAttribute is the table's partition key (S).
	KeyAttribute = "tenant_id"
	// StatusIndex is the global secondary index by status and purge due date.
	StatusIndex = "by_status"
	// StatusAttribute is StatusIndex's partition key (S).
	StatusAttribute = "status"
	// PurgeDueAttribute is StatusIndex's sort key (S): the purge due time in
	// the fixed-width stored layout, or NoPurgeDue.
	PurgeDueAttribute = "purge_due"
	// NoticeSentAttribute holds when ops received the advance notice (S,
	// the stored layout); absent until then.
	NoticeSentAttribute = "notice_sent_at"
	// NoPurgeDue is purge_due for a tenant that has none (active). An index
	// key attribute cannot be empty, and an item without one would be left
	// out of the index, so active tenants could not be listed through it.
	// It sorts after every time, so "purge_due <= now" never matches it.
	NoPurgeDue = "none"
)

// item is a tenant as stored: snake_case attributes, times as fixed-width
// UTC strings.
type item struct {
	TenantID        string         `dynamodbav:"tenant_id"`
	Name            string         `dynamodbav:"name"`
	Status          string         `dynamodbav:"status"`
	RegisteredAt    string         `dynamodbav:"registered_at"`
	TerminatedAt    string         `dynamodbav:"terminated_at,omitempty"`
	PurgeDue        string         `dynamodbav:"purge_due"`
	PurgeDeadline   string         `dynamodbav:"purge_deadline,omitempty"`
	NoticeSentAt    string         `dynamodbav:"notice_sent_at,omitempty"`
	PurgeStartedAt  string         `dynamodbav:"purge_started_at,omitempty"`
	PurgedAt        string         `dynamodbav:"purged_at,omitempty"`
	Contacts        []itemContact  `dynamodbav:"contacts"`
	Locations       []itemLocation `dynamodbav:"locations"`
	SharedResources []string       `dynamodbav:"shared_resources,omitempty"`
	Checkpoint      string         `dynamodbav:"checkpoint,omitempty"`
	CheckpointAt    string         `dynamodbav:"checkpoint_updated_at,omitempty"`
	PurgeOwner      string         `dynamodbav:"purge_owner,omitempty"`
	PurgeAttempts   int            `dynamodbav:"purge_attempts,omitempty"`
	Version         int64          `dynamodbav:"version"`
	StatusEventAt   string         `dynamodbav:"status_event_at"`
	DetailsEventAt  string         `dynamodbav:"details_event_at"`
	Events          []itemEvent    `dynamodbav:"events,omitempty"`
	UpdatedAt       string         `dynamodbav:"updated_at"`
}

type itemContact struct {
	Email    string `dynamodbav:"email"`
	Language string `dynamodbav:"language"`
	Timezone string `dynamodbav:"timezone"`
	Name     string `dynamodbav:"name,omitempty"`
}

type itemLocation struct {
	Bucket string `dynamodbav:"bucket"`
	Prefix string `dynamodbav:"prefix"`
}

type itemEvent struct {
	ID         string `dynamodbav:"id"`
	Type       string `dynamodbav:"type"`
	OccurredAt string `dynamodbav:"occurred_at"`
}

func optStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

func toItem(t Tenant) item {
	it := item{
		TenantID: t.ID, Name: t.Name, Status: string(t.Status),
		RegisteredAt: stamp(t.Registered), TerminatedAt: optStamp(t.Terminated),
		PurgeDue: NoPurgeDue, PurgeDeadline: optStamp(t.PurgeDeadline),
		NoticeSentAt: optStamp(t.NoticeSent), PurgeStartedAt: optStamp(t.PurgeStarted), PurgedAt: optStamp(t.Purged),
		SharedResources: t.SharedResources, Checkpoint: string(t.Checkpoint.Data),
		CheckpointAt: optStamp(t.Checkpoint.Updated), PurgeOwner: t.PurgeOwner,
		PurgeAttempts: t.PurgeAttempts, Version: t.Version,
		StatusEventAt: stamp(t.StatusEventAt), DetailsEventAt: stamp(t.DetailsEventAt),
		UpdatedAt: stamp(t.Updated),
	}
	if !t.PurgeDue.IsZero() {
		it.PurgeDue = stamp(t.PurgeDue)
	}
	for _, c := range t.Contacts {
		it.Contacts = append(it.Contacts, itemContact(c))
	}
	for _, l := range t.Locations {
		it.Locations = append(it.Locations, itemLocation(l))
	}
	for _, e := range t.Events {
		it.Events = append(it.Events, itemEvent{ID: e.ID, Type: string(e.Type), OccurredAt: stamp(e.OccurredAt)})
	}
	return it
}

func marshalTenant(t Tenant) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(toItem(t))
	if err != nil {
		return nil, fmt.Errorf("marshal tenant %s: %w", t.ID, err)
	}
	return av, nil
}

// fromItem converts a stored item, checking what a purge relies on: a
// valid id and status, and locations.
func fromItem(av map[string]types.AttributeValue) (Tenant, error) {
	var it item
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return Tenant{}, fmt.Errorf("read registry item: %w", err)
	}
	bad := func(field, value string) (Tenant, error) {
		return Tenant{}, fmt.Errorf("registry item %q: %s %q is not valid", it.TenantID, field, value)
	}
	if err := ValidateID(it.TenantID); err != nil {
		return Tenant{}, fmt.Errorf("registry item: %w", err)
	}
	t := Tenant{ID: it.TenantID, Name: it.Name, Status: Status(it.Status), SharedResources: it.SharedResources,
		PurgeOwner: it.PurgeOwner, PurgeAttempts: it.PurgeAttempts, Version: it.Version}
	if !t.Status.Valid() {
		return bad("status", it.Status)
	}
	times := []struct {
		name string
		s    string
		dst  *time.Time
	}{
		{"registered_at", it.RegisteredAt, &t.Registered}, {"terminated_at", it.TerminatedAt, &t.Terminated},
		{"purge_deadline", it.PurgeDeadline, &t.PurgeDeadline}, {"notice_sent_at", it.NoticeSentAt, &t.NoticeSent},
		{"purge_started_at", it.PurgeStartedAt, &t.PurgeStarted},
		{"purged_at", it.PurgedAt, &t.Purged}, {"checkpoint_updated_at", it.CheckpointAt, &t.Checkpoint.Updated},
		{"status_event_at", it.StatusEventAt, &t.StatusEventAt}, {"details_event_at", it.DetailsEventAt, &t.DetailsEventAt},
		{"updated_at", it.UpdatedAt, &t.Updated},
	}
	if it.PurgeDue != NoPurgeDue {
		times = append(times, struct {
			name string
			s    string
			dst  *time.Time
		}{"purge_due", it.PurgeDue, &t.PurgeDue})
	}
	for _, f := range times {
		if f.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, f.s)
		if err != nil {
			return bad(f.name, f.s)
		}
		*f.dst = v.UTC()
	}
	for _, c := range it.Contacts {
		t.Contacts = append(t.Contacts, Contact(c))
	}
	for _, l := range it.Locations {
		t.Locations = append(t.Locations, Location(l))
	}
	if len(t.Locations) == 0 {
		return bad("locations", "[]")
	}
	for _, e := range it.Events {
		at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		if err != nil {
			return bad("events.occurred_at", e.OccurredAt)
		}
		t.Events = append(t.Events, EventRef{ID: e.ID, Type: EventType(e.Type), OccurredAt: at.UTC()})
	}
	if it.Checkpoint != "" {
		if !json.Valid([]byte(it.Checkpoint)) {
			return bad("checkpoint", "(not JSON)")
		}
		t.Checkpoint.Data = json.RawMessage(it.Checkpoint)
	}
	return t, nil
}
