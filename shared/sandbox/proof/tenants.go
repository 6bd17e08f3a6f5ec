package proof

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/runner"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// jst is Japan Standard Time, in which the whitepapers count.
var jst = time.FixedZone("JST", 9*3600)

func jstAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, jst)
	if err != nil {
		panic(err)
	}
	return t
}

// Terminated is when the purge-window proof's tenant's contract ends:
// 18:00 JST on 31 December 2025, so that windows cross a month end and a
// year end.
var Terminated = jstAt("2025-12-31 18:00")

// purgeWindows are the due time and deadline each seed operator's words
// give a contract that ended at Terminated, worked out by hand from the
// whitepaper, not by the code under test.
var purgeWindows = map[string][2]time.Time{
	// 000: from 30 days after the service stopped, within 30 more days.
	"tracpath": {jstAt("2026-01-30 18:00"), jstAt("2026-03-01 18:00")},
	// 001: about two weeks after cancellation (14 days: Wednesday 14
	// January 18:00), on the designated day (the first Wednesday that
	// begins after that: 21 January), done within 2 days.
	"my-redmine": {jstAt("2026-01-21 00:00"), jstAt("2026-01-23 00:00")},
	// 002 and 004: within 30 days of cancellation (7 + 23 days).
	"ecai": {jstAt("2026-01-07 18:00"), jstAt("2026-01-30 18:00")},
	"isgc": {jstAt("2026-01-07 18:00"), jstAt("2026-01-30 18:00")},
	// 003: once two months have passed from the day after the contract
	// ended (1 January to the end of February), promptly (7 days).
	"sotas": {jstAt("2026-03-01 00:00"), jstAt("2026-03-08 00:00")},
}

func (r *run) registry() (*tenant.Registry, error) {
	return tenant.New(r.w.Deps.DynamoDB, scenario.RegistryTable, r.cfg.Tenants)
}

// lifecycle sends one tenant lifecycle event through the purger binary.
func (r *run) lifecycle(ctx context.Context, typ tenant.EventType, id string, at time.Time, contacts []map[string]string) error {
	detail := map[string]any{"tenantId": id, "occurredAt": at.UTC().Format(time.RFC3339)}
	if typ == tenant.EventRegistered {
		detail["name"] = "Proof " + id
		detail["contacts"] = contacts
	}
	b, _ := json.Marshal(map[string]any{"version": "0", "id": fmt.Sprintf("proof-%s-%s", id, strings.ReplaceAll(strings.ToLower(string(typ)), " ", "-")),
		"detail-type": string(typ), "source": "pledge.tenant-lifecycle", "account": "123456789012", "time": at.UTC().Format(time.RFC3339),
		"region": r.cfg.Region, "resources": []string{}, "detail": detail})
	label := fmt.Sprintf("%s-lifecycle-%s-%s", r.name, id, strings.ReplaceAll(strings.ToLower(string(typ)), " ", "-"))
	ev, err := r.w.file(label+"-event.json", b)
	if err != nil {
		return err
	}
	_, err = r.w.invoke(ctx, "tenant-purger", r.cfg, label, "-event", ev)
	return err
}

// sweep runs the purger's daily sweep as a dry run as if it were at.
func (r *run) sweep(ctx context.Context, at time.Time, label string) (purger.SweepResult, error) {
	ev, err := r.w.file(label+"-event.json", runner.ScheduledEventJSON(at, nil))
	if err != nil {
		return purger.SweepResult{}, err
	}
	out, runErr := r.w.invoke(ctx, "tenant-purger", r.cfg, label, "-dry-run", "-now", at.Format(time.RFC3339), "-event", ev)
	var res purger.SweepResult
	if err := json.Unmarshal(out, &res); err != nil {
		return res, fmt.Errorf("sweep result: %v (%v)", err, runErr)
	}
	return res, nil
}

func findDue(res purger.SweepResult, id string) (purger.DueTenant, bool) {
	for _, d := range append(res.Due, res.Waiting...) {
		if d.ID == id {
			return d, true
		}
	}
	return purger.DueTenant{}, false
}

func contacts(id string) []map[string]string {
	return []map[string]string{{"email": "security@" + id + ".example.jp", "language": "ja", "timezone": "Asia/Tokyo", "name": "ご担当者様"}}
}

