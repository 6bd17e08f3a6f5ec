package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/pledge-dev/pledge/shared/evidence"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// Outcome says what became of one EventBridge event.
type Outcome string

// The outcomes of HandleEvent.
const (
	OutcomeAccepted Outcome = "accepted"
	OutcomeIgnored  Outcome = "ignored"
	OutcomeRejected Outcome = "rejected"
	// OutcomeCounted: a call of a counted rule, below its threshold so far.
	OutcomeCounted Outcome = "counted"
	// OutcomeReplayed: an event already handled, delivered again; nothing
	// is done.
	OutcomeReplayed Outcome = "replayed"
)

// Usage is the hint logged with a rejected event.
const Usage = "finding-notifier handles GuardDuty and CloudTrail events from EventBridge and notice-queue batches from SQS; locally, pass one with -event FILE (samples in events/)"

// EventResult reports what HandleEvent did with one event. It names
// tenants by id only.
type EventResult struct {
	Outcome Outcome `json:"outcome"`
	// Reason says why an event was ignored or rejected.
	Reason    string       `json:"reason,omitempty"`
	FindingID string       `json:"findingId,omitempty"`
	Type      string       `json:"type,omitempty"`
	Band      finding.Band `json:"band,omitempty"`
	DryRun    bool         `json:"dryRun,omitempty"`
	// Count is how many identical calls the finding groups so far (for a
	// counted rule, against Threshold).
	Count     int `json:"count,omitempty"`
	Threshold int `json:"threshold,omitempty"`
	// Route is the routing decision.
	Route *finding.Route `json:"route,omitempty"`
	// TagLookup is what the resource tag lookup did (nil when off).
	TagLookup *resourcetag.Report `json:"tagLookup,omitempty"`
	// Queued are the notices queued (in a dry run: that would be).
	Queued []QueuedNotice `json:"queued,omitempty"`
	// Suppressed are tenants already notified of this change.
	Suppressed []string `json:"suppressed,omitempty"`
	// Failed are tenants whose notice could not be queued; their claims
	// were released and the returned error makes EventBridge retry.
	Failed []string `json:"failed,omitempty"`
	// Ops is what became of the ops message: published, suppressed
	// (already told of this change), failed, or planned (dry run).
	Ops string `json:"ops"`
}

// QueuedNotice is one notice put on the queue.
type QueuedNotice struct {
	TenantID string `json:"tenantId"`
	Seq      int    `json:"seq"`
	Kind     Kind   `json:"kind"`
	// Due is when the notice is due by the promised deadline.
	Due time.Time `json:"due,omitzero"`
	// AtRisk: less than a quarter of the promised time remained at queue
	// time.
	AtRisk bool `json:"atRisk,omitempty"`
	// Late: the finding arrived after its notice was already due; it is
	// notified, but measured apart (NoticesLate), not as a broken promise.
	Late bool `json:"late,omitempty"`
}

