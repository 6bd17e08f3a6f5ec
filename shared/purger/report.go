package purger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/lazyregexp"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// ReportRequested is the detail-type of the lifecycle event that asks for
// a purged tenant's deletion certificate to be sent again.
const ReportRequested = "Tenant Deletion Report Requested"

// What handling a report request came to.
const (
	ReportSent        = "sent"         // mailed to the tenant's current contacts
	ReportAlreadySent = "already-sent" // this request id was handled before
	ReportPending     = "pending"      // the purge is not finished; the certificate goes out when it is
)

// ReportRequest is a ReportRequested event's detail.
type ReportRequest struct {
	TenantID string `json:"tenantId"`
	// RequestID identifies the request: one report per request id.
	RequestID  string    `json:"requestId"`
	OccurredAt time.Time `json:"occurredAt"`
}

var requestIDRE = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// ParseReportRequest reads a ReportRequested event, rejecting unknown
// fields, an invalid tenant id, a request id that could not name an
// evidence object, and a missing time.
func ParseReportRequest(raw []byte) (ReportRequest, error) {
	var cw events.CloudWatchEvent
	if err := json.Unmarshal(raw, &cw); err != nil {
		return ReportRequest{}, fmt.Errorf("deletion report request: %w: %w", tenant.ErrInvalid, err)
	}
	if cw.Source != tenant.Source || cw.DetailType != ReportRequested {
		return ReportRequest{}, fmt.Errorf("deletion report request: %w: source %q, detail-type %q", tenant.ErrInvalid, cw.Source, cw.DetailType)
	}
	var r ReportRequest
	dec := json.NewDecoder(bytes.NewReader(cw.Detail))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return ReportRequest{}, fmt.Errorf("deletion report request %s: detail: %w: %w", cw.ID, tenant.ErrInvalid, err)
	}
	switch {
	case tenant.ValidateID(r.TenantID) != nil:
		return ReportRequest{}, fmt.Errorf("deletion report request %s: detail.tenantId: %w", cw.ID, tenant.ValidateID(r.TenantID))
	case !requestIDRE.MatchString(r.RequestID):
		return ReportRequest{}, fmt.Errorf("deletion report request %s: detail.requestId %q: %w: want 1-128 letters, digits, '.', '_', ':' or '-'", cw.ID, r.RequestID, tenant.ErrInvalid)
	case r.OccurredAt.IsZero():
		return ReportRequest{}, fmt.Errorf("deletion report request %s: detail.occurredAt: %w: want an RFC 3339 time", cw.ID, tenant.ErrInvalid)
	}
	return r, nil
}

// ReportResult is what a report request did.
type ReportResult struct {
	TenantID  string `json:"tenant_id"`
	RequestID string `json:"request_id"`
	Result    string `json:"result"`
	// Certificate is the evidence key of the certificate sent.
	Certificate string `json:"certificate_key,omitempty"`
	// Emailed are the contacts mailed (SHA-256 of the address).
	Emailed []string `json:"emailed_sha256,omitempty"`
	// Evidence are the request's evidence records.
	Evidence []string `json:"evidence_keys,omitempty"`
	DryRun   bool     `json:"dry_run,omitempty"`
}

// reportRecord is the evidence of a report request: written once when it
// is taken up (requested) and once when every contact was mailed (sent).
type reportRecord struct {
	TenantID    string    `json:"tenant_id"`
	RequestID   string    `json:"request_id"`
	RequestedAt time.Time `json:"requested_at"`
	At          time.Time `json:"at"`
	Certificate string    `json:"certificate_key"`
	// Contacts are the tenant's current contacts (SHA-256 of the address).
	Contacts []string `json:"contacts_sha256"`
	// Resend is set when an earlier attempt at the same request may have
	// mailed some contacts already.
	Resend bool `json:"resend,omitempty"`
}

