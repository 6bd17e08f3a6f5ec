package purger_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// flakySigner passes its preflight until broken, as a key disabled or a
// grant revoked while a Lambda process stays warm.
type flakySigner struct {
	preflights int
	broken     bool
}

func (s *flakySigner) Preflight(context.Context) error {
	s.preflights++
	if s.broken {
		return errors.New("kms:Sign refused: AccessDeniedException")
	}
	return nil
}

func (s *flakySigner) Sign(context.Context, certificate.Certificate) (certificate.Signed, error) {
	return certificate.Signed{}, errors.New("not in this test")
}

func (s *flakySigner) SignStored(context.Context, []byte) (certificate.Signed, error) {
	return certificate.Signed{}, errors.New("not in this test")
}

type noMail struct{}

func (noMail) SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return nil, errors.New("not in this test")
}

// TestPurge_SignerCheckedBeforeEveryClaim: a warm process that once found
// the key good checks it again before the next claim; a key broken in
// between deletes nothing and leaves the tenant unclaimed.
func TestPurge_SignerCheckedBeforeEveryClaim(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-07-10T03:00:00+09:00")
	w := newSweepWorld(t, sweepCfg, now)
	signer := &flakySigner{}
	w.p.Signer, w.p.Mail, w.p.Sender, w.p.Issuer = signer, noMail{}, "security@example.jp", "Example"
	w.terminate(t, "tenant-due", now.AddDate(0, 0, -45))
	if _, err := w.reg.RecordNotice(context.Background(), "tenant-due", now.AddDate(0, 0, -45)); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(now.AddDate(0, 0, 7))
	w.terminate(t, "tenant-early", now.AddDate(0, 0, 7))
	batch := func(id string) purger.Outcome {
		t.Helper()
		raw, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: id, EventSource: "aws:sqs",
			Body: purger.Message{TenantID: id, Reason: purger.ReasonDue, Enqueued: now, Round: 1}.Encode()}}})
		res, err := w.p.HandleBatch(context.Background(), raw)
		if err != nil || len(res.Purges) != 1 {
			t.Fatalf("batch: %+v, %v", res, err)
		}
		return res.Purges[0]
	}
	if o := batch("tenant-early"); o.Action == purger.ActionFailed {
		t.Fatalf("a tenant in its grace period with a good key: %+v", o)
	}
	signer.broken = true
	o := batch("tenant-due")
	if o.Action != purger.ActionFailed || !strings.Contains(o.Error, "PLEDGE_SIGNING_KEY_ID") {
		t.Errorf("with the key broken after the first check: %s %q, want failed naming the key", o.Action, o.Error)
	}
	if signer.preflights != 2 {
		t.Errorf("%d signer preflights for two purge messages, want one each", signer.preflights)
	}
	got, err := w.reg.Get(context.Background(), "tenant-due")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != tenant.StatusTerminated || got.PurgeAttempts != 0 {
		t.Errorf("tenant-due %s after %d attempts, want terminated and unclaimed", got.Status, got.PurgeAttempts)
	}
}
