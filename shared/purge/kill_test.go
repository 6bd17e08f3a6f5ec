package purge_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purge"
)

// killer stands for SIGKILL at the at-th call the process makes to the
// outside world (S3, the evidence store, the checkpointer): from then on
// nothing the process asks for takes effect. The killing call itself may
// land: at once (its request reached the server as the process died), or
// late (the server finishes it after the next process is done), or not.
type killer struct {
	mu       sync.Mutex
	n, at    int
	land     landing
	dead     bool
	killed   chan struct{}
	released chan struct{}
	late     func()
	log      []string
}

type landing int

const (
	lost landing = iota
	lands
	landsLate
)

func (l landing) String() string { return [...]string{"lost", "lands", "lands-late"}[l] }

var errKilled = errors.New("killed")

func newKiller(at int, land landing) *killer {
	return &killer{at: at, land: land, killed: make(chan struct{}), released: make(chan struct{})}
}

// do runs effect unless the process is dead, and kills it at the at-th
// call. A dead process's calls never return until release.
func (k *killer) do(what string, effect func()) bool {
	k.mu.Lock()
	if k.dead {
		k.mu.Unlock()
		<-k.released
		return false
	}
	k.n++
	k.log = append(k.log, what)
	if k.n == k.at {
		k.dead = true
		switch k.land {
		case lands:
			effect()
		case landsLate:
			k.late = effect
		}
		close(k.killed)
		k.mu.Unlock()
		<-k.released
		return false
	}
	k.mu.Unlock()
	effect()
	return true
}

// release lets a late request land, then lets the dead process's calls
// return.
func (k *killer) release() {
	if k.late != nil {
		k.late()
	}
	close(k.released)
}

type killS3 struct {
	purge.S3API
	k *killer
}

func (s killS3) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, o ...func(*s3.Options)) (out *s3.ListObjectVersionsOutput, err error) {
	if !s.k.do("list", func() { out, err = s.S3API.ListObjectVersions(ctx, in, o...) }) {
		return nil, errKilled
	}
	return out, err
}

func (s killS3) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (out *s3.DeleteObjectsOutput, err error) {
	if !s.k.do("delete", func() { out, err = s.S3API.DeleteObjects(ctx, in, o...) }) {
		return nil, errKilled
	}
	return out, err
}

func (s killS3) GetObjectRetention(ctx context.Context, in *s3.GetObjectRetentionInput, o ...func(*s3.Options)) (out *s3.GetObjectRetentionOutput, err error) {
	if !s.k.do("retention", func() { out, err = s.S3API.GetObjectRetention(ctx, in, o...) }) {
		return nil, errKilled
	}
	return out, err
}

type killStore struct {
	m *memStore
	k *killer
}

func (s killStore) PutObject(ctx context.Context, key, ct string, body []byte) (err error) {
	if !s.k.do("put "+key, func() { err = s.m.PutObject(ctx, key, ct, body) }) {
		return errKilled
	}
	return err
}

func (s killStore) GetObject(ctx context.Context, key string) (b []byte, err error) {
	if !s.k.do("get "+key, func() { b, err = s.m.GetObject(ctx, key) }) {
		return nil, errKilled
	}
	return b, err
}

type killCheckpoints struct {
	c *memCheckpointer
	k *killer
}

func (s killCheckpoints) Save(ctx context.Context, blob []byte) (err error) {
	if !s.k.do("checkpoint", func() { err = s.c.Save(ctx, blob) }) {
		return errKilled
	}
	return err
}

// world is what survives a kill: the bucket, the evidence and the last
// checkpoint saved.
type killWorld struct {
	f     *fakeS3
	store *memStore
	cp    *memCheckpointer
	// shard, if set, is the part of the prefix purged.
	shard *purge.Shard
}

// killShard is the middle of three shards of seedFake(70)'s tenant-1.
var killShard = &purge.Shard{Name: "s2", After: "tenants/tenant-1/k00020", Upto: "tenants/tenant-1/k00050"}

func newKillWorld(held bool) *killWorld {
	f := seedFake(70)
	if held {
		f.lockable = true
		for _, v := range f.vs {
			if !v.marker && (v.key == "tenants/tenant-1/k00007" || v.key == "tenants/tenant-1/k00033") {
				v.hold = true
			}
		}
	}
	return &killWorld{f: f, store: &memStore{}, cp: &memCheckpointer{}}
}

