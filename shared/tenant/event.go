package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo.
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Source is the EventBridge source of tenant lifecycle events.
const Source = "pledge.tenant-lifecycle"

// EventType is a lifecycle event's EventBridge detail-type.
type EventType string

// The lifecycle events.
const (
	EventRegistered     EventType = "Tenant Registered"
	EventTerminated     EventType = "Tenant Terminated"
	EventReinstated     EventType = "Tenant Reinstated"
	EventContactChanged EventType = "Tenant Contact Changed"
)

// EventTypes lists the lifecycle detail-types, for EventBridge rules.
var EventTypes = []EventType{EventRegistered, EventTerminated, EventReinstated, EventContactChanged}

// Limits on lifecycle events.
const (
	MaxEventBytes      = 256 << 10 // EventBridge's own limit
	MaxContacts        = 20
	MaxSharedResources = 100
	MaxNameRunes       = 256
	maxContactName     = 128
	maxEmailBytes      = 254
	maxARNBytes        = 2048
	maxEventIDBytes    = 128
)

// Event is one parsed lifecycle event. Optional fields are nil when the
// event leaves them out.
type Event struct {
	// ID is the EventBridge event id; redeliveries carry the same id.
	ID   string
	Type EventType
	// TenantID is valid (ValidateID) in a parsed event.
	TenantID string
	// OccurredAt is when it happened in the control plane, truncated to the
	// millisecond.
	OccurredAt time.Time
	// Name is required in Tenant Registered, optional in Tenant Contact
	// Changed, empty otherwise.
	Name string
	// Contacts (with defaults filled in) replace the tenant's contacts. At
	// least one in Tenant Registered; nil when a contact change leaves them
	// as they are.
	Contacts []Contact
	// Locations replace the tenant's locations; nil means "unchanged" (or,
	// at registration, one location in every configured bucket). They are
	// checked against the configuration when applied.
	Locations []Location
	// SharedResources replace the tenant's shared resources; nil means
	// unchanged, an empty non-nil slice clears them.
	SharedResources []string
}

// allowed lists each event type's detail fields and which are required.
var allowed = map[EventType]map[string]bool{
	EventRegistered:     {"tenantId": true, "occurredAt": true, "name": true, "contacts": true, "locations": false, "sharedResources": false},
	EventTerminated:     {"tenantId": true, "occurredAt": true},
	EventReinstated:     {"tenantId": true, "occurredAt": true},
	EventContactChanged: {"tenantId": true, "occurredAt": true, "name": false, "contacts": false, "locations": false, "sharedResources": false},
}

// Parse reads one EventBridge event as delivered to a Lambda function (the
// JSON envelope with a detail object). Every error wraps ErrInvalid and is a
// *FieldError naming the field.
func Parse(raw []byte) (Event, error) {
	if len(raw) > MaxEventBytes {
		return Event{}, fieldErr("", "%d bytes is larger than any EventBridge event (%d)", len(raw), MaxEventBytes)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Event{}, fieldErr("", "not an EventBridge event: %v", err)
	}
	return FromCloudWatchEvent(ev)
}

