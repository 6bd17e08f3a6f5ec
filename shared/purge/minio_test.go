package purge_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/sandbox"
)

var (
	minioOnce sync.Once
	minioProc *sandbox.Process
	minioErr  error
	minioDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if minioProc != nil {
		minioProc.Stop()
	}
	if minioDir != "" {
		os.RemoveAll(minioDir)
	}
	os.Exit(code)
}

// minio returns the URL of the MinIO the package's tests share, starting it
// on first use. A missing MinIO fails the test: it is not skipped.
func minio(t testing.TB) string {
	t.Helper()
	minioOnce.Do(func() {
		minioDir, minioErr = os.MkdirTemp("", "purge-minio-")
		if minioErr == nil {
			minioProc, minioErr = sandbox.StartMinIO(context.Background(), minioDir)
		}
	})
	if minioErr != nil {
		t.Fatalf("MinIO is needed for real S3 semantics: %v", minioErr)
	}
	return minioProc.URL
}

// s3Client returns a client for the shared MinIO; wrap, if set, wraps its
// HTTP client.
func s3Client(t testing.TB, wrap func(aws.HTTPClient) aws.HTTPClient) *s3.Client {
	url := minio(t)
	var hc aws.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	if wrap != nil {
		hc = wrap(hc)
	}
	return s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""), HTTPClient: hc}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

var bucketSeq atomic.Int64

// newBucket creates a versioned bucket (with Object Lock if locked).
func newBucket(t testing.TB, c *s3.Client, name string, locked bool) string {
	t.Helper()
	name = fmt.Sprintf("%s-%d", name, bucketSeq.Add(1))
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(locked)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	if !locked {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatalf("enable versioning on %s: %v", name, err)
		}
	}
	return name
}

// seedTenant writes n keys under prefix with 1-3 versions each, a delete
// marker on every fourth key, in parallel. Bodies depend on key and
// version number only.
func seedTenant(t testing.TB, c *s3.Client, bucket, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	work := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 16 {
		wg.Go(func() {
			for i := range work {
				key := fmt.Sprintf("%sdocs/k%05d.txt", prefix, i)
				for v := range 1 + i%3 {
					body := fmt.Sprintf("%s version %d %s", key, v, strings.Repeat("x", i%50))
					if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
						failed.Store(err)
					}
				}
				if i%4 == 0 {
					if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
						failed.Store(err)
					}
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatalf("seed %s/%s: %v", bucket, prefix, err)
	}
}

// listedVersion is one version as the test sees it, with its body's hash.
type listedVersion struct {
	Key, VersionID string
	Marker, Latest bool
	Size           int64
	ETag           string
	Modified       time.Time
	BodySHA        string
}

// listAll lists every version under prefix in S3's order (key ascending,
// newest first), reading bodies when withBodies is set.
func listAll(t testing.TB, c *s3.Client, bucket, prefix string, withBodies bool) []listedVersion {
	t.Helper()
	ctx := context.Background()
	var out []listedVersion
	// URL-encoded keys, so that keys XML cannot carry list too.
	p := s3.NewListObjectVersionsPaginator(decoded{c}, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix), EncodingType: s3types.EncodingTypeUrl})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list %s/%s: %v", bucket, prefix, err)
		}
		for _, v := range page.Versions {
			lv := listedVersion{Key: *v.Key, VersionID: *v.VersionId, Latest: aws.ToBool(v.IsLatest), Size: aws.ToInt64(v.Size), ETag: aws.ToString(v.ETag), Modified: *v.LastModified}
			if withBodies {
				g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: v.Key, VersionId: v.VersionId})
				if err != nil {
					t.Fatalf("get %s %s: %v", *v.Key, *v.VersionId, err)
				}
				b, _ := io.ReadAll(g.Body)
				g.Body.Close()
				s := sha256.Sum256(b)
				lv.BodySHA = hex.EncodeToString(s[:])
			}
			out = append(out, lv)
		}
		for _, m := range page.DeleteMarkers {
			out = append(out, listedVersion{Key: *m.Key, VersionID: *m.VersionId, Marker: true, Latest: aws.ToBool(m.IsLatest), Modified: *m.LastModified})
		}
	}
	slices.SortStableFunc(out, func(a, b listedVersion) int {
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := b.Modified.Compare(a.Modified); c != 0 {
			return c
		}
		if a.Latest != b.Latest {
			if a.Latest {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.VersionID, b.VersionID)
	})
	return out
}

