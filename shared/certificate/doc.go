// Package certificate provides the deletion certificate: a canonical,
// signed JSON statement that a tenant's data was purged, with a bilingual
// plain-text summary for the tenant's contacts.
//
// Rules:
//   - A certificate is issued only for a purge whose final listing found
//     nothing but locked versions (purge.StatusPurged). It states the
//     tenant, the locations, the counts of objects, versions and delete
//     markers, the bytes, the first and last deletion time, the manifest
//     (the SHA-256 of all its lines, their count, the number of parts, and
//     the key and SHA-256 of its index, which lists every part with its
//     own SHA-256: the certificate stays small at any tenant size and
//     still ties every part to the signature), every version retained and
//     why (Object Lock retention with its retain-until date, or legal
//     hold, as the final listing found it), the date by which backups that
//     may still hold the tenant's data expire, the issuer, the time of
//     issue and the signing key.
//   - Signing key preflight: Signer.Preflight checks, before a purge
//     deletes anything, the key's spec (ECC_NIST_P256), usage
//     (SIGN_VERIFY), algorithm (ECDSA_SHA_256) and that this role may sign
//     (a test signature over PreflightDigest, verified); errors wrap
//     ErrSigningKey and name what is needed. SignStored signs again a
//     certificate already stored whose signature was lost.
//   - Canonical form, which the signature covers byte for byte: UTF-8 JSON
//     with object keys sorted by their UTF-8 bytes at every level, no
//     insignificant whitespace and no trailing newline; strings escaped as
//     Go's encoding/json does without HTML escaping ('"', '\\', control
//     characters as \uXXXX or \n \r \t, U+2028 and U+2029 as \u2028
//     \u2029); numbers are integers only; times are RFC 3339 in UTC with
//     whole seconds ("2026-11-22T01:02:03Z", sub-seconds truncated); absent
//     optional values are omitted, lists are never null. Parse + Canonical
//     reproduces the exact bytes, and Verify insists on it.
//   - Signature: ECDSA P-256 over SHA-256 of the canonical bytes, made by an
//     AWS KMS asymmetric key (KeySpec ECC_NIST_P256, SigningAlgorithm
//     ECDSA_SHA_256). The engine sends KMS the SHA-256 digest
//     (MessageType DIGEST) because KMS refuses RAW messages over 4 KiB and
//     a certificate with many manifest parts or retained versions is
//     larger. The DER signature verifies with
//     `openssl dgst -sha256 -verify public-key.pem -signature certificate.sig certificate.json`.
//   - Backup expiry (BackupExpiry): the snapshot that lives longest is one
//     taken just before the last deletion. Under a grandfather-father-son
//     tier "keep the newest snapshot of each of the N most recent periods",
//     that snapshot is the newest of its period and stays until N newer
//     periods have a snapshot, which is at most N periods after it was
//     taken (hourly N: N hours; daily: N calendar days; weekly: 7N days;
//     monthly: N months; yearly: N years, in the configured zone). The
//     "last N" tier and MinAvailable keep it until N newer snapshots exist:
//     N schedule intervals. A within tier (withinDaily "11d") keeps it
//     until the newest snapshot is the span younger than it, which is at
//     most the span and one schedule interval after it was taken (one
//     interval more than a counted tier, as the cut is an instant and
//     snapshot creation times vary by seconds). Point-in-time recovery
//     keeps it for its retention days, and a policy that promises only
//     point-in-time recovery (no tiers, no schedule) adds RDS's daily
//     automated snapshot as its interval. The rotator deletes at its next
//     run, so one schedule interval is added. A policy's expiry is the latest of its tiers; the
//     certificate's is the latest over all policies. A tier of -1
//     (unlimited) means the backups never expire, and the certificate says
//     so explicitly. This assumes the rotator runs on its schedule.
package certificate
