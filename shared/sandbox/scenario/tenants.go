package scenario

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// Names of the purger's part of the scenario.
const (
	RegistryTable     = "pledge-tenants"
	PurgeQueue        = "pledge-purge"
	SigningKeyAlias   = "alias/pledge-prod-deletion-certificates" // as the stack names it for stage "prod"
	OpsTopicARN       = "arn:aws:sns:ap-northeast-1:000000000000:pledge-ops"
	TenantPrefixStray = "tenants/tenant-1-old.zip" // starts with "tenants/tenant-1": nobody's data
)

// The scenario's tenants.
const (
	TenantPurgeable  = "tenant-1"  // terminated 45 days ago: past its grace period
	TenantNeighbour  = "tenant-10" // active; its id starts with tenant-1's
	TenantPurgeable2 = "tenant-2"  // terminated 40 days ago: past its grace period
	TenantInGrace    = "tenant-3"  // terminated 25 days ago: due in 5 days (advance notice)
	TenantReinstated = "tenant-4"  // terminated 50 days ago, reinstated 35 days ago
	TenantActive     = "tenant-5"  // active
)

// TenantIDs lists the scenario's tenants.
var TenantIDs = []string{TenantPurgeable, TenantNeighbour, TenantPurgeable2, TenantInGrace, TenantReinstated, TenantActive}

// TenantDeps are the clients SeedTenants works with.
type TenantDeps struct {
	S3       *s3.Client
	DynamoDB *dynamodb.Client
	Sim      *awssim.Server
	// SimURL is the simulator's base URL (queue URLs point at it).
	SimURL string
}

// DepsFor returns the clients for a started sandbox (with S3 and
// DynamoDB).
func DepsFor(sb *sandbox.Sandbox) TenantDeps {
	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(sandbox.AccessKey, sandbox.SecretKey, "")}
	d := TenantDeps{Sim: sb.Sim, SimURL: sb.SimURL}
	if sb.S3 != nil {
		d.S3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(sb.S3.URL); o.UsePathStyle = true })
	}
	if sb.DynamoDB != nil {
		d.DynamoDB = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(sb.DynamoDB.URL) })
	}
	return d
}

// TenantShape is how much data each tenant gets: Keys keys with
// Versions versions each, and a delete marker on top of every
// MarkerEvery-th key (0: none).
type TenantShape struct {
	Keys, Versions, MarkerEvery int
}

// DefaultTenantShape is the demo's: 8 keys x 3 versions, every third key
// deleted (a delete marker on top).
var DefaultTenantShape = TenantShape{Keys: 8, Versions: 3, MarkerEvery: 3}

// TenantWorld is the seeded purger scenario and what must come of it.
type TenantWorld struct {
	// Now is the time the scenario is seeded for.
	Now time.Time
	// Table, QueueURL, SigningKeyID and OpsTopicARN are the resources the
	// purger needs; Env gives them as PLEDGE_* variables.
	Table, QueueURL, SigningKeyID, OpsTopicARN string
	// Purged must end with nothing under their prefixes, a certificate and
	// mail; Untouched must keep every version byte for byte.
	Purged, Untouched []string
	// Upcoming are due within the advance notice; Reinstated must never be
	// touched although it was once terminated.
	Upcoming   []string
	Reinstated string
	// Contacts are each tenant's contact addresses.
	Contacts map[string][]string
	// Fingerprints holds a fingerprint of every tenant's versions, by
	// tenant id, and of the keys under no tenant's prefix under "".
	Fingerprints map[string]Fingerprint
}

// Env returns the PLEDGE_* variables that point the purger at the
// scenario's resources.
func (w TenantWorld) Env() []string {
	return []string{
		"PLEDGE_REGISTRY_TABLE=" + w.Table,
		"PLEDGE_PURGE_QUEUE_URL=" + w.QueueURL,
		"PLEDGE_SIGNING_KEY_ID=" + w.SigningKeyID,
		"PLEDGE_OPS_TOPIC_ARN=" + w.OpsTopicARN,
	}
}

// Fingerprint summarises every version and delete marker of a set of keys:
// their count and the SHA-256 over "key, version id, ETag, size, marker"
// lines in listing order. Equal fingerprints mean byte-for-byte unchanged
// data (S3 never reuses a version id, and the ETag covers the content).
type Fingerprint struct {
	Versions int    `json:"versions"`
	SHA256   string `json:"sha256"`
}

