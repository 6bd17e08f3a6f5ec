package certificate_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/purge"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeKMS signs like KMS with an ECDSA P-256 key held in memory.
type fakeKMS struct {
	key     *ecdsa.PrivateKey
	spec    kmstypes.KeySpec
	usage   kmstypes.KeyUsageType
	signs   []*kms.SignInput
	corrupt bool
	// denySign answers Sign with AccessDeniedException.
	denySign bool
	// denyPublicKey answers GetPublicKey with AccessDeniedException.
	denyPublicKey bool
}

func newFakeKMS(t *testing.T) *fakeKMS {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{key: k, spec: kmstypes.KeySpecEccNistP256}
}

const keyARN = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func (f *fakeKMS) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	if f.denyPublicKey {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform kms:GetPublicKey"}
	}
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		return nil, err
	}
	usage := f.usage
	if usage == "" {
		usage = kmstypes.KeyUsageTypeSignVerify
	}
	return &kms.GetPublicKeyOutput{KeyId: aws.String(keyARN), PublicKey: der, KeySpec: f.spec, KeyUsage: usage,
		SigningAlgorithms: []kmstypes.SigningAlgorithmSpec{kmstypes.SigningAlgorithmSpecEcdsaSha256}}, nil
}

func (f *fakeKMS) Sign(ctx context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	f.signs = append(f.signs, in)
	if f.denySign {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform kms:Sign"}
	}
	if in.SigningAlgorithm != kmstypes.SigningAlgorithmSpecEcdsaSha256 {
		return nil, fmt.Errorf("fake KMS: algorithm %s", in.SigningAlgorithm)
	}
	digest := in.Message
	switch in.MessageType {
	case kmstypes.MessageTypeDigest:
		if len(digest) != sha256.Size {
			return nil, fmt.Errorf("fake KMS: digest of %d bytes", len(digest))
		}
	case kmstypes.MessageTypeRaw, "":
		if len(in.Message) > 4096 {
			return nil, errors.New("fake KMS: ValidationException: RAW message over 4096 bytes")
		}
		s := sha256.Sum256(in.Message)
		digest = s[:]
	}
	if f.corrupt {
		digest = append([]byte{}, digest...)
		digest[0] ^= 1
	}
	sig, err := ecdsa.SignASN1(rand.Reader, f.key, digest)
	if err != nil {
		return nil, err
	}
	return &kms.SignOutput{KeyId: aws.String(keyARN), Signature: sig, SigningAlgorithm: in.SigningAlgorithm}, nil
}

