// Command purgebench drives the purge benchmarks against a local MinIO:
// it starts MinIO, seeds a tenant prefix (and a neighbour's), runs Pledge's
// purge engine as the tenant-purger would (manifest parts written ahead
// to an evidence bucket, checkpoints, the final verification, the sealed
// index), whole or as one shard of several, and checks what is left.
// bench.sh in the parent directory runs it against s5cmd and with shards.
//
//	purgebench minio -dir DIR -url-file FILE      # runs until SIGTERM
//	purgebench proxy -endpoint URL -latency D -url-file FILE   # adds D to every request, until SIGTERM
//	purgebench seed  -endpoint URL -bucket B -prefix P -versions N
//	purgebench plan  -endpoint URL -bucket B -prefix P -shards N -out FILE
//	purgebench purge -endpoint URL -bucket B -prefix P -evidence-bucket E [-plan FILE -shard K] [-out FILE]
//	purgebench seal  -endpoint URL -evidence-bucket E RESULT...
//	purgebench count -endpoint URL -bucket B -prefix P
//	purgebench fingerprint -endpoint URL -bucket B -prefix P
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sort"
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

const tenant = "tenant-1"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: purgebench minio|seed|plan|purge|seal|count|fingerprint [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "S3 endpoint URL")
	bucket := fs.String("bucket", "", "tenant data bucket")
	prefix := fs.String("prefix", "tenants/tenant-1/", "tenant prefix")
	versions := fs.Int("versions", 100000, "seed: object versions plus delete markers to create")
	workers := fs.Int("workers", 64, "seed: parallel uploads")
	evBucket := fs.String("evidence-bucket", "", "purge, seal: evidence bucket for the manifest")
	maxConc := fs.Int("max-concurrency", 32, "purge: maximum DeleteObjects calls in flight")
	initConc := fs.Int("initial-concurrency", 0, "purge: DeleteObjects calls in flight at the start (0: the engine's default)")
	shards := fs.Int("shards", 4, "plan: shards to split the prefix into")
	planFile := fs.String("plan", "", "purge: the shard plan (from plan)")
	shard := fs.Int("shard", 0, "purge: which shard of the plan (1-based)")
	out := fs.String("out", "", "plan, purge: file to write the plan or the result to")
	dir := fs.String("dir", "", "minio: data directory")
	urlFile := fs.String("url-file", "", "minio, proxy: file to write the URL to")
	latency := fs.Duration("latency", 0, "proxy: delay added to every request")
	_ = fs.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	switch os.Args[1] {
	case "minio":
		err = runMinIO(ctx, *dir, *urlFile)
	case "proxy":
		err = runProxy(ctx, *endpoint, *latency, *urlFile)
	case "seed":
		err = seed(ctx, client(*endpoint), *bucket, *prefix, *versions, *workers)
	case "plan":
		err = plan(ctx, client(*endpoint), *bucket, *prefix, *shards, *out)
	case "purge":
		err = runPurge(ctx, client(*endpoint), *bucket, *prefix, *evBucket, purge.Options{MaxConcurrency: *maxConc, InitialConcurrency: *initConc, ManifestPrefix: "deletion-manifest"}, *planFile, *shard, *out)
	case "seal":
		err = seal(ctx, client(*endpoint), *evBucket, fs.Args())
	case "count":
		var n int
		n, _, err = fingerprint(ctx, client(*endpoint), *bucket, *prefix)
		fmt.Println(n)
	case "fingerprint":
		var n int
		var sum string
		n, sum, err = fingerprint(ctx, client(*endpoint), *bucket, *prefix)
		fmt.Println(n, sum)
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

// runProxy forwards to endpoint, delaying every request by latency: a
// round trip closer to S3's over the network than a local MinIO's, where
// what the engine overlaps (listing, parts, deletes, shards) shows.
func runProxy(ctx context.Context, endpoint string, latency time.Duration, urlFile string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 512}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		rp.ServeHTTP(w, r)
	})}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := os.WriteFile(urlFile, []byte("http://"+l.Addr().String()), 0o644); err != nil {
		return err
	}
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func ensureBucket(ctx context.Context, c *s3.Client, b string) error {
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}); err == nil {
		return nil
	}
	// Shards start as concurrent processes: another may create it first.
	var owned *s3types.BucketAlreadyOwnedByYou
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", b, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return fmt.Errorf("enable versioning on %s: %w", b, err)
	}
	return nil
}

