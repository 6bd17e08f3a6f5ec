package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// Instances of the notifier's cases: one whose tags (looked up with
// ec2:DescribeTags, not carried in the finding) name tenant-5, and one no
// tenant owns.
const (
	InstanceOfTenant5 = "i-0d4e5f60718293a4b" // the instance of events/guardduty-ec2-malicious-file.json
	InstanceOfNobody  = "i-0e0e0e0e0e0e0e0e0"
)

// SeedNoticeCases seeds what the notifier's cases need in the simulator.
func SeedNoticeCases(sim *awssim.Server) error {
	return sim.EC2().Seed(awssim.EC2Seed{Instances: []awssim.EC2Instance{
		{InstanceId: InstanceOfTenant5, Tags: []awssim.Tag{{Key: finding.DefaultTenantTag, Value: TenantActive}, {Key: "Name", Value: "demo-holdings-worker"}}},
		{InstanceId: InstanceOfNobody, Tags: []awssim.Tag{{Key: "Name", Value: "forgotten-test-box"}}},
	}})
}

// Delivery is one EventBridge event of a case and, when set, the
// notifier's clock for it.
type Delivery struct {
	Event []byte
	Now   time.Time
}

// NoticeCase is one behaviour of the finding-notifier that the demo shows
// and the notifier's integration test checks, through the real binary.
type NoticeCase struct {
	Name, Why string
	// Deliveries builds the events from the fixtures in eventsDir; now is
	// the demo's clock.
	Deliveries func(eventsDir string, now time.Time) ([]Delivery, error)
	// Deadline, when set, replaces the configuration's promise for this
	// case (operator 003's business hours).
	Deadline *config.Deadline
	// Check judges the results of the deliveries, in order.
	Check func(rs []notify.EventResult) error
}

// Operator003 is operator 003's promise: within 6 hours of occurrence in
// business hours (9-18 JST on weekdays that are not national holidays);
// otherwise by the later of the next start of business hours and 6 hours.
var Operator003 = config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{
	Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Timezone: "Asia/Tokyo", Holidays: "jp"}}

// edit reads a fixture and changes detail fields (dotted paths; a nil
// value deletes the field).
func edit(dir, file string, set map[string]any) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for k, v := range set {
		m, ok := ev["detail"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: no detail", file)
		}
		path := strings.Split(k, ".")
		for _, p := range path[:len(path)-1] {
			if m, ok = m[p].(map[string]any); !ok {
				return nil, fmt.Errorf("%s: no %s", file, k)
			}
		}
		if v == nil {
			delete(m, path[len(path)-1])
		} else {
			m[path[len(path)-1]] = v
		}
	}
	return json.Marshal(ev)
}

// malwareOn is the malware fixture as a new finding id about instance, with
// the tags given (none: the finding carries no tenant tag), detected at.
func malwareOn(dir, id, instance string, tags []any, at time.Time) ([]byte, error) {
	ts := at.UTC().Format("2006-01-02T15:04:05.000Z")
	return edit(dir, "guardduty-ec2-malicious-file.json", map[string]any{
		"id": id, "createdAt": ts, "updatedAt": ts, "service.eventFirstSeen": ts, "service.eventLastSeen": ts,
		"resource.instanceDetails.instanceId": instance, "resource.instanceDetails.tags": tags,
	})
}

func queuedTo(r notify.EventResult) []string {
	var out []string
	for _, q := range r.Queued {
		out = append(out, q.TenantID)
	}
	return out
}

