package resourcetag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pledge-dev/pledge/shared/finding"
)

// EC2API is the EC2 call the lookup makes.
type EC2API interface {
	DescribeTags(ctx context.Context, in *ec2.DescribeTagsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeTagsOutput, error)
}

// EKSAPI is the EKS call the lookup makes.
type EKSAPI interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

// RDSAPI is the RDS call the lookup makes.
type RDSAPI interface {
	ListTagsForResource(ctx context.Context, in *rds.ListTagsForResourceInput, optFns ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error)
}

// LambdaAPI is the Lambda call the lookup makes.
type LambdaAPI interface {
	ListTags(ctx context.Context, in *lambda.ListTagsInput, optFns ...func(*lambda.Options)) (*lambda.ListTagsOutput, error)
}

// ECSAPI is the ECS call the lookup makes.
type ECSAPI interface {
	ListTagsForResource(ctx context.Context, in *ecs.ListTagsForResourceInput, optFns ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error)
}

// IAMAPI is the IAM calls the lookup makes.
type IAMAPI interface {
	ListUserTags(ctx context.Context, in *iam.ListUserTagsInput, optFns ...func(*iam.Options)) (*iam.ListUserTagsOutput, error)
	ListRoleTags(ctx context.Context, in *iam.ListRoleTagsInput, optFns ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, optFns ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

// Lookup holds the clients. A nil client turns its kinds off.
type Lookup struct {
	EC2    EC2API
	EKS    EKSAPI
	RDS    RDSAPI
	Lambda LambdaAPI
	ECS    ECSAPI
	IAM    IAMAPI
	// TagKey is the tenant tag key; resources that carry it are not looked
	// up. Empty means finding.DefaultTenantTag.
	TagKey string
}

// Session is one invocation's lookups: every answer is cached in it.
type Session struct {
	l     *Lookup
	cache map[string]answer
}

type answer struct {
	tags map[string]string
	// user is the IAM user an access key belongs to.
	user string
	err  error
}

// Start begins an invocation's lookups with an empty cache.
func (l *Lookup) Start() *Session {
	return &Session{l: l, cache: map[string]answer{}}
}

// Report says what a lookup did, for the ops message and logs.
type Report struct {
	// LookedUp are the resources whose tags were read ("kind:id").
	LookedUp []string `json:"lookedUp,omitempty"`
	// Failed are the resources whose tags could not be read, with why.
	Failed []Failure `json:"failed,omitempty"`
	// Skipped are resources of a kind with no client configured.
	Skipped []string `json:"skipped,omitempty"`
	// Calls is how many AWS calls this finding cost (cache misses).
	Calls int `json:"calls"`
}

// Failure is one resource whose tags could not be read.
type Failure struct {
	Resource string `json:"resource"`
	Error    string `json:"error"`
}

// ErrTransient is wrapped by errors that a retry of the event may cure.
var ErrTransient = errors.New("tag lookup failed for a reason a retry may cure")

func (s *Session) tagKey() string {
	if s.l.TagKey == "" {
		return finding.DefaultTenantTag
	}
	return s.l.TagKey
}

// Enrich looks up the tags of f's resources that lack the tenant tag and
// merges them in. It returns an error wrapping ErrTransient when a call
// failed for a reason a retry may cure; f is then left unchanged.
func (s *Session) Enrich(ctx context.Context, f *finding.Finding) (Report, error) {
	var rep Report
	out := make([]finding.Resource, len(f.Resources))
	copy(out, f.Resources)
	key := s.tagKey()
	// EC2 resources of the finding share one DescribeTags call.
	var ec2IDs []string
	for _, r := range out {
		if r.Tags[key] == "" && isEC2(r.Kind) && s.l.EC2 != nil && !s.cached(r) {
			ec2IDs = append(ec2IDs, r.ID)
		}
	}
	if len(ec2IDs) > 0 {
		rep.Calls++
		if err := s.describeEC2(ctx, ec2IDs); err != nil {
			return Report{}, err
		}
	}
	var added []finding.Resource
	for i := range out {
		r := &out[i]
		if r.Tags[key] != "" {
			continue
		}
		if r.Kind == finding.KindAccessKey {
			u, err := s.userOfKey(ctx, f, r.ID, &rep)
			if err != nil {
				return Report{}, err
			}
			if u != nil {
				added = append(added, *u)
			}
			continue
		}
		if err := s.enrichOne(ctx, f, r, &rep); err != nil {
			return Report{}, err
		}
	}
	for _, u := range added {
		if !slices.ContainsFunc(out, func(r finding.Resource) bool { return r.Kind == u.Kind && r.ID == u.ID }) {
			if err := s.enrichOne(ctx, f, &u, &rep); err != nil {
				return Report{}, err
			}
			out = append(out, u)
		}
	}
	f.Resources = out
	return rep, nil
}

func (s *Session) cached(r finding.Resource) bool {
	_, ok := s.cache[r.Kind+":"+r.ID]
	return ok
}

// ec2Kinds are the kinds whose tags ec2:DescribeTags returns.
var ec2Kinds = []string{
	finding.KindInstance, finding.KindEBSVolume, finding.KindSecurityGroup, finding.KindEBSSnapshot, finding.KindImage,
	finding.KindVPC, finding.KindNetworkACL, finding.KindRouteTable, finding.KindInternetGateway,
}

func isEC2(kind string) bool { return slices.Contains(ec2Kinds, kind) }

// enrichOne reads one resource's tags (from the cache when it can) and
// merges them in.
func (s *Session) enrichOne(ctx context.Context, f *finding.Finding, r *finding.Resource, rep *Report) error {
	name := r.Kind + ":" + r.ID
	a, ok := s.cache[name]
	if !ok {
		call := s.caller(f, r)
		if call == nil {
			if lookupKind(r.Kind) {
				rep.Skipped = append(rep.Skipped, name)
			}
			return nil
		}
		rep.Calls++
		tags, err := call(ctx)
		if err != nil && !permanent(err) {
			return fmt.Errorf("look up tags of %s: %w: %w", name, ErrTransient, err)
		}
		a = answer{tags: tags, err: err}
		s.cache[name] = a
	}
	if a.err != nil {
		rep.Failed = append(rep.Failed, Failure{Resource: name, Error: a.err.Error()})
		return nil
	}
	rep.LookedUp = append(rep.LookedUp, name)
	if len(a.tags) == 0 {
		return nil
	}
	merged := make(map[string]string, len(a.tags)+len(r.Tags))
	for k, v := range a.tags {
		merged[k] = v
	}
	for k, v := range r.Tags {
		merged[k] = v
	}
	r.Tags, r.TagsLookedUp = merged, true
	return nil
}

// lookupKind reports whether kind is one this package looks up when its
// client is configured.
func lookupKind(kind string) bool {
	if isEC2(kind) {
		return true
	}
	switch kind {
	case finding.KindEKSCluster,
		finding.KindRDSInstance, finding.KindRDSCluster, finding.KindRDSSnapshot, finding.KindRDSClusterSn,
		finding.KindLambda, finding.KindECSCluster, finding.KindECSTask, finding.KindIAMUser, finding.KindIAMRole:
		return true
	}
	return false
}

// describeEC2 reads the tags of EC2 resources with one paginated
// DescribeTags call and caches an answer for each id asked.
func (s *Session) describeEC2(ctx context.Context, ids []string) error {
	found := map[string]map[string]string{}
	p := ec2.NewDescribeTagsPaginator(s.l.EC2, &ec2.DescribeTagsInput{
		Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: ids}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if permanent(err) {
				for _, id := range ids {
					for _, k := range ec2Kinds {
						s.cache[k+":"+id] = answer{err: err}
					}
				}
				return nil
			}
			return fmt.Errorf("look up tags of %s: %w: %w", strings.Join(ids, ", "), ErrTransient, err)
		}
		for _, t := range page.Tags {
			id := aws.ToString(t.ResourceId)
			if found[id] == nil {
				found[id] = map[string]string{}
			}
			found[id][aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	for _, id := range ids {
		for _, k := range ec2Kinds {
			s.cache[k+":"+id] = answer{tags: found[id]}
		}
	}
	return nil
}

// userOfKey returns the IAM user an access key belongs to, as a resource:
// nil when the finding already names the key's principal, when the key is
// temporary (ASIA: a session's, whose role the finding names), or when IAM
// does not say.
func (s *Session) userOfKey(ctx context.Context, f *finding.Finding, keyID string, rep *Report) (*finding.Resource, error) {
	for _, r := range f.Resources {
		if r.Kind == finding.KindIAMUser || r.Kind == finding.KindIAMRole || r.Kind == finding.KindAccount {
			return nil, nil
		}
	}
	if !strings.HasPrefix(keyID, "AKIA") || s.l.IAM == nil {
		return nil, nil
	}
	name := finding.KindAccessKey + ":" + keyID
	a, ok := s.cache[name]
	if !ok {
		rep.Calls++
		out, err := s.l.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keyID)})
		if err != nil && !permanent(err) {
			return nil, fmt.Errorf("find the user of access key %s: %w: %w", keyID, ErrTransient, err)
		}
		a = answer{err: err}
		if err == nil {
			a.user = aws.ToString(out.UserName)
		}
		s.cache[name] = a
	}
	if a.err != nil {
		rep.Failed = append(rep.Failed, Failure{Resource: name, Error: a.err.Error()})
		return nil, nil
	}
	if a.user == "" {
		return nil, nil
	}
	return &finding.Resource{Kind: finding.KindIAMUser, ID: a.user, ARN: "arn:aws:iam::" + f.Account + ":user/" + a.user}, nil
}

// permanent reports whether err is AWS refusing in a way a retry cannot
// change: a client fault that is not throttling (access denied, not found,
// a malformed identifier).
func permanent(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "LimitExceededException", "RequestThrottled":
		return false
	}
	if ae.ErrorFault() == smithy.FaultClient {
		return true
	}
	// Unmodelled errors carry no fault: a 4xx status other than 429 is
	// the client's.
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		if code := re.HTTPStatusCode(); code >= 400 && code < 500 && code != 429 {
			return true
		}
	}
	// Some services send no fault: judge by the code.
	c := ae.ErrorCode()
	return strings.Contains(c, "NotFound") || strings.Contains(c, "AccessDenied") || strings.HasPrefix(c, "Invalid") ||
		c == "NoSuchEntity" || c == "UnauthorizedOperation" || c == "ValidationError"
}

func lastSegment(s string) string {
	if i := strings.LastIndexAny(s, "/:"); i >= 0 && i < len(s)-1 {
		return s[i+1:]
	}
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
