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

// Sign fills in c.Signing, canonicalises c, has KMS sign the SHA-256
// digest of those bytes, and verifies the signature before returning it.
func (s Signer) Sign(ctx context.Context, c Certificate) (Signed, error) {
	pub, err := s.KMS.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.KeyID)})
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: get public key of %s: %w", c.TenantID, s.KeyID, err)
	}
	if pub.KeySpec != kmstypes.KeySpecEccNistP256 || !slices.Contains(pub.SigningAlgorithms, kmstypes.SigningAlgorithmSpecEcdsaSha256) {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: key %s is %s with %v, want %s with %s", c.TenantID, s.KeyID, pub.KeySpec, pub.SigningAlgorithms, kmstypes.KeySpecEccNistP256, kmstypes.SigningAlgorithmSpecEcdsaSha256)
	}
	if _, err := parseP256(pub.PublicKey); err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: key %s: %w", c.TenantID, s.KeyID, err)
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
	digest := sha256.Sum256(body)
	out, err := s.KMS.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.KeyID),
		Message:          digest[:],
		MessageType:      kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s with %s: %w", c.TenantID, s.KeyID, err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey})
	if err := Verify(body, out.Signature, pemBytes); err != nil {
		return Signed{}, fmt.Errorf("sign certificate for tenant %s: KMS signature does not verify: %w", c.TenantID, err)
	}
	return Signed{Certificate: c, JSON: body, Signature: out.Signature, PublicKeyPEM: pemBytes}, nil
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