// FromCloudWatchEvent reads an event already decoded by the Lambda runtime.
func FromCloudWatchEvent(ev events.CloudWatchEvent) (Event, error) {
	if ev.Source != Source {
		return Event{}, fieldErr("source", "%s: want %q", show(ev.Source), Source)
	}
	t := EventType(ev.DetailType)
	fields, ok := allowed[t]
	if !ok {
		return Event{}, fieldErr("detail-type", "%s: want one of %q, %q, %q, %q", show(ev.DetailType), EventRegistered, EventTerminated, EventReinstated, EventContactChanged)
	}
	if ev.ID == "" {
		return Event{}, fieldErr("id", "missing: the EventBridge event id is how redeliveries are recognised")
	}
	if len(ev.ID) > maxEventIDBytes || !printableASCII(ev.ID) {
		return Event{}, fieldErr("id", "%s: want up to %d printable ASCII characters", show(ev.ID), maxEventIDBytes)
	}
	detail := bytes.TrimSpace(ev.Detail)
	if len(detail) == 0 || bytes.Equal(detail, []byte("null")) {
		return Event{}, fieldErr("detail", "missing")
	}
	obj, err := object("detail", detail)
	if err != nil {
		return Event{}, err
	}
	for k := range obj {
		if _, ok := fields[k]; !ok {
			return Event{}, fieldErr("detail."+k, "not a field of a %q event (fields: %s)", t, strings.Join(sortedKeys(fields), ", "))
		}
	}
	for _, k := range sortedKeys(fields) {
		if _, ok := obj[k]; !ok && fields[k] {
			return Event{}, fieldErr("detail."+k, "missing")
		}
	}
	out := Event{ID: ev.ID, Type: t}
	if out.TenantID, err = str(obj, "tenantId"); err != nil {
		return Event{}, err
	}
	if err := ValidateID(out.TenantID); err != nil {
		return Event{}, fieldErr("detail.tenantId", "%v", err)
	}
	occ, err := str(obj, "occurredAt")
	if err != nil {
		return Event{}, err
	}
	if out.OccurredAt, err = parseTime(occ); err != nil {
		return Event{}, fieldErr("detail.occurredAt", "%s: %v", show(occ), err)
	}
	if _, ok := obj["name"]; ok {
		if out.Name, err = str(obj, "name"); err != nil {
			return Event{}, err
		}
		if err := checkText(out.Name, MaxNameRunes); err != nil {
			return Event{}, fieldErr("detail.name", "%v", err)
		}
	}
	if raw, ok := obj["contacts"]; ok {
		if out.Contacts, err = contacts(raw); err != nil {
			return Event{}, err
		}
	}
	if raw, ok := obj["locations"]; ok {
		if out.Locations, err = locations(raw); err != nil {
			return Event{}, err
		}
	}
	if raw, ok := obj["sharedResources"]; ok {
		if out.SharedResources, err = arns(raw); err != nil {
			return Event{}, err
		}
	}
	if t == EventContactChanged && out.Name == "" && out.Contacts == nil && out.Locations == nil && out.SharedResources == nil {
		return Event{}, fieldErr("detail", "a %q event changes nothing: want at least one of name, contacts, locations, sharedResources", t)
	}
	return out, nil
}

