// Package businesshours provides the promised notice deadline of a finding
// (notifications.deadline): a plain limit of N hours after detection, or a
// limit over a business-hours calendar. It is pure: time is an input.
//
// Rules:
//   - A Calendar is open on its weekdays from Start (inclusive) to End
//     (exclusive) in its zone, except on holidays when it closes on them
//     (Japanese national, substitute and citizens' holidays: package
//     jpholiday).
//   - Plain deadline: due = detected + N hours.
//   - Business-hours deadline (operator 003's promise): detected while the
//     calendar is open, due = detected + N hours (which may fall after
//     closing: the promise counts hours, not business hours); detected while
//     it is closed, due = the later of the next opening (NextOpen) and
//     detected + N hours.
//   - "The start of the next business hours" (翌営業日の開始時間) is read as
//     the next moment the calendar opens after detection, which on a
//     business day before opening time is that same morning: detected
//     Tuesday 08:00 with a 6-hour limit is due Tuesday 14:00; detected
//     Friday 19:00 before a Monday holiday is due Tuesday 09:00; detected
//     Friday 17:30 is due Friday 23:30.
//   - Due is always at or after detected + N hours, and at or after the
//     next opening for a detection while closed; it is returned in the
//     calendar's zone.
package businesshours
