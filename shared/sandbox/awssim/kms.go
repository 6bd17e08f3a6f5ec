package awssim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func init() { RegisterService("kms", newKMSService) }

// KMSKey is a KMS key. Seed symmetric keys (KeySpec SYMMETRIC_DEFAULT, the
// default) with or without rotation, and ECC_NIST_P256 / ECC_NIST_P384
// signing keys; a signing key without PrivateKeyPEM gets a fresh key pair.
type KMSKey struct {
	KeyId              string
	Arn                string    `json:",omitempty"`
	Description        string    `json:",omitempty"`
	KeySpec            string    `json:",omitempty"`
	KeyUsage           string    `json:",omitempty"`
	KeyManager         string    `json:",omitempty"` // CUSTOMER (default) or AWS
	Origin             string    `json:",omitempty"`
	Enabled            *bool     `json:",omitempty"` // default true
	KeyState           string    `json:",omitempty"` // output: Enabled or Disabled
	KeyRotationEnabled bool      `json:",omitempty"`
	CreationDate       time.Time `json:",omitzero"`
	Aliases            []string  `json:",omitempty"` // "alias/name"
	Tags               []Tag     `json:",omitempty"`
	// PrivateKeyPEM is a PKCS#8 or SEC 1 EC private key for a signing key (seed only).
	PrivateKeyPEM string `json:",omitempty"`
	// PublicKeyPEM is the signing key's public key (state output only).
	PublicKeyPEM string `json:",omitempty"`
}

// KMSSeed is state to add to the KMS simulator (POST /_sim/seed/kms).
type KMSSeed struct {
	Keys []KMSKey
}

// KMSState is the KMS simulator's state (GET /_sim/state/kms); private keys
// are never included.
type KMSState struct {
	Keys []KMSKey
}

// KMS is the KMS simulator's state. Get it with Server.KMS.
type KMS struct {
	srv     *Server
	mu      sync.Mutex
	keys    map[string]*kmsKey
	aliases map[string]string // alias/name -> key id
}

type kmsKey struct {
	meta KMSKey
	priv *ecdsa.PrivateKey
}

// KMS returns the KMS simulator's state.
func (s *Server) KMS() *KMS {
	svc, _ := s.Service("kms")
	return svc.Backend.(*KMS)
}

func newKMSService(s *Server) *Service {
	k := &KMS{srv: s, keys: map[string]*kmsKey{}, aliases: map[string]string{}}
	return &Service{
		Name:         "kms",
		Protocol:     ProtocolJSON11,
		TargetPrefix: "TrentService",
		Operations: map[string]Handler{
			"CreateKey":            k.createKey,
			"DescribeKey":          k.describeKey,
			"ListKeys":             k.listKeys,
			"ListAliases":          k.listAliases,
			"CreateAlias":          k.createAlias,
			"Sign":                 k.sign,
			"Verify":               k.verify,
			"GetPublicKey":         k.getPublicKey,
			"GetKeyRotationStatus": k.getKeyRotationStatus,
			"EnableKeyRotation":    func(c *Call) (any, error) { return k.setRotation(c, true) },
			"DisableKeyRotation":   func(c *Call) (any, error) { return k.setRotation(c, false) },
			"EnableKey":            func(c *Call) (any, error) { return k.setEnabled(c, true) },
			"DisableKey":           func(c *Call) (any, error) { return k.setEnabled(c, false) },
		},
		Dump: func() any { return k.State() },
		Seed: func(data []byte) error {
			var seed KMSSeed
			if err := seedJSON(data, &seed); err != nil {
				return err
			}
			return k.Seed(seed)
		},
		Backend: k,
	}
}

func kmsError(code, format string, args ...any) *APIError {
	return &APIError{Status: 400, Code: code, Message: fmt.Sprintf(format, args...)}
}

var aliasRE = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)

// signing algorithms per key spec.
var kmsSigning = map[string][]string{
	"ECC_NIST_P256": {"ECDSA_SHA_256"},
	"ECC_NIST_P384": {"ECDSA_SHA_384"},
}

