package purge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

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
