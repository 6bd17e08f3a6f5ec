package certificate

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is the part of the KMS client the signer calls.
type KMS interface {
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// Signer signs certificates with one KMS key.
type Signer struct {
	KMS KMS
	// KeyID is the signing key's id, ARN or alias.
	KeyID string
}

// Signed is a signed certificate, ready to store and send.
type Signed struct {
	Certificate Certificate
	// JSON is the canonical certificate, the exact bytes signed.
	JSON []byte
	// Signature is the DER (ASN.1) ECDSA signature.
	Signature []byte
	// PublicKeyPEM is the signing key's public key, PEM "PUBLIC KEY".
	PublicKeyPEM []byte
}

// ErrSigningKey marks a signing key that cannot sign certificates: of the
// wrong spec or usage, or one this role may not use.
var ErrSigningKey = errors.New("the certificate signing key cannot be used")

// KeyNeeded says what key signs certificates, for error messages.
const KeyNeeded = "certificates need an asymmetric KMS key with KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY and signing algorithm ECDSA_SHA_256, which this role may kms:Sign and kms:GetPublicKey with (the stack creates alias/pledge-<stage>-deletion-certificates)"

// publicKey fetches the key's public key and checks that it is an
// ECC_NIST_P256 SIGN_VERIFY key offering ECDSA_SHA_256.
func (s Signer) publicKey(ctx context.Context) (*kms.GetPublicKeyOutput, error) {
	pub, err := s.KMS.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.KeyID)})
	if err != nil {
		return nil, fmt.Errorf("%w: get public key of %s (%s): %w", ErrSigningKey, s.KeyID, KeyNeeded, err)
	}
	if pub.KeySpec != kmstypes.KeySpecEccNistP256 || pub.KeyUsage != kmstypes.KeyUsageTypeSignVerify || !slices.Contains(pub.SigningAlgorithms, kmstypes.SigningAlgorithmSpecEcdsaSha256) {
		return nil, fmt.Errorf("%w: key %s is %s for %s with %v; %s", ErrSigningKey, s.KeyID, pub.KeySpec, pub.KeyUsage, pub.SigningAlgorithms, KeyNeeded)
	}
	if _, err := parseP256(pub.PublicKey); err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrSigningKey, s.KeyID, err)
	}
	return pub, nil
}

// sign has KMS sign the SHA-256 of body and checks the signature.
func (s Signer) sign(ctx context.Context, body, publicKeyDER []byte) ([]byte, error) {
	digest := sha256.Sum256(body)
	out, err := s.KMS.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.KeyID),
		Message:          digest[:],
		MessageType:      kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("sign with %s: %w", s.KeyID, err)
	}
	key, _ := parseP256(publicKeyDER)
	if !ecdsa.VerifyASN1(key, digest[:], out.Signature) {
		return nil, fmt.Errorf("%w: KMS signature by %s does not verify with its public key", ErrBadSignature, s.KeyID)
	}
	return out.Signature, nil
}

// PreflightDigest is the SHA-256 Preflight has KMS sign.
var PreflightDigest = sha256.Sum256([]byte("Pledge signing-key preflight: no certificate is signed with this"))

