package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/metrics"
)

// Kind is the evidence kind of a verification report.
const Kind = "verification-report"

// DefaultLookback is how far back the previous report is looked for when
// Lookback is zero: today's and yesterday's prefixes.
const DefaultLookback = 48 * time.Hour

// maxAlertLines bounds the changes listed in one alert; the report holds
// them all.
const maxAlertLines = 100

// Collector evaluates the checks a request asks for (check.AWS).
type Collector interface {
	Collect(ctx context.Context, req check.Request, now time.Time) []check.Result
}

// EvidenceStore writes evidence (evidence.Store).
type EvidenceStore interface {
	Put(ctx context.Context, r evidence.Record) (string, error)
	PutObject(ctx context.Context, key, contentType string, body []byte) error
}

// ReportsAPI is the part of the S3 client that reads earlier reports:
// ListObjectsV2 (paginated) and GetObject.
type ReportsAPI interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Publisher is the part of the SNS client that sends the ops alert.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Verifier runs the compliance verification.
type Verifier struct {
	// Checks evaluates the checks of Request.
	Checks  Collector
	Request check.Request
	// Subject names what is verified in evidence keys, e.g.
	// "123456789012-ap-northeast-1"; the previous report is the newest one
	// with the same subject.
	Subject string

	// Evidence stores reports; Reports and Bucket read the earlier ones.
	Evidence EvidenceStore
	Reports  ReportsAPI
	Bucket   string
	// Lookback is how far back the previous report is looked for
	// (DefaultLookback when zero).
	Lookback time.Duration

	// Ops and OpsTopicARN send the alert.
	Ops         Publisher
	OpsTopicARN string

	// Metrics receives per-check counts; nil records none.
	Metrics *metrics.Recorder
	// Log receives one summary line a run; nil discards.
	Log *slog.Logger
	// Location is the zone of the HTML report and the alert's times.
	Location *time.Location
	Now      func() time.Time
	DryRun   bool
}

// Failure is a result that is not PASS.
type Failure struct {
	CheckID  string       `json:"checkId"`
	Resource string       `json:"resource"`
	Status   check.Status `json:"status"`
	Controls []string     `json:"controls"`
	Reason   string       `json:"reason"`
}

// Result summarises a run.
type Result struct {
	GeneratedAt time.Time    `json:"generatedAt"`
	DryRun      bool         `json:"dryRun"`
	Totals      check.Counts `json:"totals"`
	// Failures are the FAIL and ERROR results, in report order.
	Failures []Failure `json:"failures"`
	// ReportKey and HTMLKey are the stored report's keys; empty in a dry
	// run or when writing failed.
	ReportKey string `json:"reportKey,omitempty"`
	HTMLKey   string `json:"htmlKey,omitempty"`
	// PreviousReportKey is the report this run was compared with; empty
	// when none was found.
	PreviousReportKey string `json:"previousReportKey,omitempty"`
	// Changes are the results whose status changed since that report.
	Changes []check.Change `json:"changes"`
	// Alerted reports whether ops were sent the changes.
	Alerted bool `json:"alerted"`
}

