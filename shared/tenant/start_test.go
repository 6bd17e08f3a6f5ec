package tenant_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/tenant"
)

func jst(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTransition_CalendarMonths: a termination under operator 003's promise
// (2 calendar months from the day after the contract ends) is due at 00:00
// JST on 1 March, whatever the day of December it ended.
func TestTransition_CalendarMonths(t *testing.T) {
	cfg := testCfg
	cfg.GracePeriodDays, cfg.GracePeriodMonths, cfg.Zone = 0, 2, "Asia/Tokyo"
	for _, tc := range []struct{ ended, due, deadline string }{
		{"2026-12-31T17:30:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"2026-12-30T10:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"2027-01-01T00:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"2026-12-29T10:00:00+09:00", "2027-03-01T00:00:00+09:00", "2027-03-31T00:00:00+09:00"},
		{"2026-12-27T10:00:00+09:00", "2027-02-28T00:00:00+09:00", "2027-03-30T00:00:00+09:00"},
	} {
		reg, _, err := tenant.Transition(nil, event(tenant.EventRegistered, "tenant-1", jst(t, "2026-04-01T09:00:00+09:00")), cfg, jst(t, "2027-01-02T00:00:00+09:00"))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := tenant.Transition(&reg, event(tenant.EventTerminated, "tenant-1", jst(t, tc.ended)), cfg, jst(t, "2027-01-02T00:00:00+09:00"))
		if err != nil {
			t.Fatal(err)
		}
		if !got.PurgeDue.Equal(jst(t, tc.due)) || !got.PurgeDeadline.Equal(jst(t, tc.deadline)) {
			t.Errorf("ended %s: due %s, deadline %s; want %s, %s", tc.ended, got.PurgeDue, got.PurgeDeadline, tc.due, tc.deadline)
		}
	}
}

// TestTransition_NoticeFollowsTheTermination: a re-dated termination keeps
// the notice ops already had; a reinstatement forgets it, so a later
// termination waits for a notice of its own.
func TestTransition_NoticeFollowsTheTermination(t *testing.T) {
	cur := state(t, tenant.StatusTerminated)
	cur.NoticeSent = at(35)
	redated, _ := mustApply(t, &cur, event(tenant.EventTerminated, "tenant-1", at(12)), at(100))
	if !redated.NoticeSent.Equal(at(35)) || !redated.PurgeDue.Equal(at(42)) {
		t.Errorf("re-dated: notice %s, due %s; want the notice kept and due at day 42", redated.NoticeSent, redated.PurgeDue)
	}
	back, _ := mustApply(t, &redated, event(tenant.EventReinstated, "tenant-1", at(50)), at(100))
	if !back.NoticeSent.IsZero() {
		t.Errorf("reinstated: notice %s kept, want it cleared", back.NoticeSent)
	}
	again, _ := mustApply(t, &back, event(tenant.EventTerminated, "tenant-1", at(60)), at(100))
	if !again.NoticeSent.IsZero() || again.Status != tenant.StatusTerminated {
		t.Errorf("terminated again: %+v, want terminated with no notice", again)
	}
}

func TestTenant_Blocked(t *testing.T) {
	notice := testCfg
	notice.AdvanceNoticeDays = 7
	tuesdays := testCfg
	tuesdays.PurgeDays = []string{"Tue"}
	terminated := state(t, tenant.StatusTerminated) // due at day 40 (Mon 11 May 2026, 09:00 JST)
	noticed := terminated
	noticed.NoticeSent = at(50)
	for _, tc := range []struct {
		name string
		cfg  config.Tenants
		t    tenant.Tenant
		now  time.Time
		want string // "" when the purge may start
	}{
		{"due", testCfg, terminated, at(40), ""},
		{"not due", testCfg, terminated, at(39.99), "its purge is not due until 2026-05-11T00:00:00.000Z"},
		{"active", testCfg, state(t, tenant.StatusActive), at(100), "status is active"},
		{"purged", testCfg, state(t, tenant.StatusPurged), at(100), "status is purged"},
		{"purging resumes on any day", tuesdays, state(t, tenant.StatusPurging), at(42), ""},
		{"backdated, no notice yet", notice, terminated, at(100), "ops have not had the advance notice of this purge yet (tenants.advanceNoticeDays is 7)"},
		{"notice too recent", notice, noticed, at(56.99), "ops have had the advance notice only since 2026-05-21T00:00:00.000Z: the purge waits until 2026-05-28T00:00:00.000Z"},
		{"notice old enough", notice, noticed, at(57), ""},
		{"not a purge day", tuesdays, terminated, at(42), "Wed 2026-05-13 JST is not a purge day (tenants.purgeDays: Tue)"},
		{"a purge day", tuesdays, terminated, at(41), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.t.Blocked(tc.cfg, tc.now)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Blocked = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTenant_EarliestStart(t *testing.T) {
	cfg := testCfg
	cfg.AdvanceNoticeDays = 7
	terminated := state(t, tenant.StatusTerminated) // due at day 40
	// Not yet noticed: the notice goes out at now, the purge 7 days later.
	if got := terminated.EarliestStart(cfg, at(100)); !got.Equal(at(107)) {
		t.Errorf("backdated: %s, want day 107", got)
	}
	// Noticed in good time: the due date rules.
	noticed := terminated
	noticed.NoticeSent = at(32)
	if got := noticed.EarliestStart(cfg, at(33)); !got.Equal(at(40)) {
		t.Errorf("noticed early: %s, want day 40", got)
	}
	// With Tuesdays only, day 107 (Fri 17 July 2026, 09:00 JST) moves to
	// 00:00 JST on Tuesday 21 July.
	cfg.PurgeDays = []string{"Tue"}
	if got, want := terminated.EarliestStart(cfg, at(100)), jst(t, "2026-07-21T00:00:00+09:00"); !got.Equal(want) {
		t.Errorf("purge day: %s, want %s", got, want)
	}
}

// TestRegistry_ClaimUsesTheWallClock: a caller whose clock runs ahead (invoke
// -now in the future) cannot start a purge in the grace period.
func TestRegistry_ClaimUsesTheWallClock(t *testing.T) {
	reg, _, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(35))
	apply(t, reg, event(tenant.EventRegistered, "tenant-1", t0))
	apply(t, reg, event(tenant.EventTerminated, "tenant-1", at(10))) // due at day 40
	_, err := reg.StartPurge(ctx, "tenant-1", "future", at(400))
	if !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "its purge is not due until 2026-05-11T00:00:00.000Z (now 2026-05-06T00:00:00.000Z)") {
		t.Fatalf("a claim from the future at day 35: %v, want ErrConflict naming the due date and the real time", err)
	}
	if got := get(t, reg, "tenant-1"); got.Status != tenant.StatusTerminated || got.PurgeAttempts != 0 {
		t.Fatalf("the refused claim changed the tenant: %+v", got)
	}
	// A caller whose clock is behind cannot either.
	c.Set(at(41))
	if _, err := reg.StartPurge(ctx, "tenant-1", "past", at(39)); !errors.Is(err, tenant.ErrConflict) {
		t.Fatalf("a claim dated before the due date: %v, want ErrConflict", err)
	}
	got, err := reg.StartPurge(ctx, "tenant-1", "now", at(41))
	if err != nil {
		t.Fatal(err)
	}
	if !got.PurgeStarted.Equal(at(41)) {
		t.Errorf("purge_started_at %s, want the wall clock (day 41)", got.PurgeStarted)
	}
}

// TestRegistry_BackdatedTerminationWaitsForTheNotice: a termination that
// arrives long after the contract ended is due at once by its dates, but
// its purge starts only once ops have had the advance notice for
// advanceNoticeDays; the notice's time is recorded once.
func TestRegistry_BackdatedTerminationWaitsForTheNotice(t *testing.T) {
	reg, db, c := newRegistry(t)
	reg.Config.AdvanceNoticeDays = 7
	ctx := context.Background()
	c.Set(at(100))
	apply(t, reg, event(tenant.EventRegistered, "tenant-1", t0))
	apply(t, reg, event(tenant.EventTerminated, "tenant-1", at(10))) // replayed 90 days late: due at day 40, deadline day 70
	if due, err := reg.Due(ctx, at(100)); err != nil || len(due) != 0 {
		t.Fatalf("due = %v, %v; want none before the notice", ids(due), err)
	}
	if up, err := reg.Upcoming(ctx, at(100), 8); err != nil || len(up) != 1 || up[0].ID != "tenant-1" {
		t.Fatalf("upcoming = %v, %v; want tenant-1, waiting for its notice", ids(up), err)
	}
	if _, err := reg.StartPurge(ctx, "tenant-1", "r", at(100)); !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "ops have not had the advance notice") {
		t.Fatalf("claim before the notice: %v", err)
	}

	sent, err := reg.RecordNotice(ctx, "tenant-1", at(10))
	if err != nil || !sent.Equal(at(100)) {
		t.Fatalf("RecordNotice = %s, %v; want the wall clock, day 100", sent, err)
	}
	c.Set(at(101))
	if again, err := reg.RecordNotice(ctx, "tenant-1", at(10)); err != nil || !again.Equal(at(100)) {
		t.Errorf("a second notice moved the record: %s, %v; want day 100 kept", again, err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(reg.Table), Key: map[string]types.AttributeValue{"tenant_id": &types.AttributeValueMemberS{Value: "tenant-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := out.Item[tenant.NoticeSentAttribute].(*types.AttributeValueMemberS); !ok || s.Value != "2026-07-10T00:00:00.000Z" {
		t.Errorf("stored %s = %v, want 2026-07-10T00:00:00.000Z", tenant.NoticeSentAttribute, out.Item[tenant.NoticeSentAttribute])
	}

	c.Set(at(106.99))
	if _, err := reg.StartPurge(ctx, "tenant-1", "r", at(106.99)); !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "the purge waits until 2026-07-17T00:00:00.000Z") {
		t.Fatalf("claim 6.99 days after the notice: %v", err)
	}
	if due, _ := reg.Due(ctx, at(106.99)); len(due) != 0 {
		t.Errorf("due 6.99 days after the notice: %v", ids(due))
	}
	c.Set(at(107))
	if due, _ := reg.Due(ctx, at(107)); len(due) != 1 {
		t.Errorf("due 7 days after the notice: %v, want tenant-1", ids(due))
	}
	got, err := reg.StartPurge(ctx, "tenant-1", "r", at(107))
	if err != nil {
		t.Fatalf("claim 7 days after the notice: %v", err)
	}
	// The promised window still counts from the real termination.
	if !got.PurgeDue.Equal(at(40)) || !got.PurgeDeadline.Equal(at(70)) || !got.NoticeSent.Equal(at(100)) {
		t.Errorf("purging record: due %s deadline %s notice %s", got.PurgeDue, got.PurgeDeadline, got.NoticeSent)
	}
}

func TestRegistry_RecordNoticeConflicts(t *testing.T) {
	reg, _, c := newRegistry(t)
	ctx := context.Background()
	c.Set(at(100))
	apply(t, reg, event(tenant.EventRegistered, "tenant-1", t0))
	apply(t, reg, event(tenant.EventTerminated, "tenant-1", at(10)))
	if _, err := reg.RecordNotice(ctx, "tenant-1", at(9)); !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "re-dated") {
		t.Errorf("notice for another termination time: %v", err)
	}
	apply(t, reg, event(tenant.EventReinstated, "tenant-1", at(20)))
	if _, err := reg.RecordNotice(ctx, "tenant-1", at(10)); !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "status is active") {
		t.Errorf("notice for a reinstated tenant: %v", err)
	}
	if _, err := reg.RecordNotice(ctx, "nobody", at(10)); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("notice for an unknown tenant: %v", err)
	}
	if got := get(t, reg, "tenant-1"); !got.NoticeSent.IsZero() {
		t.Errorf("a refused notice was recorded: %s", got.NoticeSent)
	}
}

// TestRegistry_PurgeDays: with purges on Tuesdays only, a due tenant is not
// claimed on the Wednesday after it missed its day, but a purge already
// running resumes on any day.
func TestRegistry_PurgeDays(t *testing.T) {
	reg, _, c := newRegistry(t)
	reg.Config.PurgeDays = []string{"Tue"}
	ctx := context.Background()
	c.Set(at(12))
	for _, id := range []string{"tenant-1", "tenant-2"} {
		apply(t, reg, event(tenant.EventRegistered, id, t0))
		apply(t, reg, event(tenant.EventTerminated, id, at(10)))
	}
	tn := get(t, reg, "tenant-1")
	if want := jst(t, "2026-05-12T00:00:00+09:00"); !tn.PurgeDue.Equal(want) {
		t.Fatalf("due %s, want %s: 30 days after Sat 11 April is Mon 11 May, and the first Tuesday that begins after it is 12 May", tn.PurgeDue, want)
	}
	c.Set(jst(t, "2026-05-12T03:00:00+09:00"))
	if _, err := reg.StartPurge(ctx, "tenant-1", "r", c.Now()); err != nil {
		t.Fatalf("Tuesday: %v", err)
	}
	c.Set(jst(t, "2026-05-13T03:00:00+09:00"))
	if _, err := reg.StartPurge(ctx, "tenant-2", "r", c.Now()); !errors.Is(err, tenant.ErrConflict) || !strings.Contains(err.Error(), "Wed 2026-05-13 JST is not a purge day (tenants.purgeDays: Tue)") {
		t.Fatalf("Wednesday: %v, want ErrConflict naming the purge days", err)
	}
	if due, _ := reg.Due(ctx, c.Now()); len(due) != 1 || due[0].ID != "tenant-1" {
		t.Errorf("due on Wednesday = %v, want only the purge in progress", ids(due))
	}
	if _, err := reg.StartPurge(ctx, "tenant-1", "r2", c.Now()); err != nil {
		t.Errorf("resuming on Wednesday: %v", err)
	}
	c.Set(jst(t, "2026-05-19T00:00:00+09:00"))
	if _, err := reg.StartPurge(ctx, "tenant-2", "r", c.Now()); err != nil {
		t.Errorf("the next Tuesday: %v", err)
	}
}
