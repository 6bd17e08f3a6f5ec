package finding

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Rule is one security-relevant CloudTrail call: the call it matches, the
// finding it becomes, and an optional condition on the call.
type Rule struct {
	// EventSource and EventName select the call, e.g. "s3.amazonaws.com",
	// "PutBucketPolicy".
	EventSource string
	EventName   string
	// Type is the finding type given to matching calls; it identifies the
	// rule, e.g. "s3/BucketPolicyPublic".
	Type string
	// Severity is on GuardDuty's 1.0-10.0 scale.
	Severity float64
	// Scope is whom the call concerns when it names no tenant's resource:
	// ScopePlatform (every active tenant) or ScopeResource (ops only,
	// "unrouted").
	Scope Scope
	// Title is the English title; TitleJA the Japanese one.
	Title   string
	TitleJA string
	// When, if set, must hold for the call to match (e.g. "the policy grants
	// access to everyone"). An error means the call could not be read and
	// makes Parse fail with ErrMalformed rather than silently skip a call
	// that might matter.
	When func(d *CloudTrailDetail) (bool, error)
	// IncludeFailed makes the rule match calls that failed (errorCode set);
	// by default a failed call changed nothing and is ignored.
	IncludeFailed bool
}

// Catalogue is the configurable list of security-relevant CloudTrail calls.
// For one call the first matching rule wins.
type Catalogue struct {
	Rules []Rule
}

// Match returns the first rule that matches the call.
func (c Catalogue) Match(d *CloudTrailDetail) (Rule, bool, error) {
	for _, r := range c.Rules {
		if r.EventSource != d.EventSource || r.EventName != d.EventName {
			continue
		}
		if d.ErrorCode != "" && !r.IncludeFailed {
			continue
		}
		if r.When != nil {
			ok, err := r.When(d)
			if err != nil {
				return Rule{}, false, fmt.Errorf("catalogue rule %s: %w", r.Type, err)
			}
			if !ok {
				continue
			}
		}
		return r, true, nil
	}
	return Rule{}, false, nil
}

// Validate checks that every rule names a call, a type and a severity on
// GuardDuty's scale, and that types are unique.
func (c Catalogue) Validate() error {
	seen := map[string]bool{}
	for i, r := range c.Rules {
		switch {
		case r.EventSource == "" || !strings.HasSuffix(r.EventSource, ".amazonaws.com"):
			return fmt.Errorf("catalogue rule %d (%s): event source %q: want a service host such as s3.amazonaws.com", i, r.Type, r.EventSource)
		case r.EventName == "":
			return fmt.Errorf("catalogue rule %d (%s): event name missing", i, r.Type)
		case r.Type == "":
			return fmt.Errorf("catalogue rule %d (%s %s): type missing", i, r.EventSource, r.EventName)
		case seen[r.Type]:
			return fmt.Errorf("catalogue rule %d: type %q used twice", i, r.Type)
		case r.Title == "":
			return fmt.Errorf("catalogue rule %s: title missing", r.Type)
		case !r.Scope.Valid():
			return fmt.Errorf("catalogue rule %s: scope %q: want %q or %q", r.Type, r.Scope, ScopePlatform, ScopeResource)
		}
		if r.Severity < 1 || r.Severity > 10 {
			return fmt.Errorf("catalogue rule %s: severity %v: want 1.0 to 10.0", r.Type, r.Severity)
		}
		seen[r.Type] = true
	}
	return nil
}

// Without returns a copy without the rules of the given types; an unknown
// type is an error so that a misspelt configuration is noticed.
func (c Catalogue) Without(types ...string) (Catalogue, error) {
	for _, t := range types {
		if !slices.ContainsFunc(c.Rules, func(r Rule) bool { return r.Type == t }) {
			return Catalogue{}, fmt.Errorf("catalogue: no rule of type %q", t)
		}
	}
	out := Catalogue{}
	for _, r := range c.Rules {
		if !slices.Contains(types, r.Type) {
			out.Rules = append(out.Rules, r)
		}
	}
	return out, nil
}

