package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/pledge-dev/pledge/shared/config"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// The DynamoDB stand-in starts on first use and stops after the tests, so
// the pure tests and fuzz workers never start it.
var (
	dynOnce sync.Once
	dynProc *sandbox.Process
	dynErr  error
	tables  atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dynProc != nil {
		dynProc.Stop()
	}
	os.Exit(code)
}

func dynamo(t *testing.T) *dynamodb.Client {
	t.Helper()
	dynOnce.Do(func() { dynProc, dynErr = sandbox.StartDynalite(context.Background()) })
	if dynErr != nil {
		t.Fatalf("DynamoDB stand-in: %v", dynErr)
	}
	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(dynProc.URL) })
}

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// newRegistry creates a fresh table in the stand-in and a registry over it.
func newRegistry(t *testing.T) (*tenant.Registry, *dynamodb.Client, *clock) {
	t.Helper()
	db := dynamo(t)
	name := fmt.Sprintf("registry-%d", tables.Add(1))
	ctx := context.Background()
	if err := tenant.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	reg, err := tenant.New(db, name, testCfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	reg.Now, reg.WallClock = c.Now, c.Now
	return reg, db, c
}

func apply(t *testing.T, reg *tenant.Registry, ev tenant.Event) tenant.Outcome {
	t.Helper()
	out, err := reg.Apply(context.Background(), ev)
	if err != nil {
		t.Fatalf("apply %s %s: %v", ev.Type, ev.TenantID, err)
	}
	return out
}

func get(t *testing.T, reg *tenant.Registry, id string) tenant.Tenant {
	t.Helper()
	got, err := reg.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRegistry_AppliesFixturesIdempotently(t *testing.T) {
	reg, _, _ := newRegistry(t)
	ctx := context.Background()
	files := []string{"tenant-registered.json", "tenant-contact-changed.json", "tenant-terminated.json", "tenant-reinstated.json"}
	var evs []tenant.Event
	for _, f := range files {
		ev, err := tenant.Parse(readFixture(t, f))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	want := []tenant.Status{tenant.StatusActive, tenant.StatusActive, tenant.StatusTerminated, tenant.StatusActive}
	for i, ev := range evs {
		out := apply(t, reg, ev)
		if out.Result != tenant.ResultApplied || out.To != want[i] {
			t.Fatalf("%s: %s to %s, want applied to %s", files[i], out.Result, out.To, want[i])
		}
		got := get(t, reg, "tenant-1")
		if got.Status != want[i] || got.Version != int64(i+1) {
			t.Fatalf("%s: stored status %s version %d", files[i], got.Status, got.Version)
		}
		if ev.Type == tenant.EventTerminated {
			if due := time.Date(2026, 10, 31, 3, 0, 0, 0, time.UTC); !got.PurgeDue.Equal(due) {
				t.Errorf("purge due %s, want %s", got.PurgeDue, due)
			}
		}
	}
	before := get(t, reg, "tenant-1")
	if before.Name != "株式会社サンプルホールディングス" || len(before.SharedResources) != 2 || before.Contacts[0].Timezone != "Asia/Tokyo" || before.Contacts[1].Timezone != "America/Los_Angeles" {
		t.Errorf("stored record: %+v", before)
	}
	// EventBridge delivers at least once: every event again, in any order.
	for _, i := range []int{2, 0, 3, 1} {
		out, err := reg.Apply(ctx, evs[i])
		if err != nil || out.Result != tenant.ResultDuplicate {
			t.Errorf("%s again: %s, %v; want duplicate, nil", files[i], out.Result, err)
		}
	}
	if after := get(t, reg, "tenant-1"); after.Version != before.Version || after.Status != before.Status || !after.Updated.Equal(before.Updated) {
		t.Errorf("duplicates changed the record: version %d -> %d", before.Version, after.Version)
	}
}

// TestRegistry_Transitions walks every allowed transition and tries every
// forbidden one against the stand-in.
func TestRegistry_Transitions(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name string
		do   func(reg *tenant.Registry, id string) error
		err  error         // nil: must succeed
		want tenant.Status // status afterwards ("" when not found)
	}
	ev := func(typ tenant.EventType, day float64) func(*tenant.Registry, string) error {
		return func(reg *tenant.Registry, id string) error {
			e := event(typ, id, at(day))
			if typ == tenant.EventContactChanged {
				e.Name = "変更後"
			}
			_, err := reg.Apply(ctx, e)
			return err
		}
	}
	locs := func(day float64, bucket string) func(*tenant.Registry, string) error {
		return func(reg *tenant.Registry, id string) error {
			e := contactChange(id, at(day), func(e *tenant.Event) {
				e.Locations = []tenant.Location{{Bucket: bucket, Prefix: "tenants/" + id + "/"}}
			})
			_, err := reg.Apply(ctx, e)
			return err
		}
	}
	start := func(day float64) func(*tenant.Registry, string) error {
		return func(reg *tenant.Registry, id string) error {
			_, err := reg.StartPurge(ctx, id, "req-1", at(day))
			return err
		}
	}
	purged := func(day float64) func(*tenant.Registry, string) error {
		return func(reg *tenant.Registry, id string) error { return reg.MarkPurged(ctx, id, at(day)) }
	}
	checkpoint := func(reg *tenant.Registry, id string) error {
		return reg.SaveCheckpoint(ctx, id, []byte(`{"key":"x"}`))
	}
	// Termination at day 10: purge due at day 40.
	tests := []struct {
		name  string
		steps []step
	}{
		{"full life", []step{
			{"register", ev(tenant.EventRegistered, 0), nil, tenant.StatusActive},
			{"contact change while active", ev(tenant.EventContactChanged, 1), nil, tenant.StatusActive},
			{"purge an active tenant", start(100), tenant.ErrConflict, tenant.StatusActive},
			{"checkpoint an active tenant", checkpoint, tenant.ErrConflict, tenant.StatusActive},
			{"mark an active tenant purged", purged(100), tenant.ErrConflict, tenant.StatusActive},
			{"register twice", ev(tenant.EventRegistered, 2), tenant.ErrConflict, tenant.StatusActive},
			{"terminate", ev(tenant.EventTerminated, 10), nil, tenant.StatusTerminated},
			{"purge before due", start(39.9), tenant.ErrConflict, tenant.StatusTerminated},
			{"checkpoint a terminated tenant", checkpoint, tenant.ErrConflict, tenant.StatusTerminated},
			{"mark a terminated tenant purged", purged(41), tenant.ErrConflict, tenant.StatusTerminated},
			{"contact change while terminated", ev(tenant.EventContactChanged, 11), nil, tenant.StatusTerminated},
			{"locations while terminated", locs(12, "tenant-data"), nil, tenant.StatusTerminated},
			{"purge when due", start(40), nil, tenant.StatusPurging},
			{"resume purge", start(41), nil, tenant.StatusPurging},
			{"checkpoint while purging", checkpoint, nil, tenant.StatusPurging},
			{"reinstate while purging", ev(tenant.EventReinstated, 42), tenant.ErrConflict, tenant.StatusPurging},
			{"contact change while purging", ev(tenant.EventContactChanged, 42), nil, tenant.StatusPurging},
			{"locations while purging", locs(43, "tenant-uploads"), tenant.ErrConflict, tenant.StatusPurging},
			{"mark purged", purged(44), nil, tenant.StatusPurged},
			{"mark purged again, same time", purged(44), nil, tenant.StatusPurged},
			{"mark purged again, other time", purged(45), tenant.ErrConflict, tenant.StatusPurged},
			{"purge a purged tenant", start(46), tenant.ErrConflict, tenant.StatusPurged},
			{"checkpoint a purged tenant", checkpoint, tenant.ErrConflict, tenant.StatusPurged},
			{"reinstate a purged tenant", ev(tenant.EventReinstated, 46), tenant.ErrConflict, tenant.StatusPurged},
			{"contact change when purged", ev(tenant.EventContactChanged, 46), tenant.ErrConflict, tenant.StatusPurged},
			{"register a purged id", ev(tenant.EventRegistered, 47), tenant.ErrConflict, tenant.StatusPurged},
		}},
		{"reinstatement", []step{
			{"register", ev(tenant.EventRegistered, 0), nil, tenant.StatusActive},
			{"terminate", ev(tenant.EventTerminated, 10), nil, tenant.StatusTerminated},
			{"reinstate after due, before the purge", ev(tenant.EventReinstated, 45), nil, tenant.StatusActive},
			{"purge a reinstated tenant", start(50), tenant.ErrConflict, tenant.StatusActive},
			{"terminate again", ev(tenant.EventTerminated, 60), nil, tenant.StatusTerminated},
			{"purge at the new due date only", start(89), tenant.ErrConflict, tenant.StatusTerminated},
			{"purge when due", start(90), nil, tenant.StatusPurging},
		}},
		{"unknown tenant", []step{
			{"terminate", ev(tenant.EventTerminated, 10), tenant.ErrNotFound, ""},
			{"reinstate", ev(tenant.EventReinstated, 10), tenant.ErrNotFound, ""},
			{"contact change", ev(tenant.EventContactChanged, 10), tenant.ErrNotFound, ""},
			{"purge", start(10), tenant.ErrNotFound, ""},
			{"checkpoint", checkpoint, tenant.ErrNotFound, ""},
			{"mark purged", purged(10), tenant.ErrNotFound, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, _, c := newRegistry(t)
			c.Set(at(200))
			for _, s := range tt.steps {
				err := s.do(reg, "tenant-1")
				switch {
				case s.err == nil && err != nil:
					t.Fatalf("%s: %v", s.name, err)
				case s.err != nil && !errors.Is(err, s.err):
					t.Fatalf("%s: error %v, want %v", s.name, err, s.err)
				case s.err != nil && !strings.Contains(err.Error(), "tenant-1"):
					t.Errorf("%s: error %q does not name the tenant", s.name, err)
				}
				got, err := reg.Get(ctx, "tenant-1")
				if s.want == "" {
					if !errors.Is(err, tenant.ErrNotFound) {
						t.Fatalf("%s: Get = %v, want ErrNotFound", s.name, err)
					}
					continue
				}
				if err != nil || got.Status != s.want {
					t.Fatalf("%s: status %s (%v), want %s", s.name, got.Status, err, s.want)
				}
			}
		})
	}
}

func TestRegistry_PurgeRecord(t *testing.T) {
	reg, _, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(200))
	apply(t, reg, event(tenant.EventRegistered, "tenant-1", t0))
	apply(t, reg, event(tenant.EventTerminated, "tenant-1", at(10)))
	c.Set(at(40))
	first, err := reg.StartPurge(ctx, "tenant-1", "req-1", at(40))
	if err != nil {
		t.Fatal(err)
	}
	if first.PurgeAttempts != 1 || first.PurgeOwner != "req-1" || !first.PurgeStarted.Equal(at(40)) || !first.Checkpoint.IsZero() {
		t.Fatalf("after StartPurge: %+v", first)
	}
	blob := []byte(`{"location":0,"keyMarker":"tenants/tenant-1/a b/é.txt","digest":"9f86d0"}`)
	if err := reg.SaveCheckpointAs(ctx, "tenant-1", "req-1", blob); err != nil {
		t.Fatal(err)
	}
	// A fresh invocation takes over; the first one's checkpoints now fail.
	c.Set(at(41))
	second, err := reg.StartPurge(ctx, "tenant-1", "req-2", at(41))
	if err != nil {
		t.Fatal(err)
	}
	if second.PurgeAttempts != 2 || second.PurgeOwner != "req-2" || !second.PurgeStarted.Equal(at(40)) || string(second.Checkpoint.Data) != string(blob) || !second.Checkpoint.Updated.Equal(at(40)) {
		t.Fatalf("resumed: attempts %d owner %s started %s checkpoint %s at %s", second.PurgeAttempts, second.PurgeOwner, second.PurgeStarted, second.Checkpoint.Data, second.Checkpoint.Updated)
	}
	err = reg.SaveCheckpointAs(ctx, "tenant-1", "req-1", []byte(`{"stale":true}`))
	if !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), `owned by "req-2"`) {
		t.Fatalf("stale owner's checkpoint: %v, want ErrConflict naming the new owner", err)
	}
	if got := get(t, reg, "tenant-1"); string(got.Checkpoint.Data) != string(blob) {
		t.Fatalf("stale owner overwrote the checkpoint: %s", got.Checkpoint.Data)
	}
	for _, bad := range [][]byte{nil, []byte(`{`), []byte(strings.Repeat(" ", tenant.MaxCheckpointBytes) + "1")} {
		if err := reg.SaveCheckpoint(ctx, "tenant-1", bad); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("checkpoint of %d bytes: %v, want ErrInvalid", len(bad), err)
		}
	}
	if err := reg.MarkPurged(ctx, "tenant-1", at(42)); err != nil {
		t.Fatal(err)
	}
	got := get(t, reg, "tenant-1")
	if got.Status != tenant.StatusPurged || !got.Purged.Equal(at(42)) || !got.PurgeDue.Equal(at(40)) || !got.PurgeDeadline.Equal(at(70)) {
		t.Errorf("purged record: %+v", got)
	}
}

