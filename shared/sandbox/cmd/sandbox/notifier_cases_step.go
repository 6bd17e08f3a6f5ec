package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// notifierCasesStep runs the notifier's cases (scenario.NoticeCases)
// through its binary: an unrouted finding reaching ops only, a tag lookup
// placing one, a burst becoming one notice, a late finding, and operator
// 003's business-hours deadlines; then sends the notices they queued and
// checks what the tenants read.
func notifierCasesStep(ctx context.Context, d *demoRun) ([]string, error) {
	root, err := sandbox.Root()
	if err != nil {
		return nil, err
	}
	before, err := saveEmails(d)
	if err != nil {
		return nil, err
	}
	var lines []string
	var errs []error
	now := time.Now()
	for _, c := range scenario.NoticeCases {
		ds, err := c.Deliveries(filepath.Join(root, "events"), now)
		if err != nil {
			return lines, err
		}
		var args []string
		if c.Deadline != nil {
			cfg := d.w.cfg
			cfg.Notifications.NoticeHours, cfg.Notifications.Deadline = 0, c.Deadline
			file := filepath.Join(d.out, "results", "finding-notifier-"+c.Name+"-config.json")
			if err := os.WriteFile(file, []byte(cfg.Encode()), 0o644); err != nil {
				return lines, err
			}
			args = append(args, "-config", file)
		}
		var rs []notify.EventResult
		for i, dl := range ds {
			label := fmt.Sprintf("finding-notifier-%s-%d", c.Name, i+1)
			ev, err := d.writeEvent(label, dl.Event)
			if err != nil {
				return lines, err
			}
			a := append(append([]string{}, args...), "-event", ev)
			if !dl.Now.IsZero() {
				a = append(a, "-now", dl.Now.Format(time.RFC3339))
			}
			out, runErr := d.invoke(ctx, "finding-notifier", label, a...)
			var r notify.EventResult
			if err := json.Unmarshal(out, &r); err != nil {
				return lines, fmt.Errorf("%s: %v %v", label, runErr, err)
			}
			rs = append(rs, r)
		}
		verdict := "as expected"
		if err := c.Check(rs); err != nil {
			verdict = "WRONG: " + err.Error()
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
		}
		lines = append(lines, fmt.Sprintf("%s (%s): %d deliveries; %s", c.Name, c.Why, len(rs), summarise(rs)))
		lines = append(lines, "  "+verdict)
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
	ev, err := d.writeEvent("finding-notifier-cases-notices", b)
	if err != nil {
		return lines, err
	}
	out, runErr := d.invoke(ctx, "finding-notifier", "finding-notifier-cases-notices", "-event", ev)
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return lines, fmt.Errorf("notice batch: %v %v", runErr, err)
	}
	lines = append(lines, fmt.Sprintf("notice queue: %d messages handed to the sender, %d failed", len(batch.Records), len(resp.BatchItemFailures)))
	if len(resp.BatchItemFailures) > 0 {
		errs = append(errs, fmt.Errorf("%d notices failed to send", len(resp.BatchItemFailures)))
	}
	after, err := saveEmails(d)
	if err != nil {
		return lines, err
	}
	// saveEmails sorts by address, so the new ones are told by content.
	var burst, late int
	for _, m := range after {
		if strings.Contains(m.Body.Text, "この事象は 50 回観測されています") {
			burst++
		}
		if strings.Contains(m.Body.Text, "弊社の監視に届いたのは") {
			late++
		}
	}
	lines = append(lines, fmt.Sprintf("emails: %d new; %d say the burst's 50 calls, %d say the finding reached us late", len(after)-len(before), burst, late))
	if burst == 0 || late == 0 {
		errs = append(errs, fmt.Errorf("no email shows the burst count (%d) or the late arrival (%d)", burst, late))
	}
	if err := errors.Join(errs...); err != nil {
		return lines, err
	}
	return lines, runErr
}

// summarise says what became of a case's deliveries.
func summarise(rs []notify.EventResult) string {
	counts := map[notify.Outcome]int{}
	var parts []string
	for _, r := range rs {
		counts[r.Outcome]++
		for _, q := range r.Queued {
			s := "notice for " + q.TenantID
			if !q.Due.IsZero() {
				s += ", due " + q.Due.In(time.FixedZone("JST", 9*3600)).Format("Mon 2006-01-02 15:04 JST")
			}
			if q.Late {
				s += ", late"
			}
			parts = append(parts, s)
		}
		if r.Route != nil && r.Route.Unrouted {
			parts = append(parts, "unrouted: "+strings.Join(r.Route.UnroutedResources, ", "))
		}
	}
	last := rs[len(rs)-1]
	if last.Count > 1 {
		parts = append(parts, fmt.Sprintf("one finding counted %d calls", last.Count))
	}
	for _, o := range []notify.Outcome{notify.OutcomeAccepted, notify.OutcomeCounted, notify.OutcomeReplayed, notify.OutcomeIgnored, notify.OutcomeRejected} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	return strings.Join(parts, "; ")
}
