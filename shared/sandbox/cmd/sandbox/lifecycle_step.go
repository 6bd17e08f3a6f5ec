package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// backdated is the tenant whose termination arrives late in the lifecycle
// step; the other steps never see it.
const backdated = "tenant-6"

// lifecycleStep shows, through the real tenant-purger binary, what keeps a
// purge from starting early: a termination that arrives 45 days after the
// contract ended (30 days' grace) is due at once by its dates, yet waits
// until ops have had the advance notice for advanceNoticeDays; a purge
// message before then is refused, and so is a run with -now in the future
// that is not a dry run, and a sweep event dated ahead cannot start the
// purge of a tenant still in its grace period. Their data stays as it was.
func lifecycleStep(ctx context.Context, d *demoRun) ([]string, error) {
	cfg := d.w.cfg
	zone := cfg.Location()
	day := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04 MST") }
	var lines []string

	if err := scenario.SeedTenantObjects(ctx, d.w.s3, backdated, scenario.DefaultTenantShape); err != nil {
		return nil, err
	}
	before, err := scenario.TenantFingerprints(ctx, d.w.s3)
	if err != nil {
		return nil, err
	}
	ended := d.w.now.AddDate(0, 0, -45)
	for _, ev := range []tenant.Event{
		{ID: "demo-" + backdated + "-registered", Type: tenant.EventRegistered, TenantID: backdated, OccurredAt: d.w.now.AddDate(-1, 0, 0),
			Name: "株式会社おくれ", Contacts: []tenant.Contact{{Email: "security@" + backdated + ".example.jp"}}},
		{ID: "demo-" + backdated + "-terminated", Type: tenant.EventTerminated, TenantID: backdated, OccurredAt: ended},
	} {
		b, _ := json.Marshal(ev.CloudWatchEvent("000000000000", cfg.Region, d.w.now))
		label := "tenant-purger-" + strings.ReplaceAll(strings.ToLower(string(ev.Type)), " ", "-") + "-" + backdated
		path, err := d.writeEvent(label, b)
		if err != nil {
			return lines, err
		}
		out, err := d.invoke(ctx, "tenant-purger", label, "-event", path)
		if err != nil {
			return lines, err
		}
		var res purger.LifecycleResult
		if err := json.Unmarshal(out, &res); err != nil || res.Result != tenant.ResultApplied {
			return lines, fmt.Errorf("%s for %s: %s %v", ev.Type, backdated, out, err)
		}
	}
	reg, err := tenant.New(scenario.DepsFor(d.w.sb).DynamoDB, d.w.tenants.Table, cfg.Tenants)
	if err != nil {
		return lines, err
	}
	t, err := reg.Get(ctx, backdated)
	if err != nil {
		return lines, err
	}
	lines = append(lines, fmt.Sprintf("%s: termination of %s arrives now, 45 days late: purge due %s (already past), deadline %s", backdated, day(ended), day(t.PurgeDue), day(t.PurgeDeadline)))

	// The daily sweep notices it and does not enqueue it.
	ev, err := d.writeEvent("tenant-purger-sweep-backdated", runner.ScheduledEventJSON(time.Now(), nil))
	if err != nil {
		return lines, err
	}
	out, err := d.invoke(ctx, "tenant-purger", "tenant-purger-sweep-backdated", "-event", ev)
	if err != nil {
		return lines, err
	}
	var sweep purger.SweepResult
	if err := json.Unmarshal(out, &sweep); err != nil {
		return lines, fmt.Errorf("sweep result: %w", err)
	}
	var waiting *purger.DueTenant
	for i := range sweep.Waiting {
		if sweep.Waiting[i].ID == backdated {
			waiting = &sweep.Waiting[i]
		}
	}
	noticed := slices.ContainsFunc(sweep.Upcoming, func(u purger.PlannedTenant) bool { return u.ID == backdated })
	if waiting == nil || !noticed || slices.Contains(sweep.Enqueued, backdated) || sweep.OpsMessageID == "" {
		return lines, fmt.Errorf("sweep: %s waiting %v, in the notice %v, enqueued %v, ops message %q", backdated, waiting != nil, noticed, sweep.Enqueued, sweep.OpsMessageID)
	}
	t, err = reg.Get(ctx, backdated)
	if err != nil || t.NoticeSent.IsZero() {
		return lines, fmt.Errorf("registry: %s has no notice_sent_at after the sweep (%v)", backdated, err)
	}
	lines = append(lines, fmt.Sprintf("sweep: %s not enqueued; advance notice to ops sent (SNS %s), recorded as notice_sent_at %s; purge starts not before %s",
		backdated, sweep.OpsMessageID, day(t.NoticeSent), day(waiting.NotBefore)))

	// A purge message now is refused by the registry's claim.
	msg := purger.Message{TenantID: backdated, Reason: purger.ReasonDue, Enqueued: time.Now().UTC(), Round: 1}.Encode()
	b, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "demo-early", Body: msg, EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:" + cfg.Region + ":000000000000:" + scenario.PurgeQueue}}})
	path, err := d.writeEvent("tenant-purger-"+backdated+"-early", b)
	if err != nil {
		return lines, err
	}
	out, err = d.invoke(ctx, "tenant-purger", "tenant-purger-"+backdated+"-early", "-event", path)
	var batch purger.BatchResult
	if err != nil || json.Unmarshal(out, &batch) != nil || len(batch.Purges) != 1 || batch.Purges[0].Action != purger.ActionRefused ||
		!strings.Contains(batch.Purges[0].Reason, "advance notice") {
		return lines, fmt.Errorf("a purge message before the notice period: %s %v", out, err)
	}
	lines = append(lines, fmt.Sprintf("purge message for %s now: %s (%s)", backdated, batch.Purges[0].Action, shorten(batch.Purges[0].Reason, 120)))

	// A real run "as if it were next month" is refused before it starts.
	later := time.Now().AddDate(0, 1, 0).Format(time.RFC3339)
	_, err = d.invoke(ctx, "tenant-purger", "tenant-purger-"+backdated+"-now", "-now", later, "-event", path)
	if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "-now needs -dry-run") {
		return lines, fmt.Errorf("tenant-purger invoke -now %s without -dry-run: %v, want exit 2", later, err)
	}
	lines = append(lines, fmt.Sprintf("tenant-purger invoke -now %s (no -dry-run): refused, exit 2", later))

	// A sweep event dated ten days ahead (replayed or crafted: no -now
	// needed) enqueues a tenant still in its grace period; the claim, by
	// the real clock, refuses it.
	ahead := time.Now().AddDate(0, 0, 10)
	ev, err = d.writeEvent("tenant-purger-sweep-ahead", runner.ScheduledEventJSON(ahead, nil))
	if err != nil {
		return lines, err
	}
	if out, err = d.invoke(ctx, "tenant-purger", "tenant-purger-sweep-ahead", "-event", ev); err != nil {
		return lines, err
	}
	sweep = purger.SweepResult{}
	if err := json.Unmarshal(out, &sweep); err != nil || !slices.Contains(sweep.Enqueued, scenario.TenantInGrace) {
		return lines, fmt.Errorf("a sweep dated %s: enqueued %v (%v), want %s", ahead.Format(time.RFC3339), sweep.Enqueued, err, scenario.TenantInGrace)
	}
	msgs, err := d.w.sb.Sim.SQS().Messages(scenario.PurgeQueue)
	if err != nil {
		return lines, err
	}
	var early *purger.Outcome
	for _, m := range msgs {
		if pm, err := purger.ParseMessage(m.Body); err != nil || pm.TenantID != scenario.TenantInGrace {
			continue
		}
		b, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: m.MessageId, Body: m.Body, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:" + cfg.Region + ":000000000000:" + scenario.PurgeQueue}}})
		label := "tenant-purger-" + scenario.TenantInGrace + "-ahead"
		path, err := d.writeEvent(label, b)
		if err != nil {
			return lines, err
		}
		out, err := d.invoke(ctx, "tenant-purger", label, "-event", path)
		var res purger.BatchResult
		if err != nil || json.Unmarshal(out, &res) != nil || len(res.Purges) != 1 {
			return lines, fmt.Errorf("purge message for %s: %s %v", scenario.TenantInGrace, out, err)
		}
		early = &res.Purges[0]
	}
	if early == nil || early.Action != purger.ActionRefused || !strings.Contains(early.Reason, "its purge is not due until") {
		return lines, fmt.Errorf("the purge of %s, in its grace period, was not refused: %+v", scenario.TenantInGrace, early)
	}
	lines = append(lines, fmt.Sprintf("sweep event dated %s: enqueued %s (in its grace period); its purge message: %s (%s)",
		day(ahead), scenario.TenantInGrace, early.Action, shorten(early.Reason[strings.Index(early.Reason, "its purge"):], 110)))

	after, err := scenario.TenantFingerprints(ctx, d.w.s3)
	if err != nil {
		return lines, err
	}
	for _, id := range []string{backdated, scenario.TenantInGrace} {
		if after[id] != before[id] {
			return lines, fmt.Errorf("%s's data changed: %+v → %+v", id, before[id], after[id])
		}
	}
	lines = append(lines, fmt.Sprintf("%s and %s: %d versions and delete markers each, unchanged byte for byte", backdated, scenario.TenantInGrace, after[backdated].Versions))
	return lines, nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
