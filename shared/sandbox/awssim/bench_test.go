package awssim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// BenchmarkRDS_ListThousandSnapshots pages through one database's 1,000
// snapshots (ten pages of 100) with the real SDK client, as the rotator does.
func BenchmarkRDS_ListThousandSnapshots(b *testing.B) {
	srv := awssim.New(awssim.Options{})
	seed := awssim.RDSSeed{Instances: []awssim.RDSInstance{{DBInstanceIdentifier: "orders"}}}
	for i := range 1000 {
		seed.Snapshots = append(seed.Snapshots, awssim.RDSSnapshot{
			DBSnapshotIdentifier: fmt.Sprintf("pledge-orders-%04d", i), DBInstanceIdentifier: "orders",
			SnapshotCreateTime: t0.Add(-time.Duration(i) * time.Hour), TagList: []awssim.Tag{{Key: "pledge:managed", Value: "true"}},
		})
	}
	if err := srv.RDS().Seed(seed); err != nil {
		b.Fatal(err)
	}
	url, stop, err := srv.Listen("")
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	client := rds.NewFromConfig(sdkConfig(url, 1))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		p := rds.NewDescribeDBSnapshotsPaginator(client, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("orders")})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(page.DBSnapshots)
		}
		if n != 1000 {
			b.Fatalf("listed %d", n)
		}
	}
}