func (k *KMS) keyARN(id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.srv.opts.Region, k.srv.opts.AccountID, id)
}

func (k *KMS) aliasARN(alias string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:%s", k.srv.opts.Region, k.srv.opts.AccountID, alias)
}

// add validates and stores a key. The caller holds k.mu.
func (k *KMS) add(m KMSKey, now time.Time) (*kmsKey, error) {
	if m.KeyId == "" {
		m.KeyId = newRequestID()
	}
	if m.KeySpec == "" {
		m.KeySpec = "SYMMETRIC_DEFAULT"
	}
	if m.KeyUsage == "" {
		m.KeyUsage = "ENCRYPT_DECRYPT"
		if _, ok := kmsSigning[m.KeySpec]; ok {
			m.KeyUsage = "SIGN_VERIFY"
		}
	}
	switch {
	case m.KeySpec == "SYMMETRIC_DEFAULT" && m.KeyUsage != "ENCRYPT_DECRYPT":
		return nil, kmsError("ValidationException", "KeyUsage %s is not compatible with KeySpec SYMMETRIC_DEFAULT", m.KeyUsage)
	case kmsSigning[m.KeySpec] != nil && m.KeyUsage != "SIGN_VERIFY":
		return nil, kmsError("ValidationException", "KeyUsage %s is not compatible with KeySpec %s", m.KeyUsage, m.KeySpec)
	case m.KeySpec != "SYMMETRIC_DEFAULT" && kmsSigning[m.KeySpec] == nil:
		return nil, kmsError("UnsupportedOperationException", "the simulator supports KeySpec SYMMETRIC_DEFAULT, ECC_NIST_P256 and ECC_NIST_P384, not %s", m.KeySpec)
	}
	if m.KeyManager == "" {
		m.KeyManager = "CUSTOMER"
	}
	if m.KeyManager != "CUSTOMER" && m.KeyManager != "AWS" {
		return nil, kmsError("ValidationException", "KeyManager %q is not CUSTOMER or AWS", m.KeyManager)
	}
	if m.Origin == "" {
		m.Origin = "AWS_KMS"
	}
	if m.Enabled == nil {
		t := true
		m.Enabled = &t
	}
	if m.CreationDate.IsZero() {
		m.CreationDate = now.UTC().Truncate(time.Millisecond)
	}
	if m.KeySpec != "SYMMETRIC_DEFAULT" {
		m.KeyRotationEnabled = false
	}
	for _, a := range m.Aliases {
		if !aliasRE.MatchString(a) || strings.HasPrefix(a, "alias/aws/") && m.KeyManager != "AWS" {
			return nil, kmsError("InvalidAliasNameException", "Alias %s is not a valid alias name (alias/NAME; alias/aws/ is reserved for AWS managed keys)", a)
		}
		if owner, ok := k.aliases[a]; ok && owner != m.KeyId {
			return nil, kmsError("AlreadyExistsException", "An alias with the name %s already exists", k.aliasARN(a))
		}
	}
	key := &kmsKey{meta: m}
	if curve := kmsCurve(m.KeySpec); curve != nil {
		if m.PrivateKeyPEM != "" {
			priv, err := parseECPrivateKey(m.PrivateKeyPEM)
			if err != nil {
				return nil, fmt.Errorf("key %s: %w", m.KeyId, err)
			}
			if priv.Curve != curve {
				return nil, fmt.Errorf("key %s: PrivateKeyPEM is on %s, not the curve of %s", m.KeyId, priv.Curve.Params().Name, m.KeySpec)
			}
			key.priv = priv
		} else {
			priv, err := ecdsa.GenerateKey(curve, rand.Reader)
			if err != nil {
				return nil, fmt.Errorf("generate key: %w", err)
			}
			key.priv = priv
		}
	}
	key.meta.PrivateKeyPEM = ""
	key.meta.Arn = k.keyARN(m.KeyId)
	key.meta.Aliases = append([]string(nil), m.Aliases...)
	key.meta.Tags = append([]Tag(nil), m.Tags...)
	k.keys[m.KeyId] = key
	for _, a := range m.Aliases {
		k.aliases[a] = m.KeyId
	}
	return key, nil
}