// WithSeverity returns a copy in which the rule of the given type has a new
// severity.
func (c Catalogue) WithSeverity(typ string, severity float64) (Catalogue, error) {
	if _, err := BandOf(severity); err != nil || severity < 1 {
		return Catalogue{}, fmt.Errorf("catalogue rule %s: severity %v: want 1.0 to 10.0", typ, severity)
	}
	out := Catalogue{Rules: slices.Clone(c.Rules)}
	for i := range out.Rules {
		if out.Rules[i].Type == typ {
			out.Rules[i].Severity = severity
			return out, nil
		}
	}
	return Catalogue{}, fmt.Errorf("catalogue: no rule of type %q", typ)
}

// EventPattern is an EventBridge event pattern; it marshals to the JSON
// EventBridge expects.
type EventPattern struct {
	Source     []string            `json:"source,omitempty"`
	DetailType []string            `json:"detail-type"`
	Detail     map[string][]string `json:"detail,omitempty"`
}

// Patterns returns the EventBridge patterns that deliver every call the
// catalogue can match (one pattern per event source, so that a pattern's
// eventName list never mixes services), plus the GuardDuty finding pattern.
// The stack uses them for its rules.
func (c Catalogue) Patterns() []EventPattern {
	out := []EventPattern{{Source: []string{SourceNameGuardDuty}, DetailType: []string{DetailTypeGuardDuty}}}
	bySource := map[string][]string{}
	var sources []string
	for _, r := range c.Rules {
		if _, ok := bySource[r.EventSource]; !ok {
			sources = append(sources, r.EventSource)
		}
		if !slices.Contains(bySource[r.EventSource], r.EventName) {
			bySource[r.EventSource] = append(bySource[r.EventSource], r.EventName)
		}
	}
	for _, s := range sources {
		dt := DetailTypeAPICall
		if s == "signin.amazonaws.com" {
			dt = DetailTypeSignIn
		}
		out = append(out, EventPattern{
			DetailType: []string{dt},
			Detail:     map[string][]string{"eventSource": {s}, "eventName": bySource[s]},
		})
	}
	return out
}

