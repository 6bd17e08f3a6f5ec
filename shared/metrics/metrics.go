package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every Pledge metric.
const Namespace = "Pledge"

// Unit is a CloudWatch metric unit.
type Unit string

// Units Pledge uses.
const (
	Count        Unit = "Count"
	Seconds      Unit = "Seconds"
	Milliseconds Unit = "Milliseconds"
	Bytes        Unit = "Bytes"
	None         Unit = "None"
)

// maxPerLine is EMF's limit of metrics in one directive.
const maxPerLine = 100

// Recorder collects metric values and writes them as EMF lines.
type Recorder struct {
	w    io.Writer
	base map[string]string
	now  func() time.Time

	mu     sync.Mutex
	groups map[string]*group
	order  []string
}

type group struct {
	dims   map[string]string
	names  []string
	units  map[string]Unit
	values map[string][]float64
}

// New returns a Recorder writing to w. base dimensions (for example
// {"Function": "snapshot-rotator"}) are added to every metric.
func New(w io.Writer, base map[string]string, now func() time.Time) *Recorder {
	return &Recorder{w: w, base: base, now: now, groups: map[string]*group{}}
}

// Put records one value. dims are added to the base dimensions; values
// recorded more than once with the same name and dimensions are written as
// an EMF value array.
func (r *Recorder) Put(name string, value float64, unit Unit, dims map[string]string) {
	all := maps.Clone(r.base)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, dims)
	keys := slices.Sorted(maps.Keys(all))
	var id strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&id, "%s=%s;", k, all[k])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.groups[id.String()]
	if !ok {
		g = &group{dims: all, units: map[string]Unit{}, values: map[string][]float64{}}
		r.groups[id.String()] = g
		r.order = append(r.order, id.String())
	}
	if _, seen := g.values[name]; !seen {
		g.names = append(g.names, name)
	}
	g.units[name] = unit
	g.values[name] = append(g.values[name], value)
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []metricMeta `json:"Metrics"`
}

type metricMeta struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// Flush writes every recorded value and forgets them.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	groups, order := r.groups, r.order
	r.groups, r.order = map[string]*group{}, nil
	r.mu.Unlock()
	ts := r.now().UnixMilli()
	for _, id := range order {
		g := groups[id]
		dimKeys := slices.Sorted(maps.Keys(g.dims))
		for start := 0; start < len(g.names); start += maxPerLine {
			names := g.names[start:min(start+maxPerLine, len(g.names))]
			line := map[string]any{}
			for k, v := range g.dims {
				line[k] = v
			}
			d := directive{Namespace: Namespace, Dimensions: [][]string{dimKeys}}
			for _, n := range names {
				d.Metrics = append(d.Metrics, metricMeta{Name: n, Unit: g.units[n]})
				if vs := g.values[n]; len(vs) == 1 {
					line[n] = vs[0]
				} else {
					line[n] = vs
				}
			}
			line["_aws"] = map[string]any{"Timestamp": ts, "CloudWatchMetrics": []directive{d}}
			b, err := json.Marshal(line)
			if err != nil {
				return fmt.Errorf("encode metrics: %w", err)
			}
			if _, err := r.w.Write(append(b, '\n')); err != nil {
				return fmt.Errorf("write metrics: %w", err)
			}
		}
	}
	return nil
}
