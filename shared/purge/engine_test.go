package purge_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pledge-dev/pledge/shared/purge"
)

const fakeBucket = "tenant-data"

func fakeJob(prefix string) purge.Job {
	loc := []purge.Location{{Bucket: fakeBucket, Prefix: prefix}}
	return purge.Job{TenantID: "tenant-1", Locations: loc, Expected: loc}
}

// seedFake fills a fake bucket: tenant-1 with n keys of 1-3 versions and
// some delete markers, and neighbours sharing its name as a prefix.
func seedFake(n int) *fakeS3 {
	f := newFakeS3(fakeBucket)
	for i := range n {
		f.add(fmt.Sprintf("tenants/tenant-1/k%05d", i), 1+i%3, i%4 == 0, int64(10+i))
	}
	for i := range 20 {
		f.add(fmt.Sprintf("tenants/tenant-10/k%05d", i), 2, false, 7)
		f.add(fmt.Sprintf("tenants/tenant-1-archive/k%05d", i), 1, true, 7)
	}
	f.add("tenants/tenant-1", 1, false, 3)
	return f.index()
}

// expectedLines is the manifest an uninterrupted purge of prefix must
// write: every version in listing order.
func expectedLines(f *fakeS3, prefix string) ([]byte, purge.Counts) {
	var b []byte
	var c purge.Counts
	last := ""
	for _, v := range f.live() {
		if !strings.HasPrefix(v.key, prefix) {
			continue
		}
		b, _ = purge.AppendManifestLine(b, purge.ManifestLine{Bucket: fakeBucket, Key: v.key, VersionID: v.id, IsDeleteMarker: v.marker, Size: v.size, LastModified: v.modified.UTC().Format(time.RFC3339Nano)})
		if v.key != last {
			c.Objects++
			last = v.key
		}
		if v.marker {
			c.DeleteMarkers++
		} else {
			c.Versions++
			c.Bytes += v.size
		}
	}
	return b, c
}

func fastOptions() purge.Options {
	return purge.Options{PageSize: 40, BatchSize: 15, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, MaxAttempts: 4}
}

func TestEngine_FakeUninterruptedAndResumedAgree(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	want, wantCounts := expectedLines(seedFake(600), prefix)
	for _, tc := range []struct {
		name        string
		interruptAt []int // checkpoint saves after which the clock passes the deadline, per invocation
	}{
		{"Uninterrupted", nil},
		{"AfterFirstPage", []int{2}},
		{"SeveralTimes", []int{3, 4, 2, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seedFake(600)
			store := &memStore{}
			var blob []byte
			var res purge.Result
			for inv := 0; ; inv++ {
				if inv > 20 {
					t.Fatal("purge did not finish in 20 invocations")
				}
				clk := &clock{}
				deadline := time.Now().Add(time.Hour)
				cp := &memCheckpointer{}
				if inv < len(tc.interruptAt) {
					at := tc.interruptAt[inv]
					cp.onSave = func(n int) {
						if n == at {
							clk.jumpTo(deadline.Add(-10 * time.Second))
						}
					}
				}
				opt := fastOptions()
				// A small window, so the listing is not all in flight
				// before the first checkpoint.
				opt.InitialConcurrency, opt.MaxConcurrency = 1, 2
				e := &purge.Engine{S3: f, Evidence: store, Checkpointer: cp, Recheck: func(context.Context) error { return nil }, Now: clk.Now, Options: opt}
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				var err error
				res, err = e.Apply(ctx, fakeJob(prefix), blob)
				cancel()
				if err != nil {
					t.Fatalf("invocation %d: %v", inv, err)
				}
				if !bytes.Equal(res.Checkpoint, cp.last) {
					t.Fatalf("invocation %d: result checkpoint differs from the last one saved", inv)
				}
				blob = res.Checkpoint
				if res.Status == purge.StatusPurged {
					if got, want := inv, len(tc.interruptAt); got != want {
						t.Errorf("finished in invocation %d, want %d (one per interruption)", got, want)
					}
					break
				}
				if got, want := res.Status, purge.StatusIncomplete; got != want {
					t.Fatalf("invocation %d: status %s, want %s", inv, got, want)
				}
			}
			if got := store.sealed(t, res); !bytes.Equal(got, want) {
				t.Errorf("manifest differs from the listing:\n got %d bytes\nwant %d bytes", len(got), len(want))
			}
			if got, want := res.ManifestSHA256, purge.ManifestDigest(want); got != want {
				t.Errorf("digest = %s, want %s", got, want)
			}
			if res.Counts != wantCounts {
				t.Errorf("counts = %+v, want %+v", res.Counts, wantCounts)
			}
			if res.FirstDeletion.IsZero() || res.LastDeletion.Before(res.FirstDeletion) {
				t.Errorf("deletion times %s..%s", res.FirstDeletion, res.LastDeletion)
			}
			for _, v := range f.live() {
				if strings.HasPrefix(v.key, prefix) {
					t.Fatalf("%s %s left behind", v.key, v.id)
				}
			}
			if got, want := len(f.live()), 20*2+20*2+1; got != want {
				t.Errorf("%d neighbour versions left, want %d", got, want)
			}
		})
	}
}