// Default returns the built-in catalogue: calls that switch off detection or
// logging, destroy or expose keys, open data to the internet, or weaken the
// encryption and deletion protection the whitepapers promise.
func Default() Catalogue {
	return Catalogue{Rules: []Rule{
		{EventSource: "signin.amazonaws.com", EventName: "ConsoleLogin", Type: "signin/RootConsoleSignIn", Scope: ScopePlatform, Severity: 8,
			Title: "The AWS account's root user signed in to the console", TitleJA: "AWS アカウントのルートユーザーがコンソールにサインインしました",
			When: func(d *CloudTrailDetail) (bool, error) { return d.IsRoot() && consoleLogin(d) == "Success", nil }},
		{EventSource: "signin.amazonaws.com", EventName: "ConsoleLogin", Type: "signin/RootConsoleSignInFailed", Scope: ScopePlatform, Severity: 5, IncludeFailed: true,
			Title: "A console sign-in as the AWS account's root user failed", TitleJA: "AWS アカウントのルートユーザーによるコンソールへのサインインが失敗しました",
			When: func(d *CloudTrailDetail) (bool, error) { return d.IsRoot() && consoleLogin(d) != "Success", nil }},
		{EventSource: "cloudtrail.amazonaws.com", EventName: "StopLogging", Type: "cloudtrail/LoggingStopped", Scope: ScopePlatform, Severity: 8,
			Title: "CloudTrail logging was stopped", TitleJA: "CloudTrail による操作ログの記録が停止されました"},
		{EventSource: "cloudtrail.amazonaws.com", EventName: "DeleteTrail", Type: "cloudtrail/TrailDeleted", Scope: ScopePlatform, Severity: 8,
			Title: "A CloudTrail trail was deleted", TitleJA: "CloudTrail の証跡が削除されました"},
		{EventSource: "cloudtrail.amazonaws.com", EventName: "UpdateTrail", Type: "cloudtrail/TrailUpdated", Scope: ScopePlatform, Severity: 5,
			Title: "A CloudTrail trail's settings were changed", TitleJA: "CloudTrail の証跡の設定が変更されました"},
		{EventSource: "guardduty.amazonaws.com", EventName: "DeleteDetector", Type: "guardduty/DetectorDeleted", Scope: ScopePlatform, Severity: 8,
			Title: "The GuardDuty detector was deleted", TitleJA: "GuardDuty の検出機能が削除されました"},
		{EventSource: "guardduty.amazonaws.com", EventName: "UpdateDetector", Type: "guardduty/DetectorDisabled", Scope: ScopePlatform, Severity: 8,
			Title: "The GuardDuty detector was disabled", TitleJA: "GuardDuty の検出機能が無効にされました",
			When: detectorDisabled},
		{EventSource: "kms.amazonaws.com", EventName: "DisableKey", Type: "kms/KeyDisabled", Scope: ScopePlatform, Severity: 7,
			Title: "A KMS encryption key was disabled", TitleJA: "KMS の暗号化キーが無効にされました"},
		{EventSource: "kms.amazonaws.com", EventName: "ScheduleKeyDeletion", Type: "kms/KeyDeletionScheduled", Scope: ScopePlatform, Severity: 8,
			Title: "A KMS encryption key was scheduled for deletion", TitleJA: "KMS の暗号化キーの削除が予約されました"},
		{EventSource: "s3.amazonaws.com", EventName: "PutBucketPolicy", Type: "s3/BucketPolicyPublic", Scope: ScopeResource, Severity: 8,
			Title: "An S3 bucket policy was changed to grant access to everyone", TitleJA: "S3 バケットポリシーが変更され、誰でもアクセスできる状態になりました",
			When: bucketPolicyOpens},
		{EventSource: "s3.amazonaws.com", EventName: "PutBucketAcl", Type: "s3/BucketAclPublic", Scope: ScopeResource, Severity: 8,
			Title: "An S3 bucket ACL was changed to grant access to everyone", TitleJA: "S3 バケットの ACL が変更され、誰でもアクセスできる状態になりました",
			When: bucketACLOpens},
		{EventSource: "s3.amazonaws.com", EventName: "PutBucketPublicAccessBlock", Type: "s3/BucketPublicAccessBlockWeakened", Scope: ScopeResource, Severity: 5,
			Title: "S3 Block Public Access was weakened on a bucket", TitleJA: "S3 バケットのパブリックアクセスブロックが緩められました",
			When: publicAccessBlockWeakened},
		{EventSource: "s3.amazonaws.com", EventName: "DeleteBucketPublicAccessBlock", Type: "s3/BucketPublicAccessBlockDeleted", Scope: ScopeResource, Severity: 5,
			Title: "S3 Block Public Access was removed from a bucket", TitleJA: "S3 バケットのパブリックアクセスブロックが削除されました"},
		{EventSource: "s3.amazonaws.com", EventName: "PutAccountPublicAccessBlock", Type: "s3/AccountPublicAccessBlockWeakened", Scope: ScopePlatform, Severity: 5,
			Title: "S3 Block Public Access was weakened for the account", TitleJA: "アカウント全体の S3 パブリックアクセスブロックが緩められました",
			When: publicAccessBlockWeakened},
		{EventSource: "s3.amazonaws.com", EventName: "DeleteAccountPublicAccessBlock", Type: "s3/AccountPublicAccessBlockDeleted", Scope: ScopePlatform, Severity: 5,
			Title: "S3 Block Public Access was removed for the account", TitleJA: "アカウント全体の S3 パブリックアクセスブロックが削除されました"},
		{EventSource: "s3.amazonaws.com", EventName: "DeleteBucketEncryption", Type: "s3/BucketEncryptionDeleted", Scope: ScopeResource, Severity: 5,
			Title: "Default encryption settings were removed from an S3 bucket", TitleJA: "S3 バケットのデフォルト暗号化設定が削除されました"},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBSnapshotAttribute", Type: "rds/SnapshotPublic", Scope: ScopeResource, Severity: 9,
			Title: "A database snapshot was shared publicly", TitleJA: "データベースのスナップショットが一般公開されました",
			When: snapshotMadePublic},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBClusterSnapshotAttribute", Type: "rds/ClusterSnapshotPublic", Scope: ScopeResource, Severity: 9,
			Title: "A database cluster snapshot was shared publicly", TitleJA: "データベースクラスターのスナップショットが一般公開されました",
			When: snapshotMadePublic},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBInstance", Type: "rds/InstanceDeletionProtectionOff", Scope: ScopeResource, Severity: 5,
			Title: "Deletion protection was turned off for a database", TitleJA: "データベースの削除保護が無効にされました",
			When: deletionProtectionOff},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBCluster", Type: "rds/ClusterDeletionProtectionOff", Scope: ScopeResource, Severity: 5,
			Title: "Deletion protection was turned off for a database cluster", TitleJA: "データベースクラスターの削除保護が無効にされました",
			When: deletionProtectionOff},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBParameterGroup", Type: "rds/ParameterGroupTLSOff", Scope: ScopeResource, Severity: 7,
			Title: "Encrypted connections (TLS) are no longer required by a database", TitleJA: "データベースへの暗号化通信 (TLS) の強制が解除されました",
			When: tlsNoLongerRequired},
		{EventSource: "rds.amazonaws.com", EventName: "ModifyDBClusterParameterGroup", Type: "rds/ClusterParameterGroupTLSOff", Scope: ScopeResource, Severity: 7,
			Title: "Encrypted connections (TLS) are no longer required by a database cluster", TitleJA: "データベースクラスターへの暗号化通信 (TLS) の強制が解除されました",
			When: tlsNoLongerRequired},
		{EventSource: "rds.amazonaws.com", EventName: "CreateDBInstance", Type: "rds/InstanceUnencrypted", Scope: ScopeResource, Severity: 5,
			Title: "A database was created without storage encryption", TitleJA: "ストレージ暗号化なしでデータベースが作成されました",
			When: createdUnencrypted},
		{EventSource: "rds.amazonaws.com", EventName: "CreateDBCluster", Type: "rds/ClusterUnencrypted", Scope: ScopeResource, Severity: 5,
			Title: "A database cluster was created without storage encryption", TitleJA: "ストレージ暗号化なしでデータベースクラスターが作成されました",
			When: createdUnencrypted},
		{EventSource: "ec2.amazonaws.com", EventName: "AuthorizeSecurityGroupIngress", Type: "ec2/DatabasePortOpenToInternet", Scope: ScopeResource, Severity: 8,
			Title: "A security group was opened to the whole internet on a database port", TitleJA: "セキュリティグループでデータベースのポートがインターネット全体に公開されました",
			When: ingressOpensDatabase},
		{EventSource: "iam.amazonaws.com", EventName: "CreateAccessKey", Type: "iam/RootAccessKeyCreated", Scope: ScopePlatform, Severity: 8,
			Title: "An access key was created for the AWS account's root user", TitleJA: "AWS アカウントのルートユーザーのアクセスキーが作成されました",
			When: rootAccessKey},
	}}
}

