package chrony

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Amazon Time Sync Service endpoints and the reference ids chronyd reports
// for them.
var (
	// AmazonIPv4 is the link-local IPv4 endpoint of Amazon Time Sync Service.
	AmazonIPv4 = netip.MustParseAddr("169.254.169.123")
	// AmazonIPv6 is the IPv6 endpoint (Nitro instances).
	AmazonIPv6 = netip.MustParseAddr("fd00:ec2::123")
)

const (
	// RefIDAmazonIPv4 is the reference id of 169.254.169.123: the address.
	RefIDAmazonIPv4 uint32 = 0xA9FEA97B
	// RefIDAmazonIPv6 is the reference id of fd00:ec2::123: the first 32
	// bits of the MD5 of the address.
	RefIDAmazonIPv6 uint32 = 0x9C6F5832
	// RefIDLocal is the reference id chronyd reports in local mode.
	RefIDLocal uint32 = 0x7F7F0101
)

var phcNameRE = regexp.MustCompile(`^PHC[0-9]$`)

// refIDText returns a reference id read as four ASCII characters, as chrony
// names reference clocks, trailing NULs dropped.
func refIDText(id uint32) string {
	b := []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	return strings.TrimRight(string(b), "\x00")
}

// AmazonTimeSync reports whether the reference is Amazon Time Sync Service,
// and names the endpoint: 169.254.169.123, fd00:ec2::123, or a PTP hardware
// clock (PHC0-PHC9 reference clock whose reference id spells its name).
// When the name is an IP address it must be the endpoint's; a host name
// (text form with reverse DNS) is judged by the reference id alone.
func (t Tracking) AmazonTimeSync() (endpoint string, ok bool) {
	addr, err := netip.ParseAddr(t.Name)
	isIP := err == nil
	switch {
	case t.RefID == RefIDAmazonIPv4 && (!isIP || addr == AmazonIPv4):
		return AmazonIPv4.String(), true
	case t.RefID == RefIDAmazonIPv6 && (!isIP || addr == AmazonIPv6):
		return AmazonIPv6.String(), true
	case phcNameRE.MatchString(t.Name) && refIDText(t.RefID) == t.Name:
		return "PTP hardware clock " + t.Name, true
	}
	return "", false
}

// describeSource names the reference for a sentence.
func (t Tracking) describeSource() string {
	switch {
	case t.RefID == RefIDLocal && t.Name == "":
		return "chronyd's own local clock (local mode, reference ID 7F7F0101)"
	case t.Name == "":
		return "reference ID " + t.RefIDString()
	default:
		return fmt.Sprintf("%s (reference ID %s)", t.Name, t.RefIDString())
	}
}

// EvaluateTimeSync applies the package's rule (see the package comment) to
// a tracking report with the configured threshold. ok is true when the clock
// follows Amazon Time Sync Service with leap status Normal and chrony's error
// bound below maxOffset. reason is one or more sentences saying why, naming
// every condition that failed.
func EvaluateTimeSync(t Tracking, maxOffset time.Duration) (ok bool, reason string) {
	if maxOffset <= 0 {
		return false, fmt.Sprintf("The clock offset threshold %s is not positive, so no clock can meet it.", maxOffset)
	}
	if t.Leap == LeapNotSynchronised || t.RefID == 0 {
		return false, fmt.Sprintf("chronyd is not synchronised to any source (leap status %s, reference ID %s, stratum %d).", t.Leap, t.RefIDString(), t.Stratum)
	}
	var fails []string
	endpoint, amazon := t.AmazonTimeSync()
	if !amazon {
		fails = append(fails, fmt.Sprintf("The clock follows %s, not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock).", t.describeSource()))
	}
	if t.Leap != LeapNormal {
		fails = append(fails, fmt.Sprintf("The leap status is %s, not Normal.", t.Leap))
	}
	bound := t.MaxError()
	if bound >= maxOffset {
		fails = append(fails, fmt.Sprintf("The clock is %s and chrony bounds its error at %s (offset, root dispersion and half the root delay), not below the %s limit.", offsetPhrase(t.Offset), FormatDuration(bound), FormatDuration(maxOffset)))
	}
	if len(fails) > 0 {
		return false, strings.Join(fails, " ")
	}
	return true, fmt.Sprintf("Synchronised to Amazon Time Sync Service (%s), stratum %d, leap status Normal; the clock is %s and chrony bounds its error at %s, below the %s limit.",
		endpoint, t.Stratum, offsetPhrase(t.Offset), FormatDuration(bound), FormatDuration(maxOffset))
}

func offsetPhrase(d time.Duration) string {
	switch {
	case d > 0:
		return FormatDuration(d) + " fast"
	case d < 0:
		return FormatDuration(-d) + " slow"
	default:
		return "exactly on NTP time"
	}
}

// FormatDuration prints a duration for a reason sentence: to the
// microsecond from a millisecond up, to the nanosecond below.
func FormatDuration(d time.Duration) string {
	a := d
	if a < 0 {
		a = -a
	}
	if a >= time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}
