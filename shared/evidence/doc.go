// Package evidence provides the evidence store: immutable JSON records of
// what Pledge did, written to the evidence bucket for auditors.
//
// Rules:
//   - A record has a kind (what sort of evidence: "snapshot-run",
//     "deletion-certificate", "notice", "verification-report"), the time it
//     describes, a subject (the database, tenant, finding or run it is
//     about) and a body.
//   - Records are write-once: the store writes with If-None-Match: * so an
//     existing key is never overwritten, and the bucket's Object Lock
//     (compliance mode) keeps every version for the configured retention.
//   - Keys are kind/YYYY/MM/DD/<time>_<subject>_<digest>.json in UTC, so a
//     listing by kind and day finds them and two different records never
//     share a key; writing the same record twice is reported, not repeated.
package evidence
