package purge_test

import (
	"bytes"
	"context"
	"errors"
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

func TestEngine_RequestErrorsStopAfterAttempts(t *testing.T) {
	f := seedFake(50)
	f.requestError = func(int) error { return errors.New("connection reset") }
	cp := &memCheckpointer{}
	e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: cp, Recheck: func(context.Context) error { return nil }, Options: fastOptions()}
	res, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), nil)
	if err == nil || !strings.Contains(err.Error(), "failed 4 times") {
		t.Fatalf("err = %v, want DeleteObjects failed 4 times", err)
	}
	if res.Status != purge.StatusStopped || res.Counts.Versions != 0 {
		t.Errorf("status %s counts %+v, want stopped with nothing deleted", res.Status, res.Counts)
	}
	st, derr := purge.DecodeCheckpoint(cp.last)
	if derr != nil || st.KeyMarker != "" || st.Location != 0 {
		t.Errorf("checkpoint %+v (%v) moved past versions that were never deleted", st, derr)
	}
}

func TestEngine_RecheckStopsDeletion(t *testing.T) {
	const prefix = "tenants/tenant-1/"
	f := seedFake(200)
	want, wantCounts := expectedLines(f, prefix)
	before := f.live()
	calls := 0
	opt := fastOptions()
	opt.InitialConcurrency, opt.MaxConcurrency = 1, 1
	store := &memStore{}
	cp := &memCheckpointer{}
	e := &purge.Engine{S3: f, Evidence: store, Checkpointer: cp, Options: opt, Recheck: func(context.Context) error {
		calls++
		if calls > 3 {
			return errReinstated
		}
		return nil
	}}
	res, err := e.Apply(context.Background(), fakeJob(prefix), nil)
	if !errors.Is(err, purge.ErrStopped) || !errors.Is(err, errReinstated) {
		t.Fatalf("err = %v, want ErrStopped wrapping the re-check's error", err)
	}
	if got, want := f.deleteCalls, 3; got != want {
		t.Errorf("%d DeleteObjects calls, want %d (none after the re-check failed)", got, want)
	}
	gone := len(before) - len(f.live())
	if gone < 3*10 || gone > 3*opt.BatchSize {
		t.Errorf("%d versions deleted by 3 calls of at most %d", gone, opt.BatchSize)
	}
	// Every version that went is in a part stored before it went: one
	// the checkpoint committed, or one written ahead for the next attempt
	// to replay.
	stored := map[string]bool{}
	for _, k := range store.keys {
		lines, err := gunzip(store.objs[k])
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(lines, []byte("\n")) {
			stored[string(l)] = true
		}
	}
	live := map[*fakeVersion]bool{}
	for _, v := range f.live() {
		live[v] = true
	}
	for _, v := range before {
		if live[v] || !strings.HasPrefix(v.key, prefix) {
			continue
		}
		l, _ := purge.AppendManifestLine(nil, purge.ManifestLine{Bucket: fakeBucket, Key: v.key, VersionID: v.id, IsDeleteMarker: v.marker, Size: v.size, LastModified: v.modified.UTC().Format(time.RFC3339Nano)})
		if !stored[string(bytes.TrimSuffix(l, []byte("\n")))] {
			t.Errorf("%s %s was deleted but no stored part lists it", v.key, v.id)
		}
	}
	if committed := int64(bytes.Count(committedLines(t, store, res), []byte("\n"))); committed != res.Counts.Versions+res.Counts.DeleteMarkers || committed > int64(gone) {
		t.Errorf("%d lines committed, %+v counted, %d deleted", committed, res.Counts, gone)
	}
	// Resumed (the tenant is still being purged after all), the purge
	// replays what it wrote ahead and ends with the uninterrupted manifest.
	e.Recheck = func(context.Context) error { return nil }
	res, err = e.Apply(context.Background(), fakeJob(prefix), cp.last)
	if err != nil || res.Status != purge.StatusPurged {
		t.Fatalf("resume: %s, %v", res.Status, err)
	}
	if got := store.sealed(t, res); !bytes.Equal(got, want) || res.Counts != wantCounts {
		t.Errorf("resumed manifest: %d bytes, counts %+v; want %d bytes, %+v", len(got), res.Counts, len(want), wantCounts)
	}
}

