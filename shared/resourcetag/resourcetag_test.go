package resourcetag_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/finding"
	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// fakes embed the interface so that an unfaked call panics loudly.

type fakeEC2 struct {
	resourcetag.EC2API
	tags  map[string]map[string]string
	calls [][]string
	err   error
}

func (f *fakeEC2) DescribeTags(_ context.Context, in *ec2.DescribeTagsInput, _ ...func(*ec2.Options)) (*ec2.DescribeTagsOutput, error) {
	ids := in.Filters[0].Values
	f.calls = append(f.calls, ids)
	if f.err != nil {
		return nil, f.err
	}
	// Two pages: the paginator must follow NextToken.
	out := &ec2.DescribeTagsOutput{}
	for _, id := range ids {
		for k, v := range f.tags[id] {
			out.Tags = append(out.Tags, ec2types.TagDescription{ResourceId: aws.String(id), Key: aws.String(k), Value: aws.String(v)})
		}
	}
	// A stable order, so that the two pages split the same list.
	slices.SortFunc(out.Tags, func(a, b ec2types.TagDescription) int {
		return strings.Compare(aws.ToString(a.ResourceId)+"\x00"+aws.ToString(a.Key), aws.ToString(b.ResourceId)+"\x00"+aws.ToString(b.Key))
	})
	if in.NextToken == nil && len(out.Tags) > 1 {
		out.NextToken = aws.String("page-2")
		out.Tags = out.Tags[:1]
	} else if in.NextToken != nil {
		out.Tags = out.Tags[1:]
	}
	return out, nil
}

type fakeIAM struct {
	resourcetag.IAMAPI
	userTags, roleTags map[string]map[string]string
	keyUsers           map[string]string
	calls              []string
	err                error
}

