package evidencepack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The evidence kinds the pack reads, as their writers name them (the
// writers' constants are repeated here so that the reporter does not link
// the writers; a test holds them equal).
const (
	KindSnapshotRun  = "snapshot-run"
	KindPurgeRun     = "purge-run"
	KindCertificate  = "deletion-certificate"
	KindManifest     = "deletion-manifest"
	KindNotice       = "notice"
	KindFinding      = "finding"
	KindVerification = "verification-report"
	// KindPack is the pack's own kind: the only one the reporter writes.
	KindPack = "evidence-pack"
)

// DatedKinds are the kinds stored under kind/YYYY/MM/DD/ (evidence.Key).
var DatedKinds = []string{KindSnapshotRun, KindPurgeRun, KindNotice, KindFinding, KindVerification}

// ReadKinds are every kind the pack reads and indexes.
var ReadKinds = append([]string{KindCertificate, KindManifest}, DatedKinds...)

// envelope is evidence.Record as stored.
type envelope struct {
	Kind    string          `json:"kind"`
	Time    time.Time       `json:"time"`
	Subject string          `json:"subject"`
	DryRun  bool            `json:"dry_run"`
	Body    json.RawMessage `json:"body"`
}

func readEnvelope(b []byte, kind string) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("not an evidence record: %w", err)
	}
	if e.Kind != kind {
		return e, fmt.Errorf("record of kind %q, want %q", e.Kind, kind)
	}
	if len(bytes.TrimSpace(e.Body)) == 0 || string(e.Body) == "null" {
		return e, fmt.Errorf("%s record has no body", kind)
	}
	return e, nil
}

// SnapshotRun is what the pack reads of one snapshot-rotator run record
// (shared/snapshot Result): one policy, one slot, every target.
type SnapshotRun struct {
	Key     string      `json:"key"`
	Time    time.Time   `json:"time"`
	Policy  string      `json:"policy"`
	Slot    time.Time   `json:"slot"`
	Targets []TargetRun `json:"targets"`
}

// TargetRun is one target's outcome in a run.
type TargetRun struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Snapshot is the slot's snapshot, created by this run (Created) or
	// found existing; empty when the slot got none.
	Snapshot string `json:"snapshot,omitempty"`
	Created  bool   `json:"created,omitempty"`
	// Kept is how many managed snapshots the run kept (before its own new
	// one), Tiers those per retention tier ("hourly", "daily", ...).
	Kept    int            `json:"kept"`
	Tiers   map[string]int `json:"tiers,omitempty"`
	Deleted int            `json:"deleted"`
	Errors  []string       `json:"errors,omitempty"`
}

