// Package span provides calendar spans as restic writes them for its
// --keep-within options: a number of years, months, days and hours, such as
// "11d" or "1y6m". A span is counted on a time zone's calendar (a day is a
// calendar day, a month a calendar month), not as a fixed number of
// seconds, so "1m" back from 31 March is 3 March in a non-leap year, as
// Go's time.AddDate normalises it (and as restic counts it).
//
// Rules:
//   - Units are y, m, d and h, each at most once and in that order, each
//     after a whole number without sign: "11d", "1y2m3d4h". Parse names what
//     is wrong with anything else; the empty string is the zero span (no
//     limit set), and "0d" is refused: say nothing rather than zero.
//   - Each number is at most MaxUnit, so that a span never overflows a
//     time.Time computation.
//   - Before(t, loc) is the instant the span reaches back to from t, in
//     loc's calendar: t.AddDate(-years, -months, -days) minus the hours.
package span
