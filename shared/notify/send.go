package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notice"
)

// EvidenceKind is the evidence kind of a sent notice.
const EvidenceKind = "notice"

// FindingEvidenceKind is the evidence kind of an accepted finding: the raw
// event exactly as EventBridge delivered it, with its normalised form.
const FindingEvidenceKind = "finding"

// FindingRecord is the body of a finding evidence record.
type FindingRecord struct {
	Finding finding.Finding `json:"finding"`
	// Concerned are the tenants the finding was routed to.
	Concerned []string `json:"concerned"`
}

// DeadlineMargin is how much of the invocation's time is kept back: a
// message is not started when less remains, and is returned for redelivery
// instead.
const DeadlineMargin = 5 * time.Second

// ErrThrottled is wrapped when SES refused a send for the sending rate or
// quota; the message is retried by redelivery and the rest of the batch is
// deferred.
var ErrThrottled = errors.New("SES throttled the send")

// errDeferred fails a message that was not tried, to be redelivered.
var errDeferred = errors.New("deferred")

// NoticeRecord is the evidence of one sent notice. Recipients appear only as
// HashEmail hashes.
type NoticeRecord struct {
	FindingID   string       `json:"finding_id"`
	TenantID    string       `json:"tenant_id"`
	FindingType string       `json:"finding_type"`
	Band        finding.Band `json:"band"`
	Severity    float64      `json:"severity"`
	Count       int          `json:"count"`
	// FirstSeen and LastSeen bound the activity (for CloudTrail, the
	// identical calls grouped into the finding).
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Seq       int       `json:"notice_seq"`
	Kind      Kind      `json:"notice_kind"`
	// Recipients are the SHA-256 hashes of every address mailed.
	Recipients []string `json:"recipients_sha256"`
	// Languages are the languages written, in each group's order.
	Languages [][]string `json:"languages"`
	// Groups are the e-mails sent, one per contact group.
	Groups    []GroupRecord      `json:"groups"`
	Reasons   []finding.Reason   `json:"reasons,omitempty"`
	Resources []finding.Resource `json:"resources,omitempty"`
	Detected  time.Time          `json:"detected"`
	// PromiseFrom is when the promised time started (zero for reminders).
	PromiseFrom time.Time `json:"promise_from,omitzero"`
	Queued      time.Time `json:"queued"`
	Sent        time.Time `json:"sent"`
	// LatencySeconds is Sent minus PromiseFrom (minus Detected for
	// reminders).
	LatencySeconds float64 `json:"latency_seconds"`
	// Deadline is the promise in force ("6h; business hours ..."), Due
	// when this notice was due by it (zero for reminders), PromiseHours
	// its limit in hours.
	Deadline     string    `json:"deadline"`
	Due          time.Time `json:"due,omitzero"`
	PromiseHours float64   `json:"promise_hours"`
	// Promised is false for reminders, which no promise covers, and for
	// findings that arrived after their notice was due (LateArrival): the
	// promise was already broken upstream, not by this notice.
	Promised      bool `json:"promised"`
	LateArrival   bool `json:"late_arrival,omitempty"`
	WithinPromise bool `json:"within_promise"`
	// MessageIDs are SES's ids of every e-mail of the notice.
	MessageIDs []string `json:"ses_message_ids"`
}

// GroupRecord is one e-mail of a notice.
type GroupRecord struct {
	Recipients []string `json:"recipients_sha256"`
	Languages  []string `json:"languages"`
	Zone       string   `json:"zone"`
	// MessageID is SES's id; empty when an earlier, interrupted attempt
	// sent this group (its id is among NoticeRecord.MessageIDs).
	MessageID string `json:"ses_message_id,omitempty"`
}