// HandleEvent handles one EventBridge event. Events that are not findings
// return a result that says so and a nil error (they would fail again on
// every retry); failures to reach AWS return an error after undoing what a
// retry must redo.
func (n *Notifier) HandleEvent(ctx context.Context, raw []byte) (EventResult, error) {
	now := n.Now()
	log := n.log()
	f, err := finding.Parse(raw, n.Catalogue)
	switch {
	case errors.Is(err, finding.ErrIgnored):
		n.put("EventsIgnored", 1, metrics.Count, nil)
		log.Info("event ignored", logging.KeyEventType, eventType(raw), "reason", err.Error())
		return EventResult{Outcome: OutcomeIgnored, Reason: err.Error(), Ops: "none"}, nil
	case err != nil:
		reason := "malformed"
		if errors.Is(err, finding.ErrUnsupported) {
			reason = "unsupported"
		}
		n.put("EventsRejected", 1, metrics.Count, map[string]string{"Reason": reason})
		log.Warn("event rejected", logging.KeyEventType, eventType(raw), "reason", reason, logging.KeyError, err, "hint", Usage)
		return EventResult{Outcome: OutcomeRejected, Reason: reason + ": " + err.Error(), Ops: "none"}, nil
	}
	log = log.With(logging.KeyFindingID, f.ID)
	if f.EventID != "" {
		// CloudTrail: identical calls are one finding; count this one.
		res, done, err := n.tally(ctx, &f, now)
		if err != nil || done {
			return res, err
		}
	}
	var lookup *resourcetag.Report
	if n.Tags != nil {
		// Read-only, so a dry run looks up too. A failure a retry may cure
		// fails the event before anything is written, so that EventBridge
		// retries it whole.
		rep, err := n.Tags.Start().Enrich(ctx, &f)
		if err != nil {
			n.put("TagLookupFailures", 1, metrics.Count, map[string]string{"Reason": "transient"})
			return EventResult{}, fmt.Errorf("route finding %s: %w", f.ID, err)
		}
		lookup = &rep
		if len(rep.Failed) > 0 {
			n.put("TagLookupFailures", float64(len(rep.Failed)), metrics.Count, map[string]string{"Reason": "refused"})
			log.Warn("resource tags could not be read", "failed", rep.Failed)
		}
	}
	tenants, err := n.Directory.Tenants(ctx)
	if err != nil {
		return EventResult{}, fmt.Errorf("route finding %s: read tenants: %w", f.ID, err)
	}
	route := n.Policy.Route(f, routing(tenants))
	if route.Unrouted && route.OpsReason == finding.OpsUnrouted {
		// A finding that would have reached tenants, about resources that
		// are no tenant's: ops must place them. Counted so that an alarm
		// tells ops (FindingsUnrouted); below the threshold it is only
		// marked in the ops message.
		n.put("FindingsUnrouted", 1, metrics.Count, nil)
		log.Warn("finding unrouted: its resources are no known tenant's; tag or register them",
			logging.KeyEventType, string(f.Source)+" "+f.Type, "unrouted_resources", route.UnroutedResources)
	}
	res := EventResult{Outcome: OutcomeAccepted, FindingID: f.ID, Type: f.Type, Band: f.Band, DryRun: n.DryRun, Route: &route, TagLookup: lookup,
		Count: f.Count, Threshold: f.Threshold}

	var errs []error
	// Keep the raw event for evidence. The key hashes the body, so a
	// duplicate delivery finds its record already there (ErrExists).
	at := f.Updated
	if at.IsZero() {
		at = f.Detected
	}
	if !n.DryRun && n.Evidence != nil {
		concerned := append([]string{}, route.Concerned...)
		if _, err := n.Evidence.Put(ctx, evidence.Record{Kind: FindingEvidenceKind, Time: at, Subject: f.ID, Body: FindingRecord{Finding: f, Concerned: concerned}}); err != nil && !errors.Is(err, evidence.ErrExists) {
			errs = append(errs, fmt.Errorf("keep finding %s as evidence: %w", f.ID, err))
		}
	}
	var pending []pendingNotice
	for i, c := range n.claimAll(ctx, f, route.Recipients, now) {
		r, claim, d, err := route.Recipients[i], c.claim, c.decision, c.err
		if err != nil {
			errs = append(errs, err)
			res.Failed = append(res.Failed, r.TenantID)
			continue
		}
		if !d.Due {
			res.Suppressed = append(res.Suppressed, r.TenantID)
			n.put("NoticesSuppressed", 1, metrics.Count, nil)
			log.Info("notice suppressed", logging.KeyTenantID, r.TenantID, "reason", string(d.Suppressed))
			continue
		}
		msg := messageFor(f, r, claim)
		n.setDue(&msg, now)
		pending = append(pending, pendingNotice{claim: claim, msg: msg})
	}
	queued, failed, err := n.enqueue(ctx, pending)
	if err != nil {
		errs = append(errs, err)
	}
	for _, p := range queued {
		risk := p.msg.promised() && atRisk(p.msg.PromiseFrom, p.msg.Due, now)
		if !n.DryRun {
			n.putAtRisk(p.msg, now)
			n.put("NoticesQueued", 1, metrics.Count, nil)
			if p.msg.Late {
				// Arrived after its deadline: not this run's broken
				// promise, so measured apart.
				n.put("NoticesLate", 1, metrics.Count, nil)
				n.put("LateArrivalSeconds", now.Sub(p.msg.Due).Seconds(), metrics.Seconds, nil)
			}
		}
		res.Queued = append(res.Queued, QueuedNotice{TenantID: p.claim.TenantID, Seq: p.claim.Seq, Kind: p.claim.Kind, Due: p.msg.Due, AtRisk: risk, Late: p.msg.Late})
		log.Info("notice queued", logging.KeyTenantID, p.claim.TenantID, "notice_seq", p.claim.Seq, "notice_kind", string(p.claim.Kind),
			"due", p.msg.Due, "at_risk", risk, "late", p.msg.Late, "dry_run", n.DryRun)
	}
	for _, p := range failed {
		res.Failed = append(res.Failed, p.claim.TenantID)
	}

	ops, err := n.notifyOps(ctx, f, route, res, now)
	res.Ops = ops
	if err != nil {
		errs = append(errs, err)
	}
	if f.EventID != "" && !n.DryRun && len(errs) == 0 {
		if err := n.Ledger.MarkHandled(ctx, f.ID, f.EventID); err != nil {
			errs = append(errs, err)
		}
	}
	log.Info("finding handled", logging.KeyEventType, string(f.Source)+" "+f.Type, "band", f.Band.String(),
		"tenants_concerned", len(route.Concerned), "notices_queued", len(res.Queued), "notices_suppressed", len(res.Suppressed),
		"notices_failed", len(res.Failed), "ops", ops, "dry_run", n.DryRun)
	if err := errors.Join(errs...); err != nil {
		return res, fmt.Errorf("finding %s: %w", f.ID, err)
	}
	return res, nil
}

