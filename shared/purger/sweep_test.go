package purger_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// emptyS3 answers the dry-run plan: no versions, no Object Lock. Any other
// call fails loudly (the embedded interface is nil).
type emptyS3 struct{ purge.S3API }

func (emptyS3) ListObjectVersions(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	return &s3.ListObjectVersionsOutput{}, nil
}

func (emptyS3) GetObjectLockConfiguration(context.Context, *s3.GetObjectLockConfigurationInput, ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error) {
	return &s3.GetObjectLockConfigurationOutput{}, nil
}

type opsTopic struct {
	mu   sync.Mutex
	sent []sns.PublishInput
}

func (o *opsTopic) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, *in)
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("msg-%d", len(o.sent)))}, nil
}

type purgeQueue struct {
	mu   sync.Mutex
	sent []string
}

func (q *purgeQueue) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return nil, fmt.Errorf("the sweep sends batches")
}

func (q *purgeQueue) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		m, err := purger.ParseMessage(aws.ToString(e.MessageBody))
		if err != nil {
			return nil, err
		}
		q.sent = append(q.sent, m.TenantID)
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + m.TenantID)})
	}
	return out, nil
}

type evidenceLog struct{ n atomic.Int64 }

func (e *evidenceLog) Put(_ context.Context, r evidence.Record) (string, error) {
	return fmt.Sprintf("%s/%d.json", r.Kind, e.n.Add(1)), nil
}

func (e *evidenceLog) PutObject(context.Context, string, string, []byte) error { return nil }

func (e *evidenceLog) GetObject(context.Context, string) ([]byte, error) {
	return nil, evidence.ErrNotFound
}

// wallClock is a settable clock.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wallClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

var sweepCfg = config.Tenants{
	Buckets: []string{"tenant-data"}, PrefixTemplate: "tenants/{tenant}/", Zone: "Asia/Tokyo",
	GracePeriodDays: 30, DeadlineDays: 30, AdvanceNoticeDays: 7, Schedule: "cron(0 3 * * ? *)",
}

type sweepWorld struct {
	reg   *tenant.Registry
	clock *wallClock
	ops   *opsTopic
	queue *purgeQueue
	p     *purger.Purger
}

func newSweepWorld(t *testing.T, cfg config.Tenants, now time.Time) *sweepWorld {
	t.Helper()
	ctx := context.Background()
	dyn, err := sandbox.StartDynalite(ctx)
	if err != nil {
		t.Fatalf("DynamoDB stand-in: %v", err)
	}
	t.Cleanup(dyn.Stop)
	db := dynamodb.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")},
		func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(dyn.URL) })
	if err := tenant.CreateTable(ctx, db, "tenants"); err != nil {
		t.Fatal(err)
	}
	reg, err := tenant.New(db, "tenants", cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &sweepWorld{reg: reg, clock: &wallClock{t: now}, ops: &opsTopic{}, queue: &purgeQueue{}}
	reg.Now, reg.WallClock = w.clock.Now, w.clock.Now
	w.p = &purger.Purger{Registry: reg, S3: emptyS3{}, Evidence: &evidenceLog{}, Queue: w.queue, QueueURL: "https://sqs.local/purge",
		Ops: w.ops, OpsTopicARN: "arn:aws:sns:ap-northeast-1:000000000000:ops", Tenants: cfg, Zone: cfg.Location(), Now: w.clock.Now}
	return w
}

