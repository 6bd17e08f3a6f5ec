package notice

import "strings"

// rule separates the languages of the plain-text part.
var rule = strings.Repeat("-", 60)

// writeText writes the plain-text part: each language's section in order,
// separated by a rule, and a blank line at the end. It is plain Go rather than a template: nothing in a
// text part needs escaping, and text/template would bring reflection-driven
// method lookup into the binary (see the doc of package notice).
func writeText(b *strings.Builder, p page) {
	for i, s := range p.Sections {
		if i > 0 {
			b.WriteString("\n" + rule + "\n\n")
		}
		b.WriteString(s.Greeting + "\n\n")
		for _, l := range s.Intro {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n■ " + s.L.What)
		b.WriteString("\n  " + s.Title)
		if s.About != "" {
			b.WriteString("\n  " + s.About)
		}
		b.WriteString("\n  " + s.L.TypeLabel + ": " + s.Type)
		b.WriteString("\n  " + s.L.SeverityLabel + ": " + s.Severity)
		if s.Occurrences != "" {
			b.WriteString("\n  " + s.Occurrences)
		}
		b.WriteString("\n\n■ " + s.L.When)
		b.WriteString("\n  " + s.Detected)
		if s.FirstSeen != "" {
			b.WriteString("\n  " + s.FirstSeen)
		}
		if s.Late != "" {
			b.WriteString("\n  " + s.Late)
		}
		if s.Due != "" {
			b.WriteString("\n  " + s.Due)
		}
		b.WriteString("\n\n■ " + s.L.Which)
		for _, r := range s.Resources {
			b.WriteString("\n  - " + r)
		}
		if s.Platform != "" {
			b.WriteString("\n  " + s.Platform)
		}
		b.WriteString("\n\n■ " + s.L.Doing)
		for _, l := range s.Action {
			b.WriteString("\n  " + l)
		}
		b.WriteString("\n\n■ " + s.L.Contact)
		b.WriteString("\n  " + s.Contact)
		b.WriteString("\n  " + s.Reference + "\n\n")
		for _, l := range s.Closing {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n" + s.Operator + "\n")
	}
	b.WriteString("\n")
}
