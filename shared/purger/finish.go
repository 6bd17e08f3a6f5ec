package purger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// certFiles are a stored certificate's three files.
type certFiles struct {
	cert                    certificate.Certificate
	json, sig, publicKeyPEM []byte
}

// certificateBase is where a purge's certificate is stored: one place per
// purge, so that a retry finds the certificate an earlier attempt stored
// instead of issuing another.
func certificateBase(tenantID, purgeID string) string {
	return fmt.Sprintf("%s/%s/%s/", KindCertificate, tenantID, purgeID)
}

// finish seals the manifest, issues, stores and mails the certificate and
// marks the tenant purged, resuming from whatever an earlier attempt
// recorded or stored.
func (p *Purger) finish(ctx context.Context, t tenant.Tenant, results []purge.Result, sv *saver, o *Outcome, log *slog.Logger) error {
	prog := sv.prog
	var files certFiles
	if prog.Certificate == nil {
		var shards []purge.Indexed
		for _, r := range results {
			shards = append(shards, purge.Indexed{Layout: r.Layout, Segments: r.Index.Segments})
		}
		sealed, err := purge.Seal(ctx, p.Evidence, shards)
		if err != nil {
			return err
		}
		res := combine(results)
		if files, err = p.issue(ctx, t, res, sealed, certificateBase(t.ID, res.Layout.PurgeID)); err != nil {
			return err
		}
		sum := sha256.Sum256(files.json)
		base := certificateBase(t.ID, res.Layout.PurgeID)
		prog.Certificate = &issued{IssuedAt: files.cert.IssuedAt.Time, SHA256: hex.EncodeToString(sum[:]),
			Keys: []string{base + certificate.FileJSON, base + certificate.FileSignature, base + certificate.FilePublicKey}}
		if err := sv.persist(ctx); err != nil {
			return fmt.Errorf("record the certificate of tenant %s: %w", t.ID, err)
		}
		log.Info("certificate issued", logging.KeyEvidence, prog.Certificate.Keys[0], "manifest_sha256", sealed.SHA256, "index_key", sealed.IndexKey)
	} else {
		var err error
		if files, err = p.readCertificate(ctx, prog.Certificate); err != nil {
			return fmt.Errorf("tenant %s: %w", t.ID, err)
		}
	}
	o.Certificate = prog.Certificate.Keys
	m := files.cert.Manifest
	o.Manifest = &purge.Sealed{IndexKey: m.Index.Key, IndexSHA256: m.Index.SHA256, SHA256: m.SHA256, Lines: m.Lines, Parts: m.Parts}
	if err := p.mailContacts(ctx, t, files, sv, o, log); err != nil {
		return err
	}
	if err := p.Registry.MarkPurged(ctx, t.ID, prog.Certificate.IssuedAt); err != nil {
		return fmt.Errorf("mark tenant %s purged: %w", t.ID, err)
	}
	return nil
}

// combine joins shard results (in key order) into the purge's result:
// counts summed, deletion times spanning all, retained versions listed.
func combine(rs []purge.Result) purge.Result {
	if len(rs) == 1 {
		return rs[0]
	}
	out := rs[0]
	out.Shard, out.ManifestSHA256, out.Locked = nil, "", nil
	out.Counts = purge.Counts{}
	for _, r := range rs {
		out.Counts.Objects += r.Counts.Objects
		out.Counts.Versions += r.Counts.Versions
		out.Counts.DeleteMarkers += r.Counts.DeleteMarkers
		out.Counts.Bytes += r.Counts.Bytes
		if !r.FirstDeletion.IsZero() && (out.FirstDeletion.IsZero() || r.FirstDeletion.Before(out.FirstDeletion)) {
			out.FirstDeletion = r.FirstDeletion
		}
		if r.LastDeletion.After(out.LastDeletion) {
			out.LastDeletion = r.LastDeletion
		}
		out.Locked = append(out.Locked, r.Locked...)
	}
	return out
}

