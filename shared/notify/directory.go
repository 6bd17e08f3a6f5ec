package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo.

	"github.com/pledge-dev/pledge/shared/finding"
)

// ErrUnknownTenant is wrapped by Directory.Tenant when there is no tenant
// with the id.
var ErrUnknownTenant = errors.New("unknown tenant")

// Directory is what the notifier needs from the tenant registry.
type Directory interface {
	// Tenants returns every tenant whose data is still held (routing
	// ignores the others), with their routing entries.
	Tenants(ctx context.Context) ([]Tenant, error)
	// Tenant returns one tenant with its current contacts. The error wraps
	// ErrUnknownTenant when there is none.
	Tenant(ctx context.Context, id string) (Tenant, error)
}

// Tenant is one tenant as the notifier sees it: what routing needs, a name
// for the greeting, and whom to write to.
type Tenant struct {
	finding.Tenant
	// Name is the tenant's display name; the id is used when empty.
	Name string
	// Contacts receive the notices.
	Contacts []Contact
}

// Contact is one addressee of a tenant's notices.
type Contact struct {
	Email string
	// Language comes first in the notices: "ja" or "en".
	Language string
	// Timezone is the IANA zone times are shown in; DefaultZone when empty
	// or unknown.
	Timezone string
	// Name is optional.
	Name string
}

// DefaultZone is a contact's zone when it names none.
const DefaultZone = "Asia/Tokyo"

// Audience is the contacts of one tenant who read the same e-mail: the same
// languages in the same order, and the same time zone.
type Audience struct {
	Languages []string
	Zone      string
	// Emails are the addresses, sorted, without duplicates.
	Emails []string
}

// Key identifies the audience's rendering and addressees, for the ledger's
// record of groups already mailed. It is a hash: no address appears in it.
func (a Audience) Key() string {
	h := sha256.New()
	h.Write([]byte(strings.Join(a.Languages, ",") + "|" + a.Zone))
	for _, e := range a.Emails {
		h.Write([]byte{0})
		h.Write([]byte(normalEmail(e)))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// Location returns the audience's zone, or DefaultZone's when the name is
// unknown.
func (a Audience) Location() *time.Location {
	return zone(a.Zone)
}

func zone(name string) *time.Location {
	if name == "" {
		name = DefaultZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		loc, _ = time.LoadLocation(DefaultZone)
	}
	return loc
}

// Audiences groups contacts by languages and zone. Each contact's languages
// are base with the contact's own language moved to the front (added in
// front when base lacks it); an empty language keeps base's order. A zone
// the system does not know is replaced by DefaultZone, so a bad entry
// cannot stop the notice. Contacts without an address are left out.
// Audiences come in the order of their first contact.
func Audiences(contacts []Contact, base []string) []Audience {
	var out []Audience
	for _, c := range contacts {
		email := strings.TrimSpace(c.Email)
		if email == "" {
			continue
		}
		langs := slices.Clone(base)
		if c.Language != "" {
			langs = slices.DeleteFunc(langs, func(l string) bool { return l == c.Language })
			langs = append([]string{c.Language}, langs...)
		}
		z := zone(c.Timezone).String()
		i := slices.IndexFunc(out, func(a Audience) bool { return a.Zone == z && slices.Equal(a.Languages, langs) })
		if i < 0 {
			out = append(out, Audience{Languages: langs, Zone: z})
			i = len(out) - 1
		}
		if !slices.ContainsFunc(out[i].Emails, func(e string) bool { return normalEmail(e) == normalEmail(email) }) {
			out[i].Emails = append(out[i].Emails, email)
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Emails, func(a, b string) int { return strings.Compare(normalEmail(a), normalEmail(b)) })
	}
	return out
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// HashEmail returns the hex SHA-256 of the trimmed, lower-cased address: how
// evidence names a recipient without writing the address down.
func HashEmail(e string) string {
	sum := sha256.Sum256([]byte(normalEmail(e)))
	return hex.EncodeToString(sum[:])
}

// routing returns the routing entries of tenants.
func routing(ts []Tenant) []finding.Tenant {
	out := make([]finding.Tenant, len(ts))
	for i, t := range ts {
		out[i] = t.Tenant
	}
	return out
}
