package purge_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/purge"
)

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
