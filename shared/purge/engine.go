package purge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is the part of the S3 client the engine calls.
type S3API interface {
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	GetObjectRetention(ctx context.Context, in *s3.GetObjectRetentionInput, optFns ...func(*s3.Options)) (*s3.GetObjectRetentionOutput, error)
	GetObjectLegalHold(ctx context.Context, in *s3.GetObjectLegalHoldInput, optFns ...func(*s3.Options)) (*s3.GetObjectLegalHoldOutput, error)
	GetObjectLockConfiguration(ctx context.Context, in *s3.GetObjectLockConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
}

// Checkpointer stores a purge's serialised state (Checkpoint.Encode) where
// the next invocation will find it, e.g. on the tenant's registry item.
type Checkpointer interface {
	Save(ctx context.Context, blob []byte) error
}

// EvidenceStore stores manifest parts and index segments, write-once, and
// reads them back on resume. *evidence.Store matches: PutObject wraps
// evidence.ErrExists for a key already stored, GetObject wraps
// evidence.ErrNotFound for a key not stored.
type EvidenceStore interface {
	PutObject(ctx context.Context, key, contentType string, body []byte) error
	GetObject(ctx context.Context, key string) ([]byte, error)
}

// Engine plans and applies purges.
type Engine struct {
	S3           S3API
	Evidence     EvidenceStore
	Checkpointer Checkpointer
	// Recheck runs immediately before every DeleteObjects call; an error
	// (e.g. the tenant was reinstated) stops the purge at once. Required
	// by Apply.
	Recheck func(ctx context.Context) error
	// Now is the clock (default time.Now): deletion times and the Object
	// Lock checks read it; the context's deadline is measured on it from
	// the time Apply starts.
	Now     func() time.Time
	Logger  *slog.Logger
	Options Options
}

// ErrStopped wraps the status re-check's error when it stopped a purge.
var ErrStopped = errors.New("purge stopped by the status re-check")

// ErrOutsidePrefix marks a listing that returned a key (or key marker)
// outside the location's prefix: a misbehaving S3 endpoint or proxy. The
// purge halts before deleting anything from that page.
var ErrOutsidePrefix = errors.New("the listing returned a key outside the tenant's prefix")

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Apply purges the job's locations (or its shard), resuming from
// checkpoint when it is not empty. See the package documentation for the
// rules it keeps. The returned Result is meaningful even with an error: it
// carries the checkpoint saved last.
func (e *Engine) Apply(ctx context.Context, job Job, checkpoint []byte) (Result, error) {
	stopped := Result{TenantID: job.TenantID, Status: StatusStopped, Checkpoint: checkpoint}
	if err := job.Validate(); err != nil {
		return stopped, err
	}
	if e.Recheck == nil {
		return stopped, fmt.Errorf("%w: tenant %s: no status re-check configured", ErrRefused, job.TenantID)
	}
	if e.Checkpointer == nil || e.Evidence == nil {
		return stopped, fmt.Errorf("%w: tenant %s: no checkpointer or evidence store configured", ErrRefused, job.TenantID)
	}
	r := &run{e: e, job: job, opt: e.Options.withDefaults(), halted: make(chan struct{}), saved: checkpoint}
	if len(checkpoint) == 0 {
		start := e.now().UTC()
		r.st = Checkpoint{Version: CheckpointVersion, TenantID: job.TenantID, PurgeID: job.PurgeID, Locations: slices.Clone(job.Locations), StartedAt: start, Phase: PhaseDeleting}
		if r.st.PurgeID == "" {
			r.st.PurgeID = PurgeIDAt(start)
		}
		if sh := job.Shard; sh != nil {
			c := *sh
			r.st.Shard = &c
		}
		r.st.Location, r.st.KeyMarker = r.firstLocation()
	} else {
		st, err := DecodeCheckpoint(checkpoint)
		if err != nil {
			return stopped, fmt.Errorf("purge tenant %s: %w", job.TenantID, err)
		}
		switch {
		case st.TenantID != job.TenantID || !slices.Equal(st.Locations, job.Locations):
			return stopped, fmt.Errorf("%w: checkpoint is for tenant %s at %v, not tenant %s at %v", ErrRefused, st.TenantID, st.Locations, job.TenantID, job.Locations)
		case job.PurgeID != "" && st.PurgeID != job.PurgeID:
			return stopped, fmt.Errorf("%w: tenant %s: checkpoint is for purge %s, not %s", ErrRefused, job.TenantID, st.PurgeID, job.PurgeID)
		case (st.Shard == nil) != (job.Shard == nil) || (st.Shard != nil && *st.Shard != *job.Shard):
			return stopped, fmt.Errorf("%w: tenant %s: checkpoint is for shard %v, not %v", ErrRefused, job.TenantID, st.Shard, job.Shard)
		}
		r.st = st
	}
	r.st.Invocation++
	r.layout = r.st.Layout(r.opt.ManifestPrefix)
	var err error
	if r.hash, err = newHasher(r.st.HashState); err != nil {
		return stopped, err
	}
	r.lim = NewLimiter(r.opt.InitialConcurrency, r.opt.MaxConcurrency)
	if dl, ok := ctx.Deadline(); ok {
		// Measured on the engine's clock, which may not be the wall clock.
		r.stopAt = e.now().Add(time.Until(dl) - r.opt.DeadlineMargin)
	}
	return r.apply(ctx)
}

// run is one Apply call.
type run struct {
	e      *Engine
	job    Job
	opt    Options
	st     Checkpoint
	layout Layout
	hash   *hasher
	lim    *Limiter
	stopAt time.Time
	// saved is the checkpoint saved last (or given to Apply).
	saved []byte
	// seq numbers this attempt's parts; touched only by the part writer.
	seq int

	mu      sync.Mutex
	haltErr error
	halted  chan struct{}

	// committer state, touched only by the committing goroutine
	frozen      bool
	failures    []Failure
	failedCount int64

	// verify's findings
	remaining int64
	sample    []Version
	retained  []Locked
}

// firstLocation is where the job's listing starts: the first location,
// or the shard's location after its lower bound.
func (r *run) firstLocation() (int, Key) {
	if sh := r.job.Shard; sh != nil {
		return sh.Location, Key(sh.After)
	}
	return 0, ""
}

// endLocation is the index after the job's last location.
func (r *run) endLocation() int {
	if sh := r.job.Shard; sh != nil {
		return sh.Location + 1
	}
	return len(r.job.Locations)
}

func (r *run) halt(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.haltErr == nil {
		r.haltErr = err
		close(r.halted)
	}
}

func (r *run) haltError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.haltErr
}

