package chrony

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
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

var phcNameRE = lazyregexp.New(`^PHC[0-9]$`)

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
func (t Tracking) describeSource(ja bool) string {
	switch {
	case t.RefID == RefIDLocal && t.Name == "" && ja:
		return "chronyd 自身のローカル時計 (ローカルモード、参照 ID 7F7F0101)"
	case t.RefID == RefIDLocal && t.Name == "":
		return "chronyd's own local clock (local mode, reference ID 7F7F0101)"
	case t.Name == "" && ja:
		return "参照 ID " + t.RefIDString()
	case t.Name == "":
		return "reference ID " + t.RefIDString()
	case ja:
		return fmt.Sprintf("%s (参照 ID %s)", t.Name, t.RefIDString())
	default:
		return fmt.Sprintf("%s (reference ID %s)", t.Name, t.RefIDString())
	}
}

// Rule is what a clock is held to: the largest acceptable error bound and
// the sources it may follow (Amazon Time Sync Service when none).
type Rule struct {
	MaxOffset time.Duration
	Sources   []Source
}

// Verdict is the outcome of Evaluate.
type Verdict struct {
	// OK is true when the clock follows an accepted source with leap
	// status Normal and chrony's error bound below the threshold.
	OK bool
	// Source names what the clock follows: the accepted source and its
	// endpoint ("Amazon Time Sync Service (169.254.169.123)"), or the
	// reference as chronyc reports it when it is not accepted; empty when
	// chronyd follows nothing.
	Source string
	// Accepted reports whether Source is one of the rule's sources.
	Accepted bool
	// Reason and ReasonJA say why, in English and Japanese, naming every
	// condition that failed.
	Reason   string
	ReasonJA string
}

// EvaluateTimeSync applies the package's rule with Amazon Time Sync Service
// as the only accepted source (see Evaluate).
func EvaluateTimeSync(t Tracking, maxOffset time.Duration) (ok bool, reason string) {
	v := Evaluate(t, Rule{MaxOffset: maxOffset})
	return v.OK, v.Reason
}

// Evaluate applies the package's rule (see the package comment) to a
// tracking report: the clock must follow one of r.Sources (Amazon Time Sync
// Service when none is given) with leap status Normal and chrony's error
// bound below r.MaxOffset.
func Evaluate(t Tracking, r Rule) Verdict {
	sources := r.Sources
	if len(sources) == 0 {
		sources = []Source{AmazonTimeSync}
	}
	if r.MaxOffset <= 0 {
		return Verdict{Reason: fmt.Sprintf("The clock offset threshold %s is not positive, so no clock can meet it.", r.MaxOffset),
			ReasonJA: fmt.Sprintf("時刻誤差の許容値 %s が正の値でないため、どの時計も満たせません。", r.MaxOffset)}
	}
	if t.Leap == LeapNotSynchronised || t.RefID == 0 {
		return Verdict{
			Reason:   fmt.Sprintf("chronyd is not synchronised to any source (leap status %s, reference ID %s, stratum %d).", t.Leap, t.RefIDString(), t.Stratum),
			ReasonJA: fmt.Sprintf("chronyd はどの時刻源にも同期していません (うるう秒状態 %s、参照 ID %s、stratum %d)。", t.Leap, t.RefIDString(), t.Stratum),
		}
	}
	v := Verdict{Source: t.describeSource(false)}
	var fails, failsJA []string
	var followed Source
	for _, s := range sources {
		if endpoint, ok := t.Follows(s); ok {
			v.Source, v.Accepted, followed = fmt.Sprintf("%s (%s)", s.Name, endpoint), true, s
			if s.Any {
				v.Source = "NTP source " + endpoint
			}
			break
		}
	}
	if !v.Accepted {
		if len(sources) == 1 && sources[0].Amazon {
			fails = append(fails, fmt.Sprintf("The clock follows %s, not %s.", t.describeSource(false), describeSources(sources, false)))
		} else {
			fails = append(fails, fmt.Sprintf("The clock follows %s, which is not an accepted source (%s).", t.describeSource(false), describeSources(sources, false)))
		}
		failsJA = append(failsJA, fmt.Sprintf("時計は %s に同期しており、許可された時刻源 (%s) ではありません。", t.describeSource(true), describeSources(sources, true)))
	}
	if t.Leap != LeapNormal {
		fails = append(fails, fmt.Sprintf("The leap status is %s, not Normal.", t.Leap))
		failsJA = append(failsJA, fmt.Sprintf("うるう秒状態が Normal ではなく %s です。", t.Leap))
	}
	bound := t.MaxError()
	if bound >= r.MaxOffset {
		fails = append(fails, fmt.Sprintf("The clock is %s and chrony bounds its error at %s (offset, root dispersion and half the root delay), not below the %s limit.", offsetPhrase(t.Offset), FormatDuration(bound), FormatDuration(r.MaxOffset)))
		failsJA = append(failsJA, fmt.Sprintf("時計は%s、chrony による誤差の上限 (オフセット、ルート分散、ルート遅延の半分の和) は %s で、許容値 %s 未満ではありません。", offsetPhraseJA(t.Offset), FormatDuration(bound), FormatDuration(r.MaxOffset)))
	}
	if len(fails) > 0 {
		v.Reason, v.ReasonJA = strings.Join(fails, " "), strings.Join(failsJA, "")
		return v
	}
	endpoint := strings.TrimSuffix(strings.TrimPrefix(v.Source, followed.Name+" ("), ")")
	label, labelJA := fmt.Sprintf("%s (%s)", followed.Name, endpoint), fmt.Sprintf("%s (%s)", followed.ja(), endpoint)
	if followed.Any {
		endpoint = strings.TrimPrefix(v.Source, "NTP source ")
		label, labelJA = fmt.Sprintf("%s (any NTP server or reference clock is accepted)", endpoint), fmt.Sprintf("%s (時刻源の指定はなく、任意の NTP サーバーまたは参照時計を認めます)", endpoint)
	}
	v.OK = true
	v.Reason = fmt.Sprintf("Synchronised to %s, stratum %d, leap status Normal; the clock is %s and chrony bounds its error at %s, below the %s limit.",
		label, t.Stratum, offsetPhrase(t.Offset), FormatDuration(bound), FormatDuration(r.MaxOffset))
	v.ReasonJA = fmt.Sprintf("%s に同期しています (stratum %d、うるう秒状態 Normal)。時計は%s、chrony による誤差の上限は %s で、許容値 %s 未満です。",
		labelJA, t.Stratum, offsetPhraseJA(t.Offset), FormatDuration(bound), FormatDuration(r.MaxOffset))
	return v
}

func offsetPhraseJA(d time.Duration) string {
	switch {
	case d > 0:
		return " " + FormatDuration(d) + " 進んでおり"
	case d < 0:
		return " " + FormatDuration(-d) + " 遅れており"
	default:
		return " NTP 時刻ちょうどで"
	}
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
