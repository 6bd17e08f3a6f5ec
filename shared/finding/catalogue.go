package finding

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule is one security-relevant kind of CloudTrail call: the calls it
// matches, the finding they become, whom it concerns, and what it means
// for a customer.
type Rule struct {
	// Type identifies the rule and is the finding's type, e.g.
	// "s3/BucketPolicyPublic".
	Type string
	// EventSource and EventNames select the calls, e.g. "s3.amazonaws.com",
	// ["PutBucketPolicy"]. A rule with AnyCall set matches calls of every
	// service and names none.
	EventSource string
	EventNames  []string
	// AnyCall makes the rule match calls of every service; it must then
	// narrow them with ErrorCodes or IdentityTypes.
	AnyCall bool
	// ErrorCodes, when set, match failed calls whose errorCode fits one of
	// the patterns: "AccessDenied*" (prefix) or "*UnauthorizedOperation"
	// (suffix) or an exact code. Only failed calls match such a rule.
	ErrorCodes []string
	// IdentityTypes, when set, match calls made by these identity types
	// (userIdentity.type), e.g. "Root".
	IdentityTypes []string
	// Severity is on GuardDuty's 1.0-10.0 scale.
	Severity float64
	// Scope is whom the call concerns when it names no tenant's resource:
	// ScopePlatform (every active tenant) or ScopeResource (ops only,
	// "unrouted").
	Scope Scope
	// CIS names the CIS AWS Foundations Benchmark monitoring control the
	// rule covers ("4.4"), if any.
	CIS string
	// Title and TitleJA are the English and Japanese titles; About and
	// AboutJA one paragraph each on what the event means for the customer.
	Title, TitleJA string
	About, AboutJA string
	// When, if set, must hold for the call to match (e.g. "the policy grants
	// access to everyone"). An error means the call could not be read and
	// makes Parse fail with ErrMalformed rather than silently skip a call
	// that might matter.
	When func(d *CloudTrailDetail) (bool, error)
	// IncludeFailed makes the rule match calls that failed (errorCode set);
	// by default a failed call changed nothing and is ignored.
	IncludeFailed bool
	// Aggregate, when set, makes the rule meaningful only as a count: its
	// calls are counted per principal over a window and become one finding
	// when the count reaches the threshold.
	Aggregate *Aggregation
}

// Aggregation is how a counted rule turns calls into one finding.
type Aggregation struct {
	// Window is the counting window; calls fall into fixed windows aligned
	// to the epoch (UTC), so that every delivery of a call lands in the
	// same one.
	Window time.Duration
	// Threshold is the count at which the window's calls become a finding.
	Threshold int
}

// Catalogue is the configurable list of security-relevant CloudTrail calls.
// For one call the first matching rule wins, so a specific rule (a bucket
// policy made public) comes before the general one (any bucket policy
// change).
type Catalogue struct {
	Rules []Rule
}

// Match returns the first rule that matches the call.
func (c Catalogue) Match(d *CloudTrailDetail) (Rule, bool, error) {
	for _, r := range c.Rules {
		if !r.AnyCall && (r.EventSource != d.EventSource || !slices.Contains(r.EventNames, d.EventName)) {
			continue
		}
		if len(r.ErrorCodes) > 0 {
			if d.ErrorCode == "" || !slices.ContainsFunc(r.ErrorCodes, func(p string) bool { return codeMatches(p, d.ErrorCode) }) {
				continue
			}
		} else if d.ErrorCode != "" && !r.IncludeFailed {
			continue
		}
		if len(r.IdentityTypes) > 0 && !slices.Contains(r.IdentityTypes, d.UserIdentity.Type) {
			continue
		}
		if r.When != nil {
			ok, err := r.When(d)
			if err != nil {
				return Rule{}, false, fmt.Errorf("catalogue rule %s: %w", r.Type, err)
			}
			if !ok {
				continue
			}
		}
		return r, true, nil
	}
	return Rule{}, false, nil
}

