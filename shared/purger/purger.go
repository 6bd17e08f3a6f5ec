package purger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// Evidence kinds the purger writes (the stack lets it write only these).
const (
	KindCertificate = "deletion-certificate"
	KindManifest    = "deletion-manifest"
	KindRun         = "purge-run"
)

// DefaultResumeDelay is how long a paused purge waits on the queue before
// the next invocation carries on.
const DefaultResumeDelay = 5 * time.Second

// MaxDeadlineMargin is the most of an invocation's time kept back for
// checkpointing, the certificate and the mail; a short invocation keeps a
// fifth of its time instead.
const MaxDeadlineMargin = 30 * time.Second

// Registry is the part of the tenant registry (tenant.Registry) the purger
// uses.
type Registry interface {
	Apply(ctx context.Context, ev tenant.Event) (tenant.Outcome, error)
	Get(ctx context.Context, id string) (tenant.Tenant, error)
	Due(ctx context.Context, now time.Time) ([]tenant.Tenant, error)
	Upcoming(ctx context.Context, now time.Time, days int) ([]tenant.Tenant, error)
	StartPurge(ctx context.Context, id, owner string, now time.Time) (tenant.Tenant, error)
	RecordNotice(ctx context.Context, id string, terminated time.Time) (time.Time, error)
	SaveCheckpointAs(ctx context.Context, id, owner string, blob []byte) error
	MarkPurged(ctx context.Context, id string, at time.Time) error
}

// QueueAPI is the part of the SQS client the purger uses.
type QueueAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// TopicAPI is the part of the SNS client the purger uses.
type TopicAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// MailAPI is the part of the SES v2 client the purger uses.
type MailAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Signer signs certificates; certificate.Signer matches.
type Signer interface {
	// Preflight checks that the key can sign, before anything is deleted.
	Preflight(ctx context.Context) error
	Sign(ctx context.Context, c certificate.Certificate) (certificate.Signed, error)
	// SignStored signs a stored certificate again (its signature lost).
	SignStored(ctx context.Context, canonical []byte) (certificate.Signed, error)
}

// EvidenceStore writes evidence once and reads it back; *evidence.Store
// matches.
type EvidenceStore interface {
	Put(ctx context.Context, r evidence.Record) (string, error)
	PutObject(ctx context.Context, key, contentType string, body []byte) error
	GetObject(ctx context.Context, key string) ([]byte, error)
}

// Metrics records EMF metrics; *metrics.Recorder matches.
type Metrics interface {
	Put(name string, value float64, unit metrics.Unit, dims map[string]string)
	Flush() error
}

// Purger is the tenant-purger's handler and everything it works with.
type Purger struct {
	Registry Registry
	// S3 reaches the tenant buckets.
	S3       purge.S3API
	Evidence EvidenceStore
	// Queue and QueueURL are the purge queue.
	Queue    QueueAPI
	QueueURL string
	// Ops and OpsTopicARN receive the advance notice.
	Ops         TopicAPI
	OpsTopicARN string
	// Mail and Sender send the certificates.
	Mail   MailAPI
	Sender string
	Signer Signer
	// Metrics may be nil.
	Metrics Metrics
	Log     *slog.Logger

	// Tenants is the configuration's tenants section.
	Tenants config.Tenants
	// Backups are the backup policies whose snapshots may still hold a
	// tenant's data; Zone is the configured time zone.
	Backups []config.BackupPolicy
	Zone    *time.Location
	// Issuer names who issues the certificates.
	Issuer string
	// Shards keeps sharded purges' state; nil turns sharding off.
	Shards *ShardStore
	// Options tune the engine. ManifestPrefix is always KindManifest; a zero
	// DeadlineMargin keeps back a fifth of the invocation's time, at most
	// MaxDeadlineMargin.
	Options purge.Options
	// ResumeDelay delays the message that carries a paused purge on
	// (default DefaultResumeDelay; at most 15 minutes).
	ResumeDelay time.Duration

	// Now is the clock: due dates, the certificate's issue time, and the
	// engine's deletion times (so a certificate never shows deletions
	// after its issue time); the invocation's deadline is measured on it.
	Now func() time.Time
	// Owner names this invocation as a purge's owner; by default the
	// Lambda request id, or a random "local-..." id outside Lambda.
	Owner func(ctx context.Context) string
	// DryRun plans and changes nothing.
	DryRun bool
}

