package purger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// idleRegistry has no tenant due and none upcoming (or fails to list
// them, with err); any other call fails loudly through the nil embedded
// interface.
type idleRegistry struct {
	purger.Registry
	err error
}

func (r idleRegistry) Due(context.Context, time.Time) ([]tenant.Tenant, error) { return nil, r.err }
func (idleRegistry) Upcoming(context.Context, time.Time, int) ([]tenant.Tenant, error) {
	return nil, nil
}

type recorded struct {
	name  string
	value float64
}

type metricsRecorder struct{ got []recorded }

func (m *metricsRecorder) Put(name string, v float64, _ metrics.Unit, _ map[string]string) {
	m.got = append(m.got, recorded{name, v})
}
func (m *metricsRecorder) Flush() error { return nil }

// TestHandleSweep_ReportsDeadlineMetricWithNothingDue: the deadline alarm
// treats missing data as breaching, so a sweep with nothing due still
// reports the metric, as the bound DeadlineDays.
func TestHandleSweep_ReportsDeadlineMetricWithNothingDue(t *testing.T) {
	m := &metricsRecorder{}
	p := &purger.Purger{Registry: idleRegistry{}, Metrics: m, DryRun: true, Tenants: config.Tenants{DeadlineDays: 30},
		Now: func() time.Time { return time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC) }}
	if _, err := p.HandleSweep(context.Background(), []byte(`{"time":"2026-12-01T18:00:00Z"}`)); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range m.got {
		if r.name == "PurgeDeadlineDaysLeftMin" {
			found = true
			if r.value != 30 {
				t.Errorf("PurgeDeadlineDaysLeftMin = %v, want the bound 30", r.value)
			}
		}
	}
	if !found {
		t.Errorf("no PurgeDeadlineDaysLeftMin among %v: the deadline alarm would fire on silence", m.got)
	}
}

// TestHandleSweep_NoDeadlineMetricWhenRegistryUnreadable: a sweep that
// cannot list the registry must not report "nothing due": its silence
// makes the deadline alarm fire.
func TestHandleSweep_NoDeadlineMetricWhenRegistryUnreadable(t *testing.T) {
	m := &metricsRecorder{}
	p := &purger.Purger{Registry: idleRegistry{err: errors.New("AccessDeniedException")}, Metrics: m, DryRun: true, Tenants: config.Tenants{DeadlineDays: 30},
		Now: func() time.Time { return time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC) }}
	if _, err := p.HandleSweep(context.Background(), []byte(`{"time":"2026-12-01T18:00:00Z"}`)); err == nil {
		t.Fatal("the sweep hid the registry's error")
	}
	for _, r := range m.got {
		if r.name == "PurgeDeadlineDaysLeftMin" {
			t.Errorf("PurgeDeadlineDaysLeftMin = %v reported although the registry could not be read", r.value)
		}
	}
}
