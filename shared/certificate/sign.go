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

	"github.com/aws/aws-sdk-go-v2/service/kms"
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

// Sign fills in c.Signing, canonicalises c, has KMS sign the SHA-256
// digest of those bytes, and verifies the signature before returning it.
func (s Signer) Sign(ctx context.Context, c Certificate) (Signed, error) {
	key, err := s.publicKey(ctx)
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: %w", c.TenantID, err)
	}
	c.Signing = key.signing
	c.normalise()
	body, err := c.Canonical()
	if err != nil {
		return Signed{}, err
	}
	sig, err := s.signDigest(ctx, body, key)
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: %w", c.TenantID, err)
	}
	if err := Verify(body, sig, key.pem); err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: KMS signature does not verify: %w", c.TenantID, err)
	}
	return Signed{Certificate: c, JSON: body, Signature: sig, PublicKeyPEM: key.pem}, nil
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