func (v *Verifier) log() *slog.Logger {
	if v.Log != nil {
		return v.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (v *Verifier) location() *time.Location {
	if v.Location != nil {
		return v.Location
	}
	return time.UTC
}

// Run verifies once: evaluate, compare with the previous report, alert on
// changes, store the report. Its error joins everything that went wrong;
// the Result is filled as far as the run got.
func (v *Verifier) Run(ctx context.Context) (Result, error) {
	if v.Checks == nil || v.Now == nil {
		return Result{}, errors.New("verify: the verifier needs Checks and Now")
	}
	if !v.DryRun && v.Evidence == nil {
		return Result{}, errors.New("verify: the verifier needs an evidence store outside a dry run")
	}
	if v.Subject == "" {
		return Result{}, errors.New("verify: the verifier needs a Subject (account and region) to name its reports")
	}
	now := v.Now().UTC().Truncate(time.Millisecond)
	report := check.Build(v.Checks.Collect(ctx, v.Request, now), now)
	res := Result{GeneratedAt: now, DryRun: v.DryRun, Totals: report.Totals, Failures: []Failure{}}
	for _, r := range report.Results {
		if r.Status != check.Pass {
			res.Failures = append(res.Failures, Failure{CheckID: r.CheckID, Resource: r.Resource, Status: r.Status, Controls: r.Controls, Reason: r.Reason})
		}
	}
	v.record(report)

	var errs []error
	previous, prevKey, err := v.previous(ctx, now)
	if err != nil {
		errs = append(errs, err)
		previous, prevKey = check.Report{}, ""
	}
	res.PreviousReportKey = prevKey
	res.Changes = check.Changes(previous, report)
	log := v.log().With("dry_run", v.DryRun)

	if v.DryRun {
		log.Info("verification run", "results", report.Totals.Results, "failures", report.Totals.Failures, "errors", report.Totals.Errors, "changes", len(res.Changes), "previous_report_key", prevKey)
		return res, errors.Join(errs...)
	}

	record := evidence.Record{Kind: Kind, Time: now, Subject: v.Subject, Body: report}
	body, err := json.MarshalIndent(record, "", "  ")
	if err != nil {
		return res, errors.Join(append(errs, fmt.Errorf("verify: encode report: %w", err))...)
	}
	// The key the store will give the report, so the alert can name it.
	key := evidence.Key(Kind, now, v.Subject, body)
	htmlKey := strings.TrimSuffix(key, ".json") + ".html"

	if len(res.Changes) > 0 {
		if err := v.alert(ctx, report, res.Changes, prevKey, key); err != nil {
			// Not writing the report keeps the previous one the newest,
			// so the next run alerts these changes again.
			errs = append(errs, err)
			log.Error("alert not sent; report not written so the next run alerts again", "changes", len(res.Changes), "error", err)
			return res, errors.Join(errs...)
		}
		res.Alerted = true
	}

	stored, err := v.Evidence.Put(ctx, record)
	if err != nil {
		errs = append(errs, fmt.Errorf("verify: store report: %w", err))
	} else {
		res.ReportKey = stored
		if stored != key {
			htmlKey = strings.TrimSuffix(stored, ".json") + ".html"
		}
		var page bytes.Buffer
		if err := check.RenderHTML(&page, report, v.location()); err != nil {
			errs = append(errs, fmt.Errorf("verify: render report: %w", err))
		} else if err := v.Evidence.PutObject(ctx, htmlKey, "text/html; charset=utf-8", page.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("verify: store HTML report: %w", err))
		} else {
			res.HTMLKey = htmlKey
		}
	}
	log.Info("verification run", "results", report.Totals.Results, "failures", report.Totals.Failures, "errors", report.Totals.Errors,
		"changes", len(res.Changes), "alerted", res.Alerted, "report_key", res.ReportKey, "previous_report_key", prevKey)
	return res, errors.Join(errs...)
}

// record emits the per-check and total counts.
func (v *Verifier) record(r check.Report) {
	if v.Metrics == nil {
		return
	}
	type tally struct{ pass, fail, errs int }
	per := map[string]*tally{}
	var ids []string
	for _, d := range check.Definitions {
		if len(v.Request.Checks) == 0 || contains(v.Request.Checks, d.ID) {
			per[d.ID] = &tally{}
			ids = append(ids, d.ID)
		}
	}
	for _, res := range r.Results {
		t, ok := per[res.CheckID]
		if !ok {
			t = &tally{}
			per[res.CheckID] = t
			ids = append(ids, res.CheckID)
		}
		switch res.Status {
		case check.Pass:
			t.pass++
		case check.Fail:
			t.fail++
		default:
			t.errs++
		}
	}
	for _, id := range ids {
		t := per[id]
		dims := map[string]string{"CheckID": id}
		v.Metrics.Put("ChecksPassed", float64(t.pass), metrics.Count, dims)
		v.Metrics.Put("ChecksFailed", float64(t.fail), metrics.Count, dims)
		v.Metrics.Put("ChecksErrored", float64(t.errs), metrics.Count, dims)
	}
	v.Metrics.Put("ChecksPassed", float64(r.Totals.Passes), metrics.Count, nil)
	v.Metrics.Put("ChecksFailed", float64(r.Totals.Failures), metrics.Count, nil)
	v.Metrics.Put("ChecksErrored", float64(r.Totals.Errors), metrics.Count, nil)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// subjectInKeys returns how Subject appears in evidence keys, between
// underscores; evidence.Key decides the sanitising, so ask it.
func subjectInKeys(subject string) string {
	k := evidence.Key(Kind, time.Unix(0, 0), subject, nil)
	k = k[strings.Index(k, "_")+1:]
	return k[:strings.LastIndex(k, "_")]
}

// previous finds and reads the newest report of the same subject older
// than now, looking back day by day.
func (v *Verifier) previous(ctx context.Context, now time.Time) (check.Report, string, error) {
	if v.Reports == nil || v.Bucket == "" {
		return check.Report{}, "", errors.New("verify: no evidence bucket to read the previous report from (set PLEDGE_EVIDENCE_BUCKET)")
	}
	lookback := v.Lookback
	if lookback <= 0 {
		lookback = DefaultLookback
	}
	subject := "_" + subjectInKeys(v.Subject) + "_"
	nowName := now.Format("20060102T150405.000Z")
	oldest := now.Add(-lookback)
	for day := now.Truncate(24 * time.Hour); !day.Before(oldest.Truncate(24 * time.Hour)); day = day.AddDate(0, 0, -1) {
		prefix := fmt.Sprintf("%s/%s/", Kind, day.Format("2006/01/02"))
		newest := ""
		p := s3.NewListObjectsV2Paginator(v.Reports, &s3.ListObjectsV2Input{Bucket: aws.String(v.Bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return check.Report{}, "", fmt.Errorf("verify: list earlier reports under s3://%s/%s: %w", v.Bucket, prefix, err)
			}
			for _, o := range page.Contents {
				k := aws.ToString(o.Key)
				name := strings.TrimPrefix(k, prefix)
				if strings.HasSuffix(name, ".json") && strings.Contains(name, subject) && name[:min(len(name), len(nowName))] < nowName && k > newest {
					newest = k
				}
			}
		}
		if newest != "" {
			r, err := v.read(ctx, newest)
			return r, newest, err
		}
	}
	return check.Report{}, "", nil
}

func (v *Verifier) read(ctx context.Context, key string) (check.Report, error) {
	out, err := v.Reports.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(v.Bucket), Key: aws.String(key)})
	if err != nil {
		return check.Report{}, fmt.Errorf("verify: read previous report s3://%s/%s: %w", v.Bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return check.Report{}, fmt.Errorf("verify: read previous report s3://%s/%s: %w", v.Bucket, key, err)
	}
	var rec struct {
		Kind string       `json:"kind"`
		Body check.Report `json:"body"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return check.Report{}, fmt.Errorf("verify: previous report s3://%s/%s is not a report record: %w", v.Bucket, key, err)
	}
	if rec.Kind != Kind {
		return check.Report{}, fmt.Errorf("verify: previous report s3://%s/%s has kind %q, want %q", v.Bucket, key, rec.Kind, Kind)
	}
	return rec.Body, nil
}

// alert publishes one message listing the changes.
func (v *Verifier) alert(ctx context.Context, r check.Report, changes []check.Change, prevKey, key string) error {
	if v.Ops == nil || v.OpsTopicARN == "" {
		return errors.New("verify: check results changed but no ops topic is configured (set PLEDGE_OPS_TOPIC_ARN)")
	}
	subject, message := Alert(r, changes, v.Subject, v.Bucket, prevKey, key, v.location())
	if _, err := v.Ops.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(v.OpsTopicARN), Subject: aws.String(subject), Message: aws.String(message)}); err != nil {
		return fmt.Errorf("verify: publish alert of %d changes: %w", len(changes), err)
	}
	return nil
}

// Alert returns the subject (ASCII, under 100 characters, as SNS requires)
// and the message of the ops alert for the changes: a bilingual heading,
// the totals, at most 100 changes (one line each, new failures and errors
// first, then recoveries and resources no longer reported) and where the
// report is.
func Alert(r check.Report, changes []check.Change, subject, bucket, prevKey, key string, loc *time.Location) (string, string) {
	var worse, better []check.Change
	for _, c := range changes {
		if c.Recovered() || c.Current == "" {
			better = append(better, c)
		} else {
			worse = append(worse, c)
		}
	}
	title := fmt.Sprintf("Pledge compliance %s: %d new failures or errors, %d recovered", subjectInKeys(subject), len(worse), len(better))
	if len(title) > 99 {
		title = title[:99]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "コンプライアンス検証の結果が変化しました / Compliance verification results changed\n\n")
	fmt.Fprintf(&b, "%s: %s (%s)\n", subject, r.GeneratedAt.In(loc).Format("2006-01-02 15:04 MST"), r.GeneratedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Results: %d, passed %d, failed %d, errors %d\n", r.Totals.Results, r.Totals.Passes, r.Totals.Failures, r.Totals.Errors)
	if prevKey == "" {
		fmt.Fprintf(&b, "No previous report was found: every open failure and error is listed.\n")
	}
	listed := 0
	section := func(heading string, cs []check.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", heading)
		for _, c := range cs {
			if listed == maxAlertLines {
				fmt.Fprintf(&b, "- ... and %d more changes; see the report.\n", len(changes)-listed)
				listed++
				return
			}
			if listed > maxAlertLines {
				return
			}
			fmt.Fprintf(&b, "- %s\n", c.String())
			listed++
		}
	}
	section("新たな不適合・エラー / New failures and errors:", worse)
	section("回復・対象外 / Recovered or no longer reported:", better)
	fmt.Fprintf(&b, "\nReport: s3://%s/%s\n", bucket, key)
	fmt.Fprintf(&b, "HTML: s3://%s/%s\n", bucket, strings.TrimSuffix(key, ".json")+".html")
	if prevKey != "" {
		fmt.Fprintf(&b, "Compared with: s3://%s/%s\n", bucket, prevKey)
	}
	return title, b.String()
}
