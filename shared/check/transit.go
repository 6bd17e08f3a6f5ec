package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DBParameters are the effective parameters of a database: its DB
// parameter group, merged for Aurora with its DB cluster parameter group
// (where the TLS parameters live), engine defaults included.
type DBParameters struct {
	// Database is the resource (ARN or id) and Name the human name, e.g.
	// "DB cluster orders".
	Database string `json:"database"`
	Name     string `json:"name"`
	// Engine is RDS's engine name: postgres, aurora-postgresql, mysql,
	// mariadb or aurora-mysql.
	Engine string `json:"engine"`
	// Groups names the parameter groups read, for the reason.
	Groups string `json:"groups"`
	// Values maps parameter names to values; a parameter without a value
	// is absent or empty.
	Values map[string]string `json:"values"`
}

// DatabaseTLS judges whether a database's parameters force TLS 1.2 or newer:
//   - postgres, aurora-postgresql: rds.force_ssl = 1 and
//     ssl_min_protocol_version TLSv1.2 or TLSv1.3;
//   - mysql, mariadb, aurora-mysql: require_secure_transport ON (or 1) and
//     tls_version listing TLSv1.2 and/or TLSv1.3 but not TLSv1 or TLSv1.1.
//
// Other engines are an ERROR: the check does not know their parameters.
func DatabaseTLS(p DBParameters, now time.Time) Result {
	var fails, failsJA []string
	v := func(name string) string { return strings.TrimSpace(p.Values[name]) }
	nameJA := translateName(p.Name)
	switch p.Engine {
	case "postgres", "aurora-postgresql":
		if f := v("rds.force_ssl"); f != "1" {
			fails = append(fails, fmt.Sprintf("rds.force_ssl is %s, not 1, so clients may connect without TLS", shown(f)))
			failsJA = append(failsJA, fmt.Sprintf("rds.force_ssl が 1 ではなく %s のため、クライアントが TLS なしで接続できます", shownJA(f)))
		}
		if m := v("ssl_min_protocol_version"); m != "TLSv1.2" && m != "TLSv1.3" {
			fails = append(fails, fmt.Sprintf("ssl_min_protocol_version is %s, not TLSv1.2 or TLSv1.3", shown(m)))
			failsJA = append(failsJA, fmt.Sprintf("ssl_min_protocol_version が TLSv1.2 または TLSv1.3 ではなく %s です", shownJA(m)))
		}
		if len(fails) == 0 {
			return verdict(RDSTLSEnforced, p.Database, true, fmt.Sprintf("%s forces TLS (rds.force_ssl = 1) with a minimum of %s (parameter groups %s).", p.Name, v("ssl_min_protocol_version"), p.Groups), now).
				ja("%s は TLS を強制し (rds.force_ssl = 1)、最低バージョンは %s です (パラメータグループ %s)。", nameJA, v("ssl_min_protocol_version"), p.Groups)
		}
	case "mysql", "mariadb", "aurora-mysql":
		if r := v("require_secure_transport"); !strings.EqualFold(r, "ON") && r != "1" {
			fails = append(fails, fmt.Sprintf("require_secure_transport is %s, not ON, so clients may connect without TLS", shown(r)))
			failsJA = append(failsJA, fmt.Sprintf("require_secure_transport が ON ではなく %s のため、クライアントが TLS なしで接続できます", shownJA(r)))
		}
		tls := v("tls_version")
		var versions, old []string
		for _, s := range strings.Split(tls, ",") {
			if s = strings.TrimSpace(s); s != "" {
				versions = append(versions, s)
			}
			if s == "TLSv1" || s == "TLSv1.1" {
				old = append(old, s)
			}
		}
		switch {
		case len(versions) == 0:
			fails = append(fails, "tls_version is not set, so the engine's own list applies and may include TLS 1.0 and 1.1")
			failsJA = append(failsJA, "tls_version が未設定のため、エンジン既定の一覧が適用され TLS 1.0 と 1.1 を含むおそれがあります")
		case len(old) > 0:
			fails = append(fails, fmt.Sprintf("tls_version %q allows %s", tls, joinAnd(old)))
			failsJA = append(failsJA, fmt.Sprintf("tls_version %q が %s を許可しています", tls, strings.Join(old, "、")))
		case !slices.Contains(versions, "TLSv1.2") && !slices.Contains(versions, "TLSv1.3"):
			fails = append(fails, fmt.Sprintf("tls_version %q offers neither TLSv1.2 nor TLSv1.3", tls))
			failsJA = append(failsJA, fmt.Sprintf("tls_version %q は TLSv1.2 も TLSv1.3 も提供していません", tls))
		}
		if len(fails) == 0 {
			return verdict(RDSTLSEnforced, p.Database, true, fmt.Sprintf("%s requires TLS (require_secure_transport = %s) with tls_version %s (parameter groups %s).", p.Name, v("require_secure_transport"), strings.Join(versions, ","), p.Groups), now).
				ja("%s は TLS を必須とし (require_secure_transport = %s)、tls_version は %s です (パラメータグループ %s)。", nameJA, v("require_secure_transport"), strings.Join(versions, ","), p.Groups)
		}
	default:
		return NewResult(RDSTLSEnforced, p.Database, Error, fmt.Sprintf("%s runs engine %s, whose TLS parameters this check does not know.", p.Name, shown(p.Engine)), now).
			ja("%s のエンジン %s は、このチェックが TLS パラメータを把握していないエンジンです。", nameJA, shownJA(p.Engine))
	}
	return verdict(RDSTLSEnforced, p.Database, false, fmt.Sprintf("In %s (parameter groups %s), %s.", p.Name, p.Groups, joinAnd(fails)), now).
		ja("%s (パラメータグループ %s) では、%s。", nameJA, p.Groups, strings.Join(failsJA, "。また、"))
}

