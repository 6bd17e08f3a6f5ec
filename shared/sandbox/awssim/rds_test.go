package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

var t0 = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

func rdsSeed() awssim.RDSSeed {
	return awssim.RDSSeed{
		Instances: []awssim.RDSInstance{
			{DBInstanceIdentifier: "orders", StorageEncrypted: true, KmsKeyId: "arn:aws:kms:ap-northeast-1:000000000000:key/k1", BackupRetentionPeriod: 7,
				TagList: []awssim.Tag{{Key: "pledge:backup", Value: "hourly"}}},
			{DBInstanceIdentifier: "billing-1", DBClusterIdentifier: "billing"},
			{DBInstanceIdentifier: "billing-2", DBClusterIdentifier: "billing"},
			{DBInstanceIdentifier: "scratch", StorageType: "gp2"},
		},
		Clusters: []awssim.RDSCluster{{DBClusterIdentifier: "billing", StorageEncrypted: true, KmsKeyId: "k2", BackupRetentionPeriod: 30}},
		Snapshots: []awssim.RDSSnapshot{
			{DBSnapshotIdentifier: "rds:orders-2026-11-19-18-05", DBInstanceIdentifier: "orders", SnapshotType: "automated", SnapshotCreateTime: t0.Add(-9 * time.Hour)},
			{DBSnapshotIdentifier: "awsbackup:job-1234", DBInstanceIdentifier: "orders", SnapshotType: "awsbackup", SnapshotCreateTime: t0.Add(-8 * time.Hour)},
			{DBSnapshotIdentifier: "before-upgrade", DBInstanceIdentifier: "orders", SnapshotCreateTime: t0.Add(-7 * time.Hour)},
			{DBSnapshotIdentifier: "scratch-copy", DBInstanceIdentifier: "scratch", SnapshotCreateTime: t0.Add(-6 * time.Hour)},
		},
		ClusterSnapshots: []awssim.RDSClusterSnapshot{
			{DBClusterSnapshotIdentifier: "rds:billing-2026-11-19-18-05", DBClusterIdentifier: "billing", SnapshotType: "automated"},
		},
	}
}

func newRDS(t *testing.T, opts awssim.Options, attempts int) (*awssim.Server, *rds.Client) {
	t.Helper()
	srv, url := start(t, opts)
	if err := srv.RDS().Seed(rdsSeed()); err != nil {
		t.Fatal(err)
	}
	return srv, rds.NewFromConfig(sdkConfig(url, attempts))
}

func TestRDS_DescribeDBSnapshotsPaginatesEverySnapshotOnce(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	srv, client := newRDS(t, awssim.Options{Now: clock.Now}, 1)
	srv.RDS().SetQuota("ManualSnapshots", 1000)
	for i := range 250 {
		clock.Advance(time.Second)
		_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
			DBInstanceIdentifier: aws.String("orders"),
			DBSnapshotIdentifier: aws.String(fmt.Sprintf("pledge-orders-%03d", i)),
			Tags:                 []rdstypes.Tag{{Key: aws.String("pledge:managed"), Value: aws.String("true")}},
		})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}

	for _, tc := range []struct {
		name      string
		pageSize  int32
		wantPages int
	}{
		{"default page of 100", 0, 3},
		{"pages of 20", 20, 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCounts()
			seen := map[string]int{}
			p := rds.NewDescribeDBSnapshotsPaginator(client, &rds.DescribeDBSnapshotsInput{
				DBInstanceIdentifier: aws.String("orders"), SnapshotType: aws.String("manual"),
			}, func(o *rds.DescribeDBSnapshotsPaginatorOptions) { o.Limit = tc.pageSize })
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, sn := range page.DBSnapshots {
					seen[aws.ToString(sn.DBSnapshotIdentifier)]++
					if strings.HasPrefix(aws.ToString(sn.DBSnapshotIdentifier), "pledge-") && len(sn.TagList) != 1 {
						t.Errorf("%s: TagList = %v, want the managed tag in Describe output", aws.ToString(sn.DBSnapshotIdentifier), sn.TagList)
					}
				}
			}
			if got, want := len(seen), 251; got != want { // 250 created + before-upgrade
				t.Errorf("distinct snapshots = %d, want %d", got, want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
			if got := srv.Count("rds", "DescribeDBSnapshots"); got != tc.wantPages {
				t.Errorf("DescribeDBSnapshots requests = %d, want %d", got, tc.wantPages)
			}
		})
	}

	t.Run("deleting between pages skips nothing", func(t *testing.T) {
		p := rds.NewDescribeDBSnapshotsPaginator(client, &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual"), DBInstanceIdentifier: aws.String("orders")},
			func(o *rds.DescribeDBSnapshotsPaginatorOptions) { o.Limit = 50 })
		seen := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, sn := range page.DBSnapshots {
				seen++
				if _, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: sn.DBSnapshotIdentifier}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if seen != 251 {
			t.Errorf("saw %d snapshots while deleting them, want 251", seen)
		}
		if left := len(srv.RDS().State().Snapshots); left != 3 { // automated, awsbackup, scratch-copy
			t.Errorf("%d snapshots left, want the 3 that are not orders' manual ones", left)
		}
	})
}