// TestRegistry_RaceStartPurgeVsReinstatement races the purger's claim on a
// due tenant against a reinstatement: exactly one wins, every time, and the
// stored status is the winner's.
func TestRegistry_RaceStartPurgeVsReinstatement(t *testing.T) {
	reg, db, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(200))
	// Reads return late, by up to 8 ms, so that the reinstatement often
	// decides on a "terminated" it read before the purge's claim landed: the
	// window the conditional write must close. The claim starts late by up
	// to 10 ms, so either side can win.
	reg.DB = slowReads{DB: db, max: 8 * time.Millisecond}
	const rounds = 40
	var purgeWins, reinstateWins int
	for i := range rounds {
		id := fmt.Sprintf("race-%d", i)
		apply(t, reg, event(tenant.EventRegistered, id, t0))
		apply(t, reg, event(tenant.EventTerminated, id, at(10)))
		rein := event(tenant.EventReinstated, id, at(45))
		var wg sync.WaitGroup
		var purgeErr, reinErr error
		var reinOut tenant.Outcome
		gate := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-gate
			time.Sleep(rand.N(10 * time.Millisecond))
			_, purgeErr = reg.StartPurge(ctx, id, "req", at(45))
		}()
		go func() { defer wg.Done(); <-gate; reinOut, reinErr = reg.Apply(ctx, rein) }()
		close(gate)
		wg.Wait()
		got := get(t, reg, id)
		switch {
		case purgeErr == nil && reinErr != nil:
			purgeWins++
			if !errors.Is(reinErr, tenant.ErrConflict) || got.Status != tenant.StatusPurging {
				t.Fatalf("round %d: purge won; reinstatement error %v, status %s", i, reinErr, got.Status)
			}
		case reinErr == nil && purgeErr != nil:
			reinstateWins++
			if !errors.Is(purgeErr, tenant.ErrConflict) || got.Status != tenant.StatusActive || reinOut.Result != tenant.ResultApplied {
				t.Fatalf("round %d: reinstatement won; purge error %v, status %s", i, purgeErr, got.Status)
			}
		default:
			t.Fatalf("round %d: purge error %v, reinstatement error %v: want exactly one to win", i, purgeErr, reinErr)
		}
	}
	t.Logf("%d rounds: purge won %d, reinstatement won %d", rounds, purgeWins, reinstateWins)
}

