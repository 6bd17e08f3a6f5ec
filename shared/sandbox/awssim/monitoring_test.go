package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func TestGuardDuty_Detectors(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := guardduty.NewFromConfig(sdkConfig(url, 1))
	ids := func() []string {
		t.Helper()
		var out []string
		p := guardduty.NewListDetectorsPaginator(client, &guardduty.ListDetectorsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page.DetectorIds...)
		}
		return out
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("fresh region: detectors %v, want none", got)
	}
	if err := srv.GuardDuty().Seed(awssim.GuardDutySeed{Detectors: []awssim.GuardDutyDetector{{Status: "DISABLED"}}}); err != nil {
		t.Fatal(err)
	}
	got := ids()
	if len(got) != 1 || len(got[0]) != 32 {
		t.Fatalf("detectors = %v, want one 32-digit id", got)
	}
	d, err := client.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(got[0])})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != gdtypes.DetectorStatusDisabled || d.FindingPublishingFrequency != gdtypes.FindingPublishingFrequencySixHours || len(d.Features) == 0 || aws.ToString(d.CreatedAt) == "" {
		t.Errorf("detector = %+v", d)
	}
	t.Run("ErrUnknownDetector", func(t *testing.T) {
		_, err := client.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("0123456789abcdef0123456789abcdef")})
		var bad *gdtypes.BadRequestException
		if !errors.As(err, &bad) {
			t.Errorf("error = %v, want BadRequestException", err)
		}
	})
	t.Run("ErrAccessDenied", func(t *testing.T) {
		if err := srv.SetFault(awssim.Fault{Service: "guardduty", Operation: "GetDetector", Kind: awssim.FaultAccessDenied, Count: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := client.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(got[0])})
		if code := apiCode(err); code != "AccessDeniedException" {
			t.Errorf("error = %v, want AccessDeniedException", err)
		}
	})
	if err := postSeed(srv, "guardduty", `{"Detectors":[{"Status":"ENABLED","Features":[{"Name":"RDS_LOGIN_EVENTS","Status":"ENABLED"}]}]}`); err != nil {
		t.Fatal(err)
	}
	d, err = client.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(got[0])})
	if err != nil || d.Status != gdtypes.DetectorStatusEnabled || len(d.Features) != 1 || d.Features[0].Name != gdtypes.DetectorFeatureResultRdsLoginEvents {
		t.Errorf("reseeded detector = %+v, %v", d, err)
	}
	if err := srv.GuardDuty().Seed(awssim.GuardDutySeed{Detectors: make([]awssim.GuardDutyDetector, 2)}); err == nil {
		t.Errorf("two detectors in one region: no error")
	}
	if err := srv.GuardDuty().Seed(awssim.GuardDutySeed{Delete: true}); err != nil || len(ids()) != 0 {
		t.Errorf("Delete: %v, detectors %v", err, ids())
	}
}

func TestCloudTrail_TrailsAndShadowTrails(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := cloudtrail.NewFromConfig(sdkConfig(url, 1))
	err := srv.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{
		{Name: "org-audit", S3BucketName: "audit-logs", IsMultiRegionTrail: true, LogFileValidationEnabled: true,
			KmsKeyId: "arn:aws:kms:ap-northeast-1:000000000000:key/11111111-2222-3333-4444-555555555555"},
		{Name: "local-debug", S3BucketName: "debug-logs", Stopped: true},
		{Name: "us-global", S3BucketName: "us-logs", HomeRegion: "us-east-1", IsMultiRegionTrail: true},
		{Name: "us-only", S3BucketName: "us-logs", HomeRegion: "us-east-1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	names := func(in *cloudtrail.DescribeTrailsInput) map[string]cttypes.Trail {
		t.Helper()
		out, err := client.DescribeTrails(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]cttypes.Trail{}
		for _, tr := range out.TrailList {
			m[aws.ToString(tr.Name)] = tr
		}
		return m
	}
	all := names(&cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if len(all) != 3 || all["us-only"].Name != nil {
		t.Errorf("with shadows: %v, want org-audit, local-debug and the us-global shadow", all)
	}
	org := all["org-audit"]
	if !aws.ToBool(org.IsMultiRegionTrail) || !aws.ToBool(org.LogFileValidationEnabled) || aws.ToString(org.KmsKeyId) == "" ||
		aws.ToString(org.HomeRegion) != "ap-northeast-1" || aws.ToString(org.TrailARN) != "arn:aws:cloudtrail:ap-northeast-1:000000000000:trail/org-audit" {
		t.Errorf("org-audit = %+v", org)
	}
	if local := names(&cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)}); len(local) != 2 {
		t.Errorf("without shadows: %v", local)
	}

	status := func(name string) (bool, error) {
		out, err := client.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(name)})
		if err != nil {
			return false, err
		}
		return aws.ToBool(out.IsLogging), nil
	}
	if on, err := status("org-audit"); err != nil || !on {
		t.Errorf("org-audit logging = %v, %v", on, err)
	}
	if on, err := status("local-debug"); err != nil || on {
		t.Errorf("local-debug logging = %v, %v, want stopped", on, err)
	}
	if on, err := status(aws.ToString(all["us-global"].TrailARN)); err != nil || !on {
		t.Errorf("shadow trail by ARN: %v, %v", on, err)
	}
	_, err = status("us-global")
	var notFound *cttypes.TrailNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("shadow trail by name: %v, want TrailNotFoundException", err)
	}
	if err := srv.SetFault(awssim.Fault{Service: "cloudtrail", Operation: "DescribeTrails", Kind: awssim.FaultAccessDenied, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("denied DescribeTrails: %v", err)
	}
}

