package chrony_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/chrony"
)

// TestRefIDOf checks the reference ids chrony derives from addresses
// against the ids captured from chronyd (testdata/README.md).
func TestRefIDOf(t *testing.T) {
	for addr, want := range map[string]uint32{
		"169.254.169.123": chrony.RefIDAmazonIPv4,
		"fd00:ec2::123":   chrony.RefIDAmazonIPv6,
		"::1":             0xCF404DC8, // captured from chronyd 4.3 (loopback-ipv6 fixture)
		"133.243.238.164": 0x85F3EEA4,
		"::ffff:10.0.0.1": 0x0A000001, // an IPv4-mapped address is its IPv4 address
	} {
		if got := chrony.RefIDOf(netip.MustParseAddr(addr)); got != want {
			t.Errorf("RefIDOf(%s) = %08X, want %08X", addr, got, want)
		}
	}
}

func TestEvaluate_Sources(t *testing.T) {
	const limit = 100 * time.Millisecond
	nict := chrony.NICT()
	example := chrony.Server("ntp.example.co.jp", netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::123"))
	amazonNICT := []chrony.Source{chrony.AmazonTimeSync, nict}
	tests := []struct {
		name     string
		file     string
		tracking *chrony.Tracking
		sources  []chrony.Source
		ok       bool
		source   string
		reason   string
		reasonJA string
	}{
		{name: "NICT by address (csv)", file: "public-ntp.csv", sources: amazonNICT, ok: true,
			source:   "NICT's public NTP service (ntp.nict.jp) (133.243.238.164)",
			reason:   "Synchronised to NICT's public NTP service (ntp.nict.jp) (133.243.238.164), stratum 2, leap status Normal; the clock is 731.412µs slow and chrony bounds its error at 5.406ms, below the 100ms limit.",
			reasonJA: "NICT 公開 NTP サービス (ntp.nict.jp) (133.243.238.164) に同期しています (stratum 2、うるう秒状態 Normal)。時計は 731.412µs 遅れており、chrony による誤差の上限は 5.406ms で、許容値 100ms 未満です。"},
		{name: "NICT by reference id (text with reverse DNS)", file: "public-ntp.txt", sources: []chrony.Source{nict}, ok: true,
			source: "NICT's public NTP service (ntp.nict.jp) (ntp-a2.nict.go.jp, 133.243.238.164)"},
		{name: "NICT not accepted by default", file: "public-ntp.csv", ok: false, source: "133.243.238.164 (reference ID 85F3EEA4)",
			reason:   "The clock follows 133.243.238.164 (reference ID 85F3EEA4), not Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock).",
			reasonJA: "時計は 133.243.238.164 (参照 ID 85F3EEA4) に同期しており、許可された時刻源 (Amazon Time Sync Service (169.254.169.123、fd00:ec2::123、PTP ハードウェアクロック)) ではありません。"},
		{name: "amazon still accepted beside NICT", file: "amazon-ipv4.csv", sources: amazonNICT, ok: true, source: "Amazon Time Sync Service (169.254.169.123)"},
		{name: "PHC under amazon", file: "phc.csv", sources: amazonNICT, ok: true, source: "Amazon Time Sync Service (PTP hardware clock PHC0)"},
		{name: "amazon refused when only NICT is accepted", file: "amazon-ipv4.csv", sources: []chrony.Source{nict}, ok: false,
			source: "169.254.169.123 (reference ID A9FEA97B)",
			reason: "The clock follows 169.254.169.123 (reference ID A9FEA97B), which is not an accepted source (NICT's public NTP service (ntp.nict.jp))."},
		{name: "named server over IPv6", tracking: &chrony.Tracking{RefID: chrony.RefIDOf(netip.MustParseAddr("2001:db8::123")), Name: "2001:db8::123", Stratum: 2, Leap: chrony.LeapNormal, Offset: time.Millisecond},
			sources: []chrony.Source{example}, ok: true, source: "NTP server ntp.example.co.jp (2001:db8::123)"},
		{name: "named server: another address with the same text", tracking: &chrony.Tracking{RefID: 0xC000020B, Name: "192.0.2.11", Stratum: 2, Leap: chrony.LeapNormal},
			sources: []chrony.Source{example}, ok: false, source: "192.0.2.11 (reference ID C000020B)"},
		{name: "an address decides over a matching reference id", tracking: &chrony.Tracking{RefID: 0xC000020A, Name: "10.9.9.9", Stratum: 2, Leap: chrony.LeapNormal},
			sources: []chrony.Source{example}, ok: false},
		{name: "accepted source but too far off", file: "public-ntp.csv", sources: []chrony.Source{nict}, ok: false,
			source: "NICT's public NTP service (ntp.nict.jp) (133.243.238.164)"},
		// Operators 001 and 004 promise "NTP" and name no server: any
		// source but the host itself is accepted, the bound still applies.
		{name: "any source: a public NTP server", file: "public-ntp.csv", sources: []chrony.Source{chrony.AnySource}, ok: true,
			source:   "NTP source 133.243.238.164",
			reason:   "Synchronised to 133.243.238.164 (any NTP server or reference clock is accepted), stratum 2, leap status Normal; the clock is 731.412µs slow and chrony bounds its error at 5.406ms, below the 100ms limit.",
			reasonJA: "133.243.238.164 (時刻源の指定はなく、任意の NTP サーバーまたは参照時計を認めます) に同期しています (stratum 2、うるう秒状態 Normal)。時計は 731.412µs 遅れており、chrony による誤差の上限は 5.406ms で、許容値 100ms 未満です。"},
		{name: "any source: Amazon first when both are listed", file: "amazon-ipv4.csv", sources: []chrony.Source{chrony.AmazonTimeSync, chrony.AnySource}, ok: true,
			source: "Amazon Time Sync Service (169.254.169.123)"},
		{name: "any source: a reference clock too far off", file: "gps-large-offset.csv", sources: []chrony.Source{chrony.AnySource}, ok: false,
			source: "NTP source GPS"},
		{name: "any source: not chronyd's local clock", file: "local.csv", sources: []chrony.Source{chrony.AnySource}, ok: false,
			reason: "The clock follows chronyd's own local clock (local mode, reference ID 7F7F0101), which is not an accepted source (any NTP server or reference clock)."},
		{name: "any source: not a loopback server", file: "loopback.csv", sources: []chrony.Source{chrony.AnySource}, ok: false,
			source: "127.0.0.1 (reference ID 7F000001)"},
		{name: "unsynchronised follows nothing", file: "unsynchronised.csv", sources: amazonNICT, ok: false, source: "",
			reasonJA: "chronyd はどの時刻源にも同期していません (うるう秒状態 Not synchronised、参照 ID 00000000、stratum 0)。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr chrony.Tracking
			if tt.tracking != nil {
				tr = *tt.tracking
			} else {
				tr = parseFixture(t, tt.file)
			}
			max := limit
			if strings.Contains(tt.name, "too far off") {
				max = time.Millisecond
			}
			v := chrony.Evaluate(tr, chrony.Rule{MaxOffset: max, Sources: tt.sources})
			if v.OK != tt.ok {
				t.Errorf("OK = %v, want %v (%s)", v.OK, tt.ok, v.Reason)
			}
			if tt.source != "" || tt.tracking == nil && tt.file == "unsynchronised.csv" {
				if v.Source != tt.source {
					t.Errorf("Source = %q, want %q", v.Source, tt.source)
				}
			}
			if tt.reason != "" && v.Reason != tt.reason {
				t.Errorf("Reason =\n%s\nwant\n%s", v.Reason, tt.reason)
			}
			if tt.reasonJA != "" && v.ReasonJA != tt.reasonJA {
				t.Errorf("ReasonJA =\n%s\nwant\n%s", v.ReasonJA, tt.reasonJA)
			}
			if v.Reason == "" || v.ReasonJA == "" {
				t.Errorf("a reason is missing: en %q, ja %q", v.Reason, v.ReasonJA)
			}
		})
	}
}

// TestEvaluate_JapaneseNamesEveryFailure: the Japanese reason carries as
// many sentences as the English one.
func TestEvaluate_JapaneseNamesEveryFailure(t *testing.T) {
	tr := chrony.Tracking{RefID: 0x85F3EEA4, Name: "133.243.238.164", Leap: chrony.LeapInsertSecond, Offset: -3 * time.Second, Stratum: 2}
	v := chrony.Evaluate(tr, chrony.Rule{MaxOffset: 100 * time.Millisecond})
	if got, want := strings.Count(v.ReasonJA, "。"), 3; got != want {
		t.Errorf("Japanese reason has %d sentences, want %d: %s", got, want, v.ReasonJA)
	}
	for _, frag := range []string{"133.243.238.164", "Insert second", "3s 遅れており", "上限 (オフセット、ルート分散、ルート遅延の半分の和) は 3s"} {
		if !strings.Contains(v.ReasonJA, frag) {
			t.Errorf("Japanese reason lacks %q: %s", frag, v.ReasonJA)
		}
	}
}
