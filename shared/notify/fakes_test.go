package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pledge-dev/pledge/shared/businesshours"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notify"
)

// memLedger keeps the ledger's rules in memory: Decide for claims, the
// sequence number and lease for sends. It embeds the interface so that a
// call it does not fake fails loudly.
type memLedger struct {
	notify.NoticeLedger
	quiet, lease time.Duration

	mu      sync.Mutex
	entries map[string]*notify.Entry
	before  map[string]*notify.Entry // entry before claim key#seq, for Release
	claims  int
	tallies map[string]*notify.Tally
	events  map[string]string // finding|event -> counted, handled
}

func newMemLedger(quiet time.Duration) *memLedger {
	return &memLedger{quiet: quiet, lease: notify.DefaultSendLease, entries: map[string]*notify.Entry{}, before: map[string]*notify.Entry{},
		tallies: map[string]*notify.Tally{}, events: map[string]string{}}
}

// Tally keeps Ledger.Tally's rules: an event is counted once; a window
// ends window after its first call.
func (l *memLedger) Tally(_ context.Context, findingID, eventID string, at time.Time, window time.Duration, _ time.Time, dryRun bool) (notify.Tally, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := notify.Tally{}
	if t := l.tallies[findingID]; t != nil {
		cur = *t
	}
	switch l.events[findingID+"|"+eventID] {
	case "handled":
		cur.Replayed = true
		return cur, nil
	case "counted":
		cur.Recounted = true
		return cur, nil
	}
	at = at.UTC().Truncate(time.Millisecond)
	next := cur
	if cur.Count == 0 || !cur.First.After(at.Add(-window)) {
		next = notify.Tally{Count: 1, First: at, Last: at}
	} else {
		next.Count++
		if at.Before(next.First) {
			next.First = at
		}
		if at.After(next.Last) {
			next.Last = at
		}
	}
	if !dryRun {
		l.events[findingID+"|"+eventID] = "counted"
		l.tallies[findingID] = &next
	}
	return next, nil
}

func (l *memLedger) MarkHandled(_ context.Context, findingID, eventID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[findingID+"|"+eventID] = "handled"
	return nil
}

func (l *memLedger) GetTally(_ context.Context, findingID string) (notify.Tally, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.tallies[findingID]; t != nil {
		return *t, nil
	}
	return notify.Tally{}, nil
}

func lkey(f, t string) string { return f + "|" + t }

func clone(e *notify.Entry) *notify.Entry {
	if e == nil {
		return nil
	}
	c := *e
	c.MessageIDs, c.SentGroups = slices.Clone(e.MessageIDs), slices.Clone(e.SentGroups)
	return &c
}

func (l *memLedger) Claim(_ context.Context, f finding.Finding, tenantID string, now time.Time) (notify.Claim, notify.Decision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := lkey(f.ID, tenantID)
	prev := l.entries[k]
	d := notify.Decide(prev, f.Band, f.Updated, now, l.quiet)
	if !d.Due {
		return notify.Claim{}, d, nil
	}
	seq := 1
	if prev != nil {
		seq = prev.Seq + 1
	}
	l.before[k+"#"+strconv.Itoa(seq)] = clone(prev)
	q := now.UTC().Truncate(time.Millisecond)
	l.entries[k] = &notify.Entry{FindingID: f.ID, TenantID: tenantID, Type: f.Type, Band: f.Band, Count: f.Count, Seq: seq, Detected: f.Detected, Updated: f.Updated.Truncate(time.Millisecond), Queued: q}
	l.claims++
	return notify.Claim{FindingID: f.ID, TenantID: tenantID, Seq: seq, Kind: d.Kind, Queued: q}, d, nil
}

func (l *memLedger) Release(_ context.Context, c notify.Claim) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := lkey(c.FindingID, c.TenantID)
	if e := l.entries[k]; e == nil || e.Seq != c.Seq {
		return nil
	}
	if b := l.before[k+"#"+strconv.Itoa(c.Seq)]; b != nil {
		l.entries[k] = b
	} else {
		delete(l.entries, k)
	}
	return nil
}

