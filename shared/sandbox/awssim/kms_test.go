package awssim_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

func TestKMS_SignVerifiesWithPublicKey(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	client := kms.NewFromConfig(sdkConfig(url, 1))
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify, Description: aws.String("deletion certificates")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := aws.ToString(created.KeyMetadata.KeyId)
	if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/pledge-certificates"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	pub, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String("alias/pledge-certificates")})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParsePKIXPublicKey(pub.PublicKey)
	if err != nil {
		t.Fatalf("PublicKey is not DER SubjectPublicKeyInfo: %v", err)
	}
	ecPub := parsed.(*ecdsa.PublicKey)
	if pub.KeySpec != kmstypes.KeySpecEccNistP256 || len(pub.SigningAlgorithms) != 1 || pub.SigningAlgorithms[0] != kmstypes.SigningAlgorithmSpecEcdsaSha256 {
		t.Errorf("GetPublicKey = %+v", pub)
	}

	manifest := []byte(`{"tenant_id":"tenant-1","objects_deleted":1234}`)
	digest := sha256.Sum256(manifest)
	for _, tc := range []struct {
		name    string
		keyID   string
		message []byte
		typ     kmstypes.MessageType
	}{
		{"raw by alias", "alias/pledge-certificates", manifest, kmstypes.MessageTypeRaw},
		{"digest by key ARN", aws.ToString(created.KeyMetadata.Arn), digest[:], kmstypes.MessageTypeDigest},
		{"raw by alias ARN", "arn:aws:kms:ap-northeast-1:000000000000:alias/pledge-certificates", manifest, kmstypes.MessageTypeRaw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(tc.keyID), Message: tc.message, MessageType: tc.typ, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.KeyId) != aws.ToString(created.KeyMetadata.Arn) {
				t.Errorf("KeyId = %s, want the key ARN", aws.ToString(out.KeyId))
			}
			if !ecdsa.VerifyASN1(ecPub, digest[:], out.Signature) {
				t.Error("signature does not verify against GetPublicKey")
			}
			v, err := client.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(keyID), Message: manifest, Signature: out.Signature, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
			if err != nil || !v.SignatureValid {
				t.Errorf("Verify = %+v, %v", v, err)
			}
		})
	}

	t.Run("openssl verifies the DER signature", func(t *testing.T) {
		openssl, err := exec.LookPath("openssl")
		if err != nil {
			t.Fatalf("openssl is needed for this test (apt-get install openssl): %v", err)
		}
		out, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(keyID), Message: manifest, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		pemPub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey})
		cmd := exec.Command(openssl, "dgst", "-sha256", "-verify", write("pub.pem", pemPub), "-signature", write("sig.der", out.Signature), write("manifest.json", manifest))
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "Verified OK") {
			t.Errorf("openssl: %v %s", err, b)
		}
		st := srv.KMS().State()
		if len(st.Keys) != 1 || st.Keys[0].PublicKeyPEM != string(pemPub) || st.Keys[0].PrivateKeyPEM != "" {
			t.Errorf("state should hold the public key and never the private key: %+v", st.Keys)
		}
	})

	t.Run("tampered signature fails Verify", func(t *testing.T) {
		out, _ := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(keyID), Message: manifest, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		_, err := client.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(keyID), Message: append(manifest, ' '), Signature: out.Signature, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		var invalid *kmstypes.KMSInvalidSignatureException
		if !errors.As(err, &invalid) {
			t.Errorf("err = %v, want KMSInvalidSignatureException", err)
		}
	})
}

