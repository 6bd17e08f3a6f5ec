package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// The time services a TimeSource can name.
const (
	// TimeServiceAmazon is Amazon Time Sync Service (169.254.169.123,
	// fd00:ec2::123, or the PTP hardware clock on Nitro instances).
	TimeServiceAmazon = "amazon"
	// TimeServiceNICT is the public NTP service of Japan's National
	// Institute of Information and Communications Technology, ntp.nict.jp.
	TimeServiceNICT = "nict"
	// TimeServiceAny accepts any NTP server or reference clock but the
	// host itself: for promises that say "NTP" and name no server
	// (operators 001 and 004). The clock's error bound is still checked.
	TimeServiceAny = "any"
)

// TimeServices are the services a TimeSource may name.
var TimeServices = []string{TimeServiceAmazon, TimeServiceNICT, TimeServiceAny}

// TimeSource is one clock source the time-sync check accepts: a known
// service, or any NTP server by name and address. A clock that follows a
// source not in Verification.TimeSources fails the check; with none listed
// only Amazon Time Sync Service is accepted.
type TimeSource struct {
	// Service is "amazon", "nict" or "any"; empty for a named server.
	Service string `json:"service,omitempty"`
	// Server is an NTP server's host name (or an address), e.g.
	// "ntp.example.co.jp"; empty for a service.
	Server string `json:"server,omitempty"`
	// Addresses are the server's IPv4/IPv6 addresses. `chronyc -c tracking`
	// reports a source by address, so a named server needs them; for the
	// "nict" service they add to the built-in list (ntp.nict.jp's published
	// addresses), for "amazon" they are not allowed (its endpoints are fixed).
	Addresses []string `json:"addresses,omitempty"`
}

// LogClass is a class of log groups (OS, access, application...) selected
// by log-group name prefix, with the minimum retention promised for it. A
// log group belongs to the class with the longest matching prefix; a group
// in no class is held to LogRetentionDays.
type LogClass struct {
	// Name names the class in reports, e.g. "os", "access", "application".
	Name string `json:"name"`
	// Prefixes select the class's log groups by name, e.g. "/var/log/".
	Prefixes []string `json:"prefixes"`
	// MinDays is the promised minimum retention in days.
	MinDays int `json:"minDays"`
}

// KMSRotationMinDays and KMSRotationMaxDays bound the automatic rotation
// period KMS accepts for a key.
const (
	KMSRotationMinDays = 90
	KMSRotationMaxDays = 2560
)

var (
	hostLabelRE = lazyregexp.New(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	logClassRE  = lazyregexp.New(`^[a-z][a-z0-9-]{0,31}$`)
	logGroupRE  = lazyregexp.New(`^[\w#./-]{1,512}$`)
)

// validHost reports whether s is a DNS host name (letters, digits, '-',
// dot-separated labels of at most 63 characters).
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

func (v Verification) validatePromises(k *checker) {
	seen := map[string]bool{}
	for i, s := range v.TimeSources {
		f := fmt.Sprintf("verification.timeSources[%d]", i)
		key := s.Service + "|" + strings.ToLower(s.Server)
		switch {
		case (s.Service == "") == (s.Server == ""):
			k.fail(f, fmt.Sprintf("service %q, server %q", s.Service, s.Server), `exactly one of "service" ("amazon", "nict" or "any") or "server" (an NTP server's host name)`)
			continue
		case s.Service != "" && !slices.Contains(TimeServices, s.Service):
			k.fail(f+".service", s.Service, `"amazon" (Amazon Time Sync Service), "nict" (NICT's ntp.nict.jp) or "any" (any NTP server or reference clock, for a promise that names none); name any other NTP server with "server" and "addresses"`)
		case s.Service == TimeServiceAmazon && len(s.Addresses) > 0:
			k.fail(f+".addresses", strings.Join(s.Addresses, ","), "none: Amazon Time Sync Service's endpoints are fixed (169.254.169.123, fd00:ec2::123, the PTP hardware clock)")
		case s.Service == TimeServiceAny && len(s.Addresses) > 0:
			k.fail(f+".addresses", strings.Join(s.Addresses, ","), `none: "any" accepts every server (name a server with "server" and "addresses" to accept only it)`)
		case s.Server != "" && !validHost(s.Server) && !isAddr(s.Server):
			k.fail(f+".server", s.Server, `an NTP server's host name such as "ntp.example.co.jp", or an IP address`)
		case s.Server != "" && !isAddr(s.Server) && len(s.Addresses) == 0:
			k.fail(f+".addresses", nil, "the server's IP addresses: the check reads `chronyc -c tracking`, which names a source by address, not by host name")
		}
		if seen[key] {
			k.fail(f, strings.TrimPrefix(strings.TrimSuffix(key, "|"), "|"), "a source listed once")
		}
		seen[key] = true
		for j, a := range s.Addresses {
			if !isAddr(a) {
				k.fail(fmt.Sprintf("%s.addresses[%d]", f, j), a, `an IPv4 or IPv6 address such as "192.0.2.10" or "2001:db8::123"`)
			}
		}
	}
	if d := v.NoncurrentVersionDays; d < 0 || d > 36500 {
		k.fail("verification.noncurrentVersionDays", d, "0 (nothing promised) or the days noncurrent versions of tenant objects are kept, 1 to 36500 (S3 lifecycle NoncurrentDays)")
	}
	classes := map[string]bool{}
	prefixes := map[string]string{}
	for i, c := range v.LogClasses {
		f := fmt.Sprintf("verification.logClasses[%d]", i)
		switch {
		case !logClassRE.MatchString(c.Name):
			k.fail(f+".name", c.Name, `a class name of 1-32 lower-case letters, digits and '-', such as "os", "access" or "application"`)
		case classes[c.Name]:
			k.fail(f+".name", c.Name, "a name no other log class uses")
		}
		classes[c.Name] = true
		if len(c.Prefixes) == 0 {
			k.fail(f+".prefixes", nil, `at least one log-group name prefix, such as "/var/log/secure" or "/aws/ec2/"`)
		}
		for j, p := range c.Prefixes {
			pf := fmt.Sprintf("%s.prefixes[%d]", f, j)
			if !logGroupRE.MatchString(p) {
				k.fail(pf, p, "a log-group name prefix of 1-512 letters, digits, '_', '-', '/', '.' or '#'")
				continue
			}
			if other, dup := prefixes[p]; dup {
				k.fail(pf, p, fmt.Sprintf("a prefix in one class only (class %q already has it)", other))
			}
			prefixes[p] = c.Name
		}
		if c.MinDays < 1 || c.MinDays > 3653 {
			k.fail(f+".minDays", c.MinDays, "the promised minimum retention, 1 to 3653 days (e.g. 180 for six months)")
		}
	}
	if d := v.KeyRotationMaxDays; d != 0 && (d < KMSRotationMinDays || d > KMSRotationMaxDays) {
		k.fail("verification.keyRotationMaxDays", d, fmt.Sprintf("0 (any rotation period KMS allows) or the longest period allowed, %d to %d days", KMSRotationMinDays, KMSRotationMaxDays))
	}
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// LogClassOf returns the class of a log group: the one with the longest
// prefix of name, and false when no class matches.
func (v Verification) LogClassOf(name string) (LogClass, bool) {
	best, bestLen := LogClass{}, -1
	for _, c := range v.LogClasses {
		for _, p := range c.Prefixes {
			if strings.HasPrefix(name, p) && len(p) > bestLen {
				best, bestLen = c, len(p)
			}
		}
	}
	return best, bestLen >= 0
}
