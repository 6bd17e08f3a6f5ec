// Command purgebench drives the purge benchmark against a local MinIO:
// it starts MinIO, seeds identical tenant prefixes, runs Pledge's purge
// engine (with its manifest written to an evidence bucket) and counts what
// is left. bench.sh in the parent directory runs it side by side with
// s5cmd under /usr/bin/time -v.
//
//	purgebench minio -dir DIR -url-file FILE   # runs until SIGTERM
//	purgebench seed  -endpoint URL -bucket B[,B2...] -prefix P -versions N
//	purgebench purge -endpoint URL -bucket B -prefix P -evidence-bucket E
//	purgebench count -endpoint URL -bucket B -prefix P
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/evidence"
	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/sandbox"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: purgebench minio|seed|purge|count [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "S3 endpoint URL")
	bucket := fs.String("bucket", "", "bucket (seed: comma-separated list of identical copies)")
	prefix := fs.String("prefix", "tenants/tenant-1/", "tenant prefix")
	versions := fs.Int("versions", 100000, "seed: object versions plus delete markers to create")
	workers := fs.Int("workers", 64, "seed: parallel uploads")
	evBucket := fs.String("evidence-bucket", "", "purge: evidence bucket for the manifest")
	maxConc := fs.Int("max-concurrency", 32, "purge: maximum DeleteObjects calls in flight")
	dir := fs.String("dir", "", "minio: data directory")
	urlFile := fs.String("url-file", "", "minio: file to write the URL to")
	_ = fs.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	switch os.Args[1] {
	case "minio":
		err = runMinIO(ctx, *dir, *urlFile)
	case "seed":
		err = seed(ctx, client(*endpoint), strings.Split(*bucket, ","), *prefix, *versions, *workers)
	case "purge":
		err = runPurge(ctx, client(*endpoint), *bucket, *prefix, *evBucket, *maxConc)
	case "count":
		var n int
		n, err = count(ctx, client(*endpoint), *bucket, *prefix)
		fmt.Println(n)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "purgebench:", err)
		os.Exit(1)
	}
}

func client(endpoint string) *s3.Client {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}}
	return s3.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, ""), HTTPClient: hc}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

func runMinIO(ctx context.Context, dir, urlFile string) error {
	p, err := sandbox.StartMinIO(ctx, dir)
	if err != nil {
		return err
	}
	defer p.Stop()
	if err := os.WriteFile(urlFile, []byte(p.URL), 0o644); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// seed creates each bucket (versioned) and writes the same keys to each:
// keys with two versions, and a delete marker on every other key, until
// the count of versions plus markers reaches n.
func seed(ctx context.Context, c *s3.Client, buckets []string, prefix string, n, workers int) error {
	for _, b := range buckets {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			return fmt.Errorf("enable versioning on %s: %w", b, err)
		}
	}
	// Each group of two keys makes 2+2 versions and 1 marker: 5 entries.
	keys := n * 2 / 5
	type op struct {
		bucket, key string
		i           int
	}
	work := make(chan op)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for o := range work {
				for v := range 2 {
					body := fmt.Sprintf("%s v%d %s", o.key, v, strings.Repeat("d", 64+o.i%256))
					if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key), Body: strings.NewReader(body)}); err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
				if o.i%2 == 0 {
					if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)}); err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}
		})
	}
	start := time.Now()
	for i := range keys {
		for _, b := range buckets {
			work <- op{b, fmt.Sprintf("%sdata/%03d/obj-%07d.json", prefix, i%500, i), i}
		}
	}
	close(work)
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok && err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d keys (%d versions and markers) into %v in %s\n", keys, keys*5/2, buckets, time.Since(start).Round(time.Millisecond))
	return nil
}

type discardCheckpoints struct{ n atomic.Int64 }

func (d *discardCheckpoints) Save(ctx context.Context, blob []byte) error { d.n.Add(1); return nil }

func runPurge(ctx context.Context, c *s3.Client, bucket, prefix, evBucket string, maxConc int) error {
	if evBucket == "" {
		return errors.New("purge: -evidence-bucket is required (the manifest is part of the work measured)")
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(evBucket)}); err != nil {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(evBucket)}); err != nil {
			return fmt.Errorf("create evidence bucket: %w", err)
		}
	}
	loc := []purge.Location{{Bucket: bucket, Prefix: prefix}}
	cp := &discardCheckpoints{}
	e := &purge.Engine{S3: c, Evidence: &evidence.Store{S3: c, Bucket: evBucket}, Checkpointer: cp, Recheck: func(context.Context) error { return nil },
		Options: purge.Options{MaxConcurrency: maxConc}}
	start := time.Now()
	res, err := e.Apply(ctx, purge.Job{TenantID: "tenant-1", Locations: loc, Expected: loc}, nil)
	el := time.Since(start)
	if err != nil {
		return err
	}
	if res.Status != purge.StatusPurged {
		return fmt.Errorf("purge ended %s with %d remaining", res.Status, res.Remaining)
	}
	n := res.Counts.Versions + res.Counts.DeleteMarkers
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"deleted": n, "seconds": el.Seconds(), "per_second": float64(n) / el.Seconds(),
		"manifest_sha256": res.ManifestSHA256, "manifest_parts": res.Index.Parts, "checkpoints": cp.n.Load(), "concurrency": res.Concurrency,
	})
}

func count(ctx context.Context, c *s3.Client, bucket, prefix string) (int, error) {
	n := 0
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count %s/%s: %w", bucket, prefix, err)
		}
		n += len(out.Versions) + len(out.DeleteMarkers)
	}
	return n, nil
}
