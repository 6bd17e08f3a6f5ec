package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// Names of the notifier's part of the scenario.
const (
	LedgerTable = "pledge-notice-ledger"
	NoticeQueue = "pledge-notices"
)

// NoticeWorld is the notifier's seeded state.
type NoticeWorld struct {
	LedgerTable string
	QueueURL    string
}

// Env returns the PLEDGE_* variables the notifier needs (besides the
// registry table and ops topic, which the tenant world provides).
func (w NoticeWorld) Env() []string {
	return []string{"PLEDGE_LEDGER_TABLE=" + w.LedgerTable, "PLEDGE_NOTICE_QUEUE_URL=" + w.QueueURL}
}

// SeedNotices creates what the stack makes for the notifier: the ledger
// table and the notice queue.
func SeedNotices(ctx context.Context, d TenantDeps) (NoticeWorld, error) {
	if err := notify.CreateLedgerTable(ctx, d.DynamoDB, LedgerTable); err != nil {
		return NoticeWorld{}, fmt.Errorf("ledger table: %w", err)
	}
	if err := d.Sim.SQS().CreateQueue(NoticeQueue, map[string]string{"VisibilityTimeout": "120"}); err != nil {
		return NoticeWorld{}, fmt.Errorf("notice queue: %w", err)
	}
	if err := SeedNoticeCases(d.Sim); err != nil {
		return NoticeWorld{}, fmt.Errorf("notifier cases: %w", err)
	}
	return NoticeWorld{LedgerTable: LedgerTable, QueueURL: strings.TrimSuffix(d.SimURL, "/") + "/" + awssim.DefaultAccountID + "/" + NoticeQueue}, nil
}

// Finding is one event the demo delivers, and what should become of it.
type Finding struct {
	// File is the fixture in events/.
	File string
	// Why the scenario sends it.
	Why string
	// Global marks an event of a global service, which AWS delivers in
	// us-east-1 only: it reaches the home region through the global stack's
	// forwarding rule, unchanged, so it arrives with region us-east-1.
	Global bool
}

// Findings are the events the demo delivers, in order. The second delivery
// of the first is EventBridge's at-least-once delivery: it must produce
// nothing more.
var Findings = []Finding{
	{File: "guardduty-s3-attack-sequence.json", Why: "Critical S3 attack sequence on keys under tenants/tenant-10/"},
	{File: "guardduty-s3-attack-sequence.json", Why: "the same finding delivered again"},
	{File: "guardduty-ec2-ssh-brute-force.json", Why: "Low finding on an instance tagged for tenant-1: below the threshold, ops only"},
	{File: "cloudtrail-stop-logging.json", Why: "CloudTrail logging stopped: platform-wide"},
	{File: "cloudtrail-describe-instances.json", Why: "a routine call outside the catalogue: ignored"},
	{File: "cloudtrail-root-create-access-key.json", Why: "the root user created an access key: an IAM (global) event forwarded from us-east-1", Global: true},
}

// Retime moves an event's times (the envelope's time, GuardDuty's
// createdAt/updatedAt/eventFirstSeen/eventLastSeen, CloudTrail's eventTime)
// to at, so that a fixture reads as just detected.
func Retime(raw []byte, at time.Time) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("retime event: %w", err)
	}
	ts := at.UTC().Format("2006-01-02T15:04:05.000Z")
	ev["time"] = at.UTC().Format(time.RFC3339)
	if d, ok := ev["detail"].(map[string]any); ok {
		for _, k := range []string{"createdAt", "updatedAt"} {
			if _, ok := d[k]; ok {
				d[k] = ts
			}
		}
		if _, ok := d["eventTime"]; ok {
			d["eventTime"] = at.UTC().Format(time.RFC3339) // CloudTrail writes whole seconds
		}
		if s, ok := d["service"].(map[string]any); ok {
			for _, k := range []string{"eventFirstSeen", "eventLastSeen"} {
				if _, ok := s[k]; ok {
					s[k] = ts
				}
			}
		}
	}
	return json.Marshal(ev)
}