func TestEngine_PerKeyErrors(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	f := seedFake(60)
	f.lockable = true
	lockedKey, heldKey := "tenants/tenant-1/k00003", "tenants/tenant-1/k00004"
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	for _, v := range f.vs {
		switch v.key {
		case lockedKey:
			v.retainUntil = until
		case heldKey:
			v.hold = !v.marker
		}
	}
	f.keyError = func(key, id string, attempt int) string {
		switch {
		case key == "tenants/tenant-1/k00010" && attempt <= 2:
			return "SlowDown"
		case key == "tenants/tenant-1/k00011" && attempt <= 3:
			return "InternalError"
		case key == "tenants/tenant-1/k00012":
			return "InternalError" // never succeeds
		case key == "tenants/tenant-1/k00013":
			return "AccessDenied" // refused, but not locked
		case key == "tenants/tenant-1/k00014":
			return "NoSuchVersion" // already gone
		}
		return ""
	}
	e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: fastOptions()}
	plan, err := e.Plan(context.Background(), fakeJob(prefix))
	if err != nil {
		t.Fatal(err)
	}
	// k00003 has 1 version; k00004 has 2 and a delete marker, which
	// cannot be locked.
	if got, want := len(plan.Locked), 3; got != want {
		t.Errorf("plan found %d locked versions, want %d: %+v", got, want, plan.Locked)
	}
	res, err := e.Apply(context.Background(), fakeJob(prefix), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Status, purge.StatusNotPurged; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}
	// Every listed version ends deleted, locked or failed: nothing dropped.
	failed := map[string]purge.Failure{}
	for _, fl := range res.Failed {
		failed[fl.Key] = fl
	}
	if fl, ok := failed["tenants/tenant-1/k00012"]; !ok || fl.Code != "InternalError" || fl.Attempts != 4 {
		t.Errorf("k00012 failure = %+v, want InternalError after 4 attempts", fl)
	}
	if fl, ok := failed["tenants/tenant-1/k00013"]; !ok || fl.Code != "AccessDenied" || !strings.Contains(fl.Message, "neither retention nor legal hold") {
		t.Errorf("k00013 failure = %+v, want AccessDenied, not locked", fl)
	}
	// k00012: a version and a delete marker; k00013: two versions.
	if got, want := len(res.Failed), 4; got != want {
		t.Errorf("%d failures, want %d: %+v", got, want, res.Failed)
	}
	lockedBy := map[string]purge.Locked{}
	for _, l := range res.Locked {
		lockedBy[l.Key+" "+l.VersionID] = l
	}
	if l := lockedBy[lockedKey+" v1-"+lockedKey]; !l.RetainUntil.Equal(until) || l.LegalHold {
		t.Errorf("locked %s = %+v, want retain until %s", lockedKey, l, until)
	}
	if l := lockedBy[heldKey+" v2-"+heldKey]; !l.LegalHold {
		t.Errorf("held %s = %+v, want legal hold", heldKey, l)
	}
	if got, want := len(res.Locked), 3; got != want {
		t.Errorf("%d locked, want %d", got, want)
	}
	// What is left is exactly the locked and the failed versions.
	left := map[string]bool{}
	for _, v := range f.live() {
		if strings.HasPrefix(v.key, prefix) {
			left[v.key] = true
		}
	}
	for _, k := range []string{lockedKey, heldKey, "tenants/tenant-1/k00012", "tenants/tenant-1/k00013"} {
		if !left[k] {
			t.Errorf("%s was deleted", k)
		}
		delete(left, k)
	}
	if len(left) > 0 {
		t.Errorf("also left: %v", left)
	}
	if got, want := res.Remaining, int64(4); got != want {
		t.Errorf("remaining = %d, want %d (the failed versions)", got, want)
	}
	if res.Concurrency.Decreases == 0 {
		t.Errorf("per-key SlowDown did not lower the concurrency limit: %+v", res.Concurrency)
	}
	// A second Apply with the checkpoint retries the failures.
	f.keyError = nil
	for _, v := range f.vs {
		v.retainUntil, v.hold = time.Time{}, false
	}
	res2, err := e.Apply(context.Background(), fakeJob(prefix), res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	// The holds were released: the final verify checks again, so the
	// once-locked versions are deleted now, not reported as retained.
	if res2.Status != purge.StatusPurged || len(res2.Failed) != 0 || len(res2.Locked) != 0 {
		t.Errorf("retry: status %s, %d failed, %d locked; want purged, 0 failed, 0 locked (the holds were released)", res2.Status, len(res2.Failed), len(res2.Locked))
	}
	for _, v := range f.live() {
		if strings.HasPrefix(v.key, prefix) {
			t.Errorf("%s %s left after the holds were released", v.key, v.id)
		}
	}
	if res2.Counts.Versions+res2.Counts.DeleteMarkers <= res.Counts.Versions+res.Counts.DeleteMarkers {
		t.Errorf("retry did not add the retried versions to the counts")
	}
}

func TestEngine_RequestThrottling(t *testing.T) {
	f := seedFake(400)
	f.delay = 2 * time.Millisecond
	f.requestError = func(n int) error {
		if n%5 == 3 {
			return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}}, Err: apiErr("SlowDown")}}
		}
		return nil
	}
	opt := fastOptions()
	opt.PageSize, opt.BatchSize, opt.MaxConcurrency, opt.MaxAttempts = 100, 10, 16, 8
	e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }, Options: opt}
	res, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != purge.StatusPurged {
		t.Fatalf("status %s, want purged", res.Status)
	}
	if res.Concurrency.Decreases == 0 {
		t.Errorf("limit never decreased under SlowDown: %+v", res.Concurrency)
	}
	if f.maxInFlight > opt.MaxConcurrency {
		t.Errorf("%d DeleteObjects calls in flight, limit %d", f.maxInFlight, opt.MaxConcurrency)
	}
}

func (c failingCheckpointer) Save(ctx context.Context, blob []byte) error {
	c.f.mu.Lock()
	*c.calls = c.f.deleteCalls
	c.f.mu.Unlock()
	return c.memCheckpointer.Save(ctx, blob)
}
