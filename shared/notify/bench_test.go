package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/logging"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// benchEvents returns n distinct GuardDuty findings (the malware fixture
// with its own id each), tagged for the four test tenants in turn.
func benchEvents(b *testing.B, n int) [][]byte {
	b.Helper()
	var ev map[string]any
	if err := json.Unmarshal(malware(b), &ev); err != nil {
		b.Fatal(err)
	}
	tenants := []string{"tenant-1", "tenant-2", "tenant-3", "tenant-10"}
	detail := ev["detail"].(map[string]any)
	inst := detail["resource"].(map[string]any)["instanceDetails"].(map[string]any)
	out := make([][]byte, n)
	for i := range n {
		detail["id"] = fmt.Sprintf("%032x", i)
		inst["tags"] = []map[string]string{{"key": "pledge:tenant", "value": tenants[i%len(tenants)]}}
		raw, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = raw
	}
	return out
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkNotifier_10000Findings sends 10,000 findings through Handle as
// EventBridge would, then drains the notice queue through Handle in SQS
// batches of ten, with every AWS dependency faked in memory and the send
// rate unbounded: it measures the handler's own cost. Reported: notices/s
// end to end, p50/p99 latency of one EventBridge invocation and of one
// ten-message SQS invocation, and the process's peak RSS.
func BenchmarkNotifier_10000Findings(b *testing.B) {
	const n = 10000
	evs := benchEvents(b, n)
	ctx := context.Background()
	var eventLat, batchLat []time.Duration
	var elapsed time.Duration
	var sent int
	for b.Loop() {
		r := newRig(b, detectedMalware.Add(time.Minute))
		r.n.SendRate = 1 << 20
		r.n.Metrics = metrics.New(io.Discard, map[string]string{"Function": "finding-notifier"}, r.n.Now)
		r.n.Log = logging.New(io.Discard, slog.LevelInfo)
		r.mail.countOnly, r.ev.countOnly, r.topic.countOnly = true, true, true
		eventLat, batchLat = eventLat[:0], batchLat[:0]
		start := time.Now()
		for _, ev := range evs {
			t0 := time.Now()
			if _, err := r.n.Handle(ctx, ev); err != nil {
				b.Fatal(err)
			}
			eventLat = append(eventLat, time.Since(t0))
		}
		all := r.queue.take()
		for i := 0; i < len(all.Records); i += 10 {
			raw, err := json.Marshal(events.SQSEvent{Records: all.Records[i:min(i+10, len(all.Records))]})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			out, err := r.n.Handle(ctx, raw)
			if err != nil {
				b.Fatal(err)
			}
			batchLat = append(batchLat, time.Since(t0))
			if f := out.(events.SQSEventResponse).BatchItemFailures; len(f) != 0 {
				b.Fatalf("failures %v", f)
			}
		}
		elapsed = time.Since(start)
		sent = r.ev.counted
		if sent != n || r.topic.counted != n || r.mail.counted != n+n/4 {
			b.Fatalf("sent %d notices (%d e-mails) and %d ops messages, want %d each (and %d e-mails: tenant-1 has two groups)", sent, r.mail.counted, r.topic.counted, n, n+n/4)
		}
	}
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "notices/s")
	b.ReportMetric(float64(percentile(eventLat, 0.50).Microseconds()), "event-p50-µs")
	b.ReportMetric(float64(percentile(eventLat, 0.99).Microseconds()), "event-p99-µs")
	b.ReportMetric(float64(percentile(batchLat, 0.50).Microseconds()), "batch10-p50-µs")
	b.ReportMetric(float64(percentile(batchLat, 0.99).Microseconds()), "batch10-p99-µs")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// BenchmarkNotifier_Sandbox10000Findings is the same run with every call on
// the wire: the ledger in dynalite, mail in aws-ses-v2-local, the notice
// queue and ops topic in awssim, the queue drained ten at a time as
// Lambda's event source mapping would. It measures the stand-ins as much as
// the handler; its figures are an upper bound on the handler's share.
func BenchmarkNotifier_Sandbox10000Findings(b *testing.B) {
	const n = 10000
	evs := benchEvents(b, n)
	ctx := context.Background()
	_, ledger := startDynalite(b)
	mail, _ := startSES(b)
	sim := awssim.New(awssim.Options{})
	base, stop, err := sim.Listen("")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	if err := sim.SNS().Seed(awssim.SNSSeed{Topics: []string{"*"}}); err != nil {
		b.Fatal(err)
	}
	cfg := sandboxCfg()
	cfg.HTTPClient = &http.Client{Transport: awssim.BufferingTransport{}}
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(base) })
	topic := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(base) })
	var eventLat, batchLat []time.Duration
	var elapsed time.Duration
	round := 0
	for b.Loop() {
		round++
		created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("notices-%d", round))})
		if err != nil {
			b.Fatal(err)
		}
		r := newRig(b, detectedMalware.Add(time.Duration(round)*time.Hour))
		r.n.Ledger, r.n.Mail, r.n.Queue, r.n.QueueURL, r.n.Ops = ledger, mail, q, aws.ToString(created.QueueUrl), topic
		r.n.SendRate = 1 << 20
		r.n.Metrics = metrics.New(io.Discard, map[string]string{"Function": "finding-notifier"}, r.n.Now)
		r.n.Log = logging.New(io.Discard, slog.LevelInfo)
		r.ev.countOnly = true
		eventLat, batchLat = eventLat[:0], batchLat[:0]
		start := time.Now()
		for _, ev := range evs {
			// A fresh id per round, so that each round's findings are new.
			ev = []byte(strings.Replace(string(ev), `"id":"0000`, fmt.Sprintf(`"id":"%04d`, round), 1))
			t0 := time.Now()
			if _, err := r.n.Handle(ctx, ev); err != nil {
				b.Fatal(err)
			}
			eventLat = append(eventLat, time.Since(t0))
		}
		for {
			out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Messages) == 0 {
				break
			}
			var batch events.SQSEvent
			for _, m := range out.Messages {
				batch.Records = append(batch.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), EventSource: "aws:sqs"})
			}
			raw, _ := json.Marshal(batch)
			t0 := time.Now()
			res, err := r.n.Handle(ctx, raw)
			if err != nil {
				b.Fatal(err)
			}
			batchLat = append(batchLat, time.Since(t0))
			if f := res.(events.SQSEventResponse).BatchItemFailures; len(f) != 0 {
				b.Fatalf("failures %v", f)
			}
			for _, m := range out.Messages {
				if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: created.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
					b.Fatal(err)
				}
			}
		}
		elapsed = time.Since(start)
		if r.ev.counted != n {
			b.Fatalf("sent %d notices, want %d", r.ev.counted, n)
		}
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "notices/s")
	b.ReportMetric(float64(percentile(eventLat, 0.50).Microseconds()), "event-p50-µs")
	b.ReportMetric(float64(percentile(eventLat, 0.99).Microseconds()), "event-p99-µs")
	b.ReportMetric(float64(percentile(batchLat, 0.50).Microseconds()), "batch10-p50-µs")
	b.ReportMetric(float64(percentile(batchLat, 0.99).Microseconds()), "batch10-p99-µs")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}
