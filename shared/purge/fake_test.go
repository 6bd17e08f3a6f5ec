package purge_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/purge"
)

// fakeVersion is one version or delete marker in fakeS3.
type fakeVersion struct {
	key, id  string
	marker   bool
	size     int64
	modified time.Time
	gone     bool
	// retainUntil and hold model Object Lock.
	retainUntil time.Time
	hold        bool
}

// fakeS3 is an in-memory versioned bucket with S3's listing order (key
// ascending, newest version first) and markers that stay valid after the
// versions they name are deleted.
type fakeS3 struct {
	purge.S3API
	mu       sync.Mutex
	bucket   string
	vs       []*fakeVersion // listing order, deleted ones kept as tombstones
	idx      map[string]*fakeVersion
	lockable bool
	// keyError returns the per-key error code DeleteObjects answers for a
	// version on the given attempt (1-based), or "".
	keyError func(key, id string, attempt int) string
	// requestError fails a whole DeleteObjects call (n is 1-based).
	requestError func(n int) error
	attempts     map[string]int
	deleteCalls  int
	// singleDeletes counts DeleteObject calls.
	singleDeletes int
	inFlight      int
	maxInFlight   int
	delay         time.Duration
	// ignorePrefix lists the whole bucket whatever the request's Prefix,
	// as a misbehaving endpoint might.
	ignorePrefix bool
	// splice, if set, may change a listing page before it is returned
	// (n counts ListObjectVersions calls, 1-based).
	splice    func(n int, in *s3.ListObjectVersionsInput, out *s3.ListObjectVersionsOutput)
	listCalls int
}

func newFakeS3(bucket string) *fakeS3 {
	return &fakeS3{bucket: bucket, attempts: map[string]int{}}
}

// add appends versions of key, newest first, with ids derived from the key
// so two fakes built the same way are identical.
func (f *fakeS3) add(key string, n int, marker bool, size int64) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if marker {
		// The delete marker is the newest, so S3 lists it first.
		f.vs = append(f.vs, &fakeVersion{key: key, id: "dm-" + key, marker: true, modified: base.Add(time.Hour)})
	}
	for i := range n {
		f.vs = append(f.vs, &fakeVersion{key: key, id: fmt.Sprintf("v%d-%s", n-i, key), size: size, modified: base.Add(time.Duration(n-i) * time.Minute)})
	}
}

// index puts the versions in listing order; call it after the last add.
func (f *fakeS3) index() *fakeS3 {
	slices.SortStableFunc(f.vs, func(a, b *fakeVersion) int { return strings.Compare(a.key, b.key) })
	f.idx = map[string]*fakeVersion{}
	for _, v := range f.vs {
		f.idx[v.key+"\x00"+v.id] = v
	}
	return f
}

func (f *fakeS3) live() []*fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fakeVersion
	for _, v := range f.vs {
		if !v.gone {
			out = append(out, v)
		}
	}
	return out
}

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: code + " (fake)"} }

