package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// purgerStep seeds the tenants, runs the daily sweep, then each purge
// message the sweep enqueued, and checks the outcome against the
// scenario's expectation.
func purgerStep(ctx context.Context, d *demoRun) ([]string, error) {
	if _, err := os.Stat(filepath.Join(d.bin, "tenant-purger")); err != nil {
		return nil, fmt.Errorf("tenant-purger not built in %s: run `make build-local`", d.bin)
	}
	tw := d.w.tenants
	var lines []string

	ev, err := d.writeEvent("tenant-purger-sweep", runner.ScheduledEventJSON(d.w.now, nil))
	if err != nil {
		return nil, err
	}
	out, runErr := d.invoke(ctx, "tenant-purger", "tenant-purger-sweep", "-event", ev)
	var sweep purger.SweepResult
	if err := json.Unmarshal(out, &sweep); err != nil {
		if runErr != nil {
			return nil, runErr
		}
		return nil, fmt.Errorf("tenant-purger sweep result: %w", err)
	}
	due := make([]string, len(sweep.Due))
	for i, t := range sweep.Due {
		due[i] = t.ID
	}
	lines = append(lines, fmt.Sprintf("sweep: %d due (%s), %d enqueued", len(sweep.Due), strings.Join(due, ", "), len(sweep.Enqueued)))
	for _, u := range sweep.Upcoming {
		if u.Plan != nil {
			lines = append(lines, fmt.Sprintf("advance notice to ops: %s due %s: would delete %d versions, %d delete markers (%d bytes)", u.ID, u.PurgeDue.In(d.w.cfg.Location()).Format("2006-01-02"), u.Plan.Total.Versions, u.Plan.Total.DeleteMarkers, u.Plan.Total.Bytes))
		}
	}
	if m := sweep.DeadlineDaysLeftMin; m != nil {
		lines = append(lines, fmt.Sprintf("deadline: %.1f days left at the least (alarm below %d)", *m, d.w.cfg.Tenants.DeadlineAlarmDays))
	}
	if runErr != nil {
		return lines, runErr
	}

	msgs, err := d.w.sb.Sim.SQS().Messages(scenario.PurgeQueue)
	if err != nil {
		return lines, err
	}
	var failed []string
	for _, m := range msgs {
		pm, err := purger.ParseMessage(m.Body)
		if err != nil {
			return lines, err
		}
		b, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: m.MessageId, Body: m.Body, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:" + d.w.cfg.Region + ":000000000000:" + scenario.PurgeQueue}}})
		label := "tenant-purger-" + pm.TenantID
		ev, err := d.writeEvent(label, b)
		if err != nil {
			return lines, err
		}
		out, runErr := d.invoke(ctx, "tenant-purger", label, "-event", ev)
		var res purger.BatchResult
		if err := json.Unmarshal(out, &res); err != nil || len(res.Purges) != 1 {
			failed = append(failed, fmt.Sprintf("%s: %v %v", pm.TenantID, runErr, err))
			continue
		}
		o := res.Purges[0]
		if o.Action != purger.ActionPurged {
			lines = append(lines, fmt.Sprintf("%s: %s %s %s", o.TenantID, o.Action, o.Reason, o.Error))
			failed = append(failed, o.TenantID)
			continue
		}
		verified := "signature NOT verified"
		if len(o.Certificate) == 3 {
			if err := verifyCertificate(ctx, d, o.Certificate); err == nil {
				verified = "signature verified"
			} else {
				failed = append(failed, o.TenantID+": "+err.Error())
			}
		}
		lines = append(lines, fmt.Sprintf("%s: purged %d versions and %d delete markers (%d bytes), certificate evidence/%s (%s), emailed %s",
			o.TenantID, o.Counts.Versions, o.Counts.DeleteMarkers, o.Counts.Bytes, o.Certificate[0], verified, plural(o.Emailed, "contact")))
		if len(o.Certificate) == 3 {
			line, err := auditManifest(ctx, d, o.Certificate[0])
			if err != nil {
				failed = append(failed, o.TenantID+": "+err.Error())
				line = "manifest NOT verified: " + err.Error()
			}
			lines = append(lines, "  "+line)
		}
	}

	after, err := scenario.TenantFingerprints(ctx, d.w.s3)
	if err != nil {
		return lines, err
	}
	var changed, left []string
	for _, id := range append(slices.Clone(tw.Untouched), "") {
		if after[id] != tw.Fingerprints[id] {
			changed = append(changed, id)
		}
	}
	for _, id := range tw.Purged {
		if after[id].Versions > 0 {
			left = append(left, id)
		}
	}
	lines = append(lines, fmt.Sprintf("%s (reinstated), %s and %s: data unchanged byte for byte: %d of %d changed (must be 0); versions left under purged prefixes: %d (must be 0)",
		tw.Reinstated, strings.Join(without(tw.Untouched, tw.Reinstated), ", "), scenario.TenantPrefixStray, len(changed), len(tw.Untouched)+1, len(left)))
	if len(changed) > 0 || len(left) > 0 || len(failed) > 0 {
		return lines, fmt.Errorf("purger outcome wrong: changed %v, left %v, failed %v", changed, left, failed)
	}
	return lines, nil
}

func without(ids []string, drop string) []string {
	var out []string
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

// verifyCertificate reads the three certificate files from the evidence
// bucket and checks the signature.
func verifyCertificate(ctx context.Context, d *demoRun, keys []string) error {
	files := map[string][]byte{}
	for _, k := range keys {
		obj, err := d.w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(k)})
		if err != nil {
			return fmt.Errorf("get %s: %w", k, err)
		}
		b, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil {
			return err
		}
		files[k[strings.LastIndex(k, "/")+1:]] = b
	}
	return certificate.Verify(files[certificate.FileJSON], files[certificate.FileSignature], files[certificate.FilePublicKey])
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