func (l *memLedger) Get(_ context.Context, findingID, tenantID string) (*notify.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return clone(l.entries[lkey(findingID, tenantID)]), nil
}

func (l *memLedger) BeginSend(_ context.Context, findingID, tenantID string, seq int, now time.Time) (notify.SendState, *notify.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[lkey(findingID, tenantID)]
	switch {
	case e == nil || e.Seq != seq:
		return notify.SendSuperseded, clone(e), nil
	case !e.Sent.IsZero():
		return notify.SendDone, clone(e), nil
	case !e.Sending.IsZero() && e.Sending.After(now.Add(-l.lease)):
		return notify.SendBusy, clone(e), nil
	}
	e.Sending = now
	return notify.SendGo, clone(e), nil
}

func (l *memLedger) MarkGroupSent(_ context.Context, findingID, tenantID string, seq int, group, messageID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[lkey(findingID, tenantID)]
	if e == nil || e.Seq != seq {
		return fmt.Errorf("mark group: no notice #%d", seq)
	}
	e.SentGroups = append(e.SentGroups, group)
	e.MessageIDs = append(e.MessageIDs, messageID)
	return nil
}

func (l *memLedger) MarkSent(_ context.Context, findingID, tenantID string, seq int, sent time.Time, ids []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[lkey(findingID, tenantID)]
	if e == nil || e.Seq != seq || !e.Sent.IsZero() {
		return fmt.Errorf("mark sent: notice #%d not pending", seq)
	}
	e.Sent, e.Sending, e.MessageIDs = sent, time.Time{}, slices.Clone(ids)
	return nil
}

func (l *memLedger) EndSend(_ context.Context, findingID, tenantID string, seq int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[lkey(findingID, tenantID)]; e != nil && e.Seq == seq && e.Sent.IsZero() {
		e.Sending = time.Time{}
	}
	return nil
}

// fakeQueue records sent messages; fail, when set, decides per body
// whether SQS reports the entry failed.
type fakeQueue struct {
	notify.QueueAPI
	mu     sync.Mutex
	bodies []string
	calls  int
	fail   func(body string) bool
	err    error
}

func (q *fakeQueue) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if len(in.Entries) > 10 {
		return nil, fmt.Errorf("AWS.SimpleQueueService.TooManyEntriesInBatchRequest: %d entries", len(in.Entries))
	}
	if q.err != nil {
		return nil, q.err
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		b := aws.ToString(e.MessageBody)
		if q.fail != nil && q.fail(b) {
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected"), SenderFault: false})
			continue
		}
		q.bodies = append(q.bodies, b)
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(fmt.Sprintf("sqs-%d", len(q.bodies)))})
	}
	return out, nil
}

// take returns the queued messages as an SQS batch and empties the queue.
func (q *fakeQueue) take() events.SQSEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	var ev events.SQSEvent
	for i, b := range q.bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m-%d-%d", q.calls, i), Body: b, EventSource: "aws:sqs"})
	}
	q.bodies = nil
	return ev
}

func (q *fakeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.bodies)
}

type fakeTopic struct {
	notify.TopicAPI
	mu   sync.Mutex
	msgs []*sns.PublishInput
	err  error
	// countOnly keeps no message, for benchmarks.
	countOnly bool
	counted   int
}

func (t *fakeTopic) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return nil, t.err
	}
	if t.countOnly {
		t.counted++
		return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("sns-%d", t.counted))}, nil
	}
	t.msgs = append(t.msgs, in)
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("sns-%d", len(t.msgs)))}, nil
}

func (t *fakeTopic) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.msgs)
}

type fakeMail struct {
	notify.MailAPI
	mu   sync.Mutex
	sent []*sesv2.SendEmailInput
	// fail, when set, may return an error for the n-th call (from 0).
	fail  func(n int) error
	calls int
	// countOnly keeps no message, for benchmarks.
	countOnly bool
	counted   int
}

