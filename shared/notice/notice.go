package notice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image has no zoneinfo.
	"unicode"
	"unicode/utf8"

	"github.com/pledge-dev/pledge/shared/finding"
)

// Languages a notice can be written in.
var Languages = []string{"ja", "en"}

// DefaultLanguages is the order used when Input.Languages is empty.
var DefaultLanguages = []string{"ja", "en"}

// DefaultZone is the zone used when Input.Location is nil.
const DefaultZone = "Asia/Tokyo"

// MaxKeysShown bounds how many S3 object keys a notice lists per bucket; the
// rest are counted.
const MaxKeysShown = 20

// Localized is a text by language ("ja", "en").
type Localized map[string]string

// Input is everything one tenant's notice says.
type Input struct {
	// TenantID and TenantName identify the addressee; the name is used in
	// the greeting (the id when the name is empty).
	TenantID   string
	TenantName string
	// Languages in order; empty means DefaultLanguages.
	Languages []string
	// Location is the tenant's zone for times; nil means DefaultZone.
	Location *time.Location
	// Finding is the finding being notified. Its Resources are not shown;
	// Resources below are.
	Finding finding.Finding
	// Resources are the tenant's resources the finding concerns
	// (finding.Recipient.Resources). Empty means the finding concerns the
	// service as a whole.
	Resources []finding.Resource
	// Operator is the operator's or service's name, by language.
	Operator Localized
	// Contact is whom to contact: an address, a phone number, a URL.
	Contact string
	// Action says what the operator is doing about it, by language. It may
	// span several lines.
	Action Localized
	// Due, when set, is when the operator promised to notify by (the
	// notice's deadline).
	Due time.Time
	// Late marks a finding that reached the operator after Due: the notice
	// says when it was detected and when it arrived (Received).
	Late     bool
	Received time.Time
}

// Message is a rendered notice.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// section is one language's complete notice, every string ready to print.
type section struct {
	Lang        string
	L           labels
	Band        finding.Band
	Greeting    string
	Intro       []string
	Title       string
	About       string
	Type        string
	Severity    string
	Occurrences string
	Detected    string
	FirstSeen   string
	Late        string
	Due         string
	Resources   []string
	Platform    string
	Action      []string
	Contact     string
	Reference   string
	Closing     []string
	Operator    string
}

type page struct {
	Lang     string
	Subject  string
	Sections []section
}

// Render writes the notice. It fails, naming the field, when a language is
// unknown or repeated, or the contact, an operator name or an action text
// for a requested language is missing.
func Render(in Input) (Message, error) {
	langs := in.Languages
	if len(langs) == 0 {
		langs = DefaultLanguages
	}
	var errs []error
	for i, l := range langs {
		if !slices.Contains(Languages, l) {
			errs = append(errs, fmt.Errorf("notice: languages[%d]: %q is not one of %v", i, l, Languages))
		} else if slices.Index(langs, l) != i {
			errs = append(errs, fmt.Errorf("notice: languages[%d]: %q is repeated", i, l))
		}
	}
	if strings.TrimSpace(in.Contact) == "" {
		errs = append(errs, errors.New("notice: contact: missing"))
	}
	if in.TenantID == "" && in.TenantName == "" {
		errs = append(errs, errors.New("notice: tenant: neither id nor name given"))
	}
	if in.Finding.ID == "" || !in.Finding.Band.Valid() || in.Finding.Detected.IsZero() {
		errs = append(errs, errors.New("notice: finding: id, band and detection time are required"))
	}
	for _, l := range langs {
		if strings.TrimSpace(in.Operator[l]) == "" {
			errs = append(errs, fmt.Errorf("notice: operator: no name for language %q", l))
		}
		if strings.TrimSpace(in.Action[l]) == "" {
			errs = append(errs, fmt.Errorf("notice: action: no text for language %q", l))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Message{}, err
	}
	loc := in.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultZone); err != nil {
			return Message{}, fmt.Errorf("notice: load zone %s: %w", DefaultZone, err)
		}
	}

	p := page{Lang: langs[0]}
	var subjects []string
	for _, l := range langs {
		s := build(l, in, loc)
		p.Sections = append(p.Sections, s)
		subjects = append(subjects, subjectLine(l, s))
	}
	p.Subject = strings.Join(subjects, " / ")

	var text, html strings.Builder
	writeText(&text, p)
	if err := noticeHTML(p).Render(context.Background(), &html); err != nil {
		return Message{}, fmt.Errorf("notice: render html: %w", err)
	}
	return Message{Subject: p.Subject, Text: text.String(), HTML: html.String()}, nil
}

