package purge

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Location is one place a tenant's data lives: every object whose key
// starts with Prefix in Bucket.
type Location struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
}

// String returns the location as an s3:// URL.
func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Prefix }

// Validate reports why the location cannot be purged safely: an empty
// bucket, or a prefix that is empty, does not end in '/', starts with '/',
// has an empty, "." or ".." segment, or holds control characters or the
// wildcards '*' and '?'.
func (l Location) Validate() error {
	if l.Bucket == "" {
		return fmt.Errorf("location %q: bucket is empty", l.String())
	}
	if strings.ContainsAny(l.Bucket, "/ *?") {
		return fmt.Errorf("location %q: bucket %q is not a bucket name", l.String(), l.Bucket)
	}
	p := l.Prefix
	switch {
	case p == "":
		return fmt.Errorf("location %q: prefix is empty; it would match the whole bucket", l.String())
	case !strings.HasSuffix(p, "/"):
		return fmt.Errorf("location %q: prefix %q does not end in '/'; it would also match neighbours such as %q", l.String(), p, p+"0/")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("location %q: prefix %q starts with '/'", l.String(), p)
	case !utf8.ValidString(p):
		return fmt.Errorf("location %q: prefix is not valid UTF-8", l.String())
	case strings.ContainsAny(p, "*?"):
		return fmt.Errorf("location %q: prefix %q holds a wildcard", l.String(), p)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("location %q: prefix %q holds a control character", l.String(), p)
		}
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." || strings.TrimSpace(seg) != seg {
			return fmt.Errorf("location %q: prefix %q has an empty, '.', '..' or space-padded segment", l.String(), p)
		}
	}
	return nil
}

// Job is one tenant's purge.
type Job struct {
	// TenantID names the tenant; it goes into manifest keys and logs.
	TenantID string
	// Locations are purged in this order.
	Locations []Location
	// Expected are the locations the tenant registry holds for this tenant.
	// Every location must be exactly one of them, or the job is refused.
	Expected []Location
}

// ErrRefused marks a job refused before anything was listed or deleted.
var ErrRefused = errors.New("purge refused")

// Validate reports why the job must not run: no tenant, no locations, an
// unsafe location, a location that is not exactly one of Expected, or two
// locations that overlap (one prefix inside another in the same bucket).
// The error wraps ErrRefused.
func (j Job) Validate() error {
	if j.TenantID == "" {
		return fmt.Errorf("%w: job has no tenant id", ErrRefused)
	}
	if len(j.Locations) == 0 {
		return fmt.Errorf("%w: tenant %s: job has no locations", ErrRefused, j.TenantID)
	}
	for i, l := range j.Locations {
		if err := l.Validate(); err != nil {
			return fmt.Errorf("%w: tenant %s: %v", ErrRefused, j.TenantID, err)
		}
		found := false
		for _, e := range j.Expected {
			if e == l {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%w: tenant %s: location %s is not exactly one of the registry's locations %v", ErrRefused, j.TenantID, l, j.Expected)
		}
		for _, o := range j.Locations[:i] {
			if o.Bucket == l.Bucket && (strings.HasPrefix(o.Prefix, l.Prefix) || strings.HasPrefix(l.Prefix, o.Prefix)) {
				return fmt.Errorf("%w: tenant %s: locations %s and %s overlap", ErrRefused, j.TenantID, o, l)
			}
		}
	}
	return nil
}
