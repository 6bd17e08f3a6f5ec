// Package check provides the compliance verifier's checks, their results and
// the report: what each check evidences under ISO/IEC 27017, the pure rules
// that judge already-fetched facts, and the state changes between two runs.
//
// Rules:
//   - Every check has an id from config.CheckIDs, the ISO/IEC 27017 controls
//     it evidences (numbered as in ISO/IEC 27001:2013 Annex A, with the
//     cloud-specific CLD controls of ISO/IEC 27017:2015) and the AWS Config
//     managed rules that check the same thing, where any exist.
//   - A result is PASS, FAIL or ERROR. ERROR means the check could not be
//     evaluated: a denied permission, a failed call, output that could not
//     be read. It is never a PASS; a missing permission must be visible.
//   - Every result carries one resource (an ARN or id) and a reason: full
//     sentences in English (Reason) and Japanese (ReasonJA) that say why,
//     naming the values that decided it. Results that belong together carry
//     a Group (the database of a snapshot, the class of a log group, the
//     source a clock follows) so a report can show them as one row.
//   - Promises the checks hold the account to: the clock's accepted time
//     sources (Amazon Time Sync Service by default; NICT's ntp.nict.jp;
//     named NTP servers), with the source a clock follows reported; the
//     days noncurrent versions of tenant objects are kept (versioning on
//     and a lifecycle rule expiring them no sooner, covering all tenant
//     data: s3.noncurrent-version-retention, see NoncurrentRetention); log
//     retention per log-group class; a longest KMS rotation period.
//   - Evaluation functions take facts, not SDK clients, and the time of
//     evaluation as an input; fetching the facts is the adapters' job.
//   - A check emits at most one result per resource, so (check id,
//     resource) identifies a result across runs. Changes compares two
//     reports by that key and returns only the results whose status changed
//     (new failures and errors, recoveries): the verifier alerts on those
//     and stays silent when nothing changed.
package check
