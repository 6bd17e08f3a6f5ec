// Package chrony provides a parser for chronyc's tracking report and the
// time-synchronisation rule the compliance verifier applies to it
// (ISO/IEC 27017 A.12.4.4, clock synchronisation).
//
// Parse reads either form chronyc prints: the CSV line of `chronyc -c
// tracking` (what the verifier runs through SSM) or the labelled lines of
// `chronyc tracking`, old dotted-quad reference ids included. Both give the
// same Tracking.
//
// Signs, as chronyc 4.x's client.c defines them:
//   - chronyc -c prints the system-time field as the correction chronyd
//     still has to apply: positive when the system clock is slow (behind
//     NTP time), negative when fast. The text form prints its magnitude
//     followed by "slow" or "fast". Tracking.Offset is the other way round,
//     system clock minus NTP time: positive when fast, negative when slow,
//     the same sign convention as chrony's Last offset.
//   - Frequency: chronyc -c prints a signed ppm value; the text form prints
//     its magnitude with "fast" when it is positive and "slow" otherwise.
//     FrequencyPPM keeps the CSV sign.
//
// The rule (Evaluate): a clock is synchronised as promised when
//   - its reference is one of the accepted sources (Rule.Sources; Amazon
//     Time Sync Service alone when none is given, as EvaluateTimeSync does).
//     Amazon Time Sync Service is 169.254.169.123 (ref id A9FEA97B),
//     fd00:ec2::123 (ref id 9C6F5832, the first 32 bits of the MD5 of the
//     address, as chrony derives IPv6 ref ids), or a PTP hardware clock
//     reference (PHC0, PHC1, ...), which on an EC2 instance is the Nitro
//     card's clock disciplined by Amazon Time Sync. Any other source (NICT's
//     ntp.nict.jp, a named NTP server) is known by its addresses: the
//     address chronyc -c prints must be one of them, or, when the text form
//     prints a host name, the reference id must be one derived from them.
//     AnySource, for a promise that says "NTP" and names no server, accepts
//     whatever the clock follows except the host itself (local mode, a
//     loopback address);
//   - the leap status is Normal (not "Not synchronised", and no pending
//     leap second: Amazon's NTP endpoints smear leap seconds);
//   - chrony's own bound on the clock error, |offset| + root dispersion +
//     root delay / 2 (chronyc(1), "Root dispersion"), is below the
//     threshold. The bound is used rather than the offset alone because the
//     offset is measured against chrony's estimate of true time: a clock
//     whose source went silent keeps a small offset while its root
//     dispersion grows, and only the bound shows that it is no longer known
//     to be within the threshold.
//
// The verdict names the source the clock follows (accepted or not) and
// says why in English and Japanese.
package chrony
