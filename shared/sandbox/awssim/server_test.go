package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func post(t *testing.T, url, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServer_RejectsRequestWithoutCredentials(t *testing.T) {
	_, url := start(t, awssim.Options{})
	for _, tc := range []struct {
		name   string
		target string
		want   string
		status int
	}{
		{"query", "", "<Code>MissingAuthenticationToken</Code>", 403},
		{"json", "TrentService.ListKeys", `"__type":"MissingAuthenticationToken"`, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", url+"/", strings.NewReader("Action=DescribeDBSnapshots&Version=2014-10-31"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Errorf("status %d body %s, want %d with %s", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}

func TestServer_UnknownOperation(t *testing.T) {
	_, url := start(t, awssim.Options{})
	ctx := context.Background()
	// ModifyDBInstance is a real RDS operation the simulator does not implement.
	_, err := rds.NewFromConfig(sdkConfig(url, 1)).ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("x")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidAction" {
		t.Errorf("err = %v, want InvalidAction", err)
	}
	_, err = kms.NewFromConfig(sdkConfig(url, 1)).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("x"), Plaintext: []byte("p")})
	if !errors.As(err, &api) || api.ErrorCode() != "UnknownOperationException" {
		t.Errorf("err = %v, want UnknownOperationException", err)
	}
}

func TestServer_ThrottlingIsRetriedAndCounted(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	if err := srv.SetFault(awssim.Fault{Service: "rds", Operation: "DescribeDBSnapshots", Kind: awssim.FaultThrottle, Count: 2}); err != nil {
		t.Fatal(err)
	}
	client := rds.NewFromConfig(sdkConfig(url, 3))
	if _, err := client.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{}); err != nil {
		t.Fatalf("after two throttles the third try should succeed: %v", err)
	}
	if got := srv.Count("rds", "DescribeDBSnapshots"); got != 3 {
		t.Errorf("requests = %d, want 2 throttled + 1 served", got)
	}
	if f := srv.Faults(); len(f) != 0 {
		t.Errorf("faults left = %+v, want the used-up fault gone", f)
	}

	// Without retries the SDK surfaces the real code.
	if err := srv.SetFault(awssim.Fault{Service: "rds", Kind: awssim.FaultThrottle}); err != nil {
		t.Fatal(err)
	}
	_, err := rds.NewFromConfig(sdkConfig(url, 1)).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "Throttling" {
		t.Errorf("err = %v, want Throttling", err)
	}
	srv.ClearFaults()
	if _, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestServer_FaultKinds(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		kind        awssim.FaultKind
		rdsCode     string
		kmsCode     string
		retriedByV2 bool
	}{
		{awssim.FaultThrottle, "Throttling", "ThrottlingException", true},
		{awssim.FaultError5xx, "InternalFailure", "InternalFailure", true},
		{awssim.FaultUnavailable, "ServiceUnavailable", "ServiceUnavailable", true},
		{awssim.FaultAccessDenied, "AccessDenied", "AccessDeniedException", false},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv, url := start(t, awssim.Options{})
			for _, svc := range []string{"rds", "kms"} {
				if err := srv.SetFault(awssim.Fault{Service: svc, Kind: tc.kind}); err != nil {
					t.Fatal(err)
				}
			}
			var api smithy.APIError
			_, err := rds.NewFromConfig(sdkConfig(url, 2)).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{})
			if !errors.As(err, &api) || api.ErrorCode() != tc.rdsCode {
				t.Errorf("rds err = %v, want %s", err, tc.rdsCode)
			}
			_, err = kms.NewFromConfig(sdkConfig(url, 2)).ListKeys(ctx, &kms.ListKeysInput{})
			if !errors.As(err, &api) || api.ErrorCode() != tc.kmsCode {
				t.Errorf("kms err = %v, want %s", err, tc.kmsCode)
			}
			wantTries := 1
			if tc.retriedByV2 {
				wantTries = 2
			}
			if got := srv.Count("rds", "DescribeDBSnapshots"); got != wantTries {
				t.Errorf("rds tries = %d, want %d", got, wantTries)
			}
		})
	}
}

