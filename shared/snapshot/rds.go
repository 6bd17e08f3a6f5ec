package snapshot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pledge-dev/pledge/shared/config"
)

// RDSAPI is the part of the RDS client the rotator calls.
type RDSAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	DescribeAccountAttributes(ctx context.Context, in *rds.DescribeAccountAttributesInput, optFns ...func(*rds.Options)) (*rds.DescribeAccountAttributesOutput, error)
	CreateDBSnapshot(ctx context.Context, in *rds.CreateDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error)
	CreateDBClusterSnapshot(ctx context.Context, in *rds.CreateDBClusterSnapshotInput, optFns ...func(*rds.Options)) (*rds.CreateDBClusterSnapshotOutput, error)
	DeleteDBSnapshot(ctx context.Context, in *rds.DeleteDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error)
	DeleteDBClusterSnapshot(ctx context.Context, in *rds.DeleteDBClusterSnapshotInput, optFns ...func(*rds.Options)) (*rds.DeleteDBClusterSnapshotOutput, error)
}

// RDS reads and changes snapshots through the RDS API. Listing relies on the
// TagList that Describe calls return, so it makes no per-snapshot tag calls.
type RDS struct {
	API RDSAPI
}

// Unselected is a database a selector matched but that cannot be a target.
type Unselected struct {
	ID  string `json:"id"`
	Why string `json:"why"`
}

func tagMap(tl []rdstypes.Tag) map[string]string {
	m := make(map[string]string, len(tl))
	for _, t := range tl {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func hasTags(have, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Targets lists the databases sel selects. Identifiers that do not exist are
// an error (a promise about a database that is gone must not pass silently).
func (r RDS) Targets(ctx context.Context, sel config.Targets) ([]Target, []Unselected, error) {
	var targets []Target
	var skipped []Unselected
	wantInst := map[string]bool{}
	for _, id := range sel.Instances {
		wantInst[id] = true
	}
	wantClus := map[string]bool{}
	for _, id := range sel.Clusters {
		wantClus[id] = true
	}
	found := map[string]bool{}
	pi := rds.NewDescribeDBInstancesPaginator(r.API, &rds.DescribeDBInstancesInput{})
	for pi.HasMorePages() {
		page, err := pi.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describe DB instances: %w", err)
		}
		for _, db := range page.DBInstances {
			id := aws.ToString(db.DBInstanceIdentifier)
			if !wantInst[id] && !hasTags(tagMap(db.TagList), sel.Tags) {
				continue
			}
			found["instance/"+id] = true
			if db.DBClusterIdentifier != nil {
				skipped = append(skipped, Unselected{ID: id, Why: "member of Aurora cluster " + aws.ToString(db.DBClusterIdentifier) + ": snapshotted through the cluster"})
				continue
			}
			targets = append(targets, Target{Kind: Instance, ID: id, ARN: aws.ToString(db.DBInstanceArn), Engine: aws.ToString(db.Engine), Status: aws.ToString(db.DBInstanceStatus),
				Encrypted: aws.ToBool(db.StorageEncrypted), BackupRetentionDays: int(aws.ToInt32(db.BackupRetentionPeriod))})
		}
	}
	pc := rds.NewDescribeDBClustersPaginator(r.API, &rds.DescribeDBClustersInput{})
	for pc.HasMorePages() {
		page, err := pc.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describe DB clusters: %w", err)
		}
		for _, c := range page.DBClusters {
			id := aws.ToString(c.DBClusterIdentifier)
			if !wantClus[id] && !hasTags(tagMap(c.TagList), sel.Tags) {
				continue
			}
			found["cluster/"+id] = true
			targets = append(targets, Target{Kind: Cluster, ID: id, ARN: aws.ToString(c.DBClusterArn), Engine: aws.ToString(c.Engine), Status: aws.ToString(c.Status),
				Encrypted: aws.ToBool(c.StorageEncrypted), BackupRetentionDays: int(aws.ToInt32(c.BackupRetentionPeriod))})
		}
	}
	var missing []error
	for _, id := range sel.Instances {
		if !found["instance/"+id] {
			missing = append(missing, fmt.Errorf("DB instance %q is configured as a target but does not exist", id))
		}
	}
	for _, id := range sel.Clusters {
		if !found["cluster/"+id] {
			missing = append(missing, fmt.Errorf("DB cluster %q is configured as a target but does not exist", id))
		}
	}
	slices.SortFunc(targets, func(a, b Target) int {
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return targets, skipped, errors.Join(missing...)
}

// Snapshots lists a target's manual snapshots with their tags.
func (r RDS) Snapshots(ctx context.Context, t Target) ([]Snapshot, error) {
	return r.list(ctx, t)
}

func (r RDS) list(ctx context.Context, t Target) ([]Snapshot, error) {
	var out []Snapshot
	switch t.Kind {
	case Instance:
		in := &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String(t.ID), SnapshotType: aws.String("manual"), MaxRecords: aws.Int32(100)}
		p := rds.NewDescribeDBSnapshotsPaginator(r.API, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe snapshots of %s: %w", t.ID, err)
			}
			for _, s := range page.DBSnapshots {
				out = append(out, Snapshot{ID: aws.ToString(s.DBSnapshotIdentifier), ARN: aws.ToString(s.DBSnapshotArn), Target: aws.ToString(s.DBInstanceIdentifier), Kind: Instance,
					Type: aws.ToString(s.SnapshotType), Status: aws.ToString(s.Status), Created: aws.ToTime(s.SnapshotCreateTime), Encrypted: aws.ToBool(s.Encrypted), Tags: tagMap(s.TagList),
					SourceARN: aws.ToString(s.SourceDBSnapshotIdentifier), OriginalCreated: aws.ToTime(s.OriginalSnapshotCreateTime)})
			}
		}
	case Cluster:
		in := &rds.DescribeDBClusterSnapshotsInput{DBClusterIdentifier: aws.String(t.ID), SnapshotType: aws.String("manual"), MaxRecords: aws.Int32(100)}
		p := rds.NewDescribeDBClusterSnapshotsPaginator(r.API, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe cluster snapshots of %s: %w", t.ID, err)
			}
			for _, s := range page.DBClusterSnapshots {
				out = append(out, Snapshot{ID: aws.ToString(s.DBClusterSnapshotIdentifier), ARN: aws.ToString(s.DBClusterSnapshotArn), Target: aws.ToString(s.DBClusterIdentifier), Kind: Cluster,
					Type: aws.ToString(s.SnapshotType), Status: aws.ToString(s.Status), Created: aws.ToTime(s.SnapshotCreateTime), Encrypted: aws.ToBool(s.StorageEncrypted), Tags: tagMap(s.TagList),
					SourceARN: aws.ToString(s.SourceDBClusterSnapshotArn)})
			}
		}
	default:
		return nil, fmt.Errorf("target %s has unknown kind %q", t.ID, t.Kind)
	}
	return out, nil
}

