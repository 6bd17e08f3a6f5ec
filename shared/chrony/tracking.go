package chrony

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// Leap is chronyd's leap status, spelt as chronyc prints it.
type Leap string

// The leap statuses chronyc prints.
const (
	LeapNormal          Leap = "Normal"
	LeapInsertSecond    Leap = "Insert second"
	LeapDeleteSecond    Leap = "Delete second"
	LeapNotSynchronised Leap = "Not synchronised"
)

// Tracking is one `chronyc tracking` report.
type Tracking struct {
	// RefID is the reference id: the IPv4 address of the source, the first
	// 32 bits of the MD5 of an IPv6 source, the ASCII name of a reference
	// clock (50484330 = "PHC0"), 7F7F0101 in local mode, 0 when unsynchronised.
	RefID uint32 `json:"refId"`
	// Name is the source's IP address (CSV form, or `chronyc -n`), its
	// reverse-DNS name (text form), or the reference clock's name; empty in
	// local mode and when unsynchronised.
	Name string `json:"name"`
	// Stratum is how many hops the clock is from a reference clock.
	Stratum int `json:"stratum"`
	// RefTime is when the last measurement from the source was processed,
	// in UTC; zero when chronyd has never synchronised.
	RefTime time.Time `json:"refTime"`
	// Offset is system clock minus NTP time: positive when the system clock
	// is fast (ahead), negative when slow. It is the negation of chronyc -c's
	// system-time field.
	Offset time.Duration `json:"offset"`
	// LastOffset is the estimated local offset at the last clock update;
	// positive when the local clock was ahead.
	LastOffset time.Duration `json:"lastOffset"`
	// RMSOffset is a long-term average of the offset.
	RMSOffset time.Duration `json:"rmsOffset"`
	// FrequencyPPM is the rate error chronyd corrects, signed as chronyc -c
	// prints it (positive is printed "fast" in the text form).
	FrequencyPPM float64 `json:"frequencyPpm"`
	// ResidualFreqPPM is the residual frequency of the selected source.
	ResidualFreqPPM float64 `json:"residualFreqPpm"`
	// SkewPPM is the estimated error bound on the frequency.
	SkewPPM float64 `json:"skewPpm"`
	// RootDelay is the total network path delay to the stratum-1 source.
	RootDelay time.Duration `json:"rootDelay"`
	// RootDispersion is the total dispersion back to the stratum-1 source.
	RootDispersion time.Duration `json:"rootDispersion"`
	// UpdateInterval is the interval between the last two clock updates.
	UpdateInterval time.Duration `json:"updateInterval"`
	// Leap is the leap status.
	Leap Leap `json:"leap"`
}

// MaxError is chrony's bound on the clock's error, assuming the stratum-1
// source is correct: |Offset| + RootDispersion + RootDelay/2 (chronyc(1)).
func (t Tracking) MaxError() time.Duration {
	off := t.Offset
	if off < 0 {
		off = -off
	}
	return off + t.RootDispersion + t.RootDelay/2
}

// RefIDString returns the reference id as chronyc prints it: eight
// upper-case hexadecimal digits.
func (t Tracking) RefIDString() string {
	return fmt.Sprintf("%08X", t.RefID)
}

// FieldError says which field of a tracking report could not be read.
type FieldError struct {
	// Field is the field's label as the text form prints it, e.g. "Stratum".
	Field string
	// Value is the text found.
	Value string
	// Want describes what would have been valid.
	Want string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("chronyc tracking: %s: %q is not valid: want %s", e.Field, e.Value, e.Want)
}

// The fields in the order chronyc prints them, labelled as the text form
// labels them.
const (
	fRefID          = "Reference ID"
	fStratum        = "Stratum"
	fRefTime        = "Ref time (UTC)"
	fSystemTime     = "System time"
	fLastOffset     = "Last offset"
	fRMSOffset      = "RMS offset"
	fFrequency      = "Frequency"
	fResidualFreq   = "Residual freq"
	fSkew           = "Skew"
	fRootDelay      = "Root delay"
	fRootDispersion = "Root dispersion"
	fUpdateInterval = "Update interval"
	fLeap           = "Leap status"
)

var fieldOrder = []string{fRefID, fStratum, fRefTime, fSystemTime, fLastOffset, fRMSOffset, fFrequency,
	fResidualFreq, fSkew, fRootDelay, fRootDispersion, fUpdateInterval, fLeap}

// csvFields is how many fields `chronyc -c tracking` prints: the reference
// id is split into id and name.
const csvFields = 14

