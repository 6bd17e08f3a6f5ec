// Package notice provides the bilingual incident notice e-mail that tells a
// tenant about a security finding that concerns it: subject, plain text and
// HTML.
//
// Rules:
//   - Languages are written in the order given, Japanese first by default
//     (["ja", "en"]); each language is a complete notice on its own, so a
//     reader of either needs nothing from the other.
//   - Every notice says what happened (title, type, severity band in the
//     reader's language with GuardDuty's band name and the number), when it
//     was detected in the tenant's zone with the UTC offset shown
//     ("2026-11-21 18:04 JST (UTC+09:00)"; default zone Asia/Tokyo), which of
//     the tenant's resources are concerned (or that it concerns the service
//     as a whole), what the operator is doing, whom to contact, and the
//     finding id to quote.
//   - Japanese is polite, as the operators' whitepapers speak to customers
//     (お客様, ご担当者様).
//   - The HTML is a compiled templ template (notice.templ, generated into
//     notice_templ.go by `make generate`) that escapes every value for its
//     HTML context, so nothing that came from an event (titles, resource
//     ids, object keys) can inject markup; the plain text is written by
//     plain Go (text.go). Neither uses html/template or text/template, whose
//     reflection would keep most of the AWS SDK in the function binaries.
//     The subject is one line with control characters removed, so an event
//     cannot inject mail headers.
//   - Resources shown are only those passed in: the caller passes the
//     tenant's own (finding.Recipient.Resources), never the whole finding's.
package notice