// seed creates the bucket (versioned) and writes keys with two versions,
// and a delete marker on every other key, until the count of versions
// plus markers reaches n, spread over 500 sub-prefixes; and a neighbour
// tenant ("tenant-10", whose id starts with the tenant's) with a hundredth
// as many keys, which must survive.
func seed(ctx context.Context, c *s3.Client, bucket, prefix string, n, workers int) error {
	if err := ensureBucket(ctx, c, bucket); err != nil {
		return err
	}
	neighbour := strings.Replace(prefix, tenant+"/", tenant+"0/", 1)
	// Each group of two keys makes 2+2 versions and 1 marker: 5 entries.
	keys := n * 2 / 5
	type op struct {
		key string
		i   int
	}
	work := make(chan op)
	var firstErr atomic.Value
	var done atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for o := range work {
				for v := range 2 {
					body := fmt.Sprintf("%s v%d %s", o.key, v, strings.Repeat("d", 64+o.i%256))
					if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), Body: strings.NewReader(body)}); err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
				if o.i%2 == 0 {
					if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key)}); err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
				done.Add(1)
			}
		})
	}
	start := time.Now()
	for i := range keys {
		work <- op{fmt.Sprintf("%sdata/%03d/obj-%07d.json", prefix, i%500, i), i}
		if i%100 == 0 {
			work <- op{fmt.Sprintf("%sdata/%03d/obj-%07d.json", neighbour, i%500, i), i}
		}
	}
	close(work)
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok && err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d keys (%d versions and markers) under s3://%s/%s and a neighbour in %s\n", keys, keys*5/2, bucket, prefix, time.Since(start).Round(time.Millisecond))
	return nil
}

func job(bucket, prefix string) purge.Job {
	loc := []purge.Location{{Bucket: bucket, Prefix: prefix}}
	return purge.Job{TenantID: tenant, Locations: loc, Expected: loc, PurgeID: "bench"}
}

func plan(ctx context.Context, c *s3.Client, bucket, prefix string, n int, out string) error {
	e := &purge.Engine{S3: c}
	shards, err := e.PlanShards(ctx, job(bucket, prefix), n)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(shards, "", "  ")
	return os.WriteFile(out, b, 0o644)
}

// checkpoints keeps nothing but measures: the tenant-purger keeps the
// checkpoint on the tenant's registry item, whose size is the point.
type checkpoints struct {
	n       atomic.Int64
	largest atomic.Int64
}

func (d *checkpoints) Save(ctx context.Context, blob []byte) error {
	d.n.Add(1)
	for {
		l := d.largest.Load()
		if int64(len(blob)) <= l || d.largest.CompareAndSwap(l, int64(len(blob))) {
			return nil
		}
	}
}

// result is what a purge process reports.
type result struct {
	Shard          string           `json:"shard,omitempty"`
	Deleted        int64            `json:"deleted"`
	Seconds        float64          `json:"seconds"`
	PerSecond      float64          `json:"per_second"`
	ManifestSHA256 string           `json:"manifest_sha256"`
	Parts          int64            `json:"manifest_parts"`
	Checkpoints    int64            `json:"checkpoints"`
	CheckpointMax  int64            `json:"checkpoint_max_bytes"`
	Concurrency    purge.LimitStats `json:"concurrency"`
	Layout         purge.Layout     `json:"layout"`
	Segments       int              `json:"index_segments"`
	Sealed         *purge.Sealed    `json:"sealed,omitempty"`
}