// NoticeCases are the notifier's cases, in the order the demo runs them.
var NoticeCases = []NoticeCase{
	{
		Name: "unrouted", Why: "malware on an instance whose tags name no tenant: ops only, never every tenant",
		Deliveries: func(dir string, now time.Time) ([]Delivery, error) {
			ev, err := malwareOn(dir, "demo0unrouted0000000000000000001", InstanceOfNobody, []any{}, now.Add(-10*time.Minute))
			return []Delivery{{Event: ev}}, err
		},
		Check: func(rs []notify.EventResult) error {
			r := rs[0]
			if r.Route == nil || !r.Route.OpsOnly || r.Route.OpsReason != finding.OpsUnrouted || len(r.Queued) != 0 || r.Ops != "published" ||
				!slices.ContainsFunc(r.Route.UnroutedResources, func(s string) bool { return strings.HasSuffix(s, InstanceOfNobody) }) {
				return fmt.Errorf("want ops only, unrouted, naming %s; got route %+v, queued %v, ops %s", InstanceOfNobody, r.Route, queuedTo(r), r.Ops)
			}
			return nil
		},
	},
	{
		Name: "tag-lookup", Why: "malware on an instance whose own tags (ec2:DescribeTags) name tenant-5: tenant-5 alone",
		Deliveries: func(dir string, now time.Time) ([]Delivery, error) {
			ev, err := malwareOn(dir, "demo0lookup00000000000000000001", InstanceOfTenant5, []any{}, now.Add(-10*time.Minute))
			return []Delivery{{Event: ev}}, err
		},
		Check: func(rs []notify.EventResult) error {
			r := rs[0]
			if !slices.Equal(queuedTo(r), []string{TenantActive}) || r.Route == nil || len(r.Route.Recipients) != 1 || r.Route.Recipients[0].Reasons[0].Kind != finding.ReasonTagLookup {
				return fmt.Errorf("want one notice for %s placed by a tag lookup; got queued %v, route %+v", TenantActive, queuedTo(r), r.Route)
			}
			return nil
		},
	},
	{
		Name: "burst", Why: "50 identical DeleteTrail calls in a minute: one notice per tenant, saying 50 times",
		Deliveries: func(dir string, now time.Time) ([]Delivery, error) {
			var out []Delivery
			for i := range 50 {
				at := now.Add(-5 * time.Minute).Add(time.Duration(i) * time.Second).UTC().Truncate(time.Second)
				ev, err := edit(dir, "cloudtrail-delete-trail.json", map[string]any{"eventID": fmt.Sprintf("de1e7e00-0000-4000-8000-%012d", i), "eventTime": at.Format(time.RFC3339)})
				if err != nil {
					return nil, err
				}
				out = append(out, Delivery{Event: ev})
			}
			return out, nil
		},
		Check: func(rs []notify.EventResult) error {
			if len(rs[0].Queued) == 0 {
				return fmt.Errorf("the first call queued no notice: %+v", rs[0])
			}
			for i, r := range rs[1:] {
				if len(r.Queued) != 0 || r.FindingID != rs[0].FindingID {
					return fmt.Errorf("call %d queued %v (finding %s): a burst is one notice", i+2, queuedTo(r), r.FindingID)
				}
			}
			if last := rs[len(rs)-1]; last.Count != 50 {
				return fmt.Errorf("count after 50 calls is %d", last.Count)
			}
			return nil
		},
	},
	{
		Name: "late", Why: "a finding detected in 2024 that arrives today: notified to tenant-10, marked late to ops",
		Deliveries: func(dir string, now time.Time) ([]Delivery, error) {
			ev, err := malwareOn(dir, "demo0late0000000000000000000001", InstanceOfTenant5, []any{map[string]any{"key": finding.DefaultTenantTag, "value": TenantNeighbour}},
				time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC))
			return []Delivery{{Event: ev}}, err
		},
		Check: func(rs []notify.EventResult) error {
			r := rs[0]
			if !slices.Equal(queuedTo(r), []string{TenantNeighbour}) || !r.Queued[0].Late {
				return fmt.Errorf("want one late notice for %s; got %+v", TenantNeighbour, r.Queued)
			}
			return nil
		},
	},
	{
		Name: "business-hours", Why: "operator 003's deadline: Friday 17:30 JST -> 23:30; Friday 19:00 before Monday's holiday (2026-11-23) -> Tuesday 09:00; Tuesday 08:00 -> 14:00",
		Deadline: &Operator003,
		Deliveries: func(dir string, _ time.Time) ([]Delivery, error) {
			var out []Delivery
			for i, at := range []time.Time{jstTime(2026, 11, 27, 17, 30), jstTime(2026, 11, 20, 19, 0), jstTime(2026, 11, 24, 8, 0)} {
				ev, err := malwareOn(dir, fmt.Sprintf("demo0hours000000000000000000000%d", i+1), InstanceOfTenant5,
					[]any{map[string]any{"key": finding.DefaultTenantTag, "value": TenantActive}}, at)
				if err != nil {
					return nil, err
				}
				out = append(out, Delivery{Event: ev, Now: at.Add(10 * time.Minute)})
			}
			return out, nil
		},
		Check: func(rs []notify.EventResult) error {
			want := []time.Time{jstTime(2026, 11, 27, 23, 30), jstTime(2026, 11, 24, 9, 0), jstTime(2026, 11, 24, 14, 0)}
			var errs []error
			for i, r := range rs {
				if len(r.Queued) != 1 || !r.Queued[0].Due.Equal(want[i]) {
					errs = append(errs, fmt.Errorf("delivery %d: queued %+v, want one notice due %s", i+1, r.Queued, want[i].Format(time.RFC3339)))
				}
			}
			return errors.Join(errs...)
		},
	},
}

func jstTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.FixedZone("JST", 9*3600))
}

// MalwareFinding returns the GuardDuty event of events/ (in eventsDir)
// that the notifier routes to TenantActive by the instance's tags, with
// finding id id, detected (created, first and last seen) at at.
func MalwareFinding(eventsDir, id string, at time.Time) ([]byte, error) {
	return malwareOn(eventsDir, id, InstanceOfTenant5, []any{map[string]any{"key": finding.DefaultTenantTag, "value": TenantActive}}, at)
}