// attempt runs one process: Apply until the purge is done, then Seal, as
// the purger does; with k, it may be killed on the way. It returns
// whether the process got to the end, and the seal.
func (w *killWorld) attempt(t *testing.T, k *killer) (bool, purge.Result, purge.Sealed) {
	t.Helper()
	opt := fastOptions()
	opt.PageSize, opt.InitialConcurrency, opt.MaxConcurrency = 20, 2, 3
	var s3api purge.S3API = w.f
	var store purge.EvidenceStore = w.store
	var cp purge.Checkpointer = w.cp
	if k != nil {
		s3api, store, cp = killS3{w.f, k}, killStore{w.store, k}, killCheckpoints{w.cp, k}
	}
	type outcome struct {
		res    purge.Result
		sealed purge.Sealed
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		e := &purge.Engine{S3: s3api, Evidence: store, Checkpointer: cp, Recheck: func(context.Context) error { return nil }, Options: opt}
		blob := w.cp.last
		job := fakeJob("tenants/tenant-1/")
		if w.shard != nil {
			job.PurgeID, job.Shard = "p1", w.shard
		}
		for range 5 {
			res, err := e.Apply(context.Background(), job, blob)
			if err != nil {
				done <- outcome{res: res, err: err}
				return
			}
			if res.Status == purge.StatusPurged {
				s, err := purge.Seal(context.Background(), store, []purge.Indexed{{Layout: res.Layout, Segments: res.Index.Segments}})
				done <- outcome{res, s, err}
				return
			}
			blob = res.Checkpoint
		}
		done <- outcome{err: errors.New("not purged in 5 rounds")}
	}()
	var killed <-chan struct{}
	if k != nil {
		killed = k.killed
	}
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatalf("process ended with %v", o.err)
		}
		return true, o.res, o.sealed
	case <-killed:
		return false, purge.Result{}, purge.Sealed{}
	case <-time.After(20 * time.Second):
		t.Fatal("process hung")
	}
	return false, purge.Result{}, purge.Sealed{}
}

