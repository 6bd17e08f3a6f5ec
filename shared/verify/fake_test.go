package verify_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/pledge-dev/pledge/shared/check"
	"github.com/pledge-dev/pledge/shared/verify"
)

// bucket is an in-memory evidence bucket: write-once PutObject (as
// evidence.Store uses it), ListObjectsV2 in pages of pageSize keys, and
// GetObject. It embeds the interface it fakes so an unfaked call panics.
type bucket struct {
	verify.ReportsAPI
	mu       sync.Mutex
	objects  map[string][]byte
	types    map[string]string
	pageSize int32
	deny     map[string]bool
	calls    map[string]int
}

func newBucket() *bucket {
	return &bucket{objects: map[string][]byte{}, types: map[string]string{}, pageSize: 1000, deny: map[string]bool{}, calls: map[string]int{}}
}

func denied(op string) error {
	return &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: s3:" + op}
}

func (b *bucket) count(op string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[op]++
	if b.deny[op] {
		return denied(op)
	}
	return nil
}

func (b *bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := b.count("PutObject"); err != nil {
		return nil, err
	}
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
	if err := b.count("ListObjectsV2"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(b.objects)) {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	start := 0
	if t := aws.ToString(in.ContinuationToken); t != "" {
		start, _ = strconv.Atoi(t)
	}
	end := min(start+int(b.pageSize), len(keys))
	out := &s3.ListObjectsV2Output{KeyCount: aws.Int32(int32(end - start))}
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k)})
	}
	if end < len(keys) {
		out.IsTruncated = aws.Bool(true)
		out.NextContinuationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (b *bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if err := b.count("GetObject"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchKey", Message: "The specified key does not exist."}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body))}, nil
}

func (b *bucket) keys(prefix string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(b.objects)) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// topic records published messages.
type topic struct {
	verify.Publisher
	mu       sync.Mutex
	messages []*sns.PublishInput
	fail     error
}

func (t *topic) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fail != nil {
		return nil, t.fail
	}
	t.messages = append(t.messages, in)
	return &sns.PublishOutput{MessageId: aws.String("m-" + strconv.Itoa(len(t.messages)))}, nil
}

func (t *topic) sent() []*sns.PublishInput {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.messages)
}

// collector returns fixed results, stamped with the run's time.
type collector struct {
	results []check.Result
	asked   []check.Request
}

func (c *collector) Collect(_ context.Context, req check.Request, now time.Time) []check.Result {
	c.asked = append(c.asked, req)
	out := make([]check.Result, len(c.results))
	for i, r := range c.results {
		out[i] = check.NewResult(r.CheckID, r.Resource, r.Status, r.Reason, now)
	}
	return out
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