// decoded URL-decodes the keys and markers of a listing made with
// EncodingType=url, independently of the engine's own decoding.
type decoded struct{ c *s3.Client }

func (d decoded) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	out, err := d.c.ListObjectVersions(ctx, in, optFns...)
	if err != nil || out.EncodingType != s3types.EncodingTypeUrl {
		return out, err
	}
	dec := func(p *string) {
		if p != nil {
			if s, err := url.QueryUnescape(*p); err == nil {
				*p = s
			}
		}
	}
	for i := range out.Versions {
		dec(out.Versions[i].Key)
	}
	for i := range out.DeleteMarkers {
		dec(out.DeleteMarkers[i].Key)
	}
	dec(out.NextKeyMarker)
	return out, nil
}

// expectFrom returns the manifest lines and counts a purge of these
// versions must produce.
func expectFrom(bucket string, vs []listedVersion) ([]byte, purge.Counts) {
	var b []byte
	var c purge.Counts
	last := ""
	for _, v := range vs {
		b, _ = purge.AppendManifestLine(b, purge.ManifestLine{Bucket: bucket, Key: v.Key, VersionID: v.VersionID, IsDeleteMarker: v.Marker, Size: v.Size, LastModified: v.Modified.UTC().Format(time.RFC3339Nano)})
		if v.Key != last {
			c.Objects++
			last = v.Key
		}
		if v.Marker {
			c.DeleteMarkers++
		} else {
			c.Versions++
			c.Bytes += v.Size
		}
	}
	return b, c
}

func tenantJob(bucket, prefix string) purge.Job {
	loc := []purge.Location{{Bucket: bucket, Prefix: prefix}}
	return purge.Job{TenantID: "tenant-1", Locations: loc, Expected: loc}
}

func noRecheck(context.Context) error { return nil }