// HandleBatch sends the notices of one notice-queue batch and returns the
// messages to redeliver. It never returns an error for one message's
// failure: the response says which failed.
func (n *Notifier) HandleBatch(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	var throttled bool
	for _, rec := range ev.Records {
		log := n.log().With("sqs_message_id", rec.MessageId)
		var err error
		switch {
		case throttled:
			err = fmt.Errorf("%w after SES throttled an earlier send in this batch", errDeferred)
		case nearDeadline(ctx):
			err = fmt.Errorf("%w: less than %s of the invocation remains", errDeferred, DeadlineMargin)
		default:
			err = n.send(ctx, rec)
		}
		if err == nil {
			continue
		}
		reason := "error"
		switch {
		case errors.Is(err, ErrThrottled):
			reason, throttled = "throttled", true
		case errors.Is(err, errDeferred):
			reason = "deferred"
		case errors.Is(err, ErrBadMessage):
			reason = "malformed"
		}
		n.put("NoticeSendFailures", 1, metrics.Count, map[string]string{"Reason": reason})
		log.Warn("notice not sent; SQS will redeliver it", "reason", reason, logging.KeyError, err)
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
	}
	return resp, nil
}

// nearDeadline reads the wall clock, not the injected one: the deadline is
// Lambda's, in real time.
func nearDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && time.Until(d) < DeadlineMargin
}

// send sends one notice. A nil error means the message may be deleted: the
// notice was sent now or before, or is superseded.
func (n *Notifier) send(ctx context.Context, rec events.SQSMessage) error {
	m, err := DecodeMessage(rec.Body)
	if err != nil {
		n.put("EventsRejected", 1, metrics.Count, map[string]string{"Reason": "malformed-notice"})
		return err
	}
	f := m.Finding
	log := n.log().With("sqs_message_id", rec.MessageId, logging.KeyFindingID, f.ID, logging.KeyTenantID, m.TenantID, "notice_seq", m.Seq)
	now := n.Now()
	state, entry, err := n.Ledger.BeginSend(ctx, f.ID, m.TenantID, m.Seq, now)
	// A notice still to be sent is measured at every attempt; a redelivery
	// of one already sent (or superseded) is not, so that it cannot raise a
	// false alarm.
	if err != nil || state == SendGo || state == SendBusy {
		if n.putAtRisk(m, now) {
			log.Warn("notice at risk of missing the promise", "promise_from", m.PromiseFrom, "due", n.due(m), "deadline", n.Deadline.String())
		}
	}
	if err != nil {
		return err
	}
	switch state {
	case SendDone, SendSuperseded:
		n.put("NoticesSuppressed", 1, metrics.Count, nil)
		log.Info("notice suppressed", "reason", string(state))
		return nil
	case SendBusy:
		return fmt.Errorf("notice %s/%s #%d: another delivery is sending it (lease from %s)", f.ID, m.TenantID, m.Seq, entry.Sending.Format(time.RFC3339))
	}
	sent, err := n.deliver(ctx, m, entry)
	if err != nil || sent == nil {
		if rerr := n.Ledger.EndSend(context.WithoutCancel(ctx), f.ID, m.TenantID, m.Seq); rerr != nil {
			log.Error("free notice lease", logging.KeyError, rerr)
		}
		if err != nil {
			return err
		}
		n.put("NoticesSuppressed", 1, metrics.Count, nil)
		return nil
	}
	n.put("NoticesSent", 1, metrics.Count, nil)
	switch {
	case sent.Promised:
		n.put("NoticeLatencySeconds", sent.LatencySeconds, metrics.Seconds, nil)
		n.putAtRisk(m, sent.Sent)
	case sent.LateArrival:
		// Measured apart: the promise was broken before the finding reached
		// the notifier, not by this run.
		n.put("LateNoticeLatencySeconds", sent.LatencySeconds, metrics.Seconds, nil)
	}
	log.Info("notice sent", "notice_kind", string(m.Kind), "groups", len(sent.Groups), "latency_s", sent.LatencySeconds,
		"due", sent.Due, "within_promise", sent.WithinPromise, "late_arrival", sent.LateArrival)
	return nil
}

