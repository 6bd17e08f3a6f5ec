package finding

import (
	"fmt"
	"strings"
)

// Markdown writes the catalogue as the table in CATALOGUE.md: one row per
// rule with its CIS control, calls, band, routing and titles, then what
// each rule means for a customer in both languages.
func (c Catalogue) Markdown() string {
	var b strings.Builder
	b.WriteString("# Catalogue of security-relevant CloudTrail calls\n\n")
	b.WriteString("Generated from `finding.Default()` by `go test ./shared/finding -run TestCatalogue_Markdown -update`; a test fails when it differs from the code.\n\n")
	fmt.Fprintf(&b, "%d rules: %d over %d named calls, and %d over calls of any service. The first rule that matches a call wins, so specific rules come before the general rule for the same calls. ",
		len(c.Rules), len(c.Rules)-c.anyCallRules(), c.Calls(), c.anyCallRules())
	b.WriteString("Routing: *platform* findings reach the tenants whose resources they name, or else every active tenant at or above `notifications.platformSeverity`; ")
	b.WriteString("*resource* findings reach only the tenants whose resources they name (by tag, looked-up tag, S3 prefix or registered shared resource), or else ops alone as *unrouted*. ")
	b.WriteString("Counted rules become one finding per principal and window once the threshold is reached. ")
	b.WriteString("Calls of global services (IAM, console sign-in, AWS Organizations, CloudFront, Route 53, STS) reach EventBridge in us-east-1 only; the global-events stack (`infra/stack/global.go`) forwards the named ones, every console sign-in, and the global services' calls that the rules over calls of any service match (refused calls, root activity) to the home region.\n\n")
	b.WriteString("| Type | CIS | Calls | Band (severity) | Routing | Title | タイトル |\n|---|---|---|---|---|---|---|\n")
	for _, r := range c.Rules {
		band, _ := BandOf(r.Severity)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s (%.1f) | %s | %s | %s |\n", r.Type, dash(r.CIS), r.calls(), band, r.Severity, r.routing(), r.Title, r.TitleJA)
	}
	b.WriteString("\n## What each rule means for the customer\n\n")
	for _, r := range c.Rules {
		fmt.Fprintf(&b, "- **`%s`**: %s\n  %s\n", r.Type, r.About, r.AboutJA)
	}
	return b.String()
}

func (c Catalogue) anyCallRules() int {
	n := 0
	for _, r := range c.Rules {
		if r.AnyCall {
			n++
		}
	}
	return n
}

func (r Rule) calls() string {
	var parts []string
	if r.AnyCall {
		parts = append(parts, "any call")
	} else {
		parts = append(parts, strings.TrimSuffix(r.EventSource, ".amazonaws.com")+": "+strings.Join(r.EventNames, ", "))
	}
	if len(r.ErrorCodes) > 0 {
		parts = append(parts, "failing with "+strings.Join(r.ErrorCodes, " or "))
	}
	if len(r.IdentityTypes) > 0 {
		parts = append(parts, "by "+strings.Join(r.IdentityTypes, " or "))
	}
	if r.When != nil {
		parts = append(parts, "when the condition holds")
	}
	return strings.Join(parts, "; ")
}

func (r Rule) routing() string {
	s := string(r.Scope)
	if a := r.Aggregate; a != nil {
		s += fmt.Sprintf("; counted: %d in %s", a.Threshold, strings.TrimSuffix(strings.TrimSuffix(a.Window.String(), "0s"), "0m"))
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