func runPurge(ctx context.Context, c *s3.Client, bucket, prefix, evBucket string, opt purge.Options, planFile string, shard int, out string) error {
	if evBucket == "" {
		return errors.New("purge: -evidence-bucket is required (the manifest is part of the work measured)")
	}
	if err := ensureBucket(ctx, c, evBucket); err != nil {
		return err
	}
	j := job(bucket, prefix)
	if planFile != "" {
		b, err := os.ReadFile(planFile)
		if err != nil {
			return err
		}
		var shards []purge.Shard
		if err := json.Unmarshal(b, &shards); err != nil {
			return err
		}
		if shard < 1 || shard > len(shards) {
			return fmt.Errorf("purge: -shard %d: the plan has %d shards", shard, len(shards))
		}
		j.Shard = &shards[shard-1]
	}
	cp := &checkpoints{}
	store := &evidence.Store{S3: c, Bucket: evBucket}
	e := &purge.Engine{S3: c, Evidence: store, Checkpointer: cp, Recheck: func(context.Context) error { return nil }, Options: opt}
	start := time.Now()
	var res purge.Result
	var blob []byte
	for {
		var err error
		if res, err = e.Apply(ctx, j, blob); err != nil {
			return err
		}
		if res.Status == purge.StatusPurged {
			break
		}
		if res.Status != purge.StatusIncomplete {
			return fmt.Errorf("purge ended %s with %d remaining", res.Status, res.Remaining)
		}
		blob = res.Checkpoint
	}
	r := result{Deleted: res.Counts.Versions + res.Counts.DeleteMarkers, ManifestSHA256: res.ManifestSHA256, Parts: res.Index.Parts,
		Checkpoints: cp.n.Load(), CheckpointMax: cp.largest.Load(), Concurrency: res.Concurrency, Layout: res.Layout, Segments: res.Index.Segments}
	if j.Shard != nil {
		r.Shard = j.Shard.Name
	} else {
		// The whole purge: seal it too, as the tenant-purger does before
		// it signs the certificate.
		s, err := purge.Seal(ctx, store, []purge.Indexed{{Layout: res.Layout, Segments: res.Index.Segments}})
		if err != nil {
			return err
		}
		if s.SHA256 != res.ManifestSHA256 {
			return fmt.Errorf("sealed manifest %s differs from the engine's %s", s.SHA256, res.ManifestSHA256)
		}
		r.Sealed = &s
	}
	el := time.Since(start)
	r.Seconds, r.PerSecond = el.Seconds(), float64(r.Deleted)/el.Seconds()
	b, _ := json.Marshal(r)
	if out != "" {
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Println(string(b))
	return nil
}

// seal joins shard results (files written by purge -out, in shard order).
func seal(ctx context.Context, c *s3.Client, evBucket string, files []string) error {
	var idx []purge.Indexed
	var deleted int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		idx = append(idx, purge.Indexed{Layout: r.Layout, Segments: r.Segments})
		deleted += r.Deleted
	}
	start := time.Now()
	s, err := purge.Seal(ctx, &evidence.Store{S3: c, Bucket: evBucket}, idx)
	if err != nil {
		return err
	}
	if s.Lines != deleted {
		return fmt.Errorf("sealed %d lines, the shards deleted %d", s.Lines, deleted)
	}
	b, _ := json.Marshal(map[string]any{"sealed": s, "seconds": time.Since(start).Seconds()})
	fmt.Println(string(b))
	return nil
}

// fingerprint counts the versions under prefix and hashes "key version
// etag size" lines, so a neighbour can be checked byte for byte.
func fingerprint(ctx context.Context, c *s3.Client, bucket, prefix string) (int, string, error) {
	var lines []string
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix), EncodingType: s3types.EncodingTypeUrl})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, "", fmt.Errorf("list %s/%s: %w", bucket, prefix, err)
		}
		dec := func(s *string) string { d, _ := url.QueryUnescape(aws.ToString(s)); return d }
		if out.NextKeyMarker != nil {
			*out.NextKeyMarker = dec(out.NextKeyMarker)
		}
		for _, v := range out.Versions {
			lines = append(lines, fmt.Sprintf("%s %s %s %d", dec(v.Key), aws.ToString(v.VersionId), aws.ToString(v.ETag), aws.ToInt64(v.Size)))
		}
		for _, m := range out.DeleteMarkers {
			lines = append(lines, fmt.Sprintf("%s %s marker", dec(m.Key), aws.ToString(m.VersionId)))
		}
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return len(lines), hex.EncodeToString(h.Sum(nil)), nil
}
