package certificate

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Detached is a signature over bytes that are not a certificate (the
// monthly evidence index), made exactly as a certificate's is: ECDSA P-256
// over the SHA-256 of the bytes, DER-encoded, verifiable with
// `openssl dgst -sha256 -verify public-key.pem -signature FILE.sig FILE`.
type Detached struct {
	// Signature is the DER (ASN.1) ECDSA signature.
	Signature []byte
	// PublicKeyPEM is the signing key's public key, PEM "PUBLIC KEY".
	PublicKeyPEM []byte
	// Signing names the key, the algorithm and the public key's SHA-256.
	Signing Signing
}

// SignBytes has KMS sign the SHA-256 digest of body with the signer's key
// and verifies the signature before returning it.
func (s Signer) SignBytes(ctx context.Context, body []byte) (Detached, error) {
	key, err := s.publicKey(ctx)
	if err != nil {
		return Detached{}, fmt.Errorf("sign: %w", err)
	}
	sig, err := s.signDigest(ctx, body, key)
	if err != nil {
		return Detached{}, fmt.Errorf("sign: %w", err)
	}
	return Detached{Signature: sig, PublicKeyPEM: key.pem, Signing: key.signing}, nil
}

// VerifyBytes checks a detached signature of body under the P-256 public
// key in publicKeyPEM.
func VerifyBytes(body, signature, publicKeyPEM []byte) error {
	block, _ := pem.Decode(publicKeyPEM)
	if block == nil || block.Type != "PUBLIC KEY" {
		return errors.New("verify signature: public key is not a PEM \"PUBLIC KEY\" block")
	}
	key, err := parseP256(block.Bytes)
	if err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(key, digest[:], signature) {
		return ErrBadSignature
	}
	return nil
}

// signingKey is the signer's key as GetPublicKey describes it.
type signingKey struct {
	signing Signing
	pem     []byte
}

// PublicKey names the key SignBytes signs with and returns its public key
// (PEM), after checking that it is an ECC_NIST_P256 key that signs with
// ECDSA_SHA_256: what a signed document states about its signer before it
// is signed.
func (s Signer) PublicKey(ctx context.Context) (Signing, []byte, error) {
	k, err := s.publicKey(ctx)
	return k.signing, k.pem, err
}

// publicKey reads the signing key's public key and checks that it is an
// ECC_NIST_P256 key that signs with ECDSA_SHA_256.
func (s Signer) publicKey(ctx context.Context) (signingKey, error) {
	pub, err := s.KMS.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.KeyID)})
	if err != nil {
		return signingKey{}, fmt.Errorf("get public key of %s: %w", s.KeyID, err)
	}
	if pub.KeySpec != kmstypes.KeySpecEccNistP256 || !slices.Contains(pub.SigningAlgorithms, kmstypes.SigningAlgorithmSpecEcdsaSha256) {
		return signingKey{}, fmt.Errorf("key %s is %s with %v, want %s with %s", s.KeyID, pub.KeySpec, pub.SigningAlgorithms, kmstypes.KeySpecEccNistP256, kmstypes.SigningAlgorithmSpecEcdsaSha256)
	}
	if _, err := parseP256(pub.PublicKey); err != nil {
		return signingKey{}, fmt.Errorf("key %s: %w", s.KeyID, err)
	}
	keySum := sha256.Sum256(pub.PublicKey)
	keyID := aws.ToString(pub.KeyId)
	if keyID == "" {
		keyID = s.KeyID
	}
	return signingKey{
		signing: Signing{KeyID: keyID, Algorithm: string(kmstypes.SigningAlgorithmSpecEcdsaSha256), PublicKeySHA256: hexString(keySum[:])},
		pem:     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub.PublicKey}),
	}, nil
}

// signDigest has KMS sign the SHA-256 digest of body (MessageType DIGEST:
// KMS refuses RAW messages over 4 KiB) and verifies the signature against
// key before returning it.
func (s Signer) signDigest(ctx context.Context, body []byte, key signingKey) ([]byte, error) {
	digest := sha256.Sum256(body)
	out, err := s.KMS.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.KeyID),
		Message:          digest[:],
		MessageType:      kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("with %s: %w", s.KeyID, err)
	}
	if err := VerifyBytes(body, out.Signature, key.pem); err != nil {
		return nil, fmt.Errorf("KMS signature does not verify: %w", err)
	}
	return out.Signature, nil
}
