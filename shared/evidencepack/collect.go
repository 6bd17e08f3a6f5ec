package evidencepack

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/pledge-dev/pledge/shared/certificate"
)

// Bucket is the part of the S3 client the pack reads the evidence bucket
// with: ListObjectsV2 (paginated) and GetObject.
type Bucket interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Object is one evidence object of the month, as the index lists it.
type Object struct {
	Key    string `json:"key"`
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Problem is evidence that could not be read or did not hold.
type Problem struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Evidence is every evidence object of a month, read.
type Evidence struct {
	Month        Month           `json:"-"`
	Objects      []Object        `json:"objects"`
	SnapshotRuns []SnapshotRun   `json:"-"`
	Notices      []Notice        `json:"-"`
	Findings     []Finding       `json:"-"`
	PurgeRuns    []PurgeRun      `json:"-"`
	Certificates []Certificate   `json:"-"`
	Manifests    []ManifestCheck `json:"-"`
	Reports      []Report        `json:"-"`
	// DryRuns counts records marked dry run: indexed, but no figure.
	DryRuns  int       `json:"-"`
	Problems []Problem `json:"problems"`
}

// Collector reads a month's evidence from the bucket.
type Collector struct {
	S3     Bucket
	Bucket string
	// NoticeHours is the configured promise, for notices that state no
	// deadline of their own.
	NoticeHours int
	// Concurrency bounds the reads in flight (16 when 0).
	Concurrency int
}

// keyTime reads the time in an evidence.Key name:
// kind/YYYY/MM/DD/20060102T150405.000Z_subject_digest.json.
func keyTime(key string) (time.Time, bool) {
	name := key[strings.LastIndex(key, "/")+1:]
	stamp, _, ok := strings.Cut(name, "_")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405.000Z", stamp)
	return t, err == nil
}

// list returns the keys (and sizes) under prefix.
func (c *Collector) list(ctx context.Context, prefix string) (map[string]int64, error) {
	out := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(c.S3, &s3.ListObjectsV2Input{Bucket: aws.String(c.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", c.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return out, nil
}

// get reads an object whole, hashing it.
func (c *Collector) get(ctx context.Context, key string) ([]byte, Object, error) {
	out, err := c.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, Object{}, fmt.Errorf("get s3://%s/%s: %w", c.Bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, Object{}, fmt.Errorf("read s3://%s/%s: %w", c.Bucket, key, err)
	}
	sum := sha256.Sum256(b)
	return b, Object{Key: key, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

// Collect lists and reads every evidence object of the month: the dated
// kinds under each UTC day the month touches (kept when the time in the
// key falls in the month), the deletion certificates issued in the month
// with their signatures, and the manifests those certificates name. It
// fails only when listing fails; an object that cannot be read or
// understood is a Problem, and still indexed when it could be read.
func (c *Collector) Collect(ctx context.Context, m Month) (*Evidence, error) {
	ev := &Evidence{Month: m}
	type todo struct{ key, kind string }
	var keys []todo
	for _, kind := range DatedKinds {
		for _, day := range m.utcDays() {
			found, err := c.list(ctx, kind+"/"+day+"/")
			if err != nil {
				return nil, err
			}
			for k := range found {
				if t, ok := keyTime(k); ok && m.Contains(t) {
					keys = append(keys, todo{k, kind})
				}
			}
		}
	}
	// Certificates: a certificate issued in the month may belong to a
	// purge that began before it (keys carry the purge's start), so every
	// certificate.json begun in the year before the month's end is read
	// and kept when it was issued in the month.
	certs, err := c.list(ctx, KindCertificate+"/")
	if err != nil {
		return nil, err
	}
	for k := range certs {
		t, ok := certificateTime(k)
		if !ok || baseName(k) != certificate.FileJSON || !t.Before(m.End()) || t.Before(m.Start().AddDate(-1, 0, 0)) {
			continue
		}
		b, _, err := c.get(ctx, k)
		if err != nil {
			ev.Problems = append(ev.Problems, Problem{Key: k, Reason: err.Error()})
			continue
		}
		if cert, err := ReadCertificate(b); err == nil && m.Contains(cert.Issued) {
			for _, name := range []string{certificate.FileJSON, certificate.FileSignature, certificate.FilePublicKey} {
				keys = append(keys, todo{sibling(k, name), KindCertificate})
			}
		}
	}
	slices.SortFunc(keys, func(a, b todo) int { return cmp.Compare(a.key, b.key) })

	var mu sync.Mutex
	bodies := map[string][]byte{}
	problem := func(key, format string, args ...any) {
		mu.Lock()
		ev.Problems = append(ev.Problems, Problem{Key: key, Reason: fmt.Sprintf(format, args...)})
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(c.Concurrency, 16))
	for _, k := range keys {
		g.Go(func() error {
			b, obj, err := c.get(gctx, k.key)
			if err != nil {
				problem(k.key, "%v", err)
				return nil
			}
			obj.Kind = k.kind
			mu.Lock()
			defer mu.Unlock()
			ev.Objects = append(ev.Objects, obj)
			if strings.HasSuffix(k.key, ".json") {
				bodies[k.key] = b
			} else if k.kind == KindCertificate {
				bodies[k.key] = b // signatures and public keys
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	c.read(ev, bodies, problem)
	if err := c.manifests(ctx, ev, problem); err != nil {
		return nil, err
	}
	slices.SortFunc(ev.Objects, func(a, b Object) int { return cmp.Compare(a.Key, b.Key) })
	slices.SortFunc(ev.Problems, func(a, b Problem) int { return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Reason, b.Reason)) })
	return ev, nil
}

// read parses the records the figures come from.
func (c *Collector) read(ev *Evidence, bodies map[string][]byte, problem func(key, format string, args ...any)) {
	keys := make([]string, 0, len(bodies))
	for k := range bodies {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		b := bodies[key]
		kind, _, _ := strings.Cut(key, "/")
		var err error
		switch {
		case kind == KindSnapshotRun:
			var run SnapshotRun
			var dry bool
			if run, dry, err = ReadSnapshotRun(b); err == nil {
				run.Key = key
				if dry {
					ev.DryRuns++
				} else {
					ev.SnapshotRuns = append(ev.SnapshotRuns, run)
				}
			}
		case kind == KindNotice:
			var n Notice
			if n, err = ReadNotice(b, c.NoticeHours); err == nil {
				n.Key = key
				ev.Notices = append(ev.Notices, n)
			}
		case kind == KindFinding:
			var f Finding
			if f, err = ReadFinding(b); err == nil {
				f.Key = key
				ev.Findings = append(ev.Findings, f)
			}
		case kind == KindPurgeRun:
			var r PurgeRun
			if r, err = ReadPurgeRun(b); err == nil {
				r.Key = key
				ev.PurgeRuns = append(ev.PurgeRuns, r)
			}
		case kind == KindVerification:
			var r Report
			if r, err = ReadReport(b); err == nil {
				r.Key = key
				ev.Reports = append(ev.Reports, r)
			}
		case kind == KindCertificate && baseName(key) == certificate.FileJSON:
			var cert Certificate
			if cert, err = ReadCertificate(b); err == nil {
				cert.Key = key
				if verr := verifyCertificate(b, bodies[sibling(key, certificate.FileSignature)], bodies[sibling(key, certificate.FilePublicKey)]); verr != nil {
					problem(key, "the certificate's signature does not verify: %v", verr)
				} else {
					cert.SignatureOK = true
				}
				ev.Certificates = append(ev.Certificates, cert)
			}
		}
		if err != nil {
			problem(key, "%v", err)
		}
	}
}

func baseName(key string) string { return key[strings.LastIndex(key, "/")+1:] }

// manifests reads the manifest each certificate of the month names: with
// an index (the purger's layout), every object of the purge's manifest
// folder is indexed, the index is checked against the certified digest and
// the parts it lists (superseded ones aside) are re-read in its order;
// in the first layout, the parts the certificate lists. The lines are
// re-hashed against the certified digest and every deleted key is checked
// against the certified locations.
func (c *Collector) manifests(ctx context.Context, ev *Evidence, problem func(key, format string, args ...any)) error {
	for _, cert := range ev.Certificates {
		mc := newManifestChecker(cert)
		err := c.manifest(ctx, ev, cert, mc)
		check := mc.finish(err)
		switch {
		case check.Error != "":
			problem(cert.Key, "its manifest could not be checked: %s", check.Error)
		case !check.DigestOK:
			problem(cert.Key, "its manifest's %d lines hash to %s, but it certifies %d lines hashing to %s", check.Lines, check.SHA256, cert.ManifestLines, cert.ManifestSHA256)
		}
		if check.OutsideCount > 0 {
			problem(cert.Key, "its manifest lists %d deleted keys outside the certified locations, e.g. %s", check.OutsideCount, check.Outside[0])
		}
		ev.Manifests = append(ev.Manifests, check)
	}
	return ctx.Err()
}

func (c *Collector) manifest(ctx context.Context, ev *Evidence, cert Certificate, mc *manifestChecker) error {
	parts := cert.ManifestKeys
	var entries []indexEntry
	if cert.IndexKey != "" {
		dir := cert.IndexKey[:strings.LastIndex(cert.IndexKey, "/")+1]
		found, err := c.list(ctx, dir)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(found))
		for k := range found {
			names = append(names, k)
		}
		slices.Sort(names)
		bodies := map[string][]byte{}
		for _, k := range names {
			b, obj, err := c.get(ctx, k)
			if err != nil {
				return err
			}
			obj.Kind = KindManifest
			ev.Objects = append(ev.Objects, obj)
			if k == cert.IndexKey {
				if obj.SHA256 != cert.IndexSHA256 {
					return fmt.Errorf("index %s hashes to %s, the certificate says %s", k, obj.SHA256, cert.IndexSHA256)
				}
				if entries, err = readIndex(b); err != nil {
					return fmt.Errorf("index %s: %w", k, err)
				}
			}
			bodies[k] = b
		}
		if entries == nil {
			return fmt.Errorf("index %s is not stored", cert.IndexKey)
		}
		for _, e := range entries {
			if e.Superseded != "" {
				continue
			}
			b, ok := bodies[e.Key]
			if !ok {
				return fmt.Errorf("part %s listed in the index is not stored", e.Key)
			}
			if err := mc.add(bytes.NewReader(b)); err != nil {
				return fmt.Errorf("manifest part %s: %w", e.Key, err)
			}
			if err := mc.checkPart(e); err != nil {
				return err
			}
		}
		return nil
	}
	for _, key := range parts {
		b, obj, err := c.get(ctx, key)
		if err != nil {
			return err
		}
		obj.Kind = KindManifest
		ev.Objects = append(ev.Objects, obj)
		if err := mc.add(bytes.NewReader(b)); err != nil {
			return fmt.Errorf("manifest part %s: %w", key, err)
		}
	}
	return nil
}
