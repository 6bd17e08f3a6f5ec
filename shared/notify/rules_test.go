package notify_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	quiet := 24 * time.Hour
	updated := now.Add(-time.Minute) // the finding changed after every notice below
	notified := func(b finding.Band, ago time.Duration) *notify.Entry {
		return &notify.Entry{Seq: 1, Band: b, Queued: now.Add(-ago), Updated: now.Add(-ago - time.Hour)}
	}
	tests := []struct {
		name string
		prev *notify.Entry
		band finding.Band
		want notify.Decision
	}{
		{"Never", nil, finding.Low, notify.Decision{Due: true, Kind: notify.KindFirst}},
		{"ReleasedClaim", &notify.Entry{Seq: 0}, finding.High, notify.Decision{Due: true, Kind: notify.KindFirst}},
		{"SameBand", notified(finding.High, time.Hour), finding.High, notify.Decision{Suppressed: notify.SuppressedDuplicate}},
		{"LowerBand", notified(finding.High, time.Hour), finding.Medium, notify.Decision{Suppressed: notify.SuppressedDuplicate}},
		{"HigherBand", notified(finding.Medium, time.Minute), finding.High, notify.Decision{Due: true, Kind: notify.KindUpgrade}},
		{"HigherBandAfterQuiet", notified(finding.Medium, 48*time.Hour), finding.Critical, notify.Decision{Due: true, Kind: notify.KindUpgrade}},
		{"JustInsideQuiet", notified(finding.High, quiet-time.Millisecond), finding.High, notify.Decision{Suppressed: notify.SuppressedDuplicate}},
		{"QuietOver", notified(finding.High, quiet), finding.High, notify.Decision{Due: true, Kind: notify.KindReminder}},
		{"LowerBandAfterQuiet", notified(finding.High, 2*quiet), finding.Low, notify.Decision{Due: true, Kind: notify.KindReminder}},
		{"QuietOverButUnchanged", &notify.Entry{Seq: 1, Band: finding.High, Queued: now.Add(-2 * quiet), Updated: updated}, finding.High, notify.Decision{Suppressed: notify.SuppressedDuplicate}},
		{"QuietOverUpdatedBeforeTheNotice", &notify.Entry{Seq: 1, Band: finding.High, Queued: now.Add(-2 * quiet), Updated: updated.Add(time.Hour)}, finding.High, notify.Decision{Suppressed: notify.SuppressedDuplicate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.Decide(tt.prev, tt.band, updated, now, quiet); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAudiences(t *testing.T) {
	tests := []struct {
		name     string
		contacts []notify.Contact
		base     []string
		want     []notify.Audience
	}{
		{
			name: "GroupedByLanguageAndZone",
			contacts: []notify.Contact{
				{Email: "b@x.example", Language: "ja", Timezone: "Asia/Tokyo"},
				{Email: "c@x.example", Language: "en", Timezone: "Asia/Tokyo"},
				{Email: "a@x.example", Language: "ja", Timezone: "Asia/Tokyo"},
				{Email: "d@x.example", Language: "ja", Timezone: "Europe/London"},
			},
			base: []string{"ja", "en"},
			want: []notify.Audience{
				{Languages: []string{"ja", "en"}, Zone: "Asia/Tokyo", Emails: []string{"a@x.example", "b@x.example"}},
				{Languages: []string{"en", "ja"}, Zone: "Asia/Tokyo", Emails: []string{"c@x.example"}},
				{Languages: []string{"ja", "en"}, Zone: "Europe/London", Emails: []string{"d@x.example"}},
			},
		},
		{
			name: "DefaultsAndDuplicates",
			contacts: []notify.Contact{
				{Email: "a@x.example"},
				{Email: " A@X.example ", Timezone: "Asia/Tokyo"},
				{Email: "b@x.example", Timezone: "Not/AZone"},
				{Email: "  "},
			},
			base: []string{"ja", "en"},
			want: []notify.Audience{{Languages: []string{"ja", "en"}, Zone: "Asia/Tokyo", Emails: []string{"a@x.example", "b@x.example"}}},
		},
		{
			name:     "ContactLanguageOutsideConfiguredOnesIsAddedFirst",
			contacts: []notify.Contact{{Email: "a@x.example", Language: "en"}},
			base:     []string{"ja"},
			want:     []notify.Audience{{Languages: []string{"en", "ja"}, Zone: "Asia/Tokyo", Emails: []string{"a@x.example"}}},
		},
		{"NoContacts", nil, []string{"ja", "en"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notify.Audiences(tt.contacts, tt.base)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if !slices.Equal(g.Languages, w.Languages) || g.Zone != w.Zone || !slices.Equal(g.Emails, w.Emails) {
					t.Errorf("audience %d = %+v, want %+v", i, g, w)
				}
				if strings.Contains(g.Key(), "@") || len(g.Key()) != 24 {
					t.Errorf("key %q must be a short hash", g.Key())
				}
			}
			if !slices.Equal(tt.base, tt.base[:len(tt.base):len(tt.base)]) {
				t.Errorf("base changed")
			}
		})
	}
	// The key changes with the addressees and the rendering.
	a := notify.Audience{Languages: []string{"ja", "en"}, Zone: "Asia/Tokyo", Emails: []string{"a@x.example"}}
	b := a
	b.Emails = []string{"b@x.example"}
	c := a
	c.Languages = []string{"en", "ja"}
	if a.Key() == b.Key() || a.Key() == c.Key() {
		t.Errorf("audience keys collide")
	}
}

func validMessage() notify.Message {
	d := time.Date(2026, 11, 22, 2, 11, 9, 330e6, time.UTC)
	return notify.Message{
		Version: notify.MessageVersion, TenantID: "tenant-1", Seq: 1, Kind: notify.KindFirst, Queued: d.Add(time.Minute), PromiseFrom: d,
		Finding:   finding.Finding{ID: "f-1", Source: finding.SourceGuardDuty, Type: "Backdoor:EC2/C&CActivity.B", Band: finding.High, Severity: 8, Title: "t", Detected: d, Updated: d, Count: 1},
		Resources: []finding.Resource{{Kind: finding.KindInstance, ID: "i-1"}},
		Reasons:   []finding.Reason{{Kind: finding.ReasonTag, Resource: "i-1"}},
	}
}

func TestMessage_RoundTrip(t *testing.T) {
	m := validMessage()
	body, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := notify.DecodeMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := got.Encode()
	if again != body {
		t.Errorf("round trip changed the message:\n%s\n%s", body, again)
	}
}

func TestDecodeMessage_Errors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"Version", func(m map[string]any) { m["version"] = 2 }, "version"},
		{"NoTenant", func(m map[string]any) { delete(m, "tenantId") }, "tenantId"},
		{"Seq", func(m map[string]any) { m["seq"] = 0 }, "seq"},
		{"Kind", func(m map[string]any) { m["kind"] = "urgent" }, "kind"},
		{"NoQueued", func(m map[string]any) { delete(m, "queued") }, "queued"},
		{"NoFindingID", func(m map[string]any) { m["finding"].(map[string]any)["id"] = "" }, "finding.id"},
		{"NoDetected", func(m map[string]any) { delete(m["finding"].(map[string]any), "detected") }, "finding.detected"},
		{"NoPromise", func(m map[string]any) { delete(m, "promiseFrom") }, "promiseFrom"},
		{"UnknownField", func(m map[string]any) { m["emails"] = []string{"x"} }, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := validMessage().Encode()
			var m map[string]any
			_ = json.Unmarshal([]byte(body), &m)
			tt.edit(m)
			b, _ := json.Marshal(m)
			_, err := notify.DecodeMessage(string(b))
			if !errors.Is(err, notify.ErrBadMessage) || !strings.Contains(err.Error(), tt.field+":") {
				t.Errorf("error = %v, want ErrBadMessage naming %s", err, tt.field)
			}
		})
	}
	if _, err := notify.DecodeMessage(strings.Repeat(" ", notify.MaxMessageBytes+1)); !errors.Is(err, notify.ErrBadMessage) {
		t.Errorf("oversized body: %v", err)
	}
}

