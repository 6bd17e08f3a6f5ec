package proof

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/notify"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
)

// Detections are the instants the notice proof's findings are detected
// at, in JST: a Friday evening before a Monday national holiday (23
// November 2026, Labour Thanksgiving Day), a Tuesday before opening, and
// New Year's Eve (1 January a holiday, then a weekend).
var Detections = []time.Time{jstAt("2026-11-20 19:00"), jstAt("2026-11-24 08:00"), jstAt("2026-12-31 20:00")}

// operator003 is operator 003's rule, as its whitepaper words it.
var operator003 = config.Deadline{Hours: 6, BusinessHours: &config.BusinessHours{
	Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "09:00", End: "18:00", Timezone: "Asia/Tokyo", Holidays: "jp"}}

// businessDue are the due times of Detections under operator003, worked
// out by hand from the calendar: the next opening is Tuesday 09:00 after
// the holiday; 08:00 + 6 h is after that morning's opening; after New
// Year's Day and the weekend, Monday 4 January opens.
var businessDue = []time.Time{jstAt("2026-11-24 09:00"), jstAt("2026-11-24 14:00"), jstAt("2027-01-04 09:00")}

// expectedDue gives the due times of Detections under the profile's
// promise: a plain limit counts hours; operator 003's business hours use
// the hand-worked times; any other rule has no reference.
func expectedDue(d config.Deadline) ([]time.Time, error) {
	if d.BusinessHours == nil {
		var out []time.Time
		for _, at := range Detections {
			out = append(out, at.Add(time.Duration(d.Hours)*time.Hour))
		}
		return out, nil
	}
	if reflect.DeepEqual(d, operator003) {
		return businessDue, nil
	}
	return nil, fmt.Errorf("no hand-worked due times for the business-hours rule %+v", d)
}

// findingID is a GuardDuty-shaped id for the profile's i-th detection.
func (r *run) findingID(i int) string {
	base := strings.ReplaceAll(r.name, "-", "")
	id := fmt.Sprintf("proof%s%02d", base, i)
	return id + strings.Repeat("0", max(0, 32-len(id)))
}

// notices delivers the profile's findings (once) to the notifier binary
// and judges when each queued notice is due.
func (r *run) notices(ctx context.Context) (shown, bad []string, err error) {
	if res, ok := r.done["notices"]; ok {
		return res.shown, res.failures, nil
	}
	defer func() { r.done["notices"] = kindResult{shown: shown, failures: bad} }()
	want, err := expectedDue(r.cfg.Notifications.Promise())
	if err != nil {
		return nil, []string{err.Error()}, nil
	}
	for i, at := range Detections {
		id := r.findingID(i)
		b, err := scenario.MalwareFinding(r.w.Events, id, at)
		if err != nil {
			return nil, nil, err
		}
		label := fmt.Sprintf("%s-finding-notifier-%d", r.name, i)
		ev, err := r.w.file(label+"-event.json", b)
		if err != nil {
			return nil, nil, err
		}
		out, runErr := r.w.invoke(ctx, "finding-notifier", r.cfg, label, "-event", ev, "-now", at.Add(10*time.Minute).Format(time.RFC3339))
		var res notify.EventResult
		if err := json.Unmarshal(out, &res); err != nil {
			return nil, nil, fmt.Errorf("notifier result: %v (%v)", err, runErr)
		}
		if len(res.Queued) != 1 || res.Queued[0].TenantID != scenario.TenantActive {
			bad = append(bad, fmt.Sprintf("detected %s: queued %+v, want one notice to %s", at.Format("Mon 2006-01-02 15:04 MST"), res.Queued, scenario.TenantActive))
			continue
		}
		q := res.Queued[0]
		if !q.Due.Equal(want[i]) || q.Late {
			bad = append(bad, fmt.Sprintf("detected %s: due %s, the promise says %s", at.Format("Mon 2006-01-02 15:04 MST"), q.Due.In(jst).Format("Mon 2006-01-02 15:04 MST"), want[i].Format("Mon 2006-01-02 15:04 MST")))
			continue
		}
		r.noticed = append(r.noticed, id)
		shown = append(shown, fmt.Sprintf("detected %s -> due %s", at.Format("Mon 2006-01-02 15:04"), q.Due.In(jst).Format("Mon 2006-01-02 15:04 MST")))
	}
	return shown, bad, nil
}

