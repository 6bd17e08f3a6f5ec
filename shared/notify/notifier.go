package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"golang.org/x/time/rate"

	"github.com/pledge-dev/pledge/shared/businesshours"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/notice"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// QueueAPI is the part of the SQS client the notifier uses.
type QueueAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// TopicAPI is the part of the SNS client the notifier uses.
type TopicAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// MailAPI is the part of the SES v2 client the notifier uses.
type MailAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// NoticeLedger is what the notifier asks of the ledger (Ledger).
type NoticeLedger interface {
	Claim(ctx context.Context, f finding.Finding, tenantID string, now time.Time) (Claim, Decision, error)
	Release(ctx context.Context, c Claim) error
	Get(ctx context.Context, findingID, tenantID string) (*Entry, error)
	BeginSend(ctx context.Context, findingID, tenantID string, seq int, now time.Time) (SendState, *Entry, error)
	MarkGroupSent(ctx context.Context, findingID, tenantID string, seq int, group, messageID string) error
	MarkSent(ctx context.Context, findingID, tenantID string, seq int, sent time.Time, messageIDs []string) error
	EndSend(ctx context.Context, findingID, tenantID string, seq int) error
	Tally(ctx context.Context, findingID, eventID string, at time.Time, window time.Duration, now time.Time, dryRun bool) (Tally, error)
	MarkHandled(ctx context.Context, findingID, eventID string) error
	GetTally(ctx context.Context, findingID string) (Tally, error)
}

// EvidenceStore keeps notice records (evidence.Store).
type EvidenceStore interface {
	Put(ctx context.Context, r evidence.Record) (string, error)
}

// Settings are the notifier's rules, from configuration.
type Settings struct {
	// Catalogue selects and rates CloudTrail calls.
	Catalogue finding.Catalogue
	// Policy routes findings to tenants.
	Policy finding.Policy
	// Languages of a notice in the operator's order; each contact's own
	// language is moved to the front (see Audiences).
	Languages []string
	// Deadline is the promised time from detection to notice, plain or in
	// business hours.
	Deadline businesshours.Deadline
	// QuietPeriod after which an unchanged finding is notified again.
	QuietPeriod time.Duration
	// SendRate is how many SES sends a second one notifier makes.
	SendRate int
	// Sender is the verified SES identity notices come from.
	Sender string
	// Wording is what every notice says about the operator.
	Wording Wording
}

// Wording is the operator's part of a notice.
type Wording struct {
	// Operator is the operator's or service's name, by language.
	Operator notice.Localized
	// Contact is whom tenants contact about a notice.
	Contact string
	// Action says what the operator is doing, by language.
	Action notice.Localized
}

// DefaultWording is the wording when the configuration has none: the
// service named generically, the sender's address as the contact, and a
// statement that the operator is investigating and will report.
func DefaultWording(sender string) Wording {
	return Wording{
		Operator: notice.Localized{"ja": "弊社サービス", "en": "our service"},
		Contact:  sender,
		Action: notice.Localized{
			"ja": "本事象の調査を開始いたしました。\n影響の範囲と対応の結果は、判明し次第ご報告いたします。",
			"en": "We have started investigating this event.\nWe will report its impact and what we have done about it as soon as we know.",
		},
	}
}

// SettingsFrom reads the notifier's settings from a configuration validated
// for the notifications section.
func SettingsFrom(c config.Config) (Settings, error) {
	n := c.Notifications
	threshold, err := finding.ParseBand(n.SeverityThreshold)
	if err != nil {
		return Settings{}, fmt.Errorf("notifications.severityThreshold: %w", err)
	}
	platform, err := finding.ParseBand(n.PlatformSeverity)
	if err != nil {
		return Settings{}, fmt.Errorf("notifications.platformSeverity: %w", err)
	}
	cat := finding.Default()
	if len(n.Catalogue.Disable) > 0 {
		if cat, err = cat.Without(n.Catalogue.Disable...); err != nil {
			return Settings{}, fmt.Errorf("notifications.catalogue.disable: %w", err)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(n.Catalogue.Severities)) {
		if cat, err = cat.WithSeverity(typ, n.Catalogue.Severities[typ]); err != nil {
			return Settings{}, fmt.Errorf("notifications.catalogue.severities: %w", err)
		}
	}
	deadline, err := businesshours.FromConfig(n.Promise(), c.Timezone)
	if err != nil {
		return Settings{}, err
	}
	wording := DefaultWording(n.Sender)
	if len(n.Operator) > 0 {
		wording.Operator = notice.Localized(n.Operator)
	}
	if n.Contact != "" {
		wording.Contact = n.Contact
	}
	if len(n.Action) > 0 {
		wording.Action = notice.Localized(n.Action)
	}
	s := Settings{
		Catalogue:   cat,
		Policy:      finding.Policy{Threshold: threshold, PlatformSeverity: platform},
		Languages:   n.Languages,
		Deadline:    deadline,
		QuietPeriod: time.Duration(n.QuietPeriodHours) * time.Hour,
		SendRate:    n.SendRatePerSecond,
		Sender:      n.Sender,
		Wording:     wording,
	}
	return s, s.validate()
}

func (s Settings) validate() error {
	var errs []error
	if err := s.Deadline.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w (notifications.deadline or noticeHours)", err))
	}
	if s.QuietPeriod <= 0 {
		errs = append(errs, fmt.Errorf("quiet period %s: want a positive duration (notifications.quietPeriodHours)", s.QuietPeriod))
	}
	if s.SendRate < 1 {
		errs = append(errs, fmt.Errorf("send rate %d: want 1 or more a second (notifications.sendRatePerSecond)", s.SendRate))
	}
	if s.Sender == "" {
		errs = append(errs, errors.New("sender: missing (notifications.sender)"))
	}
	if len(s.Languages) == 0 {
		errs = append(errs, errors.New("languages: none (notifications.languages)"))
	}
	if !s.Policy.Threshold.Valid() || !s.Policy.PlatformSeverity.Valid() {
		errs = append(errs, errors.New("policy: threshold and platform severity must be bands"))
	}
	return errors.Join(errs...)
}

