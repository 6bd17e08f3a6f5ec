package purger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/schedule"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// SweepResult is what the daily sweep found and did.
type SweepResult struct {
	// At is the time the sweep ran for: the schedule's time.
	At     time.Time `json:"at"`
	DryRun bool      `json:"dry_run,omitempty"`
	// Due are the tenants whose purge may run (terminated past their grace
	// period, or purging and unfinished).
	Due []DueTenant `json:"due"`
	// Enqueued are the tenants put on the purge queue.
	Enqueued []string `json:"enqueued"`
	// Waiting are the tenants due by their dates whose purge may not start
	// yet: ops have not had the advance notice for long enough (a backdated
	// or replayed termination), or it is not a purge day.
	Waiting []DueTenant `json:"waiting"`
	// Upcoming are the tenants the advance notice is about: those whose
	// purge falls due within the notice period (plus one sweep interval, so
	// that the notice is out for the full period by the sweep on the due
	// date), and the waiting ones, with their dry-run plans.
	Upcoming []PlannedTenant `json:"upcoming"`
	// OpsMessageID is the SNS message id of the advance notice, if sent.
	OpsMessageID string `json:"ops_message_id,omitempty"`
	// DeadlineDaysLeftMin is the fewest days any due or waiting tenant has
	// left before its purge deadline (negative when missed); absent when
	// none is due.
	DeadlineDaysLeftMin *float64 `json:"deadline_days_left_min,omitempty"`
	Evidence            string   `json:"evidence_key,omitempty"`
	Errors              []string `json:"errors,omitempty"`
}

