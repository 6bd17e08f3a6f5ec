package purge_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purge"
)

// oddKeys are key names (after the tenant prefix) of every awkward shape:
// control characters (which XML 1.0 cannot carry), line breaks, characters
// URL encoding treats specially, "..", doubled slashes, markup, unicode,
// and very long names. MinIO stores those marked minio.
var oddKeys = []struct {
	name  string
	minio bool
}{
	{"ctl\x01start", true},
	{"ctl-end\x1f", true},
	{"bell\x07\x08", true},
	{"new\nline", true},
	{"carriage\rreturn", true},
	{"tab\tbed", true},
	{"del\x7f", true},
	{"space and+plus%25percent%2F", true},
	{"amp&lt;markup<x>\"'", true},
	{"back\\slash", true},
	{"日本語/ファイル名.txt", true},
	{"line\u2028sep\u0085nel", true},
	{"emoji-🔥-\U0001F600", true},
	{"Ã©-looks-like-latin1-%C3%A9-%FF", true},
	{"replacement-\uFFFD-char", true},
	{strings.Repeat("long-", 50) + "name", true},  // 254 bytes in one segment
	{strings.Repeat("deep/", 150) + "leaf", true}, // 754 bytes, 151 segments
	{"dot/../dot", false},
	{"..", false},
	{"./here", false},
	{"double//slash", false},
	{"trailing/", false},
	{strings.Repeat("x", 1000), false}, // one 1000-byte segment
}

func TestEngine_FakeOddKeys(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	f := newFakeS3(fakeBucket)
	for i, k := range oddKeys {
		f.add(prefix+k.name, 1+i%2, i%3 == 0, int64(i+1))
	}
	f.add("tenants/tenant-10/ctl\x01start", 1, false, 1)
	f.add("tenants/tenant-1-archive/new\nline", 1, false, 1)
	f.index()
	want, wantCounts := expectedLines(f, prefix)
	store := &memStore{}
	opt := fastOptions()
	opt.PageSize = 7
	e := &purge.Engine{S3: f, Evidence: store, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: opt}
	plan, err := e.Plan(context.Background(), fakeJob(prefix))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Total != wantCounts {
		t.Errorf("plan %+v, want %+v", plan.Total, wantCounts)
	}
	res, err := e.Apply(context.Background(), fakeJob(prefix), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != purge.StatusPurged || res.Counts != wantCounts {
		t.Errorf("status %s counts %+v, want purged %+v", res.Status, res.Counts, wantCounts)
	}
	if got := store.sealed(t, res); !bytes.Equal(got, want) {
		t.Errorf("manifest differs:\n got %q\nwant %q", got, want)
	}
	for _, v := range f.live() {
		if strings.HasPrefix(v.key, prefix) {
			t.Errorf("%q left behind", v.key)
		}
	}
	if got, want := len(f.live()), 2; got != want {
		t.Errorf("%d neighbour versions left, want %d", got, want)
	}
	if f.singleDeletes == 0 {
		t.Error("no DeleteObject call: keys XML cannot carry went into DeleteObjects")
	}
}

func TestEngine_FakeKeyNotUTF8(t *testing.T) {
	f := newFakeS3(fakeBucket)
	f.add("tenants/tenant-1/a", 1, false, 1)
	f.add("tenants/tenant-1/bad\xff\xfe", 1, false, 1)
	f.index()
	e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: fastOptions()}
	_, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), nil)
	if !errors.Is(err, purge.ErrBadKey) || !strings.Contains(err.Error(), `bad\xff\xfe`) {
		t.Fatalf("err = %v, want ErrBadKey naming the key", err)
	}
	if f.deleteCalls+f.singleDeletes != 0 {
		t.Errorf("deleted from a page holding a key that is not UTF-8")
	}
}

func TestEngine_MinIOOddKeys(t *testing.T) {
	c := s3Client(t, nil)
	ctx := context.Background()
	bucket := newBucket(t, c, "oddkeys", false)
	const prefix = "tenants/tenant-1/"
	for i, k := range oddKeys {
		if !k.minio {
			continue
		}
		for v := range 1 + i%2 {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + k.name), Body: strings.NewReader(strings.Repeat("v", v+i))}); err != nil {
				t.Fatalf("put %q: %v", k.name, err)
			}
		}
		if i%3 == 0 {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(prefix + k.name)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, k := range []string{"tenants/tenant-10/ctl\x01start", "tenants/tenant-1-archive/new\nline", "tenants/tenant-1.txt"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("neighbour")}); err != nil {
			t.Fatal(err)
		}
	}
	neighbours := listAll(t, c, bucket, "tenants/tenant-1", true)
	neighbours = neighbours[:0:0]
	for _, v := range listAll(t, c, bucket, "tenants/", true) {
		if !strings.HasPrefix(v.Key, prefix) {
			neighbours = append(neighbours, v)
		}
	}
	tenant := listAll(t, c, bucket, prefix, false)
	wantLines, wantCounts := expectFrom(bucket, tenant)
	store := &memStore{}
	e := &purge.Engine{S3: c, Evidence: store, Checkpointer: &memCheckpointer{}, Recheck: noRecheck, Options: purge.Options{PageSize: 5}}
	res, err := e.Apply(ctx, tenantJob(bucket, prefix), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != purge.StatusPurged || res.Counts != wantCounts {
		t.Errorf("status %s counts %+v, want purged %+v", res.Status, res.Counts, wantCounts)
	}
	if got := store.sealed(t, res); !bytes.Equal(got, wantLines) {
		t.Errorf("manifest differs:\n got %q\nwant %q", got, wantLines)
	}
	if left := listAll(t, c, bucket, prefix, false); len(left) != 0 {
		t.Errorf("%d versions left, first %q", len(left), left[0].Key)
	}
	var after []listedVersion
	for _, v := range listAll(t, c, bucket, "tenants/", true) {
		if !strings.HasPrefix(v.Key, prefix) {
			after = append(after, v)
		}
	}
	if len(after) != len(neighbours) || len(after) != 3 {
		t.Fatalf("neighbours: %d before, %d after, want 3", len(neighbours), len(after))
	}
	for i := range after {
		if after[i] != neighbours[i] {
			t.Errorf("neighbour %q changed", after[i].Key)
		}
	}
}