func TestRDS_CreateDBSnapshotCopiesInstanceAndBecomesAvailable(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	_, client := newRDS(t, awssim.Options{Now: clock.Now, SnapshotCreateDelay: 5 * time.Minute}, 1)
	out, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
		DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("Pledge-Orders-1"),
		Tags: []rdstypes.Tag{{Key: aws.String("pledge:slot"), Value: aws.String("2026-11-20T12")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sn := out.DBSnapshot
	if got, want := aws.ToString(sn.DBSnapshotIdentifier), "pledge-orders-1"; got != want {
		t.Errorf("identifier = %q, want it stored lower-case %q", got, want)
	}
	if got := aws.ToString(sn.Status); got != "creating" {
		t.Errorf("status = %q, want creating", got)
	}
	if !aws.ToBool(sn.Encrypted) || aws.ToString(sn.KmsKeyId) != "arn:aws:kms:ap-northeast-1:000000000000:key/k1" ||
		aws.ToString(sn.Engine) != "postgres" || aws.ToString(sn.StorageType) != "gp3" {
		t.Errorf("snapshot did not copy the instance: encrypted=%v kms=%q engine=%q storage=%q",
			aws.ToBool(sn.Encrypted), aws.ToString(sn.KmsKeyId), aws.ToString(sn.Engine), aws.ToString(sn.StorageType))
	}
	if got := aws.ToTime(sn.SnapshotCreateTime); !got.Equal(t0) {
		t.Errorf("SnapshotCreateTime = %v, want the server clock %v", got, t0)
	}
	if got, want := aws.ToString(sn.DBSnapshotArn), "arn:aws:rds:ap-northeast-1:000000000000:snapshot:pledge-orders-1"; got != want {
		t.Errorf("ARN = %q, want %q", got, want)
	}

	status := func() string {
		d, err := client.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("PLEDGE-orders-1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.DBSnapshots) != 1 || len(d.DBSnapshots[0].TagList) != 1 {
			t.Fatalf("describe = %+v, want the one snapshot with its tag", d.DBSnapshots)
		}
		return aws.ToString(d.DBSnapshots[0].Status)
	}
	clock.Advance(4 * time.Minute)
	if got := status(); got != "creating" {
		t.Errorf("after 4m status = %q, want creating", got)
	}
	clock.Advance(time.Minute)
	if got := status(); got != "available" {
		t.Errorf("after 5m status = %q, want available", got)
	}
}

func TestRDS_Errors(t *testing.T) {
	ctx := context.Background()
	_, client := newRDS(t, awssim.Options{SnapshotCreateDelay: time.Hour}, 1)
	if _, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("still-creating")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("billing"), DBClusterSnapshotIdentifier: aws.String("billing-creating")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		want any // pointer to the typed error
		code string
	}{
		{"delete missing snapshot", func() error {
			_, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("nope")})
			return err
		}, new(*rdstypes.DBSnapshotNotFoundFault), "DBSnapshotNotFound"},
		{"describe missing snapshot", func() error {
			_, err := client.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("nope")})
			return err
		}, new(*rdstypes.DBSnapshotNotFoundFault), "DBSnapshotNotFound"},
		{"create duplicate snapshot", func() error {
			_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("Before-Upgrade")})
			return err
		}, new(*rdstypes.DBSnapshotAlreadyExistsFault), "DBSnapshotAlreadyExists"},
		{"create for missing instance", func() error {
			_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("ghost"), DBSnapshotIdentifier: aws.String("x1")})
			return err
		}, new(*rdstypes.DBInstanceNotFoundFault), "DBInstanceNotFound"},
		{"create on an Aurora member", func() error {
			_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("billing-1"), DBSnapshotIdentifier: aws.String("x2")})
			return err
		}, new(*rdstypes.InvalidDBInstanceStateFault), "InvalidDBInstanceState"},
		{"delete automated snapshot", func() error {
			_, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("rds:orders-2026-11-19-18-05")})
			return err
		}, new(*rdstypes.InvalidDBSnapshotStateFault), "InvalidDBSnapshotState"},
		{"delete creating snapshot", func() error {
			_, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("still-creating")})
			return err
		}, new(*rdstypes.InvalidDBSnapshotStateFault), "InvalidDBSnapshotState"},
		{"delete AWS Backup snapshot", func() error {
			_, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("awsbackup:job-1234")})
			return err
		}, nil, "InvalidParameterValue"},
		{"invalid snapshot identifier", func() error {
			_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("bad--id")})
			return err
		}, nil, "InvalidParameterValue"},
		{"MaxRecords below 20", func() error {
			_, err := client.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{MaxRecords: aws.Int32(5)})
			return err
		}, nil, "InvalidParameterValue"},
		{"unknown filter", func() error {
			_, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("db-instance-id"), Values: []string{"x"}}}})
			return err
		}, nil, "InvalidParameterValue"},
		{"describe missing instance", func() error {
			_, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("ghost")})
			return err
		}, new(*rdstypes.DBInstanceNotFoundFault), "DBInstanceNotFound"},
		{"cluster snapshot of missing cluster", func() error {
			_, err := client.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("ghost"), DBClusterSnapshotIdentifier: aws.String("x3")})
			return err
		}, new(*rdstypes.DBClusterNotFoundFault), "DBClusterNotFoundFault"},
		{"duplicate cluster snapshot", func() error {
			_, err := client.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("billing"), DBClusterSnapshotIdentifier: aws.String("billing-creating")})
			return err
		}, new(*rdstypes.DBClusterSnapshotAlreadyExistsFault), "DBClusterSnapshotAlreadyExistsFault"},
		{"delete missing cluster snapshot", func() error {
			_, err := client.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String("nope")})
			return err
		}, new(*rdstypes.DBClusterSnapshotNotFoundFault), "DBClusterSnapshotNotFoundFault"},
		{"delete automated cluster snapshot", func() error {
			_, err := client.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String("rds:billing-2026-11-19-18-05")})
			return err
		}, new(*rdstypes.InvalidDBClusterSnapshotStateFault), "InvalidDBClusterSnapshotStateFault"},
		{"delete creating cluster snapshot", func() error {
			_, err := client.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String("billing-creating")})
			return err
		}, new(*rdstypes.InvalidDBClusterSnapshotStateFault), "InvalidDBClusterSnapshotStateFault"},
		{"tag a missing snapshot", func() error {
			_, err := client.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: aws.String("arn:aws:rds:ap-northeast-1:000000000000:snapshot:nope"), Tags: []rdstypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		}, new(*rdstypes.DBSnapshotNotFoundFault), "DBSnapshotNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			if tc.want != nil && !errors.As(err, tc.want) {
				t.Errorf("error %v is not a %T", err, tc.want)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestRDS_SnapshotQuota(t *testing.T) {
	ctx := context.Background()
	srv, client := newRDS(t, awssim.Options{}, 1)
	if err := srv.RDS().Seed(awssim.RDSSeed{Quotas: map[string]int64{"ManualSnapshots": 4, "ManualClusterSnapshots": 1}}); err != nil {
		t.Fatal(err)
	}
	quota := func(name string) rdstypes.AccountQuota {
		out, err := client.DescribeAccountAttributes(ctx, &rds.DescribeAccountAttributesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range out.AccountQuotas {
			if aws.ToString(q.AccountQuotaName) == name {
				return q
			}
		}
		t.Fatalf("no quota %s in %+v", name, out.AccountQuotas)
		return rdstypes.AccountQuota{}
	}
	// Seeded: before-upgrade and scratch-copy are manual; automated and AWS Backup ones do not count.
	if q := quota("ManualSnapshots"); aws.ToInt64(q.Used) != 2 || aws.ToInt64(q.Max) != 4 {
		t.Errorf("ManualSnapshots used/max = %d/%d, want 2/4", aws.ToInt64(q.Used), aws.ToInt64(q.Max))
	}
	for i := range 2 {
		if _, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String(fmt.Sprintf("q%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := client.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("q-over")})
	var quotaErr *rdstypes.SnapshotQuotaExceededFault
	if !errors.As(err, &quotaErr) {
		t.Fatalf("fifth manual snapshot: err = %v, want SnapshotQuotaExceededFault", err)
	}
	if q := quota("ManualSnapshots"); aws.ToInt64(q.Used) != 4 {
		t.Errorf("ManualSnapshots used = %d, want 4", aws.ToInt64(q.Used))
	}
	if _, err := client.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("billing"), DBClusterSnapshotIdentifier: aws.String("c1")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("billing"), DBClusterSnapshotIdentifier: aws.String("c2")})
	if !errors.As(err, &quotaErr) {
		t.Fatalf("second manual cluster snapshot: err = %v, want SnapshotQuotaExceededFault", err)
	}
}

func TestRDS_DescribeSelectsByTypeAndFilter(t *testing.T) {
	ctx := context.Background()
	_, client := newRDS(t, awssim.Options{}, 1)
	ids := func(in *rds.DescribeDBSnapshotsInput) []string {
		out, err := client.DescribeDBSnapshots(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sn := range out.DBSnapshots {
			got = append(got, aws.ToString(sn.DBSnapshotIdentifier)+"/"+aws.ToString(sn.SnapshotType))
		}
		return got
	}
	for _, tc := range []struct {
		name string
		in   *rds.DescribeDBSnapshotsInput
		want string
	}{
		{"every type of one instance, oldest first", &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("orders")},
			"rds:orders-2026-11-19-18-05/automated awsbackup:job-1234/awsbackup before-upgrade/manual"},
		{"manual only", &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual")}, "before-upgrade/manual scratch-copy/manual"},
		{"automated only", &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("automated")}, "rds:orders-2026-11-19-18-05/automated"},
		{"filter by instance ARN", &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual"), Filters: []rdstypes.Filter{{
			Name: aws.String("db-instance-id"), Values: []string{"arn:aws:rds:ap-northeast-1:000000000000:db:scratch"}}}}, "scratch-copy/manual"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(ids(tc.in), " "); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}

	t.Run("instances of a cluster", func(t *testing.T) {
		out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"billing"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DBInstances) != 2 || aws.ToString(out.DBInstances[0].DBClusterIdentifier) != "billing" {
			t.Errorf("instances = %+v, want billing-1 and billing-2", out.DBInstances)
		}
	})
	t.Run("instance fields", func(t *testing.T) {
		out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders")})
		if err != nil {
			t.Fatal(err)
		}
		in := out.DBInstances[0]
		if aws.ToString(in.DBInstanceArn) != "arn:aws:rds:ap-northeast-1:000000000000:db:orders" || !aws.ToBool(in.StorageEncrypted) ||
			aws.ToInt32(in.BackupRetentionPeriod) != 7 || len(in.TagList) != 1 || len(in.DBParameterGroups) != 1 || aws.ToString(in.DBInstanceStatus) != "available" {
			t.Errorf("instance = %+v", in)
		}
	})
	t.Run("cluster members and fields", func(t *testing.T) {
		out, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"billing"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DBClusters) != 1 {
			t.Fatalf("clusters = %+v", out.DBClusters)
		}
		cl := out.DBClusters[0]
		if len(cl.DBClusterMembers) != 2 || !aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) || aws.ToBool(cl.DBClusterMembers[1].IsClusterWriter) {
			t.Errorf("members = %+v, want billing-1 (writer) and billing-2", cl.DBClusterMembers)
		}
		if aws.ToString(cl.DBClusterArn) != "arn:aws:rds:ap-northeast-1:000000000000:cluster:billing" || aws.ToInt32(cl.BackupRetentionPeriod) != 30 || !aws.ToBool(cl.StorageEncrypted) {
			t.Errorf("cluster = %+v", cl)
		}
	})
	t.Run("cluster snapshots", func(t *testing.T) {
		out, err := client.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterIdentifier: aws.String("billing")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DBClusterSnapshots) != 1 || aws.ToString(out.DBClusterSnapshots[0].SnapshotType) != "automated" || !aws.ToBool(out.DBClusterSnapshots[0].StorageEncrypted) {
			t.Errorf("cluster snapshots = %+v", out.DBClusterSnapshots)
		}
	})
}