// preflight checks the signing key's spec, usage and permission before
// each purge message is claimed (two KMS calls, a few milliseconds), so
// a wrong key deletes nothing, also when the key or the role's grant was
// changed after this warm process last checked it. A key that breaks
// between this check and the certificate's signature still leaves the
// deletions done and the certificate to the message's redelivery.
func (p *Purger) preflight(ctx context.Context) error {
	if err := p.Signer.Preflight(ctx); err != nil {
		return fmt.Errorf("PLEDGE_SIGNING_KEY_ID: %w", err)
	}
	return nil
}

// Validate reports what is missing for the purger to run.
func (p *Purger) Validate() error {
	var errs []error
	if p.Registry == nil {
		errs = append(errs, errors.New("no tenant registry (PLEDGE_REGISTRY_TABLE)"))
	}
	if p.S3 == nil {
		errs = append(errs, errors.New("no S3 client"))
	}
	if p.Evidence == nil {
		errs = append(errs, errors.New("no evidence store (PLEDGE_EVIDENCE_BUCKET)"))
	}
	if !p.DryRun {
		if p.Queue == nil || p.QueueURL == "" {
			errs = append(errs, errors.New("PLEDGE_PURGE_QUEUE_URL is not set: due tenants are enqueued there"))
		}
		if p.Signer == nil {
			errs = append(errs, errors.New("PLEDGE_SIGNING_KEY_ID is not set: deletion certificates are signed with it"))
		}
		if p.Mail == nil {
			errs = append(errs, errors.New("no SES client"))
		}
		if _, err := mail.ParseAddress(p.Sender); err != nil {
			errs = append(errs, fmt.Errorf("notifications.sender %q is not an address: certificates are mailed from it", p.Sender))
		}
		if p.Tenants.AdvanceNoticeDays > 0 && (p.Ops == nil || p.OpsTopicARN == "") {
			errs = append(errs, fmt.Errorf("PLEDGE_OPS_TOPIC_ARN is not set: tenants.advanceNoticeDays is %d, and ops receive the advance notice on that topic", p.Tenants.AdvanceNoticeDays))
		}
		if p.Issuer == "" {
			errs = append(errs, errors.New("no certificate issuer"))
		}
	}
	if p.ResumeDelay < 0 || p.ResumeDelay > 15*time.Minute {
		errs = append(errs, fmt.Errorf("resume delay %s is outside 0-15m, SQS's limit", p.ResumeDelay))
	}
	return errors.Join(errs...)
}

// Handle handles one invocation, whatever its event: a purge-queue batch,
// a tenant lifecycle event or the scheduled sweep.
func (p *Purger) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	defer p.flush()
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("event is not a JSON object: %w", err)
	}
	switch {
	case len(probe.Records) > 0:
		return p.HandleBatch(ctx, raw)
	case probe.Source == tenant.Source && probe.DetailType == ReportRequested:
		return p.HandleReportRequest(ctx, raw)
	case probe.Source == tenant.Source:
		return p.HandleLifecycle(ctx, raw)
	case probe.DetailType == "Scheduled Event":
		return p.HandleSweep(ctx, raw)
	default:
		return nil, fmt.Errorf("event not recognised: source %q, detail-type %q; want an SQS batch from the purge queue, a %s event or a Scheduled Event", probe.Source, probe.DetailType, tenant.Source)
	}
}

func (p *Purger) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p *Purger) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

func (p *Purger) put(name string, v float64, u metrics.Unit) {
	if p.Metrics != nil {
		p.Metrics.Put(name, v, u, nil)
	}
}

func (p *Purger) flush() {
	if p.Metrics != nil {
		if err := p.Metrics.Flush(); err != nil {
			p.log().Error("flush metrics", "error", err)
		}
	}
}

func (p *Purger) owner(ctx context.Context) string {
	if p.Owner != nil {
		return p.Owner(ctx)
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "local-" + hex.EncodeToString(b)
}

func (p *Purger) resumeDelay() time.Duration {
	if p.ResumeDelay == 0 {
		return DefaultResumeDelay
	}
	return p.ResumeDelay
}

func (p *Purger) zone() *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}