func TestKMS_KeysRotationAndErrors(t *testing.T) {
	ctx := context.Background()
	srv, url := start(t, awssim.Options{})
	off := false
	keys := []awssim.KMSKey{
		{KeyId: "11111111-1111-1111-1111-111111111111", Description: "tenant data", KeyRotationEnabled: true, Aliases: []string{"alias/tenant-data"}},
		{KeyId: "22222222-2222-2222-2222-222222222222", Description: "logs"},
		{KeyId: "33333333-3333-3333-3333-333333333333", KeyManager: "AWS", Aliases: []string{"alias/aws/rds"}},
		{KeyId: "44444444-4444-4444-4444-444444444444", Enabled: &off},
	}
	for i := range 6 {
		keys = append(keys, awssim.KMSKey{KeyId: fmt.Sprintf("9%07d-0000-0000-0000-000000000000", i)})
	}
	if err := srv.KMS().Seed(awssim.KMSSeed{Keys: keys}); err != nil {
		t.Fatal(err)
	}
	client := kms.NewFromConfig(sdkConfig(url, 1))

	var listed []string
	p := kms.NewListKeysPaginator(client, &kms.ListKeysInput{Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, k := range page.Keys {
			listed = append(listed, aws.ToString(k.KeyId))
		}
	}
	if len(listed) != 10 || pages != 4 {
		t.Errorf("listed %d keys in %d pages, want 10 in 4", len(listed), pages)
	}

	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"alias/tenant-data", true},
		{"22222222-2222-2222-2222-222222222222", false},
		{"alias/aws/rds", true}, // AWS managed keys always rotate
	} {
		out, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(tc.key)})
		if err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		if out.KeyRotationEnabled != tc.want {
			t.Errorf("%s rotation = %v, want %v", tc.key, out.KeyRotationEnabled, tc.want)
		}
	}
	if _, err := client.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String("22222222-2222-2222-2222-222222222222")}); err != nil {
		t.Fatal(err)
	}
	if out, _ := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String("22222222-2222-2222-2222-222222222222")}); !out.KeyRotationEnabled {
		t.Error("EnableKeyRotation did not enable rotation")
	}

	d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/tenant-data")})
	if err != nil {
		t.Fatal(err)
	}
	md := d.KeyMetadata
	if aws.ToString(md.Arn) != "arn:aws:kms:ap-northeast-1:000000000000:key/11111111-1111-1111-1111-111111111111" || md.KeyState != kmstypes.KeyStateEnabled ||
		md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyManager != kmstypes.KeyManagerTypeCustomer || md.CreationDate == nil {
		t.Errorf("DescribeKey = %+v", md)
	}

	signer, err := srv.KMS().CreateSigningKey("alias/signer")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		want any
		code string
	}{
		{"missing key", func() error {
			_, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/none")})
			return err
		}, new(*kmstypes.NotFoundException), "NotFoundException"},
		{"disabled key", func() error {
			_, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String("44444444-4444-4444-4444-444444444444"), Message: []byte("x"), SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, new(*kmstypes.DisabledException), "DisabledException"},
		{"sign with a symmetric key", func() error {
			_, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String("alias/tenant-data"), Message: []byte("x"), SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, new(*kmstypes.InvalidKeyUsageException), "InvalidKeyUsageException"},
		{"wrong algorithm", func() error {
			_, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("x"), SigningAlgorithm: kmstypes.SigningAlgorithmSpecRsassaPssSha256})
			return err
		}, new(*kmstypes.InvalidKeyUsageException), "InvalidKeyUsageException"},
		{"digest of the wrong length", func() error {
			_, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("short"), MessageType: kmstypes.MessageTypeDigest, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
			return err
		}, nil, "ValidationException"},
		{"rotation status of a signing key", func() error {
			_, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(signer)})
			return err
		}, new(*kmstypes.UnsupportedOperationException), "UnsupportedOperationException"},
		{"public key of a symmetric key", func() error {
			_, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String("alias/tenant-data")})
			return err
		}, new(*kmstypes.UnsupportedOperationException), "UnsupportedOperationException"},
		{"bad marker", func() error {
			_, err := client.ListKeys(ctx, &kms.ListKeysInput{Marker: aws.String("!!")})
			return err
		}, new(*kmstypes.InvalidMarkerException), "InvalidMarkerException"},
		{"unsupported key spec", func() error {
			_, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
			return err
		}, new(*kmstypes.UnsupportedOperationException), "UnsupportedOperationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var api smithy.APIError
			if err == nil || !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
			if tc.want != nil && !errors.As(err, tc.want) {
				t.Errorf("err %v is not a %T", err, tc.want)
			}
		})
	}

	t.Run("seed rejects bad keys", func(t *testing.T) {
		for _, k := range []awssim.KMSKey{
			{KeySpec: "RSA_2048"},
			{KeySpec: "ECC_NIST_P256", KeyUsage: "ENCRYPT_DECRYPT"},
			{Aliases: []string{"alias/aws/custom"}},
			{Aliases: []string{"alias/tenant-data"}},
			{KeySpec: "ECC_NIST_P256", PrivateKeyPEM: "not pem"},
		} {
			if err := srv.KMS().Seed(awssim.KMSSeed{Keys: []awssim.KMSKey{k}}); err == nil {
				t.Errorf("Seed(%+v) succeeded, want an error", k)
			}
		}
	})
}