func (m *fakeMail) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.calls
	m.calls++
	if m.fail != nil {
		if err := m.fail(n); err != nil {
			return nil, err
		}
	}
	if m.countOnly {
		m.counted++
		return &sesv2.SendEmailOutput{MessageId: aws.String(fmt.Sprintf("ses-%d", m.counted))}, nil
	}
	m.sent = append(m.sent, in)
	return &sesv2.SendEmailOutput{MessageId: aws.String(fmt.Sprintf("ses-%d", len(m.sent)))}, nil
}

func (m *fakeMail) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sent)
}

type fakeEvidence struct {
	notify.EvidenceStore
	mu      sync.Mutex
	records []evidence.Record
	err     error
	// countOnly keeps no record, for benchmarks.
	countOnly bool
	counted   int
}

// notices returns the notice records (not the finding records).
func (e *fakeEvidence) notices() []evidence.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []evidence.Record
	for _, r := range e.records {
		if r.Kind == notify.EvidenceKind {
			out = append(out, r)
		}
	}
	return out
}

func (e *fakeEvidence) Put(_ context.Context, r evidence.Record) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return "", e.err
	}
	if e.countOnly {
		// Count notices only: finding records are kept too, one per event.
		if r.Kind == notify.EvidenceKind {
			e.counted++
		}
		return fmt.Sprintf("%s/%d", r.Kind, e.counted), nil
	}
	e.records = append(e.records, r)
	return fmt.Sprintf("notice/%d", len(e.records)), nil
}

type fakeDirectory struct {
	notify.Directory
	mu      sync.Mutex
	tenants []notify.Tenant
}

func (d *fakeDirectory) Tenants(context.Context) ([]notify.Tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []notify.Tenant
	for _, t := range d.tenants {
		if t.Status.HoldsData() {
			out = append(out, t)
		}
	}
	return out, nil
}

func (d *fakeDirectory) Tenant(_ context.Context, id string) (notify.Tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.tenants {
		if t.ID == id {
			return t, nil
		}
	}
	return notify.Tenant{}, fmt.Errorf("tenant %s: %w", id, notify.ErrUnknownTenant)
}

func (d *fakeDirectory) set(id string, fn func(*notify.Tenant)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.tenants {
		if d.tenants[i].ID == id {
			fn(&d.tenants[i])
		}
	}
}

// The test tenants. tenant-1 has three contacts: two reading Japanese in
// Tokyo, one reading English in Los Angeles.
const (
	emailA = "sec-a@tenant1.example.co.jp"
	emailB = "sec-b@tenant1.example.co.jp"
	emailC = "ops-c@tenant1.example.com"
)

func testTenants() []notify.Tenant {
	t := func(id string, contacts ...notify.Contact) notify.Tenant {
		return notify.Tenant{
			Tenant: finding.Tenant{ID: id, Status: finding.StatusActive, Prefixes: []finding.Location{{Bucket: "pledge-tenant-data", Prefix: "tenants/" + id + "/"}}},
			Name:   "株式会社" + id, Contacts: contacts,
		}
	}
	return []notify.Tenant{
		t("tenant-1",
			notify.Contact{Email: emailA, Language: "ja", Timezone: "Asia/Tokyo"},
			notify.Contact{Email: emailB, Language: "ja", Timezone: "Asia/Tokyo"},
			notify.Contact{Email: emailC, Language: "en", Timezone: "America/Los_Angeles"}),
		t("tenant-2", notify.Contact{Email: "security@tenant2.example.co.jp", Language: "ja", Timezone: "Asia/Tokyo"}),
		t("tenant-3", notify.Contact{Email: "security@tenant3.example.co.jp", Language: "ja", Timezone: "Asia/Tokyo"}),
		t("tenant-10", notify.Contact{Email: "security@tenant10.example.co.jp", Language: "en", Timezone: "Asia/Tokyo"}),
	}
}