func (f *fakeS3) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Bucket) != f.bucket {
		return nil, apiErr("NoSuchBucket")
	}
	start := 0
	if km := aws.ToString(in.KeyMarker); km != "" {
		vm := aws.ToString(in.VersionIdMarker)
		start = len(f.vs)
		for i, v := range f.vs {
			if (vm == "" && v.key > km) || (vm != "" && v.key == km && v.id == vm) {
				start = i
				if vm != "" {
					start = i + 1
				}
				break
			}
			if vm != "" && v.key > km {
				start = i
				break
			}
		}
	}
	max := int(aws.ToInt32(in.MaxKeys))
	if max == 0 {
		max = 1000
	}
	out := &s3.ListObjectVersionsOutput{IsTruncated: aws.Bool(false)}
	n := 0
	var last *fakeVersion
	lastCP := ""
	for i := start; i < len(f.vs); i++ {
		v := f.vs[i]
		if v.gone || (!f.ignorePrefix && !strings.HasPrefix(v.key, aws.ToString(in.Prefix))) {
			continue
		}
		if d := aws.ToString(in.Delimiter); d != "" {
			rest := strings.TrimPrefix(v.key, aws.ToString(in.Prefix))
			if j := strings.Index(rest, d); j >= 0 {
				cp := aws.ToString(in.Prefix) + rest[:j+len(d)]
				if cp == lastCP || cp <= aws.ToString(in.KeyMarker) {
					continue
				}
				if n == max {
					out.IsTruncated = aws.Bool(true)
					out.NextKeyMarker = aws.String(lastCP)
					break
				}
				lastCP = cp
				out.CommonPrefixes = append(out.CommonPrefixes, s3types.CommonPrefix{Prefix: aws.String(cp)})
				n++
				continue
			}
		}
		if n == max {
			out.IsTruncated = aws.Bool(true)
			out.NextKeyMarker, out.NextVersionIdMarker = aws.String(last.key), aws.String(last.id)
			break
		}
		key := v.key
		if in.EncodingType == s3types.EncodingTypeUrl {
			key = url.QueryEscape(key)
		}
		if v.marker {
			out.DeleteMarkers = append(out.DeleteMarkers, s3types.DeleteMarkerEntry{Key: aws.String(key), VersionId: aws.String(v.id), LastModified: aws.Time(v.modified)})
		} else {
			out.Versions = append(out.Versions, s3types.ObjectVersion{Key: aws.String(key), VersionId: aws.String(v.id), LastModified: aws.Time(v.modified), Size: aws.Int64(v.size)})
		}
		last = v
		n++
	}
	if in.EncodingType == s3types.EncodingTypeUrl {
		out.EncodingType = s3types.EncodingTypeUrl
		for i := range out.CommonPrefixes {
			out.CommonPrefixes[i].Prefix = aws.String(url.QueryEscape(*out.CommonPrefixes[i].Prefix))
		}
		if out.NextKeyMarker != nil {
			out.NextKeyMarker = aws.String(url.QueryEscape(*out.NextKeyMarker))
		}
	} else {
		for _, v := range f.vs {
			if !v.gone && strings.HasPrefix(v.key, aws.ToString(in.Prefix)) && !xmlSafeText(v.key) {
				return nil, fmt.Errorf("fake: deserialization failed: XML syntax error: illegal character code in key %q", v.key)
			}
		}
	}
	f.listCalls++
	if f.splice != nil {
		f.splice(f.listCalls, in, out)
	}
	return out, nil
}

// versionsUnder returns the live versions under prefix as a listing page
// would carry them.
func (f *fakeS3) versionsUnder(prefix string) (vs []s3types.ObjectVersion, ms []s3types.DeleteMarkerEntry) {
	for _, v := range f.vs {
		if v.gone || !strings.HasPrefix(v.key, prefix) {
			continue
		}
		if v.marker {
			ms = append(ms, s3types.DeleteMarkerEntry{Key: aws.String(v.key), VersionId: aws.String(v.id), LastModified: aws.Time(v.modified)})
		} else {
			vs = append(vs, s3types.ObjectVersion{Key: aws.String(v.key), VersionId: aws.String(v.id), LastModified: aws.Time(v.modified), Size: aws.Int64(v.size)})
		}
	}
	return vs, ms
}

func (f *fakeS3) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	var o s3.Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.RetryMaxAttempts != 1 {
		return nil, fmt.Errorf("fake: DeleteObjects called with the SDK retryer on (RetryMaxAttempts=%d)", o.RetryMaxAttempts)
	}
	if in.BypassGovernanceRetention != nil {
		return nil, fmt.Errorf("fake: BypassGovernanceRetention sent")
	}
	f.mu.Lock()
	f.deleteCalls++
	n := f.deleteCalls
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.requestError != nil {
		if err := f.requestError(n); err != nil {
			return nil, err
		}
	}
	if len(in.Delete.Objects) > 1000 {
		return nil, apiErr("MalformedXML")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &s3.DeleteObjectsOutput{}
	for _, obj := range in.Delete.Objects {
		// The request body is XML: the SDK turns characters XML 1.0
		// cannot carry into U+FFFD, so S3 reads another key.
		k, id := xmlBody(aws.ToString(obj.Key)), aws.ToString(obj.VersionId)
		if code := f.deleteLocked(k, id); code != "" {
			out.Errors = append(out.Errors, s3types.Error{Key: aws.String(k), VersionId: aws.String(id), Code: aws.String(code), Message: aws.String("fake " + code)})
			continue
		}
		if !aws.ToBool(in.Delete.Quiet) {
			out.Deleted = append(out.Deleted, s3types.DeletedObject{Key: aws.String(k), VersionId: aws.String(id)})
		}
	}
	return out, nil
}