func TestEngine_MinIONeighboursUntouched(t *testing.T) {
	c := s3Client(t, nil)
	ctx := context.Background()
	bucket := newBucket(t, c, "neighbours", false)
	evBucket := newBucket(t, c, "evidence", false)
	seedTenant(t, c, bucket, "tenants/tenant-1/", 60)
	seedTenant(t, c, bucket, "tenants/tenant-10/", 25)
	seedTenant(t, c, bucket, "tenants/tenant-1-archive/", 25)
	// A key that starts with the prefix's text minus the slash. (MinIO,
	// being file-backed, cannot hold an object named exactly
	// "tenants/tenant-1" beside "tenants/tenant-1/...", which S3 can.)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("tenants/tenant-1.txt"), Body: strings.NewReader("not inside the prefix")}); err != nil {
		t.Fatal(err)
	}
	neighboursBefore := listAll(t, c, bucket, "tenants/tenant-1", true)
	neighboursBefore = slices.DeleteFunc(neighboursBefore, func(v listedVersion) bool { return strings.HasPrefix(v.Key, "tenants/tenant-1/") })
	if len(neighboursBefore) < 60 {
		t.Fatalf("only %d neighbour versions seeded", len(neighboursBefore))
	}
	tenant := listAll(t, c, bucket, "tenants/tenant-1/", false)
	if len(tenant) < 100 {
		t.Fatalf("only %d tenant versions seeded", len(tenant))
	}
	wantLines, wantCounts := expectFrom(bucket, tenant)

	store := &evidence.Store{S3: c, Bucket: evBucket}
	cp := &memCheckpointer{}
	e := &purge.Engine{S3: c, Evidence: store, Checkpointer: cp, Recheck: noRecheck, Options: purge.Options{PageSize: 25}}
	job := tenantJob(bucket, "tenants/tenant-1/")
	plan, err := e.Plan(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Total != wantCounts || len(plan.Locked) != 0 {
		t.Errorf("plan = %+v with %d locked, want %+v and none", plan.Total, len(plan.Locked), wantCounts)
	}
	if got := listAll(t, c, bucket, "tenants/tenant-1/", false); len(got) != len(tenant) {
		t.Fatalf("Plan deleted something: %d versions left of %d", len(got), len(tenant))
	}
	res, err := e.Apply(ctx, job, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != purge.StatusPurged || res.Remaining != 0 {
		t.Errorf("status %s remaining %d, want purged and 0", res.Status, res.Remaining)
	}
	if res.Counts != wantCounts {
		t.Errorf("counts = %+v, want %+v", res.Counts, wantCounts)
	}
	if left := listAll(t, c, bucket, "tenants/tenant-1/", false); len(left) != 0 {
		t.Errorf("%d versions left under the tenant's prefix, first %+v", len(left), left[0])
	}
	after := listAll(t, c, bucket, "tenants/tenant-1", true)
	if !slices.Equal(after, neighboursBefore) {
		t.Errorf("neighbours changed: %d versions before, %d after", len(neighboursBefore), len(after))
	}
	// The manifest, sealed in the evidence bucket and read back through
	// its index, is exactly the expected lines.
	sealed, err := purge.Seal(ctx, store, []purge.Indexed{{Layout: res.Layout, Segments: res.Index.Segments}})
	if err != nil {
		t.Fatal(err)
	}
	if sealed.SHA256 != res.ManifestSHA256 || sealed.Lines != res.Counts.Versions+res.Counts.DeleteMarkers {
		t.Errorf("sealed %+v, purge reported %s and %+v", sealed, res.ManifestSHA256, res.Counts)
	}
	index, err := store.GetObject(ctx, sealed.IndexKey)
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(index), []byte("\n")) {
		var e purge.IndexEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		if e.Superseded != "" {
			continue
		}
		b, err := store.GetObject(ctx, e.Key)
		if err != nil {
			t.Fatalf("read manifest part %s: %v", e.Key, err)
		}
		all.Write(b)
	}
	zr, err := gzip.NewReader(&all)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, wantLines) {
		t.Errorf("manifest differs from the pre-purge listing (%d bytes, want %d)", len(got), len(wantLines))
	}
	if got, want := res.ManifestSHA256, purge.ManifestDigest(wantLines); got != want {
		t.Errorf("digest %s, want %s", got, want)
	}
	if res.FirstDeletion.IsZero() || res.LastDeletion.Before(res.FirstDeletion) {
		t.Errorf("deletion times %s..%s", res.FirstDeletion, res.LastDeletion)
	}
}