// Quota is the account's manual-snapshot quota of one kind.
type Quota struct {
	Used int64 `json:"used"`
	Max  int64 `json:"max"`
}

// Headroom is how many more snapshots fit.
func (q Quota) Headroom() int64 { return q.Max - q.Used }

// Quotas are the account's manual-snapshot quotas by target kind.
type Quotas map[Kind]Quota

// Quotas reads the account's manual-snapshot quotas (ManualSnapshots for DB
// instances, ManualClusterSnapshots for Aurora clusters).
func (r RDS) Quotas(ctx context.Context) (Quotas, error) {
	out, err := r.API.DescribeAccountAttributes(ctx, &rds.DescribeAccountAttributesInput{})
	if err != nil {
		return nil, fmt.Errorf("describe account attributes: %w", err)
	}
	q := Quotas{}
	for _, a := range out.AccountQuotas {
		switch aws.ToString(a.AccountQuotaName) {
		case "ManualSnapshots":
			q[Instance] = Quota{Used: aws.ToInt64(a.Used), Max: aws.ToInt64(a.Max)}
		case "ManualClusterSnapshots":
			q[Cluster] = Quota{Used: aws.ToInt64(a.Used), Max: aws.ToInt64(a.Max)}
		}
	}
	if _, ok := q[Instance]; !ok {
		return nil, errors.New("describe account attributes: no ManualSnapshots quota in the answer")
	}
	if _, ok := q[Cluster]; !ok {
		// Accounts without Aurora quotas share the instance quota.
		q[Cluster] = q[Instance]
	}
	return q, nil
}

// ErrExists reports that a snapshot with the slot's name already exists: an
// earlier or concurrent invocation made it.
var ErrExists = errors.New("snapshot already exists")

// Create starts a manual snapshot of t named name, tagged at creation.
func (r RDS) Create(ctx context.Context, t Target, name string, tags map[string]string) error {
	var tl []rdstypes.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		tl = append(tl, rdstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	var err error
	switch t.Kind {
	case Instance:
		_, err = r.API.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(t.ID), DBSnapshotIdentifier: aws.String(name), Tags: tl})
	case Cluster:
		_, err = r.API.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String(t.ID), DBClusterSnapshotIdentifier: aws.String(name), Tags: tl})
	}
	var e1 *rdstypes.DBSnapshotAlreadyExistsFault
	var e2 *rdstypes.DBClusterSnapshotAlreadyExistsFault
	if errors.As(err, &e1) || errors.As(err, &e2) {
		return fmt.Errorf("create snapshot %s of %s: %w", name, t.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create snapshot %s of %s: %w", name, t.ID, err)
	}
	return nil
}

// Delete deletes a snapshot of t.
func (r RDS) Delete(ctx context.Context, t Target, id string) error {
	var err error
	switch t.Kind {
	case Instance:
		_, err = r.API.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(id)})
	case Cluster:
		_, err = r.API.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String(id)})
	}
	if err != nil {
		return fmt.Errorf("delete snapshot %s of %s: %w", id, t.ID, err)
	}
	return nil
}
