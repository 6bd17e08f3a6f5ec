// Package notify provides the finding notifier: it takes security findings
// as EventBridge delivers them, routes each to the tenants it concerns,
// tells ops, and e-mails every concerned tenant once per change of the
// finding, within the promised time, measuring that promise as it goes.
//
// Two inputs reach one handler (Notifier.Handle), told apart by shape:
//
//   - An EventBridge event (GuardDuty Finding, AWS API Call via CloudTrail,
//     AWS Console Sign In via CloudTrail). It is parsed with
//     finding.Parse, routed with finding.Policy over the tenant directory,
//     and becomes at most one ops message (SNS) and one notice-queue message
//     per tenant notice that is due (SQS, sent ten to a batch). A malformed or
//     unsupported event is rejected with a log line and the EventsRejected
//     metric (dimension Reason), an event outside the catalogue is counted as
//     EventsIgnored; neither returns an error, so EventBridge never retries
//     them. Failures to reach DynamoDB, SQS or SNS do return an error, after
//     undoing the ledger claims whose messages were not enqueued, so that
//     EventBridge's retry sends exactly what is missing.
//   - An SQS batch from the notice queue (one tenant notice a message). Each
//     notice is rendered with shared/notice and sent with SES v2 to the
//     tenant's contacts as they are in the directory at send time (so a
//     contact change made while the notice waited in the queue is honoured,
//     and no address travels through the queue). Messages that fail are
//     returned in BatchItemFailures: SQS redelivers them, and after the
//     queue's maximum receive count they land in the dead-letter queue, whose
//     alarm tells ops. A throttled send is never dropped: it fails its
//     message, and the rest of the batch is deferred the same way instead of
//     being throttled in turn. Sends are paced to the configured SES rate.
//
// The ledger (one DynamoDB item per finding and tenant, see Ledger) is what
// makes "once per change" hold under at-least-once delivery:
//
//   - A tenant gets a notice for a finding when it has had none for it (the
//     first notice), when the finding's severity band is higher than the band
//     last notified (an upgrade), or when the quiet period has passed since
//     the last notice and the finding has been updated since (a reminder).
//     Anything else — a duplicate delivery, a replay however late, a
//     re-emitted finding with a higher count in the same band, a lower band —
//     is suppressed and counted as NoticesSuppressed. Decide is this rule as
//     a pure function.
//   - Identical CloudTrail calls (same rule, principal and resources) are one
//     finding (package finding keys them so). Each call is tallied in the
//     ledger (Ledger.Tally: a count and the first and last call times in a
//     window of the quiet period), so a burst of N calls is one notice that
//     shows the count and times as they are when it is sent. Calls of a
//     counted rule (sign-in failures, refused calls) are tallied per window
//     and become a finding only at the rule's threshold (OutcomeCounted
//     before). Every call's event id is marked in the ledger, so that a
//     replay of an event already handled changes nothing (OutcomeReplayed,
//     EventsReplayed).
//   - The claim is one conditional write whose condition is the same rule on
//     the stored band and last-notified time, so two concurrent deliveries of
//     the same finding claim one notice between them. Each claim numbers the
//     notice (notice_seq); the queue message carries the number.
//   - Ops are one more ledger entry per finding (tenant id OpsTenantID, which
//     no tenant id can equal), under the same rule: one ops message per
//     change of a finding, not per delivery.
//   - Sending is guarded too: a sender leases the notice (sending_at) before
//     it calls SES, records each contact group it has mailed, and marks the
//     notice sent with the send time and SES message ids. A redelivered
//     message whose notice is already sent, or which a newer notice has
//     superseded, sends nothing. A process that dies between SES and the
//     ledger leaves a lease that expires, and the notice is sent again: a
//     rare duplicate rather than a lost notice.
//
// Contacts are grouped by what they read: the tenant's contacts who share a
// language order and a time zone receive one e-mail together (they are
// colleagues at one customer), each group its own rendering. Languages are
// the configured ones with the contact's own language moved (or added) to
// the front. This keeps SES sends, and so the time spent under the sending
// rate, to the number of distinct renderings rather than the number of
// addresses.
//
// Routing: a finding is routed by package finding over the tenant
// directory, after the tags of its resources that lack the tenant tag have
// been looked up (package resourcetag; a lookup AWS refuses is shown to
// ops, one that may succeed on retry fails the event before anything is
// written). A finding about resources that are no tenant's reaches ops
// only, as unrouted (FindingsUnrouted, with an alarm).
//
// The promise is measured per notice against the configured deadline
// (Settings.Deadline: a plain limit or a business-hours rule, package
// businesshours). A first notice is due by the deadline computed from the
// finding's detection (finding.Finding.Detected); an upgrade from the
// finding's update that raised the band (Updated). The due time travels
// with the notice, is shown to ops and written to evidence. A finding that
// arrives after its notice was due is still notified, marked late to ops,
// and measured apart (NoticesLate, LateArrivalSeconds,
// LateNoticeLatencySeconds): it is not a promise this run broke. Reminders
// are not promised and are not measured. The notifier emits, with dimension
// Function=finding-notifier: NoticeLatencySeconds (promise start to send),
// NoticeAtRisk (1 when, at queue or send time, less than a quarter of the
// time from promise start to due remains or it has passed; 0 otherwise),
// NoticesQueued, NoticesSent, NoticesSuppressed, NoticeSendFailures,
// EventsRejected, EventsIgnored, EventsCounted, EventsReplayed,
// FindingsUnrouted and TagLookupFailures.
// Every sent notice leaves an evidence record (kind "notice", subject
// "<finding id>/<tenant id>") whose recipients are SHA-256 hashes of the
// lower-cased addresses, never the addresses. Logs never carry addresses.
package notify
