package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/metrics"
)

type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

func lines(t *testing.T, b *bytes.Buffer) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	s := bufio.NewScanner(b)
	for s.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(s.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %s", s.Bytes())
		}
		out = append(out, m)
	}
	return out
}

func TestRecorder_Flush_EMF(t *testing.T) {
	var b bytes.Buffer
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	r := metrics.New(&b, map[string]string{"Function": "snapshot-rotator"}, func() time.Time { return now })
	r.Put("SnapshotsCreated", 1, metrics.Count, map[string]string{"Target": "db-1"})
	r.Put("SnapshotsDeleted", 3, metrics.Count, map[string]string{"Target": "db-1"})
	r.Put("SnapshotsCreated", 1, metrics.Count, map[string]string{"Target": "db-2"})
	r.Put("SnapshotsCreated", 2, metrics.Count, map[string]string{"Target": "db-2"})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	ls := lines(t, &b)
	if len(ls) != 2 {
		t.Fatalf("want one line per dimension set (2), got %d: %s", len(ls), b.String())
	}
	var meta emfLine
	raw, _ := json.Marshal(ls[0])
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	d := meta.AWS.CloudWatchMetrics[0]
	if meta.AWS.Timestamp != now.UnixMilli() || d.Namespace != "Pledge" {
		t.Errorf("metadata = %+v", meta.AWS)
	}
	if got := fmt.Sprint(d.Dimensions); got != "[[Function Target]]" {
		t.Errorf("dimensions = %s", got)
	}
	if got := fmt.Sprint(d.Metrics); got != "[{SnapshotsCreated Count} {SnapshotsDeleted Count}]" {
		t.Errorf("metrics = %s", got)
	}
	if string(ls[0]["Target"]) != `"db-1"` || string(ls[0]["SnapshotsDeleted"]) != "3" {
		t.Errorf("line 1 = %s", raw)
	}
	if string(ls[1]["SnapshotsCreated"]) != "[1,2]" {
		t.Errorf("repeated values should form an array, got %s", ls[1]["SnapshotsCreated"])
	}
	b.Reset()
	if err := r.Flush(); err != nil || b.Len() != 0 {
		t.Errorf("second flush wrote %q, %v; want nothing", b.String(), err)
	}
}

func TestRecorder_Flush_SplitsAt100(t *testing.T) {
	var b bytes.Buffer
	r := metrics.New(&b, nil, time.Now)
	for i := range 150 {
		r.Put(fmt.Sprintf("M%d", i), float64(i), metrics.None, nil)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := len(lines(t, &b)); got != 2 {
		t.Errorf("150 metrics in %d lines, want 2 (EMF allows 100 per directive)", got)
	}
}
