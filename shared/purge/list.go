package purge

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

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