// deliver mails the groups not yet mailed, writes the evidence and marks
// the notice sent. It returns nil, nil when the tenant no longer holds data
// with the operator.
func (n *Notifier) deliver(ctx context.Context, m Message, entry *Entry) (*NoticeRecord, error) {
	f := m.Finding
	t, err := n.Directory.Tenant(ctx, m.TenantID)
	if err != nil {
		return nil, fmt.Errorf("notice %s/%s: read tenant: %w", f.ID, m.TenantID, err)
	}
	if !t.Status.HoldsData() {
		n.log().Info("notice dropped: tenant no longer holds data", logging.KeyFindingID, f.ID, logging.KeyTenantID, m.TenantID, logging.KeyStatus, string(t.Status))
		return nil, nil
	}
	auds := Audiences(t.Contacts, n.Languages)
	if len(auds) == 0 {
		return nil, fmt.Errorf("notice %s/%s: the tenant has no contact with an address", f.ID, m.TenantID)
	}
	if f.EventID != "" {
		// Identical calls grouped into the finding: show the count and
		// times as they are now, not as they were when the notice was
		// queued (the burst may have gone on).
		tally, err := n.Ledger.GetTally(ctx, f.ID)
		if err != nil {
			return nil, fmt.Errorf("notice %s/%s: %w", f.ID, m.TenantID, err)
		}
		if tally.Count > f.Count {
			f.Count, f.FirstSeen, f.LastSeen = tally.Count, tally.First, tally.Last
			m.Finding = f
		}
	}
	rec := &NoticeRecord{
		FindingID: f.ID, TenantID: m.TenantID, FindingType: f.Type, Band: f.Band, Severity: f.Severity, Count: f.Count,
		FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
		Seq: m.Seq, Kind: m.Kind, Reasons: m.Reasons, Resources: m.Resources, Detected: f.Detected, PromiseFrom: m.PromiseFrom,
		Queued: m.Queued, Deadline: n.Deadline.String(), Due: n.due(m), PromiseHours: n.Deadline.Limit.Hours(),
		Promised: m.promised(), LateArrival: m.Late, MessageIDs: slices.Clone(entry.MessageIDs),
	}
	name := t.Name
	if name == "" {
		name = t.ID
	}
	for _, a := range auds {
		g := GroupRecord{Languages: a.Languages, Zone: a.Zone}
		for _, e := range a.Emails {
			g.Recipients = append(g.Recipients, HashEmail(e))
		}
		rec.Recipients = append(rec.Recipients, g.Recipients...)
		rec.Languages = append(rec.Languages, a.Languages)
		key := a.Key()
		if slices.Contains(entry.SentGroups, key) {
			rec.Groups = append(rec.Groups, g)
			continue
		}
		mail, err := notice.Render(n.noticeInput(m, t, name, a))
		if err != nil {
			return nil, fmt.Errorf("notice %s/%s: render: %w", f.ID, m.TenantID, err)
		}
		if err := n.pace(ctx); err != nil {
			return nil, fmt.Errorf("notice %s/%s: %w waiting for the sending rate: %v", f.ID, m.TenantID, errDeferred, err)
		}
		id, err := n.mail(ctx, a.Emails, mail)
		if err != nil {
			return nil, fmt.Errorf("notice %s/%s: %w", f.ID, m.TenantID, err)
		}
		if err := n.Ledger.MarkGroupSent(ctx, f.ID, m.TenantID, m.Seq, key, id); err != nil {
			return nil, err
		}
		g.MessageID = id
		rec.MessageIDs = append(rec.MessageIDs, id)
		rec.Groups = append(rec.Groups, g)
	}
	rec.Sent = n.Now().UTC()
	start := rec.PromiseFrom
	if !rec.Promised {
		start = f.Detected
	}
	rec.LatencySeconds = rec.Sent.Sub(start).Seconds()
	rec.WithinPromise = !rec.Promised || !rec.Sent.After(rec.Due)
	if _, err := n.Evidence.Put(ctx, evidence.Record{Kind: EvidenceKind, Time: rec.Sent, Subject: f.ID + "/" + m.TenantID, Body: rec}); err != nil && !errors.Is(err, evidence.ErrExists) {
		return nil, fmt.Errorf("notice %s/%s: write evidence: %w", f.ID, m.TenantID, err)
	}
	if err := n.Ledger.MarkSent(ctx, f.ID, m.TenantID, m.Seq, rec.Sent, rec.MessageIDs); err != nil {
		return nil, err
	}
	return rec, nil
}