// slowReads delays every GetItem's answer by a random time up to max.
type slowReads struct {
	tenant.DB
	max time.Duration
}

func (s slowReads) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := s.DB.GetItem(ctx, in, optFns...)
	time.Sleep(rand.N(s.max))
	return out, err
}

// TestRegistry_ConcurrentEventsBothApply: two lifecycle events that do not
// conflict, applied at once, both take effect (the loser re-reads and
// applies on top).
func TestRegistry_ConcurrentEventsBothApply(t *testing.T) {
	reg, db, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(200))
	reg.DB = slowReads{DB: db, max: 5 * time.Millisecond}
	for i := range 10 {
		id := fmt.Sprintf("both-%d", i)
		apply(t, reg, event(tenant.EventRegistered, id, t0))
		evs := []tenant.Event{
			event(tenant.EventTerminated, id, at(10)),
			contactChange(id, at(11), func(e *tenant.Event) { e.Name = "新社名" }),
		}
		var wg sync.WaitGroup
		errs := make([]error, len(evs))
		for j, ev := range evs {
			wg.Go(func() { _, errs[j] = reg.Apply(ctx, ev) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got := get(t, reg, id)
		if got.Status != tenant.StatusTerminated || got.Name != "新社名" || got.Version != 3 {
			t.Fatalf("%s: status %s name %s version %d; want both events applied", id, got.Status, got.Name, got.Version)
		}
	}
}

func ids(ts []tenant.Tenant) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func TestRegistry_Queries(t *testing.T) {
	reg, _, c := newRegistry(t)
	ctx := context.Background()
	reg.PageSize = 2 // several pages per query
	c.Set(at(300))
	now := at(100)
	terminate := func(id string, day float64) {
		apply(t, reg, event(tenant.EventRegistered, id, t0))
		apply(t, reg, event(tenant.EventTerminated, id, at(day)))
	}
	terminate("tenant-1", 60)  // due at 90
	terminate("tenant-10", 70) // due at exactly now (100): due
	terminate("tenant-11", 50) // due at 80
	terminate("tenant-2", 75)  // due at 105: upcoming within 7 days
	terminate("tenant-3", 90)  // due at 120: upcoming within 30 days
	terminate("tenant-5", 20)  // purging
	if _, err := reg.StartPurge(ctx, "tenant-5", "r", at(60)); err != nil {
		t.Fatal(err)
	}
	terminate("tenant-6", 20) // purged
	if _, err := reg.StartPurge(ctx, "tenant-6", "r", at(60)); err != nil {
		t.Fatal(err)
	}
	if err := reg.MarkPurged(ctx, "tenant-6", at(61)); err != nil {
		t.Fatal(err)
	}
	apply(t, reg, event(tenant.EventRegistered, "tenant-4", t0)) // active
	terminate("tenant-7", 60)                                    // reinstated
	apply(t, reg, event(tenant.EventReinstated, "tenant-7", at(61)))
	apply(t, reg, event(tenant.EventRegistered, "tenant-8", t0))

	tests := []struct {
		name string
		run  func() ([]tenant.Tenant, error)
		want []string
	}{
		{"due", func() ([]tenant.Tenant, error) { return reg.Due(ctx, now) }, []string{"tenant-5", "tenant-11", "tenant-1", "tenant-10"}},
		{"due a millisecond earlier", func() ([]tenant.Tenant, error) { return reg.Due(ctx, now.Add(-time.Millisecond)) }, []string{"tenant-5", "tenant-11", "tenant-1"}},
		{"upcoming 7 days", func() ([]tenant.Tenant, error) { return reg.Upcoming(ctx, now, 7) }, []string{"tenant-2"}},
		{"upcoming 30 days", func() ([]tenant.Tenant, error) { return reg.Upcoming(ctx, now, 30) }, []string{"tenant-2", "tenant-3"}},
		{"upcoming 0 days", func() ([]tenant.Tenant, error) { return reg.Upcoming(ctx, now, 0) }, nil},
		{"active", func() ([]tenant.Tenant, error) { return reg.List(ctx, tenant.StatusActive) }, []string{"tenant-4", "tenant-7", "tenant-8"}},
		{"purged", func() ([]tenant.Tenant, error) { return reg.List(ctx, tenant.StatusPurged) }, []string{"tenant-6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
	if _, err := reg.Upcoming(ctx, now, -1); !errors.Is(err, tenant.ErrInvalid) {
		t.Errorf("Upcoming(-1): %v, want ErrInvalid", err)
	}
	if _, err := reg.List(ctx, "suspended"); !errors.Is(err, tenant.ErrInvalid) {
		t.Errorf("List(suspended): %v, want ErrInvalid", err)
	}
}

// TestRegistry_StoredLayout reads the item and the index with the plain SDK:
// the attribute names and time format are what the CDK stack's table and
// other readers rely on.
func TestRegistry_StoredLayout(t *testing.T) {
	reg, db, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(200))
	apply(t, reg, event(tenant.EventRegistered, "tenant-1", t0))
	apply(t, reg, event(tenant.EventRegistered, "tenant-2", t0))
	apply(t, reg, event(tenant.EventTerminated, "tenant-1", time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)))
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(reg.Table), Key: map[string]types.AttributeValue{"tenant_id": &types.AttributeValueMemberS{Value: "tenant-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string]string{
		"tenant_id": "tenant-1", "status": "terminated",
		"purge_due": "2026-10-31T03:00:00.000Z", "purge_deadline": "2026-11-30T03:00:00.000Z",
		"terminated_at": "2026-10-01T03:00:00.000Z", "registered_at": "2026-04-01T00:00:00.000Z",
	} {
		s, ok := out.Item[attr].(*types.AttributeValueMemberS)
		if !ok || s.Value != want {
			t.Errorf("attribute %s = %v, want %q", attr, out.Item[attr], want)
		}
	}
	q, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(reg.Table), IndexName: aws.String("by_status"),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "active"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Items) != 1 || q.Items[0]["purge_due"].(*types.AttributeValueMemberS).Value != tenant.NoPurgeDue {
		t.Errorf("active tenants in by_status: %v", q.Items)
	}
}

func TestRegistry_RejectsInvalidIDs(t *testing.T) {
	reg, db, _ := newRegistry(t)
	ctx := context.Background()
	for _, id := range []string{"", "..", "tenant-1/", "*", " tenant-1", "tenant-1\n", "Tenant-1", "ｔｅｎａｎｔ"} {
		if _, err := reg.Get(ctx, id); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("Get(%q): %v, want ErrInvalid", id, err)
		}
		if _, err := reg.StartPurge(ctx, id, "r", at(100)); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("StartPurge(%q): %v, want ErrInvalid", id, err)
		}
		if err := reg.SaveCheckpoint(ctx, id, []byte(`{}`)); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("SaveCheckpoint(%q): %v, want ErrInvalid", id, err)
		}
		if err := reg.MarkPurged(ctx, id, at(100)); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("MarkPurged(%q): %v, want ErrInvalid", id, err)
		}
		ev := event(tenant.EventRegistered, "x", t0)
		ev.TenantID = id
		if _, err := reg.Apply(ctx, ev); !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("%q", id)) {
			t.Errorf("Apply registration of %q: %v, want ErrInvalid naming the id", id, err)
		}
	}
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(reg.Table)})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Count != 0 {
		t.Errorf("invalid ids wrote %d items", scan.Count)
	}
}