func provePurgeWindow(ctx context.Context, r *run) (shown, bad []string, err error) {
	ref, ok := purgeWindows[r.name]
	if !ok {
		return nil, []string{"no hand-worked purge window for profile " + r.name}, nil
	}
	id := r.name + "-w1"
	if err := r.lifecycle(ctx, tenant.EventRegistered, id, Terminated.AddDate(-1, 0, 0), contacts(id)); err != nil {
		return nil, nil, err
	}
	if err := r.lifecycle(ctx, tenant.EventTerminated, id, Terminated, nil); err != nil {
		return nil, nil, err
	}
	// Whatever happens below, later sweeps must not see this tenant.
	defer func() { _ = r.lifecycle(ctx, tenant.EventReinstated, id, Terminated.AddDate(1, 0, 0), nil) }()
	due, deadline := ref[0], ref[1]
	before, err := r.sweep(ctx, due.Add(-time.Second), r.name+"-sweep-before-due")
	if err != nil {
		return nil, nil, err
	}
	if d, ok := findDue(before, id); ok {
		bad = append(bad, fmt.Sprintf("due a second early: the sweep at %s lists it (due %s)", due.Add(-time.Second).In(jst).Format(time.DateTime), d.PurgeDue.In(jst)))
	}
	at, err := r.sweep(ctx, due, r.name+"-sweep-at-due")
	if err != nil {
		return nil, nil, err
	}
	d, ok := findDue(at, id)
	switch {
	case !ok:
		bad = append(bad, fmt.Sprintf("not due at %s, when the promise makes it due", due.In(jst).Format("2006-01-02 15:04 MST")))
	case !d.PurgeDue.Equal(due) || !d.PurgeDeadline.Equal(deadline):
		bad = append(bad, fmt.Sprintf("recorded due %s, deadline %s; the promise gives %s and %s", d.PurgeDue.In(jst).Format("2006-01-02 15:04 MST"),
			d.PurgeDeadline.In(jst).Format("2006-01-02 15:04 MST"), due.In(jst).Format("2006-01-02 15:04 MST"), deadline.In(jst).Format("2006-01-02 15:04 MST")))
	}
	shown = append(shown, fmt.Sprintf("contract ended %s: not due a second before %s, due then, deadline %s (purger binary: lifecycle event, dry-run sweeps)",
		Terminated.Format("2006-01-02 15:04 MST"), due.Format("2006-01-02 15:04 MST"), deadline.Format("2006-01-02 15:04 MST")))
	return shown, bad, nil
}

// dueNow registers a tenant with data, terminated so that its purge is
// due now (its advance notice recorded long enough ago), and returns the
// registry.
func (r *run) dueNow(ctx context.Context, id string, withNeighbour bool) (*tenant.Registry, error) {
	reg, err := r.registry()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	// The latest termination whose window holds now, an hour to spare.
	term := time.Time{}
	for t := now.Add(-time.Hour).Truncate(time.Hour); t.After(now.AddDate(-2, 0, 0)); t = t.Add(-time.Hour) {
		due, deadline := r.cfg.Tenants.PurgeWindow(t)
		if !due.After(now) && deadline.After(now.Add(time.Hour)) && now.Sub(t) > time.Duration(r.cfg.Tenants.AdvanceNoticeDays)*24*time.Hour {
			term = t
			break
		}
	}
	if term.IsZero() {
		return nil, fmt.Errorf("no termination puts a purge due now under the profile")
	}
	ids := []string{id}
	if withNeighbour {
		ids = append(ids, id+"0")
	}
	for _, x := range ids {
		var cs []tenant.Contact
		for _, c := range contacts(x) {
			cs = append(cs, tenant.Contact{Email: c["email"], Language: c["language"], Timezone: c["timezone"], Name: c["name"]})
		}
		ev, err := tenant.Event{ID: "proof-" + x + "-registered", Type: tenant.EventRegistered, TenantID: x, OccurredAt: term.AddDate(-1, 0, 0), Name: "Proof " + x, Contacts: cs}.Normalize()
		if err != nil {
			return nil, err
		}
		if _, err := reg.Apply(ctx, ev); err != nil {
			return nil, err
		}
		if err := scenario.SeedTenantObjects(ctx, r.w.S3, x, scenario.DefaultTenantShape); err != nil {
			return nil, err
		}
	}
	ev, err := tenant.Event{ID: "proof-" + id + "-terminated", Type: tenant.EventTerminated, TenantID: id, OccurredAt: term}.Normalize()
	if err != nil {
		return nil, err
	}
	if _, err := reg.Apply(ctx, ev); err != nil {
		return nil, err
	}
	reg.WallClock = func() time.Time { return term }
	if _, err := reg.RecordNotice(ctx, id, term); err != nil {
		return nil, err
	}
	reg.WallClock = nil
	return reg, nil
}