func kmsCurve(spec string) elliptic.Curve {
	switch spec {
	case "ECC_NIST_P256":
		return elliptic.P256()
	case "ECC_NIST_P384":
		return elliptic.P384()
	}
	return nil
}

func parseECPrivateKey(p string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, fmt.Errorf("PrivateKeyPEM holds no PEM block")
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PrivateKeyPEM is neither a SEC 1 nor a PKCS#8 key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("PrivateKeyPEM is a %T, not an EC key", k)
	}
	return ec, nil
}

// Seed adds keys with their aliases.
func (k *KMS) Seed(seed KMSSeed) error {
	now := k.srv.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, m := range seed.Keys {
		if m.KeyState != "" || m.PublicKeyPEM != "" || m.Arn != "" {
			return fmt.Errorf("key %d (%s): KeyState, PublicKeyPEM and Arn are outputs; set Enabled instead", i, m.KeyId)
		}
		if _, err := k.add(m, now); err != nil {
			return fmt.Errorf("key %d (%s): %w", i, m.KeyId, err)
		}
	}
	return nil
}

// CreateSigningKey creates an ECC_NIST_P256 signing key with an optional
// alias and returns its key id.
func (k *KMS) CreateSigningKey(alias string) (string, error) {
	m := KMSKey{KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY"}
	if alias != "" {
		m.Aliases = []string{alias}
	}
	now := k.srv.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	key, err := k.add(m, now)
	if err != nil {
		return "", err
	}
	return key.meta.KeyId, nil
}

// PublicKey returns a signing key's public key.
func (k *KMS) PublicKey(keyID string) (*ecdsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, apiErr := k.find(keyID)
	if apiErr != nil {
		return nil, apiErr
	}
	if key.priv == nil {
		return nil, fmt.Errorf("key %s is not a signing key", keyID)
	}
	return &key.priv.PublicKey, nil
}

func (k *KMS) out(key *kmsKey) KMSKey {
	m := key.meta
	m.KeyState = "Disabled"
	if *m.Enabled {
		m.KeyState = "Enabled"
	}
	m.Aliases = append([]string(nil), key.meta.Aliases...)
	m.Tags = append([]Tag(nil), key.meta.Tags...)
	if key.priv != nil {
		der, _ := x509.MarshalPKIXPublicKey(&key.priv.PublicKey)
		m.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return m
}

// State returns every key, sorted by id, without private keys.
func (k *KMS) State() KMSState {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := KMSState{Keys: []KMSKey{}}
	for _, key := range sortedValues(k.keys) {
		st.Keys = append(st.Keys, k.out(key))
	}
	return st
}

// find resolves a key id, key ARN, alias name or alias ARN. The caller holds k.mu.
func (k *KMS) find(ref string) (*kmsKey, *APIError) {
	if ref == "" {
		return nil, kmsError("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	id := ref
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return nil, kmsError("NotFoundException", "Invalid arn %s", ref)
		}
		id = parts[5]
		if rest, ok := strings.CutPrefix(id, "key/"); ok {
			id = rest
		}
	}
	if strings.HasPrefix(id, "alias/") {
		target, ok := k.aliases[id]
		if !ok {
			return nil, kmsError("NotFoundException", "Alias %s is not found.", k.aliasARN(id))
		}
		id = target
	}
	key, ok := k.keys[id]
	if !ok {
		return nil, kmsError("NotFoundException", "Key '%s' does not exist", k.keyARN(id))
	}
	return key, nil
}

type kmsMetadata struct {
	AWSAccountId          string
	KeyId                 string
	Arn                   string
	CreationDate          float64
	Enabled               bool
	Description           string
	KeyUsage              string
	KeyState              string
	Origin                string
	KeyManager            string
	CustomerMasterKeySpec string
	KeySpec               string
	EncryptionAlgorithms  []string `json:",omitempty"`
	SigningAlgorithms     []string `json:",omitempty"`
	MultiRegion           bool
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (k *KMS) metadata(key *kmsKey) kmsMetadata {
	m := k.out(key)
	md := kmsMetadata{
		AWSAccountId: k.srv.opts.AccountID, KeyId: m.KeyId, Arn: m.Arn, CreationDate: epoch(m.CreationDate),
		Enabled: *m.Enabled, Description: m.Description, KeyUsage: m.KeyUsage, KeyState: m.KeyState, Origin: m.Origin,
		KeyManager: m.KeyManager, CustomerMasterKeySpec: m.KeySpec, KeySpec: m.KeySpec,
		SigningAlgorithms: kmsSigning[m.KeySpec],
	}
	if m.KeySpec == "SYMMETRIC_DEFAULT" {
		md.EncryptionAlgorithms = []string{"SYMMETRIC_DEFAULT"}
	}
	return md
}

func (k *KMS) createKey(c *Call) (any, error) {
	var in struct {
		Description           string
		KeyUsage              string
		KeySpec               string
		CustomerMasterKeySpec string
		Origin                string
		Tags                  []struct{ TagKey, TagValue string }
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.KeySpec == "" {
		in.KeySpec = in.CustomerMasterKeySpec
	}
	if in.Origin != "" && in.Origin != "AWS_KMS" {
		return nil, kmsError("UnsupportedOperationException", "the simulator creates keys with Origin AWS_KMS only, not %s", in.Origin)
	}
	m := KMSKey{Description: in.Description, KeyUsage: in.KeyUsage, KeySpec: in.KeySpec}
	for _, t := range in.Tags {
		m.Tags = append(m.Tags, Tag{Key: t.TagKey, Value: t.TagValue})
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, err := k.add(m, c.Now)
	if err != nil {
		return nil, err
	}
	return map[string]any{"KeyMetadata": k.metadata(key)}, nil
}

func (k *KMS) describeKey(c *Call) (any, error) {
	var in struct{ KeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, err := k.find(in.KeyId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"KeyMetadata": k.metadata(key)}, nil
}

// kmsPage applies Limit (1..1000, default 100) and Marker to sorted ids.
func kmsPage(ids []string, limit *int, marker string) ([]string, string, *APIError) {
	n := 100
	if limit != nil {
		n = *limit
		if n < 1 || n > 1000 {
			return nil, "", kmsError("ValidationException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000", n)
		}
	}
	sort.Strings(ids)
	start := 0
	if marker != "" {
		after, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(after) == 0 {
			return nil, "", kmsError("InvalidMarkerException", "Marker %q is invalid", marker)
		}
		start = sort.SearchStrings(ids, string(after))
		if start < len(ids) && ids[start] == string(after) {
			start++
		}
	}
	end := min(start+n, len(ids))
	next := ""
	if end < len(ids) {
		next = base64.RawURLEncoding.EncodeToString([]byte(ids[end-1]))
	}
	return ids[start:end], next, nil
}

func (k *KMS) listKeys(c *Call) (any, error) {
	var in struct {
		Limit  *int
		Marker string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	ids := make([]string, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, id)
	}
	page, next, err := kmsPage(ids, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	type entry struct{ KeyId, KeyArn string }
	out := struct {
		Keys       []entry
		NextMarker string `json:",omitempty"`
		Truncated  bool
	}{Keys: []entry{}, NextMarker: next, Truncated: next != ""}
	for _, id := range page {
		out.Keys = append(out.Keys, entry{id, k.keyARN(id)})
	}
	return out, nil
}

func (k *KMS) listAliases(c *Call) (any, error) {
	var in struct {
		KeyId  string
		Limit  *int
		Marker string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	filter := ""
	if in.KeyId != "" {
		key, err := k.find(in.KeyId)
		if err != nil {
			return nil, err
		}
		filter = key.meta.KeyId
	}
	var names []string
	for a, id := range k.aliases {
		if filter == "" || id == filter {
			names = append(names, a)
		}
	}
	page, next, err := kmsPage(names, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	type entry struct {
		AliasName, AliasArn, TargetKeyId string
		CreationDate                     float64
	}
	out := struct {
		Aliases    []entry
		NextMarker string `json:",omitempty"`
		Truncated  bool
	}{Aliases: []entry{}, NextMarker: next, Truncated: next != ""}
	for _, a := range page {
		key := k.keys[k.aliases[a]]
		out.Aliases = append(out.Aliases, entry{a, k.aliasARN(a), key.meta.KeyId, epoch(key.meta.CreationDate)})
	}
	return out, nil
}

func (k *KMS) createAlias(c *Call) (any, error) {
	var in struct{ AliasName, TargetKeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if !aliasRE.MatchString(in.AliasName) || strings.HasPrefix(in.AliasName, "alias/aws/") {
		return nil, kmsError("InvalidAliasNameException", "Alias %s is not a valid alias name", in.AliasName)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, err := k.find(in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	if _, dup := k.aliases[in.AliasName]; dup {
		return nil, kmsError("AlreadyExistsException", "An alias with the name %s already exists", k.aliasARN(in.AliasName))
	}
	k.aliases[in.AliasName] = key.meta.KeyId
	key.meta.Aliases = append(key.meta.Aliases, in.AliasName)
	return nil, nil
}

// signingKey resolves a usable signing key and checks the algorithm. The
// caller holds k.mu.
func (k *KMS) signingKey(ref, alg string) (*kmsKey, crypto.Hash, *APIError) {
	key, err := k.find(ref)
	if err != nil {
		return nil, 0, err
	}
	if !*key.meta.Enabled {
		return nil, 0, kmsError("DisabledException", "%s is disabled.", key.meta.Arn)
	}
	if key.meta.KeyUsage != "SIGN_VERIFY" || key.priv == nil {
		return nil, 0, kmsError("InvalidKeyUsageException", "%s key usage is %s which is not valid for signing.", key.meta.Arn, key.meta.KeyUsage)
	}
	algs := kmsSigning[key.meta.KeySpec]
	if alg == "" || alg != algs[0] {
		return nil, 0, kmsError("InvalidKeyUsageException", "Signing algorithm %q is not supported by %s (%s supports %s).", alg, key.meta.Arn, key.meta.KeySpec, strings.Join(algs, ", "))
	}
	if alg == "ECDSA_SHA_384" {
		return key, crypto.SHA384, nil
	}
	return key, crypto.SHA256, nil
}

// digest returns what ECDSA signs: the hash of a RAW message, or a DIGEST as given.
func digest(h crypto.Hash, message []byte, messageType string) ([]byte, *APIError) {
	if len(message) == 0 || len(message) > 4096 {
		return nil, kmsError("ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and 4096")
	}
	switch messageType {
	case "", "RAW":
		if h == crypto.SHA384 {
			d := sha512.Sum384(message)
			return d[:], nil
		}
		d := sha256.Sum256(message)
		return d[:], nil
	case "DIGEST":
		if len(message) != h.Size() {
			return nil, kmsError("ValidationException", "Digest is invalid length for algorithm %s.", h)
		}
		return message, nil
	}
	return nil, kmsError("ValidationException", "MessageType %q is not RAW or DIGEST", messageType)
}

func (k *KMS) sign(c *Call) (any, error) {
	var in struct {
		KeyId            string
		Message          []byte
		MessageType      string
		SigningAlgorithm string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	key, h, apiErr := k.signingKey(in.KeyId, in.SigningAlgorithm)
	k.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	d, apiErr := digest(h, in.Message, in.MessageType)
	if apiErr != nil {
		return nil, apiErr
	}
	sig, err := ecdsa.SignASN1(rand.Reader, key.priv, d)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return struct {
		KeyId            string
		Signature        []byte
		SigningAlgorithm string
	}{key.meta.Arn, sig, in.SigningAlgorithm}, nil
}

func (k *KMS) verify(c *Call) (any, error) {
	var in struct {
		KeyId            string
		Message          []byte
		MessageType      string
		Signature        []byte
		SigningAlgorithm string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	key, h, apiErr := k.signingKey(in.KeyId, in.SigningAlgorithm)
	k.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	d, apiErr := digest(h, in.Message, in.MessageType)
	if apiErr != nil {
		return nil, apiErr
	}
	if !ecdsa.VerifyASN1(&key.priv.PublicKey, d, in.Signature) {
		return nil, kmsError("KMSInvalidSignatureException", "The signature is invalid.")
	}
	return struct {
		KeyId            string
		SignatureValid   bool
		SigningAlgorithm string
	}{key.meta.Arn, true, in.SigningAlgorithm}, nil
}

func (k *KMS) getPublicKey(c *Call) (any, error) {
	var in struct{ KeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, apiErr := k.find(in.KeyId)
	if apiErr != nil {
		return nil, apiErr
	}
	if !*key.meta.Enabled {
		return nil, kmsError("DisabledException", "%s is disabled.", key.meta.Arn)
	}
	if key.priv == nil {
		return nil, kmsError("UnsupportedOperationException", "%s key usage is %s which is not valid for GetPublicKey.", key.meta.Arn, key.meta.KeySpec)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return struct {
		KeyId                 string
		PublicKey             []byte
		CustomerMasterKeySpec string
		KeySpec               string
		KeyUsage              string
		SigningAlgorithms     []string
	}{key.meta.Arn, der, key.meta.KeySpec, key.meta.KeySpec, key.meta.KeyUsage, kmsSigning[key.meta.KeySpec]}, nil
}

func (k *KMS) getKeyRotationStatus(c *Call) (any, error) {
	var in struct{ KeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, apiErr := k.find(in.KeyId)
	if apiErr != nil {
		return nil, apiErr
	}
	if key.meta.KeySpec != "SYMMETRIC_DEFAULT" {
		return nil, kmsError("UnsupportedOperationException", "%s is not a symmetric encryption key; automatic rotation applies only to those.", key.meta.Arn)
	}
	out := struct {
		KeyId                string
		KeyRotationEnabled   bool
		RotationPeriodInDays int     `json:",omitempty"`
		NextRotationDate     float64 `json:",omitempty"`
	}{KeyId: key.meta.Arn, KeyRotationEnabled: key.meta.KeyRotationEnabled || key.meta.KeyManager == "AWS"}
	if out.KeyRotationEnabled {
		out.RotationPeriodInDays = 365
		next := key.meta.CreationDate
		for !next.After(c.Now) {
			next = next.AddDate(0, 0, 365)
		}
		out.NextRotationDate = epoch(next)
	}
	return out, nil
}

func (k *KMS) setRotation(c *Call, on bool) (any, error) {
	var in struct{ KeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, apiErr := k.find(in.KeyId)
	if apiErr != nil {
		return nil, apiErr
	}
	if key.meta.KeySpec != "SYMMETRIC_DEFAULT" {
		return nil, kmsError("UnsupportedOperationException", "%s is not a symmetric encryption key.", key.meta.Arn)
	}
	if key.meta.KeyManager == "AWS" {
		return nil, kmsError("UnsupportedOperationException", "%s is an AWS managed key; its rotation cannot be changed.", key.meta.Arn)
	}
	key.meta.KeyRotationEnabled = on
	return nil, nil
}

func (k *KMS) setEnabled(c *Call, on bool) (any, error) {
	var in struct{ KeyId string }
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	key, apiErr := k.find(in.KeyId)
	if apiErr != nil {
		return nil, apiErr
	}
	key.meta.Enabled = &on
	return nil, nil
}
