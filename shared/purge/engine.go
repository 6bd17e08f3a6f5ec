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

// EvidenceStore stores manifest parts, write-once. evidence.Store matches.
type EvidenceStore interface {
	PutObject(ctx context.Context, key, contentType string, body []byte) error
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
	// Now is the clock (default time.Now). The context's deadline is
	// compared with it.
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

// Apply purges the job's locations, resuming from checkpoint when it is
// not empty. See the package documentation for the rules it keeps. The
// returned Result is meaningful even with an error: it carries the
// checkpoint saved last.
func (e *Engine) Apply(ctx context.Context, job Job, checkpoint []byte) (Result, error) {
	if err := job.Validate(); err != nil {
		return Result{TenantID: job.TenantID, Status: StatusStopped}, err
	}
	if e.Recheck == nil {
		return Result{TenantID: job.TenantID, Status: StatusStopped}, fmt.Errorf("%w: tenant %s: no status re-check configured", ErrRefused, job.TenantID)
	}
	if e.Checkpointer == nil || e.Evidence == nil {
		return Result{TenantID: job.TenantID, Status: StatusStopped}, fmt.Errorf("%w: tenant %s: no checkpointer or evidence store configured", ErrRefused, job.TenantID)
	}
	r := &run{e: e, job: job, opt: e.Options.withDefaults(), halted: make(chan struct{})}
	if len(checkpoint) == 0 {
		r.st = Checkpoint{Version: CheckpointVersion, TenantID: job.TenantID, Locations: slices.Clone(job.Locations), StartedAt: e.now().UTC(), Phase: PhaseDeleting}
	} else {
		st, err := DecodeCheckpoint(checkpoint)
		if err != nil {
			return Result{TenantID: job.TenantID, Status: StatusStopped}, fmt.Errorf("purge tenant %s: %w", job.TenantID, err)
		}
		if st.TenantID != job.TenantID || !slices.Equal(st.Locations, job.Locations) {
			return Result{TenantID: job.TenantID, Status: StatusStopped}, fmt.Errorf("%w: checkpoint is for tenant %s at %v, not tenant %s at %v", ErrRefused, st.TenantID, st.Locations, job.TenantID, job.Locations)
		}
		r.st = st
	}
	r.st.Invocation++
	var err error
	if r.man, err = newManifest(r.st.HashState); err != nil {
		return Result{TenantID: job.TenantID, Status: StatusStopped}, err
	}
	r.lim = NewLimiter(r.opt.InitialConcurrency, r.opt.MaxConcurrency)
	r.index()
	if dl, ok := ctx.Deadline(); ok {
		r.stopAt = dl.Add(-r.opt.DeadlineMargin)
	}
	return r.apply(ctx)
}

// run is one Apply call.
type run struct {
	e      *Engine
	job    Job
	opt    Options
	st     Checkpoint
	man    *manifest
	lim    *Limiter
	stopAt time.Time

	lockedAt map[Version]int
	failedAt map[Version]int

	mu      sync.Mutex
	haltErr error
	halted  chan struct{}

	// committer state, touched only by the committing goroutine
	frozen         bool
	pagesSincePart int
	remaining      int64
	sample         []Version
}

func (r *run) index() {
	r.lockedAt = map[Version]int{}
	for i, l := range r.st.Locked {
		r.lockedAt[Version{Bucket: l.Bucket, Key: l.Key, VersionID: l.VersionID}] = i
	}
	r.failedAt = map[Version]int{}
	for i, f := range r.st.Failed {
		r.failedAt[Version{Bucket: f.Bucket, Key: f.Key, VersionID: f.VersionID, IsDeleteMarker: f.IsDeleteMarker}] = i
	}
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
	return r.e.log().With("tenant_id", r.job.TenantID, "invocation", r.st.Invocation)
}

func (r *run) apply(ctx context.Context) (Result, error) {
	for r.st.Phase != PhaseDone {
		switch r.st.Phase {
		case PhaseDeleting:
			for r.st.Location < len(r.job.Locations) {
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
				r.st.Phase, r.st.Location, r.st.KeyMarker, r.st.LastKey = PhaseDeleting, 0, "", ""
			} else {
				r.st.Phase = PhaseDone
			}
			if err := r.checkpoint(ctx); err != nil {
				return r.result(StatusStopped), err
			}
			r.logger().Info("purge verified", "status", string(status), "remaining", r.remaining, "locked", len(r.st.Locked), "failed", len(r.st.Failed))
			return r.result(status), nil
		}
	}
	// Already done: verify again so the answer reflects the bucket now.
	if err := r.verify(ctx); err != nil {
		return r.result(StatusStopped), err
	}
	if r.remaining > 0 {
		return r.result(StatusNotPurged), nil
	}
	return r.result(StatusPurged), nil
}

func (r *run) result(s Status) Result {
	blob, _ := r.st.Encode()
	res := Result{
		TenantID: r.job.TenantID, Locations: slices.Clone(r.job.Locations), Status: s,
		Counts: r.st.Counts, FirstDeletion: r.st.FirstDeletion, LastDeletion: r.st.LastDeletion,
		ManifestSHA256: r.man.digest(), ManifestKeys: append([]string{}, r.st.ManifestKeys...),
		Locked: append([]Locked{}, r.st.Locked...), Failed: append([]Failure{}, r.st.Failed...),
		Remaining: r.remaining, RemainingSample: r.sample, Checkpoint: blob,
	}
	res.Concurrency.Final, res.Concurrency.Peak, res.Concurrency.Decreases = r.lim.Stats()
	return res
}
