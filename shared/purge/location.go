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
	// PurgeID names this purge in evidence keys (see Layout); the same for
	// every invocation and shard of one purge. Empty: the time the first
	// Apply started (PurgeIDAt).
	PurgeID string
	// Shard, when set, limits the job to one key range of one location.
	Shard *Shard
}

// Shard is one contiguous key range of one location, purged on its own
// (with its own checkpoint and manifest parts) alongside the others.
type Shard struct {
	// Name appears in evidence keys, e.g. "shard-02-of-04".
	Name string `json:"name"`
	// Location is the index of the shard's location in Job.Locations.
	Location int `json:"location"`
	// After and Upto bound the shard's keys: After < key <= Upto. An
	// empty After starts at the location's prefix; an empty Upto runs to
	// its end.
	After string `json:"after,omitempty"`
	Upto  string `json:"upto,omitempty"`
}

// Contains reports whether key falls in the shard's range.
func (s Shard) Contains(key string) bool { return key > s.After && (s.Upto == "" || key <= s.Upto) }

func (s Shard) validate(locs []Location) error {
	if err := validName("shard name", s.Name); err != nil {
		return err
	}
	if s.Location < 0 || s.Location >= len(locs) {
		return fmt.Errorf("shard %s: location index %d out of range 0-%d", s.Name, s.Location, len(locs)-1)
	}
	p := locs[s.Location].Prefix
	for _, b := range []string{s.After, s.Upto} {
		if b != "" && !strings.HasPrefix(b, p) {
			return fmt.Errorf("shard %s: boundary %q is outside the location's prefix %q", s.Name, b, p)
		}
	}
	if s.After != "" && s.Upto != "" && s.After >= s.Upto {
		return fmt.Errorf("shard %s: empty range (%q, %q]", s.Name, s.After, s.Upto)
	}
	return nil
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
	if err := validName("tenant id", j.TenantID); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if j.PurgeID != "" {
		if err := validName("purge id", j.PurgeID); err != nil {
			return fmt.Errorf("%w: tenant %s: %v", ErrRefused, j.TenantID, err)
		}
	}
	if j.Shard != nil {
		if err := j.Shard.validate(j.Locations); err != nil {
			return fmt.Errorf("%w: tenant %s: %v", ErrRefused, j.TenantID, err)
		}
	}
	return nil
}
