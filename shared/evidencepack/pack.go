package evidencepack

import (
	"slices"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
)

// Format names this pack format and its version.
const Format = "pledge-evidence-pack/1"

// Text is a sentence in Japanese and English.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// In returns the text in a language ("ja" or "en").
func (t Text) In(lang string) string {
	if lang == "ja" {
		return t.JA
	}
	return t.EN
}

// Status is how a promise fared: over the month, or on one day.
type Status string

// The statuses. Unverified means there was no evidence, or the evidence
// could not be evaluated (an ERROR result): never a pass. None is a day on
// which nothing the promise covers happened (no notice was due).
const (
	Kept       Status = "kept"
	Breached   Status = "breached"
	Unverified Status = "unverified"
	None       Status = "none"
)

// worse returns the worse of two statuses: breached, unverified, kept,
// none.
func worse(a, b Status) Status {
	rank := map[Status]int{None: 0, Kept: 1, Unverified: 2, Breached: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Pack is one month's evidence pack: per ISO/IEC 27017 control, what was
// promised, what happened and the evidence behind it.
type Pack struct {
	Format string `json:"format"`
	// Month is "2026-11" in Zone; From and To bound it in UTC.
	Month       string    `json:"month"`
	Zone        string    `json:"zone"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Days are the month's dates, "2026-11-01" to "2026-11-30", indexing
	// every per-day series.
	Days     []string  `json:"days"`
	Controls []Control `json:"controls"`
	// Objects counts the indexed evidence objects by kind.
	Objects map[string]int `json:"objects"`
	// Problems are evidence objects that could not be read or did not
	// hold (a signature that does not verify, a manifest that does not
	// re-hash).
	Problems []Problem `json:"problems"`
	// DryRuns counts records marked dry run, indexed but in no figure.
	DryRuns int `json:"dryRuns"`
	// Signing names the key the index is signed with (set when signed).
	Signing *Signing `json:"signing,omitempty"`
}

// Signing names the key that signs the pack's index.
type Signing struct {
	KeyID           string `json:"keyId"`
	Algorithm       string `json:"algorithm"`
	PublicKeySHA256 string `json:"publicKeySha256"`
}

// Control is one control's month.
type Control struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	// Promise says what was promised, one sentence a promise.
	Promise []Text `json:"promise"`
	Status  Status `json:"status"`
	// Summary is the month in one line.
	Summary Text `json:"summary"`
	// Figures are the numbers behind the summary.
	Figures []Figure `json:"figures"`
	// Days is the status of each day of the month.
	Days []Status `json:"days"`
	// Findings are the breaches and open failures, similar ones grouped.
	Findings []Group `json:"findings"`
	// Sections hold the detail of the evidence kinds behind the control.
	Backups      *Backups      `json:"backups,omitempty"`
	Purges       *Purges       `json:"purges,omitempty"`
	Notices      *Notices      `json:"notices,omitempty"`
	Verification *Verification `json:"verification,omitempty"`
	// Evidence are the keys of the evidence objects behind the figures.
	Evidence []string `json:"evidence"`

	month Month
}

func (c *Control) zone() *time.Location {
	if c.month.Zone == nil {
		return time.UTC
	}
	return c.month.Zone
}

// dayOf returns the index of t's day in the control's month, -1 outside.
func (c *Control) dayOf(t time.Time) int {
	if c.month.Zone == nil {
		return -1
	}
	return c.month.Day(t)
}

// Figure is one number and what it measures.
type Figure struct {
	Label  Text   `json:"label"`
	Value  string `json:"value"`
	Status Status `json:"status,omitempty"`
}

// Group is a set of similar results shown as one row: one check, one
// status, one subject (for example 41 unencrypted snapshots of one
// database).
type Group struct {
	Title  Text   `json:"title"`
	Status Status `json:"status"`
	Count  int    `json:"count"`
	// Since is when the oldest of them began, when known.
	Since time.Time `json:"since,omitzero"`
	Items []Item    `json:"items"`
}

// Item is one member of a group.
type Item struct {
	Subject string    `json:"subject"`
	Reason  Text      `json:"reason"`
	Since   time.Time `json:"since,omitzero"`
	// Evidence is the key of the object that shows it.
	Evidence string `json:"evidence,omitempty"`
}

// Build makes the pack of a month from its evidence and the promises in
// cfg; it is pure. now is the time of generation.
func Build(ev *Evidence, cfg config.Config, now time.Time) Pack {
	m := ev.Month
	p := Pack{Format: Format, Month: m.String(), Zone: m.Zone.String(), From: m.Start().UTC(), To: m.End().UTC(), GeneratedAt: now.UTC().Truncate(time.Second),
		Objects: map[string]int{}, Problems: slices.Clone(ev.Problems), DryRuns: ev.DryRuns}
	if p.Problems == nil {
		p.Problems = []Problem{}
	}
	for _, d := range m.Days() {
		p.Days = append(p.Days, d.Format("2006-01-02"))
	}
	for _, o := range ev.Objects {
		p.Objects[o.Kind]++
	}
	checks := buildVerification(ev)
	for _, def := range controlDefs {
		c := Control{ID: def.id, Title: def.title, Promise: promises(def.id, cfg), Days: make([]Status, len(p.Days)), Findings: []Group{}, Evidence: []string{}, month: m}
		for i := range c.Days {
			c.Days[i] = None
		}
		status := None
		if def.backups {
			c.Backups = buildBackups(ev, cfg)
			status = worse(status, c.Backups.apply(&c))
		}
		if def.purges {
			c.Purges = buildPurges(ev, cfg)
			status = worse(status, c.Purges.apply(&c, cfg))
		}
		if def.segregation {
			status = worse(status, applySegregation(ev, &c))
		}
		if def.notices {
			c.Notices = buildNotices(ev, cfg)
			status = worse(status, c.Notices.apply(&c))
		}
		if def.findings {
			status = worse(status, applyFindings(ev, &c))
		}
		if def.verified {
			c.Verification = checks.forControl(def.id)
			status = worse(status, c.Verification.apply(&c))
		}
		if status == None {
			status = Unverified
		}
		c.Status = status
		c.Summary = summarise(c)
		slices.Sort(c.Evidence)
		c.Evidence = slices.Compact(c.Evidence)
		p.Controls = append(p.Controls, c)
	}
	return p
}