// TestEngine_KilledAnywhere kills the process at every call it makes to
// the outside world, once or twice in a row, with the killing request
// landing or not, and resumes each time. Whatever the point: the prefix
// ends empty, neighbours are intact, the sealed manifest is byte for byte
// the one an uninterrupted purge of an identical copy writes, and every
// part stored is in the index (adopted or superseded).
func TestEngine_KilledAnywhere(t *testing.T) {
	for _, variant := range []struct {
		held  bool
		shard *purge.Shard
	}{{false, nil}, {true, nil}, {false, killShard}} {
		held := variant.held
		world := func() *killWorld { w := newKillWorld(held); w.shard = variant.shard; return w }
		ref := world()
		want, wantCounts := expectedLines(ref.f, "tenants/tenant-1/")
		if held || variant.shard != nil {
			// Held versions are not deleted, so not in the manifest;
			// a shard's manifest holds its range only.
			want, wantCounts = nil, purge.Counts{}
			last := ""
			for _, v := range ref.f.live() {
				if !strings.HasPrefix(v.key, "tenants/tenant-1/") || v.hold || (variant.shard != nil && !variant.shard.Contains(v.key)) {
					continue
				}
				want, _ = purge.AppendManifestLine(want, purge.ManifestLine{Bucket: fakeBucket, Key: v.key, VersionID: v.id, IsDeleteMarker: v.marker, Size: v.size, LastModified: v.modified.UTC().Format(time.RFC3339Nano)})
				if v.key != last {
					wantCounts.Objects++
					last = v.key
				}
				if v.marker {
					wantCounts.DeleteMarkers++
				} else {
					wantCounts.Versions++
					wantCounts.Bytes += v.size
				}
			}
		}
		count := newKiller(0, lost)
		if ok, res, sealed := ref.attempt(t, count); !ok || sealed.SHA256 != purge.ManifestDigest(want) || res.Counts != wantCounts {
			t.Fatalf("held=%v shard=%v: uninterrupted purge: ok %v, sealed %+v, counts %+v; want digest %s, %+v", held, variant.shard != nil, ok, sealed, res.Counts, purge.ManifestDigest(want), wantCounts)
		}
		count.release()
		calls := count.n
		if calls < 25 {
			t.Fatalf("only %d calls: the test proves little", calls)
		}
		type kill struct {
			at   []int
			land landing
		}
		var kills []kill
		for at := 1; at <= calls; at++ {
			if variant.shard != nil {
				kills = append(kills, kill{[]int{at}, landsLate})
				continue
			}
			kills = append(kills, kill{[]int{at}, lands}, kill{[]int{at}, lost}, kill{[]int{at}, landsLate})
			if at%4 == 0 {
				for second := 1; second <= 12; second += 3 {
					kills = append(kills, kill{[]int{at, second}, lands})
				}
			}
		}
		fenced := 0
		for _, kl := range kills {
			name := fmt.Sprintf("held=%v/shard=%v/kill%v/land=%v", held, variant.shard != nil, kl.at, kl.land)
			w := world()
			before := neighbours(w.f, "tenants/tenant-1/")
			var killers []*killer
			for _, at := range kl.at {
				k := newKiller(at, kl.land)
				killers = append(killers, k)
				if ok, _, _ := w.attempt(t, k); ok {
					break
				}
			}
			ok, res, sealed := w.attempt(t, nil)
			// Late requests land now, after the purge is sealed.
			for _, k := range killers {
				k.release()
			}
			if !ok {
				t.Fatalf("%s: the resumed process did not finish", name)
			}
			if slices.ContainsFunc(w.store.keys, func(k string) bool { return bytes.Equal(w.store.objs[k], emptyGzip) }) {
				fenced++
			}
			if got := w.store.readManifest(t, sealed.IndexKey); !bytes.Equal(got, want) {
				t.Fatalf("%s: manifest differs from the uninterrupted one:\n got %d lines\nwant %d lines", name, bytes.Count(got, []byte("\n")), bytes.Count(want, []byte("\n")))
			}
			if sealed.SHA256 != purge.ManifestDigest(want) || res.ManifestSHA256 != sealed.SHA256 {
				t.Errorf("%s: digest %s (engine %s), want %s", name, sealed.SHA256, res.ManifestSHA256, purge.ManifestDigest(want))
			}
			if res.Counts != wantCounts {
				t.Errorf("%s: counts %+v, want %+v", name, res.Counts, wantCounts)
			}
			for _, v := range w.f.live() {
				if strings.HasPrefix(v.key, "tenants/tenant-1/") && !v.hold && (w.shard == nil || w.shard.Contains(v.key)) {
					t.Errorf("%s: %s %s left", name, v.key, v.id)
				}
			}
			if after := neighbours(w.f, "tenants/tenant-1/"); !slices.Equal(after, before) {
				t.Errorf("%s: neighbours changed", name)
			}
			if w.shard != nil {
				for _, v := range ref.f.vs {
					if strings.HasPrefix(v.key, "tenants/tenant-1/") && !w.shard.Contains(v.key) && w.f.find(v.key, v.id) == nil {
						t.Errorf("%s: %s, outside the shard, was deleted", name, v.key)
					}
				}
			}
			// Every part stored is in the index, and hashes to its entry.
			index := w.store.objs[sealed.IndexKey]
			listed := map[string]bool{}
			for _, line := range bytes.Split(bytes.TrimSpace(index), []byte("\n")) {
				var e purge.IndexEntry
				if err := json.Unmarshal(line, &e); err != nil {
					t.Fatal(err)
				}
				listed[e.Key] = true
				lines, err := gunzip(w.store.objs[e.Key])
				if sum := sha256.Sum256(lines); err != nil || hex.EncodeToString(sum[:]) != e.SHA256 {
					t.Errorf("%s: %s does not hash to its index entry (%v)", name, e.Key, err)
				}
			}
			for _, k := range w.store.keys {
				if strings.Contains(k, "/parts/") && !listed[k] {
					t.Errorf("%s: part %s is stored but not in the index", name, k)
				}
			}
			if held && len(res.Locked) != 3 {
				t.Errorf("%s: %d versions reported retained, want the 3 held ones", name, len(res.Locked))
			}
		}
		t.Logf("held=%v shard=%v: %d calls in an uninterrupted purge, %d kill scenarios, %d left a fence", held, variant.shard != nil, calls, len(kills), fenced)
	}
}

// emptyGzip is a gzip member of no data, what the engine stores as a fence.
var emptyGzip = func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Close()
	return buf.Bytes()
}()

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