// codeMatches matches an error code against "Prefix*", "*Suffix" or an
// exact code.
func codeMatches(pattern, code string) bool {
	switch {
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(code, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(code, strings.TrimPrefix(pattern, "*"))
	}
	return code == pattern
}

// Validate checks that every rule names its calls, a type, a scope, a
// severity on GuardDuty's scale and both titles, and that types are unique.
func (c Catalogue) Validate() error {
	seen := map[string]bool{}
	for i, r := range c.Rules {
		switch {
		case r.Type == "":
			return fmt.Errorf("catalogue rule %d (%s %v): type missing", i, r.EventSource, r.EventNames)
		case seen[r.Type]:
			return fmt.Errorf("catalogue rule %d: type %q used twice", i, r.Type)
		case r.AnyCall && len(r.ErrorCodes) == 0 && len(r.IdentityTypes) == 0:
			return fmt.Errorf("catalogue rule %s: a rule for any call must narrow it by error codes or identity types", r.Type)
		case r.AnyCall && (r.EventSource != "" || len(r.EventNames) > 0):
			return fmt.Errorf("catalogue rule %s: a rule for any call names no event source or names", r.Type)
		case !r.AnyCall && (r.EventSource == "" || !strings.HasSuffix(r.EventSource, ".amazonaws.com")):
			return fmt.Errorf("catalogue rule %d (%s): event source %q: want a service host such as s3.amazonaws.com", i, r.Type, r.EventSource)
		case !r.AnyCall && (len(r.EventNames) == 0 || slices.Contains(r.EventNames, "")):
			return fmt.Errorf("catalogue rule %d (%s): event name missing", i, r.Type)
		case r.Title == "":
			return fmt.Errorf("catalogue rule %s: title missing", r.Type)
		case !r.Scope.Valid():
			return fmt.Errorf("catalogue rule %s: scope %q: want %q or %q", r.Type, r.Scope, ScopePlatform, ScopeResource)
		case r.Aggregate != nil && (r.Aggregate.Window < time.Minute || r.Aggregate.Threshold < 1):
			return fmt.Errorf("catalogue rule %s: aggregation %+v: want a window of a minute or more and a threshold of 1 or more", r.Type, *r.Aggregate)
		}
		if r.Severity < 1 || r.Severity > 10 {
			return fmt.Errorf("catalogue rule %s: severity %v: want 1.0 to 10.0", r.Type, r.Severity)
		}
		seen[r.Type] = true
	}
	return nil
}

// Without returns a copy without the rules of the given types; an unknown
// type is an error so that a misspelt configuration is noticed.
func (c Catalogue) Without(types ...string) (Catalogue, error) {
	for _, t := range types {
		if !slices.ContainsFunc(c.Rules, func(r Rule) bool { return r.Type == t }) {
			return Catalogue{}, fmt.Errorf("catalogue: no rule of type %q", t)
		}
	}
	out := Catalogue{}
	for _, r := range c.Rules {
		if !slices.Contains(types, r.Type) {
			out.Rules = append(out.Rules, r)
		}
	}
	return out, nil
}

// WithSeverity returns a copy in which the rule of the given type has a new
// severity.
func (c Catalogue) WithSeverity(typ string, severity float64) (Catalogue, error) {
	if _, err := BandOf(severity); err != nil || severity < 1 {
		return Catalogue{}, fmt.Errorf("catalogue rule %s: severity %v: want 1.0 to 10.0", typ, severity)
	}
	out := Catalogue{Rules: slices.Clone(c.Rules)}
	for i := range out.Rules {
		if out.Rules[i].Type == typ {
			out.Rules[i].Severity = severity
			return out, nil
		}
	}
	return Catalogue{}, fmt.Errorf("catalogue: no rule of type %q", typ)
}

// Rule returns the rule of the given type.
func (c Catalogue) Rule(typ string) (Rule, bool) {
	i := slices.IndexFunc(c.Rules, func(r Rule) bool { return r.Type == typ })
	if i < 0 {
		return Rule{}, false
	}
	return c.Rules[i], true
}

// Calls returns how many distinct calls (event source and name) the
// catalogue names, not counting rules for any call.
func (c Catalogue) Calls() int {
	seen := map[string]bool{}
	for _, r := range c.Rules {
		for _, n := range r.EventNames {
			seen[r.EventSource+" "+n] = true
		}
	}
	return len(seen)
}

// EventPattern is an EventBridge event pattern; it marshals to the JSON
// EventBridge expects. Detail values are lists of strings or of matchers
// such as {"prefix": "AccessDenied"}.
type EventPattern struct {
	// Name tells patterns apart ("guardduty", a service such as "s3", or a
	// rule type for any-call rules); it is not part of the pattern.
	Name       string         `json:"-"`
	Source     []string       `json:"source,omitempty"`
	DetailType []string       `json:"detail-type"`
	Detail     map[string]any `json:"detail,omitempty"`
}

// Patterns returns the EventBridge patterns that deliver every call the
// catalogue can match: the GuardDuty finding pattern, one pattern per event
// source (so that a pattern's eventName list never mixes services), and one
// per rule for any call (by error code or identity type). The stack makes
// one rule of each.
func (c Catalogue) Patterns() []EventPattern {
	out := []EventPattern{{Name: "guardduty-findings", Source: []string{SourceNameGuardDuty}, DetailType: []string{DetailTypeGuardDuty}}}
	bySource := map[string][]string{}
	var sources []string
	for _, r := range c.Rules {
		if r.AnyCall {
			continue
		}
		if _, ok := bySource[r.EventSource]; !ok {
			sources = append(sources, r.EventSource)
		}
		for _, n := range r.EventNames {
			if !slices.Contains(bySource[r.EventSource], n) {
				bySource[r.EventSource] = append(bySource[r.EventSource], n)
			}
		}
	}
	for _, s := range sources {
		dt := DetailTypeAPICall
		if s == "signin.amazonaws.com" {
			dt = DetailTypeSignIn
		}
		out = append(out, EventPattern{
			Name:       strings.TrimSuffix(s, ".amazonaws.com"),
			Source:     []string{"aws." + strings.TrimSuffix(s, ".amazonaws.com")},
			DetailType: []string{dt},
			Detail:     map[string]any{"eventSource": []string{s}, "eventName": bySource[s]},
		})
	}
	for _, r := range c.Rules {
		if !r.AnyCall {
			continue
		}
		d := map[string]any{}
		if len(r.ErrorCodes) > 0 {
			var ms []any
			for _, p := range r.ErrorCodes {
				switch {
				case strings.HasSuffix(p, "*"):
					ms = append(ms, map[string]string{"prefix": strings.TrimSuffix(p, "*")})
				case strings.HasPrefix(p, "*"):
					ms = append(ms, map[string]string{"suffix": strings.TrimPrefix(p, "*")})
				default:
					ms = append(ms, p)
				}
			}
			d["errorCode"] = ms
		}
		if len(r.IdentityTypes) > 0 {
			d["userIdentity"] = map[string]any{"type": r.IdentityTypes}
		}
		out = append(out, EventPattern{Name: r.Type, DetailType: []string{DetailTypeAPICall}, Detail: d})
	}
	return out
}
