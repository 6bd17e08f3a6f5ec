// Package verify provides the compliance verifier's run: check the account,
// report, remember, and alert ops only when something changed.
//
// Rules:
//   - A run evaluates the configured checks (every check when none is
//     configured), builds one report (check.Build) and stores it in the
//     evidence bucket as a "verification-report" record, with a bilingual
//     HTML rendering next to it under the same key ending in .html.
//   - The previous report is found in the evidence bucket itself: the
//     bucket is write-once (Object Lock, If-None-Match), so there is no
//     "latest" pointer to overwrite, and keeping state elsewhere would be a
//     second source of truth. Keys are verification-report/YYYY/MM/DD/
//     <UTC time>_<subject>_<digest>.json, so within one day's prefix the
//     newest key is the last in lexical order. The run lists today's
//     prefix, then the days before, back to Lookback (two days at least,
//     twice the schedule's interval for slower schedules), and takes the
//     newest report of the same subject (account and region) older than
//     now. An hourly verifier makes one ListObjectsV2 call and one
//     GetObject a run. When no report is found, every result that is not
//     PASS is a change, so the first run (or the first after a long outage)
//     alerts on every open failure.
//   - Ops are alerted through one SNS message a run, and only when
//     check.Changes is not empty: an unchanged account sends nothing,
//     however many failures it has.
//   - The alert is published before the report is written. A failed publish
//     fails the run without writing the report, so the next run compares
//     with the same previous report and alerts again; a failed write after
//     a publish means the next run may alert again. Alerts are at least
//     once, never lost.
//   - A previous report that cannot be read (a denied permission, a body
//     that is not a report) fails the run after it has reported and
//     alerted against no previous report: the error is visible, and no
//     change is hidden.
//   - Every run emits per check, in EMF, ChecksPassed, ChecksFailed and
//     ChecksErrored with the dimension CheckID, and the same totals
//     without it.
//   - Dry run evaluates everything, reads the previous report and computes
//     the changes, and writes and publishes nothing.
//   - Security Hub (ASFF) export is not done.
package verify