// chronycStatusRE matches the numbered status lines chronyc prints instead
// of a report, e.g. "506 Cannot talk to daemon".
var chronycStatusRE = lazyregexp.New(`^[0-9]{3} [A-Za-z]`)

// Parse reads the output of `chronyc -c tracking` or `chronyc tracking`.
// Surrounding whitespace is ignored; anything else that is not a complete
// report is an error naming what is wrong (a *FieldError for a bad field).
func Parse(out string) (Tracking, error) {
	s := strings.TrimSpace(strings.ReplaceAll(out, "\r\n", "\n"))
	switch {
	case s == "":
		return Tracking{}, fmt.Errorf("chronyc tracking: empty output")
	case chronycStatusRE.MatchString(s):
		line, _, _ := strings.Cut(s, "\n")
		return Tracking{}, fmt.Errorf("chronyc tracking: chronyc reported %q instead of a report", line)
	case strings.HasPrefix(s, fRefID):
		return parseText(s)
	case !strings.Contains(s, "\n") && strings.Contains(s, ","):
		return parseCSV(s)
	default:
		line, _, _ := strings.Cut(s, "\n")
		return Tracking{}, fmt.Errorf("chronyc tracking: %q is neither a CSV line from chronyc -c nor a report starting %q", clip(line), fRefID)
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func parseCSV(line string) (Tracking, error) {
	f := strings.Split(line, ",")
	if len(f) != csvFields {
		return Tracking{}, fmt.Errorf("chronyc -c tracking: %d comma-separated fields, want %d", len(f), csvFields)
	}
	var t Tracking
	var err error
	if t.RefID, err = parseHexRefID(f[0]); err != nil {
		return Tracking{}, err
	}
	if t.Name, err = parseName(f[1]); err != nil {
		return Tracking{}, err
	}
	if t.Stratum, err = parseStratum(f[2]); err != nil {
		return Tracking{}, err
	}
	if t.RefTime, err = parseUnixTime(f[3]); err != nil {
		return Tracking{}, err
	}
	correction, err := parseSeconds(fSystemTime, f[4])
	if err != nil {
		return Tracking{}, err
	}
	t.Offset = -correction
	if t.LastOffset, err = parseSeconds(fLastOffset, f[5]); err != nil {
		return Tracking{}, err
	}
	if t.RMSOffset, err = parseUnsignedSeconds(fRMSOffset, f[6]); err != nil {
		return Tracking{}, err
	}
	if t.FrequencyPPM, err = parsePPM(fFrequency, f[7]); err != nil {
		return Tracking{}, err
	}
	if t.ResidualFreqPPM, err = parsePPM(fResidualFreq, f[8]); err != nil {
		return Tracking{}, err
	}
	if t.SkewPPM, err = parsePPM(fSkew, f[9]); err != nil {
		return Tracking{}, err
	}
	if t.RootDelay, err = parseUnsignedSeconds(fRootDelay, f[10]); err != nil {
		return Tracking{}, err
	}
	if t.RootDispersion, err = parseUnsignedSeconds(fRootDispersion, f[11]); err != nil {
		return Tracking{}, err
	}
	if t.UpdateInterval, err = parseUnsignedSeconds(fUpdateInterval, f[12]); err != nil {
		return Tracking{}, err
	}
	if t.Leap, err = parseLeap(f[13]); err != nil {
		return Tracking{}, err
	}
	return t, nil
}

func parseText(s string) (Tracking, error) {
	values := map[string]string{}
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		label, value, ok := strings.Cut(line, ":")
		if !ok {
			return Tracking{}, fmt.Errorf("chronyc tracking: line %d %q has no ':'", n+1, clip(line))
		}
		label = strings.Join(strings.Fields(label), " ")
		value = strings.TrimSpace(value)
		known := false
		for _, f := range fieldOrder {
			known = known || f == label
		}
		if !known {
			return Tracking{}, fmt.Errorf("chronyc tracking: line %d: unknown field %q", n+1, clip(label))
		}
		if _, dup := values[label]; dup {
			return Tracking{}, fmt.Errorf("chronyc tracking: line %d: field %q appears twice", n+1, label)
		}
		values[label] = value
	}
	for _, f := range fieldOrder {
		if _, ok := values[f]; !ok {
			return Tracking{}, fmt.Errorf("chronyc tracking: field %q is missing", f)
		}
	}

	var t Tracking
	var err error
	if t.RefID, t.Name, err = parseTextRefID(values[fRefID]); err != nil {
		return Tracking{}, err
	}
	if t.Stratum, err = parseStratum(values[fStratum]); err != nil {
		return Tracking{}, err
	}
	if t.RefTime, err = parseTextTime(values[fRefTime]); err != nil {
		return Tracking{}, err
	}
	if t.Offset, err = parseSystemTime(values[fSystemTime]); err != nil {
		return Tracking{}, err
	}
	if t.LastOffset, err = parseSeconds(fLastOffset, unit(values[fLastOffset], "seconds")); err != nil {
		return Tracking{}, err
	}
	if t.RMSOffset, err = parseUnsignedSeconds(fRMSOffset, unit(values[fRMSOffset], "seconds")); err != nil {
		return Tracking{}, err
	}
	if t.FrequencyPPM, err = parseTextFrequency(values[fFrequency]); err != nil {
		return Tracking{}, err
	}
	if t.ResidualFreqPPM, err = parsePPM(fResidualFreq, unit(values[fResidualFreq], "ppm")); err != nil {
		return Tracking{}, err
	}
	if t.SkewPPM, err = parsePPM(fSkew, unit(values[fSkew], "ppm")); err != nil {
		return Tracking{}, err
	}
	if t.RootDelay, err = parseUnsignedSeconds(fRootDelay, unit(values[fRootDelay], "seconds")); err != nil {
		return Tracking{}, err
	}
	if t.RootDispersion, err = parseUnsignedSeconds(fRootDispersion, unit(values[fRootDispersion], "seconds")); err != nil {
		return Tracking{}, err
	}
	if t.UpdateInterval, err = parseUnsignedSeconds(fUpdateInterval, unit(values[fUpdateInterval], "seconds")); err != nil {
		return Tracking{}, err
	}
	if t.Leap, err = parseLeap(values[fLeap]); err != nil {
		return Tracking{}, err
	}
	return t, nil
}

// unit strips a trailing " seconds" or " ppm"; a value without the unit is
// returned as it is, so that the number parser reports it.
func unit(v, u string) string {
	if n, ok := strings.CutSuffix(v, " "+u); ok {
		return strings.TrimSpace(n)
	}
	return v
}

var hexRefIDRE = lazyregexp.New(`^[0-9A-Fa-f]{8}$`)

func parseHexRefID(v string) (uint32, error) {
	if !hexRefIDRE.MatchString(v) {
		return 0, &FieldError{Field: fRefID, Value: v, Want: "eight hexadecimal digits such as A9FEA97B"}
	}
	b, _ := hex.DecodeString(v)
	return binary.BigEndian.Uint32(b), nil
}

// parseName accepts what chronyc prints as a source name: an IP address, a
// host name or a reference clock name, without spaces, commas or controls.
func parseName(v string) (string, error) {
	for _, r := range v {
		if r <= ' ' || r == ',' || r == '(' || r == ')' || r == 0x7f || r > 0x7e {
			return "", &FieldError{Field: fRefID, Value: v, Want: "a source name: an IP address, host name or reference clock name of printable ASCII"}
		}
	}
	if len(v) > 255 {
		return "", &FieldError{Field: fRefID, Value: clip(v), Want: "a source name of at most 255 characters"}
	}
	return v, nil
}

// parseTextRefID reads "A9FEA97B (169.254.169.123)", "7F7F0101 ()" or the
// old dotted-quad form "169.254.169.123 (169.254.169.123)".
func parseTextRefID(v string) (uint32, string, error) {
	id, rest, ok := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	if !ok || !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return 0, "", &FieldError{Field: fRefID, Value: v, Want: `a reference id followed by a name in parentheses, e.g. "A9FEA97B (169.254.169.123)"`}
	}
	name, err := parseName(rest[1 : len(rest)-1])
	if err != nil {
		return 0, "", err
	}
	if strings.Count(id, ".") == 3 {
		a, err := netip.ParseAddr(id)
		if err != nil || !a.Is4() {
			return 0, "", &FieldError{Field: fRefID, Value: id, Want: "eight hexadecimal digits or a dotted-quad reference id"}
		}
		b := a.As4()
		return binary.BigEndian.Uint32(b[:]), name, nil
	}
	ref, err := parseHexRefID(id)
	return ref, name, err
}