// mail sends one rendered notice to one group with SES v2.
func (n *Notifier) mail(ctx context.Context, to []string, msg notice.Message) (string, error) {
	utf8 := aws.String("UTF-8")
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(n.Sender),
		Destination:      &sestypes.Destination{ToAddresses: to},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(msg.Subject), Charset: utf8},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(msg.Text), Charset: utf8},
				Html: &sestypes.Content{Data: aws.String(msg.HTML), Charset: utf8},
			},
		}},
	}
	if n.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(n.ConfigurationSet)
	}
	out, err := n.Mail.SendEmail(ctx, in)
	if err != nil {
		if throttle(err) {
			return "", fmt.Errorf("%w: %v", ErrThrottled, err)
		}
		return "", fmt.Errorf("send e-mail: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// throttle reports whether err is SES refusing for rate or quota.
func throttle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "TooManyRequestsException", "LimitExceededException", "SendingPausedException", "Throttling", "ThrottlingException":
		return true
	}
	return false
}

// PlannedNotice is what a dry run would send for one message.
type PlannedNotice struct {
	MessageID string `json:"sqsMessageId"`
	FindingID string `json:"findingId,omitempty"`
	TenantID  string `json:"tenantId,omitempty"`
	Seq       int    `json:"seq,omitempty"`
	// State is what the ledger says: send, already-sent, superseded, busy.
	State SendState `json:"state,omitempty"`
	// Subjects are the e-mails' subjects, one per contact group.
	Subjects []string `json:"subjects,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// PlanBatch is HandleBatch's dry run: it reads the ledger and the
// directory and renders, and sends and writes nothing.
func (n *Notifier) PlanBatch(ctx context.Context, ev events.SQSEvent) ([]PlannedNotice, error) {
	var out []PlannedNotice
	for _, rec := range ev.Records {
		p := PlannedNotice{MessageID: rec.MessageId}
		out = append(out, p)
		plan := &out[len(out)-1]
		m, err := DecodeMessage(rec.Body)
		if err != nil {
			plan.Error = err.Error()
			continue
		}
		plan.FindingID, plan.TenantID, plan.Seq = m.Finding.ID, m.TenantID, m.Seq
		e, err := n.Ledger.Get(ctx, m.Finding.ID, m.TenantID)
		if err != nil {
			plan.Error = err.Error()
			continue
		}
		switch {
		case e == nil || e.Seq != m.Seq:
			plan.State = SendSuperseded
		case !e.Sent.IsZero():
			plan.State = SendDone
		default:
			plan.State = SendGo
		}
		t, err := n.Directory.Tenant(ctx, m.TenantID)
		if err != nil {
			plan.Error = err.Error()
			continue
		}
		for _, a := range Audiences(t.Contacts, n.Languages) {
			mail, err := notice.Render(n.noticeInput(m, t, t.Name, a))
			if err != nil {
				plan.Error = err.Error()
				break
			}
			plan.Subjects = append(plan.Subjects, mail.Subject)
		}
	}
	return out, nil
}

// noticeInput is what one audience's notice says.
func (n *Notifier) noticeInput(m Message, t Tenant, name string, a Audience) notice.Input {
	return notice.Input{
		TenantID: t.ID, TenantName: name, Languages: a.Languages, Location: a.Location(), Finding: m.Finding, Resources: m.Resources,
		Operator: n.Wording.Operator, Contact: n.Wording.Contact, Action: n.Wording.Action,
		Due: n.due(m), Late: m.Late, Received: m.Queued,
	}
}
