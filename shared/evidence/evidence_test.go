package evidence_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/evidence"
)

// fakeS3 keeps objects and honours If-None-Match like S3.
type fakeS3 struct {
	objects map[string]string
	inputs  []*s3.PutObjectInput
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.inputs = append(f.inputs, in)
	if _, ok := f.objects[*in.Key]; ok && in.IfNoneMatch != nil && *in.IfNoneMatch == "*" {
		return nil, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	}
	b, _ := io.ReadAll(in.Body)
	f.objects[*in.Key] = string(b)
	return &s3.PutObjectOutput{}, nil
}

func TestStore_Put(t *testing.T) {
	f := &fakeS3{objects: map[string]string{}}
	s := &evidence.Store{S3: f, Bucket: "evidence"}
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	r := evidence.Record{Kind: "snapshot-run", Time: at, Subject: "policy/gfs", Body: map[string]int{"created": 1}}
	key, err := s.Put(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "snapshot-run/2026/11/22/20261122T000000.000Z_policy-gfs_") || !strings.HasSuffix(key, ".json") {
		t.Errorf("key = %q", key)
	}
	var got evidence.Record
	if err := json.Unmarshal([]byte(f.objects[key]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != "snapshot-run" || got.Subject != "policy/gfs" || !got.Time.Equal(at) || got.Time.Location() != time.UTC {
		t.Errorf("stored record = %+v, want UTC time and the same fields", got)
	}
	if in := f.inputs[0]; *in.IfNoneMatch != "*" || in.ChecksumAlgorithm != "SHA256" {
		t.Errorf("put must be write-once with a checksum: %+v", in)
	}
	if _, err := s.Put(context.Background(), r); !errors.Is(err, evidence.ErrExists) {
		t.Errorf("second put of the same record: %v, want ErrExists", err)
	}
}

func TestStore_Put_Errors(t *testing.T) {
	s := &evidence.Store{S3: &fakeS3{objects: map[string]string{}}, Bucket: "evidence"}
	now := time.Now()
	for name, tc := range map[string]struct {
		r    evidence.Record
		want string
	}{
		"ErrKind":    {evidence.Record{Kind: "Bad Kind", Time: now, Subject: "x"}, `kind "Bad Kind" is not valid`},
		"ErrSubject": {evidence.Record{Kind: "run", Time: now}, "run record has no subject"},
		"ErrTime":    {evidence.Record{Kind: "run", Subject: "x"}, "run record for x has no time"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Put(context.Background(), tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	noBucket := &evidence.Store{S3: &fakeS3{objects: map[string]string{}}}
	if _, err := noBucket.Put(context.Background(), evidence.Record{Kind: "run", Time: now, Subject: "x"}); err == nil || !strings.Contains(err.Error(), "PLEDGE_EVIDENCE_BUCKET") {
		t.Errorf("no bucket: %v", err)
	}
}

func TestStore_DryRunWritesNothing(t *testing.T) {
	f := &fakeS3{objects: map[string]string{}}
	s := &evidence.Store{S3: f, Bucket: "evidence", DryRun: true}
	key, err := s.Put(context.Background(), evidence.Record{Kind: "run", Time: time.Now(), Subject: "x"})
	if err != nil || key == "" {
		t.Fatalf("dry run: %q, %v", key, err)
	}
	if len(f.inputs) != 0 {
		t.Errorf("dry run wrote %d objects", len(f.inputs))
	}
}
