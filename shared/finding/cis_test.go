package finding_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pledge-dev/pledge/shared/finding"
)

// signIn builds an "AWS Console Sign In via CloudTrail" event for an IAM
// user (or root with asRoot) with the given ConsoleLogin result and MFA.
func signIn(t *testing.T, result, mfa string, mods ...func(d map[string]any)) []byte {
	t.Helper()
	all := append([]func(map[string]any){func(d map[string]any) {
		d["userIdentity"] = map[string]any{"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333"}
		d["responseElements"] = map[string]any{"ConsoleLogin": result}
		d["additionalEventData"] = map[string]any{"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com/"}
		if result == "Failure" {
			d["errorMessage"] = "Failed authentication"
		}
	}}, mods...)
	raw := call(t, "signin.amazonaws.com", "ConsoleLogin", nil, all...)
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["detail-type"], ev["source"] = "AWS Console Sign In via CloudTrail", "aws.signin"
	b, _ := json.Marshal(ev)
	return b
}

// TestCatalogue_CISMonitoring: every event the CIS AWS Foundations
// Benchmark's monitoring section (4.1-4.15) names fires a rule of that
// control, and every real-data miss of issue 12 fires its rule; each is
// delivered by an EventBridge pattern and routed by its scope: a
// platform-wide one to every active tenant, a resource one to the tenant
// that registered the resource and otherwise to ops only (unrouted).
func TestCatalogue_CISMonitoring(t *testing.T) {
	const ec2, s3, iam, ct, cfg, kms, org = "ec2.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com", "cloudtrail.amazonaws.com", "config.amazonaws.com", "kms.amazonaws.com", "organizations.amazonaws.com"
	type ev struct {
		control string
		name    string
		event   []byte
		typ     string
	}
	var events []ev
	each := func(control, source, typ string, params map[string]any, names ...string) {
		for _, n := range names {
			events = append(events, ev{control, n, call(t, source, n, params), typ})
		}
	}
	denied := func(code string) func(map[string]any) { return func(d map[string]any) { d["errorCode"] = code } }
	events = append(events,
		ev{"4.1", "AccessDenied", call(t, kms, "Decrypt", map[string]any{"keyId": "k"}, denied("AccessDenied")), "api/UnauthorizedCalls"},
		ev{"4.1", "AccessDeniedException", call(t, "dynamodb.amazonaws.com", "PutItem", nil, denied("AccessDeniedException")), "api/UnauthorizedCalls"},
		ev{"4.1", "Client.UnauthorizedOperation", call(t, ec2, "TerminateInstances", nil, denied("Client.UnauthorizedOperation")), "api/UnauthorizedCalls"},
		ev{"4.2", "ConsoleLogin without MFA", signIn(t, "Success", "No"), "signin/ConsoleSignInWithoutMFA"},
		ev{"4.3", "ConsoleLogin as root", signIn(t, "Success", "No", asRoot), "signin/RootConsoleSignIn"},
		ev{"4.3", "root RunInstances", call(t, ec2, "RunInstances", map[string]any{"instanceType": "t3.micro"}, asRoot), "iam/RootActivity"},
		ev{"4.3", "root CreateAccessKey", call(t, iam, "CreateAccessKey", nil, asRoot), "iam/RootAccessKeyCreated"},
		ev{"4.6", "ConsoleLogin failure", signIn(t, "Failure", "No"), "signin/ConsoleSignInFailures"},
		ev{"4.6", "root ConsoleLogin failure", signIn(t, "Failure", "No", asRoot), "signin/RootConsoleSignInFailed"},
	)
	each("4.4", iam, "iam/PolicyChanged", map[string]any{"userName": "alice", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "policyName": "p"},
		"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
		"CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy")
	each("4.5", ct, "cloudtrail/TrailConfigured", map[string]any{"name": "t"}, "CreateTrail", "StartLogging")
	each("4.5", ct, "cloudtrail/TrailUpdated", map[string]any{"name": "t"}, "UpdateTrail")
	each("4.5", ct, "cloudtrail/TrailDeleted", map[string]any{"name": "t"}, "DeleteTrail")
	each("4.5", ct, "cloudtrail/LoggingStopped", map[string]any{"name": "t"}, "StopLogging")
	each("4.7", kms, "kms/KeyDisabled", map[string]any{"keyId": "k"}, "DisableKey")
	each("4.7", kms, "kms/KeyDeletionScheduled", map[string]any{"keyId": "k"}, "ScheduleKeyDeletion")
	each("4.8", s3, "s3/BucketPolicyChanged", map[string]any{"bucketName": "pledge-tenant-3-exports"},
		"PutBucketAcl", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication")
	events = append(events, ev{"4.8", "PutBucketPolicy", call(t, s3, "PutBucketPolicy", policy(map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:*"})), "s3/BucketPolicyChanged"})
	each("4.9", cfg, "config/RecordingStopped", map[string]any{"configurationRecorderName": "default"}, "StopConfigurationRecorder", "DeleteDeliveryChannel")
	each("4.9", cfg, "config/RecordingChanged", map[string]any{"configurationRecorder": map[string]any{"name": "default"}}, "PutDeliveryChannel", "PutConfigurationRecorder")
	each("4.10", ec2, "ec2/SecurityGroupChanged", map[string]any{"groupId": "sg-0dd44ee55ff66aa77"},
		"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup")
	each("4.11", ec2, "ec2/NetworkACLChanged", map[string]any{"networkAclId": "acl-0a1b2c3d"},
		"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")
	each("4.12", ec2, "ec2/NetworkGatewayChanged", map[string]any{"internetGatewayId": "igw-0a1b2c3d"},
		"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway")
	each("4.13", ec2, "ec2/RouteTableChanged", map[string]any{"routeTableId": "rtb-0a1b2c3d"},
		"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable")
	each("4.14", ec2, "ec2/VPCChanged", map[string]any{"vpcId": "vpc-0a1b2c3d"},
		"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
		"RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink")
	each("4.15", org, "organizations/Changed", map[string]any{"policyId": "p-1"},
		"AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
		"DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization",
		"LeaveOrganization", "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit")

	// The real-data misses of issue 12.
	worldEgress := map[string]any{"groupId": "sg-0dd44ee55ff66aa77", "ipPermissions": map[string]any{"items": []any{map[string]any{"ipProtocol": "-1", "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}}
	events = append(events,
		ev{"miss", "ModifyDBInstance publiclyAccessible", call(t, "rds.amazonaws.com", "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "tenant-3-db", "publiclyAccessible": true}), "rds/InstancePublic"},
		ev{"miss", "AttachUserPolicy AdministratorAccess", call(t, iam, "AttachUserPolicy", map[string]any{"userName": "alice", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}), "iam/AdministratorAccessGranted"},
		ev{"miss", "AuthorizeSecurityGroupEgress world", call(t, ec2, "AuthorizeSecurityGroupEgress", worldEgress), "ec2/EgressOpenToInternet"},
		ev{"miss", "CreateDetector enable false", call(t, "guardduty.amazonaws.com", "CreateDetector", map[string]any{"enable": false}), "guardduty/DetectorCreatedDisabled"},
		ev{"miss", "StopConfigurationRecorder", call(t, cfg, "StopConfigurationRecorder", map[string]any{"configurationRecorderName": "default"}), "config/RecordingStopped"},
		ev{"miss", "DeleteFlowLogs", call(t, ec2, "DeleteFlowLogs", map[string]any{"flowLogId": map[string]any{"items": []any{map[string]any{"item": "fl-1"}}}}), "ec2/FlowLogsDeleted"},
		ev{"miss", "DeleteLogGroup", call(t, "logs.amazonaws.com", "DeleteLogGroup", map[string]any{"logGroupName": "/aws/lambda/app"}), "logs/LogGroupDeleted"},
		ev{"miss", "DeleteBucket", call(t, s3, "DeleteBucket", map[string]any{"bucketName": "pledge-tenant-3-exports"}), "s3/BucketDeleted"},
		ev{"miss", "IAM user sign-in failure", signIn(t, "Failure", "Yes"), "signin/ConsoleSignInFailures"},
		ev{"miss", "ModifySnapshotAttribute all", call(t, ec2, "ModifySnapshotAttribute", map[string]any{"snapshotId": "snap-0a1b2c3d4e5f67890", "attributeType": "CREATE_VOLUME_PERMISSION",
			"createVolumePermission": map[string]any{"add": map[string]any{"items": []any{map[string]any{"group": "all"}}}}}), "ec2/SnapshotPublic"},
		ev{"miss", "ModifyImageAttribute all", call(t, ec2, "ModifyImageAttribute", map[string]any{"imageId": "ami-0a1b2c3d4e5f67890", "attributeType": "launchPermission",
			"launchPermission": map[string]any{"add": map[string]any{"items": []any{map[string]any{"group": "all"}}}}}), "ec2/ImagePublic"},
	)

	cat := finding.Default()
	patterns := cat.Patterns()
	everyone := finding.Policy{Threshold: finding.Low, PlatformSeverity: finding.Low}
	active := []string{"tenant-1", "tenant-10", "tenant-2", "tenant-3"}
	controls := map[string]bool{}
	for _, e := range events {
		t.Run(e.control+"/"+e.name, func(t *testing.T) {
			f, err := finding.Parse(e.event, cat)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Type != e.typ {
				t.Fatalf("Type = %q, want %q", f.Type, e.typ)
			}
			rule, _ := cat.Rule(f.Type)
			if e.control != "miss" && rule.CIS != e.control {
				t.Errorf("rule %s covers CIS %q, want %q", rule.Type, rule.CIS, e.control)
			}
			controls[rule.CIS] = true
			if !delivered(t, patterns, e.event) {
				t.Errorf("no EventBridge pattern delivers it")
			}
			if f.About["ja"] == "" || f.About["en"] == "" || f.LocalTitles["ja"] == "" {
				t.Errorf("finding lacks a Japanese title or an explanation: %+v %+v", f.LocalTitles, f.About)
			}
			route := everyone.Route(f, directory())
			var got []string
			for _, r := range route.Recipients {
				got = append(got, r.TenantID)
			}
			switch f.Scope {
			case finding.ScopePlatform:
				if !slices.Equal(got, active) && len(route.Concerned) == 0 {
					t.Errorf("platform-wide finding went to %v (%s), want every active tenant", got, route.OpsReason)
				}
			case finding.ScopeResource:
				if len(route.Concerned) == 0 && (!route.OpsOnly || route.OpsReason != finding.OpsUnrouted) {
					t.Errorf("resource finding placed with no tenant went to %v (%s), want ops only, unrouted", got, route.OpsReason)
				}
				if len(route.Concerned) > 0 && !slices.Equal(got, route.Concerned) {
					t.Errorf("resource finding went to %v, want only the tenants concerned %v", got, route.Concerned)
				}
			}
		})
	}
	for c := 1; c <= 15; c++ {
		if id := "4." + itoa(c); !controls[id] {
			t.Errorf("CIS control %s has no rule firing in this test", id)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