func (r *run) pastStop() bool { return !r.stopAt.IsZero() && !r.e.now().Before(r.stopAt) }

func (r *run) logger() *slog.Logger {
	l := r.e.log().With("tenant_id", r.job.TenantID, "invocation", r.st.Invocation, "attempt", r.st.Attempt)
	if sh := r.job.Shard; sh != nil {
		l = l.With("shard", sh.Name)
	}
	return l
}

func (r *run) apply(ctx context.Context) (Result, error) {
	// First what a stopped attempt left: a due index segment, and the
	// parts it wrote ahead of deletes it may not have finished.
	if err := r.flushIndex(ctx, r.st.Phase != PhaseDeleting); err != nil {
		return r.result(StatusStopped), err
	}
	if r.st.Phase == PhaseDeleting {
		if err := r.findOrphans(ctx); err != nil {
			return r.result(StatusStopped), err
		}
	}
	// This attempt's id is saved before it writes its first part.
	r.st.Attempt, r.st.Parts = newAttempt(), 0
	if err := r.checkpoint(ctx); err != nil {
		return r.result(StatusStopped), err
	}
	for r.st.Phase != PhaseDone {
		switch r.st.Phase {
		case PhaseDeleting:
			if r.st.Replay != nil {
				r.replay(ctx)
				if err := r.haltError(); err != nil {
					return r.result(StatusStopped), err
				}
			}
			for r.st.Location < r.endLocation() {
				drained := r.purgeLocation(ctx)
				if err := r.haltError(); err != nil {
					return r.result(StatusStopped), err
				}
				if drained {
					r.logger().Info("purge paused before the deadline", "location_index", r.st.Location, "versions_deleted", r.st.Counts.Versions)
					return r.result(StatusIncomplete), nil
				}
			}
			r.st.Phase = PhaseVerifying
			if err := r.checkpoint(ctx); err != nil {
				return r.result(StatusStopped), err
			}
			if err := r.flushIndex(ctx, true); err != nil {
				return r.result(StatusStopped), err
			}
		case PhaseVerifying:
			if r.pastStop() {
				return r.result(StatusIncomplete), nil
			}
			if err := r.verify(ctx); err != nil {
				return r.result(StatusStopped), err
			}
			status := StatusPurged
			if r.remaining > 0 {
				// Go round again next time: the leftovers are retried and
				// whatever goes is appended to the same manifest.
				status = StatusNotPurged
				r.st.Phase, r.st.LastKey = PhaseDeleting, ""
				r.st.Location, r.st.KeyMarker = r.firstLocation()
			} else {
				r.st.Phase = PhaseDone
			}
			if err := r.checkpoint(ctx); err != nil {
				return r.result(StatusStopped), err
			}
			r.logger().Info("purge verified", "status", string(status), "remaining", r.remaining, "retained", len(r.retained), "failed", r.failedCount)
			return r.result(status), nil
		}
	}
	// Already done: verify again so the answer reflects the bucket now.
	if err := r.verify(ctx); err != nil {
		return r.result(StatusStopped), err
	}
	if r.remaining > 0 {
		// Versions appeared since (written after the purge passed their
		// keys): go round again, appending to the same manifest.
		r.st.Phase, r.st.LastKey = PhaseDeleting, ""
		r.st.Location, r.st.KeyMarker = r.firstLocation()
		if err := r.checkpoint(ctx); err != nil {
			return r.result(StatusStopped), err
		}
		return r.result(StatusNotPurged), nil
	}
	return r.result(StatusPurged), nil
}

func (r *run) result(s Status) Result {
	idx := r.st.Index
	idx.Pending = nil
	res := Result{
		TenantID: r.job.TenantID, Locations: slices.Clone(r.job.Locations), Shard: r.job.Shard, Status: s,
		Counts: r.st.Counts, FirstDeletion: r.st.FirstDeletion, LastDeletion: r.st.LastDeletion,
		ManifestSHA256: r.hash.digest(), Layout: r.layout, Index: idx,
		Locked: append([]Locked{}, r.retained...), Failed: append([]Failure{}, r.failures...), FailedCount: r.failedCount,
		Remaining: r.remaining, RemainingSample: r.sample, Checkpoint: r.saved,
	}
	res.Concurrency.Final, res.Concurrency.Peak, res.Concurrency.Decreases = r.lim.Stats()
	return res
}