func shown(s string) string {
	if s == "" {
		return "not set"
	}
	return fmt.Sprintf("%q", s)
}

func shownJA(s string) string {
	if s == "" {
		return "未設定"
	}
	return fmt.Sprintf("%q", s)
}

// BucketPolicyTLS judges whether a bucket policy denies every request not
// sent over TLS: some Deny statement, for every principal ("*"), for every
// S3 action ("s3:*" or "*"), on the bucket and on all its objects, with the
// single condition Bool (or BoolIfExists) aws:SecureTransport = false. The
// bucket and its objects may be covered by different statements.
// Statements with NotPrincipal, NotAction or NotResource, or with further
// conditions, narrow the deny and do not count. bucketARN is
// "arn:PARTITION:s3:::BUCKET"; policy is the policy document, empty when the
// bucket has none. A policy that is not valid JSON is an ERROR.
//
// Only TLS itself is checked: AWS's S3 endpoints accept no TLS version
// older than 1.2, so a request over TLS is a TLS 1.2+ request.
func BucketPolicyTLS(bucketARN, policy string, now time.Time) Result {
	bucket := bucketARN[strings.LastIndex(bucketARN, ":")+1:]
	if strings.TrimSpace(policy) == "" {
		return verdict(S3TLSOnly, bucketARN, false, fmt.Sprintf("Bucket %s has no bucket policy, so nothing denies requests sent without TLS.", bucket), now).
			ja("バケット %s にはバケットポリシーがなく、TLS を使わないリクエストを拒否するものがありません。", bucket)
	}
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return NewResult(S3TLSOnly, bucketARN, Error, fmt.Sprintf("The policy of bucket %s could not be read as JSON: %v.", bucket, err), now).
			ja("バケット %s のポリシーを JSON として読み取れませんでした: %v。", bucket, err)
	}
	stmts, err := statements(doc.Statement)
	if err != nil {
		return NewResult(S3TLSOnly, bucketARN, Error, fmt.Sprintf("The policy of bucket %s could not be read: %v.", bucket, err), now).
			ja("バケット %s のポリシーを読み取れませんでした: %v。", bucket, err)
	}
	var bucketCovered, objectsCovered bool
	for _, s := range stmts {
		if !s.deniesInsecureTransportToAll() {
			continue
		}
		for _, r := range s.Resource {
			bucketCovered = bucketCovered || glob(r, bucketARN)
			objectsCovered = objectsCovered || coversAllObjects(r, bucketARN+"/")
		}
	}
	switch {
	case bucketCovered && objectsCovered:
		return verdict(S3TLSOnly, bucketARN, true, fmt.Sprintf("The policy of bucket %s denies all S3 actions on the bucket and its objects when aws:SecureTransport is false.", bucket), now).
			ja("バケット %s のポリシーは、aws:SecureTransport が false のとき、バケットとそのオブジェクトへのすべての S3 操作を拒否します。", bucket)
	case bucketCovered:
		return verdict(S3TLSOnly, bucketARN, false, fmt.Sprintf("The policy of bucket %s denies requests without TLS on the bucket but not on all of its objects (%s/*).", bucket, bucketARN), now).
			ja("バケット %s のポリシーは TLS なしのリクエストをバケットでは拒否しますが、すべてのオブジェクト (%s/*) では拒否しません。", bucket, bucketARN)
	case objectsCovered:
		return verdict(S3TLSOnly, bucketARN, false, fmt.Sprintf("The policy of bucket %s denies requests without TLS on its objects but not on the bucket itself (%s).", bucket, bucketARN), now).
			ja("バケット %s のポリシーは TLS なしのリクエストをオブジェクトでは拒否しますが、バケット自体 (%s) では拒否しません。", bucket, bucketARN)
	default:
		return verdict(S3TLSOnly, bucketARN, false, fmt.Sprintf("The policy of bucket %s has no statement that denies all S3 actions to everyone when aws:SecureTransport is false.", bucket), now).
			ja("バケット %s のポリシーには、aws:SecureTransport が false のときに全員のすべての S3 操作を拒否するステートメントがありません。", bucket)
	}
}

