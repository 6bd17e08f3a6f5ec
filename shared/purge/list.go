package purge

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// ErrOutsideShard marks a listing that returned a key before the start of
// the shard being purged (after it, the shard simply ends).
var ErrOutsideShard = fmt.Errorf("the listing returned a key before the shard's range")

// clip cuts a page at the end of the shard's range and reports whether it
// did; a key before the range is an error.
func clip(sh *Shard, es []entry) ([]entry, bool, error) {
	if sh == nil {
		return es, false, nil
	}
	for i := range es {
		if es[i].key <= sh.After {
			return nil, false, fmt.Errorf("%w: shard %s starts after %q, the listing returned %q", ErrOutsideShard, sh.Name, sh.After, es[i].key)
		}
		if sh.Upto != "" && es[i].key > sh.Upto {
			return es[:i], true, nil
		}
	}
	return es, false, nil
}

// page is one listing page in flight.
type page struct {
	bucket  string
	prefix  string
	entries []entry
	// lines are the page's manifest lines, one per entry, and ends[i]
	// is where entry i's line ends; sum is their SHA-256.
	lines []byte
	ends  []int
	sum   string
	// The page's part: seq-th part of attempt, under key. replayed pages
	// come from a stopped attempt's part, already stored.
	attempt  string
	seq      int
	key      string
	replayed bool
	// resumeKey is where a fresh listing resumes once this page is
	// committed: the last key of the page before its final key, whose
	// versions may continue on the next page. Empty: do not move.
	resumeKey string
	last      bool
	done      chan struct{}
}

// setResumeKey sets resumeKey from the entries.
func (p *page) setResumeKey() {
	n := len(p.entries)
	if n == 0 {
		return
	}
	final := p.entries[n-1].key
	for i := n - 1; i >= 0; i-- {
		if p.entries[i].key != final {
			p.resumeKey = p.entries[i].key
			return
		}
	}
}

// render writes the page's manifest lines.
func (p *page) render() error {
	p.ends = make([]int, len(p.entries))
	for i := range p.entries {
		var err error
		if p.lines, err = AppendManifestLine(p.lines, p.entries[i].line(p.bucket)); err != nil {
			return err
		}
		p.ends[i] = len(p.lines)
	}
	s := sha256.Sum256(p.lines)
	p.sum = hex.EncodeToString(s[:])
	return nil
}

// pipeline moves pages through the engine in listing order: the writer
// stores each page's part (unless the page is replayed from one) before
// any of its versions is deleted, the deleters work on several pages at
// once, and the committer records finished pages in order.
type pipeline struct {
	r         *run
	window    chan struct{}
	toWrite   chan *page
	toCommit  chan *page
	committed chan struct{}
}

func (r *run) startPipeline(ctx context.Context) *pipeline {
	n := r.opt.MaxConcurrency + 2
	pl := &pipeline{r: r, window: make(chan struct{}, n), toWrite: make(chan *page, n), toCommit: make(chan *page, n), committed: make(chan struct{})}
	go func() {
		defer close(pl.toCommit)
		for p := range pl.toWrite {
			if r.haltError() != nil {
				<-pl.window
				continue
			}
			if len(p.entries) > 0 && !p.replayed {
				if err := r.writePart(ctx, p); err != nil {
					r.halt(err)
					<-pl.window
					continue
				}
			}
			go r.processPage(ctx, p)
			pl.toCommit <- p
		}
	}()
	go func() {
		defer close(pl.committed)
		for p := range pl.toCommit {
			<-p.done
			if err := r.commit(ctx, p); err != nil {
				r.halt(err)
			}
			<-pl.window
		}
	}()
	return pl
}

// admit waits for room in the window; false when the run halted.
func (pl *pipeline) admit() bool {
	select {
	case pl.window <- struct{}{}:
		return true
	case <-pl.r.halted:
		return false
	}
}

// release gives back a window slot for a page that was never sent.
func (pl *pipeline) release() { <-pl.window }

func (pl *pipeline) send(p *page) { pl.toWrite <- p }

// finish waits until every page sent is committed (or given up).
func (pl *pipeline) finish() {
	close(pl.toWrite)
	<-pl.committed
}

// writePart stores a page's manifest lines as the next part of this
// attempt, before any of its versions is deleted (write-ahead). Parts are
// written one at a time, in listing order, so the next attempt finds a
// stopped one's parts by probing consecutive names.
func (r *run) writePart(ctx context.Context, p *page) error {
	r.seq++
	p.attempt, p.seq = r.st.Attempt, r.seq
	p.key = r.layout.Part(p.attempt, p.seq)
	gz, err := gzipLines(p.lines)
	if err != nil {
		return err
	}
	if err := r.e.Evidence.PutObject(ctx, p.key, "application/gzip", gz); err != nil {
		return fmt.Errorf("purge tenant %s: write manifest part ahead of its deletes: %w", r.job.TenantID, err)
	}
	return nil
}

// purgeLocation lists and deletes the current location from its markers.
// It returns true when it stopped early for the deadline; a halt is read
// from r.haltError.
func (r *run) purgeLocation(ctx context.Context) (drained bool) {
	loc := r.job.Locations[r.st.Location]
	log := r.logger().With("bucket", loc.Bucket, "prefix", loc.Prefix)
	log.Info("purging location", "key_marker", string(r.st.KeyMarker))
	pager := r.e.pager(loc, r.opt.PageSize, string(r.st.KeyMarker))
	pl := r.startPipeline(ctx)
	sawLast := false
	// A listed page is dispatched only once the next page is listed: the
	// next request's version-id marker is the page's last version, which
	// must still exist when S3 reads the marker.
	var ahead *page
	for pager.HasMorePages() && !sawLast {
		if r.haltError() != nil {
			break
		}
		if r.pastStop() {
			drained = true
			break
		}
		if !pl.admit() {
			break
		}
		out, err := pager.NextPage(ctx)
		if err != nil {
			pl.release()
			r.halt(fmt.Errorf("purge tenant %s: list versions under %s: %w", r.job.TenantID, loc, err))
			break
		}
		p := &page{bucket: loc.Bucket, prefix: loc.Prefix, entries: pageEntries(out), done: make(chan struct{})}
		if err := guardPage(loc, out, p.entries); err != nil {
			pl.release()
			r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, err))
			break
		}
		var cut bool
		if p.entries, cut, err = clip(r.job.Shard, p.entries); err != nil {
			pl.release()
			r.halt(fmt.Errorf("purge tenant %s: %w", r.job.TenantID, err))
			break
		}
		if cut || !aws.ToBool(out.IsTruncated) {
			p.last, sawLast = true, true
		} else {
			p.setResumeKey()
		}
		if err := p.render(); err != nil {
			pl.release()
			r.halt(err)
			break
		}
		if ahead != nil {
			pl.send(ahead)
		}
		ahead = p
	}
	if ahead != nil {
		if ahead.last && r.haltError() == nil {
			pl.send(ahead)
		} else {
			// Listed but never started: a resume lists it again.
			pl.release()
			sawLast = false
		}
	}
	pl.finish()
	if r.haltError() == nil && !drained && !sawLast {
		// The paginator ended without a last page (a repeated marker).
		r.halt(fmt.Errorf("purge tenant %s: listing of %s ended without a final page", r.job.TenantID, loc))
	}
	limit, peak, dec := r.lim.Stats()
	log.Info("location pass ended", "concurrency_limit", limit, "concurrency_peak", peak, "throttle_decreases", dec, "drained", drained)
	return drained
}