// ReadSnapshotRun reads a snapshot-run record.
func ReadSnapshotRun(b []byte) (SnapshotRun, bool, error) {
	e, err := readEnvelope(b, KindSnapshotRun)
	if err != nil {
		return SnapshotRun{}, false, err
	}
	var body struct {
		Policy  string    `json:"policy"`
		Slot    time.Time `json:"slot"`
		Targets []struct {
			Target struct {
				Kind string `json:"kind"`
				ID   string `json:"id"`
			} `json:"target"`
			Existing string `json:"existing"`
			Created  string `json:"created"`
			Keep     []struct {
				Reasons []string `json:"reasons"`
			} `json:"keep"`
			Deleted []string `json:"deleted"`
			Errors  []string `json:"errors"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return SnapshotRun{}, false, fmt.Errorf("snapshot-run body: %w", err)
	}
	if body.Policy == "" || body.Slot.IsZero() {
		return SnapshotRun{}, false, fmt.Errorf("snapshot-run body names no policy or slot")
	}
	run := SnapshotRun{Time: e.Time.UTC(), Policy: body.Policy, Slot: body.Slot.UTC(), Targets: []TargetRun{}}
	for _, t := range body.Targets {
		tr := TargetRun{ID: t.Target.ID, Kind: t.Target.Kind, Snapshot: t.Created, Created: t.Created != "", Kept: len(t.Keep), Deleted: len(t.Deleted), Errors: t.Errors}
		if tr.Snapshot == "" {
			tr.Snapshot = t.Existing
		}
		for _, k := range t.Keep {
			for _, r := range k.Reasons {
				// "hourly snapshot 2026-11-21T15:00+09:00", "newest available #1 (minAvailable 3)"
				if tier, _, ok := strings.Cut(r, " snapshot "); ok {
					if tr.Tiers == nil {
						tr.Tiers = map[string]int{}
					}
					tr.Tiers[tier]++
				}
			}
		}
		run.Targets = append(run.Targets, tr)
	}
	return run, e.DryRun, nil
}

// Notice is what the pack reads of one sent notice (shared/notify
// NoticeRecord).
type Notice struct {
	Key         string    `json:"key"`
	FindingID   string    `json:"findingId"`
	TenantID    string    `json:"tenantId"`
	FindingType string    `json:"findingType"`
	Band        string    `json:"band"`
	Kind        string    `json:"kind"`
	Detected    time.Time `json:"detected"`
	// PromiseFrom is when the promised time started (detection, or the
	// notifier's later start for upgrades).
	PromiseFrom time.Time `json:"promiseFrom"`
	Sent        time.Time `json:"sent"`
	// Deadline is when the notice was due: the record's own due time when
	// it states one (the notifier's "due", computed from its promise, a
	// business-hours rule included), else PromiseFrom plus the promised
	// hours it records, else PromiseFrom plus the configured noticeHours
	// (DeadlineFrom says which). Rule is the promise as the record words it
	// ("72h", "6h; business hours ...").
	Deadline     time.Time `json:"deadline"`
	DeadlineFrom string    `json:"deadlineFrom"`
	Rule         string    `json:"rule,omitempty"`
	// Promised is false for reminders, which no promise covers.
	Promised bool `json:"promised"`
	// Late marks a finding that was already past its deadline when it
	// arrived (detected long before): notified, but not this period's
	// broken promise; it is counted apart.
	Late bool `json:"late,omitempty"`
}

// Latency is the time from the start of the promise to the notice.
func (n Notice) Latency() time.Duration { return n.Sent.Sub(n.PromiseFrom) }

// Breached reports whether a promised, non-late notice went out after its
// deadline.
func (n Notice) Breached() bool { return n.Promised && !n.Late && n.Sent.After(n.Deadline) }

// ReadNotice reads a notice record; noticeHours is the configured promise,
// used only when the record states neither a deadline nor its promised
// hours.
func ReadNotice(b []byte, noticeHours int) (Notice, error) {
	e, err := readEnvelope(b, KindNotice)
	if err != nil {
		return Notice{}, err
	}
	var body struct {
		FindingID    string     `json:"finding_id"`
		TenantID     string     `json:"tenant_id"`
		FindingType  string     `json:"finding_type"`
		Band         string     `json:"band"`
		Kind         string     `json:"notice_kind"`
		Detected     time.Time  `json:"detected"`
		PromiseFrom  time.Time  `json:"promise_from"`
		Sent         time.Time  `json:"sent"`
		PromiseHours float64    `json:"promise_hours"`
		Promised     *bool      `json:"promised"`
		Due          *time.Time `json:"due"`
		Rule         any        `json:"deadline"`
		LateArrival  bool       `json:"late_arrival"`
		Late         bool       `json:"late"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return Notice{}, fmt.Errorf("notice body: %w", err)
	}
	if body.FindingID == "" || body.Sent.IsZero() {
		return Notice{}, fmt.Errorf("notice body names no finding or sending time")
	}
	n := Notice{FindingID: body.FindingID, TenantID: body.TenantID, FindingType: body.FindingType, Band: body.Band, Kind: body.Kind,
		Detected: body.Detected.UTC(), PromiseFrom: body.PromiseFrom.UTC(), Sent: body.Sent.UTC(), Late: body.Late || body.LateArrival}
	if rule, ok := body.Rule.(string); ok {
		n.Rule = rule
	}
	n.Promised = body.Kind != "reminder"
	if body.Promised != nil {
		n.Promised = *body.Promised
	}
	if n.PromiseFrom.IsZero() {
		n.PromiseFrom = n.Detected
	}
	switch {
	case body.Due != nil && !body.Due.IsZero():
		n.Deadline, n.DeadlineFrom = body.Due.UTC(), "record"
	case body.PromiseHours > 0:
		n.Deadline, n.DeadlineFrom = n.PromiseFrom.Add(time.Duration(body.PromiseHours*float64(time.Hour))), "promise_hours"
	default:
		n.Deadline, n.DeadlineFrom = n.PromiseFrom.Add(time.Duration(noticeHours)*time.Hour), "configuration"
	}
	return n, nil
}

// Finding is what the pack reads of an accepted finding record.
type Finding struct {
	Key       string    `json:"key"`
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Band      string    `json:"band"`
	Detected  time.Time `json:"detected"`
	Concerned []string  `json:"concerned"`
}

// ReadFinding reads a finding record.
func ReadFinding(b []byte) (Finding, error) {
	e, err := readEnvelope(b, KindFinding)
	if err != nil {
		return Finding{}, err
	}
	var body struct {
		Finding struct {
			ID       string    `json:"id"`
			Type     string    `json:"type"`
			Band     string    `json:"band"`
			Detected time.Time `json:"detected"`
		} `json:"finding"`
		Concerned []string `json:"concerned"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return Finding{}, fmt.Errorf("finding body: %w", err)
	}
	if body.Finding.ID == "" {
		return Finding{}, fmt.Errorf("finding body has no finding id")
	}
	return Finding{ID: body.Finding.ID, Type: body.Finding.Type, Band: body.Finding.Band, Detected: body.Finding.Detected.UTC(), Concerned: body.Concerned}, nil
}

// PurgeRun is what the pack reads of a purge-run record (shared/purger
// Outcome): one message's outcome for one tenant.
type PurgeRun struct {
	Key      string    `json:"key"`
	Time     time.Time `json:"time"`
	TenantID string    `json:"tenantId"`
	Action   string    `json:"action"`
	Error    string    `json:"error,omitempty"`
}

// ReadPurgeRun reads a purge-run record. The daily sweep's records (subject
// "sweep") have no tenant and come back with an empty TenantID.
func ReadPurgeRun(b []byte) (PurgeRun, error) {
	e, err := readEnvelope(b, KindPurgeRun)
	if err != nil {
		return PurgeRun{}, err
	}
	var body struct {
		TenantID string `json:"tenant_id"`
		Action   string `json:"action"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return PurgeRun{}, fmt.Errorf("purge-run body: %w", err)
	}
	return PurgeRun{Time: e.Time.UTC(), TenantID: body.TenantID, Action: body.Action, Error: body.Error}, nil
}

// Report is what the pack reads of a verification report.
type Report struct {
	Key         string        `json:"key"`
	Subject     string        `json:"subject"`
	GeneratedAt time.Time     `json:"generatedAt"`
	Results     []CheckResult `json:"results"`
}

// The statuses of a verification result.
const (
	statusPass = "PASS"
	statusFail = "FAIL"
)

// CheckResult is what the pack reads of one verification result
// (shared/check Result; the pack does not link the checks).
type CheckResult struct {
	CheckID  string   `json:"checkId"`
	Controls []string `json:"controls"`
	// Status is PASS, FAIL or ERROR; anything else counts as ERROR.
	Status     string `json:"status"`
	Resource   string `json:"resource"`
	Reason     string `json:"reason"`
	ReasonJA   string `json:"reasonJa,omitempty"`
	Group      string `json:"group,omitempty"`
	TimeSource string `json:"timeSource,omitempty"`
}

// ReasonIn returns the reason in a language, English when the report
// carries no Japanese one (reports written before reasons were
// bilingual).
func (r CheckResult) ReasonIn(lang string) string {
	if lang == "ja" && r.ReasonJA != "" {
		return r.ReasonJA
	}
	return r.Reason
}

// ReadReport reads a verification-report record.
func ReadReport(b []byte) (Report, error) {
	e, err := readEnvelope(b, KindVerification)
	if err != nil {
		return Report{}, err
	}
	var body struct {
		GeneratedAt time.Time     `json:"generatedAt"`
		Results     []CheckResult `json:"results"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return Report{}, fmt.Errorf("verification-report body: %w", err)
	}
	if body.GeneratedAt.IsZero() {
		body.GeneratedAt = e.Time
	}
	return Report{Subject: e.Subject, GeneratedAt: body.GeneratedAt.UTC(), Results: body.Results}, nil
}
