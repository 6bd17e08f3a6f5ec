package main

// This file holds the SDK operations the finding-notifier calls, as method values.
//
// Why not pass the SDK clients themselves: if anything in the binary calls
// reflect.Value.MethodByName (html/template did, until the HTML moved to
// templ), the linker keeps every exported method of every type that is ever
// converted to an interface, and of the types such a value refers to.
// Passing *ec2.Client to a consumer interface then linked all of EC2's ~600
// operations (14 MB). Method values hold no reference to the client's type,
// so only the operations listed here are linked, whatever else is linked.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pledge-dev/pledge/shared/resourcetag"
)

// dynamodbCalls holds the dynamodb operations the finding-notifier calls.
type dynamodbCalls struct {
	getItem    func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem    func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	query      func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

func newDynamodbCalls(c *dynamodb.Client) dynamodbCalls {
	return dynamodbCalls{getItem: c.GetItem, putItem: c.PutItem, updateItem: c.UpdateItem, query: c.Query}
}

func (c dynamodbCalls) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return c.getItem(ctx, in, o...)
}

func (c dynamodbCalls) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return c.putItem(ctx, in, o...)
}

func (c dynamodbCalls) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return c.updateItem(ctx, in, o...)
}

func (c dynamodbCalls) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return c.query(ctx, in, o...)
}

// sqsCalls holds the sqs operations the finding-notifier calls.
type sqsCalls struct {
	sendMessageBatch func(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

func newSqsCalls(c *sqs.Client) sqsCalls {
	return sqsCalls{sendMessageBatch: c.SendMessageBatch}
}

func (c sqsCalls) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return c.sendMessageBatch(ctx, in, o...)
}

// snsCalls holds the sns operations the finding-notifier calls.
type snsCalls struct {
	publish func(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

func newSnsCalls(c *sns.Client) snsCalls {
	return snsCalls{publish: c.Publish}
}

func (c snsCalls) Publish(ctx context.Context, in *sns.PublishInput, o ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return c.publish(ctx, in, o...)
}

// sesv2Calls holds the sesv2 operations the finding-notifier calls.
type sesv2Calls struct {
	sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

func newSesv2Calls(c *sesv2.Client) sesv2Calls {
	return sesv2Calls{sendEmail: c.SendEmail}
}

func (c sesv2Calls) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, o ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return c.sendEmail(ctx, in, o...)
}

// s3Calls holds the s3 operations the finding-notifier calls.
type s3Calls struct {
	putObject func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

func newS3Calls(c *s3.Client) s3Calls {
	return s3Calls{putObject: c.PutObject}
}

func (c s3Calls) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return c.putObject(ctx, in, o...)
}

// The read-only tag lookups (shared/resourcetag), one call per service.

type ec2Calls struct {
	describeTags func(context.Context, *ec2.DescribeTagsInput, ...func(*ec2.Options)) (*ec2.DescribeTagsOutput, error)
}

func (c ec2Calls) DescribeTags(ctx context.Context, in *ec2.DescribeTagsInput, o ...func(*ec2.Options)) (*ec2.DescribeTagsOutput, error) {
	return c.describeTags(ctx, in, o...)
}

type eksCalls struct {
	describeCluster func(context.Context, *eks.DescribeClusterInput, ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

func (c eksCalls) DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, o ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	return c.describeCluster(ctx, in, o...)
}

type rdsCalls struct {
	listTagsForResource func(context.Context, *rds.ListTagsForResourceInput, ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error)
}

func (c rdsCalls) ListTagsForResource(ctx context.Context, in *rds.ListTagsForResourceInput, o ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error) {
	return c.listTagsForResource(ctx, in, o...)
}

type lambdaCalls struct {
	listTags func(context.Context, *lambda.ListTagsInput, ...func(*lambda.Options)) (*lambda.ListTagsOutput, error)
}

func (c lambdaCalls) ListTags(ctx context.Context, in *lambda.ListTagsInput, o ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	return c.listTags(ctx, in, o...)
}

type ecsCalls struct {
	listTagsForResource func(context.Context, *ecs.ListTagsForResourceInput, ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error)
}

func (c ecsCalls) ListTagsForResource(ctx context.Context, in *ecs.ListTagsForResourceInput, o ...func(*ecs.Options)) (*ecs.ListTagsForResourceOutput, error) {
	return c.listTagsForResource(ctx, in, o...)
}

type iamCalls struct {
	listUserTags         func(context.Context, *iam.ListUserTagsInput, ...func(*iam.Options)) (*iam.ListUserTagsOutput, error)
	listRoleTags         func(context.Context, *iam.ListRoleTagsInput, ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error)
	getAccessKeyLastUsed func(context.Context, *iam.GetAccessKeyLastUsedInput, ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

func (c iamCalls) ListUserTags(ctx context.Context, in *iam.ListUserTagsInput, o ...func(*iam.Options)) (*iam.ListUserTagsOutput, error) {
	return c.listUserTags(ctx, in, o...)
}

func (c iamCalls) ListRoleTags(ctx context.Context, in *iam.ListRoleTagsInput, o ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error) {
	return c.listRoleTags(ctx, in, o...)
}

func (c iamCalls) GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, o ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	return c.getAccessKeyLastUsed(ctx, in, o...)
}

// newTagLookup builds the lookup from one SDK configuration.
func newTagLookup(cfg aws.Config) *resourcetag.Lookup {
	e, k, r, l, s, i := ec2.NewFromConfig(cfg), eks.NewFromConfig(cfg), rds.NewFromConfig(cfg), lambda.NewFromConfig(cfg), ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	return &resourcetag.Lookup{
		EC2:    ec2Calls{describeTags: e.DescribeTags},
		EKS:    eksCalls{describeCluster: k.DescribeCluster},
		RDS:    rdsCalls{listTagsForResource: r.ListTagsForResource},
		Lambda: lambdaCalls{listTags: l.ListTags},
		ECS:    ecsCalls{listTagsForResource: s.ListTagsForResource},
		IAM:    iamCalls{listUserTags: i.ListUserTags, listRoleTags: i.ListRoleTags, getAccessKeyLastUsed: i.GetAccessKeyLastUsed},
	}
}
