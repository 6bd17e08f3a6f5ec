package awssim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// TestServer_VerifierEndpointVariables reaches the verifier's services the
// way its binary does: the SDK's default configuration with
// AWS_ENDPOINT_URL_<SERVICE>.
func TestServer_VerifierEndpointVariables(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	for _, v := range []string{"EC2", "SSM", "GUARDDUTY", "CLOUDTRAIL", "ELASTIC_LOAD_BALANCING_V2", "CLOUDWATCH_LOGS", "LAMBDA"} {
		t.Setenv("AWS_ENDPOINT_URL_"+v, url)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "ap-northeast-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = awssim.HTTPClient(cfg.HTTPClient)
	calls := []func() error{
		func() error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		},
		func() error {
			_, err := ssm.NewFromConfig(cfg).DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{})
			return err
		},
		func() error {
			_, err := guardduty.NewFromConfig(cfg).ListDetectors(ctx, &guardduty.ListDetectorsInput{})
			return err
		},
		func() error {
			_, err := cloudtrail.NewFromConfig(cfg).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
			return err
		},
		func() error {
			_, err := elbv2.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
			return err
		},
		func() error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		},
		func() error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		},
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	counts := srv.Counts()
	for _, k := range []string{"ec2:DescribeInstances", "ssm:DescribeInstanceInformation", "guardduty:ListDetectors", "cloudtrail:DescribeTrails",
		"elasticloadbalancing:DescribeLoadBalancers", "logs:DescribeLogGroups", "lambda:ListFunctions"} {
		if counts[k] != 1 {
			t.Errorf("counts = %v, want one %s", counts, k)
		}
	}
}

// TestServer_VerifierServicesStateEndpoints reads every new service's state
// through GET /_sim/state/<service>.
func TestServer_VerifierServicesStateEndpoints(t *testing.T) {
	srv := awssim.New(awssim.Options{})
	if err := postSeed(srv, "ec2", `{"Instances":[{"InstanceId":"i-0123456789abcdef0","Tags":[{"Key":"Name","Value":"web"}]}]}`); err != nil {
		t.Fatal(err)
	}
	if err := postSeed(srv, "ec2", `{"Instances":[{"InstanceIdentifier":"i-0123456789abcdef0"}]}`); err == nil {
		t.Errorf("a misspelt seed field was accepted")
	}
	for svc, want := range map[string]string{
		"ec2": `"InstanceId": "i-0123456789abcdef0"`, "ssm": `"Instances": null`, "guardduty": `"Detectors": null`,
		"cloudtrail": `"Trails": null`, "elasticloadbalancing": `"LoadBalancers": null`, "logs": `"LogGroups": null`, "lambda": `"Functions": null`,
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/_sim/state/"+svc, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("state of %s: %d %s, want it to contain %s", svc, rec.Code, rec.Body.String(), want)
		}
	}
}

// FuzzServer_VerifierServices sends arbitrary requests to the verifier's
// services: every one must get a well-formed AWS answer, never a panic or
// a hang.
func FuzzServer_VerifierServices(f *testing.F) {
	seeds := []struct{ service, target, method, path, body string }{
		{"ec2", "", "POST", "/", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag:a&Filter.1.Value.1=*x?&MaxResults=5&NextToken=zz"},
		{"ec2", "", "POST", "/", "Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0"},
		{"ec2", "", "POST", "/", "Action=GetEbsDefaultKmsKeyId"},
		{"ssm", "AmazonSSM.SendCommand", "POST", "/", `{"DocumentName":"AWS-RunShellScript","InstanceIds":["i-0123456789abcdef0"],"Parameters":{"commands":["chronyc -c tracking"]}}`},
		{"ssm", "AmazonSSM.ListCommandInvocations", "POST", "/", `{"CommandId":"00000000-0000-0000-0000-000000000000","Details":true,"MaxResults":0}`},
		{"ssm", "AmazonSSM.DescribeInstanceInformation", "POST", "/", `{"Filters":[{"Key":"InstanceIds","Values":[]}],"NextToken":"x"}`},
		{"ssm", "AmazonSSM.GetCommandInvocation", "POST", "/", `{"CommandId":"x","InstanceId":"i-1"}`},
		{"cloudtrail", "CloudTrail_20131101.GetTrailStatus", "POST", "/", `{"Name":"arn:aws:cloudtrail:us-east-1:0:trail/x"}`},
		{"cloudtrail", "CloudTrail_20131101.DescribeTrails", "POST", "/", `{"trailNameList":["a"],"includeShadowTrails":false}`},
		{"logs", "Logs_20140328.DescribeLogGroups", "POST", "/", `{"limit":50,"nextToken":"","logGroupNamePrefix":"/"}`},
		{"guardduty", "", "GET", "/detector?maxResults=0", ""},
		{"guardduty", "", "GET", "/detector/%zz", ""},
		{"lambda", "", "GET", "/2015-03-31/functions/?MaxItems=10001&Marker=x", ""},
		{"elasticloadbalancing", "", "POST", "/", "Action=DescribeSSLPolicies&Names.member.1=x&PageSize=0"},
		{"elasticloadbalancing", "", "POST", "/", "Action=DescribeListeners&LoadBalancerArn=arn&Marker=%00"},
		{"rds", "", "POST", "/", "Action=DescribeDBParameters&DBParameterGroupName=default.postgres16&Source=user&MaxRecords=20&Marker=x"},
		{"rds", "", "POST", "/", "Action=DescribeDBClusterParameters&DBClusterParameterGroupName=default."},
	}
	for _, s := range seeds {
		f.Add(s.service, s.target, s.method, s.path, s.body)
	}
	f.Fuzz(func(t *testing.T, service, target, method, path, body string) {
		if method != "GET" && method != "POST" {
			method = "POST"
		}
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "/_sim") || strings.ContainsAny(path, " \t\r\n#") {
			path = "/"
		}
		srv := awssim.New(awssim.Options{})
		if err := srv.SSM().Seed(awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{{InstanceId: "i-0123456789abcdef0"}}}); err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
		if err != nil { // not a request a client could send
			req = httptest.NewRequest(method, "/", strings.NewReader(body))
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261120/ap-northeast-1/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code >= 600 || rec.Code == http.StatusOK && rec.Body.Len() == 0 {
			t.Errorf("status %d body %q", rec.Code, rec.Body.String())
		}
	})
}