// ClaimConcurrency bounds the ledger claims one event makes at once (a
// platform-wide finding claims one per active tenant).
const ClaimConcurrency = 8

type claimResult struct {
	claim    Claim
	decision Decision
	err      error
}

// claimAll claims a notice for every recipient, ClaimConcurrency at a
// time; results are in the recipients' order.
func (n *Notifier) claimAll(ctx context.Context, f finding.Finding, rs []finding.Recipient, now time.Time) []claimResult {
	out := make([]claimResult, len(rs))
	sem := make(chan struct{}, ClaimConcurrency)
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, d, err := n.claim(ctx, f, r.TenantID, now)
			out[i] = claimResult{c, d, err}
		}()
	}
	wg.Wait()
	return out
}

// claim claims a notice in the ledger, or in a dry run decides from the
// ledger as it stands.
func (n *Notifier) claim(ctx context.Context, f finding.Finding, tenantID string, now time.Time) (Claim, Decision, error) {
	if !n.DryRun {
		return n.Ledger.Claim(ctx, f, tenantID, now)
	}
	prev, err := n.Ledger.Get(ctx, f.ID, tenantID)
	if err != nil {
		return Claim{}, Decision{}, err
	}
	d := Decide(prev, f.Band, f.Updated, now, n.QuietPeriod)
	c := Claim{FindingID: f.ID, TenantID: tenantID, Seq: 1, Kind: d.Kind, Queued: now.UTC().Truncate(time.Millisecond)}
	if prev != nil {
		c.Seq = prev.Seq + 1
	}
	return c, d, nil
}

type pendingNotice struct {
	claim Claim
	msg   Message
}

// maxBatch is SQS's limit of messages in one SendMessageBatch.
const maxBatch = 10