func TestMessage_EncodeRefusesOversizedMessage(t *testing.T) {
	m := validMessage()
	m.Resources = []finding.Resource{{Kind: finding.KindS3Bucket, ID: "b", Keys: []string{strings.Repeat("k", notify.MaxMessageBytes)}}}
	if _, err := m.Encode(); err == nil || !strings.Contains(err.Error(), "more than an SQS message holds") {
		t.Errorf("error = %v", err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	body, _ := validMessage().Encode()
	f.Add(body)
	f.Add(`{}`)
	f.Add(`{"version":1,"tenantId":"t","seq":1,"kind":"first"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := notify.DecodeMessage(s)
		if err != nil {
			if !errors.Is(err, notify.ErrBadMessage) {
				t.Fatalf("error %v does not wrap ErrBadMessage", err)
			}
			return
		}
		// Whatever decodes is a message the sender can act on, and
		// encodes again to something that decodes the same.
		if m.TenantID == "" || m.Seq < 1 || m.Finding.ID == "" || !m.Finding.Band.Valid() {
			t.Fatalf("accepted an unusable message: %+v", m)
		}
		b, err := m.Encode()
		if err != nil {
			return
		}
		if _, err := notify.DecodeMessage(b); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
	})
}

func TestOpsMessage_Subject(t *testing.T) {
	o := notify.OpsMessage{Band: finding.Critical, Type: strings.Repeat("Exfiltration:S3/アノマリー", 10), Queued: []string{"a", "b"}, Kind: notify.KindUpgrade}
	s := o.Subject()
	if len(s) > 100 || !strings.HasPrefix(s, "[upgrade] Pledge Critical finding") {
		t.Errorf("subject %q", s)
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			t.Fatalf("subject %q has a non-ASCII or control character", s)
		}
	}
}

func TestSettingsFrom(t *testing.T) {
	c, err := config.Decode(strings.NewReader(`{"region":"ap-northeast-1","notifications":{"sender":"security@pledge.example","severityThreshold":"Medium","noticeHours":6}}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := notify.SettingsFrom(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Deadline.Limit != 6*time.Hour || s.QuietPeriod != 24*time.Hour || s.SendRate != 1 || s.Policy.Threshold != finding.Medium || s.Policy.PlatformSeverity != finding.High {
		t.Errorf("settings %+v", s)
	}
	if !slices.Equal(s.Languages, []string{"ja", "en"}) || s.Wording.Contact != "security@pledge.example" {
		t.Errorf("languages %v, contact %q", s.Languages, s.Wording.Contact)
	}
	stop := fixture(t, "cloudtrail-stop-logging.json")
	if _, err := finding.Parse(stop, s.Catalogue); err != nil {
		t.Fatalf("StopLogging should be in the default catalogue: %v", err)
	}

	// The operator's wording and catalogue overrides replace the defaults.
	c.Notifications.Operator = map[string]string{"ja": "サンプルクラウド", "en": "Sample Cloud"}
	c.Notifications.Contact = "https://support.example.jp/security"
	c.Notifications.Action = map[string]string{"ja": "調査中です。", "en": "We are investigating."}
	c.Notifications.Catalogue.Disable = []string{"cloudtrail/LoggingStopped"}
	s, err = notify.SettingsFrom(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Wording.Operator["en"] != "Sample Cloud" || s.Wording.Contact != "https://support.example.jp/security" || s.Wording.Action["ja"] != "調査中です。" {
		t.Errorf("wording = %+v", s.Wording)
	}
	if _, err := finding.Parse(stop, s.Catalogue); !errors.Is(err, finding.ErrIgnored) {
		t.Errorf("a disabled catalogue rule still matches: %v", err)
	}
	c.Notifications.Catalogue.Disable = []string{"cloudtrail/NoSuchRule"}
	if _, err := notify.SettingsFrom(c); err == nil || !strings.Contains(err.Error(), `notifications.catalogue.disable: catalogue: no rule of type "cloudtrail/NoSuchRule"`) {
		t.Errorf("unknown rule: %v", err)
	}
	c.Notifications.Catalogue.Disable = nil

	c.Notifications.SeverityThreshold = "Severe"
	if _, err := notify.SettingsFrom(c); err == nil || !strings.Contains(err.Error(), "severityThreshold") {
		t.Errorf("bad threshold: %v", err)
	}
}
