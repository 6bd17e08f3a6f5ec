package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/pledge-dev/pledge/shared/config"
)

// LogsAPI is the part of the CloudWatch Logs client the retention check
// calls: DescribeLogGroups (paginated).
type LogsAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
}

// LambdaAPI is the part of the Lambda client the managed-clock check calls:
// ListFunctions (paginated).
type LambdaAPI interface {
	lambda.ListFunctionsAPIClient
}

// logGroups judges the retention of every log group in the region, each
// against its class's promise (LogClasses) or LogRetentionDays.
func (r *run) logGroups(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("logs", "")
	if r.a.Logs == nil {
		r.add(r.errored(LogsRetention, scope, missingClient("CloudWatch Logs")))
		return
	}
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(r.a.Logs, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		var page *cloudwatchlogs.DescribeLogGroupsOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			r.add(r.errored(LogsRetention, scope, fmt.Errorf("logs:DescribeLogGroups: %w", err)))
			return
		}
		for _, g := range page.LogGroups {
			arn := aws.ToString(g.LogGroupArn)
			if arn == "" {
				arn = strings.TrimSuffix(aws.ToString(g.Arn), ":*")
			}
			name := aws.ToString(g.LogGroupName)
			days, class := r.req.LogRetentionDays, ""
			if c, ok := (config.Verification{LogClasses: r.req.LogClasses}).LogClassOf(name); ok {
				days, class = c.MinDays, c.Name
			}
			r.add(LogRetention(LogGroup{Name: name, ARN: arn, RetentionDays: int(aws.ToInt32(g.RetentionInDays))}, days, class, r.now))
		}
	}
}

// functions reports every Lambda function in the region as a managed
// clock.
func (r *run) functions(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("lambda", "")
	if r.a.Lambda == nil {
		r.add(r.errored(TimeSyncManaged, scope, missingClient("Lambda")))
		return
	}
	p := lambda.NewListFunctionsPaginator(r.a.Lambda, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		var page *lambda.ListFunctionsOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			r.add(r.errored(TimeSyncManaged, scope, fmt.Errorf("lambda:ListFunctions: %w", err)))
			return
		}
		for _, f := range page.Functions {
			r.add(ManagedClock(Lambda, aws.ToString(f.FunctionArn), r.now))
		}
	}
}
