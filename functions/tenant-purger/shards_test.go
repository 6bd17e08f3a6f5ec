package main_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// TestPurger_ShardedPurgeMatchesUnsharded purges a tenant in 4 shards
// through the binary (two shard processes at once, as two Lambda
// invocations) and an identical copy unsharded: the same manifest digest,
// one certificate issued by the invocation that finished the last shard,
// one mail, neighbours intact, and a duplicate shard message harmless.
func TestPurger_ShardedPurgeMatchesUnsharded(t *testing.T) {
	dataDir := t.TempDir()
	w := setup(t, sandbox.Options{Dir: dataDir}, scenario.DefaultTenantShape)
	ctx := context.Background()
	id := scenario.TenantPurgeable2
	if err := scenario.SeedTenantObjects(ctx, w.deps.S3, id, scenario.TenantShape{Keys: 600, Versions: 2, MarkerEvery: 4}); err != nil {
		t.Fatal(err)
	}
	before := w.fingerprints(t)
	copyRegistry(t, w.deps.DynamoDB, w.tw.Table, "pledge-tenants-whole")
	clone := cloneS3(t, w, dataDir)
	msg := w.forged(t, id)

	whole := w.purge(t, msg, []string{"AWS_ENDPOINT_URL_S3=" + clone.URL, "PLEDGE_REGISTRY_TABLE=pledge-tenants-whole"})
	if whole.Action != purger.ActionPurged {
		t.Fatalf("unsharded purge: %+v", whole)
	}

	cfg := scenario.Config().Only("tenants", "backup", "notifications")
	cfg.Tenants.Shards, cfg.Tenants.ShardMinVersions = 4, 1000
	sharded := []string{sandboxtest.ConfigEnv(cfg)}
	mailsBefore := len(w.mail(t).Emails)
	first := w.purge(t, msg, sharded)
	if first.Action != purger.ActionSharded {
		t.Fatalf("first message: %+v, want sharded", first)
	}
	msgs, err := w.sb.Sim.SQS().Messages(scenario.PurgeQueue)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	var names []string
	for _, m := range msgs {
		pm, err := purger.ParseMessage(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		if pm.Reason == purger.ReasonShard && pm.TenantID == id {
			files = append(files, w.sqsEvent(t, m.MessageId, m.Body))
			names = append(names, pm.Shard)
		}
	}
	if len(files) != 4 {
		t.Fatalf("shard messages for %v, want 4", names)
	}
	outcomes := make([]purger.Outcome, 4)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { outcomes[i] = w.purge(t, files[i], sharded) })
	}
	wg.Wait()
	for i := 2; i < 4; i++ {
		outcomes[i] = w.purge(t, files[i], sharded)
	}
	var last purger.Outcome
	doneCount := 0
	for i, o := range outcomes {
		switch o.Action {
		case purger.ActionShardDone:
			doneCount++
		case purger.ActionPurged:
			last = o
		default:
			t.Fatalf("shard %s: %+v", names[i], o)
		}
		if o.Shard != names[i] || o.ProgressBytes > purge.MaxCheckpointBytes {
			t.Errorf("shard %s: outcome for %q, %d bytes of checkpoint", names[i], o.Shard, o.ProgressBytes)
		}
	}
	if doneCount != 3 || last.Action != purger.ActionPurged || outcomes[3].Action != purger.ActionPurged {
		t.Fatalf("want three shard-done and the last purged: %+v", outcomes)
	}
	if last.Manifest == nil || whole.Manifest == nil || last.Manifest.SHA256 != whole.Manifest.SHA256 || last.Counts != whole.Counts {
		t.Errorf("sharded: %+v %+v; unsharded: %+v %+v", last.Manifest, last.Counts, whole.Manifest, whole.Counts)
	}
	a := audit(t, w, last.Certificate)
	if got, want := len(a.lines), before[id].Versions; got != want {
		t.Errorf("%d manifest lines, %d versions were there", got, want)
	}
	shardsSeen := map[string]bool{}
	for _, e := range a.index {
		for _, n := range names {
			if strings.Contains(e.Key, "/"+n+"/") {
				shardsSeen[n] = true
			}
		}
	}
	if len(shardsSeen) != 4 {
		t.Errorf("index holds parts of %v, want all 4 shards", shardsSeen)
	}
	after := w.fingerprints(t)
	if _, ok := after[id]; ok {
		t.Errorf("%s has versions left", id)
	}
	for who, fp := range before {
		if who != id && who != scenario.TenantPurgeable && after[who] != fp {
			t.Errorf("%q changed", who)
		}
	}
	if st := w.status(t, id); st.Status != tenant.StatusPurged {
		t.Errorf("registry: %s", st.Status)
	}
	certs, err := w.deps.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(scenario.EvidenceBucket), Prefix: aws.String(purger.KindCertificate + "/" + id + "/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(certs.Contents) != 3 {
		t.Errorf("%d certificate files for %s in the sharded world, want 3", len(certs.Contents), id)
	}
	mails := 0
	for _, e := range w.mail(t).Emails[mailsBefore:] {
		if slices.Contains(e.Destination.To, w.tw.Contacts[id][0]) {
			mails++
		}
	}
	if mails != 1 {
		t.Errorf("%d certificate mails, want 1", mails)
	}
	// A shard message delivered again changes nothing.
	if o := w.purge(t, files[0], sharded); o.Action != purger.ActionAlreadyPurged {
		t.Errorf("redelivered shard message: %+v", o)
	}
}

// TestPurger_FiveThousandPages purges more than 5,000 listing pages (one
// version a page) through the binary: the registry item stays small and
// the certificate verifies, its manifest re-hashed from thousands of parts.
// It takes minutes on a loaded 2-core machine, so it runs only with
// PLEDGE_LONG_TESTS=1 (make test-long); shared/purge's
// TestEngine_ThousandsOfPagesStayBounded checks the same bound in make test.
func TestPurger_FiveThousandPages(t *testing.T) {
	if os.Getenv("PLEDGE_LONG_TESTS") == "" {
		t.Skip("a long test: set PLEDGE_LONG_TESTS=1 (make test-long)")
	}
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	id := scenario.TenantPurgeable2
	if err := scenario.SeedTenantObjects(context.Background(), w.deps.S3, id, scenario.TenantShape{Keys: 1700, Versions: 3}); err != nil {
		t.Fatal(err)
	}
	before := w.fingerprints(t)
	o := w.purge(t, w.forged(t, id), []string{"PLEDGE_PURGE_PAGE_SIZE=1"}, "-timeout", "14m")
	if o.Action != purger.ActionPurged {
		t.Fatalf("%+v", o)
	}
	if o.Manifest.Parts < 5000 {
		t.Fatalf("%d parts: fewer than 5,000 pages", o.Manifest.Parts)
	}
	a := audit(t, w, o.Certificate)
	if len(a.lines) != before[id].Versions {
		t.Errorf("%d lines, %d versions", len(a.lines), before[id].Versions)
	}
	item := w.registryItemBytes(t, id)
	t.Logf("%d pages: registry item %d bytes, largest progress saved %d bytes", o.Manifest.Parts, item, o.ProgressBytes)
	if item > 24<<10 || o.ProgressBytes > purger.MaxProgressBytes {
		t.Errorf("registry item %d bytes, progress %d bytes: not bounded", item, o.ProgressBytes)
	}
}