// xmlSafeText reports whether s can appear in an XML 1.0 response.
func xmlSafeText(s string) bool { return xmlBody(s) == s }

// xmlBody is what becomes of s in an XML request body written by the SDK.
func xmlBody(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			return r
		}
		return 0xFFFD
	}, s)
}

// deleteLocked deletes one version as S3 would (a version that does not
// exist is a success) and returns the per-key error code, if any.
func (f *fakeS3) deleteLocked(k, id string) string {
	f.attempts[k+"\x00"+id]++
	v := f.idx[k+"\x00"+id]
	if v != nil && v.gone {
		v = nil
	}
	code := ""
	if f.keyError != nil {
		code = f.keyError(k, id, f.attempts[k+"\x00"+id])
	}
	if code == "" && v != nil && (v.hold || v.retainUntil.After(time.Now())) {
		code = "AccessDenied"
	}
	if code == "NoSuchVersion" && v != nil {
		v.gone = true // someone else deleted it first
	}
	if code == "" && v != nil {
		v.gone = true
	}
	return code
}

func (f *fakeS3) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	var o s3.Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.RetryMaxAttempts != 1 {
		return nil, fmt.Errorf("fake: DeleteObject called with the SDK retryer on (RetryMaxAttempts=%d)", o.RetryMaxAttempts)
	}
	if in.VersionId == nil {
		return nil, fmt.Errorf("fake: DeleteObject without a version id would only add a delete marker")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.singleDeletes++
	if code := f.deleteLocked(aws.ToString(in.Key), aws.ToString(in.VersionId)); code != "" {
		return nil, apiErr(code)
	}
	return &s3.DeleteObjectOutput{}, nil
}

func (f *fakeS3) find(k, id string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v := f.idx[k+"\x00"+id]; v != nil && !v.gone {
		return v
	}
	return nil
}

func (f *fakeS3) GetObjectRetention(ctx context.Context, in *s3.GetObjectRetentionInput, _ ...func(*s3.Options)) (*s3.GetObjectRetentionOutput, error) {
	v := f.find(aws.ToString(in.Key), aws.ToString(in.VersionId))
	if v == nil {
		return nil, apiErr("NoSuchVersion")
	}
	if v.retainUntil.IsZero() {
		return nil, apiErr("NoSuchObjectLockConfiguration")
	}
	return &s3.GetObjectRetentionOutput{Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(v.retainUntil)}}, nil
}

func (f *fakeS3) GetObjectLegalHold(ctx context.Context, in *s3.GetObjectLegalHoldInput, _ ...func(*s3.Options)) (*s3.GetObjectLegalHoldOutput, error) {
	v := f.find(aws.ToString(in.Key), aws.ToString(in.VersionId))
	if v == nil {
		return nil, apiErr("NoSuchVersion")
	}
	st := s3types.ObjectLockLegalHoldStatusOff
	if v.hold {
		st = s3types.ObjectLockLegalHoldStatusOn
	}
	return &s3.GetObjectLegalHoldOutput{LegalHold: &s3types.ObjectLockLegalHold{Status: st}}, nil
}

func (f *fakeS3) GetObjectLockConfiguration(ctx context.Context, in *s3.GetObjectLockConfigurationInput, _ ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error) {
	if !f.lockable {
		return nil, apiErr("ObjectLockConfigurationNotFoundError")
	}
	return &s3.GetObjectLockConfigurationOutput{ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}}, nil
}

// memStore is a write-once evidence store in memory.
type memStore struct {
	mu    sync.Mutex
	objs  map[string][]byte
	keys  []string
	types map[string]string
	// hook, if set, runs before each call (get is false for a put) and
	// may fail it.
	hook func(get bool, key string) error
}

