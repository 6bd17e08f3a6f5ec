package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// Profile documents which promises of an operator's whitepaper a
// configuration keeps, and which it cannot (the ready profiles in
// infra/config). It changes nothing Pledge does and no function receives
// it; validation checks that it says something true of the configuration:
// every field a promise names is set, every promise kind is one the
// sandbox proofs know (package proof in shared/sandbox), every control is
// written as the standard numbers it.
type Profile struct {
	// Operator and Service name who promises, e.g. "株式会社オープングルーヴ"
	// and "tracpath".
	Operator string `json:"operator"`
	Service  string `json:"service"`
	// Whitepaper names the document: title, version, date.
	Whitepaper string `json:"whitepaper"`
	// Promises are the whitepaper's promises this configuration keeps.
	Promises []ProfilePromise `json:"promises"`
	// NotKept are its promises Pledge cannot keep, with why.
	NotKept []ProfileGap `json:"notKept,omitempty"`
	// Choices are what the configuration sets that the whitepaper does not
	// say (placeholders to replace, values it leaves open).
	Choices []string `json:"choices,omitempty"`
}

// ProfilePromise is one promise a configuration keeps.
type ProfilePromise struct {
	// Control is the ISO/IEC 27017 control, e.g. "A.12.3.1".
	Control string `json:"control"`
	// Section is where the whitepaper makes the promise, e.g. "4.3 バックアップ".
	Section string `json:"section"`
	// Promise says what is promised, in our words.
	Promise string `json:"promise"`
	// Kind is the kind of promise, one of ProfileKinds: the sandbox proves
	// each kept promise by its kind.
	Kind string `json:"kind"`
	// Fields are the configuration fields that encode it, as validation
	// errors name them ("backup.policies[0].keep", "tenants.purgeDays").
	Fields []string `json:"fields"`
}

// ProfileGap is a promise Pledge cannot keep.
type ProfileGap struct {
	Control string `json:"control"`
	Section string `json:"section"`
	Promise string `json:"promise"`
	// Why Pledge cannot keep it.
	Why string `json:"why"`
}

// ProfileKinds are the kinds of promise a profile can say it keeps; each
// has a proof in the sandbox (shared/sandbox/proof).
var ProfileKinds = []string{
	"backup-tiers",          // snapshots on a schedule, kept by tiers
	"pitr",                  // point-in-time-recovery retention
	"noncurrent-versions",   // earlier versions of tenant files kept N days
	"purge-window",          // a terminated tenant's data deleted in its window
	"deletion-certificate",  // a signed deletion report sent to the tenant
	"notice-deadline",       // incident notice by the promised deadline
	"time-source",           // clocks synchronised to the promised source
	"log-retention",         // logs kept at least the promised time
	"customer-time-zone",    // times shown to customers in JST
	"encryption-at-rest",    // stored data and snapshots encrypted
	"encryption-in-transit", // TLS (1.2 or newer) on the way
	"monitoring",            // the account monitored, findings routed
	"segregation",           // each tenant's data apart
	"data-location",         // data kept in Japan
}

var (
	controlIDRE = lazyregexp.New(`^(A|CLD)\.[0-9]+(\.[0-9]+){1,2}$`)
	fieldStepRE = lazyregexp.New(`^([A-Za-z]+)(\[([0-9]+)\])?$`)
)

func (c Config) validateProfile(k *checker) {
	p := c.Profile
	if p == nil {
		return
	}
	for _, f := range []struct{ name, v string }{{"operator", p.Operator}, {"service", p.Service}, {"whitepaper", p.Whitepaper}} {
		if strings.TrimSpace(f.v) == "" {
			k.fail("profile."+f.name, f.v, "the "+f.name+" the profile is for, in words")
		}
	}
	if len(p.Promises) == 0 {
		k.fail("profile.promises", nil, "at least one promise the configuration keeps")
	}
	var doc map[string]any
	_ = json.Unmarshal([]byte(c.Encode()), &doc)
	for i, pr := range p.Promises {
		f := fmt.Sprintf("profile.promises[%d]", i)
		if !controlIDRE.MatchString(pr.Control) {
			k.fail(f+".control", pr.Control, `an ISO/IEC 27017 control such as "A.12.3.1" or "CLD.8.1.5"`)
		}
		if !slices.Contains(ProfileKinds, pr.Kind) {
			k.fail(f+".kind", pr.Kind, "one of "+strings.Join(ProfileKinds, ", "))
		}
		if strings.TrimSpace(pr.Promise) == "" || strings.TrimSpace(pr.Section) == "" {
			k.fail(f, pr.Promise, "a promise in words and the whitepaper section that makes it")
		}
		if len(pr.Fields) == 0 {
			k.fail(f+".fields", nil, "the configuration fields that encode the promise")
		}
		for j, field := range pr.Fields {
			if !fieldSet(doc, field) {
				k.fail(fmt.Sprintf("%s.fields[%d]", f, j), field, "a configuration field that is set (dotted, with [i] for list items, e.g. \"backup.policies[0].keep\")")
			}
		}
	}
	for i, g := range p.NotKept {
		f := fmt.Sprintf("profile.notKept[%d]", i)
		if !controlIDRE.MatchString(g.Control) {
			k.fail(f+".control", g.Control, `an ISO/IEC 27017 control such as "A.12.4.1" or "CLD.12.4.5"`)
		}
		if strings.TrimSpace(g.Promise) == "" || strings.TrimSpace(g.Why) == "" || strings.TrimSpace(g.Section) == "" {
			k.fail(f, g.Promise, "the promise, the section that makes it and why Pledge cannot keep it")
		}
	}
}

// fieldSet reports whether the dotted path names a value that is set (not
// left out, not empty) in the configuration's JSON.
func fieldSet(doc map[string]any, path string) bool {
	var v any = doc
	for _, step := range strings.Split(path, ".") {
		m := fieldStepRE.FindStringSubmatch(step)
		obj, ok := v.(map[string]any)
		if m == nil || !ok {
			return false
		}
		if v, ok = obj[m[1]]; !ok {
			return false
		}
		if m[3] != "" {
			list, ok := v.([]any)
			i, _ := strconv.Atoi(m[3])
			if !ok || i >= len(list) {
				return false
			}
			v = list[i]
		}
	}
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}