func (r *run) reinstate(ctx context.Context, reg *tenant.Registry, id string) {
	if ev, err := (tenant.Event{ID: "proof-" + id + "-reinstated", Type: tenant.EventReinstated, TenantID: id, OccurredAt: time.Now()}).Normalize(); err == nil {
		_, _ = reg.Apply(ctx, ev)
	}
}

func proveSegregation(ctx context.Context, r *run) (shown, bad []string, err error) {
	id := r.name + "-s1"
	reg, err := r.dueNow(ctx, id, true)
	if err != nil {
		return nil, nil, err
	}
	defer r.reinstate(ctx, reg, id)
	prints, err := scenario.TenantFingerprints(ctx, r.w.S3)
	if err != nil {
		return nil, nil, err
	}
	res, err := r.sweep(ctx, time.Now(), r.name+"-sweep-segregation")
	if err != nil {
		return nil, nil, err
	}
	prefix := r.cfg.Tenants.Prefix(id)
	for _, d := range res.Due {
		if d.ID != id {
			continue
		}
		if d.Plan == nil {
			return nil, []string{"the dry-run sweep made no plan for " + id}, nil
		}
		for _, l := range d.Plan.Locations {
			if l.Location.Prefix != prefix {
				bad = append(bad, fmt.Sprintf("the plan reaches %s, not only %s", l.Location.Prefix, prefix))
			}
		}
		got := d.Plan.Total.Versions + d.Plan.Total.DeleteMarkers
		if want := int64(prints[id].Versions); got != want || prints[id+"0"].Versions == 0 {
			bad = append(bad, fmt.Sprintf("the plan counts %d versions and markers; %s has %d (its neighbour %s0 has %d)", got, id, want, id, prints[id+"0"].Versions))
		}
		shown = append(shown, fmt.Sprintf("dry-run purge plan of %s: %d versions and markers, all under %s; its neighbour %s0 (%d) outside it", id, got, prefix, id, prints[id+"0"].Versions))
		return shown, bad, nil
	}
	return nil, []string{"the dry-run sweep did not list " + id + " as due"}, nil
}

func proveCertificate(ctx context.Context, r *run) (shown, bad []string, err error) {
	id := r.name + "-c1"
	if _, err := r.dueNow(ctx, id, false); err != nil {
		return nil, nil, err
	}
	before, err := r.w.emails()
	if err != nil {
		return nil, nil, err
	}
	msg := purger.Message{TenantID: id, Reason: purger.ReasonDue, Enqueued: time.Now().UTC(), Round: 1}
	b, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "proof-" + id, Body: msg.Encode(), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:" + r.cfg.Region + ":000000000000:" + scenario.PurgeQueue}}})
	ev, err := r.w.file(r.name+"-purge-event.json", b)
	if err != nil {
		return nil, nil, err
	}
	out, runErr := r.w.invoke(ctx, "tenant-purger", r.cfg, r.name+"-tenant-purger-purge", "-event", ev)
	var res purger.BatchResult
	if err := json.Unmarshal(out, &res); err != nil || len(res.Purges) != 1 {
		return nil, nil, fmt.Errorf("purge result: %v (%v)", err, runErr)
	}
	o := res.Purges[0]
	if o.Action != purger.ActionPurged || len(o.Certificate) != 3 {
		return nil, []string{fmt.Sprintf("purge of %s: %s %s %s", id, o.Action, o.Reason, o.Error)}, nil
	}
	if err := r.w.verifyCertificate(ctx, o.Certificate); err != nil {
		bad = append(bad, err.Error())
	}
	after, err := r.w.emails()
	if err != nil {
		return nil, nil, err
	}
	mailed := 0
	for _, m := range after[len(before):] {
		if strings.Contains(strings.Join(m.To, ","), "security@"+id+".example.jp") {
			mailed++
		}
	}
	if mailed == 0 {
		bad = append(bad, "no email reached the tenant's contact")
	}
	shown = append(shown, fmt.Sprintf("purged %s (%d versions, %d delete markers): certificate %s signed by KMS, verified; %d email to the tenant's contact",
		id, o.Counts.Versions, o.Counts.DeleteMarkers, o.Certificate[0], mailed))
	again, wrong, err := r.reportOnRequest(ctx, id, o.Certificate[0])
	return append(shown, again...), append(bad, wrong...), err
}

