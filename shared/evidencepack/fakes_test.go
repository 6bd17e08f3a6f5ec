package evidencepack_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/config"
	"github.com/pledge-dev/pledge/shared/snapshot"
)

// bucket is an in-memory evidence bucket: write-once PutObject as
// evidence.Store uses it, ListObjectsV2 in pages of pageSize keys, and
// GetObject.
type bucket struct {
	mu       sync.Mutex
	objects  map[string][]byte
	types    map[string]string
	pageSize int
	lists    int
}

func newBucket() *bucket {
	return &bucket{objects: map[string][]byte{}, types: map[string]string{}, pageSize: 50}
}

func (b *bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := aws.ToString(in.Key)
	if _, ok := b.objects[k]; ok && aws.ToString(in.IfNoneMatch) == "*" {
		return nil, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	}
	b.objects[k] = body
	b.types[k] = aws.ToString(in.ContentType)
	return &s3.PutObjectOutput{}, nil
}

func (b *bucket) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lists++
	var keys []string
	for k := range b.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	start := 0
	if t := aws.ToString(in.ContinuationToken); t != "" {
		start, _ = strconv.Atoi(t)
	}
	end := min(start+b.pageSize, len(keys))
	out := &s3.ListObjectsV2Output{KeyCount: aws.Int32(int32(end - start))}
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(b.objects[k])))})
	}
	if end < len(keys) {
		out.IsTruncated = aws.Bool(true)
		out.NextContinuationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (b *bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchKey", Message: "The specified key does not exist."}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))}, nil
}

func (b *bucket) keys(prefix string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// fakeKMS signs like KMS with an ECDSA P-256 key held in memory.
type fakeKMS struct {
	key   *ecdsa.PrivateKey
	signs int
}

func newFakeKMS(t *testing.T) *fakeKMS {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{key: k}
}

const keyARN = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func (f *fakeKMS) GetPublicKey(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &kms.GetPublicKeyOutput{KeyId: aws.String(keyARN), PublicKey: der, KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify,
		SigningAlgorithms: []kmstypes.SigningAlgorithmSpec{kmstypes.SigningAlgorithmSpecEcdsaSha256}}, nil
}

func (f *fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	f.signs++
	if in.MessageType != kmstypes.MessageTypeDigest || len(in.Message) != sha256.Size {
		return nil, fmt.Errorf("fake KMS: want a SHA-256 digest")
	}
	sig, err := ecdsa.SignASN1(rand.Reader, f.key, in.Message)
	if err != nil {
		return nil, err
	}
	return &kms.SignOutput{Signature: sig, KeyId: aws.String(keyARN), SigningAlgorithm: in.SigningAlgorithm}, nil
}

// rds is a fake snapshot.Source: the targets' managed snapshots, created
// and deleted as the rotator asks, dated by the run's clock.
type rds struct {
	now       func() time.Time
	targets   []snapshot.Target
	snapshots map[string][]snapshot.Snapshot
}

func newRDS(now func() time.Time) *rds {
	return &rds{now: now, snapshots: map[string][]snapshot.Snapshot{}, targets: []snapshot.Target{
		{Kind: snapshot.Instance, ID: "orders-db", Encrypted: true, Status: "available", BackupRetentionDays: 7},
		{Kind: snapshot.Cluster, ID: "billing-aurora", Encrypted: true, Status: "available", BackupRetentionDays: 7},
	}}
}

func (r *rds) Targets(context.Context, config.Targets) ([]snapshot.Target, []snapshot.Unselected, error) {
	return r.targets, nil, nil
}

func (r *rds) Snapshots(_ context.Context, t snapshot.Target) ([]snapshot.Snapshot, error) {
	return slices.Clone(r.snapshots[t.ID]), nil
}

func (r *rds) Quotas(context.Context) (snapshot.Quotas, error) {
	return snapshot.Quotas{snapshot.Instance: {Max: 1000}, snapshot.Cluster: {Max: 1000}}, nil
}

func (r *rds) Create(_ context.Context, t snapshot.Target, name string, tags map[string]string) error {
	r.snapshots[t.ID] = append(r.snapshots[t.ID], snapshot.Snapshot{ID: name, Target: t.ID, Kind: t.Kind, Type: "manual", Status: snapshot.StatusAvailable,
		Created: r.now(), Encrypted: true, Tags: tags})
	return nil
}

func (r *rds) Delete(_ context.Context, t snapshot.Target, id string) error {
	r.snapshots[t.ID] = slices.DeleteFunc(r.snapshots[t.ID], func(s snapshot.Snapshot) bool { return s.ID == id })
	return nil
}

// ops records the verifier's alerts.
type ops struct{ n int }

func (o *ops) Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error) {
	o.n++
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprint(o.n))}, nil
}
