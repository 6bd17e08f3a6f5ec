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
	// Upcoming are the tenants whose purge falls due within the advance
	// notice, with their dry-run plans.
	Upcoming []PlannedTenant `json:"upcoming"`
	// OpsMessageID is the SNS message id of the advance notice, if sent.
	OpsMessageID string `json:"ops_message_id,omitempty"`
	// DeadlineDaysLeftMin is the fewest days any due tenant has left before
	// its purge deadline (negative when missed); absent when none is due.
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
	// Plan is what the purge would delete (dry run only).
	Plan *purge.Plan `json:"plan,omitempty"`
}

// PlannedTenant is a tenant with its dry-run plan.
type PlannedTenant struct {
	ID            string      `json:"tenant_id"`
	Name          string      `json:"name,omitempty"`
	PurgeDue      time.Time   `json:"purge_due"`
	PurgeDeadline time.Time   `json:"purge_deadline"`
	Plan          *purge.Plan `json:"plan,omitempty"`
	Error         string      `json:"error,omitempty"`
}

// HandleSweep runs the daily sweep for a scheduled event: enqueue every due
// tenant, send ops the advance notice, and report the deadline metric.
// It carries on past one tenant's failure and returns the errors joined.
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
	res := &SweepResult{At: at.UTC(), DryRun: p.DryRun, Due: []DueTenant{}, Enqueued: []string{}, Upcoming: []PlannedTenant{}}
	var errs []error
	fail := func(err error) {
		errs = append(errs, err)
		res.Errors = append(res.Errors, err.Error())
	}

	due, err := p.Registry.Due(ctx, at)
	if err != nil {
		// Due returns what it could read alongside the error.
		fail(fmt.Errorf("list due tenants: %w", err))
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
	if len(due) > 0 {
		res.DeadlineDaysLeftMin = &minLeft
		p.put("PurgeDeadlineDaysLeftMin", minLeft, metrics.None)
	} else if err == nil {
		// Reported every sweep that could read the registry, so that the
		// deadline alarm can treat silence as a purger that stopped or
		// cannot see: with nothing due, no purge has fewer than
		// DeadlineDays left (one falling due later closes later still).
		p.put("PurgeDeadlineDaysLeftMin", float64(p.Tenants.DeadlineDays), metrics.None)
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

	if n := p.Tenants.AdvanceNoticeDays; n > 0 {
		up, err := p.Registry.Upcoming(ctx, at, n)
		if err != nil {
			fail(fmt.Errorf("list upcoming purges: %w", err))
		}
		for _, t := range up {
			pt := PlannedTenant{ID: t.ID, Name: t.Name, PurgeDue: t.PurgeDue, PurgeDeadline: t.PurgeDeadline}
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
				Subject:  aws.String(advanceSubject(len(res.Upcoming), n)),
				Message:  aws.String(AdvanceNotice(res.Upcoming, n, at, p.zone())),
			})
			if err != nil {
				fail(fmt.Errorf("publish the advance notice to %s: %w", p.OpsTopicARN, err))
			} else {
				res.OpsMessageID = aws.ToString(out.MessageId)
			}
		}
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

func advanceSubject(n, days int) string {
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("Pledge: %d tenant purge%s due within %d days (dry-run summary)", n, s, days)
}

// AdvanceNotice renders the ops advance notice: per tenant, when its purge
// falls due and what the dry run found, Japanese first, then English, times
// in zone.
func AdvanceNotice(up []PlannedTenant, days int, now time.Time, zone *time.Location) string {
	var b strings.Builder
	at := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04 MST (UTC-07:00)") }
	fmt.Fprintf(&b, "【事前通知】%d日以内にデータ削除の期日を迎えるテナント: %d件 (ドライランの結果です。まだ何も削除していません)\n", days, len(up))
	fmt.Fprintf(&b, "Advance notice: %d tenant purge(s) fall due within %d days. This is a dry run: nothing has been deleted yet.\n", len(up), days)
	fmt.Fprintf(&b, "As of / 時点: %s\n", at(now))
	for _, t := range up {
		fmt.Fprintf(&b, "\n%s", t.ID)
		if t.Name != "" {
			fmt.Fprintf(&b, " (%s)", t.Name)
		}
		fmt.Fprintf(&b, "\n  削除開始 / purge due:      %s\n  削除期限 / purge deadline: %s\n", at(t.PurgeDue), at(t.PurgeDeadline))
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