// stringList is a policy element that is either a string or a list of them.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", clipJSON(b))
	}
	*l = many
	return nil
}

func clipJSON(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

type statement struct {
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       stringList
	NotAction    json.RawMessage
	Resource     stringList
	NotResource  json.RawMessage
	Condition    map[string]map[string]json.RawMessage
}

func statements(raw json.RawMessage) ([]statement, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("no Statement")
	}
	if trimmed := strings.TrimSpace(string(raw)); strings.HasPrefix(trimmed, "[") {
		var many []statement
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, fmt.Errorf("field Statement: %w", err)
		}
		return many, nil
	}
	var one statement
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, fmt.Errorf("field Statement: %w", err)
	}
	return []statement{one}, nil
}

func (s statement) deniesInsecureTransportToAll() bool {
	if s.Effect != "Deny" || s.NotPrincipal != nil || s.NotAction != nil || s.NotResource != nil {
		return false
	}
	if !everyone(s.Principal) {
		return false
	}
	allActions := false
	for _, a := range s.Action {
		allActions = allActions || a == "*" || strings.EqualFold(a, "s3:*")
	}
	if !allActions || len(s.Condition) != 1 {
		return false
	}
	for op, kv := range s.Condition {
		if op != "Bool" && op != "BoolIfExists" || len(kv) != 1 {
			return false
		}
		for k, v := range kv {
			if !strings.EqualFold(k, "aws:SecureTransport") {
				return false
			}
			return isFalse(v)
		}
	}
	return false
}

// everyone reports whether a Principal is "*" or {"AWS": "*"}.
func everyone(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == "*"
	}
	var m map[string]stringList
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	return slices.Contains(m["AWS"], "*")
}

// isFalse reports whether a condition value is false: "false", false, or a
// list holding only those.
func isFalse(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return !b
	}
	var l stringList
	if json.Unmarshal(raw, &l) != nil || len(l) == 0 {
		return false
	}
	for _, v := range l {
		if !strings.EqualFold(v, "false") {
			return false
		}
	}
	return true
}

// glob matches an IAM resource pattern (* any run, ? any one character)
// against a literal name.
func glob(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// coversAllObjects reports whether a resource pattern matches every object
// key under prefix ("arn:aws:s3:::bucket/"): it must end in '*' and the rest
// of it must match some leading part of the prefix, so the final '*' takes
// any key.
func coversAllObjects(pattern, prefix string) bool {
	head, ok := strings.CutSuffix(pattern, "*")
	if !ok {
		return false
	}
	for i := 0; i <= len(prefix); i++ {
		if glob(head, prefix[:i]) {
			return true
		}
	}
	return false
}
