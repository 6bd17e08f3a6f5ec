package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// putPool writes objects through a pool of workers: PutObject returns at
// once, and close waits for every write and returns their errors. The
// simulated month writes a month of evidence this way; a write the bucket
// refuses (a key written twice) is an error at close, never lost.
type putPool struct {
	c    *s3.Client
	jobs chan *s3.PutObjectInput
	wg   sync.WaitGroup
	once sync.Once
	mu   sync.Mutex
	errs []error
}

func newPutPool(c *s3.Client, workers int) *putPool {
	p := &putPool{c: c, jobs: make(chan *s3.PutObjectInput, 4*workers)}
	for range workers {
		p.wg.Go(func() {
			for in := range p.jobs {
				if _, err := c.PutObject(context.Background(), in); err != nil {
					p.mu.Lock()
					p.errs = append(p.errs, fmt.Errorf("put %s: %w", aws.ToString(in.Key), err))
					p.mu.Unlock()
				}
			}
		})
	}
	return p
}

// PutObject queues the write; the body is read now, so the caller may reuse
// its buffer.
func (p *putPool) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	cp := *in
	cp.Body = bytes.NewReader(b)
	p.jobs <- &cp
	return &s3.PutObjectOutput{}, nil
}

// close waits for the queued writes and returns their errors.
func (p *putPool) close() error {
	p.once.Do(func() {
		close(p.jobs)
		p.wg.Wait()
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	return errors.Join(p.errs...)
}
