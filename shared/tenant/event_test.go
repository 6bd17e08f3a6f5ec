package tenant_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/tenant"
)

// fixtures returns the tenant lifecycle fixtures in events/.
func fixtures(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob("../../events/tenant-*.json")
	if err != nil || len(paths) < 4 {
		tb.Fatalf("want at least 4 tenant fixtures in events/, got %v (%v)", paths, err)
	}
	return paths
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("../../events", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParse_Fixtures(t *testing.T) {
	tests := []struct {
		file string
		want tenant.Event
	}{
		{"tenant-registered.json", tenant.Event{
			ID: "0b7d7f5e-2d59-4b0c-b1a4-5a3e7f6f2c10", Type: tenant.EventRegistered, TenantID: "tenant-1",
			OccurredAt: mustTime("2026-04-01T00:00:00Z"), Name: "株式会社サンプル",
			Contacts: []tenant.Contact{
				{Email: "security@tenant-1.example.jp", Language: "ja", Timezone: "Asia/Tokyo", Name: "情報システム部 ご担当者様"},
				{Email: "it-ops@tenant-1.example.com", Language: "en", Timezone: "America/Los_Angeles"},
			},
			SharedResources: []string{"arn:aws:rds:ap-northeast-1:123456789012:cluster:billing-aurora"},
		}},
		{"tenant-terminated.json", tenant.Event{
			ID: "3f0e1f9c-6f1a-4f44-8d6f-1b7c8c2b9a01", Type: tenant.EventTerminated, TenantID: "tenant-1",
			OccurredAt: mustTime("2026-10-01T03:00:00Z"),
		}},
		{"tenant-reinstated.json", tenant.Event{
			ID: "7c2d4a90-1e3b-4f6a-9d28-3b5e8f0a6c12", Type: tenant.EventReinstated, TenantID: "tenant-1",
			OccurredAt: mustTime("2026-10-05T01:00:00Z"),
		}},
		{"tenant-contact-changed.json", tenant.Event{
			ID: "d41e8b37-5a0c-4c1f-8e6b-92f7a3c5d801", Type: tenant.EventContactChanged, TenantID: "tenant-1",
			OccurredAt: mustTime("2026-06-01T02:30:00Z"), Name: "株式会社サンプルホールディングス",
			Contacts: []tenant.Contact{
				{Email: "security@tenant-1.example.jp", Language: "ja", Timezone: "Asia/Tokyo", Name: "情報セキュリティ室 ご担当者様"},
				{Email: "it-ops@tenant-1.example.com", Language: "en", Timezone: "America/Los_Angeles", Name: "IT Operations"},
			},
			SharedResources: []string{
				"arn:aws:rds:ap-northeast-1:123456789012:cluster:billing-aurora",
				"arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			},
		}},
	}
	if n := len(fixtures(t)); n != len(tests) {
		t.Errorf("events/ has %d tenant fixtures, this test checks %d: add the new one here", n, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := tenant.Parse(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
			// Round trip: the event re-encoded parses to the same event.
			env := got.CloudWatchEvent("123456789012", "ap-northeast-1", got.OccurredAt)
			raw, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tenant.Parse(raw)
			if err != nil {
				t.Fatalf("re-encoded event does not parse: %v\n%s", err, raw)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("round trip =\n%+v\nwant\n%+v", again, got)
			}
		})
	}
}

// TestFromCloudWatchEvent_AsDeliveredByLambda decodes a fixture the way
// aws-lambda-go does before handing it to a handler.
func TestFromCloudWatchEvent_AsDeliveredByLambda(t *testing.T) {
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(readFixture(t, "tenant-terminated.json"), &ev); err != nil {
		t.Fatal(err)
	}
	got, err := tenant.FromCloudWatchEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != tenant.EventTerminated || got.TenantID != "tenant-1" || !got.OccurredAt.Equal(mustTime("2026-10-01T03:00:00Z")) {
		t.Errorf("got %+v", got)
	}
}

func envelope(detailType, detail string) []byte {
	return []byte(`{"version":"0","id":"e-1","detail-type":"` + detailType + `","source":"pledge.tenant-lifecycle","account":"123456789012","time":"2026-04-01T00:00:00Z","region":"ap-northeast-1","resources":[],"detail":` + detail + `}`)
}

const okContacts = `"contacts":[{"email":"a@example.jp"}]`

func TestParse_Defaults(t *testing.T) {
	got, err := tenant.Parse(envelope("Tenant Registered", `{"tenantId":"t-1","occurredAt":"2026-04-01T09:00:00.123456+09:00","name":"n",`+okContacts+`}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := got.Contacts[0], (tenant.Contact{Email: "a@example.jp", Language: "ja", Timezone: "Asia/Tokyo"}); got != want {
		t.Errorf("contact = %+v, want %+v", got, want)
	}
	if got, want := got.OccurredAt, mustTime("2026-04-01T00:00:00.123Z"); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("occurredAt = %v, want %v in UTC, truncated to the millisecond", got, want)
	}
	if got.Locations != nil || got.SharedResources != nil {
		t.Errorf("absent optional fields should be nil: %+v", got)
	}
	cleared, err := tenant.Parse(envelope("Tenant Contact Changed", `{"tenantId":"t-1","occurredAt":"2026-04-02T00:00:00Z","sharedResources":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if cleared.SharedResources == nil || len(cleared.SharedResources) != 0 {
		t.Errorf("sharedResources [] should be an empty non-nil slice (clear), got %#v", cleared.SharedResources)
	}
	if again, err := tenant.Parse(envelope("Tenant Contact Changed", string(cleared.Detail()))); err != nil || again.SharedResources == nil {
		t.Errorf("Detail() loses the explicit clear: %s (%v)", cleared.Detail(), err)
	}
}

func TestParse_ErrorsNameTheField(t *testing.T) {
	reg := func(extra string) []byte {
		return envelope("Tenant Registered", `{"tenantId":"t-1","occurredAt":"2026-04-01T00:00:00Z","name":"n",`+okContacts+extra+`}`)
	}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"not JSON", []byte(`{`), "not an EventBridge event"},
		{"wrong source", []byte(`{"id":"e","source":"aws.guardduty","detail-type":"Tenant Registered","detail":{}}`), `source: "aws.guardduty": want "pledge.tenant-lifecycle"`},
		{"wrong detail-type", envelope("Tenant Suspended", `{}`), `detail-type: "Tenant Suspended": want one of`},
		{"no id", []byte(`{"source":"pledge.tenant-lifecycle","detail-type":"Tenant Terminated","detail":{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z"}}`), "id: missing"},
		{"no detail", []byte(`{"id":"e","source":"pledge.tenant-lifecycle","detail-type":"Tenant Terminated"}`), "detail: missing"},
		{"detail array", envelope("Tenant Terminated", `[]`), "detail: not a JSON object"},
		{"missing tenantId", envelope("Tenant Terminated", `{"occurredAt":"2026-01-01T00:00:00Z"}`), "detail.tenantId: missing"},
		{"tenantId number", envelope("Tenant Terminated", `{"tenantId":7,"occurredAt":"2026-01-01T00:00:00Z"}`), "detail.tenantId: not a string"},
		{"tenantId slash", envelope("Tenant Terminated", `{"tenantId":"a/b","occurredAt":"2026-01-01T00:00:00Z"}`), `detail.tenantId: tenant id "a/b" is invalid`},
		{"tenantId dot-dot", envelope("Tenant Terminated", `{"tenantId":"..","occurredAt":"2026-01-01T00:00:00Z"}`), `detail.tenantId: tenant id ".." is invalid`},
		{"duplicate tenantId", envelope("Tenant Terminated", `{"tenantId":"a","tenantId":"b","occurredAt":"2026-01-01T00:00:00Z"}`), "detail.tenantId: appears twice"},
		{"missing occurredAt", envelope("Tenant Terminated", `{"tenantId":"t"}`), "detail.occurredAt: missing"},
		{"occurredAt no zone", envelope("Tenant Terminated", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00"}`), `detail.occurredAt: "2026-01-01T00:00:00": want an RFC 3339 time`},
		{"occurredAt year", envelope("Tenant Terminated", `{"tenantId":"t","occurredAt":"1970-01-01T00:00:00Z"}`), "detail.occurredAt: \"1970-01-01T00:00:00Z\": want a year from 2000 to 2999"},
		{"unknown field", envelope("Tenant Terminated", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","reason":"x"}`), `detail.reason: not a field of a "Tenant Terminated" event`},
		{"contacts on termination", envelope("Tenant Terminated", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z",`+okContacts+`}`), `detail.contacts: not a field of a "Tenant Terminated" event`},
		{"missing name", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z",`+okContacts+`}`), "detail.name: missing"},
		{"blank name", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"  ",`+okContacts+`}`), "detail.name: empty"},
		{"bidi name", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"a\u202eb",`+okContacts+`}`), "detail.name: contains U+202E"},
		{"missing contacts", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n"}`), "detail.contacts: missing"},
		{"empty contacts", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[]}`), "detail.contacts: empty"},
		{"contacts object", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":{}}`), "detail.contacts: not a JSON array"},
		{"contact no email", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"language":"ja"}]}`), "detail.contacts[0].email: missing"},
		{"contact bad email", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp"},{"email":"Ops <ops@b.jp>"}]}`), "detail.contacts[1].email: want an email address"},
		{"contact dup email", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp"},{"email":"A@b.jp"}]}`), "detail.contacts[1].email: the same address as contacts[0]"},
		{"contact language", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","language":"fr"}]}`), `detail.contacts[0].language: "fr": want "ja" or "en"`},
		{"contact timezone", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","timezone":"Asia/Tokio"}]}`), `detail.contacts[0].timezone: "Asia/Tokio": not a known IANA time zone`},
		{"contact timezone Local", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","timezone":"Local"}]}`), `detail.contacts[0].timezone: "Local": want an IANA time zone name`},
		{"contact timezone empty", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","timezone":""}]}`), `detail.contacts[0].timezone: "": want an IANA time zone name`},
		{"contact timezone path", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","timezone":"../../etc/passwd"}]}`), `detail.contacts[0].timezone: "../../etc/passwd"`},
		{"contact unknown field", envelope("Tenant Registered", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","name":"n","contacts":[{"email":"a@b.jp","phone":"03"}]}`), "detail.contacts[0].phone: not a contact field"},
		{"locations empty", reg(`,"locations":[]`), "detail.locations: empty"},
		{"location no prefix", reg(`,"locations":[{"bucket":"b"}]`), "detail.locations[0].prefix: missing"},
		{"location prefix no slash", reg(`,"locations":[{"bucket":"b","prefix":"tenants/t"}]`), `detail.locations[0].prefix: "tenants/t": want the tenant's key prefix`},
		{"location duplicate", reg(`,"locations":[{"bucket":"b","prefix":"t/"},{"bucket":"b","prefix":"t/"}]`), "detail.locations[1]: the same location"},
		{"arn bad", reg(`,"sharedResources":["billing-aurora"]`), `detail.sharedResources[0]: "billing-aurora": want an ARN`},
		{"arn number", reg(`,"sharedResources":[1]`), `detail.sharedResources[0]: not a string`},
		{"contact change empty", envelope("Tenant Contact Changed", `{"tenantId":"t","occurredAt":"2026-01-01T00:00:00Z"}`), `detail: a "Tenant Contact Changed" event changes nothing`},
		{"too big", []byte(`{"x":"` + strings.Repeat("a", tenant.MaxEventBytes) + `"}`), "larger than any EventBridge event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tenant.Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			var fe *tenant.FieldError
			if !errors.Is(err, tenant.ErrInvalid) || !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FieldError wrapping ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%q\ndoes not contain\n%q", err, tt.want)
			}
		})
	}
}