// issue stores the purge's certificate under base, write-once: a
// certificate an earlier attempt stored there stands (signed again if its
// signature was lost), so there is one certificate per purge.
func (p *Purger) issue(ctx context.Context, t tenant.Tenant, res purge.Result, sealed purge.Sealed, base string) (certFiles, error) {
	keyJSON, keySig, keyPEM := base+certificate.FileJSON, base+certificate.FileSignature, base+certificate.FilePublicKey
	var signed certificate.Signed
	stored, err := p.Evidence.GetObject(ctx, keyJSON)
	switch {
	case err == nil:
		sig, serr := p.Evidence.GetObject(ctx, keySig)
		pem, perr := p.Evidence.GetObject(ctx, keyPEM)
		if serr == nil && perr == nil && certificate.Verify(stored, sig, pem) == nil {
			c, _ := certificate.Parse(stored)
			return certFiles{cert: c, json: stored, sig: sig, publicKeyPEM: pem}, nil
		}
		if signed, err = p.Signer.SignStored(ctx, stored); err != nil {
			return certFiles{}, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
	case errors.Is(err, evidence.ErrNotFound):
		cert, err := certificate.New(certificate.Input{Result: res, Manifest: sealed, Policies: p.Backups, Zone: p.zone(), Issuer: p.Issuer, IssuedAt: p.now().UTC(),
			Promise: certificate.PromiseOf(t.Terminated, t.PurgeDue, t.PurgeDeadline)})
		if err != nil {
			return certFiles{}, err
		}
		if signed, err = p.Signer.Sign(ctx, cert); err != nil {
			return certFiles{}, fmt.Errorf("sign the certificate of tenant %s: %w", t.ID, err)
		}
		if err := p.Evidence.PutObject(ctx, keyJSON, "application/json", signed.JSON); err != nil {
			return certFiles{}, fmt.Errorf("store the certificate of tenant %s: %w", t.ID, err)
		}
	default:
		return certFiles{}, fmt.Errorf("look for the certificate of tenant %s: %w", t.ID, err)
	}
	f := certFiles{cert: signed.Certificate, json: signed.JSON, sig: signed.Signature, publicKeyPEM: signed.PublicKeyPEM}
	if err := p.Evidence.PutObject(ctx, keySig, "application/octet-stream", f.sig); errors.Is(err, evidence.ErrExists) {
		// Stored by an attempt that stopped before the public key: it
		// signs the same certificate.
		old, gerr := p.Evidence.GetObject(ctx, keySig)
		if gerr != nil || certificate.Verify(f.json, old, f.publicKeyPEM) != nil {
			return certFiles{}, fmt.Errorf("store the certificate signature of tenant %s: %s holds a signature that does not verify (%v)", t.ID, keySig, gerr)
		}
		f.sig = old
	} else if err != nil {
		return certFiles{}, fmt.Errorf("store the certificate signature of tenant %s: %w", t.ID, err)
	}
	if err := p.Evidence.PutObject(ctx, keyPEM, "application/x-pem-file", f.publicKeyPEM); errors.Is(err, evidence.ErrExists) {
		old, gerr := p.Evidence.GetObject(ctx, keyPEM)
		if gerr != nil || certificate.Verify(f.json, f.sig, old) != nil {
			return certFiles{}, fmt.Errorf("store the public key of tenant %s's certificate: %s holds another key (%v)", t.ID, keyPEM, gerr)
		}
	} else if err != nil {
		return certFiles{}, fmt.Errorf("store the public key of tenant %s's certificate: %w", t.ID, err)
	}
	return f, nil
}

// readCertificate reads a stored certificate back and checks it.
func (p *Purger) readCertificate(ctx context.Context, iss *issued) (certFiles, error) {
	if len(iss.Keys) != 3 {
		return certFiles{}, fmt.Errorf("stored certificate: %d keys recorded, want 3", len(iss.Keys))
	}
	var b [3][]byte
	for i, k := range iss.Keys {
		var err error
		if b[i], err = p.Evidence.GetObject(ctx, k); err != nil {
			return certFiles{}, fmt.Errorf("stored certificate: %w", err)
		}
	}
	if sum := sha256.Sum256(b[0]); hex.EncodeToString(sum[:]) != iss.SHA256 {
		return certFiles{}, fmt.Errorf("stored certificate %s does not hash to the %s recorded", iss.Keys[0], iss.SHA256)
	}
	if err := certificate.Verify(b[0], b[1], b[2]); err != nil {
		return certFiles{}, fmt.Errorf("stored certificate %s: %w", iss.Keys[0], err)
	}
	c, err := certificate.Parse(b[0])
	if err != nil {
		return certFiles{}, err
	}
	return certFiles{cert: c, json: b[0], sig: b[1], publicKeyPEM: b[2]}, nil
}

// mailContacts mails each contact the certificate once it has been
// recorded that the mail is about to go (at least once: a contact whose
// mail was about to go when an attempt stopped gets it again, marked as
// a resend, rather than risk none).
func (p *Purger) mailContacts(ctx context.Context, t tenant.Tenant, files certFiles, sv *saver, o *Outcome, log *slog.Logger) error {
	prog := sv.prog
	for _, c := range t.Contacts {
		h := hashAddress(c.Email)
		if prog.mailed(c.Email) {
			continue
		}
		resend := prog.mailing(c.Email)
		if !resend {
			prog.Mailing = append(prog.Mailing, h)
			if err := sv.persist(ctx); err != nil {
				return fmt.Errorf("record the certificate mail of tenant %s: %w", t.ID, err)
			}
		}
		id, err := p.mailCertificate(ctx, t, c, files, resend)
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && permanentMailError(ae.ErrorCode()) {
				// Retrying cannot help and the data is gone: report it
				// and carry on to mark the tenant purged.
				o.MailFailed = append(o.MailFailed, h)
				if p.Metrics != nil {
					p.Metrics.Put("CertificateMailFailures", 1, metrics.Count, map[string]string{"Reason": ae.ErrorCode()})
				}
				log.Error("certificate mail refused by SES", "contact_sha256", h, logging.KeyError, err)
				continue
			}
			return fmt.Errorf("mail the certificate of tenant %s: %w", t.ID, err)
		}
		prog.Mailed = append(prog.Mailed, h)
		prog.Mailing = slices.DeleteFunc(prog.Mailing, func(x string) bool { return x == h })
		if err := sv.persist(ctx); err != nil {
			return fmt.Errorf("record the certificate mail of tenant %s: %w", t.ID, err)
		}
		if resend {
			o.Resent = append(o.Resent, h)
		}
		log.Info("certificate mailed", "contact_sha256", h, "ses_message_id", id, "resend", resend)
	}
	o.Emailed = len(prog.Mailed)
	return nil
}

