package purge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/purge"
)

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