func TestLogs_DescribeLogGroupsPaginatesAndOmitsNeverExpire(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := cloudwatchlogs.NewFromConfig(sdkConfig(url, 1))
	var groups []awssim.LogGroup
	for i := range 120 {
		g := awssim.LogGroup{LogGroupName: fmt.Sprintf("/aws/lambda/fn-%03d", i), RetentionInDays: 180}
		if i%10 == 0 {
			g.RetentionInDays = 0 // never expire
		}
		groups = append(groups, g)
	}
	groups = append(groups, awssim.LogGroup{LogGroupName: "/pledge/evidence", RetentionInDays: 3653})
	if err := srv.Logs().Seed(awssim.LogsSeed{LogGroups: groups}); err != nil {
		t.Fatal(err)
	}
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(client, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	seen, never := map[string]bool{}, 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.LogGroups {
			name := aws.ToString(g.LogGroupName)
			if seen[name] {
				t.Errorf("%s listed twice", name)
			}
			seen[name] = true
			if g.RetentionInDays == nil {
				never++
			} else if aws.ToInt32(g.RetentionInDays) != 180 {
				t.Errorf("%s retention %d", name, aws.ToInt32(g.RetentionInDays))
			}
			if aws.ToString(g.LogGroupArn) != "arn:aws:logs:ap-northeast-1:000000000000:log-group:"+name || aws.ToString(g.Arn) != aws.ToString(g.LogGroupArn)+":*" {
				t.Errorf("%s arns %q %q", name, aws.ToString(g.LogGroupArn), aws.ToString(g.Arn))
			}
		}
	}
	if len(seen) != 120 || never != 12 || srv.Count("logs", "DescribeLogGroups") != 3 {
		t.Errorf("listed %d groups (%d never expire) in %d pages, want 120 (12) in 3", len(seen), never, srv.Count("logs", "DescribeLogGroups"))
	}
	for _, bad := range []*cloudwatchlogs.DescribeLogGroupsInput{
		{Limit: aws.Int32(51)},
		{LogGroupNamePrefix: aws.String("/a"), LogGroupNamePattern: aws.String("b")},
		{NextToken: aws.String("forged")},
	} {
		if _, err := client.DescribeLogGroups(ctx, bad); apiCode(err) != "InvalidParameterException" {
			t.Errorf("%+v: %v, want InvalidParameterException", bad, err)
		}
	}
	if err := srv.Logs().Seed(awssim.LogsSeed{LogGroups: []awssim.LogGroup{{LogGroupName: "x", RetentionInDays: 200}}}); err == nil {
		t.Errorf("retention 200 (not a CloudWatch value): no error")
	}
}

func TestLambda_ListFunctionsPaginates(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := lambda.NewFromConfig(sdkConfig(url, 1))
	var fns []awssim.LambdaFunction
	for i := range 75 {
		fns = append(fns, awssim.LambdaFunction{FunctionName: fmt.Sprintf("pledge-fn-%02d", i)})
	}
	fns = append(fns, awssim.LambdaFunction{FunctionName: "legacy", Runtime: "python3.9", Architectures: []string{"x86_64"}, Handler: "app.handler"})
	if err := srv.Lambda().Seed(awssim.LambdaSeed{Functions: fns}); err != nil {
		t.Fatal(err)
	}
	p := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{})
	got := map[string]string{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Functions {
			got[aws.ToString(f.FunctionName)] = string(f.Runtime) + "/" + string(f.Architectures[0])
			if aws.ToString(f.FunctionArn) != "arn:aws:lambda:ap-northeast-1:000000000000:function:"+aws.ToString(f.FunctionName) {
				t.Errorf("arn %q", aws.ToString(f.FunctionArn))
			}
		}
	}
	if len(got) != 76 || got["legacy"] != "python3.9/x86_64" || got["pledge-fn-00"] != "provided.al2023/arm64" {
		t.Errorf("functions = %d, legacy %q, fn-00 %q", len(got), got["legacy"], got["pledge-fn-00"])
	}
	if n := srv.Count("lambda", "ListFunctions"); n != 2 {
		t.Errorf("ListFunctions pages = %d, want 2 (50 a page)", n)
	}
	if err := srv.SetFault(awssim.Fault{Service: "lambda", Kind: awssim.FaultThrottle, Count: 2}); err != nil {
		t.Fatal(err)
	}
	retrying := lambda.NewFromConfig(sdkConfig(url, 3))
	if _, err := retrying.ListFunctions(ctx, &lambda.ListFunctionsInput{}); err != nil {
		t.Errorf("throttled twice then served, with 3 attempts: %v", err)
	}
}
