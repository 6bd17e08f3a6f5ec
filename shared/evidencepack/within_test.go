package evidencepack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/evidencepack"
)

// TestBuild_WithinTierAndPITROnlyPolicy: a policy of daily snapshots kept
// 11 days (operator 004) shows its within tier as restic words it, with the
// generations the rotator's reasons counted, and a policy that promises
// only point-in-time recovery (operator 003) is promised in words but
// expects no snapshots.
func TestBuild_WithinTierAndPITROnlyPolicy(t *testing.T) {
	w := newWorld(t)
	daily := w.cfg.Backup.Policies[0]
	daily.Name, daily.Schedule, daily.Keep, daily.MinAvailable = "daily-11d", "cron(0 3 * * ? *)", config.Keep{WithinDaily: "11d"}, 1
	pitr := config.BackupPolicy{Name: "pitr-30d", Targets: daily.Targets, PointInTimeRecoveryDays: 30, MinAvailable: 1}
	w.cfg.Backup.Policies = []config.BackupPolicy{daily, pitr}
	if err := w.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w.rotate(t)
	c := &evidencepack.Collector{S3: w.bucket, Bucket: "evidence", NoticeHours: w.cfg.Notifications.NoticeHours}
	ev, err := c.Collect(context.Background(), evidencepack.Month{Year: 2026, Month: time.November, Zone: w.cfg.Location()})
	if err != nil {
		t.Fatal(err)
	}
	p := evidencepack.Build(ev, w.cfg, at(time.December, 1, 0, 15))
	ctl := control(t, p, "A.12.3.1")
	for _, target := range []string{"orders-db", "billing-aurora"} {
		// The month's last run (an hourly run in the slot of 03:00 on 30
		// November) keeps the snapshots made within 11 days of the newest:
		// 20 to 30 November, one a day.
		if f := figure(t, ctl, "Generations of "+target); f.Value != "daily within 11d 11" || f.Status != evidencepack.Kept {
			t.Errorf("%s generations: %+v", target, f)
		}
		if f := figure(t, ctl, "Snapshots of "+target); f.Value != "30 / 30" {
			t.Errorf("%s snapshots: %+v, want one a day", target, f)
		}
	}
	if len(ctl.Backups.Targets) != 2 {
		t.Errorf("backup targets %+v: the PITR-only policy expects no snapshots", ctl.Backups.Targets)
	}
	var promised []string
	for _, x := range ctl.Promise {
		promised = append(promised, x.EN)
	}
	text := strings.Join(promised, " | ")
	for _, want := range []string{"keeping daily within 11d.", "Backup policy pitr-30d: ", "protected by RDS automated backups (point-in-time recovery)", "Point-in-time recovery is kept 30 days."} {
		if !strings.Contains(text, want) {
			t.Errorf("promised %q, want it to say %q", text, want)
		}
	}
}