// parseTime reads an RFC 3339 time with a zone, within years 2000-2999,
// truncated to the millisecond and in UTC.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want an RFC 3339 time such as 2026-10-01T12:00:00+09:00")
	}
	if t.Year() < 2000 || t.Year() > 2999 {
		return time.Time{}, errors.New("want a year from 2000 to 2999")
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

func contacts(raw json.RawMessage) ([]Contact, error) {
	items, err := array("detail.contacts", raw)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fieldErr("detail.contacts", "empty: want at least one contact to receive notices and the deletion certificate")
	}
	if len(items) > MaxContacts {
		return nil, fieldErr("detail.contacts", "%d contacts: want at most %d", len(items), MaxContacts)
	}
	out := make([]Contact, 0, len(items))
	seen := map[string]int{}
	for i, item := range items {
		f := fmt.Sprintf("detail.contacts[%d]", i)
		obj, err := object(f, item)
		if err != nil {
			return nil, err
		}
		for k := range obj {
			if !slices.Contains([]string{"email", "language", "timezone", "name"}, k) {
				return nil, fieldErr(f+"."+k, "not a contact field (fields: email, language, timezone, name)")
			}
		}
		var c Contact
		if _, ok := obj["email"]; !ok {
			return nil, fieldErr(f+".email", "missing")
		}
		if c.Email, err = strAt(obj, f, "email"); err != nil {
			return nil, err
		}
		if err := checkEmail(c.Email); err != nil {
			return nil, fieldErr(f+".email", "%v", err)
		}
		key := strings.ToLower(c.Email)
		if j, dup := seen[key]; dup {
			return nil, fieldErr(f+".email", "the same address as contacts[%d]", j)
		}
		seen[key] = i
		c.Language, c.Timezone = DefaultLanguage, DefaultTimezone
		if _, ok := obj["language"]; ok {
			if c.Language, err = strAt(obj, f, "language"); err != nil {
				return nil, err
			}
			if c.Language != "ja" && c.Language != "en" {
				return nil, fieldErr(f+".language", "%s: want \"ja\" or \"en\"", show(c.Language))
			}
		}
		if _, ok := obj["timezone"]; ok {
			if c.Timezone, err = strAt(obj, f, "timezone"); err != nil {
				return nil, err
			}
			if err := checkZone(c.Timezone); err != nil {
				return nil, fieldErr(f+".timezone", "%s: %v", show(c.Timezone), err)
			}
		}
		if _, ok := obj["name"]; ok {
			if c.Name, err = strAt(obj, f, "name"); err != nil {
				return nil, err
			}
			if err := checkText(c.Name, maxContactName); err != nil {
				return nil, fieldErr(f+".name", "%v", err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func checkEmail(s string) error {
	if s == "" || len(s) > maxEmailBytes || !printableASCII(s) {
		return fmt.Errorf("want an email address of up to %d printable ASCII characters", maxEmailBytes)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s, "@") {
		return errors.New("not a bare email address such as security@example.co.jp")
	}
	return nil
}

func checkZone(z string) error {
	if z == "" || z == "Local" {
		return errors.New("want an IANA time zone name such as \"Asia/Tokyo\", or leave the field out for Asia/Tokyo")
	}
	if len(z) > 64 || !printableASCII(z) || strings.HasPrefix(z, "/") || strings.Contains(z, "..") {
		return errors.New("want an IANA time zone name such as \"Asia/Tokyo\"")
	}
	if _, ok := knownZones.Load(z); ok {
		return nil
	}
	if _, err := time.LoadLocation(z); err != nil {
		return errors.New("not a known IANA time zone; want a name such as \"Asia/Tokyo\" or \"America/Los_Angeles\"")
	}
	knownZones.Store(z, true)
	return nil
}

// knownZones caches zone names that loaded: loading one from the embedded
// database costs about 0.1 ms. There are a few hundred names at most.
var knownZones sync.Map

func locations(raw json.RawMessage) ([]Location, error) {
	items, err := array("detail.locations", raw)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fieldErr("detail.locations", "empty: leave the field out for one location in every configured bucket")
	}
	out := make([]Location, 0, len(items))
	for i, item := range items {
		f := fmt.Sprintf("detail.locations[%d]", i)
		obj, err := object(f, item)
		if err != nil {
			return nil, err
		}
		for k := range obj {
			if k != "bucket" && k != "prefix" {
				return nil, fieldErr(f+"."+k, "not a location field (fields: bucket, prefix)")
			}
		}
		var l Location
		for _, k := range []string{"bucket", "prefix"} {
			if _, ok := obj[k]; !ok {
				return nil, fieldErr(f+"."+k, "missing")
			}
		}
		if l.Bucket, err = strAt(obj, f, "bucket"); err != nil {
			return nil, err
		}
		if l.Prefix, err = strAt(obj, f, "prefix"); err != nil {
			return nil, err
		}
		if l.Bucket == "" || len(l.Bucket) > 63 || !printableASCII(l.Bucket) {
			return nil, fieldErr(f+".bucket", "%s: want an S3 bucket name", show(l.Bucket))
		}
		if l.Prefix == "" || len(l.Prefix) > 1024 || !printableASCII(l.Prefix) || !strings.HasSuffix(l.Prefix, "/") {
			return nil, fieldErr(f+".prefix", "%s: want the tenant's key prefix under the configured template, ending in '/'", show(l.Prefix))
		}
		if slices.Contains(out, l) {
			return nil, fieldErr(f, "the same location as an earlier one")
		}
		out = append(out, l)
	}
	return out, nil
}

func arns(raw json.RawMessage) ([]string, error) {
	items, err := array("detail.sharedResources", raw)
	if err != nil {
		return nil, err
	}
	if len(items) > MaxSharedResources {
		return nil, fieldErr("detail.sharedResources", "%d resources: want at most %d", len(items), MaxSharedResources)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		f := fmt.Sprintf("detail.sharedResources[%d]", i)
		var s string
		if err := json.Unmarshal(item, &s); err != nil {
			return nil, fieldErr(f, "not a string")
		}
		isARN := strings.HasPrefix(s, "arn:") && strings.Count(s, ":") >= 5
		if len(s) > maxARNBytes || !printableASCII(s) || !isARN && !validTypedResource(s) {
			return nil, fieldErr(f, "%s: want an ARN such as arn:aws:rds:ap-northeast-1:123456789012:cluster:billing-aurora, "+
				"or where AWS gives none, <kind>:<id> such as iam-user:deployer or eks-cluster:tenant-3 (kinds: %s)", show(s), ResourceKinds)
		}
		if slices.Contains(out, s) {
			return nil, fieldErr(f, "%s appears twice", show(s))
		}
		out = append(out, s)
	}
	return out, nil
}

// checkText accepts valid UTF-8 of 1 to max runes without control or
// invisible formatting characters (bidirectional overrides and the like).
func checkText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return errors.New("empty")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%d characters: want at most %d", n, max)
	}
	for i, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("contains %s at byte %d: want text without control or formatting characters", strings.Trim(fmt.Sprintf("%U", r), " "), i)
		}
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// object decodes a JSON object into its members, rejecting duplicate keys
// (a second "tenantId" must not silently win).
func object(field string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fieldErr(field, "not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fieldErr(field, "not a JSON object: %v", err)
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fieldErr(join(field, k), "not valid JSON: %v", err)
		}
		if _, dup := out[k]; dup {
			return nil, fieldErr(join(field, k), "appears twice")
		}
		out[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fieldErr(field, "not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fieldErr(field, "trailing data after the JSON object")
	}
	return out, nil
}

func join(field, k string) string {
	if field == "" {
		return k
	}
	return field + "." + k
}

func array(field string, raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fieldErr(field, "not a JSON array")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fieldErr(field, "not a JSON array: %v", err)
	}
	return items, nil
}

func str(obj map[string]json.RawMessage, k string) (string, error) {
	return strAt(obj, "detail", k)
}

func strAt(obj map[string]json.RawMessage, field, k string) (string, error) {
	raw := bytes.TrimSpace(obj[k])
	if len(raw) == 0 || raw[0] != '"' {
		return "", fieldErr(field+"."+k, "not a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(field+"."+k, "not a string")
	}
	return s, nil
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func show(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// detailJSON is the wire form of a lifecycle event's detail.
type detailJSON struct {
	TenantID        string     `json:"tenantId"`
	OccurredAt      string     `json:"occurredAt"`
	Name            string     `json:"name,omitempty"`
	Contacts        []Contact  `json:"contacts,omitempty"`
	Locations       []Location `json:"locations,omitempty"`
	SharedResources []string   `json:"sharedResources,omitempty"`
}

// Detail returns the event's detail object as the control plane would put
// it on EventBridge: Parse of an envelope holding it gives back e. Use it to
// emit events (the sandbox's control-plane simulator) and in tests.
func (e Event) Detail() json.RawMessage {
	d := detailJSON{TenantID: e.TenantID, OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano), Name: e.Name, Contacts: e.Contacts, Locations: e.Locations, SharedResources: e.SharedResources}
	b, err := json.Marshal(d)
	if err != nil {
		// detailJSON holds only strings and slices of plain structs.
		panic(fmt.Sprintf("tenant: marshal event detail: %v", err))
	}
	if e.SharedResources != nil && len(e.SharedResources) == 0 {
		// omitempty would drop an explicit "clear": keep it.
		b = append(b[:len(b)-1], []byte(`,"sharedResources":[]}`)...)
	}
	return b
}

// Normalize checks an event built in code by the rules Parse applies to
// events from outside, and returns it as Parse would: with defaults filled
// in and occurredAt in UTC, truncated to the millisecond.
func (e Event) Normalize() (Event, error) {
	return FromCloudWatchEvent(e.CloudWatchEvent("", "", e.OccurredAt))
}

// CloudWatchEvent wraps the event in an EventBridge envelope with the given
// account, region and delivery time.
func (e Event) CloudWatchEvent(account, region string, at time.Time) events.CloudWatchEvent {
	return events.CloudWatchEvent{
		Version: "0", ID: e.ID, DetailType: string(e.Type), Source: Source,
		AccountID: account, Time: at.UTC(), Region: region, Resources: []string{}, Detail: e.Detail(),
	}
}
