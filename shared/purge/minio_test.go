package purge_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