func (f *fakeIAM) ListUserTags(_ context.Context, in *iam.ListUserTagsInput, _ ...func(*iam.Options)) (*iam.ListUserTagsOutput, error) {
	f.calls = append(f.calls, "ListUserTags "+aws.ToString(in.UserName))
	if f.err != nil {
		return nil, f.err
	}
	out := &iam.ListUserTagsOutput{}
	for k, v := range f.userTags[aws.ToString(in.UserName)] {
		out.Tags = append(out.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func (f *fakeIAM) ListRoleTags(_ context.Context, in *iam.ListRoleTagsInput, _ ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error) {
	f.calls = append(f.calls, "ListRoleTags "+aws.ToString(in.RoleName))
	out := &iam.ListRoleTagsOutput{}
	for k, v := range f.roleTags[aws.ToString(in.RoleName)] {
		out.Tags = append(out.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func (f *fakeIAM) GetAccessKeyLastUsed(_ context.Context, in *iam.GetAccessKeyLastUsedInput, _ ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	f.calls = append(f.calls, "GetAccessKeyLastUsed "+aws.ToString(in.AccessKeyId))
	u, ok := f.keyUsers[aws.ToString(in.AccessKeyId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "no such key", Fault: smithy.FaultClient}
	}
	return &iam.GetAccessKeyLastUsedOutput{UserName: aws.String(u)}, nil
}

type fakeEKS struct {
	resourcetag.EKSAPI
	names []string
}

func (f *fakeEKS) DescribeCluster(_ context.Context, in *eks.DescribeClusterInput, _ ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	f.names = append(f.names, aws.ToString(in.Name))
	return &eks.DescribeClusterOutput{Cluster: &ekstypes.Cluster{Name: in.Name, Tags: map[string]string{"pledge:tenant": "tenant-3"}}}, nil
}

type fakeRDS struct {
	resourcetag.RDSAPI
	arns []string
}

func (f *fakeRDS) ListTagsForResource(_ context.Context, in *rds.ListTagsForResourceInput, _ ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error) {
	f.arns = append(f.arns, aws.ToString(in.ResourceName))
	return &rds.ListTagsForResourceOutput{TagList: []rdstypes.Tag{{Key: aws.String("pledge:tenant"), Value: aws.String("tenant-2")}}}, nil
}

type fakeLambda struct {
	resourcetag.LambdaAPI
	arns []string
}

func (f *fakeLambda) ListTags(_ context.Context, in *lambda.ListTagsInput, _ ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	f.arns = append(f.arns, aws.ToString(in.Resource))
	return &lambda.ListTagsOutput{Tags: map[string]string{"pledge:tenant": "tenant-1"}}, nil
}

type fakeECS struct {
	resourcetag.ECSAPI
	arns []string
}

func (f *fakeECS) ListTagsForResource(_ context.Context, in *ecs.ListTagsForResourceInput, _ ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error) {
	f.arns = append(f.arns, aws.ToString(in.ResourceArn))
	return &ecs.ListTagsForResourceOutput{Tags: []ecstypes.Tag{{Key: aws.String("pledge:tenant"), Value: aws.String("tenant-10")}}}, nil
}

const account, region = "111122223333", "ap-northeast-1"

func newFinding(rs ...finding.Resource) *finding.Finding {
	return &finding.Finding{ID: "f", Account: account, Region: region, Resources: rs}
}

func tenantOf(r finding.Resource) string { return r.Tags["pledge:tenant"] }

func TestSession_EC2ResourcesShareOneCall(t *testing.T) {
	e := &fakeEC2{tags: map[string]map[string]string{
		"i-1":   {"pledge:tenant": "tenant-1", "Name": "web"},
		"vol-1": {"pledge:tenant": "tenant-1"},
	}}
	s := (&resourcetag.Lookup{EC2: e}).Start()
	f := newFinding(
		finding.Resource{Kind: finding.KindInstance, ID: "i-1", Tags: map[string]string{"Name": "from-finding"}},
		finding.Resource{Kind: finding.KindEBSVolume, ID: "vol-1"},
		finding.Resource{Kind: finding.KindSecurityGroup, ID: "sg-1"},
	)
	rep, err := s.Enrich(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 2 || !slices.Equal(e.calls[0], []string{"i-1", "vol-1", "sg-1"}) {
		t.Errorf("DescribeTags calls %v, want one call for the three ids (two pages)", e.calls)
	}
	if rep.Calls != 1 {
		t.Errorf("Report.Calls = %d, want 1", rep.Calls)
	}
	if got := f.Resources[0]; tenantOf(got) != "tenant-1" || got.Tags["Name"] != "from-finding" || !got.TagsLookedUp {
		t.Errorf("instance = %+v: want the tenant tag looked up, the finding's own Name kept", got)
	}
	if got := f.Resources[2]; got.Tags != nil || got.TagsLookedUp {
		t.Errorf("security group without tags = %+v, want untouched", got)
	}
	// The same resources again in this invocation: no new call.
	f2 := newFinding(finding.Resource{Kind: finding.KindInstance, ID: "i-1"})
	if _, err := s.Enrich(context.Background(), f2); err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 2 || tenantOf(f2.Resources[0]) != "tenant-1" {
		t.Errorf("second lookup made calls %v (want none, cached) and found %v", e.calls, f2.Resources[0].Tags)
	}
	// A new invocation asks again.
	if _, err := (&resourcetag.Lookup{EC2: e}).Start().Enrich(context.Background(), newFinding(finding.Resource{Kind: finding.KindInstance, ID: "i-1"})); err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 4 { // two pages again
		t.Errorf("a new session did not look up again: %d calls", len(e.calls))
	}
}

func TestSession_TaggedResourceIsNotLookedUp(t *testing.T) {
	e := &fakeEC2{}
	f := newFinding(finding.Resource{Kind: finding.KindInstance, ID: "i-1", Tags: map[string]string{"pledge:tenant": "tenant-2"}})
	if _, err := (&resourcetag.Lookup{EC2: e}).Start().Enrich(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 0 {
		t.Errorf("looked up a resource that carries the tenant tag: %v", e.calls)
	}
}

func TestSession_AccessKeyResolvesToItsUser(t *testing.T) {
	i := &fakeIAM{keyUsers: map[string]string{"AKIAEXAMPLE000000001": "deployer"}, userTags: map[string]map[string]string{"deployer": {"pledge:tenant": "tenant-2"}}}
	f := newFinding(finding.Resource{Kind: finding.KindAccessKey, ID: "AKIAEXAMPLE000000001"})
	rep, err := (&resourcetag.Lookup{IAM: i}).Start().Enrich(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GetAccessKeyLastUsed AKIAEXAMPLE000000001", "ListUserTags deployer"}; !slices.Equal(i.calls, want) {
		t.Errorf("calls %v, want %v", i.calls, want)
	}
	if len(f.Resources) != 2 || f.Resources[1].Kind != finding.KindIAMUser || f.Resources[1].ID != "deployer" || tenantOf(f.Resources[1]) != "tenant-2" {
		t.Errorf("resources %+v: want the key's user added with its tags", f.Resources)
	}
	if f.Resources[1].ARN != "arn:aws:iam::111122223333:user/deployer" || rep.Calls != 2 {
		t.Errorf("user ARN %q, calls %d", f.Resources[1].ARN, rep.Calls)
	}
	// The finding's own user name wins: no GetAccessKeyLastUsed.
	i.calls = nil
	g := newFinding(finding.Resource{Kind: finding.KindAccessKey, ID: "AKIAEXAMPLE000000001"}, finding.Resource{Kind: finding.KindIAMUser, ID: "deployer"})
	if _, err := (&resourcetag.Lookup{IAM: i}).Start().Enrich(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ListUserTags deployer"}; !slices.Equal(i.calls, want) {
		t.Errorf("with userName in the finding: calls %v, want %v", i.calls, want)
	}
	// A temporary key is a session's: nothing to ask IAM.
	i.calls = nil
	h := newFinding(finding.Resource{Kind: finding.KindAccessKey, ID: "ASIAEXAMPLE000000001"})
	if _, err := (&resourcetag.Lookup{IAM: i}).Start().Enrich(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if len(i.calls) != 0 || len(h.Resources) != 1 {
		t.Errorf("temporary key: calls %v, resources %v", i.calls, h.Resources)
	}
	// An unknown key: recorded, not an error.
	u := newFinding(finding.Resource{Kind: finding.KindAccessKey, ID: "AKIAEXAMPLE000000009"})
	rep, err = (&resourcetag.Lookup{IAM: i}).Start().Enrich(context.Background(), u)
	if err != nil || len(rep.Failed) != 1 || rep.Failed[0].Resource != "iam-access-key:AKIAEXAMPLE000000009" {
		t.Errorf("unknown key: err %v, report %+v", err, rep)
	}
}

func TestSession_EveryServiceGetsTheRightCall(t *testing.T) {
	eksC, rdsC, lam, ecsC, iamC := &fakeEKS{}, &fakeRDS{}, &fakeLambda{}, &fakeECS{}, &fakeIAM{roleTags: map[string]map[string]string{"app": {"pledge:tenant": "tenant-1"}}}
	l := &resourcetag.Lookup{EKS: eksC, RDS: rdsC, Lambda: lam, ECS: ecsC, IAM: iamC}
	f := newFinding(
		finding.Resource{Kind: finding.KindEKSCluster, ID: "tenant-3-cluster", ARN: "arn:aws:eks:ap-northeast-1:111122223333:cluster/tenant-3-cluster"},
		finding.Resource{Kind: finding.KindRDSInstance, ID: "db-1", ARN: "arn:aws:rds:ap-northeast-1:111122223333:db:db-1"},
		finding.Resource{Kind: finding.KindLambda, ID: "fn"},
		finding.Resource{Kind: finding.KindECSCluster, ID: "c", ARN: "arn:aws:ecs:ap-northeast-1:111122223333:cluster/c"},
		finding.Resource{Kind: finding.KindIAMRole, ID: "app"},
		finding.Resource{Kind: finding.KindS3Bucket, ID: "b", Bucket: "b"},
		finding.Resource{Kind: finding.KindContainer, ID: "abc"},
	)
	rep, err := l.Start().Enrich(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Resources {
		got = append(got, tenantOf(r))
	}
	if want := []string{"tenant-3", "tenant-2", "tenant-1", "tenant-10", "tenant-1", "", ""}; !slices.Equal(got, want) {
		t.Errorf("tenants found %v, want %v", got, want)
	}
	if !slices.Equal(eksC.names, []string{"tenant-3-cluster"}) || !slices.Equal(rdsC.arns, []string{"arn:aws:rds:ap-northeast-1:111122223333:db:db-1"}) ||
		!slices.Equal(lam.arns, []string{"arn:aws:lambda:ap-northeast-1:111122223333:function:fn"}) ||
		!slices.Equal(ecsC.arns, []string{"arn:aws:ecs:ap-northeast-1:111122223333:cluster/c"}) || !slices.Equal(iamC.calls, []string{"ListRoleTags app"}) {
		t.Errorf("calls: eks %v rds %v lambda %v ecs %v iam %v", eksC.names, rdsC.arns, lam.arns, ecsC.arns, iamC.calls)
	}
	if rep.Calls != 5 || len(rep.LookedUp) != 5 {
		t.Errorf("report %+v, want 5 calls and 5 resources looked up", rep)
	}
}

func TestSession_Failures(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized", Fault: smithy.FaultClient}
	throttled := &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "slow down", Fault: smithy.FaultClient}
	server := &smithy.GenericAPIError{Code: "InternalError", Message: "oops", Fault: smithy.FaultServer}
	for _, tt := range []struct {
		name      string
		err       error
		transient bool
	}{{"AccessDeniedIsRecorded", denied, false}, {"ThrottlingIsRetried", throttled, true}, {"ServerErrorIsRetried", server, true}, {"NetworkErrorIsRetried", errors.New("dial tcp: connection refused"), true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := &fakeEC2{err: tt.err}
			f := newFinding(finding.Resource{Kind: finding.KindInstance, ID: "i-1"})
			before := *f
			rep, err := (&resourcetag.Lookup{EC2: e}).Start().Enrich(context.Background(), f)
			if tt.transient {
				if !errors.Is(err, resourcetag.ErrTransient) {
					t.Fatalf("err = %v, want ErrTransient", err)
				}
				if !reflect.DeepEqual(*f, before) {
					t.Errorf("finding changed on a failed lookup")
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want it recorded in the report", err)
			}
			if len(rep.Failed) != 1 || rep.Failed[0].Resource != "ec2-instance:i-1" {
				t.Errorf("report %+v, want the instance's failure", rep)
			}
		})
	}
}

func TestSession_NoClientIsReported(t *testing.T) {
	f := newFinding(finding.Resource{Kind: finding.KindEKSCluster, ID: "c"}, finding.Resource{Kind: finding.KindS3Bucket, ID: "b"})
	rep, err := (&resourcetag.Lookup{}).Start().Enrich(context.Background(), f)
	if err != nil || !slices.Equal(rep.Skipped, []string{"eks-cluster:c"}) {
		t.Errorf("err %v, skipped %v; want the EKS cluster reported skipped, S3 not (never looked up)", err, rep.Skipped)
	}
}
