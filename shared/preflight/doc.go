// Package preflight provides the read-only checks an operator runs with
// their own credentials before and after deploying Pledge, to find the
// prerequisites that would otherwise fail only on day one: an SES sender
// that is not verified or an account still in the SES sandbox, GuardDuty
// off, no trail delivering management events, a database, bucket or
// instance the configuration names that is not there or not ready, an RDS
// snapshot quota too small for the backup policies, a Lambda concurrency
// quota too small for the stack's reservations, a signing key of the wrong
// kind, an ops topic nobody has confirmed.
//
// Rules:
//   - Every check only reads (Describe, Get, List); nothing is created or
//     changed. Package preflight is never linked into a Lambda function: it
//     has its own command (cmd/preflight, `make preflight`).
//   - Each check ends in one Result per subject: PASS, FAIL (the
//     prerequisite is missing, with the fix in one sentence) or ERROR (it
//     could not be checked; "denied" when the credentials lack the
//     permission, with the action to grant).
//   - A check whose subject is not known yet (a resource the stack creates,
//     before it is deployed) is not run; Report.NotChecked says which and
//     how to check it (pass the stack's outputs).
//   - The command exits non-zero on any FAIL or ERROR.
package preflight