// DatabasePorts are the ports AuthorizeSecurityGroupIngress must not open to
// the internet: MySQL/MariaDB/Aurora MySQL, PostgreSQL, SQL Server, Oracle,
// MongoDB/DocumentDB, Redis/Valkey.
var DatabasePorts = []int{3306, 5432, 1433, 1521, 27017, 6379}

func consoleLogin(d *CloudTrailDetail) string {
	var r struct {
		ConsoleLogin string `json:"ConsoleLogin"`
	}
	if json.Unmarshal(d.ResponseElements, &r) != nil {
		return ""
	}
	return r.ConsoleLogin
}

func detectorDisabled(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Enable *bool `json:"enable"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.Enable != nil && !*p.Enable, nil
}

// oneOrMany decodes a JSON value that is either one T or a list of T, as
// CloudTrail writes XML-derived lists and IAM policy elements.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var many []T
	if err := json.Unmarshal(b, &many); err == nil {
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = []T{one}
	return nil
}

type policyStatement struct {
	Effect    string                     `json:"Effect"`
	Principal json.RawMessage            `json:"Principal"`
	Condition map[string]json.RawMessage `json:"Condition"`
}

// principalConditionKeys are condition keys that limit who can use an
// Allow to a known set of principals or networks, so that a wildcard
// principal with one of them is not public (as S3's own "is public"
// evaluation treats them).
var principalConditionKeys = []string{
	"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
	"aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:sourceaccount", "aws:sourcearn",
	"aws:sourceowner", "aws:userid", "aws:username", "aws:principalservicename",
	"s3:dataaccesspointaccount", "s3:dataaccesspointarn",
}

func wildcardPrincipal(raw json.RawMessage) (bool, error) {
	if len(raw) == 0 {
		return false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == "*", nil
	}
	var m map[string]oneOrMany[string]
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy.Statement.Principal", "want \"*\" or an object of principal lists")
	}
	for kind, vs := range m {
		if kind == "AWS" || kind == "CanonicalUser" {
			if slices.Contains(vs, "*") {
				return true, nil
			}
		}
	}
	return false, nil
}

func restrictedByCondition(cond map[string]json.RawMessage) bool {
	for _, byKey := range cond {
		var keys map[string]json.RawMessage
		if json.Unmarshal(byKey, &keys) != nil {
			continue
		}
		for k := range keys {
			if slices.Contains(principalConditionKeys, strings.ToLower(k)) {
				return true
			}
		}
	}
	return false
}

// bucketPolicyOpens: the new policy has an Allow statement for every
// principal ("*") not limited by a principal or network condition.
func bucketPolicyOpens(d *CloudTrailDetail) (bool, error) {
	var p struct {
		BucketPolicy json.RawMessage `json:"bucketPolicy"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	doc := p.BucketPolicy
	var asString string
	if json.Unmarshal(doc, &asString) == nil {
		doc = json.RawMessage(asString)
	}
	if len(doc) == 0 {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy", "missing")
	}
	var policy struct {
		Statement oneOrMany[policyStatement] `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &policy); err != nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.bucketPolicy", "not a policy document: %v", err)
	}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		wild, err := wildcardPrincipal(st.Principal)
		if err != nil {
			return false, err
		}
		if wild && !restrictedByCondition(st.Condition) {
			return true, nil
		}
	}
	return false, nil
}

var publicGroups = []string{
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}

// bucketACLOpens: a canned public ACL, a grant header naming a public
// group, or an access control list granting to one.
func bucketACLOpens(d *CloudTrailDetail) (bool, error) {
	var p map[string]json.RawMessage
	if err := d.Params(&p); err != nil {
		return false, err
	}
	for k, v := range p {
		lk := strings.ToLower(k)
		if lk == "x-amz-acl" || strings.HasPrefix(lk, "x-amz-grant-") {
			var vals oneOrMany[string]
			if json.Unmarshal(v, &vals) != nil {
				continue
			}
			for _, val := range vals {
				switch {
				case lk == "x-amz-acl" && slices.Contains([]string{"public-read", "public-read-write", "authenticated-read"}, val):
					return true, nil
				case strings.Contains(val, "AllUsers") || strings.Contains(val, "AuthenticatedUsers"):
					return true, nil
				}
			}
		}
	}
	var acp struct {
		AccessControlPolicy struct {
			AccessControlList struct {
				Grant oneOrMany[struct {
					Grantee struct {
						URI string `json:"URI"`
					} `json:"Grantee"`
				}] `json:"Grant"`
			} `json:"AccessControlList"`
		} `json:"AccessControlPolicy"`
	}
	if err := d.Params(&acp); err != nil {
		return false, err
	}
	for _, g := range acp.AccessControlPolicy.AccessControlList.Grant {
		if slices.Contains(publicGroups, g.Grantee.URI) {
			return true, nil
		}
	}
	return false, nil
}

// publicAccessBlockWeakened: any of the four settings is not true (S3 reads
// an omitted setting as false).
func publicAccessBlockWeakened(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Config *struct {
			BlockPublicAcls       bool `json:"BlockPublicAcls"`
			IgnorePublicAcls      bool `json:"IgnorePublicAcls"`
			BlockPublicPolicy     bool `json:"BlockPublicPolicy"`
			RestrictPublicBuckets bool `json:"RestrictPublicBuckets"`
		} `json:"PublicAccessBlockConfiguration"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if p.Config == nil {
		return false, malformed(kindCloudTrail, "detail.requestParameters.PublicAccessBlockConfiguration", "missing")
	}
	c := p.Config
	return !(c.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets), nil
}

// snapshotMadePublic: the restore attribute gains "all".
func snapshotMadePublic(d *CloudTrailDetail) (bool, error) {
	var p struct {
		AttributeName string   `json:"attributeName"`
		ValuesToAdd   []string `json:"valuesToAdd"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if !strings.EqualFold(p.AttributeName, "restore") {
		return false, nil
	}
	return slices.ContainsFunc(p.ValuesToAdd, func(v string) bool { return strings.EqualFold(v, "all") }), nil
}

func deletionProtectionOff(d *CloudTrailDetail) (bool, error) {
	var p struct {
		DeletionProtection *bool `json:"deletionProtection"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.DeletionProtection != nil && !*p.DeletionProtection, nil
}

// tlsNoLongerRequired: rds.force_ssl (PostgreSQL, SQL Server) set to 0 or
// require_secure_transport (MySQL, MariaDB) set to 0/OFF.
func tlsNoLongerRequired(d *CloudTrailDetail) (bool, error) {
	var p struct {
		Parameters []struct {
			ParameterName  string `json:"parameterName"`
			ParameterValue string `json:"parameterValue"`
		} `json:"parameters"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	for _, prm := range p.Parameters {
		name, val := strings.ToLower(prm.ParameterName), strings.ToLower(strings.TrimSpace(prm.ParameterValue))
		if (name == "rds.force_ssl" || name == "require_secure_transport") && (val == "0" || val == "off" || val == "false") {
			return true, nil
		}
	}
	return false, nil
}

// createdUnencrypted: storageEncrypted is not true. An instance that joins a
// cluster takes the cluster's encryption and is not judged here.
func createdUnencrypted(d *CloudTrailDetail) (bool, error) {
	var p struct {
		StorageEncrypted    *bool  `json:"storageEncrypted"`
		DBClusterIdentifier string `json:"dBClusterIdentifier"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	if d.EventName == "CreateDBInstance" && p.DBClusterIdentifier != "" {
		return false, nil
	}
	return p.StorageEncrypted == nil || !*p.StorageEncrypted, nil
}

type ipPermission struct {
	IPProtocol string `json:"ipProtocol"`
	FromPort   *int   `json:"fromPort"`
	ToPort     *int   `json:"toPort"`
	IPRanges   struct {
		Items []struct {
			CidrIP string `json:"cidrIp"`
		} `json:"items"`
	} `json:"ipRanges"`
	IPv6Ranges struct {
		Items []struct {
			CidrIPv6 string `json:"cidrIpv6"`
		} `json:"items"`
	} `json:"ipv6Ranges"`
}

// ingressOpensDatabase: a rule from 0.0.0.0/0 or ::/0 that covers a database
// port or every port. Both request shapes are read: ipPermissions.items and
// the flat cidrIp/ipProtocol/fromPort/toPort form.
func ingressOpensDatabase(d *CloudTrailDetail) (bool, error) {
	var p struct {
		IPPermissions struct {
			Items []ipPermission `json:"items"`
		} `json:"ipPermissions"`
		CidrIP     string `json:"cidrIp"`
		IPProtocol string `json:"ipProtocol"`
		FromPort   *int   `json:"fromPort"`
		ToPort     *int   `json:"toPort"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	perms := p.IPPermissions.Items
	if p.CidrIP != "" {
		flat := ipPermission{IPProtocol: p.IPProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		flat.IPRanges.Items = append(flat.IPRanges.Items, struct {
			CidrIP string `json:"cidrIp"`
		}{p.CidrIP})
		perms = append(perms, flat)
	}
	for _, perm := range perms {
		world := false
		for _, r := range perm.IPRanges.Items {
			world = world || strings.TrimSpace(r.CidrIP) == "0.0.0.0/0"
		}
		for _, r := range perm.IPv6Ranges.Items {
			world = world || strings.TrimSpace(r.CidrIPv6) == "::/0"
		}
		if world && coversDatabasePort(perm) {
			return true, nil
		}
	}
	return false, nil
}

func coversDatabasePort(p ipPermission) bool {
	proto := strings.ToLower(p.IPProtocol)
	if proto == "-1" || proto == "all" {
		return true
	}
	if proto != "tcp" && proto != "6" {
		return false
	}
	if p.FromPort == nil || p.ToPort == nil || *p.FromPort == -1 {
		return true // no port range on TCP means every port
	}
	from, to := *p.FromPort, *p.ToPort
	for _, port := range DatabasePorts {
		if from <= port && port <= to {
			return true
		}
	}
	return false
}

// rootAccessKey: root creates an access key for itself (no userName).
func rootAccessKey(d *CloudTrailDetail) (bool, error) {
	if !d.IsRoot() {
		return false, nil
	}
	var p struct {
		UserName string `json:"userName"`
	}
	if err := d.Params(&p); err != nil {
		return false, err
	}
	return p.UserName == "", nil
}
