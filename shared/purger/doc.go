// Package purger provides the tenant-purger's handler: it ties the tenant
// registry (shared/tenant), the purge engine (shared/purge) and the deletion
// certificate (shared/certificate) together into the function that keeps the
// promise "a terminated tenant's data is deleted completely, on time, and the
// customer receives proof".
//
// One handler receives three kinds of event, told apart by their shape:
//
//   - Tenant lifecycle events (EventBridge source "pledge.tenant-lifecycle")
//     are applied to the registry. A duplicate or out-of-order event is
//     reported, not an error. An event that can never apply (malformed: it
//     wraps tenant.ErrInvalid; or forbidden by the tenant's state:
//     tenant.ErrConflict) is an error, as is one for a tenant not yet
//     registered (tenant.ErrNotFound, which a later registration may cure).
//     EventBridge invokes the function asynchronously, so Lambda retries
//     a failed event twice with backoff and then moves it to the function's
//     dead-letter queue: retries are bounded, the event is kept for replay
//     once the control plane is fixed, and the errors and dead-letter alarms
//     tell ops. Swallowing an invalid event instead would lose it silently.
//   - The daily scheduled event sweeps the registry: every tenant whose purge
//     may start (terminated past its grace period, ops noticed for long
//     enough, on a purge day: tenant.Tenant.Blocked; or purging and
//     unfinished) is enqueued on the purge queue, one tenant a message.
//     Tenants whose purge falls due within Tenants.AdvanceNoticeDays (plus
//     one sweep interval), or is due but waits for the notice, get a
//     dry-run plan and ops receive its summary (objects, versions, delete
//     markers and bytes per tenant) on the ops SNS topic, which is how ops
//     receive email here; it is a daily digest while any purge is upcoming.
//     Once published, the first notice of each termination is recorded in
//     the registry (notice_sent_at), and no purge starts until
//     AdvanceNoticeDays after it, however old the termination. The EMF
//     metric PurgeDeadlineDaysLeftMin is the fewest days any unfinished
//     purge (due, running or waiting) has left before its deadline; the
//     stack alarms when it falls below Tenants.DeadlineAlarmDays, days
//     before a deadline is missed.
//   - Purge-queue batches (one tenant a message) purge one tenant: the
//     registry's conditional StartPurge claims it for this invocation's
//     request id (it refuses active, reinstated and not-yet-due tenants);
//     the engine re-reads the registry immediately before every
//     DeleteObjects call and stops unless the tenant is still purging under
//     the same owner; progress is checkpointed on the tenant's registry item,
//     written only while this invocation still owns the purge.
//
// A listing that returns a key outside the tenant's prefix halts the purge
// (purge.ErrOutsidePrefix): the message fails and is redelivered, the
// PrefixGuardTripped metric (which the stack alarms on) and a message on the
// ops topic name the key.
//
// When the invocation's time runs short the engine stops cleanly
// (purge.StatusIncomplete): the purger sends the tenant's message again with
// a short delay and reports this message as done. It does not return a batch
// item failure for it, because SQS would then wait for the whole visibility
// timeout (16 minutes) and every round would count towards the queue's
// maxReceiveCount, moving a large tenant to the dead-letter queue for
// making progress. A round that made no progress at all, a purge that left
// versions it could not delete (purge.StatusNotPurged), or any other error is
// a batch item failure: SQS redelivers it after the visibility timeout and,
// after five failures, the dead-letter queue's alarm fires.
//
// Before a purge message claims its tenant, the signing key is checked once
// per process (certificate.Signer.Preflight: spec, usage and a test
// signature): with a key that cannot sign, nothing is claimed or deleted
// and the message fails with an error naming the key needed.
//
// When the final listing proves the prefixes empty (apart from versions
// Object Lock keeps, which the certificate lists), the purger seals the
// manifest (purge.Seal: the index object, re-hashing every stored part) and
// issues the deletion certificate: it is signed with the KMS key and stored
// under deletion-certificate/<tenant>/<purge id>/ (certificate.json,
// certificate.sig, public-key.pem), a place fixed for the purge, so a retry
// after a kill finds the certificate already stored there (signing it again
// if only its signature was lost) and never issues a second one. It is then
// mailed to each of the tenant's contacts through SES v2 as a raw MIME
// message (bilingual, the contact's language first; times in the contact's
// zone; the three files attached). Only then is the tenant marked purged.
//
// Mail is at-least-once, not exactly once: before each send the purger
// records on the registry item that the mail is about to go, and after SES
// accepts it that it went. A retry that finds a mail recorded as about to
// go but not as gone cannot know whether it went out, so it sends it again
// with the subject and first line marked as a resend (Outcome.Resent).
//
// Every purge invocation leaves a "purge-run" evidence record, and so does
// every sweep; the manifest parts go under "deletion-manifest". Dry run plans
// everything and changes nothing: no registry write, no message, no mail, no
// evidence.
//
// Metrics (EMF, namespace Pledge): TenantsPurged, ObjectsDeleted (object
// versions plus delete markers deleted by this invocation), BytesDeleted,
// PurgeIncomplete, PurgeDeadlineDaysLeftMin, LifecycleEventsRejected and
// CertificateMailFailures.
package purger