// enqueue sends the messages in batches of ten and releases the claims of
// those SQS did not take.
func (n *Notifier) enqueue(ctx context.Context, ps []pendingNotice) (queued, failed []pendingNotice, err error) {
	if n.DryRun {
		return ps, nil, nil
	}
	var errs []error
	fail := func(p pendingNotice, cause error) {
		failed = append(failed, p)
		errs = append(errs, fmt.Errorf("queue notice for %s: %w", p.claim.TenantID, cause))
		if rerr := n.Ledger.Release(ctx, p.claim); rerr != nil {
			errs = append(errs, rerr)
		}
	}
	for start := 0; start < len(ps); start += maxBatch {
		batch := ps[start:min(start+maxBatch, len(ps))]
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(n.QueueURL)}
		var sendable []pendingNotice
		for _, p := range batch {
			body, err := p.msg.Encode()
			if err != nil {
				fail(p, err)
				continue
			}
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String("n" + strconv.Itoa(len(sendable))), MessageBody: aws.String(body)})
			sendable = append(sendable, p)
		}
		if len(sendable) == 0 {
			continue
		}
		out, err := n.Queue.SendMessageBatch(ctx, in)
		if err != nil {
			for _, p := range sendable {
				fail(p, err)
			}
			continue
		}
		ok := map[string]bool{}
		for _, s := range out.Successful {
			ok[aws.ToString(s.Id)] = true
		}
		why := map[string]string{}
		for _, f := range out.Failed {
			why[aws.ToString(f.Id)] = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
		}
		for i, p := range sendable {
			id := "n" + strconv.Itoa(i)
			switch {
			case ok[id]:
				queued = append(queued, p)
			case why[id] != "":
				fail(p, errors.New(why[id]))
			default:
				fail(p, errors.New("SQS reported the message neither sent nor failed"))
			}
		}
	}
	return queued, failed, errors.Join(errs...)
}

// notifyOps publishes the ops message when ops have not been told of this
// change of the finding yet.
func (n *Notifier) notifyOps(ctx context.Context, f finding.Finding, route finding.Route, res EventResult, now time.Time) (string, error) {
	claim, d, err := n.claim(ctx, f, OpsTenantID, now)
	if err != nil {
		return "failed", err
	}
	if !d.Due {
		return "suppressed", nil
	}
	msg := OpsMessage{
		FindingID: f.ID, Source: f.Source, Type: f.Type, Band: f.Band, Severity: f.Severity, Title: f.Title,
		Account: f.Account, Region: f.Region, Detected: f.Detected, Updated: f.Updated, Count: f.Count, Sample: f.Sample,
		Kind: d.Kind, Resources: f.Resources, OpsOnly: route.OpsOnly, OpsReason: route.OpsReason,
		Concerned: nonNil(route.Concerned), UnknownTenants: route.UnknownTenants,
		Unrouted: route.Unrouted, UnroutedResources: route.UnroutedResources, TagLookup: res.TagLookup,
		Queued: []string{}, Suppressed: res.Suppressed, Failed: res.Failed,
		FirstSeen: f.FirstSeen, LastSeen: f.LastSeen, Threshold: f.Threshold,
		Deadline: n.Deadline.String(),
	}
	if d.Kind != KindReminder {
		msg.Due = n.Deadline.Due(promiseFrom(f, d.Kind))
		msg.Late = now.After(msg.Due)
	}
	for _, q := range res.Queued {
		msg.Queued = append(msg.Queued, q.TenantID)
		if q.Late {
			msg.Late = true
		}
	}
	if n.DryRun {
		return "planned", nil
	}
	body, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		return "failed", fmt.Errorf("encode ops message: %w", err)
	}
	_, err = n.Ops.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(n.OpsTopicARN), Subject: aws.String(msg.Subject()), Message: aws.String(string(body))})
	if err != nil {
		err = fmt.Errorf("publish ops message: %w", err)
		if rerr := n.Ledger.Release(ctx, claim); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return "failed", err
	}
	return "published", nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