func TestServer_LatencyFault(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	if err := srv.SetFault(awssim.Fault{Service: "sts", Kind: awssim.FaultLatency, Latency: 150 * time.Millisecond, Count: 1}); err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(sdkConfig(url, 1))
	began := time.Now()
	if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Errorf("delayed call took %s, want at least the injected 150ms", d)
	}
	if len(srv.Faults()) != 0 {
		t.Error("a count-1 latency fault should be used up")
	}
}

func TestServer_SetFaultRejectsBadFaults(t *testing.T) {
	srv := awssim.New(awssim.Options{})
	for _, tc := range []struct {
		f    awssim.Fault
		want string
	}{
		{awssim.Fault{Kind: awssim.FaultThrottle}, "service is required"},
		{awssim.Fault{Service: "dynamodb", Kind: awssim.FaultThrottle}, "unknown service"},
		{awssim.Fault{Service: "rds", Kind: "explode"}, "unknown kind"},
		{awssim.Fault{Service: "rds", Kind: awssim.FaultLatency}, "positive latency"},
		{awssim.Fault{Service: "rds", Kind: awssim.FaultThrottle, Count: -1}, "negative"},
	} {
		if err := srv.SetFault(tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetFault(%+v) = %v, want an error mentioning %q", tc.f, err, tc.want)
		}
	}
}

func TestServer_ControlEndpoints(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})

	status, body := post(t, url+"/_sim/seed/rds", "application/json",
		`{"Instances":[{"DBInstanceIdentifier":"orders","StorageEncrypted":true}],"Snapshots":[{"DBSnapshotIdentifier":"s1","DBInstanceIdentifier":"orders","SnapshotCreateTime":"2026-11-01T00:00:00Z"}]}`)
	if status != 200 {
		t.Fatalf("seed: %d %s", status, body)
	}
	if status, body := post(t, url+"/_sim/seed/rds", "application/json", `{"Instances":[{"DBInstanceIdentifer":"typo"}]}`); status != 400 || !strings.Contains(body, "DBInstanceIdentifer") {
		t.Errorf("misspelt seed field: %d %s, want 400 naming the field", status, body)
	}
	if status, _ := post(t, url+"/_sim/seed/dynamodb", "application/json", `{}`); status != 404 {
		t.Errorf("seed unknown service: %d, want 404", status)
	}

	client := rds.NewFromConfig(sdkConfig(url, 5))
	status, body = post(t, url+"/_sim/faults", "application/json", `{"service":"rds","operation":"DeleteDBSnapshot","kind":"throttle","count":1}`)
	if status != 200 {
		t.Fatalf("set fault: %d %s", status, body)
	}
	if status, body := post(t, url+"/_sim/faults", "application/json", `{"service":"rds","kind":"latency","latency":"soon"}`); status != 400 || !strings.Contains(body, "duration") {
		t.Errorf("bad latency: %d %s", status, body)
	}
	if _, err := client.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}

	_, body = get(t, url+"/_sim/counts")
	var counts map[string]int
	if err := json.Unmarshal([]byte(body), &counts); err != nil {
		t.Fatal(err)
	}
	if counts["rds:DeleteDBSnapshot"] != 2 {
		t.Errorf("counts = %v, want rds:DeleteDBSnapshot 2 (throttled + retried)", counts)
	}

	_, body = get(t, url+"/_sim/state/rds")
	var st awssim.RDSState
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Instances) != 1 || !st.Instances[0].StorageEncrypted || len(st.Snapshots) != 0 {
		t.Errorf("state = %+v, want the seeded instance and no snapshots", st)
	}

	if status, _ := post(t, url+"/_sim/counts/reset", "application/json", ""); status != 200 || len(srv.Counts()) != 0 {
		t.Errorf("reset counts: %d %v", status, srv.Counts())
	}

	status, body = post(t, url+"/_sim/clock", "application/json", `{"now":"2030-01-02T03:04:05Z"}`)
	if status != 200 || !strings.HasPrefix(srv.Now().UTC().Format(time.RFC3339), "2030-01-02T03:04") {
		t.Errorf("set clock: %d %s, now %v", status, body, srv.Now())
	}
	req, _ := http.NewRequest("DELETE", url+"/_sim/clock", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset clock: %v", err)
	}
	if srv.Now().Year() == 2030 {
		t.Error("DELETE /_sim/clock should return to the real clock")
	}

	if status, body := get(t, url+"/_sim/health"); status != 200 || !strings.Contains(body, `"rds"`) {
		t.Errorf("health: %d %s", status, body)
	}
	if status, _ := get(t, url+"/_sim/nothing"); status != 404 {
		t.Errorf("unknown control endpoint: %d, want 404", status)
	}
}

