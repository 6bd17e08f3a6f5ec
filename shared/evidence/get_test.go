package evidence_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/evidence"
)

// readingS3 is fakeS3 that can also read.
type readingS3 struct{ *fakeS3 }

func (f readingS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b, ok := f.objects[*in.Key]
	if !ok {
		return nil, &s3types.NoSuchKey{Message: in.Key}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(b))}, nil
}

func TestStore_GetObject(t *testing.T) {
	ctx := context.Background()
	f := readingS3{&fakeS3{objects: map[string]string{}}}
	s := &evidence.Store{S3: f, Bucket: "evidence"}
	if err := s.PutObject(ctx, "k/part-1", "application/gzip", []byte("body")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.GetObject(ctx, "k/part-1"); err != nil || string(b) != "body" {
		t.Errorf("get = %q, %v; want the stored body", b, err)
	}
	if _, err := s.GetObject(ctx, "k/part-2"); !errors.Is(err, evidence.ErrNotFound) {
		t.Errorf("missing key: %v, want ErrNotFound", err)
	}
	// A store whose client cannot read says so.
	w := &evidence.Store{S3: &fakeS3{objects: map[string]string{}}, Bucket: "evidence"}
	if _, err := w.GetObject(ctx, "k"); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("write-only client: %v", err)
	}
}
