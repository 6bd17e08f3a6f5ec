package finding

import "time"

// Default returns the built-in catalogue: every event the CIS AWS
// Foundations Benchmark's monitoring section names (controls 4.1-4.15),
// plus calls that switch off detection or logging, destroy or expose keys,
// open data to the internet, or weaken the encryption and deletion
// protection the whitepapers promise. Specific rules come before the
// general rule for the same calls (first match wins). CATALOGUE.md is
// generated from it (go test ./shared/finding -run Catalogue -update).
func Default() Catalogue {
	var rules []Rule
	for _, group := range [][]Rule{platformRules(), identityRules(), dataRules(), networkRules(), anyCallRules()} {
		rules = append(rules, group...)
	}
	return Catalogue{Rules: rules}
}

// names is a short way to write a rule's event names.
func names(ns ...string) []string { return ns }

// Windows of the counted rules.
const (
	signInFailureWindow = time.Hour
	accessDeniedWindow  = time.Hour
)