// terminate registers a tenant and terminates it at ended.
func (w *sweepWorld) terminate(t *testing.T, id string, ended time.Time) {
	t.Helper()
	for _, ev := range []tenant.Event{
		{ID: id + "-reg", Type: tenant.EventRegistered, TenantID: id, OccurredAt: ended.AddDate(-1, 0, 0), Name: id, Contacts: []tenant.Contact{{Email: "ops@" + id + ".example.jp"}}},
		{ID: id + "-term", Type: tenant.EventTerminated, TenantID: id, OccurredAt: ended},
	} {
		if _, err := w.reg.Apply(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *sweepWorld) sweep(t *testing.T, at time.Time, dry bool) *purger.SweepResult {
	t.Helper()
	w.clock.Set(at)
	w.p.DryRun = dry
	res, err := w.p.HandleSweep(context.Background(), runner.ScheduledEventJSON(at, nil))
	if err != nil {
		t.Fatalf("sweep at %s: %v", at, err)
	}
	return res
}

func upcomingIDs(res *purger.SweepResult) []string {
	var out []string
	for _, u := range res.Upcoming {
		out = append(out, u.ID)
	}
	return out
}

// TestSweep_BackdatedTerminationWaitsForTheNotice follows a backdated
// termination, a tenant noticed in good time and one whose purge falls due
// next week through the daily sweeps, with the real registry.
func TestSweep_BackdatedTerminationWaitsForTheNotice(t *testing.T) {
	day0, _ := time.Parse(time.RFC3339, "2026-07-10T03:00:00+09:00") // a sweep
	days := func(n float64) time.Time { return day0.Add(time.Duration(n * 24 * float64(time.Hour))) }
	w := newSweepWorld(t, sweepCfg, days(-45))
	ctx := context.Background()

	// tenant-b: terminated 45 days ago, noticed 10 days ago: purge now.
	w.terminate(t, "tenant-b", days(-45))
	w.clock.Set(days(-10))
	if _, err := w.reg.RecordNotice(ctx, "tenant-b", days(-45)); err != nil {
		t.Fatal(err)
	}
	// tenant-a: its termination (45 days ago) arrives only now.
	w.clock.Set(days(-0.5))
	w.terminate(t, "tenant-a", days(-45))
	// tenant-c is due in 7.5 days, tenant-d in 10.
	w.terminate(t, "tenant-c", days(-22.5))
	w.terminate(t, "tenant-d", days(-20))

	// A dry run at day 0 shows the same and changes nothing.
	dry := w.sweep(t, day0, true)
	if len(w.ops.sent) != 0 || len(w.queue.sent) != 0 {
		t.Fatalf("dry run published %d notices and enqueued %v", len(w.ops.sent), w.queue.sent)
	}
	if a, _ := w.reg.Get(ctx, "tenant-a"); !a.NoticeSent.IsZero() {
		t.Fatalf("dry run recorded a notice: %s", a.NoticeSent)
	}

	res := w.sweep(t, day0, false)
	for _, r := range []*purger.SweepResult{dry, res} {
		if got := upcomingIDs(r); !slices.Equal(got, []string{"tenant-a", "tenant-c"}) {
			t.Errorf("dry %v: upcoming %v, want tenant-a (backdated, waiting) and tenant-c (due in 7.5 days, within 7 + 1 sweep)", r.DryRun, got)
		}
		if len(r.Due) != 1 || r.Due[0].ID != "tenant-b" {
			t.Errorf("dry %v: due %+v, want tenant-b only", r.DryRun, r.Due)
		}
		if len(r.Waiting) != 1 || r.Waiting[0].ID != "tenant-a" || !strings.Contains(r.Waiting[0].Waiting, "ops have not had the advance notice") {
			t.Errorf("dry %v: waiting %+v, want tenant-a waiting for its notice", r.DryRun, r.Waiting)
		}
		// tenant-a's and tenant-b's deadlines are 15 days away.
		if r.DeadlineDaysLeftMin == nil || *r.DeadlineDaysLeftMin != 15 {
			t.Errorf("dry %v: deadline days left %v, want 15", r.DryRun, r.DeadlineDaysLeftMin)
		}
	}
	if !slices.Equal(w.queue.sent, []string{"tenant-b"}) {
		t.Errorf("enqueued %v, want tenant-b only", w.queue.sent)
	}
	if len(w.ops.sent) != 1 {
		t.Fatalf("%d notices published, want 1", len(w.ops.sent))
	}
	msg := aws.ToString(w.ops.sent[0].Message)
	for _, want := range []string{
		"tenant-a (tenant-a)\n  削除期日 / purge due:      2026-06-25 03:00 JST (UTC+09:00)\n  削除期限 / purge deadline: 2026-07-25 03:00 JST (UTC+09:00)\n  削除開始 / purge starts:   2026-07-17 03:00 JST (UTC+09:00) 以降 / not before\n  初回の通知 / first notice of this purge\n",
		"tenant-c (tenant-c)\n  削除期日 / purge due:      2026-07-17 15:00 JST (UTC+09:00)\n",
		"no purge starts until 7 days after its first notice",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("notice lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\ntenant-d (") || strings.Contains(msg, "\ntenant-b (") {
		t.Errorf("notice names a tenant it is not about:\n%s", msg)
	}
	for id, want := range map[string]time.Time{"tenant-a": day0, "tenant-c": day0, "tenant-b": days(-10)} {
		got, _ := w.reg.Get(ctx, id)
		if !got.NoticeSent.Equal(want) {
			t.Errorf("%s: notice recorded at %s, want %s", id, got.NoticeSent, want)
		}
	}
	// The purge of the backdated tenant cannot be claimed yet.
	if _, err := w.reg.StartPurge(ctx, "tenant-a", "r", day0); err == nil {
		t.Fatal("tenant-a claimed on the day of its notice")
	}

	// The next six sweeps repeat the digest, do not move the recorded time,
	// and enqueue neither.
	for d := 1; d <= 6; d++ {
		w.queue.sent = nil
		r := w.sweep(t, days(float64(d)), false)
		if slices.Contains(w.queue.sent, "tenant-a") || slices.Contains(w.queue.sent, "tenant-c") {
			t.Fatalf("day %d: enqueued %v before 7 days of notice", d, w.queue.sent)
		}
		if !slices.Contains(upcomingIDs(r), "tenant-a") {
			t.Errorf("day %d: upcoming %v lacks tenant-a", d, upcomingIDs(r))
		}
	}
	if a, _ := w.reg.Get(ctx, "tenant-a"); !a.NoticeSent.Equal(day0) {
		t.Errorf("tenant-a's notice moved to %s", a.NoticeSent)
	}
	// Day 7: tenant-a's notice has been out for 7 days, tenant-c is not due
	// until 15:00; day 8: tenant-c, due 7.5 days after its notice.
	w.queue.sent = nil
	w.sweep(t, days(7), false)
	if !slices.Equal(w.queue.sent, []string{"tenant-b", "tenant-a"}) && !slices.Equal(w.queue.sent, []string{"tenant-a", "tenant-b"}) {
		t.Errorf("day 7: enqueued %v, want tenant-a (and tenant-b, still terminated here)", w.queue.sent)
	}
	w.queue.sent = nil
	w.sweep(t, days(8), false)
	if !slices.Contains(w.queue.sent, "tenant-c") {
		t.Errorf("day 8: enqueued %v, want tenant-c on the first sweep after its due date", w.queue.sent)
	}
	a, err := w.reg.StartPurge(ctx, "tenant-a", "r", days(8))
	if err != nil {
		t.Fatalf("claim tenant-a on day 8: %v", err)
	}
	// The promised window is still the contract's.
	if !a.PurgeDue.Equal(days(-15)) || !a.PurgeDeadline.Equal(days(15)) {
		t.Errorf("tenant-a window %s to %s, want the termination's: %s to %s", a.PurgeDue, a.PurgeDeadline, days(-15), days(15))
	}
}

// TestSweep_NoticeOffStillWaitsForThePurgeDay: without the advance notice a
// due tenant still waits for a purge day, and counts for the deadline.
func TestSweep_NoticeOffStillWaitsForThePurgeDay(t *testing.T) {
	cfg := sweepCfg
	cfg.AdvanceNoticeDays, cfg.PurgeDays = 0, []string{"Tue"}
	monday, _ := time.Parse(time.RFC3339, "2026-07-13T03:00:00+09:00")
	w := newSweepWorld(t, cfg, monday.AddDate(0, 0, -40))
	w.terminate(t, "tenant-a", monday.AddDate(0, 0, -40)) // due Tue 7 July: missed
	res := w.sweep(t, monday, false)
	if len(res.Due) != 0 || len(w.queue.sent) != 0 || len(res.Upcoming) != 0 || len(w.ops.sent) != 0 {
		t.Fatalf("Monday: due %v, enqueued %v, upcoming %v, notices %d", res.Due, w.queue.sent, res.Upcoming, len(w.ops.sent))
	}
	if len(res.Waiting) != 1 || !strings.Contains(res.Waiting[0].Waiting, "is not a purge day") || res.DeadlineDaysLeftMin == nil {
		t.Fatalf("Monday: waiting %+v, deadline %v", res.Waiting, res.DeadlineDaysLeftMin)
	}
	if want, _ := time.Parse(time.RFC3339, "2026-07-14T00:00:00+09:00"); !res.Waiting[0].NotBefore.Equal(want) {
		t.Errorf("not before %s, want %s", res.Waiting[0].NotBefore, want)
	}
	w.sweep(t, monday.AddDate(0, 0, 1), false)
	if !slices.Equal(w.queue.sent, []string{"tenant-a"}) {
		t.Errorf("Tuesday: enqueued %v, want tenant-a", w.queue.sent)
	}
}
