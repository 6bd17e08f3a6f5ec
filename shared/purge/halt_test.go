package purge_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purge"
)

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

// failingCheckpointer records how many DeleteObjects calls had started when
// its save failed.
type failingCheckpointer struct {
	*memCheckpointer
	f     *fakeS3
	calls *int
}