// SeedTenants seeds the purger's part of the scenario: the registry table
// with six tenants (through lifecycle events dated in the past, as the
// control plane would have sent them, and the advance notices the past
// daily sweeps would have sent about them), their versioned data in
// TenantBucket, the purge queue, the ops topic and the signing key.
func SeedTenants(ctx context.Context, d TenantDeps, now time.Time, shape TenantShape) (TenantWorld, error) {
	cfg := Config().Tenants
	w := TenantWorld{Now: now, Table: RegistryTable, OpsTopicARN: OpsTopicARN,
		Purged: []string{TenantPurgeable, TenantPurgeable2}, Untouched: []string{TenantNeighbour, TenantInGrace, TenantReinstated, TenantActive},
		Upcoming: []string{TenantInGrace}, Reinstated: TenantReinstated, Contacts: map[string][]string{}}

	if err := tenant.CreateTable(ctx, d.DynamoDB, RegistryTable); err != nil {
		return w, fmt.Errorf("create the registry table: %w", err)
	}
	reg, err := tenant.New(d.DynamoDB, RegistryTable, cfg)
	if err != nil {
		return w, err
	}
	reg.Now = func() time.Time { return now }
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	type step struct {
		typ tenant.EventType
		at  time.Time
	}
	plans := map[string][]step{
		TenantPurgeable:  {{tenant.EventTerminated, days(45)}},
		TenantNeighbour:  nil,
		TenantPurgeable2: {{tenant.EventTerminated, days(40)}},
		TenantInGrace:    {{tenant.EventTerminated, days(25)}},
		TenantReinstated: {{tenant.EventTerminated, days(50)}, {tenant.EventReinstated, days(35)}},
		TenantActive:     nil,
	}
	names := map[string]string{
		TenantPurgeable: "株式会社サンプル", TenantNeighbour: "サンプル物流株式会社", TenantPurgeable2: "Example Trading K.K.",
		TenantInGrace: "株式会社みほん", TenantReinstated: "合同会社テスト", TenantActive: "Demo Holdings",
	}
	for i, id := range TenantIDs {
		contacts := []tenant.Contact{{Email: "security@" + id + ".example.jp", Language: "ja", Timezone: "Asia/Tokyo", Name: "情報システム部 ご担当者様"}}
		if id == TenantPurgeable {
			contacts = append(contacts, tenant.Contact{Email: "it-admin@" + id + ".example.com", Language: "en", Timezone: "America/Los_Angeles", Name: "IT administrator"})
		}
		for _, c := range contacts {
			w.Contacts[id] = append(w.Contacts[id], c.Email)
		}
		evs := []tenant.Event{{ID: fmt.Sprintf("seed-%s-registered", id), Type: tenant.EventRegistered, TenantID: id, OccurredAt: days(400 - i), Name: names[id], Contacts: contacts}}
		for _, s := range plans[id] {
			evs = append(evs, tenant.Event{ID: fmt.Sprintf("seed-%s-%s", id, strings.ToLower(strings.ReplaceAll(string(s.typ), " ", "-"))), Type: s.typ, TenantID: id, OccurredAt: s.at})
		}
		for _, ev := range evs {
			ev, err := ev.Normalize()
			if err != nil {
				return w, fmt.Errorf("seed tenant %s: %w", id, err)
			}
			if _, err := reg.Apply(ctx, ev); err != nil {
				return w, fmt.Errorf("seed tenant %s: %w", id, err)
			}
		}
	}
	if err := recordPastNotices(ctx, reg, TenantIDs, now); err != nil {
		return w, err
	}

	if err := CreateTenantBucket(ctx, d.S3); err != nil {
		return w, err
	}
	for _, id := range TenantIDs {
		if err := SeedTenantObjects(ctx, d.S3, id, shape); err != nil {
			return w, err
		}
	}
	// A key that a prefix without its delimiter ("tenants/tenant-1") would
	// match: it is nobody's, and must survive.
	if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(TenantBucket), Key: aws.String(TenantPrefixStray), Body: strings.NewReader("not a tenant's data")}); err != nil {
		return w, fmt.Errorf("put %s: %w", TenantPrefixStray, err)
	}
	if w.Fingerprints, err = TenantFingerprints(ctx, d.S3); err != nil {
		return w, err
	}

	if err := d.Sim.SQS().CreateQueue(PurgeQueue, map[string]string{"VisibilityTimeout": "960"}); err != nil {
		return w, fmt.Errorf("create the purge queue: %w", err)
	}
	w.QueueURL = strings.TrimSuffix(d.SimURL, "/") + "/" + awssim.DefaultAccountID + "/" + PurgeQueue
	if err := d.Sim.SNS().Seed(awssim.SNSSeed{Topics: []string{OpsTopicARN}}); err != nil {
		return w, fmt.Errorf("create the ops topic: %w", err)
	}
	if w.SigningKeyID, err = d.Sim.KMS().CreateSigningKey(SigningKeyAlias); err != nil {
		return w, fmt.Errorf("create the signing key: %w", err)
	}
	return w, nil
}

