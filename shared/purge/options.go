package purge

import (
	"time"
)

// Options tune the engine; zero values take the defaults.
type Options struct {
	// PageSize is ListObjectVersions' MaxKeys (default and maximum 1000).
	PageSize int32
	// BatchSize is the number of versions per DeleteObjects call (default
	// and maximum 1000).
	BatchSize int
	// InitialConcurrency and MaxConcurrency bound the DeleteObjects calls
	// in flight (defaults 4 and 32).
	InitialConcurrency, MaxConcurrency int
	// MaxAttempts per version or batch before it is reported (default 6).
	MaxAttempts int
	// BackoffBase and BackoffMax bound the exponential backoff between
	// attempts (defaults 100ms and 5s).
	BackoffBase, BackoffMax time.Duration
	// DeadlineMargin is how long before the context's deadline the engine
	// stops starting new pages (default 30s).
	DeadlineMargin time.Duration
	// ManifestPrefix starts the manifest parts' evidence keys (default
	// "purge-manifest").
	ManifestPrefix string
	// LockCheckConcurrency bounds Plan's Object Lock look-ups (default 8).
	LockCheckConcurrency int
}

func (o Options) withDefaults() Options {
	if o.PageSize <= 0 || o.PageSize > 1000 {
		o.PageSize = 1000
	}
	if o.BatchSize <= 0 || o.BatchSize > 1000 {
		o.BatchSize = 1000
	}
	if o.InitialConcurrency <= 0 {
		o.InitialConcurrency = 4
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 32
	}
	if o.MaxConcurrency < o.InitialConcurrency {
		o.MaxConcurrency = o.InitialConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 100 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Second
	}
	if o.DeadlineMargin <= 0 {
		o.DeadlineMargin = 30 * time.Second
	}
	if o.ManifestPrefix == "" {
		o.ManifestPrefix = "purge-manifest"
	}
	if o.LockCheckConcurrency <= 0 {
		o.LockCheckConcurrency = 8
	}
	return o
}