// Notifier handles findings and notice-queue batches. Build it with its
// fields and call Validate once.
type Notifier struct {
	Settings
	Directory Directory
	// Tags looks up the tags of a finding's resources that do not carry
	// the tenant tag (read-only); nil turns lookups off.
	Tags *resourcetag.Lookup
	// Ledger is a *Ledger whose QuietPeriod is Settings.QuietPeriod.
	Ledger NoticeLedger
	// Queue and QueueURL are the notice queue.
	Queue    QueueAPI
	QueueURL string
	// Ops and OpsTopicARN are the ops topic.
	Ops         TopicAPI
	OpsTopicARN string
	// Mail sends notices; ConfigurationSet is optional.
	Mail             MailAPI
	ConfigurationSet string
	Evidence         EvidenceStore
	Metrics          *metrics.Recorder
	Log              *slog.Logger
	Now              func() time.Time
	// DryRun routes and decides from the ledger as it stands, renders, and
	// changes nothing: no claim, no message, no e-mail, no evidence.
	DryRun bool

	once    sync.Once
	limiter *rate.Limiter
}

// Validate reports everything missing, naming the environment variable
// that would supply it where there is one.
func (n *Notifier) Validate() error {
	errs := []error{n.Settings.validate()}
	need := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New(what))
		}
	}
	need(n.Directory != nil, "no tenant directory (PLEDGE_REGISTRY_TABLE)")
	need(n.Ledger != nil, "no notice ledger (PLEDGE_LEDGER_TABLE)")
	if l, ok := n.Ledger.(*Ledger); ok {
		need(l.DB != nil && l.Table != "", "no notice ledger table (PLEDGE_LEDGER_TABLE is not set)")
		if l.QuietPeriod != n.QuietPeriod {
			errs = append(errs, fmt.Errorf("ledger quiet period %s differs from the settings' %s", l.QuietPeriod, n.QuietPeriod))
		}
	}
	need(n.Queue != nil && n.QueueURL != "", "no notice queue (PLEDGE_NOTICE_QUEUE_URL is not set)")
	need(n.Ops != nil && n.OpsTopicARN != "", "no ops topic (PLEDGE_OPS_TOPIC_ARN is not set)")
	need(n.Mail != nil, "no SES client")
	need(n.Evidence != nil, "no evidence store (PLEDGE_EVIDENCE_BUCKET)")
	need(n.Metrics != nil, "no metrics recorder")
	need(n.Now != nil, "no clock")
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("finding notifier: %w", err)
	}
	return nil
}

func (n *Notifier) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}

// pace waits for the sending rate: at most SendRate sends in any second,
// the way SES counts its maximum send rate (a burst of up to SendRate is
// allowed, then one every 1/SendRate seconds).
func (n *Notifier) pace(ctx context.Context) error {
	n.once.Do(func() { n.limiter = rate.NewLimiter(rate.Limit(max(n.SendRate, 1)), max(n.SendRate, 1)) })
	return n.limiter.Wait(ctx)
}

func (n *Notifier) put(name string, v float64, unit metrics.Unit, dims map[string]string) {
	if n.Metrics != nil {
		n.Metrics.Put(name, v, unit, dims)
	}
}

// atRisk reports whether, at now, less than a quarter of the promised time
// from start to due remains (or none).
func atRisk(start, due, now time.Time) bool {
	return due.Sub(now) < due.Sub(start)/4
}

// due is a message's deadline: as queued, or computed for a message queued
// before deadlines were carried.
func (n *Notifier) due(m Message) time.Time {
	if m.Due.IsZero() && m.Kind != KindReminder {
		return n.Deadline.Due(m.PromiseFrom)
	}
	return m.Due
}

// putAtRisk emits NoticeAtRisk for a promised notice (not a reminder, not a
// late arrival) and reports whether it is at risk.
func (n *Notifier) putAtRisk(m Message, now time.Time) bool {
	risk := m.promised() && atRisk(m.PromiseFrom, n.due(m), now)
	v := 0.0
	if risk {
		v = 1
	}
	n.put("NoticeAtRisk", v, metrics.Count, nil)
	return risk
}

// shape is enough of an invocation's payload to tell an SQS batch from an
// EventBridge event.
type shape struct {
	Records []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
}

// Handle is the Lambda handler: an SQS batch from the notice queue goes to
// HandleBatch, anything else to HandleEvent. Metrics are flushed before it
// returns.
func (n *Notifier) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	defer func() {
		if n.Metrics != nil {
			if err := n.Metrics.Flush(); err != nil {
				n.log().Error("flush metrics", "error", err)
			}
		}
	}()
	var s shape
	if json.Unmarshal(raw, &s) == nil && len(s.Records) > 0 && s.Records[0].EventSource == "aws:sqs" {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS batch: %w", err)
		}
		for i, r := range ev.Records {
			if r.EventSource != "aws:sqs" {
				return nil, fmt.Errorf("decode SQS batch: record %d comes from %q, not aws:sqs", i, r.EventSource)
			}
		}
		if n.DryRun {
			return n.PlanBatch(ctx, ev)
		}
		return n.HandleBatch(ctx, ev)
	}
	return n.HandleEvent(ctx, raw)
}

// eventType reads the detail-type of something that may not be an event,
// for log lines.
func eventType(raw []byte) string {
	var probe struct {
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	return strings.TrimSpace(probe.Source + " " + probe.DetailType)
}