// CreateTenantBucket creates TenantBucket, versioned.
func CreateTenantBucket(ctx context.Context, c *s3.Client) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(TenantBucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create tenant bucket: %w", err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(TenantBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return fmt.Errorf("enable versioning on %s: %w", TenantBucket, err)
	}
	return nil
}

// SeedTenantObjects writes shape's keys and versions under the tenant's
// prefix, sixteen requests at a time. Contents differ per tenant, key and
// version, and sizes vary.
func SeedTenantObjects(ctx context.Context, c *s3.Client, id string, shape TenantShape) error {
	prefix := Config().Tenants.Prefix(id)
	sem := make(chan struct{}, 16)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for k := range shape.Keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			key := fmt.Sprintf("%sdata/%04d/file-%04d.json", prefix, k/100, k)
			// Versions of one key are written in order, so the newest is
			// last, as an application would.
			for v := range shape.Versions {
				body := fmt.Sprintf(`{"tenant":%q,"key":%d,"version":%d,"pad":%q}`, id, k, v, strings.Repeat("x", (k*37+v*11)%200))
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(TenantBucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("put %s: %w", key, err))
					mu.Unlock()
					return
				}
			}
			if shape.MarkerEvery > 0 && k%shape.MarkerEvery == 0 {
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(TenantBucket), Key: aws.String(key)}); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("delete-marker %s: %w", key, err))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("seed objects of tenant %s: %w", id, err)
	}
	return nil
}

// TenantFingerprints lists every version and delete marker in TenantBucket
// and fingerprints them per tenant (by the prefix template) and, under "",
// those under no tenant's prefix.
func TenantFingerprints(ctx context.Context, c *s3.Client) (map[string]Fingerprint, error) {
	tmpl := Config().Tenants.PrefixTemplate
	root := tmpl[:strings.Index(tmpl, "{tenant}")]
	lines := map[string][]string{}
	// Keys are listed URL-encoded, so that keys XML cannot carry (control
	// characters) are fingerprinted too.
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(TenantBucket), EncodingType: s3types.EncodingTypeUrl})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", TenantBucket, err)
		}
		if err := decodeKeys(page); err != nil {
			return nil, err
		}
		owner := func(key string) string {
			rest, ok := strings.CutPrefix(key, root)
			if !ok {
				return ""
			}
			id, _, ok := strings.Cut(rest, "/")
			if !ok || tenant.ValidateID(id) != nil {
				return ""
			}
			return id
		}
		for _, v := range page.Versions {
			k := aws.ToString(v.Key)
			lines[owner(k)] = append(lines[owner(k)], fmt.Sprintf("%s\t%s\t%s\t%d\tversion", k, aws.ToString(v.VersionId), aws.ToString(v.ETag), aws.ToInt64(v.Size)))
		}
		for _, m := range page.DeleteMarkers {
			k := aws.ToString(m.Key)
			lines[owner(k)] = append(lines[owner(k)], fmt.Sprintf("%s\t%s\t-\t0\tmarker", k, aws.ToString(m.VersionId)))
		}
	}
	out := map[string]Fingerprint{}
	for id, ls := range lines {
		sort.Strings(ls)
		h := sha256.New()
		for _, l := range ls {
			h.Write([]byte(l + "\n"))
		}
		out[id] = Fingerprint{Versions: len(ls), SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	return out, nil
}

// decodeKeys URL-decodes a listing page's keys and next marker, in place,
// when S3 encoded them (EncodingType=url); the paginator then sends the
// decoded marker.
func decodeKeys(page *s3.ListObjectVersionsOutput) error {
	if page.EncodingType != s3types.EncodingTypeUrl {
		return nil
	}
	dec := func(p *string) error {
		if p == nil {
			return nil
		}
		s, err := url.QueryUnescape(*p)
		if err != nil {
			return fmt.Errorf("list %s: key %q does not URL-decode: %w", TenantBucket, *p, err)
		}
		*p = s
		return nil
	}
	for i := range page.Versions {
		if err := dec(page.Versions[i].Key); err != nil {
			return err
		}
	}
	for i := range page.DeleteMarkers {
		if err := dec(page.DeleteMarkers[i].Key); err != nil {
			return err
		}
	}
	return dec(page.NextKeyMarker)
}