func TestEngine_CheckpointFailureStops(t *testing.T) {
	f := seedFake(300)
	f.delay = 5 * time.Millisecond
	var callsAtFailure int
	cp := &memCheckpointer{onSave: func(int) {}}
	cp.fail = errors.New("conditional check failed")
	opt := fastOptions()
	opt.InitialConcurrency, opt.MaxConcurrency = 2, 2
	e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: failingCheckpointer{cp, f, &callsAtFailure}, Recheck: func(context.Context) error { return nil }, Options: opt}
	_, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), nil)
	if err == nil || !strings.Contains(err.Error(), "save checkpoint") {
		t.Fatalf("err = %v, want the checkpoint failure", err)
	}
	// Calls already admitted finish; no new one starts.
	if got, max := f.deleteCalls-callsAtFailure, opt.MaxConcurrency; got > max {
		t.Errorf("%d DeleteObjects calls after the checkpoint failed, want at most the %d in flight", got, max)
	}
	if f.deleteCalls >= 40 {
		t.Errorf("%d DeleteObjects calls: the purge went on after its checkpoint failed", f.deleteCalls)
	}
}

func TestEngine_RefusesBadJobs(t *testing.T) {
	good := purge.Location{Bucket: fakeBucket, Prefix: "tenants/tenant-1/"}
	for _, tc := range []struct {
		name string
		job  purge.Job
		want string
	}{
		{"NoSlash", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, "tenants/tenant-1"}}, Expected: []purge.Location{{fakeBucket, "tenants/tenant-1"}}}, "does not end in '/'"},
		{"EmptyPrefix", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, ""}}, Expected: []purge.Location{{fakeBucket, ""}}}, "prefix is empty"},
		{"RootSlash", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, "/"}}, Expected: []purge.Location{{fakeBucket, "/"}}}, "starts with '/'"},
		{"DotDot", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, "tenants/../"}}, Expected: []purge.Location{{fakeBucket, "tenants/../"}}}, "'..'"},
		{"Wildcard", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, "tenants/*/"}}, Expected: []purge.Location{{fakeBucket, "tenants/*/"}}}, "wildcard"},
		{"NotExpected", purge.Job{TenantID: "t", Locations: []purge.Location{{fakeBucket, "tenants/"}}, Expected: []purge.Location{good}}, "not exactly one of the registry's"},
		{"OtherBucket", purge.Job{TenantID: "t", Locations: []purge.Location{{"other", good.Prefix}}, Expected: []purge.Location{good}}, "not exactly one of the registry's"},
		{"Overlap", purge.Job{TenantID: "t", Locations: []purge.Location{good, {fakeBucket, "tenants/tenant-1/a/"}}, Expected: []purge.Location{good, {fakeBucket, "tenants/tenant-1/a/"}}}, "overlap"},
		{"NoTenant", purge.Job{Locations: []purge.Location{good}, Expected: []purge.Location{good}}, "no tenant"},
		{"NoLocations", purge.Job{TenantID: "t"}, "no locations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seedFake(5)
			before := len(f.live())
			e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }}
			_, err := e.Apply(context.Background(), tc.job, nil)
			if !errors.Is(err, purge.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Apply err = %v, want ErrRefused mentioning %q", err, tc.want)
			}
			if _, err := e.Plan(context.Background(), tc.job); !errors.Is(err, purge.ErrRefused) {
				t.Errorf("Plan err = %v, want ErrRefused", err)
			}
			if f.deleteCalls != 0 || len(f.live()) != before {
				t.Errorf("refused job deleted something")
			}
		})
	}
	t.Run("CheckpointForAnotherTenant", func(t *testing.T) {
		f := seedFake(5)
		e := &purge.Engine{S3: f, Evidence: &memStore{}, Checkpointer: &memCheckpointer{}, Recheck: func(context.Context) error { return nil }}
		blob, _ := purge.Checkpoint{Version: purge.CheckpointVersion, TenantID: "tenant-2", PurgeID: "p1", Locations: []purge.Location{good}, StartedAt: time.Now(), Phase: purge.PhaseDeleting}.Encode()
		if _, err := e.Apply(context.Background(), fakeJob("tenants/tenant-1/"), blob); !errors.Is(err, purge.ErrRefused) {
			t.Errorf("err = %v, want ErrRefused", err)
		}
	})
}

