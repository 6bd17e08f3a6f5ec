package chrony_test

import (
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/chrony"
)

func TestEvaluateTimeSync_Fixtures(t *testing.T) {
	const limit = 100 * time.Millisecond
	tests := []struct {
		file   string
		ok     bool
		reason string
	}{
		{"amazon-ipv4.csv", true, "Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 4, leap status Normal; the clock is 626ns slow and chrony bounds its error at 1.366ms, below the 100ms limit."},
		{"amazon-ipv4.txt", true, "Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 4, leap status Normal; the clock is 626ns slow and chrony bounds its error at 1.366ms, below the 100ms limit."},
		{"old-dotted.txt", false, "The clock is 1.501µs slow and chrony bounds its error at 211.366ms (offset, root dispersion and half the root delay), not below the 100ms limit."},
		{"amazon-ipv6.csv", true, "Synchronised to Amazon Time Sync Service (fd00:ec2::123), stratum 4, leap status Normal; the clock is 12.853µs fast and chrony bounds its error at 418.011µs, below the 100ms limit."},
		{"amazon-ipv6.txt", true, "Synchronised to Amazon Time Sync Service (fd00:ec2::123), stratum 4, leap status Normal; the clock is 12.853µs fast and chrony bounds its error at 418.014µs, below the 100ms limit."},
		{"phc.csv", true, "Synchronised to Amazon Time Sync Service (PTP hardware clock PHC0), stratum 1, leap status Normal; the clock is 2.1µs slow and chrony bounds its error at 36.814µs, below the 100ms limit."},
		{"phc-large-offset.csv", false, "The clock is 350ms fast and chrony bounds its error at 350.01ms (offset, root dispersion and half the root delay), not below the 100ms limit."},
		{"public-ntp.csv", false, "The clock follows 133.243.238.164 (reference ID 85F3EEA4), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"public-ntp.txt", false, "The clock follows ntp-a2.nict.go.jp (reference ID 85F3EEA4), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"gps-large-offset.csv", false, "The clock follows GPS (reference ID 47505300), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock). The clock is 2.5s slow and chrony bounds its error at 2.500021s (offset, root dispersion and half the root delay), not below the 100ms limit."},
		{"local.csv", false, "The clock follows chronyd's own local clock (local mode, reference ID 7F7F0101), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"loopback-ipv6.csv", false, "The clock follows ::1 (reference ID CF404DC8), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"unsynchronised.csv", false, "chronyd is not synchronised to any source (leap status Not synchronised, reference ID 00000000, stratum 0)."},
		{"unsynchronised.txt", false, "chronyd is not synchronised to any source (leap status Not synchronised, reference ID 00000000, stratum 0)."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ok, reason := chrony.EvaluateTimeSync(parseFixture(t, tt.file), limit)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v (%s)", ok, tt.ok, reason)
			}
			if reason != tt.reason {
				t.Errorf("reason =\n%s\nwant\n%s", reason, tt.reason)
			}
		})
	}
}