func TestRDS_Tags(t *testing.T) {
	ctx := context.Background()
	_, client := newRDS(t, awssim.Options{}, 1)
	arn := aws.String("arn:aws:rds:ap-northeast-1:000000000000:snapshot:before-upgrade")
	list := func() string {
		out, err := client.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: arn})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, tg := range out.TagList {
			s = append(s, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return strings.Join(s, ",")
	}
	if _, err := client.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: arn, Tags: []rdstypes.Tag{
		{Key: aws.String("owner"), Value: aws.String("ops")}, {Key: aws.String("tier"), Value: aws.String("daily")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: arn, Tags: []rdstypes.Tag{{Key: aws.String("tier"), Value: aws.String("weekly")}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), "owner=ops,tier=weekly"; got != want {
		t.Errorf("tags = %s, want %s", got, want)
	}
	if _, err := client.RemoveTagsFromResource(ctx, &rds.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), "tier=weekly"; got != want {
		t.Errorf("tags = %s, want %s", got, want)
	}
	_, err := client.AddTagsToResource(ctx, &rds.AddTagsToResourceInput{ResourceName: arn, Tags: []rdstypes.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}}})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("aws: tag key: err = %v, want InvalidParameterValue", err)
	}
}

func TestRDS_SeedRejectsBadInput(t *testing.T) {
	srv := awssim.New(awssim.Options{})
	for _, tc := range []struct {
		name string
		seed awssim.RDSSeed
		want string
	}{
		{"bad instance id", awssim.RDSSeed{Instances: []awssim.RDSInstance{{DBInstanceIdentifier: "1db"}}}, "instance 0"},
		{"automated without rds: prefix", awssim.RDSSeed{Snapshots: []awssim.RDSSnapshot{{DBSnapshotIdentifier: "auto", DBInstanceIdentifier: "x", SnapshotType: "automated"}}}, "rds:"},
		{"unknown type", awssim.RDSSeed{Snapshots: []awssim.RDSSnapshot{{DBSnapshotIdentifier: "s", DBInstanceIdentifier: "x", SnapshotType: "shared"}}}, "SnapshotType"},
		{"snapshot without instance", awssim.RDSSeed{Snapshots: []awssim.RDSSnapshot{{DBSnapshotIdentifier: "s"}}}, "DBInstanceIdentifier is required"},
		{"negative quota", awssim.RDSSeed{Quotas: map[string]int64{"ManualSnapshots": -1}}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := srv.RDS().Seed(tc.seed)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