// Preflight checks, before a purge deletes anything, that the key can
// sign its certificate: its spec, usage and algorithm (GetPublicKey), and
// that this role may sign with it (a Sign of PreflightDigest, verified).
// The error wraps ErrSigningKey and says what key is needed.
func (s Signer) Preflight(ctx context.Context) error {
	pub, err := s.publicKey(ctx)
	if err != nil {
		return err
	}
	digest := PreflightDigest
	out, err := s.KMS.Sign(ctx, &kms.SignInput{KeyId: aws.String(s.KeyID), Message: digest[:], MessageType: kmstypes.MessageTypeDigest, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
	if err != nil {
		return fmt.Errorf("%w: test signature with %s (the role needs kms:Sign on it): %w", ErrSigningKey, s.KeyID, err)
	}
	key, _ := parseP256(pub.PublicKey)
	if !ecdsa.VerifyASN1(key, digest[:], out.Signature) {
		return fmt.Errorf("%w: the test signature by %s does not verify with its public key", ErrSigningKey, s.KeyID)
	}
	return nil
}

// Sign fills in c.Signing, canonicalises c, has KMS sign the SHA-256
// digest of those bytes, and verifies the signature before returning it.
func (s Signer) Sign(ctx context.Context, c Certificate) (Signed, error) {
	pub, err := s.publicKey(ctx)
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: %w", c.TenantID, err)
	}
	keySum := sha256.Sum256(pub.PublicKey)
	keyID := aws.ToString(pub.KeyId)
	if keyID == "" {
		keyID = s.KeyID
	}
	c.Signing = Signing{KeyID: keyID, Algorithm: string(kmstypes.SigningAlgorithmSpecEcdsaSha256), PublicKeySHA256: hexString(keySum[:])}
	c.normalise()
	body, err := c.Canonical()
	if err != nil {
		return Signed{}, err
	}
	sig, err := s.sign(ctx, body, pub.PublicKey)
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: %w", c.TenantID, err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey})
	if err := Verify(body, sig, pemBytes); err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: KMS signature does not verify: %w", c.TenantID, err)
	}
	return Signed{Certificate: c, JSON: body, Signature: sig, PublicKeyPEM: pemBytes}, nil
}

// SignStored signs a certificate that is already canonical and names this
// signer's key: one an earlier attempt stored before it was stopped and
// whose signature was lost. The certificate stays byte for byte as stored.
func (s Signer) SignStored(ctx context.Context, body []byte) (Signed, error) {
	c, err := Parse(body)
	if err != nil {
		return Signed{}, fmt.Errorf("sign stored certificate: %w", err)
	}
	pub, err := s.publicKey(ctx)
	if err != nil {
		return Signed{}, fmt.Errorf("sign stored certificate for tenant %s: %w", c.TenantID, err)
	}
	if sum := sha256.Sum256(pub.PublicKey); c.Signing.PublicKeySHA256 != hexString(sum[:]) {
		return Signed{}, fmt.Errorf("sign stored certificate for tenant %s: it names public key %s, key %s is %s", c.TenantID, c.Signing.PublicKeySHA256, s.KeyID, hexString(sum[:]))
	}
	sig, err := s.sign(ctx, body, pub.PublicKey)
	if err != nil {
		return Signed{}, fmt.Errorf("sign stored certificate for tenant %s: %w", c.TenantID, err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey})
	if err := Verify(body, sig, pemBytes); err != nil {
		return Signed{}, fmt.Errorf("sign stored certificate for tenant %s: %w", c.TenantID, err)
	}
	return Signed{Certificate: c, JSON: body, Signature: sig, PublicKeyPEM: pemBytes}, nil
}

// ErrBadSignature reports a signature that does not match.
var ErrBadSignature = errors.New("certificate signature does not verify")

// Verify checks that certJSON is a canonical certificate, that signature
// (DER ECDSA) is valid for its SHA-256 under the P-256 public key in
// publicKeyPEM, and that the certificate names that key.
func Verify(certJSON, signature, publicKeyPEM []byte) error {
	block, _ := pem.Decode(publicKeyPEM)
	if block == nil || block.Type != "PUBLIC KEY" {
		return errors.New("verify certificate: public key is not a PEM \"PUBLIC KEY\" block")
	}
	key, err := parseP256(block.Bytes)
	if err != nil {
		return fmt.Errorf("verify certificate: %w", err)
	}
	c, err := Parse(certJSON)
	if err != nil {
		return fmt.Errorf("verify certificate: %w", err)
	}
	sum := sha256.Sum256(block.Bytes)
	if c.Signing.PublicKeySHA256 != hexString(sum[:]) {
		return fmt.Errorf("verify certificate: it names public key %s, this one is %s", c.Signing.PublicKeySHA256, hexString(sum[:]))
	}
	digest := sha256.Sum256(certJSON)
	if !ecdsa.VerifyASN1(key, digest[:], signature) {
		return ErrBadSignature
	}
	return nil
}

func parseP256(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("public key is %T, want ECDSA P-256", k)
	}
	return ec, nil
}
