package main_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/purger"
	"github.com/pledge-dev/pledge/shared/sandbox"
	"github.com/pledge-dev/pledge/shared/sandbox/sandboxtest"
	"github.com/pledge-dev/pledge/shared/sandbox/scenario"
	"github.com/pledge-dev/pledge/shared/tenant"
)

type world struct {
	sb   *sandbox.Sandbox
	bin  string
	env  []string
	tw   scenario.TenantWorld
	deps scenario.TenantDeps
	dir  string
}

func setup(t *testing.T, opts sandbox.Options, shape scenario.TenantShape) *world {
	t.Helper()
	sb := sandboxtest.Start(t, opts)
	ctx := context.Background()
	deps := scenario.DepsFor(sb)
	if err := scenario.SeedEvidence(ctx, deps.S3, 1); err != nil {
		t.Fatal(err)
	}
	tw, err := scenario.SeedTenants(ctx, deps, time.Now(), shape)
	if err != nil {
		t.Fatal(err)
	}
	env := append([]string{sandboxtest.ConfigEnv(scenario.Config().Only("tenants", "backup", "notifications")), "PLEDGE_EVIDENCE_BUCKET=" + scenario.EvidenceBucket}, tw.Env()...)
	return &world{sb: sb, bin: sandboxtest.Build(t, "tenant-purger"), env: env, tw: tw, deps: deps, dir: t.TempDir()}
}

