package purge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
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

// Counts are what a purge found or deleted.
type Counts struct {
	// Objects counts distinct keys.
	Objects int64 `json:"objects"`
	// Versions counts object versions (not delete markers).
	Versions int64 `json:"versions"`
	// DeleteMarkers counts delete markers.
	DeleteMarkers int64 `json:"delete_markers"`
	// Bytes sums the versions' sizes.
	Bytes int64 `json:"bytes"`
}

func (c *Counts) add(o Counts) {
	c.Objects += o.Objects
	c.Versions += o.Versions
	c.DeleteMarkers += o.DeleteMarkers
	c.Bytes += o.Bytes
}

// Locked is a version left in place because Object Lock protects it.
type Locked struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"version_id"`
	Size      int64  `json:"size"`
	// Mode is the retention mode, GOVERNANCE or COMPLIANCE, if any.
	Mode string `json:"mode,omitempty"`
	// RetainUntil is the end of the retention period, if any.
	RetainUntil time.Time `json:"retain_until,omitzero"`
	// LegalHold is true while a legal hold is on.
	LegalHold bool `json:"legal_hold"`
}

// Failure is a version the engine could not delete and that is not locked.
type Failure struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsDeleteMarker bool   `json:"is_delete_marker"`
	// Code is S3's error code, Message its message or the engine's reason.
	Code     string `json:"code"`
	Message  string `json:"message"`
	Attempts int    `json:"attempts"`
}

// Version identifies one version found where nothing should be left.
type Version struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsDeleteMarker bool   `json:"is_delete_marker"`
}

// LocationPlan is what Plan found under one location.
type LocationPlan struct {
	Location Location `json:"location"`
	Counts   Counts   `json:"counts"`
	Locked   []Locked `json:"locked"`
}

// Plan is a dry run: what Apply would delete and what it would leave.
type Plan struct {
	TenantID  string         `json:"tenant_id"`
	Locations []LocationPlan `json:"locations"`
	// Total sums the locations. Locked versions are included in the
	// counts; they are also listed in Locked.
	Total  Counts   `json:"total"`
	Locked []Locked `json:"locked"`
}

// Status is how an Apply call ended.
type Status string

// The statuses.
const (
	// StatusPurged: nothing but the reported locked versions is left.
	StatusPurged Status = "purged"
	// StatusIncomplete: stopped before the deadline; call Apply again with
	// Result.Checkpoint.
	StatusIncomplete Status = "incomplete"
	// StatusNotPurged: every page was worked through but versions other
	// than locked ones are left (see Result.Failed and Result.Remaining);
	// Apply with Result.Checkpoint tries them again.
	StatusNotPurged Status = "not_purged"
	// StatusStopped: the status re-check or an error stopped the purge;
	// Apply returned the error.
	StatusStopped Status = "stopped"
)

// Result is what Apply did, cumulative over every invocation of one purge.
type Result struct {
	TenantID  string     `json:"tenant_id"`
	Locations []Location `json:"locations"`
	Status    Status     `json:"status"`
	// Counts are what was deleted.
	Counts        Counts    `json:"counts"`
	FirstDeletion time.Time `json:"first_deletion,omitzero"`
	LastDeletion  time.Time `json:"last_deletion,omitzero"`
	// ManifestSHA256 is the hex SHA-256 of the manifest lines written so
	// far; final when Status is StatusPurged.
	ManifestSHA256 string `json:"manifest_sha256"`
	// ManifestKeys are the evidence keys of the manifest parts, in order.
	ManifestKeys []string  `json:"manifest_keys"`
	Locked       []Locked  `json:"locked"`
	Failed       []Failure `json:"failed"`
	// Remaining counts the versions the final listing found besides the
	// locked ones; RemainingSample shows up to ten of them.
	Remaining       int64     `json:"remaining"`
	RemainingSample []Version `json:"remaining_sample,omitempty"`
	// Concurrency describes this invocation's adaptive limit.
	Concurrency LimitStats `json:"concurrency"`
	// Checkpoint is the state to resume from.
	Checkpoint []byte `json:"-"`
}

// LimitStats describe an invocation's adaptive DeleteObjects concurrency.
type LimitStats struct {
	// Final is the limit at the end, Peak the highest it reached.
	Final int `json:"final"`
	Peak  int `json:"peak"`
	// Decreases counts the times throttling halved it.
	Decreases int `json:"decreases"`
}

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
	// PagesPerPart is how many listing pages go into one manifest part,
	// and so between checkpoints (default 1).
	PagesPerPart int
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
	if o.PagesPerPart <= 0 {
		o.PagesPerPart = 1
	}
	if o.ManifestPrefix == "" {
		o.ManifestPrefix = "purge-manifest"
	}
	if o.LockCheckConcurrency <= 0 {
		o.LockCheckConcurrency = 8
	}
	return o
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

// guardPage checks every key of a listing page, and the marker the next
// request would start from, against the location's prefix. The engine
// never acts on a key it has not checked here.
func guardPage(loc Location, out *s3.ListObjectVersionsOutput, es []entry) error {
	for i := range es {
		if !strings.HasPrefix(es[i].key, loc.Prefix) {
			return fmt.Errorf("%w: ListObjectVersions under %s returned key %q; nothing from that page was deleted", ErrOutsidePrefix, loc, es[i].key)
		}
	}
	if m := aws.ToString(out.NextKeyMarker); m != "" && !strings.HasPrefix(m, loc.Prefix) {
		return fmt.Errorf("%w: ListObjectVersions under %s returned next key marker %q; nothing from that page was deleted", ErrOutsidePrefix, loc, m)
	}
	return nil
}

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

// entry is one listed version on its way through the engine.
type entry struct {
	key, versionID string
	marker         bool
	size           int64
	modified       time.Time
	latest         bool

	state    entryState
	at       time.Time // when S3 confirmed the delete
	code     string    // last error code
	message  string
	perKey   bool // the last error was a per-key error, not a failed request
	attempts int
	lock     Locked
}

type entryState int

const (
	pending entryState = iota
	deleted
	lockCheck
	locked
	failed
)

// pageEntries merges a page's versions and delete markers into listing
// order. The SDK returns them as two lists, each in S3's order (key
// ascending, newest first); merging rather than sorting keeps S3's own
// order within each list.
func pageEntries(out *s3.ListObjectVersionsOutput) []entry {
	vs, ms := out.Versions, out.DeleteMarkers
	es := make([]entry, 0, len(vs)+len(ms))
	i, j := 0, 0
	for i < len(vs) || j < len(ms) {
		takeVersion := j == len(ms)
		if i < len(vs) && j < len(ms) {
			vk, mk := aws.ToString(vs[i].Key), aws.ToString(ms[j].Key)
			switch c := cmp.Compare(vk, mk); {
			case c != 0:
				takeVersion = c < 0
			default:
				switch t := aws.ToTime(vs[i].LastModified).Compare(aws.ToTime(ms[j].LastModified)); {
				case t != 0:
					takeVersion = t > 0
				default:
					takeVersion = !aws.ToBool(ms[j].IsLatest)
				}
			}
		}
		if takeVersion {
			v := vs[i]
			es = append(es, entry{key: aws.ToString(v.Key), versionID: aws.ToString(v.VersionId), size: aws.ToInt64(v.Size), modified: aws.ToTime(v.LastModified), latest: aws.ToBool(v.IsLatest)})
			i++
		} else {
			m := ms[j]
			es = append(es, entry{key: aws.ToString(m.Key), versionID: aws.ToString(m.VersionId), marker: true, modified: aws.ToTime(m.LastModified), latest: aws.ToBool(m.IsLatest)})
			j++
		}
	}
	return es
}

// Plan lists every location and reports what Apply would delete and which
// versions Object Lock keeps. It deletes nothing.
func (e *Engine) Plan(ctx context.Context, job Job) (Plan, error) {
	if err := job.Validate(); err != nil {
		return Plan{}, err
	}
	opt := e.Options.withDefaults()
	p := Plan{TenantID: job.TenantID, Locked: []Locked{}}
	for _, loc := range job.Locations {
		lp := LocationPlan{Location: loc, Locked: []Locked{}}
		lockable, err := e.lockEnabled(ctx, loc.Bucket)
		if err != nil {
			return Plan{}, fmt.Errorf("plan purge of tenant %s: %w", job.TenantID, err)
		}
		pager := e.pager(loc, opt.PageSize, "")
		lastKey := ""
		for pager.HasMorePages() {
			out, err := pager.NextPage(ctx)
			if err != nil {
				return Plan{}, fmt.Errorf("plan purge of tenant %s: list versions under %s: %w", job.TenantID, loc, err)
			}
			es := pageEntries(out)
			if err := guardPage(loc, out, es); err != nil {
				return Plan{}, fmt.Errorf("plan purge of tenant %s: %w", job.TenantID, err)
			}
			for _, en := range es {
				if en.key != lastKey {
					lp.Counts.Objects++
					lastKey = en.key
				}
				if en.marker {
					lp.Counts.DeleteMarkers++
				} else {
					lp.Counts.Versions++
					lp.Counts.Bytes += en.size
				}
			}
			if lockable {
				found, err := e.lockedIn(ctx, loc.Bucket, es, opt.LockCheckConcurrency)
				if err != nil {
					return Plan{}, fmt.Errorf("plan purge of tenant %s: %w", job.TenantID, err)
				}
				lp.Locked = append(lp.Locked, found...)
			}
		}
		p.Total.add(lp.Counts)
		p.Locked = append(p.Locked, lp.Locked...)
		p.Locations = append(p.Locations, lp)
	}
	return p, nil
}

// lockedIn looks up the lock status of a page's versions, a few at a time,
// and returns the locked ones in listing order.
func (e *Engine) lockedIn(ctx context.Context, bucket string, es []entry, n int) ([]Locked, error) {
	res := make([]*Locked, len(es))
	errs := make([]error, len(es))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range es {
		if es[i].marker {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			l, ok, err := e.lockStatus(ctx, bucket, es[i].key, es[i].versionID)
			l.Size = es[i].size
			if ok {
				res[i] = &l
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Locked
	for _, l := range res {
		if l != nil {
			out = append(out, *l)
		}
	}
	return out, nil
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// noLockConfig reports the errors S3 and MinIO answer when a bucket or
// version has no Object Lock configuration or retention.
func noLockConfig(err error) bool {
	switch apiCode(err) {
	case "ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration", "InvalidRequest":
		return true
	}
	return false
}

// lockEnabled reports whether Object Lock is enabled on the bucket; when it
// is not, no version can be locked.
func (e *Engine) lockEnabled(ctx context.Context, bucket string) (bool, error) {
	out, err := e.S3.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if noLockConfig(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get object lock configuration of bucket %s: %w", bucket, err)
	}
	return out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == s3types.ObjectLockEnabledEnabled, nil
}

// lockStatus reports whether a version is under retention that runs into
// the future or under legal hold.
func (e *Engine) lockStatus(ctx context.Context, bucket, key, versionID string) (Locked, bool, error) {
	l := Locked{Bucket: bucket, Key: key, VersionID: versionID}
	r, err := e.S3.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(versionID)})
	switch {
	case noLockConfig(err):
	case err != nil:
		return l, false, fmt.Errorf("get retention of s3://%s/%s version %s: %w", bucket, key, versionID, err)
	case r.Retention != nil:
		l.Mode = string(r.Retention.Mode)
		l.RetainUntil = aws.ToTime(r.Retention.RetainUntilDate).UTC()
	}
	h, err := e.S3.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(versionID)})
	switch {
	case noLockConfig(err):
	case err != nil:
		return l, false, fmt.Errorf("get legal hold of s3://%s/%s version %s: %w", bucket, key, versionID, err)
	case h.LegalHold != nil:
		l.LegalHold = h.LegalHold.Status == s3types.ObjectLockLegalHoldStatusOn
	}
	return l, l.LegalHold || l.RetainUntil.After(e.now()), nil
}

// throttleCodes are the answers that mean "slow down".
var throttleCodes = map[string]bool{
	"SlowDown": true, "SlowDownWrite": true, "SlowDownRead": true, "Throttling": true, "ThrottlingException": true,
	"ThrottledException": true, "RequestLimitExceeded": true, "TooManyRequestsException": true,
	"ServiceUnavailable": true, "RequestThrottled": true,
}

func isThrottle(err error) bool {
	if throttleCodes[apiCode(err)] {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		s := re.HTTPStatusCode()
		return s == 503 || s == 429
	}
	return false
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

// checkpoint writes the manifest part in progress, if any, then saves the
// state that covers it.
func (r *run) checkpoint(ctx context.Context) error {
	part, err := r.man.take()
	if err != nil {
		return err
	}
	if part != nil {
		key := fmt.Sprintf("%s/%s/%s/part-%06d-i%d.jsonl.gz", r.opt.ManifestPrefix, r.job.TenantID, r.st.StartedAt.UTC().Format("20060102T150405.000Z"), len(r.st.ManifestKeys)+1, r.st.Invocation)
		if err := r.e.Evidence.PutObject(ctx, key, "application/gzip", part); err != nil {
			return fmt.Errorf("purge tenant %s: write manifest part: %w", r.job.TenantID, err)
		}
		r.st.ManifestKeys = append(r.st.ManifestKeys, key)
	}
	if r.st.HashState, err = r.man.hashState(); err != nil {
		return err
	}
	blob, err := r.st.Encode()
	if err != nil {
		return err
	}
	if err := r.e.Checkpointer.Save(ctx, blob); err != nil {
		return fmt.Errorf("purge tenant %s: save checkpoint: %w", r.job.TenantID, err)
	}
	r.pagesSincePart = 0
	return nil
}

// page is one listing page in flight.
type page struct {
	bucket  string
	prefix  string
	entries []entry
	// resumeKey is where a fresh listing resumes once this page is
	// committed: the last key of the page before its final key, whose
	// versions may continue on the next page. Empty: do not move.
	resumeKey string
	last      bool
	done      chan struct{}
}

// purgeLocation lists and deletes the current location from its markers.
// It returns true when it stopped early for the deadline; a halt is read
// from r.haltError.
func (r *run) purgeLocation(ctx context.Context) (drained bool) {
	loc := r.job.Locations[r.st.Location]
	log := r.logger().With("bucket", loc.Bucket, "prefix", loc.Prefix)
	log.Info("purging location", "key_marker", r.st.KeyMarker)
	pager := r.e.pager(loc, r.opt.PageSize, r.st.KeyMarker)
	window := make(chan struct{}, r.opt.MaxConcurrency+2)
	pages := make(chan *page, r.opt.MaxConcurrency+2)
	committed := make(chan struct{})
	r.frozen = false
	go func() {
		defer close(committed)
		for p := range pages {
			<-p.done
			// Commit even after a halt: what was deleted must be recorded.
			if err := r.commit(ctx, p); err != nil {
				r.halt(err)
			}
			<-window
		}
	}()
	sawLast := false
	// A listed page is dispatched only once the next page is listed: the
	// next request's version-id marker is the page's last version, which
	// must still exist when S3 reads the marker.
	var ahead *page
	dispatch := func(p *page) {
		go r.processPage(ctx, p)
		pages <- p
	}
list:
	for pager.HasMorePages() {
		if r.haltError() != nil {
			break
		}
		if r.pastStop() {
			drained = true
			break
		}
		select {
		case window <- struct{}{}:
		case <-r.halted:
			break list
		}
		out, err := pager.NextPage(ctx)
		if err != nil {
			<-window
			r.halt(fmt.Errorf("purge tenant %s: list versions under %s: %w", r.job.TenantID, loc, err))
			break
		}
		p := &page{bucket: loc.Bucket, prefix: loc.Prefix, entries: pageEntries(out), done: make(chan struct{})}
		if err := guardPage(loc, out, p.entries); err != nil {
			<-window
			r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, err))
			break
		}
		if aws.ToBool(out.IsTruncated) {
			if n := len(p.entries); n > 0 {
				final := p.entries[n-1].key
				for i := n - 1; i >= 0; i-- {
					if p.entries[i].key != final {
						p.resumeKey = p.entries[i].key
						break
					}
				}
			}
		} else {
			p.last, sawLast = true, true
		}
		if ahead != nil {
			dispatch(ahead)
		}
		ahead = p
	}
	if ahead != nil {
		if ahead.last && r.haltError() == nil {
			dispatch(ahead)
		} else {
			// Listed but never started: a resume lists it again.
			<-window
			sawLast = false
		}
	}
	close(pages)
	<-committed
	if r.haltError() == nil && !drained && !sawLast {
		// The paginator ended without a last page (a repeated marker).
		r.halt(fmt.Errorf("purge tenant %s: listing of %s ended without a final page", r.job.TenantID, loc))
	}
	// Always store what was deleted, even when halted.
	if err := r.checkpoint(ctx); err != nil {
		r.halt(err)
	}
	limit, peak, dec := r.lim.Stats()
	log.Info("location pass ended", "concurrency_limit", limit, "concurrency_peak", peak, "throttle_decreases", dec, "drained", drained)
	return drained
}

// commit records a finished page in listing order: manifest lines for the
// deleted versions, locked and failed versions, and the resume markers.
func (r *run) commit(ctx context.Context, p *page) error {
	complete := true
	for i := range p.entries {
		en := &p.entries[i]
		id := Version{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker}
		switch en.state {
		case deleted:
			if err := r.man.add(ManifestLine{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Size: en.size, LastModified: formatTime(en.modified)}); err != nil {
				return err
			}
			if en.key != r.st.LastKey {
				r.st.Counts.Objects++
				r.st.LastKey = en.key
			}
			if en.marker {
				r.st.Counts.DeleteMarkers++
			} else {
				r.st.Counts.Versions++
				r.st.Counts.Bytes += en.size
			}
			if r.st.FirstDeletion.IsZero() || en.at.Before(r.st.FirstDeletion) {
				r.st.FirstDeletion = en.at
			}
			if en.at.After(r.st.LastDeletion) {
				r.st.LastDeletion = en.at
			}
			r.dropFailure(id)
		case locked:
			r.dropFailure(id)
			lid := Version{Bucket: p.bucket, Key: en.key, VersionID: en.versionID}
			if j, ok := r.lockedAt[lid]; ok {
				r.st.Locked[j] = en.lock
			} else {
				r.lockedAt[lid] = len(r.st.Locked)
				r.st.Locked = append(r.st.Locked, en.lock)
			}
		case failed:
			f := Failure{Bucket: p.bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker, Code: en.code, Message: en.message, Attempts: en.attempts}
			if j, ok := r.failedAt[id]; ok {
				r.st.Failed[j] = f
			} else {
				r.failedAt[id] = len(r.st.Failed)
				r.st.Failed = append(r.st.Failed, f)
			}
		default:
			complete = false
		}
	}
	if !complete {
		// Versions not attempted are listed again on resume, so the
		// markers must not move past this page.
		r.frozen = true
	}
	if r.frozen {
		return nil
	}
	r.pagesSincePart++
	if p.last {
		r.st.Location++
		r.st.KeyMarker, r.st.LastKey = "", ""
		return r.checkpoint(ctx)
	}
	if p.resumeKey != "" {
		r.st.KeyMarker = p.resumeKey
	}
	if r.pagesSincePart >= r.opt.PagesPerPart {
		return r.checkpoint(ctx)
	}
	return nil
}

func (r *run) dropFailure(id Version) {
	j, ok := r.failedAt[id]
	if !ok {
		return
	}
	r.st.Failed = slices.Delete(r.st.Failed, j, j+1)
	r.index()
}

// processPage deletes a page's versions, retrying what can be retried,
// and closes p.done when every version has an outcome or the run halted.
func (r *run) processPage(ctx context.Context, p *page) {
	defer close(p.done)
	todo := make([]int, len(p.entries))
	for i := range todo {
		todo[i] = i
	}
	for attempt := 1; attempt <= r.opt.MaxAttempts && len(todo) > 0; attempt++ {
		if attempt > 1 && !r.sleep(ctx, attempt-1) {
			return
		}
		var mu sync.Mutex
		var retry []int
		var wg sync.WaitGroup
		// Keys XML cannot carry go one by one; the rest in batches.
		var units [][]int
		var safe []int
		for _, i := range todo {
			if xmlSafe(p.entries[i].key) {
				safe = append(safe, i)
			} else {
				units = append(units, []int{i})
			}
		}
		for chunk := range slices.Chunk(safe, r.opt.BatchSize) {
			units = append(units, chunk)
		}
		for _, chunk := range units {
			wg.Go(func() {
				again := r.deleteBatch(ctx, p, chunk)
				mu.Lock()
				retry = append(retry, again...)
				mu.Unlock()
			})
		}
		wg.Wait()
		slices.Sort(retry)
		todo = retry
	}
	if r.haltError() != nil {
		return
	}
	for _, i := range todo {
		en := &p.entries[i]
		if !en.perKey {
			// A whole request kept failing: stop rather than report a
			// thousand versions as failed for one network problem.
			r.halt(fmt.Errorf("purge tenant %s: DeleteObjects in %s failed %d times: %s: %s", r.job.TenantID, p.bucket, en.attempts, en.code, en.message))
			return
		}
		en.state = failed
	}
	for i := range p.entries {
		en := &p.entries[i]
		if en.state != lockCheck {
			continue
		}
		if en.marker {
			en.state = failed
			continue
		}
		l, ok, err := r.e.lockStatus(ctx, p.bucket, en.key, en.versionID)
		l.Size = en.size
		switch {
		case err != nil:
			en.state, en.message = failed, fmt.Sprintf("delete refused (%s: %s) and the lock status could not be read: %v", en.code, en.message, err)
		case ok:
			en.state, en.lock = locked, l
		default:
			en.state, en.message = failed, fmt.Sprintf("delete refused (%s: %s) although the version is under neither retention nor legal hold", en.code, en.message)
		}
	}
}

// sleep waits out the backoff before attempt n+1: exponential with full
// jitter in its upper half. It returns false when the run halted.
func (r *run) sleep(ctx context.Context, n int) bool {
	d := r.opt.BackoffBase << min(n-1, 20)
	if d > r.opt.BackoffMax || d <= 0 {
		d = r.opt.BackoffMax
	}
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return r.haltError() == nil
	case <-r.halted:
		return false
	case <-ctx.Done():
		r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, ctx.Err()))
		return false
	}
}

// deleteBatch sends one DeleteObjects call and returns the entries to try
// again.
func (r *run) deleteBatch(ctx context.Context, p *page, idx []int) (retry []int) {
	if r.haltError() != nil {
		return nil
	}
	tok, err := r.lim.Acquire(ctx)
	if err != nil {
		r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, err))
		return nil
	}
	if r.haltError() != nil {
		r.lim.Release(tok, Neutral)
		return nil
	}
	if err := r.e.Recheck(ctx); err != nil {
		r.lim.Release(tok, Neutral)
		r.halt(fmt.Errorf("tenant %s: %w: %w", r.job.TenantID, ErrStopped, err))
		return nil
	}
	objs := make([]s3types.ObjectIdentifier, len(idx))
	for j, i := range idx {
		if !strings.HasPrefix(p.entries[i].key, p.prefix) || p.prefix == "" {
			// guardPage let every listed key through: this is a bug.
			r.lim.Release(tok, Neutral)
			r.halt(fmt.Errorf("purge tenant %s: %w: about to delete %q, outside %q", r.job.TenantID, ErrOutsidePrefix, p.entries[i].key, p.prefix))
			return nil
		}
		objs[j] = s3types.ObjectIdentifier{Key: aws.String(p.entries[i].key), VersionId: aws.String(p.entries[i].versionID)}
		p.entries[i].attempts++
	}
	var out *s3.DeleteObjectsOutput
	if len(idx) == 1 && !xmlSafe(p.entries[idx[0]].key) {
		out, err = r.deleteOne(ctx, p.bucket, &p.entries[idx[0]])
	} else {
		out, err = r.e.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(p.bucket),
			Delete: &s3types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		}, noRetry)
	}
	at := r.e.now().UTC()
	if err != nil {
		if ctx.Err() != nil {
			r.lim.Release(tok, Neutral)
			r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, ctx.Err()))
			return nil
		}
		o := Neutral
		if isThrottle(err) {
			o = Throttled
		}
		r.lim.Release(tok, o)
		code := apiCode(err)
		if code == "" {
			code = "RequestError"
		}
		for _, i := range idx {
			en := &p.entries[i]
			en.code, en.message, en.perKey = code, err.Error(), false
		}
		r.logger().Warn("DeleteObjects failed", "bucket", p.bucket, "error_code", code, "throttled", o == Throttled, "error", err.Error())
		return idx
	}
	type id struct{ key, version string }
	errs := make(map[id]s3types.Error, len(out.Errors))
	for _, e := range out.Errors {
		errs[id{aws.ToString(e.Key), aws.ToString(e.VersionId)}] = e
	}
	throttled := false
	for _, i := range idx {
		en := &p.entries[i]
		e, bad := errs[id{en.key, en.versionID}]
		if !bad {
			en.state, en.at = deleted, at
			continue
		}
		delete(errs, id{en.key, en.versionID})
		en.code, en.message, en.perKey = aws.ToString(e.Code), aws.ToString(e.Message), true
		switch en.code {
		case "NoSuchVersion", "NoSuchKey":
			// Already gone: S3 deletes are idempotent.
			en.state, en.at = deleted, at
		case "AccessDenied", "InvalidRequest", "ObjectLocked":
			en.state = lockCheck
		default:
			if throttleCodes[en.code] {
				throttled = true
			}
			retry = append(retry, i)
		}
	}
	for k, e := range errs {
		// An error for a version this batch did not ask for: report it,
		// never drop it.
		r.logger().Error("DeleteObjects answered an error for a version it was not asked to delete", "bucket", p.bucket, "key", k.key, "version_id", k.version, "error_code", aws.ToString(e.Code))
	}
	if throttled {
		r.lim.Release(tok, Throttled)
	} else {
		r.lim.Release(tok, Success)
	}
	return retry
}

// noRetry switches the SDK's retryer off for a delete call: the engine
// retries, and the SDK's retryer would hide throttling from the adaptive
// limit.
func noRetry(o *s3.Options) { o.RetryMaxAttempts = 1 }

// deleteOne deletes one version with DeleteObject (the key travels in the
// URL, so any key works) and answers as DeleteObjects would: an API error
// other than throttling becomes that version's per-key error.
func (r *run) deleteOne(ctx context.Context, bucket string, en *entry) (*s3.DeleteObjectsOutput, error) {
	_, err := r.e.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(en.key), VersionId: aws.String(en.versionID)}, noRetry)
	if err == nil {
		return &s3.DeleteObjectsOutput{}, nil
	}
	code := apiCode(err)
	if code == "" || isThrottle(err) {
		return nil, err
	}
	return &s3.DeleteObjectsOutput{Errors: []s3types.Error{{Key: aws.String(en.key), VersionId: aws.String(en.versionID), Code: aws.String(code), Message: aws.String(err.Error())}}}, nil
}

// verify lists every location again and counts what is left besides the
// locked versions.
func (r *run) verify(ctx context.Context) error {
	r.remaining, r.sample = 0, nil
	for _, loc := range r.job.Locations {
		pager := r.e.pager(loc, r.opt.PageSize, "")
		for pager.HasMorePages() {
			out, err := pager.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("purge tenant %s: verify %s: %w", r.job.TenantID, loc, err)
			}
			es := pageEntries(out)
			if err := guardPage(loc, out, es); err != nil {
				return fmt.Errorf("purge tenant %s: verify: %w", r.job.TenantID, err)
			}
			for _, en := range es {
				if _, ok := r.lockedAt[Version{Bucket: loc.Bucket, Key: en.key, VersionID: en.versionID}]; ok && !en.marker {
					continue
				}
				r.remaining++
				if len(r.sample) < 10 {
					r.sample = append(r.sample, Version{Bucket: loc.Bucket, Key: en.key, VersionID: en.versionID, IsDeleteMarker: en.marker})
				}
			}
		}
	}
	return nil
}
