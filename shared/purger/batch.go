package purger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// What handling one purge message came to.
const (
	ActionPurged        = "purged"         // certificate issued, tenant marked purged
	ActionContinued     = "continued"      // paused before the deadline, sent on
	ActionAlreadyPurged = "already-purged" // a duplicate message
	ActionRefused       = "refused"        // the tenant may not be purged (active, reinstated, not due)
	ActionSuperseded    = "superseded"     // another invocation owns the purge now
	ActionPlanned       = "planned"        // dry run
	ActionFailed        = "failed"         // returned for redelivery
)

// BatchResult answers an SQS batch. BatchItemFailures is the partial batch
// response Lambda reads (ReportBatchItemFailures); Purges say what happened
// to each message, for logs and `invoke`. Lambda ignores the extra field.
type BatchResult struct {
	BatchItemFailures []events.SQSBatchItemFailure `json:"batchItemFailures"`
	Purges            []Outcome                    `json:"purges"`
}

// Outcome is what one purge message came to.
type Outcome struct {
	TenantID  string `json:"tenant_id"`
	MessageID string `json:"sqs_message_id"`
	Action    string `json:"action"`
	Reason    string `json:"reason,omitempty"`
	// Attempt is the tenant's PurgeAttempts after this claim.
	Attempt int          `json:"attempt,omitempty"`
	Status  purge.Status `json:"purge_status,omitempty"`
	// Counts are cumulative over the whole purge; Deleted is this
	// invocation's share.
	Counts  purge.Counts `json:"counts"`
	Deleted purge.Counts `json:"deleted"`
	// ManifestSHA256 is the engine's running digest of the lines
	// committed so far; Index counts the index segments written.
	ManifestSHA256 string           `json:"manifest_sha256,omitempty"`
	Index          purge.IndexState `json:"index"`
	// Manifest is the sealed manifest the certificate states.
	Manifest    *purge.Sealed    `json:"manifest,omitempty"`
	Locked      []purge.Locked   `json:"locked,omitempty"`
	Failed      int64            `json:"failed,omitempty"`
	Remaining   int64            `json:"remaining,omitempty"`
	Concurrency purge.LimitStats `json:"concurrency"`
	// ProgressBytes is the largest progress this invocation saved on the
	// tenant's registry item.
	ProgressBytes int `json:"progress_bytes,omitempty"`
	// Certificate are the evidence keys of certificate.json,
	// certificate.sig and public-key.pem.
	Certificate []string `json:"certificate_keys,omitempty"`
	// Emailed counts the contacts mailed the certificate (over all
	// attempts); MailFailed those SES refused for good.
	Emailed    int      `json:"emailed"`
	MailFailed []string `json:"mail_failed_sha256,omitempty"`
	// Resent are the contacts (SHA-256 of the address) mailed again,
	// marked as a resend, because an earlier attempt stopped while their
	// mail was going out.
	Resent []string `json:"resent_sha256,omitempty"`
	// Plan is the dry run (dry run only).
	Plan     *purge.Plan `json:"plan,omitempty"`
	Evidence string      `json:"evidence_key,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// HandleBatch handles a purge-queue batch (one message by the stack's
// configuration, any number here) and returns the messages to redeliver.
// It returns an error only for an event that is not an SQS batch.
func (p *Purger) HandleBatch(ctx context.Context, raw json.RawMessage) (*BatchResult, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode SQS batch: %w", err)
	}
	for i, r := range ev.Records {
		if r.EventSource != "aws:sqs" {
			return nil, fmt.Errorf("decode SQS batch: record %d comes from %q, not aws:sqs", i, r.EventSource)
		}
	}
	res := &BatchResult{BatchItemFailures: []events.SQSBatchItemFailure{}, Purges: []Outcome{}}
	for _, rec := range ev.Records {
		o, err := p.handleMessage(ctx, rec)
		o.MessageID = rec.MessageId
		if err != nil {
			o.Action, o.Error = ActionFailed, err.Error()
			p.log().Error("purge message failed; SQS will redeliver it", "sqs_message_id", rec.MessageId, logging.KeyTenantID, o.TenantID, logging.KeyError, err)
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
		res.Purges = append(res.Purges, o)
	}
	return res, nil
}

// handleMessage purges (or plans) one tenant. A nil error means the
// message may be deleted.
func (p *Purger) handleMessage(ctx context.Context, rec events.SQSMessage) (Outcome, error) {
	m, err := ParseMessage(rec.Body)
	if err != nil {
		// A message that can never be read is not retried: it would only
		// reach the dead-letter queue after five rounds of 16 minutes.
		p.log().Error("purge message dropped: unreadable", "sqs_message_id", rec.MessageId, logging.KeyError, err)
		return Outcome{Action: ActionRefused, Reason: err.Error()}, nil
	}
	o := Outcome{TenantID: m.TenantID}
	log := p.log().With(logging.KeyTenantID, m.TenantID, "sqs_message_id", rec.MessageId, "round", m.Round)
	if p.DryRun {
		t, err := p.Registry.Get(ctx, m.TenantID)
		if err != nil {
			return o, fmt.Errorf("read tenant %s: %w", m.TenantID, err)
		}
		o.Action = ActionPlanned
		if why := t.Blocked(p.Tenants, p.now()); why != "" {
			o.Action, o.Reason = ActionRefused, fmt.Sprintf("tenant is %s: %s", t.Status, why)
			return o, nil
		}
		plan, err := p.plan(ctx, t)
		if err != nil {
			return o, err
		}
		o.Plan, o.Counts = &plan, plan.Total
		log.Info("purge planned (dry run)", "versions", plan.Total.Versions, "delete_markers", plan.Total.DeleteMarkers, "bytes", plan.Total.Bytes)
		return o, nil
	}

	// Nothing is claimed, let alone deleted, unless the certificate can
	// be signed at the end.
	if err := p.preflight(ctx); err != nil {
		log.Error("purge not started: the signing key cannot sign certificates", logging.KeyError, err)
		return o, err
	}
	owner := p.owner(ctx)
	t, err := p.Registry.StartPurge(ctx, m.TenantID, owner, p.now())
	if err != nil {
		return p.notStarted(ctx, o, err, log)
	}
	o.Attempt = t.PurgeAttempts
	log = log.With("purge_owner", owner, "attempt", t.PurgeAttempts)
	prog, err := decodeProgress(t.Checkpoint.Data)
	if err != nil {
		return o, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	var before purge.Checkpoint
	if len(prog.Purge) > 0 {
		if before, err = purge.DecodeCheckpoint(prog.Purge); err != nil {
			return o, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
	}
	job, err := p.job(t)
	if err != nil {
		return o, err
	}
	job.PurgeID = purge.PurgeIDAt(t.PurgeStarted)
	sv := &saver{reg: p.Registry, id: t.ID, owner: owner, prog: &prog}
	opts := p.Options
	opts.ManifestPrefix = KindManifest
	if opts.DeadlineMargin == 0 {
		opts.DeadlineMargin = MaxDeadlineMargin
		if dl, ok := ctx.Deadline(); ok {
			opts.DeadlineMargin = min(MaxDeadlineMargin, time.Until(dl)/5)
		}
	}
	eng := &purge.Engine{
		S3: p.S3, Evidence: p.Evidence, Checkpointer: sv, Logger: log, Options: opts, Now: p.Now,
		Recheck: func(ctx context.Context) error {
			cur, err := p.Registry.Get(ctx, t.ID)
			if err != nil {
				return fmt.Errorf("re-read tenant: %w", err)
			}
			if cur.Status != tenant.StatusPurging || cur.PurgeOwner != owner {
				return fmt.Errorf("%w: tenant is %s under purge owner %q, not purging under %q", tenant.ErrConflict, cur.Status, cur.PurgeOwner, owner)
			}
			return nil
		},
	}
	res, err := eng.Apply(ctx, job, prog.Purge)
	o.fill(res, before)
	defer func() { o.ProgressBytes = sv.largest }()
	p.put("ObjectsDeleted", float64(o.Deleted.Versions+o.Deleted.DeleteMarkers), metrics.Count)
	p.put("BytesDeleted", float64(o.Deleted.Bytes), metrics.Bytes)
	if err != nil {
		if errors.Is(err, purge.ErrOutsidePrefix) {
			p.guardTripped(ctx, t.ID, err, log)
		}
		if errors.Is(err, tenant.ErrConflict) || errors.Is(err, purge.ErrStopped) {
			o.Action, o.Reason = ActionSuperseded, err.Error()
			log.Warn("purge stopped: the tenant is no longer this invocation's to purge", logging.KeyError, err)
			p.record(ctx, &o)
			return o, nil
		}
		return o, err // the engine's errors name the tenant
	}
	switch res.Status {
	case purge.StatusIncomplete:
		p.put("PurgeIncomplete", 1, metrics.Count)
		if !progressed(before, res) {
			return o, fmt.Errorf("purge tenant %s: paused without deleting or listing anything: the invocation leaves too little time", t.ID)
		}
		next := Message{TenantID: t.ID, Reason: ReasonResume, Enqueued: p.now().UTC(), Round: m.Round + 1}
		if _, err := p.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.QueueURL), MessageBody: aws.String(next.Encode()), DelaySeconds: int32(p.resumeDelay() / time.Second)}); err != nil {
			return o, fmt.Errorf("send tenant %s on after pausing: %w", t.ID, err)
		}
		o.Action = ActionContinued
		log.Info("purge paused before the deadline and sent on", "versions_deleted", o.Deleted.Versions, "next_round", next.Round)
		p.record(ctx, &o)
		return o, nil
	case purge.StatusPurged:
		if err := p.finish(ctx, t, []purge.Result{res}, sv, &o, log); err != nil {
			return o, err
		}
		o.Action = ActionPurged
		p.put("TenantsPurged", 1, metrics.Count)
		log.Info("tenant purged", "versions", res.Counts.Versions, "delete_markers", res.Counts.DeleteMarkers, "bytes", res.Counts.Bytes, "emailed", o.Emailed)
		p.record(ctx, &o)
		return o, nil
	default:
		p.put("PurgeIncomplete", 1, metrics.Count)
		p.record(ctx, &o)
		return o, fmt.Errorf("purge tenant %s: %s: %d versions left, %d could not be deleted", t.ID, res.Status, res.Remaining, res.FailedCount)
	}
}

// guardTripped raises the ops alarm for a listing that returned a key
// outside the tenant's prefix: the PrefixGuardTripped metric (the stack
// alarms on it) and a message on the ops topic naming the key. The purge
// itself has already halted and deleted nothing from that page.
func (p *Purger) guardTripped(ctx context.Context, id string, cause error, log *slog.Logger) {
	p.put("PrefixGuardTripped", 1, metrics.Count)
	log.Error("purge halted: the S3 listing returned a key outside the tenant's prefix", logging.KeyError, cause)
	if p.Ops == nil || p.OpsTopicARN == "" || p.DryRun {
		return
	}
	msg := fmt.Sprintf("【緊急】テナント %s のデータ削除を停止しました。S3 の一覧にテナントのプレフィックス外のキーが含まれていました。そのページからは何も削除していません。\n"+
		"URGENT: the purge of tenant %s halted because the S3 listing returned a key outside the tenant's prefix. Nothing from that page was deleted. Check the S3 endpoint and any proxy in front of it before the purge is retried.\n\n%v\n", id, id, cause)
	if _, err := p.Ops.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(p.OpsTopicARN),
		Subject:  aws.String("Pledge: purge of tenant " + id + " halted: key outside its prefix"),
		Message:  aws.String(msg),
	}); err != nil {
		log.Error("publish the prefix-guard alarm to ops", logging.KeyError, err)
	}
}

// notStarted decides what a refused StartPurge means for the message.
func (p *Purger) notStarted(ctx context.Context, o Outcome, err error, log *slog.Logger) (Outcome, error) {
	switch {
	case errors.Is(err, tenant.ErrNotFound), errors.Is(err, tenant.ErrInvalid):
		o.Action, o.Reason = ActionRefused, err.Error()
		log.Error("purge refused: no such tenant", logging.KeyError, err)
		return o, nil
	case errors.Is(err, tenant.ErrConflict):
		cur, gerr := p.Registry.Get(ctx, o.TenantID)
		if gerr != nil {
			return o, fmt.Errorf("start purge: %w; re-read tenant: %w", err, gerr)
		}
		if cur.Status == tenant.StatusPurged {
			o.Action = ActionAlreadyPurged
			log.Info("tenant already purged: duplicate message")
			return o, nil
		}
		o.Action, o.Reason = ActionRefused, fmt.Sprintf("tenant is %s: %v", cur.Status, err)
		log.Warn("purge refused", logging.KeyStatus, string(cur.Status), logging.KeyError, err)
		return o, nil
	default:
		return o, fmt.Errorf("start purge of tenant %s: %w", o.TenantID, err)
	}
}

// progressed reports whether an Apply that paused moved the checkpoint on.
func progressed(before purge.Checkpoint, res purge.Result) bool {
	after, err := purge.DecodeCheckpoint(res.Checkpoint)
	if err != nil {
		return false
	}
	return after.Counts != before.Counts || after.Phase != before.Phase || after.Location != before.Location ||
		after.KeyMarker != before.KeyMarker || after.Index.Parts+int64(len(after.Index.Pending)) != before.Index.Parts+int64(len(before.Index.Pending))
}

func (o *Outcome) fill(res purge.Result, before purge.Checkpoint) {
	o.Status, o.Counts = res.Status, res.Counts
	o.Deleted = purge.Counts{
		Objects:       res.Counts.Objects - before.Counts.Objects,
		Versions:      res.Counts.Versions - before.Counts.Versions,
		DeleteMarkers: res.Counts.DeleteMarkers - before.Counts.DeleteMarkers,
		Bytes:         res.Counts.Bytes - before.Counts.Bytes,
	}
	o.ManifestSHA256, o.Index = res.ManifestSHA256, res.Index
	o.Locked, o.Failed, o.Remaining, o.Concurrency = res.Locked, res.FailedCount, res.Remaining, res.Concurrency
}

// record writes the run's evidence; a failure is logged, not fatal: the
// purge itself is already checkpointed.
func (p *Purger) record(ctx context.Context, o *Outcome) {
	key, err := p.Evidence.Put(ctx, evidence.Record{Kind: KindRun, Time: p.now(), Subject: o.TenantID, Body: o})
	if err != nil {
		p.log().Error("write purge-run evidence", logging.KeyTenantID, o.TenantID, logging.KeyError, err)
		return
	}
	o.Evidence = key
}