// rig is a Notifier over fakes, with a settable clock.
type rig struct {
	n       *notify.Notifier
	ledger  *memLedger
	queue   *fakeQueue
	topic   *fakeTopic
	mail    *fakeMail
	ev      *fakeEvidence
	dir     *fakeDirectory
	logs    *bytes.Buffer
	metrics *bytes.Buffer
	now     time.Time
}

const (
	testPromise = 24 * time.Hour
	testQuiet   = 24 * time.Hour
)

func testSettings() notify.Settings {
	return notify.Settings{
		Catalogue: finding.Default(),
		Policy:    finding.Policy{Threshold: finding.Medium, PlatformSeverity: finding.High},
		Languages: []string{"ja", "en"},
		Deadline:  businesshours.Plain(testPromise), QuietPeriod: testQuiet, SendRate: 1000,
		Sender:  "security@pledge.example",
		Wording: notify.DefaultWording("security@pledge.example"),
	}
}

func newRig(t testing.TB, now time.Time) *rig {
	t.Helper()
	r := &rig{
		ledger: newMemLedger(testQuiet), queue: &fakeQueue{}, topic: &fakeTopic{}, mail: &fakeMail{}, ev: &fakeEvidence{},
		dir: &fakeDirectory{tenants: testTenants()}, logs: &bytes.Buffer{}, metrics: &bytes.Buffer{}, now: now,
	}
	r.n = &notify.Notifier{
		Settings: testSettings(), Directory: r.dir, Ledger: r.ledger,
		Queue: r.queue, QueueURL: "https://sqs.ap-northeast-1.amazonaws.com/111122223333/notices",
		Ops: r.topic, OpsTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:ops",
		Mail: r.mail, Evidence: r.ev,
		Metrics: metrics.New(r.metrics, map[string]string{"Function": "finding-notifier"}, func() time.Time { return r.now }),
		Log:     logging.New(r.logs, slog.LevelDebug),
		Now:     func() time.Time { return r.now },
	}
	if err := r.n.Validate(); err != nil {
		t.Fatal(err)
	}
	return r
}

// event handles one EventBridge event through Handle.
func (r *rig) event(t testing.TB, raw []byte) notify.EventResult {
	t.Helper()
	out, err := r.n.Handle(context.Background(), raw)
	if err != nil {
		t.Fatalf("handle event: %v", err)
	}
	res, ok := out.(notify.EventResult)
	if !ok {
		t.Fatalf("handle event returned %T, want EventResult", out)
	}
	return res
}

// batch handles an SQS batch through Handle, as Lambda would deliver it.
func (r *rig) batch(t testing.TB, ev events.SQSEvent) events.SQSEventResponse {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.n.Handle(context.Background(), raw)
	if err != nil {
		t.Fatalf("handle batch: %v", err)
	}
	resp, ok := out.(events.SQSEventResponse)
	if !ok {
		t.Fatalf("handle batch returned %T, want SQSEventResponse", out)
	}
	return resp
}

// metricValues returns every value of the named metric whose dimensions
// include dims, from the EMF lines written so far.
func (r *rig) metricValues(t testing.TB, name string, dims map[string]string) []float64 {
	t.Helper()
	var out []float64
	for _, line := range strings.Split(strings.TrimSpace(r.metrics.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("EMF line %q: %v", line, err)
		}
		match := true
		for k, v := range dims {
			if m[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		switch v := m[name].(type) {
		case float64:
			out = append(out, v)
		case []any:
			for _, x := range v {
				out = append(out, x.(float64))
			}
		}
	}
	return out
}

func sum(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withDetail returns the event with detail fields replaced; a key may be a
// dotted path ("service.count").
func withDetail(t testing.TB, raw []byte, set map[string]any) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		d := ev["detail"].(map[string]any)
		path := strings.Split(k, ".")
		for _, p := range path[:len(path)-1] {
			d = d[p].(map[string]any)
		}
		d[path[len(path)-1]] = v
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var errInjected = errors.New("injected failure")