func (m *memStore) PutObject(ctx context.Context, key, contentType string, body []byte) error {
	if m.hook != nil {
		if err := m.hook(false, key); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.objs == nil {
		m.objs, m.types = map[string][]byte{}, map[string]string{}
	}
	if _, ok := m.objs[key]; ok {
		return fmt.Errorf("evidence %s: %w", key, evidence.ErrExists)
	}
	m.objs[key] = bytes.Clone(body)
	m.types[key] = contentType
	m.keys = append(m.keys, key)
	return nil
}

func (m *memStore) GetObject(ctx context.Context, key string) ([]byte, error) {
	if m.hook != nil {
		if err := m.hook(true, key); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return nil, fmt.Errorf("evidence %s: %w", key, evidence.ErrNotFound)
	}
	return bytes.Clone(b), nil
}

// sealed seals the result's manifest (purge.Seal) and returns its lines as
// read back from the parts the stored index lists, checking that the
// sealed digest is the one the purge reported.
func (m *memStore) sealed(t *testing.T, res purge.Result) []byte {
	t.Helper()
	s, err := purge.Seal(context.Background(), m, []purge.Indexed{{Layout: res.Layout, Segments: res.Index.Segments}})
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if s.SHA256 != res.ManifestSHA256 {
		t.Errorf("stored manifest hashes to %s, the purge reported %s", s.SHA256, res.ManifestSHA256)
	}
	return m.readManifest(t, s.IndexKey)
}

// readManifest follows a stored index: the lines of every part it lists
// that is not superseded, in order, from one gzip stream of the parts
// concatenated, as an auditor would read them.
func (m *memStore) readManifest(t *testing.T, indexKey string) []byte {
	t.Helper()
	m.mu.Lock()
	index := m.objs[indexKey]
	var all bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSuffix(index, []byte("\n")), []byte("\n")) {
		var e purge.IndexEntry
		if err := json.Unmarshal(line, &e); err != nil {
			m.mu.Unlock()
			t.Fatalf("index line %q: %v", line, err)
		}
		if e.Superseded != "" {
			continue
		}
		b, ok := m.objs[e.Key]
		if !ok {
			m.mu.Unlock()
			t.Fatalf("manifest part %s was not stored", e.Key)
		}
		all.Write(b)
	}
	m.mu.Unlock()
	if all.Len() == 0 {
		return nil
	}
	zr, err := gzip.NewReader(&all)
	if err != nil {
		t.Fatalf("manifest parts do not form a gzip stream: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompress manifest: %v", err)
	}
	return out
}

// memCheckpointer keeps the last checkpoint; onSave runs after each save.
type memCheckpointer struct {
	mu     sync.Mutex
	last   []byte
	saves  int
	onSave func(n int)
	fail   error
}

func (c *memCheckpointer) Save(ctx context.Context, blob []byte) error {
	c.mu.Lock()
	if c.fail != nil {
		c.mu.Unlock()
		return c.fail
	}
	c.last = bytes.Clone(blob)
	c.saves++
	n, f := c.saves, c.onSave
	c.mu.Unlock()
	if f != nil {
		f(n)
	}
	return nil
}

// clock is a settable clock that otherwise follows real time.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) jumpTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

var errReinstated = errors.New("tenant was reinstated")

// committedLines returns the manifest lines a result's checkpoint has
// committed so far (index segments written, then entries pending), read
// back from the stored parts.
func committedLines(t *testing.T, m *memStore, res purge.Result) []byte {
	t.Helper()
	st, err := purge.DecodeCheckpoint(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	var entries []purge.IndexEntry
	for n := 1; n <= st.Index.Segments; n++ {
		b, err := m.GetObject(context.Background(), res.Layout.Segment(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			var e purge.IndexEntry
			if err := json.Unmarshal(line, &e); err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
	}
	entries = append(entries, st.Index.Pending...)
	var out []byte
	for _, e := range entries {
		if e.Superseded != "" {
			continue
		}
		gz, err := m.GetObject(context.Background(), e.Key)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(zr)
		out = append(out, b...)
	}
	return out
}
