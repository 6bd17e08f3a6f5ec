package resourcetag

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pledge-dev/pledge/shared/finding"
)

// caller returns the call that reads r's tags, or nil when the kind is not
// looked up or its client is not configured.
func (s *Session) caller(f *finding.Finding, r *finding.Resource) func(context.Context) (map[string]string, error) {
	l := s.l
	switch {
	case isEC2(r.Kind) && l.EC2 != nil:
		// describeEC2 fills the cache; a resource it did not answer for
		// has no tags.
		return func(context.Context) (map[string]string, error) { return nil, nil }
	case r.Kind == finding.KindEKSCluster && l.EKS != nil:
		return func(ctx context.Context) (map[string]string, error) {
			out, err := l.EKS.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(lastSegment(firstNonEmpty(r.ID, r.ARN)))})
			if err != nil {
				return nil, err
			}
			if out.Cluster == nil {
				return nil, nil
			}
			return out.Cluster.Tags, nil
		}
	case isRDS(r.Kind) && l.RDS != nil && r.ARN != "":
		return func(ctx context.Context) (map[string]string, error) {
			out, err := l.RDS.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String(r.ARN)})
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			for _, t := range out.TagList {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			return m, nil
		}
	case r.Kind == finding.KindLambda && l.Lambda != nil:
		arn := r.ARN
		if arn == "" {
			arn = "arn:aws:lambda:" + f.Region + ":" + f.Account + ":function:" + r.ID
		}
		return func(ctx context.Context) (map[string]string, error) {
			out, err := l.Lambda.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(arn)})
			if err != nil {
				return nil, err
			}
			return out.Tags, nil
		}
	case (r.Kind == finding.KindECSCluster || r.Kind == finding.KindECSTask) && l.ECS != nil && r.ARN != "":
		return func(ctx context.Context) (map[string]string, error) {
			out, err := l.ECS.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(r.ARN)})
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			for _, t := range out.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			return m, nil
		}
	case r.Kind == finding.KindIAMUser && l.IAM != nil:
		return func(ctx context.Context) (map[string]string, error) {
			m := map[string]string{}
			p := iam.NewListUserTagsPaginator(l.IAM, &iam.ListUserTagsInput{UserName: aws.String(lastSegment(r.ID))})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, t := range page.Tags {
					m[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
			return m, nil
		}
	case r.Kind == finding.KindIAMRole && l.IAM != nil:
		return func(ctx context.Context) (map[string]string, error) {
			m := map[string]string{}
			p := iam.NewListRoleTagsPaginator(l.IAM, &iam.ListRoleTagsInput{RoleName: aws.String(lastSegment(r.ID))})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, t := range page.Tags {
					m[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
			return m, nil
		}
	}
	return nil
}

func isRDS(kind string) bool {
	switch kind {
	case finding.KindRDSInstance, finding.KindRDSCluster, finding.KindRDSSnapshot, finding.KindRDSClusterSn:
		return true
	}
	return false
}
