package purger_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pledge-dev/pledge/shared/purger"
)

// TestDryRunPurge_RefusesWhatTheClaimWould: a dry run of a purge message
// refuses exactly where the real claim would (here: a backdated termination
// not yet noticed), and plans once the notice has been out long enough.
func TestDryRunPurge_RefusesWhatTheClaimWould(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-07-10T03:00:00+09:00")
	w := newSweepWorld(t, sweepCfg, now)
	w.terminate(t, "tenant-a", now.AddDate(0, 0, -45))
	w.p.DryRun = true
	batch := func() purger.Outcome {
		t.Helper()
		raw, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", EventSource: "aws:sqs",
			Body: purger.Message{TenantID: "tenant-a", Reason: purger.ReasonDue, Enqueued: now, Round: 1}.Encode()}}})
		res, err := w.p.HandleBatch(context.Background(), raw)
		if err != nil || len(res.Purges) != 1 {
			t.Fatalf("batch: %+v, %v", res, err)
		}
		return res.Purges[0]
	}
	if o := batch(); o.Action != purger.ActionRefused || !strings.Contains(o.Reason, "ops have not had the advance notice") {
		t.Errorf("before the notice: %s %q, want refused for the notice", o.Action, o.Reason)
	}
	if _, err := w.reg.RecordNotice(context.Background(), "tenant-a", now.AddDate(0, 0, -45)); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(now.AddDate(0, 0, 7))
	if o := batch(); o.Action != purger.ActionPlanned || o.Plan == nil {
		t.Errorf("7 days after the notice: %s %q, want planned", o.Action, o.Reason)
	}
}
