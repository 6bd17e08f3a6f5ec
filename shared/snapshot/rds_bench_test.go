package snapshot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/metrics"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// seedThree seeds two instances and one Aurora cluster with n hourly
// managed snapshots each, ending an hour before now.
func seedThree(b *testing.B, sim *awssim.Server, n int, now time.Time) {
	b.Helper()
	seed := awssim.RDSSeed{
		Instances: []awssim.RDSInstance{{DBInstanceIdentifier: "db-a", StorageEncrypted: true, BackupRetentionPeriod: 7}, {DBInstanceIdentifier: "db-b", StorageEncrypted: true, BackupRetentionPeriod: 7}},
		Clusters:  []awssim.RDSCluster{{DBClusterIdentifier: "db-c", Engine: "aurora-postgresql", StorageEncrypted: true, BackupRetentionPeriod: 7}},
		Quotas:    map[string]int64{"ManualSnapshots": 100000, "ManualClusterSnapshots": 100000},
	}
	last := now.Truncate(time.Hour).Add(-time.Hour)
	for i := range n {
		at := last.Add(-time.Duration(i) * time.Hour)
		for _, db := range []string{"db-a", "db-b"} {
			var tl []awssim.Tag
			for k, v := range snapshot.Tags(stage, "gfs", db, at) {
				tl = append(tl, awssim.Tag{Key: k, Value: v})
			}
			seed.Snapshots = append(seed.Snapshots, awssim.RDSSnapshot{DBSnapshotIdentifier: snapshot.Name(stage, "gfs", db, at), DBInstanceIdentifier: db, Status: "available", SnapshotCreateTime: at, TagList: tl})
		}
		var tl []awssim.Tag
		for k, v := range snapshot.Tags(stage, "gfs", "db-c", at) {
			tl = append(tl, awssim.Tag{Key: k, Value: v})
		}
		seed.ClusterSnapshots = append(seed.ClusterSnapshots, awssim.RDSClusterSnapshot{DBClusterSnapshotIdentifier: snapshot.Name(stage, "gfs", "db-c", at), DBClusterIdentifier: "db-c", Status: "available", SnapshotCreateTime: at, TagList: tl})
	}
	if err := sim.RDS().Seed(seed); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRotator_Requests_3x1000 runs the rotator over three databases
// with 1,000 managed snapshots each, against the simulator, and reports the
// RDS API requests of one run: the first run (which deletes the ~970
// snapshots per database the policy no longer keeps) and a steady-state run
// an hour later.
func BenchmarkRotator_Requests_3x1000(b *testing.B) {
	p := config.BackupPolicy{Name: "gfs", Targets: config.Targets{Instances: []string{"db-a", "db-b"}, Clusters: []string{"db-c"}},
		Keep: config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, Schedule: "rate(1 hour)", MinAvailable: 3}
	var first, steady float64
	for b.Loop() {
		b.StopTimer()
		now := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
		sim := awssim.New(awssim.Options{Now: func() time.Time { return now }})
		url, stop, err := sim.Listen("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		seedThree(b, sim, 1000, now)
		client := rds.NewFromConfig(aws.Config{Region: "ap-northeast-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""), HTTPClient: http.DefaultClient},
			func(o *rds.Options) { o.BaseEndpoint = aws.String(url) })
		r := &snapshot.Rotator{Stage: stage, Source: snapshot.RDS{API: client}, Metrics: metrics.New(io.Discard, nil, time.Now), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return now }, Location: tokyo,
			// A real run acts for the wall clock's slot: the simulator's.
			WallClock: func() time.Time { return now }}
		b.StartTimer()
		if _, err := r.Run(context.Background(), p, now); err != nil {
			b.Fatal(err)
		}
		first = float64(total(sim.Counts()))
		sim.ResetCounts()
		now = now.Add(time.Hour)
		sim.SetClock(now)
		if _, err := r.Run(context.Background(), p, now); err != nil {
			b.Fatal(err)
		}
		steady = float64(total(sim.Counts()))
		if n := sim.Count("rds", "ListTagsForResource"); n != 0 {
			b.Fatalf("ListTagsForResource called %d times", n)
		}
		b.StopTimer()
		stop()
		b.StartTimer()
	}
	b.ReportMetric(first, "requests/first-run")
	b.ReportMetric(steady, "requests/steady-run")
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
