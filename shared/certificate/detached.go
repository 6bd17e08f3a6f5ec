package certificate

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// PublicKey names the key SignBytes signs with and returns its public key
// (PEM), after checking that it can sign (see publicKey): what a signed
// document states about its signer before it is signed.
func (s Signer) PublicKey(ctx context.Context) (Signing, []byte, error) {
	pub, err := s.publicKey(ctx)
	if err != nil {
		return Signing{}, nil, err
	}
	signing, pemBytes := s.describe(pub.PublicKey, aws.ToString(pub.KeyId))
	return signing, pemBytes, nil
}

// describe names a key by its id and public key.
func (s Signer) describe(der []byte, keyID string) (Signing, []byte) {
	sum := sha256.Sum256(der)
	if keyID == "" {
		keyID = s.KeyID
	}
	return Signing{KeyID: keyID, Algorithm: string(kmstypes.SigningAlgorithmSpecEcdsaSha256), PublicKeySHA256: hexString(sum[:])},
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// SignBytes has KMS sign the SHA-256 digest of body with the signer's key,
// as Sign signs a certificate, and verifies the signature before returning
// it.
func (s Signer) SignBytes(ctx context.Context, body []byte) (Detached, error) {
	pub, err := s.publicKey(ctx)
	if err != nil {
		return Detached{}, fmt.Errorf("sign: %w", err)
	}
	sig, err := s.sign(ctx, body, pub.PublicKey)
	if err != nil {
		return Detached{}, fmt.Errorf("sign: %w", err)
	}
	signing, pemBytes := s.describe(pub.PublicKey, aws.ToString(pub.KeyId))
	if err := VerifyBytes(body, sig, pemBytes); err != nil {
		return Detached{}, fmt.Errorf("sign: %w", err)
	}
	return Detached{Signature: sig, PublicKeyPEM: pemBytes, Signing: signing}, nil
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