// FormatTime writes t in loc with the zone's abbreviation and UTC offset:
// "2026-11-21 18:04 JST (UTC+09:00)".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST (UTC-07:00)")
}

func build(lang string, in Input, loc *time.Location) section {
	L := wording[lang]
	f := in.Finding
	name := firstNonEmpty(in.TenantName, in.TenantID)
	op := oneLine(in.Operator[lang])
	title := f.Title
	if t := f.LocalTitles[lang]; t != "" {
		title = t
	}
	s := section{
		Lang:      lang,
		L:         L,
		Band:      f.Band,
		Greeting:  fmt.Sprintf(L.Greeting, oneLine(name)),
		Title:     oneLine(title),
		Type:      oneLine(f.Type),
		Severity:  fmt.Sprintf(L.SeverityFormat, L.Bands[f.Band], f.Band.String(), strconv.FormatFloat(f.Severity, 'f', 1, 64)),
		Detected:  FormatTime(f.Detected, loc),
		Contact:   oneLine(in.Contact),
		Reference: fmt.Sprintf(L.Reference, oneLine(f.ID)),
		Operator:  op,
	}
	for _, line := range L.Intro {
		s.Intro = append(s.Intro, strings.ReplaceAll(line, "{operator}", op))
	}
	s.About = oneLine(f.About[lang])
	if f.Count > 1 {
		s.Occurrences = fmt.Sprintf(L.Occurrences, f.Count)
		if !f.FirstSeen.IsZero() && f.LastSeen.After(f.FirstSeen) {
			s.Occurrences = fmt.Sprintf(L.OccurrencesBetween, f.Count, FormatTime(f.FirstSeen, loc), FormatTime(f.LastSeen, loc))
		}
	}
	if in.Late && !in.Received.IsZero() {
		s.Late = fmt.Sprintf(L.Late, FormatTime(f.Detected, loc), FormatTime(in.Received, loc))
	}
	if !in.Due.IsZero() {
		s.Due = fmt.Sprintf(L.Due, FormatTime(in.Due, loc))
	}
	if !f.FirstSeen.IsZero() && f.FirstSeen.Before(f.Detected) {
		s.FirstSeen = fmt.Sprintf(L.FirstSeen, FormatTime(f.FirstSeen, loc))
	}
	for _, r := range in.Resources {
		kind := L.Kinds[r.Kind]
		if kind == "" {
			kind = r.Kind
		}
		if r.Bucket != "" && len(r.Keys) > 0 {
			for i, k := range r.Keys {
				if i == MaxKeysShown {
					s.Resources = append(s.Resources, fmt.Sprintf(L.MoreKeys, len(r.Keys)-MaxKeysShown))
					break
				}
				s.Resources = append(s.Resources, L.Object+": s3://"+oneLine(r.Bucket)+"/"+oneLine(k))
			}
			continue
		}
		line := kind + ": " + oneLine(firstNonEmpty(r.ID, r.ARN))
		if r.Detail != "" {
			line += " (" + oneLine(r.Detail) + ")"
		}
		s.Resources = append(s.Resources, line)
	}
	if len(s.Resources) == 0 {
		s.Platform = L.Platform
	}
	s.Action = lines(in.Action[lang])
	s.Closing = L.Closing
	return s
}

func subjectLine(lang string, s section) string {
	L := wording[lang]
	return oneLine(fmt.Sprintf(L.Subject, L.Bands[s.Band], truncate(s.Title, 100)))
}

// oneLine removes control characters (line breaks included) and collapses
// runs of white space, so event text cannot break lines or headers.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = oneLine(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
