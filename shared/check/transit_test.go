package check_test

import (
	"strings"
	"testing"

	"github.com/pledge-dev/pledge/shared/check"
)

func TestDatabaseTLS(t *testing.T) {
	const arn = "arn:aws:rds:ap-northeast-1:123456789012:db:app-db"
	p := func(engine string, kv ...string) check.DBParameters {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return check.DBParameters{Database: arn, Name: "DB instance app-db", Engine: engine, Groups: "app-pg16", Values: m}
	}
	tests := []struct {
		name string
		in   check.DBParameters
		want want
	}{
		{"postgres forced 1.2", p("postgres", "rds.force_ssl", "1", "ssl_min_protocol_version", "TLSv1.2"),
			want{check.Pass, arn, "DB instance app-db forces TLS (rds.force_ssl = 1) with a minimum of TLSv1.2 (parameter groups app-pg16)."}},
		{"aurora-postgresql forced 1.3", p("aurora-postgresql", "rds.force_ssl", "1", "ssl_min_protocol_version", "TLSv1.3"),
			want{check.Pass, arn, "DB instance app-db forces TLS (rds.force_ssl = 1) with a minimum of TLSv1.3 (parameter groups app-pg16)."}},
		{"postgres not forced", p("postgres", "rds.force_ssl", "0", "ssl_min_protocol_version", "TLSv1.2"),
			want{check.Fail, arn, `In DB instance app-db (parameter groups app-pg16), rds.force_ssl is "0", not 1, so clients may connect without TLS.`}},
		{"postgres min 1.1", p("postgres", "rds.force_ssl", "1", "ssl_min_protocol_version", "TLSv1.1"),
			want{check.Fail, arn, `In DB instance app-db (parameter groups app-pg16), ssl_min_protocol_version is "TLSv1.1", not TLSv1.2 or TLSv1.3.`}},
		{"postgres nothing set", p("postgres"),
			want{check.Fail, arn, "In DB instance app-db (parameter groups app-pg16), rds.force_ssl is not set, not 1, so clients may connect without TLS and ssl_min_protocol_version is not set, not TLSv1.2 or TLSv1.3."}},
		{"mysql required, 1.2 and 1.3", p("mysql", "require_secure_transport", "1", "tls_version", "TLSv1.2,TLSv1.3"),
			want{check.Pass, arn, "DB instance app-db requires TLS (require_secure_transport = 1) with tls_version TLSv1.2,TLSv1.3 (parameter groups app-pg16)."}},
		{"aurora-mysql ON with spaces", p("aurora-mysql", "require_secure_transport", "ON", "tls_version", "TLSv1.2, TLSv1.3"),
			want{check.Pass, arn, "DB instance app-db requires TLS (require_secure_transport = ON) with tls_version TLSv1.2,TLSv1.3 (parameter groups app-pg16)."}},
		{"mariadb allows 1.1", p("mariadb", "require_secure_transport", "ON", "tls_version", "TLSv1.1,TLSv1.2"),
			want{check.Fail, arn, `In DB instance app-db (parameter groups app-pg16), tls_version "TLSv1.1,TLSv1.2" allows TLSv1.1.`}},
		{"mysql not required, old TLS", p("mysql", "require_secure_transport", "0", "tls_version", "TLSv1,TLSv1.1,TLSv1.2"),
			want{check.Fail, arn, `In DB instance app-db (parameter groups app-pg16), require_secure_transport is "0", not ON, so clients may connect without TLS and tls_version "TLSv1,TLSv1.1,TLSv1.2" allows TLSv1 and TLSv1.1.`}},
		{"mysql tls_version unset", p("mysql", "require_secure_transport", "ON"),
			want{check.Fail, arn, "In DB instance app-db (parameter groups app-pg16), tls_version is not set, so the engine's own list applies and may include TLS 1.0 and 1.1."}},
		{"mysql tls_version junk", p("mysql", "require_secure_transport", "ON", "tls_version", "SSLv3"),
			want{check.Fail, arn, `In DB instance app-db (parameter groups app-pg16), tls_version "SSLv3" offers neither TLSv1.2 nor TLSv1.3.`}},
		{"sqlserver", p("sqlserver-se", "rds.force_ssl", "1"),
			want{check.Error, arn, `DB instance app-db runs engine "sqlserver-se", whose TLS parameters this check does not know.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.DatabaseTLS(tt.in, now), check.RDSTLSEnforced, tt.want)
		})
	}
}

// policy builds a bucket policy document from statements.
func policy(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

const (
	denyBoth = `{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::tenant-data","arn:aws:s3:::tenant-data/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
	allowApp = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::tenant-data/*"}`
)

func TestBucketPolicyTLS(t *testing.T) {
	const arn = "arn:aws:s3:::tenant-data"
	pass := want{check.Pass, arn, "The policy of bucket tenant-data denies all S3 actions on the bucket and its objects when aws:SecureTransport is false."}
	none := want{check.Fail, arn, "The policy of bucket tenant-data has no statement that denies all S3 actions to everyone when aws:SecureTransport is false."}
	tests := []struct {
		name   string
		policy string
		want   want
	}{
		{"canonical", policy(allowApp, denyBoth), pass},
		{"single statement object, AWS principal, bool false, wildcard resource", `{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":"arn:aws:s3:::tenant-*","Condition":{"Bool":{"aws:SecureTransport":false}}}}`, pass},
		{"split across statements, action *, BoolIfExists", policy(
			`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"arn:aws:s3:::tenant-data","Condition":{"BoolIfExists":{"aws:securetransport":["false"]}}}`,
			`{"Effect":"Deny","Principal":"*","Action":"S3:*","Resource":"arn:aws:s3:::tenant-data/*","Condition":{"Bool":{"aws:SecureTransport":"FALSE"}}}`), pass},
		{"resource star", policy(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`), pass},
		{"objects only", policy(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::tenant-data/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`),
			want{check.Fail, arn, "The policy of bucket tenant-data denies requests without TLS on its objects but not on the bucket itself (arn:aws:s3:::tenant-data)."}},
		{"bucket and one prefix only", policy(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::tenant-data","arn:aws:s3:::tenant-data/public/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`),
			want{check.Fail, arn, "The policy of bucket tenant-data denies requests without TLS on the bucket but not on all of its objects (arn:aws:s3:::tenant-data/*)."}},
		{"question mark does not cover all objects", policy(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::tenant-data","arn:aws:s3:::tenant-data/?"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`),
			want{check.Fail, arn, "The policy of bucket tenant-data denies requests without TLS on the bucket but not on all of its objects (arn:aws:s3:::tenant-data/*)."}},
		{"other bucket", strings.ReplaceAll(policy(denyBoth), "tenant-data", "tenant-dat"), none},
		{"allow not deny", strings.Replace(policy(denyBoth), `"Deny"`, `"Allow"`, 1), none},
		{"secure transport true", strings.Replace(policy(denyBoth), `"false"`, `"true"`, 1), none},
		{"some actions only", strings.Replace(policy(denyBoth), `"s3:*"`, `["s3:GetObject","s3:PutObject"]`, 1), none},
		{"one principal only", strings.Replace(policy(denyBoth), `"Principal":"*"`, `"Principal":{"AWS":"arn:aws:iam::123456789012:root"}`, 1), none},
		{"extra condition narrows", strings.Replace(policy(denyBoth), `"Condition":{"Bool":{"aws:SecureTransport":"false"}}`, `"Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, 1), none},
		{"TLS version condition is not TLS-only", strings.Replace(policy(denyBoth), `{"Bool":{"aws:SecureTransport":"false"}}`, `{"NumericLessThan":{"s3:TlsVersion":"1.2"}}`, 1), none},
		{"NotPrincipal", strings.Replace(policy(denyBoth), `"Principal":"*"`, `"NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"}`, 1), none},
		{"no policy", "", want{check.Fail, arn, "Bucket tenant-data has no bucket policy, so nothing denies requests sent without TLS."}},
		{"not json", "{", want{check.Error, arn, "The policy of bucket tenant-data could not be read as JSON: unexpected end of JSON input."}},
		{"no statement", `{"Version":"2012-10-17"}`, want{check.Error, arn, "The policy of bucket tenant-data could not be read: no Statement."}},
		{"bad resource type", `{"Statement":[{"Effect":"Deny","Resource":7}]}`, want{check.Error, arn, "The policy of bucket tenant-data could not be read: field Statement: want a string or a list of strings, got 7."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertResult(t, check.BucketPolicyTLS(arn, tt.policy, now), check.S3TLSOnly, tt.want)
		})
	}
}

func FuzzBucketPolicyTLS(f *testing.F) {
	f.Add(policy(allowApp, denyBoth))
	f.Add(`{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":"arn:aws:s3:::tenant-*","Condition":{"Bool":{"aws:SecureTransport":false}}}}`)
	f.Add(`{"Statement":[{"Effect":"Deny","Resource":7}]}`)
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		r := check.BucketPolicyTLS("arn:aws:s3:::tenant-data", doc, now)
		if r.Reason == "" || (r.Status != check.Pass && r.Status != check.Fail && r.Status != check.Error) {
			t.Fatalf("bad result %+v", r)
		}
		// Removing every Deny can only make a passing policy fail.
		if r.Status == check.Pass && !strings.Contains(doc, `\u`) {
			if check.BucketPolicyTLS("arn:aws:s3:::tenant-data", strings.ReplaceAll(doc, "Deny", "Allow"), now).Status == check.Pass {
				t.Fatalf("policy passes without any Deny: %s", doc)
			}
		}
	})
}
