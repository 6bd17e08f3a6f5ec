package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// S3API is the part of the S3 client the store uses.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Record is one piece of evidence.
type Record struct {
	Kind    string    `json:"kind"`
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	DryRun  bool      `json:"dry_run,omitempty"`
	Body    any       `json:"body"`
}

// ErrExists reports that a record with the same key is already stored.
var ErrExists = errors.New("evidence record already exists")

// Store writes records to an evidence bucket.
type Store struct {
	S3     S3API
	Bucket string
	// DryRun computes keys and bodies but writes nothing.
	DryRun bool
}

var (
	kindRE    = lazyregexp.New(`^[a-z][a-z0-9-]{0,62}$`)
	subjectRE = lazyregexp.New(`[^A-Za-z0-9._-]+`)
)

// Key returns the object key of a record with this kind, time, subject and
// encoded body.
func Key(kind string, t time.Time, subject string, body []byte) string {
	sum := sha256.Sum256(body)
	s := subjectRE.ReplaceAllString(subject, "-")
	if len(s) > 100 {
		s = s[:100]
	}
	u := t.UTC()
	return fmt.Sprintf("%s/%s/%s_%s_%s.json", kind, u.Format("2006/01/02"), u.Format("20060102T150405.000Z"), s, hex.EncodeToString(sum[:6]))
}

// Put writes r as canonical, indented JSON and returns its key. Writing a
// record whose key already exists returns ErrExists and changes nothing.
func (s *Store) Put(ctx context.Context, r Record) (string, error) {
	if !kindRE.MatchString(r.Kind) {
		return "", fmt.Errorf("evidence: kind %q is not valid: want lower-case letters, digits and '-'", r.Kind)
	}
	if r.Subject == "" {
		return "", fmt.Errorf("evidence: %s record has no subject", r.Kind)
	}
	if r.Time.IsZero() {
		return "", fmt.Errorf("evidence: %s record for %s has no time", r.Kind, r.Subject)
	}
	r.Time = r.Time.UTC()
	r.DryRun = r.DryRun || s.DryRun
	body, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("evidence: encode %s record for %s: %w", r.Kind, r.Subject, err)
	}
	key := Key(r.Kind, r.Time, r.Subject, body)
	return key, s.PutObject(ctx, key, "application/json", append(body, '\n'))
}

// PutObject writes raw evidence (a certificate, a manifest, an HTML report)
// under key, once.
func (s *Store) PutObject(ctx context.Context, key, contentType string, body []byte) error {
	if s.DryRun {
		return nil
	}
	if s.Bucket == "" {
		return fmt.Errorf("evidence: no bucket configured (set PLEDGE_EVIDENCE_BUCKET)")
	}
	_, err := s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:            aws.String(s.Bucket),
		Key:               aws.String(key),
		Body:              bytes.NewReader(body),
		ContentType:       aws.String(contentType),
		IfNoneMatch:       aws.String("*"),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict") {
		return fmt.Errorf("evidence: s3://%s/%s: %w", s.Bucket, key, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("evidence: put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}