func TestLimiter_AIMD(t *testing.T) {
	ctx := context.Background()
	l := purge.NewLimiter(4, 8)
	var toks []purge.Token
	for range 4 {
		tok, err := l.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := l.Acquire(short); err == nil {
		t.Fatal("a fifth call was admitted under a limit of 4")
	}
	cancel()
	// Two throttles from the same window halve the limit once.
	l.Release(toks[0], purge.Throttled)
	l.Release(toks[1], purge.Throttled)
	if got, _, dec := l.Stats(); got != 2 || dec != 1 {
		t.Errorf("after a burst of throttles: limit %d decreases %d, want 2 and 1", got, dec)
	}
	l.Release(toks[2], purge.Success)
	l.Release(toks[3], purge.Neutral)
	if got, _, _ := l.Stats(); got != 3 {
		t.Errorf("after a success: limit %d, want 3", got)
	}
	for range 10 {
		tok, _ := l.Acquire(ctx)
		l.Release(tok, purge.Success)
	}
	if got, peak, _ := l.Stats(); got != 8 || peak != 8 {
		t.Errorf("after many successes: limit %d peak %d, want the maximum 8", got, peak)
	}
	for range 5 {
		tok, _ := l.Acquire(ctx)
		l.Release(tok, purge.Throttled)
	}
	if got, _, _ := l.Stats(); got != 1 {
		t.Errorf("after repeated throttling: limit %d, want the floor 1", got)
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	good, _ := purge.Checkpoint{Version: purge.CheckpointVersion, TenantID: "t", PurgeID: "p1", Attempt: "a1", Parts: 3, Replay: &purge.Replay{Attempt: "a0", Next: 2, Last: 4, By: []string{"a9"}},
		Locations: []purge.Location{{"b", "p/"}}, Shard: &purge.Shard{Name: "s1", After: "p/a", Upto: "p/m"}, StartedAt: time.Unix(1, 0), Phase: purge.PhaseDeleting, KeyMarker: "p/a\x01",
		Index: purge.IndexState{Segments: 1, Parts: 32, Lines: 90, Pending: []purge.IndexEntry{{Key: "k", Lines: 3, SHA256: strings.Repeat("0", 64)}}}}.Encode()
	f.Add(good)
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":2,"tenant_id":"t","purge_id":"p","locations":[{"bucket":"b","prefix":"p/"}],"started_at":"2026-01-01T00:00:00Z","phase":"deleting","hash_state":"AAAA","index":{"segments":0,"parts":0,"lines":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := purge.DecodeCheckpoint(b)
		if err != nil {
			return
		}
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("decoded checkpoint does not encode: %v", err)
		}
		if _, err := purge.DecodeCheckpoint(again); err != nil {
			t.Fatalf("re-encoded checkpoint does not decode: %v", err)
		}
	})
}

// failingCheckpointer records how many DeleteObjects calls had started when
// its save failed.
type failingCheckpointer struct {
	*memCheckpointer
	f     *fakeS3
	calls *int
}

func (c failingCheckpointer) Save(ctx context.Context, blob []byte) error {
	c.f.mu.Lock()
	*c.calls = c.f.deleteCalls
	c.f.mu.Unlock()
	return c.memCheckpointer.Save(ctx, blob)
}