func parseStratum(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 16 || strings.HasPrefix(v, "+") {
		return 0, &FieldError{Field: fStratum, Value: v, Want: "a whole number from 0 to 16"}
	}
	return n, nil
}

// secondsRE matches chronyc's fixed-point seconds: an optional sign, digits,
// and optionally a point and more digits.
var secondsRE = lazyregexp.New(`^[+-]?[0-9]{1,12}(\.[0-9]{1,12})?$`)

// parseSeconds reads a decimal number of seconds exactly (no float
// rounding) into a Duration, rounding beyond nanoseconds half away from zero.
func parseSeconds(field, v string) (time.Duration, error) {
	if !secondsRE.MatchString(v) {
		return 0, &FieldError{Field: field, Value: clip(v), Want: "a decimal number of seconds such as -0.000001659"}
	}
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimLeft(v, "+-")
	whole, frac, _ := strings.Cut(v, ".")
	sec, _ := strconv.ParseInt(whole, 10, 64)
	if sec > math.MaxInt64/int64(time.Second)-1 {
		return 0, &FieldError{Field: field, Value: v, Want: "a number of seconds within ±292 years"}
	}
	var ns int64
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	if len(frac) > 9 && frac[9] >= '5' {
		ns++
	}
	d := time.Duration(sec)*time.Second + time.Duration(ns)
	if neg {
		d = -d
	}
	return d, nil
}