func TestRegistry_ContactTimezones(t *testing.T) {
	reg, _, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(200))
	raw := envelope("Tenant Registered", `{"tenantId":"tenant-1","occurredAt":"2026-04-01T00:00:00Z","name":"n","contacts":[{"email":"a@example.jp"},{"email":"b@example.com","language":"en","timezone":"Europe/London"}]}`)
	ev, err := tenant.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, reg, ev)
	got := get(t, reg, "tenant-1")
	if got.Contacts[0].Timezone != "Asia/Tokyo" || got.Contacts[0].Language != "ja" || got.Contacts[1].Timezone != "Europe/London" {
		t.Errorf("contacts = %+v", got.Contacts)
	}
	if loc := got.Contacts[0].Location(); loc.String() != "Asia/Tokyo" {
		t.Errorf("default contact location = %s", loc)
	}
	bad := contactChange("tenant-1", at(1), func(e *tenant.Event) {
		e.Contacts = []tenant.Contact{{Email: "a@example.jp", Timezone: "Asia/Osaka"}}
	})
	if _, err := reg.Apply(ctx, bad); !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), `"Asia/Osaka"`) {
		t.Errorf("invalid zone: %v, want ErrInvalid naming it", err)
	}
	if after := get(t, reg, "tenant-1"); after.Version != got.Version {
		t.Errorf("a rejected event was written")
	}
}

func TestNew_RejectsBadSetup(t *testing.T) {
	db := &dynamodb.Client{}
	good := testCfg
	tests := []struct {
		name  string
		table string
		edit  func(c *tenantsCfg)
		want  string
	}{
		{"no table", "", func(*tenantsCfg) {}, "table name is empty"},
		{"no buckets", "t", func(c *tenantsCfg) { c.Buckets = nil }, "tenants.buckets is empty"},
		{"template without delimiter", "t", func(c *tenantsCfg) { c.PrefixTemplate = "tenants/{tenant}" }, `want one ending in "{tenant}/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			c.Buckets = slices.Clone(good.Buckets)
			tt.edit(&c)
			if _, err := tenant.New(db, tt.table, c); !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

type tenantsCfg = config.Tenants