func TestEvaluateTimeSync_Rules(t *testing.T) {
	amazon := chrony.Tracking{RefID: chrony.RefIDAmazonIPv4, Name: "169.254.169.123", Stratum: 3, Leap: chrony.LeapNormal,
		Offset: 40 * time.Millisecond, RootDispersion: 9 * time.Millisecond, RootDelay: 2 * time.Millisecond}
	with := func(f func(*chrony.Tracking)) chrony.Tracking { c := amazon; f(&c); return c }
	tests := []struct {
		name   string
		in     chrony.Tracking
		limit  time.Duration
		ok     bool
		reason string
	}{
		{"bound just below limit", amazon, 50*time.Millisecond + 1, true,
			"Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 3, leap status Normal; the clock is 40ms fast and chrony bounds its error at 50ms, below the 50ms limit."},
		{"bound equal to limit fails", amazon, 50 * time.Millisecond, false,
			"The clock is 40ms fast and chrony bounds its error at 50ms (offset, root dispersion and half the root delay), not below the 50ms limit."},
		{"offset alone within limit but dispersion grown", with(func(c *chrony.Tracking) { c.Offset = time.Millisecond; c.RootDispersion = 120 * time.Millisecond }), 100 * time.Millisecond, false,
			"The clock is 1ms fast and chrony bounds its error at 122ms (offset, root dispersion and half the root delay), not below the 100ms limit."},
		{"slow clock", with(func(c *chrony.Tracking) { c.Offset = -40 * time.Millisecond }), 100 * time.Millisecond, true,
			"Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 3, leap status Normal; the clock is 40ms slow and chrony bounds its error at 50ms, below the 100ms limit."},
		{"zero offset", with(func(c *chrony.Tracking) { c.Offset = 0 }), 100 * time.Millisecond, true,
			"Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 3, leap status Normal; the clock is exactly on NTP time and chrony bounds its error at 10ms, below the 100ms limit."},
		{"host name with amazon ref id", with(func(c *chrony.Tracking) { c.Name = "time.aws.internal" }), 100 * time.Millisecond, true,
			"Synchronised to Amazon Time Sync Service (169.254.169.123), stratum 3, leap status Normal; the clock is 40ms fast and chrony bounds its error at 50ms, below the 100ms limit."},
		{"amazon ref id but another address", with(func(c *chrony.Tracking) { c.Name = "10.0.0.2" }), 100 * time.Millisecond, false,
			"The clock follows 10.0.0.2 (reference ID A9FEA97B), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"ipv6 ref id with other address", with(func(c *chrony.Tracking) { c.RefID = chrony.RefIDAmazonIPv6; c.Name = "2001:db8::1" }), 100 * time.Millisecond, false,
			"The clock follows 2001:db8::1 (reference ID 9C6F5832), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"PHC name without its ref id", with(func(c *chrony.Tracking) { c.RefID = 0x47505300; c.Name = "PHC0" }), 100 * time.Millisecond, false,
			"The clock follows PHC0 (reference ID 47505300), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)."},
		{"PHC1", with(func(c *chrony.Tracking) { c.RefID = 0x50484331; c.Name = "PHC1" }), 100 * time.Millisecond, true,
			"Synchronised to Amazon Time Sync Service (PTP hardware clock PHC1), stratum 3, leap status Normal; the clock is 40ms fast and chrony bounds its error at 50ms, below the 100ms limit."},
		{"leap second pending", with(func(c *chrony.Tracking) { c.Leap = chrony.LeapInsertSecond }), 100 * time.Millisecond, false,
			"The leap status is Insert second, not Normal."},
		{"leap delete", with(func(c *chrony.Tracking) { c.Leap = chrony.LeapDeleteSecond }), 100 * time.Millisecond, false,
			"The leap status is Delete second, not Normal."},
		{"not synchronised wins over everything", with(func(c *chrony.Tracking) { c.Leap = chrony.LeapNotSynchronised }), 100 * time.Millisecond, false,
			"chronyd is not synchronised to any source (leap status Not synchronised, reference ID A9FEA97B, stratum 3)."},
		{"ref id zero", with(func(c *chrony.Tracking) { c.RefID = 0; c.Name = "" }), 100 * time.Millisecond, false,
			"chronyd is not synchronised to any source (leap status Normal, reference ID 00000000, stratum 3)."},
		{"every failure named", with(func(c *chrony.Tracking) {
			c.RefID = 0x85F3EEA4
			c.Name = "133.243.238.164"
			c.Leap = chrony.LeapInsertSecond
			c.Offset = -3 * time.Second
		}), 100 * time.Millisecond, false,
			"The clock follows 133.243.238.164 (reference ID 85F3EEA4), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock). The leap status is Insert second, not Normal. The clock is 3s slow and chrony bounds its error at 3.01s (offset, root dispersion and half the root delay), not below the 100ms limit."},
		{"no threshold", amazon, 0, false, "The clock offset threshold 0s is not positive, so no clock can meet it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := chrony.EvaluateTimeSync(tt.in, tt.limit)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if reason != tt.reason {
				t.Errorf("reason =\n%s\nwant\n%s", reason, tt.reason)
			}
		})
	}
}

func TestTracking_MaxError(t *testing.T) {
	tr := chrony.Tracking{Offset: -3 * time.Millisecond, RootDispersion: 2 * time.Millisecond, RootDelay: 4 * time.Millisecond}
	if got, want := tr.MaxError(), 7*time.Millisecond; got != want {
		t.Errorf("MaxError = %v, want %v", got, want)
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		626:                      "626ns",
		1365317:                  "1.365ms",
		-2500 * time.Millisecond: "-2.5s",
		349999994:                "350ms",
		999999:                   "999.999µs",
		1500 * time.Microsecond:  "1.5ms",
	} {
		if got := chrony.FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", in, got, want)
		}
	}
}