func parseUnsignedSeconds(field, v string) (time.Duration, error) {
	if strings.HasPrefix(v, "-") {
		return 0, &FieldError{Field: field, Value: v, Want: "a non-negative number of seconds"}
	}
	return parseSeconds(field, v)
}

// parseSystemTime reads "0.000001412 seconds fast of NTP time".
func parseSystemTime(v string) (time.Duration, error) {
	f := strings.Fields(v)
	if len(f) != 6 || f[1] != "seconds" || (f[2] != "slow" && f[2] != "fast") || f[3] != "of" || f[4] != "NTP" || f[5] != "time" {
		return 0, &FieldError{Field: fSystemTime, Value: v, Want: `"N seconds slow of NTP time" or "N seconds fast of NTP time"`}
	}
	d, err := parseUnsignedSeconds(fSystemTime, f[0])
	if err != nil {
		return 0, err
	}
	if f[2] == "slow" {
		d = -d
	}
	return d, nil
}

func parsePPM(field, v string) (float64, error) {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || strings.ContainsAny(v, "eExXpPnNiI_") {
		return 0, &FieldError{Field: field, Value: clip(v), Want: "a decimal number of ppm such as -0.032"}
	}
	return x, nil
}

// parseTextFrequency reads "0.032 ppm slow" (negative) or "1.187 ppm fast".
func parseTextFrequency(v string) (float64, error) {
	f := strings.Fields(v)
	if len(f) != 3 || f[1] != "ppm" || (f[2] != "slow" && f[2] != "fast") || strings.HasPrefix(f[0], "-") || strings.HasPrefix(f[0], "+") {
		return 0, &FieldError{Field: fFrequency, Value: v, Want: `"N ppm slow" or "N ppm fast"`}
	}
	x, err := parsePPM(fFrequency, f[0])
	if err != nil {
		return 0, err
	}
	if f[2] == "slow" {
		x = -x
	}
	return x, nil
}

var unixTimeRE = lazyregexp.New(`^[0-9]{1,12}\.[0-9]{9}$`)

// parseUnixTime reads chronyc -c's "seconds.nanoseconds" since the epoch.
func parseUnixTime(v string) (time.Time, error) {
	if !unixTimeRE.MatchString(v) {
		return time.Time{}, &FieldError{Field: fRefTime, Value: clip(v), Want: "seconds since 1970 with nine decimals, such as 1795305264.391893290"}
	}
	whole, frac, _ := strings.Cut(v, ".")
	sec, _ := strconv.ParseInt(whole, 10, 64)
	ns, _ := strconv.ParseInt(frac, 10, 64)
	if sec == 0 && ns == 0 {
		return time.Time{}, nil
	}
	return time.Unix(sec, ns).UTC(), nil
}

// parseTextTime reads strftime's "%a %b %d %T %Y" (older chronyc padded the
// day with a space).
func parseTextTime(v string) (time.Time, error) {
	for _, layout := range []string{"Mon Jan 02 15:04:05 2006", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Unix() == 0 {
				return time.Time{}, nil
			}
			return t, nil
		}
	}
	return time.Time{}, &FieldError{Field: fRefTime, Value: clip(v), Want: `a UTC time such as "Sat Nov 21 23:55:43 2026"`}
}

func parseLeap(v string) (Leap, error) {
	switch l := Leap(v); l {
	case LeapNormal, LeapInsertSecond, LeapDeleteSecond, LeapNotSynchronised:
		return l, nil
	}
	return "", &FieldError{Field: fLeap, Value: clip(v), Want: `one of "Normal", "Insert second", "Delete second", "Not synchronised"`}
}
