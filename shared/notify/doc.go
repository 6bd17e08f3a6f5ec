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
//     the last notice (a reminder). Anything else — a duplicate delivery, a
//     re-emitted finding with a higher count in the same band, a lower band —
//     is suppressed and counted as NoticesSuppressed. Decide is this rule as
//     a pure function.
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
// The promise is measured per notice. A first notice is due within the
// promised hours of the finding's detection (finding.Finding.Detected); an
// upgrade within the promised hours of the finding's update that raised the
// band (Updated). Reminders are not promised and are not measured. The
// notifier emits, with dimension Function=finding-notifier:
// NoticeLatencySeconds (promise start to send), NoticeAtRisk (1 when, at
// queue or send time, less than a quarter of the promised time remains or
// it has passed; 0 otherwise), NoticesQueued, NoticesSent,
// NoticesSuppressed, NoticeSendFailures, EventsRejected and EventsIgnored.
// Every sent notice leaves an evidence record (kind "notice", subject
// "<finding id>/<tenant id>") whose recipients are SHA-256 hashes of the
// lower-cased addresses, never the addresses. Logs never carry addresses.
package notify
