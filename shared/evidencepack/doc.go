// Package evidencepack provides the monthly evidence pack: for the month
// before, in the operator's zone, per ISO/IEC 27017 control, what was
// promised, what happened and the evidence behind each figure, with an
// index of every evidence object signed by KMS. (Package evidence writes
// the records; this package reads a month of them for an auditor.)
//
// Rules:
//   - The month is a calendar month in the configured zone. A pack is made
//     only for a month that is over; evidence keys are dated in UTC, so a
//     month in UTC+9 starts on the last UTC day of the month before. An
//     object belongs to the month when the time in its key does (the
//     record's time; a certificate's issue time).
//   - Evidence read, each kind through its own small reader that takes
//     only the fields it needs and ignores the rest: snapshot-run (slots
//     taken and generations kept), deletion-certificate with its signature
//     and public key (verified; a certificate belongs to the month it was
//     issued in, though its key carries the purge's start) and its
//     manifest (every object of the purge's manifest folder indexed; the
//     index checked against the certified SHA-256, the parts it lists
//     re-read in order, each against its index entry, all against the
//     certified digest, every deleted key checked against the certified
//     locations), notice (sent against its deadline:
//     the record's own when it states one, else the promise hours it
//     records, else the configured noticeHours), finding, purge-run and
//     verification-report. Records marked dry run are indexed but in no
//     figure. What cannot be read, or does not hold, is listed as a
//     problem, never skipped silently.
//   - Statuses: kept, breached (a missed backup, a notice or purge after
//     its deadline, a FAIL result, a key outside the purged tenant's
//     prefix), unverified (no evidence, a deadline not stated, an ERROR
//     result: never a pass) and, for a day, none (nothing the promise
//     covers happened). A control's month is the worst of its evidence;
//     each day of each control has its own status, which the HTML draws as
//     the month at a glance.
//   - Backups: every slot the policy's schedule had in the month must have
//     its snapshot (created or found by the run for that slot); the
//     generations kept after the month's last run are compared with the
//     promised tiers. Notices: latency is measured from the start of the
//     promise; the maximum and the nearest-rank 95th percentile are over
//     promised notices, excluding findings that arrived already past their
//     deadline (counted apart). Purges: completion is the certificate's
//     issue time; a purge within the deadline alarm's days of its deadline
//     is listed as near. Verification: the pass rate of each day, and the
//     failures still open at the month's last run, grouped by check,
//     status and Result.Group ("41 unencrypted snapshots of analytics-db").
//   - Output, under evidence-pack/<YYYY-MM>/<generated UTC>/: pack.json,
//     pack.ja.html and pack.en.html (inline SVG, no script, no external
//     asset), SHA256SUMS (every evidence object of the month and the three
//     pack files, "<sha256>  <key>", sorted, the format sha256sum -c
//     reads), public-key.pem and SHA256SUMS.sig (ECDSA P-256 over SHA-256,
//     made by KMS as certificate.Signer makes a certificate's), the
//     signature written last. Objects are written once into the Object
//     Lock bucket; a month that already has a signed pack gets no second
//     one unless forced.
//   - Verification, offline, in a folder holding the objects under their
//     keys: openssl dgst -sha256 -verify public-key.pem -signature
//     SHA256SUMS.sig SHA256SUMS, then sha256sum -c SHA256SUMS.
//
// The pack is a fifth function, evidence-reporter, not a mode of the
// verifier: it reads every kind of evidence (the verifier reads only its
// own reports), signs with the certificate key (the verifier has no KMS
// grant), runs monthly with a longer timeout, and keeps the verifier's
// binary and role as narrow as they are.
package evidencepack
