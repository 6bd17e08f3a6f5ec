// Package tenant provides the tenant registry: who the SaaS operator's
// tenants are, where their data lives, and where each one stands on the way
// from registration to the purge of its data.
//
// Rules:
//   - A tenant id is 1-63 characters of a-z, 0-9 and '-', starting with a
//     letter or digit (ValidateID). It becomes part of an S3 prefix, so
//     anything that could widen a prefix ('/', '..', '*', whitespace, control
//     or non-ASCII characters, the empty id) is rejected, never cleaned up.
//   - A tenant's data locations are S3 bucket + prefix pairs. The prefix is
//     always the configured template applied to the id
//     (config.Tenants.Prefix), in one of the configured buckets; by default
//     the tenant has one location in every configured bucket. An event that
//     names any other location is rejected, so a purge can trust that a
//     registry location is exactly one tenant's prefix, ending in '/'.
//   - Status moves only along active → terminated → purging → purged, with
//     one way back: terminated → active (reinstatement), allowed only until
//     the purge starts. Termination sets purge_due and purge_deadline by
//     config.Tenants.PurgeWindow (the grace period in days or calendar
//     months, moved to a purge day, then the deadline, all counted in the
//     operator's zone). A tenant counts as terminated from the termination
//     event's occurredAt (when the contract ended), not from when the event
//     arrived, so the promised window is the contract's. The purge may start
//     only when, by the real clock, now >= purge_due, ops have had the
//     advance notice for advanceNoticeDays (recorded as notice_sent_at,
//     however old the termination), and it is a purge day (Tenant.Blocked);
//     a caller's clock that runs ahead cannot start it early. Only the
//     purger moves a tenant to purged, once its purge is verified complete.
//   - Every status change is a DynamoDB conditional write on the status (and
//     the item's version, or the purge owner for checkpoints), so two
//     writers can never race a tenant into a wrong state: one wins, the
//     other gets ErrConflict.
//   - Lifecycle events arrive at least once and in any order. An event
//     already applied (same EventBridge id, or same kind and occurredAt) is a
//     duplicate: applying it again changes nothing and is not an error. A
//     status event no newer than the last applied one, or a contact change
//     no newer than the last, is out of order: reported, not applied. A
//     status event that changes nothing (reinstating an active tenant)
//     still records its time, so that an older one arriving later is out of
//     order. A newer termination of a terminated tenant moves its purge
//     dates later, never earlier. An event that asks for something the
//     tenant's state forbids (reinstating a tenant whose purge has begun) is
//     ErrConflict.
//   - Contacts carry an email address, a language (ja or en, default ja) and
//     an IANA time zone (default Asia/Tokyo) in which customer-facing times
//     are shown. Contacts, name and shared resources may change in any state
//     before purged; locations may not change once the purge has begun.
//   - Stored times are UTC, RFC 3339 with millisecond precision and fixed
//     width, so that they sort as strings in the by_status index.
//
// The lifecycle events' schema is described in EVENTS.md next to this file.
package tenant
