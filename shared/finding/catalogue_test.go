package finding_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/finding"
)

// call builds an "AWS API Call via CloudTrail" event.
func call(t *testing.T, source, name string, params any, mods ...func(d map[string]any)) []byte {
	t.Helper()
	d := map[string]any{
		"eventVersion":       "1.10",
		"userIdentity":       map[string]any{"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/ops-admin/alice", "accountId": "111122223333"},
		"eventTime":          "2026-11-21T10:00:00Z",
		"eventSource":        source,
		"eventName":          name,
		"awsRegion":          "ap-northeast-1",
		"sourceIPAddress":    "203.0.113.1",
		"requestParameters":  params,
		"responseElements":   nil,
		"eventID":            "11111111-2222-4333-8444-555555555555",
		"eventType":          "AwsApiCall",
		"recipientAccountId": "111122223333",
	}
	for _, m := range mods {
		m(d)
	}
	ev := map[string]any{
		"version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail",
		"source": "aws." + strings.TrimSuffix(source, ".amazonaws.com"), "account": "111122223333",
		"time": "2026-11-21T10:00:00Z", "region": "ap-northeast-1", "resources": []any{}, "detail": d,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func asRoot(d map[string]any) {
	d["userIdentity"] = map[string]any{"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}
}

func policy(statements ...map[string]any) map[string]any {
	return map[string]any{"bucketName": "b", "bucketPolicy": map[string]any{"Version": "2012-10-17", "Statement": statements}}
}

func sgIngress(proto string, from, to int, cidr, cidr6 string) map[string]any {
	perm := map[string]any{"ipProtocol": proto, "fromPort": from, "toPort": to}
	if cidr != "" {
		perm["ipRanges"] = map[string]any{"items": []any{map[string]any{"cidrIp": cidr}}}
	}
	if cidr6 != "" {
		perm["ipv6Ranges"] = map[string]any{"items": []any{map[string]any{"cidrIpv6": cidr6}}}
	}
	return map[string]any{"groupId": "sg-1", "ipPermissions": map[string]any{"items": []any{perm}}}
}

func pab(a, b, c, d bool) map[string]any {
	return map[string]any{"bucketName": "b", "PublicAccessBlockConfiguration": map[string]any{
		"BlockPublicAcls": a, "IgnorePublicAcls": b, "BlockPublicPolicy": c, "RestrictPublicBuckets": d}}
}

func TestCatalogue_Rules(t *testing.T) {
	const s3, rds, ec2 = "s3.amazonaws.com", "rds.amazonaws.com", "ec2.amazonaws.com"
	tests := []struct {
		name  string
		event []byte
		want  string // finding type; "" means ErrIgnored
	}{
		{"StopLogging", call(t, "cloudtrail.amazonaws.com", "StopLogging", map[string]any{"name": "t"}), "cloudtrail/LoggingStopped"},
		{"UpdateTrail", call(t, "cloudtrail.amazonaws.com", "UpdateTrail", map[string]any{"name": "t", "isMultiRegionTrail": false}), "cloudtrail/TrailUpdated"},
		{"LookupEventsIgnored", call(t, "cloudtrail.amazonaws.com", "LookupEvents", nil), ""},
		{"DeleteDetector", call(t, "guardduty.amazonaws.com", "DeleteDetector", map[string]any{"detectorId": "d"}), "guardduty/DetectorDeleted"},
		{"UpdateDetectorDisable", call(t, "guardduty.amazonaws.com", "UpdateDetector", map[string]any{"detectorId": "d", "enable": false}), "guardduty/DetectorDisabled"},
		{"UpdateDetectorEnable", call(t, "guardduty.amazonaws.com", "UpdateDetector", map[string]any{"detectorId": "d", "enable": true}), ""},
		{"UpdateDetectorFrequencyOnly", call(t, "guardduty.amazonaws.com", "UpdateDetector", map[string]any{"detectorId": "d", "findingPublishingFrequency": "SIX_HOURS"}), ""},
		{"DisableKey", call(t, "kms.amazonaws.com", "DisableKey", map[string]any{"keyId": "k"}), "kms/KeyDisabled"},
		{"ScheduleKeyDeletion", call(t, "kms.amazonaws.com", "ScheduleKeyDeletion", map[string]any{"keyId": "k", "pendingWindowInDays": 7}), "kms/KeyDeletionScheduled"},
		{"EnableKeyIgnored", call(t, "kms.amazonaws.com", "EnableKey", map[string]any{"keyId": "k"}), ""},

		{"PolicyStarPrincipal", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"})), "s3/BucketPolicyPublic"},
		{"PolicyAWSStar", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:GetObject"})), "s3/BucketPolicyPublic"},
		{"PolicyAWSStarInList", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": []any{"arn:aws:iam::1:root", "*"}}, "Action": "s3:*"})), "s3/BucketPolicyPublic"},
		{"PolicyStatementObject", call(t, s3, "PutBucketPolicy", map[string]any{"bucketName": "b", "bucketPolicy": map[string]any{"Statement": map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}}}), "s3/BucketPolicyPublic"},
		{"PolicyAsString", call(t, s3, "PutBucketPolicy", map[string]any{"bucketName": "b", "bucketPolicy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`}), "s3/BucketPolicyPublic"},
		{"PolicyStarWithSecureTransportOnly", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}})), "s3/BucketPolicyPublic"},
		{"PolicyStarWithOrgCondition", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-1"}}})), "s3/BucketPolicyChanged"},
		{"PolicyStarWithVpceCondition", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Condition": map[string]any{"StringEquals": map[string]any{"aws:sourceVpce": "vpce-1"}}})), "s3/BucketPolicyChanged"},
		{"PolicyDenyStar", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:*"})), "s3/BucketPolicyChanged"},
		{"PolicyServicePrincipal", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject"})), "s3/BucketPolicyChanged"},

		{"AclCannedPublicRead", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "x-amz-acl": []any{"public-read"}}), "s3/BucketAclPublic"},
		{"AclCannedPrivate", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "x-amz-acl": []any{"private"}}), "s3/BucketPolicyChanged"},
		{"AclGrantHeader", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "x-amz-grant-read": []any{"uri=http://acs.amazonaws.com/groups/global/AllUsers"}}), "s3/BucketAclPublic"},
		{"AclGrantList", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "AccessControlPolicy": map[string]any{"AccessControlList": map[string]any{"Grant": []any{
			map[string]any{"Grantee": map[string]any{"ID": "owner"}, "Permission": "FULL_CONTROL"},
			map[string]any{"Grantee": map[string]any{"URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "Permission": "READ"},
		}}}}), "s3/BucketAclPublic"},
		{"AclGrantSingleObject", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "AccessControlPolicy": map[string]any{"AccessControlList": map[string]any{"Grant": map[string]any{"Grantee": map[string]any{"URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}}}}), "s3/BucketAclPublic"},
		{"AclOwnerOnly", call(t, s3, "PutBucketAcl", map[string]any{"bucketName": "b", "AccessControlPolicy": map[string]any{"AccessControlList": map[string]any{"Grant": map[string]any{"Grantee": map[string]any{"ID": "owner"}, "Permission": "FULL_CONTROL"}}}}), "s3/BucketPolicyChanged"},

		{"PABAllTrue", call(t, s3, "PutBucketPublicAccessBlock", pab(true, true, true, true)), ""},
		{"PABOneFalse", call(t, s3, "PutBucketPublicAccessBlock", pab(true, true, false, true)), "s3/BucketPublicAccessBlockWeakened"},
		{"PABOmittedSetting", call(t, s3, "PutBucketPublicAccessBlock", map[string]any{"bucketName": "b", "PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true}}), "s3/BucketPublicAccessBlockWeakened"},
		{"PABDeleted", call(t, s3, "DeleteBucketPublicAccessBlock", map[string]any{"bucketName": "b"}), "s3/BucketPublicAccessBlockDeleted"},
		{"AccountPABWeakened", call(t, s3, "PutAccountPublicAccessBlock", pab(false, false, false, false)), "s3/AccountPublicAccessBlockWeakened"},
		{"DeleteBucketEncryption", call(t, s3, "DeleteBucketEncryption", map[string]any{"bucketName": "b"}), "s3/BucketEncryptionDeleted"},
		{"PutBucketEncryptionIgnored", call(t, s3, "PutBucketEncryption", map[string]any{"bucketName": "b"}), ""},

		{"SnapshotAll", call(t, rds, "ModifyDBSnapshotAttribute", map[string]any{"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": []any{"all"}}), "rds/SnapshotPublic"},
		{"SnapshotOneAccount", call(t, rds, "ModifyDBSnapshotAttribute", map[string]any{"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": []any{"444455556666"}}), ""},
		{"SnapshotRemoveAll", call(t, rds, "ModifyDBSnapshotAttribute", map[string]any{"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToRemove": []any{"all"}}), ""},
		{"ClusterSnapshotAll", call(t, rds, "ModifyDBClusterSnapshotAttribute", map[string]any{"dBClusterSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": []any{"All"}}), "rds/ClusterSnapshotPublic"},
		{"InstanceDeletionProtectionOff", call(t, rds, "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "db", "deletionProtection": false}), "rds/InstanceDeletionProtectionOff"},
		{"InstanceDeletionProtectionOn", call(t, rds, "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "db", "deletionProtection": true}), ""},
		{"InstanceResize", call(t, rds, "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "db", "dBInstanceClass": "db.r7g.large"}), ""},
		{"ForceSSLOff", call(t, rds, "ModifyDBParameterGroup", map[string]any{"dBParameterGroupName": "pg", "parameters": []any{map[string]any{"parameterName": "rds.force_ssl", "parameterValue": "0", "applyMethod": "immediate"}}}), "rds/ParameterGroupTLSOff"},
		{"ForceSSLOn", call(t, rds, "ModifyDBParameterGroup", map[string]any{"dBParameterGroupName": "pg", "parameters": []any{map[string]any{"parameterName": "rds.force_ssl", "parameterValue": "1"}}}), ""},
		{"RequireSecureTransportOff", call(t, rds, "ModifyDBClusterParameterGroup", map[string]any{"dBClusterParameterGroupName": "cpg", "parameters": []any{map[string]any{"parameterName": "require_secure_transport", "parameterValue": "OFF"}}}), "rds/ClusterParameterGroupTLSOff"},
		{"CreateUnencrypted", call(t, rds, "CreateDBInstance", map[string]any{"dBInstanceIdentifier": "db", "engine": "postgres", "storageEncrypted": false}), "rds/InstanceUnencrypted"},
		{"CreateEncrypted", call(t, rds, "CreateDBInstance", map[string]any{"dBInstanceIdentifier": "db", "engine": "postgres", "storageEncrypted": true}), ""},
		{"CreateClusterMember", call(t, rds, "CreateDBInstance", map[string]any{"dBInstanceIdentifier": "db-1", "dBClusterIdentifier": "c", "engine": "aurora-postgresql"}), ""},
		{"CreateClusterUnencrypted", call(t, rds, "CreateDBCluster", map[string]any{"dBClusterIdentifier": "c", "engine": "aurora-mysql"}), "rds/ClusterUnencrypted"},

		{"SGPostgresWorld", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 5432, 5432, "0.0.0.0/0", "")), "ec2/DatabasePortOpenToInternet"},
		{"SGMySQLWorldV6", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 3306, 3306, "", "::/0")), "ec2/DatabasePortOpenToInternet"},
		{"SGRangeCoversRedis", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 6000, 7000, "0.0.0.0/0", "")), "ec2/DatabasePortOpenToInternet"},
		{"SGAllTraffic", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("-1", -1, -1, "0.0.0.0/0", "")), "ec2/DatabasePortOpenToInternet"},
		{"SGAllTCP", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 0, 65535, "0.0.0.0/0", "")), "ec2/DatabasePortOpenToInternet"},
		{"SGHTTPSWorld", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 443, 443, "0.0.0.0/0", "")), "ec2/SecurityGroupChanged"},
		{"SGPostgresOffice", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("tcp", 5432, 5432, "192.0.2.0/24", "")), "ec2/SecurityGroupChanged"},
		{"SGUDPWorld", call(t, ec2, "AuthorizeSecurityGroupIngress", sgIngress("udp", 5432, 5432, "0.0.0.0/0", "")), "ec2/SecurityGroupChanged"},
		{"SGFlatForm", call(t, ec2, "AuthorizeSecurityGroupIngress", map[string]any{"groupId": "sg-1", "cidrIp": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 1433, "toPort": 1433}), "ec2/DatabasePortOpenToInternet"},

		{"RootAccessKey", call(t, "iam.amazonaws.com", "CreateAccessKey", nil, asRoot), "iam/RootAccessKeyCreated"},
		{"RootCreatesUserKey", call(t, "iam.amazonaws.com", "CreateAccessKey", map[string]any{"userName": "deployer"}, asRoot), "iam/RootActivity"},
		{"UserAccessKey", call(t, "iam.amazonaws.com", "CreateAccessKey", map[string]any{"userName": "deployer"}), ""},
		{"FailedCall", call(t, "kms.amazonaws.com", "ScheduleKeyDeletion", map[string]any{"keyId": "k"}, func(d map[string]any) { d["errorCode"] = "AccessDenied" }), "api/UnauthorizedCalls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := finding.Parse(tt.event, finding.Default())
			if tt.want == "" {
				if !errors.Is(err, finding.ErrIgnored) {
					t.Fatalf("err = %v (type %q), want ErrIgnored", err, f.Type)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := f.Type; got != tt.want {
				t.Errorf("Type = %q, want %q", got, tt.want)
			}
			if !delivered(t, finding.Default().Patterns(), tt.event) {
				t.Errorf("no EventBridge pattern delivers this event")
			}
		})
	}
}

func TestCatalogue_Default(t *testing.T) {
	c := finding.Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rules {
		if r.TitleJA == "" {
			t.Errorf("rule %s has no Japanese title", r.Type)
		}
	}
}

func TestCatalogue_Validate(t *testing.T) {
	ok := finding.Rule{EventSource: "s3.amazonaws.com", EventNames: []string{"DeleteBucket"}, Type: "s3/BucketDeleted", Severity: 5, Title: "t", Scope: finding.ScopeResource}
	tests := []struct {
		name    string
		mod     func(r *finding.Rule)
		wantErr string
	}{
		{"BadSource", func(r *finding.Rule) { r.EventSource = "aws.s3" }, `event source "aws.s3"`},
		{"NoName", func(r *finding.Rule) { r.EventNames = nil }, "event name missing"},
		{"EmptyName", func(r *finding.Rule) { r.EventNames = []string{""} }, "event name missing"},
		{"AnyCallUnnarrowed", func(r *finding.Rule) { r.AnyCall, r.EventSource, r.EventNames = true, "", nil }, "must narrow it"},
		{"AnyCallWithSource", func(r *finding.Rule) { r.AnyCall, r.ErrorCodes = true, []string{"AccessDenied*"} }, "names no event source"},
		{"BadAggregation", func(r *finding.Rule) { r.Aggregate = &finding.Aggregation{Window: time.Second, Threshold: 1} }, "a window of a minute or more"},
		{"NoType", func(r *finding.Rule) { r.Type = "" }, "type missing"},
		{"NoTitle", func(r *finding.Rule) { r.Title = "" }, "title missing"},
		{"SeverityZero", func(r *finding.Rule) { r.Severity = 0 }, "want 1.0 to 10.0"},
		{"SeverityHigh", func(r *finding.Rule) { r.Severity = 12 }, "want 1.0 to 10.0"},
		{"NoScope", func(r *finding.Rule) { r.Scope = "" }, `scope "": want "platform" or "resource"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			err := finding.Catalogue{Rules: []finding.Rule{r}}.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	dup := finding.Catalogue{Rules: []finding.Rule{ok, ok}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("duplicate type: err = %v", err)
	}
}

func TestCatalogue_Configure(t *testing.T) {
	ev := call(t, "cloudtrail.amazonaws.com", "UpdateTrail", map[string]any{"name": "t"})
	c, err := finding.Default().Without("cloudtrail/TrailUpdated")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := finding.Parse(ev, c); !errors.Is(err, finding.ErrIgnored) {
		t.Errorf("without the rule: err = %v, want ErrIgnored", err)
	}
	if _, err := finding.Default().Without("cloudtrail/NoSuchRule"); err == nil {
		t.Error("Without an unknown type: no error")
	}

	c, err = finding.Default().WithSeverity("cloudtrail/TrailUpdated", 9.5)
	if err != nil {
		t.Fatal(err)
	}
	f, err := finding.Parse(ev, c)
	if err != nil {
		t.Fatal(err)
	}
	if f.Band != finding.Critical || f.Severity != 9.5 {
		t.Errorf("raised rule: band %v severity %v, want Critical 9.5", f.Band, f.Severity)
	}
	if f, _ := finding.Parse(ev, finding.Default()); f.Severity != 5 {
		t.Errorf("WithSeverity changed the default catalogue: severity %v", f.Severity)
	}
	if _, err := finding.Default().WithSeverity("cloudtrail/TrailUpdated", 0); err == nil {
		t.Error("severity 0: no error")
	}
	if _, err := finding.Default().WithSeverity("nope", 5); err == nil {
		t.Error("unknown type: no error")
	}
}

// TestCatalogue_Patterns: the EventBridge patterns deliver every event that
// a rule matches (checked with every event of TestCatalogue_Rules and the
// CIS table), and each pattern is valid JSON of EventBridge's shape.
func TestCatalogue_Patterns(t *testing.T) {
	ps := finding.Default().Patterns()
	if ps[0].Source[0] != "aws.guardduty" || ps[0].DetailType[0] != "GuardDuty Finding" {
		t.Errorf("first pattern = %+v, want the GuardDuty finding pattern", ps[0])
	}
	for _, p := range ps[1:] {
		src, _ := p.Detail["eventSource"].([]string)
		want := "AWS API Call via CloudTrail"
		if len(src) > 0 && src[0] == "signin.amazonaws.com" {
			want = "AWS Console Sign In via CloudTrail"
		}
		if p.DetailType[0] != want {
			t.Errorf("pattern %+v has detail-type %q, want %q", p, p.DetailType[0], want)
		}
		if names, _ := p.Detail["eventName"].([]string); len(names) > 100 {
			t.Errorf("pattern for %v lists %d names", src, len(names))
		}
	}
	b, err := json.Marshal(ps[len(ps)-1])
	if err != nil || !strings.Contains(string(b), `"errorCode":[{"prefix":"AccessDenied"},{"suffix":"UnauthorizedOperation"}]`) {
		t.Errorf("access-denied pattern JSON = %s, %v", b, err)
	}
}

// delivered reports whether an EventBridge pattern of ps matches the event,
// implementing the part of EventBridge's matching the patterns use: exact
// strings, prefix and suffix matchers, nested objects.
func delivered(t *testing.T, ps []finding.EventPattern, raw []byte) bool {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var match func(pattern, value any) bool
	match = func(pattern, value any) bool {
		switch p := pattern.(type) {
		case map[string]any:
			v, ok := value.(map[string]any)
			if !ok {
				return false
			}
			for k, sub := range p {
				if !match(sub, v[k]) {
					return false
				}
			}
			return true
		case []any:
			for _, alt := range p {
				switch a := alt.(type) {
				case string:
					if value == a {
						return true
					}
				case map[string]any:
					s, _ := value.(string)
					if pre, ok := a["prefix"].(string); ok && strings.HasPrefix(s, pre) && s != "" {
						return true
					}
					if suf, ok := a["suffix"].(string); ok && strings.HasSuffix(s, suf) && s != "" {
						return true
					}
				}
			}
			return false
		}
		return false
	}
	for _, p := range ps {
		b, _ := json.Marshal(p)
		var pm map[string]any
		if err := json.Unmarshal(b, &pm); err != nil {
			t.Fatal(err)
		}
		if match(pm, ev) {
			return true
		}
	}
	return false
}

// TestCatalogue_Markdown: CATALOGUE.md is the code's catalogue.
func TestCatalogue_Markdown(t *testing.T) {
	got := finding.Default().Markdown()
	if *update {
		if err := os.WriteFile("CATALOGUE.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("CATALOGUE.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("CATALOGUE.md differs from finding.Default() (run go test ./shared/finding -run TestCatalogue_Markdown -update)")
	}
	for _, r := range finding.Default().Rules {
		if !strings.Contains(got, "`"+r.Type+"`") {
			t.Errorf("CATALOGUE.md lacks %s", r.Type)
		}
	}
}