func permanentMailError(code string) bool {
	switch code {
	case "MessageRejected", "BadRequestException", "NotFoundException", "MailFromDomainNotVerifiedException":
		return true
	}
	return false
}

// Resend markers in the subject and first line of a mail that repeats one
// which may already have arrived.
const (
	ResendSubject = "【再送 / Resent】"
	resendNote    = "※ このメールは再送です。前回のお送りが届いたかを確認できなかったため、同じ証明書をもう一度お送りしております。\n" +
		"※ This is a resend: we could not confirm that our previous message went out, so we are sending the same certificate again.\n\n"
)

// mailCertificate sends one contact the certificate, in their zone.
func (p *Purger) mailCertificate(ctx context.Context, t tenant.Tenant, c tenant.Contact, f certFiles, resend bool) (string, error) {
	loc := c.Location()
	name := t.Name
	if name == "" {
		name = t.ID
	}
	subject := fmt.Sprintf("【データ削除証明書】%s 様 / Data deletion certificate for %s", name, name)
	text := certificate.SummaryIn(f.cert, loc, []string{c.Language})
	if resend {
		subject, text = ResendSubject+subject, resendNote+text
	}
	raw, err := Mail{
		From: p.Sender, To: c.Email, Subject: subject, Date: p.now().In(loc),
		Text: text,
		Attachments: []Attachment{
			{Name: certificate.FileJSON, ContentType: "application/json", Data: f.json},
			{Name: certificate.FileSignature, ContentType: "application/octet-stream", Data: f.sig},
			{Name: certificate.FilePublicKey, ContentType: "application/x-pem-file", Data: f.publicKeyPEM},
		},
	}.Raw()
	if err != nil {
		return "", err
	}
	out, err := p.Mail.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(p.Sender),
		Destination:      &sestypes.Destination{ToAddresses: []string{c.Email}},
		Content:          &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: raw}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}
