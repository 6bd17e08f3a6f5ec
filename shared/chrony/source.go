package chrony

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Source is a time source a clock may be required to follow: Amazon Time
// Sync Service, NICT's public NTP service, or any NTP server known by its
// addresses.
type Source struct {
	// Name names the source in reasons, e.g. "NICT (ntp.nict.jp)".
	Name string
	// NameJA is Name in Japanese; empty uses Name.
	NameJA string
	// Amazon marks Amazon Time Sync Service: matched by its fixed endpoints
	// and the PTP hardware clock (Tracking.AmazonTimeSync), not Addresses.
	Amazon bool
	// Any marks AnySource: whatever the clock follows, but the host itself.
	Any bool
	// Addresses are the server's addresses.
	Addresses []netip.Addr
}

// AmazonTimeSync is Amazon Time Sync Service.
var AmazonTimeSync = Source{Name: "Amazon Time Sync Service", Amazon: true}

// AnySource accepts any time source but the host itself (chronyd's local
// mode, or a loopback address): for promises that say only "NTP" and name
// no server (operators 001 and 004). The clock's error bound is held to the
// threshold all the same.
var AnySource = Source{Name: "any NTP server or reference clock", NameJA: "任意の NTP サーバーまたは参照時計", Any: true}

// NICTAddresses are the addresses ntp.nict.jp resolves to: NICT's servers
// at Koganei (133.243.238.163, .164, .243, .244 and two IPv6 addresses) and
// Kobe (61.205.120.130, 2001:ce8:78::2). NICT publishes only the name, so
// this list is what the name resolved to in public records (late 2026);
// addresses added later go in the configuration's "addresses".
var NICTAddresses = []netip.Addr{
	netip.MustParseAddr("133.243.238.163"),
	netip.MustParseAddr("133.243.238.164"),
	netip.MustParseAddr("133.243.238.243"),
	netip.MustParseAddr("133.243.238.244"),
	netip.MustParseAddr("61.205.120.130"),
	netip.MustParseAddr("2001:df0:232:eea0::fff3"),
	netip.MustParseAddr("2001:df0:232:eea0::fff4"),
	netip.MustParseAddr("2001:ce8:78::2"),
}

// NICT returns NICT's public NTP service with its published addresses and
// any extra ones.
func NICT(extra ...netip.Addr) Source {
	return Source{Name: "NICT's public NTP service (ntp.nict.jp)", NameJA: "NICT 公開 NTP サービス (ntp.nict.jp)", Addresses: uniqueAddrs(append(slices.Clone(NICTAddresses), extra...))}
}

// Server returns an NTP server known by name and addresses.
func Server(name string, addrs ...netip.Addr) Source {
	return Source{Name: "NTP server " + name, NameJA: "NTP サーバー " + name, Addresses: uniqueAddrs(addrs)}
}

func uniqueAddrs(a []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(a))
	for _, x := range a {
		if x = x.Unmap(); !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (s Source) ja() string {
	if s.NameJA != "" {
		return s.NameJA
	}
	return s.Name
}

// RefIDOf returns the reference id chronyd reports for a source at addr:
// the IPv4 address itself, or for IPv6 the first 32 bits of the MD5 of
// the 16-byte address (chrony's UTI_IPToRefid).
func RefIDOf(addr netip.Addr) uint32 {
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		return binary.BigEndian.Uint32(b[:])
	}
	b := addr.As16()
	sum := md5.Sum(b[:])
	return binary.BigEndian.Uint32(sum[:4])
}

// Follows reports whether the clock's reference is s, and names the
// endpoint it follows. When the report names an address (CSV form, or
// `chronyc -n`) the address decides; when it names a host (text form with
// reverse DNS) the reference id decides.
func (t Tracking) Follows(s Source) (endpoint string, ok bool) {
	if s.Amazon {
		return t.AmazonTimeSync()
	}
	if s.Any {
		if addr, err := netip.ParseAddr(t.Name); (err == nil && addr.Unmap().IsLoopback()) || t.RefID == RefIDLocal {
			return "", false
		}
		if t.Name != "" {
			return t.Name, true
		}
		return t.RefIDString(), true
	}
	if addr, err := netip.ParseAddr(t.Name); err == nil {
		addr = addr.Unmap()
		if slices.Contains(s.Addresses, addr) {
			return addr.String(), true
		}
		return "", false
	}
	for _, a := range s.Addresses {
		if RefIDOf(a) == t.RefID {
			if t.Name != "" {
				return fmt.Sprintf("%s, %s", t.Name, a), true
			}
			return a.String(), true
		}
	}
	return "", false
}

// describeSources lists the accepted sources for a sentence.
func describeSources(ss []Source, ja bool) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		switch {
		case s.Amazon && ja:
			names[i] = "Amazon Time Sync Service (169.254.169.123、fd00:ec2::123、PTP ハードウェアクロック)"
		case s.Amazon:
			names[i] = "Amazon Time Sync Service (169.254.169.123, fd00:ec2::123 or a PTP hardware clock)"
		case ja:
			names[i] = s.ja()
		default:
			names[i] = s.Name
		}
	}
	if ja {
		return strings.Join(names, "、")
	}
	return strings.Join(names, "; ")
}
