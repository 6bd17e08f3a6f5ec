package purge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

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
