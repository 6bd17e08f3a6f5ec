package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// ErrNotFound reports that no evidence is stored under a key.
var ErrNotFound = errors.New("evidence not found")

// GetAPI is the part of the S3 client a store needs to read evidence back.
type GetAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// MaxGetBytes bounds what GetObject reads.
const MaxGetBytes = 64 << 20

// GetObject reads the evidence stored under key, for a writer that must
// resume from what it stored before (a manifest part, a certificate). The
// store's S3 client must also implement GetAPI. A missing key wraps
// ErrNotFound.
func (s *Store) GetObject(ctx context.Context, key string) ([]byte, error) {
	g, ok := s.S3.(GetAPI)
	if !ok {
		return nil, fmt.Errorf("evidence: get s3://%s/%s: this store's S3 client cannot read", s.Bucket, key)
	}
	if s.Bucket == "" {
		return nil, fmt.Errorf("evidence: no bucket configured (set PLEDGE_EVIDENCE_BUCKET)")
	}
	out, err := g.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	var nk *s3types.NoSuchKey
	var ae smithy.APIError
	if errors.As(err, &nk) || (errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey") {
		return nil, fmt.Errorf("evidence: s3://%s/%s: %w", s.Bucket, key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: get s3://%s/%s: %w", s.Bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, MaxGetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("evidence: read s3://%s/%s: %w", s.Bucket, key, err)
	}
	if len(b) > MaxGetBytes {
		return nil, fmt.Errorf("evidence: s3://%s/%s is larger than %d bytes", s.Bucket, key, MaxGetBytes)
	}
	return b, nil
}