// DueTenant is one tenant the sweep found due.
type DueTenant struct {
	ID            string        `json:"tenant_id"`
	Status        tenant.Status `json:"status"`
	PurgeDue      time.Time     `json:"purge_due"`
	PurgeDeadline time.Time     `json:"purge_deadline"`
	DaysLeft      float64       `json:"days_left"`
	// Waiting says why a due tenant's purge may not start yet, and
	// NotBefore when it may at the earliest (waiting tenants only).
	Waiting   string    `json:"waiting,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	// Plan is what the purge would delete (dry run only).
	Plan *purge.Plan `json:"plan,omitempty"`
}

// PlannedTenant is a tenant with its dry-run plan.
type PlannedTenant struct {
	ID            string    `json:"tenant_id"`
	Name          string    `json:"name,omitempty"`
	PurgeDue      time.Time `json:"purge_due"`
	PurgeDeadline time.Time `json:"purge_deadline"`
	// Terminated is when the contract ended; NoticeSent when ops first had
	// the advance notice (zero before this sweep sends it); NotBefore the
	// earliest the purge may start.
	Terminated time.Time   `json:"terminated"`
	NoticeSent time.Time   `json:"notice_sent,omitzero"`
	NotBefore  time.Time   `json:"not_before"`
	Plan       *purge.Plan `json:"plan,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// HandleSweep runs the daily sweep for a scheduled event: enqueue every
// tenant whose purge may start, send ops the advance notice and record when
// it went out, and report the deadline metric. It carries on past one
// tenant's failure and returns the errors joined.
//
// The notice covers the purges due within advanceNoticeDays plus one sweep
// interval, and every purge that is due but waits for it. A purge starts
// only once the registry records that ops have had the notice for
// advanceNoticeDays (tenant.Tenant.Blocked), so with daily sweeps a purge
// noticed in good time starts at the first sweep after its due date, and a
// backdated one at the first sweep advanceNoticeDays after its notice.
//
// The sweep decides at the event's time. An event dated ahead of the real
// clock (replayed or crafted) may enqueue a tenant early; its claim, which
// the registry decides by the wall clock, then refuses it. Notices are
// recorded at the wall clock's time.
func (p *Purger) HandleSweep(ctx context.Context, raw json.RawMessage) (*SweepResult, error) {
	var ev struct {
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("scheduled event: %w", err)
	}
	at := ev.Time
	if at.IsZero() {
		at = p.now()
	}
	res := &SweepResult{At: at.UTC(), DryRun: p.DryRun, Due: []DueTenant{}, Enqueued: []string{}, Waiting: []DueTenant{}, Upcoming: []PlannedTenant{}}
	var errs []error
	fail := func(err error) {
		errs = append(errs, err)
		res.Errors = append(res.Errors, err.Error())
	}

	due, dueErr := p.Registry.Due(ctx, at)
	if dueErr != nil {
		// Due returns what it could read alongside the error.
		fail(fmt.Errorf("list due tenants: %w", dueErr))
	}
	minLeft := math.Inf(1)
	for _, t := range due {
		d := DueTenant{ID: t.ID, Status: t.Status, PurgeDue: t.PurgeDue, PurgeDeadline: t.PurgeDeadline, DaysLeft: daysLeft(t.PurgeDeadline, at)}
		minLeft = math.Min(minLeft, d.DaysLeft)
		if p.DryRun {
			if plan, err := p.plan(ctx, t); err != nil {
				fail(err)
			} else {
				d.Plan = &plan
			}
		}
		res.Due = append(res.Due, d)
	}
	if !p.DryRun && len(due) > 0 {
		ids := make([]string, len(due))
		for i, t := range due {
			ids[i] = t.ID
		}
		enq, err := p.enqueue(ctx, ids, at)
		res.Enqueued = append(res.Enqueued, enq...)
		if err != nil {
			fail(err)
		}
	}

	// Waiting tenants and, with the advance notice on, the upcoming ones.
	n := p.Tenants.AdvanceNoticeDays
	horizon := 0
	if n > 0 {
		horizon = n + p.sweepDays(at)
	}
	up, upErr := p.Registry.Upcoming(ctx, at, horizon)
	if upErr != nil {
		fail(fmt.Errorf("list upcoming purges: %w", upErr))
	}
	for _, t := range up {
		if !t.PurgeDue.After(at) {
			d := DueTenant{ID: t.ID, Status: t.Status, PurgeDue: t.PurgeDue, PurgeDeadline: t.PurgeDeadline, DaysLeft: daysLeft(t.PurgeDeadline, at),
				Waiting: t.Blocked(p.Tenants, at), NotBefore: t.EarliestStart(p.Tenants, at)}
			minLeft = math.Min(minLeft, d.DaysLeft)
			res.Waiting = append(res.Waiting, d)
			p.log().Info("due tenant waits", logging.KeyTenantID, t.ID, "why", d.Waiting, "not_before", d.NotBefore.Format(time.RFC3339))
		}
		if n == 0 {
			continue
		}
		pt := PlannedTenant{ID: t.ID, Name: t.Name, PurgeDue: t.PurgeDue, PurgeDeadline: t.PurgeDeadline,
			Terminated: t.Terminated, NoticeSent: t.NoticeSent, NotBefore: t.EarliestStart(p.Tenants, at)}
		if plan, err := p.plan(ctx, t); err != nil {
			pt.Error = err.Error()
			fail(err)
		} else {
			pt.Plan = &plan
		}
		res.Upcoming = append(res.Upcoming, pt)
	}
	if len(res.Upcoming) > 0 && !p.DryRun {
		out, err := p.Ops.Publish(ctx, &sns.PublishInput{
			TopicArn: aws.String(p.OpsTopicARN),
			Subject:  aws.String(advanceSubject(len(res.Upcoming), horizon)),
			Message:  aws.String(AdvanceNotice(res.Upcoming, n, horizon, at, p.zone())),
		})
		if err != nil {
			fail(fmt.Errorf("publish the advance notice to %s: %w", p.OpsTopicARN, err))
		} else {
			res.OpsMessageID = aws.ToString(out.MessageId)
			// Only a notice that went out counts: record it, once per
			// termination, so the purge waits the full period after it.
			for i, pt := range res.Upcoming {
				if !pt.NoticeSent.IsZero() {
					continue
				}
				sent, err := p.Registry.RecordNotice(ctx, pt.ID, pt.Terminated)
				if err != nil {
					fail(fmt.Errorf("record the advance notice of tenant %s: %w", pt.ID, err))
					continue
				}
				res.Upcoming[i].NoticeSent = sent
				if t := up[i]; t.ID == pt.ID {
					t.NoticeSent = sent
					res.Upcoming[i].NotBefore = t.EarliestStart(p.Tenants, at)
				}
			}
		}
	}

	switch {
	case len(res.Due)+len(res.Waiting) > 0:
		res.DeadlineDaysLeftMin = &minLeft
		p.put("PurgeDeadlineDaysLeftMin", minLeft, metrics.None)
	case dueErr == nil && upErr == nil:
		// Reported every sweep that could read the registry, so that the
		// deadline alarm can treat silence as a purger that stopped or
		// cannot see: with nothing due or waiting, no purge has fewer than
		// DeadlineDays left (one falling due later closes later still).
		p.put("PurgeDeadlineDaysLeftMin", float64(p.Tenants.DeadlineDays), metrics.None)
	}

	if !p.DryRun {
		key, err := p.Evidence.Put(ctx, evidence.Record{Kind: KindRun, Time: at, Subject: "sweep", Body: res})
		if err != nil {
			fail(fmt.Errorf("write sweep evidence: %w", err))
		}
		res.Evidence = key
	}
	p.log().Info("sweep done", "due", len(res.Due), "enqueued", len(res.Enqueued), "upcoming", len(res.Upcoming), logging.KeyDryRun, p.DryRun, logging.KeyEvidence, res.Evidence)
	return res, errors.Join(errs...)
}

// daysLeft is the days from now to deadline, to two decimals.
func daysLeft(deadline, now time.Time) float64 {
	return math.Round(deadline.Sub(now).Hours()/24*100) / 100
}

// plan is the dry run of one tenant's purge.
func (p *Purger) plan(ctx context.Context, t tenant.Tenant) (purge.Plan, error) {
	job, err := p.job(t)
	if err != nil {
		return purge.Plan{}, err
	}
	eng := &purge.Engine{S3: p.S3, Logger: p.log(), Options: p.Options}
	plan, err := eng.Plan(ctx, job)
	if err != nil {
		return purge.Plan{}, fmt.Errorf("plan tenant %s: %w", t.ID, err)
	}
	return plan, nil
}

// job is a tenant's purge job: its registry locations, each checked once
// more against the configured template.
func (p *Purger) job(t tenant.Tenant) (purge.Job, error) {
	job := purge.Job{TenantID: t.ID}
	for _, l := range t.Locations {
		if err := tenant.CheckLocation(t.ID, l, p.Tenants); err != nil {
			return purge.Job{}, fmt.Errorf("tenant %s: %w: %w", t.ID, purge.ErrRefused, err)
		}
		pl := purge.Location{Bucket: l.Bucket, Prefix: l.Prefix}
		job.Locations = append(job.Locations, pl)
		job.Expected = append(job.Expected, pl)
	}
	if err := job.Validate(); err != nil {
		return purge.Job{}, err
	}
	return job, nil
}

// enqueue sends one message per tenant, ten to a SendMessageBatch call, and
// returns the tenants enqueued.
func (p *Purger) enqueue(ctx context.Context, ids []string, at time.Time) ([]string, error) {
	var done []string
	var errs []error
	for start := 0; start < len(ids); start += 10 {
		chunk := ids[start:min(start+10, len(ids))]
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.QueueURL)}
		for i, id := range chunk {
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{
				Id:          aws.String(strconv.Itoa(i)),
				MessageBody: aws.String(Message{TenantID: id, Reason: ReasonDue, Enqueued: at.UTC(), Round: 1}.Encode()),
			})
		}
		out, err := p.Queue.SendMessageBatch(ctx, in)
		if err != nil {
			errs = append(errs, fmt.Errorf("enqueue tenants %s: %w", strings.Join(chunk, ", "), err))
			continue
		}
		for _, s := range out.Successful {
			if i, err := strconv.Atoi(aws.ToString(s.Id)); err == nil && i < len(chunk) {
				done = append(done, chunk[i])
				p.log().Info("tenant enqueued for purge", logging.KeyTenantID, chunk[i], "sqs_message_id", aws.ToString(s.MessageId))
			}
		}
		for _, f := range out.Failed {
			id := aws.ToString(f.Id)
			if i, err := strconv.Atoi(id); err == nil && i < len(chunk) {
				id = chunk[i]
			}
			errs = append(errs, fmt.Errorf("enqueue tenant %s: %s: %s", id, aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	return done, errors.Join(errs...)
}

// sweepDays is the sweep schedule's interval in whole days, at least one.
func (p *Purger) sweepDays(at time.Time) int {
	s, err := schedule.Parse(p.Tenants.Schedule)
	if err != nil {
		return 1
	}
	day := 24 * time.Hour
	return max(1, int((s.Interval(at, p.zone())+day-1)/day))
}

func advanceSubject(n, days int) string {
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("Pledge: %d tenant purge%s due within %d days (dry-run summary)", n, s, days)
}

// AdvanceNotice renders the ops advance notice: per tenant, when its purge
// falls due, when it starts at the earliest and what the dry run found,
// Japanese first, then English, times in zone. noticeDays is
// tenants.advanceNoticeDays; horizon the days ahead the notice looks.
func AdvanceNotice(up []PlannedTenant, noticeDays, horizon int, now time.Time, zone *time.Location) string {
	var b strings.Builder
	at := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04 MST (UTC-07:00)") }
	fmt.Fprintf(&b, "【事前通知】%d日以内にデータ削除の期日を迎える、または期日を過ぎて本通知を待っているテナント: %d件 (ドライランの結果です。まだ何も削除していません。削除は最初の通知から%d日以上経ってから始まります)\n", horizon, len(up), noticeDays)
	fmt.Fprintf(&b, "Advance notice: %d tenant purge(s) fall due within %d days, or are due and waited for this notice. This is a dry run: nothing has been deleted yet, and no purge starts until %d days after its first notice.\n", len(up), horizon, noticeDays)
	fmt.Fprintf(&b, "As of / 時点: %s\n", at(now))
	for _, t := range up {
		fmt.Fprintf(&b, "\n%s", t.ID)
		if t.Name != "" {
			fmt.Fprintf(&b, " (%s)", t.Name)
		}
		fmt.Fprintf(&b, "\n  削除期日 / purge due:      %s\n  削除期限 / purge deadline: %s\n", at(t.PurgeDue), at(t.PurgeDeadline))
		if t.NotBefore.After(t.PurgeDue) {
			fmt.Fprintf(&b, "  削除開始 / purge starts:   %s 以降 / not before\n", at(t.NotBefore))
		}
		if t.NoticeSent.IsZero() {
			b.WriteString("  初回の通知 / first notice of this purge\n")
		} else {
			fmt.Fprintf(&b, "  初回通知 / first noticed:  %s\n", at(t.NoticeSent))
		}
		if t.Plan == nil {
			fmt.Fprintf(&b, "  dry run failed: %s\n", t.Error)
			continue
		}
		for _, l := range t.Plan.Locations {
			fmt.Fprintf(&b, "  %s: %d objects, %d versions, %d delete markers, %d bytes\n", l.Location, l.Counts.Objects, l.Counts.Versions, l.Counts.DeleteMarkers, l.Counts.Bytes)
		}
		c := t.Plan.Total
		fmt.Fprintf(&b, "  合計 / total: %d objects, %d versions, %d delete markers, %d bytes\n", c.Objects, c.Versions, c.DeleteMarkers, c.Bytes)
		if n := len(t.Plan.Locked); n > 0 {
			fmt.Fprintf(&b, "  Object Lock により保持 / kept by Object Lock: %d versions\n", n)
		}
	}
	return b.String()
}