// reportOnRequest sends the purger binary a Tenant Deletion Report
// Requested event for a purged tenant twice with one request id: the
// first mails the stored certificate to the tenant's contact again, marked
// as sent on request; the repeat mails nothing.
func (r *run) reportOnRequest(ctx context.Context, id, certKey string) (shown, bad []string, err error) {
	request := r.name + "-report-1"
	detail, _ := json.Marshal(map[string]string{"tenantId": id, "requestId": request, "occurredAt": time.Now().UTC().Format(time.RFC3339)})
	b, _ := json.Marshal(events.CloudWatchEvent{Version: "0", ID: "proof-" + request, DetailType: purger.ReportRequested, Source: tenant.Source,
		AccountID: "000000000000", Time: time.Now().UTC(), Region: r.cfg.Region, Resources: []string{}, Detail: detail})
	ev, err := r.w.file(r.name+"-report-event.json", b)
	if err != nil {
		return nil, nil, err
	}
	// send runs the binary on the event: what it did, the mails to the
	// contact marked as sent on request, and any other mails.
	send := func(n int) (res purger.ReportResult, marked, others int, err error) {
		before, err := r.w.emails()
		if err != nil {
			return res, 0, 0, err
		}
		out, runErr := r.w.invoke(ctx, "tenant-purger", r.cfg, fmt.Sprintf("%s-tenant-purger-report-%d", r.name, n), "-event", ev)
		if err := json.Unmarshal(out, &res); err != nil {
			return res, 0, 0, fmt.Errorf("report request result: %v (%v)", err, runErr)
		}
		after, err := r.w.emails()
		if err != nil {
			return res, 0, 0, err
		}
		for _, m := range after[len(before):] {
			if strings.Contains(strings.Join(m.To, ","), "security@"+id+".example.jp") && strings.HasPrefix(m.Subject, purger.ReportSubject) {
				marked++
			} else {
				others++
			}
		}
		return res, marked, others, nil
	}
	res, marked, others, err := send(1)
	if err != nil {
		return nil, nil, err
	}
	if res.Result != purger.ReportSent || res.Certificate != certKey || marked != 1 || others != 0 {
		bad = append(bad, fmt.Sprintf("report request %s: %s, certificate %s, %d mails to the contact marked as sent on request and %d others; want sent, %s, 1 and 0", request, res.Result, res.Certificate, marked, others, certKey))
	}
	if res, marked, others, err = send(2); err != nil {
		return nil, nil, err
	}
	if res.Result != purger.ReportAlreadySent || marked+others != 0 {
		bad = append(bad, fmt.Sprintf("the same report request again: %s, %d mails; want already sent, none", res.Result, marked+others))
	}
	shown = append(shown, fmt.Sprintf("report request %s through the purger binary: the stored certificate mailed again to the contact, marked %q; the same request again mailed nothing", request, purger.ReportSubject))
	return shown, bad, nil
}

// verifyCertificate checks certificate.sig over certificate.json with
// public-key.pem, as `openssl dgst -sha256 -verify` does.
func (w *World) verifyCertificate(ctx context.Context, keys []string) error {
	get := func(k string) ([]byte, error) {
		out, err := w.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(k)})
		if err != nil {
			return nil, err
		}
		defer out.Body.Close()
		return io.ReadAll(out.Body)
	}
	files := map[string][]byte{}
	for _, k := range keys {
		b, err := get(k)
		if err != nil {
			return fmt.Errorf("read %s: %w", k, err)
		}
		files[k[strings.LastIndex(k, "/")+1:]] = b
	}
	block, _ := pem.Decode(files["public-key.pem"])
	if block == nil {
		return fmt.Errorf("public-key.pem is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("the certificate's key is not ECDSA")
	}
	sum := sha256.Sum256(files["certificate.json"])
	if !ecdsa.VerifyASN1(key, sum[:], files["certificate.sig"]) {
		return fmt.Errorf("certificate.sig does not verify over certificate.json")
	}
	return nil
}
