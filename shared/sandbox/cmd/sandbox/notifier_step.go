package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// notifierStep delivers the scenario's findings to the notifier's binary,
// then hands it the notice queue's messages as an SQS batch, and reports
// who received which email.
func notifierStep(ctx context.Context, d *demoRun) ([]string, error) {
	root, err := sandbox.Root()
	if err != nil {
		return nil, err
	}
	var lines, wrong []string
	detected := time.Now().Add(-15 * time.Minute)
	for i, f := range scenario.Findings {
		raw, err := os.ReadFile(filepath.Join(root, "events", f.File))
		if err != nil {
			return lines, err
		}
		if raw, err = scenario.Retime(raw, detected); err != nil {
			return lines, err
		}
		label := fmt.Sprintf("finding-notifier-%d", i+1)
		ev, err := d.writeEvent(label, raw)
		if err != nil {
			return lines, err
		}
		out, runErr := d.invoke(ctx, "finding-notifier", label, "-event", ev)
		var res notify.EventResult
		if err := json.Unmarshal(out, &res); err != nil {
			return lines, fmt.Errorf("%s: %v %v", f.File, runErr, err)
		}
		var queued []string
		for _, q := range res.Queued {
			queued = append(queued, q.TenantID)
		}
		line := fmt.Sprintf("%s (%s): %s", strings.TrimSuffix(f.File, ".json"), f.Why, res.Outcome)
		if res.Outcome == notify.OutcomeAccepted {
			line += fmt.Sprintf(", %s; notices queued for [%s]; suppressed [%s]; ops %s", res.Band, strings.Join(queued, ", "), strings.Join(res.Suppressed, ", "), res.Ops)
		}
		lines = append(lines, line)
		if i == 1 && (len(res.Queued) != 0 || res.Ops == "published") {
			wrong = append(wrong, "the duplicate delivery produced more notices")
		}
		if f.Global && (res.Outcome != notify.OutcomeAccepted || !strings.Contains(string(raw), `"region":"us-east-1"`)) {
			wrong = append(wrong, fmt.Sprintf("the global event %s (region us-east-1) was not accepted: %s", f.File, res.Outcome))
		}
	}

	msgs, err := d.w.sb.Sim.SQS().Messages(scenario.NoticeQueue)
	if err != nil {
		return lines, err
	}
	batch := events.SQSEvent{}
	for _, m := range msgs {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: m.MessageId, Body: m.Body, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:" + d.w.cfg.Region + ":000000000000:" + scenario.NoticeQueue})
	}
	b, _ := json.Marshal(batch)
	ev, err := d.writeEvent("finding-notifier-notices", b)
	if err != nil {
		return lines, err
	}
	out, runErr := d.invoke(ctx, "finding-notifier", "finding-notifier-notices", "-event", ev)
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return lines, fmt.Errorf("notice batch: %v %v", runErr, err)
	}
	lines = append(lines, fmt.Sprintf("notice queue: %d messages handed to the sender, %d failed", len(batch.Records), len(resp.BatchItemFailures)))

	mails, err := saveEmails(d)
	if err != nil {
		return lines, err
	}
	for _, m := range mails {
		lines = append(lines, fmt.Sprintf("email to %s: %s", strings.Join(m.Destination.To, ", "), m.Subject))
	}
	ops := d.w.sb.Sim.SNS().Messages()
	lines = append(lines, fmt.Sprintf("ops topic: %d messages in all (findings and purge notices)", len(ops)))
	if len(resp.BatchItemFailures) > 0 {
		wrong = append(wrong, fmt.Sprintf("%d notices failed to send", len(resp.BatchItemFailures)))
	}
	if len(wrong) > 0 {
		return lines, fmt.Errorf("%s", strings.Join(wrong, "; "))
	}
	return lines, runErr
}

type storedMail struct {
	Destination struct{ To []string } `json:"destination"`
	Subject     string                `json:"subject"`
	Body        struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
}

// saveEmails reads aws-ses-v2-local's store (every email sent in the demo,
// certificates included), writes each to out/emails/, and returns them.
func saveEmails(d *demoRun) ([]storedMail, error) {
	resp, err := http.Get(d.w.sb.SES.URL + "/store")
	if err != nil {
		return nil, fmt.Errorf("read the SES store: %w", err)
	}
	defer resp.Body.Close()
	var raw struct {
		Emails []json.RawMessage `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode the SES store: %w", err)
	}
	dir := filepath.Join(d.out, "emails")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []storedMail
	for i, r := range raw.Emails {
		var m storedMail
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
		base := filepath.Join(dir, fmt.Sprintf("%02d", i+1))
		if err := os.WriteFile(base+".json", r, 0o644); err != nil {
			return nil, err
		}
		if m.Body.HTML != "" {
			if err := os.WriteFile(base+".html", []byte(m.Body.HTML), 0o644); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Join(out[i].Destination.To, ",") < strings.Join(out[j].Destination.To, ",")
	})
	return out, nil
}