var (
	jst       = mustZone("Asia/Tokyo")
	deletedAt = time.Date(2026, 11, 20, 18, 30, 15, 123456789, time.UTC)
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func gfs() []config.BackupPolicy {
	return []config.BackupPolicy{{Name: "main-db", Schedule: "rate(1 hour)", Keep: config.Keep{Hourly: 24, Daily: 7, Weekly: 4}, MinAvailable: 1}}
}

func purgedResult() purge.Result {
	locs := []purge.Location{{Bucket: "acme-tenant-data", Prefix: "tenants/tenant-1/"}, {Bucket: "acme-uploads", Prefix: "t/tenant-1/"}}
	return purge.Result{
		TenantID: "tenant-1", Locations: locs, Status: purge.StatusPurged,
		Counts:        purge.Counts{Objects: 41234, Versions: 98000, DeleteMarkers: 2000, Bytes: 123456789012},
		FirstDeletion: deletedAt.Add(-9 * time.Minute), LastDeletion: deletedAt,
		ManifestSHA256: strings.Repeat("ab", 32),
		Locked: []purge.Locked{
			{Bucket: "acme-tenant-data", Key: "tenants/tenant-1/contracts/<signed> & \"final\".pdf", VersionID: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", Size: 52344, Mode: "COMPLIANCE", RetainUntil: time.Date(2027, 3, 31, 15, 0, 0, 0, time.UTC)},
			{Bucket: "acme-tenant-data", Key: "tenants/tenant-1/audit.log", VersionID: "null", Size: 10, LegalHold: true},
		},
	}
}

// sealed is the sealed manifest of purgedResult.
func sealed() purge.Sealed {
	return purge.Sealed{IndexKey: "deletion-manifest/tenant-1/20261120T182115Z/index.jsonl", IndexSHA256: strings.Repeat("cd", 32), SHA256: strings.Repeat("ab", 32), Lines: 100000, Parts: 100}
}

func newCert(t *testing.T, policies []config.BackupPolicy) certificate.Certificate {
	t.Helper()
	c, err := certificate.New(certificate.Input{Result: purgedResult(), Manifest: sealed(), Policies: policies, Zone: jst, Issuer: "Acme SaaS K.K. (Pledge tenant-purger)", IssuedAt: deletedAt.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSigner_VerifiesWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is not installed, and this test must verify with the real command: %v", err)
	}
	f := newFakeKMS(t)
	signed, err := certificate.Signer{KMS: f, KeyID: "alias/pledge-certificates"}.Sign(context.Background(), newCert(t, gfs()))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.signs) != 1 || f.signs[0].MessageType != kmstypes.MessageTypeDigest || len(f.signs[0].Message) != 32 {
		t.Fatalf("KMS Sign calls %+v, want one with a SHA-256 DIGEST", f.signs)
	}
	if got := signed.Certificate.Signing; got.KeyID != keyARN || got.Algorithm != "ECDSA_SHA_256" || len(got.PublicKeySHA256) != 64 {
		t.Errorf("signing = %+v", got)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certificate.FileJSON, signed.JSON)
	write(certificate.FileSignature, signed.Signature)
	write(certificate.FilePublicKey, signed.PublicKeyPEM)
	run := func() (string, error) {
		args := strings.Fields(certificate.VerifyCommand)[1:]
		cmd := exec.Command(openssl, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(); err != nil || strings.TrimSpace(out) != "Verified OK" {
		t.Fatalf("%s: %q, %v", certificate.VerifyCommand, out, err)
	}
	if err := certificate.Verify(signed.JSON, signed.Signature, signed.PublicKeyPEM); err != nil {
		t.Errorf("Go Verify: %v", err)
	}
	// One changed byte in the count must fail both.
	tampered := bytes.Replace(signed.JSON, []byte(`"versions":98000`), []byte(`"versions":98001`), 1)
	if bytes.Equal(tampered, signed.JSON) {
		t.Fatal("tampering found nothing to change")
	}
	write(certificate.FileJSON, tampered)
	if out, err := run(); err == nil || !strings.Contains(out, "Verification failure") {
		t.Errorf("openssl accepted a tampered certificate: %q, %v", out, err)
	}
	if err := certificate.Verify(tampered, signed.Signature, signed.PublicKeyPEM); !errors.Is(err, certificate.ErrBadSignature) {
		t.Errorf("Go Verify of a tampered certificate: %v, want ErrBadSignature", err)
	}
}

func TestSigner_RefusesWrongKeyAndBadSignature(t *testing.T) {
	f := newFakeKMS(t)
	f.spec = kmstypes.KeySpecRsa2048
	if _, err := (certificate.Signer{KMS: f, KeyID: "k"}).Sign(context.Background(), newCert(t, gfs())); err == nil || !strings.Contains(err.Error(), "ECC_NIST_P256") {
		t.Errorf("RSA key: err = %v, want a refusal naming ECC_NIST_P256", err)
	}
	f = newFakeKMS(t)
	f.corrupt = true
	if _, err := (certificate.Signer{KMS: f, KeyID: "k"}).Sign(context.Background(), newCert(t, gfs())); !errors.Is(err, certificate.ErrBadSignature) {
		t.Errorf("bad KMS signature: err = %v, want ErrBadSignature", err)
	}
}

func TestCertificate_Canonical(t *testing.T) {
	c := newCert(t, gfs())
	b, err := c.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil || !bytes.Equal(compact.Bytes(), b) {
		t.Errorf("canonical JSON has insignificant whitespace (or is invalid: %v)", err)
	}
	for _, bad := range []string{"\n", `\u003c`, `\u0026`, ".123"} {
		if bytes.Contains(b, []byte(bad)) {
			t.Errorf("canonical JSON contains %q", bad)
		}
	}
	for _, want := range []string{`"last_deletion":"2026-11-20T18:30:15Z"`, `<signed> & \"final\".pdf`, `"retain_until":"2027-03-31T15:00:00Z"`, `"reasons":["legal_hold"]`, `"expires_by":"2026-12-18T19:30:15Z"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("canonical JSON lacks %s", want)
		}
	}
	// Keys sorted at the top level.
	if !bytes.HasPrefix(b, []byte(`{"backups":`)) || !bytes.Contains(b, []byte(`"issued_at":"2026-11-20T18:32:15Z","issuer":`)) {
		t.Errorf("keys not sorted: %.120s", b)
	}
	parsed, err := certificate.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := parsed.Canonical()
	if !bytes.Equal(again, b) {
		t.Error("Parse + Canonical does not reproduce the bytes")
	}
	var indented bytes.Buffer
	indented.Write(bytes.ReplaceAll(b, []byte(`,"`), []byte(`, "`)))
	if _, err := certificate.Parse(indented.Bytes()); err == nil || !strings.Contains(err.Error(), "canonical") {
		t.Errorf("Parse accepted whitespace: %v", err)
	}
}

func TestNew_RefusesIncompletePurges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*purge.Result, *purge.Sealed)
		want   string
	}{
		{"Incomplete", func(r *purge.Result, _ *purge.Sealed) { r.Status = purge.StatusIncomplete }, `"incomplete"`},
		{"NotPurged", func(r *purge.Result, _ *purge.Sealed) { r.Status = purge.StatusNotPurged }, `"not_purged"`},
		{"NoDigest", func(_ *purge.Result, m *purge.Sealed) { m.SHA256 = "" }, "lacks a digest"},
		{"NoIndex", func(_ *purge.Result, m *purge.Sealed) { m.IndexKey = "" }, "lacks a digest or its index"},
		{"StoredManifestDiffers", func(_ *purge.Result, m *purge.Sealed) { m.SHA256 = strings.Repeat("ef", 32) }, "the stored manifest hashes to"},
		{"LinesDiffer", func(_ *purge.Result, m *purge.Sealed) { m.Lines-- }, "99999 lines"},
		{"NoTenant", func(r *purge.Result, _ *purge.Sealed) { r.TenantID = "" }, "no tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, m := purgedResult(), sealed()
			tc.change(&r, &m)
			_, err := certificate.New(certificate.Input{Result: r, Manifest: m, Policies: gfs(), Zone: jst, Issuer: "x", IssuedAt: deletedAt})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %s", err, tc.want)
			}
		})
	}
}

func TestBackupExpiryFor(t *testing.T) {
	basis := time.Date(2026, 1, 31, 10, 20, 0, 0, time.UTC) // 19:20 JST
	at := func(s string) string { return s }
	for _, tc := range []struct {
		name     string
		policies []config.BackupPolicy
		never    bool
		want     string // expires_by, RFC 3339 UTC
		longest  []string
	}{
		{"GFSHourlyDailyWeekly", gfs(), false, at("2026-02-28T11:20:00Z"), []string{"weekly 4"}},
		{"Daily7", []config.BackupPolicy{{Name: "d", Schedule: "cron(0 3 * * ? *)", Keep: config.Keep{Daily: 7}, MinAvailable: 1}}, false, at("2026-02-08T10:20:00Z"), []string{"daily 7"}},
		{"PITRLongerThanTiers", []config.BackupPolicy{{Name: "p", Schedule: "rate(1 day)", Keep: config.Keep{Daily: 7}, MinAvailable: 1, PointInTimeRecoveryDays: 30}}, false, at("2026-03-03T10:20:00Z"), []string{"point_in_time_recovery_days 30"}},
		{"LastN", []config.BackupPolicy{{Name: "l", Schedule: "rate(12 hours)", Keep: config.Keep{Last: 10}, MinAvailable: 1}}, false, at("2026-02-05T22:20:00Z"), []string{"last 10"}},
		{"MonthlyFromMonthEnd", []config.BackupPolicy{{Name: "m", Schedule: "rate(1 day)", Keep: config.Keep{Monthly: 1}, MinAvailable: 1}}, false, at("2026-03-04T10:20:00Z"), []string{"monthly 1"}},
		{"YearlyUnlimited", []config.BackupPolicy{{Name: "y", Schedule: "rate(1 day)", Keep: config.Keep{Daily: 7, Yearly: -1}, MinAvailable: 1}}, true, "", []string{"yearly -1"}},
		// withinDaily 11d on a daily schedule: 11 days, an interval for the
		// instant cut, an interval for the next run (19:20 JST + 13 days).
		{"WithinDaily11d", []config.BackupPolicy{{Name: "w", Schedule: "cron(0 3 * * ? *)", Keep: config.Keep{WithinDaily: "11d"}, MinAvailable: 1}}, false, at("2026-02-13T10:20:00Z"), []string{"withinDaily 11d"}},
		// Point-in-time recovery only: 30 days of RDS's automated backups,
		// taken daily, then the day they age out.
		{"PITROnly", []config.BackupPolicy{{Name: "pitr", PointInTimeRecoveryDays: 30, MinAvailable: 1}}, false, at("2026-03-03T10:20:00Z"), []string{"point_in_time_recovery_days 30"}},
		{"LatestOfTwo", append(gfs(), config.BackupPolicy{Name: "d", Schedule: "rate(1 day)", Keep: config.Keep{Daily: 60}, MinAvailable: 1}), false, at("2026-04-02T10:20:00Z"), []string{"weekly 4", "daily 60"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := certificate.BackupExpiryFor(tc.policies, basis, jst)
			if err != nil {
				t.Fatal(err)
			}
			if got.Never != tc.never {
				t.Errorf("never = %v, want %v", got.Never, tc.never)
			}
			switch {
			case tc.want == "" && got.ExpiresBy != nil:
				t.Errorf("expires by %s, want no date", got.ExpiresBy)
			case tc.want != "" && (got.ExpiresBy == nil || got.ExpiresBy.Format(time.RFC3339) != tc.want):
				t.Errorf("expires by %v, want %s", got.ExpiresBy, tc.want)
			}
			for i, p := range got.Policies {
				if p.Longest != tc.longest[i] {
					t.Errorf("policy %s longest tier %q, want %q", p.Policy, p.Longest, tc.longest[i])
				}
			}
		})
	}
	if _, err := certificate.BackupExpiryFor([]config.BackupPolicy{{Name: "bad", Schedule: "every hour", Keep: config.Keep{Daily: 1}}}, basis, jst); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("invalid schedule: err = %v, want one naming the policy", err)
	}
}

func TestSummary_Golden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policies []config.BackupPolicy
		zone     *time.Location
	}{
		{"gfs_jst", gfs(), jst},
		{"yearly_forever_utc", []config.BackupPolicy{{Name: "archive", Schedule: "rate(1 day)", Keep: config.Keep{Daily: 7, Yearly: -1}, MinAvailable: 1}}, time.UTC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed, err := certificate.Signer{KMS: newFakeKMS(t), KeyID: "alias/pledge"}.Sign(context.Background(), newCert(t, tc.policies))
			if err != nil {
				t.Fatal(err)
			}
			got := certificate.Summary(signed.Certificate, tc.zone)
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("summary differs from %s (go test -update to accept):\n%s", path, got)
			}
			ja, en := strings.Index(got, "【日本語】"), strings.Index(got, "【English】")
			if ja < 0 || en < 0 || ja > en {
				t.Error("Japanese must come first, then English")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	c, _ := certificate.New(certificate.Input{Result: purgedResult(), Manifest: sealed(), Policies: gfs(), Zone: jst, Issuer: "x", IssuedAt: deletedAt})
	b, _ := c.Canonical()
	f.Add(b)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":"pledge-deletion-certificate/2","issued_at":"2026-01-01T00:00:00+09:00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := certificate.Parse(b)
		if err != nil {
			return
		}
		again, err := c.Canonical()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("parsed certificate does not re-encode to its bytes: %v", err)
		}
	})
}

func TestSummaryIn_ContactLanguageFirst(t *testing.T) {
	signed, err := certificate.Signer{KMS: newFakeKMS(t), KeyID: "alias/pledge"}.Sign(context.Background(), newCert(t, gfs()))
	if err != nil {
		t.Fatal(err)
	}
	def := certificate.Summary(signed.Certificate, jst)
	en := certificate.SummaryIn(signed.Certificate, jst, []string{"en"})
	if i, j := strings.Index(en, "【English】"), strings.Index(en, "【日本語】"); i < 0 || j < 0 || i > j {
		t.Errorf("an English-language contact should read English first, then Japanese")
	}
	if len(en) != len(def) {
		t.Errorf("reordering changed the content: %d bytes vs %d", len(en), len(def))
	}
	if got := certificate.SummaryIn(signed.Certificate, jst, []string{"fr"}); got != def {
		t.Errorf("an unknown language should give the default order")
	}
}

// TestSignBytes signs arbitrary bytes as a certificate is signed: the
// signature verifies under the returned key, and fails for other bytes, a
// flipped signature or another key.
func TestSignBytes(t *testing.T) {
	ctx := context.Background()
	k := newFakeKMS(t)
	body := []byte("0123abcd  evidence-pack/2026-11/pack.json\n")
	d, err := certificate.Signer{KMS: k, KeyID: "alias/pledge-deletion-certificates"}.SignBytes(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Signing.Algorithm != "ECDSA_SHA_256" || len(d.Signing.PublicKeySHA256) != 64 || d.Signing.KeyID == "" {
		t.Errorf("signing = %+v", d.Signing)
	}
	if err := certificate.VerifyBytes(body, d.Signature, d.PublicKeyPEM); err != nil {
		t.Errorf("VerifyBytes: %v", err)
	}
	if err := certificate.VerifyBytes(append(body, 'x'), d.Signature, d.PublicKeyPEM); !errors.Is(err, certificate.ErrBadSignature) {
		t.Errorf("other bytes: %v, want ErrBadSignature", err)
	}
	other, err := certificate.Signer{KMS: newFakeKMS(t), KeyID: "k2"}.SignBytes(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := certificate.VerifyBytes(body, d.Signature, other.PublicKeyPEM); !errors.Is(err, certificate.ErrBadSignature) {
		t.Errorf("another key: %v, want ErrBadSignature", err)
	}
	k.spec = kmstypes.KeySpecRsa2048
	if _, err := (certificate.Signer{KMS: k, KeyID: "rsa"}).SignBytes(ctx, body); err == nil || !strings.Contains(err.Error(), "KeySpec ECC_NIST_P256") {
		t.Errorf("an RSA key: %v, want an error naming the key spec needed", err)
	}
}

func TestSigner_Preflight(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS(t)
	if err := (certificate.Signer{KMS: f, KeyID: "k"}).Preflight(ctx); err != nil {
		t.Fatalf("good key: %v", err)
	}
	if len(f.signs) != 1 || !bytes.Equal(f.signs[0].Message, certificate.PreflightDigest[:]) || f.signs[0].MessageType != kmstypes.MessageTypeDigest {
		t.Errorf("preflight signs %+v, want one DIGEST of PreflightDigest", f.signs)
	}
	for _, tc := range []struct {
		name   string
		change func(*fakeKMS)
		want   []string
	}{
		{"WrongSpec", func(f *fakeKMS) { f.spec = kmstypes.KeySpecEccNistP384 }, []string{"ECC_NIST_P384", "KeySpec ECC_NIST_P256", "SIGN_VERIFY", "ECDSA_SHA_256"}},
		{"WrongUsage", func(f *fakeKMS) { f.usage = kmstypes.KeyUsageTypeEncryptDecrypt }, []string{"ENCRYPT_DECRYPT", "KeyUsage SIGN_VERIFY"}},
		{"SignDenied", func(f *fakeKMS) { f.denySign = true }, []string{"kms:Sign", "AccessDenied"}},
		{"GetPublicKeyDenied", func(f *fakeKMS) { f.denyPublicKey = true }, []string{"kms:GetPublicKey", "AccessDenied", "KeySpec ECC_NIST_P256"}},
		{"SignatureBad", func(f *fakeKMS) { f.corrupt = true }, []string{"does not verify"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeKMS(t)
			tc.change(f)
			err := (certificate.Signer{KMS: f, KeyID: "alias/x"}).Preflight(ctx)
			if !errors.Is(err, certificate.ErrSigningKey) {
				t.Fatalf("err = %v, want ErrSigningKey", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSigner_SignStored(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS(t)
	s := certificate.Signer{KMS: f, KeyID: "k"}
	signed, err := s.Sign(ctx, newCert(t, gfs()))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.SignStored(ctx, signed.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.JSON, signed.JSON) {
		t.Error("SignStored changed the certificate")
	}
	if err := certificate.Verify(signed.JSON, again.Signature, again.PublicKeyPEM); err != nil {
		t.Errorf("new signature: %v", err)
	}
	other := certificate.Signer{KMS: newFakeKMS(t), KeyID: "k2"}
	if _, err := other.SignStored(ctx, signed.JSON); err == nil || !strings.Contains(err.Error(), "names public key") {
		t.Errorf("another key: %v, want a refusal", err)
	}
}