func proveNoticeDeadline(ctx context.Context, r *run) ([]string, []string, error) {
	shown, bad, err := r.notices(ctx)
	if err == nil && len(shown) > 0 {
		shown[len(shown)-1] += " (notifier binary, queued notices)"
	}
	return shown, bad, err
}

// mail is one email in aws-ses-v2-local's store.
type mail struct {
	To      []string
	Subject string
	Text    string
}

// emails reads every email the SES stand-in holds, in the order sent.
func (w *World) emails() ([]mail, error) {
	resp, err := http.Get(w.SB.SES.URL + "/store")
	if err != nil {
		return nil, fmt.Errorf("read the SES store: %w", err)
	}
	defer resp.Body.Close()
	var raw struct {
		Emails []struct {
			Destination struct{ To []string } `json:"destination"`
			Subject     string                `json:"subject"`
			Body        struct {
				Text string `json:"text"`
			} `json:"body"`
		} `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode the SES store: %w", err)
	}
	var out []mail
	for _, e := range raw.Emails {
		out = append(out, mail{To: e.Destination.To, Subject: e.Subject, Text: e.Body.Text})
	}
	return out, nil
}

// proveTimeZone sends the notices the deadline proof queued and reads
// them as the tenant does: every detection time in JST.
func proveTimeZone(ctx context.Context, r *run) (shown, bad []string, err error) {
	if r.cfg.Timezone != "Asia/Tokyo" {
		bad = append(bad, "the profile's zone is "+r.cfg.Timezone+", not Asia/Tokyo")
	}
	if _, _, err := r.notices(ctx); err != nil {
		return nil, nil, err
	}
	if len(r.noticed) == 0 {
		return shown, append(bad, "no notice was queued to send"), nil
	}
	msgs, err := r.w.SB.Sim.SQS().Messages(scenario.NoticeQueue)
	if err != nil {
		return nil, nil, err
	}
	batch := events.SQSEvent{}
	for _, m := range msgs {
		for _, id := range r.noticed {
			if strings.Contains(m.Body, id) {
				batch.Records = append(batch.Records, events.SQSMessage{MessageId: m.MessageId, Body: m.Body, EventSource: "aws:sqs",
					EventSourceARN: "arn:aws:sqs:" + r.cfg.Region + ":000000000000:" + scenario.NoticeQueue})
				break
			}
		}
	}
	if len(batch.Records) != len(r.noticed) {
		return nil, append(bad, fmt.Sprintf("%d of the %d queued notices found in the queue", len(batch.Records), len(r.noticed))), nil
	}
	before, err := r.w.emails()
	if err != nil {
		return nil, nil, err
	}
	b, _ := json.Marshal(batch)
	ev, err := r.w.file(r.name+"-notices-event.json", b)
	if err != nil {
		return nil, nil, err
	}
	out, runErr := r.w.invoke(ctx, "finding-notifier", r.cfg, r.name+"-finding-notifier-send", "-event", ev)
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) > 0 {
		return nil, append(bad, fmt.Sprintf("sending the notices failed: %v %v %+v", err, runErr, resp.BatchItemFailures)), nil
	}
	after, err := r.w.emails()
	if err != nil {
		return nil, nil, err
	}
	sent := after[len(before):]
	for _, at := range Detections[:len(r.noticed)] {
		text := at.Format("2006-01-02 15:04") + " JST (UTC+09:00)"
		found := false
		for _, m := range sent {
			found = found || strings.Contains(m.Text, text)
		}
		if !found {
			bad = append(bad, "no notice sent shows the detection as "+text)
		}
	}
	shown = append(shown, fmt.Sprintf("%d notices sent to the tenant's contact, each detection shown as e.g. %q", len(sent), Detections[0].Format("2006-01-02 15:04")+" JST (UTC+09:00)"))
	return shown, bad, nil
}

func proveDataLocation(ctx context.Context, r *run) (shown, bad []string, err error) {
	if r.profile.Region != "ap-northeast-1" {
		bad = append(bad, "the stack's region is "+r.profile.Region+", not Tokyo (ap-northeast-1)")
	}
	shown = append(shown, "the stack, its functions, evidence and every snapshot the rotator makes are in "+r.profile.Region+" (Tokyo)")
	if r.rotated {
		if r.copies > 0 {
			bad = append(bad, fmt.Sprintf("the rotator asked for %d snapshot copies", r.copies))
		} else {
			shown = append(shown, "the rotator's run requested no snapshot copy (rds:CopyDBSnapshot, CopyDBClusterSnapshot)")
		}
	}
	return shown, bad, nil
}