func TestEngine_MinIOResumeAtSeveralPoints(t *testing.T) {
	c := s3Client(t, nil)
	const prefix = "tenants/tenant-1/"
	var counts []purge.Counts
	for _, interrupts := range [][]int{nil, {1}, {3, 2}, {6, 1, 1}} {
		t.Run(fmt.Sprint("interrupts", interrupts), func(t *testing.T) {
			bucket := newBucket(t, c, "resume", false)
			seedTenant(t, c, bucket, prefix, 150)
			seedTenant(t, c, bucket, "tenants/tenant-10/", 10)
			wantLines, wantCounts := expectFrom(bucket, listAll(t, c, bucket, prefix, false))
			if wantCounts.Versions < 200 || wantCounts.DeleteMarkers < 30 {
				t.Fatalf("seeding made only %+v", wantCounts)
			}
			neighbours := listAll(t, c, bucket, "tenants/tenant-10/", true)
			store := &memStore{}
			var blob []byte
			var res purge.Result
			for inv := 0; ; inv++ {
				if inv > 10 {
					t.Fatal("no end after 10 invocations")
				}
				clk := &clock{}
				deadline := time.Now().Add(time.Hour)
				cp := &memCheckpointer{}
				if inv < len(interrupts) {
					at := interrupts[inv]
					cp.onSave = func(n int) {
						if n == at {
							clk.jumpTo(deadline.Add(-time.Second))
						}
					}
				}
				// A fresh engine and client each time, as in a new Lambda
				// invocation.
				e := &purge.Engine{S3: s3Client(t, nil), Evidence: store, Checkpointer: cp, Recheck: noRecheck, Now: clk.Now,
					Options: purge.Options{PageSize: 20, InitialConcurrency: 1, MaxConcurrency: 2}}
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				var err error
				res, err = e.Apply(ctx, tenantJob(bucket, prefix), blob)
				cancel()
				if err != nil {
					t.Fatalf("invocation %d: %v", inv, err)
				}
				blob = res.Checkpoint
				if res.Status == purge.StatusPurged {
					if inv != len(interrupts) {
						t.Errorf("purged in invocation %d, want %d", inv, len(interrupts))
					}
					break
				}
				if res.Status != purge.StatusIncomplete {
					t.Fatalf("invocation %d: status %s", inv, res.Status)
				}
			}
			if left := listAll(t, c, bucket, prefix, false); len(left) != 0 {
				t.Errorf("%d versions left", len(left))
			}
			if res.Counts != wantCounts {
				t.Errorf("counts %+v, want %+v", res.Counts, wantCounts)
			}
			if got := store.sealed(t, res); !bytes.Equal(got, wantLines) {
				t.Errorf("manifest differs from the pre-purge listing (%d bytes, want %d)", len(got), len(wantLines))
			}
			if got, want := res.ManifestSHA256, purge.ManifestDigest(wantLines); got != want {
				t.Errorf("digest %s, want %s", got, want)
			}
			if after := listAll(t, c, bucket, "tenants/tenant-10/", true); !slices.Equal(after, neighbours) {
				t.Error("neighbour tenant-10 changed")
			}
			counts = append(counts, res.Counts)
		})
	}
	for i := range counts {
		if counts[i] != counts[0] {
			t.Errorf("identical copies purged with different counts: %+v", counts)
		}
	}
}

// slowDown answers 503 SlowDown to some DeleteObjects requests before they
// reach MinIO.
type slowDown struct {
	next     aws.HTTPClient
	every    int64
	calls    atomic.Int64
	injected atomic.Int64
}