// HandleReportRequest sends a purged tenant's stored deletion certificate
// again to the tenant's current contacts, once per request id: the request
// is recorded in evidence (write-once, next to the certificate) before any
// mail and again once every contact was mailed, so a request already sent
// is not sent again, and one interrupted halfway is sent again, marked as
// a resend (at least once, like every mail). A tenant still being purged
// gets nothing now (its certificate is mailed when the purge completes);
// a tenant that is not being purged at all is an error.
func (p *Purger) HandleReportRequest(ctx context.Context, raw json.RawMessage) (*ReportResult, error) {
	req, err := ParseReportRequest(raw)
	if err != nil {
		p.rejected("invalid")
		return nil, fmt.Errorf("%w (it will not become valid on retry; fix the control plane and replay it from the dead-letter queue)", err)
	}
	res := &ReportResult{TenantID: req.TenantID, RequestID: req.RequestID, DryRun: p.DryRun}
	log := p.log().With(logging.KeyTenantID, req.TenantID, "request_id", req.RequestID)
	t, err := p.Registry.Get(ctx, req.TenantID)
	if err != nil {
		return nil, fmt.Errorf("deletion report request %s: %w", req.RequestID, err)
	}
	prog, err := decodeProgress(t.Checkpoint.Data)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	switch {
	case t.Status == tenant.StatusTerminated || t.Status == tenant.StatusPurging || (t.Status == tenant.StatusPurged && prog.Certificate == nil):
		res.Result = ReportPending
		log.Info("deletion report requested before the purge completed: the certificate is mailed when it does", logging.KeyStatus, string(t.Status))
		return res, nil
	case t.Status != tenant.StatusPurged:
		return nil, fmt.Errorf("deletion report request %s: tenant %s is %w: %s, and has no deletion certificate", req.RequestID, t.ID, tenant.ErrConflict, t.Status)
	}
	files, err := p.readCertificate(ctx, prog.Certificate)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	res.Certificate = prog.Certificate.Keys[0]
	dir := strings.TrimSuffix(res.Certificate, certificate.FileJSON) + "report-requests/"
	requestedKey, sentKey := dir+req.RequestID+".requested.json", dir+req.RequestID+".sent.json"
	res.Evidence = []string{requestedKey, sentKey}
	if _, err := p.Evidence.GetObject(ctx, sentKey); err == nil {
		res.Result = ReportAlreadySent
		log.Info("deletion report already sent for this request")
		return res, nil
	} else if !errors.Is(err, evidence.ErrNotFound) {
		return nil, fmt.Errorf("deletion report request %s: %w", req.RequestID, err)
	}
	rec := reportRecord{TenantID: t.ID, RequestID: req.RequestID, RequestedAt: req.OccurredAt.UTC(), At: p.now().UTC(), Certificate: res.Certificate}
	for _, c := range t.Contacts {
		rec.Contacts = append(rec.Contacts, hashAddress(c.Email))
	}
	if p.DryRun {
		res.Result, res.Emailed = ReportSent, rec.Contacts
		return res, nil
	}
	body, _ := json.MarshalIndent(rec, "", "  ")
	err = p.Evidence.PutObject(ctx, requestedKey, "application/json", body)
	switch {
	case errors.Is(err, evidence.ErrExists):
		// Taken up before, but not finished: some mail may have gone.
		rec.Resend = true
	case err != nil:
		return nil, fmt.Errorf("record deletion report request %s: %w", req.RequestID, err)
	}
	for _, c := range t.Contacts {
		id, err := p.mailReport(ctx, t, c, files, rec.Resend)
		if err != nil {
			return nil, fmt.Errorf("mail the deletion report of tenant %s (request %s): %w", t.ID, req.RequestID, err)
		}
		res.Emailed = append(res.Emailed, hashAddress(c.Email))
		log.Info("deletion report mailed", "contact_sha256", hashAddress(c.Email), "ses_message_id", id, "resend", rec.Resend)
	}
	rec.At = p.now().UTC()
	body, _ = json.MarshalIndent(rec, "", "  ")
	if err := p.Evidence.PutObject(ctx, sentKey, "application/json", body); err != nil && !errors.Is(err, evidence.ErrExists) {
		return nil, fmt.Errorf("record deletion report %s as sent: %w", req.RequestID, err)
	}
	res.Result = ReportSent
	return res, nil
}

// Subject marker and first line of a certificate sent again on request.
const (
	ReportSubject = "【再送付 / Sent again on request】"
	reportNote    = "※ ご依頼により、データ削除証明書をもう一度お送りいたします。内容は削除完了時にお送りしたものと同一です。\n" +
		"※ As requested, we are sending the data deletion certificate again. It is the same certificate we sent when the deletion was completed.\n\n"
)

// mailReport sends one contact the stored certificate again.
func (p *Purger) mailReport(ctx context.Context, t tenant.Tenant, c tenant.Contact, f certFiles, resend bool) (string, error) {
	return p.sendCertificate(ctx, t, c, f, ReportSubject, reportNote, resend)
}
