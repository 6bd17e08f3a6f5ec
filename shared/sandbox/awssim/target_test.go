package awssim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

// TestServer_JSONTargetSplitsAtLastDot proves the X-Amz-Target of awsJson
// services is split at its last dot: CloudTrail's namespaced prefix
// ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"), which AWS
// accepts as well as the SDK's short one, reaches the same operation, and
// targets that name no operation of the service are refused.
func TestServer_JSONTargetSplitsAtLastDot(t *testing.T) {
	srv, url := start(t, awssim.Options{})
	if err := srv.CloudTrail().Seed(awssim.CloudTrailSeed{Trails: []awssim.CloudTrailTrail{{Name: "org-audit", S3BucketName: "audit", IsMultiRegionTrail: true}}}); err != nil {
		t.Fatal(err)
	}
	call := func(t *testing.T, service, target, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/"+time.Now().UTC().Format("20060102")+"/ap-northeast-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, service, target string
		status                int
		want                  string // a fragment of the body
		count                 string // the counter that must go up
	}{
		{"Short", "cloudtrail", "CloudTrail_20131101.DescribeTrails", 200, `"Name":"org-audit"`, "DescribeTrails"},
		{"Namespaced", "cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails", 200, `"Name":"org-audit"`, "DescribeTrails"},
		{"NamespacedStatus", "cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.GetTrailStatus", 200, `"IsLogging":true`, "GetTrailStatus"},
		{"KMSShort", "kms", "TrentService.ListKeys", 200, `"Keys"`, "ListKeys"},
		{"ErrOtherServicePrefix", "cloudtrail", "TrentService.DescribeTrails", 400, "UnknownOperationException", "DescribeTrails"},
		{"ErrPrefixOnlyEndsLikeIt", "cloudtrail", "com.amazonaws.cloudtrail.v20131101.XCloudTrail_20131101.DescribeTrails", 400, "UnknownOperationException", "DescribeTrails"},
		{"ErrNoDot", "cloudtrail", "DescribeTrails", 400, "UnknownOperationException", "Unknown"},
		{"ErrNoOperation", "cloudtrail", "CloudTrail_20131101.", 400, "UnknownOperationException", "Unknown"},
		{"ErrUnimplemented", "cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StopLogging", 400, "does not implement", "StopLogging"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Count(tc.service, tc.count)
			status, body := call(t, tc.service, tc.target, `{"Name":"org-audit","trailNameList":["org-audit"]}`)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s: status %d body %s, want %d with %s", tc.target, status, body, tc.status, tc.want)
			}
			if status != 200 {
				var e struct {
					Type string `json:"__type"`
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type == "" {
					t.Errorf("error body %s is not an awsJson error (%v)", body, err)
				}
			}
			if got := srv.Count(tc.service, tc.count); got != before+1 {
				t.Errorf("count of %s:%s = %d, want %d", tc.service, tc.count, got, before+1)
			}
		})
	}
}
