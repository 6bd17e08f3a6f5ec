package certificate

import (
	"fmt"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/span"
)

// BackupExpiry says when backups that may still hold a tenant's data
// expire.
type BackupExpiry struct {
	// Never is true when some policy keeps snapshots without limit (a tier
	// of -1): such backups never expire, and ExpiresBy is absent.
	Never bool `json:"never"`
	// ExpiresBy is the latest expiry over all policies.
	ExpiresBy *Time `json:"expires_by,omitempty"`
	// Basis is the time the computation starts from: the last deletion.
	Basis    Time           `json:"basis"`
	Policies []PolicyExpiry `json:"policies"`
}

// PolicyExpiry is one backup policy's part of the computation.
type PolicyExpiry struct {
	Policy    string `json:"policy"`
	Never     bool   `json:"never"`
	ExpiresBy *Time  `json:"expires_by,omitempty"`
	// Longest names the tier that keeps the snapshot longest, e.g.
	// "weekly 4" or "yearly -1".
	Longest string `json:"longest"`
	// IntervalSeconds is the rotation schedule's interval added for the
	// rotator's next run.
	IntervalSeconds int64 `json:"interval_seconds"`
}

// BackupExpiryFor computes when the backups of these policies that may
// hold data deleted at basis expire, as the package documentation
// describes. zone is the configured time zone. A policy with an invalid
// schedule is an error.
func BackupExpiryFor(policies []config.BackupPolicy, basis time.Time, zone *time.Location) (BackupExpiry, error) {
	if zone == nil {
		zone = time.UTC
	}
	t := basis.In(zone)
	out := BackupExpiry{Basis: At(basis), Policies: []PolicyExpiry{}}
	var latest time.Time
	for _, p := range policies {
		// A policy that promises only point-in-time recovery has no
		// schedule: RDS takes the automated snapshot daily.
		iv := 24 * time.Hour
		if p.TakesSnapshots() {
			s, err := schedule.Parse(p.Schedule)
			if err != nil {
				return BackupExpiry{}, fmt.Errorf("backup policy %s: schedule %q: %w", p.Name, p.Schedule, err)
			}
			iv = s.Interval(t, zone)
			if iv <= 0 {
				return BackupExpiry{}, fmt.Errorf("backup policy %s: schedule %q has no interval", p.Name, p.Schedule)
			}
		}
		pe := PolicyExpiry{Policy: p.Name, IntervalSeconds: int64(iv / time.Second)}
		var end time.Time
		consider := func(name string, n int, until func(int) time.Time) {
			if n == 0 || pe.Never {
				return
			}
			if n < 0 {
				pe.Never, pe.Longest = true, fmt.Sprintf("%s %d", name, n)
				return
			}
			if u := until(n); u.After(end) {
				end, pe.Longest = u, fmt.Sprintf("%s %d", name, n)
			}
		}
		consider("last", p.Keep.Last, func(n int) time.Time { return t.Add(time.Duration(n) * iv) })
		if p.TakesSnapshots() {
			consider("min_available", p.MinAvailable, func(n int) time.Time { return t.Add(time.Duration(n) * iv) })
		}
		consider("hourly", p.Keep.Hourly, func(n int) time.Time { return t.Add(time.Duration(n) * time.Hour) })
		consider("daily", p.Keep.Daily, func(n int) time.Time { return t.AddDate(0, 0, n) })
		consider("weekly", p.Keep.Weekly, func(n int) time.Time { return t.AddDate(0, 0, 7*n) })
		consider("monthly", p.Keep.Monthly, func(n int) time.Time { return t.AddDate(0, n, 0) })
		consider("yearly", p.Keep.Yearly, func(n int) time.Time { return t.AddDate(n, 0, 0) })
		for _, w := range p.Keep.Spans() {
			sp, err := span.Parse(w.Span)
			if err != nil {
				return BackupExpiry{}, fmt.Errorf("backup policy %s: keep.%s: %w", p.Name, w.Name, err)
			}
			if sp.IsZero() || pe.Never {
				continue
			}
			if u := sp.After(t, zone).Add(iv); u.After(end) {
				end, pe.Longest = u, w.Name+" "+sp.String()
			}
		}
		consider("point_in_time_recovery_days", p.PointInTimeRecoveryDays, func(n int) time.Time { return t.AddDate(0, 0, n) })
		if pe.Never {
			out.Never = true
		} else {
			e := At(end.Add(iv))
			pe.ExpiresBy = &e
			if e.After(latest) {
				latest = e.Time
			}
		}
		out.Policies = append(out.Policies, pe)
	}
	if !out.Never && !latest.IsZero() {
		e := At(latest)
		out.ExpiresBy = &e
	}
	if !out.Never && latest.IsZero() {
		// No policies: nothing is backed up by Pledge's rotator.
		out.ExpiresBy = nil
	}
	return out, nil
}