func TestServer_Listen(t *testing.T) {
	srv := awssim.New(awssim.Options{AccountID: "123456789012"})
	url, stop, err := srv.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("url = %s, want loopback", url)
	}
	t.Setenv("AWS_ENDPOINT_URL_STS", url)
	out, err := sts.NewFromConfig(sdkConfig(url, 1)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/sandbox" || len(aws.ToString(out.UserId)) != 21 {
		t.Errorf("identity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
	stop()
	if _, err := http.Get(url + "/_sim/health"); err == nil {
		t.Error("server still answers after stop")
	}
}

// TestServer_RegisterRESTService proves a restJson1 service can be added by
// registering routes: path parameters, status codes and errors.
func TestServer_RegisterRESTService(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	srv.Register(&awssim.Service{
		Name:     "example",
		Protocol: awssim.ProtocolRESTJSON,
		Routes: map[string]awssim.Route{
			"GET /detector/{detectorId}": {Operation: "GetDetector", Handler: func(c *awssim.Call) (any, error) {
				if c.Request.PathValue("detectorId") != "d1" {
					return nil, awssim.NewError(400, "BadRequestException", "The request is rejected because the input detectorId is not owned by the current account.")
				}
				return map[string]string{"status": "ENABLED"}, nil
			}},
			"POST /detector": {Operation: "CreateDetector", Handler: func(c *awssim.Call) (any, error) {
				return awssim.RESTResult{Status: 200, Body: map[string]string{"detectorId": "d2"}}, nil
			}},
		},
	})
	call := func(method, path string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, url+path, nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261120/ap-northeast-1/example/aws4_request, SignedHeaders=host, Signature=x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if status, _, body := call("GET", "/detector/d1"); status != 200 || body != `{"status":"ENABLED"}` {
		t.Errorf("GET d1: %d %s", status, body)
	}
	if status, h, body := call("GET", "/detector/nope"); status != 400 || h.Get("X-Amzn-ErrorType") != "BadRequestException" || !strings.Contains(body, "not owned") {
		t.Errorf("GET nope: %d %v %s", status, h, body)
	}
	if status, _, _ := call("DELETE", "/detector/d1"); status != 404 {
		t.Errorf("unrouted: %d, want 404", status)
	}
	if srv.Count("example", "GetDetector") != 2 {
		t.Errorf("counts = %v", srv.Counts())
	}
}

// TestBufferingTransport_NoClosedConnections repeats a call that, without
// the transport, fails about once in fifty tries with "use of closed network
// connection" against this fast local server.
func TestBufferingTransport_NoClosedConnections(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	if err := srv.RDS().Seed(rdsSeed()); err != nil {
		t.Fatal(err)
	}
	client := rds.NewFromConfig(sdkConfig(url, 1))
	for i := range 300 {
		if _, err := client.DescribeDBSnapshots(context.Background(), &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("orders")}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}
