// Package proof runs the sandbox scenario under a seed operator's ready
// profile (infra/config/<name>.json) and checks that each promise the
// profile says it keeps is kept: the functions' real binaries run against
// the sandbox's stand-ins with the profile's configuration, pointed at the
// scenario's resources (Sandboxed), and every kept promise is judged by its
// kind (config.ProfileKinds). A promise whose kind has no proof fails.
//
// What each kind's proof asserts, under the profile:
//   - backup-tiers: the rotator's planning (snapshot.PlanTarget) over 120
//     simulated days of the profile's schedule, a few slots missed, keeps
//     exactly what the promise's tiers (restic's rules, written here
//     naively) keep at every run, with the promise's own statement on top
//     (N generations of each counted tier available; every snapshot of a
//     within tier kept the span and not two intervals longer); and the
//     real rotator binary, run once on a seeded history, creates the
//     current slot's snapshot, deletes what the tiers do not keep, keeps
//     what they do, and touches no other database's snapshot.
//   - pitr: the verifier passes a database kept as long as promised and
//     fails one kept a day less, naming the promise.
//   - noncurrent-versions, log-retention, time-source, encryption-at-rest,
//     encryption-in-transit, monitoring: one verifier run; each seeded
//     resource gets the verdict the promise implies (a clock on NICT passes
//     only where NICT or any server is accepted; a log group kept 180 days
//     fails a promise of six months; ...), and checks the profile does not
//     promise report nothing.
//   - purge-window: a tenant terminated at 18:00 JST on 31 December
//     (through the purger binary's lifecycle event) is recorded due and
//     with the deadline the whitepaper's words give, is not due a second
//     before, and is due (or waiting for the advance notice) at the due time
//     in a dry-run sweep.
//   - segregation: the dry-run purge plan of a tenant counts exactly its
//     own versions, never those of a neighbour whose id extends its own.
//   - deletion-certificate: a purge under the profile mails the tenant's
//     contact a signed certificate and writes it as evidence; a Tenant
//     Deletion Report Requested event mails it again, marked as sent on
//     request, and the same request id again mails nothing.
//   - notice-deadline: the notifier binary, given a finding detected at
//     fixed instants (a Friday evening before a national holiday, a
//     business-day morning, New Year's Eve), queues the notice due when the
//     whitepaper's rule says (literal times, not computed by the code under
//     test).
//   - customer-time-zone: the notices, sent, show the detection in JST.
//   - data-location: the configuration's region is Tokyo, and the rotator's
//     run made no copy of a snapshot.
//
// One sandbox serves every profile: each profile gets its own databases,
// tenants, log groups and finding ids, so that the proofs never see one
// another's state.
package proof