// invoke runs the binary and fails the test unless it exits 0.
func (w *world) invoke(t *testing.T, extra []string, args ...string) sandboxtest.Result {
	t.Helper()
	r := sandboxtest.Invoke(t, w.sb, w.bin, append(slices.Clone(w.env), extra...), append([]string{"invoke"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("tenant-purger %v: exit %d\n%s", args, r.Code, r.Stderr)
	}
	return r
}

func (w *world) writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// queued drains the purge queue's messages (as the simulator holds them)
// into SQS events, one message each, as Lambda's event source mapping with
// batch size 1 would deliver them.
func (w *world) queued(t *testing.T) map[string]string {
	t.Helper()
	msgs, err := w.sb.Sim.SQS().Messages(scenario.PurgeQueue)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for i, m := range msgs {
		pm, err := purger.ParseMessage(m.Body)
		if err != nil {
			t.Fatalf("queue message %d: %v", i, err)
		}
		files[pm.TenantID] = w.sqsEvent(t, m.MessageId, m.Body)
	}
	return files
}

func (w *world) sqsEvent(t *testing.T, id, body string) string {
	t.Helper()
	ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: id, Body: body, EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:ap-northeast-1:000000000000:" + scenario.PurgeQueue, AWSRegion: "ap-northeast-1"}}}
	b, _ := json.Marshal(ev)
	return w.writeFile(t, fmt.Sprintf("sqs-%s.json", id), b)
}

func (w *world) forged(t *testing.T, id string) string {
	t.Helper()
	return w.sqsEvent(t, "forged-"+id, purger.Message{TenantID: id, Reason: purger.ReasonDue, Enqueued: time.Now().UTC(), Round: 1}.Encode())
}

func (w *world) purge(t *testing.T, file string, extra []string, args ...string) purger.Outcome {
	t.Helper()
	var res purger.BatchResult
	r := w.invoke(t, extra, append([]string{"-event", file}, args...)...)
	if os.Getenv("PURGER_TEST_LOGS") != "" {
		t.Log(r.Stderr)
	}
	r.Decode(t, &res)
	if len(res.Purges) != 1 {
		t.Fatalf("want one outcome, got %+v", res)
	}
	return res.Purges[0]
}

func (w *world) fingerprints(t *testing.T) map[string]scenario.Fingerprint {
	t.Helper()
	fp, err := scenario.TenantFingerprints(context.Background(), w.deps.S3)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func (w *world) registry(t *testing.T, table string) *tenant.Registry {
	t.Helper()
	reg, err := tenant.New(w.deps.DynamoDB, table, scenario.Config().Tenants)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func (w *world) status(t *testing.T, id string) tenant.Tenant {
	t.Helper()
	got, err := w.registry(t, w.tw.Table).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// evidence reads one object of the evidence bucket.
func (w *world) evidence(t *testing.T, c *s3.Client, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(scenario.EvidenceBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get evidence %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifyWithOpenSSL saves the certificate's three files and runs the
// command the README and the mail give.
func verifyWithOpenSSL(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := strings.Fields(certificate.VerifyCommand)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("%s: %v: %s", certificate.VerifyCommand, err, out)
	}
}

type sesStore struct {
	Emails []struct {
		From        string `json:"from"`
		Subject     string `json:"subject"`
		Destination struct {
			To []string `json:"to"`
		} `json:"destination"`
		Body struct {
			Text string `json:"text"`
		} `json:"body"`
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"contentType"`
			Content     string `json:"content"`
		} `json:"attachments"`
	} `json:"emails"`
}

func (w *world) mail(t *testing.T) sesStore {
	t.Helper()
	resp, err := http.Get(w.sb.SES.URL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s sesStore
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPurger_SandboxEndToEnd(t *testing.T) {
	w := setup(t, sandbox.Options{}, scenario.DefaultTenantShape)
	ctx := context.Background()
	before := w.fingerprints(t)

	// Dry run of the sweep: the same due tenants with their plans, nothing
	// enqueued, nothing published, nothing deleted.
	var dry purger.SweepResult
	w.invoke(t, nil, "-dry-run").Decode(t, &dry)
	var dryDue []string
	for _, d := range dry.Due {
		dryDue = append(dryDue, d.ID)
		want := int64(scenario.DefaultTenantShape.Keys * scenario.DefaultTenantShape.Versions)
		if d.Plan == nil || d.Plan.Total.Versions != want || d.Plan.Total.Bytes == 0 {
			t.Errorf("dry run plan of %s: %+v, want %d versions with bytes", d.ID, d.Plan, want)
		}
	}
	if !slices.Equal(dryDue, w.tw.Purged) || len(dry.Enqueued) != 0 {
		t.Errorf("dry run: due %v enqueued %v; want due %v, nothing enqueued", dryDue, dry.Enqueued, w.tw.Purged)
	}
	if msgs, _ := w.sb.Sim.SQS().Messages(scenario.PurgeQueue); len(msgs) != 0 || len(w.sb.Sim.SNS().Messages()) != 0 {
		t.Fatalf("dry run sent %d queue messages and %d ops messages", len(msgs), len(w.sb.Sim.SNS().Messages()))
	}

	// The sweep enqueues exactly the two due tenants and sends ops the
	// advance notice for the one due within 7 days.
	var sweep purger.SweepResult
	w.invoke(t, nil).Decode(t, &sweep)
	if got := slices.Sorted(slices.Values(sweep.Enqueued)); !slices.Equal(got, w.tw.Purged) {
		t.Fatalf("enqueued %v, want %v", got, w.tw.Purged)
	}
	files := w.queued(t)
	if len(files) != 2 || files[scenario.TenantPurgeable] == "" || files[scenario.TenantPurgeable2] == "" {
		t.Fatalf("queue holds %v, want one message each for tenant-1 and tenant-2", files)
	}
	if len(sweep.Upcoming) != 1 || sweep.Upcoming[0].ID != scenario.TenantInGrace || sweep.Upcoming[0].Plan == nil {
		t.Errorf("upcoming = %+v, want tenant-3 with a plan", sweep.Upcoming)
	}
	ops := w.sb.Sim.SNS().Messages()
	if len(ops) != 1 || ops[0].TopicArn != scenario.OpsTopicARN || !strings.Contains(ops[0].Message, scenario.TenantInGrace) || !strings.Contains(ops[0].Message, "bytes") {
		t.Errorf("ops advance notice: %+v", ops)
	}
	// tenant-1's deadline is 15 days away (terminated 45 days ago, 30 + 30).
	if m := sweep.DeadlineDaysLeftMin; m == nil || *m < 14.9 || *m > 15.1 {
		t.Errorf("deadline days left min = %v, want 15", m)
	}

	// Messages for tenants that must not be purged: refused, untouched.
	for _, id := range []string{w.tw.Reinstated, scenario.TenantNeighbour, scenario.TenantInGrace} {
		o := w.purge(t, w.forged(t, id), nil)
		if o.Action != purger.ActionRefused {
			t.Errorf("%s: %s (%s), want refused", id, o.Action, o.Reason)
		}
		if st := w.status(t, id); st.PurgeAttempts != 0 {
			t.Errorf("%s: purge attempts %d after a refused message", id, st.PurgeAttempts)
		}
	}

	// Purge both due tenants from their queue messages.
	outcomes := map[string]purger.Outcome{}
	for _, id := range w.tw.Purged {
		o := w.purge(t, files[id], nil)
		if o.Action != purger.ActionPurged {
			t.Fatalf("%s: %s (%s %s)", id, o.Action, o.Reason, o.Error)
		}
		outcomes[id] = o
	}

	after := w.fingerprints(t)
	for _, id := range w.tw.Purged {
		if fp, ok := after[id]; ok {
			t.Errorf("%s: %d versions left under its prefix", id, fp.Versions)
		}
		if st := w.status(t, id); st.Status != tenant.StatusPurged || st.Purged.IsZero() {
			t.Errorf("%s: registry says %s", id, st.Status)
		}
		o := outcomes[id]
		shape := scenario.DefaultTenantShape
		want := before[id].Versions
		if got := int(o.Counts.Versions + o.Counts.DeleteMarkers); got != want || o.Counts.Objects != int64(shape.Keys) {
			t.Errorf("%s: deleted %+v, want %d versions and markers of %d keys", id, o.Counts, want, shape.Keys)
		}
	}
	for _, id := range append(slices.Clone(w.tw.Untouched), "") {
		if after[id] != before[id] {
			t.Errorf("%q: data changed: %+v → %+v", id, before[id], after[id])
		}
	}

	// Certificates: in the evidence bucket, verified by openssl, naming
	// the manifest digest the purge reported.
	for _, id := range w.tw.Purged {
		o := outcomes[id]
		if len(o.Certificate) != 3 {
			t.Fatalf("%s: certificate keys %v", id, o.Certificate)
		}
		for _, k := range o.Certificate {
			if !strings.HasPrefix(k, purger.KindCertificate+"/"+id+"/") {
				t.Errorf("certificate key %s is not under %s/%s/", k, purger.KindCertificate, id)
			}
		}
		a := audit(t, w, o.Certificate)
		if cert := a.cert; cert.TenantID != id || cert.Manifest.SHA256 != o.ManifestSHA256 || cert.Counts != o.Counts || cert.Manifest.Parts == 0 {
			t.Errorf("%s: certificate %+v does not match the purge %+v", id, cert, o)
		}
		if o.Evidence == "" || !strings.HasPrefix(o.Evidence, purger.KindRun+"/") {
			t.Errorf("%s: purge-run evidence %q", id, o.Evidence)
		}
	}

	// One email per contact, certificate attached, nothing to anyone else.
	store := w.mail(t)
	got := map[string]int{}
	for _, e := range store.Emails {
		for _, to := range e.Destination.To {
			got[to]++
		}
		if !strings.Contains(e.Subject, "データ削除証明書") || !strings.Contains(e.Subject, "Data deletion certificate") {
			t.Errorf("subject %q", e.Subject)
		}
		// Each contact reads their own language first (the scenario's
		// .example.com contacts chose English); both languages are there.
		first, second := "【日本語】", "【English】"
		if strings.HasSuffix(strings.Join(e.Destination.To, ","), ".example.com") {
			first, second = second, first
		}
		if i, j := strings.Index(e.Body.Text, first), strings.Index(e.Body.Text, second); i < 0 || j < i {
			t.Errorf("body to %v is not %s first, then %s:\n%s", e.Destination.To, first, second, e.Body.Text)
		}
		var names []string
		for _, a := range e.Attachments {
			names = append(names, a.Filename)
			if a.Filename == certificate.FileJSON {
				b, _ := base64.StdEncoding.DecodeString(a.Content)
				if _, err := certificate.Parse(b); err != nil {
					t.Errorf("attached certificate: %v", err)
				}
			}
		}
		slices.Sort(names)
		if want := []string{certificate.FileJSON, certificate.FileSignature, certificate.FilePublicKey}; !slices.Equal(names, slices.Sorted(slices.Values(want))) {
			t.Errorf("attachments %v, want %v", names, want)
		}
	}
	for _, id := range w.tw.Purged {
		for _, addr := range w.tw.Contacts[id] {
			if got[addr] != 1 {
				t.Errorf("%s: %d mails, want 1", addr, got[addr])
			}
			delete(got, addr)
		}
	}
	if len(got) != 0 {
		t.Errorf("mail to others: %v", got)
	}
	// The Los Angeles contact sees Pacific times.
	for _, e := range store.Emails {
		if slices.Contains(e.Destination.To, w.tw.Contacts[scenario.TenantPurgeable][1]) && !strings.Contains(e.Body.Text, "(UTC-0") {
			t.Errorf("the America/Los_Angeles contact's mail shows no Pacific offset")
		}
	}

	// A redelivered message changes nothing and mails nobody again.
	if o := w.purge(t, files[scenario.TenantPurgeable], nil); o.Action != purger.ActionAlreadyPurged {
		t.Errorf("redelivery: %s", o.Action)
	}
	if n := len(w.mail(t).Emails); n != len(store.Emails) {
		t.Errorf("redelivery sent %d more mails", n-len(store.Emails))
	}

	// Lifecycle events through the same binary: a reinstatement of a purged
	// tenant is refused with an error; a malformed event is a clear error.
	ev := tenant.Event{ID: "late-reinstate", Type: tenant.EventReinstated, TenantID: scenario.TenantPurgeable, OccurredAt: time.Now().UTC()}
	b, _ := json.Marshal(ev.CloudWatchEvent("000000000000", "ap-northeast-1", time.Now()))
	r := sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-event", w.writeFile(t, "reinstate.json", b))
	if r.Code != 1 || !strings.Contains(r.Stderr, "conflict") {
		t.Errorf("reinstating a purged tenant: exit %d, %s", r.Code, r.Stderr)
	}
	bad := strings.Replace(string(b), scenario.TenantPurgeable, "../tenant-1", 1)
	r = sandboxtest.Invoke(t, w.sb, w.bin, w.env, "invoke", "-event", w.writeFile(t, "bad.json", []byte(bad)))
	if r.Code != 1 || !strings.Contains(r.Stderr, "tenantId") {
		t.Errorf("invalid lifecycle event: exit %d, %s", r.Code, r.Stderr)
	}
	_ = ctx
}

// copyRegistry copies every item of the registry table into a new table.
func copyRegistry(t *testing.T, db *dynamodb.Client, from, to string) {
	t.Helper()
	ctx := context.Background()
	if err := tenant.CreateTable(ctx, db, to); err != nil {
		t.Fatal(err)
	}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(from)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(to), Item: it}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// cloneS3 stops the sandbox's MinIO, copies its data directory and starts
// MinIO on both: the sandbox keeps the original, the clone is returned.
// Both hold the same objects with the same version ids.
func cloneS3(t *testing.T, w *world, dataDir string) *sandbox.Process {
	t.Helper()
	ctx := context.Background()
	w.sb.S3.Stop()
	clone := filepath.Join(t.TempDir(), "minio")
	if out, err := exec.Command("cp", "-a", filepath.Join(dataDir, "minio"), clone).CombinedOutput(); err != nil {
		t.Fatalf("copy MinIO data: %v: %s", err, out)
	}
	orig, err := sandbox.StartMinIO(ctx, filepath.Join(dataDir, "minio"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(orig.Stop)
	w.sb.S3 = orig
	cp, err := sandbox.StartMinIO(ctx, clone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	w.deps = scenario.DepsFor(w.sb)
	return cp
}

// s3Proxy forwards to MinIO. It delays every ListObjectVersions request
// by listDelay (so a purge takes a known minimum time, whatever the
// machine's load) and answers 503 SlowDown to every slowDownEvery-th
// DeleteObjects request (0: never). It counts the SlowDowns injected.
func s3Proxy(t *testing.T, target string, listDelay time.Duration, slowDownEvery int64) (string, *atomic.Int64) {
	t.Helper()
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	var calls, injected atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodGet && q.Has("versions") {
			time.Sleep(listDelay)
		}
		if r.Method == http.MethodPost && q.Has("delete") && slowDownEvery > 0 && calls.Add(1)%slowDownEvery == 1 {
			injected.Add(1)
			rw.Header().Set("Content-Type", "application/xml")
			rw.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(rw, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &injected
}

func TestPurger_ResumedPurgeMatchesUninterruptedCopy(t *testing.T) {
	dataDir := t.TempDir()
	shape := scenario.TenantShape{Keys: 300, Versions: 2, MarkerEvery: 4}
	began := time.Now()
	w := setup(t, sandbox.Options{Dir: dataDir}, scenario.DefaultTenantShape)
	if err := scenario.SeedTenantObjects(context.Background(), w.deps.S3, scenario.TenantPurgeable2, shape); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %s", time.Since(began))
	id := scenario.TenantPurgeable2
	before := w.fingerprints(t)
	copyRegistry(t, w.deps.DynamoDB, w.tw.Table, "pledge-tenants-copy")
	clone := cloneS3(t, w, dataDir)
	msg := w.forged(t, id)

	// The identical copy, purged in one go.
	copyEnv := []string{"AWS_ENDPOINT_URL_S3=" + clone.URL, "PLEDGE_REGISTRY_TABLE=pledge-tenants-copy"}
	whole := w.purge(t, msg, copyEnv)
	if whole.Action != purger.ActionPurged || whole.Attempt != 1 {
		t.Fatalf("uninterrupted purge: %+v", whole)
	}

	// The original, with pages of 25, each listing delayed 100 ms (so the
	// purge needs at least 2.8 s) and 3 s invocations: it pauses, sends
	// itself on, and resumes from the checkpoint until done.
	slow, _ := s3Proxy(t, w.sb.S3.URL, 100*time.Millisecond, 0)
	small := []string{"PLEDGE_PURGE_PAGE_SIZE=25", "AWS_ENDPOINT_URL_S3=" + slow}
	var rounds []purger.Outcome
	file := msg
	for len(rounds) < 40 {
		o := w.purge(t, file, small, "-timeout", "3s")
		rounds = append(rounds, o)
		t.Logf("round %d: %s %s deleted %+v, error %q", len(rounds), o.Action, o.Status, o.Deleted, o.Error)
		if o.Action == purger.ActionPurged {
			break
		}
		if o.Action == purger.ActionContinued {
			// The purger sent the tenant on: the next round is that
			// message.
			msgs, err := w.sb.Sim.SQS().Messages(scenario.PurgeQueue)
			if err != nil || len(msgs) == 0 {
				t.Fatalf("round %d paused but sent nothing on: %v", len(rounds), err)
			}
			last := msgs[len(msgs)-1]
			pm, err := purger.ParseMessage(last.Body)
			if err != nil || pm.TenantID != id || pm.Reason != purger.ReasonResume {
				t.Fatalf("message sent on: %+v, %v", pm, err)
			}
			file = w.sqsEvent(t, last.MessageId, last.Body)
			continue
		}
		if o.Action != purger.ActionFailed {
			t.Fatalf("round %d: %+v", len(rounds), o)
		}
		// A round that ran out of time in the final steps is redelivered
		// by SQS: the same message again.
	}
	final := rounds[len(rounds)-1]
	if final.Action != purger.ActionPurged {
		t.Fatalf("not purged after %d rounds: %+v", len(rounds), final)
	}
	continued := 0
	for _, o := range rounds {
		if o.Action == purger.ActionContinued {
			continued++
		}
	}
	if continued == 0 {
		t.Fatalf("the purge was never interrupted (%d rounds): the test proves nothing", len(rounds))
	}
	t.Logf("interrupted purge: %d rounds (%d paused), %d versions and markers", len(rounds), continued, final.Counts.Versions+final.Counts.DeleteMarkers)
	if final.ManifestSHA256 != whole.ManifestSHA256 || final.Counts != whole.Counts {
		t.Errorf("resumed purge: digest %s counts %+v; uninterrupted copy: %s %+v", final.ManifestSHA256, final.Counts, whole.ManifestSHA256, whole.Counts)
	}
	if got, want := int(final.Counts.Versions+final.Counts.DeleteMarkers), before[id].Versions; got != want {
		t.Errorf("deleted %d, want %d", got, want)
	}
	if st := w.status(t, id); st.Status != tenant.StatusPurged || st.PurgeAttempts != len(rounds) {
		t.Errorf("registry: %s after %d attempts, want purged after %d", st.Status, st.PurgeAttempts, len(rounds))
	}
	after := w.fingerprints(t)
	if _, ok := after[id]; ok {
		t.Errorf("%s: versions left", id)
	}
	for _, o := range append(slices.Clone(w.tw.Untouched), "", scenario.TenantPurgeable) {
		if after[o] != before[o] {
			t.Errorf("%q changed", o)
		}
	}

	// SlowDown: every third DeleteObjects answered 503 by a proxy in front
	// of MinIO. The purge backs off and still completes. Meanwhile SES
	// fails every send to the second contact: the first attempt ends
	// failed after mailing the first contact; the redelivered message
	// reuses the same certificate and mails only the second.
	proxy, injected := s3Proxy(t, w.sb.S3.URL, 0, 3)
	la := w.tw.Contacts[scenario.TenantPurgeable][1]
	var sesDown atomic.Bool
	sesDown.Store(true)
	sesURL, _ := url.Parse(w.sb.SES.URL)
	sesRP := httputil.NewSingleHostReverseProxy(sesURL)
	ses := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if sesDown.Load() && strings.Contains(string(body), la) {
			rw.Header().Set("X-Amzn-ErrorType", "InternalFailure")
			rw.WriteHeader(http.StatusInternalServerError)
			io.WriteString(rw, `{"message":"injected"}`)
			return
		}
		sesRP.ServeHTTP(rw, r)
	}))
	t.Cleanup(ses.Close)
	mailsBefore := len(w.mail(t).Emails)
	msg1 := w.forged(t, scenario.TenantPurgeable)
	env1 := []string{"AWS_ENDPOINT_URL_S3=" + proxy, "PLEDGE_PURGE_PAGE_SIZE=5", "AWS_ENDPOINT_URL_SESV2=" + ses.URL}
	first := w.purge(t, msg1, env1)
	if first.Action != purger.ActionFailed || len(first.Certificate) != 3 || first.Emailed != 0 {
		t.Fatalf("with SES failing for one contact: %+v", first)
	}
	if st := w.status(t, scenario.TenantPurgeable); st.Status != tenant.StatusPurging {
		t.Errorf("tenant-1 is %s before every contact was mailed, want purging", st.Status)
	}
	sesDown.Store(false)
	o := w.purge(t, msg1, env1)
	if !slices.Equal(o.Certificate, first.Certificate) || o.Emailed != 2 {
		t.Errorf("retry: certificate %v (first %v), emailed %d", o.Certificate, first.Certificate, o.Emailed)
	}
	perContact := map[string]int{}
	for _, e := range w.mail(t).Emails[mailsBefore:] {
		for _, to := range e.Destination.To {
			perContact[to]++
		}
	}
	for _, addr := range w.tw.Contacts[scenario.TenantPurgeable] {
		if perContact[addr] != 1 {
			t.Errorf("%s mailed %d times over the two attempts, want once", addr, perContact[addr])
		}
	}
	if o.Action != purger.ActionPurged || injected.Load() == 0 || o.Concurrency.Decreases+first.Concurrency.Decreases == 0 {
		t.Errorf("under SlowDown: %s, %d injected, concurrency %+v", o.Action, injected.Load(), o.Concurrency)
	}
	if fp := w.fingerprints(t); fp[scenario.TenantPurgeable].Versions != 0 || fp[scenario.TenantNeighbour] != before[scenario.TenantNeighbour] {
		t.Errorf("after the SlowDown purge: tenant-1 %+v, tenant-10 changed: %v", fp[scenario.TenantPurgeable], fp[scenario.TenantNeighbour] != before[scenario.TenantNeighbour])
	}
	t.Logf("SlowDown: %d injected, concurrency %+v", injected.Load(), o.Concurrency)
}