func (s *slowDown) Do(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Query().Has("delete") {
		if n := s.calls.Add(1); s.every > 0 && n%s.every == 1 {
			s.injected.Add(1)
			body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`
			return &http.Response{StatusCode: 503, Status: "503 Slow Down", Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
	}
	return s.next.Do(r)
}

func TestEngine_MinIOSlowDown(t *testing.T) {
	var sd *slowDown
	c := s3Client(t, func(h aws.HTTPClient) aws.HTTPClient { sd = &slowDown{next: h, every: 3}; return sd })
	bucket := newBucket(t, c, "slowdown", false)
	seedTenant(t, c, bucket, "tenants/tenant-1/", 200)
	want := len(listAll(t, c, bucket, "tenants/tenant-1/", false))
	if want < 300 {
		t.Fatalf("only %d versions seeded", want)
	}
	e := &purge.Engine{S3: c, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: noRecheck,
		Options: purge.Options{PageSize: 100, BatchSize: 20, InitialConcurrency: 8, MaxConcurrency: 16, BackoffBase: 5 * time.Millisecond, MaxAttempts: 8}}
	res, err := e.Apply(context.Background(), tenantJob(bucket, "tenants/tenant-1/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != purge.StatusPurged {
		t.Errorf("status %s, want purged", res.Status)
	}
	if got := res.Counts.Versions + res.Counts.DeleteMarkers; got != int64(want) {
		t.Errorf("deleted %d, want %d", got, want)
	}
	if sd.injected.Load() == 0 || res.Concurrency.Decreases == 0 {
		t.Errorf("%d SlowDowns injected, limit decreased %d times; want both > 0", sd.injected.Load(), res.Concurrency.Decreases)
	}
	if left := listAll(t, c, bucket, "tenants/tenant-1/", false); len(left) != 0 {
		t.Errorf("%d versions left", len(left))
	}
	t.Logf("%d DeleteObjects calls, %d answered SlowDown; concurrency %+v", sd.calls.Load(), sd.injected.Load(), res.Concurrency)
}

func TestEngine_MinIOObjectLock(t *testing.T) {
	c := s3Client(t, nil)
	ctx := context.Background()
	bucket := newBucket(t, c, "locked", true)
	seedTenant(t, c, bucket, "tenants/tenant-1/", 12)
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	ret, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("tenants/tenant-1/contract.pdf"), Body: strings.NewReader("signed"),
		ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until)})
	if err != nil {
		t.Fatal(err)
	}
	hold, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("tenants/tenant-1/held.txt"), Body: strings.NewReader("held"),
		ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		t.Fatal(err)
	}
	e := &purge.Engine{S3: c, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: noRecheck, Options: purge.Options{PageSize: 10}}
	job := tenantJob(bucket, "tenants/tenant-1/")
	check := func(what string, got []purge.Locked) {
		t.Helper()
		if len(got) != 2 {
			t.Fatalf("%s: %d locked, want 2: %+v", what, len(got), got)
		}
		byKey := map[string]purge.Locked{}
		for _, l := range got {
			byKey[l.Key] = l
		}
		if l := byKey["tenants/tenant-1/contract.pdf"]; l.VersionID != *ret.VersionId || !l.RetainUntil.Equal(until) || l.Mode != "GOVERNANCE" || l.LegalHold {
			t.Errorf("%s: retained version = %+v, want %s until %s in GOVERNANCE", what, l, *ret.VersionId, until)
		}
		if l := byKey["tenants/tenant-1/held.txt"]; l.VersionID != *hold.VersionId || !l.LegalHold {
			t.Errorf("%s: held version = %+v, want %s under legal hold", what, l, *hold.VersionId)
		}
	}
	plan, err := e.Plan(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	check("plan", plan.Locked)
	res, err := e.Apply(ctx, job, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("apply", res.Locked)
	if res.Status != purge.StatusPurged || len(res.Failed) != 0 {
		t.Errorf("status %s with failures %+v, want purged (only locked versions left)", res.Status, res.Failed)
	}
	left := listAll(t, c, bucket, "tenants/tenant-1/", false)
	if len(left) != 2 {
		t.Errorf("left %+v, want exactly the two locked versions", left)
	}
	if got, want := res.Counts.Versions+res.Counts.DeleteMarkers, plan.Total.Versions+plan.Total.DeleteMarkers-2; got != want {
		t.Errorf("deleted %d, want %d (all but the locked)", got, want)
	}
}

func TestEngine_MinIORecheckStops(t *testing.T) {
	var sd *slowDown
	c := s3Client(t, func(h aws.HTTPClient) aws.HTTPClient { sd = &slowDown{next: h}; return sd })
	bucket := newBucket(t, c, "recheck", false)
	seedTenant(t, c, bucket, "tenants/tenant-1/", 80)
	before := len(listAll(t, c, bucket, "tenants/tenant-1/", false))
	var n atomic.Int64
	e := &purge.Engine{S3: c, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Options: purge.Options{PageSize: 30, InitialConcurrency: 1, MaxConcurrency: 1},
		Recheck: func(context.Context) error {
			if n.Add(1) > 2 {
				return errReinstated
			}
			return nil
		}}
	res, err := e.Apply(context.Background(), tenantJob(bucket, "tenants/tenant-1/"), nil)
	if !errors.Is(err, purge.ErrStopped) || res.Status != purge.StatusStopped {
		t.Fatalf("err %v status %s, want ErrStopped", err, res.Status)
	}
	if got := sd.calls.Load(); got != 2 {
		t.Errorf("%d DeleteObjects calls, want 2 (none after the re-check failed)", got)
	}
	after := len(listAll(t, c, bucket, "tenants/tenant-1/", false))
	if got, want := int64(before-after), res.Counts.Versions+res.Counts.DeleteMarkers; got != want || got != 60 {
		t.Errorf("%d versions gone, %d counted; want both 60", got, want)
	}
}
